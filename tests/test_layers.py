"""Layers: the contract (forward(x), backward(dy)) and Dense as the lecture's δ recursion."""
import pickle

import numpy as np
import pytest

from descend import Activation, Dense, Input, Sequential, activations, gradient_check, layers
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
    assert set(layers.REGISTRY) == {"Dense", "Activation"}
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
