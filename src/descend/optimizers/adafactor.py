"""Adafactor (Shazeer & Stern 2018, "Adafactor: Adaptive Learning Rates with Sublinear Memory
Cost"): RMSprop whose second moment of a matrix is a product of a row and a column average."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..checks import BOOLEAN, check
from .base import LearningRate, Optimizer, Slots, check_number


def _rms(x: np.ndarray) -> float:
    """RMS(x) = √(mean(x²)) over the whole array."""
    return float(np.sqrt(np.mean(x * x)))


class Adafactor(Optimizer):
    """A factored second moment, a relative step size and update clipping.

    The rule (Shazeer & Stern 2018, Algorithms 4 and 5), as Keras writes it, for an n×m
    matrix G = g_t (an array of 2 or more axes is factored over its last two)::

        ρ_t = min(η, 1/√t)                         α_t = max(ε₂, RMS(w)) · ρ_t
        β̂₂ₜ = 1 − t^c                             (c = beta_2_decay = −0.8; β̂₂₁ = 0)
        R_t = β̂₂ₜ R_{t−1} + (1 − β̂₂ₜ) mean_cols(G² + ε₁)     (one value per row)
        C_t = β̂₂ₜ C_{t−1} + (1 − β̂₂ₜ) mean_rows(G² + ε₁)     (one value per column)
        V̂_t = R_t C_tᵀ / mean(R_t)                (vectors, 0-D: V̂_t = β̂₂ₜ V̂_{t−1} + (1 − β̂₂ₜ)(g² + ε₁))
        U_t = G / √V̂_t                            Û_t = U_t / max(1, RMS(U_t)/d)
        w ← w − α_t Û_t                           (d = clip_threshold)

    The step is relative to the weight's own scale (α_t ∝ RMS(w)), the decay β̂₂ₜ → 1 needs no
    bias correction, and clipping Û keeps a stale V̂ from producing a huge step.

    Parameters
    ----------
    learning_rate : float or schedule
        η, the cap of ρ_t. Default 1e-2 (lecture: the paper's ρ_t = min(10⁻², 1/√t)), 1e-3
        (Keras, torch).
    beta_2_decay : float
        c ≤ 0 in β̂₂ₜ = 1 − t^c. Default −0.8.
    epsilon_1 : float
        ε₁ ≥ 0, added to g². Default 1e-30.
    epsilon_2 : float
        ε₂ ≥ 0, the smallest RMS(w) the step scales with. Default 1e-3.
    clip_threshold : float
        d > 0. Default 1.
    relative_step : bool
        Kept for Keras's config. Keras 3 takes ρ_t = min(η, 1/√t) whatever it says (its
        ``update_step`` applies the minimum a second time), and so does descend. Default True.

    Conventions: Keras's ``update_step`` (``keras/src/optimizers/adafactor.py``) is this rule;
    its decoupled ``weight_decay`` shrinks w before the rule reads RMS(w) (``reads_weight``).
    The paper sums rows and columns where Keras averages: V̂ is the same. Keras keeps R and C as
    vectors; descend keeps them broadcast to the weight's shape (R constant along the last axis,
    C along the second last), so that they travel with the shared pipeline's state like every
    other slot — the numbers are the same, the memory saving is not. ``torch.optim.Adafactor``
    differs (it clamps V̂ at ε₁² instead of adding ε₁ to g², takes η = 1e-2 and reads RMS(w)
    before its decay); ``flavor="torch"`` does not follow it: it takes Keras's rule and defaults
    with the pipeline's PyTorch conventions (coupled weight decay, clipping ε 1e-6).
    """

    name = "adafactor"
    reads_weight = True
    hyperparameters = ("beta_2_decay", "epsilon_1", "epsilon_2", "clip_threshold", "relative_step")
    defaults = {
        flavor: {"learning_rate": 1e-2 if flavor == "lecture" else 1e-3, "beta_2_decay": -0.8,
                 "epsilon_1": 1e-30, "epsilon_2": 1e-3, "clip_threshold": 1.0, "relative_step": True}
        for flavor in ("lecture", "keras", "torch")}

    def __init__(self, learning_rate: LearningRate | None = None, beta_2_decay: float | None = None,
                 epsilon_1: float | None = None, epsilon_2: float | None = None,
                 clip_threshold: float | None = None, relative_step: bool | None = None, *,
                 flavor: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate, flavor=flavor, **kwargs)
        self.beta_2_decay = check_number("beta_2_decay", self.default("beta_2_decay", beta_2_decay), high=0.0)
        self.epsilon_1 = check_number("epsilon_1", self.default("epsilon_1", epsilon_1), low=0.0)
        self.epsilon_2 = check_number("epsilon_2", self.default("epsilon_2", epsilon_2), low=0.0)
        self.clip_threshold = check_number("clip_threshold", self.default("clip_threshold", clip_threshold),
                                           low=0.0, low_open=True)
        self.relative_step = check("relative_step", self.default("relative_step", relative_step), BOOLEAN)

    def slots(self) -> dict[str, float]:
        return {"r": 0.0, "c": 0.0, "v": 0.0}

    def rule(self, g: np.ndarray, slots: Slots, lr: float, t: int) -> tuple[np.ndarray, Slots]:
        if g.size == 0:
            return np.zeros_like(g), {}
        rho = min(lr, 1 / math.sqrt(t))                        # ρ_t = min(η, 1/√t)
        alpha = max(self.epsilon_2, _rms(slots["w"])) * rho    # α_t = max(ε₂, RMS(w)) ρ_t
        b2 = 1 - float(t) ** self.beta_2_decay                 # β̂₂ₜ = 1 − t^c
        g2 = g * g + self.epsilon_1                            # G² + ε₁
        if g.ndim < 2:
            v = b2 * slots["v"] + (1 - b2) * g2
            new = {"v": v}
        else:
            r = b2 * slots["r"][..., 0] + (1 - b2) * np.mean(g2, axis=-1)      # R_t, per row
            c = b2 * slots["c"][..., 0, :] + (1 - b2) * np.mean(g2, axis=-2)   # C_t, per column
            v = (r / np.mean(r, axis=-1, keepdims=True))[..., None] * c[..., None, :]  # R Cᵀ/mean(R)
            new = {"r": r[..., None], "c": c[..., None, :], "v": v}            # (kept broadcast)
        u = g / np.sqrt(v)                                     # U_t = G/√V̂_t
        u_hat = u / max(1.0, _rms(u) / self.clip_threshold)    # Û_t = U_t / max(1, RMS(U_t)/d)
        return alpha * u_hat, new                              # Δ = α_t Û_t
