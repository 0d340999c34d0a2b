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
    X_train, y_train, w, (X_val, y_val, w_val) = split_validation(model, X, y, None, 0.3)
    np.testing.assert_array_equal(X_val, X[7:])
    np.testing.assert_array_equal(y_train, y[:7])
    assert w is None and w_val is None
    with pytest.raises(ValueError, match="leaves no training or no validation sample"):
        split_validation(model, X, y, None, 1e-20)
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
    with pytest.raises(ValueError, match="verbose: expected 0, 1, 2 or 'auto', got True"):
        model.fit(np.ones((4, 3)), np.ones(4), verbose=True)       # as predict and evaluate


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


@pytest.mark.parametrize("n, split, n_train", [(100, 0.29, 71), (10, 0.01, 9), (4, 0.1, 3), (7, 0.5, 3),
                                              (100, 0.2, 80), (3, 0.6, 1)])
def test_validation_split_trains_on_the_rows_keras_trains_on(n, split, n_train):
    """Keras 3 (array_slicing.train_validation_split): the first floor(n·(1 − split)) rows train.
    At n = 100, split 0.29 that is 71 (int(n·split) held out would have left 72)."""
    model = _model(Dense(1))
    X, y = np.arange(3.0 * n).reshape(n, 3), np.arange(float(n))
    w = np.linspace(1, 2, n)
    X_train, _, w_train, (X_val, _, w_val) = split_validation(model, X, y, None, split, w)
    assert len(X_train) == n_train == math.floor(n * (1 - split)) and len(X_val) == n - n_train
    np.testing.assert_array_equal(w_train, w[:n_train])      # the weights split with the rows
    np.testing.assert_array_equal(w_val, w[n_train:])
    history = model.fit(X, y, epochs=1, validation_split=split, verbose=0, batch_size=None)
    assert history.params["samples"] == n_train


# ------------------------------------------------------------------ sample weights (Keras 3's semantics)
def _linear(units=2, loss="mse"):
    model = Sequential([Input(3), Dense(units, use_bias=False)], dtype="float64", seed=0)
    model.compile(SGD(learning_rate=0.1), loss)
    return model


@pytest.mark.parametrize("loss, value, gradient", [
    # a mean loss: Σ w_n E_n / N with E_n the sample's mean over its K outputs (not / Σ w)
    ("mse", lambda d, w: np.sum(w * (d ** 2).mean(axis=1)) / len(d),
     lambda d, w: w[:, None] * 2 * d / d.size),
    # the slides' summed loss: Σ w_n · ½ Σ_k (ŷ − y)², each observation's term counted w_n times
    ("squared_error", lambda d, w: 0.5 * np.sum(w[:, None] * d ** 2), lambda d, w: w[:, None] * d),
])
def test_a_weighted_step_is_the_hand_formula(loss, value, gradient):
    rng = np.random.default_rng(0)
    X, y, w = rng.normal(size=(6, 3)), rng.normal(size=(6, 2)), np.array([0.0, 1.0, 2.0, 3.0, 0.5, 4.0])
    model = _linear(loss=loss)
    W = model.get_weights()[0]
    d = X @ W - y
    history = model.fit(X, y, epochs=1, batch_size=None, sample_weight=w, verbose=0)
    assert history.history["loss"][0] == pytest.approx(value(d, w), rel=1e-14)
    np.testing.assert_allclose(model.get_weights()[0], W - 0.1 * X.T @ gradient(d, w), rtol=1e-14)
    model = _linear(loss=loss)
    assert model.evaluate(X, y, sample_weight=w) == pytest.approx(value(d, w), rel=1e-14)
    assert model.train_on_batch(X, y, sample_weight=w) == pytest.approx(value(d, w), rel=1e-14)


def test_the_epoch_loss_is_the_batch_size_weighted_mean_of_weighted_batch_losses():
    rng = np.random.default_rng(1)
    X, y, w = rng.normal(size=(10, 3)), rng.normal(size=(10, 2)), rng.uniform(0, 3, 10)
    model = _linear()
    batches = []

    class Losses(Callback):
        def on_batch_end(self, batch, logs=None):
            batches.append((logs["loss"], logs["size"]))

    history = model.fit(X, y, epochs=1, batch_size=4, shuffle=False, sample_weight=w, verbose=0,
                        callbacks=[Losses()])
    assert history.history["loss"][0] == pytest.approx(sum(v * n / 10 for v, n in batches), rel=1e-14)
    # and each batch loss is Σ_batch w·E_n / (its size): the first batch, before any update
    first = _linear()
    d = X[:4] @ first.get_weights()[0] - y[:4]
    assert batches[0][0] == pytest.approx(np.sum(w[:4] * (d ** 2).mean(axis=1)) / 4, rel=1e-14)


