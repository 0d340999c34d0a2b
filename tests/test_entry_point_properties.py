"""Issue 15: every public entry point takes any value for any one argument, or refuses it with a
ValueError/TypeError that names the argument, and what it built then works or says why in the
same way (never an AttributeError, IndexError, OverflowError, ZeroDivisionError, a hang, ...).

Each property replaces one argument of a working call by a value a careless or hostile caller
passes (hypothesis draws the argument and the value, a few hundred times; each call is small)."""
from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import descend
from descend import callbacks, layers, losses, optimizers, schedules
from descend.errors import DivergenceError
from descend.sklearn import MLPClassifier, MLPRegressor

#: values a careless or hostile caller passes where a number, a name, a list or an array is wanted
ODD = st.sampled_from([None, -1, 0, 1, 2, 3, 2.5, -0.5, 0.5, 1e300, -1e300, math.nan, math.inf, -math.inf,
                       True, False, np.int64(2), np.float32(0.5), np.float64(-1.0), np.bool_(True),
                       "2", "", "auto", "relu", "max", b"x", [], [1], [-1], [0.5, 2.0], [[1.0, 2.0]], {},
                       (), (2,), (0,), (2, 3), object(), np.zeros((0, 2)), np.zeros((4, 3)),
                       np.full((4, 2), np.nan), np.full((4, 2), 1e300), np.array(["a", "b"]),
                       np.zeros((4, 2), dtype=complex), np.zeros((2, 2, 2)), 10**30, -(10**30),
                       2**63, lambda *a: 0.1])
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

X4 = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
Y4 = np.array([[1.0], [1.0], [0.0], [0.0]])


def _small(optimizer: Any = "sgd", loss: Any = "mse") -> descend.Sequential:
    model = descend.Sequential([layers.Input(2), layers.Dense(3, activation="tanh"), layers.Dense(1)], seed=0)
    model.compile(optimizer=optimizer, loss=loss)
    return model


def _refused_naming(exc: BaseException, names: list[str]) -> None:
    assert isinstance(exc, (ValueError, TypeError)), f"{type(exc).__name__}: {exc}"
    assert any(name in str(exc) for name in names), f"{type(exc).__name__}: {exc} (names {names})"


def _build_then_use(build: Callable[[], Any], use: Callable[[Any], Any], names: list[str]) -> None:
    """``build()`` works or names one of ``names``; what it built, ``use`` works or raises
    ValueError/TypeError (a divergence is a ValueError too)."""
    try:
        built = build()
    except Exception as exc:
        _refused_naming(exc, names)
        return
    with contextlib.suppress(ValueError, TypeError):
        use(built)


def _one_replaced(defaults: dict[str, Any], which: str, value: Any) -> dict[str, Any]:
    return {**defaults, which: value}


# -------------------------------------------------------------------------------- compile
_COMPILE = {"optimizer": "sgd", "loss": "mse", "metrics": None, "dtype": None}


@SETTINGS
@given(st.sampled_from(sorted(_COMPILE)), ODD)
def test_compile_takes_anything_or_names_the_argument(which, value):
    args = _one_replaced(_COMPILE, which, value)

    def build():
        model = descend.Sequential([layers.Input(2), layers.Dense(1)], seed=0)
        model.compile(**args)
        return model

    _build_then_use(build, lambda m: m.fit(X4, Y4, epochs=1, verbose=0),
                    [which, "learning_rate", "metric"])


# --------------------------------------------------------------------------------- layers
_LAYERS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "Dense": (layers.Dense, {"units": 2, "activation": "relu", "use_bias": True,
                             "kernel_initializer": "glorot_uniform", "bias_initializer": "zeros",
                             "kernel_regularizer": None, "name": None, "kernel_constraint": None,
                             "bias_constraint": None}),
    "Activation": (layers.Activation, {"activation": "tanh", "name": None}),
    "Dropout": (layers.Dropout, {"rate": 0.5, "seed": 0, "name": None}),
    "Input": (layers.Input, {"shape": (2,)}),
    "InputLayer": (layers.InputLayer, {"shape": (2,), "batch_size": None, "name": None}),
    "Flatten": (layers.Flatten, {"input_shape": None, "name": None}),
}


