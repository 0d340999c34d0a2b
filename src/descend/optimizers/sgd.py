"""Gradient descent, momentum and Nesterov's accelerated gradient (slides §1, §8)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import BOOLEAN, check
from .base import LearningRate, Optimizer, Slots, check_choice, check_number

MOMENTUM_BUFFERS = ("velocity", "direction")


class SGD(Optimizer):
    """Gradient descent, optionally with momentum or Nesterov momentum.

    Rules as the slides write them (§1, §8), ``g = ∂E/∂w``::

        plain:     w ← w − η g
        momentum:  v_t = γ v_{t−1} + η g;           w ← w − v_t           (Qian 1999)
        NAG:       v_t = γ v_{t−1} + η ∇E(w − γ v_{t−1});  w ← w − v_t     (Nesterov 1983)

    **NAG and the look-ahead point.** :meth:`apply` takes the gradient at the params it is
    given. With ``nesterov=True`` the params this optimizer keeps are the slides' *look-ahead
    point* ``p = w − γv``, so the gradient the caller computes at them is exactly the slides'
    ``∇E(w − γ v)``. Substituting p gives the update ``v_t = γ v_{t−1} + η g(p)``,
    ``p ← p − (γ v_t + η g(p))`` — which is also Keras's and PyTorch's "reparametrised" Nesterov
    (``docs/conventions.md`` §2.2). The slides' own w is ``p + γ v``: :meth:`slides_weights`. Both start
    from the same w₀ (v₀ = 0) and converge to the same point.

    Parameters
    ----------
    learning_rate : float or schedule
        η. Default 0.01 (lecture, Keras), 1e-3 (torch).
    momentum : float
        γ in [0, 1]. Default 0 (every framework); :class:`Momentum` and :class:`NAG` default to
        the slides' 0.9.
    nesterov : bool
        Nesterov momentum (needs momentum > 0).
    dampening : float
        PyTorch's τ: ``b_t = γ b_{t−1} + (1 − τ) g`` (its first step is undamped, ``b_1 = g``).
        Default 0; not with nesterov.
    momentum_buffer : {"velocity", "direction"}
        What the slot ``state["velocity"]`` holds. ``"velocity"`` (lecture, Keras; Keras's
        ``m = −v``): v with η inside, ``v_t = γ v_{t−1} + η g``, ``Δ = v_t``.
        ``"direction"`` (PyTorch): ``b_t = γ b_{t−1} + g``, ``Δ = η_t b_t``. The two are equal
        while η is constant; under a schedule PyTorch rescales the whole buffer by the new η.
    **kwargs
        The pipeline's: ``flavor``, ``weight_decay``, ``clipnorm``... (:class:`Optimizer`).

    Conventions: Keras's SGD is the slides' rule (``m = −v``), weight decay decoupled and scaled
    by η; PyTorch's puts η outside the buffer, adds dampening and a coupled L2 weight decay.
    """

    name = "sgd"
    kernel = "momentum"
    hyperparameters = ("momentum", "nesterov", "dampening", "momentum_buffer")
    defaults = {
        "lecture": {"learning_rate": 0.01, "momentum": 0.0, "momentum_buffer": "velocity"},
        "keras": {"learning_rate": 0.01, "momentum": 0.0, "momentum_buffer": "velocity"},
        "torch": {"learning_rate": 1e-3, "momentum": 0.0, "momentum_buffer": "direction"},
    }

    def __init__(self, learning_rate: LearningRate | None = None, momentum: float | None = None,
                 nesterov: bool = False, *, dampening: float = 0.0, momentum_buffer: str | None = None,
                 flavor: str = "lecture", **kwargs: Any) -> None:
        super().__init__(learning_rate, flavor=flavor, **kwargs)
        self.momentum = check_number("momentum", self.default("momentum", momentum), low=0.0, high=1.0)
        self.nesterov = check("nesterov", nesterov, BOOLEAN)
        self.dampening = check_number("dampening", dampening, low=0.0, high=1.0)
        buffer = self.default("momentum_buffer", momentum_buffer)
        self.momentum_buffer = check_choice("momentum_buffer", buffer, MOMENTUM_BUFFERS)
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError(f"nesterov: needs momentum > 0 and dampening == 0, got momentum={self.momentum} "
                             f"and dampening={self.dampening}")

    def slots(self) -> dict[str, float]:
        return {"velocity": 0.0} if self.momentum else {}

    def rule(self, g: np.ndarray, slots: Slots, lr: float, t: int) -> tuple[np.ndarray, Slots]:
        gamma, damp = self.momentum, self.dampening
        if not gamma:
            return lr * g, {}                                   # w ← w − η g
        if self.momentum_buffer == "velocity":
            v = gamma * slots["velocity"] + (1 - damp) * lr * g  # v_t = γ v_{t−1} + η g   (τ = 0)
            step = gamma * v + lr * g if self.nesterov else v   # NAG: γ v_t + η g;  else v_t
        else:                                                   # PyTorch: b_t = γ b_{t−1} + (1 − τ) g, b₁ = g
            v = g if t == 1 else gamma * slots["velocity"] + (1 - damp) * g
            step = lr * (g + gamma * v) if self.nesterov else lr * v
        return step, {"velocity": v}

    def slides_weights(self, params: list[np.ndarray]) -> list[np.ndarray]:
        """The slides' w for NAG, ``w = p + γ v``, from the look-ahead params p this optimizer keeps.

        With ``momentum_buffer="direction"`` v = η·b (exact for a constant η). For plain momentum
        (no Nesterov) the params already are the slides' w and are returned as copies.
        """
        if not self.nesterov or "velocity" not in self.state:
            return [np.array(p, copy=True) for p in params]
        scale = self.momentum * (1.0 if self.momentum_buffer == "velocity" else self.current_learning_rate)
        return [p + scale * v for p, v in zip(params, self.state["velocity"], strict=True)]


class Momentum(SGD):
    """The slides' momentum: ``v_t = γ v_{t−1} + η ∂E/∂w``, ``w ← w − v_t``, γ = 0.9 (Qian 1999).

    :class:`SGD` with the slides' default γ = 0.9 in every flavor; see :class:`SGD` for the
    keywords and the conventions. Faster than SGD, still poor at saddle points (slides §8).
    """

    name = "momentum"
    defaults = {f: {**d, "momentum": 0.9} for f, d in SGD.defaults.items()}

    def __init__(self, learning_rate: LearningRate | None = None, momentum: float | None = None,
                 nesterov: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate, momentum, nesterov, **kwargs)
        if self.momentum == 0:
            raise ValueError("momentum: expected a number in (0, 1] for Momentum, got 0.0 (use SGD)")


class NAG(SGD):
    """Nesterov's accelerated gradient: ``v_t = γ v_{t−1} + η ∇E(w − γ v_{t−1})``, ``w ← w − v_t``.

    :class:`SGD` with ``nesterov=True`` and γ = 0.9. The params kept are the look-ahead points
    ``w − γ v`` (see :class:`SGD`); :meth:`slides_weights` gives the slides' w.
    """

    name = "nag"
    defaults = {f: {**d, "momentum": 0.9} for f, d in SGD.defaults.items()}

    def __init__(self, learning_rate: LearningRate | None = None, momentum: float | None = None,
                 nesterov: bool = True, **kwargs: Any) -> None:
        if nesterov is not True:
            raise ValueError(f"nesterov: NAG is Nesterov momentum, expected True, got {nesterov!r} "
                             f"(use Momentum)")
        super().__init__(learning_rate, momentum, nesterov=True, **kwargs)
