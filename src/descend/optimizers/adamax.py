"""Adamax (Kingma & Ba 2014, §7.1): Adam with the infinity norm in place of the second moment."""
from __future__ import annotations

from typing import Any

import numpy as np

from .adam import _betas
from .base import EPSILON_PLACEMENTS, LearningRate, Optimizer, Slots, check_choice


class Adamax(Optimizer):
    """Adam's step divided by an exponentially weighted infinity norm instead of √v̂.

    The rule (Kingma & Ba 2014, Algorithm 2), in the slides' notation::

        m_t = β₁ m_{t−1} + (1 − β₁) g_t
        u_t = max(β₂ u_{t−1}, |g_t|)                 (element-wise; u_0 = 0)
        w ← w − η/(1 − β₁ᵗ) · m_t / (u_t + ε)

    u needs no bias correction (the maximum forgets the zero start); ε only keeps 0/0 away from
    weights whose gradient has always been 0.

    Parameters
    ----------
    learning_rate : float or schedule
        η. Default 2e-3 (lecture: the paper's α; torch), 1e-3 (Keras).
    beta_1, beta_2 : float
        In [0, 1). Defaults 0.9, 0.999.
    epsilon : float
        ε ≥ 0. Default 1e-8 (lecture, torch), 1e-7 (Keras).
    epsilon_placement : {"outside", "inside"}
        ``"outside"``: m/(u + ε), ε added after the maximum (lecture, Keras);
        ``"inside"``: u_t = max(β₂u, |g| + ε) and m/u, ε inside the maximum (PyTorch; then ε is
        also kept in u from step to step).

    Conventions: Keras's ``update_step`` (``keras/src/optimizers/adamax.py``) is the lecture form
    with ε = 1e-7; ``torch.optim.Adamax`` puts ε inside the maximum and defaults to η = 2e-3; its
    ``weight_decay`` is coupled (L2), Keras's decoupled (§8 of docs/conventions.md).
    """

    name = "adamax"
    kernel = "adamax"
    hyperparameters = ("beta_1", "beta_2", "epsilon", "epsilon_placement")
    defaults = {
        "lecture": {"learning_rate": 2e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8,
                    "epsilon_placement": "outside"},
        "keras": {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7,
                  "epsilon_placement": "outside"},
        "torch": {"learning_rate": 2e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8,
                  "epsilon_placement": "inside"},
    }

    def __init__(self, learning_rate: LearningRate | None = None, beta_1: float | None = None,
                 beta_2: float | None = None, epsilon: float | None = None, *,
                 epsilon_placement: str | None = None, flavor: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate, flavor=flavor, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = _betas(self, beta_1, beta_2, epsilon)
        self.epsilon_placement = check_choice("epsilon_placement",
                                              self.default("epsilon_placement", epsilon_placement),
                                              EPSILON_PLACEMENTS)

    def slots(self) -> dict[str, float]:
        return {"m": 0.0, "u": 0.0}

    def rule(self, g: np.ndarray, slots: Slots, lr: float, t: int) -> tuple[np.ndarray, Slots]:
        b1, b2 = self.beta_1, self.beta_2
        m = b1 * slots["m"] + (1 - b1) * g                     # m_t = β₁ m_{t−1} + (1 − β₁) g_t
        lr_t = lr / (1 - b1**t)                                # η/(1 − β₁ᵗ)
        if self.epsilon_placement == "inside":                 # PyTorch: max(β₂u, |g| + ε), m/u
            u = np.maximum(b2 * slots["u"], np.abs(g) + self.epsilon)
            return lr_t * m / u, {"m": m, "u": u}
        u = np.maximum(b2 * slots["u"], np.abs(g))             # u_t = max(β₂ u_{t−1}, |g_t|)
        return lr_t * m / (u + self.epsilon), {"m": m, "u": u}  # Δ = η/(1 − β₁ᵗ) · m_t/(u_t + ε)
