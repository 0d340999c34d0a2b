"""Every registered layer, activation and loss passes a finite-difference gradient check (float64).

The cases are generated from the registries, so a newly registered entry is covered automatically.
"""
import pickle

import numpy as np
import pytest

import descend
from descend import Activation, Dense, Dropout, Flatten, Input, Sequential, activations, layers, losses

TOL = 1e-6


def _data(loss_name, n=6, d=3, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if loss_name == "sparse_categorical_crossentropy":
        y = rng.integers(0, k, size=n)
    elif loss_name == "categorical_crossentropy":
        y = np.eye(k)[rng.integers(0, k, size=n)]
    elif loss_name == "binary_crossentropy":
        y = rng.integers(0, 2, size=(n, k)).astype(float)
    else:
        y = rng.normal(size=(n, k))
    return X, y


def _check(model, loss, X, y):
    model.compile(optimizer="sgd", loss=loss)
    err = descend.gradient_check(model, X, y)
    assert err < TOL, f"relative error {err:.2e}"
    return err


@pytest.mark.parametrize("act", sorted(activations.REGISTRY))
def test_every_activation_in_a_hidden_layer(act):
    X, y = _data("mse")
    model = Sequential([Input(3), Dense(4, act), Dense(3)], dtype="float64", seed=1)
    _check(model, "mse", X, y)


@pytest.mark.parametrize("act", sorted(activations.REGISTRY))
def test_every_activation_at_the_output(act):
    X, y = _data("squared_error")
    model = Sequential([Input(3), Dense(4, "tanh"), Dense(3, act)], dtype="float64", seed=2)
    _check(model, "squared_error", X, y)


@pytest.mark.parametrize("loss", sorted(losses.REGISTRY))
def test_every_loss_with_its_natural_output(loss):
    X, y = _data(loss)
    out = losses.get(loss).fused_activation  # fused path where the loss has one
    model = Sequential([Input(3), Dense(4, "tanh"), Dense(3, out)], dtype="float64", seed=3)
    _check(model, loss, X, y)


@pytest.mark.parametrize("loss", [n for n, c in losses.REGISTRY.items() if c.fused_activation])
def test_every_fused_loss_without_fusion(loss):
    """The same loss on a separate Activation layer's output computes ∂E/∂ŷ, not the fused δ."""
    X, y = _data(loss)
    out = losses.get(loss).fused_activation
    model = Sequential([Input(3), Dense(4, "tanh"), Dense(3), Activation(out)], dtype="float64", seed=4)
    model.compile(optimizer="sgd", loss=loss)
    assert model.fused_output() is not None  # the Activation layer also fuses ...
    _check(model, loss, X, y)
    # ... and a different output activation does not
    other = Sequential([Input(3), Dense(4, "tanh"), Dense(3, "sigmoid" if out == "softmax" else "softmax")],
                       dtype="float64", seed=4)
    other.compile(optimizer="sgd", loss=loss)
    assert other.fused_output() is None
    _check(other, loss, X, y)


@pytest.mark.parametrize("kind", sorted(layers.REGISTRY))
def test_every_layer_kind(kind):
    X, y = _data("mse")
    stack = {"Dense": [Dense(4, "elu"), Dense(3)],
             "Activation": [Dense(4), Activation("tanh"), Dense(3)],
             "Dropout": [Dense(4, "tanh"), Dropout(0.5, seed=0), Dense(3)],    # (the identity here)
             "Flatten": [Flatten(), Dense(4, "tanh"), Dense(3)]}[kind]
    model = Sequential([Input(3), *stack], dtype="float64", seed=5)
    _check(model, "mse", X, y)


def test_regularized_and_bias_free_layers():
    X, y = _data("mse")
    penalty = descend.regularizers.L1L2(0.01, 0.02)
    model = Sequential([Input(3), Dense(4, "sigmoid", kernel_regularizer=penalty),
                        Dense(3, use_bias=False, kernel_regularizer="l2")], dtype="float64", seed=6)
    _check(model, "mse", X, y)


def test_float32_model_is_checked_on_a_float64_copy_and_left_untouched():
    X, y = _data("mse")
    model = Sequential([Input(3), Dense(5, "relu"), Dense(3)], seed=7)
    before = model.get_weights()
    _check(model, "mse", X, y)
    assert all(b.dtype == np.float32 for b in model.get_weights())
    for b, a in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_gradient_check_detects_a_wrong_derivative():
    class BrokenTanh(activations.Tanh):
        def derivative(self, z, a):
            return 1.0 - a  # wrong on purpose

    X, y = _data("mse")
    model = Sequential([Input(3), Dense(4, BrokenTanh()), Dense(3)], dtype="float64", seed=8)
    model.compile(optimizer="sgd", loss="mse")
    assert descend.gradient_check(model, X, y) > 1e-2


def test_gradient_check_needs_a_compiled_model():
    model = Sequential([Input(3), Dense(3)])
    with pytest.raises(descend.NotCompiledError, match="compile"):
        descend.gradient_check(model, np.zeros((2, 3)), np.zeros((2, 3)))


def test_gradient_check_names_the_tensor_with_the_worst_error():
    class BrokenTanh(activations.Tanh):
        def derivative(self, z, a):
            return 1.0 - a  # wrong on purpose: only the layers below this one get wrong gradients

    X, y = _data("mse")
    model = Sequential([Input(3), Dense(4, BrokenTanh()), Dense(3)], dtype="float64", seed=8)
    model.compile(optimizer="sgd", loss="mse")
    result = descend.gradient_check(model, X, y)
    assert list(result.errors) == ["dense_1/kernel", "dense_1/bias", "dense_2/kernel", "dense_2/bias"]
    assert result.worst in ("dense_1/kernel", "dense_1/bias") and result == result.errors[result.worst]
    assert result.errors["dense_2/kernel"] < TOL and result.errors["dense_2/bias"] < TOL
    report = result.report()
    assert f"worst: {result.worst} ({'W' if result.worst.endswith('kernel') else 'b'})" in report
    assert report.count("\n") == 4 and "dense_2/kernel  W" in report
    assert isinstance(result, float) and result > 1e-2
    assert pickle.loads(pickle.dumps(result)).worst == result.worst
    assert "worst='dense_1/" in repr(result)


def test_gradient_check_of_something_else_than_a_model_names_the_argument():
    with pytest.raises(TypeError, match="model: expected a compiled descend Sequential, got int"):
        descend.gradient_check(5, np.zeros((2, 3)), np.zeros((2, 3)))


def test_gradient_check_names_eps():
    model = Sequential([Input(2), Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    X, y = np.ones((3, 2)), np.ones(3)
    assert descend.gradient_check(model, X, y, eps=np.float32(1e-5)) < 1e-6   # a NumPy float is a number
    for eps in (0, 1.5, True):
        with pytest.raises((TypeError, ValueError), match="eps: expected a number"):
            descend.gradient_check(model, X, y, eps=eps)


@pytest.mark.parametrize("loss", [
    losses.MeanSquaredError(reduction="sum"),
    losses.MeanSquaredError(reduction="mean_with_sample_weight"),
    losses.SquaredError(reduction="sum_over_batch_size"),
    losses.CategoricalCrossentropy(reduction="sum"),
    losses.CategoricalCrossentropy(label_smoothing=0.2),
    losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, reduction="sum"),
    losses.BinaryCrossentropy(label_smoothing=0.3, reduction="sum"),
    losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    losses.SparseCategoricalCrossentropy(ignore_class=1),
    losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0, reduction="sum"),
], ids=repr)
def test_a_model_compiled_with_keras_loss_arguments(loss):
    """reduction, label_smoothing and ignore_class change E, and back-propagation (the fused δ of
    a softmax or sigmoid output included) follows: the model's gradients are E's."""
    name = loss.name if loss.name in ("sparse_categorical_crossentropy", "categorical_crossentropy",
                                      "binary_crossentropy") else "mse"
    X, y = _data(name)
    logits = getattr(loss, "from_logits", False)
    out = {"sparse_categorical_crossentropy": "softmax", "categorical_crossentropy": "softmax",
           "binary_crossentropy": "sigmoid"}.get(name)
    model = Sequential([Input(3), Dense(4, "tanh"), Dense(3, None if logits else out)],
                       dtype="float64", seed=1)
    _check(model, loss, X, y)
