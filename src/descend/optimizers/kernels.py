"""Fused update kernels: the same arithmetic as the readable NumPy rules, in one pass over memory.

The NumPy form of Adam (``adam.py``) and the pipeline around it (``base.py``) make about a
dozen passes over each array (one per ufunc); for arrays larger than the CPU cache each pass is a
trip to memory. The kernels here do, element by element, *the same operations in the same order
and the same precision* — so they return bit-for-bit the numbers of the NumPy form
(``tests/test_optimizer_kernels.py`` checks it) — in one vectorised pass, compiled by numba.

The NumPy form stays the definition. The kernels are used when numba can be imported, one array
of the step is large enough (:func:`pay_off`), the arrays are C-contiguous, and
``DESCEND_KERNELS`` is not set to ``"numpy"``; numba is imported (and each kernel compiled, with
an on-disk cache) on first use only, so ``import descend`` stays light.

Scalars are cast to the arrays' dtype before the loop, as NumPy does for a Python float in a
float32 operation (NEP 50), so float32 arithmetic stays float32.
"""
from __future__ import annotations

import math
from functools import cache
from typing import Any, NamedTuple, Sequence

import numpy as np

from ..jit import numba as _numba

#: a step takes the kernels where one of its arrays has this many elements (then all its arrays
#: do: a kernel call, ~2 µs, is cheaper than the dozen ufunc calls of a rule even on 10 elements;
#: below it the model is lecture-sized and should not pay numba's import, ~0.5 s and ~150 MB)
MIN_SIZE = 128

#: epsilon placements of Adam (see adam.py), as small ints for the kernel
PLACEMENT = {"inside": 0, "outside": 1, "hat": 2}


def enabled() -> bool:
    """Whether the fused kernels are available (numba importable, not switched off)."""
    return _numba() is not None


def pay_off(params: Sequence[np.ndarray]) -> bool:
    """Take the kernels for this step's arrays? Where one of them has :data:`MIN_SIZE` elements
    or more (numba is then imported anyway, and a small array's kernel call is cheaper than its
    dozen ufunc calls); a model of lecture size never imports numba."""
    for p in params:                                  # (a loop: cheaper than any() of a generator)
        if p.size >= MIN_SIZE:
            return enabled()
    return False


def contiguous(*arrays: np.ndarray) -> bool:
    """All C-contiguous? (a kernel walks each array's memory as one flat run)"""
    for a in arrays:
        if not a.flags.c_contiguous:
            return False
    return True


class Fused(NamedTuple):
    """Steps 5–7 of one update, compiled: ``kernel(g, w, prev, *slots, *scalars)`` per array, the
    slots named by ``slots`` (in that order; a name may repeat), the scalars cast to the array's
    dtype. Returns how many elements of Δ are not finite."""

    kernel: Any
    scalars: tuple[float, ...]
    slots: tuple[str, ...]


# One compiled loop per variant: the variant's flags are constants of the loop (closure
# variables are frozen at compile time), so the loop has no branches and LLVM vectorises it.
# error_model="numpy": a division by zero gives inf (as in NumPy) instead of raising, which
# also keeps the loop branch-free. One thread: NumPy's own element-wise loops use one, and
# a second pool of threads next to the BLAS threads of a training step was measured to slow
# a W1 epoch down 1.2–5.6× on 2 cores (see jit.py).
#
# Each kernel does the whole of the pipeline's steps 5–7 for one array (base.py): the rule's
# step Δ, the decoupled decay Δ ← Δ + c·w (a compile-time flag: off, the loop has no such term),
# then keeps the old weight (``prev``) and writes w ← w − Δ, counting the non-finite Δ. Reading
# g, w and the slots once and writing w, ``prev`` and the slots once is the whole memory
# traffic of a step; the NumPy form makes a pass per ufunc. The count is also the gradient
# check: a NaN or inf in g makes its Δ non-finite, and leaves that element's slots untouched
# (a select, not a branch), so a caller may skip a separate scan of the gradients.
@cache
def _adam_kernel(placement: int, amsgrad: bool, decay: bool) -> Any:
    @_numba().njit(cache=True, error_model="numpy")
    def adam(g_, w_, prev_, m_, v_, v_max_, c1, c2, bc2, sqrt_bc2, eps_term, scale, c_decay):
        # per element, exactly adam.py's _moments, the amsgrad max, _corrected_sqrt and the step;
        # a non-finite g leaves its slots as they were (its step is not finite: counted in bad)
        g, m, v, v_max = g_.reshape(g_.size), m_.reshape(m_.size), v_.reshape(v_.size), v_max_.reshape(v_max_.size)
        w, prev = w_.reshape(w_.size), prev_.reshape(prev_.size)      # (views: the arrays are C-contiguous)
        bad = 0
        for i in range(g.size):
            gi = g[i]
            ok = np.isfinite(gi)
            mo, vo = m[i], v[i]
            d = gi - mo
            d *= c1
            mi = mo + d
            m[i] = mi if ok else mo
            d = gi * gi
            d -= vo
            d *= c2
            vi = vo + d
            v[i] = vi if ok else vo
            if amsgrad:
                vm = v_max[i]
                vi = max(vm, vi)
                v_max[i] = vi if ok else vm
            if placement == 0:
                den = vi / bc2
                den += eps_term
                den = np.sqrt(den)
            else:
                den = np.sqrt(vi)
                den /= sqrt_bc2
                den += eps_term
            o = mi / den
            o *= scale
            wi = w[i]
            if decay:
                o += c_decay * wi
            prev[i] = wi
            w[i] = wi - o
            bad += not np.isfinite(o)
        return bad

    return adam


