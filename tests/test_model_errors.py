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
    ({"validation_split": 1e-20}, "validation_split: 1e-20 of 4 samples leaves no"),
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


# ------------------------------------------------------------------ issue 15
def _small(dtype="float32"):
    model = Sequential([Input(2), Dense(3, "relu"), Dense(1)], seed=0, dtype=dtype)
    model.compile(optimizer="sgd", loss="mse")
    return model


X4, Y4 = np.zeros((4, 2)), np.zeros(4)


@pytest.mark.parametrize(("batch_size", "error"), [(-1, ValueError), (0, ValueError), (2.5, TypeError),
                                                   ("32", TypeError), (True, TypeError)])
@pytest.mark.parametrize("method", ["predict", "evaluate"])
def test_predict_and_evaluate_name_a_bad_batch_size(method, batch_size, error):
    model = _small()
    args = (X4,) if method == "predict" else (X4, Y4)
    with pytest.raises(error, match="batch_size: expected an integer >= 1"):
        getattr(model, method)(*args, batch_size=batch_size)


def test_predict_and_evaluate_take_numpy_batch_sizes():
    model = _small()
    assert model.predict(X4, batch_size=np.int64(3)).shape == (4, 1)
    assert model.evaluate(X4, Y4, batch_size=np.int32(3)) == model.evaluate(X4, Y4)
    # None is Keras's default: the whole data in batches of 4096
    assert model.evaluate(X4, Y4, batch_size=None) == model.evaluate(X4, Y4)
    np.testing.assert_array_equal(model.predict(X4, batch_size=None), model.predict(X4))


@pytest.mark.parametrize("layers", [5, "dense", Dense(2)])
def test_sequential_wants_a_list_of_layers(layers):
    with pytest.raises(TypeError, match="layers: expected a list of layers"):
        Sequential(layers)


def test_set_weights_wants_a_list_and_values_within_the_dtype():
    model = _small()
    before = model.get_weights()
    with pytest.raises(TypeError, match="weights: expected a list of arrays"):
        model.set_weights(None)
    big = [w.astype(np.float64) for w in before]
    big[0][0, 0] = 1e39
    with pytest.raises(ValueError, match=r"weights: dense_1/kernel: expected values within float32's range"):
        model.set_weights(big)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before, strict=True))
    model64 = _small("float64")
    big = model64.get_weights()
    big[0][0, 0] = 1e39
    model64.set_weights(big)
    assert model64.get_weights()[0][0, 0] == 1e39


def test_inputs_beyond_float32_are_refused_not_turned_into_nan():
    model = _small()
    with pytest.raises(ValueError, match=r"X: expected values within float32's range"):
        model.predict([[1e300, 0.0]])
    with pytest.raises(ValueError, match=r"y: expected values within float32's range"):
        model.evaluate(X4, np.full(4, 1e300))
    with pytest.raises(ValueError, match=r"X: expected values within float32's range"):
        model.fit(np.full((4, 2), 1e300), Y4, verbose=0)
    assert _small("float64").predict([[1e300, 0.0]]).shape == (1, 1)  # float64: within its range


def test_a_model_too_large_for_memory_is_refused_before_allocating(monkeypatch):
    monkeypatch.delenv("DESCEND_MEMORY_LIMIT", raising=False)
    with pytest.raises(ValueError, match=r"layers: the weights \(2,500,050,000 parameters, float32\) and "
                                         r"their gradients would need 18\.6 GiB, more than the memory limit"):
        Sequential([Input(50000), Dense(50000)])
    monkeypatch.setenv("DESCEND_MEMORY_LIMIT", "1MiB")
    model = Sequential([Input(100), Dense(100)])            # 10,100 parameters: 80 kB
    with pytest.raises(ValueError, match=r"layers: the weights \(131,300 parameters"):
        model.add(Dense(1200))          # 969,600 bytes alone; with the model's own weights, over 1 MiB
    with pytest.raises(ValueError, match="1.0 MiB"):
        Sequential([Dense(1000)]).build(1000)


# ------------------------------------------------------------------ issue 15: properties
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from descend import losses  # noqa: E402

#: values a careless or hostile caller passes where a number, a list or an array is wanted
_ODD = st.sampled_from([None, -1, 0, 1, 2, 2.5, -0.5, 1e300, float("nan"), float("inf"), True, False,
                        np.int64(2), np.float32(0.5), np.bool_(True), "2", "", "auto", b"x", [], [1],
                        [[1.0, 2.0]], {}, (), object(), np.zeros((0, 2)), np.zeros((4, 3)),
                        np.full((4, 2), np.nan), np.full((4, 2), 1e300), np.array(["a", "b"]),
                        np.zeros((4, 2), dtype=complex), np.zeros((2, 2, 2)), 10**30, -(10**30)])


def _named(exc, names):
    return any(name in str(exc) for name in names)


def _call(function, names):
    try:
        function()
    except (ValueError, TypeError) as exc:
        assert _named(exc, names), f"{type(exc).__name__}: {exc} (names {names})"


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["X", "batch_size"]), _ODD)
def test_predict_takes_anything_or_names_the_argument(which, value):
    args = {"X": X4, "batch_size": 2, which: value}
    _call(lambda: _small().predict(args["X"], batch_size=args["batch_size"]), [which])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["X", "y", "batch_size"]), _ODD)
def test_evaluate_takes_anything_or_names_the_argument(which, value):
    args = {"X": X4, "y": Y4, "batch_size": 2, which: value}
    _call(lambda: _small().evaluate(args["X"], args["y"], batch_size=args["batch_size"]), [which])


_FIT = {"X": X4, "y": Y4, "epochs": 2, "batch_size": 2, "shuffle": True, "validation_split": 0.0,
        "callbacks": None, "verbose": 0, "seed": 0, "initial_epoch": 0}


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(_FIT)), _ODD)
def test_fit_takes_anything_or_names_the_argument(which, value):
    if which == "epochs" and isinstance(value, (int, np.integer)) and value > 3:
        value = 3                                   # (a valid number of epochs that ends soon)
    args = {**_FIT, which: value}
    model = _small()
    before = model.get_weights()
    X, y = args.pop("X"), args.pop("y")
    try:
        model.fit(X, y, **args)
    except (ValueError, TypeError) as exc:
        names = [which, "validation_data"] if which == "validation_split" else [which]
        assert _named(exc, names), f"{type(exc).__name__}: {exc} (argument {which})"
        assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before, strict=True))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["layers", "dtype", "seed", "name"]), _ODD)
def test_sequential_takes_anything_or_names_the_argument(which, value):
    args = {"layers": [Input(2), Dense(1)], "dtype": "float32", "seed": 0, "name": None, which: value}
    _call(lambda: Sequential(args["layers"], dtype=args["dtype"], seed=args["seed"], name=args["name"]),
          [which, "shape"])


@settings(max_examples=300, deadline=None)
@given(_ODD, st.integers(0, 3))
def test_set_weights_takes_anything_or_names_the_argument(value, where):
    model = _small()
    weights = model.get_weights()
    before = [w.copy() for w in weights]
    given = value if where == 3 else [value if i == where else w for i, w in enumerate(weights)]
    try:
        model.set_weights(given)
    except (ValueError, TypeError) as exc:
        assert "weights" in str(exc)
        assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before, strict=True))


@settings(max_examples=300, deadline=None)
@given(_ODD)
def test_losses_get_takes_a_name_or_names_the_argument(value):
    _call(lambda: losses.get(value), ["loss"])
