"""The scene pictures in docs/: held-out MUJOCO SCENES renders (made by this project), what the
`scenes` checkpoint reads from them, and its programs re-rendered at 256 px from another camera.

    python tools/make_scene_docs.py --data scenes:DATA_DIR [--n 4]"""

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from spiral_cli.evaluation.scenes import load_scene_test
from spiral_cli.export.raster import image_grid, png_bytes
from spiral_cli.export.files import write_output
from spiral_cli.parsing.agent import Agent
from spiral_cli.parsing.scenes import agent_scenes
from spiral_cli.scenes.renderer import SceneRenderer

ROOT = Path(__file__).resolve().parent.parent
SIDE = 256


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--n", type=int, default=4)
    args = parser.parse_args()
    agent = Agent.load("scenes")
    targets, _ = load_scene_test(args.data, args.n)
    programs, renders = agent_scenes(agent, targets)
    renderer = SceneRenderer(SIDE, SIDE)
    rows = []
    for target, render, program in zip(targets, renders, programs):
        turned = renderer.render(program.objects, replace(program.camera, azimuth=45.0, elevation=-35.0))
        rows.append(np.concatenate([_big(target), _big(render), turned], axis=1))
    renderer.close()
    write_output(ROOT / "docs" / "scenes-parse.png", png_bytes(image_grid(rows, 1)))


def _big(image: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(image).resize((SIDE, SIDE), Image.Resampling.NEAREST))


if __name__ == "__main__":
    main()
