"""Lamb: the lecture flavor against the paper's rule written by hand (You et al. 2019,
Algorithm 2), flavor="keras" against Keras 3's ``update_step`` transcribed to NumPy, the trust
ratio's properties, and Keras's own tests.

Ported: ``keras/src/optimizers/lamb_test.py`` at Keras commit
3422977a5e38fb2f7709aaa9a08e47f0c43d0f60 (Apache-2.0), each test under its Keras name, with its
numbers, run against ``flavor="keras"`` (docs/peer-tests.md lists them).
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from descend import optimizers, schedules
from descend.optimizers import Lamb
from oracles import assert_close, assert_matches_formula, gradient_sequence
from oracles import run as run_ours
from test_optimizers_keras_formulas import run_keras


def paper_lamb(eta=1e-3, beta_1=0.9, beta_2=0.999, eps=1e-6):
    def step(w, g, s, t):
        s["m"] = beta_1 * s.get("m", 0.0) + (1 - beta_1) * g
        s["v"] = beta_2 * s.get("v", 0.0) + (1 - beta_2) * g * g
        r = (s["m"] / (1 - beta_1 ** t)) / (np.sqrt(s["v"] / (1 - beta_2 ** t)) + eps)
        return w - eta * np.linalg.norm(w) / np.linalg.norm(r) * r       # φ(‖w‖)/‖r‖ · r, φ = id
    return step


CASES = {
    "lamb": (paper_lamb(), lambda: Lamb()),
    "lamb-betas": (paper_lamb(0.01, 0.5, 0.67, 1e-5), lambda: Lamb(0.01, 0.5, 0.67, 1e-5)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_lecture_flavor_matches_the_paper(case):
    assert_matches_formula(*CASES[case])


# ------------------------------------------ flavor="keras" against Keras's formula, written out
def keras_lamb(beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    def step(w, g, s, lr, it):  # keras/src/optimizers/lamb.py, update_step
        t = it + 1
        m, v = s.setdefault("m", np.zeros_like(w)), s.setdefault("v", np.zeros_like(w))
        m += (g - m) * (1 - beta_1)
        v += (g * g - v) * (1 - beta_2)
        update = (m / (1.0 - beta_1 ** t)) / (np.sqrt(v / (1.0 - beta_2 ** t)) + epsilon)
        w_norm, g_norm = np.sqrt(np.sum(w ** 2)), np.sqrt(np.sum(update ** 2))
        ratio = w_norm / g_norm if w_norm > 0 and g_norm > 0 else 1.0
        return w - ratio * lr * update
    return step


ExpDecay = schedules.ExponentialDecay(0.05, 10, 0.8)
KERAS_CASES = {
    "defaults": (keras_lamb(), {"learning_rate": 1e-3}, {}),
    "betas-epsilon-lr": (keras_lamb(0.5, 0.67, 1e-5), {"learning_rate": 0.05},
                         {"learning_rate": 0.05, "beta_1": 0.5, "beta_2": 0.67, "epsilon": 1e-5}),
    "weight_decay": (keras_lamb(), {"learning_rate": 0.01, "weight_decay": 0.1},
                     {"learning_rate": 0.01, "weight_decay": 0.1}),
    "schedule-clipnorm": (keras_lamb(), {"learning_rate": ExpDecay, "clipnorm": 0.5},
                          {"learning_rate": ExpDecay, "clipnorm": 0.5}),
    "global_clipnorm": (keras_lamb(), {"learning_rate": 0.01, "global_clipnorm": 0.3},
                        {"learning_rate": 0.01, "global_clipnorm": 0.3}),
}


@pytest.mark.parametrize("case", sorted(KERAS_CASES))
def test_keras_flavor_matches_the_keras_formula_over_200_steps(case):
    update_step, keras_kw, ours_kw = KERAS_CASES[case]
    grads = gradient_sequence()
    assert_close(run_ours(Lamb(flavor="keras", **ours_kw), grads), run_keras(update_step, grads, **keras_kw),
                 rtol=1e-12)


def test_keras_weight_decay_shrinks_the_weight_the_trust_ratio_reads():
    # Keras decays w before update_step: the ratio is ‖(1 − ηλ)w‖/‖r‖, and the step is taken from
    # the decayed w. With the norm of the undecayed w the step would be 1/(1 − ηλ) = 2× longer.
    w0, g = np.array([3.0, 4.0]), np.array([1.0, -1.0])
    w = [w0.copy()]
    Lamb(0.1, flavor="keras", weight_decay=5.0).apply([g], w)
    decayed = w0 * (1 - 0.1 * 5.0)
    np.testing.assert_allclose(w[0], decayed - 0.1 * np.linalg.norm(decayed) * g / np.linalg.norm(g),
                               rtol=1e-6)


# ------------------------------------------ the trust ratio
def test_every_step_of_an_array_has_length_eta_times_the_weight_norm():
    rng = np.random.default_rng(0)
    w = [rng.standard_normal((4, 3)), rng.standard_normal(7)]
    opt = Lamb(0.01, flavor="keras")
    for _ in range(5):
        before = [a.copy() for a in w]
        opt.apply([rng.standard_normal(a.shape) * 10.0 ** rng.integers(-4, 3) for a in w], w)
        for a, b in zip(w, before, strict=True):
            assert np.linalg.norm(a - b) == pytest.approx(0.01 * np.linalg.norm(b), rel=1e-12)


def test_the_ratio_is_1_for_a_zero_weight_and_a_zero_direction():
    w = [np.zeros(3)]
    Lamb(0.5, flavor="keras", epsilon=0.0).apply([np.array([1.0, -2.0, 0.5])], w)
    np.testing.assert_allclose(w[0], [-0.5, 0.5, -0.5])     # r = m̂/√v̂ = sign(g) at t = 1; ratio 1
    w = [np.array([1.0, 2.0])]
    Lamb(0.5, flavor="keras").apply([np.zeros(2)], w)
    np.testing.assert_array_equal(w[0], [1.0, 2.0])         # r = 0: no step (and no 0/0)


def test_flavors():
    assert Lamb().epsilon == 1e-6 and Lamb(flavor="keras").epsilon == 1e-7
    assert Lamb(flavor="keras").weight_decay_mode == "decoupled"
    torch_like = Lamb(flavor="torch")                       # Keras's rule, PyTorch's pipeline
    assert (torch_like.epsilon, torch_like.weight_decay_mode, torch_like.clip_epsilon) == \
        (1e-7, "coupled", 1e-6)


@pytest.mark.parametrize("kwargs, match", [({"beta_1": 1.0}, "beta_1"), ({"beta_2": -0.1}, "beta_2"),
                                           ({"epsilon": -1e-7}, "epsilon"), ({"beta_1": "0.9"}, "beta_1")])
def test_bad_hyperparameters_are_refused_by_name(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        Lamb(flavor="keras", **kwargs)


# ------------------------------------------ keras/src/optimizers/lamb_test.py, ported
def test_config():
    optimizer = Lamb(learning_rate=0.5, beta_1=0.5, beta_2=0.67, epsilon=1e-5, flavor="keras")
    config = optimizer.get_config()
    assert (config["learning_rate"], config["beta_1"], config["beta_2"], config["epsilon"]) == \
        (0.5, 0.5, 0.67, 1e-5)
    again = optimizers.get(json.loads(json.dumps(optimizers.serialize(optimizer))))
    assert type(again) is Lamb and again.get_config() == config


def test_single_step():
    optimizer = Lamb(learning_rate=0.5, flavor="keras")
    w = [np.array([1.0, 2.0, 3.0, 4.0], np.float32)]
    optimizer.apply([np.array([1.0, 6.0, 7.0, 2.0], np.float32)], w)
    np.testing.assert_allclose(w[0], [-0.3693, 0.6306, 1.6306, 2.6306], rtol=1e-4, atol=1e-4)


def test_weight_decay():
    # Keras applies var1 three times (optimizer_1, _2, _3) with a zero gradient: 2·(1 − ηλ)³;
    # var2 is kept out by its name, var3 by identity.
    var1, var2, var3 = (np.array(2.0, np.float32) for _ in range(3))
    zero = np.zeros((), np.float32)
    optimizer_1 = Lamb(learning_rate=1.0, weight_decay=0.004, flavor="keras")
    optimizer_1.apply([zero], [var1])

    optimizer_2 = Lamb(learning_rate=1.0, weight_decay=0.004, flavor="keras")
    optimizer_2.exclude_from_weight_decay(var_names=["exclude"])
    optimizer_2.apply([zero, zero], [var1, var2], names=["var1", "exclude"])

    optimizer_3 = Lamb(learning_rate=1.0, weight_decay=0.004, flavor="keras")
    optimizer_3.exclude_from_weight_decay(var_list=[var3])
    optimizer_3.apply([zero, zero], [var1, var3])

    assert var1 == pytest.approx(1.9760959, abs=1e-6)
    assert var2 == pytest.approx(2.0, abs=1e-6)
    assert var3 == pytest.approx(2.0, abs=1e-6)



def test_correctness_with_golden():
    optimizer = Lamb(flavor="keras")
    x = [np.ones(10, np.float32)]
    grads = np.arange(0.1, 1.1, 0.1).astype(np.float32)
    golden = np.tile([[0.999], [0.9982], [0.9974], [0.9965], [0.9955]], (1, 10))
    optimizer.apply([np.full(10, 0.01, np.float32)], x)
    for i in range(5):
        np.testing.assert_allclose(x[0], golden[i], rtol=5e-4, atol=5e-4)
        optimizer.apply([grads], x)


def test_clip_norm():
    optimizer = Lamb(clipnorm=1, flavor="keras")
    clipped = optimizer._clip([np.array([100.0, 100.0])])
    np.testing.assert_allclose(clipped[0], [2**0.5 / 2, 2**0.5 / 2])


def test_clip_value():
    optimizer = Lamb(clipvalue=1, flavor="keras")
    clipped = optimizer._clip([np.array([100.0, 100.0])])
    np.testing.assert_allclose(clipped[0], [1.0, 1.0])


def test_a_weight_kept_out_of_weight_decay_gives_the_ratio_its_own_norm():
    # the trust ratio of an excluded weight reads w itself, not (1 − ηλ)w
    w0, g = np.array([3.0, 4.0]), np.array([1.0, -1.0])
    kept, decayed = [w0.copy()], [w0.copy()]
    opt = Lamb(0.1, flavor="keras", weight_decay=5.0)
    opt.exclude_from_weight_decay(var_list=[kept[0]])
    opt.apply([g, g], [kept[0], decayed[0]])
    np.testing.assert_allclose(kept[0], w0 - 0.1 * 5.0 * g / np.linalg.norm(g), rtol=1e-6)
    np.testing.assert_allclose(decayed[0], 0.5 * w0 - 0.1 * 2.5 * g / np.linalg.norm(g), rtol=1e-6)
