"""Layers reuse their work arrays: a training step's forward and backward allocate nothing."""
import pickle

import numpy as np
import pytest

from descend import Activation, Dense, jit

N = 2048    # rows: any array of the batch would be 8 kB or more


def _dense(activation, width=64, compiled=True, monkeypatch=None):
    monkeypatch.setattr(jit, "MIN_SIZE", 0 if compiled else 10 ** 12)
    layer = Dense(width, activation)
    layer.build(16, np.random.default_rng(0), np.dtype(np.float32))
    return layer


# (softmax's own backward, used only without a cross-entropy loss, and leaky_relu/elu still
# allocate their temporaries)
@pytest.mark.parametrize("activation, compiled", [("relu", True), ("relu", False), ("tanh", False),
                                                  ("sigmoid", False), (None, False)])
def test_a_dense_step_allocates_nothing_in_the_steady_state(activation, compiled, monkeypatch,
                                                           allocates_nothing):
    layer = _dense(activation, compiled=compiled, monkeypatch=monkeypatch)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((N, 16)).astype(np.float32)
    g = rng.standard_normal((N, 64)).astype(np.float32)

    def step():
        layer.forward(x)
        layer.backward(g)

    allocates_nothing(step)


def test_an_activation_layer_allocates_nothing_in_the_steady_state(allocates_nothing):
    layer = Activation("tanh")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((N, 16)).astype(np.float32)
    g = rng.standard_normal((N, 16)).astype(np.float32)
    a = layer.forward(x).copy()
    np.testing.assert_array_equal(a, np.tanh(x))
    np.testing.assert_array_equal(layer.backward(g), (1 - a * a) * g)
    allocates_nothing(lambda: (layer.forward(x), layer.backward(g)))


def test_the_bias_add_without_broadcasting_gives_the_formula_s_numbers(monkeypatch):
    layer = _dense("tanh", monkeypatch=monkeypatch)
    layer.params[1][:] = np.random.default_rng(2).standard_normal(64)
    x = np.random.default_rng(3).standard_normal((7, 16)).astype(np.float32)
    np.testing.assert_array_equal(layer.forward(x), np.tanh(x @ layer.params[0] + layer.params[1]))


def test_work_arrays_are_kept_for_the_four_latest_batch_sizes_and_not_pickled(monkeypatch):
    layer = _dense("relu", monkeypatch=monkeypatch)
    for n in (1, 2, 3, 4, 5, 5, 4):
        layer.forward(np.ones((n, 16), np.float32))
    assert sorted(key[0] for key in layer._buffers) == [2, 3, 4, 5]
    again = pickle.loads(pickle.dumps(layer))
    assert "_buffers" not in again.__dict__                # no work arrays carried
    np.testing.assert_array_equal(again.forward(np.ones((3, 16), np.float32)),
                                  layer.forward(np.ones((3, 16), np.float32)))


@pytest.mark.parametrize("compiled", [True, False])
def test_a_training_forward_gives_the_same_output_and_only_it_may_drop_z(compiled, monkeypatch):
    layer = _dense("relu", compiled=compiled, monkeypatch=monkeypatch)
    x = np.random.default_rng(2).standard_normal((N, 16)).astype(np.float32)
    z = x @ layer.kernel + layer.bias                       # (the same rounding: one matmul, one add)
    a = layer.forward(x).copy()
    np.testing.assert_array_equal(layer._z, z)              # outside training z is kept: explain
    assert (z < 0).any()                                    # and diagnostics read it
    np.testing.assert_array_equal(layer.forward(x, training=True), a)
    g = np.random.default_rng(3).standard_normal(a.shape).astype(np.float32)
    dx = layer.backward(g).copy()
    layer.forward(x)
    np.testing.assert_array_equal(layer.backward(g), dx)    # backward needs only a


@pytest.mark.parametrize("compiled", [True, False])
def test_only_a_scratch_gradient_may_be_written_over(compiled, monkeypatch):
    layer = _dense("relu", compiled=compiled, monkeypatch=monkeypatch)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((N, 16)).astype(np.float32)
    g = rng.standard_normal((N, 64)).astype(np.float32)
    layer.forward(x)
    given = g.copy()
    dx = layer.backward(given).copy()
    grads = [a.copy() for a in layer.grads]
    np.testing.assert_array_equal(given, g)                  # a caller's array is left alone
    np.testing.assert_array_equal(layer.backward(given, scratch_grad=True), dx)
    for a, b in zip(layer.grads, grads):
        np.testing.assert_array_equal(a, b)
