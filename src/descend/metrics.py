"""Metrics reported beside the loss: streaming accumulators, updated batch by batch.

Like Keras, a training epoch's metric is accumulated over the batches of the epoch (with the
weights as they were at each batch), and ``evaluate`` accumulates over the whole data set.

=============================== ============================================================
name                            value
=============================== ============================================================
accuracy                        resolved from the loss: binary / categorical / sparse (Keras)
binary_accuracy                 mean of [ (ŷ > 0.5) = y ]
categorical_accuracy            mean of [ argmax ŷ = argmax y ]
sparse_categorical_accuracy     mean of [ argmax ŷ = y ]
mae                             1/(N·K) Σ |y − ŷ|
mse                             1/(N·K) Σ (y − ŷ)²
rmse                            √mse
r2                              1 − Σ(y − ŷ)² / Σ(y − ȳ)²   (pooled over all outputs)
=============================== ============================================================
"""
from __future__ import annotations

import numpy as np

from .checks import Interval, check


class Metric:
    """Streaming metric: ``reset()``, ``update(y_pred, y_true)``, ``result() -> float``."""

    name = "metric"

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._total = 0.0
        self._count = 0

    def update(self, y_pred: np.ndarray, y_true: np.ndarray) -> None:
        values = self._values(y_pred, y_true)
        self._total += float(values.sum())
        self._count += int(values.size)

    def _values(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def result(self) -> float:
        return self._total / self._count if self._count else float("nan")

    def __call__(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        """The metric of one set of predictions (stateless use)."""
        self.reset()
        self.update(y_pred, y_true)
        value = self.result()
        self.reset()
        return value


class BinaryAccuracy(Metric):
    name = "binary_accuracy"

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = check("threshold", threshold, Interval(float))
        super().__init__()

    def _values(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        return (y_pred > self.threshold) == (y_true > 0.5)


class CategoricalAccuracy(Metric):
    name = "categorical_accuracy"

    def _values(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        return y_pred.argmax(axis=-1) == y_true.argmax(axis=-1)


class SparseCategoricalAccuracy(Metric):
    name = "sparse_categorical_accuracy"

    def _values(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        return y_pred.argmax(axis=-1) == np.asarray(y_true).reshape(-1)


class MeanAbsoluteError(Metric):
    name = "mae"

    def _values(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        return np.abs(y_pred - y_true)


class MeanSquaredError(Metric):
    name = "mse"

    def _values(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        return np.square(y_pred - y_true)


class RootMeanSquaredError(MeanSquaredError):
    name = "rmse"

    def result(self) -> float:
        return float(np.sqrt(super().result()))


class R2Score(Metric):
    """Coefficient of determination, streamed from Σ(y − ŷ)², Σy, Σy² and the count."""

    name = "r2"

    def reset(self) -> None:
        self._ss_res = self._sum = self._sum_sq = 0.0
        self._count = 0

    def update(self, y_pred: np.ndarray, y_true: np.ndarray) -> None:
        y_true = y_true.astype(np.float64)
        self._ss_res += float(np.square(y_pred - y_true).sum())
        self._sum += float(y_true.sum())
        self._sum_sq += float(np.square(y_true).sum())
        self._count += int(y_true.size)

    def result(self) -> float:
        if not self._count:
            return float("nan")
        ss_tot = self._sum_sq - self._sum ** 2 / self._count
        return 1.0 - self._ss_res / ss_tot if ss_tot > 0 else float("nan")


REGISTRY: dict[str, type[Metric]] = {
    cls.name: cls for cls in (BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
                              MeanAbsoluteError, MeanSquaredError, RootMeanSquaredError, R2Score)
}
ALIASES = {"acc": "accuracy", "mean_absolute_error": "mae", "mean_squared_error": "mse",
           "root_mean_squared_error": "rmse", "r2_score": "r2"}

_ACCURACY_FOR_LOSS = {
    "binary_crossentropy": "binary_accuracy",
    "categorical_crossentropy": "categorical_accuracy",
    "sparse_categorical_crossentropy": "sparse_categorical_accuracy",
}


def get(identifier: str | Metric, loss_name: str | None = None, n_outputs: int = 1) -> Metric:
    """A metric by name; ``"accuracy"`` is resolved from the loss as Keras does."""
    if isinstance(identifier, Metric):
        return identifier
    if not isinstance(identifier, str):
        raise TypeError(f"metrics: expected metric names or Metric instances, "
                        f"got {type(identifier).__name__}")
    key = ALIASES.get(identifier.lower(), identifier.lower())
    if key == "accuracy":
        key = _ACCURACY_FOR_LOSS.get(loss_name or "",
                                     "binary_accuracy" if n_outputs == 1 else "categorical_accuracy")
        metric = REGISTRY[key]()
        metric.name = "accuracy"
        return metric
    if key not in REGISTRY:
        raise ValueError(f"metrics: expected names from {sorted(REGISTRY) + ['accuracy']}, "
                         f"got {identifier!r}")
    return REGISTRY[key]()
