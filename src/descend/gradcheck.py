"""Finite-difference gradient check: does back-propagation compute the true ∂E/∂w?

Every weight w is nudged by ±ε and the loss re-evaluated; the central difference
(E(w + ε) − E(w − ε)) / 2ε is compared with the back-propagated gradient. The check runs on a
float64 copy of the model (a float32 difference quotient is too coarse to be informative), so the
model itself is left untouched.
"""
from __future__ import annotations

import copy
from typing import Any

import numpy as np

from .model import Sequential


def _float64_copy(model: Sequential) -> Sequential:
    # a deep copy keeps the user's own layer, activation and loss classes (a config would not)
    clone = copy.deepcopy(model)
    clone.set_dtype("float64")
    return clone


def numerical_gradients(model: Sequential, X: Any, y: Any, eps: float = 1e-6) -> list[np.ndarray]:
    """Central differences (E(w + ε) − E(w − ε)) / 2ε for every weight of a float64 model."""
    X, y = model.prepare(X, y)
    grads = []
    for p in model.params:
        g = np.empty_like(p)
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for k in range(flat.size):
            old = flat[k]
            flat[k] = old + eps
            plus = model.compute_loss(X, y)
            flat[k] = old - eps
            minus = model.compute_loss(X, y)
            flat[k] = old
            gflat[k] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


def gradient_check(model: Sequential, X: Any, y: Any, eps: float = 1e-6) -> float:
    """The worst relative error between back-propagated and numerical gradients.

    For each weight tensor, ``‖g_backprop − g_numeric‖ / max(‖g_backprop‖ + ‖g_numeric‖, 1e-12)``;
    the largest over all tensors is returned. Below 1e-6 the layers' derivatives are right
    (use small X: the cost is two forward passes per weight).

    Parameters
    ----------
    model : Sequential
        A compiled model (its loss is used); float32 models are checked on a float64 copy.
    X, y : array-like
        A few observations.
    eps : float
        The nudge ε.
    """
    model.require_compiled("gradient_check")
    if not (isinstance(eps, (int, float)) and 0 < eps < 1):
        raise ValueError(f"eps: expected a number in (0, 1), got {eps!r}")
    clone = _float64_copy(model)
    _, analytic = clone.compute_gradients(X, y)
    numeric = numerical_gradients(clone, X, y, eps)
    worst = 0.0
    for a, n in zip(analytic, numeric, strict=True):
        denom = max(float(np.linalg.norm(a) + np.linalg.norm(n)), 1e-12)
        worst = max(worst, float(np.linalg.norm(a - n)) / denom)
    return worst
