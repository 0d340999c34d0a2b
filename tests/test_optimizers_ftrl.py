"""Ftrl: the lecture flavor against the paper's per-coordinate rule written by hand (McMahan et
al. 2013, Algorithm 1), flavor="keras" against Keras 3's ``update_step`` transcribed to NumPy,
the closed form's properties, and Keras's own tests.

Ported: ``keras/src/optimizers/ftrl_test.py`` at Keras commit
3422977a5e38fb2f7709aaa9a08e47f0c43d0f60 (Apache-2.0), each test under its Keras name, with its
numbers, run against ``flavor="keras"`` (docs/peer-tests.md lists them).
"""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from descend import optimizers, schedules
from descend.optimizers import Ftrl
from oracles import assert_close, assert_matches_formula, gradient_sequence
from oracles import run as run_ours
from test_optimizers_keras_formulas import run_keras


def paper_ftrl(alpha=1e-2, beta=0.0, l1=0.0, l2=0.0, n0=0.1):
    # The paper's λ₂ multiplies w²/2 … its denominator has λ₂ where Keras's has 2λ₂: pass 2·l2.
    def step(w, g, s, t):
        n, z = s.get("n", np.full_like(w, n0)), s.get("z", np.zeros_like(w))
        sigma = (np.sqrt(n + g * g) - np.sqrt(n)) / alpha
        s["z"] = z = z + g - sigma * w
        s["n"] = n = n + g * g
        solved = -(z - np.sign(z) * l1) / ((beta + np.sqrt(n)) / alpha + 2 * l2)
        return np.where(np.abs(z) <= l1, 0.0, solved)
    return step


