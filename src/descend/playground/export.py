"""What the playground exports: the data (CSV), the model (descend's safetensors file) and a Python
script that replays the run with the library.

The script builds the same network from the same seed, prepares the same training features,
draws the same batches (the :class:`~descend.playground.engine.Batches` class is copied into it)
and makes the same calls the playground made, in the same order — optimizer changes, regulariser
changes, edited weights and every update — so it ends with the same weights, bit for bit.
"""
from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from .. import saving
from . import config as cfg
from .data import to_csv
from .engine import Batches, Engine


def data_csv(engine: Engine) -> str:
    return to_csv(engine.points)


def model_bytes(engine: Engine) -> bytes:
    """The model as ``model.save`` writes it (a ``.safetensors`` file; ``descend.load_model`` reads it)."""
    return saving.to_bytes(engine.model)


def _array(a: np.ndarray) -> str:
    if a.dtype.kind == "f":
        return "np.array(" + repr([[float(v) for v in row] for row in a] if a.ndim == 2
                                  else [float(v) for v in a]) + ", dtype=np.float64)"
    return "np.array(" + repr([int(v) for v in a]) + ", dtype=np.int64)"


def _optimizer_call(name: str, kwargs: dict[str, Any], spec: Any, lr: float) -> str:
    if spec is None:
        rate = repr(lr)
    else:
        cls, args = spec
        rate = f"schedules.{cls}(" + ", ".join(f"{k}={v!r}" for k, v in args.items()) + ")"
    extra = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    return f"optimizers.get({name!r}, learning_rate={rate}{extra})"


def _network(config: dict[str, Any], n_inputs: int, n_outputs: int) -> str:
    rows = [f"        Input(shape=({n_inputs},)),"]
    for units, act in zip(config["layers"], config["activations"], strict=True):
        rows.append(f"        Dense({units}, activation={act!r}, kernel_initializer=INIT, "
                    f"kernel_regularizer=reg),")
    output = cfg.OUTPUTS[config["output"]][0]
    rows.append(f"        Dense({n_outputs}, activation={output!r}, kernel_initializer=INIT, "
                f"kernel_regularizer=reg),")
    return "\n".join(rows) + f"\n    ], seed={config['init_seed']})"


def _replay(log: list[dict[str, Any]]) -> list[str]:
    lines = []
    for entry in log:
        op = entry["op"]
        if op == "batches":
            lines.append(f"batches = Batches(X, y, {entry['batch_size']}, rng)")
        elif op == "train":
            lines.append(f"for _ in range({entry['updates']}):\n    model.train_step(*batches.next())")
        elif op == "optimizer":
            call = _optimizer_call(entry["name"], entry["kwargs"], entry["schedule"], entry["lr"])
            lines.append(f"optimizer = {call}")
            if entry["keep_state"]:
                lines.append("optimizer.set_state(model.optimizer.get_state())  # the same one goes on")
            lines.append("model.compile(optimizer=optimizer, loss=LOSS)")
        elif op == "regularize":
            lines.append(f"model = with_regularizer(model, {entry['reg']!r}, {entry['reg_rate']!r})")
        elif op == "weight":
            lines.append(f"model.params[{entry['param']}].flat[{entry['index']}] = {entry['value']!r}   "
                         f"# edited in the playground")
    return lines


def script(engine: Engine) -> str:
    """A Python script that reproduces the run: running it gives the playground's weights, bit for bit."""
    config = first = engine.initial_config
    loss = cfg.OUTPUTS[config["output"]][1]
    reg = "None" if first["reg"] == "none" else repr(first["reg"])
    batches_source = inspect.getsource(Batches)
    first_optimizer = _optimizer_call(first["optimizer"], cfg.optimizer_kwargs(first),
                                      cfg.schedule_spec(first), first["lr"])
    lines = [
        '"""A descend playground run, replayed with the library: the same data, network, batches and',
        'updates, hence the same weights, bit for bit."""',
        "import numpy as np",
        "",
        "from descend import Dense, Input, Sequential, batching, optimizers, regularizers, schedules",
        "",
        f"# the training data: features {config['features']} of the points of {config['dataset']!r}"
        f" (data seed {config['data_seed']})",
        f"X_TRAIN = {_array(engine.X_train)}",
        f"Y_TRAIN = {_array(engine.y_train)}",
        f"INIT = {cfg.INITIALIZERS[config['init']]!r}",
        f"LOSS = {loss!r}",
        "",
        "",
        batches_source.rstrip(),
        "",
        "",
        "def network(reg_name, rate):",
        "    reg = None if reg_name is None or not rate else regularizers.get(",
        "        {'class_name': reg_name.upper(), 'config': {reg_name: rate}})",
        "    return Sequential([",
        _network(config, engine.X_train.shape[1], engine.n_outputs),
        "",
        "",
        "def with_regularizer(model, reg_name, rate):",
        "    new = network(None if reg_name == 'none' else reg_name, rate)",
        "    new.compile(optimizer=model.optimizer, loss=LOSS)",
        "    new.set_weights(model.get_weights())",
        "    return new",
        "",
        "",
        f"model = network({reg}, {first['reg_rate']!r})",
        f"model.compile(optimizer={first_optimizer}, loss=LOSS)",
        "X, y = model.prepare(X_TRAIN, Y_TRAIN)",
        f"rng = np.random.default_rng([{config['init_seed']}, 1])",
        *_replay(engine.log),
        "",
        'if __name__ == "__main__":',
        "    for name, w in zip(model.param_names(), model.get_weights()):",
        "        print(name, w.tolist())",
        "",
    ]
    return "\n".join(lines)
