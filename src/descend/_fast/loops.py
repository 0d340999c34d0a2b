"""The compiled loops of a Dense layer's training step and of the sparse cross-entropy (numba).

Each loop performs *the same operations in the same order and precision* as the reference NumPy
expression it stands in for — so the numbers are bit for bit the same (``tests/test_fast.py``)
— in one pass over memory where NumPy makes one pass per ufunc. Exponentials and logarithms
stay NumPy's (numba's differ from its SIMD ones in the last bit): the compiled passes go around
one ``np.exp`` or ``np.log`` call, and the sums reproduce NumPy's pairwise summation.

Loops are single-threaded, as NumPy's element-wise loops are: a second pool of threads next to
the BLAS threads of a training step only waits for the BLAS library's spinning workers
(``benchmarks/README.md`` has the measurements).

Each loop is compiled on its first call, with numba's on-disk cache. A loop calls another
compiled function through a module-level name, never a closure: numba keys its disk cache on a
closure's contents, and a compiled function among them differs from process to process.
"""
from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from . import numba

#: below this many elements a loop does not pay for its call (a compiled call has a fixed cost):
#: the reference NumPy expression is used
MIN_SIZE = 256

#: NumPy sums a contiguous run of up to this many elements in one block (its pairwise sum
#: recurses only above); the loops reproduce the block, and leave longer rows to NumPy
PAIRWISE_BLOCK = 128

_block_sum_compiled: Any = None


def _block_sum() -> Any:
    """Bind (once) and return the compiled block sum."""
    global _block_sum_compiled
    if _block_sum_compiled is None:
        def block_sum(x: np.ndarray, lo: int, n: int, zero: float) -> float:  # (numba infers the types)
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
@cache
def _bias_relu() -> Any:
    @numba().njit(cache=True)
    def bias_relu(z: np.ndarray, b: np.ndarray, a: np.ndarray) -> None:
        n, k = z.shape
        for r in range(n):
            for j in range(k):
                zj = z[r, j] + b[j]                  # z = xW + b
                z[r, j] = zj
                # np.maximum(z, 0): z where z ≥ 0 or NaN (NaN propagates), else 0
                a[r, j] = zj if (zj >= 0 or zj != zj) else 0
    return bias_relu


def bias_relu(z: np.ndarray, b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``z += b; a = max(z, 0)`` in one pass: a Dense layer's bias and ReLU. Returns a."""
    _bias_relu()(z, b, a)
    return a


@cache
def _relu_delta_bias(over: bool) -> Any:
    @numba().njit(cache=True)
    def relu_delta_bias(z: np.ndarray, g: np.ndarray, delta: np.ndarray, db: np.ndarray) -> None:
        n, k = z.shape
        one, zero = g.dtype.type(1), g.dtype.type(0)
        for r in range(n):
            for j in range(k):
                d = g[r, j] * (one if z[r, j] > 0 else zero)   # δ = ∂E/∂a ⊙ relu′(z)
                if over:
                    g[r, j] = d
                else:
                    delta[r, j] = d
                if r == 0:                           # ∂E/∂b = Σ_batch δ, row after row as
                    db[j] = d                        # NumPy's sum over axis 0 adds them
                else:
                    db[j] += d
    return relu_delta_bias


def relu_delta_bias(z: np.ndarray, g: np.ndarray, delta: np.ndarray, db: np.ndarray) -> np.ndarray:
    """``delta = g * (z > 0); db = delta.sum(axis=0)`` in one pass (ReLU′ and ∂E/∂b). Returns delta.

    ``delta`` may be ``g`` itself (a work array the caller lets go of): g then holds δ."""
    _relu_delta_bias(delta is g)(z, g, delta, db)
    if z.shape[1] == 1:                              # one column: NumPy sums it as a run (pairwise)
        np.add.reduce(delta, axis=0, out=db)
    return delta


# ------------------------------------------------------------------------ ∂E/∂b of a given δ
@cache
def _bias_grad() -> Any:
    @numba().njit(cache=True)
    def bias_grad(delta: np.ndarray, db: np.ndarray) -> None:
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
    def bias_shift(z: np.ndarray, b: np.ndarray, e: np.ndarray) -> None:
        n, k = z.shape
        for r in range(n):
            m = z[r, 0] + b[0]
            for j in range(k):
                zj = z[r, j] + b[j]                  # z = xW + b
                z[r, j] = zj
                m = zj if (zj > m or zj != zj) else m   # max, NaN propagating as np.maximum
            for j in range(k):
                e[r, j] = z[r, j] - m                # z − max ≤ 0
    return bias_shift


@cache
def _normalize() -> Any:
    _block_sum()

    @numba().njit(cache=True)
    def normalize(e: np.ndarray, zero: float) -> None:
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


# ------------------------------------------------------------------------ sparse cross-entropy
@cache
def _sparse_ce_parts() -> Any:
    @numba().njit(cache=True)
    def sparse_ce_parts(z: np.ndarray, a: np.ndarray, labels: np.ndarray, one: float, scale: float,
                        picked: np.ndarray, a_max: np.ndarray, delta: np.ndarray) -> int:
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
                delta[r, j] = d * scale               # ... · (1/N)
            picked[r] = (z[r, y] if y >= 0 else zm) - zm   # z_y − max
            a_max[r] = am
        return bad
    return sparse_ce_parts


def sparse_ce_parts(z: np.ndarray, a: np.ndarray, labels: np.ndarray, picked: np.ndarray,
                    a_max: np.ndarray, delta: np.ndarray) -> int:
    """For softmax outputs ``a`` of logits ``z`` (N, K) and integer labels (N,):
    ``picked = z_y − max_k z``, ``a_max = max_k a``, ``delta = (a − onehot(y)) · (1/N)``.

    Returns how many labels lie outside [0, K) (their rows are not read: the caller raises).
    """
    dt = a.dtype.type
    return int(_sparse_ce_parts()(z, a, labels, dt(1), dt(1.0 / max(len(z), 1)), picked, a_max, delta))
