"""Learning-rate schedules: ``η_t = schedule(t)`` with t the **0-based** optimizer step.

Step semantics follow Keras (``docs/conventions.md`` §5): an optimizer evaluates its schedule at
``iterations`` (0 before the first update), so the first update uses ``schedule(0)``. PyTorch's
``StepLR``/``ExponentialLR`` count ``scheduler.step()`` calls instead (usually epochs);
``StepDecay(η0, T, γ)`` evaluated at the number of such calls is ``StepLR(step_size=T, gamma=γ)``,
and ``ExponentialDecay(η0, 1, γ)`` is ``ExponentialLR(gamma=γ)``.

The slides' learning-rate decay (§9) ``η_t = δ^(t // T) · η₀`` is
``ExponentialDecay(η₀, T, δ, staircase=True)`` — or, the same numbers, ``StepDecay(η₀, T, δ)``.

Every schedule is a callable of the step returning a float, with ``get_config``/``from_config``;
:func:`get` and :func:`serialize` turn them into ``{"class_name", "config"}`` dicts and back. Any
other callable of the step works as a learning rate too (it just cannot be serialized). The Keras
schedules take Keras's ``name`` argument (default the name Keras gives, e.g. ``"SGDRDecay"`` for
:class:`CosineDecayRestarts`) and keep it in their config; it changes no number.

A step is a number ≥ 0 — except for :class:`PiecewiseConstantDecay`, whose boundaries cut the
whole real line: a step before the first boundary (a negative one included) gets ``values[0]``,
as in Keras (``docs/conventions.md`` §5).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .checks import BOOLEAN, InstanceOf, Interval, ListOf, check

#: a learning rate, or a factor it is multiplied by: ≥ 0
_RATE = Interval(float, 0.0)
#: a number of steps something takes: > 0
_DURATION = Interval(float, 0.0, closed="neither")
#: the 0-based optimizer step a schedule is evaluated at
_STEP = Interval(float, 0.0)
#: a step of PiecewiseConstantDecay: any finite number (its boundaries cut the whole line)
_ANY_STEP = Interval(float)
#: Keras's ``name`` of a schedule (or None, as a Keras config may hold)
_NAME = InstanceOf(str, "a string or None")


def _step(step: Any) -> float:
    # a ValueError whatever is wrong: the step comes from the optimizer, not from a user's choice
    if step not in _STEP:
        raise ValueError(f"step: expected a number >= 0 (the 0-based optimizer step), got {step!r}")
    return float(step)


def _name(name: str | None) -> str | None:
    return None if name is None else check("name", name, _NAME)


def _scaled_power(scale: float, base: float, exponent: float) -> float:
    """``scale · base^exponent``, +inf where the power overflows (a rate that grows past the float
    range, which the optimizer then reports as a divergence) — never an OverflowError."""
    if scale == 0.0:
        return 0.0
    try:
        power = base ** exponent
    except OverflowError:
        power = math.inf
    return scale * power


def _ratio(step: float, steps: float, name: str) -> float:
    """``step / steps``, a ValueError naming ``name`` where it is beyond the float range (a period
    whose count and phase cannot be told apart)."""
    ratio = step / steps
    if not math.isfinite(ratio):
        raise ValueError(f"{name}: step {step!r} / {name} {steps!r} is beyond the float range; "
                         f"expected {name} large enough to count its periods")
    return ratio


class LearningRateSchedule:
    """Base class: ``schedule(step) -> float``; ``get_config``/``from_config`` for saving."""

    #: Keras's ``name`` (the Keras schedules set it; it changes no number)
    name: str | None = None

    def __call__(self, step: int) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:  # pragma: no cover - abstract
        """The constructor's keyword arguments: ``type(self)(**get_config())`` is an equal schedule."""
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateSchedule:
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LearningRateSchedule) and type(other) is type(self) \
            and other.get_config() == self.get_config()


