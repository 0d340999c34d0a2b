"""A built-in Dense layer's training step, on work arrays and compiled loops.

:class:`FastDense` computes what :meth:`Dense.forward <descend.layers.Dense.forward>`,
:meth:`~descend.layers.Dense.backward` and :meth:`~descend.layers.Dense.backward_delta` compute,
bit for bit, but

* into work arrays reused from batch to batch (no array is allocated per batch once a batch
  shape has been seen, where the activation has a loop below);
* with one compiled pass for bias + ReLU, for bias + softmax (rows of at most 128), for δ and
  ∂E/∂b of a ReLU layer, and for ∂E/∂b of a given δ (``loops.py``);
* without ∂E/∂x for the first layer (nothing below needs it);
* writing δ over a ∂E/∂a that the training step says it will not read again.

It keeps the layer's caches (``x``, ``z``, ``a``) pointing at its work arrays, so that what reads
a layer after a training step (metrics, the gradient monitor, divergence reports) sees that
step's numbers. The work arrays are overwritten by the next batch of the same size.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import activations
from ..layers import Dense
from . import contiguous_like, loops
from .work import WorkSets


class FastDense:
    """The training-step form of one built-in :class:`~descend.layers.Dense` layer.

    Parameters
    ----------
    layer : Dense
    input_grad : bool
        Whether :meth:`backward` returns ∂E/∂x (False for the first layer).
    """

    def __init__(self, layer: Dense, input_grad: bool = True) -> None:
        self.layer = layer
        self.input_grad = input_grad
        act = type(layer.activation)
        self.relu = layer.use_bias and act is activations.ReLU
        self.softmax = (layer.use_bias and act is activations.Softmax
                        and layer.units <= loops.PAIRWISE_BLOCK)
        self.work = WorkSets()

    def _arrays(self, n: int, dtype: np.dtype) -> dict[str, np.ndarray]:
        layer = self.layer
        return self.work.get((n, dtype, layer.input_dim), lambda n, dtype, d: {
            "z": np.empty((n, layer.units), dtype), "a": np.empty((n, layer.units), dtype),
            "delta": np.empty((n, layer.units), dtype), "dx": np.empty((n, d), dtype),
            "bias": np.empty((n, layer.units), dtype)})

    def forward(self, x: np.ndarray) -> np.ndarray:
        """z = x·W + b, a = f(z) into work arrays; returns a (overwritten by the next batch)."""
        layer = self.layer
        W, b = layer.params[0], layer.bias
        work = self._arrays(len(x), W.dtype)
        z = np.matmul(x, W, out=work["z"])
        if b is not None and (self.relu or self.softmax) and self._compiled(z, b):
            a = (loops.bias_relu if self.relu else loops.bias_softmax)(z, b, work["a"])
        else:
            if b is not None:
                # z += b through b copied to every row: a broadcasting ufunc allocates an
                # iteration buffer at every call, a same-shape add does not (same numbers)
                np.copyto(work["bias"], b)
                z += work["bias"]
            a = layer.activation(z)
        layer.x, layer.z, layer.a = x, z, a
        return a

    def backward(self, dy: np.ndarray, scratch: bool = False) -> np.ndarray | None:
        """∂E/∂a → ∂E/∂x (None for the first layer), storing ∂E/∂W and ∂E/∂b in the layer's grads.

        ``scratch``: ``dy`` is a work array nobody reads again; δ may be written over it.
        """
        layer = self.layer
        if self.relu and layer.z is not None and self._compiled(dy, layer.grads[1]):
            work = self._arrays(len(dy), dy.dtype)
            delta = loops.relu_delta_bias(layer.z, dy, dy if scratch else work["delta"], layer.grads[1])
            return self._weight_grads(delta, bias=False)
        return self.backward_delta(layer.delta(dy))

    def backward_delta(self, delta: np.ndarray) -> np.ndarray | None:
        """δ = ∂E/∂z → ∂E/∂x (None for the first layer), storing ∂E/∂W and ∂E/∂b."""
        return self._weight_grads(delta, bias=self.layer.use_bias)

    def _weight_grads(self, delta: np.ndarray, bias: bool) -> np.ndarray | None:
        layer = self.layer
        assert layer.x is not None, "backward before forward"
        np.matmul(layer.x.T, delta, out=layer.grads[0])            # ∂E/∂W = xᵀδ
        if layer.kernel_regularizer is not None:
            layer.grads[0] += layer.kernel_regularizer.gradient(layer.params[0])
        if bias:                                                   # ∂E/∂b = Σ_batch δ
            if self._compiled(delta, layer.grads[1]):
                loops.bias_grad(delta, layer.grads[1])
            else:
                np.sum(delta, axis=0, out=layer.grads[1])
        if not self.input_grad:
            return None
        work = self._arrays(len(delta), delta.dtype)
        return np.matmul(delta, layer.params[0].T, out=work["dx"])  # ∂E/∂x = δWᵀ

    @staticmethod
    def _compiled(first: np.ndarray, *others: Any) -> bool:
        """Whether a compiled loop pays off for these arrays (large enough, one flat run each)."""
        return first.size >= loops.MIN_SIZE and contiguous_like(first, *others)
