"""Break each reward and critic term on purpose, one at a time, and check that
tests/test_rewards.py fails for every one (then restore the file). Run from the repository:
python tools/check_reward_tests.py"""

import subprocess

MUTATIONS = [  # (file, the correct code, a broken version)
    ("spiral_cli/training/rewards.py", "return relative[:-1] - relative[1:]", "return relative[1:] - relative[:-1]"),
    ("spiral_cli/training/rewards.py", "rewards[-1] = -relative[-1]", "rewards[-1] = relative[-1]"),
    ("spiral_cli/training/rewards.py", "return scores[1:] - scores[:-1]", "return scores[1:]"),
    ("spiral_cli/training/rewards.py", "rewards[-1] = _score(", "rewards[-1] = -_score("),
    ("spiral_cli/training/rewards.py", "return (draws & ~previous).float()", "return draws.float()"),
    ("spiral_cli/training/rewards.py", "amax(1) < 0.1)", "amax(1) < 0.01)"),
    ("spiral_cli/training/rewards.py", ".abs().sum(1).mean(-1) / bins", ".abs().sum(1).mean(-1)"),
    ("spiral_cli/training/rewards.py", "rewards[-1] -= config.ink_penalty", "rewards -= config.ink_penalty"),
    ("spiral_cli/training/rewards.py", "canvas.shape[-1] == 3 and", ""),
    ("spiral_cli/training/discriminator_learner.py", "loss = d_fake.mean() - d_real.mean()", "loss = d_real.mean() - d_fake.mean()"),
    ("spiral_cli/training/discriminator_learner.py", "loss = loss + self.config.d_centering * centering", "loss = loss"),
    ("spiral_cli/training/discriminator_learner.py", "norm(dim=1) - 1) ** 2", "norm(dim=1)) ** 2"),
]

def main() -> int:
    missed = 0
    for path, correct, broken in MUTATIONS:
        source = open(path).read()
        assert correct in source, correct
        try:
            open(path, "w").write(source.replace(correct, broken, 1))
            run = subprocess.run(["./run.sh", "pytest", "-q", "-x", "tests/test_rewards.py"], capture_output=True, text=True)
        finally:
            open(path, "w").write(source)
        missed += run.returncode == 0
        print("caught" if run.returncode else "MISSED", path.split("/")[-1], correct[:50], "|",
              run.stdout.strip().splitlines()[-1][:60])
    return missed


if __name__ == "__main__":
    raise SystemExit(main())
