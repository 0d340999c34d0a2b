"""Learning-rate schedules: Keras's documented values, the slides' staircase, properties, errors."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from descend import schedules
from descend.schedules import (
    CosineDecay,
    CosineDecayRestarts,
    ExponentialDecay,
    InverseTimeDecay,
    PiecewiseConstantDecay,
    PolynomialDecay,
    StepDecay,
)


def test_slides_exponential_decay_is_integer_division():
    """Slides §9: η_t = δ^(t // T) · η₀ — every T updates the rate is multiplied by δ."""
    eta0, delta, T = 0.1, 0.5, 10
    sched = ExponentialDecay(eta0, T, delta, staircase=True)
    for t in range(100):
        assert sched(t) == delta ** (t // T) * eta0
    assert [sched(t) for t in (0, 9, 10, 25)] == [0.1, 0.1, 0.05, 0.025]   # docs/conventions.md §5


def test_step_decay_equals_the_staircase():
    a, b = StepDecay(0.1, 7, 0.3), ExponentialDecay(0.1, 7, 0.3, staircase=True)
    assert all(a(t) == pytest.approx(b(t), rel=1e-15) for t in range(100))
    assert StepDecay(1.0, 2)(5) == pytest.approx(0.01)                     # γ defaults to 0.1 (StepLR)


def test_smooth_exponential_decay():
    sched = ExponentialDecay(0.1, 10, 0.5)
    assert sched(0) == 0.1 and sched(5) == pytest.approx(0.1 * 0.5 ** 0.5)
    assert sched(20) == pytest.approx(0.025)


def test_piecewise_constant_boundaries_belong_to_the_left_interval():
    sched = PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    assert [sched(t) for t in (0, 10, 11, 20, 21, 1000)] == [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]


def test_polynomial_decay_with_and_without_cycle():
    sched = PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=2.0)
    assert sched(0) == pytest.approx(0.1) and sched(5) == pytest.approx(0.09 * 0.25 + 0.01)
    assert sched(10) == pytest.approx(0.01) and sched(50) == pytest.approx(0.01)
    cyc = PolynomialDecay(0.1, 10, end_learning_rate=0.0, cycle=True)
    assert cyc(0) == pytest.approx(0.1)              # multiplier 1 at step 0
    assert cyc(10) == pytest.approx(0.0)             # D·ceil(10/10) = 10
    assert cyc(15) == pytest.approx(0.1 * (1 - 15 / 20))


def test_inverse_time_decay():
    assert InverseTimeDecay(0.1, 10, 0.5)(15) == pytest.approx(0.1 / (1 + 0.5 * 1.5))
    assert InverseTimeDecay(0.1, 10, 0.5, staircase=True)(15) == pytest.approx(0.1 / 1.5)


def test_cosine_decay_with_warmup_matches_the_checked_keras_values():
    sched = CosineDecay(0.0, 100, alpha=0.1, warmup_target=1.0, warmup_steps=10)
    got = [sched(t) for t in (0, 5, 10, 60, 200)]
    assert got == pytest.approx([0.0, 0.5, 1.0, 0.55, 0.1], abs=1e-15)   # docs/conventions.md §5


def test_cosine_decay_without_warmup():
    sched = CosineDecay(0.2, 100, alpha=0.0)
    assert sched(0) == 0.2 and sched(50) == pytest.approx(0.1) and sched(100) == pytest.approx(0.0, abs=1e-17)
    assert sched(500) == sched(100)


def test_cosine_decay_restarts_periods_and_peaks():
    sched = CosineDecayRestarts(1.0, 10, t_mul=2.0, m_mul=0.5, alpha=0.1)
    # periods [0, 10), [10, 30), [30, 70): peaks 1, 0.5, 0.25 scaled (1 − α) plus α (not scaled)
    assert sched(0) == pytest.approx(1.0)
    assert sched(10) == pytest.approx(0.9 * 0.5 + 0.1)
    assert sched(20) == pytest.approx(0.9 * 0.5 * 0.5 * (1 + math.cos(math.pi * 0.5)) + 0.1)
    assert sched(30) == pytest.approx(0.9 * 0.25 + 0.1)
    same = CosineDecayRestarts(1.0, 10, t_mul=1.0)
    assert same(5) == pytest.approx(0.5) and same(10) == pytest.approx(1.0) and same(25) == pytest.approx(0.5)


ALL = [ExponentialDecay(0.1, 10, 0.5), ExponentialDecay(0.1, 10, 0.5, staircase=True), StepDecay(0.1, 5, 0.5),
       PiecewiseConstantDecay([3, 8], [0.3, 0.2, 0.1]), PolynomialDecay(0.1, 50, power=2.0),
       InverseTimeDecay(0.1, 10, 1.0), InverseTimeDecay(0.1, 10, 1.0, staircase=True),
       CosineDecay(0.1, 50, alpha=0.1), CosineDecayRestarts(0.1, 10, m_mul=0.5)]


@pytest.mark.parametrize("sched", ALL, ids=repr)
def test_serialize_and_get_round_trip_through_json(sched):
    data = json.loads(json.dumps(schedules.serialize(sched)))
    again = schedules.get(data)
    assert again == sched and [again(t) for t in range(60)] == [sched(t) for t in range(60)]


@pytest.mark.parametrize("sched", ALL[:-1], ids=repr)   # restarts go up at each restart, by design
@settings(max_examples=30, deadline=None)
@given(a=st.integers(0, 10_000), b=st.integers(0, 10_000))
def test_decaying_schedules_never_increase(sched, a, b):
    lo, hi = sorted((a, b))
    assert sched(hi) <= sched(lo)


@pytest.mark.parametrize("sched", ALL, ids=repr)
@settings(max_examples=30, deadline=None)
@given(step=st.integers(0, 10**6))
def test_every_schedule_is_finite_and_non_negative(sched, step):
    value = sched(step)
    assert isinstance(value, float) and math.isfinite(value) and value >= 0


def test_get_accepts_callables_and_rejects_the_rest():
    f = lambda step: 0.1  # noqa: E731
    assert schedules.get(f) is f
    with pytest.raises(ValueError, match="class_name"):
        schedules.get({"class_name": "Nope"})
    with pytest.raises(TypeError, match="schedule"):
        schedules.get(0.1)
    with pytest.raises(TypeError, match="schedule"):
        schedules.serialize(f)


@pytest.mark.parametrize("make, match", [
    (lambda: ExponentialDecay(0.1, 0, 0.5), "decay_steps"),
    (lambda: ExponentialDecay(-0.1, 10, 0.5), "initial_learning_rate"),
    (lambda: ExponentialDecay(0.1, 10, -0.5), "decay_rate"),
    (lambda: ExponentialDecay(float("nan"), 10, 0.5), "initial_learning_rate"),
    (lambda: StepDecay(0.1, 0), "step_size"),
    (lambda: StepDecay(0.1, 2.5), "step_size"),
    (lambda: PiecewiseConstantDecay([1, 2], [0.1, 0.2]), "values"),
    (lambda: PiecewiseConstantDecay([2, 1], [0.1, 0.2, 0.3]), "boundaries"),
    (lambda: PolynomialDecay(0.1, -1), "decay_steps"),
    (lambda: CosineDecay(0.1, 10, alpha=1.5), "alpha"),
    (lambda: CosineDecay(0.1, 10, warmup_target=-1.0), "warmup_target"),
    (lambda: CosineDecayRestarts(0.1, 10, t_mul=0.0), "t_mul"),
    (lambda: InverseTimeDecay("0.1", 10, 0.5), "initial_learning_rate"),
    (lambda: ExponentialDecay(0.1, 10, 0.5, name=3), "name: expected a string or None, got int 3"),
    (lambda: CosineDecayRestarts(0.1, 10, name=["a"]), "name: expected a string"),
])
def test_bad_arguments_are_named(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


@pytest.mark.parametrize("step", [-1, float("nan"), "3", None])
def test_a_bad_step_is_named(step):
    with pytest.raises(ValueError, match="step"):
        ExponentialDecay(0.1, 10, 0.5)(step)


def test_piecewise_constant_decay_takes_any_finite_step_the_others_start_at_zero():
    """Keras gives values[0] before the first boundary, at a negative step too (conventions §5);
    the other schedules are formulas of the step from 0 and still refuse a negative one."""
    sched = PiecewiseConstantDecay([-5, 10], [0.3, 0.2, 0.1])
    assert [sched(t) for t in (-1e9, -5, -4.5, -1, 0, 10, 11)] == [0.3, 0.3, 0.2, 0.2, 0.2, 0.2, 0.1]
    for bad in (float("nan"), float("inf"), "3", None):
        with pytest.raises(ValueError, match="step: expected a finite number"):
            sched(bad)
    for other in (PolynomialDecay(0.1, 10), CosineDecay(0.1, 10), CosineDecayRestarts(0.1, 10),
                  InverseTimeDecay(0.1, 10, 0.5), StepDecay(0.1, 10)):
        with pytest.raises(ValueError, match="step: expected a number >= 0"):
            other(-1)


def test_keras_schedules_carry_keras_default_names_in_their_config():
    made = [ExponentialDecay(0.1, 10, 0.5), InverseTimeDecay(0.1, 10, 0.5),
            PiecewiseConstantDecay([1], [0.1, 0.2]), PolynomialDecay(0.1, 10), CosineDecay(0.1, 10),
            CosineDecayRestarts(0.1, 10)]
    assert [s.get_config()["name"] for s in made] == ["ExponentialDecay", "InverseTimeDecay",
                                                       "PiecewiseConstant", "PolynomialDecay",
                                                       "CosineDecay", "SGDRDecay"]
    assert PolynomialDecay(0.1, 10, name=None).get_config()["name"] is None
    assert ExponentialDecay(0.1, 10, 0.5, name="a") != ExponentialDecay(0.1, 10, 0.5, name="b")
    assert "name" not in StepDecay(0.1, 5).get_config()              # PyTorch's StepLR has no name


def test_numpy_integer_steps_work():
    assert StepDecay(0.1, 5, 0.5)(np.int64(10)) == pytest.approx(0.025)


def test_numpy_scalars_are_accepted_as_arguments_and_kept_as_python_numbers():
    sched = StepDecay(np.float64(0.1), np.int64(5), np.float32(0.5))
    assert sched.get_config() == {"initial_learning_rate": 0.1, "step_size": 5, "gamma": 0.5}
    assert all(type(v) in (int, float) for v in sched.get_config().values())
    assert sched == StepDecay(0.1, 5, 0.5)
    assert json.loads(json.dumps(schedules.serialize(sched)))["config"]["step_size"] == 5


def test_schedules_compare_by_config_and_are_not_hashable():
    assert ExponentialDecay(0.1, 10, 0.5) == ExponentialDecay(0.1, 10.0, 0.5)
    assert ExponentialDecay(0.1, 10, 0.5) != InverseTimeDecay(0.1, 10, 0.5)
    with pytest.raises(TypeError):
        hash(ExponentialDecay(0.1, 10, 0.5))


# ------------------------------------------------------------------ issue 15
@pytest.mark.parametrize("schedule", [ExponentialDecay(0.1, 1, 2.0), StepDecay(0.1, 1, gamma=10),
                                      CosineDecayRestarts(0.1, 1, t_mul=1.0, m_mul=10.0)])
def test_a_rate_that_grows_past_the_float_range_is_inf_not_an_overflow_error(schedule):
    assert schedule(2000) == math.inf


def test_a_zero_rate_stays_zero_where_the_factor_overflows():
    assert ExponentialDecay(0.0, 1, 2.0)(2000) == 0.0 and StepDecay(0.0, 1, gamma=10)(400) == 0.0


def test_restarts_with_shrinking_periods_name_t_mul_beyond_their_end():
    schedule = CosineDecayRestarts(0.1, 1, t_mul=0.5)
    assert 0 < schedule(1.99) < 0.1
    with pytest.raises(ValueError, match=r"t_mul: 0.5 < 1 makes the periods shrink; .* = 2 steps, "
                                         r"and step 2 "):
        schedule(2)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["exp", "step", "inverse", "poly", "cosine", "restarts"]),
       st.floats(0, 1e308), st.floats(1e-300, 1e300), st.floats(0, 1e308), st.floats(0, 1e308))
def test_no_schedule_raises_overflow_or_a_math_domain_error(kind, eta, steps, rate, step):
    make = {"exp": lambda: ExponentialDecay(eta, steps, rate),
            "step": lambda: StepDecay(eta, max(1, int(min(steps, 1e9))), rate),
            "inverse": lambda: InverseTimeDecay(eta, steps, rate),
            "poly": lambda: PolynomialDecay(eta, steps, power=min(rate, 1e6)),
            "cosine": lambda: CosineDecay(eta, steps),
            "restarts": lambda: CosineDecayRestarts(eta, steps, t_mul=1.0 + min(rate, 10.0),
                                                    m_mul=min(rate, 10.0))}[kind]
    try:
        value = make()(step)
    except ValueError as exc:
        assert "math domain" not in str(exc) and ":" in str(exc)
        return
    assert value >= 0 and not math.isnan(value)
