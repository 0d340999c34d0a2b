"""Two-variable test surfaces for watching optimizers move (lecture §8).

Each surface is a :class:`Function2D`: the value ``f(x, y)`` (vectorised, so a whole contour grid
is one call), its analytic gradient ``(∂f/∂x, ∂f/∂y)`` written next to the formula, the known
minima and saddle points, a sensible start and a plotting window.

=============  =========================================================  =====================
name           f(x, y)                                                    minimum
=============  =========================================================  =====================
saddle         x² − y²                                                    none (saddle at 0, 0)
beale          (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²   f(3, 0.5) = 0
rosenbrock     (a − x)² + b(y − x²)²,  a = 1, b = 100                     f(a, a²) = 0
himmelblau     (x² + y − 11)² + (x + y² − 7)²                             four, all f = 0
quadratic      ½(u² + κv²),  (u, v) = (x, y) rotated by −angle            f(0, 0) = 0
=============  =========================================================  =====================

Any other surface: :meth:`Function2D.from_callables`.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..checks import Interval, check

__all__ = [
    "Function2D", "saddle", "beale", "rosenbrock", "himmelblau", "quadratic_bowl",
    "FUNCTIONS", "get_function",
]

Point = tuple[float, float]
ScalarField = Callable[[np.ndarray, np.ndarray], np.ndarray]
GradientField = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def _point(value: object, argument: str) -> np.ndarray:
    """``value`` as a finite float64 array of shape (2,), or a ValueError naming ``argument``."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{argument}: expected a pair of numbers (x, y), got {value!r}") from None
    if arr.shape != (2,):
        raise ValueError(f"{argument}: expected a pair of numbers (x, y), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{argument}: expected finite numbers, got {tuple(arr.tolist())}")
    return arr


def _pair(value: object, argument: str) -> Point:
    x, y = _point(value, argument)
    return float(x), float(y)


def _window(value: object, argument: str) -> tuple[float, float]:
    lo, hi = (float(v) for v in _point(value, argument))
    if not lo < hi:
        raise ValueError(f"{argument}: expected (low, high) with low < high, got ({lo}, {hi})")
    return lo, hi


