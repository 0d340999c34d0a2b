"""The epoch loop behind :meth:`Sequential.fit`.

Per epoch: choose the order (see :mod:`descend.batching`), then for each batch one update
(forward, δ recursion, optimizer); the epoch's loss is the batch losses combined with the loss's
own reduction — for a mean loss the batch-size-weighted mean, for a sum loss (the slides'
E = Σ E_i) the sum — so that batch, stochastic and mini-batch runs report comparable numbers.
Metrics accumulate over the batches as in Keras; validation is evaluated at the end of the epoch.
"""
from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import batching
from .callbacks import Callback, CallbackList, EpochPrinter, History
from .errors import DivergenceError
from .checks import as_features, as_targets, fraction, positive_int


def _progress_callback(verbose: int | str) -> Callback | None:
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose: expected 0, 1, 2 or 'auto', got {verbose!r}")
    if verbose == 0:
        return None
    if verbose == 1:
        try:
            from .callbacks import ProgressBar  # the live bar, where available
        except ImportError:
            return EpochPrinter()
        return ProgressBar()
    return EpochPrinter()


def _has_batch_hooks(callback: Callback) -> bool:
    kind = type(callback)
    return (kind.on_batch_begin is not Callback.on_batch_begin
            or kind.on_batch_end is not Callback.on_batch_end)


def _split_validation(model, X, y, validation_data, validation_split):
    if validation_data is not None:
        if validation_split:
            raise ValueError("validation_split: give either validation_data or validation_split, not both")
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("validation_data: expected a tuple (X_val, y_val)")
        Xv = as_features("validation_data[0]", validation_data[0], model.dtype, X.shape[1])
        yv = as_targets("validation_data[1]", validation_data[1], len(Xv))
        return X, y, (Xv, model.loss.prepare_targets(yv, model.output_dim, model.dtype))
    split = fraction("validation_split", validation_split)
    if not split:
        return X, y, None
    n_val = int(len(X) * split)
    if n_val < 1 or n_val >= len(X):
        raise ValueError(f"validation_split: {split} of {len(X)} samples leaves no training or no "
                         f"validation sample")
    cut = len(X) - n_val
    return X[:cut], y[:cut], (X[cut:], y[cut:])


def fit(model, X: Any, y: Any, *, epochs: int, batch_size: int | None, shuffle: bool,
        validation_data: Any, validation_split: float, callbacks: Sequence[Callback] | None,
        verbose: int | str, seed: int | None, initial_epoch: int) -> History:
    """See :meth:`descend.model.Sequential.fit`."""
    model._require_compiled("fit")
    epochs = positive_int("epochs", epochs)
    initial_epoch = positive_int("initial_epoch", initial_epoch, minimum=0)
    if initial_epoch >= epochs:
        raise ValueError(f"initial_epoch: expected less than epochs ({epochs}), got {initial_epoch}")
    batch_size = batching.check_batch_size(batch_size)
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle: expected True or False, got {shuffle!r}")
    X, y = model._prepare(X, y, "X", "y")
    X, y, validation = _split_validation(model, X, y, validation_data, validation_split)
    if seed is not None or model.train_rng is None:
        from .backend import as_rng
        model.train_rng = as_rng(seed) if seed is not None else np.random.default_rng([model.seed, 1])

    history = History.continuing(getattr(model, "history", None), initial_epoch)
    cbs = [history, *(callbacks or [])]
    progress = _progress_callback(verbose)
    if progress is not None:
        cbs.append(progress)
    cb = CallbackList(cbs)
    model.history = history
    n = len(X)
    cb.set_model(model)
    cb.set_params({"epochs": epochs, "steps": batching.n_batches(n, batch_size), "samples": n,
                   "batch_size": batch_size or n, "gd": batching.gd_kind(batch_size, n),
                   "verbose": verbose})
    metrics = model._resolve_metrics()
    # Per-batch hooks cost a call per update (the lecture's SGD makes thousands of tiny updates):
    # only the callbacks that define them are called.
    batch_cb = CallbackList([c for c in cbs if _has_batch_hooks(c)])
    params, grads = model.params, model.grads
    weight_of_batch = (lambda size: size / n) if model.loss.reduction == "mean" else (lambda size: 1.0)
    model.stop_training = False
    cb.on_train_begin({})
    for epoch in range(initial_epoch, epochs):
        cb.on_epoch_begin(epoch, {})
        for m in metrics:
            m.reset()
        order = batching.epoch_order(n, batch_size, shuffle, model.train_rng)
        epoch_loss = 0.0
        for b, (xb, yb) in enumerate(batching.iterate(X, y, batch_size, order)):
            if batch_cb.callbacks:
                batch_cb.on_batch_begin(b, {"size": len(xb)})
                lr = model.optimizer.current_learning_rate
            try:
                value = model._train_step(xb, yb, params, grads)
            except DivergenceError as exc:  # say where it happened
                error = model._divergence(exc.loss, epoch, b)
                # a callback may choose to stop instead (TerminateOnNaN); the model has put back
                # the last weights with a finite loss and gradients. "diverged" also flags a
                # non-finite gradient under a finite loss.
                batch_cb.on_batch_end(b, {"loss": exc.loss, "size": len(xb),
                                          "lr": model.optimizer.current_learning_rate, "diverged": True})
                if not model.stop_training:
                    raise error from None
                epoch_loss = float("nan")
                break
            out = model.layers[-1]._a
            for m in metrics:
                m.update(out, yb)
            epoch_loss += value * weight_of_batch(len(xb))
            if batch_cb.callbacks:
                batch_cb.on_batch_end(b, {"loss": value, "size": len(xb), "lr": lr})
        model.epochs_trained += 1
        logs: dict[str, Any] = {"loss": epoch_loss}
        logs.update({m.name: m.result() for m in metrics})
        if validation is not None:
            val = model._evaluate_prepared(*validation)
            logs.update({f"val_{k}": v for k, v in val.items()})
        logs["learning_rate"] = float(model.optimizer.current_learning_rate)
        cb.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    cb.on_train_end({})
    return history
