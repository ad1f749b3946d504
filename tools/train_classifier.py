"""Train the feature classifier that `spiral eval` measures Fréchet distances with.

    python tools/train_classifier.py mnist:../shared/data/mnist checkpoints/mnist-classifier
    python tools/train_classifier.py omniglot:../shared/data/omniglot/images_background.npz checkpoints/omniglot-classifier

Trained on the training split; accuracy is measured on the validation split (for omniglot the
test split's characters are other alphabets, which a character classifier cannot name).
"""

import sys
from pathlib import Path

from spiral_cli.data import load_dataset
from spiral_cli.data.datasets import dataset_labels
from spiral_cli.evaluation.frechet import accuracy, save_classifier, train_classifier

if __name__ == "__main__":
    spec, out = sys.argv[1], Path(sys.argv[2])
    minutes = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
    model = train_classifier(load_dataset(spec, "train").images, dataset_labels(spec, "train"), minutes)
    valid_accuracy = accuracy(model, load_dataset(spec, "valid").images, dataset_labels(spec, "valid"))
    out.mkdir(parents=True, exist_ok=True)
    save_classifier(model, out / "classifier.safetensors")
    print(f"validation accuracy {valid_accuracy:.4f} after {minutes} min; saved {out / 'classifier.safetensors'}")
