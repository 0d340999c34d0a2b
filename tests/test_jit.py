"""The compiled loops of jit.py give bit for bit the numbers of the NumPy forms they stand in for."""
import os
import subprocess
import sys

import numpy as np
import pytest

from descend import Dense, Input, Sequential, activations, jit, losses


def test_numba_is_there_so_the_compiled_path_is_the_tested_one():
    assert jit.numba() is not None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 4096), (128, 256), (37, 301), (5000, 1), (300, 2)])
def test_bias_relu_and_its_backward_equal_numpy_bit_for_bit(shape, dtype):
    rng = np.random.default_rng(0)
    z0 = rng.standard_normal(shape).astype(dtype)
    z0.flat[:4] = [np.nan, -np.inf, np.inf, -0.0]            # NaN and inf go through as in NumPy
    b = rng.standard_normal(shape[1]).astype(dtype)
    z_np, a_np = z0.copy(), np.empty(shape, dtype)
    z_np += b
    np.maximum(z_np, 0, out=a_np)
    z_jit, a_jit = z0.copy(), np.empty(shape, dtype)
    assert jit.bias_relu(z_jit, b, a_jit) is a_jit
    np.testing.assert_array_equal(z_jit, z_np)
    np.testing.assert_array_equal(a_jit, a_np)
    z_over = z0.copy()                                       # a written over z (a training step)
    assert jit.bias_relu(z_over, b, z_over) is z_over
    np.testing.assert_array_equal(z_over, a_np)

    g = rng.standard_normal(shape).astype(dtype)
    g.flat[5:7] = [np.inf, np.nan]
    with np.errstate(invalid="ignore"):
        delta_np = np.sign(a_np) * g
        db_np = delta_np.sum(axis=0)
        delta, db = np.empty(shape, dtype), np.empty(shape[1], dtype)
        assert jit.relu_delta_bias(a_jit, g, delta, db) is delta
        g_over, db_over = g.copy(), np.empty(shape[1], dtype)   # δ written over ∂E/∂a
        assert jit.relu_delta_bias(a_jit, g_over, g_over, db_over) is g_over
    np.testing.assert_array_equal(delta, delta_np)
    np.testing.assert_array_equal(db, db_np)
    np.testing.assert_array_equal(g_over, delta_np)
    np.testing.assert_array_equal(db_over, db_np)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 300), (128, 10), (300, 1), (5000, 1), (7, 1), (2, 1000)], ids=str)
def test_bias_grad_equals_numpy_bit_for_bit(shape, dtype):
    # NumPy adds row after row, except a single column, which it sums as one run (pairwise)
    delta = (np.random.default_rng(3).standard_normal(shape) * 10).astype(dtype)
    delta.flat[1] = np.nan if shape[0] * shape[1] > 1000 else delta.flat[1]
    db = np.empty(shape[1], dtype)
    assert jit.bias_grad(delta, db) is db
    np.testing.assert_array_equal(db, delta.sum(axis=0))


MODELS = {
    "softmax": (lambda: [Dense(64, "relu"), Dense(32, "relu"), Dense(3, "softmax")],
                "sparse_categorical_crossentropy", 3),
    # one-unit layers: NumPy sums a single column pairwise, the kernels must too
    "one unit": (lambda: [Dense(1, "relu"), Dense(8, "tanh"), Dense(1, "sigmoid")], "binary_crossentropy", 2),
}


def _train(monkeypatch, min_size, kind):
    monkeypatch.setattr(jit, "MIN_SIZE", min_size)
    monkeypatch.setattr(jit, "FEW_CALLS_MIN_SIZE", min_size)
    layers, loss, classes = MODELS[kind]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((600, 20)).astype(np.float32)
    y = rng.integers(0, classes, 600)
    model = Sequential([Input(20), *layers()], seed=0)
    model.compile("adam", loss)
    history = model.fit(X, y if classes > 2 else y[:, None], epochs=2, batch_size=300, verbose=0, seed=0)
    return model.get_weights(), history.history["loss"]


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_a_model_trains_to_the_same_numbers_with_and_without_the_compiled_loops(kind, monkeypatch):
    compiled, loss_compiled = _train(monkeypatch, 0, kind)
    plain, loss_plain = _train(monkeypatch, 10 ** 12, kind)
    assert loss_compiled == loss_plain
    for a, b in zip(compiled, plain):
        np.testing.assert_array_equal(a, b)


def test_only_plain_relu_layers_with_a_bias_take_the_loop(monkeypatch):
    monkeypatch.setattr(jit, "MIN_SIZE", 0)
    z = np.zeros((4, 3), np.float32)
    relu = Dense(3, "relu")
    relu.build(2, np.random.default_rng(0), np.dtype(np.float32))
    assert relu._relu_kernel(z)
    for layer in (Dense(3, "relu", use_bias=False), Dense(3, "leaky_relu"), Dense(3, "tanh")):
        layer.build(2, np.random.default_rng(0), np.dtype(np.float32))
        assert not layer._relu_kernel(z)
    assert not relu._relu_kernel(np.zeros((4, 3)))            # float64 batch, float32 bias
    assert not relu._relu_kernel(np.zeros((3, 4), np.float32).T)  # not C-contiguous


