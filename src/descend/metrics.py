"""Metrics reported beside the loss: streaming accumulators, updated batch by batch.

Like Keras, a training epoch's metric is accumulated over the batches of the epoch (with the
weights as they were at each batch), and ``evaluate`` accumulates over the whole data set.

``update(y_pred, y_true, sample_weight)`` gives Keras's weighted mean: each sample's value v_n (its
mean over the outputs for mae/mse) counts w_n times, Σ w_n v_n / Σ w_n; r2 weights every sum it
streams. (``fit`` and ``evaluate`` do not weight the compiled metrics, as Keras's
``compile(metrics=...)`` does not.)

=============================== ============================================================
name                            value
=============================== ============================================================
accuracy                        resolved from the shapes as Keras 3 (:func:`accuracy_kind`)
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
        self._count: float = 0

    def update(self, y_pred: np.ndarray, y_true: np.ndarray, sample_weight: np.ndarray | None = None) -> None:
        values = self._values(y_pred, y_true)
        if sample_weight is None:
            self._total += float(values.sum())
            self._count += int(values.size)
            return
        per_sample = values.reshape(len(values), -1).mean(axis=1)   # over the outputs, as Keras
        w = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
        self._total += float(np.dot(w, per_sample))
        self._count += float(w.sum())

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

    def update(self, y_pred: np.ndarray, y_true: np.ndarray, sample_weight: np.ndarray | None = None) -> None:
        y_true = y_true.astype(np.float64)
        if sample_weight is None:
            w: np.ndarray | float = 1.0
            count = float(y_true.size)
        else:   # every output of sample n counts w_n times
            w = np.asarray(sample_weight, dtype=np.float64).reshape((-1,) + (1,) * (y_true.ndim - 1))
            count = float(np.sum(w * np.ones_like(y_true)))
        self._ss_res += float(np.sum(w * np.square(y_pred - y_true)))
        self._sum += float(np.sum(w * y_true))
        self._sum_sq += float(np.sum(w * np.square(y_true)))
        self._count += count

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



def accuracy_kind(y_true_shape: tuple[int, ...], y_pred_shape: tuple[int, ...]) -> str:
    """The accuracy ``"accuracy"`` means for targets and outputs of these shapes, as Keras 3
    decides (``keras/src/trainers/compile_utils.py``, ``get_metric``): binary when the output has
    one unit; sparse when the targets have one dimension fewer than the outputs, or a last
    dimension of 1 against several outputs; categorical otherwise — whatever the loss (several
    sigmoid outputs under binary cross-entropy get categorical accuracy, as in Keras)."""
    if y_pred_shape[-1] == 1:
        return "binary_accuracy"
    if len(y_true_shape) < len(y_pred_shape) or y_true_shape[-1] == 1:
        return "sparse_categorical_accuracy"
    return "categorical_accuracy"


def get(identifier: str | Metric, y_true_shape: tuple[int, ...] = (1, 1),
        y_pred_shape: tuple[int, ...] = (1, 1)) -> Metric:
    """A metric by name; ``"accuracy"`` is resolved from the shapes of the targets and the
    outputs as Keras 3 does (:func:`accuracy_kind`)."""
    if isinstance(identifier, Metric):
        return identifier
    if not isinstance(identifier, str):
        raise TypeError(f"metrics: expected metric names or Metric instances, "
                        f"got {type(identifier).__name__}")
    key = ALIASES.get(identifier.lower(), identifier.lower())
    if key == "accuracy":
        metric = REGISTRY[accuracy_kind(tuple(y_true_shape), tuple(y_pred_shape))]()
        metric.name = "accuracy"
        return metric
    if key not in REGISTRY:
        raise ValueError(f"metrics: expected names from {sorted(REGISTRY) + ['accuracy']}, "
                         f"got {identifier!r}")
    return REGISTRY[key]()
