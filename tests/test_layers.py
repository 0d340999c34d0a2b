"""Layers: the contract (forward(x), backward(dy)) and Dense as the lecture's δ recursion."""
import pickle

import numpy as np
import pytest

from descend import (
    Activation,
    Dense,
    Dropout,
    Flatten,
    Input,
    InputLayer,
    Sequential,
    activations,
    gradient_check,
    layers,
    load_model,
    optimizers,
)
from descend.layers import Layer


def _dense(activation, units=3, inputs=4, use_bias=True, dtype=np.float64, seed=0):
    layer = Dense(units, activation, use_bias=use_bias)
    layer.build(inputs, np.random.default_rng(seed), np.dtype(dtype))
    if use_bias:
        layer.params[1][:] = np.random.default_rng(seed + 1).standard_normal(units)
    return layer


@pytest.mark.parametrize("name", sorted(activations.REGISTRY))
def test_dense_is_the_delta_recursion_written_out(name):
    layer = _dense(name)
    rng = np.random.default_rng(2)
    x, dy = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    W, b = layer.kernel.copy(), layer.bias.copy()
    a = layer.forward(x)
    z = x @ W + b                                                # z = xW + b
    f = activations.get(name)
    np.testing.assert_array_equal(layer.z, z)
    np.testing.assert_array_equal(a, f(z))                       # a = f(z)
    dx = layer.backward(dy)
    delta = f.backward(z, f(z), dy)                              # δ = ∂E/∂a ⊙ f′(z)
    np.testing.assert_array_equal(layer.grads[0], x.T @ delta)   # ∂E/∂W = xᵀδ
    np.testing.assert_array_equal(layer.grads[1], delta.sum(axis=0))   # ∂E/∂b = Σ δ
    np.testing.assert_array_equal(dx, delta @ W.T)               # ∂E/∂x = δWᵀ


def test_backward_splits_into_delta_and_backward_delta():
    layer = _dense("tanh")
    x, dy = np.random.default_rng(3).standard_normal((2, 4)), np.full((2, 3), 0.5)
    layer.forward(x)
    delta = layer.delta(dy)
    np.testing.assert_array_equal(delta, dy * (1 - layer.a ** 2))               # δ = ∂E/∂a ⊙ f′(z)
    np.testing.assert_array_equal(layer.backward_delta(delta), delta @ layer.kernel.T)   # ∂E/∂x = δWᵀ
    np.testing.assert_array_equal(layer.grads[0], x.T @ delta)                 # ∂E/∂W = xᵀδ
    np.testing.assert_array_equal(layer.grads[1], delta.sum(axis=0))          # ∂E/∂b = Σδ
    for g in layer.grads:
        g[...] = 0
    assert layer.weight_gradients(delta) is None                              # the first layer's part
    np.testing.assert_array_equal(layer.grads[0], x.T @ delta)


def test_backward_overwrites_never_accumulates():
    layer = _dense("sigmoid")
    x, dy = np.ones((2, 4)), np.ones((2, 3))
    layer.forward(x)
    layer.backward(dy)
    first = [g.copy() for g in layer.grads]
    layer.backward(dy)
    for a, b in zip(layer.grads, first, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_layer_leaves_its_inputs_alone_and_keeps_its_param_arrays():
    layer = _dense("relu")
    x, dy = np.random.default_rng(3).standard_normal((4, 4)), np.random.default_rng(4).standard_normal((4, 3))
    x0, dy0, params = x.copy(), dy.copy(), list(layer.params)
    layer.forward(x)
    layer.backward(dy)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dy, dy0)
    assert all(p is q for p, q in zip(layer.params, params, strict=True))


def test_without_bias_and_with_a_regularizer():
    layer = Dense(2, "linear", use_bias=False, kernel_regularizer="l2")
    layer.build(3, np.random.default_rng(0), np.dtype(np.float64))
    assert layer.bias is None and layer.param_names == ["kernel"]
    x, dy = np.ones((2, 3)), np.ones((2, 2))
    np.testing.assert_array_equal(layer.forward(x), x @ layer.kernel)
    layer.backward(dy)
    expected = x.T @ dy + layer.kernel_regularizer.gradient(layer.kernel)
    np.testing.assert_array_equal(layer.grads[0], expected)


