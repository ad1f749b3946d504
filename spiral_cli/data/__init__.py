"""Training and evaluation images, brought to the canvas convention."""

from spiral_cli.data.datasets import Dataset, load_dataset, parse_data_spec

__all__ = ["Dataset", "load_dataset", "parse_data_spec"]
