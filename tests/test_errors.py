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
