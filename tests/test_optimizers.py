"""The optimizer registry and API of every optimizer: look-up by name, flavors and their
defaults, config round trips, constructor checks, the documented flavor table, training a model
by name. (Each rule against the slides: tests/test_optimizers_<family>.py; the shared pipeline:
tests/test_optimizers_base.py.)"""
from __future__ import annotations

import json

import numpy as np
import pytest

from descend import optimizers, schedules
from descend.optimizers import SGD, Adadelta, Adagrad, Adam, AdamW, Nadam, RMSprop

NAMES = sorted(optimizers.REGISTRY)
FLAVORS = optimizers.FLAVORS


LECTURE_DEFAULTS = {
    "sgd": {"learning_rate": 0.01, "momentum": 0.0, "weight_decay_mode": "lecture", "clip_epsilon": 0.0},
    "momentum": {"momentum": 0.9, "momentum_buffer": "velocity"},
    "nag": {"momentum": 0.9, "nesterov": True},
    "adagrad": {"initial_accumulator_value": 0.0, "epsilon_placement": "inside"},
    "rmsprop": {"rho": 0.9, "epsilon_placement": "inside"},
    "adadelta": {"learning_rate": 1.0, "epsilon_placement": "inside"},
    "adam": {"beta_1": 0.9, "beta_2": 0.999, "epsilon_placement": "inside"},
    "adamw": {"weight_decay_mode": "lecture"},
    "nadam": {"momentum_decay": None, "epsilon_placement": "inside"},
}


@pytest.mark.parametrize("name", sorted(LECTURE_DEFAULTS))
def test_lecture_flavor_defaults(name):
    opt = optimizers.get(name)
    assert opt.flavor == "lecture"
    config = opt.get_config()
    assert {k: config[k] for k in LECTURE_DEFAULTS[name]} == LECTURE_DEFAULTS[name]


def test_positional_arguments_follow_keras():
    assert (SGD(0.1, 0.5, True).momentum, SGD(0.1, 0.5, True).nesterov) == (0.5, True)
    adam = Adam(0.1, 0.8, 0.99, 1e-6, True)
    assert (adam.beta_1, adam.beta_2, adam.epsilon, adam.amsgrad) == (0.8, 0.99, 1e-6, True)
    assert (AdamW(0.1, 0.02).weight_decay, AdamW(0.1, 0.02, 0.7).beta_1) == (0.02, 0.7)
    rms = RMSprop(0.1, 0.8, 0.5, 1e-6, True)
    assert (rms.rho, rms.momentum, rms.epsilon, rms.centered) == (0.8, 0.5, 1e-6, True)
    assert Adagrad(0.1, 0.2, 1e-6).initial_accumulator_value == 0.2
    assert (Adadelta(0.1, 0.8, 1e-6).rho, Nadam(0.1, 0.8).beta_1) == (0.8, 0.8)


# =================================================================================== registry
@pytest.mark.parametrize("name", NAMES)
def test_get_by_name_is_case_insensitive(name):
    assert type(optimizers.get(name.upper())) is optimizers.REGISTRY[name]
    assert type(optimizers.get(name.capitalize())) is optimizers.REGISTRY[name]


def test_get_returns_an_instance_as_is_and_builds_from_dicts():
    opt = Adam()
    assert optimizers.get(opt) is opt
    built = optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.5}})
    assert isinstance(built, SGD) and built.learning_rate == 0.5
    assert optimizers.get("adam", flavor="keras").epsilon == 1e-7


#: what keras.optimizers.serialize(...) returns (keras 3.15.1, torch backend)
KERAS_SGD = {"module": "keras.src.backend.torch.optimizers.torch_sgd", "class_name": "SGD", "config": {
    "name": "sgd", "learning_rate": 0.5, "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
    "clipvalue": None, "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
    "loss_scale_factor": None, "gradient_accumulation_steps": None, "momentum": 0.9, "nesterov": True},
    "registered_name": "SGD"}
KERAS_ADAM = {"module": "keras.src.backend.torch.optimizers.torch_adam", "class_name": "Adam", "config": {
    "name": "adam", "learning_rate": {
        "module": "keras.optimizers.schedules", "class_name": "ExponentialDecay",
        "config": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, "staircase": False,
                   "name": "ExponentialDecay"}, "registered_name": None},
    "weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None, "use_ema": False,
    "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
    "gradient_accumulation_steps": None, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False},
    "registered_name": "Adam"}