def test_backward_before_forward_is_named():
    with pytest.raises(RuntimeError, match="backward before any forward pass"):
        _dense("relu").backward(np.ones((1, 3)))
    with pytest.raises(RuntimeError, match="backward before any forward pass"):
        Activation("tanh").backward(np.ones((1, 3)))


def test_an_activation_layer_is_f_and_f_prime():
    layer = Activation("tanh")
    x, dy = np.random.default_rng(5).standard_normal((3, 2)), np.random.default_rng(6).standard_normal((3, 2))
    a = layer.forward(x)
    np.testing.assert_array_equal(a, np.tanh(x))
    np.testing.assert_array_equal(layer.backward(dy), dy * (1 - a * a))
    np.testing.assert_array_equal(layer.backward_delta(dy), dy)   # a fused loss hands δ = ∂E/∂x


def test_pickles_carry_parameters_not_the_forward_caches():
    layer = _dense("relu")
    layer.forward(np.ones((1000, 4)))
    again = pickle.loads(pickle.dumps(layer))
    assert again.x is None and again.z is None and again.a is None
    for p, q in zip(again.params, layer.params, strict=True):
        np.testing.assert_array_equal(p, q)
    np.testing.assert_array_equal(again.forward(np.ones((3, 4))), layer.forward(np.ones((3, 4))))


class Doubler(Layer):
    """A user's layer written against the contract alone: y = 2x."""

    kind = "Doubler"

    def forward(self, x):
        return 2.0 * x

    def backward(self, dy):
        return 2.0 * dy


def test_a_users_layer_needs_only_forward_and_backward():
    model = Sequential([Input(2), Dense(3, "tanh"), Doubler(), Dense(1)], dtype="float64", seed=0)
    model.compile("sgd", "mse")
    X = np.random.default_rng(7).standard_normal((16, 2))
    y = X.sum(axis=1)
    first = model.train_on_batch(X, y)
    for _ in range(20):
        last = model.train_on_batch(X, y)
    assert last < first
    assert gradient_check(model, X[:3], y[:3]) < 1e-6


def test_input_and_registry():
    assert Input(3).shape == (3,) and Input((5,)).shape == (5,)
    with pytest.raises(ValueError, match="n_features"):
        Input(0)
    assert set(layers.REGISTRY) == {"Dense", "Activation", "Dropout", "Flatten"}
    rebuilt = layers.from_config("Dense", _dense("elu").get_config())
    assert isinstance(rebuilt, Dense) and rebuilt.activation.name == "elu"
    with pytest.raises(ValueError, match="layer kind"):
        layers.from_config("Conv2D", {})


# ------------------------------------------------------------------- the contract of a user's layer
class _Scale(Layer):
    """A layer of one's own written from Layer's docstring alone: y = x ⊙ s, one weight per input."""

    kind = "Scale"

    def build(self, input_dim, rng, dtype):
        self.input_dim = self.output_dim = input_dim
        self.params, self.grads = [rng.normal(size=input_dim).astype(dtype)], [np.zeros(input_dim, dtype)]
        self.param_names = ["scale"]
        return input_dim

    def forward(self, x):
        self.x = x
        return x * self.params[0]

    def backward(self, dy):
        self.grads[0][...] = (dy * self.x).sum(axis=0)
        return dy * self.params[0]


def test_the_layer_docstring_states_the_contract_a_user_layer_implements():
    doc = Layer.__doc__
    for piece in ("build(input_dim, rng, dtype) -> int", "forward(x) -> y", "backward(dy) -> dx",
                  "regularization_loss() -> float", "get_config() -> dict", "``params``, ``grads``",
                  "``param_names``", "``input_dim``, ``output_dim``", "*overwrite*", "in place"):
        assert piece in doc, piece
    # and a layer written from it alone trains and passes the gradient check, named by its param
    model = Sequential([Input(3), _Scale(), Dense(2)], dtype="float64", seed=0)
    model.compile(optimizer="sgd", loss="mse")
    X = np.random.default_rng(0).normal(size=(5, 3))
    result = gradient_check(model, X, np.zeros((5, 2)))
    assert result < 1e-6 and "scale_1/scale" in result.errors
    before = model.layers[0].params[0].copy()
    model.fit(X, np.zeros((5, 2)), epochs=2, verbose=0)
    assert not np.array_equal(before, model.layers[0].params[0])


