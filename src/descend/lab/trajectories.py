"""Optimizers moving on a 2-D surface: one path, or a race of several from the same start (§8).

The two coordinates ``xy = [x, y]`` are the only "weights": one float64 array handed to
``optimizer.apply([∇f(xy)], [xy])``, exactly as a network's weights would be (∇f taken where
``optimizer.gradient_at`` says). Any optimizer of
:mod:`descend.optimizers` works, by name or as an instance.

Default learning rates of a race (:data:`RACE_LEARNING_RATES`) are chosen so that every optimizer
visibly moves on the built-in surfaces within a few hundred steps without blowing up — the
slides' defaults where they are sensible (SGD, momentum, NAG η = 0.01; Adadelta η = 1, "no
learning rate"), larger ones for the methods whose step size is about η per coordinate
regardless of the gradient's scale (Adagrad, RMSprop, Adam, Nadam). A surface may suggest its
own (``Function2D.learning_rates``: Rosenbrock's and Beale's steep walls need smaller plain
steps, their flat valleys larger adaptive ones). Override with
``learning_rates={"adam": 0.1}`` or by passing configured optimizer instances.
"""
from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..checks import Interval, check
from ..optimizers import Optimizer
from ..optimizers import get as get_optimizer
from .functions import Function2D, _point, get_function

__all__ = ["Trajectory", "RaceResult", "run_trajectory", "race", "RACE_LEARNING_RATES",
           "RACE_OPTIMIZERS", "DIVERGENCE_BOUND"]

#: η used by :func:`race` for an optimizer given by name (see the module docstring).
RACE_LEARNING_RATES: dict[str, float] = {
    "sgd": 0.01, "momentum": 0.01, "nag": 0.01,
    "adagrad": 0.5, "rmsprop": 0.01, "adadelta": 1.0, "adam": 0.05, "nadam": 0.05,
}
#: every optimizer of the lecture, in the slides' order
RACE_OPTIMIZERS: tuple[str, ...] = ("sgd", "momentum", "nag", "adagrad", "rmsprop", "adadelta",
                                    "adam", "nadam")
#: a path is stopped (and marked diverged) once |x| or |y| exceeds this, or the gradient is not finite
DIVERGENCE_BOUND = 1e8


@dataclass
class Trajectory:
    """One optimizer's path on a surface.

    Attributes
    ----------
    label : str
        Legend entry (the optimizer's name, made unique within a race).
    path : ndarray, shape (steps + 1, 2)
        ``path[0]`` is the start, ``path[k]`` the point after k updates. After a divergence the
        remaining rows are NaN.
    values : ndarray, shape (steps + 1,)
        ``f(path[k])``.
    steps_to_tol : int or None
        First k with ``f(path[k]) − f* ≤ tol`` (None if never, or if f has no minimum value).
    diverged_at : int or None
        The update at which the path left ``|x|, |y| ≤ DIVERGENCE_BOUND`` or met a gradient that
        is NaN, infinite or above 1e150.
    learning_rate : float or None
        The optimizer's η (None for a schedule).
    """

    label: str
    path: np.ndarray
    values: np.ndarray
    steps_to_tol: int | None
    diverged_at: int | None = None
    learning_rate: float | None = None

    @property
    def steps(self) -> int:
        return len(self.path) - 1

    @property
    def final_point(self) -> np.ndarray:
        """The last finite point of the path."""
        ok = np.flatnonzero(np.all(np.isfinite(self.path), axis=1))
        return self.path[ok[-1]].copy()

    @property
    def final_value(self) -> float:
        ok = np.flatnonzero(np.isfinite(self.values))
        return float(self.values[ok[-1]]) if len(ok) else math.nan

    def distance_from(self, point: Sequence[float]) -> np.ndarray:
        """‖path[k] − point‖ for every k (NaN after a divergence)."""
        return np.hypot(*(self.path - np.asarray(point, dtype=np.float64)).T)

    def steps_within(self, point: Sequence[float], radius: float) -> int:
        """How many of the points ``path[0..steps]`` lie within ``radius`` of ``point``."""
        return int(np.sum(self.distance_from(point) <= radius))