def test_get_reads_keras_serialized_optimizers_with_keras_conventions():
    sgd = optimizers.get(KERAS_SGD)
    assert isinstance(sgd, SGD) and sgd.flavor == "keras"
    assert (sgd.learning_rate, sgd.momentum, sgd.nesterov) == (0.5, 0.9, True)
    adam = optimizers.get(KERAS_ADAM)
    assert isinstance(adam, Adam) and adam.flavor == "keras" and adam.epsilon == 1e-7
    assert isinstance(adam._learning_rate, schedules.ExponentialDecay)
    assert adam._learning_rate(10) == pytest.approx(0.05)
    assert optimizers.get(KERAS_SGD, flavor="torch").flavor == "torch"    # a keyword still wins


@pytest.mark.parametrize("key, value, match", [("loss_scale_factor", 128.0, "loss_scale_factor=128.0"),
                                               ("is_legacy_optimizer", True, "is_legacy_optimizer=True"),
                                               ("jit_compile", True, r"unexpected keyword.*jit_compile")])
def test_get_refuses_keras_optimizer_keys_that_cannot_apply_by_name(key, value, match):
    with pytest.raises((ValueError, TypeError), match=match):
        optimizers.get({**KERAS_SGD, "config": {**KERAS_SGD["config"], key: value}})


@pytest.mark.parametrize("bad, error", [("adabelief", ValueError), (3, TypeError),
                                        ({"config": {}}, ValueError), ({"class_name": "nope"}, ValueError),
                                        (None, TypeError)])
def test_get_rejects_unknown_identifiers(bad, error):
    with pytest.raises(error, match="optimizer"):
        optimizers.get(bad)


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("name", NAMES)
def test_config_round_trips_through_json(name, flavor):
    opt = optimizers.get(name, flavor=flavor, learning_rate=schedules.CosineDecay(0.1, 100, warmup_target=0.2,
                                                                                     warmup_steps=5))
    data = json.loads(json.dumps(optimizers.serialize(opt)))
    again = optimizers.get(data)
    assert type(again) is type(opt) and again.get_config() == opt.get_config()


def test_a_plain_callable_schedule_works_but_does_not_serialize():
    opt = SGD(learning_rate=lambda step: 0.1 / (1 + step))
    assert opt.current_learning_rate == 0.1
    with pytest.raises(TypeError, match="schedule"):
        optimizers.serialize(opt)


