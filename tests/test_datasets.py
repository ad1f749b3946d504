"""Splits a user relies on: training never reads the test or the validation images."""

import numpy as np
import pytest
from PIL import Image

from spiral_cli.data import load_dataset
from spiral_cli.data.datasets import MNIST_VALID, dataset_labels, mnist_labels
from spiral_cli.errors import UsageError


def write_idx(path, array: np.ndarray) -> None:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def rows_as_ids(images: np.ndarray) -> set[int]:
    return {int(i) for i in images[:, 0, 0, 0]}


def test_mnist_validation_split_is_the_last_training_digits_and_training_skips_them(tmp_path):
    count = MNIST_VALID + 40
    ids = np.arange(count) % 250  # each digit's first pixel names it (mod 250)
    digits = np.zeros((count, 28, 28), np.uint8)
    digits[:, 0, 0] = ids
    write_idx(tmp_path / "train-images-idx3-ubyte", digits)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.arange(count) % 10)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", digits[:10])
    train = load_dataset(f"mnist:{tmp_path}", "train", canvas=28).images
    valid = load_dataset(f"mnist:{tmp_path}", "valid", canvas=28).images
    assert len(train) == 40 and len(valid) == MNIST_VALID
    assert list(255 - train[:, 0, 0, 0]) == list(ids[:40])
    assert list(mnist_labels(f"mnist:{tmp_path}", "valid", limit=3)) == [0, 1, 2]  # rows 40, 41, 42


def test_omniglot_keeps_each_training_characters_last_drawer_for_validation(tmp_path):
    images = np.ones((10, 4, 105, 105), bool)  # True is paper
    for character in range(10):
        for drawer in range(4):
            images[character, drawer, :10 * drawer + 5, :5 * character + 5] = False  # ink says who drew what
    np.savez(tmp_path / "images_background.npz", images=images)
    spec = f"omniglot:{tmp_path / 'images_background.npz'}"
    train, valid, test = (load_dataset(spec, split, canvas=105).images for split in ("train", "valid", "test"))
    assert (len(train), len(valid), len(test)) == (8 * 3, 8, 2 * 4)  # every 5th character is held out
    heights = lambda split: {int((s[:, 0, 0] < 128).sum()) for s in split}
    assert heights(valid) == {35} and 35 not in heights(train)
    widths = lambda split: [int((s[0, :, 0] < 128).sum()) for s in load_dataset(spec, split, canvas=105).images]
    for split in ("train", "valid", "test"):  # the labels follow the images: character c is 5 c + 5 px wide
        assert [5 * c + 5 for c in dataset_labels(spec, split)] == widths(split)


def test_image_folders_split_three_ways_without_overlap(tmp_path):
    for index in range(200):
        Image.fromarray(np.full((8, 8), index, np.uint8)).save(tmp_path / f"{index:03d}.png")
    splits = {split: rows_as_ids(load_dataset(f"images:{tmp_path}", split, canvas=8).images)
              for split in ("train", "valid", "test")}
    assert sum(map(len, splits.values())) == 200 and set.union(*splits.values()) == set(range(200))
    assert 5 <= len(splits["valid"]) <= 40 and 5 <= len(splits["test"]) <= 40


def test_data_without_a_validation_split_say_so(tmp_path):
    (tmp_path / "scene.png").write_bytes(b"")
    with pytest.raises(UsageError, match="no validation split"):
        load_dataset(f"scenes:{tmp_path}", "valid")
