"""Adadelta in the lecture flavor against the slides' formula written by hand (slides §8)."""
from __future__ import annotations

import numpy as np
import pytest

from descend.optimizers import Adadelta
from oracles import assert_matches_formula


def slides_adadelta(eta=1.0, rho=0.95, eps=1e-6):
    def step(w, g, s, t):
        s["Eg"] = rho * s.get("Eg", 0.0) + (1 - rho) * g * g
        dw = np.sqrt(s.get("Ed", 0.0) + eps) / np.sqrt(s["Eg"] + eps) * g   # RMS[Δw]_{t−1}/RMS[g]_t · g
        s["Ed"] = rho * s.get("Ed", 0.0) + (1 - rho) * dw * dw
        return w - eta * dw
    return step


CASES = {"adadelta": (slides_adadelta(), lambda: Adadelta())}


@pytest.mark.parametrize("case", sorted(CASES))
def test_lecture_flavor_matches_the_slides(case):
    assert_matches_formula(*CASES[case])
