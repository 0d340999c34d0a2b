"""Learning-rate schedules: ``η_t = schedule(t)`` with t the **0-based** optimizer step.

Step semantics follow Keras: an optimizer evaluates its schedule at ``iterations`` (0 before the
first update), so the first update uses ``schedule(0)``. PyTorch's ``StepLR``/``ExponentialLR``
count ``scheduler.step()`` calls instead (usually epochs); ``StepDecay(η0, T, γ)`` evaluated at the
number of such calls is ``StepLR(step_size=T, gamma=γ)``, and ``ExponentialDecay(η0, 1, γ)`` is
``ExponentialLR(gamma=γ)``.

The slides' learning-rate decay (§9) ``η_t = δ^(t // T) · η₀`` is
``ExponentialDecay(η₀, T, δ, staircase=True)`` — or, the same numbers, ``StepDecay(η₀, T, δ)``.

Every schedule is a callable of the step returning a float, with ``get_config``/``from_config``;
:func:`get` and :func:`serialize` turn them into ``{"class_name", "config"}`` dicts and back. Any
other callable of the step works as a learning rate too (it just cannot be serialized).
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np


def _number(name: str, value: Any, *, low: float | None = None, low_open: bool = False,
            high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__} {value!r}")
    v = float(value)
    if not math.isfinite(v) or (low is not None and (v <= low if low_open else v < low)) or \
            (high is not None and v > high):
        rng = f"{'(' if low_open else '['}{low}, {high if high is not None else 'inf'}]"
        raise ValueError(f"{name}: expected a finite number in {rng}, got {value!r}")
    return v


def _step(step: Any) -> float:
    if isinstance(step, bool) or not isinstance(step, (int, float, np.integer, np.floating)) or \
            not math.isfinite(step) or step < 0:
        raise ValueError(f"step: expected a number >= 0 (the 0-based optimizer step), got {step!r}")
    return float(step)


class LearningRateSchedule:
    """Base class: ``schedule(step) -> float``; ``get_config``/``from_config`` for saving."""

    def __call__(self, step: int) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return dict(self._config)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "LearningRateSchedule":
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self._config.items())})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.get_config() == self.get_config()

    __hash__ = None  # type: ignore[assignment]


class ExponentialDecay(LearningRateSchedule):
    """``η₀ · rate^(step / decay_steps)``; with ``staircase=True`` the exponent is floored.

    Staircase is the slides' ``η_t = δ^(t // T) · η₀`` (integer division: every T updates the
    rate is multiplied by δ). Keras ``ExponentialDecay``; PyTorch ``ExponentialLR`` is
    ``decay_steps=1``.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False) -> None:
        self._config = {"initial_learning_rate": _number("initial_learning_rate", initial_learning_rate, low=0.0),
                        "decay_steps": _number("decay_steps", decay_steps, low=0.0, low_open=True),
                        "decay_rate": _number("decay_rate", decay_rate, low=0.0),
                        "staircase": bool(staircase)}

    def __call__(self, step: int) -> float:
        c = self._config
        p = _step(step) / c["decay_steps"]
        if c["staircase"]:
            p = math.floor(p)
        return c["initial_learning_rate"] * c["decay_rate"] ** p


