"""One browser tab's training session: the messages it accepts, checked, and the worker thread that
runs its :class:`~descend.playground.engine.Engine` off the server's event loop.

Messages are JSON objects with a ``"type"`` (:data:`COMMANDS`). :func:`parse` checks a message
completely — JSON, known type, the type and range of every field — before the worker sees it; a
bad one is answered with ``{"type": "error", "message": ...}`` and the session carries on.

The worker applies every waiting command before its next update, so a pause, a step or a setting
takes effect at the next update. While playing it trains a chunk (``speed`` updates, 0 = one
epoch, at most :data:`CHUNK_SECONDS`), then sends a frame; it sends at most :data:`WINDOW` frames
that the page has not acknowledged (``{"type": "ack"}``), so a slow page slows the training
instead of piling up frames.
"""
from __future__ import annotations

import base64
import json
import queue
import secrets
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from ..checks import BOOLEAN, Interval, Options, check
from . import config as cfg
from .data import parse_csv
from .engine import Engine

#: a message longer than this is refused unread (a CSV of 10,000 rows fits easily)
MAX_MESSAGE = 2_000_000
#: frames sent but not yet acknowledged by the page
WINDOW = 3
#: longest chunk of updates between two frames while playing
CHUNK_SECONDS = 0.1
MAX_EPOCHS = 100_000

COMMANDS = ("play", "pause", "step", "epoch", "run", "config", "reset", "snapshot", "rewind", "explain",
            "set_weight", "upload", "export", "ack")
_INDEX = Interval(int, 0, 10 ** 6)


