"""The playground's settings: every key, its default, its limits, and which ones need a new network.

A browser tab's whole setup is one flat dict of these keys (the page mirrors it in its URL, so a
link reproduces the setup). :func:`validate` checks a partial update against :data:`SCHEMA`
before anything trains on it; an error names the key, what was expected and what came.

Keys in :data:`STRUCTURE` change the data or the network: the session builds them anew (the same
initial weights for the same ``init_seed``). The others are *live*: they take effect at the next
update and keep the weights and the optimizer's state.
"""
from __future__ import annotations

from typing import Any

from ..checks import BOOLEAN, Interval, Options, check

#: guard rails, shown in the page when reached
MAX_HIDDEN_LAYERS = 10
MAX_UNITS = 64
MAX_POINTS = 10_000
MAX_SPEED = 1000
MAX_FUNCTION_CHARS = 200

DATASETS = ("circle", "xor", "gauss", "spiral", "moons", "blobs", "reg-plane", "reg-gauss",
            "function", "upload")
REGRESSION = ("reg-plane", "reg-gauss")
FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2", "cosx1", "cosx2")
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "linear")
#: output → (its activation, its loss), named as the slides name them
OUTPUTS = {"sigmoid": ("sigmoid", "binary_crossentropy"),
           "softmax": ("softmax", "sparse_categorical_crossentropy"),
           "linear": ("linear", "squared_error")}
OUTPUT_NAMES = {"sigmoid": "sigmoid + binary cross-entropy E = −Σ[y log ŷ + (1−y) log(1−ŷ)]/N",
                "softmax": "softmax + cross-entropy E = −Σ log ŷ_y /N",
                "linear": "linear + squared error E = ½Σ(y − ŷ)²"}
OPTIMIZERS = ("sgd", "momentum", "nag", "adagrad", "rmsprop", "adadelta", "adam", "nadam")
#: each optimizer's hyperparameters besides η (the page shows only these)
HYPERPARAMETERS: dict[str, tuple[str, ...]] = {
    "sgd": (), "momentum": ("momentum",), "nag": ("momentum",), "adagrad": ("epsilon",),
    "rmsprop": ("rho", "epsilon"), "adadelta": ("rho", "epsilon"), "adam": ("beta_1", "beta_2", "epsilon"),
    "nadam": ("beta_1", "beta_2", "epsilon")}
FORMULAS = {
    "sgd": "w ← w − η ∂E/∂w",
    "momentum": "v ← γv + η ∂E/∂w;  w ← w − v",
    "nag": "v ← γv + η ∇E(w − γv);  w ← w − v",
    "adagrad": "G ← G + g²;  w ← w − η g/√(G + ε)",
    "rmsprop": "E[g²] ← ρE[g²] + (1−ρ)g²;  w ← w − η g/√(E[g²] + ε)",
    "adadelta": "Δ = √(E[Δ²] + ε)/√(E[g²] + ε) · g;  w ← w − ηΔ",
    "adam": "m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  w ← w − η m̂/√(v̂ + ε)",
    "nadam": "Adam with Nesterov momentum: w ← w − η (β₁m̂ + (1−β₁)ĝ)/√(v̂ + ε)",
}
FLAVORS = ("lecture", "keras", "torch")
SCHEDULES = ("none", "staircase", "exponential", "inverse_time", "cosine")
SCHEDULE_FORMULAS = {"none": "η_t = η₀", "staircase": "η_t = η₀ · δ^(t // T)",
                     "exponential": "η_t = η₀ · δ^(t / T)", "inverse_time": "η_t = η₀ / (1 + δ t/T)",
                     "cosine": "η_t = η₀ · ½(1 + cos(π min(t, T)/T))"}
REGULARIZERS = ("none", "l1", "l2")
CLIPPING = ("none", "value", "norm", "global_norm")
#: initialiser → what descend's initializers.get takes
INITIALIZERS: dict[str, Any] = {
    "zeros": "zeros",
    "small": {"class_name": "RandomNormal", "config": {"mean": 0.0, "stddev": 0.01}},
    "large": {"class_name": "RandomNormal", "config": {"mean": 0.0, "stddev": 1.0}},
    "uniform": {"class_name": "RandomUniform", "config": {"minval": -0.5, "maxval": 0.5}},
    "normal": {"class_name": "RandomNormal", "config": {"mean": 0.0, "stddev": 0.5}},
    "glorot_uniform": "glorot_uniform", "glorot_normal": "glorot_normal",
    "he_uniform": "he_uniform", "he_normal": "he_normal",
    "lecun_uniform": "lecun_uniform", "lecun_normal": "lecun_normal",
}
SEED = Interval(int, 0, 2 ** 31 - 1)

