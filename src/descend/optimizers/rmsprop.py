"""RMSprop (slides §8; Hinton, Coursera lecture 6e, 2012), plain, centered and with momentum."""
from __future__ import annotations

from typing import Any

import numpy as np

from .base import EPSILON_PLACEMENTS, LearningRate, Optimizer, check_choice, check_number, denominator
from .sgd import MOMENTUM_BUFFERS


class RMSprop(Optimizer):
    """Adagrad with a decaying average of squared gradients instead of their sum.

    The slides' rule (§8)::

        E[g²]_t = ρ E[g²]_{t−1} + (1 − ρ) g_t²          (E[g²]_0 = 0)
        w ← w − η / √(E[g²]_t + ε) · g_t                 ρ ≈ 0.9

    Options the frameworks add: ``centered`` (Graves 2013) divides by an estimate of the variance,
    ``E[g²] − E[g]²``, instead of the second moment; ``momentum`` μ accumulates the steps, either
    with η inside (``m = μ m + η g/√(…)``, Δ = m: Keras, lecture) or outside
    (``b = μ b + g/(√… )``, Δ = η b: PyTorch) — see ``momentum_buffer``.

    Parameters
    ----------
    learning_rate : float or schedule
        η. Default 1e-3 (lecture, Keras), 1e-2 (torch).
    rho : float
        ρ in [0, 1) (PyTorch's ``alpha``). Default 0.9 (lecture, Keras), 0.99 (torch).
    momentum : float
        μ in [0, 1]. Default 0.
    epsilon : float
        ε ≥ 0. Default 1e-8 (lecture, torch), 1e-7 (Keras).
    centered : bool
        Default False.
    epsilon_placement : {"inside", "outside"}
        ``√(E[g²] + ε)`` (lecture, Keras) or ``√E[g²] + ε`` (torch).
    momentum_buffer : {"velocity", "direction"}
        η inside the momentum buffer (lecture, Keras) or outside (torch).

    Conventions: Keras's defaults are exactly the slides' rule; PyTorch uses ρ = 0.99 and ε
    outside the square root.
    """

    name = "rmsprop"
    defaults = {
        "lecture": {"learning_rate": 1e-3, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-8,
                    "epsilon_placement": "inside", "momentum_buffer": "velocity"},
        "keras": {"learning_rate": 1e-3, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7,
                  "epsilon_placement": "inside", "momentum_buffer": "velocity"},
        "torch": {"learning_rate": 1e-2, "rho": 0.99, "momentum": 0.0, "epsilon": 1e-8,
                  "epsilon_placement": "outside", "momentum_buffer": "direction"},
    }

    def __init__(self, learning_rate: LearningRate | None = None, rho: float | None = None,
                 momentum: float | None = None, epsilon: float | None = None, centered: bool = False, *,
                 epsilon_placement: str | None = None, momentum_buffer: str | None = None,
                 flavor: str = "lecture", **kwargs: Any) -> None:
        super().__init__(learning_rate, flavor=flavor, rho=rho, momentum=momentum, epsilon=epsilon,
                         centered=centered, epsilon_placement=epsilon_placement,
                         momentum_buffer=momentum_buffer, **kwargs)

    def validate(self) -> None:
        self.rho = check_number("rho", self.rho, low=0.0, high=1.0, high_open=True)
        self.momentum = check_number("momentum", self.momentum, low=0.0, high=1.0)
        self.epsilon = check_number("epsilon", self.epsilon, low=0.0)
        if not isinstance(self.centered, (bool, np.bool_)):
            raise TypeError(f"centered: expected a bool, got {type(self.centered).__name__}")
        self.centered = bool(self.centered)
        self.epsilon_placement = check_choice("epsilon_placement", self.epsilon_placement, EPSILON_PLACEMENTS)
        self.momentum_buffer = check_choice("momentum_buffer", self.momentum_buffer, MOMENTUM_BUFFERS)

    def slots(self) -> dict[str, float]:
        names = {"rms": 0.0}
        if self.centered:
            names["average_gradient"] = 0.0
        if self.momentum:
            names["velocity"] = 0.0
        return names

    def rule(self, g: np.ndarray, slots: dict[str, np.ndarray], lr: float, t: int, out: np.ndarray) -> None:
        rho = self.rho
        v = slots["rms"]
        np.multiply(g, g, out=out)
        v *= rho
        out *= 1.0 - rho
        v += out                                              # E[g²] = ρ E[g²] + (1 − ρ) g²
        if self.centered:
            a = slots["average_gradient"]
            a *= rho
            a += (1.0 - rho) * g                              # E[g] = ρ E[g] + (1 − ρ) g
            np.multiply(a, a, out=out)
            np.subtract(v, out, out=out)                      # E[g²] − E[g]²
            denominator(out, self.epsilon, self.epsilon_placement, out)
        else:
            denominator(v, self.epsilon, self.epsilon_placement, out)
        np.divide(g, out, out=out)                            # g / √(E[g²] + ε)
        if not self.momentum:
            out *= lr
            return
        b = slots["velocity"]
        b *= self.momentum
        if self.momentum_buffer == "velocity":                # m = μ m + η g/√…;  Δ = m
            out *= lr
            b += out
            out[...] = b
        else:                                                 # b = μ b + g/√…;  Δ = η b
            b += out
            np.multiply(b, lr, out=out)
