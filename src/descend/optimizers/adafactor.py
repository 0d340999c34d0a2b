"""Adafactor (Shazeer & Stern 2018, "Adafactor: Adaptive Learning Rates with Sublinear Memory
Cost"): RMSprop whose second moment of a matrix is a product of a row and a column average."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..checks import BOOLEAN, check
from .base import LearningRate, Optimizer, Slots, check_choice, check_number

#: where ε₁ enters: "inside" G² + ε₁ before the averages (the paper, Keras); "clamp" V̂ ≥ ε₁² and
#: mean(R) ≥ ε₁ after them (PyTorch)
ADAFACTOR_EPSILON_PLACEMENTS = ("inside", "clamp")
#: whose RMS scales the step: "decayed" the weight after the decoupled decay (Keras decays before
#: update_step), "current" the weight before it (PyTorch computes α_t first)
RMS_WEIGHTS = ("decayed", "current")


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
    bias correction, and clipping Û keeps a stale V̂ from producing a huge step. √V̂ is taken
    as √(R/mean(R)) √C, factor by factor: in float32 a row and a column of (near-)zero gradients
    make V̂ ≈ ε₁² = 1e-60, which underflows to 0 (Keras's U is then 0/0 or g/0, not finite).

    Parameters
    ----------
    learning_rate : float or schedule
        η, the cap of ρ_t. Default 1e-2 (lecture: the paper's ρ_t = min(10⁻², 1/√t); torch),
        1e-3 (Keras).
    beta_2_decay : float
        c ≤ 0 in β̂₂ₜ = 1 − t^c. Default −0.8.
    epsilon_1 : float or None
        ε₁ ≥ 0. Default 1e-30 (lecture, Keras); None (torch's default): the machine ε of the
        weight's dtype.
    epsilon_2 : float
        ε₂ ≥ 0, the smallest RMS(w) the step scales with. Default 1e-3.
    clip_threshold : float
        d > 0. Default 1.
    relative_step : bool
        Kept for Keras's config. Keras 3 takes ρ_t = min(η, 1/√t) whatever it says (its
        ``update_step`` applies the minimum a second time), and so does descend. Default True.
    epsilon_placement : {"inside", "clamp"}
        ``"inside"``: G² + ε₁ before the averages (lecture, Keras); ``"clamp"``: no ε₁ in the
        averages, V̂ = R Cᵀ/max(mean(R), ε₁) clamped at ε₁² before the root (PyTorch).
    rms_weight : {"decayed", "current"}
        The w of RMS(w): after the decoupled weight decay (lecture, Keras: the decay comes before
        ``update_step``) or before it (PyTorch computes α_t first).

    Conventions: Keras's ``update_step`` (``keras/src/optimizers/adafactor.py``) is this rule;
    its decoupled ``weight_decay`` shrinks w before the rule reads RMS(w) (``reads_weight``).
    The paper sums rows and columns where Keras averages: V̂ is the same. The state is factored
    as Keras's (:meth:`slot_shape`): for an (…, n, m) weight R has shape (…, n) and C (…, m) —
    n + m numbers instead of n·m, the point of the method — and V̂ is not kept (a 0-D
    placeholder; Keras keeps a full-shape one it never reads); a weight of fewer than 2 axes keeps
    V̂ at its shape and 0-D R and C. ``flavor="torch"`` is
    ``torch.optim.Adafactor``: ε₁ clamps (machine ε), η = 1e-2, RMS of the current w, and its
    ``weight_decay`` is decoupled (w ← w − ηλw, with η, not ρ_t).
    """

    name = "adafactor"
    reads_weight = True
    hyperparameters = ("beta_2_decay", "epsilon_1", "epsilon_2", "clip_threshold", "relative_step",
                       "epsilon_placement", "rms_weight")
    defaults = {
        flavor: {"learning_rate": 1e-3 if flavor == "keras" else 1e-2, "beta_2_decay": -0.8,
                 "epsilon_1": None if flavor == "torch" else 1e-30, "epsilon_2": 1e-3, "clip_threshold": 1.0,
                 "relative_step": True, "epsilon_placement": "clamp" if flavor == "torch" else "inside",
                 "rms_weight": "current" if flavor == "torch" else "decayed",
                 **({"weight_decay_mode": "decoupled"} if flavor == "torch" else {})}
        for flavor in ("lecture", "keras", "torch")}

    def __init__(self, learning_rate: LearningRate | None = None, beta_2_decay: float | None = None,
                 epsilon_1: float | None = None, epsilon_2: float | None = None,
                 clip_threshold: float | None = None, relative_step: bool | None = None, *,
                 epsilon_placement: str | None = None, rms_weight: str | None = None,
                 flavor: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate, flavor=flavor, **kwargs)
        self.beta_2_decay = check_number("beta_2_decay", self.default("beta_2_decay", beta_2_decay), high=0.0)
        eps1 = self.default("epsilon_1", epsilon_1)
        self.epsilon_1 = None if eps1 is None else check_number("epsilon_1", eps1, low=0.0)
        self.epsilon_2 = check_number("epsilon_2", self.default("epsilon_2", epsilon_2), low=0.0)
        self.clip_threshold = check_number("clip_threshold", self.default("clip_threshold", clip_threshold),
                                           low=0.0, low_open=True)
        self.relative_step = check("relative_step", self.default("relative_step", relative_step), BOOLEAN)
        self.epsilon_placement = check_choice("epsilon_placement",
                                              self.default("epsilon_placement", epsilon_placement),
                                              ADAFACTOR_EPSILON_PLACEMENTS)
        self.rms_weight = check_choice("rms_weight", self.default("rms_weight", rms_weight), RMS_WEIGHTS)

    def slots(self) -> dict[str, float]:
        return {"r": 0.0, "c": 0.0, "v": 0.0}

    def slot_shape(self, name: str, shape: tuple[int, ...]) -> tuple[int, ...]:
        """Keras's shapes for a weight of 2 or more axes: R drops the last axis, C the second
        last, and V̂ (rebuilt from them every step) is a 0-D placeholder; for fewer axes V̂ has
        the weight's shape and R, C are the placeholders."""
        shape = tuple(shape)
        factored = len(shape) >= 2
        if name == "r":
            return shape[:-1] if factored else ()
        if name == "c":
            return shape[:-2] + shape[-1:] if factored else ()
        if name == "v":
            return () if factored else shape
        return super().slot_shape(name, shape)

    def rule(self, g: np.ndarray, slots: Slots, lr: float, t: int) -> tuple[np.ndarray, Slots]:
        same = {"r": slots["r"], "c": slots["c"], "v": slots["v"]}
        if g.size == 0:
            return np.zeros_like(g), same
        w = slots["w"] if self.rms_weight == "decayed" else slots["w_before_decay"]
        rho = min(lr, 1 / math.sqrt(t))                        # ρ_t = min(η, 1/√t)
        alpha = max(self.epsilon_2, _rms(w)) * rho             # α_t = max(ε₂, RMS(w)) ρ_t
        b2 = 1 - float(t) ** self.beta_2_decay                 # β̂₂ₜ = 1 − t^c
        eps1 = float(np.finfo(g.dtype).eps) if self.epsilon_1 is None else self.epsilon_1
        clamp = self.epsilon_placement == "clamp"
        g2 = g * g if clamp else g * g + eps1                  # G² + ε₁ (Keras) or G² (PyTorch)
        if g.ndim < 2:
            v = b2 * slots["v"] + (1 - b2) * g2
            root = np.sqrt(np.maximum(v, eps1 * eps1) if clamp else v)
            new = {**same, "v": v}                            # (R and C: only for 2 axes or more)
        else:
            r = b2 * slots["r"] + (1 - b2) * np.mean(g2, axis=-1)      # R_t, per row
            c = b2 * slots["c"] + (1 - b2) * np.mean(g2, axis=-2)      # C_t, per column
            r_mean = np.mean(r, axis=-1, keepdims=True)
            if clamp:                                          # PyTorch: R Cᵀ / max(mean(R), ε₁)
                v = r[..., None] * c[..., None, :] / np.maximum(r_mean, eps1)[..., None]
                root = np.sqrt(np.maximum(v, eps1 * eps1))
            else:                                              # √V̂_t = √(R_t C_tᵀ / mean(R_t)),
                root = np.sqrt(r / r_mean)[..., None] * np.sqrt(c)[..., None, :]   # factor by factor
            new = {**same, "r": r, "c": c}                     # (V̂: rebuilt from R and C each step)
        u = g / root                                           # U_t = G/√V̂_t (0 in V̂: refused, not finite)
        u_hat = u / max(1.0, _rms(u) / self.clip_threshold)    # Û_t = U_t / max(1, RMS(U_t)/d)
        return alpha * u_hat, new                              # Δ = α_t Û_t