@cache
def _momentum_kernel(velocity: bool, nesterov: bool, first: bool, decay: bool) -> Any:
    @_numba().njit(cache=True, error_model="numpy")
    def momentum(g_, w_, prev_, buf_, lr, gamma, c_damp, c_decay):
        # per element, exactly sgd.py's SGD.rule with momentum > 0, then steps 6–7 as adam's
        g, buf = g_.reshape(g_.size), buf_.reshape(buf_.size)
        w, prev = w_.reshape(w_.size), prev_.reshape(prev_.size)      # (views: the arrays are C-contiguous)
        bad = 0
        for i in range(g.size):
            gi = g[i]
            ok = np.isfinite(gi)               # a non-finite g leaves its buffer as it was
            bo = buf[i]
            if velocity:                       # v = γv + (1 − τ)η g;  Δ = v  or  γv + ηg
                b = bo * gamma
                o = gi * c_damp
                b += o
                buf[i] = b if ok else bo
                if nesterov:
                    o += gamma * b
                else:
                    o = b
            else:                              # PyTorch: b = γb + (1 − τ)g (b₁ = g);  Δ = ηb or η(g + γb)
                if first:
                    b = gi
                else:
                    b = bo * gamma
                    b += c_damp * gi
                buf[i] = b if ok else bo
                if nesterov:
                    o = b * gamma
                    o += gi
                    o *= lr
                else:
                    o = b * lr
            wi = w[i]
            if decay:
                o += c_decay * wi
            prev[i] = wi
            w[i] = wi - o
            bad += not np.isfinite(o)
        return bad

    return momentum


def adam_step(*, beta_1: float, beta_2: float, epsilon: float, placement: str, amsgrad: bool,
              lr: float, t: int, decay: float) -> Fused:
    """Adam's steps 5–7 at step t: m, v (and v_max) updated, ``prev`` ← w, w ← w − (Δ + decay·w)."""
    bias_correction_2 = 1.0 - beta_2 ** t
    root = math.sqrt(bias_correction_2)
    eps_term = epsilon if placement != "hat" else epsilon / root
    return Fused(_adam_kernel(PLACEMENT[placement], amsgrad, bool(decay)),
                 (1.0 - beta_1, 1.0 - beta_2, bias_correction_2, root, eps_term, lr / (1.0 - beta_1 ** t), decay),
                 ("m", "v", "v_max") if amsgrad else ("m", "v", "v"))     # (without AMSGrad v_max is v)


def momentum_step(*, lr: float, gamma: float, dampening: float, velocity: bool, nesterov: bool,
                  first: bool, decay: float) -> Fused:
    """SGD with momentum's steps 5–7: the buffer updated, ``prev`` ← w, w ← w − (Δ + decay·w)."""
    c_damp = (1.0 - dampening) * lr if velocity else 1.0 - dampening
    return Fused(_momentum_kernel(velocity, nesterov, first, bool(decay)), (lr, gamma, c_damp, decay),
                 ("velocity",))
