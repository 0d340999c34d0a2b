"""Optimizer kernels: an optimizer's rule, its decoupled decay and the update in one compiled pass.

Through its rule (``optimizers/*.py``) and the pipeline (``optimizers/base.py``), one Adam step
makes about fifteen passes over each array (one per NumPy operation, each allocating its
result); for arrays larger than the CPU cache each pass is a trip to memory. A kernel here does,
element by element, *the same operations in the same order and the same precision* as the rule
— so it returns bit for bit the rule's numbers (``tests/test_fast.py``) — in one pass: it reads
g, w and the slots once and writes w, the slots and the kept w once.

Scalars are cast to the arrays' dtype before the loop, as NumPy does for a Python float in a
float32 operation (NEP 50), so float32 arithmetic stays float32. Each variant (an ε placement,
AMSGrad, a decay term or not) is a loop of its own whose flags are constants: the loop has no
branches and LLVM vectorises it. ``error_model="numpy"``: a division by zero gives inf, as in
NumPy, instead of raising.

A kernel returns how many elements of Δ are not finite; the pipeline then puts every weight back
from the kept copy. An element whose gradient is not finite keeps its slots (a select, not a
branch), so no NaN or inf enters a slot.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from . import numba

if TYPE_CHECKING:
    from ..optimizers.base import Optimizer

#: a step takes the kernel where one of its arrays has this many elements (then all its arrays
#: do: a kernel call is cheaper than a rule's dozen NumPy calls even on 10 elements; below it the
#: model is lecture-sized and should not pay numba's import)
MIN_SIZE = 128

#: ε placements of Adam (see adam.py), as small ints for the kernel
PLACEMENT = {"inside": 0, "outside": 1, "hat": 2}


def pays_off(params: Sequence[np.ndarray], grads: Sequence[np.ndarray],
             *others: Sequence[np.ndarray]) -> bool:
    """Take the kernel for this step? Where one array has :data:`MIN_SIZE` elements or more and
    every array the kernel reads or writes — params, grads and ``others`` (the kept weights, each
    slot), each a list parallel to ``params`` — is C-contiguous (a kernel walks each array's memory
    as one flat run)."""
    large = False
    for i, (w, g) in enumerate(zip(params, grads, strict=True)):   # (a loop: cheaper than any())
        if not (w.flags.c_contiguous and g.flags.c_contiguous):
            return False
        for arrays in others:
            if not arrays[i].flags.c_contiguous:
                return False
        large = large or w.size >= MIN_SIZE
    return large


class Step:
    """One step's kernel: ``step(g, w, prev, slots)`` does steps 5–7 for one array (``prev``
    receives w before the update; ``slots`` in the order of :attr:`slots`) and returns how many
    elements of Δ are not finite."""

    def __init__(self, kernel: Callable[..., int], scalars: tuple[float, ...],
                 slots: tuple[str, ...]) -> None:
        self.kernel, self.scalars, self.slots = kernel, scalars, slots
        self._dtype: np.dtype | None = None
        self._cast: list[Any] = []

    def __call__(self, g: np.ndarray, w: np.ndarray, prev: np.ndarray, slots: list[np.ndarray]) -> int:
        if w.dtype is not self._dtype:
            self._dtype, self._cast = w.dtype, [w.dtype.type(x) for x in self.scalars]
        return int(self.kernel(g, w, prev, *slots, *self._cast))


def prepare(optimizer: Optimizer, lr: float, t: int, decay: float) -> Step:
    """The kernel of ``optimizer`` (its ``kernel`` name) at step t, its scalars worked out once."""
    return _PREPARE[str(optimizer.kernel)](optimizer, lr, t, decay)


# --------------------------------------------------------------------- what the kernels share
# Per-element pieces inlined into every kernel that uses them. The kernels call them through these
# module-level names, never closures: numba keys its disk cache on a closure's contents (see
# loops.py).
_update_compiled: Any = None
_moments_compiled: Any = None


def _shared() -> None:
    """Bind (once) the compiled steps 6–7 of one element and Adam's moments of one element."""
    global _update_compiled, _moments_compiled
    if _update_compiled is not None:
        return

    def update(w: np.ndarray, prev: np.ndarray, i: int, o: float, decay: bool, c_decay: float) -> int:
        # Δ ← Δ + c·w where there is a decoupled decay; keep w; w ← w − Δ; 1 if Δ is not finite
        wi = w[i]
        if decay:
            o = o + c_decay * wi
        prev[i] = wi
        w[i] = wi - o
        return 0 if np.isfinite(o) else 1

    def moments(m: np.ndarray, v: np.ndarray, i: int, gi: float, ok: bool, b1: float, c1: float,
                b2: float, c2: float) -> tuple[float, float]:
        # the new m and v of element i; kept only where g is finite (a select, not a branch)
        mo, vo = m[i], v[i]
        mi = b1 * mo + c1 * gi                        # m = β₁m + (1 − β₁)g
        vi = b2 * vo + c2 * (gi * gi)                 # v = β₂v + (1 − β₂)g²
        m[i] = mi if ok else mo
        v[i] = vi if ok else vo
        return mi, vi

    inlined = numba().njit(cache=True, inline="always", error_model="numpy")
    _update_compiled, _moments_compiled = inlined(update), inlined(moments)


