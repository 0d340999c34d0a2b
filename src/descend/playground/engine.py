"""One playground run on descend's engine: the data, the ``Sequential``, its batches, snapshots, frames.

Nothing here is a second implementation: the network is a :class:`~descend.model.Sequential` of
:class:`~descend.layers.Dense` layers, each update is ``model.train_step`` on the next batch,
the optimizer, schedule, clipping, weight decay, regulariser and initialiser are descend's own.
:class:`Engine` is synchronous and single-threaded; :mod:`descend.playground.session` runs one per
browser tab in a worker thread.

Everything that changes the weights is written to :attr:`Engine.log`; the exported script
(:mod:`descend.playground.export`) replays the log with the same calls, so it ends with the same
weights, bit for bit.
"""
from __future__ import annotations

import base64
import copy
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import batching
from ..errors import DivergenceError
from ..layers import Dense, Input
from ..model import Sequential
from . import config as cfg
from .data import Points, features, make_points

#: side of the output heatmap's grid, and of each neuron's
OUTPUT_GRID = 64
NEURON_GRID = 20
#: the loss chart keeps at most this many points (older ones are thinned)
MAX_CURVE = 2000


class Batches:
    """Epoch after epoch of batches, as ``fit`` draws them: each epoch ``batching.epoch_order``
    (a fresh permutation, none for batch GD), then ``batch_size`` rows at a time from the front
    (0 = all rows: batch GD). ``next()`` is one batch; ``end_of_epoch`` says it was the last."""

    def __init__(self, X: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator) -> None:
        self.X, self.y, self.rng = X, y, rng
        self.h = len(X) if batch_size == 0 else min(batch_size, len(X))
        self.n_batches = batching.n_batches(len(X), self.h)
        self.order: np.ndarray | None = None
        self.b = self.n_batches                       # the next batch starts an epoch

    def next(self) -> tuple[np.ndarray, np.ndarray]:
        if self.b == self.n_batches:
            self.order = batching.epoch_order(len(self.X), self.h, True, self.rng)
            self.b = 0
        start = self.b * self.h
        self.b += 1
        if self.order is None:
            return self.X[start:start + self.h], self.y[start:start + self.h]
        idx = self.order[start:start + self.h]
        return self.X[idx], self.y[idx]

    @property
    def end_of_epoch(self) -> bool:
        return self.b == self.n_batches


def build_model(config: dict[str, Any], n_inputs: int, n_outputs: int) -> Sequential:
    """The network a configuration names (weights drawn from ``init_seed``), not compiled."""
    from .. import regularizers

    init = cfg.INITIALIZERS[config["init"]]
    reg = None if config["reg"] == "none" or not config["reg_rate"] else \
        regularizers.get({"class_name": config["reg"].upper(), "config": {config["reg"]: config["reg_rate"]}})
    layers: list[Any] = [Input(shape=(n_inputs,))]
    for units, act in zip(config["layers"], config["activations"], strict=True):
        layers.append(Dense(units, activation=act, kernel_initializer=init, kernel_regularizer=reg))
    layers.append(Dense(n_outputs, activation=cfg.OUTPUTS[config["output"]][0], kernel_initializer=init,
                        kernel_regularizer=reg))
    return Sequential(layers, seed=config["init_seed"])


def make_optimizer(config: dict[str, Any]) -> Any:
    """The optimizer a configuration names, with its schedule, clipping and weight decay."""
    from .. import optimizers, schedules

    spec = cfg.schedule_spec(config)
    lr = config["lr"] if spec is None else getattr(schedules, spec[0])(**spec[1])
    return optimizers.get(config["optimizer"], learning_rate=lr, **cfg.optimizer_kwargs(config))


def schedule_curve(opt: Any, config: dict[str, Any], samples: int = 120) -> dict[str, Any]:
    """η_t of ``opt`` (``config``'s schedule): ``samples`` points from t = 0 to a horizon past its
    current step."""
    horizon = max(4 * config["decay_steps"] if config["schedule"] != "none" else 100, 2 * opt.iterations, 100)
    steps = np.linspace(0, horizon, samples).astype(int)
    return {"steps": steps.tolist(), "lr": [float(opt._learning_rate_at(int(s))) for s in steps]}


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).decode("ascii")


def _to_bytes(v: np.ndarray, low: float, high: float) -> np.ndarray:
    with np.errstate(all="ignore"):
        u = np.nan_to_num((v - low) / (high - low), nan=0.5)
    return np.round(np.clip(u, 0.0, 1.0) * 255)


