"""Compiled loops behind the readable NumPy forms: numba, loaded on first use, and the kernels
of the training step outside the optimizers (those are in ``optimizers/kernels.py``).

Every kernel here performs *the same operations in the same order and precision* as the NumPy
code it stands in for — so the numbers are bit for bit the same (``tests/test_jit.py``) — in one
pass over memory where NumPy makes one pass per ufunc. Exponentials and logarithms stay NumPy's
(numba's differ from its SIMD ones in the last bit): the compiled passes go around one ``np.exp``
or ``np.log`` call, and the sums reproduce NumPy's pairwise summation. The NumPy form stays the
definition and runs where numba is not installed, where ``DESCEND_KERNELS=numpy`` is set, for
arrays too small for a compiled call to pay off, and for non-contiguous or mixed-dtype arrays.

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
    if a.size < (MIN_SIZE if min_size is None else min_size) or a.dtype.kind != "f" or numba() is None:
        return False
    dtype = a.dtype
    for x in arrays:                                 # (a loop: ~3x cheaper than all() of a generator)
        if not x.flags.c_contiguous or x.dtype != dtype:
            return False
    return True


# ------------------------------------------------------------------------ NumPy's sum
#: NumPy sums a contiguous run of up to this many elements in one block (its pairwise_sum
#: recurses only above); the compiled loops reproduce the block, and leave longer runs to NumPy
PAIRWISE_BLOCK = 128

# Kernels call the compiled block sum through this module-level name, not through a closure:
# numba keys its on-disk cache on a closure's contents, and a compiled function among them differs
# from process to process, so every process would compile those kernels again (~1 s each).
_block_sum_compiled: Any = None


def _block_sum() -> Any:
    """Bind (once) and return the compiled block sum."""
    global _block_sum_compiled
    if _block_sum_compiled is None:
        def block_sum(x, lo, n, zero):
            # x[lo:lo + n], n ≤ PAIRWISE_BLOCK, summed as NumPy's add.reduce sums a contiguous run:
            # below 8 one by one from 0; else in 8 running sums combined as a tree, then the rest
            # one by one
            if n < 8:
                s = zero
                for i in range(n):
                    s += x[lo + i]
                return s
            r0, r1, r2, r3 = x[lo], x[lo + 1], x[lo + 2], x[lo + 3]
            r4, r5, r6, r7 = x[lo + 4], x[lo + 5], x[lo + 6], x[lo + 7]
            i = 8
            while i < n - n % 8:
                r0 += x[lo + i]
                r1 += x[lo + i + 1]
                r2 += x[lo + i + 2]
                r3 += x[lo + i + 3]
                r4 += x[lo + i + 4]
                r5 += x[lo + i + 5]
                r6 += x[lo + i + 6]
                r7 += x[lo + i + 7]
                i += 8
            s = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while i < n:
                s += x[lo + i]
                i += 1
            return s
        _block_sum_compiled = numba().njit(cache=True)(block_sum)
    return _block_sum_compiled


# ------------------------------------------------------------------------ Dense + ReLU
# In a training step the model lets these loops write their result over their input (a over z,
# δ over ∂E/∂a): one array less to write. A loop of its own for that case (``over`` is a
# constant of the loop), which LLVM vectorises without the runtime check for overlapping arrays.
@cache
def _bias_relu(over: bool) -> Any:
    @numba().njit(cache=True)
    def bias_relu(z, b, a):
        n, k = z.shape
        for r in range(n):
            for j in range(k):
                zj = z[r, j] + b[j]                  # z += b
                # np.maximum(z, 0): z where z ≥ 0 or NaN (NaN propagates), else 0
                aj = zj if (zj >= 0 or zj != zj) else 0
                if over:
                    z[r, j] = aj
                else:
                    z[r, j] = zj
                    a[r, j] = aj
    return bias_relu


def bias_relu(z: np.ndarray, b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``z += b; a = max(z, 0)`` (in place, one pass): a Dense layer's bias and ReLU. Returns a.

    ``a`` may be z itself: z then ends up holding a."""
    _bias_relu(a is z)(z, b, a)
    return a


@cache
def _relu_delta_bias(over: bool) -> Any:
    @numba().njit(cache=True)
    def relu_delta_bias(a, g, delta, db):
        n, k = a.shape
        for r in range(n):
            for j in range(k):
                d = np.sign(a[r, j]) * g[r, j]       # δ = relu′(z) ⊙ ∂E/∂a = sign(a) ⊙ ∂E/∂a
                if over:
                    g[r, j] = d
                else:
                    delta[r, j] = d
                if r == 0:                           # ∂E/∂b = Σ_batch δ, row after row as
                    db[j] = d                        # NumPy's sum over axis 0 adds them
                else:
                    db[j] += d
    return relu_delta_bias


