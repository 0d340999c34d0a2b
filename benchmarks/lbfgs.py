"""L-BFGS in descend against scikit-learn's ``solver="lbfgs"`` from the same start.

``python -m benchmarks.lbfgs [--repeats N] [--iterations K] [--out FILE]`` trains a 64-100-10 ReLU
MLP (softmax output, mean cross-entropy, no L2) on scikit-learn's bundled digits (1,797 8×8
images, /16) for K L-BFGS iterations (``tol=0``), float64 in both, alternating the two systems
after a warm-up. Both start from scikit-learn's own initial weights (captured from its first call
to ``scipy.optimize.minimize``), so both run the same search: the script prints seconds per fit,
seconds per evaluation of E and ∇E, the evaluations and the final losses of each, and the largest
weight difference at the end. A benchmark, not a test: nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np


def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def _sklearn_fit(X: np.ndarray, y: np.ndarray, iterations: int) -> tuple[Any, np.ndarray, float]:
    """scikit-learn's fit, its starting vector and its wall time."""
    import scipy.optimize
    from sklearn.neural_network import MLPClassifier

    starts: list[np.ndarray] = []
    real = scipy.optimize.minimize

    def spy(fun: Any, x0: np.ndarray, *args: Any, **kwargs: Any) -> Any:
        starts.append(np.array(x0))
        return real(fun, x0, *args, **kwargs)

    mlp = MLPClassifier((100,), solver="lbfgs", alpha=0.0, max_iter=iterations, tol=0.0, random_state=0)
    scipy.optimize.minimize = spy
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            mlp.fit(X, y)
            seconds = time.perf_counter() - t0
    finally:
        scipy.optimize.minimize = real
    return mlp, starts[0], seconds


def _descend_fit(X: np.ndarray, y: np.ndarray, x0: np.ndarray, iterations: int) -> tuple[Any, float]:
    from descend import Dense, Input, Sequential
    from descend.optimizers import LBFGS

    d, h, k = X.shape[1], 100, 10
    W1, W2, b1, b2 = np.split(x0, [d * h, d * h + h * k, d * h + h * k + h])
    model = Sequential([Input(d), Dense(h, activation="relu"), Dense(k, activation="softmax")],
                       seed=0, dtype="float64")
    model.set_weights([W1.reshape(d, h), b1, W2.reshape(h, k), b2])
    model.compile(optimizer=LBFGS(tol=0.0), loss="sparse_categorical_crossentropy")
    t0 = time.perf_counter()
    model.fit(X, y, epochs=iterations, verbose=0)
    return model, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    X, y = _digits()
    _sklearn_fit(X, y, 5)                                           # warm-up (imports, caches)
    times: dict[str, list[float]] = {"descend": [], "sklearn": []}
    for _ in range(args.repeats):
        mlp, x0, seconds = _sklearn_fit(X, y, args.iterations)
        times["sklearn"].append(seconds)
        model, seconds = _descend_fit(X, y, x0, args.iterations)
        times["descend"].append(seconds)
    ours = [model.get_weights()[0], model.get_weights()[2]]
    result = {
        "max_iterations": args.iterations, "repeats": args.repeats,
        "seconds_median": {k: statistics.median(v) for k, v in times.items()},
        "seconds_min": {k: min(v) for k, v in times.items()},
        "iterations_run": {"descend": int(model.optimizer.result.nit), "sklearn": int(mlp.n_iter_)},
        "evaluations_descend": int(model.optimizer.result.nfev),
        "final_loss": {"descend": float(model.history.history["loss"][-1]), "sklearn": float(mlp.loss_)},
        "max_weight_difference": float(max(np.abs(a - b).max()
                                           for a, b in zip(ours, mlp.coefs_, strict=True))),
    }
    median = result["seconds_median"]
    result["seconds_per_evaluation_descend"] = median["descend"] / model.optimizer.result.nfev
    result["descend_over_sklearn"] = median["descend"] / median["sklearn"]
    print(json.dumps(result, indent=2))
    if args.out is not None:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
