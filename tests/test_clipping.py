"""Gradient clipping by value, per-tensor norm and global norm (slides §7; docs/conventions.md §3)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from descend import clipping
from descend.optimizers import SGD


def grads3():
    return [np.array([3.0, 4.0]), np.array([[0.0, 12.0]]), np.array(0.0)]   # norms 5, 12, 0; global 13


def test_global_norm_of_norms():
    assert clipping.global_norm(grads3()) == 13.0
    assert clipping.global_norm(grads3(), 1) == 19.0
    assert clipping.global_norm(grads3(), math.inf) == 12.0
    assert clipping.global_norm([]) == 0.0


def test_clip_by_value():
    out = clipping.clip_by_value(grads3(), 3.5)
    np.testing.assert_array_equal(out[0], [3.0, 3.5])
    np.testing.assert_array_equal(out[1], [[0.0, 3.5]])


def test_clip_by_norm_is_per_tensor_keras_formula():
    out = clipping.clip_by_norm(grads3(), 6.0)
    np.testing.assert_array_equal(out[0], [3.0, 4.0])                    # 5 ≤ 6: untouched
    np.testing.assert_allclose(out[1], [[0.0, 6.0]], rtol=1e-15)         # g·c/max(‖g‖, c)
    assert float(out[2]) == 0.0                                           # zero norm is safe


def test_clip_by_global_norm_keras_and_torch():
    keras, total = clipping.clip_by_global_norm(grads3(), 6.5)
    assert total == 13.0
    np.testing.assert_allclose(keras[0], [1.5, 2.0], rtol=1e-15)
    torch_like, _ = clipping.clip_by_global_norm(grads3(), 6.5, epsilon=1e-6)
    np.testing.assert_allclose(torch_like[0], np.array([3.0, 4.0]) * 6.5 / (13.0 + 1e-6), rtol=1e-15)
    # At ‖G‖ == c PyTorch still shrinks by ‖G‖/(‖G‖ + 1e-6); Keras leaves G as it is.
    at, _ = clipping.clip_by_global_norm(grads3(), 13.0, epsilon=1e-6)
    assert at[1][0, 1] == pytest.approx(12.0 * 13.0 / (13.0 + 1e-6), rel=1e-15) and at[1][0, 1] < 12.0
    g = grads3()
    same, _ = clipping.clip_by_global_norm(g, 13.0)
    assert all(a is b for a, b in zip(same, g, strict=True))             # no copy when nothing clips


def test_clipping_keeps_float32():
    out, _ = clipping.clip_by_global_norm([np.full(3, 10.0, np.float32)], 1.0)
    assert out[0].dtype == np.float32


@settings(max_examples=40, deadline=None)
@given(grads=st.lists(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=5),
                                 elements=st.floats(-1e3, 1e3)), min_size=1, max_size=3),
       c=st.floats(1e-3, 1e3))
def test_clipped_norms_never_exceed_the_threshold_and_inputs_are_untouched(grads, c):
    copies = [g.copy() for g in grads]
    glob, _ = clipping.clip_by_global_norm(grads, c)
    per = clipping.clip_by_norm(grads, c)
    val = clipping.clip_by_value(grads, c)
    assert clipping.global_norm(glob) <= c * (1 + 1e-12)
    assert all(clipping.tensor_norm(g) <= c * (1 + 1e-12) for g in per)
    assert all(np.abs(g).max(initial=0) <= c for g in val)
    for g, k in zip(grads, copies, strict=True):
        assert np.array_equal(g, k)


def test_optimizer_clips_before_the_rule():
    w = [np.zeros(2)]
    SGD(1.0, global_clipnorm=1.0).apply([np.array([3.0, 4.0])], w)
    np.testing.assert_allclose(w[0], [-0.6, -0.8], rtol=1e-15)
    w = [np.zeros(2)]
    SGD(1.0, flavor="torch", global_clipnorm=1.0).apply([np.array([3.0, 4.0])], w)
    np.testing.assert_allclose(w[0], np.array([-3.0, -4.0]) / (5.0 + 1e-6), rtol=1e-15)


@pytest.mark.parametrize("call, error, match", [
    (lambda: clipping.clip_by_value([np.ones(2)], 0.0), ValueError, "clipvalue"),
    (lambda: clipping.clip_by_norm([np.ones(2)], -1.0), ValueError, "clipnorm"),
    (lambda: clipping.clip_by_global_norm([np.ones(2)], float("nan")), ValueError, "global_clipnorm"),
    (lambda: clipping.clip_by_global_norm([np.ones(2)], "1"), TypeError, "global_clipnorm"),
    (lambda: clipping.clip_by_norm([np.ones(2)], 1.0, norm_type=0.5), ValueError, "norm_type"),
    (lambda: clipping.clip_by_value(np.ones(2), 1.0), TypeError, "grads"),
    (lambda: clipping.clip_by_value([[1.0]], 1.0), TypeError, r"grads\[0\]"),
])
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_numpy_scalars_are_thresholds_and_norm_types():
    g = [np.array([3.0, 4.0])]
    clipped = clipping.clip_by_norm(g, np.float32(1.0), norm_type=np.int64(2))
    np.testing.assert_allclose(clipped[0], [0.6, 0.8])
    assert clipping.check_norm_type(np.inf) == math.inf
    for bad in (float("nan"), 0.5, -np.inf):
        with pytest.raises(ValueError, match=r"norm_type: expected a number in \[1\.0, inf\]"):
            clipping.check_norm_type(bad)
    with pytest.raises(TypeError, match="norm_type: expected a number, got str"):
        clipping.check_norm_type("2")
