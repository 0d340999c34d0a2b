"""Keras's Lamb, Ftrl and Adafactor against real Keras 3 (keras==3.15.1, KERAS_BACKEND=torch).

Two levels. ``apply_gradients`` on weights of 0 to 3 axes, in float64: the same random gradients
through Keras's optimizer and descend's ``flavor="keras"``, with the base optimizer's options
(clipping, weight decay, a schedule, EMA, gradient accumulation). And a user's ``model.fit``: the
same small network, initial weights and mini-batches in float32 and float64, trained by each of the
three in Keras and in descend, with those options and ``exclude_from_weight_decay``.

Tolerances. Keras's torch backend returns ``ops.maximum``/``ops.minimum`` of float64 scalars in
float32 (``ops.maximum`` of float64 1e-3 and 0.3 is 0.30000001192…): Adafactor's ρ_t = min(η, 1/√t),
max(ε₂, RMS(w)) and max(1, RMS(U)/d) are float32 numbers even for float64 weights, and so is the
divisor max(‖g‖, c) of ``clipnorm``. Without those, Keras's float64 step is descend's
to 1e-12. In ``fit``, Keras also computes a float64 matmul in float32 (see tests/test_model_vs_keras.py),
so the weights agree to float32's precision, 1e-6 relative (``ATOL`` 1e-7 for weights near 0),
Adafactor's float32 minimum and maximum included.
"""
from __future__ import annotations

import numpy as np
import pytest

from descend import Dense, Input, Sequential, optimizers, schedules
from oracles import KERAS_MARKS, require_keras

keras = require_keras()

pytestmark = KERAS_MARKS

KERAS = {"lamb": "Lamb", "ftrl": "Ftrl", "adafactor": "Adafactor"}
RTOL = 1e-6
ATOL = 1e-7



def _both(name, kwargs, initial_rate=0.05):
    """descend's optimizer of flavor="keras" and Keras's, from the same keywords; "schedule": an
    exponential decay from ``initial_rate``, each library's own."""
    ours_kw, theirs_kw = dict(kwargs), dict(kwargs)
    if kwargs.get("learning_rate") == "schedule":
        ours_kw["learning_rate"] = schedules.ExponentialDecay(initial_rate, 10, 0.8)
        theirs_kw["learning_rate"] = keras.optimizers.schedules.ExponentialDecay(initial_rate, 10, 0.8)
    return (optimizers.get(name, flavor="keras", **ours_kw),
            getattr(keras.optimizers, KERAS[name])(**theirs_kw))


# ------------------------------------------ apply_gradients, float64, weights of 0 to 3 axes
SHAPES = ((4, 3), (3,), (2, 3, 4), (), (1, 5))
STEP_CASES = {
    "defaults": {},
    "weight_decay-clipvalue": {"learning_rate": 0.05, "weight_decay": 0.1, "clipvalue": 0.3},
    "schedule": {"learning_rate": "schedule"},
    "accumulation-weight_decay": {"learning_rate": 0.05, "gradient_accumulation_steps": 3,
                                  "weight_decay": 0.1},
    "ema-overwrite": {"learning_rate": 0.05, "use_ema": True, "ema_momentum": 0.9,
                      "ema_overwrite_frequency": 4},
}
EXTRA = {"lamb": {"beta_1": 0.5, "beta_2": 0.67, "epsilon": 1e-5},
         "ftrl": {"learning_rate_power": -0.2, "initial_accumulator_value": 0.4,
                  "l1_regularization_strength": 0.05, "l2_regularization_strength": 0.15,
                  "l2_shrinkage_regularization_strength": 0.01, "beta": 0.3},
         "adafactor": {"beta_2_decay": -0.65, "epsilon_1": 1e-15, "epsilon_2": 1e-4, "clip_threshold": 0.9,
                       "relative_step": False}}


