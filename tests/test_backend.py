"""backend: the dtypes a model computes in, and generators from seeds."""
import numpy as np
import pytest

from descend.backend import as_rng, resolve_dtype


@pytest.mark.parametrize("given", ["float32", np.float32, np.dtype(np.float32)])
def test_float32_by_any_name(given):
    assert resolve_dtype(given) == np.dtype(np.float32)


@pytest.mark.parametrize("bad", ["float16", "int32", np.int64, "double"])
def test_other_dtypes_are_refused_by_name(bad):
    with pytest.raises(ValueError, match=r"dtype: expected one of \['float32', 'float64'\]"):
        resolve_dtype(bad)


def test_a_seed_gives_the_same_numbers_and_a_generator_is_passed_through():
    assert as_rng(3).random() == as_rng(np.int64(3)).random()
    rng = np.random.default_rng(0)
    assert as_rng(rng) is rng
    assert isinstance(as_rng(None), np.random.Generator)
    for bad in (1.5, True, "7"):
        with pytest.raises(TypeError, match="seed: expected an int, a numpy Generator or None"):
            as_rng(bad)