def _grid(domain: float, side: int) -> np.ndarray:
    """Cell centres of a side×side grid over [−domain, domain]², row 0 at the top (x₂ = +domain)."""
    ticks = (np.arange(side) + 0.5) / side * 2 * domain - domain
    x1, x2 = np.meshgrid(ticks, ticks[::-1])
    return np.column_stack([x1.ravel(), x2.ravel()])


class Engine:
    """The state of one configuration's run: data, model, batches, counters, log, snapshots."""

    def __init__(self, config: dict[str, Any], upload: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        self.config = config
        self.upload = upload
        self.points: Points = make_points(config, upload)
        self._check_task()
        Xtr, ytr = self.points.train()
        Xte, yte = self.points.test()
        self.X_train, self.y_train = features(Xtr, config["features"]), ytr
        self.X_test, self.y_test = features(Xte, config["features"]), yte
        self.grid = features(_grid(self.points.domain, OUTPUT_GRID), config["features"])
        self.neuron_grid = features(_grid(self.points.domain, NEURON_GRID), config["features"])
        self.reset()

    def _check_task(self) -> None:
        task, output = self.points.task, self.config["output"]
        expected = {"regression": "linear", "multiclass": "softmax"}.get(task)
        if expected is not None and output != expected:
            raise ValueError(f"output: this data is a {task} task; expected {expected!r}, got {output!r}")
        if task == "binary" and output == "linear":
            raise ValueError("output: this data has two classes; expected 'sigmoid' or 'softmax', "
                             "got 'linear'")

    @property
    def n_outputs(self) -> int:
        if self.config["output"] == "softmax":
            return max(self.points.n_classes, 2)
        return 1

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Back to the initial weights of ``init_seed`` (the same ones every time), update 0."""
        config = self.config
        self.model = build_model(config, self.X_train.shape[1], self.n_outputs)
        self.model.compile(optimizer=make_optimizer(config), loss=cfg.OUTPUTS[config["output"]][1])
        self.Xp, self.yp = self.model.prepare(self.X_train, self.y_train)
        self.Xtp, self.ytp = self.model.prepare(self.X_test, self.y_test)
        self.rng = np.random.default_rng([config["init_seed"], 1])
        self.batches = Batches(self.Xp, self.yp, config["batch_size"], self.rng)
        self.updates = 0
        self.epochs = 0
        self.curve: list[tuple[int, float, float]] = []
        self.initial_config = dict(config)
        self.applied = dict(config)      # the live settings the model trains with
        self.dirty = False               # whether config holds live settings not applied yet
        self.log: list[dict[str, Any]] = [{"op": "batches", "batch_size": config["batch_size"]}]
        self.snapshot: dict[str, Any] | None = None
        self.snapshot = self.take_snapshot()

    def take_snapshot(self) -> dict[str, Any]:
        """Everything an update changes (the data arrays are shared, not copied)."""
        memo = self._shared()
        state = {"model": self.model, "batches": self.batches, "updates": self.updates,
                 "epochs": self.epochs, "curve": self.curve, "applied": self.applied, "log": self.log,
                 "rng": self.rng.bit_generator.state}
        return copy.deepcopy(state, memo)

    def _shared(self) -> dict[int, Any]:
        """What a snapshot shares instead of copying: the data, and the layers' forward caches
        (the next update computes them anew)."""
        arrays = [self.Xp, self.yp, self.X_train, self.y_train]
        for layer in self.model.layers:
            arrays += [a for a in (getattr(layer, "x", None), getattr(layer, "z", None),
                                   getattr(layer, "a", None)) if a is not None]
        return {id(a): a for a in arrays}

    def restore(self, snapshot: dict[str, Any]) -> None:
        state = copy.deepcopy(snapshot, self._shared())
        self.model, self.batches = state["model"], state["batches"]
        self.rng = self.batches.rng
        self.rng.bit_generator.state = state["rng"]
        self.updates, self.epochs, self.curve = state["updates"], state["epochs"], state["curve"]
        self.applied, self.log = state["applied"], state["log"]
        self.dirty = self.applied != self.config

    # ------------------------------------------------------------------ live settings
    def set_live(self, config: dict[str, Any]) -> None:
        """New live settings (no structure key changed); they apply at the next update."""
        self.config = config
        self.dirty = self.applied != config

    def _apply_live(self) -> None:
        new, old = self.config, self.applied
        keys = cfg.changed(old, new)
        if keys & {"reg", "reg_rate"}:
            model = build_model(new, self.X_train.shape[1], self.n_outputs)
            model.compile(optimizer=self.model.optimizer, loss=cfg.OUTPUTS[new["output"]][1])
            model.set_weights(self.model.get_weights())
            self.model = model
            self.log.append({"op": "regularize", "reg": new["reg"], "reg_rate": new["reg_rate"]})
        optimizer_keys = {"optimizer", "flavor", "lr", "momentum", "rho", "beta_1", "beta_2", "epsilon",
                          "schedule", "decay_rate", "decay_steps", "weight_decay", "clip", "clip_at"}
        if keys & optimizer_keys:
            old_opt, opt = self.model.optimizer, make_optimizer(new)
            keep = type(old_opt) is type(opt) and old_opt.iterations > 0
            if keep:
                try:
                    opt.set_state(old_opt.get_state())
                except ValueError:       # another flavor keeps other slots: a fresh start
                    keep, opt = False, make_optimizer(new)
            self.model.compile(optimizer=opt, loss=cfg.OUTPUTS[new["output"]][1])
            self.log.append({"op": "optimizer", "name": new["optimizer"], "kwargs": cfg.optimizer_kwargs(new),
                             "schedule": cfg.schedule_spec(new), "lr": new["lr"], "keep_state": keep})
        if "batch_size" in keys:
            self.batches = Batches(self.Xp, self.yp, new["batch_size"], self.rng)
            self.log.append({"op": "batches", "batch_size": new["batch_size"]})
        self.applied = dict(new)
        self.dirty = False

    # ------------------------------------------------------------------ training
    def update(self) -> float:
        """One update (``model.train_step`` on the next batch); returns E of that batch. A
        divergence raises DivergenceError (see :meth:`run`)."""
        if self.dirty:
            self._apply_live()
        xb, yb = self.batches.next()
        loss, _ = self.model.train_step(xb, yb)
        self.updates += 1
        log = self.log[-1]
        if log["op"] == "train":
            log["updates"] += 1
        else:
            self.log.append({"op": "train", "updates": 1})
        if self.batches.end_of_epoch:
            self.epochs += 1
        return float(loss)

    def run(self, updates: int, *, until_epoch_end: bool = False, budget_s: float = math.inf,
            interrupted: Callable[[], bool] | None = None) -> dict[str, Any] | None:
        """Up to ``updates`` updates (or to the end of the epoch), stopping early after ``budget_s``
        seconds or as soon as ``interrupted()`` (asked after every update) is true. Returns None, or
        where it diverged: the weights are then those before the update that blew up, and the dict
        says which update and layer."""
        start_state = self.take_snapshot()
        start = time.perf_counter()
        done = 0
        try:
            while True:
                self.update()
                done += 1
                if self.batches.end_of_epoch if until_epoch_end else done >= updates:
                    break
                if time.perf_counter() - start > budget_s or (interrupted is not None and interrupted()):
                    break
        except DivergenceError as exc:
            return self._diverged(exc, start_state, done)
        return None

    def _diverged(self, exc: DivergenceError, start_state: dict[str, Any], done: int) -> dict[str, Any]:
        # back to the start of this run, then the updates that went well again (the same batches)
        update = self.updates + 1
        self.restore(start_state)
        for _ in range(done):
            self.update()
        return {"update": update, "epoch": self.epochs + 1, "layer": exc.layer, "loss": str(exc.loss),
                "message": str(exc)}

    # ------------------------------------------------------------------ measuring
    def losses(self) -> tuple[float, float]:
        """(train, test) loss: E per point (a sum loss such as ½Σ divided by N)."""
        with np.errstate(all="ignore"):
            train = self.model.evaluate_prepared(self.Xp, self.yp)["loss"]
            test = self.model.evaluate_prepared(self.Xtp, self.ytp)["loss"]
        if self.model.loss is not None and self.model.loss.reduction == "sum":
            train, test = train / len(self.Xp), test / max(len(self.Xtp), 1)
        return float(train), float(test)

    def output_map(self) -> dict[str, Any]:
        with np.errstate(all="ignore"):
            out = self.model.predict(self.grid).astype(np.float64)
        if self.config["output"] == "softmax":
            return {"kind": "classes", "classes": _b64(np.argmax(out, axis=1)),
                    "confidence": _b64(_to_bytes(out.max(axis=1), 0.0, 1.0))}
        if self.config["output"] == "sigmoid":
            return {"kind": "probability", "values": _b64(_to_bytes(out[:, 0], 0.0, 1.0))}
        return {"kind": "value", "values": _b64(_to_bytes(out[:, 0], -1.0, 1.0))}

    def neuron_maps(self) -> list[dict[str, Any]]:
        """Each hidden neuron's output over the small grid, scaled by its largest |a|."""
        maps = []
        with np.errstate(all="ignore"):
            self.model.predict(self.neuron_grid)
            for layer in self.model.layers[:-1]:
                assert isinstance(layer, Dense) and layer.a is not None
                a = np.asarray(layer.a, dtype=np.float64)
                for j in range(a.shape[1]):
                    scale = float(np.nanmax(np.abs(a[:, j]))) if np.isfinite(a[:, j]).any() else 0.0
                    scale = scale if scale > 0 and math.isfinite(scale) else 1.0
                    maps.append({"scale": scale, "values": _b64(_to_bytes(a[:, j], -scale, scale))})
        return maps

    def gradient_flow(self) -> dict[str, Any]:
        """Per layer ‖∂E/∂W‖ and ‖W‖ on all the training data, the library's verdicts, and every
        gradient (for the edges)."""
        from ..diagnostics import diagnose, record_gradient_flow

        with np.errstate(all="ignore"):
            flow = record_gradient_flow(self.model, self.X_train, self.y_train)
            verdicts = diagnose(flow)
        return {"grad_norm": [_finite(v) for v in flow["grad_norm"][-1]],
                "weight_norm": [_finite(v) for v in flow["weight_norm"][-1]],
                "verdicts": [{"layer": v.layer, "label": v.label, "reason": v.reason} for v in verdicts],
                "grads": [np.nan_to_num(g.astype(np.float64)).ravel().tolist() for g in self.model.grads]}

    def schedule_curve(self, samples: int = 120) -> dict[str, Any]:
        """η_t ahead of time: ``samples`` points from t = 0 to a horizon past the current step."""
        return schedule_curve(self.model.optimizer, self.config, samples)

    def frame(self, flow: bool = True) -> dict[str, Any]:
        """What the page draws after some updates."""
        train, test = self.losses()
        if not self.curve or self.curve[-1][0] != self.updates:
            self.curve.append((self.updates, train, test))
            if len(self.curve) > MAX_CURVE:
                self.curve = self.curve[::2]
        frame = {"type": "frame", "update": self.updates, "epoch": self.epochs,
                 "epoch_float": self.epochs + (self.batches.b % self.batches.n_batches)
                 / self.batches.n_batches,
                 "train_loss": _finite(train), "test_loss": _finite(test),
                 "lr": float(self.model.optimizer.current_learning_rate),
                 "t": int(self.model.optimizer.iterations),
                 "weights": [np.asarray(p, dtype=np.float64).ravel().tolist() for p in self.model.params],
                 "output": self.output_map(), "neurons": self.neuron_maps()}
        if flow:
            frame["flow"] = self.gradient_flow()
        return frame

    def explain(self, param: int, index: int, point: int) -> dict[str, Any]:
        """∂E/∂w of one weight for one training point, factor by factor (``descend.explain``)."""
        from ..explain import explain

        name = self.weight_name(param, index)
        with np.errstate(all="ignore"):
            text = str(explain(self.model, self.X_train[point], self.y_train[point])[name])
        return {"type": "explain", "param": param, "index": index, "point": point, "name": name, "text": text}

    def weight_name(self, param: int, index: int) -> str:
        from ..explain import weight_symbol

        layer = param // 2 + 1
        p = self.model.params[param]
        if param % 2 == 0:
            i, j = divmod(index, p.shape[1])
            return weight_symbol(layer, i + 1, j + 1)
        return weight_symbol(layer, 0, index + 1)

    def set_weight(self, param: int, index: int, value: float) -> None:
        """Overwrite one weight or bias (written to the log: the script does the same)."""
        self.model.params[param].flat[index] = value
        self.log.append({"op": "weight", "param": param, "index": index, "value": value})

    def data_message(self) -> dict[str, Any]:
        pts = self.points
        return {"type": "data", "x": pts.X.ravel().tolist(), "y": pts.y.tolist(), "n_train": pts.n_train,
                "task": pts.task, "domain": pts.domain, "classes": pts.n_classes,
                "layers": [self.X_train.shape[1], *self.config["layers"], self.n_outputs],
                "output_grid": OUTPUT_GRID, "neuron_grid": NEURON_GRID,
                "schedule": self.schedule_curve()}


def _finite(v: float) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None
