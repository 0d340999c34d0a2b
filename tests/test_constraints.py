"""Weight constraints: the formulas by hand, ``get``/``serialize``, bad arguments, and the
projection after every update of training (batch, mini-batch, stochastic GD, ``train_on_batch``,
the fast paths bit for bit), kept through save, load and resume.

Keras's own tests are in ``test_constraints_keras_port.py``; training against Keras itself in
``test_constraints_vs_keras.py``.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

import descend
from descend import Dense, Input, Sequential, _fast, constraints, layers
from descend._fast import loops
from descend._fast import optimizers as kernels
from descend.callbacks import Callback
from descend.constraints import EPSILON, Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm


# ------------------------------------------------------------------------ the formulas
def test_max_norm_by_hand():
    w = np.array([[3.0, 0.3, 0.0], [4.0, 0.4, 0.0]])           # column norms 5, 0.5, 0
    out = MaxNorm(2.0)(w)
    np.testing.assert_array_equal(out[:, 0], w[:, 0] * (2.0 / (EPSILON + 5.0)))   # scaled to norm 2
    np.testing.assert_array_equal(out[:, 1], w[:, 1] * (0.5 / (EPSILON + 0.5)))   # inside: × ‖w‖/(ε + ‖w‖)
    np.testing.assert_array_equal(out[:, 2], 0.0)
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), [2.0, 0.5, 0.0], rtol=1e-6)


def test_the_norm_is_over_axis():
    w = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(np.linalg.norm(MaxNorm(1.0, axis=1)(w), axis=1), [1.0, 0.0], rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(MaxNorm(1.0, axis=0)(w), axis=0), [1.0, 1.0], rtol=1e-6)
    both = MaxNorm(1.0, axis=[0, 1])(w)                          # one norm over the whole array
    np.testing.assert_allclose(both, w / (5.0 + EPSILON), rtol=1e-15)
    np.testing.assert_allclose(MaxNorm(1.0, axis=-1)(w), MaxNorm(1.0, axis=1)(w), rtol=0)


def test_unit_norm_and_min_max_norm_by_hand():
    w = np.array([[0.3, 6.0, 0.1], [0.4, 8.0, 0.0]])           # norms 0.5, 10, 0.1
    np.testing.assert_array_equal(UnitNorm()(w), w / (EPSILON + np.array([0.5, 10.0, 0.1])))
    out = MinMaxNorm(min_value=1.0, max_value=2.0, rate=0.25)(w)
    norms = np.array([0.5, 10.0, 0.1])
    desired = 0.25 * np.clip(norms, 1.0, 2.0) + 0.75 * norms    # a quarter of the way into [1, 2]
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), desired, rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(MinMaxNorm(1.0, 2.0)(w), axis=0), [1.0, 2.0, 1.0], rtol=1e-6)


def test_non_neg_by_hand():
    np.testing.assert_array_equal(NonNeg()(np.array([-1.5, 0.0, 2.0])), [0.0, 0.0, 2.0])


@pytest.mark.parametrize("constraint", [MaxNorm(), NonNeg(), UnitNorm(), MinMaxNorm(0.5, 1.0, 0.5)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_constraint_keeps_the_dtype_and_shape(constraint, dtype):
    w = np.random.default_rng(0).normal(size=(4, 3)).astype(dtype)
    out = constraint(w)
    assert out.dtype == dtype and out.shape == w.shape
    assert out is not w                                           # a new array, w untouched
    np.testing.assert_array_equal(w, np.random.default_rng(0).normal(size=(4, 3)).astype(dtype))


# ------------------------------------------------------------------------ get, serialize
@pytest.mark.parametrize("name, cls", [
    ("max_norm", MaxNorm), ("MaxNorm", MaxNorm), ("maxnorm", MaxNorm), ("non_neg", NonNeg),
    ("NonNeg", NonNeg), ("unit_norm", UnitNorm), ("UnitNorm", UnitNorm), ("min_max_norm", MinMaxNorm),
    ("MinMaxNorm", MinMaxNorm), ("constraint", Constraint),
])
def test_get_by_name(name, cls):
    obj = constraints.get(name)
    assert type(obj) is cls and obj == cls()


def test_get_takes_instances_classes_dicts_and_callables():
    m = MaxNorm(3.0, axis=1)
    assert constraints.get(m) is m
    assert constraints.get(None) is None
    assert constraints.get(UnitNorm) == UnitNorm()
    assert constraints.get({"class_name": "MaxNorm", "config": {"max_value": 3.0, "axis": 1}}) == m
    keras_dict = {"module": "keras.constraints", "class_name": "MinMaxNorm", "registered_name": None,
                  "config": {"min_value": 0.1, "max_value": 0.9, "rate": 0.5, "axis": 0}}
    assert constraints.get(keras_dict) == MinMaxNorm(0.1, 0.9, 0.5)
    f = constraints.get(lambda w: np.clip(w, -1, 1))
    assert isinstance(f, constraints.FunctionConstraint)
    np.testing.assert_array_equal(f(np.array([-3.0, 0.5, 2.0])), [-1.0, 0.5, 1.0])


@pytest.mark.parametrize("constraint", [Constraint(), MaxNorm(), MaxNorm(0.5, axis=[0, 1]), NonNeg(),
                                        UnitNorm(axis=1), MinMaxNorm(0.2, 0.7, 0.3, axis=-1)])
def test_serialize_round_trips_through_json(constraint):
    config = json.loads(json.dumps(constraints.serialize(constraint)))
    again = constraints.get(config)
    assert again == constraint and type(again) is type(constraint)
    w = np.random.default_rng(1).normal(size=(3, 4))
    np.testing.assert_array_equal(again(w), constraint(w))
    assert constraints.serialize(None) is None


@pytest.mark.parametrize("call, error, match", [
    (lambda: constraints.get("typo"), ValueError, r"constraint: expected one of \['constraint', 'max_norm'"),
    (lambda: constraints.get("typo", "kernel_constraint"), ValueError, "kernel_constraint: expected one of"),
    (lambda: constraints.get(2.0, "bias_constraint"), TypeError, "bias_constraint: expected a name"),
    (lambda: constraints.get(int), TypeError, "constraint: expected a name"),
    (lambda: constraints.get({"config": {}}), ValueError, "expected a dict with keys 'class_name'"),
    (lambda: constraints.get({"class_name": "MaxNorm", "cfg": {}}), ValueError, "expected a dict"),
    (lambda: constraints.get({"class_name": "MaxNorm", "config": {"maxvalue": 1}}), TypeError,
     "does not match MaxNorm's arguments"),
    (lambda: constraints.get({"class_name": 3}), TypeError, "'class_name' to be a str"),
    (lambda: constraints.get({"class_name": "MaxNorm", "config": [1]}), TypeError, "'config' to be a dict"),
    (lambda: constraints.serialize("max_norm"), TypeError, "expected a Constraint or None"),
    (lambda: constraints.serialize(constraints.get(abs)), TypeError, "cannot be serialized"),
])
def test_get_and_serialize_refuse_naming_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("make, error, match", [
    (lambda: MaxNorm(-1.0), ValueError, r"^max_value: expected a finite number >= 0\.0, got -1\.0$"),
    (lambda: MaxNorm(float("nan")), ValueError, "max_value"),
    (lambda: MaxNorm(float("inf")), ValueError, "max_value"),
    (lambda: MaxNorm("2"), TypeError, "max_value"),
    (lambda: MaxNorm(axis="0"), TypeError, "axis: expected an int or a non-empty list"),
    (lambda: MaxNorm(axis=1.5), TypeError, "axis"),
    (lambda: UnitNorm(axis=[]), ValueError, "axis: expected an int or a non-empty list of distinct"),
    (lambda: UnitNorm(axis=[0, 0]), ValueError, "distinct"),
    (lambda: UnitNorm(axis=True), TypeError, "axis"),
    (lambda: MinMaxNorm(min_value=2.0, max_value=1.0), ValueError, "expected min_value <= max_value"),
    (lambda: MinMaxNorm(rate=1.5), ValueError, "rate"),
    (lambda: MinMaxNorm(rate=-0.1), ValueError, "rate"),
    (lambda: MinMaxNorm(min_value=-0.1), ValueError,
     r"^min_value: expected a finite number >= 0\.0, got -0\.1$"),
])
def test_bad_arguments_are_clear_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_a_call_refuses_what_is_no_weight():
    with pytest.raises(ValueError, match=r"axis: expected axes of a 1-D weight \(-1 to 0\), got 1"):
        MaxNorm(axis=1)(np.ones(3))
    with pytest.raises(TypeError, match="w: expected an array of real numbers"):
        NonNeg()(np.array(["a"]))
    bad = constraints.get(lambda w: 0.0)
    with pytest.raises(ValueError, match=r"expected an array of shape \(2, 2\).*got shape \(\)"):
        bad(np.ones((2, 2)))
    with pytest.raises(TypeError, match="expected real numbers, got dtype complex"):
        constraints.get(lambda w: w + 0j)(np.ones(2))


# ------------------------------------------------------------------------ Dense
def test_dense_takes_constraints_and_keeps_them_in_its_config():
    layer = Dense(3, kernel_constraint="max_norm", bias_constraint=NonNeg())
    assert layer.kernel_constraint == MaxNorm() and layer.bias_constraint == NonNeg()
    config = json.loads(json.dumps(layer.get_config()))
    assert config["kernel_constraint"] == {"class_name": "MaxNorm", "config": {"max_value": 2.0, "axis": 0}}
    assert config["bias_constraint"] == {"class_name": "NonNeg", "config": {}}
    again = layers.from_config("Dense", config)
    assert again.kernel_constraint == MaxNorm() and again.bias_constraint == NonNeg()
    assert Dense(2).get_config()["kernel_constraint"] is None


def test_dense_names_a_bad_constraint():
    with pytest.raises(ValueError, match="kernel_constraint: expected one of"):
        Dense(2, kernel_constraint="max")
    with pytest.raises(TypeError, match="bias_constraint: expected a name"):
        Dense(2, bias_constraint=3)
    with pytest.raises(ValueError, match=r"bias_constraint: MaxNorm\(max_value=2.0, axis=1\) on a weight of "
                                         r"shape \(2,\): axis: expected axes of a 1-D weight"):
        Sequential([Input(3), Dense(2, bias_constraint=MaxNorm(axis=1))])     # a bias has one axis
    model = Sequential([Dense(2, kernel_constraint=UnitNorm(axis=[0, 2]))])   # built on its first data
    with pytest.raises(ValueError, match=r"kernel_constraint: .* shape \(3, 2\)"):
        model.build((None, 3))


def test_param_constraints_follow_params():
    layer = Dense(2, kernel_constraint="non_neg", bias_constraint="unit_norm")
    Sequential([Input(3), layer])
    assert layer.param_constraints == [NonNeg(), UnitNorm()]
    no_bias = Dense(2, kernel_constraint="non_neg", bias_constraint="unit_norm", use_bias=False)
    Sequential([Input(3), no_bias])
    assert no_bias.param_constraints == [NonNeg()]                  # no bias: nothing to constrain
    assert layers.Activation("relu").param_constraints == []


# ------------------------------------------------------------------------ training
def _data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, np.stack([4.0 * X[:, 0] - 3.0 * X[:, 1], X[:, 2] - 2.0], axis=1)


def _model(optimizer="sgd", dtype="float64", **constraint):
    kernel = constraint.get("kernel", MaxNorm(0.5))
    bias = constraint.get("bias", NonNeg())
    model = Sequential([Input(3), Dense(5, "tanh", kernel_constraint=kernel, bias_constraint=bias),
                        Dense(2, kernel_constraint=kernel, bias_constraint=bias)], dtype=dtype, seed=0)
    model.compile(_optimizer(optimizer), "mse")
    return model


def _optimizer(name):
    return descend.optimizers.get(name, learning_rate=0.1)


class _CheckEveryBatch(Callback):
    """Asserts after every update that each kernel's column norms are ≤ 0.5 and each bias ≥ 0."""

    def __init__(self):
        super().__init__()
        self.checked = 0

    def on_batch_end(self, batch, logs=None):
        for layer in self.model.layers:
            assert np.linalg.norm(layer.kernel, axis=0).max() <= 0.5 + 1e-12
            assert layer.bias.min() >= 0.0
        self.checked += 1