# -------------------------------------------------------------------------------------------- Adam
@cache
def _adam_kernel(placement: int, amsgrad: bool, decay: bool) -> Any:
    _shared()

    @numba().njit(cache=True, error_model="numpy")
    def adam(g_: np.ndarray, w_: np.ndarray, prev_: np.ndarray, m_: np.ndarray, v_: np.ndarray,
             v_max_: np.ndarray, b1: float, c1: float, b2: float, c2: float, bc1: float, bc2: float,
             eps: float, lr: float, c_decay: float) -> int:
        # per element, exactly Adam.rule (step 5 of the pipeline), then steps 6–7
        # flat views (the arrays are C-contiguous)
        g, m, v, v_max = g_.reshape(g_.size), m_.reshape(m_.size), v_.reshape(v_.size), v_max_.reshape(-1)
        w, prev = w_.reshape(w_.size), prev_.reshape(prev_.size)
        bad = 0
        for i in range(g.size):
            gi = g[i]
            ok = np.isfinite(gi)
            mi, vi = _moments_compiled(m, v, i, gi, ok, b1, c1, b2, c2)      # m, v as Adam
            if amsgrad:                               # v_max = max(v_max, v), as np.maximum
                vm = v_max[i]
                vi = vm if (vm >= vi or vm != vm) else vi
                v_max[i] = vi if ok else vm
            m_hat = mi / bc1
            v_hat = vi / bc2
            # √(v̂ + ε), or √v̂ + ε (Keras: ε/√(1 − β₂ᵗ))
            den = np.sqrt(v_hat + eps) if placement == 0 else np.sqrt(v_hat) + eps
            o = lr * m_hat / den
            bad += _update_compiled(w, prev, i, o, decay, c_decay)      # steps 6–7
        return bad

    return adam


def _adam(opt: Any, lr: float, t: int, decay: float) -> Step:
    b1, b2, eps, placement = opt.beta_1, opt.beta_2, opt.epsilon, opt.epsilon_placement
    if placement == "hat":
        eps = eps / math.sqrt(1 - b2 ** t)
    kernel = _adam_kernel(PLACEMENT[placement], opt.amsgrad, bool(decay))
    return Step(kernel, (b1, 1 - b1, b2, 1 - b2, 1 - b1 ** t, 1 - b2 ** t, eps, lr, decay),
                ("m", "v", "v_max") if opt.amsgrad else ("m", "v", "v"))   # (without AMSGrad v_max is v)


# ------------------------------------------------------------------------------------------- Nadam
@cache
def _nadam_kernel(outside: bool, decay: bool) -> Any:
    _shared()

    @numba().njit(cache=True, error_model="numpy")
    def nadam(g_: np.ndarray, w_: np.ndarray, prev_: np.ndarray, m_: np.ndarray, v_: np.ndarray,
              b1: float, c1: float, b2: float, c2: float, mu_next: float, d_next: float, c_mu: float,
              d_mu: float, bc2: float, eps: float, lr: float, c_decay: float) -> int:
        # per element, exactly Nadam.rule (step 5 of the pipeline), then steps 6–7
        g, m, v = g_.reshape(g_.size), m_.reshape(m_.size), v_.reshape(v_.size)
        w, prev = w_.reshape(w_.size), prev_.reshape(prev_.size)
        bad = 0
        for i in range(g.size):
            gi = g[i]
            ok = np.isfinite(gi)
            mi, vi = _moments_compiled(m, v, i, gi, ok, b1, c1, b2, c2)      # m, v as Adam
            m_hat = mu_next * mi / d_next + c_mu * gi / d_mu   # μ_{t+1}m/(1 − Π_{t+1}) + (1 − μ_t)g/(1 − Π_t)
            v_hat = vi / bc2
            den = np.sqrt(v_hat) + eps if outside else np.sqrt(v_hat + eps)
            o = lr * m_hat / den
            bad += _update_compiled(w, prev, i, o, decay, c_decay)      # steps 6–7
        return bad

    return nadam


