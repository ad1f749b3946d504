"""Train the feature classifier that `spiral eval` measures Fréchet distances with.

    python tools/train_classifier.py ../shared/data/mnist checkpoints/mnist-classifier
"""

import sys
from pathlib import Path

from spiral_cli.data import load_dataset
from spiral_cli.data.datasets import mnist_labels
from spiral_cli.evaluation.frechet import accuracy, save_classifier, train_classifier

if __name__ == "__main__":
    spec, out = f"mnist:{sys.argv[1]}", Path(sys.argv[2])
    minutes = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
    model = train_classifier(load_dataset(spec, "train").images, mnist_labels(spec, "train"), minutes)
    test_accuracy = accuracy(model, load_dataset(spec, "test").images, mnist_labels(spec, "test"))
    out.mkdir(parents=True, exist_ok=True)
    save_classifier(model, out / "classifier.safetensors")
    print(f"test accuracy {test_accuracy:.4f} after {minutes} min; saved {out / 'classifier.safetensors'}")