@SETTINGS
@given(st.sampled_from(sorted(_LAYERS)), st.data(), ODD)
def test_layers_take_anything_or_name_the_argument(kind, data, value):
    cls, defaults = _LAYERS[kind]
    which = data.draw(st.sampled_from(sorted(defaults)))
    args = _one_replaced(defaults, which, value)

    def use(layer):
        stack = [layer] if kind in ("Input", "InputLayer") else [layers.Input(2), layer]
        model = descend.Sequential([*stack, layers.Dense(1)], seed=0)
        model.compile(optimizer="sgd", loss="mse")
        model.fit(X4, Y4, epochs=1, verbose=0)
        model.predict(X4)

    _build_then_use(lambda: cls(**args), use, [which, "shape", "units", "activation", "initializer"])


# --------------------------------------------------------------------------------- losses
_LOSSES = ["squared_error", "sum_squared_error", "mse", "binary_crossentropy",
           "categorical_crossentropy", "sparse_categorical_crossentropy"]


@SETTINGS
@given(st.sampled_from(_LOSSES), st.booleans(), st.sampled_from(["y_pred", "y_true"]), ODD)
def test_losses_called_directly_take_anything_or_name_the_argument(name, gradient, which, value):
    loss = losses.get(name)
    good = {"y_pred": np.full((4, 2), 0.5), "y_true": np.array([[1.0, 0.0], [0.0, 1.0]] * 2)}
    if name == "sparse_categorical_crossentropy":
        good["y_true"] = np.array([0, 1, 1, 0])
    args = _one_replaced(good, which, value)
    call = loss.gradient if gradient else loss
    try:
        with np.errstate(invalid="ignore", divide="ignore"):  # a row of zeros is no distribution: NaN
            out = call(args["y_pred"], args["y_true"])
    except Exception as exc:
        _refused_naming(exc, [which])
        return
    assert np.shape(out) == (() if not gradient else np.shape(args["y_pred"]))


# ----------------------------------------------------------------------------- optimizers
_OPTIMIZERS = {name: getattr(optimizers, cls) for name, cls in [
    ("sgd", "SGD"), ("momentum", "Momentum"), ("nag", "NAG"), ("adagrad", "Adagrad"),
    ("adadelta", "Adadelta"), ("rmsprop", "RMSprop"), ("adam", "Adam"), ("adamw", "AdamW"),
    ("nadam", "Nadam"), ("adamax", "Adamax"), ("lion", "Lion"), ("lamb", "Lamb"), ("ftrl", "Ftrl"),
    ("adafactor", "Adafactor")]}
_OPTIMIZER_ARGS = ["learning_rate", "momentum", "nesterov", "rho", "epsilon", "beta_1", "beta_2",
                   "weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "flavor", "amsgrad",
                   "centered", "initial_accumulator_value", "learning_rate_power",
                   "l1_regularization_strength", "beta", "beta_2_decay", "epsilon_1", "clip_threshold",
                   "relative_step"]


@SETTINGS
@given(st.sampled_from(sorted(_OPTIMIZERS)), st.sampled_from(_OPTIMIZER_ARGS), ODD)
def test_optimizers_take_anything_or_name_the_argument(name, which, value):
    _build_then_use(lambda: _OPTIMIZERS[name](**{which: value}),
                    lambda opt: _small(optimizer=opt).fit(X4, Y4, epochs=2, batch_size=2, verbose=0),
                    [which, "unexpected", "keyword"])


