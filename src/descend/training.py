"""One update and the epoch loop behind :meth:`Sequential.fit`.

**One update** (:class:`TrainingStep`, lecture §5): forward through the layers, the loss and δ at
the output, the δ recursion back down, then the optimizer's rule on every weight at once. This is
the one place where the fast forms of built-in layers and of the fused loss
(:mod:`descend._fast`) are chosen, and where a divergence is handled: a NaN or inf loss or
gradient raises :class:`~descend.errors.DivergenceError` naming where the numbers first blew up,
with the weights back to the last ones whose loss and gradients were finite (with ``use_ema``
their moving average too, so that the end of ``fit`` does not average the diverged step back in).

**One epoch** (:func:`fit`): choose the order (see :mod:`descend.batching`), then one update per
batch; the epoch's loss is the batch losses combined with the loss's own reduction — for a mean
loss the batch-size-weighted mean, for a sum loss (the slides' E = Σ E_i) the sum — so that batch,
stochastic and mini-batch runs report comparable numbers. Metrics accumulate over the batches as
in Keras; validation is evaluated at the end of the epoch.

**Sample weights** (``fit(sample_weight=...)``, ``class_weight``; ``Loss.weighted``): sample n
counts w_n times, as in Keras 3. A mean loss becomes Σ_n w_n E_n / N — Keras's
"sum_over_batch_size": divided by the batch size N, not by Σ w_n — where E_n is sample n's own
loss (its mean over the outputs for mse and binary cross-entropy; :meth:`Loss.per_sample
<descend.losses.Loss.per_sample>`); a summed loss (the slides' E = Σ_n E_n, ``squared_error``)
becomes Σ_n w_n E_n, each observation's term counted w_n times — either way one dot product.
Either way ∂E/∂ŷ_n (δ_n with a fused output) is multiplied by w_n. The epoch's loss combines the
weighted batch losses as above (Keras: the batch-size-weighted mean of the batch losses). The
compiled metrics are not weighted, as Keras's ``compile(metrics=...)`` (only its
``weighted_metrics``, which descend does not have, are). ``class_weight`` is Keras's shorthand:
w_n = class_weight[class of y_n], the class read from an integer label, a 0/1 target, or the
argmax of a one-hot row; classes it does not name weigh 1.
"""
from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _fast, batching, constraints
from .callbacks import Callback, CallbackList, EpochPrinter, History, ProgressBar
from .checks import BOOLEAN, InstanceOf, ListOf, all_finite, check, check_number, fraction, positive_int
from .errors import DivergenceError, StepOverflow
from .layers import Dense, Layer
from .losses import scale_rows

if TYPE_CHECKING:
    from .model import Sequential

Batch = tuple[np.ndarray, np.ndarray]
#: a validation part: X, y and the sample weights (None: every sample weighs 1)
Validation = tuple[np.ndarray, np.ndarray, np.ndarray | None]


# ================================================================================= sample weights
def sample_weights(name: str, sample_weight: Any, n_samples: int, dtype: np.dtype) -> np.ndarray | None:
    """``sample_weight`` as a 1-D array of ``n_samples`` finite weights ≥ 0 (shape (n,) or (n, 1),
    as Keras takes them), or None."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight)
    if w.dtype.kind not in "iuf":
        raise TypeError(f"{name}: expected an array of numbers, got dtype {w.dtype}")
    if w.ndim == 2 and w.shape[1] == 1:
        w = w[:, 0]
    if w.shape != (n_samples,):
        raise ValueError(f"{name}: expected one weight per sample, shape ({n_samples},), "
                         f"got shape {w.shape}")
    if not np.isfinite(w).all() or (w.size and w.min() < 0):
        raise ValueError(f"{name}: expected finite weights >= 0, got values from {w.min()} to {w.max()}")
    return np.ascontiguousarray(w, dtype=dtype)


def class_weights(class_weight: Any, y: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Keras's ``class_weight_to_sample_weights``: the weight of each sample's class (the argmax
    of a one-hot row, else the rounded label), 1 for a class the dict does not name."""
    if not isinstance(class_weight, Mapping):
        raise TypeError(f"class_weight: expected a dict {{class index: weight}}, got "
                        f"{type(class_weight).__name__}")
    table: dict[int, float] = {}
    for key, value in class_weight.items():
        if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer)):
            raise ValueError(f"class_weight: expected integer class indices as keys, got {key!r}")
        table[int(key)] = check_number(f"class_weight[{key}]", value, low=0.0)
    labels = y
    if labels.ndim > 1:
        labels = labels.argmax(axis=-1) if labels.shape[-1] != 1 else labels[..., 0]
    labels = np.round(labels).astype(np.int64)
    w = np.ones(len(labels), dtype=dtype)
    for key, value in table.items():
        w[labels == key] = value
    return w


