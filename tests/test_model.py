import io
import pickle
import warnings

import numpy as np
import pytest

import descend
from descend import Dense, Input, Sequential, losses
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
        assert model.evaluate(X, y, return_dict=True)["loss"] == pytest.approx(expected(residual), rel=1e-6)


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
    assert model.evaluate(X, y, return_dict=True)["accuracy"] > 0.9
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


# ------------------------------------------------------------------ a Keras user's script (issue 12)
def _mlp(**kwargs):
    return Sequential([Dense(8, "relu"), Dense(3, "softmax")], seed=0, **kwargs)


@pytest.mark.parametrize("shape", [5, (5,), (None, 5), [None, 5], (32, 5)])
def test_build_takes_keras_input_shapes(shape):
    model = _mlp()
    model.build(shape)
    assert model.built and model.input_dim == 5
    other = _mlp()
    other.build(input_shape=shape)
    for a, b in zip(model.get_weights(), other.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("shape", [0, (None,), (None, None), (None, 5, 2), "5", (None, 2.5), True])
def test_build_refuses_other_shapes_naming_input_shape(shape):
    with pytest.raises(ValueError, match=r"input_shape: expected the input width n as n, \(n,\) or "
                                         r"\(None, n\)"):
        _mlp().build(shape)


def test_predict_and_calling_build_a_model_without_input_as_keras():
    X = np.random.default_rng(0).normal(size=(6, 5))
    model = _mlp()
    out = model.predict(X, verbose=0)
    assert model.built and model.input_dim == 5 and out.shape == (6, 3)
    np.testing.assert_array_equal(model(X), out)                  # model(X) predicts
    np.testing.assert_array_equal(_mlp()(X), out)                 # the same seed, the same weights
    model = _mlp()
    model.compile("sgd", "sparse_categorical_crossentropy")
    assert isinstance(model.evaluate(X, np.arange(6) % 3), float) and model.built


def test_predict_and_evaluate_accept_keras_keywords():
    X, y = _xor(20)
    model = Sequential([Input(2), Dense(2, "softmax")], seed=0)
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    np.testing.assert_array_equal(model.predict(X, batch_size=3, verbose=0), model.predict(X))
    assert model.evaluate(X, y, batch_size=7, verbose=0) == pytest.approx(model.evaluate(X, y), rel=1e-6)
    for bad in (3, "yes", True):
        with pytest.raises(ValueError, match="verbose: expected 0, 1, 2 or 'auto'"):
            model.predict(X, verbose=bad)
    with pytest.raises(TypeError, match="return_dict: expected True or False"):
        model.evaluate(X, y, return_dict="yes")


def test_evaluate_returns_what_keras_3_returns(capsys):
    X, y = _xor(40)
    model = Sequential([Input(2), Dense(1, "sigmoid")], seed=0)
    model.compile("sgd", "binary_crossentropy")
    loss = model.evaluate(X, y)
    assert isinstance(loss, float)                                 # no metrics: the loss alone
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy", "mae"])
    result = model.evaluate(X, y)
    assert isinstance(result, list) and len(result) == 3
    loss, acc, _ = result                                          # what a Keras script unpacks
    assert loss == pytest.approx(model.evaluate(X, y, return_dict=True)["loss"])
    assert acc == np.mean((model.predict(X)[:, 0] > 0.5) == y)
    assert list(model.evaluate(X, y, return_dict=True)) == ["loss", "accuracy", "mae"]
    assert capsys.readouterr().out == ""                           # silent by default
    model.evaluate(X, y, verbose=1)
    assert capsys.readouterr().out.startswith("loss: ")


def test_weights_and_trainable_weights_are_the_live_arrays():
    model = Sequential([Input(3), Dense(4, "relu"), Dense(2)], seed=0)
    assert [w.shape for w in model.weights] == [(3, 4), (4,), (4, 2), (2,)]
    assert all(a is b for a, b in zip(model.weights, model.params, strict=True))
    assert all(a is b for a, b in zip(model.trainable_weights, model.weights, strict=True))
    assert model.non_trainable_weights == []
    with pytest.raises(ValueError, match="weights: the model is not built yet"):
        _ = _mlp().weights


def test_layer_get_and_set_weights_as_keras():
    model = Sequential([Input(3), Dense(4, "relu"), Dense(2)], seed=0)
    kernel, bias = model.layers[0].get_weights()
    assert kernel.shape == (3, 4) and bias.shape == (4,)
    kernel[...] = 9.0                                              # a copy: the model is untouched
    assert not np.any(model.layers[0].kernel == 9.0)
    model.layers[1].set_weights([np.ones((4, 2)), np.full(2, 0.5)])
    np.testing.assert_array_equal(model.get_weights()[2], np.ones((4, 2)))
    np.testing.assert_array_equal(model.predict(np.zeros((1, 3))), [[0.5, 0.5]])
    assert model.layers[1].weights[0] is model.params[2]
    with pytest.raises(ValueError, match=r"weights: dense_2/kernel expected shape \(4, 2\), got \(2, 4\)"):
        model.layers[1].set_weights([np.ones((2, 4)), np.zeros(2)])
    with pytest.raises(ValueError, match="expected 2 arrays"):
        model.layers[1].set_weights([np.ones((4, 2))])
    np.testing.assert_array_equal(model.get_weights()[2], np.ones((4, 2)))   # nothing written


def test_save_weights_and_load_weights_round_trip(tmp_path):
    X, y = _xor(50)
    model = Sequential([Input(2), Dense(4, "tanh"), Dense(1, "sigmoid")], seed=0)
    model.compile("adam", "binary_crossentropy")
    model.fit(X, y, epochs=2, verbose=0)
    path = model.save_weights(tmp_path / "model.weights.safetensors")
    assert path == tmp_path / "model.weights.safetensors"
    fresh = Sequential([Dense(4, "tanh"), Dense(1, "sigmoid")], seed=1)   # not built: built from the file
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh.predict(X), model.predict(X))
    model.save(tmp_path / "run")                                   # a full checkpoint's weights load too
    other = Sequential([Input(2), Dense(4, "tanh"), Dense(1, "sigmoid")], seed=2)
    other.load_weights(tmp_path / "run" / "model.safetensors")
    np.testing.assert_array_equal(other.predict(X), model.predict(X))