@pytest.mark.parametrize("batch_size, updates", [(None, 4), (1, 96), (5, 20)])
@pytest.mark.parametrize("optimizer", ["sgd", "nag", "adam"])
def test_the_constraint_holds_after_every_batch(batch_size, updates, optimizer):
    X, y = _data()
    model = _model(optimizer)
    check = _CheckEveryBatch()
    model.fit(X, y, batch_size=batch_size, epochs=4, callbacks=[check], verbose=0, seed=0)
    assert check.checked == updates
    free = Sequential([Input(3), Dense(5, "tanh"), Dense(2)], dtype="float64", seed=0)
    free.compile(_optimizer(optimizer), "mse")
    free.fit(X, y, batch_size=batch_size, epochs=4, verbose=0, seed=0)
    assert np.linalg.norm(free.layers[0].kernel, axis=0).max() > 0.5    # the bound binds
    assert any(layer.bias.min() < 0 for layer in free.layers)


def test_train_on_batch_projects_after_the_update():
    X, y = _data(4)
    model = _model(kernel=MaxNorm(0.5), bias=None)
    model.set_weights([w * 10 for w in model.get_weights()])        # far outside the bound
    before = model.get_weights()
    expected = model.compute_gradients(X, y)[1]
    model.train_on_batch(X, y)
    for i, layer in enumerate(model.layers):                      # w ← MaxNorm(w − η ∂E/∂w)
        stepped = before[2 * i] - 0.1 * expected[2 * i]
        np.testing.assert_array_equal(layer.kernel, MaxNorm(0.5)(stepped))
        np.testing.assert_array_equal(layer.bias, before[2 * i + 1] - 0.1 * expected[2 * i + 1])