class _RateOverSteps(LearningRateSchedule):
    """A schedule of η₀, a rate and its number of steps, the exponent or quotient step/decay_steps
    floored if ``staircase`` (Keras's ExponentialDecay and InverseTimeDecay). ``name`` left out
    is the class name, Keras's default for both."""

    def __init__(self, initial_learning_rate: float, decay_steps: float, decay_rate: float,
                 staircase: bool = False, name: str | None = "") -> None:
        self.initial_learning_rate = check("initial_learning_rate", initial_learning_rate, _RATE)
        self.decay_steps = check("decay_steps", decay_steps, _DURATION)
        self.decay_rate = check("decay_rate", decay_rate, _RATE)
        self.staircase = check("staircase", staircase, BOOLEAN)
        self.name = _name(type(self).__name__ if name == "" else name)   # "": Keras's default

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}

    def _progress(self, step: int) -> float:
        p = _step(step) / self.decay_steps   # inf where decay_steps is tiny: rate^inf, rate·inf hold
        return math.floor(p) if self.staircase and math.isfinite(p) else p


class ExponentialDecay(_RateOverSteps):
    """``η₀ · rate^(step / decay_steps)``; with ``staircase=True`` the exponent is floored.

    Staircase is the slides' ``η_t = δ^(t // T) · η₀`` (integer division: every T updates the
    rate is multiplied by δ). Keras ``ExponentialDecay``; PyTorch ``ExponentialLR`` is
    ``decay_steps=1``.
    """

    def __call__(self, step: int) -> float:
        return _scaled_power(self.initial_learning_rate, self.decay_rate, self._progress(step))


