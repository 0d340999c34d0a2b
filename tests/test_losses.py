import warnings

import numpy as np
import pytest

from descend import activations, losses


def _targets(name, rng, n=5, k=3):
    if name == "sparse_categorical_crossentropy":
        return rng.integers(0, k, size=n)
    if name == "categorical_crossentropy":
        return np.eye(k)[rng.integers(0, k, size=n)]
    if name == "binary_crossentropy":
        return rng.integers(0, 2, size=(n, k)).astype(float)
    return rng.normal(size=(n, k))


def _predictions(name, rng, n=5, k=3):
    if name in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
        return activations.Softmax()(rng.normal(size=(n, k)))
    if name == "binary_crossentropy":
        return rng.uniform(0.1, 0.9, size=(n, k))
    return rng.normal(size=(n, k))


@pytest.mark.parametrize("name", sorted(losses.REGISTRY))
def test_gradient_matches_finite_difference(name):
    loss = losses.get(name)
    rng = np.random.default_rng(1)
    y = loss.prepare_targets(_targets(name, rng), 3, np.float64)
    p = _predictions(name, rng)
    analytic = loss.gradient(p, y)
    numeric = np.zeros_like(p)
    for idx in np.ndindex(p.shape):
        pp, pm = p.copy(), p.copy()
        pp[idx] += 1e-6
        pm[idx] -= 1e-6
        numeric[idx] = (loss(pp, y) - loss(pm, y)) / 2e-6
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name", [n for n, c in losses.REGISTRY.items() if c.fused_activation])
def test_fused_delta_is_prediction_minus_target_and_matches_chain_rule(name):
    loss = losses.get(name)
    rng = np.random.default_rng(2)
    y = loss.prepare_targets(_targets(name, rng), 3, np.float64)
    z = rng.normal(size=(5, 3))
    act = activations.get(loss.fused_activation)
    value, delta = loss.fused(z, y)
    p = act(z)
    assert value == pytest.approx(loss(p, y), rel=1e-9)
    chain = act.backward(z, p, loss.gradient(p, y))
    np.testing.assert_allclose(delta, chain, rtol=1e-7, atol=1e-12)
    onehot = np.eye(3)[y] if y.ndim == 1 else y
    scale = len(z) * (3 if name == "binary_crossentropy" else 1)
    np.testing.assert_allclose(delta, (p - onehot) / scale, rtol=1e-12)


def test_fused_losses_never_take_log_of_zero():
    z = np.array([[1000.0, -1000.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v, d = losses.get("sparse_categorical_crossentropy").fused(z, np.array([1]))
        assert v == pytest.approx(2000.0)
        assert np.isfinite(d).all()
        v, d = losses.get("binary_crossentropy").fused(z, np.array([[0.0, 1.0, 1.0]]))
        assert np.isfinite(v) and v == pytest.approx((1000 + 1000 + np.log(2)) / 3)


def test_reductions_as_named():
    y, p = np.array([[1.0], [2.0]]), np.array([[2.0], [4.0]])
    assert losses.get("squared_error")(p, y) == 0.5 * (1 + 4)
    assert losses.get("sum_squared_error")(p, y) == 1 + 4
    assert losses.get("mse")(p, y) == (1 + 4) / 2
    assert losses.get("mean_squared_error").name == "mse"
    np.testing.assert_array_equal(losses.get("squared_error").gradient(p, y), p - y)


def test_target_shape_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"y: expected shape \(n_samples, 2\).*got shape \(4, 3\)"):
        losses.get("mse").prepare_targets(np.zeros((4, 3)), 2, np.float64)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\].*from 0 to 3"):
        losses.get("sparse_categorical_crossentropy").prepare_targets(np.array([0, 3]), 3, np.float64)
    with pytest.raises(ValueError, match="integer class labels"):
        losses.get("sparse_categorical_crossentropy").prepare_targets(np.array([0.5]), 3, np.float64)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        losses.get("categorical_crossentropy").prepare_targets(np.array([0, 1]), 3, np.float64)
    with pytest.raises(ValueError, match=r"targets in \[0, 1\]"):
        losses.get("binary_crossentropy").prepare_targets(np.array([0.0, 2.0]), 1, np.float64)
    with pytest.raises(ValueError, match="loss: expected one of"):
        losses.get("hinge_of_doom")
    with pytest.raises(TypeError, match="loss"):
        losses.get(None)
