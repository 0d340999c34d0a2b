"""The base optimizer's Keras features in ``fit``, against real Keras 3 (keras==3.15.1, torch backend).

The same two-layer network, the same starting weights, the same data in the same order (no
shuffling), trained by Keras's ``model.fit`` and by descend's with ``flavor="keras"``: the moving
average of the weights (``use_ema``, with and without ``ema_overwrite_frequency``), gradient
accumulation over batches whose last one is partial (20 samples in batches of 6: the sum crosses
the epochs, as in Keras), with a schedule (which counts every call, as Keras's) and with
``clipnorm`` (of the mean), and AdamW with ``exclude_from_weight_decay(var_names=["bias"])``.
Keras's torch backend computes in float32 even under a float64 floatx (see
``tests/test_model_vs_keras.py``), so the weights agree to 1e-6 relative to the largest weight of
each tensor.
"""
from __future__ import annotations

import numpy as np
import pytest

from descend import Dense, Input, Sequential, schedules
from descend import optimizers as ours
from oracles import KERAS_MARKS, require_keras

keras = require_keras()

RTOL = 1e-6
pytestmark = KERAS_MARKS



def _fit_both(theirs, mine, epochs=4):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 4)), rng.normal(size=(20, 1))
    keras.utils.set_random_seed(0)
    km = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="tanh"),
                           keras.layers.Dense(1)])
    dm = Sequential([Input(4), Dense(3, activation="tanh"), Dense(1)], seed=0, dtype="float64")
    dm.set_weights(km.get_weights())
    km.compile(optimizer=theirs, loss="mse")
    dm.compile(optimizer=mine, loss="mse")
    km.fit(X, y, batch_size=6, epochs=epochs, shuffle=False, verbose=0)
    dm.fit(X, y, batch_size=6, epochs=epochs, shuffle=False, verbose=0)
    for a, b in zip(km.get_weights(), dm.get_weights(), strict=True):
        np.testing.assert_allclose(b, a, rtol=0, atol=RTOL * float(np.abs(a).max()))
    return km, dm


@pytest.mark.parametrize("overwrite", [None, 3])
@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_use_ema_over_a_fit_of_several_epochs(name, overwrite):
    kwargs = {"learning_rate": 0.05, "use_ema": True, "ema_momentum": 0.8,
              "ema_overwrite_frequency": overwrite}
    _, dm = _fit_both(getattr(keras.optimizers, name)(**kwargs),
                      getattr(ours, name)(flavor="keras", **kwargs))
    for w, average in zip(dm.weights, dm.optimizer.state["average"], strict=True):
        np.testing.assert_array_equal(w, average)          # fit ended on the average


@pytest.mark.parametrize("extra", ["plain", "schedule", "clipnorm"])
def test_gradient_accumulation_with_a_partial_last_batch(extra):
    theirs: dict = {"learning_rate": 0.1}
    mine: dict = {"learning_rate": 0.1}
    if extra == "schedule":
        theirs["learning_rate"] = keras.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5)
        mine["learning_rate"] = schedules.ExponentialDecay(0.1, 2, 0.5)
    if extra == "clipnorm":
        theirs["clipnorm"] = mine["clipnorm"] = 0.05
    km, dm = _fit_both(keras.optimizers.Adam(gradient_accumulation_steps=3, **theirs),
                       ours.Adam(flavor="keras", gradient_accumulation_steps=3, **mine))
    # 4 epochs of 4 batches: 16 calls, 5 updates and 1 gradient in the sum
    assert int(km.optimizer.iterations) == dm.optimizer.iterations == 5 and dm.optimizer.accumulated == 1
    assert float(km.optimizer.learning_rate) == pytest.approx(dm.optimizer.learning_rate, rel=1e-6)


def test_adamw_keeps_the_biases_out_of_weight_decay_in_fit():
    theirs = keras.optimizers.AdamW(learning_rate=0.05, weight_decay=0.3)
    theirs.exclude_from_weight_decay(var_names=["bias"])
    mine = ours.AdamW(learning_rate=0.05, weight_decay=0.3, flavor="keras")
    mine.exclude_from_weight_decay(var_names=["bias"])
    _, dm = _fit_both(theirs, mine)
    decayed = ours.AdamW(learning_rate=0.05, weight_decay=0.3, flavor="keras")
    _, everything = _fit_both(keras.optimizers.AdamW(learning_rate=0.05, weight_decay=0.3), decayed)
    assert not np.allclose(dm.weights[1], everything.weights[1], atol=1e-3)   # the exclusion mattered
