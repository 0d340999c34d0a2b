"""descend.lab.trajectories: paths, races, and the lecture's saddle-point claim (§8)."""
from __future__ import annotations

import numpy as np
import pytest

from descend import optimizers
from descend.lab.functions import Function2D, get_function, quadratic_bowl
from descend.lab.trajectories import RACE_LEARNING_RATES, RACE_OPTIMIZERS, race, run_trajectory

ORIGIN = (0.0, 0.0)


@pytest.fixture(scope="module")
def saddle_race():
    # start almost on the ridge y = 0: the gradient points at the saddle, only 2·10⁻³ of it
    # points down the escape direction y
    return race("saddle", RACE_OPTIMIZERS, start=(-1.0, 1e-3), steps=300)


def test_shapes_and_bookkeeping(saddle_race):
    assert list(saddle_race.trajectories) == list(RACE_OPTIMIZERS)
    for t in saddle_race:
        assert t.path.shape == (301, 2) and t.values.shape == (301,)
        np.testing.assert_array_equal(t.path[0], [-1.0, 1e-3])
        assert t.steps_to_tol is None          # x² − y² has no minimum value
    sgd = saddle_race["sgd"]
    assert sgd.learning_rate == RACE_LEARNING_RATES["sgd"] == 0.01
    assert sgd.final_value == pytest.approx(sgd.final_point[0] ** 2 - sgd.final_point[1] ** 2)


def test_plain_sgd_matches_the_closed_form_on_the_saddle(saddle_race):
    # w ← w − η(2x, −2y): x_k = −(1 − 2η)ᵏ, y_k = 10⁻³(1 + 2η)ᵏ
    k = np.arange(301)
    np.testing.assert_allclose(saddle_race["sgd"].path[:, 0], -(0.98 ** k), rtol=1e-12)
    np.testing.assert_allclose(saddle_race["sgd"].path[:, 1], 1e-3 * 1.02 ** k, rtol=1e-12)


def test_sgd_lingers_at_the_saddle_and_the_others_leave(saddle_race):
    near = {t.label: t.steps_within(ORIGIN, 0.1) for t in saddle_race}
    after_100 = {t.label: float(t.distance_from(ORIGIN)[100]) for t in saddle_race}
    # plain SGD: more than a third of its 301 points lie within 0.1 of the saddle
    # (closed form: x needs ~114 steps to get there, y ~230 more to leave)
    assert near["sgd"] >= 100
    # momentum and NAG pass through (the velocity carries them), for less than a fifth as long
    assert near["momentum"] <= 20 and near["nag"] <= 20
    # the adaptive methods scale each coordinate's step by its own gradient history, so the tiny
    # y-gradient gives a full-sized step: they never come within 0.1 of the saddle at all
    for name in ("adagrad", "rmsprop", "adadelta", "adam", "nadam"):
        assert near[name] == 0, name
    # after 100 steps SGD is still within 0.15 of the saddle, everyone else more than 1 away
    assert after_100["sgd"] < 0.15
    for name in RACE_OPTIMIZERS[1:]:
        assert after_100[name] > 1.0, name
    assert saddle_race.steps_near_saddle(0.1) == near


def test_steps_to_tolerance_on_a_bowl():
    bowl = quadratic_bowl(condition=10.0)
    t = run_trajectory(bowl, optimizers.SGD(learning_rate=0.1), start=(1.0, 1.0), steps=200,
                       tol=1e-8)
    # along u: (1 − η)ᵏ, along v: (1 − 10η)ᵏ = 0: f_k = ½·0.9²ᵏ ≤ 10⁻⁸ first at k = 85
    assert t.steps_to_tol == 85
    assert t.values[t.steps_to_tol] <= 1e-8 < t.values[t.steps_to_tol - 1]
    slow = run_trajectory(bowl, optimizers.SGD(learning_rate=0.001), start=(1.0, 1.0), steps=50)
    assert slow.steps_to_tol is None


