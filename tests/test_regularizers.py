"""L1, L2, L1L2 penalties and their gradients (Keras's definitions)."""
from __future__ import annotations

import numpy as np
import pytest

from descend import regularizers
from descend.regularizers import L1, L1L2, L2

W = np.array([[0.5, -2.0], [0.0, 3.0]])


def test_penalties_follow_keras():
    assert L1(0.1)(W) == pytest.approx(0.1 * 5.5)
    assert L2(0.1)(W) == pytest.approx(0.1 * (0.25 + 4 + 9))
    assert L1L2(0.1, 0.2)(W) == pytest.approx(0.1 * 5.5 + 0.2 * 13.25)
    assert L1()(W) == pytest.approx(0.01 * 5.5) and L2()(W) == pytest.approx(0.01 * 13.25)   # Keras defaults


@pytest.mark.parametrize("reg", [L1(0.3), L2(0.3), L1L2(0.1, 0.2)], ids=repr)
def test_gradient_matches_finite_differences(reg):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 4))                  # away from 0, where |w| has a kink
    grad = reg.gradient(w)
    h = 1e-6
    for idx in np.ndindex(w.shape):
        e = np.zeros_like(w)
        e[idx] = h
        assert grad[idx] == pytest.approx((reg(w + e) - reg(w - e)) / (2 * h), rel=1e-6, abs=1e-9)


def test_gradient_keeps_dtype_and_does_not_touch_w():
    w = W.astype(np.float32)
    before = w.copy()
    assert L1L2(0.1, 0.1).gradient(w).dtype == np.float32
    np.testing.assert_array_equal(w, before)


@pytest.mark.parametrize("reg", [L1(0.3), L2(0.3), L1L2(0.1, 0.2)], ids=repr)
def test_get_and_serialize_round_trip(reg):
    again = regularizers.get(regularizers.serialize(reg))
    assert type(again) is type(reg) and again.get_config() == reg.get_config()


def test_get_by_name_and_none():
    assert isinstance(regularizers.get("L2"), L2) and regularizers.get(None) is None
    assert isinstance(regularizers.get("l1_l2"), L1L2)
    reg = L1()
    assert regularizers.get(reg) is reg


@pytest.mark.parametrize("call, error, match", [
    (lambda: L1(-0.1), ValueError, "l1"),
    (lambda: L2(float("nan")), ValueError, "l2"),
    (lambda: L1L2(l2=float("inf")), ValueError, "l2"),
    (lambda: L1("0.1"), TypeError, "l1"),
    (lambda: regularizers.get("l3"), ValueError, "kernel_regularizer"),
    (lambda: regularizers.get({"class_name": "L3"}), ValueError, "kernel_regularizer"),
    (lambda: regularizers.get(0.1), TypeError, "kernel_regularizer"),
])
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("reg", [L1(0.05), L2(0.1), L1L2(0.05, 0.1)], ids=repr)
def test_kernel_regularizer_adds_to_the_reported_loss_and_to_the_kernel_gradient(reg):
    from descend import Dense, Input, Sequential

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    plain = Sequential([Input(3), Dense(2)], dtype="float64", seed=1)
    penalised = Sequential([Input(3), Dense(2, kernel_regularizer=reg)], dtype="float64", seed=1)
    penalised.set_weights(plain.get_weights())
    for m in (plain, penalised):
        m.compile(optimizer="sgd", loss="mse")
    e0, g0 = plain.compute_gradients(X, y)
    e1, g1 = penalised.compute_gradients(X, y)
    kernel = plain.get_weights()[0]
    assert e1 == pytest.approx(e0 + reg(kernel), rel=1e-12)
    np.testing.assert_allclose(g1[0], g0[0] + reg.gradient(kernel), rtol=1e-12)
    np.testing.assert_array_equal(g1[1], g0[1])             # the bias is not regularized
