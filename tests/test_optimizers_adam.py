"""Adam, AdamW and Nadam in the lecture flavor against the slides' formulas written by hand
(slides §8, §9)."""
from __future__ import annotations

import numpy as np
import pytest

from descend.optimizers import Adam, AdamW, Nadam
from oracles import assert_close, assert_matches_formula, gradient_sequence, run


def slides_adam(eta=1e-3, b1=0.9, b2=0.999, eps=1e-8, decay=0.0):
    def step(w, g, s, t):
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        m_hat, v_hat = s["m"] / (1 - b1 ** t), s["v"] / (1 - b2 ** t)
        return (1 - decay) * w - eta * m_hat / np.sqrt(v_hat + eps)
    return step


def slides_nadam(eta=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    # Constant μ = β₁ (the library's stated choice for "Adam with Nesterov momentum").
    def step(w, g, s, t):
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        m_hat = b1 * s["m"] / (1 - b1 ** (t + 1)) + (1 - b1) * g / (1 - b1 ** t)
        return w - eta * m_hat / np.sqrt(s["v"] / (1 - b2 ** t) + eps)
    return step


CASES = {
    "adam": (slides_adam(), lambda: Adam()),
    "adamw": (slides_adam(decay=1e-5), lambda: AdamW()),
    "nadam": (slides_nadam(), lambda: Nadam()),
    "weight_decay-adam": (slides_adam(decay=1e-3), lambda: Adam(weight_decay=1e-3)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_lecture_flavor_matches_the_slides(case):
    assert_matches_formula(*CASES[case])


def test_a_keyword_overrides_its_flavor_bundle():
    opt = Adam(flavor="torch", epsilon_placement="inside", epsilon=1e-3)
    assert (opt.epsilon_placement, opt.epsilon, opt.weight_decay_mode) == ("inside", 1e-3, "coupled")
    grads = gradient_sequence(steps=30)
    assert_close(run(opt, grads), run(Adam(epsilon=1e-3), grads), rtol=1e-14)
