"""Lion: the lecture flavor against the paper's rule written by hand (Chen et al. 2023,
Algorithm 2) and its own checks (Keras's
`lion_test.py` is ported in `test_optimizers_keras_port.py`)."""
from __future__ import annotations

import numpy as np
import pytest

from descend.optimizers import Lion
from oracles import assert_matches_formula


def paper_lion(eta=1e-4, beta_1=0.9, beta_2=0.99):
    def step(w, g, s, t):
        m = s.get("m", 0.0)
        c = beta_1 * m + (1 - beta_1) * g                      # c_t: the interpolation
        s["m"] = beta_2 * m + (1 - beta_2) * g                 # m_t, with β₂
        return w - eta * np.sign(c)
    return step


CASES = {
    "lion": (paper_lion(), lambda: Lion()),
    "lion-betas": (paper_lion(0.01, 0.5, 0.67), lambda: Lion(0.01, beta_1=0.5, beta_2=0.67)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_lecture_flavor_matches_the_paper(case):
    assert_matches_formula(*CASES[case])


# ------------------------------------------ the rule's own properties
def test_every_weight_moves_by_exactly_eta_or_not_at_all():
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(50)
    w = [w0.copy()]
    opt = Lion(0.25)
    for _ in range(5):
        g = rng.standard_normal(50) * 10.0 ** rng.integers(-4, 4)
        g[:3] = 0.0 if opt.iterations == 0 else g[:3]          # c = 0 at the first step: no move
        before = w[0].copy()
        opt.apply([g], w)
        assert set(np.round(np.abs(w[0] - before), 12)) <= {0.0, 0.25}
    np.testing.assert_array_equal(w[0][:3] != w0[:3], True)  # (they moved later)


def test_the_momentum_uses_beta_2_and_the_direction_beta_1():
    opt = Lion(1.0, beta_1=0.5, beta_2=0.9)
    w = [np.zeros(1)]
    opt.apply([np.array([1.0])], w)                            # m = 0.1
    opt.apply([np.array([-0.15])], w)                          # c = 0.5·0.1 − 0.5·0.15 < 0
    np.testing.assert_allclose(opt.state["m"][0], [0.9 * 0.1 - 0.1 * 0.15])
    assert w[0][0] == -1.0 + 1.0                               # −1, then +1