#: key → constraint (``layers``, ``activations``, ``features`` and ``function`` are checked apart)
SCHEMA: dict[str, Any] = {
    "dataset": Options(DATASETS),
    "noise": Interval(float, 0.0, 0.5),
    "points": Interval(int, 10, MAX_POINTS),
    "train_ratio": Interval(float, 0.1, 0.9),
    "data_seed": SEED,
    "output": Options(tuple(OUTPUTS)),
    "init": Options(tuple(INITIALIZERS)),
    "init_seed": SEED,
    "optimizer": Options(OPTIMIZERS),
    "flavor": Options(FLAVORS),
    "lr": Interval(float, 1e-6, 100.0),
    "momentum": Interval(float, 0.0, 0.999, closed="neither"),
    "rho": Interval(float, 0.0, 0.9999, closed="right"),
    "beta_1": Interval(float, 0.0, 0.9999),
    "beta_2": Interval(float, 0.0, 0.99999),
    "epsilon": Interval(float, 0.0, 1.0),
    "batch_size": Interval(int, 0, MAX_POINTS),
    "schedule": Options(SCHEDULES),
    "decay_rate": Interval(float, 0.001, 1.0),
    "decay_steps": Interval(int, 1, 10 ** 7),
    "weight_decay": Interval(float, 0.0, 0.5),
    "reg": Options(REGULARIZERS),
    "reg_rate": Interval(float, 0.0, 10.0),
    "clip": Options(CLIPPING),
    "clip_at": Interval(float, 1e-6, 1e6),
    "speed": Interval(int, 0, MAX_SPEED),
    "target_loss": Interval(float, 0.0, 1e12),
    "log_flow": BOOLEAN,
}

DEFAULTS: dict[str, Any] = {
    "dataset": "circle", "noise": 0.0, "points": 500, "train_ratio": 0.5, "data_seed": 1,
    "function": "x1*x2", "features": ["x1", "x2"], "layers": [4, 2], "activations": ["tanh", "tanh"],
    "output": "sigmoid", "init": "glorot_uniform", "init_seed": 1,
    "optimizer": "sgd", "flavor": "lecture", "lr": 0.03, "momentum": 0.9, "rho": 0.9, "beta_1": 0.9,
    "beta_2": 0.999, "epsilon": 1e-7, "batch_size": 10, "schedule": "none", "decay_rate": 0.5,
    "decay_steps": 1000, "weight_decay": 0.0, "reg": "none", "reg_rate": 0.001, "clip": "none",
    "clip_at": 1.0, "speed": 0, "target_loss": 0.0, "log_flow": True,
}

#: keys whose change needs new data or a new network (the others are live)
STRUCTURE = frozenset({"dataset", "noise", "points", "train_ratio", "data_seed", "function", "features",
                       "layers", "activations", "output", "init", "init_seed"})
#: keys that change the data
DATA = frozenset({"dataset", "noise", "points", "train_ratio", "data_seed", "function"})


def _check_layers(value: Any) -> list[int]:
    if not isinstance(value, list):
        raise TypeError(f"layers: expected a list of hidden-layer widths, got {type(value).__name__}")
    if len(value) > MAX_HIDDEN_LAYERS:
        raise ValueError(f"layers: expected at most {MAX_HIDDEN_LAYERS} hidden layers (the limit), "
                         f"got {len(value)}")
    return [check(f"layers[{i}]", units, Interval(int, 1, MAX_UNITS)) for i, units in enumerate(value)]


