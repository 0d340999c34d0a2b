"""Lamb (You et al. 2019, "Large Batch Optimization for Deep Learning"): Adam's direction scaled
per array by a trust ratio ‖w‖/‖direction‖."""
from __future__ import annotations

from typing import Any

import numpy as np

from .adam import _betas
from .base import LearningRate, Optimizer, Slots


class Lamb(Optimizer):
    """Layer-wise adaptive moments: every array moves by η‖w‖ per step, in Adam's direction.

    The rule (You et al. 2019, Algorithm 2, with φ the identity), in the slides' notation::

        m_t = β₁ m_{t−1} + (1 − β₁) g_t        m̂_t = m_t / (1 − β₁ᵗ)
        v_t = β₂ v_{t−1} + (1 − β₂) g_t²       v̂_t = v_t / (1 − β₂ᵗ)
        r_t = m̂_t / (√v̂_t + ε)                (Adam's direction, ε outside the root)
        w ← w − η · ‖w‖/‖r_t‖ · r_t           (the trust ratio; 1 where ‖w‖ = 0 or ‖r_t‖ = 0)

    The norms are Euclidean over the whole array (one ratio per weight matrix or bias vector):
    the step of an array has length η‖w‖ whatever the gradient's scale, which keeps large-batch
    training with a large η stable.

    Parameters
    ----------
    learning_rate : float or schedule
        η. Default 1e-3.
    beta_1, beta_2 : float
        In [0, 1). Defaults 0.9, 0.999.
    epsilon : float
        ε ≥ 0. Default 1e-6 (lecture: the paper's), 1e-7 (Keras, torch).

    Conventions: Keras's ``update_step`` (``keras/src/optimizers/lamb.py``) is this rule; its
    decoupled ``weight_decay`` (w ← w − ηλw) comes before the step, so the trust ratio reads the
    decayed w — the pipeline gives the rule that weight (``reads_weight``). The paper puts λw
    inside r_t before the norm; Keras (and descend) decay outside the ratio. PyTorch 2.13 has no
    Lamb: ``flavor="torch"`` takes Keras's rule and defaults with the pipeline's PyTorch
    conventions (coupled weight decay g ← g + λw, clipping ε 1e-6).
    """

    name = "lamb"
    reads_weight = True
    hyperparameters = ("beta_1", "beta_2", "epsilon")
    defaults = {
        "lecture": {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-6},
        "keras": {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
        "torch": {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    }

    def __init__(self, learning_rate: LearningRate | None = None, beta_1: float | None = None,
                 beta_2: float | None = None, epsilon: float | None = None, *, flavor: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate, flavor=flavor, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = _betas(self, beta_1, beta_2, epsilon)

    def slots(self) -> dict[str, float]:
        return {"m": 0.0, "v": 0.0}

    def rule(self, g: np.ndarray, slots: Slots, lr: float, t: int) -> tuple[np.ndarray, Slots]:
        b1, b2 = self.beta_1, self.beta_2
        m = b1 * slots["m"] + (1 - b1) * g                     # m_t = β₁ m_{t−1} + (1 − β₁) g_t
        v = b2 * slots["v"] + (1 - b2) * g * g                 # v_t = β₂ v_{t−1} + (1 − β₂) g_t²
        r = (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + self.epsilon)  # r_t = m̂_t/(√v̂_t + ε)
        w_norm = float(np.sqrt(np.sum(slots["w"] * slots["w"])))
        r_norm = float(np.sqrt(np.sum(r * r)))
        ratio = w_norm / r_norm if w_norm > 0 and r_norm > 0 else 1.0   # ‖w‖/‖r_t‖, else 1
        return ratio * lr * r, {"m": m, "v": v}                # Δ = η ‖w‖/‖r_t‖ · r_t
