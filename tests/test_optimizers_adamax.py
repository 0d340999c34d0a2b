"""Adamax: the lecture flavor against the paper's rule written by hand (Kingma & Ba 2014,
Algorithm 2, with ε after the maximum) and its own checks (Keras's
`adamax_test.py` is ported in `test_optimizers_keras_port.py`)."""
from __future__ import annotations

import numpy as np
import pytest

from descend import optimizers
from descend.optimizers import Adamax
from oracles import assert_matches_formula


def paper_adamax(eta=2e-3, beta_1=0.9, beta_2=0.999, eps=1e-8):
    def step(w, g, s, t):
        s["m"] = beta_1 * s.get("m", 0.0) + (1 - beta_1) * g       # m_t
        s["u"] = np.maximum(beta_2 * s.get("u", 0.0), np.abs(g))    # u_t = max(β₂u, |g|)
        return w - eta / (1 - beta_1 ** t) * s["m"] / (s["u"] + eps)
    return step


CASES = {
    "adamax": (paper_adamax(), lambda: Adamax()),
    "adamax-betas": (paper_adamax(0.01, 0.8, 0.95, 1e-6),
                     lambda: Adamax(0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-6)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_lecture_flavor_matches_the_paper(case):
    assert_matches_formula(*CASES[case])


# ------------------------------------------ the rule's own properties
def test_the_step_is_about_eta_whatever_the_gradient_scale():
    # at t = 1: m = (1 − β₁)g, u = |g|, Δ = η/(1 − β₁)·(1 − β₁)g/(|g| + ε) = η·sign(g) (up to ε)
    for scale in (1e-3, 1.0, 1e3):
        w = [np.zeros(3)]
        Adamax(0.1).apply([scale * np.array([1.0, -2.0, 0.5])], w)
        np.testing.assert_allclose(w[0], [-0.1, 0.1, -0.1], rtol=1e-4)


def test_a_weight_whose_gradient_was_always_zero_does_not_move():
    w = [np.array([1.0, 1.0])]
    opt = Adamax()
    for _ in range(3):
        opt.apply([np.array([0.0, 1.0])], w)
    assert w[0][0] == 1.0 and np.isfinite(w[0]).all()


def test_torch_flavor_keeps_epsilon_inside_the_norm():
    opt = Adamax(flavor="torch")
    w = [np.zeros(2)]
    opt.apply([np.zeros(2)], w)
    np.testing.assert_array_equal(opt.state["u"][0], [1e-8, 1e-8])   # max(0, |0| + ε)
    assert optimizers.get("adamax").get_config()["epsilon_placement"] == "outside"


@pytest.mark.parametrize("kwargs, message", [({"beta_1": 1.0}, "beta_1"), ({"beta_2": -0.1}, "beta_2"),
                                             ({"epsilon": -1.0}, "epsilon"),
                                             ({"epsilon_placement": "hat"}, "epsilon_placement")])
def test_bad_hyperparameters_are_refused_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Adamax(**kwargs)
