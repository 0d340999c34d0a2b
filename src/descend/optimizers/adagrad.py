"""Adagrad (slides §8; Duchi, Hazan & Singer 2011)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .base import EPSILON_PLACEMENTS, LearningRate, Optimizer, Slots, check_choice, check_number, root


class Adagrad(Optimizer):
    """Per-weight learning rates from the sum of all squared gradients so far.

    The slides' rule (§8)::

        G_t = G_{t−1} + g_t²          (G_0 = 0, element-wise, per weight)
        w ← w − η / √(G_t + ε) · g_t

    G grows forever, so the updates die out — the problem RMSprop and Adadelta fix.

    Parameters
    ----------
    learning_rate : float or schedule
        η. Default 0.01 (lecture, torch), 1e-3 (Keras).
    initial_accumulator_value : float
        G_0 ≥ 0. Default 0 (lecture, torch), 0.1 (Keras).
    epsilon : float
        ε ≥ 0. Default 1e-8 (lecture), 1e-7 (Keras), 1e-10 (torch).
    epsilon_placement : {"inside", "outside"}
        ``√(G + ε)`` (lecture, Keras) or ``√G + ε`` (torch).
    lr_decay : float
        PyTorch's: η_t = η / (1 + (t − 1)·lr_decay). Default 0.

    Conventions: Keras matches the slides' formula but starts G at 0.1 (pass
    ``initial_accumulator_value=0.0``); PyTorch starts at 0 but puts ε outside the square root.
    """

    name = "adagrad"
    kernel = "adagrad"
    hyperparameters = ("initial_accumulator_value", "epsilon", "epsilon_placement", "lr_decay")
    defaults = {
        "lecture": {"learning_rate": 0.01, "initial_accumulator_value": 0.0, "epsilon": 1e-8,
                    "epsilon_placement": "inside"},
        "keras": {"learning_rate": 1e-3, "initial_accumulator_value": 0.1, "epsilon": 1e-7,
                  "epsilon_placement": "inside"},
        "torch": {"learning_rate": 1e-2, "initial_accumulator_value": 0.0, "epsilon": 1e-10,
                  "epsilon_placement": "outside"},
    }

    def __init__(self, learning_rate: LearningRate | None = None,
                 initial_accumulator_value: float | None = None, epsilon: float | None = None, *,
                 epsilon_placement: str | None = None, lr_decay: float = 0.0, flavor: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate, flavor=flavor, **kwargs)
        self.initial_accumulator_value = check_number(
            "initial_accumulator_value", self.default("initial_accumulator_value", initial_accumulator_value),
            low=0.0)
        self.epsilon = check_number("epsilon", self.default("epsilon", epsilon), low=0.0)
        self.epsilon_placement = check_choice("epsilon_placement",
                                              self.default("epsilon_placement", epsilon_placement),
                                              EPSILON_PLACEMENTS)
        self.lr_decay = check_number("lr_decay", lr_decay, low=0.0)

    def slots(self) -> dict[str, float]:
        return {"accumulator": self.initial_accumulator_value}

    def rule(self, g: np.ndarray, slots: Slots, lr: float, t: int) -> tuple[np.ndarray, Slots]:
        G = slots["accumulator"] + g**2                         # G_t = G_{t−1} + g_t²
        lr_t = lr / (1 + (t - 1) * self.lr_decay)               # (PyTorch's lr_decay; 0: η_t = η)
        return lr_t * g / root(G, self.epsilon, self.epsilon_placement), {"accumulator": G}
