"""Gradient clipping — one of the slides' remedies for exploding gradients (§7).

Three ways, each returning new arrays (the gradients passed in are never modified; an array that
needs no clipping is returned as is)::

    clip_by_value(grads, c):          g ← clip(g, −c, c)                       element-wise
    clip_by_norm(grads, c):           g ← g · c / max(‖g‖ + ε, c)              each tensor alone
    clip_by_global_norm(grads, c):    g ← g · c / max(‖G‖ + ε, c)              ‖G‖ = ‖(‖g₁‖, …, ‖g_k‖)‖

``c / max(n + ε, c)`` is 1 (no change) while ``n + ε ≤ c``. Conventions (``docs/conventions.md`` §3):

* Keras ``clipnorm`` is per tensor, ``global_clipnorm`` global, both with ε = 0
  (``g·c/max(‖g‖, c)``, ``g·c·min(1/‖G‖, 1/c)``).
* PyTorch ``clip_grad_norm_`` is global and adds ε = 1e-6: ``g·min(c/(‖G‖ + 1e-6), 1)``; its
  ``norm_type`` p may be any p ≥ 1 or inf (the norm of the per-tensor p-norms).
* ``clip_grad_value_`` = Keras ``clipvalue`` = ``np.clip``.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .checks import Interval, check

#: p of a p-norm: any p ≥ 1, inf included (the largest |g|)
_P = Interval(float, 1.0, math.inf, finite=False)
#: a clipping threshold c
_THRESHOLD = Interval(float, 0.0, closed="neither")


def check_norm_type(norm_type: float) -> float:
    """p of a p-norm: a number ≥ 1 or inf (ValueError otherwise)."""
    return check("norm_type", norm_type, _P)


def _check_grads(grads: Any) -> list[np.ndarray]:
    if isinstance(grads, np.ndarray) or not isinstance(grads, Sequence):
        raise TypeError(f"grads: expected a list of arrays, got {type(grads).__name__}")
    for i, g in enumerate(grads):
        if not isinstance(g, np.ndarray):
            raise TypeError(f"grads[{i}]: expected a numpy array, got {type(g).__name__}")
    return list(grads)


def tensor_norm(g: np.ndarray, norm_type: float = 2.0) -> float:
    """‖g‖_p of one array, flattened (p = inf: the largest |g|)."""
    flat = g.ravel()
    if flat.size == 0:
        return 0.0
    if norm_type == 2.0:
        return float(math.sqrt(np.dot(flat, flat)))
    if math.isinf(norm_type):
        return float(np.max(np.abs(flat)))
    return float(np.sum(np.abs(flat) ** norm_type) ** (1.0 / norm_type))


def global_norm(grads: Sequence[np.ndarray], norm_type: float = 2.0) -> float:
    """‖G‖_p: the p-norm of the per-tensor p-norms (= the p-norm of all elements together)."""
    grads = _check_grads(grads)
    p = check_norm_type(norm_type)
    norms = [tensor_norm(g, p) for g in grads]
    if not norms:
        return 0.0
    if math.isinf(p):
        return max(norms)
    return float(np.sum(np.asarray(norms) ** p) ** (1.0 / p))


def _scaled(g: np.ndarray, clip: float, norm: float, epsilon: float) -> np.ndarray:
    scale = clip / max(norm + epsilon, clip)
    return g if scale >= 1.0 else g * g.dtype.type(scale)


def clip_by_value(grads: Sequence[np.ndarray], clipvalue: float) -> list[np.ndarray]:
    """``g ← clip(g, −c, c)`` element-wise (Keras ``clipvalue``, PyTorch ``clip_grad_value_``)."""
    grads = _check_grads(grads)
    c = check("clipvalue", clipvalue, _THRESHOLD)
    return [np.clip(g, -c, c) if np.abs(g).max(initial=0.0) > c else g for g in grads]


def clip_by_norm(grads: Sequence[np.ndarray], clipnorm: float, *, epsilon: float = 0.0,
                 norm_type: float = 2.0) -> list[np.ndarray]:
    """Each tensor alone: ``g ← g · c / max(‖g‖ + ε, c)`` (Keras ``clipnorm``, ε = 0)."""
    grads = _check_grads(grads)
    c = check("clipnorm", clipnorm, _THRESHOLD)
    p = check_norm_type(norm_type)
    return [_scaled(g, c, tensor_norm(g, p), epsilon) for g in grads]


def clip_by_global_norm(grads: Sequence[np.ndarray], global_clipnorm: float, *, epsilon: float = 0.0,
                        norm_type: float = 2.0) -> tuple[list[np.ndarray], float]:
    """All tensors together: ``g ← g · c / max(‖G‖ + ε, c)``; returns (clipped, ‖G‖ before clipping).

    ε = 0 is Keras's ``global_clipnorm``; ε = 1e-6 with any ``norm_type`` is PyTorch's
    ``clip_grad_norm_(params, c, norm_type)``, whose return value is the same ‖G‖.
    """
    grads = _check_grads(grads)
    c = check("global_clipnorm", global_clipnorm, _THRESHOLD)
    total = global_norm(grads, norm_type)
    return [_scaled(g, c, total, epsilon) for g in grads], total
