"""The classic methods of lecture §1 against the three kinds of gradient descent of §2.

Two models, both with a **sum** over the observations (as on the slides, not a mean):

- linear regression ``ŷ = Xw``, cost ``E = ½ Σᵢ (yᵢ − ŷᵢ)²`` (halved, so the 2 cancels):
  ``∇E = Xᵀ(Xw − y)``, Hessian ``H = XᵀX`` (constant);
- logistic regression ``p = σ(Xw)``, cost ``E = −Σᵢ [yᵢ log pᵢ + (1 − yᵢ) log(1 − pᵢ)]``:
  ``∇E = Xᵀ(p − y)``, Hessian ``H = Xᵀ S X`` with ``S = diag(pᵢ(1 − pᵢ))``.

Methods:

- **normal equation** (linear only, the cost is convex and quadratic): solve ``XᵀX w = Xᵀy``;
- **Newton–Raphson**: ``w ← w − H⁻¹ ∇E``. For the quadratic linear cost one step lands on the
  minimum from anywhere; for logistic regression it is *iteratively reweighted least squares*;
- **L-BFGS**, Newton–Raphson's quasi-Newton cousin: ``w ← w + α p`` with ``p = −H̃⁻¹ ∇E``, where
  ``H̃⁻¹`` is built from the last few pairs of weight and gradient changes (never a d × d matrix)
  and the step length ``α`` from a line search (no learning rate). scikit-learn's
  ``solver="lbfgs"``; in descend ``model.compile(optimizer="lbfgs")``
  (:class:`descend.optimizers.LBFGS`);
- **gradient descent** ``w ← w − η ∇E_batch``, where the batch is the whole set (batch GD), one
  observation (stochastic GD) or ``h`` observations, ``1 < h < N`` (mini-batch GD). Stochastic and
  mini-batch GD shuffle the data at the start of every epoch and take the observations from the
  front (lecture §2), so one epoch uses each observation once.

:func:`compare_methods` runs them all to the same tolerance and tabulates iterations, wall time and
the answers; :func:`gd_kinds_curves` records the loss after every update of the three kinds of GD
on the same data (the slides' stability claim: batch smooth, stochastic noisy).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..backend import as_rng
from ..batching import GD_KINDS, epoch_order, iterate, n_batches
from ..checks import check_number, positive_int
from ..errors import DivergenceError
from ..explain import number

__all__ = [
    "linear_data", "logistic_data", "loss", "gradient", "hessian",
    "normal_equation", "newton_raphson", "lbfgs", "gradient_descent", "default_learning_rate",
    "compare_methods", "gd_kinds_curves", "NewtonResult", "GDResult", "MethodResult",
    "Comparison", "GDKindsCurves", "GD_KINDS",
]

MODELS = ("linear", "logistic")


# -- data (worked example A: descend.examples.example_a_data) --------------------------------------
def linear_data(n: int = 200, *, features: int = 2, noise: float = 0.5,
                seed: int | np.random.Generator | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Noisy linear data ``y = Xw + 1 + noise·N(0, 1)`` with ``X ~ N(0, 1)``, ``w = (1, 2, …)``."""
    positive_int("n", n, 2)
    positive_int("features", features, 1)
    rng = as_rng(seed)
    X = rng.standard_normal((n, features))
    y = X @ np.arange(1.0, features + 1.0) + 1.0 + noise * rng.standard_normal(n)
    return X, y