class StepDecay(LearningRateSchedule):
    """``η₀ · γ^(step // step_size)`` — PyTorch ``StepLR``; the slides' decay with δ = γ, T = step_size."""

    def __init__(self, initial_learning_rate: float, step_size: int, gamma: float = 0.1) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, (int, np.integer)) or step_size < 1:
            raise ValueError(f"step_size: expected an int >= 1, got {step_size!r}")
        self._config = {"initial_learning_rate": _number("initial_learning_rate", initial_learning_rate, low=0.0),
                        "step_size": int(step_size), "gamma": _number("gamma", gamma, low=0.0)}

    def __call__(self, step: int) -> float:
        c = self._config
        return c["initial_learning_rate"] * c["gamma"] ** (int(_step(step)) // c["step_size"])


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` for step ≤ boundaries[0], ``values[i]`` for boundaries[i−1] < step ≤ boundaries[i],
    ``values[-1]`` after the last boundary (Keras: each boundary belongs to the interval on its left)."""

    def __init__(self, boundaries: Sequence[float], values: Sequence[float]) -> None:
        boundaries = [_number(f"boundaries[{i}]", b) for i, b in enumerate(boundaries)]
        values = [_number(f"values[{i}]", v, low=0.0) for i, v in enumerate(values)]
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"values: expected len(boundaries) + 1 = {len(boundaries) + 1} values, got {len(values)}")
        if any(b1 <= b0 for b0, b1 in zip(boundaries, boundaries[1:])):
            raise ValueError(f"boundaries: expected strictly increasing numbers, got {boundaries}")
        self._config = {"boundaries": boundaries, "values": values}

    def __call__(self, step: int) -> float:
        s = _step(step)
        for boundary, value in zip(self._config["boundaries"], self._config["values"]):
            if s <= boundary:
                return value
        return self._config["values"][-1]


class PolynomialDecay(LearningRateSchedule):
    """``(η₀ − η_end)(1 − s/D)^power + η_end``, s = min(step, D) (Keras ``PolynomialDecay``).

    With ``cycle=True``, D ← D·ceil(step/D) (multiplier 1 at step 0) instead of capping s.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, end_learning_rate: float = 1e-4,
                 power: float = 1.0, cycle: bool = False) -> None:
        self._config = {"initial_learning_rate": _number("initial_learning_rate", initial_learning_rate, low=0.0),
                        "decay_steps": _number("decay_steps", decay_steps, low=0.0, low_open=True),
                        "end_learning_rate": _number("end_learning_rate", end_learning_rate, low=0.0),
                        "power": _number("power", power, low=0.0), "cycle": bool(cycle)}

    def __call__(self, step: int) -> float:
        c = self._config
        s, d = _step(step), c["decay_steps"]
        if c["cycle"]:
            d *= 1.0 if s == 0 else math.ceil(s / d)
        else:
            s = min(s, d)
        return (c["initial_learning_rate"] - c["end_learning_rate"]) * (1 - s / d) ** c["power"] + \
            c["end_learning_rate"]


class InverseTimeDecay(LearningRateSchedule):
    """``η₀ / (1 + rate · step / decay_steps)``; the quotient is floored if ``staircase`` (Keras)."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False) -> None:
        self._config = {"initial_learning_rate": _number("initial_learning_rate", initial_learning_rate, low=0.0),
                        "decay_steps": _number("decay_steps", decay_steps, low=0.0, low_open=True),
                        "decay_rate": _number("decay_rate", decay_rate, low=0.0), "staircase": bool(staircase)}

    def __call__(self, step: int) -> float:
        c = self._config
        p = _step(step) / c["decay_steps"]
        if c["staircase"]:
            p = math.floor(p)
        return c["initial_learning_rate"] / (1 + c["decay_rate"] * p)


class CosineDecay(LearningRateSchedule):
    """Cosine decay with optional linear warm-up (Keras ``CosineDecay``, SGDR without restarts).

    Without warm-up: ``η₀ · [(1 − α) · ½(1 + cos(π · min(step, D)/D)) + α]``. With
    ``warmup_target`` and W = ``warmup_steps``: s = min(step, D + W); for s < W the rate goes
    linearly ``η₀ + (target − η₀) · s/W``; then ``target · [(1 − α) · ½(1 + cos(π(s − W)/D)) + α]``.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0,
                 warmup_target: float | None = None, warmup_steps: int = 0) -> None:
        self._config = {"initial_learning_rate": _number("initial_learning_rate", initial_learning_rate, low=0.0),
                        "decay_steps": _number("decay_steps", decay_steps, low=0.0, low_open=True),
                        "alpha": _number("alpha", alpha, low=0.0, high=1.0),
                        "warmup_target": None if warmup_target is None else _number("warmup_target", warmup_target, low=0.0),
                        "warmup_steps": _number("warmup_steps", warmup_steps, low=0.0)}

    def _decay(self, s: float, peak: float) -> float:
        c = self._config
        cosine = 0.5 * (1.0 + math.cos(math.pi * s / c["decay_steps"]))
        return peak * ((1 - c["alpha"]) * cosine + c["alpha"])

    def __call__(self, step: int) -> float:
        c = self._config
        s = _step(step)
        if c["warmup_target"] is None:
            return self._decay(min(s, c["decay_steps"]), c["initial_learning_rate"])
        w = c["warmup_steps"]
        s = min(s, c["decay_steps"] + w)
        if s < w:
            return c["initial_learning_rate"] + (c["warmup_target"] - c["initial_learning_rate"]) * s / w
        return self._decay(s - w, c["warmup_target"])


class CosineDecayRestarts(LearningRateSchedule):
    """SGDR (Loshchilov & Hutter 2016), Keras ``CosineDecayRestarts``.

    Period i lasts ``first_decay_steps · t_mul^i`` steps and peaks at ``m_mul^i · η₀``; within it
    ``η₀ · [(1 − α) · m_mul^i · ½(1 + cos(π · fraction)) + α]`` (α is not scaled by m_mul).
    """

    def __init__(self, initial_learning_rate: float, first_decay_steps: int, t_mul: float = 2.0,
                 m_mul: float = 1.0, alpha: float = 0.0) -> None:
        self._config = {"initial_learning_rate": _number("initial_learning_rate", initial_learning_rate, low=0.0),
                        "first_decay_steps": _number("first_decay_steps", first_decay_steps, low=0.0, low_open=True),
                        "t_mul": _number("t_mul", t_mul, low=0.0, low_open=True),
                        "m_mul": _number("m_mul", m_mul, low=0.0), "alpha": _number("alpha", alpha, low=0.0, high=1.0)}

    def __call__(self, step: int) -> float:
        c = self._config
        fraction = _step(step) / c["first_decay_steps"]
        t_mul = c["t_mul"]
        if t_mul == 1.0:
            i = math.floor(fraction)
            fraction -= i
        else:  # periods 1, t, t², …: restart i starts at the geometric sum (1 − t^i)/(1 − t)
            i = math.floor(math.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            start = (1.0 - t_mul ** i) / (1.0 - t_mul)
            fraction = (fraction - start) / t_mul ** i
        cosine = 0.5 * c["m_mul"] ** i * (1.0 + math.cos(math.pi * fraction))
        return c["initial_learning_rate"] * ((1 - c["alpha"]) * cosine + c["alpha"])


REGISTRY: dict[str, type[LearningRateSchedule]] = {
    cls.__name__.lower(): cls for cls in (ExponentialDecay, StepDecay, PiecewiseConstantDecay, PolynomialDecay,
                                          InverseTimeDecay, CosineDecay, CosineDecayRestarts)}


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


def serialize(schedule: LearningRateSchedule) -> dict[str, Any]:
    """``{"class_name": ..., "config": ...}`` of a schedule (TypeError for a plain callable)."""
    if not isinstance(schedule, LearningRateSchedule):
        raise TypeError(f"schedule: only descend.schedules objects can be serialized, got "
                        f"{type(schedule).__name__}; use one of {sorted(REGISTRY)}")
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}
