"""Callbacks: hooks into the training loop, with Keras's names and semantics.

The protocol — subclass :class:`Callback` and override any of::

    on_train_begin(logs)          on_train_end(logs)
    on_epoch_begin(epoch, logs)   on_epoch_end(epoch, logs)     # logs: loss, metrics, val_*, lr
    on_batch_begin(batch, logs)   on_batch_end(batch, logs)     # logs: loss of that batch, size

``self.model`` is the model being trained (set it ``model.stop_training = True`` to stop after the
current epoch) and ``self.params`` holds ``epochs``, ``steps`` (updates per epoch), ``samples``,
``batch_size``, ``gd`` (batch / stochastic / mini-batch) and ``verbose``.
"""
from __future__ import annotations

import sys
from typing import Any, TextIO

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

    def on_train_begin(self, logs=None):
        for cb in self.callbacks:
            cb.on_train_begin(logs)

    def on_train_end(self, logs=None):
        for cb in self.callbacks:
            cb.on_train_end(logs)

    def on_epoch_begin(self, epoch, logs=None):
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)

    def on_batch_begin(self, batch, logs=None):
        for cb in self.callbacks:
            cb.on_batch_begin(batch, logs)

    def on_batch_end(self, batch, logs=None):
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
        self._start: tuple[list[int], dict[str, list[float]]] = ([], {})

    @classmethod
    def continuing(cls, previous: "History | None", initial_epoch: int) -> "History":
        """A History for a fit starting at ``initial_epoch``: empty when it is 0, else holding
        ``previous``'s records of the epochs before ``initial_epoch``."""
        history = cls()
        if initial_epoch > 0 and isinstance(previous, History):
            keep = [i for i, e in enumerate(previous.epoch) if e < initial_epoch]
            history._start = ([previous.epoch[i] for i in keep],
                              {k: [v[i] for i in keep if i < len(v)] for k, v in previous.history.items()})
        return history

    def on_train_begin(self, logs=None):
        epochs, records = self._start
        self.epoch = list(epochs)
        self.history = {k: list(v) for k, v in records.items()}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class EpochPrinter(Callback):
    """One plain line per epoch (``verbose=2``, or whenever output is not a terminal)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self.stream = stream

    def on_epoch_end(self, epoch, logs=None):
        total = self.params.get("epochs", "?")
        parts = [f"{k}: {v:.4g}" for k, v in (logs or {}).items() if isinstance(v, float)]
        print(f"Epoch {epoch + 1}/{total} - " + " - ".join(parts), file=self.stream or sys.stdout, flush=True)
