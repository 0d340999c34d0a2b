"""Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"): the sign of an
interpolated momentum."""
from __future__ import annotations

from typing import Any

import numpy as np

from .base import LearningRate, Optimizer, Slots, check_number


class Lion(Optimizer):
    """EvoLved Sign Momentum: every weight moves by exactly ±η (or 0) per step.

    The rule (Chen et al. 2023, Algorithm 2), in the slides' notation::

        c_t = β₁ m_{t−1} + (1 − β₁) g_t          (the direction: an interpolation)
        w ← w − η sign(c_t)
        m_t = β₂ m_{t−1} + (1 − β₂) g_t          (the momentum, with its own β₂)

    Only one slot (m), and a step whose size does not depend on the gradient's scale: the
    paper advises η 3–10× smaller than AdamW's and a weight decay 3–10× larger.

    Parameters
    ----------
    learning_rate : float or schedule
        η. Default 1e-4 (lecture: the paper's advice; torch: lion-pytorch's), 1e-3 (Keras).
    beta_1 : float
        In (0, 1], as Keras checks (β₁ = 0 would be signSGD). Default 0.9.
    beta_2 : float
        In [0, 1). Default 0.99.

    Conventions: Keras's ``update_step`` (``keras/src/optimizers/lion.py``) is this rule with a
    decoupled ``weight_decay`` (w ← w − ηλw before the step); PyTorch 2.13 has no Lion, so the
    "torch" flavor follows the authors' PyTorch form (lion-pytorch: ``p.mul_(1 − lr·wd)``, i.e.
    decoupled decay ηλ, and η = 1e-4). The paper's decay, w ← w − η(sign(c) + λw), is the
    decoupled one too.
    """

    name = "lion"
    kernel = "lion"
    hyperparameters = ("beta_1", "beta_2")
    defaults = {
        "lecture": {"learning_rate": 1e-4, "beta_1": 0.9, "beta_2": 0.99},
        "keras": {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.99},
        "torch": {"learning_rate": 1e-4, "beta_1": 0.9, "beta_2": 0.99, "weight_decay_mode": "decoupled"},
    }

    def __init__(self, learning_rate: LearningRate | None = None, beta_1: float | None = None,
                 beta_2: float | None = None, *, flavor: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate, flavor=flavor, **kwargs)
        self.beta_1 = check_number("beta_1", self.default("beta_1", beta_1), low=0.0, high=1.0,
                                   low_open=True)               # (Keras: β₁ = 0 would be signSGD)
        self.beta_2 = check_number("beta_2", self.default("beta_2", beta_2), low=0.0, high=1.0,
                                   high_open=True)

    def slots(self) -> dict[str, float]:
        return {"m": 0.0}

    def rule(self, g: np.ndarray, slots: Slots, lr: float, t: int) -> tuple[np.ndarray, Slots]:
        b1, b2, m = self.beta_1, self.beta_2, slots["m"]
        c = b1 * m + (1 - b1) * g                              # c_t = β₁ m_{t−1} + (1 − β₁) g_t
        new_m = b2 * m + (1 - b2) * g                          # m_t = β₂ m_{t−1} + (1 − β₂) g_t
        # Δ = η sign(c_t); the "+ (c − c)" is 0 where c is finite and NaN where it is not, so that
        # a non-finite gradient gives a non-finite step, which the pipeline refuses (sign(±inf)
        # alone would be ±1 and hide it)
        return lr * (np.sign(c) + (c - c)), {"m": new_m}