def test_divergence_is_recorded_not_raised():
    t = run_trajectory(quadratic_bowl(condition=10.0), optimizers.SGD(learning_rate=0.5),
                       start=(1.0, 1.0), steps=200)
    # η = 0.5 > 2/κ = 0.2: |1 − 10η| = 4 per step along v, past 10⁸ after ~14 steps
    assert t.diverged_at is not None and 10 <= t.diverged_at <= 20
    assert np.all(np.isnan(t.path[t.diverged_at:]))
    assert np.all(np.isfinite(t.final_point))


def test_every_optimizer_reaches_himmelblau_minimum_region():
    r = race("himmelblau", steps=300)
    fn = r.function
    for t in r:
        assert t.diverged_at is None
        assert fn.distance_to_minimum(t.final_point) < 0.1, t.label
        assert t.final_value < t.values[0] / 100, t.label


def test_learning_rate_overrides_and_instances():
    r = race("rosenbrock", ["sgd", optimizers.Adam(learning_rate=0.02), "sgd"], steps=20,
             learning_rates={"SGD": 2e-4})
    assert list(r.trajectories) == ["sgd", "adam", "sgd (2)"]
    assert r["sgd"].learning_rate == 2e-4 and r["adam"].learning_rate == 0.02
    # the surface's own suggestion when nothing is said: Rosenbrock's walls need a small η
    assert race("rosenbrock", ["sgd"], steps=2)["sgd"].learning_rate == 1e-3
    np.testing.assert_array_equal(r["sgd"].path, r["sgd (2)"].path)


def test_user_function():
    fn = Function2D.from_callables(lambda x, y: (x - 1) ** 2 + (y + 2) ** 2,
                                   lambda x, y: (2 * (x - 1), 2 * (y + 2)), name="shifted",
                                   start=(0.0, 0.0), minima=((1.0, -2.0),), min_value=0.0)
    r = race(fn, ["momentum", "adam"], steps=400, tol=1e-6)
    for t in r:
        assert t.steps_to_tol is not None
        np.testing.assert_allclose(t.final_point, [1.0, -2.0], atol=1e-2)


def test_table_rows(saddle_race):
    rows = saddle_race.table()
    assert [row["optimizer"] for row in rows] == list(RACE_OPTIMIZERS)
    sgd = rows[0]
    assert set(sgd) >= {"final_point", "final_value", "steps_to_tol", "steps_near_saddle"}
    assert sgd["steps_near_saddle"] == saddle_race["sgd"].steps_within(ORIGIN, 0.15)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="steps"):
        race("saddle", ["sgd"], steps=0)
    with pytest.raises(ValueError, match="optimizers"):
        race("saddle", [], steps=5)
    with pytest.raises(ValueError, match="optimizer: expected one of"):
        race("saddle", ["adabelief"], steps=5)
    with pytest.raises(ValueError, match="learning_rates"):
        race("saddle", ["sgd"], steps=5, learning_rates={"adam": 0.1})
    with pytest.raises(ValueError, match="start"):
        race("saddle", ["sgd"], start=(1.0, 2.0, 3.0), steps=5)
    with pytest.raises(ValueError, match="tol"):
        run_trajectory(get_function("beale"), "sgd", steps=5, tol=0)
    with pytest.raises(TypeError, match="optimizer"):
        run_trajectory("beale", 3.0, steps=5)


def test_nag_path_is_the_slides_w():
    # v_t = γ v_{t−1} + η ∇f(w − γ v_{t−1}),  w ← w − v_t  (lecture §8), on the saddle
    fn = get_function("saddle")
    eta, gamma = 0.1, 0.9
    t = run_trajectory(fn, optimizers.NAG(learning_rate=eta, momentum=gamma), start=(-1.0, 0.5),
                       steps=5)
    w, v = np.array([-1.0, 0.5]), np.zeros(2)
    for k in range(1, 6):
        v = gamma * v + eta * fn.gradient(w - gamma * v)
        w = w - v
        np.testing.assert_allclose(t.path[k], w, rtol=1e-12, atol=1e-15)