class StepDecay(LearningRateSchedule):
    """``η₀ · γ^(step // step_size)`` — PyTorch ``StepLR``; the slides' decay with δ = γ, T = step_size."""

    def __init__(self, initial_learning_rate: float, step_size: int, gamma: float = 0.1) -> None:
        self.initial_learning_rate = check("initial_learning_rate", initial_learning_rate, _RATE)
        self.step_size = check("step_size", step_size, Interval(int, 1))
        self.gamma = check("gamma", gamma, _RATE)

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "step_size": self.step_size,
                "gamma": self.gamma}

    def __call__(self, step: int) -> float:
        return _scaled_power(self.initial_learning_rate, self.gamma, int(_step(step)) // self.step_size)


def _listed(value: Any) -> Any:
    """A 1-D NumPy array as the list it holds (a list or tuple, or anything else, as it is)."""
    return value.tolist() if isinstance(value, np.ndarray) and value.ndim == 1 else value


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` for step ≤ boundaries[0], ``values[i]`` for boundaries[i−1] < step ≤ boundaries[i],
    ``values[-1]`` after the last boundary (Keras: each boundary belongs to the interval on its left).

    Any finite step has a value, a negative one included (``values[0]``, as Keras gives): the
    boundaries, not step 0, say where the schedule starts.
    """

    def __init__(self, boundaries: Sequence[float], values: Sequence[float],
                 name: str | None = "PiecewiseConstant") -> None:
        self.boundaries = check("boundaries", _listed(boundaries), ListOf(Interval(float), "a list of steps"))
        self.values = check("values", _listed(values), ListOf(_RATE, "a list of learning rates"))
        if len(self.values) != len(self.boundaries) + 1:
            raise ValueError(f"values: expected len(boundaries) + 1 = {len(self.boundaries) + 1} values, "
                             f"got {len(self.values)}")
        if any(b1 <= b0 for b0, b1 in zip(self.boundaries, self.boundaries[1:], strict=False)):
            raise ValueError(f"boundaries: expected strictly increasing numbers, got {self.boundaries}")
        self.name = _name(name)

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": list(self.boundaries), "values": list(self.values), "name": self.name}

    def __call__(self, step: int) -> float:
        if step not in _ANY_STEP:   # a negative step lies before the first boundary: values[0]
            raise ValueError(f"step: expected a finite number (the 0-based optimizer step), got {step!r}")
        s = float(step)
        for boundary, value in zip(self.boundaries, self.values, strict=False):  # one value more
            if s <= boundary:
                return value
        return self.values[-1]


class PolynomialDecay(LearningRateSchedule):
    """``(η₀ − η_end)(1 − s/D)^power + η_end``, s = min(step, D) (Keras ``PolynomialDecay``).

    With ``cycle=True``, D ← D·ceil(step/D) (multiplier 1 at step 0) instead of capping s.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: float, end_learning_rate: float = 1e-4,
                 power: float = 1.0, cycle: bool = False, name: str | None = "PolynomialDecay") -> None:
        self.initial_learning_rate = check("initial_learning_rate", initial_learning_rate, _RATE)
        self.decay_steps = check("decay_steps", decay_steps, _DURATION)
        self.end_learning_rate = check("end_learning_rate", end_learning_rate, _RATE)
        self.power = check("power", power, Interval(float, 0.0))
        self.cycle = check("cycle", cycle, BOOLEAN)
        self.name = _name(name)

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}

    def __call__(self, step: int) -> float:
        s, d = _step(step), self.decay_steps
        if self.cycle:
            d *= 1.0 if s == 0 else math.ceil(_ratio(s, d, "decay_steps"))
        else:
            s = min(s, d)
        return (self.initial_learning_rate - self.end_learning_rate) * (1 - s / d) ** self.power + \
            self.end_learning_rate


class InverseTimeDecay(_RateOverSteps):
    """``η₀ / (1 + rate · step / decay_steps)``; the quotient is floored if ``staircase`` (Keras)."""

    def __call__(self, step: int) -> float:
        progress = self._progress(step)
        return self.initial_learning_rate / (1 + (self.decay_rate * progress if self.decay_rate else 0.0))


class CosineDecay(LearningRateSchedule):
    """Cosine decay with optional linear warm-up (Keras ``CosineDecay``, SGDR without restarts).

    Without warm-up: ``η₀ · [(1 − α) · ½(1 + cos(π · min(step, D)/D)) + α]``. With
    ``warmup_target`` and W = ``warmup_steps``: s = min(step, D + W); for s < W the rate goes
    linearly ``η₀ + (target − η₀) · s/W``; then ``target · [(1 − α) · ½(1 + cos(π(s − W)/D)) + α]``.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: float, alpha: float = 0.0,
                 warmup_target: float | None = None, warmup_steps: float = 0,
                 name: str | None = "CosineDecay") -> None:
        self.initial_learning_rate = check("initial_learning_rate", initial_learning_rate, _RATE)
        self.decay_steps = check("decay_steps", decay_steps, _DURATION)
        self.alpha = check("alpha", alpha, Interval(float, 0.0, 1.0))
        self.warmup_target = None if warmup_target is None else check("warmup_target", warmup_target, _RATE)
        self.warmup_steps = check("warmup_steps", warmup_steps, Interval(float, 0.0))
        self.name = _name(name)

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}

    def _decay(self, s: float, peak: float) -> float:
        cosine = 0.5 * (1.0 + math.cos(math.pi * s / self.decay_steps))
        return peak * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step: int) -> float:
        s = _step(step)
        if self.warmup_target is None:
            return self._decay(min(s, self.decay_steps), self.initial_learning_rate)
        w = self.warmup_steps
        s = min(s, self.decay_steps + w)
        if s < w:
            return self.initial_learning_rate + (self.warmup_target - self.initial_learning_rate) * s / w
        return self._decay(s - w, self.warmup_target)


class CosineDecayRestarts(LearningRateSchedule):
    """SGDR (Loshchilov & Hutter 2016), Keras ``CosineDecayRestarts``.

    Period i lasts ``first_decay_steps · t_mul^i`` steps and peaks at ``m_mul^i · η₀``; within it
    ``η₀ · [(1 − α) · m_mul^i · ½(1 + cos(π · fraction)) + α]`` (α is not scaled by m_mul).
    """

    def __init__(self, initial_learning_rate: float, first_decay_steps: float, t_mul: float = 2.0,
                 m_mul: float = 1.0, alpha: float = 0.0, name: str | None = "SGDRDecay") -> None:
        self.initial_learning_rate = check("initial_learning_rate", initial_learning_rate, _RATE)
        self.first_decay_steps = check("first_decay_steps", first_decay_steps, _DURATION)
        self.t_mul = check("t_mul", t_mul, Interval(float, 0.0, closed="neither"))
        self.m_mul = check("m_mul", m_mul, _RATE)
        self.alpha = check("alpha", alpha, Interval(float, 0.0, 1.0))
        self.name = _name(name)

    def get_config(self) -> dict[str, Any]:
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self.t_mul, "m_mul": self.m_mul,
                "alpha": self.alpha, "name": self.name}

    def __call__(self, step: int) -> float:
        fraction = _ratio(_step(step), self.first_decay_steps, "first_decay_steps")
        t_mul = self.t_mul
        if t_mul == 1.0:
            i = math.floor(fraction)
            fraction -= i
        else:  # periods 1, t, t², …: restart i starts at the geometric sum (1 − t^i)/(1 − t)
            if t_mul < 1.0 and fraction * (1.0 - t_mul) >= 1.0:
                raise ValueError(
                    f"t_mul: {t_mul} < 1 makes the periods shrink; all of them together last "
                    f"first_decay_steps / (1 − t_mul) = {self.first_decay_steps / (1.0 - t_mul):g} "
                    f"steps, and step {step} lies beyond (use t_mul >= 1 to train this long)")
            try:
                i = math.floor(math.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
                start = (1.0 - t_mul ** i) / (1.0 - t_mul)
                fraction = (fraction - start) / t_mul ** i
            except OverflowError:   # a period count past the float range
                raise ValueError(f"first_decay_steps: step {step!r} is {fraction:g} periods of "
                                 f"{self.first_decay_steps!r} steps, more than t_mul={t_mul} can "
                                 f"count within the float range") from None
        wave = 1.0 + math.cos(math.pi * fraction)
        cosine = 0.0 if wave == 0.0 else _scaled_power(0.5 * wave, self.m_mul, i)
        return self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha)


REGISTRY: dict[str, type[LearningRateSchedule]] = {
    cls.__name__.lower(): cls for cls in (ExponentialDecay, StepDecay, PiecewiseConstantDecay,
                                          PolynomialDecay, InverseTimeDecay, CosineDecay,
                                          CosineDecayRestarts)}


def get(identifier: LearningRateSchedule | dict | Callable[[int], float]) -> Callable[[int], float]:
    """A schedule from a ``{"class_name", "config"}`` dict; a schedule or other callable as is."""
    if isinstance(identifier, dict):
        name = str(identifier.get("class_name", "")).lower()
        if name not in REGISTRY:
            raise ValueError(f"schedule: expected class_name one of {sorted(REGISTRY)}, "
                             f"got {identifier.get('class_name')!r}")
        return REGISTRY[name].from_config(dict(identifier.get("config", {})))
    if callable(identifier):
        return identifier
    raise TypeError(f"schedule: expected a schedule, a callable of the step or a config dict, "
                    f"got {type(identifier).__name__}")


def serialize(schedule: object) -> dict[str, Any]:
    """``{"class_name": ..., "config": ...}`` of a schedule (TypeError for a plain callable)."""
    if not isinstance(schedule, LearningRateSchedule):
        raise TypeError(f"schedule: only descend.schedules objects can be serialized, got "
                        f"{type(schedule).__name__}; use one of {sorted(REGISTRY)}")
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}
