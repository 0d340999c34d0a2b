import io
import pickle

import numpy as np
import pytest

import descend
from descend import Dense, Input, Sequential
from descend.optimizers import SGD


def _xor(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    return X, ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)


def test_weights_are_keras_shaped_kernel_then_bias():
    model = Sequential([Input(3), Dense(4, "relu"), Dense(2)], seed=0)
    shapes = [w.shape for w in model.get_weights()]
    assert shapes == [(3, 4), (4,), (4, 2), (2,)]
    assert model.count_params() == 3 * 4 + 4 + 4 * 2 + 2
    assert all(w.dtype == np.float32 for w in model.get_weights())
    np.testing.assert_array_equal(model.get_weights()[1], 0)  # zeros bias


def test_set_weights_copies_in_place_and_get_weights_copies_out():
    model = Sequential([Input(2), Dense(1)], seed=0)
    live = model.params[0]
    model.set_weights([np.array([[1.0], [2.0]]), np.array([0.5])])
    assert model.params[0] is live
    np.testing.assert_array_equal(live, [[1.0], [2.0]])
    out = model.get_weights()
    out[0][0, 0] = 99
    assert model.params[0][0, 0] == 1.0


def test_same_seed_same_weights_and_training():
    X, y = _xor()
    runs = []
    for _ in range(2):
        model = Sequential([Input(2), Dense(8, "tanh"), Dense(2, "softmax")], seed=42)
        model.compile(optimizer=SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy")
        model.fit(X, y, epochs=3, batch_size=16, verbose=0)
        runs.append(model.get_weights())
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)
    other = Sequential([Input(2), Dense(8, "tanh"), Dense(2, "softmax")], seed=43)
    assert not np.array_equal(other.get_weights()[0], Sequential(
        [Input(2), Dense(8, "tanh"), Dense(2, "softmax")], seed=42).get_weights()[0])


def test_lazy_build_on_first_fit_and_seed_is_kept():
    model = Sequential([Dense(4, "relu"), Dense(1)])
    assert not model.built and isinstance(model.seed, int)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 3)), np.ones(4), epochs=1, verbose=0)
    assert model.built and model.input_dim == 3


@pytest.mark.parametrize("batch_size,updates", [(None, 1), (1, 12), (5, 3), (12, 1), (100, 1)])
def test_number_of_updates_per_epoch_is_the_kind_of_gd(batch_size, updates):
    X, y = np.random.default_rng(0).normal(size=(12, 2)), np.zeros(12)
    model = Sequential([Input(2), Dense(1)], seed=0)
    model.compile(optimizer=SGD(learning_rate=0.01), loss="mse")
    model.fit(X, y, epochs=2, batch_size=batch_size, verbose=0)
    assert model.optimizer.iterations == 2 * updates


def test_batch_gd_epoch_equals_one_update_on_the_summed_gradient():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(8, 3)), rng.normal(size=8)
    model = Sequential([Input(3), Dense(1, use_bias=False)], dtype="float64", seed=0)
    w0 = model.get_weights()[0]
    model.compile(optimizer=SGD(learning_rate=0.01), loss="squared_error")
    model.fit(X, y, epochs=1, batch_size=None, verbose=0)
    grad = X.T @ (X @ w0 - y.reshape(-1, 1))       # ∂/∂w of ½Σ(y − Xw)²
    np.testing.assert_allclose(model.get_weights()[0], w0 - 0.01 * grad, rtol=1e-12)


def test_history_loss_uses_the_loss_reduction():
    X, y = np.arange(6.0).reshape(3, 2), np.array([1.0, 2.0, 3.0])
    for loss, expected in [("squared_error", lambda r: 0.5 * (r ** 2).sum()), ("mse",
                                                                               lambda r: (r ** 2).mean())]:
        model = Sequential([Input(2), Dense(1)], dtype="float64", seed=0)
        model.compile(optimizer=SGD(learning_rate=1e-9), loss=loss)
        residual = model.predict(X)[:, 0] - y
        h = model.fit(X, y, epochs=1, batch_size=1, shuffle=False, verbose=0)
        assert h.history["loss"][0] == pytest.approx(expected(residual), rel=1e-6)
        assert model.evaluate(X, y)["loss"] == pytest.approx(expected(residual), rel=1e-6)