@pytest.mark.parametrize("kernels", ["fast", "numpy"])
def test_unit_weights_change_nothing_and_class_weight_is_its_sample_weight(monkeypatch, kernels):
    if kernels == "numpy":
        monkeypatch.setattr(_fast, "enabled", lambda: False)
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 3, 40)

    def trained(**kwargs):
        model = _model(Dense(5, "tanh"), Dense(3, "softmax"), loss="sparse_categorical_crossentropy")
        h = model.fit(X, y, epochs=3, batch_size=8, seed=0, verbose=0, **kwargs)
        return model.get_weights(), h.history["loss"]

    plain, with_ones = trained(), trained(sample_weight=np.ones(40))
    for a, b in zip(plain[0], with_ones[0], strict=True):
        np.testing.assert_array_equal(a, b)                       # bit for bit
    assert plain[1] == with_ones[1]
    by_class = trained(class_weight={0: 2.0, 2: 0.25})
    by_sample = trained(sample_weight=np.array([2.0, 1.0, 0.25])[y])
    for a, b in zip(by_class[0], by_sample[0], strict=True):
        np.testing.assert_array_equal(a, b)
    assert by_class[1] == by_sample[1]
    assert not np.allclose(by_class[0][0], plain[0][0])           # and the weights did matter


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


#: loss, output activation, targets from labels, E_n written out from ŷ (or from z, for logits)
_PER_SAMPLE = {
    "mse": ("linear", lambda c: np.eye(3)[c], lambda p, y: ((p - y) ** 2).mean(axis=1)),
    "squared_error": ("linear", lambda c: np.eye(3)[c], lambda p, y: 0.5 * ((p - y) ** 2).sum(axis=1)),
    "sum_squared_error": ("linear", lambda c: np.eye(3)[c], lambda p, y: ((p - y) ** 2).sum(axis=1)),
    "binary_crossentropy": ("sigmoid", lambda c: np.eye(3)[c],
                            lambda p, y: -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(axis=1)),
    "categorical_crossentropy": ("softmax", lambda c: np.eye(3)[c],
                                 lambda p, y: -(y * np.log(p)).sum(axis=1)),
    "sparse_categorical_crossentropy": ("softmax", lambda c: c,
                                        lambda p, y: -np.log(p[np.arange(len(p)), y])),
}


@pytest.mark.parametrize("kernels", ["fast", "numpy"])
@pytest.mark.parametrize("name, from_logits", [(name, False) for name in _PER_SAMPLE] + [
    (name, True) for name, (activation, _, _) in _PER_SAMPLE.items() if activation != "linear"])
def test_random_continuous_weights_give_the_direct_formula(monkeypatch, kernels, name, from_logits):
    """Every loss, fused or not, from logits or not: E = Σ_n w_n E_n / N (mean) or Σ_n w_n E_n (sum)
    with 100 distinct weights, E_n written out here from the model's output."""
    from descend import losses
    if kernels == "numpy":
        monkeypatch.setattr(_fast, "enabled", lambda: False)
    rng = np.random.default_rng(5)
    X, labels, w = rng.normal(size=(100, 3)), rng.integers(0, 3, 100), rng.uniform(0, 3, 100)
    activation, targets, per_sample = _PER_SAMPLE[name]
    loss = losses.REGISTRY[name](from_logits=True) if from_logits else losses.get(name)
    model = _model(Dense(4, "tanh"), Dense(3, "linear" if from_logits else activation), loss=loss)
    out = model.predict(X, verbose=0)
    if from_logits:
        out = 1 / (1 + np.exp(-out)) if name == "binary_crossentropy" else _softmax(out)
    y = targets(labels)
    expected = np.dot(w, per_sample(out, y)) / (100 if loss.reduction == "mean" else 1)
    assert model.evaluate(X, y, sample_weight=w, verbose=0) == pytest.approx(expected, rel=1e-13)
    assert model.train_on_batch(X, y, sample_weight=w) == pytest.approx(expected, rel=1e-13)