# ================================================================================= one update
class TrainingStep:
    """The update ``model.train_step(x, y)`` makes, with what it keeps from step to step: the fast
    forms of the layers and the loss, and the weights before the last two updates.

    Built by the model for its current layers, dtype and optimizer (the model makes a new one
    when any of them changes, or when its weights are set).
    """

    def __init__(self, model: Sequential) -> None:
        from ._fast.dense import FastDense
        from ._fast.losses import fast_loss

        self.model = model
        self.params, self.grads = model.params, model.grads   # (the arrays keep their identity)
        #: each weight's path, "dense_1/kernel": what exclude_from_weight_decay(var_names=...) searches
        self.names = model.param_names()
        fast = _fast.enabled()
        self.layers: list[Any] = [FastDense(layer, input_grad=i > 0) if fast and type(layer) is Dense
                                  else layer for i, layer in enumerate(model.layers)]
        # each layer's forward in training: a layer that behaves differently there (Dropout) is told
        self.forwards = [partial(layer.forward, training=True) if getattr(layer, "has_training_mode", False)
                         else layer.forward for layer in self.layers]
        self.loss = model.require_compiled("train_step")
        # Where the loss takes the output layer's z and hands back δ = ∂E/∂z itself: that layer,
        # and the loss in its fast form where it has one
        self.output = model.fused_output()
        self.fused: Any = None
        if self.output is not None:
            self.fused = (fast_loss(self.loss) if fast else None) or self.loss
        last, single = self.layers[-1], len(self.layers) == 1
        #: the output layer's backward, from δ (fused) or from ∂E/∂ŷ
        self.output_backward = (_delta_back(last, single) if self.fused is not None
                                else _backward_of(last, None, single))
        #: below the output, top down, each layer's backward: ∂E/∂a → ∂E/∂x
        self.down = [_backward_of(layer, above, i == 0) for i, (above, layer) in
                     enumerate(zip(self.layers[1:], self.layers[:-1], strict=True))][::-1]
        # The weights before each of the last two updates, alternately (update s writes
        # kept[s % 2]); good_step is the last update with a finite loss and gradients (-1: none).
        self.kept = [[np.empty_like(p) for p in self.params] for _ in range(2)]
        #: with use_ema, the moving averages before each of those updates (None: not made yet),
        #: restored with the weights: else the end of fit would put the diverged step back
        self.kept_average: list[list[np.ndarray] | None] = [None, None]
        self.good_step = -1
        #: (weight, constraint) for each constrained weight, projected after every update as Keras
        self.constrained = constraints.constrained(model.layers)

    def __call__(self, x: np.ndarray, y: np.ndarray,
                 sample_weight: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """One update on a prepared batch (with its checked sample weights, if any); returns E
        before the update and ŷ (a work array)."""
        model = self.model
        # The gradient is taken where the optimizer wants it: the slides' NAG looks ahead to
        # w − γv for the forward and backward pass, and the weights are w again before the update.
        moved = model.optimizer.look_ahead(self.params)
        try:
            value, out = self.gradients(x, y, sample_weight)
        finally:
            if moved:
                model.optimizer.look_back(self.params)
        if not math.isfinite(value):
            raise self.diverged(value)
        # The optimizer refuses a step whose Δ is not finite (a NaN/inf gradient makes it so),
        # with every weight as before the step.
        step = model.optimizer.iterations
        self._keep_average(step)
        try:
            model.optimizer.apply(self.grads, self.params, keep=self.kept[step % 2], names=self.names)
        except ValueError as exc:
            with np.errstate(over="ignore", invalid="ignore"):
                finite = all_finite(self.grads)
            if finite and isinstance(exc, StepOverflow):   # the step or the rate overflowed
                raise _overflow(model, value, exc) from None
            if finite:
                raise                       # not a divergence: the optimizer's own error
            raise self.diverged(value) from None
        if self.constrained:             # Keras: each variable.assign(constraint(variable)) after the update
            constraints.project(self.constrained)
        self.good_step = step
        return value, out

    def _keep_average(self, step: int) -> None:
        """With ``use_ema``, the moving averages before update ``step`` into ``kept_average``
        (None before the first update, which starts the average)."""
        averages = self.model.optimizer.state.get("average") if getattr(
            self.model.optimizer, "use_ema", False) else None
        kept = self.kept_average[step % 2]
        if averages is None:
            self.kept_average[step % 2] = None
        elif kept is None:
            self.kept_average[step % 2] = [a.copy() for a in averages]
        else:
            for k, a in zip(kept, averages, strict=True):
                np.copyto(k, a)

    def gradients(self, x: np.ndarray, y: np.ndarray,
                  sample_weight: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """E (with any weight penalty) and ŷ (a work array) at the current weights, with every
        ∂E/∂w in the model's gradient arrays; updates nothing. A diverging run overflows: that is
        reported by the caller with where it happened, so NumPy's overflow warnings would only
        repeat it."""
        with np.errstate(over="ignore", invalid="ignore"):
            out = self._forward(x)
            return self._backward(out, y, sample_weight) + self.model.regularization_loss(), out

    def _forward(self, x: np.ndarray) -> np.ndarray:
        for forward in self.forwards:
            x = forward(x)
        return x

    def _backward(self, out: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> float:
        """E of the forward pass, and every layer's gradients by the δ recursion."""
        if self.fused is not None:                        # δ = ∂E/∂z straight from the loss
            assert self.output is not None and self.output.z is not None
            value, grad = self.fused.fused(self.output.z, y, out)
        else:
            value, grad = self.loss(out, y), self.loss.gradient(out, y)
        if w is not None:
            value = self.model.weighted_data_loss(out, y, w, value)
            grad = scale_rows(grad, self.loss.weight_rows(w, y))
        grad = self.output_backward(grad)
        for backward in self.down:
            grad = backward(grad)
        return value

    def diverged(self, value: float) -> DivergenceError:
        """Back to the weights before the previous update (the last with a finite loss and
        gradients), where that update is the one just made; the error naming where it blew up."""
        optimizer = self.model.optimizer
        restored = self.good_step >= 0 and self.good_step == optimizer.iterations - 1
        if restored:
            for p, before in zip(self.params, self.kept[self.good_step % 2], strict=True):
                np.copyto(p, before)
            average = self.kept_average[self.good_step % 2]
            if getattr(optimizer, "use_ema", False):   # the average of the weights restored to
                for a, before in zip(optimizer.state["average"], average or self.params, strict=True):
                    np.copyto(a, before)
            self.good_step = -1
        return divergence(self.model, value, restored=restored)


def _backward_of(layer: Any, above: Any, first: bool) -> Callable[[np.ndarray], Any]:
    """A layer's ∂E/∂a → ∂E/∂x in the training step (``above``: the layer above it, None for the
    output; ``first``: the bottom layer, whose ∂E/∂x nothing reads)."""
    if not isinstance(layer, Layer):
        # a fast form may write δ over the ∂E/∂a a fast form above hands down (its work array,
        # which nothing reads again)
        return partial(layer.backward, scratch=above is not None and not isinstance(above, Layer))
    if first and type(layer) is Dense:         # the reference Dense at the bottom: no ∂E/∂x
        return lambda dy: layer.weight_gradients(layer.delta(dy))
    return layer.backward


def _delta_back(layer: Any, first: bool) -> Callable[[np.ndarray], Any]:
    """The output layer's δ = ∂E/∂z → ∂E/∂x, where the loss hands δ over."""
    if first and type(layer) is Dense:
        return layer.weight_gradients
    return layer.backward_delta


def _rate(optimizer: Any) -> float:
    """The learning rate of the next update, for the logs: as the schedule returns it, even past
    the float range (the update itself then stops as a divergence, see :func:`_overflow`)."""
    try:
        return float(optimizer.current_learning_rate)
    except ValueError:
        schedule = optimizer.learning_rate_schedule
        if schedule is None:
            raise
        return float(schedule(optimizer.iterations))


def _overflow(model: Sequential, value: float, exc: StepOverflow) -> DivergenceError:
    """The error for a step that is not finite under a finite loss and finite gradients: the
    update of a layer overflowed (η·∂E/∂w beyond the float range), or the learning rate did."""
    owners = [layer.name for layer in model.layers for _ in layer.params]
    layer = owners[exc.index] if exc.index is not None and exc.index < len(owners) else None
    blame = (f"the update of layer {layer!r} overflowed under a finite gradient" if layer else
             "the step overflowed under a finite gradient") + f" ({str(exc).split(';')[0]})"
    return divergence(model, value, blame=(layer, blame))


def divergence(model: Sequential, value: float, epoch: int | None = None, update: int | None = None,
               restored: bool = False, blame: tuple[str | None, str] | None = None) -> DivergenceError:
    """The error for a non-finite loss, gradient or step, naming where the numbers first blew up:
    the first layer (input side first) whose z or a is not finite, else the first layer going
    back from the output whose gradient is not finite; ``blame`` (layer, words) says it instead
    (a step that overflowed, see :func:`_overflow`)."""
    layer, words = blame if blame is not None else _find_blame(model)
    step = model.optimizer.iterations + 1
    where = (f" at epoch {epoch + 1}, update {update + 1} of that epoch (optimizer step {step})"
             if epoch is not None and update is not None else f" at optimizer step {step}")
    kept = ("The weights are back to those before the previous update, the last with a finite "
            "loss and gradients" if restored else
            "The weights are those before this update (nothing non-finite was written)")
    return DivergenceError(
        f"training diverged{where}: the loss is {value}; {words}. {kept}. Try gradient clipping "
        f"(clipnorm=...), a smaller initialisation or a smaller learning rate.",
        epoch=epoch, update=update, layer=layer, loss=value, restored=restored, blame=blame)


def _find_blame(model: Sequential) -> tuple[str | None, str]:
    """(layer, words) for where a divergence first blew up, found in the model's arrays."""
    def finite(a: Any) -> bool:
        return a is None or bool(np.isfinite(a).all())

    layer = next((lay.name for lay in model.layers
                  if not (finite(getattr(lay, "z", None)) and finite(getattr(lay, "a", None)))), None)
    if layer is not None:
        return layer, f"the forward pass overflowed first in layer {layer!r} (its outputs are not finite)"
    layer = next((lay.name for lay in reversed(model.layers) if not all(finite(g) for g in lay.grads)), None)
    return layer, (f"the gradient blew up first in layer {layer!r} (going back from the output)"
                   if layer else "the loss itself is not finite")


# ================================================================================= the epoch loop
def check_verbose(verbose: Any) -> None:
    """Keras's ``verbose`` of fit, evaluate and predict: 0, 1, 2 or "auto" (not a bool)."""
    if isinstance(verbose, str):
        ok = verbose == "auto"
    else:
        ok = isinstance(verbose, (int, np.integer)) and not isinstance(verbose, bool) and verbose in (0, 1, 2)
    if not ok:
        raise ValueError(f"verbose: expected 0, 1, 2 or 'auto', got {verbose!r}")


def _progress_callback(verbose: int | str) -> Callback | None:
    check_verbose(verbose)
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    if verbose == 0:
        return None
    return ProgressBar() if verbose == 1 else EpochPrinter()


def _has_batch_hooks(callback: Callback) -> bool:
    kind = type(callback)
    return (kind.on_batch_begin is not Callback.on_batch_begin
            or kind.on_batch_end is not Callback.on_batch_end)


def _validation_data(model: Sequential, validation_data: Any) -> Validation:
    """``validation_data`` — (X_val, y_val) or, as Keras, (X_val, y_val, sample_weight_val) —
    checked and prepared."""
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError(f"validation_data: expected a tuple (X_val, y_val) or (X_val, y_val, "
                         f"sample_weight_val), got {type(validation_data).__name__}"
                         + (f" of length {len(validation_data)}"
                            if isinstance(validation_data, (tuple, list)) else ""))
    Xv, yv = model.prepare(validation_data[0], validation_data[1],
                           names=("validation_data[0]", "validation_data[1]"))
    wv = validation_data[2] if len(validation_data) == 3 else None
    return Xv, yv, sample_weights("validation_data[2]", wv, len(Xv), Xv.dtype)


def split_validation(model: Sequential, X: np.ndarray, y: np.ndarray, validation_data: Any,
                     validation_split: float, w: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, Validation | None]:
    """(X, y, w) for training and the validation part: ``validation_data`` checked and prepared,
    or the *last* ``validation_split`` fraction of (X, y, w), held out before shuffling as in
    Keras 3, which trains on the first ⌊N·(1 − split)⌋ samples
    (``keras/src/trainers/data_adapters/array_slicing.py``, ``train_validation_split``)."""
    if validation_data is not None:
        if validation_split:
            raise ValueError("validation_split: give either validation_data or validation_split, not both")
        return X, y, w, _validation_data(model, validation_data)
    split = fraction("validation_split", validation_split)
    if not split:
        return X, y, w, None
    cut = math.floor(len(X) * (1.0 - split))
    if cut < 1 or cut >= len(X):
        raise ValueError(f"validation_split: {split} of {len(X)} samples leaves no training or no "
                         f"validation sample")
    return (X[:cut], y[:cut], None if w is None else w[:cut],
            (X[cut:], y[cut:], None if w is None else w[cut:]))


class _Loop:
    """The state of one :func:`fit`: data, callbacks, the epoch's loss and metrics."""

    def __init__(self, model: Sequential, X: np.ndarray, y: np.ndarray, w: np.ndarray | None,
                 validation: Validation | None, batch_size: int | None, shuffle: bool,
                 callbacks: CallbackList) -> None:
        self.model, self.X, self.y, self.w, self.validation = model, X, y, w, validation
        self.batch_size, self.shuffle, self.callbacks = batch_size, shuffle, callbacks
        # Per-batch hooks cost a call per update (the lecture's SGD makes thousands of tiny
        # updates): only the callbacks that define them are called.
        self.batch_callbacks = CallbackList([c for c in callbacks.callbacks if _has_batch_hooks(c)])
        n = len(X)
        mean = model.require_compiled("fit").reduction != "sum"     # a mean: by batch size, as Keras
        self.weight = (lambda size: size / n) if mean else (lambda size: 1.0)

    def run(self, initial_epoch: int, epochs: int) -> None:
        """Epochs ``initial_epoch`` … ``epochs − 1``, until a callback stops training: one update
        per batch, or the iterations of a whole-data search (:meth:`search`)."""
        if getattr(self.model.optimizer, "full_batch", False):
            self.search(initial_epoch, epochs)
            return
        for epoch in range(initial_epoch, epochs):
            self.callbacks.on_epoch_begin(epoch, {})
            self.callbacks.on_epoch_end(epoch, self.epoch(epoch))
            if self.model.stop_training:
                break

    def epoch(self, epoch: int) -> dict[str, Any]:
        """Train one epoch; returns its logs."""
        model, metrics = self.model, self.model.metrics
        for m in metrics:
            m.reset()
        assert model.train_rng is not None
        order = batching.epoch_order(len(self.X), self.batch_size, self.shuffle, model.train_rng)
        w = self.w if self.w is None or order is None else self.w[order]
        h = len(self.X) if self.batch_size is None else min(self.batch_size, len(self.X))
        epoch_loss = 0.0
        for b, (xb, yb) in enumerate(batching.iterate(self.X, self.y, self.batch_size, order)):
            value = self.update(epoch, b, xb, yb, None if w is None else w[b * h:(b + 1) * h])
            if value is None:
                epoch_loss = math.nan
                break
            epoch_loss += value * self.weight(len(xb))
        model.epochs_trained += 1
        logs: dict[str, Any] = {"loss": epoch_loss, **{m.name: m.result() for m in metrics}}
        self.validate(logs)
        logs["learning_rate"] = _rate(model.optimizer)
        return logs

    def validate(self, logs: dict[str, Any]) -> None:
        """The validation part's loss and metrics into the epoch's logs, as ``val_<name>``."""
        if self.validation is not None:
            Xv, yv, wv = self.validation
            val = self.model.evaluate_prepared(Xv, yv, sample_weight=wv)
            logs.update({f"val_{k}": v for k, v in val.items()})

    def search(self, initial_epoch: int, epochs: int) -> None:
        """Epochs ``initial_epoch`` … ``epochs − 1`` as the iterations of a whole-data search
        (:class:`~descend.optimizers.LBFGS`): the weights flattened into one float64 vector w,
        E(w) and ∇E(w) from the training step's forward and backward passes on all the training
        data (sample weights and weight penalties included). After each iteration the model holds
        the weights reached; the epoch's loss is E there, the metrics and validation are
        evaluated there, and the callbacks may stop the search.

        Every epoch begun is ended: an iteration begins (``on_epoch_begin``) with its first
        evaluation after the start, so weights that already meet ``tol`` (scipy evaluates the
        start, and stops) begin no epoch at all — the history stays empty and
        ``optimizer.result.nit`` is 0. A search that ends inside an iteration's line search
        (scipy gives up, or ``max_fun`` runs out) ends that epoch at the weights it returns, which
        are those of the last iteration: the epoch is logged, no step is counted."""
        model, cb, optimizer = self.model, self.callbacks, self.model.optimizer
        if any(getattr(layer, "has_training_mode", False) for layer in model.layers):
            raise ValueError(f"optimizer: {type(optimizer).__name__} needs the same function at every "
                             f"evaluation of its line search; the model has layers that draw at random "
                             f"in training (Dropout): remove them or choose a gradient-descent optimizer")
        _check_unconstrained(model, optimizer)
        step, params, grads = model.training_step(), model.params, model.grads
        bounds = np.cumsum([0] + [p.size for p in params])

        def load(w: np.ndarray) -> None:
            for p, a, b in zip(params, bounds[:-1], bounds[1:], strict=True):
                p[...] = w[a:b].reshape(p.shape)

        epoch, evaluations, begun = initial_epoch, 0, False

        def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
            nonlocal evaluations, begun
            evaluations += 1
            if not begun and evaluations > 1:   # an iteration (epoch, one batch) begins with its
                cb.on_epoch_begin(epoch, {})        # first evaluation after the start's
                self.batch_callbacks.on_batch_begin(0, {"size": len(self.X)})
                begun = True
            load(w)
            value = step.gradients(self.X, self.y, self.w)[0]
            g = np.concatenate([g.ravel() for g in grads]).astype(np.float64)
            if not (math.isfinite(value) and np.isfinite(g).all()):
                if evaluations == 1:                        # at the start: nowhere to step back to
                    raise divergence(model, value)
                return math.inf, np.zeros_like(w)           # too far: the line search steps back
            return value, g

        def end_epoch(result: Any, step_taken: bool) -> None:
            nonlocal epoch, begun
            load(result.x)
            optimizer.iterations += int(step_taken)
            model.epochs_trained += 1
            logs: dict[str, Any] = {"loss": float(result.fun)}
            self.batch_callbacks.on_batch_end(0, {"loss": logs["loss"], "size": len(self.X)})
            if model.metrics:
                out = model.forward(self.X)
                for m in model.metrics:
                    m.reset()
                    m.update(out, self.y)
                logs.update({m.name: m.result() for m in model.metrics})
            self.validate(logs)
            cb.on_epoch_end(epoch, logs)
            epoch, begun = epoch + 1, False
            if model.stop_training or epoch >= epochs:
                raise StopIteration

        def iteration(intermediate_result: Any) -> None:    # (scipy passes the result by this name)
            end_epoch(intermediate_result, step_taken=True)

        start = np.concatenate([p.ravel() for p in params]).astype(np.float64)
        result = optimizer.minimize(objective, start, epochs - initial_epoch, iteration)
        if begun:       # ended inside a line search: that epoch ends where the search ended
            with contextlib.suppress(StopIteration):
                end_epoch(result, step_taken=False)
        load(result.x)

    def update(self, epoch: int, b: int, xb: np.ndarray, yb: np.ndarray,
               wb: np.ndarray | None = None) -> float | None:
        """One update with its batch hooks; None where it diverged and a callback chose to stop."""
        model, hooks = self.model, self.batch_callbacks
        if hooks.callbacks:
            hooks.on_batch_begin(b, {"size": len(xb)})
            lr = _rate(model.optimizer)
        try:
            value, out = model.train_step(xb, yb, sample_weight=wb)
        except DivergenceError as exc:  # say where it happened
            error = divergence(model, exc.loss if exc.loss is not None else math.nan, epoch, b, exc.restored,
                               exc.blame)
            # a callback may choose to stop instead (TerminateOnNaN); the weights are the last
            # ones with a finite loss and gradients. "diverged" also flags a non-finite gradient
            # under a finite loss.
            hooks.on_batch_end(b, {"loss": exc.loss, "size": len(xb),
                                   "lr": _rate(model.optimizer), "diverged": True})
            if not model.stop_training:
                raise error from None
            return None
        for m in model.metrics:          # unweighted, as Keras's compile(metrics=...)
            m.update(out, yb)
        if hooks.callbacks:
            hooks.on_batch_end(b, {"loss": value, "size": len(xb), "lr": lr})
        return value


def _check_unconstrained(model: Sequential, optimizer: Any) -> None:
    """A whole-data search moves the weights itself: a constraint's projection after each
    gradient-descent update (:mod:`descend.constraints`) has no place in it, and is refused."""
    named = [name for name, _, _ in constraints.constrained(model.layers)]
    if named:
        raise ValueError(f"optimizer: {type(optimizer).__name__} searches over unconstrained weights; the "
                         f"model has weight constraints (on {', '.join(named)}), which are projections "
                         f"after each gradient-descent update: remove them or choose a gradient-descent "
                         f"optimizer")


#: fit's callbacks
_CALLBACKS: ListOf[Any] = ListOf(InstanceOf(object), "a list of callbacks")   # (CallbackList checks each)


def _check_steps_per_epoch(steps_per_epoch: Any, n_samples: int, batch_size: int | None) -> None:
    """descend trains on arrays, where an epoch is one pass over the data; ``steps_per_epoch``
    may only say so."""
    if steps_per_epoch is None:
        return
    steps = positive_int("steps_per_epoch", steps_per_epoch)
    natural = batching.n_batches(n_samples, batch_size)
    if steps != natural:
        raise ValueError(
            f"steps_per_epoch: an epoch here is one pass over the {n_samples} training samples, "
            f"{natural} update(s) at batch_size={batch_size}; got {steps}. Choose batch_size "
            f"(updates per epoch = ceil(samples / batch_size)) and epochs instead; Keras's "
            f"steps_per_epoch for arrays (epochs that stop part-way through the data) is not "
            f"supported")


def fit(model: Sequential, X: Any, y: Any, *, epochs: int, batch_size: int | None, shuffle: bool,
        validation_data: Any, validation_split: float, callbacks: Sequence[Callback] | None,
        verbose: int | str, seed: int | None, initial_epoch: int, sample_weight: Any = None,
        class_weight: Any = None, steps_per_epoch: int | None = None) -> History:
    """See :meth:`descend.model.Sequential.fit`."""
    epochs = positive_int("epochs", epochs)
    initial_epoch = positive_int("initial_epoch", initial_epoch, minimum=0)
    if initial_epoch >= epochs:
        raise ValueError(f"initial_epoch: expected less than epochs ({epochs}), got {initial_epoch}")
    batch_size = batching.check_batch_size(batch_size)
    shuffle = check("shuffle", shuffle, BOOLEAN)
    given: list[Any] = [] if callbacks is None else check("callbacks", callbacks, _CALLBACKS)
    X, y = model.prepare(X, y)
    if sample_weight is not None and class_weight is not None:
        raise ValueError("sample_weight, class_weight: give one of them, not both (as in Keras)")
    w = sample_weights("sample_weight", sample_weight, len(X), X.dtype)
    X, y, w, validation = split_validation(model, X, y, validation_data, validation_split, w)
    if class_weight is not None:            # as Keras: the training part only, after the split
        w = class_weights(class_weight, y, X.dtype)
    _check_steps_per_epoch(steps_per_epoch, len(X), batch_size)
    if seed is not None or model.train_rng is None:
        from .backend import as_rng
        model.train_rng = as_rng(seed) if seed is not None else np.random.default_rng([model.seed, 1])

    history = History.continuing(model.history, initial_epoch)
    progress = _progress_callback(verbose)
    cb = CallbackList([history, *given, *([progress] if progress is not None else [])])
    model.history = history
    cb.set_model(model)
    if getattr(model.optimizer, "full_batch", False):    # L-BFGS: every evaluation on all the data
        batch_size = None
    cb.set_params({"epochs": epochs, "steps": batching.n_batches(len(X), batch_size), "samples": len(X),
                   "batch_size": batch_size or len(X), "gd": batching.gd_kind(batch_size, len(X)),
                   "verbose": verbose})
    loop = _Loop(model, X, y, w, validation, batch_size, shuffle, cb)
    model.stop_training = False
    cb.on_train_begin({})
    loop.run(initial_epoch, epochs)
    # Keras's use_ema: the weights become their moving average at the end of training, before
    # on_train_end (as Keras's fit)
    model.optimizer.finalize_variable_values(model.params)
    cb.on_train_end({})
    return history
