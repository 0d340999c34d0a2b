"""descend's own errors: ValueErrors (catchable either way) that carry where things went wrong."""
import math

import pytest

from descend.errors import DescendError, DivergenceError, NotCompiledError


def test_every_error_is_a_value_error():
    for cls in (DescendError, NotCompiledError, DivergenceError):
        assert issubclass(cls, ValueError)
    assert issubclass(DivergenceError, FloatingPointError)


def test_a_divergence_says_where():
    err = DivergenceError("diverged", epoch=2, update=5, layer="dense_3", loss=math.inf, restored=True)
    assert (err.epoch, err.update, err.layer, err.loss, err.restored) == (2, 5, "dense_3", math.inf, True)
    with pytest.raises(ValueError, match="diverged"):
        raise err
    plain = DivergenceError("x")
    assert (plain.epoch, plain.update, plain.layer, plain.loss, plain.restored) == (None, None, None, None,
                                                                                    False)


def test_an_overflowing_step_names_its_array_and_a_growing_rate_names_none():
    import numpy as np

    from descend.errors import StepOverflow
    from descend.optimizers import SGD
    from descend.schedules import ExponentialDecay

    w = [np.ones(3), np.ones(2)]
    with pytest.raises(StepOverflow) as caught:
        SGD(learning_rate=1e308).apply([np.ones(3), np.full(2, 1e10)], w)
    assert caught.value.index == 1 and str(caught.value).startswith("params[1]")
    growing = SGD(learning_rate=ExponentialDecay(1e-3, 1e-3, 10.0))   # 10^1000 at step 1
    growing.apply([np.ones(3), np.ones(2)], w)
    with pytest.raises(StepOverflow) as caught:
        growing.apply([np.ones(3), np.ones(2)], w)
    assert caught.value.index is None and "the schedule returned inf" in str(caught.value)
    with pytest.raises(ValueError) as refused:                     # not an overflow: a plain ValueError
        SGD(learning_rate=1.0).apply([np.ones(3)], w)
    assert not isinstance(refused.value, StepOverflow)
