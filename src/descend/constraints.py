"""Weight constraints (``kernel_constraint=`` and ``bias_constraint=`` on :class:`~descend.layers.Dense`).

A constraint is a projection applied to a weight *right after each optimizer update* — every
update of ``fit`` (batch, mini-batch or stochastic GD), ``train_on_batch`` and ``train_step`` —
as Keras 3 does (``keras/src/optimizers/base_optimizer.py``, ``apply``: after the update,
``variable.assign(variable.constraint(variable))``). It is not part of the gradient: E and ∂E/∂w
are those of the unconstrained weights; the step is taken, then the weights are put back inside
the allowed set. The formulas are Keras's (``keras/src/constraints/constraints.py``), with its
ε = 10⁻⁷ (``keras.backend.epsilon()``) and the norm taken over ``axis``::

    ‖w‖ = √(Σ_axis w²)                 (one norm per slice; for a Dense kernel (inputs, units) and
                                        axis = 0: the weights coming into each unit j)
    MaxNorm(c):          w ← w · clip(‖w‖, 0, c) / (ε + ‖w‖)
    NonNeg:              w ← max(w, 0)
    UnitNorm:            w ← w / (ε + ‖w‖)
    MinMaxNorm(a, b, r): w ← w · (r · clip(‖w‖, a, b) + (1 − r) · ‖w‖) / (ε + ‖w‖)

Because of ε a norm inside the bound is not left exactly as it is (it is scaled by
‖w‖/(ε + ‖w‖)), and UnitNorm gives a norm of 1/(1 + ε/‖w‖): Keras's numbers, kept on purpose.
Max-norm regularisation (Srivastava et al. 2014, with dropout) is the best-known use.

A constraint is a callable on an array that returns the projected array (a new one); the
training step writes it into the weight in place. :func:`get` takes a name (``"max_norm"``,
``"MaxNorm"``, ...), a config dict, a class, an instance, a plain callable ``f(w) -> array``
(wrapped in :class:`FunctionConstraint`, which checks the shape) or None.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .checks import Interval, check, from_class_config

#: Keras's fuzz factor (``keras.backend.epsilon()``), added to the norm before dividing by it
EPSILON = 1e-7

_BOUND = Interval(float, 0.0)
_RATE = Interval(float, 0.0, 1.0)
_AXIS = Interval(int)


def _axis(axis: Any) -> int | tuple[int, ...]:
    """An axis (an int) or several (a non-empty sequence of distinct ints)."""
    if isinstance(axis, (list, tuple)):
        axes = tuple(check("axis", a, _AXIS) for a in axis)
        if not axes or len(set(axes)) != len(axes):
            raise ValueError(f"axis: expected an int or a non-empty list of distinct ints, got {axis!r}")
        return axes
    try:
        return check("axis", axis, _AXIS)
    except (TypeError, ValueError):
        raise TypeError(f"axis: expected an int or a non-empty list of distinct ints, got {axis!r}") from None


def _weights(w: Any) -> np.ndarray:
    """``w`` as an array of real numbers (a float array as it is)."""
    arr = np.asarray(w)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"w: expected an array of real numbers, got dtype {arr.dtype}")
    return arr


class Constraint:
    """Base class: ``constraint(w)`` returns the projected weights; the base returns ``w`` as it is.

    Subclass it and write ``__call__(w) -> array`` (same shape) and ``get_config`` (the
    constructor's keywords) to have a constraint of one's own saved with the model.
    """

    def __call__(self, w: Any) -> np.ndarray:
        """The projected weights (the base class: ``w`` unchanged)."""
        return np.asarray(w)

    def check(self, arg: str, shape: tuple[int, ...]) -> None:
        """Refuse, naming ``arg``, a weight of ``shape`` this constraint cannot project (called
        when the layer builds; the base class takes every shape)."""

    def get_config(self) -> dict[str, Any]:
        """The constructor's keywords (JSON-friendly)."""
        return {}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Constraint:
        """Inverse of :meth:`get_config`."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.get_config() == self.get_config()

    def __hash__(self) -> int:
        return hash((type(self).__name__, repr(self)))


class _NormConstraint(Constraint):
    """A constraint on the norms ‖w‖ = √(Σ_axis w²), one per slice along ``axis``."""

    def __init__(self, axis: Any = 0) -> None:
        self.axis = _axis(axis)

    def _axes(self, ndim: int) -> tuple[int, ...]:
        axes = self.axis if isinstance(self.axis, tuple) else (self.axis,)
        if any(not -ndim <= a < ndim for a in axes):
            raise ValueError(f"axis: expected axes of a {ndim}-D weight ({-ndim} to {ndim - 1}), "
                             f"got {self.axis!r}")
        return axes

    def check(self, arg: str, shape: tuple[int, ...]) -> None:
        try:
            self._axes(len(shape))
        except ValueError as exc:
            raise ValueError(f"{arg}: {self!r} on a weight of shape {shape}: {exc}") from None

    def norms(self, w: np.ndarray) -> np.ndarray:
        """‖w‖ = √(Σ_axis w²), the summed axes kept (of length 1) so that it broadcasts against w."""
        w = _weights(w)
        return np.sqrt(np.sum(np.square(w), axis=self._axes(w.ndim), keepdims=True))

    def _scaled(self, w: Any, desired: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """w · desired(‖w‖) / (ε + ‖w‖), in Keras's order of operations."""
        w = _weights(w)
        norms = self.norms(w)
        return w.astype(norms.dtype, copy=False) * (desired(norms) / (EPSILON + norms))

    def get_config(self) -> dict[str, Any]:
        return {"axis": list(self.axis) if isinstance(self.axis, tuple) else self.axis}


class MaxNorm(_NormConstraint):
    """Caps the norm of the weights coming into each unit: w ← w · clip(‖w‖, 0, c) / (ε + ‖w‖).

    ‖w‖ = √(Σ_axis w²) and ε = 10⁻⁷ (Keras's). A slice whose norm exceeds c is scaled down to
    norm c; one inside the bound is multiplied by ‖w‖/(ε + ‖w‖), a hair below 1.

    Parameters
    ----------
    max_value : float
        c ≥ 0, the largest norm allowed (Keras's default 2).
    axis : int or list of int
        The axis (axes) the norm sums over: 0 for a Dense kernel (inputs, units) is one norm per
        unit, over its incoming weights (Keras's default).
    """

    def __init__(self, max_value: float = 2, axis: Any = 0) -> None:
        super().__init__(axis)
        self.max_value = check("max_value", max_value, _BOUND)

    def __call__(self, w: Any) -> np.ndarray:
        return self._scaled(w, lambda norms: np.clip(norms, 0, self.max_value))

    def get_config(self) -> dict[str, Any]:
        return {"max_value": self.max_value, **super().get_config()}


class NonNeg(Constraint):
    """Keeps the weights non-negative: w ← max(w, 0)."""

    def __call__(self, w: Any) -> np.ndarray:
        return np.maximum(_weights(w), 0)


class UnitNorm(_NormConstraint):
    """Scales the weights coming into each unit to norm 1: w ← w / (ε + ‖w‖).

    ‖w‖ = √(Σ_axis w²) and ε = 10⁻⁷ (Keras's), so the norm becomes ‖w‖/(ε + ‖w‖), 1 to within ε
    for a norm near 1; an all-zero slice stays zero.

    Parameters
    ----------
    axis : int or list of int
        The axis (axes) the norm sums over (Keras's default 0: one norm per unit of a Dense kernel).
    """

    def __call__(self, w: Any) -> np.ndarray:
        w = _weights(w)
        norms = self.norms(w)
        return w.astype(norms.dtype, copy=False) / (EPSILON + norms)


class MinMaxNorm(_NormConstraint):
    """Keeps the norm of the weights coming into each unit between a and b, at rate r:
    w ← w · (r · clip(‖w‖, a, b) + (1 − r) · ‖w‖) / (ε + ‖w‖).

    r = 1 enforces the bounds at once; r < 1 moves the norm the fraction r of the way into
    [a, b] at each update. ‖w‖ = √(Σ_axis w²), ε = 10⁻⁷ (Keras's).

    Parameters
    ----------
    min_value, max_value : float
        a and b, 0 ≤ a ≤ b (Keras's defaults 0 and 1).
    rate : float
        r in [0, 1] (default 1).
    axis : int or list of int
        The axis (axes) the norm sums over (Keras's default 0: one norm per unit of a Dense kernel).
    """

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0,
                 axis: Any = 0) -> None:
        super().__init__(axis)
        self.min_value = check("min_value", min_value, _BOUND)
        self.max_value = check("max_value", max_value, _BOUND)
        if self.min_value > self.max_value:
            raise ValueError(f"min_value, max_value: expected min_value <= max_value, got "
                             f"{self.min_value} > {self.max_value}")
        self.rate = check("rate", rate, _RATE)

    def __call__(self, w: Any) -> np.ndarray:
        rate = self.rate
        return self._scaled(w, lambda norms: rate * np.clip(norms, self.min_value, self.max_value)
                            + (1 - rate) * norms)

    def get_config(self) -> dict[str, Any]:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                **super().get_config()}