def _nadam(opt: Any, lr: float, t: int, decay: float) -> Step:
    b1, b2, prod = opt.beta_1, opt.beta_2, opt.scalars["mu_product"]
    mu_t, mu_next = opt.mu(t), opt.mu(t + 1)
    kernel = _nadam_kernel(opt.epsilon_placement == "outside", bool(decay))
    return Step(kernel, (b1, 1 - b1, b2, 1 - b2, mu_next, 1 - prod * mu_next, 1 - mu_t, 1 - prod,
                         1 - b2 ** t, opt.epsilon, lr, decay), ("m", "v"))


# ----------------------------------------------------------------------------------------- Adagrad
@cache
def _adagrad_kernel(outside: bool, decay: bool) -> Any:
    _shared()

    @numba().njit(cache=True, error_model="numpy")
    def adagrad(g_: np.ndarray, w_: np.ndarray, prev_: np.ndarray, acc_: np.ndarray, lr: float,
                eps: float, c_decay: float) -> int:
        # per element, exactly Adagrad.rule (step 5 of the pipeline), then steps 6–7
        g, acc = g_.reshape(g_.size), acc_.reshape(acc_.size)
        w, prev = w_.reshape(w_.size), prev_.reshape(prev_.size)
        bad = 0
        for i in range(g.size):
            gi = g[i]
            go = acc[i]
            G = go + gi * gi                          # G = G + g²
            acc[i] = G if np.isfinite(gi) else go
            den = np.sqrt(G) + eps if outside else np.sqrt(G + eps)
            o = lr * gi / den                         # Δ = η g / √(G + ε)
            bad += _update_compiled(w, prev, i, o, decay, c_decay)      # steps 6–7
        return bad

    return adagrad


def _adagrad(opt: Any, lr: float, t: int, decay: float) -> Step:
    kernel = _adagrad_kernel(opt.epsilon_placement == "outside", bool(decay))
    lr_t = lr / (1 + (t - 1) * opt.lr_decay)
    return Step(kernel, (lr_t, opt.epsilon, decay), ("accumulator",))


# ----------------------------------------------------------------------------------------- RMSprop
#: RMSprop's momentum, as a small int for the kernel: none, η inside the buffer, η outside
RMSPROP_MOMENTUM = {None: 0, "velocity": 1, "direction": 2}


@cache
def _rmsprop_kernel(outside: bool, centered: bool, momentum: int, decay: bool) -> Any:
    _shared()

    @numba().njit(cache=True, error_model="numpy")
    def rmsprop(g_: np.ndarray, w_: np.ndarray, prev_: np.ndarray, rms_: np.ndarray, avg_: np.ndarray,
                vel_: np.ndarray, rho: float, c_rho: float, mu: float, eps: float, lr: float,
                c_decay: float) -> int:
        # per element, exactly RMSprop.rule (step 5 of the pipeline), then steps 6–7
        g, rms, avg, vel = g_.reshape(g_.size), rms_.reshape(rms_.size), avg_.reshape(-1), vel_.reshape(-1)
        w, prev = w_.reshape(w_.size), prev_.reshape(prev_.size)
        bad = 0
        for i in range(g.size):
            gi = g[i]
            ok = np.isfinite(gi)
            ro = rms[i]
            r = rho * ro + c_rho * (gi * gi)          # E[g²] = ρE[g²] + (1 − ρ)g²
            rms[i] = r if ok else ro
            variance = r
            if centered:                              # E[g] = ρE[g] + (1 − ρ)g; E[g²] − E[g]²
                ao = avg[i]
                a = rho * ao + c_rho * gi
                avg[i] = a if ok else ao
                variance = r - a * a
            den = np.sqrt(variance) + eps if outside else np.sqrt(variance + eps)
            scaled = gi / den                         # g / √(E[g²] + ε)
            if momentum == 0:
                o = lr * scaled
            else:
                vo = vel[i]
                if momentum == 1:                     # m = μm + η g/√…;  Δ = m
                    o = mu * vo + lr * scaled
                    vel[i] = o if ok else vo
                else:                                 # b = μb + g/√…;  Δ = ηb
                    b = mu * vo + scaled
                    vel[i] = b if ok else vo
                    o = lr * b
            bad += _update_compiled(w, prev, i, o, decay, c_decay)      # steps 6–7
        return bad

    return rmsprop