def _optimizer(spec: Any, learning_rate: float | None = None,
               function: Function2D | None = None) -> tuple[Optimizer, str]:
    """An optimizer instance and its label, from a name or an instance.

    η for a name: ``learning_rate`` if given, else the surface's suggestion, else
    :data:`RACE_LEARNING_RATES`, else the optimizer's own default.
    """
    if isinstance(spec, str):
        name = spec.strip().lower()
        suggested = {**RACE_LEARNING_RATES, **(function.learning_rates if function else {})}
        lr = suggested.get(name) if learning_rate is None else learning_rate
        opt = get_optimizer(name, **({} if lr is None else {"learning_rate": lr}))
        return opt, name
    if isinstance(spec, Optimizer):
        if learning_rate is not None:
            raise ValueError(f"learning_rates: cannot override η of an optimizer instance "
                             f"({type(spec).__name__}); configure the instance instead")
        return spec, spec.name
    raise TypeError(f"optimizer: expected a name or a descend.optimizers.Optimizer, "
                    f"got {type(spec).__name__}")


#: a number of updates
_STEPS = Interval(int, 1)
#: a tolerance on f − f*
_TOL = Interval(float, 0, closed="neither")


def run_trajectory(function: Function2D | str, optimizer: Any,
                   start: Sequence[float] | np.ndarray | None = None, steps: int = 300,
                   tol: float = 1e-6, *, label: str | None = None) -> Trajectory:
    """Follow one optimizer for ``steps`` updates: ``xy ← optimizer step with g = ∇f(xy)``.

    Parameters
    ----------
    function : Function2D or str
        The surface (a name of :data:`descend.lab.functions.FUNCTIONS` is looked up).
    optimizer : str or Optimizer
        A configured instance (used as is; its state carries on) or a name (built with the
        surface's suggested η, ``function.learning_rates``, else :data:`RACE_LEARNING_RATES`).
    start : (x, y), optional
        Default: the surface's ``start``.
    steps : int
        Number of updates.
    tol : float
        Tolerance on ``f − f*`` for :attr:`Trajectory.steps_to_tol`.

    The gradient is taken where the optimizer wants it (:meth:`Optimizer.gradient_at`: the
    look-ahead point ``w − γv`` for the slides' NAG); the point recorded is the slides' w
    (``slides_weights`` in the reparametrised form of the Keras and torch flavors).
    """
    fn = get_function(function)
    steps, tol = check("steps", steps, _STEPS), check("tol", tol, _TOL)
    xy = _point(fn.start if start is None else start, "start").copy()
    opt, name = _optimizer(optimizer, None, fn)
    lr = opt.learning_rate if opt.learning_rate_schedule is None else None
    path = np.full((steps + 1, 2), np.nan)
    path[0] = xy
    diverged = None
    shown = getattr(opt, "slides_weights", None)
    for k in range(1, steps + 1):
        g = opt.gradient_at([xy], lambda p: [fn.gradient(p[0])])[0]
        if not np.all(np.abs(g) < 1e150):   # NaN, inf, or about to overflow inside the rule
            diverged = k
            break
        opt.apply([g], [xy])
        if not (np.all(np.isfinite(xy)) and np.max(np.abs(xy)) <= DIVERGENCE_BOUND):
            diverged = k
            break
        path[k] = shown([xy])[0] if shown is not None else xy
    values = np.array([fn(p) if np.all(np.isfinite(p)) else np.nan for p in path])
    reached = None
    if fn.min_value is not None:
        hits = np.flatnonzero(values - fn.min_value <= tol)
        reached = int(hits[0]) if len(hits) else None
    return Trajectory(label or name, path, values, reached, diverged,
                      float(lr) if isinstance(lr, (int, float)) else None)