def test_fit_learns_xor_and_reports_metrics_and_validation():
    X, y = _xor(400)
    model = Sequential([Input(2), Dense(16, "tanh"), Dense(2, "softmax")], seed=1)
    model.compile(optimizer=SGD(learning_rate=0.5), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    h = model.fit(X, y, epochs=60, batch_size=32, validation_split=0.25, verbose=0)
    assert set(h.history) >= {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"}
    assert len(h.history["loss"]) == 60 and h.epoch == list(range(60))
    assert h.history["loss"][-1] < 0.5 * h.history["loss"][0]
    assert h.history["val_accuracy"][-1] > 0.9
    assert model.evaluate(X, y)["accuracy"] > 0.9
    proba = model.predict(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)


def test_binary_output_and_float64():
    X, y = _xor(300, seed=2)
    model = Sequential([Input(2), Dense(16, "relu", kernel_initializer="he_normal"), Dense(1, "sigmoid")],
                       dtype="float64", seed=2)
    model.compile(optimizer=SGD(learning_rate=0.5), loss="binary_crossentropy", metrics=["accuracy", "mse"])
    h = model.fit(X, y, epochs=80, batch_size=32, verbose=0)
    assert model.predict(X).dtype == np.float64
    assert h.history["accuracy"][-1] > 0.9


def test_validation_data_and_verbose_printing(capsys):
    X, y = _xor(100)
    model = Sequential([Input(2), Dense(4, "tanh"), Dense(2, "softmax")], seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X, y, epochs=2, validation_data=(X[:10], y[:10]), verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and "val_accuracy" in out


def test_compile_by_name_and_dtype_switch():
    model = Sequential([Input(2), Dense(3)], seed=0)
    model.compile(optimizer="sgd", loss="mse", dtype="float64")
    assert model.get_weights()[0].dtype == np.float64
    assert type(model.optimizer).__name__ == "SGD"


def test_summary_lists_layers_and_params():
    model = Sequential([Input(3), Dense(4, "relu", name="hidden"), Dense(1)], seed=0)
    buf = io.StringIO()
    text = model.summary(print_fn=lambda s: buf.write(s))
    assert "hidden (Dense, relu)" in text and "(None, 4)" in text and "Total params: 21" in text
    assert buf.getvalue() == text


def test_config_round_trip_rebuilds_the_same_model():
    model = Sequential([Input(3), Dense(4, "leaky_relu", kernel_regularizer="l2"), Dense(2, "softmax")],
                       seed=5)
    again = Sequential.from_config(model.get_config())
    for a, b in zip(model.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert again.get_config() == model.get_config()


def test_train_on_batch_returns_loss_before_update():
    model = Sequential([Input(1), Dense(1, use_bias=False)], dtype="float64", seed=0)
    model.set_weights([np.array([[10.0]])])
    model.compile(optimizer=SGD(learning_rate=0.1), loss="squared_error")
    loss = model.train_on_batch([[2.0]], [5.0])
    assert loss == pytest.approx(0.5 * (5 - 20) ** 2)
    assert model.get_weights()[0][0, 0] == pytest.approx(7.0)


def test_divergence_raises_with_where_and_keeps_last_good_weights():
    X = np.array([[1e3, 1e3]] * 4)
    y = np.ones(4)
    model = Sequential([Input(2), Dense(1)], seed=0)
    model.compile(optimizer=SGD(learning_rate=10.0), loss="mse")
    with pytest.raises(descend.DivergenceError, match=r"epoch \d+, update \d+") as info:
        model.fit(X, y, epochs=50, batch_size=None, verbose=0)
    assert info.value.epoch is not None and info.value.update == 0
    assert all(np.isfinite(w).all() for w in model.get_weights())


class _Scale(descend.layers.Layer):
    """A user's layer written against the first contract: forward(x), backward(grad, need, *, is_delta)."""

    kind = "Scale"

    def forward(self, x):
        self._x = x
        return 2.0 * x

    def backward(self, grad, need_input_grad=True, *, is_delta=False):
        return 2.0 * grad if need_input_grad else None


def test_a_layer_without_the_training_and_scratch_keywords_still_trains():
    X = np.random.default_rng(0).standard_normal((64, 3)).astype(np.float32)
    y = X @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    model = Sequential([Input(3), Dense(8, "relu"), _Scale(), Dense(1)], seed=0)
    model.compile(SGD(0.01), "mse")
    history = model.fit(X, y, epochs=30, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_a_pickled_model_trains_its_own_weights_even_from_read_only_memory():
    X = np.random.default_rng(0).standard_normal((64, 3))
    y = (X[:, 0] > 0).astype(int)
    model = Sequential([Input(3), Dense(300, "relu"), Dense(1, "sigmoid")], seed=0)
    model.compile("adam", "binary_crossentropy")
    model.fit(X, y, epochs=1, batch_size=16, verbose=0)
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(model, protocol=5, buffer_callback=buffers.append)
    # weights, grads, two Adam slots (float32); not the two kept copies of the weights or work arrays
    assert len(data) + sum(b.raw().nbytes for b in buffers) < 5 * 4 * model.count_params()
    clone = pickle.loads(data, buffers=[b.raw().toreadonly() for b in buffers])   # as joblib's memory map
    model.fit(X, y, epochs=2, initial_epoch=1, batch_size=16, verbose=0)
    clone.fit(X, y, epochs=2, initial_epoch=1, batch_size=16, verbose=0)
    for mine, theirs in zip(clone.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)
