"""The compiled loops give bit for bit the numbers of the NumPy expressions they stand in for,
NaN and inf included."""
import numpy as np
import pytest

from descend import activations, losses
from descend._fast import loops

#: these tests exercise the fast paths themselves: not run with DESCEND_KERNELS=numpy
pytestmark = pytest.mark.fast_paths


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 4096), (128, 256), (37, 301), (5000, 1), (300, 2)], ids=str)
def test_bias_relu_and_its_backward_equal_numpy(shape, dtype):
    rng = np.random.default_rng(0)
    z0 = rng.standard_normal(shape).astype(dtype)
    z0.flat[:4] = [np.nan, -np.inf, np.inf, -0.0]            # NaN and inf go through as in NumPy
    b = rng.standard_normal(shape[1]).astype(dtype)
    z_np = z0 + b
    a_np = np.maximum(z_np, 0)
    z, a = z0.copy(), np.empty(shape, dtype)
    assert loops.bias_relu(z, b, a) is a
    np.testing.assert_array_equal(z, z_np)
    np.testing.assert_array_equal(a, a_np)

    g = rng.standard_normal(shape).astype(dtype)
    g.flat[5:7] = [np.inf, np.nan]
    with np.errstate(invalid="ignore"):
        delta_np = g * (z_np > 0)                            # the reference: ∂E/∂a ⊙ relu′(z)
        db_np = delta_np.sum(axis=0)
        delta, db = np.empty(shape, dtype), np.empty(shape[1], dtype)
        assert loops.relu_delta_bias(z, g, delta, db) is delta
        g_over, db_over = g.copy(), np.empty(shape[1], dtype)   # δ written over ∂E/∂a
        assert loops.relu_delta_bias(z, g_over, g_over, db_over) is g_over
    np.testing.assert_array_equal(delta, delta_np)
    np.testing.assert_array_equal(db, db_np)
    np.testing.assert_array_equal(g_over, delta_np)
    np.testing.assert_array_equal(db_over, db_np)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 300), (128, 10), (300, 1), (5000, 1), (7, 1), (2, 1000)], ids=str)
def test_bias_grad_equals_numpy(shape, dtype):
    # NumPy adds row after row, except a single column, which it sums as one run (pairwise)
    delta = (np.random.default_rng(3).standard_normal(shape) * 10).astype(dtype)
    delta.flat[1] = np.nan if shape[0] * shape[1] > 1000 else delta.flat[1]
    db = np.empty(shape[1], dtype)
    assert loops.bias_grad(delta, db) is db
    np.testing.assert_array_equal(db, delta.sum(axis=0))


SOFTMAX_SHAPES = [(1, 128), (128, 10), (37, 127), (5, 8), (64, 7)]   # every branch of the block sum


def _logits(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal(shape) * 4).astype(dtype)
    z[0, :2] = [np.nan, 1.0]                                  # a NaN row stays NaN, as in NumPy
    if shape[0] > 2:
        z[1, 0], z[2, :] = np.inf, 3.0                        # inf, and a row of ties
    return z, rng.standard_normal(shape[1]).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SOFTMAX_SHAPES, ids=str)
def test_bias_softmax_equals_numpy(shape, dtype):
    z0, b = _logits(shape, dtype)
    with np.errstate(invalid="ignore"):
        z_np = z0 + b
        a_np = activations.Softmax()(z_np)
        z, a = z0.copy(), np.empty(shape, dtype)
        assert loops.bias_softmax(z, b, a) is a
    np.testing.assert_array_equal(z, z_np)
    np.testing.assert_array_equal(a, a_np)                 # (a = e / S: a different S shows here)


def test_bias_softmax_refuses_rows_numpy_would_sum_recursively():
    z = np.zeros((2, loops.PAIRWISE_BLOCK + 1), np.float32)
    with pytest.raises(ValueError, match="rows of at most 128 elements, got 129"):
        loops.bias_softmax(z, z[0], z.copy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SOFTMAX_SHAPES + [(1, 300), (37, 129), (5, 1000)], ids=str)
def test_sparse_crossentropy_parts_equal_numpy(shape, dtype):
    z, _ = _logits(shape, dtype, seed=1)
    labels = np.random.default_rng(2).integers(0, shape[1], shape[0])
    with np.errstate(invalid="ignore", over="ignore"):
        a = activations.Softmax()(z)
        picked, a_max, delta = np.empty(shape[0], dtype), np.empty(shape[0], dtype), np.empty(shape, dtype)
        assert loops.sparse_ce_parts(z, a, labels, picked, a_max, delta) == 0
        rows = np.arange(shape[0])
        onehot = np.zeros(shape, dtype)
        onehot[rows, labels] = 1
    np.testing.assert_array_equal(picked, z[rows, labels] - z.max(axis=-1))
    np.testing.assert_array_equal(a_max, a.max(axis=-1))
    np.testing.assert_array_equal(delta, (a - onehot) * (1.0 / shape[0]))


@pytest.mark.parametrize("bad", [-1, 10, 2 ** 40])
def test_sparse_crossentropy_parts_count_labels_outside_the_classes(bad):
    z = np.zeros((64, 10), np.float32)
    a = activations.Softmax()(z)
    labels = np.arange(64) % 10
    labels[17] = bad
    out = [np.empty(64, np.float32), np.empty(64, np.float32), np.empty((64, 10), np.float32)]
    assert loops.sparse_ce_parts(z, a, labels, *out) == 1
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 9\]"):
        losses.SparseCategoricalCrossentropy().labels(z, labels)
