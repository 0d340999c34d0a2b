"""FTRL-Proximal (McMahan et al. 2013, "Ad Click Prediction: a View from the Trenches"): follow
the regularized leader, per coordinate, in closed form."""
from __future__ import annotations

from typing import Any

import numpy as np

from .base import LearningRate, Optimizer, Slots, check_number


def _at_least_0(opt: Optimizer, key: str, value: float | None) -> float:
    """The given value or the flavor's, a finite float ≥ 0."""
    return check_number(key, opt.default(key, value), low=0.0)


class Ftrl(Optimizer):
    """Follow The Regularized Leader: the weight is *solved for* from two accumulators, not stepped.

    The rule (McMahan et al. 2013, Algorithm 1, per coordinate), as Keras writes it with the
    learning-rate power p (p = −½ in the paper)::

        g' = g + 2λ_s w                          (shrinkage: an L2 penalty on the loss)
        n_t = n_{t−1} + g²                       (n_0 = initial_accumulator_value)
        σ_t = (n_t^(−p) − n_{t−1}^(−p)) / η
        z_t = z_{t−1} + g' − σ_t w               (z_0 = 0)
        w ← 0                                           if |z_t| ≤ λ₁
        w ← −(z_t − sign(z_t) λ₁) / (n_t^(−p)/η + 2λ₂ + β/η)   otherwise

    The pipeline applies it as ``Δ = w − w_new`` (``w ← w − Δ``), so the new weight is reached up
    to one rounding; where |z| ≤ λ₁ it is 0 exactly. λ₁ makes weights exactly 0 (sparse models),
    λ₂ and β stabilise the denominator, p = 0 keeps the learning rate fixed. With z₀ = 0 the first
    solve keeps only (1 − √(n₀/n₁)) of the initial weight (p = −½): FTRL assumes weights that start
    at 0, and where g² ≪ n₀ a network's initialisation is mostly forgotten after one step (Keras's too).

    Parameters
    ----------
    learning_rate : float or schedule
        η. Default 1e-2 (lecture: the lecture's Adagrad's, which also divides by √Σg²), 1e-3
        (Keras, torch). A step at η = 0 (from a schedule) changes nothing: the closed form divides
        by η (Keras's gives NaN there).
    learning_rate_power : float
        p ≤ 0. Default −0.5.
    initial_accumulator_value : float
        n_0 ≥ 0. Default 0.1.
    l1_regularization_strength, l2_regularization_strength : float
        λ₁, λ₂ ≥ 0. Default 0. (The paper's λ₂ is Keras's 2λ₂.)
    l2_shrinkage_regularization_strength : float
        λ_s ≥ 0, a magnitude penalty added to the gradient. Default 0.
    beta : float
        β ≥ 0, the paper's β. Default 0.

    Conventions: Keras's ``update_step`` (``keras/src/optimizers/ftrl.py``) is this rule; its
    decoupled ``weight_decay`` shrinks w before the rule reads it (``reads_weight``). The lecture
    flavor is the same rule with Keras's defaults but η. PyTorch 2.13 has no FTRL: ``flavor="torch"``
    takes Keras's rule and defaults with the pipeline's PyTorch conventions (coupled weight decay
    g ← g + λw, clipping ε 1e-6).
    """

    name = "ftrl"
    reads_weight = True
    hyperparameters = ("learning_rate_power", "initial_accumulator_value", "l1_regularization_strength",
                       "l2_regularization_strength", "l2_shrinkage_regularization_strength", "beta")
    defaults = {flavor: {"learning_rate": 1e-2 if flavor == "lecture" else 1e-3, "learning_rate_power": -0.5,
                         "initial_accumulator_value": 0.1, "l1_regularization_strength": 0.0,
                         "l2_regularization_strength": 0.0, "l2_shrinkage_regularization_strength": 0.0,
                         "beta": 0.0}
                for flavor in ("lecture", "keras", "torch")}

    def __init__(self, learning_rate: LearningRate | None = None, learning_rate_power: float | None = None,
                 initial_accumulator_value: float | None = None,
                 l1_regularization_strength: float | None = None,
                 l2_regularization_strength: float | None = None,
                 l2_shrinkage_regularization_strength: float | None = None, beta: float | None = None, *,
                 flavor: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate, flavor=flavor, **kwargs)
        self.learning_rate_power = check_number(
            "learning_rate_power", self.default("learning_rate_power", learning_rate_power), high=0.0)
        self.initial_accumulator_value = _at_least_0(self, "initial_accumulator_value",
                                                     initial_accumulator_value)
        self.l1_regularization_strength = _at_least_0(self, "l1_regularization_strength",
                                                      l1_regularization_strength)
        self.l2_regularization_strength = _at_least_0(self, "l2_regularization_strength",
                                                      l2_regularization_strength)
        self.l2_shrinkage_regularization_strength = _at_least_0(
            self, "l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength)
        self.beta = _at_least_0(self, "beta", beta)

    def slots(self) -> dict[str, float]:
        return {"accumulator": self.initial_accumulator_value, "linear": 0.0}

    def rule(self, g: np.ndarray, slots: Slots, lr: float, t: int) -> tuple[np.ndarray, Slots]:
        w, n, z = slots["w"], slots["accumulator"], slots["linear"]
        if lr == 0:                                            # η = 0: no step (the form divides by η)
            return np.zeros_like(w), {"accumulator": n, "linear": z}
        p, l1 = self.learning_rate_power, self.l1_regularization_strength
        new_n = n + g * g                                      # n_t = n_{t−1} + g²
        sigma = (new_n ** -p - n ** -p) / lr                   # σ_t = (n_t^(−p) − n_{t−1}^(−p)) / η
        z = z + ((g + 2 * self.l2_shrinkage_regularization_strength * w) - sigma * w)  # z_t
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        quadratic = new_n ** -p / lr + 2 * l2                  # n_t^(−p)/η + 2λ₂ + β/η
        new_w = (np.clip(z, -l1, l1) - z) / quadratic          # 0 where |z| ≤ λ₁
        return w - new_w, {"accumulator": new_n, "linear": z}  # Δ = w − w_new