def _apply_both(name, kwargs, steps=30, shapes=SHAPES):
    rng = np.random.default_rng(1)
    start = [rng.normal(size=s) for s in shapes]
    grads = [[rng.normal(size=s) for s in shapes] for _ in range(steps)]
    ours_opt, theirs_opt = _both(name, kwargs)
    ours = [w.copy() for w in start]
    theirs = [keras.Variable(w.copy(), dtype="float64") for w in start]
    for gs in grads:
        ours_opt.apply([g.copy() for g in gs], ours)
        theirs_opt.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in gs], theirs, strict=True))
    ours_opt.finalize_variable_values(ours)
    theirs_opt.finalize_variable_values(theirs)
    return ours, [np.asarray(v) for v in theirs]


@pytest.mark.parametrize("case", sorted(STEP_CASES) + ["every-hyperparameter"])
@pytest.mark.parametrize("name", sorted(KERAS))
def test_apply_gradients_as_keras_on_weights_of_0_to_3_axes(name, case, keras_floatx):
    kwargs = EXTRA[name] if case == "every-hyperparameter" else STEP_CASES[case]
    if case == "every-hyperparameter" and name != "ftrl":
        kwargs = {**kwargs, "learning_rate": 0.5}
    ours, theirs = _apply_both(name, kwargs)
    # Lamb and Ftrl use no float32 minimum or maximum: Keras's float64 arithmetic, to rounding
    rtol = 1e-6 if name == "adafactor" else 1e-12
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.max(np.abs(b)), err_msg=f"{SHAPES[i]}")
    assert not np.allclose(ours[0], np.random.default_rng(1).normal(size=SHAPES[0]))   # it did move


@pytest.mark.parametrize("name", ["lamb", "adafactor"])
def test_clipnorm_as_keras_up_to_its_float32_threshold(name, keras_floatx):
    # Keras's max(‖g‖, c) is a float32 number: clipped gradients differ from float64's by ~1e-8
    ours, theirs = _apply_both(name, {"learning_rate": 0.05, "clipnorm": 0.5})
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


# ------------------------------------------ a user's model.fit
FIT_CASES = {
    "plain": {},
    "clipnorm-weight_decay-schedule": {"learning_rate": "schedule", "clipnorm": 0.5, "weight_decay": 0.05},
    "global_clipnorm": {"global_clipnorm": 0.3},
    "ema-accumulation": {"use_ema": True, "ema_momentum": 0.9, "gradient_accumulation_steps": 2},
    "exclude_from_weight_decay": {"weight_decay": 0.1},
}
FIT_RATE = {"lamb": 0.01, "ftrl": 0.1, "adafactor": 0.05}


def _data(dtype):
    rng = np.random.default_rng(0)
    return rng.normal(size=(40, 5)).astype(dtype), rng.integers(0, 3, 40)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", sorted(FIT_CASES))
@pytest.mark.parametrize("name", sorted(KERAS))
def test_fit_trains_the_weights_keras_trains(name, case, dtype, keras_floatx):
    keras_floatx(dtype)
    X, y = _data(dtype)
    kwargs = {"learning_rate": FIT_RATE[name], **FIT_CASES[case]}
    ours_opt, theirs_opt = _both(name, kwargs, FIT_RATE[name])
    if case == "exclude_from_weight_decay":
        ours_opt.exclude_from_weight_decay(var_names=["bias"])
        theirs_opt.exclude_from_weight_decay(var_names=["bias"])
    ours = Sequential([Input(5), Dense(8, "tanh"), Dense(3, "softmax")], dtype=dtype, seed=3)
    ours.compile(ours_opt, "sparse_categorical_crossentropy")
    theirs = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, "tanh"),
                               keras.layers.Dense(3, "softmax")])
    theirs.compile(theirs_opt, "sparse_categorical_crossentropy")
    start = ours.get_weights()
    theirs.set_weights(start)
    kw = {"epochs": 4, "batch_size": 8, "shuffle": False, "verbose": 0}
    h_ours, h_theirs = ours.fit(X, y, **kw), theirs.fit(X, y, **kw)
    for a, b, w0 in zip(ours.get_weights(), theirs.get_weights(), start, strict=True):
        assert a.dtype == np.dtype(dtype)
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)
        assert np.max(np.abs(b - w0)) > 100 * (RTOL * np.max(np.abs(b)) + ATOL)    # they trained
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=10 * RTOL)