def test_a_model_without_constraints_projects_nothing(monkeypatch):
    calls = []
    monkeypatch.setattr(constraints, "project", lambda pairs: calls.append(pairs))
    X, y = _data()
    free = Sequential([Input(3), Dense(2)], seed=0)
    free.compile("sgd", "mse")
    free.fit(X, y, epochs=1, verbose=0)
    assert calls == []
    model = _model()
    model.fit(X, y, epochs=1, batch_size=12, verbose=0)
    assert len(calls) == 2 and [name for name, _, _ in calls[0]] == [
        "dense_1/kernel", "dense_1/bias", "dense_2/kernel", "dense_2/bias"]


def test_a_constraint_refusing_during_training_names_the_weight():
    X, y = _data()
    model = Sequential([Input(3), Dense(2, bias_constraint=lambda w: w[:1])], seed=0)
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"dense_1/bias: constraint <lambda>: expected an array of shape"):
        model.fit(X, y, epochs=1, verbose=0)


def test_a_diverged_step_is_not_projected():
    """The update that diverges is refused with the weights as before it; nothing is projected."""
    X, y = _data()
    model = _model(kernel=UnitNorm(), bias=None)
    model.compile(descend.optimizers.SGD(learning_rate=1e308), "mse")
    with pytest.raises(descend.DivergenceError):
        model.fit(X, y, epochs=1, batch_size=None, verbose=0)
    for layer in model.layers:
        assert np.isfinite(layer.kernel).all()