@dataclass
class RaceResult:
    """Several optimizers from the same start on the same surface (:func:`race`).

    ``trajectories`` maps label → :class:`Trajectory`, in the order the optimizers were given.
    """

    function: Function2D
    start: tuple[float, float]
    steps: int
    tol: float
    trajectories: dict[str, Trajectory] = field(default_factory=dict)

    def __getitem__(self, label: str) -> Trajectory:
        return self.trajectories[label]

    def __iter__(self) -> Iterator[Trajectory]:
        return iter(self.trajectories.values())

    def __len__(self) -> int:
        return len(self.trajectories)

    def saddle_radius(self) -> float:
        """Radius of "near a saddle": 5 % of the plotting window's smaller side."""
        fn = self.function
        return 0.05 * min(fn.xlim[1] - fn.xlim[0], fn.ylim[1] - fn.ylim[0])

    def steps_near_saddle(self, radius: float | None = None) -> dict[str, int]:
        """label → number of path points within ``radius`` of any saddle point of the surface."""
        r = self.saddle_radius() if radius is None else float(radius)
        saddles = self.function.saddles
        return {label: int(sum(t.steps_within(s, r) for s in saddles)) for label, t in
                self.trajectories.items()}

    def table(self) -> list[dict[str, Any]]:
        """One row per optimizer: label, η, final point, final value, steps to tol, diverged."""
        near = self.steps_near_saddle() if self.function.saddles else {}
        rows = []
        for label, t in self.trajectories.items():
            row = {"optimizer": label, "learning_rate": t.learning_rate,
                   "final_point": tuple(t.final_point.tolist()), "final_value": t.final_value,
                   "steps_to_tol": t.steps_to_tol, "diverged_at": t.diverged_at}
            if near:
                row["steps_near_saddle"] = near[label]
            rows.append(row)
        return rows


def race(function: Function2D | str, optimizers: Sequence[Any] = RACE_OPTIMIZERS,
         start: Sequence[float] | None = None, steps: int = 300, tol: float = 1e-6, *,
         learning_rates: Mapping[str, float] | None = None) -> RaceResult:
    """Run every optimizer from the same start on the same surface.

    Parameters
    ----------
    function : Function2D or str
    optimizers : sequence of str or Optimizer
        Names use the surface's suggestion ``function.learning_rates``, else
        :data:`RACE_LEARNING_RATES`, unless ``learning_rates`` names them.
    start, steps, tol
        As in :func:`run_trajectory`.
    learning_rates : mapping, optional
        Optimizer name → η, overriding the defaults.

    Examples
    --------
    >>> r = race("saddle", ["sgd", "momentum"], steps=100)
    >>> r["sgd"].path.shape
    (101, 2)
    """
    fn = get_function(function)
    steps, tol = check("steps", steps, _STEPS), check("tol", tol, _TOL)
    if isinstance(optimizers, (str, bytes)) or not len(optimizers):
        raise ValueError(f"optimizers: expected a non-empty list of names or optimizers, "
                         f"got {optimizers!r}")
    lrs = {str(k).lower(): v for k, v in (learning_rates or {}).items()}
    names = [o.strip().lower() for o in optimizers if isinstance(o, str)]
    unknown = sorted(set(lrs) - set(names))
    if unknown:
        raise ValueError(f"learning_rates: {unknown} are not among the optimizers raced {names}")
    p0 = _point(fn.start if start is None else start, "start")
    result = RaceResult(fn, (float(p0[0]), float(p0[1])), steps, tol)
    for spec in optimizers:
        lr = lrs.get(spec.strip().lower()) if isinstance(spec, str) else None
        opt, label = _optimizer(spec, lr, fn)
        unique, n = label, 2
        while unique in result.trajectories:
            unique, n = f"{label} ({n})", n + 1
        result.trajectories[unique] = run_trajectory(fn, opt, p0, steps, tol, label=unique)
    return result