def relu_delta_bias(a: np.ndarray, g: np.ndarray, delta: np.ndarray, db: np.ndarray) -> np.ndarray:
    """``delta = sign(a) * g; db = delta.sum(axis=0)`` in one pass (ReLU′ and ∂E/∂b). Returns delta.

    ``delta`` may be g itself: g then ends up holding δ."""
    _relu_delta_bias(delta is g)(a, g, delta, db)
    if a.shape[1] == 1:                              # one column: NumPy sums it as a run (pairwise)
        np.add.reduce(delta, axis=0, out=db)
    return delta


# ------------------------------------------------------------------------ ∂E/∂b of a given δ
#: the kernels below stand in for a reduction (5–15 µs in NumPy on a batch, ~2 µs compiled) or
#: for about ten NumPy calls: they pay off from a few hundred elements (a lecture-sized layer
#: stays NumPy, without numba's import)
FEW_CALLS_MIN_SIZE = 256


@cache
def _bias_grad() -> Any:
    @numba().njit(cache=True)
    def bias_grad(delta, db):
        n, k = delta.shape
        for j in range(k):
            db[j] = delta[0, j]
        for r in range(1, n):                        # row after row, as NumPy's sum over axis 0
            for j in range(k):
                db[j] += delta[r, j]
    return bias_grad


def bias_grad(delta: np.ndarray, db: np.ndarray) -> np.ndarray:
    """``db = delta.sum(axis=0)`` (∂E/∂b = Σ_batch δ) for a 2-D δ of one row or more. Returns db."""
    if delta.shape[1] == 1:                          # one column: NumPy sums it as a run (pairwise)
        np.add.reduce(delta, axis=0, out=db)
    else:
        _bias_grad()(delta, db)
    return db


# ------------------------------------------------------------------------ softmax output


@cache
def _bias_shift() -> Any:
    @numba().njit(cache=True)
    def bias_shift(z, b, e):
        n, k = z.shape
        for r in range(n):
            m = z[r, 0] + b[0]
            for j in range(k):
                zj = z[r, j] + b[j]                  # z += b
                z[r, j] = zj
                m = zj if (zj > m or zj != zj) else m   # max, NaN propagating as np.maximum
            for j in range(k):
                e[r, j] = z[r, j] - m                # z − max ≤ 0
    return bias_shift


@cache
def _normalize() -> Any:
    _block_sum()

    @numba().njit(cache=True)
    def normalize(e, zero):
        n, k = e.shape
        for r in range(n):
            s = _block_sum_compiled(e[r], 0, k, zero)   # S = Σ e^(z − max), NumPy's sum (k ≤ 128)
            for j in range(k):
                e[r, j] /= s                         # a = e / S, in place
    return normalize


def bias_softmax(z: np.ndarray, b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``z += b; a = softmax(z)`` row by row, as :class:`~descend.activations.Softmax` computes it:
    ``e^(z − max) / Σ e^(z − max)``, the exponential NumPy's own (one ``np.exp`` call between
    two compiled passes), the sums NumPy's pairwise ones. Rows of at most :data:`PAIRWISE_BLOCK`
    elements. Returns a."""
    if z.shape[1] > PAIRWISE_BLOCK:
        raise ValueError(f"z: expected rows of at most {PAIRWISE_BLOCK} elements, got {z.shape[1]}")
    _bias_shift()(z, b, a)
    np.exp(a, out=a)
    _normalize()(a, a.dtype.type(0))
    return a


@cache
def _sparse_ce_parts() -> Any:
    @numba().njit(cache=True)
    def sparse_ce_parts(z, a, labels, one, scale, picked, a_max, delta):
        n, k = z.shape
        bad = 0
        for r in range(n):
            y = labels[r]
            if y < 0 or y >= k:                       # counted, never read: the caller raises
                bad += 1
                y = -1
            zm = z[r, 0]
            am = a[r, 0]
            for j in range(k):
                zj, aj = z[r, j], a[r, j]
                zm = zj if (zj > zm or zj != zj) else zm
                am = aj if (aj > am or aj != aj) else am
                d = aj - one if j == y else aj        # ŷ − onehot(y)
                delta[r, j] = d * scale               # ... / N
            picked[r] = (z[r, y] if y >= 0 else zm) - zm   # z_y − max
            a_max[r] = am
        return bad
    return sparse_ce_parts


def sparse_ce_parts(z: np.ndarray, a: np.ndarray, labels: np.ndarray, picked: np.ndarray,
                    a_max: np.ndarray, delta: np.ndarray) -> int:
    """For softmax outputs ``a`` of logits ``z`` (N, K) and integer labels (N,):
    ``picked = z_y − max_k z``, ``a_max = max_k a``, ``delta = (a − onehot(y)) / N``.

    Returns how many labels lie outside [0, K) (their rows are not read: the caller raises).
    """
    dt = a.dtype.type
    return _sparse_ce_parts()(z, a, labels, dt(1), dt(1.0 / max(len(z), 1)), picked, a_max, delta)
