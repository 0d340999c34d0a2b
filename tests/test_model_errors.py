"""Bad input gets a clear error naming the argument, what was expected and what came."""
import numpy as np
import pytest

import descend
from descend import Dense, Input, Sequential


@pytest.fixture
def model():
    m = Sequential([Input(2), Dense(3, "relu"), Dense(2, "softmax")], seed=0)
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return m


X = np.zeros((4, 2))
Y = np.array([0, 1, 0, 1])


def test_fit_before_compile():
    m = Sequential([Input(2), Dense(1)])
    with pytest.raises(descend.NotCompiledError, match="compile"):
        m.fit(X, np.zeros(4))
    with pytest.raises(descend.NotCompiledError):
        m.evaluate(X, np.zeros(4))


@pytest.mark.parametrize("bad,match", [
    (np.zeros((4, 3)), r"X: expected 2 feature column\(s\).*got 3"),
    (np.zeros(4), r"X: expected a 2-D array.*shape \(4,\)"),
    (np.zeros((0, 2)), "X: expected at least one sample"),
    (np.array([[np.nan, 0.0]] * 4), r"X: expected finite values, got NaN at index \(0, 0\)"),
    (np.array([[np.inf, 0.0]] * 4), "X: expected finite values, got inf"),
    (np.array([["a", "b"]] * 4), "X: expected numbers"),
    ([[1, 2], [3]], "X: expected a rectangular array"),
    (None, "X: expected an array of numbers, got None"),
])
def test_bad_X(model, bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        model.fit(bad, Y, verbose=0)


@pytest.mark.parametrize("bad,match", [
    (np.array([0, 1, 0]), r"y: expected 4 rows to match X, got 3"),
    (np.array([0, 1, 0, 2]), r"labels must lie in \[0, 1\]"),
    (np.array([0, 1, np.nan, 1]), "y: expected finite values, got NaN"),
    (np.zeros((4, 2, 1)), "y: expected a 1-D or 2-D array"),
    (np.array(["a", "b", "a", "b"]), "y: expected numbers"),
])
def test_bad_y(model, bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        model.fit(X, bad, verbose=0)


def test_no_silent_broadcast_of_targets():
    m = Sequential([Input(2), Dense(3)])
    m.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"y: expected shape \(n_samples, 3\).*got shape \(4,\)"):
        m.fit(X, np.zeros(4), verbose=0)


@pytest.mark.parametrize("kwargs,match", [
    ({"epochs": 0}, "epochs: expected an integer >= 1"),
    ({"batch_size": 0}, "batch_size: expected a positive integer or None"),
    ({"validation_split": 1.5}, r"validation_split: expected a number in \[0.0, 1.0\)"),
    ({"validation_split": 0.1}, "validation_split: 0.1 of 4 samples leaves no"),
    ({"validation_data": (X,)}, r"validation_data: expected a tuple \(X_val, y_val\)"),
    ({"verbose": 7}, "verbose: expected 0, 1, 2 or 'auto'"),
    ({"shuffle": "yes"}, "shuffle: expected True or False"),
    ({"initial_epoch": 3, "epochs": 2}, "initial_epoch: expected less than epochs"),
    ({"seed": "abc"}, "seed: expected an int"),
])
def test_bad_fit_arguments(model, kwargs, match):
    kwargs.setdefault("verbose", 0)
    with pytest.raises((ValueError, TypeError), match=match):
        model.fit(X, Y, **kwargs)


def test_unknown_names(model):
    with pytest.raises(ValueError, match="activation: expected one of"):
        Dense(3, activation="relux")
    with pytest.raises(ValueError, match="kernel_initializer|initializer"):
        Dense(3, kernel_initializer="glorot_unicorn")
    with pytest.raises(ValueError, match="loss: expected one of"):
        model.compile(optimizer="sgd", loss="nope")
    with pytest.raises(ValueError, match="metrics: expected names"):
        model.compile(optimizer="sgd", loss="mse", metrics=["precisionish"])
        model.fit(X, np.zeros((4, 2)), verbose=0)
    with pytest.raises(TypeError, match="metrics: expected a list"):
        model.compile(optimizer="sgd", loss="mse", metrics="accuracy")


@pytest.mark.parametrize("kwargs,match", [
    ({"units": 0}, "units: expected a positive integer"),
    ({"units": 2.5}, "units: expected a positive integer"),
    ({"units": 2, "use_bias": "no"}, "use_bias: expected True or False"),
    ({"units": 2, "kernel_regularizer": "l3"}, "kernel_regularizer: expected one of"),
])
def test_bad_dense_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        Dense(**kwargs)


def test_bad_weights_and_structure(model):
    with pytest.raises(ValueError, match=r"weights: expected 4 arrays"):
        model.set_weights([np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"weights: dense_1/kernel expected shape \(2, 3\), got \(3, 2\)"):
        model.set_weights([np.zeros((3, 2)), np.zeros(3), np.zeros((3, 2)), np.zeros(2)])
    with pytest.raises(ValueError, match="not built yet"):
        Sequential([Dense(2)]).get_weights()
    with pytest.raises(TypeError, match="layers: expected Layer instances"):
        Sequential(["dense"])
    with pytest.raises(ValueError, match="dtype: expected one of"):
        Sequential(dtype="float16")
    with pytest.raises(ValueError, match="Input may only come first"):
        Sequential([Dense(2), Input(3)])
    with pytest.raises(ValueError, match="shape: expected"):
        Input(shape=(2, 0))
    with pytest.raises(ValueError, match=r"Input of shape \(2, 3\) needs Flatten\(\) as the first layer"):
        Sequential([Input(shape=(2, 3)), Dense(2)])