# ------------------------------------------------------------------------------ schedules
_SCHEDULES: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "ExponentialDecay": (schedules.ExponentialDecay,
                         {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5,
                          "staircase": False}),
    "StepDecay": (schedules.StepDecay, {"initial_learning_rate": 0.1, "step_size": 10, "gamma": 0.5}),
    "PiecewiseConstantDecay": (schedules.PiecewiseConstantDecay,
                               {"boundaries": [5], "values": [0.1, 0.01]}),
    "PolynomialDecay": (schedules.PolynomialDecay,
                        {"initial_learning_rate": 0.1, "decay_steps": 10, "end_learning_rate": 0.01,
                         "power": 1.0, "cycle": False}),
    "InverseTimeDecay": (schedules.InverseTimeDecay,
                         {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5,
                          "staircase": False}),
    "CosineDecay": (schedules.CosineDecay, {"initial_learning_rate": 0.1, "decay_steps": 10, "alpha": 0.0,
                                            "warmup_target": None, "warmup_steps": 0}),
    "CosineDecayRestarts": (schedules.CosineDecayRestarts,
                            {"initial_learning_rate": 0.1, "first_decay_steps": 10, "t_mul": 2.0,
                             "m_mul": 1.0, "alpha": 0.0}),
}


@SETTINGS
@given(st.sampled_from(sorted(_SCHEDULES)), st.data(), ODD,
       st.sampled_from([0, 1, 9, 10, 11, 10**6, 10**18]))
def test_schedules_take_anything_or_name_the_argument(kind, data, value, step):
    cls, defaults = _SCHEDULES[kind]
    which = data.draw(st.sampled_from(sorted(defaults)))
    args = _one_replaced(defaults, which, value)

    def use(schedule):
        rate = schedule(step)
        assert isinstance(rate, float) and rate >= 0 or math.isnan(rate) is False and rate >= 0

    _build_then_use(lambda: cls(**args), use, [which])


# ------------------------------------------------------------------------------ callbacks
_CALLBACKS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "EarlyStopping": (callbacks.EarlyStopping,
                      {"monitor": "loss", "min_delta": 0.0, "patience": 0, "mode": "auto", "baseline": None,
                       "restore_best_weights": False, "start_from_epoch": 0, "verbose": 0}),
    "ReduceLROnPlateau": (callbacks.ReduceLROnPlateau,
                          {"monitor": "loss", "factor": 0.1, "patience": 1, "verbose": 0, "mode": "auto",
                           "min_delta": 1e-4, "cooldown": 0, "min_lr": 0.0}),
    "LearningRateScheduler": (callbacks.LearningRateScheduler,
                              {"schedule": lambda epoch, lr: lr, "verbose": 0}),
}


@SETTINGS
@pytest.mark.filterwarnings("ignore:.*is not in the logs:UserWarning")
@given(st.sampled_from(sorted(_CALLBACKS)), st.data(), ODD)
def test_callbacks_take_anything_or_name_the_argument(kind, data, value):
    cls, defaults = _CALLBACKS[kind]
    which = data.draw(st.sampled_from(sorted(defaults)))
    args = _one_replaced(defaults, which, value)
    _build_then_use(lambda: cls(**args),
                    lambda cb: _small().fit(X4, Y4, epochs=3, batch_size=2, verbose=0, callbacks=[cb]),
                    [which])


# --------------------------------------------------------------- explain, gradient_check
@SETTINGS
@given(st.sampled_from(["explain", "gradient_check"]), st.sampled_from(["model", "x", "y", "eps"]), ODD)
def test_explain_and_gradient_check_take_anything_or_name_the_argument(function, which, value):
    if function == "explain" and which == "eps":
        which = "x"
    args = {"model": _small(), "x": X4[:1], "y": Y4[:1], "eps": 1e-6, which: value}
    call = (lambda: descend.explain(args["model"], args["x"], args["y"])) if function == "explain" \
        else (lambda: descend.gradient_check(args["model"], args["x"], args["y"], eps=args["eps"]))
    try:
        call()
    except Exception as exc:
        _refused_naming(exc, [which, "X" if which == "x" else which])


# ----------------------------------------------------------------------------- load_model
@SETTINGS
@given(ODD)
def test_load_model_takes_any_path_argument_or_names_it(value):
    try:
        descend.load_model(value)
    except FileNotFoundError:
        pass
    except Exception as exc:
        _refused_naming(exc, ["path", str(value)[:20]])


# --------------------------------------------------------------------- sklearn estimators
_ESTIMATOR_ARGS = ["hidden_layer_sizes", "activation", "optimizer", "learning_rate", "momentum",
                   "batch_size", "epochs", "early_stopping", "validation_fraction", "n_iter_no_change",
                   "tol", "dtype", "random_state", "verbose", "l1", "l2", "clipnorm", "schedule",
                   "kernel_initializer", "weight_decay", "loss"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([MLPClassifier, MLPRegressor]), st.sampled_from(_ESTIMATOR_ARGS), ODD)
