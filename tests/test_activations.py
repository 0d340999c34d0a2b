import copy
import pickle
import warnings

import numpy as np
import pytest

from descend import activations

Z = np.array([[-1000.0, -3.0, -0.5, 0.0, 0.5, 3.0, 1000.0]])


@pytest.mark.parametrize("name", sorted(activations.REGISTRY))
def test_derivative_matches_finite_difference(name):
    act = activations.get(name)
    rng = np.random.default_rng(0)
    z = rng.normal(size=(4, 5)) * 2
    z[np.abs(z) < 1e-3] = 0.5  # keep away from the ReLU kink
    g = rng.normal(size=z.shape)
    analytic = act.backward(z, act(z), g)
    eps = 1e-6
    numeric = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[idx] += eps
        zm[idx] -= eps
        numeric[idx] = ((act(zp) - act(zm)) * g).sum() / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ["sigmoid", "softmax", "tanh", "elu"])
def test_no_overflow_at_large_inputs(name):
    act = activations.get(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dtype in (np.float32, np.float64):
            out = act(Z.astype(dtype))
            assert np.isfinite(out).all()
            assert out.dtype == dtype


def test_sigmoid_values_and_saturation():
    s = activations.get("sigmoid")
    out = s(Z)[0]
    assert 0.0 <= out[0] < 1e-300 and out[-1] == 1.0
    assert s(np.array([0.5]))[0] == 0.6224593312018546  # the slide's h
    np.testing.assert_allclose(out[1:-1], 1 / (1 + np.exp(-Z[0, 1:-1])), rtol=1e-15)


def test_softmax_rows_sum_to_one_and_shift_invariant():
    sm = activations.get("softmax")
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, -1000.0]])
    p = sm(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(sm(z[:1] + 50), p[:1])
    np.testing.assert_allclose(p[1], [0.5, 0.5, 0.0])


def test_relu_derivative_is_zero_at_and_below_zero():
    r = activations.get("relu")
    z = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(r.derivative(z, r(z)), [0.0, 0.0, 1.0])


def test_leaky_relu_and_elu_alpha():
    lr = activations.get({"name": "leaky_relu", "config": {"alpha": 0.1}})
    assert lr(np.array([-2.0]))[0] == pytest.approx(-0.2)
    assert activations.LeakyReLU().alpha == 0.3  # Keras default
    elu = activations.ELU(alpha=2.0)
    assert elu(np.array([-1.0]))[0] == pytest.approx(2.0 * (np.exp(-1) - 1))
    assert elu.derivative(np.array([-1.0]), elu(np.array([-1.0])))[0] == pytest.approx(2.0 * np.exp(-1))


def test_unknown_name_and_bad_alpha():
    with pytest.raises(ValueError, match="activation: expected one of .*got 'swishy'"):
        activations.get("swishy")
    with pytest.raises(TypeError, match="activation"):
        activations.get(3)
    with pytest.raises(TypeError, match="alpha"):
        activations.LeakyReLU(alpha="big")
    with pytest.raises(ValueError, match="alpha"):
        activations.ELU(alpha=float("nan"))


def test_serialize_round_trip():
    for name in activations.REGISTRY:
        act = activations.get(name)
        again = activations.get(activations.serialize(act))
        assert type(again) is type(act) and again.get_config() == act.get_config()


# --------------------------------------------------------------------------------------------
# softmax: the formula, bit for bit, at any scale and shape
# --------------------------------------------------------------------------------------------
def _softmax_formula(z):
    """The softmax as the module writes it without work arrays (fresh, broadcast arrays)."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("scale", [1.0, 80.0, 1e4])
@pytest.mark.parametrize("shape", [(1, 2), (1, 10), (7, 3), (16, 2), (128, 10), (33, 64), (20, 65),
                                   (300, 1), (0, 4)], ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_is_the_formula_bit_for_bit(dtype, shape, scale):
    z = (np.random.default_rng(shape[0]).normal(size=shape) * scale).astype(dtype)
    if z.size:
        z[0, 0] = z[0, -1]  # a tie for the maximum
    sm = activations.Softmax()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = sm(z)
    expected = _softmax_formula(z)
    assert a.dtype == dtype and a.shape == shape
    np.testing.assert_array_equal(a, expected)
    # and within rounding of the exact softmax (z − max is rounded to z's dtype first, so a tiny
    # probability e^(z − max) is only accurate to |z − max| ulp: hence the absolute tolerance)
    exact = np.exp(z.astype(np.float64) - z.max(axis=-1, keepdims=True))
    np.testing.assert_allclose(a, exact / exact.sum(axis=-1, keepdims=True),
                               rtol=1e-5 if dtype == np.float32 else 1e-13,
                               atol=1e-7 if dtype == np.float32 else 1e-15)


def test_softmax_other_ranks_and_orders():
    sm = activations.Softmax()
    z = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(sm(z), _softmax_formula(z))
    z3 = np.random.default_rng(1).normal(size=(2, 3, 4))
    np.testing.assert_array_equal(sm(z3), _softmax_formula(z3))
    f = np.asfortranarray(np.random.default_rng(3).normal(size=(20, 5)))
    np.testing.assert_allclose(sm(f), _softmax_formula(f), rtol=1e-15)


@pytest.mark.parametrize("name", sorted(activations.REGISTRY))
def test_an_activation_holds_no_state_and_leaves_its_inputs_alone(name):
    act = activations.get(name)
    rng = np.random.default_rng(4)
    z = rng.normal(size=(6, 3))
    g = rng.normal(size=z.shape)
    z0, g0 = z.copy(), g.copy()
    before = pickle.dumps(act)
    a = act(z)
    delta = act.backward(z, a, g)
    np.testing.assert_array_equal(z, z0)
    np.testing.assert_array_equal(g, g0)
    assert pickle.dumps(act) == before                              # nothing kept from the calls
    np.testing.assert_array_equal(copy.deepcopy(act).backward(z, act(z), g), delta)


@pytest.mark.parametrize("name", sorted(activations.REGISTRY))
def test_the_derivative_formula_names_the_output_symbol(name):
    text = activations.get(name).derivative_formula.format(a="h₁")
    assert text and "{" not in text
