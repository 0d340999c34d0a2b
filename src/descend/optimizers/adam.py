"""Adam and its relatives: AMSGrad, AdamW, Nadam (slides §8)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..checks import BOOLEAN, check
from .base import LearningRate, Optimizer, Slots, check_choice, check_number, root

#: "inside": √(v̂ + ε) (the slides); "outside": √v̂ + ε (PyTorch); "hat": √v̂ + ε/√(1 − β₂ᵗ), i.e.
#: ε added to the *uncorrected* √v (Keras's "epsilon hat", Kingma & Ba §2).
ADAM_EPSILON_PLACEMENTS = ("inside", "outside", "hat")


def _betas(opt: Optimizer, beta_1: float | None, beta_2: float | None, epsilon: float | None
           ) -> tuple[float, float, float]:
    """β₁, β₂ in [0, 1) and ε ≥ 0, given or the flavor's."""
    return (check_number("beta_1", opt.default("beta_1", beta_1), low=0.0, high=1.0, high_open=True),
            check_number("beta_2", opt.default("beta_2", beta_2), low=0.0, high=1.0, high_open=True),
            check_number("epsilon", opt.default("epsilon", epsilon), low=0.0))


def _moments(opt: Adam | Nadam, g: np.ndarray, slots: Slots) -> tuple[np.ndarray, np.ndarray]:
    """m_t = β₁ m_{t−1} + (1 − β₁) g_t and v_t = β₂ v_{t−1} + (1 − β₂) g_t²."""
    b1, b2 = opt.beta_1, opt.beta_2
    return b1 * slots["m"] + (1 - b1) * g, b2 * slots["v"] + (1 - b2) * g**2


