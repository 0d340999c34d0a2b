"""RMSprop in the lecture flavor against the slides' formula written by hand (slides §8)."""
from __future__ import annotations

import numpy as np
import pytest

from descend.optimizers import RMSprop
from oracles import assert_matches_formula


def slides_rmsprop(eta=1e-3, rho=0.9, eps=1e-8):
    def step(w, g, s, t):
        s["E"] = rho * s.get("E", 0.0) + (1 - rho) * g * g
        return w - eta / np.sqrt(s["E"] + eps) * g
    return step


CASES = {"rmsprop": (slides_rmsprop(), lambda: RMSprop())}


@pytest.mark.parametrize("case", sorted(CASES))
def test_lecture_flavor_matches_the_slides(case):
    assert_matches_formula(*CASES[case])