@dataclass(frozen=True, eq=False)
class Function2D:
    """A surface ``f(x, y)`` with its analytic gradient, for optimizer experiments.

    Parameters
    ----------
    name : str
        Short name (used in tables, legends and the CLI).
    f : callable
        ``f(x, y) -> z``, vectorised: ``x`` and ``y`` may be arrays of the same shape.
    gradient_xy : callable
        ``gradient_xy(x, y) -> (∂f/∂x, ∂f/∂y)``.
    formula : str
        The formula in plain text, for titles.
    start : (float, float)
        Default start of a trajectory.
    xlim, ylim : (float, float)
        Default plotting window.
    minima : tuple of (x, y)
        Global (or all) minima, marked on plots and used for "distance to the minimum".
    saddles : tuple of (x, y)
        Saddle points (gradient zero, Hessian indefinite).
    min_value : float or None
        ``f`` at its minima; ``None`` when ``f`` is unbounded below (then no tolerance on
        ``f − f*`` can be reached).
    log_levels : bool
        Whether contour levels are log-spaced (surfaces with a minimum value) or linear.
    learning_rates : dict
        Optimizer name → η suggested for a race on this surface (overrides
        :data:`descend.lab.trajectories.RACE_LEARNING_RATES`): stable from ``start`` and visibly
        moving within a few hundred steps, not tuned to win.
    """

    name: str
    f: ScalarField
    gradient_xy: GradientField
    formula: str
    start: Point
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    minima: tuple[Point, ...] = ()
    saddles: tuple[Point, ...] = ()
    min_value: float | None = None
    log_levels: bool = True
    params: dict = field(default_factory=dict)
    learning_rates: dict = field(default_factory=dict)

    # -- evaluation -------------------------------------------------------------------------
    def __call__(self, xy: object) -> float:
        """``f`` at one point ``xy = (x, y)``, as a float."""
        p = np.asarray(xy, dtype=np.float64)
        if p.shape != (2,):
            raise ValueError(f"xy: expected a pair (x, y), got shape {p.shape}")
        with np.errstate(over="ignore", invalid="ignore"):
            return float(self.f(p[0], p[1]))

    def value(self, x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
        """``f(x, y)`` elementwise over arrays (a contour grid)."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            z = np.asarray(self.f(x, y), dtype=np.float64)
        return np.broadcast_to(z, np.broadcast(x, y).shape)

    def gradient(self, xy: object) -> np.ndarray:
        """``∇f(xy) = (∂f/∂x, ∂f/∂y)`` as a float64 array of shape (2,)."""
        p = np.asarray(xy, dtype=np.float64)
        if p.shape != (2,):
            raise ValueError(f"xy: expected a pair (x, y), got shape {p.shape}")
        with np.errstate(over="ignore", invalid="ignore"):
            gx, gy = self.gradient_xy(p[0], p[1])
        return np.array([gx, gy], dtype=np.float64).reshape(2)

    def grid(self, n: int = 200, xlim: tuple[float, float] | None = None,
             ylim: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``X, Y, Z`` on an ``n × n`` grid over the window, for contour plots."""
        n = check("n", n, Interval(int, 2))
        xlim = self.xlim if xlim is None else _window(xlim, "xlim")
        ylim = self.ylim if ylim is None else _window(ylim, "ylim")
        X, Y = np.meshgrid(np.linspace(*xlim, n), np.linspace(*ylim, n))
        return X, Y, self.value(X, Y)

    def distance_to_minimum(self, xy: object) -> float:
        """Euclidean distance from ``xy`` to the nearest known minimum (``inf`` if none)."""
        if not self.minima:
            return math.inf
        p = np.asarray(xy, dtype=np.float64)
        return float(min(np.hypot(*(p - np.asarray(m))) for m in self.minima))

    def __repr__(self) -> str:
        return f"Function2D({self.name!r}: {self.formula})"

    # -- user surfaces ----------------------------------------------------------------------
    @classmethod
    def from_callables(cls, f: ScalarField, gradient: GradientField, *, name: str = "f",
                       formula: str | None = None, start: object = (-1.0, 1.0),
                       xlim: object = (-2.0, 2.0), ylim: object = (-2.0, 2.0),
                       minima: tuple[Point, ...] = (), saddles: tuple[Point, ...] = (),
                       min_value: float | None = None, log_levels: bool | None = None,
                       learning_rates: dict | None = None) -> Function2D:
        """A surface from any function of two variables and its gradient.

        Parameters
        ----------
        f : callable
            ``f(x, y) -> float``. If it does not accept arrays, it is wrapped with
            :func:`numpy.vectorize` (slower contour grids, same numbers).
        gradient : callable
            ``gradient(x, y) -> (∂f/∂x, ∂f/∂y)``.
        name, formula, start, xlim, ylim, minima, saddles, min_value, learning_rates
            As in :class:`Function2D`.
        log_levels : bool, optional
            Log-spaced contour levels; default: when ``min_value`` is given.

        Examples
        --------
        >>> bowl = Function2D.from_callables(lambda x, y: x**2 + 3*y**2,
        ...                                  lambda x, y: (2*x, 6*y), minima=((0, 0),), min_value=0)
        >>> bowl.gradient((1.0, 1.0))
        array([2., 6.])
        """
        if not callable(f):
            raise TypeError(f"f: expected a callable f(x, y), got {type(f).__name__}")
        if not callable(gradient):
            raise TypeError(f"gradient: expected a callable gradient(x, y) -> (gx, gy), "
                            f"got {type(gradient).__name__}")
        start_arr = _point(start, "start")
        probe = np.zeros((2, 2))
        try:
            vectorised = np.shape(f(probe, probe)) == (2, 2)
        except Exception:  # any failure on arrays means "scalar-only": numpy.vectorize it
            vectorised = False
        fv: ScalarField = f if vectorised else np.vectorize(f, otypes=[np.float64])
        try:
            g0 = np.asarray(gradient(*start_arr), dtype=np.float64)
        except Exception as exc:  # whatever the user's function raised, said as the argument's fault
            raise TypeError(f"gradient: calling gradient(x, y) at the start failed: {exc}") from exc
        if g0.size != 2:
            raise ValueError(f"gradient: expected gradient(x, y) to return two numbers, "
                             f"got {g0.size}")
        return cls(name=name, f=fv, gradient_xy=gradient, formula=formula or name,
                   start=(float(start_arr[0]), float(start_arr[1])),
                   xlim=_window(xlim, "xlim"), ylim=_window(ylim, "ylim"),
                   minima=tuple(_pair(m, "minima") for m in minima),
                   saddles=tuple(_pair(s, "saddles") for s in saddles),
                   min_value=None if min_value is None else float(min_value),
                   log_levels=(min_value is not None) if log_levels is None else bool(log_levels),
                   learning_rates={str(k).lower(): float(v) for k, v in (learning_rates or {}).items()})


# -- the surfaces -------------------------------------------------------------------------------
def saddle() -> Function2D:
    """The saddle ``f(x, y) = x² − y²``; ``∇f = (2x, −2y)``.

    The origin is a saddle point: a minimum along x, a maximum along y. The default start
    ``(−1, 10⁻³)`` lies almost on the ridge line y = 0, so the gradient pulls straight towards the
    saddle and only a tiny component points down the escape direction y (lecture §8: "plain SGD
    gets stuck near saddle points"). Unbounded below: no minimum.
    """
    return Function2D(
        name="saddle", formula="saddle f(x, y) = x² − y²",
        f=lambda x, y: x * x - y * y,
        gradient_xy=lambda x, y: (2.0 * x, -2.0 * y),
        start=(-1.0, 1e-3), xlim=(-1.5, 1.5), ylim=(-1.5, 1.5),
        saddles=((0.0, 0.0),), min_value=None, log_levels=False)


def beale() -> Function2D:
    """Beale's function, minimum ``f(3, 0.5) = 0``.

    ``f = a² + b² + c²`` with ``a = 1.5 − x + xy``, ``b = 2.25 − x + xy²``, ``c = 2.625 − x + xy³``;
    ``∂f/∂x = 2a(y − 1) + 2b(y² − 1) + 2c(y³ − 1)``, ``∂f/∂y = 2a·x + 2b·2xy + 2c·3xy²``.
    Flat valleys and steep walls; the surface of Ruder's optimizer animations.
    """
    def f(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2

    def grad(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b, c = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
        gx = 2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * c * (y**3 - 1)
        gy = 2 * a * x + 4 * b * x * y + 6 * c * x * y**2
        return gx, gy

    return Function2D(name="beale", formula="Beale: (1.5−x+xy)² + (2.25−x+xy²)² + (2.625−x+xy³)²",
                      f=f, gradient_xy=grad, start=(1.0, 1.5), xlim=(-1.0, 4.5), ylim=(-1.5, 2.5),
                      minima=((3.0, 0.5),), saddles=((0.0, 1.0),), min_value=0.0,
                      learning_rates={"momentum": 1e-3, "nag": 1e-3, "adagrad": 0.3, "adam": 0.1,
                                      "nadam": 0.1})


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Function2D:
    """Rosenbrock's banana ``f = (a − x)² + b(y − x²)²``, minimum ``f(a, a²) = 0``.

    ``∂f/∂x = −2(a − x) − 4bx(y − x²)``, ``∂f/∂y = 2b(y − x²)``. Reaching the curved valley is easy;
    following it to the minimum is slow.
    """
    a = check("a", a, Interval(float))
    b = check("b", b, Interval(float, 0, closed="neither"))
    return Function2D(
        name="rosenbrock", formula=f"Rosenbrock: ({a:g} − x)² + {b:g}(y − x²)²",
        f=lambda x, y: (a - x) ** 2 + b * (y - x * x) ** 2,
        gradient_xy=lambda x, y: (-2 * (a - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x)),
        start=(-1.5, 2.0), xlim=(-2.0, 2.0), ylim=(-1.0, 3.0),
        minima=((a, a * a),), min_value=0.0, params={"a": a, "b": b},
        # the valley's walls are steep (Hessian ≈ 2000 at the start): plain steps must be small
        learning_rates={"sgd": 1e-3, "momentum": 1e-3, "nag": 1e-3, "adagrad": 0.3,
                        "rmsprop": 0.01, "adam": 0.1, "nadam": 0.1})


#: Himmelblau's four minima (f = 0) and four saddle points, to machine precision (Newton's method).
HIMMELBLAU_MINIMA: tuple[Point, ...] = (
    (3.0, 2.0), (-2.805118086952745, 3.131312518250573),
    (-3.779310253377747, -3.283185991286169), (3.5844283403304917, -1.8481265269644034))
HIMMELBLAU_SADDLES: tuple[Point, ...] = (
    (0.08667750455539634, 2.884254701174776), (-3.0730257507643897, -0.08135304428796751),
    (3.385154183607021, 0.07385187983774928), (-0.12796134673068005, -1.9537149802445766))


def himmelblau() -> Function2D:
    """Himmelblau's function ``f = (x² + y − 11)² + (x + y² − 7)²``: four minima, all ``f = 0``.

    With ``a = x² + y − 11`` and ``b = x + y² − 7``: ``∂f/∂x = 4xa + 2b``, ``∂f/∂y = 2a + 4yb``.
    Which minimum an optimizer finds depends on its path; a local maximum sits at
    (−0.2708, −0.9230) and four saddle points between the minima.
    """
    def grad(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b = x * x + y - 11, x + y * y - 7
        return 4 * x * a + 2 * b, 2 * a + 4 * y * b

    return Function2D(
        name="himmelblau", formula="Himmelblau: (x² + y − 11)² + (x + y² − 7)²",
        f=lambda x, y: (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2, gradient_xy=grad,
        start=(0.0, -0.5), xlim=(-5.0, 5.0), ylim=(-5.0, 5.0),
        minima=HIMMELBLAU_MINIMA, saddles=HIMMELBLAU_SADDLES, min_value=0.0)


def quadratic_bowl(condition: float = 10.0, angle: float = 0.0) -> Function2D:
    """An ill-conditioned quadratic bowl ``f = ½(u² + κv²)``, minimum ``f(0, 0) = 0``.

    ``(u, v) = (x cos θ + y sin θ, −x sin θ + y cos θ)`` are the coordinates along the bowl's axes
    (θ = ``angle`` in radians), κ = ``condition`` is the condition number of the Hessian
    ``H = R diag(1, κ) Rᵀ``, and ``∇f = H (x, y)``. Gradient descent is stable only for
    η < 2/κ, and then creeps along the flat axis: steps to converge grow like κ.
    """
    k = check("condition", condition, Interval(float, 1))
    th = check("angle", angle, Interval(float))
    c, s = math.cos(th), math.sin(th)

    def f(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        u, v = c * x + s * y, -s * x + c * y
        return 0.5 * (u * u + k * v * v)

    def grad(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u, v = c * x + s * y, -s * x + c * y
        return c * u - s * k * v, s * u + c * k * v   # Rᵀ-back of (u, κv)

    return Function2D(
        name="quadratic", formula=f"bowl ½(u² + {k:g}·v²), condition number {k:g}", f=f,
        gradient_xy=grad, start=(-4.0, 1.5), xlim=(-5.0, 5.0), ylim=(-3.0, 3.0),
        minima=((0.0, 0.0),), min_value=0.0, params={"condition": k, "angle": th})


#: name -> factory; ``get_function(name, **params)`` looks names up here.
FUNCTIONS: dict[str, Callable[..., Function2D]] = {
    "saddle": saddle,
    "beale": beale,
    "rosenbrock": rosenbrock,
    "himmelblau": himmelblau,
    "quadratic": quadratic_bowl,
}


def get_function(name: str | Function2D, **params: float) -> Function2D:
    """The surface called ``name`` (one of :data:`FUNCTIONS`), built with ``params``.

    A :class:`Function2D` is returned as it is.
    """
    if isinstance(name, Function2D):
        return name
    if not isinstance(name, str):
        raise TypeError(f"function: expected a name or a Function2D, got {type(name).__name__}")
    key = name.strip().lower()
    if key not in FUNCTIONS:
        raise ValueError(f"function: expected one of {', '.join(FUNCTIONS)}, got {name!r}")
    return FUNCTIONS[key](**params)
