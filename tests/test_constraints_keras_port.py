"""Keras 3's own constraint tests, ported: ``keras/src/constraints/constraints_test.py`` at commit
3422977a5e38fb2f7709aaa9a08e47f0c43d0f60 (Apache-2.0), every test with its name and numbers,
run against :mod:`descend.constraints`.

Constraints have no flavor (they are Keras's formulas only, with Keras's ε = 1e-7). Keras's
``assertAllClose`` defaults to rtol = atol = 1e-6; ``np.testing.assert_allclose`` is used with
the same tolerances. The example array is Keras's: NumPy's legacy global generator seeded 3537
(a ``RandomState(3537)`` here, which draws the same numbers without touching the global one).
"""
from __future__ import annotations

import numpy as np
import pytest

from descend import constraints

TOL = {"rtol": 1e-6, "atol": 1e-6}


def get_example_array():
    example_array = np.random.RandomState(3537).random_sample((100, 100)) * 100.0 - 50.0
    example_array[0, 0] = 0.0
    return example_array


def test_max_norm():
    constraint_fn = constraints.MaxNorm(2.0)
    x = np.array([[0, 0, 0], [1.0, 0, 0], [3, 0, 0], [3, 3, 3]]).T
    target = np.array([[0, 0, 0], [1.0, 0, 0], [2.0, 0, 0],
                       [2.0 / np.sqrt(3), 2.0 / np.sqrt(3), 2.0 / np.sqrt(3)]]).T
    output = constraint_fn(x)
    np.testing.assert_allclose(output, target, **TOL)


def test_non_neg():
    constraint_fn = constraints.NonNeg()
    output = constraint_fn(get_example_array())
    assert (np.min(output, axis=1) >= 0.0).all()


def test_unit_norm():
    constraint_fn = constraints.UnitNorm()
    output = constraint_fn(get_example_array())
    l2 = np.sqrt(np.sum(np.square(output), axis=0))
    np.testing.assert_allclose(l2, 1.0, **TOL)


def test_min_max_norm():
    constraint_fn = constraints.MinMaxNorm(min_value=0.2, max_value=0.5)
    output = constraint_fn(get_example_array())
    l2 = np.sqrt(np.sum(np.square(output), axis=0))
    assert np.all(l2 >= 0.2)
    assert np.all(l2 <= 0.5 + 1e-6)


def test_get_method():
    obj = constraints.get("unit_norm")
    assert isinstance(obj, constraints.UnitNorm)      # (Keras: assertTrue(obj, UnitNorm), i.e. truthy)
    obj = constraints.get(None)
    assert obj is None
    with pytest.raises(ValueError):
        constraints.get("typo")


def test_default_constraint_call():
    constraint_fn = constraints.Constraint()
    x = np.array([1.0, 2.0, 3.0])
    output = constraint_fn(x)
    np.testing.assert_allclose(x, output, **TOL)


def test_constraint_get_config():
    constraint_fn = constraints.Constraint()
    config = constraint_fn.get_config()
    assert config == {}


def test_constraint_from_config():
    constraint_fn = constraints.Constraint()
    config = constraint_fn.get_config()
    recreated_constraint_fn = constraints.Constraint.from_config(config)
    assert isinstance(recreated_constraint_fn, constraints.Constraint)


def _same_output(constraint_fn, restored):
    x = get_example_array()
    np.testing.assert_allclose(constraint_fn(x), restored(x), **TOL)


def test_max_norm_get_config():
    constraint_fn = constraints.MaxNorm(max_value=3.0, axis=1)
    config = constraint_fn.get_config()
    expected_config = {"max_value": 3.0, "axis": 1}
    assert config == expected_config
    restored = constraints.MaxNorm.from_config(config)
    assert restored.max_value == constraint_fn.max_value
    assert restored.axis == constraint_fn.axis
    _same_output(constraint_fn, restored)


def test_unit_norm_get_config():
    constraint_fn = constraints.UnitNorm(axis=1)
    config = constraint_fn.get_config()
    expected_config = {"axis": 1}
    assert config == expected_config
    restored = constraints.UnitNorm.from_config(config)
    assert restored.axis == constraint_fn.axis
    _same_output(constraint_fn, restored)


def test_min_max_norm_get_config():
    constraint_fn = constraints.MinMaxNorm(min_value=0.5, max_value=2.0, rate=0.7, axis=1)
    config = constraint_fn.get_config()
    expected_config = {"min_value": 0.5, "max_value": 2.0, "rate": 0.7, "axis": 1}
    assert config == expected_config
    restored = constraints.MinMaxNorm.from_config(config)
    assert restored.min_value == constraint_fn.min_value
    assert restored.max_value == constraint_fn.max_value
    assert restored.rate == constraint_fn.rate
    assert restored.axis == constraint_fn.axis
    _same_output(constraint_fn, restored)


def test_non_neg_get_config():
    constraint_fn = constraints.NonNeg()
    config = constraint_fn.get_config()
    assert config == {}


def test_non_neg_from_config():
    constraint_fn = constraints.NonNeg()
    config = constraint_fn.get_config()
    recreated = constraints.NonNeg.from_config(config)
    assert isinstance(recreated, constraints.NonNeg)


def test_non_neg_serialization_roundtrip():
    original = constraints.NonNeg()
    config = original.get_config()
    restored = constraints.NonNeg.from_config(config)
    x = get_example_array()
    np.testing.assert_allclose(original(x), restored(x), **TOL)


def test_non_neg_zeroes_negatives():
    constraint_fn = constraints.NonNeg()
    x = np.full((5, 5), -3.0)
    output = constraint_fn(x)
    np.testing.assert_allclose(output, np.zeros((5, 5)), **TOL)


def test_non_neg_preserves_positives():
    constraint_fn = constraints.NonNeg()
    x = np.full((5, 5), 3.0)
    output = constraint_fn(x)
    np.testing.assert_allclose(output, x, **TOL)


def test_non_neg_all_zeros_input():
    constraint_fn = constraints.NonNeg()
    x = np.zeros((5, 5))
    output = constraint_fn(x)
    np.testing.assert_allclose(output, np.zeros((5, 5)), **TOL)