class FunctionConstraint(Constraint):
    """Wraps a plain callable ``f(w) -> array`` and checks what it returns (the shape of w, real
    numbers), cast to w's dtype. It cannot be saved as an architecture (write a
    :class:`Constraint` subclass with ``get_config`` for that)."""

    def __init__(self, function: Callable[[np.ndarray], Any]) -> None:
        if not callable(function):
            raise TypeError(f"function: expected a callable, got {type(function).__name__}")
        self.function = function

    def __call__(self, w: Any) -> np.ndarray:
        w = _weights(w)
        name = getattr(self.function, "__name__", repr(self.function))
        out = np.asarray(self.function(w))
        if out.shape != w.shape:
            raise ValueError(f"constraint {name}: expected an array of shape {w.shape} (the weight's), "
                             f"got shape {out.shape}")
        if out.dtype.kind not in "iuf":
            raise TypeError(f"constraint {name}: expected real numbers, got dtype {out.dtype}")
        return out.astype(w.dtype, copy=False)

    def get_config(self) -> dict[str, Any]:
        raise TypeError(f"constraint: a plain function ({self.function!r}) cannot be serialized; "
                        "subclass descend.constraints.Constraint and implement get_config")

    def __repr__(self) -> str:
        return f"FunctionConstraint({self.function!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FunctionConstraint) and other.function is self.function

    def __hash__(self) -> int:
        return hash(self.function)