def test_load_weights_names_a_shape_mismatch_and_writes_nothing(tmp_path):
    model = Sequential([Input(2), Dense(4), Dense(1)], seed=0)
    path = model.save_weights(tmp_path / "w.safetensors")
    wider = Sequential([Input(2), Dense(5), Dense(1)], seed=0)
    before = wider.get_weights()
    with pytest.raises(ValueError, match=r"array 0 \(weights/dense_1/kernel\) has shape \(2, 4\), "
                                         r"the model's dense_1/kernel needs \(2, 5\)"):
        wider.load_weights(path)
    for a, b in zip(wider.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
    deeper = Sequential([Input(2), Dense(4), Dense(4), Dense(1)], seed=0)
    with pytest.raises(ValueError, match="holds 4 arrays .* the model has 6"):
        deeper.load_weights(path)
    with pytest.raises(FileNotFoundError, match="no weights file there"):
        model.load_weights(tmp_path / "missing.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00{}")
    with pytest.raises(ValueError, match="junk.safetensors: truncated or not a safetensors file"):
        model.load_weights(tmp_path / "junk.safetensors")


@pytest.mark.parametrize("name", ["model.weights.h5", "model.keras", "weights"])
def test_save_weights_wants_a_safetensors_name(tmp_path, name):
    model = Sequential([Input(2), Dense(1)], seed=0)
    with pytest.raises(ValueError, match="path: .*ending in '.*safetensors'"):
        model.save_weights(tmp_path / name)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("name", ["model.keras", "model.h5", "MODEL.KERAS"])
def test_save_refuses_a_keras_archive_name_and_says_what_to_use(tmp_path, name):
    model = Sequential([Input(2), Dense(1)], seed=0)
    with pytest.raises(ValueError, match=r"model.save writes descend's own format \(safetensors\), which "
                                         r"Keras cannot load, not a .(keras|h5) file; use a directory"):
        model.save(tmp_path / name)
    assert not list(tmp_path.iterdir())                            # no directory named x.keras


def test_steps_per_epoch_may_only_be_one_pass():
    X, y = _xor(50)
    model = Sequential([Input(2), Dense(1, "sigmoid")], seed=0)
    model.compile("sgd", "binary_crossentropy")
    history = model.fit(X, y, epochs=1, batch_size=10, steps_per_epoch=5, verbose=0)
    assert history.params["steps"] == 5
    with pytest.raises(ValueError, match=r"steps_per_epoch: an epoch here is one pass over the 50 training "
                                         r"samples, 5 update\(s\) at batch_size=10; got 3"):
        model.fit(X, y, epochs=1, batch_size=10, steps_per_epoch=3, verbose=0)


def test_fit_takes_its_positional_arguments_in_keras_order():
    X, y = _xor(50)
    model = Sequential([Input(2), Dense(1, "sigmoid")], seed=0)
    model.compile("sgd", "binary_crossentropy")
    history = model.fit(X, y, 10, 3, 0)                            # batch_size, epochs, verbose
    assert history.epoch == [0, 1, 2] and history.params["steps"] == 5


@pytest.mark.parametrize("squashing, loss", [("softmax", "CategoricalCrossentropy"),
                                             ("sigmoid", "BinaryCrossentropy")])
def test_from_logits_after_a_squashing_output_warns_as_keras(squashing, loss):
    model = Sequential([Input(2), Dense(3, activation=squashing)])
    with pytest.warns(UserWarning, match=f"applies {squashing}: use a linear output"):
        model.compile("sgd", getattr(losses, loss)(from_logits=True))
    linear = Sequential([Input(2), Dense(3)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        linear.compile("sgd", getattr(losses, loss)(from_logits=True))


@pytest.mark.parametrize("loss", [{"reduction": "mean_with_sample_weight"}, {"ignore_class": 1}, {},
                                  {"reduction": "sum"}], ids=["weighted_mean", "ignore_class", "mean", "sum"])
@pytest.mark.parametrize("weighted", [False, True])
def test_evaluate_in_chunks_is_the_loss_of_all_the_data(loss, weighted):
    """evaluate reads X in chunks of batch_size: their losses combine into the loss of the whole
    (each chunk's E times what its reduction divided by — its Σ w, its rows that count), however
    unevenly the weights or the ignored rows fall among the chunks."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((3000, 3)), rng.integers(0, 3, 3000)
    w = rng.uniform(0, 3, 3000) * np.where(np.arange(3000) < 1000, 10.0, 1.0) if weighted else None
    y[:700] = np.where(y[:700] == 1, 0, y[:700])                 # class 1 only after row 700
    model = Sequential([Input(3), Dense(3, activation="softmax")], seed=0, dtype="float64")
    model.compile(optimizer="sgd", loss=losses.SparseCategoricalCrossentropy(**loss))
    whole = model.evaluate(X, y, sample_weight=w, batch_size=3000)
    assert model.evaluate(X, y, sample_weight=w, batch_size=512) == pytest.approx(whole, rel=1e-13)
