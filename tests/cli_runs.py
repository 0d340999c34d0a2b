"""Data and trained runs shared by the tests of ``descend evaluate`` and ``descend predict``
(a helper module, not a test file)."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from descend.cli import main

LABELS = ("setosa", "virginica", "versicolor")


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def train_flowers(root: Path) -> tuple[Path, list[list[str]]]:
    """A CSV classification run with text labels and features on very different scales;
    returns (model directory, csv rows)."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(60):
        label = LABELS[i % 3]
        centre = {"setosa": (0, 0), "virginica": (10, 0), "versicolor": (0, 10)}[label]
        a, b = rng.normal(centre, 1.0)
        rows.append([f"{a:.3f}", label, f"{100 * b:.3f}"])
    data = write_csv(root / "train.csv", ["a", "species", "b"], rows)
    model_dir = root / "model"
    assert main(["train", "--csv", str(data), "--target", "species", "--layers", "8", "--epochs", "60",
                 "--lr", "0.05", "--validation-split", "0", "--quiet", "--no-plot",
                 "--out", str(model_dir)]) == 0
    return model_dir, rows
