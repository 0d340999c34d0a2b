"""Weight penalties added to the loss (``kernel_regularizer=`` on :class:`~descend.layers.Dense`).

The penalty is added to the loss that is reported, and its gradient to ∂E/∂W, as Keras does::

    L1(l1):        R(W) = l1 · Σ|w|          ∂R/∂w = l1 · sign(w)
    L2(l2):        R(W) = l2 · Σ w²          ∂R/∂w = 2 · l2 · w
    L1L2(l1, l2):  the sum of both

Keras's defaults are l1 = l2 = 0.01. Note that L2 regularisation is *not* the lecture's weight
decay ``w ← (1 − λ)w − η∂E/∂w`` (that one belongs to the optimizer): the L2 gradient 2·l2·w is
scaled by η and passes through an adaptive optimizer's accumulators.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .checks import Interval, check

#: a penalty factor
_FACTOR = Interval(float, 0.0)


class Regularizer:
    """Base class: ``reg(w)`` is the penalty, ``reg.gradient(w)`` its derivative."""

    def __call__(self, w: np.ndarray) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def gradient(self, w: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """R(W) = l1·Σ|w| + l2·Σw²; ∂R/∂w = l1·sign(w) + 2·l2·w."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = check("l1", l1, _FACTOR)
        self.l2 = check("l2", l2, _FACTOR)

    def __call__(self, w: np.ndarray) -> float:
        penalty = 0.0
        if self.l1:
            penalty += self.l1 * float(np.abs(w).sum())
        if self.l2:
            penalty += self.l2 * float(np.square(w).sum())
        return penalty

    def gradient(self, w: np.ndarray) -> np.ndarray:
        grad = np.zeros_like(w)
        if self.l1:
            grad += self.l1 * np.sign(w)
        if self.l2:
            grad += (2.0 * self.l2) * w
        return grad

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """R(W) = l1·Σ|w| (Keras default l1 = 0.01)."""

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


class L2(L1L2):
    """R(W) = l2·Σw² (Keras default l2 = 0.01)."""

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


REGISTRY: dict[str, type[Regularizer]] = {"l1": L1, "l2": L2, "l1l2": L1L2, "l1_l2": L1L2}


def get(identifier: str | Regularizer | dict | None) -> Regularizer | None:
    """Look up a regularizer by name (``"l2"``), config dict, or return an instance as is."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in REGISTRY:
            raise ValueError(f"kernel_regularizer: expected one of {sorted(REGISTRY)}, got {identifier!r}")
        return REGISTRY[key]()
    if isinstance(identifier, dict):
        name = str(identifier.get("class_name", "")).lower()
        if name not in REGISTRY:
            raise ValueError(f"kernel_regularizer: unknown class_name {identifier.get('class_name')!r}")
        return REGISTRY[name](**identifier.get("config", {}))
    raise TypeError(f"kernel_regularizer: expected a name, a Regularizer or None, "
                    f"got {type(identifier).__name__}")


def serialize(reg: Regularizer | None) -> dict | None:
    return None if reg is None else {"class_name": type(reg).__name__, "config": reg.get_config()}