class Adam(Optimizer):
    """Adaptive moment estimation (Kingma & Ba 2014).

    The slides' rule (§8)::

        m_t = β₁ m_{t−1} + (1 − β₁) g_t        m̂_t = m_t / (1 − β₁ᵗ)
        v_t = β₂ v_{t−1} + (1 − β₂) g_t²       v̂_t = v_t / (1 − β₂ᵗ)
        w ← w − η m̂_t / √(v̂_t + ε)            β₁ = 0.9, β₂ = 0.999

    ``amsgrad=True`` (Reddi et al. 2018) divides by the running maximum of the raw v_t instead
    (then bias-corrected), as Keras and PyTorch do.

    Parameters
    ----------
    learning_rate : float or schedule
        η. Default 1e-3.
    beta_1, beta_2 : float
        In [0, 1). Defaults 0.9, 0.999.
    epsilon : float
        ε ≥ 0. Default 1e-8 (lecture, torch), 1e-7 (Keras).
    amsgrad : bool
        Default False.
    epsilon_placement : {"inside", "outside", "hat"}
        ``√(v̂ + ε)`` (lecture), ``√v̂ + ε`` (torch), ``√v̂ + ε/√(1 − β₂ᵗ)`` (Keras: ε on the
        uncorrected √v, 31.6× larger than torch's at t = 1).

    Conventions: none of the frameworks puts ε inside the square root; PyTorch's
    ``weight_decay`` is coupled (L2) unless ``decoupled_weight_decay=True``; Keras's is decoupled.
    """

    name = "adam"
    kernel = "adam"
    hyperparameters = ("beta_1", "beta_2", "epsilon", "amsgrad", "epsilon_placement")
    defaults = {
        "lecture": {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8,
                    "epsilon_placement": "inside"},
        "keras": {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7,
                  "epsilon_placement": "hat"},
        "torch": {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8,
                  "epsilon_placement": "outside"},
    }

    def __init__(self, learning_rate: LearningRate | None = None, beta_1: float | None = None,
                 beta_2: float | None = None, epsilon: float | None = None, amsgrad: bool = False, *,
                 epsilon_placement: str | None = None, flavor: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate, flavor=flavor, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = _betas(self, beta_1, beta_2, epsilon)
        self.amsgrad = check("amsgrad", amsgrad, BOOLEAN)
        self.epsilon_placement = check_choice("epsilon_placement",
                                              self.default("epsilon_placement", epsilon_placement),
                                              ADAM_EPSILON_PLACEMENTS)

    def slots(self) -> dict[str, float]:
        return {"m": 0.0, "v": 0.0, "v_max": 0.0} if self.amsgrad else {"m": 0.0, "v": 0.0}

    def rule(self, g: np.ndarray, slots: Slots, lr: float, t: int) -> tuple[np.ndarray, Slots]:
        m, v = _moments(self, g, slots)                        # m_t, v_t
        new = {"m": m, "v": v}
        if self.amsgrad:                                       # the running maximum of the raw v_t
            v = new["v_max"] = np.maximum(slots["v_max"], v)
        m_hat = m / (1 - self.beta_1**t)                       # m̂_t = m_t / (1 − β₁ᵗ)
        v_hat = v / (1 - self.beta_2**t)                       # v̂_t = v_t / (1 − β₂ᵗ)
        if self.epsilon_placement == "hat":
            den = np.sqrt(v_hat) + self.epsilon / math.sqrt(1 - self.beta_2**t)
        else:
            den = root(v_hat, self.epsilon, self.epsilon_placement)
        return lr * m_hat / den, new                           # Δ = η m̂_t / √(v̂_t + ε)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019)::

        w ← w − η m̂ / √(v̂ + ε) − λ' w        (λ' = λ on the slides' form, ηλ in Keras/PyTorch)

    The decay is taken at the w before the update and never passes through m or v.

    Parameters
    ----------
    weight_decay : float
        λ. Default 1e-5 (lecture: the slides' λ is not multiplied by η, and 1e-5 = η·λ at
        PyTorch's defaults), 0.004 (Keras), 0.01 (torch).
    weight_decay_mode : {"lecture", "decoupled"}
        Default "lecture" (lecture flavor), "decoupled" (Keras, torch). "coupled" is Adam.

    Other parameters: as :class:`Adam`.
    """

    name = "adamw"
    defaults = {
        "lecture": {**Adam.defaults["lecture"], "weight_decay": 1e-5},
        "keras": {**Adam.defaults["keras"], "weight_decay": 0.004},
        "torch": {**Adam.defaults["torch"], "weight_decay": 0.01, "weight_decay_mode": "decoupled"},
    }

    def __init__(self, learning_rate: LearningRate | None = None, weight_decay: float | None = None,
                 beta_1: float | None = None, beta_2: float | None = None, epsilon: float | None = None,
                 amsgrad: bool = False, **kwargs: Any) -> None:
        # Keras's positional order: weight_decay comes second.
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay, **kwargs)
        if self.weight_decay_mode == "coupled":
            raise ValueError("weight_decay_mode: AdamW's decay is decoupled, expected 'lecture' or "
                             "'decoupled', got 'coupled' (use Adam for an L2 penalty through the moments)")


class Nadam(Optimizer):
    """Adam with Nesterov momentum (Dozat 2016).

    With a momentum schedule μ_t and Π_t = μ₁⋯μ_t::

        m_t, v_t as Adam;  v̂_t = v_t / (1 − β₂ᵗ)
        m̂_t = μ_{t+1} m_t / (1 − Π_{t+1}) + (1 − μ_t) g_t / (1 − Π_t)
        w ← w − η m̂_t / √(v̂_t + ε)

    The slides only say "Adam with Nesterov momentum", so the schedule is a choice:

    * ``momentum_decay=None`` (lecture): constant μ_t = β₁, so m̂ = β₁m/(1 − β₁^(t+1)) +
      (1 − β₁)g/(1 − β₁ᵗ) — the simplest form (Optax's ``nadam``);
    * ``momentum_decay=ψ``: μ_t = β₁(1 − ½·0.96^(tψ)); ψ = 0.004 is PyTorch's NAdam, ψ = 1 is
      Keras's Nadam (whose schedule at t equals PyTorch's at 250t).

    Parameters
    ----------
    learning_rate : float or schedule
        η. Default 1e-3 (lecture, Keras), 2e-3 (torch).
    beta_1, beta_2 : float
        In [0, 1). Defaults 0.9, 0.999.
    epsilon : float
        ε ≥ 0. Default 1e-8 (lecture, torch), 1e-7 (Keras).
    momentum_decay : float or None
        ψ ≥ 0 as above. Default None (lecture), 1.0 (Keras), 0.004 (torch).
    epsilon_placement : {"inside", "outside"}
        ``√(v̂ + ε)`` (lecture) or ``√v̂ + ε`` (Keras and PyTorch, both on the corrected v̂).

    The μ-product Π_t is scalar state, ``state`` key ``"mu_product"``, kept in float64.
    """

    name = "nadam"
    kernel = "nadam"
    defaults = {
        "lecture": {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8,
                    "momentum_decay": None, "epsilon_placement": "inside"},
        "keras": {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7,
                  "momentum_decay": 1.0, "epsilon_placement": "outside"},
        "torch": {"learning_rate": 2e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8,
                  "momentum_decay": 0.004, "epsilon_placement": "outside"},
    }
    hyperparameters = ("beta_1", "beta_2", "epsilon", "momentum_decay", "epsilon_placement")
    scalar_state = {"mu_product": 1.0}
    _UNSET: Any = object()

    def __init__(self, learning_rate: LearningRate | None = None, beta_1: float | None = None,
                 beta_2: float | None = None, epsilon: float | None = None, *,
                 momentum_decay: float | None = _UNSET, epsilon_placement: str | None = None,
                 flavor: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate, flavor=flavor, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = _betas(self, beta_1, beta_2, epsilon)
        # None is a meaningful momentum_decay (constant μ), so "not given" has its own marker
        if momentum_decay is Nadam._UNSET:
            momentum_decay = self.defaults[self.flavor]["momentum_decay"]
        self.momentum_decay = None if momentum_decay is None else \
            check_number("momentum_decay", momentum_decay, low=0.0)
        self.epsilon_placement = check_choice("epsilon_placement",
                                              self.default("epsilon_placement", epsilon_placement),
                                              ("inside", "outside"))

    def slots(self) -> dict[str, float]:
        return {"m": 0.0, "v": 0.0}

    def mu(self, t: int) -> float:
        """μ_t, the momentum at step t (see the class docstring)."""
        if self.momentum_decay is None:
            return self.beta_1
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** (t * self.momentum_decay))

    def begin_step(self, t: int) -> None:
        self.scalars["mu_product"] *= self.mu(t)                # Π_t, once per step

    def rule(self, g: np.ndarray, slots: Slots, lr: float, t: int) -> tuple[np.ndarray, Slots]:
        m, v = _moments(self, g, slots)                         # m_t, v_t as Adam
        mu_t, mu_next, prod = self.mu(t), self.mu(t + 1), self.scalars["mu_product"]
        m_hat = mu_next * m / (1 - prod * mu_next) + (1 - mu_t) * g / (1 - prod)
        v_hat = v / (1 - self.beta_2**t)                        # v̂_t = v_t / (1 − β₂ᵗ)
        return lr * m_hat / root(v_hat, self.epsilon, self.epsilon_placement), {"m": m, "v": v}
