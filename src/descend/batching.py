"""The three kinds of gradient descent (lecture §2), by how many observations one update uses.

=================  =====================  ====================================================
kind               ``batch_size``         one epoch
=================  =====================  ====================================================
batch (BGD)        None, or ≥ N           one update with all N observations
stochastic (SGD)   1                      N updates, each with one randomly chosen observation
mini-batch         1 < h < N              shuffle, then h at a time from the front: ⌈N/h⌉ updates
=================  =====================  ====================================================

"Randomly chosen" for SGD means a fresh random order every epoch (each observation drawn once per
epoch, as Keras and PyTorch do), so an epoch is comparable across the three kinds. With
``shuffle=False`` the order is the data's own. The last mini-batch holds the remainder when h does
not divide N. A batch GD epoch does not shuffle: the order of the sum does not change the update.

The data are gathered in the new order once per epoch (one copy), and every batch is then a
contiguous slice of that copy — no per-batch gather.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def gd_kind(batch_size: int | None, n_samples: int) -> str:
    """``"batch"``, ``"stochastic"`` or ``"mini-batch"`` for a batch size and a data size."""
    if batch_size is None or batch_size >= n_samples:
        return "batch"
    return "stochastic" if batch_size == 1 else "mini-batch"


def check_batch_size(batch_size: object) -> int | None:
    if batch_size is None:
        return None
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size: expected a positive integer or None (batch GD), got {batch_size!r}")
    return int(batch_size)


def epoch_order(n_samples: int, batch_size: int | None, shuffle: bool,
                rng: np.random.Generator) -> np.ndarray | None:
    """The permutation used for one epoch, or None for the data's own order."""
    if not shuffle or gd_kind(batch_size, n_samples) == "batch":
        return None
    return rng.permutation(n_samples)


def iterate(X: np.ndarray, y: np.ndarray, batch_size: int | None, order: np.ndarray | None
            ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (X_batch, y_batch) for one epoch in ``order`` (see :func:`epoch_order`)."""
    n = len(X)
    if order is not None:
        X, y = X[order], y[order]
    h = n if batch_size is None else min(batch_size, n)
    for start in range(0, n, h):
        yield X[start:start + h], y[start:start + h]


def n_batches(n_samples: int, batch_size: int | None) -> int:
    h = n_samples if batch_size is None else min(batch_size, n_samples)
    return -(-n_samples // h)