def logistic_data(n: int = 200, *, features: int = 2,
                  seed: int | np.random.Generator | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two overlapping classes (labels 0/1 drawn from ``σ(Xw − 0.5)``, ``w = (1, −1, …)``).

    The classes overlap, so the maximum-likelihood weights are finite and Newton–Raphson converges.
    """
    positive_int("n", n, 2)
    positive_int("features", features, 1)
    rng = as_rng(seed)
    X = rng.standard_normal((n, features))
    w = np.where(np.arange(features) % 2 == 0, 1.0, -1.0)
    y = (rng.random(n) < _sigmoid(X @ w - 0.5)).astype(np.float64)
    return X, y


# -- cost, gradient, Hessian --------------------------------------------------------------------
def _sigmoid(z: np.ndarray) -> np.ndarray:
    # σ(z) = 1/(1 + e^(−z)), written so that e^(−z) never overflows
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def loss(w: np.ndarray, X: np.ndarray, y: np.ndarray, model: str = "linear") -> float:
    """The summed cost: ``½Σ(y − Xw)²`` (linear) or ``−Σ[y log p + (1−y) log(1−p)]`` (logistic)."""
    z = X @ w
    if model == "linear":
        r = y - z
        return float(0.5 * r @ r)
    # log σ(z) = −log(1 + e^(−z)), computed stably with logaddexp
    return float(np.sum(y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)))


def gradient(w: np.ndarray, X: np.ndarray, y: np.ndarray, model: str = "linear") -> np.ndarray:
    """``∇E = Xᵀ(ŷ − y)`` with ``ŷ = Xw`` (linear) or ``ŷ = σ(Xw)`` (logistic)."""
    z = X @ w
    return X.T @ ((z if model == "linear" else _sigmoid(z)) - y)


def hessian(w: np.ndarray, X: np.ndarray, y: np.ndarray, model: str = "linear") -> np.ndarray:
    """``H = XᵀX`` (linear) or ``H = XᵀSX``, ``S = diag(p(1 − p))`` (logistic)."""
    if model == "linear":
        return X.T @ X
    p = _sigmoid(X @ w)
    return (X * (p * (1.0 - p))[:, None]).T @ X


# -- checks -------------------------------------------------------------------------------------
def _design(X: object, y: object, model: str, fit_intercept: bool) -> tuple[np.ndarray, np.ndarray]:
    """Checked float64 copies; a leading column of ones when ``fit_intercept`` (weight ``b₀``)."""
    if model not in MODELS:
        raise ValueError(f"model: expected one of {MODELS}, got {model!r}")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X: expected a non-empty 2-D array (observations × features), "
                         f"got shape {X.shape}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y: expected shape ({X.shape[0]},) to match X, got {y.shape}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("X, y: expected finite numbers, got NaN or inf")
    if model == "logistic" and not np.all((y == 0) | (y == 1)):
        raise ValueError("y: expected labels 0 or 1 for logistic regression")
    if fit_intercept:
        X = np.hstack([np.ones((X.shape[0], 1)), X])
    return X, y


def _start(w0: object, d: int) -> np.ndarray:
    if w0 is None:
        return np.zeros(d)
    w = np.array(w0, dtype=np.float64).reshape(-1)
    if w.shape != (d,) or not np.all(np.isfinite(w)):
        raise ValueError(f"w0: expected {d} finite numbers, got {np.asarray(w0).tolist()!r}")
    return w


# -- the classic methods ------------------------------------------------------------------------
def normal_equation(X: object, y: object, *, fit_intercept: bool = False) -> np.ndarray:
    """Least-squares weights in closed form: ``w = (XᵀX)⁻¹ Xᵀy``.

    Solves ``XᵀX w = Xᵀy`` (no explicit inverse). With ``fit_intercept`` the first weight is the
    intercept ``b₀``. Example A gives ``b₁ = Σxy / Σx² = 54/30 = 1.8``.

    Raises
    ------
    ValueError
        When ``XᵀX`` is singular (collinear columns, or fewer observations than weights).
    """
    X, y = _design(X, y, "linear", fit_intercept)
    try:
        w = np.linalg.solve(X.T @ X, X.T @ y)
    except np.linalg.LinAlgError:
        raise ValueError(f"X: XᵀX is singular (rank {np.linalg.matrix_rank(X)} < "
                         f"{X.shape[1]} weights): the normal equation has no unique solution") from None
    return w


@dataclass
class NewtonResult:
    """Newton–Raphson's (or L-BFGS's) answer: ``weights``, ``iterations`` (steps taken),
    ``losses`` (before the first step and after each), ``converged``, ``evaluations`` (of the
    loss and gradient: one per Newton step, one or more per L-BFGS step for its line search)."""

    weights: np.ndarray
    iterations: int
    losses: list[float]
    converged: bool
    evaluations: int = 0


def newton_raphson(X: object, y: object, *, model: str = "linear", fit_intercept: bool = False,
                   w0: object = None, tol: float = 1e-10, max_iter: int = 50) -> NewtonResult:
    """Newton–Raphson: ``w ← w − H⁻¹ ∇E`` until ``‖∇E‖∞ ≤ tol · (1 + ‖Xᵀy‖∞)``.

    Like gradient descent, but the step uses the second derivatives ``H`` (lecture §1): each step
    costs a d × d solve, so it is rarely used for deep nets. For linear regression ``H = XᵀX`` and
    one step reaches the minimum exactly; for logistic regression it is IRLS and converges
    quadratically (a handful of steps).
    """
    X, y = _design(X, y, model, fit_intercept)
    positive_int("max_iter", max_iter, 1)
    tol = check_number("tol", tol, low=0.0)
    w = _start(w0, X.shape[1])
    scale = 1.0 + float(np.max(np.abs(X.T @ y)))
    losses = [loss(w, X, y, model)]
    for it in range(max_iter + 1):
        g = gradient(w, X, y, model)
        if float(np.max(np.abs(g))) <= tol * scale:
            return NewtonResult(w, it, losses, True, it + 1)
        if it == max_iter:
            break
        try:
            w = w - np.linalg.solve(hessian(w, X, y, model), g)
        except np.linalg.LinAlgError:
            raise ValueError(f"X: the Hessian is singular at step {it}; Newton–Raphson "
                             f"needs it invertible") from None
        losses.append(loss(w, X, y, model))
    return NewtonResult(w, max_iter, losses, False, max_iter + 1)


def lbfgs(X: object, y: object, *, model: str = "linear", fit_intercept: bool = False,
          w0: object = None, tol: float = 1e-8, max_iter: int = 500, memory: int = 10) -> NewtonResult:
    """L-BFGS: ``w ← w + α p``, ``p = −H̃⁻¹ ∇E``, until ``‖∇E‖∞ ≤ tol · (1 + ‖Xᵀy‖∞)`` as
    :func:`newton_raphson` (whose default tol, 1e-10, is out of a line search's reach: near the
    minimum the decrease of E it looks for drowns in E's rounding).

    Newton's step without the Hessian: ``H̃⁻¹`` is rebuilt at every step from the last ``memory``
    pairs ``s = w_{k+1} − w_k``, ``y = ∇E(w_{k+1}) − ∇E(w_k)`` (BFGS's update, limited memory), and
    the step length α comes from a line search. Each step costs one or more evaluations of E and
    ∇E (passes over the data) and O(memory · d) arithmetic instead of a d × d solve; convergence
    is superlinear rather than quadratic. Runs ``scipy.optimize.minimize(method="L-BFGS-B")``, as
    :class:`descend.optimizers.LBFGS` and scikit-learn's ``solver="lbfgs"`` do.
    """
    from scipy.optimize import minimize

    X, y = _design(X, y, model, fit_intercept)
    positive_int("max_iter", max_iter, 1)
    tol = check_number("tol", tol, low=0.0)
    w = _start(w0, X.shape[1])
    scale = 1.0 + float(np.max(np.abs(X.T @ y)))
    losses, evaluations = [loss(w, X, y, model)], 0

    def objective(v: np.ndarray) -> tuple[float, np.ndarray]:
        nonlocal evaluations
        evaluations += 1
        return loss(v, X, y, model), gradient(v, X, y, model)

    def step(intermediate_result: Any) -> None:        # (scipy passes the result by this name)
        losses.append(float(intermediate_result.fun))

    result = minimize(objective, w, jac=True, method="L-BFGS-B", callback=step,
                      options={"maxiter": max_iter, "gtol": tol * scale, "ftol": 0.0,
                               "maxcor": positive_int("memory", memory)})
    converged = float(np.max(np.abs(gradient(result.x, X, y, model)))) <= tol * scale
    return NewtonResult(result.x, int(result.nit), losses, converged, evaluations)


def default_learning_rate(X: object, model: str = "linear", *, fit_intercept: bool = False) -> float:
    """``η = 1/λ_max(XᵀX)`` (linear) or ``4/λ_max(XᵀX)`` (logistic, since ``p(1−p) ≤ ¼``).

    With the summed cost, batch GD is stable for η < 2/λ_max(H); this η is half that bound, and also
    stable for every single observation (``‖xᵢ‖² ≤ λ_max``), so the three kinds share it.
    """
    Xd, _ = _design(X, np.zeros(np.asarray(X).shape[0]), "linear", fit_intercept)
    lam = float(np.linalg.eigvalsh(Xd.T @ Xd)[-1])
    return (1.0 if model == "linear" else 4.0) / lam


@dataclass
class GDResult:
    """One gradient-descent run.

    ``weights``; ``updates`` (weight updates made); ``epochs`` (passes over the data, fractional
    when stopped mid-epoch); ``losses`` (full-data cost before the first update and after every
    update: ``updates + 1`` numbers); ``converged`` (reached ``target`` within ``tol``);
    ``seconds`` (wall time).
    """

    kind: str
    weights: np.ndarray
    updates: int
    epochs: float
    losses: np.ndarray
    converged: bool
    seconds: float


def _batch_size(kind: str, batch_size: int) -> int | None:
    """The ``batch_size`` of :mod:`descend.batching` that makes ``kind``: all N, one, or h."""
    return {"batch": None, "stochastic": 1, "mini-batch": batch_size}[kind]


@dataclass
class _Progress:
    """Where a :func:`gradient_descent` run is (kept outside the loop, for its errors)."""

    w: np.ndarray
    updates: int = 0
    epoch: int = 0
    in_epoch: int = 0
    converged: bool = False


def _descend(state: _Progress, X: np.ndarray, y: np.ndarray, model: str, h: int | None, eta0: float,
             decay: float, epochs: int, rng: np.random.Generator, losses: list[float] | None,
             ref: np.ndarray | None, radius: float) -> None:
    """The update loop of :func:`gradient_descent`: ``w ← w − η_e Σ_batch ∇E_i``."""
    for epoch in range(epochs):
        state.epoch, state.in_epoch = epoch, 0
        eta = eta0 / (1.0 + decay * epoch)
        for xb, yb in iterate(X, y, h, epoch_order(X.shape[0], h, True, rng)):
            state.w = state.w - eta * gradient(state.w, xb, yb, model)
            state.updates += 1
            state.in_epoch += 1
            if losses is not None:
                losses.append(loss(state.w, X, y, model))
            if ref is not None and float(np.linalg.norm(state.w - ref)) <= radius:
                state.converged = True
                return
        if not np.all(np.abs(state.w) < 1e150):   # growing without bound, not yet overflowing
            raise FloatingPointError


def gradient_descent(X: object, y: object, *, model: str = "linear", kind: str = "batch",
                     learning_rate: float | None = None, batch_size: int = 2, epochs: int = 100,
                     decay: float = 0.0, fit_intercept: bool = False, w0: object = None,
                     target: object = None, tol: float = 1e-6,
                     seed: int | np.random.Generator | None = 0,
                     record_losses: bool = True) -> GDResult:
    """Gradient descent of one kind: ``w ← w − η_e · Σ_{i ∈ batch} ∇Eᵢ(w)``.

    Parameters
    ----------
    kind : {"batch", "stochastic", "mini-batch"}
        How many observations one update uses: all N, one, or ``batch_size`` (1 < h < N).
    learning_rate : float, optional
        η₀; default :func:`default_learning_rate`.
    epochs : int
        Most passes over the data.
    decay : float
        Inverse-time decay per epoch, ``η_e = η₀ / (1 + decay · e)`` (e = 0-based epoch). A
        constant η leaves stochastic updates jittering around the minimum; a decaying one lets
        them settle (Robbins–Monro).
    target : array, optional
        Stop as soon as ``‖w − target‖ ≤ tol · max(1, ‖target‖)`` (checked after every update).
    seed
        Seed or Generator for the shuffles.
    record_losses : bool
        Record the full-data cost after every update (an extra pass each time; turn off for timing).
    """
    X, y = _design(X, y, model, fit_intercept)
    if kind not in GD_KINDS:
        raise ValueError(f"kind: expected one of {GD_KINDS}, got {kind!r}")
    n, d = X.shape
    positive_int("epochs", epochs, 1)
    if kind == "mini-batch":
        positive_int("batch_size", batch_size, 2)
        if batch_size >= n:
            raise ValueError(f"batch_size: expected 1 < h < N = {n} for mini-batch GD, "
                             f"got {batch_size}")
    eta0 = default_learning_rate(X, model) if learning_rate is None else float(learning_rate)
    if not (math.isfinite(eta0) and eta0 > 0):
        raise ValueError(f"learning_rate: expected a positive number, got {learning_rate!r}")
    if not (math.isfinite(decay) and decay >= 0):
        raise ValueError(f"decay: expected a number >= 0, got {decay!r}")
    w = _start(w0, d)
    ref = None if target is None else np.asarray(target, dtype=np.float64).reshape(d)
    radius = 0.0 if ref is None else tol * max(1.0, float(np.linalg.norm(ref)))
    rng = as_rng(seed)
    h = _batch_size(kind, batch_size)
    losses = [loss(w, X, y, model)] if record_losses else []
    t0 = time.perf_counter()
    state = _Progress(w)
    try:
        with np.errstate(over="raise", invalid="raise"):
            _descend(state, X, y, model, h, eta0, decay, epochs, rng,
                     losses if record_losses else None, ref, radius)
    except FloatingPointError:
        raise DivergenceError(
            f"learning_rate: {kind} GD diverged at update {state.updates} (epoch "
            f"{state.epoch}) with η₀ = {eta0:g}; use a smaller learning rate "
            f"(stable below 2/λ_max(H) ≈ {2 * default_learning_rate(X, model):g} for batch GD)",
            epoch=state.epoch, update=state.updates) from None
    seconds = time.perf_counter() - t0
    done_epochs = state.epoch + state.in_epoch / n_batches(n, h)
    return GDResult(kind, state.w, state.updates, float(done_epochs), np.asarray(losses), state.converged,
                    seconds)


# -- comparison ---------------------------------------------------------------------------------
@dataclass
class MethodResult:
    """One row of :class:`Comparison`."""

    method: str
    weights: np.ndarray
    iterations: int          # Newton steps / GD updates (0 for the closed form)
    epochs: float            # passes over the data (1 for the normal equation)
    seconds: float
    loss: float
    error: float             # ‖w − w_ref‖
    converged: bool


@dataclass
class Comparison:
    """The classic methods and the three kinds of GD, run to the same tolerance.

    ``reference`` is the normal equation's answer (linear) or Newton's (logistic); every GD run
    stops when ``‖w − reference‖ ≤ tol · max(1, ‖reference‖)``.
    """

    model: str
    tol: float
    learning_rate: float
    reference: np.ndarray
    rows: list[MethodResult] = field(default_factory=list)

    def __getitem__(self, method: str) -> MethodResult:
        for row in self.rows:
            if row.method == method:
                return row
        raise KeyError(method)

    def to_text(self) -> str:
        """The comparison as a plain-text table (for ``descend lecture`` and notebooks)."""
        head = (f"{self.model} regression, stop at ‖w − w*‖ ≤ {self.tol:g}·max(1, ‖w*‖), "
                f"η₀ = {self.learning_rate:.4g}")
        cols = f"{'method':<17}{'iterations':>11}{'epochs':>10}{'seconds':>11}{'loss':>13}" \
               f"{'‖w − w*‖':>11}  weights"
        lines = [head, cols, "-" * len(cols)]
        for r in self.rows:
            weights = ", ".join(number(w, ".6g") for w in r.weights)
            flag = "" if r.converged else "  (not converged)"
            lines.append(f"{r.method:<17}{r.iterations:>11}{r.epochs:>10.4g}{number(r.seconds, '>11.2e')}"
                         f"{number(r.loss, '>13.6g')}{number(r.error, '>11.2e')}  [{weights}]{flag}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def table(self) -> list[dict[str, object]]:
        """Plain rows (for printing): method, iterations, epochs, seconds, loss, error, weights."""
        return [{"method": r.method, "iterations": r.iterations, "epochs": r.epochs,
                 "seconds": r.seconds, "loss": r.loss, "error": r.error,
                 "converged": r.converged, "weights": r.weights.tolist()} for r in self.rows]


def compare_methods(X: object, y: object, *, model: str = "linear", fit_intercept: bool = False,
                    learning_rate: float | None = None, batch_size: int = 2, tol: float = 1e-4,
                    max_epochs: int = 20000, decay: float = 0.1,
                    seed: int | np.random.Generator | None = 0) -> Comparison:
    """Normal equation (linear only), Newton–Raphson, L-BFGS and batch / stochastic / mini-batch GD.

    L-BFGS's epochs are its evaluations of E and ∇E (each a pass over the data).

    All GD kinds start at w = 0 with the same η₀ (default :func:`default_learning_rate`) and stop
    when within ``tol`` (relative) of the reference answer; stochastic and mini-batch GD use the
    inverse-time decay ``η_e = η₀ / (1 + decay·e)`` (batch GD keeps η₀: its updates do not jitter).
    Wall times are measured without recording the loss curve.
    """
    Xd, yd = _design(X, y, model, fit_intercept)
    rng = as_rng(seed)
    eta = default_learning_rate(Xd, model) if learning_rate is None else float(learning_rate)
    rows: list[MethodResult] = []
    if model == "linear":
        t0 = time.perf_counter()
        ref = normal_equation(Xd, yd)
        rows.append(MethodResult("normal equation", ref, 0, 1.0, time.perf_counter() - t0,
                                 loss(ref, Xd, yd), 0.0, True))
    t0 = time.perf_counter()
    nr = newton_raphson(Xd, yd, model=model)
    t_newton = time.perf_counter() - t0
    if model == "logistic":
        if not nr.converged:
            raise ValueError("y: Newton–Raphson did not converge (are the classes separable? "
                             "then the weights grow without bound)")
        ref = nr.weights
    rows.append(MethodResult("Newton–Raphson", nr.weights, nr.iterations, float(nr.iterations),
                             t_newton, loss(nr.weights, Xd, yd, model),
                             float(np.linalg.norm(nr.weights - ref)), nr.converged))
    import scipy.optimize  # noqa: F401  (imported before the clock starts: L-BFGS runs on it)

    t0 = time.perf_counter()
    lb = lbfgs(Xd, yd, model=model)
    rows.append(MethodResult("L-BFGS", lb.weights, lb.iterations, float(lb.evaluations),
                             time.perf_counter() - t0, loss(lb.weights, Xd, yd, model),
                             float(np.linalg.norm(lb.weights - ref)), lb.converged))
    for kind in GD_KINDS:
        run = gradient_descent(Xd, yd, model=model, kind=kind, learning_rate=eta,
                               batch_size=batch_size, epochs=max_epochs,
                               decay=0.0 if kind == "batch" else decay, target=ref, tol=tol,
                               seed=rng, record_losses=False)
        rows.append(MethodResult(f"{kind} GD", run.weights, run.updates, run.epochs, run.seconds,
                                 loss(run.weights, Xd, yd, model),
                                 float(np.linalg.norm(run.weights - ref)), run.converged))
    return Comparison(model, float(tol), eta, ref, rows)


# -- the three kinds' loss curves ---------------------------------------------------------------
@dataclass
class GDKindsCurves:
    """Full-data loss after every update of batch, stochastic and mini-batch GD on the same data.

    ``curves[kind]`` has ``updates + 1`` values; ``epochs[kind]`` is the matching x axis in passes
    over the data. Two numbers per kind say how smooth a curve is:

    - ``increases[kind]``: how many updates made the (full-data) loss go **up**;
    - ``roughness[kind] = Σ|E_{k+1} − E_k| / (E_0 − E_end)``: the path length of the curve over its
      net descent — exactly 1 for a curve that only goes down, larger the more it zigzags.

    ``optimum`` is the smallest cost E* (normal equation or Newton–Raphson), so ``curve − optimum``
    is the excess loss.
    """

    curves: dict[str, np.ndarray]
    epochs: dict[str, np.ndarray]
    increases: dict[str, int]
    roughness: dict[str, float]
    learning_rate: float
    optimum: float | None = None


def gd_kinds_curves(X: object, y: object, *, model: str = "linear", fit_intercept: bool = False,
                    learning_rate: float | None = None, batch_size: int = 10, epochs: int = 20,
                    seed: int | np.random.Generator | None = 0) -> GDKindsCurves:
    """Run the three kinds of GD for ``epochs`` passes with the same constant η from w = 0.

    Returns the loss curves and their smoothness numbers (:class:`GDKindsCurves`): batch GD's
    curve only goes down (stable), stochastic GD's zigzags (noisy direction), mini-batch lies
    between (lecture §2).
    """
    Xd, yd = _design(X, y, model, fit_intercept)
    rng = as_rng(seed)
    eta = default_learning_rate(Xd, model) if learning_rate is None else float(learning_rate)
    curves, axes, inc, rough = {}, {}, {}, {}
    for kind in GD_KINDS:
        run = gradient_descent(Xd, yd, model=model, kind=kind, learning_rate=eta,
                               batch_size=batch_size, epochs=epochs, seed=rng)
        c = run.losses
        curves[kind] = c
        axes[kind] = np.linspace(0.0, run.epochs, len(c))
        diffs = np.diff(c)
        inc[kind] = int(np.sum(diffs > 1e-12 * max(1.0, float(c[0]))))
        net = float(c[0] - c[-1])
        rough[kind] = float(np.sum(np.abs(diffs)) / net) if net > 0 else math.inf
    optimum: float | None
    if model == "linear":
        optimum = loss(normal_equation(Xd, yd), Xd, yd)
    else:
        nr = newton_raphson(Xd, yd, model=model)
        optimum = loss(nr.weights, Xd, yd, model) if nr.converged else None
    return GDKindsCurves(curves, axes, inc, rough, eta, optimum)
