"""Cost functions E(ŷ, y) and their gradients ∂E/∂ŷ — the reduction is part of each name.

==================================== ====================================== =======================
name                                 E                                      ∂E/∂ŷ
==================================== ====================================== =======================
squared_error (the slides' cost)     ½ Σ_batch Σ_k (y − ŷ)²   (a **sum**)   ŷ − y
sum_squared_error                    Σ_batch Σ_k (y − ŷ)²     (a sum)       2(ŷ − y)
mse (Keras's "mean_squared_error")   1/(N·K) Σ (y − ŷ)²       (a mean)      2(ŷ − y)/(N·K)
binary_crossentropy                  −1/(N·K) Σ [y log ŷ + (1 − y) log(1 − ŷ)]
categorical_crossentropy             −1/N Σ_n Σ_k y_k log ŷ_k            (y one-hot, N × K)
sparse_categorical_crossentropy      −1/N Σ_n log ŷ_(n, y_n)             (y integer labels)
==================================== ====================================== =======================

N is the number of observations in the batch, K the number of outputs. The slides' E = Σ_i E_i is
a sum over the batch (lecture §3); Keras's losses are means (so a mini-batch update does not grow
with the batch size). Choose ``squared_error`` to replay the lecture, ``mse`` to reproduce Keras.

**Fused output.** The cross-entropies pair with an output activation: binary with sigmoid,
categorical with softmax. When the last layer has that activation the model hands the loss the
pre-activation z (the logits) and the loss returns δ = ∂E/∂z directly::

    δ = (ŷ − y) / N        (binary: / (N·K))

and evaluates log ŷ as a log-sigmoid / log-softmax of z, so log(0) never happens. Without the
matching activation the loss works on probabilities clipped to [1e-7, 1 − 1e-7], as Keras does.

The fused losses run once per batch, so they allocate nothing once a shape has been seen: their
work arrays, and the δ they return, belong to the loss object and are overwritten by its next
call with the same shapes (see :meth:`Loss.fused`).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import jit
from .activations import row_max, row_max_work
from .backend import WorkArrays

#: probabilities are clipped to [EPSILON, 1 − EPSILON] outside the fused path (Keras's epsilon)
EPSILON = 1e-7


class Loss(WorkArrays):
    """Base class: ``loss(y_pred, y_true)`` is E, ``loss.gradient(y_pred, y_true)`` is ∂E/∂ŷ.

    Targets are checked and converted once per ``fit`` by :meth:`prepare_targets`.
    """

    name = "loss"
    reduction = "sum"
    #: output activation this loss is fused with (see the module docstring), or None
    fused_activation: str | None = None

    def __call__(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:  # pragma: no cover
        raise NotImplementedError

    def gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def fused(self, z: np.ndarray, y_true: np.ndarray,
              a: np.ndarray | None = None) -> tuple[float, np.ndarray]:  # pragma: no cover
        """(E, δ = ∂E/∂z) from the logits z of the fused output activation.

        ``a`` = f(z), when the forward pass already has it, saves computing it again.

        δ is a work array of the loss: the next ``fused`` call with the same shape and dtype
        overwrites it (no allocation per batch). Use it before calling again — the model's
        backward pass does — or copy it.
        """
        raise NotImplementedError

    def prepare_targets(self, y: np.ndarray, n_outputs: int, dtype: np.dtype) -> np.ndarray:
        """Check ``y`` against the model's output width and return it in the dtype used.

        A 1-D ``y`` is accepted for a single output and becomes a column (N, 1); any other
        shape mismatch is an error, never a broadcast.
        """
        y = np.asarray(y)
        if y.ndim == 1 and n_outputs == 1:
            y = y.reshape(-1, 1)
        if y.ndim != 2 or y.shape[1] != n_outputs:
            raise ValueError(
                f"y: expected shape (n_samples, {n_outputs}) to match the model's {n_outputs} "
                f"output(s) for loss {self.name!r}, got shape {y.shape}")
        return np.ascontiguousarray(y, dtype=dtype)

    def get_config(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        return self.name


def _size(y: np.ndarray) -> int:
    return max(int(y.size), 1)


def _fused_inputs(z: Any, y_true: Any, a: Any,
                  name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.dtype]:
    """z, y, a in one floating dtype (their common one) and the dtype δ is returned in (z's, when
    floating). The model's arrays already share theirs and pass through as they are."""
    z_dtype = getattr(z, "dtype", None)
    shared = (type(z) is np.ndarray and z_dtype.kind == "f" and type(y_true) is np.ndarray
              and y_true.dtype == z_dtype and (a is None or (type(a) is np.ndarray and a.dtype == z_dtype)))
    if not shared:
        z, y_true = np.asarray(z), np.asarray(y_true)
        dtype = np.result_type(z, y_true)
        dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
        z_dtype = z.dtype if z.dtype.kind == "f" else dtype
        z, y_true = z.astype(dtype, copy=False), y_true.astype(dtype, copy=False)
        a = None if a is None else np.asarray(a).astype(dtype, copy=False)
    if y_true.shape != z.shape:
        raise ValueError(f"y: loss {name!r} expects targets of the logits' shape {z.shape}, "
                         f"got shape {y_true.shape}")
    return z, y_true, a, z_dtype


