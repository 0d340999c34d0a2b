"""A built-in Dense layer's training form: work arrays reused, nothing allocated per batch, the
layer's caches pointing at the step's numbers, a caller's arrays left alone.

(Its numbers equal the layer's own, bit for bit: tests/test_fast.py.)
"""
import numpy as np
import pytest

from descend import Dense
from descend._fast import loops
from descend._fast.dense import FastDense

#: these tests exercise the fast paths themselves: not run with DESCEND_KERNELS=numpy
pytestmark = pytest.mark.fast_paths

N = 2048    # rows: any array of the batch would be 8 kB or more


def _fast(activation, width=64, compiled=True, monkeypatch=None, input_grad=True):
    monkeypatch.setattr(loops, "MIN_SIZE", 0 if compiled else 10 ** 12)
    layer = Dense(width, activation)
    layer.build(16, np.random.default_rng(0), np.dtype(np.float32))
    return FastDense(layer, input_grad=input_grad)


@pytest.mark.parametrize("activation, compiled", [("relu", True), ("softmax", True)])
def test_a_training_step_allocates_nothing_in_the_steady_state(activation, compiled, monkeypatch,
                                                              allocates_nothing):
    fast = _fast(activation, compiled=compiled, monkeypatch=monkeypatch)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((N, 16)).astype(np.float32)
    g = rng.standard_normal((N, 64)).astype(np.float32)

    def step():
        fast.forward(x)
        fast.backward_delta(g) if activation == "softmax" else fast.backward(g)

    allocates_nothing(step)


def test_work_arrays_are_kept_for_the_four_latest_batch_sizes(monkeypatch):
    fast = _fast("relu", monkeypatch=monkeypatch)
    for n in (1, 2, 3, 4, 5, 5, 4):
        fast.forward(np.ones((n, 16), np.float32))
    assert sorted(key[0] for key in fast.work.sets) == [2, 3, 4, 5]


@pytest.mark.parametrize("compiled", [True, False])
def test_the_layer_caches_hold_the_step_s_z_and_a(compiled, monkeypatch):
    fast = _fast("relu", compiled=compiled, monkeypatch=monkeypatch)
    layer = fast.layer
    x = np.random.default_rng(2).standard_normal((N, 16)).astype(np.float32)
    a = fast.forward(x)
    z = x @ layer.kernel + layer.bias                       # (the same rounding: one matmul, one add)
    assert layer.x is x and layer.a is a and layer.z is not a
    np.testing.assert_array_equal(layer.z, z)               # z is z, never a over it
    assert (z < 0).any()
    np.testing.assert_array_equal(a, np.maximum(z, 0))


@pytest.mark.parametrize("compiled", [True, False])
def test_only_a_scratch_gradient_may_be_written_over(compiled, monkeypatch):
    fast = _fast("relu", compiled=compiled, monkeypatch=monkeypatch)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((N, 16)).astype(np.float32)
    g = rng.standard_normal((N, 64)).astype(np.float32)
    fast.forward(x)
    given = g.copy()
    dx = fast.backward(given).copy()
    grads = [a.copy() for a in fast.layer.grads]
    np.testing.assert_array_equal(given, g)                  # a caller's array is left alone
    np.testing.assert_array_equal(fast.backward(given, scratch=True), dx)
    for a, b in zip(fast.layer.grads, grads, strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_first_layer_computes_no_input_gradient(monkeypatch):
    fast = _fast("tanh", monkeypatch=monkeypatch, input_grad=False)
    fast.forward(np.ones((3, 16), np.float32))
    assert fast.backward(np.ones((3, 64), np.float32)) is None
    assert fast.backward_delta(np.ones((3, 64), np.float32)) is None
    assert np.abs(fast.layer.grads[0]).sum() > 0


def test_only_plain_relu_and_softmax_layers_with_a_bias_take_the_loops():
    def flags(layer):
        layer.build(2, np.random.default_rng(0), np.dtype(np.float32))
        fast = FastDense(layer)
        return fast.relu, fast.softmax

    assert flags(Dense(3, "relu")) == (True, False)
    assert flags(Dense(3, "softmax")) == (False, True)
    for layer in (Dense(3, "relu", use_bias=False), Dense(3, "leaky_relu"), Dense(3, "tanh"),
                  Dense(3, "softmax", use_bias=False), Dense(loops.PAIRWISE_BLOCK + 1, "softmax")):
        assert flags(layer) == (False, False)
    assert not FastDense._compiled(np.zeros((300, 4), np.float32), np.zeros(4))              # mixed dtypes
    assert not FastDense._compiled(np.zeros((4, 300), np.float32).T, np.zeros(4, np.float32))  # strided