def _fields(message: dict[str, Any], kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    extra = sorted(set(message) - {"type", *spec})
    if extra:
        raise ValueError(f"{kind}: unexpected field(s) {extra}; expected {sorted(spec) or 'none'}")
    out = {"type": kind}
    for key, constraint in spec.items():
        if key not in message:
            raise ValueError(f"{kind}: the field {key!r} is missing")
        value = message[key]
        out[key] = value if constraint is None else check(f"{kind}.{key}", value, constraint)
    return out


_SPECS: dict[str, dict[str, Any]] = {
    "play": {}, "pause": {}, "step": {}, "epoch": {}, "snapshot": {}, "rewind": {}, "ack": {},
    "run": {"epochs": Interval(int, 1, MAX_EPOCHS)},
    "config": {"config": None},
    "reset": {"new_weights": BOOLEAN},
    "explain": {"param": _INDEX, "index": _INDEX, "point": _INDEX},
    "set_weight": {"param": _INDEX, "index": _INDEX, "value": Interval(float, -1e6, 1e6)},
    "upload": {"csv": None},
    "export": {"what": Options(("csv", "model", "script"))},
}


def parse(text: Any) -> dict[str, Any]:
    """A message checked: the type and range of every field. ValueError or TypeError says what is wrong."""
    if not isinstance(text, str):
        raise TypeError(f"message: expected JSON text, got {type(text).__name__}")
    if len(text) > MAX_MESSAGE:
        raise ValueError(f"message: expected at most {MAX_MESSAGE} characters, got {len(text)}")
    try:
        message = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"message: not JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(message, dict):
        raise TypeError(f"message: expected a JSON object, got {type(message).__name__}")
    kind = message.get("type")
    if kind not in _SPECS:
        raise ValueError(f"message: unknown command {kind!r}; expected one of {list(COMMANDS)}")
    out = _fields(message, kind, _SPECS[kind])
    if kind == "config" and not isinstance(out["config"], dict):
        raise TypeError(f"config.config: expected an object of settings, got {type(out['config']).__name__}")
    if kind == "upload" and not isinstance(out["csv"], str):
        raise TypeError(f"upload.csv: expected the file's text, got {type(out['csv']).__name__}")
    return out


class Session:
    """A tab's engine in a worker thread; ``send`` (thread-safe) takes each outgoing JSON text."""

    def __init__(self, send: Callable[[str], None], config: dict[str, Any] | None = None) -> None:
        self.send = send
        self.config = cfg.validate(config or {})
        self.upload: tuple[np.ndarray, np.ndarray] | None = None
        self.engine = Engine(self.config)
        self.commands: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.playing = False
        self.epochs_left: int | None = None
        self.credits = WINDOW
        self.user_snapshot: dict[str, Any] | None = None
        self.frames = 0
        #: the last step of the learning-rate curve the page has
        self.horizon = self.engine.schedule_curve()["steps"][-1]
        self.thread = threading.Thread(target=self._loop, name="descend-playground-session", daemon=True)
        self.closed = threading.Event()
        #: set when a command other than an ack waits: training stops after the current update
        self.interrupt = threading.Event()

    # ------------------------------------------------------------------ the event loop's side
    def start(self) -> None:
        self.thread.start()

    def submit(self, text: Any) -> None:
        """A message from the page: checked here; a bad one is answered at once, a good one queued."""
        try:
            message = parse(text)
        except (TypeError, ValueError) as exc:
            self._emit({"type": "error", "message": str(exc)})
            return
        if message["type"] != "ack":
            self.interrupt.set()          # the update under way is the last before it
        self.commands.put(message)

    def stop(self) -> None:
        """Tell the worker to stop after the update it is doing (returns at once)."""
        self.closed.set()
        self.interrupt.set()
        self.commands.put(None)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker and wait for it."""
        self.stop()
        if self.thread.is_alive() and threading.current_thread() is not self.thread:
            self.thread.join(timeout)

    # ------------------------------------------------------------------ the worker
    def _emit(self, message: dict[str, Any]) -> None:
        self.send(json.dumps(message, allow_nan=False))

    def _loop(self) -> None:
        self._handle({"type": "_hello"})
        while not self.closed.is_set():
            if self.playing and self.credits > 0:
                try:
                    message = self.commands.get_nowait()
                    self.interrupt.clear()
                except queue.Empty:
                    message = {"type": "_train"}
            else:
                message = self.commands.get()
                self.interrupt.clear()
            if message is None:
                break
            self._handle(message)

    def _handle(self, message: dict[str, Any]) -> None:
        try:
            getattr(self, "_on_" + message["type"].lstrip("_"))(message)
        except (TypeError, ValueError) as exc:
            self.playing = self.playing and message["type"] != "_train"
            self._emit({"type": "error", "message": str(exc)})
        except Exception as exc:          # the session carries on whatever happened
            self.playing = False          # (an error while playing would otherwise repeat every frame)
            self._emit({"type": "error", "message": f"internal error: {type(exc).__name__}: {exc}"})

    def _send_frame(self) -> None:
        frame = self.engine.frame(flow=bool(self.config["log_flow"]))
        frame["playing"] = self.playing
        frame["frame"] = self.frames
        self.frames += 1
        self.credits -= 1
        if frame["t"] > 0.75 * self.horizon:      # the drawn schedule runs out: draw it further ahead
            curve = self.engine.schedule_curve()
            self.horizon = curve["steps"][-1]
            self._emit({"type": "schedule", **curve})
        self._emit(frame)

    # ------------------------------------------------------------------ commands
    def _on_hello(self, message: dict[str, Any]) -> None:
        self._emit({"type": "hello", "catalogue": cfg.catalogue(), "config": self.config})
        self._emit(self.engine.data_message())
        self._send_frame()

    def _on_train(self, message: dict[str, Any]) -> None:
        speed = self.config["speed"]
        before = self.engine.epochs
        diverged = self.engine.run(speed, until_epoch_end=speed == 0, budget_s=CHUNK_SECONDS,
                                   interrupted=self.interrupt.is_set)
        if diverged is not None:
            self.playing = False
            self._emit({"type": "diverged", **diverged})
        elif self.epochs_left is not None:
            self.epochs_left -= self.engine.epochs - before
            if self.epochs_left <= 0:
                self.playing, self.epochs_left = False, None
                self._emit({"type": "stopped", "reason": "ran the epochs asked for"})
        self._send_frame()
        target = self.config["target_loss"]
        if target > 0 and self.engine.curve and self.engine.curve[-1][1] <= target and self.playing:
            self.playing = False
            self._emit({"type": "stopped", "reason": f"the training loss reached the target {target:g}"})
            self._send_frame()

    def _on_ack(self, message: dict[str, Any]) -> None:
        self.credits = min(self.credits + 1, WINDOW)

    def _on_play(self, message: dict[str, Any]) -> None:
        self.playing, self.epochs_left = True, None
        self.credits = WINDOW

    def _on_pause(self, message: dict[str, Any]) -> None:
        self.playing, self.epochs_left = False, None
        self._emit({"type": "paused", "update": self.engine.updates})

    def _on_run(self, message: dict[str, Any]) -> None:
        self.playing, self.epochs_left = True, message["epochs"]
        self.credits = WINDOW

    def _step(self, until_epoch_end: bool) -> None:
        self.playing = False
        diverged = self.engine.run(1, until_epoch_end=until_epoch_end)
        if diverged is not None:
            self._emit({"type": "diverged", **diverged})
        self._send_frame()

    def _on_step(self, message: dict[str, Any]) -> None:
        self._step(False)

    def _on_epoch(self, message: dict[str, Any]) -> None:
        self._step(True)

    def _on_config(self, message: dict[str, Any]) -> None:
        new = cfg.validate(message["config"], self.config)
        self._configure(new)

    def _configure(self, new: dict[str, Any], upload: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        keys = cfg.changed(self.config, new)
        upload = upload if upload is not None else self.upload
        if keys & cfg.STRUCTURE or upload is not self.upload:
            engine = Engine(new, upload)           # a ValueError keeps the old session as it was
            self.engine, self.config, self.upload = engine, new, upload
            self.user_snapshot = None
            self._emit({"type": "config", "config": new})
            data = engine.data_message()
            self.horizon = data["schedule"]["steps"][-1]
            self._emit(data)
        else:
            self.config = new
            self.engine.set_live(new)
            self._emit({"type": "config", "config": new})
            if keys & {"schedule", "lr", "decay_rate", "decay_steps", "optimizer"}:
                preview = self._schedule_preview(new)
                self.horizon = preview["steps"][-1]
                self._emit({"type": "schedule", **preview})
        self._send_frame()

    def _schedule_preview(self, config: dict[str, Any]) -> dict[str, Any]:
        from .engine import make_optimizer, schedule_curve

        opt = make_optimizer(config)
        opt.iterations = self.engine.model.optimizer.iterations
        return schedule_curve(opt, config)

    def _on_reset(self, message: dict[str, Any]) -> None:
        self.playing = False
        if message["new_weights"]:
            self._configure(cfg.validate({"init_seed": secrets.randbelow(2 ** 31 - 1)}, self.config))
            return
        self.engine.reset()
        self.user_snapshot = None
        self._send_frame()

    def _on_snapshot(self, message: dict[str, Any]) -> None:
        self.user_snapshot = self.engine.take_snapshot()
        self._emit({"type": "snapshot", "update": self.engine.updates})

    def _on_rewind(self, message: dict[str, Any]) -> None:
        self.playing = False
        snapshot = self.user_snapshot or self.engine.snapshot
        assert snapshot is not None
        self.engine.restore(snapshot)
        self._send_frame()

    def _check_weight(self, message: dict[str, Any]) -> None:
        params = self.engine.model.params
        if message["param"] >= len(params):
            raise ValueError(f"{message['type']}.param: expected an int in [0, {len(params) - 1}], "
                             f"got {message['param']}")
        size = params[message["param"]].size
        if message["index"] >= size:
            raise ValueError(f"{message['type']}.index: expected an int in [0, {size - 1}], "
                             f"got {message['index']}")

    def _on_explain(self, message: dict[str, Any]) -> None:
        self._check_weight(message)
        n = len(self.engine.X_train)
        if message["point"] >= n:
            raise ValueError(f"explain.point: expected an int in [0, {n - 1}], got {message['point']}")
        self._emit(self.engine.explain(message["param"], message["index"], message["point"]))

    def _on_set_weight(self, message: dict[str, Any]) -> None:
        self._check_weight(message)
        self.engine.set_weight(message["param"], message["index"], message["value"])
        self._send_frame()

    def _on_upload(self, message: dict[str, Any]) -> None:
        X, y = parse_csv(message["csv"])
        new = dict(self.config, dataset="upload")
        if y.dtype.kind == "f":
            new["output"] = "linear"
        elif y.max() > 1:
            new["output"] = "softmax"
        elif new["output"] == "linear":
            new["output"] = "sigmoid"
        self._configure(new, (X, y))
        self._emit({"type": "uploaded", "rows": len(X)})

    def _on_export(self, message: dict[str, Any]) -> None:
        from . import export

        what = message["what"]
        if what == "csv":
            out = {"filename": "playground-data.csv", "encoding": "text",
                   "data": export.data_csv(self.engine)}
        elif what == "script":
            out = {"filename": "playground_run.py", "encoding": "text", "data": export.script(self.engine)}
        else:
            data = base64.b64encode(export.model_bytes(self.engine)).decode("ascii")
            out = {"filename": "playground.safetensors", "encoding": "base64", "data": data}
        self._emit({"type": "export", "what": what, **out})

