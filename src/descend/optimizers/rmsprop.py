"""RMSprop (slides §8; Hinton, Coursera lecture 6e, 2012), plain, centered and with momentum."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import BOOLEAN, check
from .base import (
    EPSILON_PLACEMENTS,
    LearningRate,
    Optimizer,
    Slots,
    check_choice,
    check_number,
    root,
)
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
    kernel = "rmsprop"
    hyperparameters = ("rho", "momentum", "epsilon", "centered", "epsilon_placement", "momentum_buffer")
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
                 flavor: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate, flavor=flavor, **kwargs)
        self.rho = check_number("rho", self.default("rho", rho), low=0.0, high=1.0, high_open=True)
        self.momentum = check_number("momentum", self.default("momentum", momentum), low=0.0, high=1.0)
        self.epsilon = check_number("epsilon", self.default("epsilon", epsilon), low=0.0)
        self.centered = check("centered", centered, BOOLEAN)
        self.epsilon_placement = check_choice("epsilon_placement",
                                              self.default("epsilon_placement", epsilon_placement),
                                              EPSILON_PLACEMENTS)
        buffer = self.default("momentum_buffer", momentum_buffer)
        self.momentum_buffer = check_choice("momentum_buffer", buffer, MOMENTUM_BUFFERS)

    def slots(self) -> dict[str, float]:
        names = {"rms": 0.0}
        if self.centered:
            names["average_gradient"] = 0.0
        if self.momentum:
            names["velocity"] = 0.0
        return names

    def rule(self, g: np.ndarray, slots: Slots, lr: float, t: int) -> tuple[np.ndarray, Slots]:
        rho, mu = self.rho, self.momentum
        rms = rho * slots["rms"] + (1 - rho) * g**2           # E[g²]_t = ρ E[g²]_{t−1} + (1 − ρ) g_t²
        new = {"rms": rms}
        variance = rms
        if self.centered:                                     # E[g]_t = ρ E[g]_{t−1} + (1 − ρ) g_t
            mean = new["average_gradient"] = rho * slots["average_gradient"] + (1 - rho) * g
            variance = rms - mean**2                          # E[g²] − E[g]²
        scaled = g / root(variance, self.epsilon, self.epsilon_placement)   # g / √(E[g²] + ε)
        if not mu:
            return lr * scaled, new                           # Δ = η g / √(E[g²] + ε)
        if self.momentum_buffer == "velocity":                # m = μ m + η g/√…;  Δ = m
            step = new["velocity"] = mu * slots["velocity"] + lr * scaled
            return step, new
        new["velocity"] = mu * slots["velocity"] + scaled     # b = μ b + g/√…;  Δ = η b
        return lr * new["velocity"], new
