"""Cost functions E(ŷ, y) and their gradients ∂E/∂ŷ — each name has its own reduction.

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

**From logits.** ``BinaryCrossentropy(from_logits=True)`` (and the categorical ones) take the
model's output as the logits z themselves — a linear output layer, as Keras and PyTorch
(``binary_cross_entropy_with_logits``, ``cross_entropy``) do it: E and ∂E/∂z are the fused
formulas above, with no clipping.

**Called directly**, ``loss(y_pred, y_true)`` never broadcasts: the two must have the same shape
(a vector against an (N, 1) column is the one exception, as in Keras), or a ValueError names the
argument. Sparse labels may be (N,) or (N, 1), integers or integer-valued floats, in [0, K).

**Per sample.** ``loss.per_sample(y_pred, y_true)`` is E_n, one number per observation (shape
(N,)), such that E is their mean (the mean losses: E_n is the sample's mean over its K outputs for
mse and binary cross-entropy, −Σ_k y_k log ŷ_k for the categorical ones) or their sum (the slides'
E = Σ_n E_n, E_n = ½ Σ_k (y − ŷ)²); ``fused_per_sample(z, y, a)`` is the same from the logits of
the fused output. The weighted loss of ``fit(sample_weight=...)`` is one dot product of the
weights with them (:meth:`Loss.weighted`, which reduces them as ``reduction`` says).

**Keras's arguments** (``keras/src/losses/loss.py`` and ``losses.py``, Keras 3):

- ``reduction`` turns the per-sample E_n into E, for every loss: ``"sum_over_batch_size"`` (stored
  as its synonym ``"mean"``) Σ_n w_n E_n / N, ``"sum"`` Σ_n w_n E_n, ``"mean_with_sample_weight"``
  Σ_n w_n E_n / Σ_n w_n, ``"none"`` (or None) the array of the w_n E_n. Each loss's own reduction
  is its default: the mean for Keras's losses, the sum for the slides' ``squared_error`` and
  ``sum_squared_error`` (E = Σ_n E_n; ``reduction="sum_over_batch_size"`` makes it ½ Σ/N).
  ∂E/∂ŷ and δ follow E, so ``fit`` descends the E asked for; with ``"none"`` there is no single
  E, and ``compile`` refuses it (Keras's torch and JAX backends fail there too).
- ``sample_weight=`` when called (``loss(y_pred, y_true, sample_weight=w)``): a number for every
  sample, or one weight per sample, (N,) or (N, 1); any other shape is refused, never broadcast.
- ``label_smoothing`` ε ∈ [0, 1] (binary and categorical): the targets become y(1 − ε) + ε/2
  (binary) or y(1 − ε) + ε/K (categorical), in E, ∂E/∂ŷ and the fused δ = (ŷ − y_smoothed)/N.
- ``ignore_class`` (sparse): rows with that label count for nothing (E_n = 0, δ_n = 0), and the
  mean divides by the rows that count (all ignored: E = 0), as Keras's mask does.

The built-in formulas above are each loss's own reduction, unchanged; another reduction or an
ignored class rescales the rows of ∂E/∂ŷ or δ (:meth:`Loss.native` says which applies).

A loss object holds no state: the same one may serve several models and threads. (The training
step of a model computes the fused sparse categorical cross-entropy on reused work arrays,
:mod:`descend._fast.losses`, with the same numbers bit for bit.)
"""
from __future__ import annotations

import inspect
import warnings
from typing import Any

import numpy as np

from .checks import BOOLEAN, check, check_number

#: probabilities are clipped to [EPSILON, 1 − EPSILON] outside the fused path (Keras's epsilon)
EPSILON = 1e-7


