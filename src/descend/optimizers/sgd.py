"""Gradient descent, momentum and Nesterov's accelerated gradient (slides §1, §8)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..checks import BOOLEAN, check
from .base import LearningRate, Optimizer, Slots, check_choice, check_number

MOMENTUM_BUFFERS = ("velocity", "direction")
NESTEROV_FORMS = ("slides", "reparametrised")


class SGD(Optimizer):
    """Gradient descent, optionally with momentum or Nesterov momentum.

    Rules as the slides write them (§1, §8), ``g = ∂E/∂w``::

        plain:     w ← w − η g
        momentum:  v_t = γ v_{t−1} + η g;           w ← w − v_t           (Qian 1999)
        NAG:       v_t = γ v_{t−1} + η ∇E(w − γ v_{t−1});  w ← w − v_t     (Nesterov 1983)

    **NAG and the look-ahead point** (``nesterov_form``). The slides take NAG's gradient at the
    look-ahead point ``w − γv`` and keep w (``"slides"``, the lecture flavor): the params are the
    slides' w, and whoever computes the gradient first moves them to ``w − γv`` with
    :meth:`look_ahead` and back with :meth:`look_back` (the training step does; so does
    :meth:`gradient_at`); the update is then momentum's, ``v_t = γ v_{t−1} + η g``, ``w ← w − v_t``.
    Keras and PyTorch keep the look-ahead point itself, ``p = w − γv`` (``"reparametrised"``, their
    flavors): the gradient is taken at the params and ``p ← p − (γ v_t + η g(p))``, the same
    trajectory shifted by γv (``docs/conventions.md`` §2.2); the slides' w is then ``p + γ v``,
    :meth:`slides_weights`. Both start from the same w₀ (v₀ = 0) and converge to the same point.

    Parameters
    ----------
    learning_rate : float or schedule
        η. Default 0.01 (lecture, Keras), 1e-3 (torch).
    momentum : float
        γ in [0, 1]. Default 0 (every framework); :class:`Momentum` and :class:`NAG` default to
        the slides' 0.9.
    nesterov : bool
        Nesterov momentum. With momentum 0 it is plain gradient descent (NAG with γ = 0; Keras
        takes plain SGD steps) unless ``nesterov_needs_momentum``.
    dampening : float
        PyTorch's τ: ``b_t = γ b_{t−1} + (1 − τ) g`` (its first step is undamped, ``b_1 = g``).
        Default 0; not with nesterov.
    nesterov_form : {"slides", "reparametrised"}
        With Nesterov, what the params hold: the slides' w (``"slides"``, lecture; the gradient
        is taken at :meth:`look_ahead`'s ``w − γv``) or the look-ahead point ``w − γv`` itself
        (``"reparametrised"``, Keras and PyTorch; the gradient is taken at the params).
    nesterov_needs_momentum : bool
        Refuse ``nesterov=True`` with momentum 0, as PyTorch does ("Nesterov momentum requires
        a momentum and zero dampening"). Default False (lecture: NAG with γ = 0 is gradient
        descent; Keras: plain SGD steps), True (torch). Nesterov with dampening is always refused.
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
    hyperparameters = ("momentum", "nesterov", "dampening", "momentum_buffer", "nesterov_form",
                       "nesterov_needs_momentum")
    defaults = {
        "lecture": {"learning_rate": 0.01, "momentum": 0.0, "momentum_buffer": "velocity",
                    "nesterov_form": "slides", "nesterov_needs_momentum": False},
        "keras": {"learning_rate": 0.01, "momentum": 0.0, "momentum_buffer": "velocity",
                  "nesterov_form": "reparametrised", "nesterov_needs_momentum": False},
        "torch": {"learning_rate": 1e-3, "momentum": 0.0, "momentum_buffer": "direction",
                  "nesterov_form": "reparametrised", "nesterov_needs_momentum": True},
    }

    def __init__(self, learning_rate: LearningRate | None = None, momentum: float | None = None,
                 nesterov: bool = False, *, dampening: float = 0.0, momentum_buffer: str | None = None,
                 nesterov_form: str | None = None, nesterov_needs_momentum: bool | None = None,
                 flavor: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate, flavor=flavor, **kwargs)
        self.momentum = check_number("momentum", self.default("momentum", momentum), low=0.0, high=1.0)
        self.nesterov = check("nesterov", nesterov, BOOLEAN)
        self.dampening = check_number("dampening", dampening, low=0.0, high=1.0)
        buffer = self.default("momentum_buffer", momentum_buffer)
        self.momentum_buffer = check_choice("momentum_buffer", buffer, MOMENTUM_BUFFERS)
        form = self.default("nesterov_form", nesterov_form)
        self.nesterov_form = check_choice("nesterov_form", form, NESTEROV_FORMS)
        #: the params hold the look-ahead point and the rule is the reparametrised Nesterov step
        self.reparametrised = self.nesterov and self.nesterov_form == "reparametrised"
        self._held: list[np.ndarray] = []        # the slides' w while the params look ahead
        self.nesterov_needs_momentum = check("nesterov_needs_momentum",
                                             self.default("nesterov_needs_momentum", nesterov_needs_momentum),
                                             BOOLEAN)
        if self.nesterov and self.dampening != 0:
            raise ValueError(f"nesterov: needs dampening == 0, got dampening={self.dampening}")
        if self.nesterov and self.momentum == 0 and self.nesterov_needs_momentum:
            raise ValueError(f"nesterov: needs momentum > 0 (nesterov_needs_momentum=True, as PyTorch), "
                             f"got momentum={self.momentum}")

    def slots(self) -> dict[str, float]:
        return {"velocity": 0.0} if self.momentum else {}

    def rule(self, g: np.ndarray, slots: Slots, lr: float, t: int) -> tuple[np.ndarray, Slots]:
        gamma, damp = self.momentum, self.dampening
        if not gamma:
            return lr * g, {}                                   # w ← w − η g
        if self.momentum_buffer == "velocity":
            v = gamma * slots["velocity"] + (1 - damp) * lr * g  # v_t = γ v_{t−1} + η g   (τ = 0)
            step = gamma * v + lr * g if self.reparametrised else v   # p: γ v_t + η g;  w: v_t
        else:                                                   # PyTorch: b_t = γ b_{t−1} + (1 − τ) g, b₁ = g
            v = g if t == 1 else gamma * slots["velocity"] + (1 - damp) * g
            step = lr * (g + gamma * v) if self.reparametrised else lr * v
        return step, {"velocity": v}

    def _offset_scale(self) -> float:
        """The slides' look-ahead offset γv as a multiple of the buffer: γ, or γη for PyTorch's
        buffer b (v = ηb, exact for a constant η)."""
        return self.momentum * (1.0 if self.momentum_buffer == "velocity" else self.current_learning_rate)

    def look_ahead(self, params: Sequence[np.ndarray]) -> bool:
        """NAG in the slides' form: params ← w − γv in place, the slides' w held to come back to
        (:meth:`look_back`); False (nothing moved) otherwise, or before the first step (v = 0)."""
        if not self.nesterov or self.reparametrised or "velocity" not in self.state:
            return False
        if [(h.shape, h.dtype) for h in self._held] != [(w.shape, w.dtype) for w in params]:
            self._held = [np.empty_like(w) for w in params]
        scale = self._offset_scale()
        for w, held, v in zip(params, self._held, self.state["velocity"], strict=True):
            np.copyto(held, w)
            np.subtract(w, scale * v, out=w)                    # w − γ v_{t−1}
        return True

    def look_back(self, params: Sequence[np.ndarray]) -> None:
        """The params back to the slides' w after :meth:`look_ahead`, bit for bit."""
        for w, held in zip(params, self._held, strict=True):
            np.copyto(w, held)

    def __getstate__(self) -> dict[str, Any]:
        return {**super().__getstate__(), "_held": []}

    def slides_weights(self, params: list[np.ndarray]) -> list[np.ndarray]:
        """The slides' w for NAG, ``w = p + γ v``, from the look-ahead params p kept in the
        ``"reparametrised"`` form.

        With ``momentum_buffer="direction"`` v = η·b (exact for a constant η). Where the params
        already are the slides' w (plain momentum, or ``nesterov_form="slides"``) they are
        returned as copies.
        """
        if not self.reparametrised or "velocity" not in self.state:
            return [np.array(p, copy=True) for p in params]
        scale = self._offset_scale()
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

    :class:`SGD` with ``nesterov=True`` and γ = 0.9. In the lecture flavor the params are the
    slides' w and the gradient is taken at the look-ahead point ``w − γ v`` (:meth:`look_ahead`);
    in the Keras and torch flavors the params are the look-ahead points themselves and
    :meth:`slides_weights` gives the slides' w (see :class:`SGD`).
    """

    name = "nag"
    defaults = {f: {**d, "momentum": 0.9} for f, d in SGD.defaults.items()}

    def __init__(self, learning_rate: LearningRate | None = None, momentum: float | None = None,
                 nesterov: bool = True, **kwargs: Any) -> None:
        if nesterov is not True:
            raise ValueError(f"nesterov: NAG is Nesterov momentum, expected True, got {nesterov!r} "
                             f"(use Momentum)")
        super().__init__(learning_rate, momentum, nesterov=True, **kwargs)