def _check_activations(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise TypeError(f"activations: expected a list of activation names, got {type(value).__name__}")
    if len(value) > MAX_HIDDEN_LAYERS:
        raise ValueError(f"activations: expected at most {MAX_HIDDEN_LAYERS}, got {len(value)}")
    return [check(f"activations[{i}]", a, Options(ACTIVATIONS)) for i, a in enumerate(value)]


def _check_features(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise TypeError(f"features: expected a list of feature names, got {type(value).__name__}")
    names = [check(f"features[{i}]", f, Options(FEATURES)) for i, f in enumerate(value)]
    if not names:
        raise ValueError(f"features: expected at least one of {list(FEATURES)}, got none")
    if len(set(names)) != len(names):
        raise ValueError(f"features: expected each feature once, got {names}")
    return [f for f in FEATURES if f in names]          # the canonical order


def _check_function(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"function: expected a formula in x1 and x2 (text), got {type(value).__name__}")
    if len(value) > MAX_FUNCTION_CHARS:
        raise ValueError(f"function: expected at most {MAX_FUNCTION_CHARS} characters, got {len(value)}")
    from .data import parse_function

    parse_function(value)          # a ValueError naming what is wrong
    return value


_LISTS = {"layers": _check_layers, "activations": _check_activations, "features": _check_features,
          "function": _check_function}


def validate(update: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """``base`` (default :data:`DEFAULTS`) with ``update``'s keys checked and applied.

    Raises TypeError or ValueError naming the first bad key; nothing of ``update`` is applied then.
    The result is consistent: one activation per hidden layer, an output that fits the task.
    """
    if not isinstance(update, dict):
        raise TypeError(f"config: expected an object of settings, got {type(update).__name__}")
    unknown = sorted(k for k in update if k not in DEFAULTS)
    if unknown:
        raise ValueError(f"config: unknown setting(s) {unknown}; expected some of {sorted(DEFAULTS)}")
    config = dict(DEFAULTS if base is None else base)
    for key, value in update.items():
        config[key] = _LISTS[key](value) if key in _LISTS else check(key, value, SCHEMA[key])
    return _consistent(config)


def _consistent(config: dict[str, Any]) -> dict[str, Any]:
    if len(config["activations"]) != len(config["layers"]):
        raise ValueError(f"activations: expected one per hidden layer ({len(config['layers'])}), "
                         f"got {len(config['activations'])}")
    regression = config["dataset"] in REGRESSION
    if regression and config["output"] != "linear":
        raise ValueError(f"output: the data set {config['dataset']!r} is a regression; expected 'linear' "
                         f"(squared error), got {config['output']!r}")
    if not regression and config["output"] == "linear" and config["dataset"] == "blobs":
        raise ValueError("output: 'blobs' has three classes; expected 'softmax', got 'linear'")
    if config["dataset"] == "blobs" and config["output"] == "sigmoid":
        raise ValueError("output: 'blobs' has three classes; expected 'softmax', got 'sigmoid'")
    return config


def changed(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    """The keys whose values differ."""
    return {k for k in new if old.get(k) != new[k]}


def optimizer_kwargs(config: dict[str, Any]) -> dict[str, Any]:
    """The keywords of ``descend.optimizers.get(config['optimizer'], **kwargs)``, the learning rate
    aside (see :func:`schedule_spec`)."""
    name = config["optimizer"]
    kwargs: dict[str, Any] = {"flavor": config["flavor"]}
    kwargs.update({h: config[h] for h in HYPERPARAMETERS[name]})
    if config["weight_decay"]:
        kwargs["weight_decay"] = config["weight_decay"]
    clip = config["clip"]
    if clip != "none":
        kwargs[{"value": "clipvalue", "norm": "clipnorm", "global_norm": "global_clipnorm"}[clip]] = \
            config["clip_at"]
    return kwargs


def schedule_spec(config: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(class name in ``descend.schedules``, its keywords) of the learning-rate schedule, or None
    for a constant η."""
    lr, kind = config["lr"], config["schedule"]
    if kind == "none":
        return None
    if kind == "cosine":
        return "CosineDecay", {"initial_learning_rate": lr, "decay_steps": config["decay_steps"]}
    cls = "InverseTimeDecay" if kind == "inverse_time" else "ExponentialDecay"
    return cls, {"initial_learning_rate": lr, "decay_steps": config["decay_steps"],
                 "decay_rate": config["decay_rate"], "staircase": kind == "staircase"}


def limits() -> dict[str, Any]:
    """The guard rails, for the page."""
    return {"hidden_layers": MAX_HIDDEN_LAYERS, "units": MAX_UNITS, "points": MAX_POINTS,
            "speed": MAX_SPEED, "function_chars": MAX_FUNCTION_CHARS}


def catalogue() -> dict[str, Any]:
    """Everything the page's selectors list (sent once when a tab connects)."""
    return {"datasets": list(DATASETS), "features": list(FEATURES), "activations": list(ACTIVATIONS),
            "outputs": OUTPUT_NAMES, "optimizers": list(OPTIMIZERS), "hyperparameters": HYPERPARAMETERS,
            "formulas": FORMULAS, "flavors": list(FLAVORS), "schedules": SCHEDULE_FORMULAS,
            "initializers": list(INITIALIZERS), "clipping": list(CLIPPING), "limits": limits(),
            "defaults": DEFAULTS, "regression": list(REGRESSION)}