def test_a_whole_data_search_refuses_constraints():
    """L-BFGS moves the weights itself: a projection after each gradient step has no place in it."""
    X, y = _data()
    model = _model(bias=None)
    model.compile("lbfgs", "mse")
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"optimizer: LBFGS searches over unconstrained weights; the model "
                                         r"has weight constraints \(on dense_1/kernel, dense_2/kernel\)"):
        model.fit(X, y, epochs=2, verbose=0)
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_save_load_and_resume_bit_for_bit(tmp_path):
    X, y = _data()
    straight = _model("adam", dtype="float32")
    straight.fit(X, y, epochs=4, batch_size=5, verbose=0, seed=1)
    first = _model("adam", dtype="float32")
    first.fit(X, y, epochs=2, batch_size=5, verbose=0, seed=1)
    first.save(tmp_path / "m.safetensors")
    loaded = descend.load_model(tmp_path / "m.safetensors")
    assert [layer.kernel_constraint for layer in loaded.layers] == [MaxNorm(0.5)] * 2
    assert [layer.bias_constraint for layer in loaded.layers] == [NonNeg()] * 2
    loaded.fit(X, y, epochs=4, batch_size=5, verbose=0, initial_epoch=2)
    for a, b in zip(loaded.get_weights(), straight.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------------ the fast paths
def _train_large(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((300, 20)).astype(np.float32)
    y = rng.integers(0, 3, 300)
    model = Sequential([Input(20),
                        Dense(64, "relu", kernel_constraint=MaxNorm(1.0), bias_constraint="non_neg"),
                        Dense(32, "relu", kernel_constraint=MinMaxNorm(0.2, 0.8, 0.5)),
                        Dense(3, "softmax", kernel_constraint=UnitNorm(axis=1))], seed=0)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(X, y, epochs=2, batch_size=64, verbose=0, seed=0)
    return model.get_weights(), history.history


@pytest.mark.fast_paths
def test_the_fast_paths_train_constrained_weights_bit_for_bit(monkeypatch):
    monkeypatch.setattr(loops, "MIN_SIZE", 0)                # every compiled loop, even on small arrays
    monkeypatch.setattr(kernels, "MIN_SIZE", 0)
    fast = _train_large()
    monkeypatch.setattr(_fast, "enabled", lambda: False)
    ref = _train_large()
    for a, b in zip(fast[0], ref[0], strict=True):
        np.testing.assert_array_equal(a, b)
    assert fast[1] == ref[1]
    assert np.linalg.norm(fast[0][0], axis=0).max() <= 1.0 + 1e-6 and fast[0][1].min() >= 0
