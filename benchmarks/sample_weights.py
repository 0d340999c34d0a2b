"""``fit`` with sample weights against ``fit`` without: the cost of the weighted loss.

``python -m benchmarks.sample_weights [--repeats N] [--loss NAME]`` trains a 64-32-10 ReLU MLP
(softmax output, or linear for mse; sparse categorical cross-entropy by default; Adam; float32, the
default) on 2,000 seeded samples of 64 features for 3 epochs with batch size 32, three ways,
alternating after a warm-up: without weights, with ``class_weight`` (one weight per class: 10
distinct values) and with continuous
per-sample weights (2,000 distinct values). Prints the median and min of seconds per ``fit``
and each weighted run as a ratio to the unweighted one. A benchmark, not a test: nothing is asserted.
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

N, D, K, EPOCHS, BATCH = 2000, 64, 10, 3, 32


def _data(loss: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, D))
    labels = (X @ rng.normal(size=(D, K))).argmax(axis=1)
    y = labels if loss == "sparse_categorical_crossentropy" else np.eye(K)[labels]
    return X, y, rng.uniform(0.5, 2.0, size=N)


def _runner(loss: str, **weights: Any) -> Callable[[], float]:
    import descend
    from descend import layers

    X, y, _ = _data(loss)
    output = "linear" if loss in ("mse", "squared_error") else "softmax"

    def run() -> float:
        model = descend.Sequential([layers.Input(D), layers.Dense(32, activation="relu"),
                                    layers.Dense(K, activation=output)], seed=0)
        model.compile(optimizer="adam", loss=loss)
        start = time.perf_counter()
        model.fit(X, y, epochs=EPOCHS, batch_size=BATCH, seed=0, verbose=0, **weights)
        return time.perf_counter() - start
    return run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--loss", default="sparse_categorical_crossentropy")
    args = parser.parse_args(argv)
    _, _, w = _data(args.loss)
    cases = {"none": _runner(args.loss),
             "class_weight": _runner(args.loss, class_weight={c: 0.5 + 0.25 * c for c in range(K)}),
             "sample_weight": _runner(args.loss, sample_weight=w)}
    for run in cases.values():                                  # warm-up (numba compiles here)
        run()
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeats):
        for name, run in cases.items():
            times[name].append(run())
    base = statistics.median(times["none"])
    print(f"{args.loss}: {N}x{D} -> 32 -> {K}, {EPOCHS} epochs, batch {BATCH}, {args.repeats} repeats")
    for name, t in times.items():
        med = statistics.median(t)
        print(f"  {name:14s} median {med:.4f} s  min {min(t):.4f} s  x{med / base:.2f} of no weights")


if __name__ == "__main__":
    main()
