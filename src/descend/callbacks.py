"""Callbacks: hooks into the training loop, with Keras's names and semantics.

The protocol — subclass :class:`Callback` and override any of::

    on_train_begin(logs)          on_train_end(logs)
    on_epoch_begin(epoch, logs)   on_epoch_end(epoch, logs)     # logs: loss, metrics, val_*, lr
    on_batch_begin(batch, logs)   on_batch_end(batch, logs)     # logs: loss of that batch, size

``self.model`` is the model being trained (set it ``model.stop_training = True`` to stop after the
current epoch) and ``self.params`` holds ``epochs``, ``steps`` (updates per epoch), ``samples``,
``batch_size``, ``gd`` (batch / stochastic / mini-batch) and ``verbose``.

Epoch logs hold ``loss``, the metrics, ``val_*`` with validation data, and ``learning_rate`` (the
rate the next update will use). Batch logs hold ``loss`` (that batch's E), ``size`` and ``lr`` (the
rate that update used). When an update diverges (a NaN or infinite loss), ``on_batch_end`` still
runs with that loss and, if a callback then sets ``model.stop_training`` (as
:class:`TerminateOnNaN` does), training stops with the weights from before that update instead of
raising :class:`~descend.errors.DivergenceError`.

The callbacks, as in Keras: :class:`History` (always on), :class:`EarlyStopping`,
:class:`ModelCheckpoint`, :class:`CSVLogger`, :class:`TerminateOnNaN`,
:class:`LearningRateScheduler`, :class:`ReduceLROnPlateau`, and :class:`ProgressBar` (the live bar
of ``verbose=1``, drawn with rich) / :class:`EpochPrinter` (one line per epoch, ``verbose=2``).

The state of a callback (EarlyStopping's patience counter, ReduceLROnPlateau's cooldown) lives
in the callback, not in the model, so it is not part of a checkpoint; a learning rate changed by
a callback is (it is the optimizer's).
"""
from __future__ import annotations

import csv
import math
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from .checks import BOOLEAN, Interval, Options, check

Logs = dict[str, Any]


class Callback:
    """Base class: every hook does nothing."""

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs: Logs | None = None) -> None: ...
    def on_train_end(self, logs: Logs | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...


class CallbackList(Callback):
    """Calls each hook of several callbacks, in order."""

    def __init__(self, callbacks: list[Callback]) -> None:
        super().__init__()
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks: expected Callback instances, got {type(cb).__name__}")
        self.callbacks = list(callbacks)

    def set_model(self, model: Any) -> None:
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        for cb in self.callbacks:
            cb.set_params(params)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        for cb in self.callbacks:
            cb.on_train_begin(logs)

    def on_train_end(self, logs: Logs | None = None) -> None:
        for cb in self.callbacks:
            cb.on_train_end(logs)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)

    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        for cb in self.callbacks:
            cb.on_batch_begin(batch, logs)

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        for cb in self.callbacks:
            cb.on_batch_end(batch, logs)


