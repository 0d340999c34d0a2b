"""Weight constraints against real Keras 3 (keras==3.15.1, KERAS_BACKEND=torch).

Each constraint of :mod:`descend.constraints` equals ``keras.constraints``'s on the same arrays, and
a Dense network with ``kernel_constraint``/``bias_constraint`` trained by SGD on the same data in
the same order, from the same weights, ends with Keras's weights: the constraint is applied after
every update, as Keras's optimizer does. Keras's torch backend computes in float32 (its float64
matmul included, see ``tests/test_model_vs_keras.py``), so the numbers agree to 1e-6 relative
(relative to the largest weight of a tensor for its small entries: a float32 rounding of a gradient
moves every entry of a unit-norm bias alike).
"""
from __future__ import annotations

import numpy as np
import pytest

from descend import Dense, Input, Sequential, constraints
from descend.optimizers import SGD
from oracles import KERAS_MARKS, require_keras

keras = require_keras()

RTOL = 1e-6
pytestmark = KERAS_MARKS



CASES = [
    ("MaxNorm", {}), ("MaxNorm", {"max_value": 0.7, "axis": 1}),
    ("MaxNorm", {"max_value": 1.5, "axis": [0, 1]}),
    ("NonNeg", {}), ("UnitNorm", {}), ("UnitNorm", {"axis": 1}),
    ("MinMaxNorm", {}), ("MinMaxNorm", {"min_value": 0.5, "max_value": 2.0, "rate": 0.7, "axis": 1}),
]


@pytest.mark.parametrize("name, kwargs", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_each_constraint_computes_what_keras_computes(name, kwargs, dtype):
    w = (np.random.default_rng(0).normal(size=(7, 5)) * np.array([0.01, 0.3, 1.0, 3.0, 30.0])).astype(dtype)
    w[:, 0] = 0.0 if name != "NonNeg" else w[:, 0]       # a zero column: norm 0, ε keeps it 0
    ours = getattr(constraints, name)(**kwargs)(w)
    theirs = keras.ops.convert_to_numpy(getattr(keras.constraints, name)(**kwargs)(w))
    assert ours.dtype == dtype
    np.testing.assert_allclose(ours, theirs, rtol=RTOL if dtype == np.float64 else 1e-6, atol=1e-12)


def _pair(kernel, bias, lr=0.1):
    ours = Sequential([Input(3), Dense(4, "tanh", kernel_constraint=kernel, bias_constraint=bias),
                       Dense(2, kernel_constraint=kernel)], dtype="float64", seed=3)
    ours.compile(SGD(learning_rate=lr, flavor="keras"), "mse")
    theirs = keras.Sequential([keras.Input((3,)),
                               keras.layers.Dense(4, "tanh", kernel_constraint=kernel, bias_constraint=bias),
                               keras.layers.Dense(2, kernel_constraint=kernel)])
    theirs.compile(keras.optimizers.SGD(learning_rate=lr), "mse")
    return ours, theirs


@pytest.mark.parametrize("kernel, bias", [
    ("max_norm", "non_neg"),
    ({"class_name": "MaxNorm", "config": {"max_value": 0.4}}, None),
    ("non_neg", "unit_norm"),
    ({"class_name": "MinMaxNorm", "config": {"min_value": 0.5, "max_value": 0.8, "rate": 0.5}}, "max_norm"),
])
@pytest.mark.parametrize("batch_size", [1, 4, None])
def test_sgd_with_constraints_trains_keras_weights(kernel, bias, batch_size):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 3))
    y = np.stack([3.0 * X[:, 0] - X[:, 1], X[:, 2] + 1.0], axis=1)
    ours, theirs = _pair(kernel, bias)
    start = [w * 2.5 for w in ours.get_weights()]          # norms above the bounds: constrained at once
    start[1] = np.array([-0.5, 0.3, -0.1, 0.9])            # a bias of both signs
    ours.set_weights(start)
    theirs.set_weights(start)
    kw = {"epochs": 3, "batch_size": batch_size or len(X), "shuffle": False, "verbose": 0}
    h_ours, h_theirs = ours.fit(X, y, **kw), theirs.fit(X, y, **kw)
    for a, b, s in zip(ours.get_weights(), theirs.get_weights(), start, strict=True):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=RTOL * np.abs(b).max())
        assert not np.allclose(a, s)                              # (it trained)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=RTOL)
