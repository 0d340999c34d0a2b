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

Shuffled data up to :data:`EPOCH_COPY_BYTES` are gathered in the new order once per epoch, and
every batch is a slice of that copy (cheapest for the lecture's one-observation updates). A
larger data set is not copied (that would double the memory it needs): each batch is gathered
(``np.take``) into one work array reused from batch to batch, so nothing is allocated per batch;
its targets, small beside it, are still gathered once for the epoch.
Unshuffled batches are views of the data.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

#: the three kinds of gradient descent, by how many observations one update uses
GD_KINDS = ("batch", "stochastic", "mini-batch")


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


#: shuffled data sets up to this size are copied in the new order once per epoch; larger ones
#: are gathered batch by batch into a reused work array
EPOCH_COPY_BYTES = 16 * 2 ** 20


def iterate(X: np.ndarray, y: np.ndarray, batch_size: int | None, order: np.ndarray | None
            ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (X_batch, y_batch) for one epoch in ``order`` (see :func:`epoch_order`).

    With an order, the batches live in work arrays that the next batch overwrites: use (or copy)
    a batch before asking for the next one.
    """
    n = len(X)
    h = n if batch_size is None else min(batch_size, n)
    if order is not None and X.nbytes + y.nbytes <= EPOCH_COPY_BYTES:
        X, y, order = X[order], y[order], None
    if order is None:
        for start in range(0, n, h):
            yield X[start:start + h], y[start:start + h]
        return
    xbuf = np.empty((h,) + X.shape[1:], dtype=X.dtype)
    # the targets are small beside X (labels: 8 bytes a sample): gathered once for the epoch,
    # unless they too are large
    ybuf = np.empty((h,) + y.shape[1:], dtype=y.dtype) if y.nbytes > EPOCH_COPY_BYTES else None
    y_epoch = y[order] if ybuf is None else y
    for start in range(0, n, h):
        idx = order[start:start + h]
        k = len(idx)
        # mode="clip": the indices are valid; the default "raise" makes a temporary copy first
        xb = np.take(X, idx, axis=0, out=xbuf[:k], mode="clip")
        yield xb, (y_epoch[start:start + h] if ybuf is None
                   else np.take(y, idx, axis=0, out=ybuf[:k], mode="clip"))


def n_batches(n_samples: int, batch_size: int | None) -> int:
    h = n_samples if batch_size is None else min(batch_size, n_samples)
    return -(-n_samples // h)