def test_estimators_take_anything_or_name_the_argument(cls, which, value):
    if which == "epochs" and isinstance(value, (int, np.integer)) and not isinstance(value, bool) \
            and value > 3:
        value = 3                               # a valid number of epochs that ends soon
    if which == "hidden_layer_sizes" and isinstance(value, (int, np.integer)) and value > 100:
        value = 100
    params = {"hidden_layer_sizes": (3,), "epochs": 2, "batch_size": 2, "random_state": 0, which: value}
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]] * 3)
    y = np.array([0, 1, 0, 1] * 3) if cls is MLPClassifier else X.sum(axis=1)
    try:
        cls(**params).fit(X, y).predict(X)
    except DivergenceError:
        assert which in ("learning_rate", "momentum", "optimizer", "schedule", "l1", "l2", "weight_decay",
                         "kernel_initializer", "clipnorm", "dtype", "activation", "loss"), which
    except Exception as exc:
        _refused_naming(exc, [which])


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_estimators_fit_data_of_any_kind_or_name_it(cls):
    """X and y (sklearn's own checks name them) — the handful of kinds, not a property."""
    for X in (None, "x", np.zeros((0, 2)), np.full((4, 2), np.nan), np.array([["a", "b"]] * 4)):
        with pytest.raises((ValueError, TypeError)):
            cls(hidden_layer_sizes=(2,), epochs=1).fit(X, [0, 1, 0, 1])


# ------------------------------------------------- the cases the properties found (each failed before)
def test_flags_are_true_or_false_not_anything_with_a_truth_value():
    for build, name in [(lambda v: schedules.ExponentialDecay(0.1, 10, 0.5, staircase=v), "staircase"),
                        (lambda v: schedules.PolynomialDecay(0.1, 10, cycle=v), "cycle"),
                        (lambda v: callbacks.EarlyStopping(restore_best_weights=v), "restore_best_weights"),
                        (lambda v: callbacks.ModelCheckpoint("m", save_best_only=v), "save_best_only"),
                        (lambda v: callbacks.CSVLogger("h.csv", append=v), "append")]:
        with pytest.raises(TypeError, match=f"{name}: expected True or False"):
            build(np.zeros((0, 2)))             # bool() of it: "truth value of an empty array is ambiguous"
        build(np.bool_(True))


def test_weight_decay_of_an_array_is_named():
    with pytest.raises((TypeError, ValueError), match="weight_decay"):
        optimizers.Adam(weight_decay=np.zeros((0, 2)))


def test_piecewise_constant_decay_wants_lists():
    with pytest.raises(TypeError, match="boundaries: expected a list of steps, got NoneType"):
        schedules.PiecewiseConstantDecay(None, [0.1])
    with pytest.raises(TypeError, match="values: expected a list of learning rates, got NoneType"):
        schedules.PiecewiseConstantDecay([5], None)
    assert schedules.PiecewiseConstantDecay(np.array([5]), np.array([0.1, 0.01]))(6) == 0.01


@pytest.mark.parametrize("name", _LOSSES)
def test_a_loss_refuses_complex_numbers_instead_of_dropping_their_imaginary_part(name):
    loss = losses.get(name)
    y_true = np.array([0, 1]) if name.startswith("sparse") else np.array([[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(TypeError, match="y_pred: expected real numbers, got an array of dtype complex128"):
        loss(np.full((2, 2), 0.5 + 1j), y_true)
    with pytest.raises(TypeError, match="y_true: expected real numbers"):
        loss.gradient(np.full((2, 2), 0.5), y_true.astype(complex))


def test_explain_names_x_and_y_that_are_not_numbers():
    with pytest.raises(TypeError, match="x: expected numbers"):
        descend.explain(_small(), object(), [1.0])
    with pytest.raises(TypeError, match="y: expected numbers"):
        descend.explain(_small(), [0.0, 1.0], "a")
