"""training: one update (TrainingStep: the fast forms chosen, the weights kept for a rollback)
and the epoch loop (losses reduced as the loss says, validation held out, batch hooks)."""
import copy
import math

import numpy as np
import pytest

from descend import Callback, Dense, DivergenceError, Input, Sequential, _fast
from descend._fast.dense import FastDense
from descend.initializers import Constant
from descend.optimizers import SGD
from descend.training import TrainingStep, split_validation


class MyDense(Dense):
    """A user's subclass: it may change forward, so it keeps the reference path."""


def _model(*layers, loss="mse", optimizer="sgd", dtype="float64"):
    model = Sequential([Input(3), *layers], dtype=dtype, seed=0)
    model.compile(optimizer, loss)
    return model


@pytest.mark.fast_paths
def test_the_step_takes_the_fast_form_of_built_in_dense_layers_only():
    model = _model(Dense(4, "relu"), MyDense(4, "tanh"), Dense(1))
    step = TrainingStep(model)
    assert [type(layer) for layer in step.layers] == [FastDense, MyDense, FastDense]
    assert step.layers[0].input_grad is False and step.layers[2].input_grad is True
    assert step.fused is None                                 # mse has no fused form


def test_with_the_fast_paths_off_the_step_takes_the_layers_themselves(monkeypatch):
    monkeypatch.setattr(_fast, "enabled", lambda: False)
    model = _model(Dense(4, "relu"), Dense(3, "softmax"), loss="sparse_categorical_crossentropy")
    step = TrainingStep(model)
    assert step.layers == model.layers and step.fused is step.loss       # the loss itself, not a fast form


def test_the_step_keeps_the_weights_before_each_update_alternately():
    model = _model(Dense(2, "tanh"), Dense(1))
    X, y = np.random.default_rng(0).standard_normal((8, 3)), np.ones(8)
    seen = []
    for _ in range(3):
        seen.append(model.get_weights())
        model.train_on_batch(X, y)
    step = model._step
    for s, before in enumerate(seen):
        if s >= 1:                                            # updates 1 and 2 wrote kept[1] and kept[0]
            for kept, w in zip(step.kept[s % 2], before, strict=True):
                np.testing.assert_array_equal(kept, w)
    assert step.good_step == 2


def test_setting_the_weights_forgets_the_rollback():
    model = _model(Dense(2, "tanh"), Dense(1))
    X, y = np.ones((4, 3)), np.ones(4)
    model.train_on_batch(X, y)
    model.set_weights(model.get_weights())
    assert model._step is None


def test_a_divergence_after_good_steps_goes_back_to_the_last_good_weights():
    model = Sequential([Input(2), Dense(1, kernel_initializer=Constant(1.0), use_bias=False)], seed=0)
    model.compile(SGD(learning_rate=1e-3), "mse")
    good = np.ones((4, 2), np.float32), np.zeros(4, np.float32)
    model.train_on_batch(*good)
    before_last_good = model.get_weights()
    model.train_on_batch(*good)
    with pytest.raises(DivergenceError) as info:
        model.train_on_batch(np.full((4, 2), 3e38, np.float32), np.zeros(4, np.float32))
    assert info.value.restored and "back to those before the previous update" in str(info.value)
    for w, b in zip(model.get_weights(), before_last_good, strict=True):
        np.testing.assert_array_equal(w, b)


@pytest.mark.parametrize("loss, reduce", [("squared_error", "sum"), ("mse", "mean")])
def test_the_epoch_loss_combines_batch_losses_with_the_loss_s_reduction(loss, reduce):
    X = np.random.default_rng(1).standard_normal((10, 3))
    y = X.sum(axis=1)
    batches = []

    class Losses(Callback):
        def on_batch_end(self, batch, logs=None):
            batches.append((logs["loss"], logs["size"]))

    model = _model(Dense(1), loss=loss)
    history = model.fit(X, y, epochs=1, batch_size=4, shuffle=False, verbose=0, callbacks=[Losses()])
    expected = sum(v if reduce == "sum" else v * n / 10 for v, n in batches)
    assert [n for _, n in batches] == [4, 4, 2]
    assert history.history["loss"][0] == pytest.approx(expected, rel=1e-12)


def test_validation_split_holds_out_the_last_rows_before_shuffling():
    model = _model(Dense(1))
    X, y = np.arange(30.0).reshape(10, 3), np.arange(10.0)
    X_train, y_train, (X_val, y_val) = split_validation(model, X, y, None, 0.3)
    np.testing.assert_array_equal(X_val, X[7:])
    np.testing.assert_array_equal(y_train, y[:7])
    with pytest.raises(ValueError, match="leaves no training or no validation sample"):
        split_validation(model, X, y, None, 0.01)
    with pytest.raises(ValueError, match="either validation_data or validation_split"):
        split_validation(model, X, y, (X, y), 0.2)


def test_only_callbacks_with_batch_hooks_are_called_per_batch():
    calls = {"epoch": 0, "batch": 0}

    class EpochOnly(Callback):
        def on_epoch_end(self, epoch, logs=None):
            calls["epoch"] += 1

    class Batches(Callback):
        def on_batch_begin(self, batch, logs=None):
            calls["batch"] += 1

    model = _model(Dense(1))
    model.fit(np.ones((6, 3)), np.ones(6), epochs=2, batch_size=2, verbose=0, callbacks=[EpochOnly(),
                                                                                         Batches()])
    assert calls == {"epoch": 2, "batch": 6}


def test_verbose_must_be_one_of_keras_values():
    model = _model(Dense(1))
    with pytest.raises(ValueError, match="verbose: expected 0, 1, 2 or 'auto', got 3"):
        model.fit(np.ones((4, 3)), np.ones(4), verbose=3)


def test_a_nan_loss_on_the_first_update_keeps_the_weights_and_says_so():
    model = _model(Dense(1, kernel_initializer=Constant(1e300)), loss="squared_error")
    before = model.get_weights()
    with pytest.raises(DivergenceError) as info:
        model.fit(np.full((2, 3), 1e10), np.zeros(2), epochs=1, verbose=0)
    assert not info.value.restored and math.isinf(info.value.loss)
    assert "epoch 1, update 1" in str(info.value) and "nothing non-finite was written" in str(info.value)
    for w, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(w, b)


def test_with_the_fast_paths_off_the_first_layer_computes_no_input_gradient(monkeypatch):
    monkeypatch.setattr(_fast, "enabled", lambda: False)
    model = _model(Dense(4, "relu"), Dense(3, "softmax"), loss="sparse_categorical_crossentropy")
    X, y = np.random.default_rng(0).standard_normal((8, 3)), np.arange(8) % 3
    reference = copy.deepcopy(model)
    products = []
    original = Dense.backward_delta

    def counted(layer, delta):
        products.append(layer.name)
        return original(layer, delta)

    monkeypatch.setattr(Dense, "backward_delta", counted)
    model.train_step(*model.prepare(X, y))
    assert products == [model.layers[1].name]                 # δWᵀ of the output layer only
    monkeypatch.setattr(Dense, "backward_delta", original)
    backprop = reference.loss_and_gradients(*reference.prepare(X, y))
    for mine, theirs in zip(model.grads, backprop.grads, strict=True):   # the same gradients
        np.testing.assert_array_equal(mine, theirs)
