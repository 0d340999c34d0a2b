"""Properties (hypothesis) of every optimizer in every flavor, and a convergence table."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from descend import optimizers

NAMES = sorted(optimizers.REGISTRY)
FLAVORS = optimizers.FLAVORS
COMBOS = [(n, f) for n in NAMES for f in FLAVORS]
IDS = [f"{n}-{f}" for n, f in COMBOS]

#: A learning rate at which each optimizer is stable on ½xᵀAx with A's eigenvalues in [0.5, 5].
SAFE_LR = {"sgd": 0.05, "momentum": 0.01, "nag": 0.01, "adagrad": 0.1, "rmsprop": 0.01, "adadelta": 1.0,
           "adam": 0.01, "adamw": 0.01, "nadam": 0.01, "adamax": 0.01, "lion": 1e-3, "lamb": 0.01,
           "ftrl": 0.1, "adafactor": 0.01}

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)
starts = hnp.arrays(np.float64, 3, elements=st.floats(0.5, 10) | st.floats(-10, -0.5))
curvatures = hnp.arrays(np.float64, 3, elements=st.floats(0.5, 5))


@pytest.mark.parametrize("name, flavor", COMBOS, ids=IDS)
@settings(max_examples=12, deadline=None)
@given(x0=starts, a=curvatures)
def test_every_optimizer_decreases_a_convex_quadratic_from_any_start(name, flavor, x0, a):
    opt = optimizers.get(name, flavor=flavor, learning_rate=SAFE_LR[name])
    x = [x0.copy()]
    for _ in range(20):
        opt.apply([a * x[0]], x)
    assert 0.5 * np.sum(a * x[0] ** 2) < 0.5 * np.sum(a * x0 ** 2)


grad_lists = st.integers(1, 3).flatmap(lambda k: st.lists(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4), elements=finite),
    min_size=k, max_size=k))
options = st.sampled_from([{}, {"clipnorm": 0.5}, {"clipvalue": 0.1}, {"global_clipnorm": 0.3},
                           {"weight_decay": 0.1, "weight_decay_mode": "coupled"}, {"weight_decay": 0.1}])


@pytest.mark.parametrize("name, flavor", COMBOS, ids=IDS)
@settings(max_examples=8, deadline=None)
@given(grads=grad_lists, extra=options)
def test_no_optimizer_mutates_the_gradients(name, flavor, grads, extra):
    if name == "adamw" and extra.get("weight_decay_mode") == "coupled":
        extra = {}
    opt = optimizers.get(name, flavor=flavor, **extra)
    params = [np.ones_like(g) for g in grads]
    copies = [g.copy() for g in grads]
    for _ in range(3):
        opt.apply(grads, params)
    for g, c in zip(grads, copies, strict=True):
        assert np.array_equal(g, c)
    assert [p.shape for p in params] == [g.shape for g in grads]


@pytest.mark.parametrize("name, flavor", COMBOS, ids=IDS)
@settings(max_examples=8, deadline=None)
@given(grads=grad_lists, dtype=st.sampled_from([np.float32, np.float64]))
def test_learning_rate_zero_leaves_the_parameters_unchanged(name, flavor, grads, dtype):
    # A constant rate must be > 0 (a ValueError otherwise); a schedule may be 0 at a step.
    # weight_decay=0: the slides' decay (1 − λ)w does not scale with η (next test).
    opt = optimizers.get(name, flavor=flavor, learning_rate=lambda step: 0.0, weight_decay=0.0)
    grads = [g.astype(dtype) for g in grads]
    params = [np.linspace(-1, 1, g.size, dtype=dtype).reshape(g.shape) for g in grads]
    before = [p.copy() for p in params]
    for _ in range(3):
        opt.apply(grads, params)
    for p, b in zip(params, before, strict=True):
        assert p.dtype == dtype and np.array_equal(p, b)


def test_the_slides_weight_decay_acts_even_at_learning_rate_zero():
    w = [np.array([2.0])]
    optimizers.AdamW(learning_rate=lambda step: 0.0, weight_decay=0.1).apply([np.array([1.0])], w)
    assert w[0][0] == 2.0 * (1 - 0.1)
    w = [np.array([2.0])]
    optimizers.AdamW(learning_rate=lambda step: 0.0, flavor="keras").apply([np.array([1.0])], w)
    assert w[0][0] == 2.0                                    # Keras/PyTorch: ηλ = 0


# ------------------------------------------------------------------------------- convergence table
def quadratic(x):
    """f = ½(x² + 10y²): minimum 0 at the origin, condition number 10."""
    a = np.array([1.0, 10.0])
    return 0.5 * float(np.sum(a * x * x)), a * x


def rosenbrock(p):
    """f = (1 − x)² + 100(y − x²)²: minimum 0 at (1, 1); f = 12.5 at the start (−1.5, 2)."""
    x, y = p
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2, np.array([-2 * (1 - x) - 400 * x * (y - x * x),
                                                            200 * (y - x * x)])


#: optimizer: (η on the quadratic, steps to reach ‖x‖ < 1e-3 from (3, −2),
#:             η on Rosenbrock, f reached within 2000 steps from (−1.5, 2), from f = 12.5)
CONVERGENCE = {
    "sgd":      (0.15, 100, 2e-3, 0.01),
    "momentum": (0.05, 300, 3e-4, 0.01),
    "nag":      (0.05, 200, 1e-3, 0.01),
    "adagrad":  (1.0, 100, 0.5, 0.5),
    "rmsprop":  (0.03, 300, 0.01, 0.1),
    "adadelta": (10.0, 500, 1.0, 1.0),
    "adam":     (0.1, 300, 0.05, 0.01),
    "adamw":    (0.1, 300, 0.05, 0.01),
    "nadam":    (0.1, 300, 0.05, 0.02),   # torch flavor ends near 0.011, as torch.optim.NAdam (0.0112)
    "adamax":   (0.1, 200, 0.1, 0.01),
    "lion":     (0.01, 600, 3e-3, 0.01),  # steps of exactly ±η: it hovers η away until it lands
    "lamb":     (0.1, 200, 0.03, 1.0),    # steps of length η‖w‖: slow once the valley is found
    "ftrl":     (1.0, 50, 1.0, 0.1),      # η/√Σg² per coordinate: Adagrad's scale
    "adafactor": (1.0, 600, 0.1, 0.1),    # ρ_t = min(η, 1/√t): the step shrinks as 1/√t
}


@pytest.mark.parametrize("name, flavor", COMBOS, ids=IDS)
def test_reaches_the_minimum_of_a_quadratic_within_budget(name, flavor):
    lr, budget, _, _ = CONVERGENCE[name]
    opt = optimizers.get(name, flavor=flavor, learning_rate=lr)
    x = [np.array([3.0, -2.0])]
    steps = 0
    while np.linalg.norm(x[0]) >= 1e-3 and steps < budget:  # first hit: fixed-η methods then hover
        opt.apply([quadratic(x[0])[1]], x)
        steps += 1
    assert np.linalg.norm(x[0]) < 1e-3, f"not within 1e-3 of the minimum after {budget} steps"


@pytest.mark.parametrize("name, flavor", COMBOS, ids=IDS)
def test_makes_progress_on_rosenbrock_within_budget(name, flavor):
    _, _, lr, target = CONVERGENCE[name]
    opt = optimizers.get(name, flavor=flavor, learning_rate=lr)
    x = [np.array([-1.5, 2.0])]
    for _ in range(2000):
        opt.apply([rosenbrock(x[0])[1]], x)
    assert rosenbrock(x[0])[0] < target


def test_the_convergence_table_in_the_docs_is_this_one():
    import pathlib
    text = (pathlib.Path(__file__).resolve().parents[1] / "docs" / "optimizers.md").read_text()
    table = text.split("<!-- convergence-table -->")[1].split("<!-- /convergence-table -->")[0]
    rows = {}
    for row in table.strip().splitlines()[2:]:
        name, *numbers = [c.strip() for c in row.strip("|").split("|")]
        rows[name] = tuple(float(n) for n in numbers)
    assert rows == {k: tuple(float(x) for x in v) for k, v in CONVERGENCE.items()}