#: name -> class: Keras's class names and their snake_case forms (``keras.constraints``); the
#: lookup ignores case and underscores
REGISTRY: dict[str, type[Constraint]] = {
    "constraint": Constraint, "max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
    "min_max_norm": MinMaxNorm,
}
_LOOKUP = {name.replace("_", ""): cls for name, cls in REGISTRY.items()}
#: keys a Keras-serialized dict may carry besides class_name and config
_KERAS_KEYS = {"module", "registered_name"}


def _class_for(name: str, arg: str) -> type[Constraint]:
    cls = _LOOKUP.get(name.lower().replace("_", ""))
    if cls is None:
        raise ValueError(f"{arg}: expected one of {sorted(REGISTRY)} (or their class names), got {name!r}")
    return cls


def deserialize(config: Mapping[str, Any], arg: str = "constraint") -> Constraint:
    """Inverse of :func:`serialize`: ``{"class_name": ..., "config": {...}}`` (Keras's extra keys
    ``module`` and ``registered_name`` are accepted)."""
    constraint: Constraint = from_class_config(arg, config, lambda name: _class_for(name, arg),
                                               ignored=_KERAS_KEYS)
    return constraint


def get(identifier: Any, arg: str = "constraint") -> Constraint | None:
    """The constraint named, described or given by ``identifier``.

    Parameters
    ----------
    identifier : str, dict, Constraint, class, callable or None
        * a name: ``"max_norm"``, ``"non_neg"``, ``"unit_norm"``, ``"min_max_norm"`` or a class
          name (``"MaxNorm"``), built with its defaults;
        * a config dict ``{"class_name": ..., "config": {...}}`` (:func:`serialize`'s, or Keras's);
        * a :class:`Constraint` (returned as is) or a Constraint class (built with its defaults);
        * a plain callable ``f(w) -> array`` (wrapped in :class:`FunctionConstraint`);
        * None (returned as None: no constraint).
    arg : str
        The argument's name in error messages (``"kernel_constraint"``).

    Raises
    ------
    ValueError
        An unknown name (the message lists the known ones) or a malformed dict.
    TypeError
        Any other type.
    """
    if identifier is None or isinstance(identifier, Constraint):
        return identifier
    if isinstance(identifier, str):
        return _class_for(identifier, arg)()
    if isinstance(identifier, Mapping):
        return deserialize(identifier, arg)
    if isinstance(identifier, type):
        if issubclass(identifier, Constraint):
            return identifier()
    elif callable(identifier):
        return FunctionConstraint(identifier)
    raise TypeError(f"{arg}: expected a name, a config dict, a Constraint, a callable or None, "
                    f"got {type(identifier).__name__}")


def serialize(constraint: Constraint | None) -> dict[str, Any] | None:
    """``{"class_name": <class name>, "config": get_config()}`` (JSON-friendly), None for None."""
    if constraint is None:
        return None
    if not isinstance(constraint, Constraint):
        raise TypeError(f"constraint: expected a Constraint or None, got {type(constraint).__name__}")
    return {"class_name": type(constraint).__name__, "config": constraint.get_config()}


#: a constrained weight: its name ("<layer>/<param>"), the array, its constraint
Constrained = tuple[str, np.ndarray, Constraint]


def constrained(layers: Sequence[Any]) -> list[Constrained]:
    """(name, weight, constraint) for every constrained parameter of ``layers`` (their
    ``param_constraints``), in the order of the model's parameters."""
    return [(f"{layer.name}/{name}", w, c) for layer in layers
            for name, w, c in zip(layer.param_names, layer.params, layer.param_constraints, strict=True)
            if c is not None]


def project(weights: Sequence[Constrained]) -> None:
    """Each weight overwritten, in place, by its constraint's projection (the training step calls
    this right after each optimizer update); what a constraint refuses names the weight."""
    for name, w, constraint in weights:
        try:
            np.copyto(w, constraint(w), casting="same_kind")
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{name}: {exc}") from None
