"""Adadelta (slides §8; Zeiler 2012)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .base import EPSILON_PLACEMENTS, LearningRate, Optimizer, Slots, check_choice, check_number, root


class Adadelta(Optimizer):
    """RMSprop whose step size comes from the past steps themselves: no learning rate needed.

    The slides' rule (§8), with ``RMS[x] = √(E[x²] + ε)`` and decaying averages with ρ::

        E[g²]_t  = ρ E[g²]_{t−1} + (1 − ρ) g_t²
        Δw_t     = RMS[Δw]_{t−1} / RMS[g]_t · g_t
        E[Δw²]_t = ρ E[Δw²]_{t−1} + (1 − ρ) Δw_t²
        w ← w − η Δw_t                                    (η = 1 on the slides; may be set)

    E[Δw²] accumulates the step *before* η, as Keras, PyTorch and Optax do.

    Parameters
    ----------
    learning_rate : float or schedule
        η. Default 1.0 (lecture, torch), 1e-3 (Keras: pass 1.0 for the paper's rule).
    rho : float
        ρ in [0, 1). Default 0.95 (lecture: the paper's; Keras), 0.9 (torch).
    epsilon : float
        ε ≥ 0. Default 1e-6 (lecture: the paper's; torch), 1e-7 (Keras).
    epsilon_placement : {"inside", "outside"}
        ``√(E + ε)`` (everyone) or ``√E + ε``.
    """

    name = "adadelta"
    kernel = "adadelta"
    hyperparameters = ("rho", "epsilon", "epsilon_placement")
    defaults = {
        "lecture": {"learning_rate": 1.0, "rho": 0.95, "epsilon": 1e-6, "epsilon_placement": "inside"},
        "keras": {"learning_rate": 1e-3, "rho": 0.95, "epsilon": 1e-7, "epsilon_placement": "inside"},
        "torch": {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-6, "epsilon_placement": "inside"},
    }

    def __init__(self, learning_rate: LearningRate | None = None, rho: float | None = None,
                 epsilon: float | None = None, *, epsilon_placement: str | None = None,
                 flavor: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate, flavor=flavor, **kwargs)
        self.rho = check_number("rho", self.default("rho", rho), low=0.0, high=1.0, high_open=True)
        self.epsilon = check_number("epsilon", self.default("epsilon", epsilon), low=0.0)
        self.epsilon_placement = check_choice("epsilon_placement",
                                              self.default("epsilon_placement", epsilon_placement),
                                              EPSILON_PLACEMENTS)

    def slots(self) -> dict[str, float]:
        return {"accumulated_grad": 0.0, "accumulated_delta": 0.0}

    def rule(self, g: np.ndarray, slots: Slots, lr: float, t: int) -> tuple[np.ndarray, Slots]:
        rho, eps, where = self.rho, self.epsilon, self.epsilon_placement
        eg = rho * slots["accumulated_grad"] + (1 - rho) * g**2        # E[g²]_t
        delta = root(slots["accumulated_delta"], eps, where) / root(eg, eps, where) * g  # RMS[Δw]/RMS[g]·g
        ed = rho * slots["accumulated_delta"] + (1 - rho) * delta**2   # E[Δw²]_t (Δw before η)
        return lr * delta, {"accumulated_grad": eg, "accumulated_delta": ed}