class History(Callback):
    """Records each epoch's logs: ``history.history["loss"]`` is the per-epoch loss, and so on.

    ``fit`` returns it; ``history.epoch`` lists the epoch indices trained. As in Keras, each
    ``fit`` starts a new History — except a fit with ``initial_epoch > 0`` (a resumed run), whose
    History continues the model's previous one (its epochs before ``initial_epoch``), so that a
    run resumed from a checkpoint has the same history as one never interrupted.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        #: the per-layer gradient records of a fit with a GradientMonitor (descend.diagnostics)
        self.gradient_flow: Any = None
        self._start: tuple[list[int], dict[str, list[float]]] = ([], {})

    @classmethod
    def continuing(cls, previous: History | None, initial_epoch: int) -> History:
        """A History for a fit starting at ``initial_epoch``: empty when it is 0, else holding
        ``previous``'s records of the epochs before ``initial_epoch``."""
        history = cls()
        if initial_epoch > 0 and isinstance(previous, History):
            keep = [i for i, e in enumerate(previous.epoch) if e < initial_epoch]
            history._start = ([previous.epoch[i] for i in keep],
                              {k: [v[i] for i in keep if i < len(v)] for k, v in previous.history.items()})
        return history

    def on_train_begin(self, logs: Logs | None = None) -> None:
        epochs, records = self._start
        self.epoch = list(epochs)
        self.history = {k: list(v) for k, v in records.items()}

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class EpochPrinter(Callback):
    """One plain line per epoch (``verbose=2``, or whenever output is not a terminal)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self.stream = stream

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        total = self.params.get("epochs", "?")
        parts = [f"{k}: {v:.4g}" for k, v in (logs or {}).items() if isinstance(v, float)]
        print(f"Epoch {epoch + 1}/{total} - " + " - ".join(parts), file=self.stream or sys.stdout, flush=True)


# ------------------------------------------------------------------------------ monitor helpers
_MAX_IS_BETTER = ("acc", "accuracy", "auc", "r2", "precision", "recall", "f1")


#: a count of epochs
_EPOCHS = Interval(int, 0)
#: a threshold on a logged quantity
_NON_NEGATIVE = Interval(float, 0.0)
#: a learning rate a callback sets
_LEARNING_RATE = Interval(float, 0.0, closed="neither")


def _monitor_mode(monitor: str, mode: str) -> str:
    """"min" or "max": ``mode`` itself, or for "auto" "max" for accuracy-like names (Keras)."""
    mode = check("mode", mode, Options(("auto", "min", "max")))
    if mode != "auto":
        return mode
    name = monitor[4:] if monitor.startswith("val_") else monitor
    return "max" if name.endswith(_MAX_IS_BETTER) else "min"


def _check_monitor(monitor: Any) -> str:
    if not isinstance(monitor, str) or not monitor:
        raise TypeError(f"monitor: expected the name of a logged quantity (e.g. 'val_loss'), got {monitor!r}")
    return monitor


def _set_learning_rate(model: Any, value: float, who: str) -> None:
    """Set the optimizer's constant learning rate (a schedule cannot be overridden)."""
    optimizer = model.optimizer
    if optimizer.learning_rate_schedule is not None:
        raise ValueError(f"{who}: the optimizer's learning rate is a schedule "
                         f"({optimizer.learning_rate_schedule!r}); a callback cannot change it as well")
    # a ValueError whatever is wrong: the value comes from the callback's rule, not from the caller
    if value not in _LEARNING_RATE:
        raise ValueError(f"{who}: expected a new learning rate > 0, got {value!r}")
    optimizer.learning_rate = float(value)


class _Monitor:
    """min/max comparison with a min_delta, shared by EarlyStopping and ReduceLROnPlateau."""

    def __init__(self, monitor: str, mode: str, min_delta: float) -> None:
        self.monitor = _check_monitor(monitor)
        self.mode = _monitor_mode(monitor, mode)
        self.min_delta = check("min_delta", min_delta, _NON_NEGATIVE)

    def initial(self) -> float:
        return math.inf if self.mode == "min" else -math.inf

    def improved(self, current: float, best: float) -> bool:
        if self.mode == "min":
            return current < best - self.min_delta
        return current > best + self.min_delta

    def value(self, logs: Logs | None, who: str) -> float | None:
        logs = logs or {}
        if self.monitor not in logs:
            warnings.warn(f"{who}: monitor {self.monitor!r} is not in the logs (available: "
                          f"{sorted(logs)}); skipping", UserWarning, stacklevel=3)
            return None
        return float(logs[self.monitor])


