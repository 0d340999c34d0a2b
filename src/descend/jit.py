"""Compiled loops behind the readable NumPy forms: numba, loaded on first use, and the kernels
of the training step outside the optimizers (those are in ``optimizers/kernels.py``).

Every kernel here performs *the same operations in the same order and precision* as the NumPy
code it stands in for — so the numbers are bit for bit the same (``tests/test_jit.py``) — in one
pass over memory where NumPy makes one pass per ufunc. The NumPy form stays the definition and
runs where numba is not installed, where ``DESCEND_KERNELS=numpy`` is set, for arrays too small
for a compiled call to pay off, and for non-contiguous or mixed-dtype arrays.

Kernels are single-threaded, as NumPy's element-wise loops are: a second pool of threads next to
the BLAS threads of a training step only waits for OpenBLAS's spinning worker (a W1 momentum epoch
with the optimizer step on numba's threads, 2 cores: 1.2–5.6× slower, whatever the threading
layer; benchmarks/README.md).
"""
from __future__ import annotations

import os
from functools import cache
from typing import Any

import numpy as np

#: below this many elements the NumPy form is used (numba's dispatch costs a few µs)
MIN_SIZE = 4096


@cache
def numba() -> Any | None:
    """The numba module, or None where it is missing or ``DESCEND_KERNELS=numpy`` switches it off."""
    if os.environ.get("DESCEND_KERNELS", "").lower() == "numpy":
        return None
    try:
        import numba as module
    except ImportError:  # the readable NumPy form is complete without it
        return None
    return module


def usable(*arrays: np.ndarray, min_size: int | None = None) -> bool:
    """Take a kernel for these arrays? (numba available, the first array at least ``min_size``
    elements — default :data:`MIN_SIZE` — all C-contiguous and of the first array's float dtype)."""
    a = arrays[0]
    return (a.size >= (MIN_SIZE if min_size is None else min_size) and a.dtype.kind == "f" and numba() is not None
            and all(x.flags.c_contiguous and x.dtype == a.dtype for x in arrays))


# ------------------------------------------------------------------------ Dense + ReLU
@cache
def _bias_relu() -> Any:
    @numba().njit(cache=True)
    def bias_relu(z, b, a):
        n, k = z.shape
        for r in range(n):
            for j in range(k):
                zj = z[r, j] + b[j]                  # z += b
                z[r, j] = zj
                # np.maximum(z, 0): z where z ≥ 0 or NaN (NaN propagates), else 0
                a[r, j] = zj if (zj >= 0 or zj != zj) else 0
    return bias_relu


def bias_relu(z: np.ndarray, b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``z += b; a = max(z, 0)`` (in place, one pass): a Dense layer's bias and ReLU. Returns a."""
    _bias_relu()(z, b, a)
    return a


@cache
def _relu_delta_bias() -> Any:
    @numba().njit(cache=True)
    def relu_delta_bias(a, g, delta, db):
        n, k = a.shape
        for r in range(n):
            for j in range(k):
                d = np.sign(a[r, j]) * g[r, j]       # δ = relu′(z) ⊙ ∂E/∂a = sign(a) ⊙ ∂E/∂a
                delta[r, j] = d
                if r == 0:                           # ∂E/∂b = Σ_batch δ, row after row as
                    db[j] = d                        # NumPy's sum over axis 0 adds them
                else:
                    db[j] += d
    return relu_delta_bias


def relu_delta_bias(a: np.ndarray, g: np.ndarray, delta: np.ndarray, db: np.ndarray) -> np.ndarray:
    """``delta = sign(a) * g; db = delta.sum(axis=0)`` in one pass (ReLU′ and ∂E/∂b). Returns delta."""
    _relu_delta_bias()(a, g, delta, db)
    return delta