CASES = {
    "ftrl": (paper_ftrl(), lambda: Ftrl()),
    "ftrl-l1-l2-beta": (paper_ftrl(0.05, 0.3, 0.05, 0.15, 0.4),
                        lambda: Ftrl(0.05, initial_accumulator_value=0.4, l1_regularization_strength=0.05,
                                     l2_regularization_strength=0.15, beta=0.3)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_lecture_flavor_matches_the_paper(case):
    assert_matches_formula(*CASES[case])


# ------------------------------------------ flavor="keras" against Keras's formula, written out
def keras_ftrl(learning_rate_power=-0.5, initial_accumulator_value=0.1, l1=0.0, l2=0.0, l2_shrinkage=0.0,
               beta=0.0):
    def step(w, g, s, lr, it):  # keras/src/optimizers/ftrl.py, update_step
        accum = s.setdefault("accum", np.full_like(w, initial_accumulator_value))
        linear = s.setdefault("linear", np.zeros_like(w))
        l2_reg = l2 + beta / (2.0 * lr)
        grad_to_use = g + 2 * l2_shrinkage * w
        new_accum = accum + g * g
        linear += grad_to_use - (new_accum ** -learning_rate_power - accum ** -learning_rate_power) / lr * w
        quadratic = new_accum ** -learning_rate_power / lr + 2 * l2_reg
        accum[...] = new_accum
        return (np.clip(linear, -l1, l1) - linear) / quadratic
    return step


ALL = {"learning_rate_power": -0.2, "initial_accumulator_value": 0.4, "l1_regularization_strength": 0.05,
       "l2_regularization_strength": 0.15, "l2_shrinkage_regularization_strength": 0.01, "beta": 0.3}
ExpDecay = schedules.ExponentialDecay(0.05, 10, 0.8)
KERAS_CASES = {
    "defaults": (keras_ftrl(), {"learning_rate": 1e-3}, {}),
    "every-hyperparameter": (keras_ftrl(-0.2, 0.4, 0.05, 0.15, 0.01, 0.3), {"learning_rate": 0.05},
                             {"learning_rate": 0.05, **ALL}),
    "power-0-l1-weight_decay": (keras_ftrl(0.0, 0.1, 1e-3), {"learning_rate": 0.01, "weight_decay": 0.1},
                                {"learning_rate": 0.01, "learning_rate_power": 0.0,
                                 "l1_regularization_strength": 1e-3, "weight_decay": 0.1}),
    "schedule-shrinkage-clipvalue": (keras_ftrl(l2_shrinkage=0.05, beta=1.0),
                                     {"learning_rate": ExpDecay, "clipvalue": 0.3},
                                     {"learning_rate": ExpDecay, "l2_shrinkage_regularization_strength": 0.05,
                                      "beta": 1.0, "clipvalue": 0.3}),
}


@pytest.mark.parametrize("case", sorted(KERAS_CASES))
def test_keras_flavor_matches_the_keras_formula_over_200_steps(case):
    update_step, keras_kw, ours_kw = KERAS_CASES[case]
    grads = gradient_sequence()
    assert_close(run_ours(Ftrl(flavor="keras", **ours_kw), grads), run_keras(update_step, grads, **keras_kw),
                 rtol=1e-12)


# ------------------------------------------ the closed form
def test_l1_makes_weights_exactly_zero_where_the_linear_term_is_small():
    w = [np.array([0.5, -0.5, 0.5])]
    opt = Ftrl(0.1, flavor="keras", l1_regularization_strength=0.2)
    opt.apply([np.array([0.01, -0.01, 1.0])], w)
    z = opt.state["linear"][0]
    assert w[0][0] == 0.0 and w[0][1] == 0.0 and w[0][2] != 0.0      # |z| ≤ λ₁ → exactly 0
    assert abs(z[0]) <= 0.2 < abs(z[2])


def test_the_weight_is_solved_for_not_stepped():
    # Keras's single step by hand: n = 0.1 + g², σ = (√n − √0.1)/η, z = g − σw, w = −z/(√n/η)
    w0, g, eta = np.array([1.0, 2.0]), np.array([1.0, 6.0]), 0.5
    n = 0.1 + g * g
    z = g - (np.sqrt(n) - np.sqrt(0.1)) / eta * w0
    w = [w0.copy()]
    Ftrl(eta, flavor="keras").apply([g], w)
    np.testing.assert_allclose(w[0], -z / (np.sqrt(n) / eta), rtol=1e-14)


def test_the_first_solve_keeps_only_a_small_part_of_the_initial_weight():
    # z₀ = 0: w₁ = (1 − √(n₀/n₁)) w₀ − ηg/√n₁ — with g² ≪ n₀ the initialisation is nearly gone
    w0, g, eta = np.array([0.8, -0.5]), np.array([0.01, 0.03]), 0.01
    w = [w0.copy()]
    Ftrl(eta, flavor="keras").apply([g], w)
    n1 = 0.1 + g * g
    np.testing.assert_allclose(w[0], (1 - np.sqrt(0.1 / n1)) * w0 - eta * g / np.sqrt(n1), rtol=1e-10)
    assert np.all(np.abs(w[0]) < 0.01 * np.abs(w0))


def test_a_step_at_learning_rate_zero_changes_nothing():
    w = [np.array([1.0, -2.0])]
    opt = Ftrl(learning_rate=lambda step: 0.0, flavor="keras")
    opt.apply([np.array([3.0, 4.0])], w)
    np.testing.assert_array_equal(w[0], [1.0, -2.0])
    np.testing.assert_array_equal(opt.state["accumulator"][0], [0.1, 0.1])


def test_slots_and_state_resume():
    rng = np.random.default_rng(3)
    grads = [[rng.standard_normal(4)] for _ in range(6)]
    straight, w = Ftrl(0.1, flavor="keras", **ALL), [np.ones(4)]
    for g in grads:
        straight.apply(g, w)
    first, w2 = Ftrl(0.1, flavor="keras", **ALL), [np.ones(4)]
    for g in grads[:3]:
        first.apply(g, w2)
    resumed = Ftrl.from_config(first.get_config())
    resumed.set_state(json.loads(json.dumps({k: v.tolist() if isinstance(v, np.ndarray) else v
                                             for k, v in first.get_state().items()})))
    for g in grads[3:]:
        resumed.apply(g, w2)
    np.testing.assert_array_equal(w, w2)
    assert sorted(first.get_state()) == ["accumulator/0", "iterations", "linear/0"]


def test_flavors():
    lecture, keras, torch_like = (Ftrl(flavor=f) for f in ("lecture", "keras", "torch"))
    assert keras.get_config() == {**lecture.get_config(), "flavor": "keras", "weight_decay_mode": "decoupled",
                                  "learning_rate": 1e-3}
    assert lecture.learning_rate == 1e-2
    assert (torch_like.weight_decay_mode, torch_like.clip_epsilon) == ("coupled", 1e-6)
    assert torch_like.initial_accumulator_value == 0.1


@pytest.mark.parametrize("kwargs, match", [({"beta": -1.0}, "beta"), ({"learning_rate_power": "x"},
                                                                        "learning_rate_power")])
def test_other_bad_hyperparameters_are_refused_by_name(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        Ftrl(flavor="keras", **kwargs)


# ------------------------------------------ keras/src/optimizers/ftrl_test.py, ported
def test_config():
    optimizer = Ftrl(learning_rate=0.05, flavor="keras", **ALL)
    config = optimizer.get_config()
    assert {k: config[k] for k in ALL} == ALL and config["learning_rate"] == 0.05
    again = optimizers.get(json.loads(json.dumps(optimizers.serialize(optimizer))))
    assert type(again) is Ftrl and again.get_config() == config


def test_single_step():
    optimizer = Ftrl(learning_rate=0.5, flavor="keras")
    w = [np.array([1.0, 2.0, 3.0, 4.0], np.float32)]
    optimizer.apply([np.array([1.0, 6.0, 7.0, 2.0], np.float32)], w)
    np.testing.assert_allclose(w[0], [0.2218, 1.3954, 2.3651, 2.8814], rtol=1e-4, atol=1e-4)


def test_correctness_with_golden():
    optimizer = Ftrl(learning_rate=0.05, flavor="keras", **ALL)
    x = [np.ones(10)]
    grads = np.arange(0.1, 1.1, 0.1)
    golden = np.array(
        [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
         [-0.0034, -0.0077, -0.0118, -0.0157, -0.0194, -0.023, -0.0263, -0.0294, -0.0325, -0.0354],
         [-0.0078, -0.0162, -0.0242, -0.0317, -0.0387, -0.0454, -0.0516, -0.0575, -0.0631, -0.0685],
         [-0.0121, -0.0246, -0.0363, -0.0472, -0.0573, -0.0668, -0.0757, -0.0842, -0.0922, -0.0999],
         [-0.0164, -0.0328, -0.0481, -0.0623, -0.0753, -0.0875, -0.099, -0.1098, -0.1201, -0.1299]])
    optimizer.apply([np.full(10, 0.01)], x)
    for i in range(5):
        np.testing.assert_allclose(x[0], golden[i], rtol=5e-4, atol=5e-4)
        optimizer.apply([grads], x)


def test_clip_norm():
    optimizer = Ftrl(clipnorm=1, flavor="keras")
    clipped = optimizer._clip([np.array([100.0, 100.0])])
    np.testing.assert_allclose(clipped[0], [2**0.5 / 2, 2**0.5 / 2])


def test_clip_value():
    optimizer = Ftrl(clipvalue=1, flavor="keras")
    clipped = optimizer._clip([np.array([100.0, 100.0])])
    np.testing.assert_allclose(clipped[0], [1.0, 1.0])


def _refused(keyword, value, expected):
    # Keras: "`<keyword>` needs to be positive or zero. Received: <keyword>=<value>."
    with pytest.raises(ValueError, match=rf"^{keyword}: expected a finite number in {re.escape(expected)}, "
                                         rf"got {value}$"):
        Ftrl(flavor="keras", **{keyword: value})


def test_invalid_initial_accumulator_value():
    _refused("initial_accumulator_value", -0.1, "[0.0, inf]")


def test_invalid_learning_rate_power():
    _refused("learning_rate_power", 0.1, "[-inf, 0.0]")


def test_invalid_l1_regularization_strength():
    _refused("l1_regularization_strength", -0.1, "[0.0, inf]")


def test_invalid_l2_regularization_strength():
    _refused("l2_regularization_strength", -0.1, "[0.0, inf]")


def test_invalid_l2_shrinkage_regularization_strength():
    _refused("l2_shrinkage_regularization_strength", -0.1, "[0.0, inf]")


def test_a_step_that_divides_by_zero_is_refused_without_a_numpy_warning():
    """n₀ = 0 and g = 0 make n^(−p) a division by zero (Keras: NaN); the pipeline refuses the
    step, naming the tensor, every weight as before, and no NumPy warning escapes the step."""
    import warnings

    from descend.errors import StepOverflow

    opt = Ftrl(learning_rate=1e300, initial_accumulator_value=0.0, flavor="keras")
    w = np.ones(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(StepOverflow, match=r"params\[0\]"):
            opt.apply([np.zeros(3)], [w])
    np.testing.assert_array_equal(w, 1.0)