def _rmsprop(opt: Any, lr: float, t: int, decay: float) -> Step:
    buffer = opt.momentum_buffer if opt.momentum else None
    kernel = _rmsprop_kernel(opt.epsilon_placement == "outside", opt.centered, RMSPROP_MOMENTUM[buffer],
                             bool(decay))
    # a slot the configuration has not is passed as "rms" (and never written)
    slots = ("rms", "average_gradient" if opt.centered else "rms", "velocity" if opt.momentum else "rms")
    return Step(kernel, (opt.rho, 1 - opt.rho, opt.momentum, opt.epsilon, lr, decay), slots)


# ---------------------------------------------------------------------------------------- Adadelta
@cache
def _adadelta_kernel(outside: bool, decay: bool) -> Any:
    _shared()

    @numba().njit(cache=True, error_model="numpy")
    def adadelta(g_: np.ndarray, w_: np.ndarray, prev_: np.ndarray, eg_: np.ndarray, ed_: np.ndarray,
                 rho: float, c_rho: float, eps: float, lr: float, c_decay: float) -> int:
        # per element, exactly Adadelta.rule (step 5 of the pipeline), then steps 6–7
        g, eg, ed = g_.reshape(g_.size), eg_.reshape(eg_.size), ed_.reshape(ed_.size)
        w, prev = w_.reshape(w_.size), prev_.reshape(prev_.size)
        bad = 0
        for i in range(g.size):
            gi = g[i]
            ok = np.isfinite(gi)
            go, do = eg[i], ed[i]
            e = rho * go + c_rho * (gi * gi)          # E[g²] = ρE[g²] + (1 − ρ)g²
            if outside:
                delta = (np.sqrt(do) + eps) / (np.sqrt(e) + eps) * gi
            else:                                     # Δw = RMS[Δw]/RMS[g] · g
                delta = np.sqrt(do + eps) / np.sqrt(e + eps) * gi
            eg[i] = e if ok else go
            ed[i] = rho * do + c_rho * (delta * delta) if ok else do   # E[Δw²] = ρE[Δw²] + (1 − ρ)Δw²
            o = lr * delta
            bad += _update_compiled(w, prev, i, o, decay, c_decay)      # steps 6–7
        return bad

    return adadelta


def _adadelta(opt: Any, lr: float, t: int, decay: float) -> Step:
    kernel = _adadelta_kernel(opt.epsilon_placement == "outside", bool(decay))
    return Step(kernel, (opt.rho, 1 - opt.rho, opt.epsilon, lr, decay),
                ("accumulated_grad", "accumulated_delta"))


# ---------------------------------------------------------------------------------------- plain SGD
@cache
def _sgd_kernel(decay: bool) -> Any:
    _shared()

    @numba().njit(cache=True, error_model="numpy")
    def sgd(g_: np.ndarray, w_: np.ndarray, prev_: np.ndarray, lr: float, c_decay: float) -> int:
        # per element, exactly SGD.rule without momentum (step 5), then steps 6–7
        g, w, prev = g_.reshape(g_.size), w_.reshape(w_.size), prev_.reshape(prev_.size)
        bad = 0
        for i in range(g.size):
            bad += _update_compiled(w, prev, i, lr * g[i], decay, c_decay)   # Δ = ηg; steps 6–7
        return bad

    return sgd


# ---------------------------------------------------------------------------------------- momentum
@cache
def _momentum_kernel(velocity: bool, nesterov: bool, first: bool, decay: bool) -> Any:
    _shared()

    @numba().njit(cache=True, error_model="numpy")
    def momentum(g_: np.ndarray, w_: np.ndarray, prev_: np.ndarray, buf_: np.ndarray, lr: float,
                 gamma: float, c_grad: float, c_decay: float) -> int:
        # per element, exactly SGD.rule with momentum > 0 (step 5), then steps 6–7
        g, buf = g_.reshape(g_.size), buf_.reshape(buf_.size)
        w, prev = w_.reshape(w_.size), prev_.reshape(prev_.size)
        bad = 0
        for i in range(g.size):
            gi = g[i]
            ok = np.isfinite(gi)                      # a non-finite g leaves its buffer as it was
            bo = buf[i]
            if velocity:                              # v = γv + (1 − τ)ηg;  Δ = γv + ηg  or  v
                # (nesterov: the reparametrised form; the slides' form steps as momentum does)
                b = gamma * bo + c_grad * gi
                o = gamma * b + lr * gi if nesterov else b
            else:                                     # PyTorch: b = γb + (1 − τ)g, b₁ = g; Δ = η(g + γb), ηb
                b = gi if first else gamma * bo + c_grad * gi
                o = lr * (gi + gamma * b) if nesterov else lr * b
            buf[i] = b if ok else bo
            bad += _update_compiled(w, prev, i, o, decay, c_decay)      # steps 6–7
        return bad

    return momentum