# ------------------------------------------------------------------------ softmax output
SOFTMAX_SHAPES = [(1, 128), (128, 10), (37, 127), (5, 8), (64, 7)]   # every branch of the block sum
LOSS_SHAPES = SOFTMAX_SHAPES + [(1, 300), (37, 129), (5, 1000)]


def _logits(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal(shape) * 4).astype(dtype)
    z[0, :2] = [np.nan, 1.0]                                  # a NaN row stays NaN, as in NumPy
    if shape[0] > 2:
        z[1, 0], z[2, :] = np.inf, 3.0                        # inf, and a row of ties
    return z, rng.standard_normal(shape[1]).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SOFTMAX_SHAPES, ids=str)
def test_bias_softmax_equals_numpy_bit_for_bit(shape, dtype):
    z0, b = _logits(shape, dtype)
    with np.errstate(invalid="ignore"):
        z_np = z0 + b
        a_np = activations.Softmax()(z_np)
        z_jit, a_jit = z0.copy(), np.empty(shape, dtype)
        assert jit.bias_softmax(z_jit, b, a_jit) is a_jit
    np.testing.assert_array_equal(z_jit, z_np)
    np.testing.assert_array_equal(a_jit, a_np)             # (a = e / S: a different S shows here)


def test_bias_softmax_refuses_rows_numpy_would_sum_recursively():
    z = np.zeros((2, jit.PAIRWISE_BLOCK + 1), np.float32)
    with pytest.raises(ValueError, match="rows of at most 128 elements, got 129"):
        jit.bias_softmax(z, z[0], z.copy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", LOSS_SHAPES, ids=str)
def test_sparse_crossentropy_compiled_equals_numpy_bit_for_bit(shape, dtype, monkeypatch):
    z, _ = _logits(shape, dtype, seed=1)
    labels = np.random.default_rng(2).integers(0, shape[1], shape[0])
    with np.errstate(invalid="ignore", over="ignore"):
        a = activations.Softmax()(z)
        results = []
        for min_size in (0, 10 ** 12):                        # compiled, then NumPy
            monkeypatch.setattr(jit, "FEW_CALLS_MIN_SIZE", min_size)
            value, delta = losses.get("sparse_categorical_crossentropy").fused(z, labels, a)
            results.append((value, delta.copy()))
    (v_jit, d_jit), (v_np, d_np) = results
    assert v_jit == v_np or (np.isnan(v_jit) and np.isnan(v_np))
    np.testing.assert_array_equal(d_jit, d_np)


@pytest.mark.parametrize("bad", [-1, 10, 2 ** 40])
def test_the_compiled_sparse_crossentropy_refuses_labels_outside_the_classes(bad, monkeypatch):
    monkeypatch.setattr(jit, "FEW_CALLS_MIN_SIZE", 0)
    z, _ = _logits((64, 10), np.float32)
    a = activations.Softmax()(np.nan_to_num(z))
    labels = np.arange(64) % 10
    labels[17] = bad
    with pytest.raises(ValueError, match=rf"labels must lie in \[0, 9\] for 10 outputs, got labels from {min(bad, 0)} to {max(bad, 9)}"):
        losses.get("sparse_categorical_crossentropy").fused(z, labels, a)


def test_only_softmax_layers_with_a_bias_take_the_softmax_loops(monkeypatch):
    monkeypatch.setattr(jit, "FEW_CALLS_MIN_SIZE", 0)
    for layer, expected in ((Dense(3, "softmax"), True), (Dense(3, "softmax", use_bias=False), False),
                            (Dense(3, "sigmoid"), False), (Dense(129, "softmax"), False)):
        layer.build(2, np.random.default_rng(0), np.dtype(np.float32))
        assert layer._softmax_kernel(np.zeros((4, layer.units), np.float32)) is expected


_EVERY_KERNEL = """
import numpy as np
from descend import Dense, Input, Sequential, jit
from descend.optimizers import kernels
jit.MIN_SIZE = jit.FEW_CALLS_MIN_SIZE = kernels.MIN_SIZE = 0
rng = np.random.default_rng(0)
X = rng.standard_normal((64, 5)).astype(np.float32)
for out, loss, y, opt in (("softmax", "sparse_categorical_crossentropy", rng.integers(0, 3, 64), "adam"),
                          ("sigmoid", "binary_crossentropy", rng.integers(0, 2, (64, 1)), "momentum")):
    model = Sequential([Input(5), Dense(8, "relu"), Dense(3 if out == "softmax" else 1, out)], seed=0)
    model.compile(opt, loss)
    model.fit(X, y, epochs=1, batch_size=32, verbose=0)
    model.predict(X)
"""


def test_a_second_process_takes_every_kernel_from_numba_s_disk_cache(tmp_path):
    # numba keys its cache on a kernel's closure: a compiled function in a closure changes from
    # process to process, and every process would compile again (1-2 s a kernel)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), NUMBA_DEBUG_CACHE="1")
    runs = [subprocess.run([sys.executable, "-c", _EVERY_KERNEL], env=env, capture_output=True, text=True,
                           check=True) for _ in range(2)]
    first, second = (r.stdout + r.stderr for r in runs)
    assert "data saved" in first
    assert "data saved" not in second, second
