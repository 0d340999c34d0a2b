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

from .checks import Interval, check
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


class GradientCheck(float):
    """The result of :func:`gradient_check`: the worst relative error — a float, so that
    ``gradient_check(model, X, y) < 1e-6`` reads as before — that also says where it is.

    Attributes
    ----------
    errors : dict of str to float
        The relative error of every weight tensor, by the model's name for it
        (``"dense_2/kernel"``: the second Dense layer's W; ``"dense_2/bias"``: its b).
    worst : str
        The name of the tensor with the largest error ("" for a model without weights).
    """

    errors: dict[str, float]
    worst: str

    def __new__(cls, errors: dict[str, float]) -> GradientCheck:
        worst = max(errors, key=errors.__getitem__) if errors else ""
        result = super().__new__(cls, errors[worst] if errors else 0.0)
        result.errors, result.worst = dict(errors), worst
        return result

    def __reduce__(self) -> tuple[Any, ...]:
        return (GradientCheck, (self.errors,))

    def __repr__(self) -> str:
        return f"GradientCheck({float(self)!r}, worst={self.worst!r})"

    def report(self) -> str:
        """One line per weight tensor — its name, W or b, its relative error — and the worst."""
        width = max(map(len, self.errors), default=0)
        lines = [f"{name:<{width}}  {_SYMBOLS.get(name.rpartition('/')[2], ''):<2} {error:.3e}"
                 for name, error in self.errors.items()]
        lines.append(f"worst: {self.worst} ({_SYMBOLS.get(self.worst.rpartition('/')[2], '?')}), "
                     f"relative error {float(self):.3e}")
        return "\n".join(lines)


#: how the slides write a Dense layer's parameters
_SYMBOLS = {"kernel": "W", "bias": "b"}


def gradient_check(model: Sequential, X: Any, y: Any, eps: float = 1e-6) -> GradientCheck:
    """The worst relative error between back-propagated and numerical gradients, and where.

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

    Returns
    -------
    GradientCheck
        A float (the worst error) whose ``worst`` names the tensor it comes from (layer and
        kernel W or bias b), ``errors`` holds every tensor's error and ``report()`` lists them.
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"model: expected a compiled descend Sequential, got {type(model).__name__}")
    model.require_compiled("gradient_check")
    eps = check("eps", eps, Interval(float, 0.0, 1.0, closed="neither", noun="a number"))
    clone = _float64_copy(model)
    _, analytic = clone.compute_gradients(X, y)
    numeric = numerical_gradients(clone, X, y, eps)
    errors = {}
    for name, a, n in zip(clone.param_names(), analytic, numeric, strict=True):
        denom = max(float(np.linalg.norm(a) + np.linalg.norm(n)), 1e-12)
        errors[name] = float(np.linalg.norm(a - n)) / denom
    return GradientCheck(errors)