def _momentum(opt: Any, lr: float, t: int, decay: float) -> Step:
    if not opt.momentum:
        return Step(_sgd_kernel(bool(decay)), (lr, decay), ())
    velocity = opt.momentum_buffer == "velocity"
    c_grad = (1 - opt.dampening) * lr if velocity else 1 - opt.dampening
    kernel = _momentum_kernel(velocity, opt.reparametrised, t == 1, bool(decay))
    return Step(kernel, (lr, opt.momentum, c_grad, decay), ("velocity",))


# ------------------------------------------------------------------------------------------ Adamax
@cache
def _adamax_kernel(inside: bool, decay: bool) -> Any:
    _shared()

    @numba().njit(cache=True, error_model="numpy")
    def adamax(g_: np.ndarray, w_: np.ndarray, prev_: np.ndarray, m_: np.ndarray, u_: np.ndarray,
               b1: float, c1: float, b2: float, eps: float, lr_t: float, c_decay: float) -> int:
        # per element, exactly Adamax.rule (step 5 of the pipeline), then steps 6–7
        g, m, u = g_.reshape(g_.size), m_.reshape(m_.size), u_.reshape(u_.size)
        w, prev = w_.reshape(w_.size), prev_.reshape(prev_.size)
        bad = 0
        for i in range(g.size):
            gi = g[i]
            ok = np.isfinite(gi)
            mo, uo = m[i], u[i]
            mi = b1 * mo + c1 * gi                    # m = β₁m + (1 − β₁)g
            a = b2 * uo
            b = np.abs(gi) + eps if inside else np.abs(gi)
            ui = a if (a >= b or a != a) else b       # u = max(β₂u, |g|), NaN-propagating as np.maximum
            m[i] = mi if ok else mo
            u[i] = ui if ok else uo
            o = lr_t * mi / ui if inside else lr_t * mi / (ui + eps)   # Δ = η/(1 − β₁ᵗ) · m/(u + ε)
            bad += _update_compiled(w, prev, i, o, decay, c_decay)      # steps 6–7
        return bad

    return adamax


def _adamax(opt: Any, lr: float, t: int, decay: float) -> Step:
    b1 = opt.beta_1
    kernel = _adamax_kernel(opt.epsilon_placement == "inside", bool(decay))
    return Step(kernel, (b1, 1 - b1, opt.beta_2, opt.epsilon, lr / (1 - b1 ** t), decay), ("m", "u"))


# -------------------------------------------------------------------------------------------- Lion
@cache
def _lion_kernel(decay: bool) -> Any:
    _shared()

    @numba().njit(cache=True, error_model="numpy")
    def lion(g_: np.ndarray, w_: np.ndarray, prev_: np.ndarray, m_: np.ndarray, b1: float, c1: float,
             b2: float, c2: float, lr: float, c_decay: float) -> int:
        # per element, exactly Lion.rule (step 5 of the pipeline), then steps 6–7
        g, m = g_.reshape(g_.size), m_.reshape(m_.size)
        w, prev = w_.reshape(w_.size), prev_.reshape(prev_.size)
        bad = 0
        for i in range(g.size):
            gi = g[i]
            mo = m[i]
            c = b1 * mo + c1 * gi                     # c = β₁m + (1 − β₁)g
            mi = b2 * mo + c2 * gi                    # m = β₂m + (1 − β₂)g
            m[i] = mi if np.isfinite(gi) else mo
            o = lr * (np.sign(c) + (c - c))           # Δ = η sign(c) (NaN where c is not finite)
            bad += _update_compiled(w, prev, i, o, decay, c_decay)      # steps 6–7
        return bad

    return lion


def _lion(opt: Any, lr: float, t: int, decay: float) -> Step:
    b1, b2 = opt.beta_1, opt.beta_2
    return Step(_lion_kernel(bool(decay)), (b1, 1 - b1, b2, 1 - b2, lr, decay), ("m",))


_PREPARE: dict[str, Callable[[Any, float, int, float], Step]] = {
    "adam": _adam, "nadam": _nadam, "adagrad": _adagrad, "rmsprop": _rmsprop, "adadelta": _adadelta,
    "momentum": _momentum, "adamax": _adamax, "lion": _lion}