# ================================================================================== bad input
BAD_CONSTRUCTOR = [
    ("sgd", {"learning_rate": 0.0}, ValueError, "learning_rate"),
    ("sgd", {"learning_rate": -0.1}, ValueError, "learning_rate"),
    ("adam", {"learning_rate": float("nan")}, ValueError, "learning_rate"),
    ("adam", {"learning_rate": float("inf")}, ValueError, "learning_rate"),
    ("adam", {"learning_rate": "0.1"}, TypeError, "learning_rate"),
    ("adam", {"learning_rate": True}, TypeError, "learning_rate"),
    ("adam", {"beta_1": 1.0}, ValueError, "beta_1"),
    ("adam", {"beta_1": -0.1}, ValueError, "beta_1"),
    ("adamw", {"beta_2": 1.0}, ValueError, "beta_2"),
    ("nadam", {"beta_2": 1.5}, ValueError, "beta_2"),
    ("rmsprop", {"rho": 1.0}, ValueError, "rho"),
    ("adadelta", {"rho": -0.5}, ValueError, "rho"),
    ("adagrad", {"epsilon": -1e-8}, ValueError, "epsilon"),
    ("adam", {"epsilon": -1.0}, ValueError, "epsilon"),
    ("sgd", {"momentum": -0.1}, ValueError, "momentum"),
    ("sgd", {"momentum": 1.5}, ValueError, "momentum"),
    ("rmsprop", {"momentum": 2.0}, ValueError, "momentum"),
    ("momentum", {"momentum": 0.0}, ValueError, "momentum"),
    ("sgd", {"nesterov": True, "flavor": "torch"}, ValueError, "nesterov"),
    ("sgd", {"nesterov": True, "nesterov_needs_momentum": True}, ValueError, "nesterov"),
    ("sgd", {"nesterov_needs_momentum": "yes"}, TypeError, "nesterov_needs_momentum"),
    ("adam", {"use_ema": 1}, TypeError, "use_ema"),
    ("adam", {"ema_momentum": 1.5}, ValueError, "ema_momentum"),
    ("adam", {"ema_overwrite_frequency": 0}, ValueError, "ema_overwrite_frequency"),
    ("adam", {"ema_overwrite_frequency": 2.0}, ValueError, "ema_overwrite_frequency"),
    ("sgd", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, ValueError, "nesterov"),
    ("nag", {"nesterov": False}, ValueError, "nesterov"),
    ("sgd", {"dampening": 2.0}, ValueError, "dampening"),
    ("sgd", {"clipnorm": 1.0, "clipvalue": 1.0}, ValueError, "at most one"),
    ("adam", {"clipnorm": 1.0, "global_clipnorm": 1.0}, ValueError, "at most one"),
    ("adam", {"clipnorm": 0.0}, ValueError, "clipnorm"),
    ("adam", {"global_clipnorm": -1.0}, ValueError, "global_clipnorm"),
    ("adam", {"clipvalue": float("inf")}, ValueError, "clipvalue"),
    ("adam", {"clip_norm_type": 0.5}, ValueError, "norm_type"),
    ("adam", {"flavor": "pytorch"}, ValueError, "flavor"),
    ("adam", {"weight_decay": -0.1}, ValueError, "weight_decay"),
    ("adam", {"weight_decay_mode": "l2"}, ValueError, "weight_decay_mode"),
    ("adam", {"weight_decay_mode": "lecture", "decoupled_weight_decay": True}, ValueError,
     "decoupled_weight_decay"),
    ("adamw", {"weight_decay_mode": "coupled"}, ValueError, "weight_decay_mode"),
    ("adam", {"epsilon_placement": "middle"}, ValueError, "epsilon_placement"),
    ("rmsprop", {"epsilon_placement": "hat"}, ValueError, "epsilon_placement"),
    ("nadam", {"momentum_decay": -1.0}, ValueError, "momentum_decay"),
    ("adagrad", {"initial_accumulator_value": -0.1}, ValueError, "initial_accumulator_value"),
    ("adagrad", {"lr_decay": -0.1}, ValueError, "lr_decay"),
    ("rmsprop", {"centered": "yes"}, TypeError, "centered"),
    ("adam", {"amsgrad": 1}, TypeError, "amsgrad"),
    ("sgd", {"momentum_buffer": "both"}, ValueError, "momentum_buffer"),
]


@pytest.mark.parametrize("name, kwargs, error, match", BAD_CONSTRUCTOR,
                         ids=[f"{n}-{'-'.join(kw)}-{list(kw.values())[-1]}"
                              for n, kw, _, _ in BAD_CONSTRUCTOR])
def test_constructor_rejects_bad_arguments(name, kwargs, error, match):
    with pytest.raises(error, match=match):
        optimizers.get(name, **kwargs)


# ================================================================================== the docs
def test_the_flavor_table_in_the_docs_is_true():
    import pathlib
    import re
    text = (pathlib.Path(__file__).resolve().parents[1] / "docs" / "optimizers.md").read_text()
    table = text.split("<!-- flavor-table -->")[1].split("<!-- /flavor-table -->")[0]
    rows = list(table.strip().splitlines()[2:])
    assert len(rows) > 30
    for row in rows:
        name, key, *values = [c.strip().strip("`") for c in row.strip("|").split("|")]
        names = NAMES if name == "all" else [name]
        for n in names:
            for flavor, shown in zip(FLAVORS, values, strict=True):
                actual = optimizers.get(n, flavor=flavor).get_config()[key]
                if n in ("adamw", "lion", "adafactor") and name == "all" and key == "weight_decay_mode":
                    continue                         # AdamW's, Lion's and Adafactor's own rows say it
                assert repr(actual).strip("'") == shown, f"{n} {key} {flavor}: docs {shown}, code {actual!r}"
        assert re.fullmatch(r"\w+", key)


# ============================================================================ with the engine
@pytest.mark.parametrize("name", NAMES)
def test_compile_by_name_trains_a_model(name):
    from descend import Dense, Input, Sequential

    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]])
    model = Sequential([Input(3), Dense(4, "tanh"), Dense(1)], dtype="float64", seed=0)
    model.compile(optimizer=name.upper(), loss="mse")
    assert isinstance(model.optimizer, optimizers.REGISTRY[name])
    first = model.train_on_batch(X, y)
    for _ in range(30):
        last = model.train_on_batch(X, y)
    assert last < first and model.optimizer.iterations == 31


@pytest.mark.parametrize("name", sorted(optimizers.REGISTRY))
def test_unknown_keyword_is_rejected_by_name(name):
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['bogus'\]"):
        optimizers.get(name, bogus=1)
