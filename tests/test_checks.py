"""checks: is_finite (one Σ, the elements only on doubt) and the argument checks."""
import numpy as np
import pytest

from descend import checks


@pytest.mark.parametrize("where", [0, 1, -1, "middle"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_nan_or_inf_anywhere_is_found(bad, where):
    a = np.ones((1001, 3), np.float32)
    a.flat[a.size // 2 if where == "middle" else where] = bad
    with np.errstate(over="ignore", invalid="ignore"):
        assert not checks.is_finite(a)
        assert checks.is_finite(np.ones((1001, 3), np.float32))


def test_finite_values_whose_sum_overflows_are_finite():
    a = np.full(1000, 3e38, np.float32)                       # Σ = inf in float32
    with np.errstate(over="ignore", invalid="ignore"):
        assert checks.is_finite(a)
        a[999] = np.nan
        assert not checks.is_finite(a)


def test_check_finite_names_the_argument_and_the_index():
    X = np.zeros((5, 4))
    X[3, 2] = np.inf
    with pytest.raises(ValueError, match=r"X: expected finite values, got inf at index \(3, 2\)"):
        checks.check_finite("X", X)