# ============================================================================ Dropout
def _dropout(rate=0.25, seed=0, width=8, dtype=np.float64):
    layer = Dropout(rate, seed=seed)
    layer.build(width, np.random.default_rng(9), np.dtype(dtype))
    return layer


def test_dropout_is_the_identity_outside_training():
    layer = _dropout()
    x = np.random.default_rng(0).normal(size=(5, 8))
    assert layer.forward(x) is x
    dy = np.ones((5, 8))
    assert layer.backward(dy) is dy


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_in_training_keeps_1_minus_p_scaled_by_1_over_1_minus_p(dtype):
    layer = _dropout(0.25, dtype=dtype)
    x = np.ones((400, 8), dtype)
    y = layer.forward(x, training=True)
    assert y.dtype == dtype
    assert set(np.unique(y)) == {dtype(0), dtype(1) / dtype(0.75)}
    kept = np.mean(y != 0)
    assert abs(kept - 0.75) < 4 * np.sqrt(0.75 * 0.25 / x.size)          # 4σ of a binomial
    assert abs(y.mean() - 1.0) < 0.05                                     # E[y] = x
    dy = np.random.default_rng(1).normal(size=x.shape).astype(dtype)
    np.testing.assert_array_equal(layer.backward(dy), dy * layer.mask)   # the same mask
    np.testing.assert_array_equal(layer.backward(dy) == 0, y == 0)


def test_dropout_draws_a_new_mask_per_call_and_the_seed_repeats_them():
    a, b = _dropout(seed=5), _dropout(seed=5)
    x = np.ones((6, 8))
    first, second = a.forward(x, training=True).copy(), a.forward(x, training=True).copy()
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(b.forward(x, training=True), first)
    np.testing.assert_array_equal(b.forward(x, training=True), second)


def test_dropout_rates_0_and_1_and_bad_arguments():
    x = np.ones((3, 8))
    assert _dropout(0.0).forward(x, training=True) is x
    np.testing.assert_array_equal(_dropout(1.0).forward(x, training=True), 0.0)
    for bad in (-0.1, 1.5, float("nan"), "0.5", True):
        with pytest.raises(ValueError, match="rate: expected a number in"):
            Dropout(bad)
    for bad in (-1, 1.5, "1", True):
        with pytest.raises(ValueError, match="seed: expected an integer"):
            Dropout(0.5, seed=bad)


