"""The slides' two worked examples as data (lecture §4 and §6): one home for the numbers that
``descend lecture`` replays (:mod:`descend.lecture`), the classic methods compare
(:mod:`descend.lab.classic`) and the tests assert.
"""
from __future__ import annotations

import numpy as np

#: Example A — linear regression ŷ = b₁·X without intercept: the four points (X, y)
EXAMPLE_A_X = np.array([2.0, 1.0, 3.0, 4.0])
EXAMPLE_A_Y = np.array([5.0, 2.0, 6.0, 6.0])
#: … fitted with E_i = ½(y_i − ŷ_i)², η = 0.1 from b₁ = 10 (its least-squares slope is Σxy/Σx² = 54/30)
EXAMPLE_A_ETA, EXAMPLE_A_B1 = 0.1, 10.0

#: Example B — the 2-2-1 sigmoid network without bias: the points (x1, x2) and their targets y
EXAMPLE_B_X = np.array([[1.0, 1.0], [2.0, 2.0]])
EXAMPLE_B_Y = np.array([1.0, 0.0])
#: [w₁₁⁽¹⁾, w₁₂⁽¹⁾, w₂₁⁽¹⁾, w₂₂⁽¹⁾, w₁₁⁽²⁾, w₂₁⁽²⁾] as on the slide; one SGD step with η = 0.01
EXAMPLE_B_WEIGHTS = [0.3, 0.4, 0.2, 0.1, 0.1, 0.2]
EXAMPLE_B_ETA = 0.01


def example_a_data() -> tuple[np.ndarray, np.ndarray]:
    """Example A as a design matrix X of shape (4, 1) and targets y of shape (4,) (fresh copies)."""
    return EXAMPLE_A_X.reshape(-1, 1).copy(), EXAMPLE_A_Y.copy()