class Loss:
    """Base class: ``loss(y_pred, y_true)`` is E, ``loss.gradient(y_pred, y_true)`` is ∂E/∂ŷ.

    The built-in losses compute E, ∂E/∂ŷ and the fused (E, δ) in their own reduction
    (:meth:`_value`, :meth:`_gradient`, :meth:`_fused`); the public methods reduce as
    ``reduction`` and ``sample_weight`` ask (see "Reduction" in the module docstring). Targets are
    checked and converted once per ``fit`` by :meth:`prepare_targets`.
    """

    name = "loss"
    #: how E is made of the per-sample E_n: "mean" (Keras's "sum_over_batch_size"), "sum",
    #: "mean_with_sample_weight" or "none"; the class attribute is the loss's own, an instance
    #: may be told another (``reduction=``)
    reduction = "sum"
    #: output activation this loss is fused with (see the module docstring), or None
    fused_activation: str | None = None
    #: ∂E/∂ŷ as :func:`descend.explain` prints it
    gradient_formula = "∂E/∂ŷ"

    def __call__(self, y_pred: np.ndarray, y_true: np.ndarray,
                 sample_weight: Any = None) -> Any:
        """E of the batch: a float, or with ``reduction="none"`` the array of the w_n·E_n.

        ``sample_weight``: a number (every sample), or one weight per sample, shape (N,) or
        (N, 1); sample n then counts w_n times (Keras's semantics, see the module docstring).
        """
        if sample_weight is None and self.native():
            return self._value(y_pred, y_true)
        values = self.per_sample(y_pred, y_true)
        w = None if sample_weight is None else weights_of(sample_weight, len(values))
        return self.reduce(values, w, self.mask(y_true, len(values)))

    def gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        """∂E/∂ŷ of E as :meth:`__call__` reduces it without sample weights."""
        grad = self._gradient(y_pred, y_true)
        if self.native():
            return grad
        return scale_rows(grad, self._row_scale(_rows(grad), y_true))

    def fused(self, z: np.ndarray, y_true: np.ndarray,
              a: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """(E, δ = ∂E/∂z) from the logits z of the fused output activation.

        ``a`` = f(z), when the forward pass already has it, saves computing it again.
        """
        value, delta = self._fused(z, y_true, a)
        if self.native():
            return value, delta
        n = _rows(delta)
        value = self.reduce(self.fused_per_sample(z, y_true, a), None, self.mask(y_true, n))
        return value, scale_rows(delta, self._row_scale(n, y_true))

    def _value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:  # pragma: no cover
        raise NotImplementedError

    def _gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _fused(self, z: np.ndarray, y_true: np.ndarray,
               a: np.ndarray | None = None) -> tuple[float, np.ndarray]:  # pragma: no cover
        raise NotImplementedError

    def native(self) -> bool:
        """True where E is the loss's own reduction of all rows (the class's ``reduction``, no
        ignored class): then the value, gradient and δ are the built-in formulas as they are."""
        return self.reduction == type(self).reduction and self.mask_value() is None

    def mask_value(self) -> int | None:
        """The label whose rows do not count (``ignore_class``), or None."""
        return None

    def mask(self, y_true: Any, n: int) -> np.ndarray | None:
        """Which of the n rows count (a bool array), or None where all do."""
        return None

    def reduce(self, values: np.ndarray, w: np.ndarray | None = None,
               mask: np.ndarray | None = None) -> Any:
        """E from the per-sample E_n as Keras 3's ``reduce_weighted_values`` does: each E_n times
        its weight w_n (masked rows: 0), then "sum" Σ, "mean" Σ/N (N: the rows that count),
        "mean_with_sample_weight" Σ/Σw (Σ/N without weights), "none" the array itself. A sum
        over nothing is 0 (never a division by 0)."""
        values = np.asarray(values)
        divisor = self.divisor(len(values), w, mask)
        if mask is not None:
            values = np.where(mask, values, 0.0)
            w = mask.astype(np.float64) if w is None else np.where(mask, w, 0.0)
        if self.reduction == "none":
            return values if w is None else np.where(w != 0, values, 0.0) * w
        if w is None:
            total = float(np.sum(values, dtype=np.float64))
        else:
            if not w.all():      # a sample of weight 0 does not count, even where its E_n is not finite
                values = np.where(w != 0, values, 0.0)
            total = float(np.dot(w.astype(np.float64, copy=False), values.astype(np.float64, copy=False)))
        if self.reduction == "sum":
            return total
        return total / divisor if divisor else 0.0

    def divisor(self, n: int, w: np.ndarray | None = None, mask: np.ndarray | None = None) -> float:
        """What :meth:`reduce` divides Σ_n w_n E_n of n rows by: 1 ("sum"), Σ w_n over the rows
        that count ("mean_with_sample_weight" with weights), else the number of rows that count.
        A loss over several parts of the data is Σ_parts E·divisor / Σ_parts divisor."""
        if self.reduction == "sum":
            return 1.0
        if self.reduction == "mean_with_sample_weight" and w is not None:
            return float(np.sum(w if mask is None else np.where(mask, w, 0.0), dtype=np.float64))
        return float(n if mask is None else np.count_nonzero(mask))

    def _row_scale(self, n: int, y_true: Any) -> np.ndarray | float:
        """What row n of the loss's own gradient (or δ) is multiplied by for this reduction: f_n /
        c, where E = Σ f_n E_n here and the own formula has f_n = c (1/N for a mean, 1 for a sum)."""
        if self.reduction == "none":
            raise ValueError(f"reduction: loss {self.name!r} with reduction='none' is one number per "
                             f"sample, not one E: it has no gradient; use 'sum_over_batch_size' or 'sum'")
        own = 1.0 / n if type(self).reduction == "mean" and n else 1.0
        mask = self.mask(y_true, n)
        if self.reduction == "sum":
            f: np.ndarray | float = 1.0
        else:                                   # mean, mean_with_sample_weight (no weights here)
            counted = n if mask is None else int(np.count_nonzero(mask))
            f = 1.0 / counted if counted else 0.0
        if mask is not None:
            f = np.where(mask, f, 0.0)
        return f / own if own != 1.0 else f

    def weight_rows(self, w: np.ndarray, y_true: Any) -> np.ndarray:
        """The row multipliers that turn the unweighted gradient (:meth:`gradient`, :meth:`fused`)
        into the gradient with sample weights w: w itself, except for "mean_with_sample_weight",
        whose divisor becomes Σ w_n (over the rows that count) instead of their number."""
        if self.reduction != "mean_with_sample_weight":
            return w
        mask = self.mask(y_true, len(w))
        counted = len(w) if mask is None else int(np.count_nonzero(mask))
        total = float(np.sum(w if mask is None else w[mask], dtype=np.float64))
        return w * (counted / total) if total else np.zeros_like(w)

    def weighted(self, values: np.ndarray, w: np.ndarray, y_true: Any) -> float:
        """E with sample weights w from the per-sample E_n (``values``), as :meth:`__call__`."""
        return float(self.reduce(values, w, self.mask(y_true, len(values))))

    def per_sample(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        """E_n of every observation n, shape (N,): E is their mean or their sum as the loss's own
        reduction says (another ``reduction`` or sample weights: :meth:`reduce`).

        Here E of each row alone (one call per row); the built-in losses compute all rows at once,
        and a subclass should too.
        """
        y_pred, y_true = np.asarray(y_pred), np.asarray(y_true)
        return np.array([self(y_pred[i:i + 1], y_true[i:i + 1]) for i in range(len(y_pred))])

    def fused_per_sample(self, z: np.ndarray, y_true: np.ndarray,
                         a: np.ndarray | None = None) -> np.ndarray:
        """E_n of every observation from the logits z of the fused output activation, as
        :meth:`fused` takes them; E is their mean. Here :meth:`fused` of each row alone."""
        z, y_true = np.asarray(z), np.asarray(y_true)
        return np.array([self.fused(z[i:i + 1], y_true[i:i + 1], None if a is None else a[i:i + 1])[0]
                         for i in range(len(z))])

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
        """The constructor's arguments that differ from their defaults (``from_config`` takes them)."""
        own = type(self).reduction
        if self.reduction == own:
            return {}
        return {"reduction": _KERAS_NAMES.get(self.reduction, self.reduction)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        """The loss :meth:`get_config` describes."""
        return cls(**config)

    def __repr__(self) -> str:
        config = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{self.name}({config})" if config else self.name


#: Keras 3's reductions (``keras/src/losses/loss.py``, ``standardize_reduction``) and descend's name
#: for each: "sum_over_batch_size" and "mean" are one thing, None is "none"
REDUCTIONS: dict[Any, str] = {"sum_over_batch_size": "mean", "mean": "mean", "sum": "sum",
                              "mean_with_sample_weight": "mean_with_sample_weight", "none": "none",
                              None: "none"}
_KERAS_NAMES = {"mean": "sum_over_batch_size"}


def check_reduction(reduction: Any) -> str:
    """``reduction`` as descend names it ("mean", "sum", "mean_with_sample_weight", "none"), or a
    ValueError naming the choices."""
    if not (reduction is None or isinstance(reduction, str)) or reduction not in REDUCTIONS:
        raise ValueError(f"reduction: expected one of 'sum_over_batch_size', 'sum', 'mean', "
                         f"'mean_with_sample_weight', 'none' or None, got {reduction!r}")
    return REDUCTIONS[reduction]


def weights_of(sample_weight: Any, n: int) -> np.ndarray:
    """``sample_weight`` of a direct call as n float64 weights: a number is every sample's weight,
    an array must be one per sample, (n,) or (n, 1); never broadcast from another shape."""
    w = real("sample_weight", sample_weight)
    if w.ndim == 2 and w.shape[1] == 1:
        w = w[:, 0]
    if w.ndim == 0:
        w = np.full(n, float(w))
    elif w.shape != (n,):
        raise ValueError(f"sample_weight: expected a number or one weight per sample, shape ({n},) or "
                         f"({n}, 1), got shape {np.shape(sample_weight)}")
    w = w.astype(np.float64)
    if not np.isfinite(w).all():
        raise ValueError("sample_weight: expected finite numbers, got NaN or inf")
    return w


def _rows(x: np.ndarray) -> int:
    return len(x) if x.ndim else 1


def scale_rows(grad: np.ndarray, f: np.ndarray | float) -> np.ndarray:
    """grad with row n multiplied by f_n (or every row by the number f), in grad's dtype."""
    if np.ndim(f) == 0:
        return grad * np.asarray(f, dtype=grad.dtype) if f != 1.0 else grad
    f = np.asarray(f)
    return grad * f.reshape((-1,) + (1,) * (grad.ndim - 1)).astype(grad.dtype, copy=False)


def _size(y: np.ndarray) -> int:
    return max(int(y.size), 1)


def real(arg: str, value: Any) -> np.ndarray:
    """``value`` as an array of real numbers (bool, integer or float), or a TypeError naming
    ``arg`` (complex numbers would lose their imaginary part silently, strings fail later)."""
    value = np.asarray(value)
    if value.dtype.kind not in "biuf":
        raise TypeError(f"{arg}: expected real numbers, got an array of dtype {value.dtype}")
    return value


def same_shape(y_pred: Any, y_true: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """``y_pred`` and ``y_true`` as arrays of one shape, never broadcast: a vector (N,) against a
    column (N, 1) becomes the column (Keras does the same); any other mismatch is a ValueError."""
    y_pred, y_true = real("y_pred", y_pred), real("y_true", y_true)
    if y_pred.shape == y_true.shape:
        return y_pred, y_true
    if y_true.ndim == 1 and y_pred.shape == (len(y_true), 1):
        return y_pred, y_true.reshape(-1, 1)
    if y_pred.ndim == 1 and y_true.shape == (len(y_pred), 1):
        return y_pred.reshape(-1, 1), y_true
    hint = ""
    if name == "categorical_crossentropy" and y_true.ndim == 2 and y_true.shape[1] == 1:
        hint = "; for integer labels use 'sparse_categorical_crossentropy'"
    raise ValueError(f"y_true: loss {name!r} expects targets of the predictions' shape {y_pred.shape} "
                     f"(y_pred), got shape {y_true.shape}; shapes are never broadcast{hint}")


def _by_row(x: np.ndarray) -> np.ndarray:
    """x as (N, K): one row per observation (a vector is N observations of one output)."""
    return x.reshape(len(x) if x.ndim else 1, -1)


def _row_sums_of_squares(y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    d = _by_row(y_pred - y_true)
    return np.einsum("nk,nk->n", d, d)


def _fused_inputs(z: Any, y_true: Any, a: Any,
                  name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.dtype]:
    """z, y, a in one floating dtype (their common one) and the dtype δ is returned in (z's, when
    floating). The model's arrays already share theirs and pass through as they are."""
    z, y_true = real("y_pred", z), real("y_true", y_true)
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
    gradient_formula = "(ŷ − y)"

    def __init__(self, reduction: str | None = "sum") -> None:
        self.reduction = check_reduction(reduction)

    def _value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        y_pred, y_true = same_shape(y_pred, y_true, self.name)
        d = y_pred - y_true
        return 0.5 * float(np.vdot(d, d))

    def per_sample(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        """E_n = ½ Σ_k (y_nk − ŷ_nk)², the slides' E_i; E = Σ_n E_n."""
        return 0.5 * _row_sums_of_squares(*same_shape(y_pred, y_true, self.name))

    def _gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        y_pred, y_true = same_shape(y_pred, y_true, self.name)
        return y_pred - y_true


class SumSquaredError(Loss):
    """E = Σ (y − ŷ)², summed over the batch and outputs (no ½); ∂E/∂ŷ = 2(ŷ − y)."""

    name = "sum_squared_error"
    reduction = "sum"
    gradient_formula = "2(ŷ − y)"

    def __init__(self, reduction: str | None = "sum") -> None:
        self.reduction = check_reduction(reduction)

    def _value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        y_pred, y_true = same_shape(y_pred, y_true, self.name)
        d = y_pred - y_true
        return float(np.vdot(d, d))

    def per_sample(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        """E_n = Σ_k (y_nk − ŷ_nk)²; E = Σ_n E_n."""
        return _row_sums_of_squares(*same_shape(y_pred, y_true, self.name))

    def _gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        y_pred, y_true = same_shape(y_pred, y_true, self.name)
        return 2.0 * (y_pred - y_true)


class MeanSquaredError(Loss):
    """E = 1/(N·K) Σ (y − ŷ)², the mean over batch and outputs (Keras "mse"); ∂E/∂ŷ = 2(ŷ − y)/(N·K)."""

    name = "mse"
    reduction = "mean"
    gradient_formula = "2(ŷ − y)/K"

    def __init__(self, reduction: str | None = "sum_over_batch_size") -> None:
        self.reduction = check_reduction(reduction)

    def _value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        y_pred, y_true = same_shape(y_pred, y_true, self.name)
        d = y_pred - y_true
        return float(np.vdot(d, d)) / _size(d)

    def per_sample(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        """E_n = 1/K Σ_k (y_nk − ŷ_nk)² (Keras's mean over the last axis); E = 1/N Σ_n E_n."""
        y_pred, y_true = same_shape(y_pred, y_true, self.name)
        s = _row_sums_of_squares(y_pred, y_true)
        return s / max(_by_row(y_pred).shape[1], 1)

    def _gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        y_pred, y_true = same_shape(y_pred, y_true, self.name)
        return (y_pred - y_true) * (2.0 / _size(y_pred))


def _check_unit_interval(y: np.ndarray, name: str) -> None:
    if y.size and (y.min() < 0 or y.max() > 1):
        raise ValueError(f"y: loss {name!r} expects targets in [0, 1], "
                         f"got values from {y.min():g} to {y.max():g}")


class _CrossEntropy(Loss):
    """What the three cross-entropies share: ``from_logits`` (ŷ is then z, the model's output
    layer linear, and ∂E/∂z is ``logits_gradient_formula``), ``reduction``, and for the binary
    and categorical ones ``label_smoothing``."""

    logits_gradient_formula: str
    label_smoothing = 0.0

    def __init__(self, from_logits: bool = False, reduction: str | None = "sum_over_batch_size",
                 axis: int = -1) -> None:
        self.from_logits = check("from_logits", from_logits, BOOLEAN)
        self.reduction = check_reduction(reduction)
        _check_axis(axis)
        if self.from_logits:            # ŷ is z: the model's output layer is linear
            self.fused_activation, self.gradient_formula = None, self.logits_gradient_formula

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"from_logits": True} if self.from_logits else {}
        if self.label_smoothing:
            config["label_smoothing"] = self.label_smoothing
        return {**config, **super().get_config()}

    def _smooth(self, y: np.ndarray) -> np.ndarray:
        """The targets the loss compares with: y itself, or with label smoothing ε
        y·(1 − ε) + ε/2 (binary) or y·(1 − ε) + ε/K (categorical, K classes)."""
        if not self.label_smoothing:
            return y
        ls = self.label_smoothing
        return y * (1.0 - ls) + ls * self._share(y)

    def _share(self, y: np.ndarray) -> float:    # pragma: no cover (the two that smooth say)
        raise NotImplementedError


def _check_axis(axis: Any) -> None:
    """Keras's ``axis`` of the classes: descend's is always the last (predictions are (N, K))."""
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)) or axis not in (-1, 1):
        raise ValueError(f"axis: descend's losses take the classes on the last axis of (N, K) "
                         f"predictions, axis=-1 (or 1); got {axis!r}")


def _smoothing(label_smoothing: Any) -> float:
    return check_number("label_smoothing", label_smoothing, low=0.0, high=1.0)


class BinaryCrossentropy(_CrossEntropy):
    """E = −1/(N·K) Σ [y log ŷ + (1 − y) log(1 − ŷ)]; fused with sigmoid: δ = (ŷ − y)/(N·K).

    From logits: −[y log σ(z) + (1 − y) log(1 − σ(z))] = max(z, 0) − z·y + log(1 + e^(−|z|)).
    """

    name = "binary_crossentropy"
    reduction = "mean"
    fused_activation: str | None = "sigmoid"
    gradient_formula = "(ŷ − y)/(ŷ(1 − ŷ))/K"

    logits_gradient_formula = "(σ(z) − y)/K"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size") -> None:
        super().__init__(from_logits, reduction, axis)
        self.label_smoothing = _smoothing(label_smoothing)

    def _share(self, y: np.ndarray) -> float:
        return 0.5

    def prepare_targets(self, y: np.ndarray, n_outputs: int, dtype: np.dtype) -> np.ndarray:
        y = super().prepare_targets(y, n_outputs, dtype)
        _check_unit_interval(y, self.name)
        return y

    def _value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        y_pred, y_true = same_shape(y_pred, y_true, self.name)
        if self.from_logits:
            return self._fused(y_pred, y_true)[0]
        y_true = self._smooth(y_true)
        p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
        return -float(np.sum(y_true * np.log(p) + (1.0 - y_true) * np.log1p(-p))) / _size(p)

    def per_sample(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        """E_n = −1/K Σ_k [y_nk log ŷ_nk + (1 − y_nk) log(1 − ŷ_nk)]; E = 1/N Σ_n E_n."""
        y_pred, y_true = same_shape(y_pred, y_true, self.name)
        if self.from_logits:
            return self.fused_per_sample(y_pred, y_true)
        y_true = self._smooth(y_true)
        p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
        return -_by_row(y_true * np.log(p) + (1.0 - y_true) * np.log1p(-p)).mean(axis=1)

    def fused_per_sample(self, z: np.ndarray, y_true: np.ndarray,
                         a: np.ndarray | None = None) -> np.ndarray:
        """E_n = 1/K Σ_k [max(z_nk, 0) − z_nk·y_nk + log(1 + e^(−|z_nk|))]."""
        z, y, _, _ = _fused_inputs(z, y_true, a, self.name)
        y = self._smooth(y)
        return _by_row(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))).mean(axis=1)

    def _gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        y_pred, y_true = same_shape(y_pred, y_true, self.name)
        if self.from_logits:
            return self._fused(y_pred, y_true)[1]                # ∂E/∂z = (σ(z) − y)/(N·K)
        y_true = self._smooth(y_true)
        p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
        return (p - y_true) / (p * (1.0 - p)) / _size(p)

    def _fused(self, z: np.ndarray, y_true: np.ndarray,
               a: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """E = 1/(N·K) Σ [max(z, 0) − z·y + log(1 + e^(−|z|))] and δ = (σ(z) − y)/(N·K)."""
        z, y, a, out_dtype = _fused_inputs(z, y_true, a, self.name)
        y = self._smooth(y)
        n = _size(z)
        e = np.exp(-np.abs(z))                               # e^(−|z|): never overflows
        loss = float(np.sum(np.maximum(z, 0) - z * y + np.log1p(e))) / n
        if a is None:
            # σ(z) = 1/(1 + e^(−z)) for z ≥ 0, e^z/(1 + e^z) for z < 0: both from e = e^(−|z|)
            a = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return loss, ((a - y) * (1.0 / n)).astype(out_dtype, copy=False)


def _categorical_gradient(y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """∂E/∂ŷ of the categorical cross-entropy on probabilities: on the normalised, clipped
    probabilities as Keras; exact where 1e-7 < ŷ < 1 − 1e-7 and Σŷ = 1."""
    s = y_pred.sum(axis=-1, keepdims=True)
    p = np.clip(y_pred / s, EPSILON, 1.0 - EPSILON)
    g = -y_true / p
    # the normalisation p = ŷ/Σŷ: ∂p_j/∂ŷ_k = (1[j=k] − p_j)/Σŷ
    g = (g - (g * p).sum(axis=-1, keepdims=True)) / s
    return g / max(len(p), 1)


def _warn_one_class(y_pred: np.ndarray, name: str) -> None:
    """Keras's warning for categorical predictions of one class (``keras/src/losses/losses.py``,
    ``categorical_crossentropy``): normalised over one class ŷ is 1 and E is 0 whatever ŷ was."""
    if y_pred.ndim == 2 and y_pred.shape[1] == 1:
        warnings.warn(f"In loss {name}, expected y_pred.shape to be (batch_size, num_classes) with "
                      f"num_classes > 1. Received: y_pred.shape={y_pred.shape}. Consider using "
                      f"'binary_crossentropy' if you only have 2 classes.", UserWarning, stacklevel=4)


class CategoricalCrossentropy(_CrossEntropy):
    """E = −1/N Σ_n Σ_k y_k log ŷ_k with one-hot (or probability) targets, N × K.

    Fused with softmax: log ŷ = z − log Σ e^z (log-softmax), δ = (ŷ − y)/N.
    """

    name = "categorical_crossentropy"
    reduction = "mean"
    fused_activation: str | None = "softmax"

    logits_gradient_formula = "(softmax(z) − y)"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size") -> None:
        super().__init__(from_logits, reduction, axis)
        self.label_smoothing = _smoothing(label_smoothing)

    def _share(self, y: np.ndarray) -> float:
        return 1.0 / max(y.shape[-1] if y.ndim else 1, 1)

    def prepare_targets(self, y: np.ndarray, n_outputs: int, dtype: np.dtype) -> np.ndarray:
        if n_outputs == 1:   # ŷ normalised over one class is 1: E = 0 whatever the weights, nothing learnt
            raise ValueError(f"y: loss {self.name!r} needs one output per class, and the model has 1 "
                             f"output (ŷ normalised over one class is 1, E is 0 whatever the weights); "
                             f"for two classes with one sigmoid output use loss='binary_crossentropy' "
                             f"(labels 0/1), or give the output layer one unit per class")
        y = np.asarray(y)
        if y.ndim == 1:
            raise ValueError(
                f"y: loss {self.name!r} expects one-hot targets of shape (n_samples, {n_outputs}), "
                f"got integer labels of shape {y.shape}; use 'sparse_categorical_crossentropy' "
                f"for labels")
        y = super().prepare_targets(y, n_outputs, dtype)
        _check_unit_interval(y, self.name)
        return y

    def _value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        y_pred, y_true = same_shape(y_pred, y_true, self.name)
        _warn_one_class(y_pred, self.name)
        if self.from_logits:
            return self._fused(y_pred, y_true)[0]
        y_true = self._smooth(y_true)
        p = y_pred / y_pred.sum(axis=-1, keepdims=True)
        p = np.clip(p, EPSILON, 1.0 - EPSILON)
        return -float(np.sum(y_true * np.log(p))) / max(len(p), 1)

    def per_sample(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        """E_n = −Σ_k y_nk log ŷ_nk (ŷ normalised and clipped as in E); E = 1/N Σ_n E_n."""
        y_pred, y_true = same_shape(y_pred, y_true, self.name)
        _warn_one_class(y_pred, self.name)
        if self.from_logits:
            return self.fused_per_sample(y_pred, y_true)
        y_true = self._smooth(y_true)
        p = np.clip(y_pred / y_pred.sum(axis=-1, keepdims=True), EPSILON, 1.0 - EPSILON)
        return -_by_row(y_true * np.log(p)).sum(axis=1)

    def fused_per_sample(self, z: np.ndarray, y_true: np.ndarray,
                         a: np.ndarray | None = None) -> np.ndarray:
        """E_n = −Σ_k y_nk · log-softmax(z_n)_k, for 2-D z (N, K)."""
        z, y, _, _ = _fused_inputs(z, y_true, a, self.name)
        y = self._smooth(y)
        if z.ndim != 2:
            raise ValueError(f"z: loss {self.name!r} expects logits of shape (N, K), got shape {z.shape}")
        shifted = z - z.max(axis=-1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        return -np.einsum("nk,nk->n", y, log_p)

    def _gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        y_pred, y_true = same_shape(y_pred, y_true, self.name)
        if self.from_logits:
            return self._fused(y_pred, y_true)[1]                # ∂E/∂z = (softmax(z) − y)/N
        y_true = self._smooth(y_true)
        return _categorical_gradient(y_pred, y_true)

    def _fused(self, z: np.ndarray, y_true: np.ndarray,
               a: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """E = −1/N Σ y · log-softmax(z) and δ = (softmax(z) − y)/N, for 2-D z (N, K)."""
        z, y, a, out_dtype = _fused_inputs(z, y_true, a, self.name)
        y = self._smooth(y)
        if z.ndim != 2:
            raise ValueError(f"z: loss {self.name!r} expects logits of shape (N, K), got shape {z.shape}")
        n = max(len(z), 1)
        shifted = z - z.max(axis=-1, keepdims=True)          # z − max ≤ 0: e^(z − max) never overflows
        log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))   # (z − max) − log S
        p = a if a is not None else np.exp(log_p)
        return -float(np.vdot(y, log_p)) / n, ((p - y) * (1.0 / n)).astype(out_dtype, copy=False)


class SparseCategoricalCrossentropy(_CrossEntropy):
    """E = −1/N Σ_n log ŷ_(n, y_n) with integer labels y_n ∈ {0, …, K − 1}.

    The same as :class:`CategoricalCrossentropy` on one-hot targets; fused with softmax,
    δ = (ŷ − onehot(y))/N.
    """

    name = "sparse_categorical_crossentropy"
    reduction = "mean"
    fused_activation: str | None = "softmax"

    logits_gradient_formula = "(softmax(z) − onehot(y))"

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None,
                 reduction: str | None = "sum_over_batch_size", axis: int = -1) -> None:
        super().__init__(from_logits, reduction, axis)
        if ignore_class is not None and (isinstance(ignore_class, (bool, np.bool_))
                                         or not isinstance(ignore_class, (int, np.integer))):
            raise TypeError(f"ignore_class: expected an integer label or None, got {ignore_class!r}")
        self.ignore_class = None if ignore_class is None else int(ignore_class)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        return config if self.ignore_class is None else {**config, "ignore_class": self.ignore_class}

    def mask_value(self) -> int | None:
        return self.ignore_class

    def mask(self, y_true: Any, n: int) -> np.ndarray | None:
        """Rows whose label is not ``ignore_class`` (None without one)."""
        if self.ignore_class is None:
            return None
        return np.asarray(y_true).reshape(-1) != self.ignore_class

    def _kept(self, labels: np.ndarray) -> np.ndarray:
        """The labels with those of ``ignore_class`` read as class 0 (those rows then count 0)."""
        if self.ignore_class is None:
            return labels
        return np.where(labels == self.ignore_class, 0, labels)

    def prepare_targets(self, y: np.ndarray, n_outputs: int, dtype: np.dtype) -> np.ndarray:
        if n_outputs == 1:   # a softmax of one output is 1: E = 0 whatever the labels, nothing learnt
            raise ValueError(self._one_output("y"))
        return self._checked_labels("y", y, n_outputs)

    def _one_output(self, arg: str) -> str:
        return (f"{arg}: loss {self.name!r} needs one output per class (a softmax), and the model has 1 "
                f"output; for two classes with one sigmoid output use loss='binary_crossentropy' (labels "
                f"0/1), or give the output layer one unit per class")

    def _checked_labels(self, arg: str, y: Any, n_outputs: int, n_rows: int | None = None) -> np.ndarray:
        """Labels (N,) or (N, 1), integer-valued, in [0, K): as int64 (N,), or a ValueError
        naming ``arg``."""
        y = real(arg, y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1 or (n_rows is not None and len(y) != n_rows):
            rows = "n_samples" if n_rows is None else f"{n_rows}: one per row of y_pred"
            raise ValueError(f"{arg}: loss {self.name!r} expects integer labels of shape ({rows},) "
                             f"or ({rows}, 1), got shape {y.shape}")
        if y.dtype.kind not in "iubf":
            raise TypeError(f"{arg}: loss {self.name!r} expects integer class labels, got dtype {y.dtype}")
        if y.size and not np.all(np.equal(np.mod(y, 1), 0)):
            raise ValueError(f"{arg}: loss {self.name!r} expects integer class labels, got non-integer "
                             f"values")
        labels = y.astype(np.int64)
        kept = self._kept(labels)
        if kept.size and (kept.min() < 0 or kept.max() >= n_outputs):
            if n_outputs == 1:
                raise ValueError(self._one_output(arg))
            ignored = "" if self.ignore_class is None else f" (or be ignore_class={self.ignore_class})"
            raise ValueError(
                f"{arg}: labels must lie in [0, {n_outputs - 1}]{ignored} for a model with {n_outputs} "
                f"outputs, got labels from {kept.min()} to {kept.max()}")
        return labels

    def _direct(self, y_pred: Any, y_true: Any) -> tuple[np.ndarray, np.ndarray]:
        """(ŷ as (N, K), labels (N,)) of a direct call, checked: never an IndexError, never a broadcast."""
        y_pred = real("y_pred", y_pred)
        if y_pred.ndim != 2:
            raise ValueError(f"y_pred: loss {self.name!r} expects predictions of shape (N, K), got shape "
                             f"{y_pred.shape}")
        return y_pred, self._kept(self._checked_labels("y_true", y_true, y_pred.shape[1], len(y_pred)))

    def _value(self, y_pred: np.ndarray, y_true: np.ndarray) -> float:
        y_pred, y_true = self._direct(y_pred, y_true)
        if self.from_logits:
            return self._fused(y_pred, y_true)[0]
        rows = np.arange(len(y_pred))
        p = y_pred[rows, y_true] / y_pred.sum(axis=-1)
        return -float(np.sum(np.log(np.clip(p, EPSILON, 1.0 - EPSILON)))) / max(len(p), 1)

    def per_sample(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        """E_n = −log ŷ_(n, y_n) (ŷ normalised and clipped as in E; 0 for a row of
        ``ignore_class``); E = 1/N Σ_n E_n."""
        y_true_raw = y_true
        y_pred, y_true = self._direct(y_pred, y_true)
        if self.from_logits:
            return self._zero_ignored(self.fused_per_sample(y_pred, y_true), y_true_raw)
        p = y_pred[np.arange(len(y_pred)), y_true] / y_pred.sum(axis=-1)
        return self._zero_ignored(-np.log(np.clip(p, EPSILON, 1.0 - EPSILON)), y_true_raw)

    def fused_per_sample(self, z: np.ndarray, y_true: np.ndarray,
                         a: np.ndarray | None = None) -> np.ndarray:
        """E_n = −(z_(n, y_n) − max − log Σ e^(z_n − max)), log S read off ``a`` as in :meth:`fused`."""
        z = np.asarray(z)
        z = z.astype(z.dtype if z.dtype.kind == "f" else np.float64, copy=False)
        labels = self.labels(z, y_true)
        z_max = z.max(axis=-1)
        if a is None:
            log_s = np.log(np.exp(z - z_max[:, None]).sum(axis=-1))
        else:
            log_s = -np.log(np.asarray(a).astype(z.dtype, copy=False).max(axis=-1))
        return self._zero_ignored(-(z[np.arange(len(z)), labels] - z_max - log_s), y_true)

    def _zero_ignored(self, values: np.ndarray, y_true: Any) -> np.ndarray:
        """E_n with the rows of ``ignore_class`` set to 0, as Keras's loss function returns them."""
        mask = self.mask(y_true, len(values))
        return values if mask is None else np.where(mask, values, values.dtype.type(0))

    def _gradient(self, y_pred: np.ndarray, y_true: np.ndarray) -> np.ndarray:
        y_pred, y_true = self._direct(y_pred, y_true)
        if self.from_logits:
            return self._fused(y_pred, y_true)[1]                # ∂E/∂z = (softmax(z) − onehot(y))/N
        onehot = np.zeros_like(y_pred)
        onehot[np.arange(len(y_pred)), y_true] = 1
        return _categorical_gradient(y_pred, onehot)

    def _fused(self, z: np.ndarray, y_true: np.ndarray,
               a: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """E = −1/N Σ_n log ŷ_(n, y_n) with log ŷ_y = z_y − max − log Σ e^(z − max) (never log 0),
        and δ = (ŷ − onehot(y))/N, for 2-D z (N, K) and labels y (N,) in [0, K).

        Given ``a`` = softmax(z) from the forward pass, log Σ e^(z − max) is read off it: the
        largest entry of a row is e^0 / S = 1/S, so log S = −log max_k a_k.
        """
        z = np.asarray(z)
        z = z.astype(z.dtype if z.dtype.kind == "f" else np.float64, copy=False)
        labels = self.labels(z, y_true)
        n, rows = max(len(z), 1), np.arange(len(z))
        z_max = z.max(axis=-1)
        if a is None:
            e = np.exp(z - z_max[:, None])
            s = e.sum(axis=-1)
            delta = e / s[:, None]                                # ŷ = e^(z − max)/S
            log_s = np.log(s)
        else:
            delta = np.asarray(a).astype(z.dtype)                 # ŷ (a copy: δ is written below)
            log_s = -np.log(delta.max(axis=-1))
        loss = -float(np.sum(z[rows, labels] - z_max - log_s)) / n
        delta[rows, labels] -= 1.0                                # ŷ − onehot(y)
        delta *= 1.0 / n
        return loss, delta

    def labels(self, z: np.ndarray, y_true: Any) -> np.ndarray:
        """y as labels of the rows of z: (N,) or (N, 1), one per row, integers in [0, K) — checked,
        never read from another row; those of ``ignore_class`` read as 0."""
        y = np.asarray(y_true)
        if y.dtype.kind not in "iub":
            raise TypeError(f"y: loss {self.name!r} expects integer class labels, got dtype {y.dtype}")
        if y.ndim == 2 and y.shape[1] == 1 and z.ndim == 2 and len(y) == len(z):
            y = y[:, 0]
        y = self._kept(y.astype(np.intp))
        if z.ndim != 2 or y.shape != z.shape[:1]:
            raise ValueError(f"y: loss {self.name!r} expects logits (N, K) and labels (N,), got "
                             f"shapes {z.shape} and {y.shape}")
        if y.size and (y.min() < 0 or y.max() >= z.shape[1]):
            raise ValueError(f"y: labels must lie in [0, {z.shape[1] - 1}] for {z.shape[1]} outputs, "
                             f"got labels from {y.min()} to {y.max()}")
        return y


#: name -> class; the gradient-check tests walk this registry, so a new entry is covered.
REGISTRY: dict[str, type[Loss]] = {
    cls.name: cls for cls in (SquaredError, SumSquaredError, MeanSquaredError, BinaryCrossentropy,
                              CategoricalCrossentropy, SparseCategoricalCrossentropy)
}
ALIASES = {"mean_squared_error": "mse", "sse": "sum_squared_error"}


#: Keras's serialized loss (``keras.losses.serialize``): the outer keys besides class_name and config,
#: and the config keys that mean nothing here (a display name, a compute dtype)
_KERAS_OUTER = {"module", "registered_name"}
_KERAS_IGNORED = ("name", "dtype")


def _from_keras(identifier: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """``(name, config)`` of Keras's ``{"class_name": "BinaryCrossentropy", "config": {...}}``:
    the class is looked up by its name, Keras's ``name`` and ``dtype`` are dropped, any other key
    must be one of the class's arguments."""
    extra = set(identifier) - {"class_name", "config"} - _KERAS_OUTER
    config = identifier.get("config") or {}
    if extra or not isinstance(config, dict):
        raise ValueError(f"loss: expected a dict with the keys 'class_name' and 'config' (a dict), "
                         f"got {identifier!r}")
    by_class = {cls.__name__: cls for cls in REGISTRY.values()}
    cls = by_class.get(identifier["class_name"])
    if cls is None:
        raise ValueError(f"loss: expected 'class_name' to be one of {sorted(by_class)}, "
                         f"got {identifier['class_name']!r}")
    config = {k: v for k, v in config.items() if k not in _KERAS_IGNORED}
    accepted = set(inspect.signature(cls.__init__).parameters) - {"self"}
    unknown = sorted(set(config) - accepted)
    if unknown:
        raise ValueError(f"loss: {cls.__name__} has no argument(s) {unknown}; expected some of "
                         f"{sorted(accepted)} (and Keras's {list(_KERAS_IGNORED)}, ignored)")
    return cls.name, config


def get(identifier: str | Loss | dict[str, Any]) -> Loss:
    """A loss from its name (see the table above), an instance, what :func:`serialize` gave, or
    Keras's serialized loss ``{"class_name": "BinaryCrossentropy", "config": {...}}``
    (``keras.losses.serialize``; its ``name`` and ``dtype`` are ignored, other keys must be
    arguments of the class)."""
    if isinstance(identifier, Loss):
        return identifier
    config: dict[str, Any] = {}
    name: Any = identifier
    if isinstance(identifier, dict) and "class_name" in identifier:
        name, config = _from_keras(identifier)
    elif isinstance(identifier, dict):
        if set(identifier) != {"name", "config"} or not isinstance(identifier["config"], dict):
            raise ValueError(f"loss: expected a dict with the keys 'name' and 'config', or Keras's "
                             f"'class_name' and 'config', got {identifier!r}")
        name, config = identifier["name"], identifier["config"]
    if isinstance(name, str):
        key = ALIASES.get(name.lower(), name.lower())
        if key not in REGISTRY:
            raise ValueError(f"loss: expected one of {sorted(REGISTRY)}, got {name!r}")
        return REGISTRY[key](**config)
    raise TypeError(f"loss: expected a loss name or a Loss instance, got {type(identifier).__name__}")


def serialize(loss: Loss) -> str | dict[str, Any]:
    """The loss's name, or ``{"name", "config"}`` where it has options (``from_logits``);
    :func:`get` turns either back into an equal loss."""
    config = loss.get_config()
    return {"name": loss.name, "config": config} if config else loss.name