def test_dropout_without_a_seed_leaves_the_other_layers_weights_as_without_it():
    with_dropout = Sequential([Input(4), Dense(8, "relu"), Dropout(0.5), Dense(3)], seed=11)
    without = Sequential([Input(4), Dense(8, "relu"), Dense(3)], seed=11)
    for a, b in zip(with_dropout.get_weights(), without.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    again = Sequential([Input(4), Dense(8, "relu"), Dropout(0.5), Dense(3)], seed=11)
    x = np.ones((4, 8))
    np.testing.assert_array_equal(with_dropout.layers[1].forward(x, training=True),
                                  again.layers[1].forward(x, training=True))


def _dropout_model(seed=0):
    model = Sequential([Input(6), Dense(16, "relu"), Dropout(0.5), Dense(3, "softmax")], seed=seed)
    model.compile(optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _classes(n=120):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(n, 6)).astype(np.float32)
    return X, (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)


def test_dropout_is_active_in_fit_only_and_training_learns():
    X, y = _classes()
    model = _dropout_model()
    before = model.predict(X)
    np.testing.assert_array_equal(model.predict(X), before)               # predict: no dropout
    out = model.train_step(*model.prepare(X, y))[1]
    assert not np.allclose(out, before)                                    # the training step: dropout
    assert np.all(model.layers[1].mask[model.layers[1].mask != 0] == 2.0)
    history = model.fit(X, y, epochs=40, batch_size=32, verbose=0, seed=0)
    assert history.history["loss"][-1] < 0.7 * history.history["loss"][0]
    assert model.evaluate(X, y, return_dict=True)["accuracy"] > 0.8
    assert model.evaluate(X, y) == model.evaluate(X, y)                    # evaluate: no dropout


def test_a_model_with_dropout_resumes_bit_for_bit(tmp_path):
    X, y = _classes()
    straight = _dropout_model()
    straight.fit(X, y, epochs=4, batch_size=16, verbose=0)
    first = _dropout_model()
    first.fit(X, y, epochs=2, batch_size=16, verbose=0)
    first.save(tmp_path / "run")
    resumed = load_model(tmp_path / "run")
    assert resumed.layers[1].rng.bit_generator.state == first.layers[1].rng.bit_generator.state
    resumed.fit(X, y, epochs=4, batch_size=16, verbose=0, initial_epoch=resumed.epochs_trained)
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert resumed.history.history["loss"] == straight.history.history["loss"]


def test_a_damaged_dropout_generator_state_is_refused_naming_it(tmp_path):
    from descend import saving
    model = _dropout_model()
    model.fit(*_classes(), epochs=1, verbose=0)
    blob = saving.to_bytes(model)
    # (the document is JSON inside the JSON header: its quotes are escaped; same length, same offsets)
    damaged = blob.replace(b'layer_rngs\\": {\\"dropout_1\\": {\\"bit_generator\\": \\"PCG64',
                           b'layer_rngs\\": {\\"dropout_1\\": {\\"bit_generator\\": \\"XXXXX')
    assert damaged != blob
    damaged = _with_valid_checksum(damaged)  # the state itself must be refused, not only the checksum
    (tmp_path / "bad.safetensors").write_bytes(damaged)
    with pytest.raises(ValueError, match=r"layer_rngs\['dropout_1'\]"):
        load_model(tmp_path / "bad.safetensors")


def test_dropout_config_and_pickle_round_trip():
    import copy
    layer = _dropout(0.3, seed=7)
    layer.forward(np.ones((2, 8)), training=True)
    rebuilt = layers.from_config("Dropout", layer.get_config())
    assert (rebuilt.rate, rebuilt.seed) == (0.3, 7)
    clone = pickle.loads(pickle.dumps(layer))
    assert clone.mask is None and clone.a is None
    twin = copy.deepcopy(layer)
    np.testing.assert_array_equal(twin.forward(np.ones((2, 8)), training=True),
                                  layer.forward(np.ones((2, 8)), training=True))


# ============================================================================ Flatten, InputLayer
def test_flatten_reshapes_samples_to_rows_and_back():
    layer = Flatten()
    x = np.arange(24.0).reshape(2, 3, 4)
    y = layer.forward(x)
    assert y.shape == (2, 12)
    np.testing.assert_array_equal(y[1], np.arange(12.0, 24.0))
    assert layer.backward(np.ones((2, 12))).shape == (2, 3, 4)
    assert layer.forward(np.ones((5, 7))).shape == (5, 7)


def test_a_model_takes_images_through_a_first_flatten():
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(64, 4, 5)), rng.integers(0, 2, size=64)
    for first in ([Input(shape=(4, 5)), Flatten()], [Flatten(input_shape=(4, 5))]):
        model = Sequential([*first, Dense(8, "tanh"), Dense(2, "softmax")], dtype="float64", seed=1)
        model.compile("sgd", "sparse_categorical_crossentropy")
        model.fit(X, y, epochs=2, verbose=0)
        flat = model.predict(X.reshape(64, -1))
        np.testing.assert_array_equal(model.predict(X), flat)
        assert model.input_dim == 20 and model.layers[0].input_shape == (4, 5)
        with pytest.raises(ValueError, match=r"X: expected samples of shape \(4, 5\).*\(3, 5, 4\)"):
            model.predict(np.ones((3, 5, 4)))
        assert gradient_check(model, X[:3], y[:3]) < 1e-6


def test_flatten_input_shape_is_checked_and_saved(tmp_path):
    with pytest.raises(ValueError, match=r"input_shape: \(4, 5\) holds 20 features.*has 3"):
        Sequential([Input(3), Flatten(input_shape=(4, 5))])
    with pytest.raises(ValueError, match=r"Flatten\(input_shape=\(2, 2\)\) after an Input of shape \(4, 5\)"):
        Sequential([Input((4, 5)), Flatten(input_shape=(2, 2))])
    with pytest.raises(ValueError, match="input_shape: expected a tuple of positive integers"):
        Flatten(input_shape=(4, -5))
    model = Sequential([Input((4, 5)), Flatten(), Dense(2)], seed=0)
    model.compile("sgd", "mse")
    model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert loaded.layers[0].input_shape == (4, 5)
    np.testing.assert_array_equal(loaded.predict(np.ones((2, 4, 5))), model.predict(np.ones((2, 4, 5))))