def test_a_users_loss_without_a_per_sample_form_weighs_its_samples_too():
    from descend import losses

    class MyMSE(losses.Loss):                      # mse as a user writes it: E and ∂E/∂ŷ only
        name, reduction = "my_mse", "mean"

        def __call__(self, y_pred, y_true):
            return float(np.mean((y_pred - y_true) ** 2))

        def gradient(self, y_pred, y_true):
            return 2 * (y_pred - y_true) / y_pred.size

    rng = np.random.default_rng(6)
    X, y, w = rng.normal(size=(9, 3)), rng.normal(size=(9, 2)), rng.uniform(0, 3, 9)
    mine, builtin = _linear(loss=MyMSE()), _linear(loss="mse")
    assert mine.train_on_batch(X, y, sample_weight=w) == pytest.approx(
        builtin.train_on_batch(X, y, sample_weight=w), rel=1e-14)
    np.testing.assert_allclose(mine.get_weights()[0], builtin.get_weights()[0], rtol=1e-14)


def test_a_sample_of_weight_zero_does_not_count_even_where_its_loss_is_not_finite():
    from descend.losses import MeanSquaredError
    e, w = np.array([np.inf, 1.5, np.nan]), np.array([0.0, 2.0, 0.0])
    assert MeanSquaredError().reduce(e, w) == 1.0
    assert MeanSquaredError(reduction="sum").reduce(e, w) == 3.0
    assert MeanSquaredError().reduce(np.zeros(0), np.zeros(0)) == 0.0


def test_class_weight_reads_one_hot_rows_and_binary_targets():
    from descend.training import class_weights

    onehot = np.eye(3)[[0, 2, 1, 2]]
    np.testing.assert_array_equal(class_weights({2: 5.0}, onehot, np.dtype("float64")), [1, 5, 1, 5])
    binary = np.array([[0.0], [1.0], [1.0]])
    np.testing.assert_array_equal(class_weights({0: 0.5, 1: 2}, binary, np.dtype("float64")), [0.5, 2, 2])


def test_weighted_validation_data_is_a_keras_three_tuple():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(12, 3)), rng.normal(size=(12, 2))
    Xv, yv, wv = rng.normal(size=(5, 3)), rng.normal(size=(5, 2)), np.array([0.0, 1, 2, 3, 4])
    model = _linear()
    history = model.fit(X, y, epochs=1, batch_size=None, validation_data=(Xv, yv, wv), verbose=0)
    weighted = model.evaluate(Xv, yv, sample_weight=wv)
    assert history.history["val_loss"][0] == pytest.approx(weighted, rel=1e-14)
    assert history.history["val_loss"][0] != pytest.approx(model.evaluate(Xv, yv), rel=1e-3)


def test_class_weight_leaves_the_split_off_validation_unweighted():
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(20, 3)), rng.integers(0, 2, 20)
    model = _model(Dense(1, "sigmoid"), loss="binary_crossentropy")
    history = model.fit(X, y, epochs=1, batch_size=None, validation_split=0.25, verbose=0,
                        class_weight={1: 3.0})
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(X[15:], y[15:]), rel=1e-14)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"sample_weight": np.ones(5)}, ValueError,
     r"sample_weight: expected one weight per sample, shape \(8,\), got shape \(5,\)"),
    ({"sample_weight": -np.ones(8)}, ValueError, "sample_weight: expected finite weights >= 0"),
    ({"sample_weight": np.full(8, np.nan)}, ValueError, "sample_weight: expected finite weights >= 0"),
    ({"sample_weight": np.array(["a"] * 8)}, TypeError, "sample_weight: expected an array of numbers"),
    ({"sample_weight": np.ones(8), "class_weight": {0: 1.0}}, ValueError,
     "sample_weight, class_weight: give one of them, not both"),
    ({"class_weight": [1.0, 2.0]}, TypeError, r"class_weight: expected a dict \{class index: weight\}"),
    ({"class_weight": {"a": 1.0}}, ValueError,
     "class_weight: expected integer class indices as keys, got 'a'"),
    ({"class_weight": {0: -1.0}}, ValueError, r"class_weight\[0\]"),
    ({"validation_data": (np.ones((2, 3)), np.ones((2, 1)), np.ones(3))}, ValueError,
     r"validation_data\[2\]: expected one weight per sample"),
    ({"validation_data": (np.ones((2, 3)),)}, ValueError,
     r"validation_data: expected a tuple \(X_val, y_val\) or \(X_val, y_val, sample_weight_val\)"),
])
def test_bad_weights_are_named(kwargs, error, match):
    model = _model(Dense(1))
    with pytest.raises(error, match=match):
        model.fit(np.ones((8, 3)), np.ones(8), epochs=1, verbose=0, **kwargs)
