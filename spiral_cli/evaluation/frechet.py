"""The Fréchet distance between drawings and real images (DESIGN section 4), in the
feature space of a small classifier the project trains itself on the real images."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import scipy.linalg
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from spiral_cli.errors import UsageError
from spiral_cli.parsing.drawing import TEMPERATURE, draw

FEATURES = 64
CONFIDENT = 0.99  # the classifier's probability at which a drawing counts as recognised


class Classifier(nn.Module):
    """Canvas-convention (N, 64, 64, 1) uint8 images -> class logits; `features` is the
    penultimate layer the distance is measured in."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.convs = nn.Sequential(
            nn.Conv2d(1, 16, 5, stride=2, padding=2), nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
        )
        self.features_layer = nn.Linear(64 * 8 * 8, FEATURES)
        self.out = nn.Linear(FEATURES, classes)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        x = 1.0 - images.permute(0, 3, 1, 2).float() / 255.0  # ink
        return F.relu(self.features_layer(self.convs(x).flatten(1)))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.out(self.features(images))


def train_classifier(images: np.ndarray, labels: np.ndarray, minutes: float = 3.0, seed: int = 0) -> Classifier:
    """Adam on shuffled minibatches for a wall-clock budget."""
    torch.manual_seed(seed)
    model = Classifier(int(labels.max()) + 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    data, targets = torch.from_numpy(images), torch.from_numpy(labels.astype(np.int64))
    deadline = time.monotonic() + minutes * 60
    while time.monotonic() < deadline:
        for batch in torch.randperm(len(data)).split(128):
            loss = F.cross_entropy(model(data[batch]), targets[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if time.monotonic() > deadline:
                break
    return model.eval()


@torch.no_grad()
def accuracy(model: Classifier, images: np.ndarray, labels: np.ndarray) -> float:
    predictions = torch.cat([model(torch.from_numpy(c)).argmax(-1) for c in np.array_split(images, 20)])
    return float((predictions.numpy() == labels).mean())


def save_classifier(model: Classifier, path: Path) -> None:
    save_file(model.state_dict(), str(path))


def load_classifier(path: Path) -> Classifier:
    if not Path(path).is_file():
        raise UsageError(f"{path}: no feature classifier for the Fréchet distance")
    weights = load_file(str(path))
    model = Classifier(weights["out.weight"].shape[0])
    model.load_state_dict(weights)
    return model.eval()


@torch.no_grad()
def features_of(model: Classifier, images: np.ndarray) -> np.ndarray:
    return torch.cat([model.features(torch.from_numpy(c)) for c in np.array_split(images, max(1, len(images) // 256))]).numpy()


@torch.no_grad()
def recognised_share(model: Classifier, images: np.ndarray) -> float:
    """Share of images to which the classifier gives one class at least CONFIDENT
    probability: how many drawings are recognisable, without a human (an over-confident
    classifier counts some scribbles too, so it is read beside the real images' share)."""
    chunks = np.array_split(images, max(1, len(images) // 256))
    top = torch.cat([F.softmax(model(torch.from_numpy(c)), -1).max(-1).values for c in chunks])
    return float((top >= CONFIDENT).float().mean())


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)) of two feature sets (N, D)."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    ridge = 1e-6 * np.eye(a.shape[1])  # dead ReLU features make the covariances singular
    cov_a, cov_b = np.cov(a, rowvar=False) + ridge, np.cov(b, rowvar=False) + ridge
    root = scipy.linalg.sqrtm(cov_a @ cov_b)
    root = root.real if np.iscomplexobj(root) else root
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root))


CLASSIFIERS = Path(__file__).resolve().parent.parent.parent / "checkpoints"


def evaluate_samples(agent, data: str, n: int = 1000, seed: int = 0, classifier: Path | None = None,
                     temperature: float = TEMPERATURE, quality: str = "fast"):
    """Fréchet distance of n unconditional drawings (as `spiral draw --quality --temperature` makes them)
    to n real test images, and to n images of the validation split (the training distribution,
    never trained on), each beside the distance n real training images score (the floor a
    perfect generator of the training distribution would reach)."""
    from spiral_cli.data import load_dataset, parse_data_spec
    from spiral_cli.data.datasets import WITH_VALID

    kind = parse_data_spec(data)[0]
    model = load_classifier(classifier or CLASSIFIERS / f"{kind}-classifier" / "classifier.safetensors")
    start = time.perf_counter()
    programs, samples = draw(agent, n, quality, temperature, seed=seed)
    seconds = time.perf_counter() - start
    canvas, color = agent.env.canvas, agent.env.color
    test = load_dataset(data, "test", canvas, color, limit=n).images
    drawn, train = features_of(model, samples), features_of(model, load_dataset(data, "train", canvas, color, limit=n).images)
    reference = features_of(model, test)
    report = {
        "images": len(samples),
        "quality": quality,
        "temperature": temperature,
        "frechet_distance": frechet_distance(drawn, reference),
        "frechet_distance_of_real_training_images": frechet_distance(train, reference),
    }
    if kind in WITH_VALID:
        unseen = features_of(model, load_dataset(data, "valid", canvas, color, limit=n).images)
        report["frechet_distance_to_valid"] = frechet_distance(drawn, unseen)
        report["frechet_distance_of_real_training_images_to_valid"] = frechet_distance(train, unseen)
    report.update({
        "recognised_share": recognised_share(model, samples),
        "recognised_share_of_real_test_images": recognised_share(model, test),
        "strokes_per_image": float(np.mean([len(p.strokes) for p in programs])),
        "images_per_second": len(samples) / seconds,
    })
    return report, samples
