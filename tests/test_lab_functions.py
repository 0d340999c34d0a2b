"""descend.lab.functions: analytic gradients, known minima and saddles, user functions."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from descend.lab.functions import (
    FUNCTIONS,
    Function2D,
    beale,
    get_function,
    himmelblau,
    quadratic_bowl,
    rosenbrock,
    saddle,
)

ALL = [saddle(), beale(), rosenbrock(), rosenbrock(a=0.5, b=10), himmelblau(),
       quadratic_bowl(), quadratic_bowl(condition=50, angle=0.6)]


def finite_difference(fn: Function2D, p: np.ndarray, h: float = 1e-6) -> np.ndarray:
    return np.array([(fn(p + e * h) - fn(p - e * h)) / (2 * h) for e in np.eye(2)])


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f"{f.name}{f.params or ''}")
def test_gradient_matches_central_differences(fn):
    rng = np.random.default_rng(0)
    points = [np.array(fn.start)] + [
        np.array([rng.uniform(*fn.xlim), rng.uniform(*fn.ylim)]) for _ in range(5)]
    for p in points:
        fd = finite_difference(fn, p)
        np.testing.assert_allclose(fn.gradient(p), fd, rtol=1e-6, atol=1e-5 * (1 + np.abs(fd).max()))


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f"{f.name}{f.params or ''}")
def test_minima_have_the_stated_value_and_zero_gradient(fn):
    for m in fn.minima:
        assert fn(m) == pytest.approx(fn.min_value, abs=1e-12)
        np.testing.assert_allclose(fn.gradient(m), 0.0, atol=1e-10)
        # a minimum: every small step goes up
        for d in ([1e-3, 0], [0, 1e-3], [-1e-3, 1e-3], [7e-4, -7e-4]):
            assert fn(np.add(m, d)) > fn(m)


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f"{f.name}{f.params or ''}")
def test_saddles_are_saddles(fn):
    for s in fn.saddles:
        np.testing.assert_allclose(fn.gradient(s), 0.0, atol=1e-10)
        # Hessian by differences of the analytic gradient: one negative, one positive eigenvalue
        h = 1e-5
        H = np.column_stack([(fn.gradient(np.add(s, e * h)) - fn.gradient(np.subtract(s, e * h)))
                             / (2 * h) for e in np.eye(2)])
        lo, hi = np.linalg.eigvalsh((H + H.T) / 2)
        assert lo < -1e-3 and hi > 1e-3


def test_known_values():
    assert saddle()((1.0, 2.0)) == -3.0
    assert saddle().min_value is None and saddle().saddles == ((0.0, 0.0),)
    assert beale()((0.0, 0.0)) == pytest.approx(1.5**2 + 2.25**2 + 2.625**2)
    assert rosenbrock()((-1.0, 1.0)) == pytest.approx(4.0)
    assert rosenbrock(a=2.0).minima == ((2.0, 4.0),)
    assert himmelblau()((0.0, 0.0)) == pytest.approx(121 + 49)
    assert len(himmelblau().minima) == 4 and len(himmelblau().saddles) == 4


def test_quadratic_bowl_has_the_condition_number_asked():
    for kappa, angle in [(1.0, 0.0), (10.0, 0.0), (100.0, 0.9)]:
        fn = quadratic_bowl(condition=kappa, angle=angle)
        H = np.column_stack([fn.gradient(e) for e in np.eye(2)])   # ∇f = H·p exactly
        np.testing.assert_allclose(H, H.T, atol=1e-12)
        lam = np.linalg.eigvalsh(H)
        assert lam[1] / lam[0] == pytest.approx(kappa)
        assert fn((3.0, -2.0)) == pytest.approx(0.5 * np.array([3.0, -2.0]) @ H @ [3.0, -2.0])


def test_value_is_vectorised_over_a_grid():
    for fn in ALL:
        X, Y, Z = fn.grid(7)
        assert X.shape == Y.shape == Z.shape == (7, 7)
        assert Z[3, 5] == pytest.approx(fn((X[3, 5], Y[3, 5])))
        assert X.min() == fn.xlim[0] and Y.max() == fn.ylim[1]


def test_from_callables_vectorised_and_scalar_only():
    fn = Function2D.from_callables(lambda x, y: x**2 + 3 * y**2, lambda x, y: (2 * x, 6 * y),
                                   name="bowl", minima=((0, 0),), min_value=0.0)
    np.testing.assert_array_equal(fn.gradient((1.0, 1.0)), [2.0, 6.0])
    assert fn.value(np.ones((3, 4)), np.ones((3, 4))).shape == (3, 4)
    assert fn.log_levels and fn.minima == ((0.0, 0.0),)

    def scalar_only(x, y):
        return math.sin(x) + math.cos(y)   # math.* rejects arrays

    g = Function2D.from_callables(scalar_only, lambda x, y: (math.cos(x), -math.sin(y)))
    Z = g.value(np.array([[0.0, 1.0]]), np.array([[0.0, 2.0]]))
    np.testing.assert_allclose(Z, [[1.0, math.sin(1.0) + math.cos(2.0)]])
    assert not g.log_levels


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="function: expected one of"):
        get_function("booth")
    with pytest.raises(ValueError, match="condition"):
        quadratic_bowl(condition=0.5)
    with pytest.raises(ValueError, match="start"):
        Function2D.from_callables(lambda x, y: x, lambda x, y: (1, 0), start=(0.0, math.nan))
    with pytest.raises(ValueError, match="xlim"):
        Function2D.from_callables(lambda x, y: x, lambda x, y: (1, 0), xlim=(1, -1))
    with pytest.raises(TypeError, match="gradient"):
        Function2D.from_callables(lambda x, y: x, "not callable")
    with pytest.raises(ValueError, match="xy"):
        saddle().gradient([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="n: expected"):
        saddle().grid(1)


def test_registry():
    assert set(FUNCTIONS) == {"saddle", "beale", "rosenbrock", "himmelblau", "quadratic"}
    assert get_function("Rosenbrock", b=10.0).params == {"a": 1.0, "b": 10.0}
    fn = beale()
    assert get_function(fn) is fn


@given(kappa=st.floats(1.0, 1e4), angle=st.floats(-3.2, 3.2), x=st.floats(-10, 10),
       y=st.floats(-10, 10))
def test_quadratic_bowl_properties(kappa, angle, x, y):
    fn = quadratic_bowl(condition=kappa, angle=angle)
    g = fn.gradient((x, y))
    # f is quadratic with minimum 0 at the origin: f(p) = ½ pᵀ∇f(p) ≥ 0
    assert fn((x, y)) == pytest.approx(0.5 * (x * g[0] + y * g[1]), rel=1e-9, abs=1e-9)
    assert fn((x, y)) >= 0
    # and ‖∇f‖ lies between λ_min‖p‖ = ‖p‖ and λ_max‖p‖ = κ‖p‖
    r = np.hypot(x, y)
    assert r * (1 - 1e-9) - 1e-12 <= np.hypot(*g) <= kappa * r * (1 + 1e-9) + 1e-12


def test_numpy_scalars_are_surface_parameters():
    assert quadratic_bowl(np.float32(4.0), np.int64(0)).params == {"condition": 4.0, "angle": 0.0}
    assert rosenbrock(np.int64(1), np.float64(10.0)).params == {"a": 1.0, "b": 10.0}
    assert saddle().grid(np.int64(3))[2].shape == (3, 3)
    with pytest.raises(ValueError, match="b: expected a finite number > 0"):
        rosenbrock(b=0.0)
    with pytest.raises(ValueError, match="angle: expected a finite number, got inf"):
        quadratic_bowl(angle=math.inf)
