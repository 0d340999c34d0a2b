"""What the optimizer tests share: one gradient sequence, one start, the drivers, one tolerance,
the oracles' imports (a missing oracle fails under CI=true, and skips the module elsewhere), and a
counter of compiled optimizer steps.
"""
from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import numpy as np
import pytest

#: steps of every optimizer comparison
STEPS = 200
#: two parameter tensors, a matrix and a vector
SHAPES = ((3, 4), (5,))


def require(module: str) -> ModuleType:
    """Import an oracle (torch, hypothesis, …): under ``CI=true`` its absence is a failure, on a
    developer's machine the module's tests are skipped with the reason."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the oracle {module!r} is missing under CI=true: {exc}", pytrace=False)
        pytest.skip(f"the oracle {module!r} is not installed ({exc}); `make test` installs it",
                    allow_module_level=True)


def require_keras() -> ModuleType:
    """Keras 3 on its torch backend, the oracle of the ``*_vs_keras.py`` tests."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return require("keras")


#: the marks every *_vs_keras.py module carries: the floatx fixture (``keras_floatx``, in
#: conftest.py: float64 for each test unless it calls the fixture's value with another), and quiet
#: about Keras 3.15's own DeprecationWarning under NumPy 2 (its __array__ lacks the copy keyword)
KERAS_MARKS = [pytest.mark.usefixtures("keras_floatx"),
               pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def sklearn_lbfgs_start(mlp: Any, X: np.ndarray, y: np.ndarray,
                        sample_weight: np.ndarray | None = None) -> list[np.ndarray]:
    """Fit scikit-learn's MLP (``solver="lbfgs"``) on (X, y) and return the weights it started
    from, in descend's order (kernel, bias of each layer). scikit-learn draws them inside ``fit``
    and hands them to ``scipy.optimize.minimize`` packed — every kernel, then every intercept —
    which is where they are read; its ConvergenceWarning at ``max_iter`` is expected."""
    import warnings
    from unittest import mock

    import scipy.optimize
    from sklearn.exceptions import ConvergenceWarning

    starts: list[np.ndarray] = []
    real = scipy.optimize.minimize

    def spy(fun: Any, x0: np.ndarray, *args: Any, **kwargs: Any) -> Any:
        starts.append(np.array(x0))
        return real(fun, x0, *args, **kwargs)

    with mock.patch.object(scipy.optimize, "minimize", spy), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y, sample_weight=sample_weight)
    shapes = [c.shape for c in mlp.coefs_] + [b.shape for b in mlp.intercepts_]
    cuts = np.cumsum([int(np.prod(s)) for s in shapes])[:-1]
    arrays = [a.reshape(s) for a, s in zip(np.split(starts[0], cuts), shapes, strict=True)]
    layers = len(mlp.coefs_)
    return [a for pair in zip(arrays[:layers], arrays[layers:], strict=True) for a in pair]


def gradient_sequence(steps: int = STEPS, seed: int = 0,
                      shapes: Sequence[tuple[int, ...]] = SHAPES) -> list[list[np.ndarray]]:
    """Gradients of scales 1e-5 … 10 (so that where ε sits matters), one list per step."""
    rng = np.random.default_rng(seed)
    scales = 10.0 ** rng.uniform(-5, 1, size=steps)
    return [[s * rng.standard_normal(shape) for shape in shapes] for s in scales]


def initial_params(seed: int = 1, shapes: Sequence[tuple[int, ...]] = SHAPES) -> list[np.ndarray]:
    """The start: U(−2, 2) float64."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(-2, 2, size=shape) for shape in shapes]


def run(opt: Any, grads_seq: Sequence[Sequence[np.ndarray]],
        params: list[np.ndarray] | None = None) -> list[np.ndarray]:
    """A descend optimizer applied to the gradient sequence from :func:`initial_params`."""
    params = initial_params() if params is None else params
    for grads in grads_seq:
        opt.apply(grads, params)
    return params


def run_formula(step: Callable[..., np.ndarray],
                grads_seq: Sequence[Sequence[np.ndarray]]) -> list[np.ndarray]:
    """A hand-written per-array rule ``step(w, g, state, t) -> w``, t = 1, 2, …, from the same start."""
    params = initial_params()
    states: list[dict[str, Any]] = [{} for _ in params]
    for t, grads in enumerate(grads_seq, start=1):
        params = [step(w, g, s, t) for w, g, s in zip(params, grads, states, strict=True)]
    return params


def run_torch(make_opt: Callable[[list[Any]], Any], grads: Sequence[Sequence[np.ndarray]], *,
              before_step: Callable[[list[Any]], None] | None = None,
              make_scheduler: Callable[[Any], Any] | None = None) -> list[np.ndarray]:
    """The torch side of a comparison: ``make_opt(tensors)`` from :func:`initial_params`, stepped
    once per gradient set (``before_step(tensors)`` first, a scheduler after, if given)."""
    torch = require("torch")
    tensors = [torch.tensor(p, requires_grad=True) for p in initial_params()]
    opt = make_opt(tensors)
    scheduler = make_scheduler(opt) if make_scheduler else None
    for step_grads in grads:
        for t, g in zip(tensors, step_grads, strict=True):
            t.grad = torch.tensor(g)
        if before_step:
            before_step(tensors)
        opt.step()
        if scheduler:
            scheduler.step()
    return [t.detach().numpy() for t in tensors]


def assert_close(ours: Sequence[np.ndarray], ref: Sequence[np.ndarray], rtol: float = 1e-10) -> None:
    """Every array within ``rtol`` of the reference, relative to max(1, its largest entry)."""
    for i, (a, b) in enumerate(zip(ours, ref, strict=True)):
        err = float(np.max(np.abs(a - b))) / max(1.0, float(np.max(np.abs(b))))
        assert err <= rtol, f"params[{i}]: relative error {err:.3e}"


def assert_matches_formula(formula: Callable[..., np.ndarray], make: Callable[[], Any]) -> None:
    """A descend optimizer (``make()``) takes, over :data:`STEPS` steps, the hand-written rule's path."""
    grads = gradient_sequence()
    assert_close(run(make(), grads), run_formula(formula, grads))


def count_kernel_calls(monkeypatch) -> list[int]:
    """A list that grows by one at each compiled optimizer step of one array (from now on)."""
    calls: list[int] = []
    from descend._fast import optimizers as kernels

    run = kernels.Step.__call__

    def counted(self, *args):
        calls.append(1)
        return run(self, *args)

    monkeypatch.setattr(kernels.Step, "__call__", counted)
    return calls
