"""The fused sparse cross-entropy of a training step, on work arrays and one compiled pass.

:class:`FastSparseCrossentropy` computes what
:meth:`SparseCategoricalCrossentropy.fused(z, y, a) <descend.losses.SparseCategoricalCrossentropy.fused>`
computes for the softmax outputs ``a`` of the forward pass, bit for bit: z_y − max, the row
maxima of a, δ = (ŷ − onehot(y))·(1/N) and the label check in one pass, then one ``np.log``, one
add and one sum. δ is a work array, overwritten by the next batch of the same shape.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..losses import Loss, SparseCategoricalCrossentropy
from . import contiguous_like, loops
from .work import WorkSets


class FastSparseCrossentropy:
    """The training-step form of a :class:`~descend.losses.SparseCategoricalCrossentropy`."""

    def __init__(self, loss: SparseCategoricalCrossentropy) -> None:
        self.loss = loss
        self.work = WorkSets()

    def fused(self, z: np.ndarray, y: np.ndarray, a: np.ndarray) -> tuple[float, np.ndarray]:
        """(E, δ) of the model's logits z, labels y (prepared: int64, in range) and a = softmax(z)."""
        if z.size < loops.MIN_SIZE or not contiguous_like(z, a):
            return self.loss.fused(z, y, a)
        n, k = z.shape
        w = self.work.get((n, k, z.dtype), lambda n, k, dtype: {
            "picked": np.empty(n, dtype), "log_a_max": np.empty(n, dtype), "delta": np.empty((n, k), dtype)})
        picked, log_a_max, delta = w["picked"], w["log_a_max"], w["delta"]
        if loops.sparse_ce_parts(z, a, y, picked, log_a_max, delta):
            self.loss.labels(z, y)                               # raises, naming the labels
        np.log(log_a_max, out=log_a_max)                         # log S = −log max_k a_k
        np.add(picked, log_a_max, out=picked)                    # z_y − max − log S
        return -float(np.add.reduce(picked)) / max(n, 1), delta


def fast_loss(loss: Loss) -> Any:
    """The fast fused form of ``loss`` for a training step, or None (the reference serves)."""
    # the built-in class itself (not a subclass), in its own reduction with no ignored class
    if type(loss) is SparseCategoricalCrossentropy and loss.native():
        return FastSparseCrossentropy(loss)
    return None
