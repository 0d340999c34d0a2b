"""Adagrad in the lecture flavor against the slides' formula written by hand (slides §8)."""
from __future__ import annotations

import numpy as np
import pytest

from descend.optimizers import Adagrad
from oracles import assert_matches_formula


def slides_adagrad(eta=0.01, eps=1e-8):
    def step(w, g, s, t):
        s["G"] = s.get("G", 0.0) + g * g                   # G_t: every squared gradient so far, from 0
        return w - eta / np.sqrt(s["G"] + eps) * g
    return step


CASES = {"adagrad": (slides_adagrad(), lambda: Adagrad())}


@pytest.mark.parametrize("case", sorted(CASES))
def test_lecture_flavor_matches_the_slides(case):
    assert_matches_formula(*CASES[case])