# ----------------------------------------------------------------------------------- callbacks
class EarlyStopping(Callback):
    """Stop training when a monitored quantity has stopped improving (Keras semantics).

    Parameters
    ----------
    monitor : str, default "val_loss"
        A key of the epoch logs.
    min_delta : float, default 0
        An improvement must beat the best value by more than this.
    patience : int, default 0
        Epochs without improvement after which training stops.
    mode : {"auto", "min", "max"}
        "auto" maximises accuracy-like names (accuracy, acc, auc, r2, ...) and minimises the rest.
    baseline : float, optional
        Stop unless the quantity beats this within ``patience`` epochs.
    restore_best_weights : bool, default False
        At the end of training, set the weights of the best epoch (as Keras 3, also when
        training was not stopped early).
    start_from_epoch : int, default 0
        Epochs to wait before monitoring (a warm-up).

    Attributes
    ----------
    stopped_epoch : int
        The 0-based epoch at which training was stopped (0 if it was not).
    best, best_epoch : float, int
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 mode: str = "auto", baseline: float | None = None, restore_best_weights: bool = False,
                 start_from_epoch: int = 0, verbose: int = 0) -> None:
        super().__init__()
        self._monitor = _Monitor(monitor, mode, min_delta)
        self.monitor, self.mode = self._monitor.monitor, self._monitor.mode
        self.min_delta = self._monitor.min_delta
        self.patience = check("patience", patience, _EPOCHS)
        self.baseline = None if baseline is None else check("baseline", baseline, Interval(float))
        self.restore_best_weights = check("restore_best_weights", restore_best_weights, BOOLEAN)
        self.start_from_epoch = check("start_from_epoch", start_from_epoch, _EPOCHS)
        self.verbose = verbose
        self.on_train_begin()

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best = self._monitor.initial()
        self.best_epoch = 0
        self.best_weights: list | None = None

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        current = self._monitor.value(logs, "EarlyStopping")
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._monitor.improved(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._monitor.improved(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self.stopped_epoch and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(Callback):
    """Save the model (atomically, see :mod:`descend.saving`) at the end of every epoch, or only
    when the monitored quantity improves (``save_best_only``).

    Parameters
    ----------
    filepath : str or os.PathLike
        A directory or a ``.safetensors`` file; may hold ``str.format`` fields filled from the
        1-based ``epoch`` and the logs, e.g. ``"ckpt/epoch{epoch:03d}-{val_loss:.3f}"``.
    monitor : str, default "val_loss"
    save_best_only : bool, default False
        Only save when ``monitor`` improves on the best value so far (the file is then always the
        best model).
    mode : {"auto", "min", "max"}
    save_weights_only : bool
        Save the weights alone with ``model.save_weights`` (``filepath`` must then end in
        ``.safetensors``, e.g. ``"ckpt/epoch{epoch:02d}.weights.safetensors"``); ``model.load_weights``
        reads them back. Without it the checkpoint holds everything needed to resume bit for bit
        (optimizer state, shuffling generator, history).
    extra : dict, optional
        Saved with the model (see :func:`descend.saving.save_model`).
    """

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, mode: str = "auto", save_weights_only: bool = False,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__()
        if not isinstance(filepath, (str, os.PathLike)):
            raise TypeError(f"filepath: expected a str or os.PathLike, got {type(filepath).__name__}")
        if not isinstance(save_weights_only, (bool, int)) or save_weights_only not in (0, 1):
            raise TypeError(f"save_weights_only: expected True or False, got {save_weights_only!r}")
        self.save_weights_only = bool(save_weights_only)
        if self.save_weights_only and not os.fspath(filepath).endswith(".safetensors"):
            raise ValueError(f"filepath: with save_weights_only=True expected a file name ending in "
                             f"'.safetensors' (e.g. 'ckpt.weights.safetensors'), got {os.fspath(filepath)!r}")
        if self.save_weights_only and extra is not None:
            raise ValueError("extra: only a full checkpoint (save_weights_only=False) stores extra data")
        self.filepath = os.fspath(filepath)
        self._monitor = _Monitor(monitor, mode, 0.0)
        self.monitor = self._monitor.monitor
        self.save_best_only = check("save_best_only", save_best_only, BOOLEAN)
        self.verbose = verbose
        self.extra = extra
        self.best = self._monitor.initial()
        self.last_saved: Path | None = None

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self.save_best_only:
            current = self._monitor.value(logs, "ModelCheckpoint")
            if current is None or not self._monitor.improved(current, self.best):
                return
            self.best = current
        try:
            path = self.filepath.format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"filepath: cannot fill {self.filepath!r} from epoch and the logs "
                             f"{sorted(logs)} ({exc})") from None
        if self.save_weights_only:
            self.last_saved = self.model.save_weights(path)
        else:
            self.last_saved = self.model.save(path, extra=self.extra)
        if self.verbose:
            what = "the weights" if self.save_weights_only else "the model"
            print(f"Epoch {epoch + 1}: saved {what} to {self.last_saved}")


class CSVLogger(Callback):
    """Write the epoch logs to a CSV file, one row per epoch (``epoch`` first, 0-based as Keras).

    Each row is on disk when its epoch ends, so the file can be watched during training. With
    ``append=True`` a resumed run adds its rows below the existing ones (no second header).
    """

    def __init__(self, filename: str | os.PathLike, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        if not isinstance(filename, (str, os.PathLike)):
            raise TypeError(f"filename: expected a str or os.PathLike, got {type(filename).__name__}")
        self.filename = Path(filename)
        self.separator = separator
        self.append = check("append", append, BOOLEAN)
        self._keys: list[str] | None = None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._keys = self._header() if self.append else None
        self.filename.parent.mkdir(parents=True, exist_ok=True)
        if not self.append:
            self.filename.write_text("", encoding="utf-8")

    def _header(self) -> list[str] | None:
        """The columns of an existing file after ``epoch`` (None if there is no row yet)."""
        if not self.filename.exists() or self.filename.stat().st_size == 0:
            return None
        with open(self.filename, newline="", encoding="utf-8") as f:
            header = next(csv.reader(f, delimiter=self.separator), None)
        return header[1:] if header else None

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        # opened for each row: the row is on disk when the epoch ends, and no file stays open
        with open(self.filename, "a", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, delimiter=self.separator)
            if self._keys is None:
                self._keys = list(logs)
                writer.writerow(["epoch", *self._keys])
            writer.writerow([epoch, *(_csv_value(logs.get(k, "")) for k in self._keys)])


def _csv_value(value: Any) -> Any:
    return repr(float(value)) if isinstance(value, float) or hasattr(value, "dtype") else value


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch loss is NaN or infinite (or an update diverged).

    Without it a diverging update raises :class:`~descend.errors.DivergenceError`; with it the
    run stops quietly, with the weights from before the diverging update, and the history
    records a NaN loss for that epoch.
    """

    def __init__(self) -> None:
        super().__init__()
        self.terminated_at: tuple[int, int] | None = None
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._epoch = epoch

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        loss = logs.get("loss")
        # "diverged" also flags a non-finite gradient under a finite loss
        if logs.get("diverged") or (loss is not None and not math.isfinite(loss)):
            print(f"Epoch {self._epoch + 1}, batch {batch + 1}: invalid loss {loss}, terminating training",
                  file=sys.stderr)
            self.terminated_at = (self._epoch, batch)
            self.model.stop_training = True


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of every epoch: ``lr = schedule(epoch, lr)`` (Keras).

    ``schedule`` is called with the 0-based epoch and the current rate (a one-argument function
    of the epoch also works). For a rate that changes every *update*, give the optimizer a
    :mod:`descend.schedules` object instead; this callback refuses to override one.
    """

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"schedule: expected a function (epoch, lr) -> lr, got {type(schedule).__name__}")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        lr = self.model.optimizer.current_learning_rate
        try:
            new = self.schedule(epoch, lr)
        except TypeError:
            new = self.schedule(epoch)
        if hasattr(new, "item"):
            new = new.item()
        _set_learning_rate(self.model, new, "LearningRateScheduler")
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {new}.")


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved for
    ``patience`` epochs (Keras semantics, including ``cooldown`` and ``min_lr``).

    Parameters
    ----------
    monitor : str, default "val_loss"
    factor : float in (0, 1), default 0.1
    patience : int, default 10
    mode : {"auto", "min", "max"}
    min_delta : float, default 1e-4
        An improvement must beat the best value by more than this.
    cooldown : int, default 0
        Epochs to wait after a reduction before counting again.
    min_lr : float, default 0
        The rate is never reduced below this.
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0,
                 min_lr: float = 0.0) -> None:
        super().__init__()
        self._monitor = _Monitor(monitor, mode, min_delta)
        self.monitor = self._monitor.monitor
        self.factor = check("factor", factor, Interval(float, 0.0, 1.0, closed="neither"))
        self.patience = check("patience", patience, _EPOCHS)
        self.cooldown = check("cooldown", cooldown, _EPOCHS)
        self.min_lr = check("min_lr", min_lr, _NON_NEGATIVE)
        self.verbose = verbose
        self.on_train_begin()

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.best = self._monitor.initial()
        self.wait = 0
        self.cooldown_counter = 0

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        current = self._monitor.value(logs, "ReduceLROnPlateau")
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._monitor.improved(current, self.best):
            self.best = current
            self.wait = 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = self.model.optimizer.current_learning_rate
                if old > self.min_lr:
                    new = max(old * self.factor, self.min_lr)
                    _set_learning_rate(self.model, new, "ReduceLROnPlateau")
                    if self.verbose:
                        print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class ProgressBar(Callback):
    """A live progress bar drawn with `rich <https://rich.readthedocs.io>`_ (``verbose=1``).

    One bar for the epochs (with the ETA of the run) and one for the batches of the current
    epoch, showing the running loss, the running metrics and the learning rate; a plain line per
    finished epoch stays above the bars. When the output is neither a terminal nor a Jupyter
    notebook (a file, a pipe, a CI log) no bar is drawn: the finished epochs' lines alone are
    printed, as :class:`EpochPrinter` writes them — Keras's ``verbose=1`` does the same (set
    ``force_terminal=True`` to draw the bar anyway).

    Parameters
    ----------
    file : file object, optional
        Where to draw (default: standard output).
    force_terminal : bool, optional
        Passed to :class:`rich.console.Console` (None: detect).
    epoch_lines : bool, default True
        Print each finished epoch's logs (above the bars, or alone without a terminal).
    refresh_seconds : float, default 0.1
        Minimum time between two redraws of the batch fields (updating rich after every
        stochastic-GD update would cost more than the update).
    """

    def __init__(self, file: TextIO | None = None, force_terminal: bool | None = None,
                 epoch_lines: bool = True, refresh_seconds: float = 0.1) -> None:
        super().__init__()
        self.file = file
        self.force_terminal = force_terminal
        self.epoch_lines = epoch_lines
        self.refresh_seconds = float(refresh_seconds)
        self._progress: Any = None
        self._lines: EpochPrinter | None = None   # the lines printed instead, without a terminal

    @property
    def active(self) -> bool:
        return self._progress is not None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        console = Console(file=self.file or sys.stdout, force_terminal=self.force_terminal)
        if not (console.is_terminal or console.is_jupyter):
            self._progress = None
            self._lines = EpochPrinter(self.file) if self.epoch_lines else None
            if self._lines is not None:
                self._lines.set_params(self.params)
            return
        self._lines = None
        self._progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(bar_width=30), MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"), TimeElapsedColumn(), TextColumn("ETA"),
            TimeRemainingColumn(), console=console, transient=True, refresh_per_second=10)
        self._progress.start()
        epochs = self.params.get("epochs", 0)
        self._epochs = self._progress.add_task("epochs", total=epochs, info="")
        self._batches = self._progress.add_task("batches", total=self.params.get("steps", 0), info="")
        self._last = 0.0
        self._loss_sum = self._loss_weight = 0.0

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        if not self.active:
            return
        self._epoch = epoch
        self._progress.update(self._epochs, completed=epoch,
                              description=f"epoch {epoch + 1}/{self.params.get('epochs', '?')}")
        self._progress.reset(self._batches, total=self.params.get("steps", 0), description="batch",
                             info="")
        self._loss_sum = self._loss_weight = 0.0

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        if not self.active:
            return
        logs = logs or {}
        # the running epoch loss, reduced as the loss reduces (mean: weighted by batch size;
        # sum, the slides' E = Σ E_i: the sum so far)
        mean = getattr(getattr(self.model, "loss", None), "reduction", "mean") != "sum"
        size = float(logs.get("size", 1)) if mean else 1.0
        self._loss_sum += float(logs.get("loss", math.nan)) * size
        self._loss_weight = self._loss_weight + size if mean else 1.0
        now = time.monotonic()
        last_batch = batch + 1 >= self.params.get("steps", 0)
        if now - self._last < self.refresh_seconds and not last_batch:
            self._progress.update(self._batches, completed=batch + 1)
            return
        self._last = now
        parts = [f"loss {self._loss_sum / self._loss_weight:.4g}"]
        for m in getattr(self.model, "metrics", []):
            parts.append(f"{m.name} {m.result():.4g}")
        if "lr" in logs:
            parts.append(f"lr {float(logs['lr']):.3g}")
        self._progress.update(self._batches, completed=batch + 1, info=" · ".join(parts))

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if not self.active:
            if self._lines is not None:
                self._lines.on_epoch_end(epoch, logs)
            return
        self._progress.update(self._epochs, completed=epoch + 1)
        if self.epoch_lines:
            parts = [f"{k} {v:.4g}" for k, v in (logs or {}).items() if isinstance(v, float)]
            self._progress.console.print(f"epoch {epoch + 1}/{self.params.get('epochs', '?')}  "
                                         + "  ".join(parts), highlight=False)

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self.active:
            self._progress.stop()
            self._progress = None