class SquaredError(Loss):
    """E = ½ Σ (y − ŷ)², summed over the batch and the outputs — the lecture's cost (§3).

    ∂E/∂ŷ = ŷ − y: the ½ cancels the 2 of the derivative, as the slides say.
    """

    name = "squared_error"
    reduction = "sum"

    def __call__(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        d = y_pred - y_true
        return 0.5 * float(np.vdot(d, d))

    def gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        return y_pred - y_true


class SumSquaredError(Loss):
    """E = Σ (y − ŷ)², summed over the batch and outputs (no ½); ∂E/∂ŷ = 2(ŷ − y)."""

    name = "sum_squared_error"
    reduction = "sum"

    def __call__(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        d = y_pred - y_true
        return float(np.vdot(d, d))

    def gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        return 2.0 * (y_pred - y_true)


class MeanSquaredError(Loss):
    """E = 1/(N·K) Σ (y − ŷ)², the mean over batch and outputs (Keras "mse"); ∂E/∂ŷ = 2(ŷ − y)/(N·K)."""

    name = "mse"
    reduction = "mean"

    def __call__(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        d = y_pred - y_true
        return float(np.vdot(d, d)) / _size(d)

    def gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        return (y_pred - y_true) * (2.0 / _size(y_pred))


def _check_unit_interval(y: np.ndarray, name: str) -> None:
    if y.size and (y.min() < 0 or y.max() > 1):
        raise ValueError(f"y: loss {name!r} expects targets in [0, 1], "
                         f"got values from {y.min():g} to {y.max():g}")


class BinaryCrossentropy(Loss):
    """E = −1/(N·K) Σ [y log ŷ + (1 − y) log(1 − ŷ)]; fused with sigmoid: δ = (ŷ − y)/(N·K).

    From logits: −[y log σ(z) + (1 − y) log(1 − σ(z))] = max(z, 0) − z·y + log(1 + e^(−|z|)).
    """

    name = "binary_crossentropy"
    reduction = "mean"
    fused_activation = "sigmoid"

    def prepare_targets(self, y: np.ndarray, n_outputs: int, dtype: np.dtype) -> np.ndarray:
        y = super().prepare_targets(y, n_outputs, dtype)
        _check_unit_interval(y, self.name)
        return y

    def __call__(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
        return -float(np.sum(y_true * np.log(p) + (1.0 - y_true) * np.log1p(-p))) / _size(p)

    def gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
        return (p - y_true) / (p * (1.0 - p)) / _size(p)

    def fused(self, z: np.ndarray, y_true: np.ndarray,
              a: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """E = 1/(N·K) Σ [max(z, 0) − z·y + log(1 + e^(−|z|))] and δ = (σ(z) − y)/(N·K).

        Every step writes into the loss's work arrays; δ is overwritten by the next call.
        """
        z, y, a, out_dtype = _fused_inputs(z, y_true, a, self.name)
        n = _size(z)
        w = self._work_arrays((z.shape, z.dtype), _elementwise_work)
        e, t, u, delta = w["e"], w["t"], w["u"], w["delta"]
        np.abs(z, out=e)
        np.negative(e, out=e)
        np.exp(e, out=e)                       # e^(−|z|): never overflows
        np.maximum(z, 0, out=t)
        np.multiply(z, y, out=u)
        np.subtract(t, u, out=t)               # max(z, 0) − z·y
        if a is None:
            # σ(z) = 1/(1 + e^(−z)) for z ≥ 0, e^z/(1 + e^z) for z < 0: both from e = e^(−|z|)
            np.add(e, 1.0, out=u)
            np.divide(e, u, out=delta)
            np.greater_equal(z, 0, out=w["mask"])
            np.divide(1.0, u, out=delta, where=w["mask"])
            a = delta
        np.log1p(e, out=u)
        np.add(t, u, out=t)
        loss = float(np.add.reduce(t, axis=None)) / n
        np.subtract(a, y, out=delta)
        np.multiply(delta, 1.0 / n, out=delta)
        return loss, _in_dtype(delta, out_dtype)


def _in_dtype(delta: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """δ in the logits' dtype: the work array itself when the dtypes agree (the model's case)."""
    return delta if delta.dtype == dtype else delta.astype(dtype)


def _elementwise_work(shape: tuple[int, ...], dtype: np.dtype) -> dict[str, np.ndarray]:
    return {"e": np.empty(shape, dtype), "t": np.empty(shape, dtype), "u": np.empty(shape, dtype),
            "delta": np.empty(shape, dtype), "mask": np.empty(shape, bool)}


def _rows_work(shape: tuple[int, int], dtype: np.dtype) -> dict[str, Any]:
    """Work arrays for an (N, K) softmax loss: per-row vectors and their (N, 1) views, a matrix
    to broadcast them along the rows, the flat indices n·K of the rows' starts, a one-hot matrix
    (zero between calls) and δ."""
    n, k = shape
    vectors = {name: np.empty(n, dtype) for name in ("max", "sum", "lse", "log_a_max", "picked")}
    work: dict[str, Any] = dict(vectors, **{f"{name}_col": v[:, None] for name, v in vectors.items()})
    work.update(rows=np.empty(shape, dtype), shifted=np.empty(shape, dtype),
                delta=np.empty(shape, dtype), zt=row_max_work(shape, dtype),
                starts=np.arange(n, dtype=np.intp) * k, index=np.empty(n, np.intp),
                onehot=np.zeros(shape, dtype))
    work["onehot_flat"] = work["onehot"].reshape(-1)
    return work


def _softmax_parts(z: np.ndarray, w: dict[str, Any]) -> None:
    """Row by row: max_k z_k into ``w["max"]``, z − max into ``w["shifted"]``, e^(z − max) into
    ``w["delta"]``, S = Σ e^(z − max) into ``w["sum"]`` and log S into ``w["lse"]``.

    A row vector is broadcast along the rows by copying it into ``w["rows"]`` first: a
    broadcasting ufunc makes NumPy (2.4) allocate an iteration buffer at every call, a copy
    does not, and the numbers are the same.
    """
    rows = w["rows"]
    row_max(z, w["max"], w["zt"])
    rows[...] = w["max_col"]
    np.subtract(z, rows, out=w["shifted"])            # z − max ≤ 0: e^(z − max) never overflows
    np.exp(w["shifted"], out=w["delta"])
    np.add.reduce(w["delta"], axis=1, out=w["sum"])   # S ≥ 1, the same sums as e.sum(axis=-1)
    np.log(w["sum"], out=w["lse"])


class CategoricalCrossentropy(Loss):
    """E = −1/N Σ_n Σ_k y_k log ŷ_k with one-hot (or probability) targets, N × K.

    Fused with softmax: log ŷ = z − log Σ e^z (log-softmax), δ = (ŷ − y)/N.
    """

    name = "categorical_crossentropy"
    reduction = "mean"
    fused_activation = "softmax"

    def prepare_targets(self, y: np.ndarray, n_outputs: int, dtype: np.dtype) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim == 1:
            raise ValueError(
                f"y: loss {self.name!r} expects one-hot targets of shape (n_samples, {n_outputs}), "
                f"got integer labels of shape {y.shape}; use 'sparse_categorical_crossentropy' "
                f"for labels")
        y = super().prepare_targets(y, n_outputs, dtype)
        _check_unit_interval(y, self.name)
        return y

    def __call__(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        p = y_pred / y_pred.sum(axis=-1, keepdims=True)
        p = np.clip(p, EPSILON, 1.0 - EPSILON)
        return -float(np.sum(y_true * np.log(p))) / max(len(p), 1)

    def gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        # on the normalised, clipped probabilities as Keras; exact where 1e-7 < ŷ < 1 − 1e-7 and Σŷ = 1
        s = y_pred.sum(axis=-1, keepdims=True)
        p = np.clip(y_pred / s, EPSILON, 1.0 - EPSILON)
        g = -y_true / p
        # the normalisation p = ŷ/Σŷ: ∂p_j/∂ŷ_k = (1[j=k] − p_j)/Σŷ
        g = (g - (g * p).sum(axis=-1, keepdims=True)) / s
        return g / max(len(p), 1)

    def fused(self, z: np.ndarray, y_true: np.ndarray,
              a: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """E = −1/N Σ y · log-softmax(z) and δ = (softmax(z) − y)/N, for 2-D z (N, K).

        Every step writes into the loss's work arrays; δ is overwritten by the next call.
        """
        z, y, a, out_dtype = _fused_inputs(z, y_true, a, self.name)
        if z.ndim != 2:
            raise ValueError(f"z: loss {self.name!r} expects logits of shape (N, K), got shape {z.shape}")
        n = max(len(z), 1)
        w = self._work_arrays((z.shape, z.dtype), _rows_work)
        _softmax_parts(z, w)
        logp, delta = w["shifted"], w["delta"]
        w["rows"][...] = w["lse_col"]
        np.subtract(logp, w["rows"], out=logp)              # log ŷ = (z − max) − log S
        loss = -float(np.vdot(y, logp)) / n
        if a is None:
            a = np.exp(logp, out=delta)                     # ŷ
        np.subtract(a, y, out=delta)
        np.multiply(delta, 1.0 / n, out=delta)
        return loss, _in_dtype(delta, out_dtype)


class SparseCategoricalCrossentropy(Loss):
    """E = −1/N Σ_n log ŷ_(n, y_n) with integer labels y_n ∈ {0, …, K − 1}.

    The same as :class:`CategoricalCrossentropy` on one-hot targets; fused with softmax,
    δ = (ŷ − onehot(y))/N.
    """

    name = "sparse_categorical_crossentropy"
    reduction = "mean"
    fused_activation = "softmax"

    def prepare_targets(self, y: np.ndarray, n_outputs: int, dtype: np.dtype) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(f"y: loss {self.name!r} expects integer labels of shape (n_samples,), "
                             f"got shape {y.shape}")
        if y.size and not np.all(np.equal(np.mod(y, 1), 0)):
            raise ValueError(f"y: loss {self.name!r} expects integer class labels, got non-integer values")
        labels = y.astype(np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= n_outputs):
            raise ValueError(
                f"y: labels must lie in [0, {n_outputs - 1}] for a model with {n_outputs} outputs, "
                f"got labels from {labels.min()} to {labels.max()}")
        return labels

    def __call__(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        rows = np.arange(len(y_pred))
        p = y_pred[rows, y_true] / y_pred.sum(axis=-1)
        return -float(np.sum(np.log(np.clip(p, EPSILON, 1.0 - EPSILON)))) / max(len(p), 1)

    def gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        onehot = np.zeros_like(y_pred)
        onehot[np.arange(len(y_pred)), y_true] = 1
        return CategoricalCrossentropy.gradient(self, y_pred, onehot)

    def fused(self, z: np.ndarray, y_true: np.ndarray,
              a: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """E = −1/N Σ_n log ŷ_(n, y_n) with log ŷ_y = z_y − max − log Σ e^(z − max) (never log 0),
        and δ = (ŷ − onehot(y))/N, for 2-D z (N, K) and labels y (N,) in [0, K).

        Every step writes into the loss's work arrays; δ is overwritten by the next call. z_(n, y_n)
        is read through the flat indices n·K + y_n, and onehot(y) is a work matrix of zeros whose
        ones are set at those indices for the subtraction and cleared right after.
        """
        if type(z) is not np.ndarray or z.dtype.kind != "f" or (a is not None and a.dtype != z.dtype):
            z = np.asarray(z)
            z = z.astype(z.dtype if z.dtype.kind == "f" else np.float64, copy=False)
            a = None if a is None else np.asarray(a).astype(z.dtype, copy=False)
        compiled = a is not None and jit.usable(z, a, min_size=jit.FEW_CALLS_MIN_SIZE)
        labels = self._labels(z, y_true, check_range=not compiled)
        n = max(len(z), 1)
        w = self._work_arrays((z.shape, z.dtype), _rows_work)
        index, picked, delta = w["index"], w["picked"], w["delta"]
        if compiled:
            # the else branch below, the label range check and δ in one compiled pass, then
            # three NumPy calls
            log_a_max = w["log_a_max"]
            if jit.sparse_ce_parts(z, a, labels, picked, log_a_max, delta):
                raise self._range_error(z, labels)
            np.log(log_a_max, out=log_a_max)
            np.add(picked, log_a_max, out=picked)
            return -float(np.add.reduce(picked)) / n, delta
        np.add(w["starts"], labels, out=index)                 # flat index of (n, y_n)
        np.take(z, index, out=picked, mode="wrap")             # z_y ("wrap": mode="raise" allocates)
        if a is None:
            _softmax_parts(z, w)
            w["rows"][...] = w["sum_col"]
            np.divide(delta, w["rows"], out=delta)             # ŷ = e^(z − max)/S
            a = delta
            np.subtract(picked, w["max"], out=picked)
            np.subtract(picked, w["lse"], out=picked)          # z_y − max − log S
        else:
            # a = e^(z − max)/S and the largest entry of each row is e^0/S = 1/S: log S = −log max_k a_k
            row_max(z, w["max"], w["zt"])
            log_a_max = row_max(a, w["log_a_max"], w["zt"])
            np.log(log_a_max, out=log_a_max)
            np.subtract(picked, w["max"], out=picked)
            np.add(picked, log_a_max, out=picked)              # z_y − max − (−log max_k a_k), the same
        loss = -float(np.add.reduce(picked)) / n
        onehot = w["onehot_flat"]                              # all zeros between calls
        onehot[index] = 1.0
        try:
            np.subtract(a, w["onehot"], out=delta)             # ŷ − onehot(y)
        finally:
            onehot[index] = 0.0
        np.multiply(delta, 1.0 / n, out=delta)
        return loss, delta

    def _labels(self, z: np.ndarray, y_true: Any, check_range: bool = True) -> np.ndarray:
        """y as flat-indexable labels: 1-D, one per row of z, integers in [0, K) (checked: the
        flat indexing would otherwise read another row's entry without an error)."""
        y = y_true
        if type(y) is not np.ndarray or y.dtype != np.intp:   # prepare_targets' labels skip this
            y = np.asarray(y)
            if y.dtype.kind not in "iub":
                raise TypeError(f"y: loss {self.name!r} expects integer class labels, got dtype {y.dtype}")
            y = y.astype(np.intp)
        if z.ndim != 2 or y.shape != z.shape[:1]:
            raise ValueError(f"y: loss {self.name!r} expects logits (N, K) and labels (N,), got "
                             f"shapes {z.shape} and {y.shape}")
        # one reduction checks both ends: as unsigned, a negative label is larger than any K
        if check_range and y.size and np.maximum.reduce(y.view(np.uintp)) >= z.shape[1]:
            raise self._range_error(z, y)
        return y

    @staticmethod
    def _range_error(z: np.ndarray, y: np.ndarray) -> ValueError:
        return ValueError(f"y: labels must lie in [0, {z.shape[1] - 1}] for {z.shape[1]} outputs, "
                          f"got labels from {y.min()} to {y.max()}")


#: name -> class; the gradient-check tests walk this registry, so a new entry is covered.
REGISTRY: dict[str, type[Loss]] = {
    cls.name: cls for cls in (SquaredError, SumSquaredError, MeanSquaredError, BinaryCrossentropy,
                              CategoricalCrossentropy, SparseCategoricalCrossentropy)
}
ALIASES = {"mean_squared_error": "mse", "sse": "sum_squared_error"}


def get(identifier: str | Loss) -> Loss:
    """A loss from its name (see the table above) or an instance."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        key = ALIASES.get(identifier.lower(), identifier.lower())
        if key not in REGISTRY:
            raise ValueError(f"loss: expected one of {sorted(REGISTRY)}, got {identifier!r}")
        return REGISTRY[key]()
    raise TypeError(f"loss: expected a loss name or a Loss instance, got {type(identifier).__name__}")