@pytest.mark.parametrize("kwargs", [{"shape": (3,)}, {"input_shape": (3,)}, {"batch_shape": (None, 3)},
                                    {"batch_input_shape": (8, 3)}, {"shape": 3},
                                    {"shape": (3,), "batch_size": 4}])
def test_input_layer_takes_keras_spellings(kwargs):
    model = Sequential([InputLayer(**kwargs), Dense(2)], seed=0)
    assert model.built and model.input_dim == 3


@pytest.mark.parametrize("kwargs, message", [({}, "give exactly one, got none"),
                                             ({"shape": (3,), "input_shape": (3,)}, "give exactly one"),
                                             ({"batch_shape": (3,)}, "batch_shape: expected"),
                                             ({"shape": (0,)}, "shape: expected a tuple"),
                                             ({"shape": 2.0}, "shape: expected a tuple"),
                                             ({"shape": (3,), "batch_size": 0}, "batch_size")])
def test_input_layer_refuses_bad_shapes_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        InputLayer(**kwargs)


@pytest.mark.parametrize("bad", [2.0, (2.0,), (), "3", None, (3, True)])
def test_input_refuses_a_shape_that_is_not_positive_integers_by_name(bad):
    with pytest.raises(ValueError, match="shape: expected a tuple of positive integers"):
        Input(bad)


def _with_valid_checksum(blob: bytes) -> bytes:
    """A model file's bytes with its SHA-256 recomputed (as a hostile file would carry it)."""
    import json

    from safetensors.numpy import load, save

    from descend import saving
    meta = json.loads(blob[8:8 + int.from_bytes(blob[:8], "little")])["__metadata__"]
    tensors = load(blob)
    return save(tensors, metadata={**meta, "sha256": saving.checksum(meta["descend"], tensors)})


def test_a_layer_without_parameters_has_no_weights():
    layer = Activation("relu")
    layer.build(3, np.random.default_rng(0), np.dtype("float64"))
    assert layer.get_weights() == [] and layer.weights == []
    layer.set_weights([])
    with pytest.raises(ValueError, match="expected 0 arrays"):
        layer.set_weights([np.zeros(3)])


def test_set_weights_on_an_unbuilt_layer_is_named():
    with pytest.raises(ValueError, match="layer 'd': not built yet"):
        Dense(2, name="d").set_weights([np.zeros((1, 2)), np.zeros(2)])


def test_layer_set_weights_checks_as_the_model_does():
    layer = Dense(2, name="d")
    layer.build(1, np.random.default_rng(0), np.dtype("float32"))
    before = layer.get_weights()
    with pytest.raises(ValueError, match=r"weights: d/kernel: expected values within float32's range"):
        layer.set_weights([np.full((1, 2), 1e300), np.zeros(2)])       # would be written as inf
    with pytest.raises(TypeError, match="weights: d/bias expected numbers, got dtype <U1"):
        layer.set_weights([np.zeros((1, 2)), np.array(["a", "b"])])
    with pytest.raises(TypeError, match="weights: expected a list of arrays"):
        layer.set_weights(np.zeros((1, 2)))
    for a, b in zip(layer.get_weights(), before, strict=True):      # nothing written
        np.testing.assert_array_equal(a, b)


def test_a_softmax_over_one_unit_is_refused():
    # it is 1 whatever its input: fit reported loss 0 and learnt nothing (issue 15: one class)
    with pytest.raises(ValueError, match="units: a softmax over 1 unit is 1 whatever its input"):
        Dense(1, activation="softmax")
    assert Dense(2, activation="softmax").units == 2


def test_an_initializer_returning_the_wrong_shape_names_the_argument():
    # "initializer <lambda>: expected an array of shape (2, 3), got shape ()" named no argument
    with pytest.raises(ValueError, match=r"kernel_initializer: initializer <lambda>: expected an array of "
                                         r"shape \(2, 3\), got shape \(\)"):
        Sequential([Input(2), Dense(3, kernel_initializer=lambda *a: 0.1)])
    with pytest.raises(ValueError, match=r"bias_initializer: initializer <lambda>"):
        Sequential([Input(2), Dense(3, bias_initializer=lambda *a: [0.1])])
