"""SGD, momentum and NAG in the lecture flavor against the slides' formulas written by hand
(slides §1, §4, §8, §9)."""
from __future__ import annotations

import numpy as np
import pytest

from descend import schedules
from descend.optimizers import NAG, SGD, Momentum
from oracles import STEPS, assert_close, assert_matches_formula, gradient_sequence, run


def test_worked_example_a_sgd_steps_10_to_7_to_6_5():
    """Slides §4: ŷ = b₁X, E_i = ½(y_i − ŷ_i)², η = 0.1, b₁ = 10; points (2, 5) then (1, 2)."""
    b = [np.array([10.0])]
    opt = SGD(learning_rate=0.1)
    for x, y, expected in ((2.0, 5.0, 7.0), (1.0, 2.0, 6.5)):
        opt.apply([-x * (y - b[0] * x)], b)          # ∂E_i/∂b₁ = −x(y − b₁x)
        assert b[0][0] == pytest.approx(expected, abs=1e-15)


def lr_const(eta):
    return lambda t: eta


def slides_sgd(eta=0.01):
    return lambda w, g, s, t: w - eta * g


def slides_momentum(eta=0.01, gamma=0.9, lr=None):
    lr = lr or lr_const(eta)

    def step(w, g, s, t):
        s["v"] = gamma * s.get("v", 0.0) + lr(t - 1) * g   # v_t = γ v_{t−1} + η ∂E/∂w
        return w - s["v"]
    return step

def slides_weight_decay_sgd(eta=0.01, lam=1e-3):
    return lambda w, g, s, t: (1 - lam) * w - eta * g      # w ← (1 − λ)w − η∂E/∂w, λ not × η


def slides_staircase_sgd(eta0=0.05, delta=0.5, T=30):
    return lambda w, g, s, t: w - eta0 * delta ** ((t - 1) // T) * g   # η_t = δ^(t//T)·η₀, 0-based t


STAIRCASE = schedules.ExponentialDecay(0.05, 30, 0.5, staircase=True)
CASES = {
    "sgd": (slides_sgd(), lambda: SGD()),
    "momentum": (slides_momentum(), lambda: Momentum()),
    "momentum-with-schedule": (slides_momentum(lr=STAIRCASE), lambda: Momentum(learning_rate=STAIRCASE)),
    "weight_decay-sgd": (slides_weight_decay_sgd(), lambda: SGD(weight_decay=1e-3)),
    "exponential-decay-staircase": (slides_staircase_sgd(), lambda: SGD(learning_rate=STAIRCASE)),
    "step-decay": (slides_staircase_sgd(), lambda: SGD(learning_rate=schedules.StepDecay(0.05, 30, 0.5))),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_lecture_flavor_matches_the_slides(case):
    assert_matches_formula(*CASES[case])


def _slides_nag_on_a_quadratic():
    """The slides' NAG with the gradient *at* w − γv, on ½xᵀAx − bᵀx: (∇, η, γ, [(w_t, v_t)])."""
    A, b = np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([1.0, -1.0])
    grad = lambda x: A @ x - b                                    # noqa: E731
    eta, gamma = 0.05, 0.9
    w, v, path = np.array([2.0, -3.0]), np.zeros(2), []
    for _ in range(STEPS):
        v = gamma * v + eta * grad(w - gamma * v)                 # slides §8
        w = w - v
        path.append((w, v))
    np.testing.assert_allclose(w, np.linalg.solve(A, b), atol=1e-10)
    return grad, eta, gamma, path


@pytest.mark.parametrize("flavor", ["keras", "torch"])
def test_reparametrised_nag_keeps_the_lookahead_point_and_recovers_the_slides_w(flavor):
    """Keras's and PyTorch's Nesterov keep p = w − γv, fed ∇E at p; slides_weights gives w."""
    grad, eta, gamma, path = _slides_nag_on_a_quadratic()
    p = [np.array([2.0, -3.0])]
    opt = NAG(learning_rate=eta, flavor=flavor)
    assert opt.nesterov_form == "reparametrised"
    for w, v in path:
        assert opt.look_ahead(p) is False                        # the gradient is taken at p
        opt.apply([grad(p[0])], p)
        np.testing.assert_allclose(p[0], w - gamma * v, rtol=0, atol=1e-13)
        np.testing.assert_allclose(opt.slides_weights(p)[0], w, rtol=0, atol=1e-13)


def test_lecture_nag_keeps_the_slides_w_and_takes_the_gradient_at_the_lookahead_point():
    """The lecture flavor holds the slides' w itself; gradient_at evaluates ∇E at w − γv and
    puts w back bit for bit. Same arithmetic as the slides, so equal to the last bit."""
    grad, eta, gamma, path = _slides_nag_on_a_quadratic()
    p = [np.array([2.0, -3.0])]
    opt = NAG(learning_rate=eta)
    assert opt.nesterov_form == "slides"
    seen = []
    for w, _ in path:
        before = p[0].copy()
        g = opt.gradient_at(p, lambda q: (seen.append(q[0].copy()), [grad(q[0])])[1])
        np.testing.assert_array_equal(p[0], before)               # back at w after the gradient
        opt.apply(g, p)
        np.testing.assert_array_equal(p[0], w)
        np.testing.assert_array_equal(opt.slides_weights(p)[0], w)
    assert np.array_equal(seen[1], path[0][0] - gamma * path[0][1])   # ∇E taken at w₁ − γv₁


def test_nesterov_form_is_checked_and_configurable():
    with pytest.raises(ValueError, match="nesterov_form"):
        NAG(nesterov_form="lookahead")
    opt = NAG(flavor="torch", nesterov_form="slides")
    assert opt.get_config()["nesterov_form"] == "slides" and not opt.reparametrised
    assert NAG.from_config(opt.get_config()).nesterov_form == "slides"


def test_lecture_momentum_differs_from_torch_only_under_a_schedule():
    grads = gradient_sequence(steps=50)
    lecture = run(Momentum(learning_rate=0.01), grads)
    torch_like = run(Momentum(learning_rate=0.01, momentum_buffer="direction"), grads)
    assert_close(lecture, torch_like, rtol=1e-12)
    sched = schedules.ExponentialDecay(0.01, 1, 0.9)
    a = run(Momentum(learning_rate=sched), grads)
    b = run(Momentum(learning_rate=sched, momentum_buffer="direction"), grads)
    assert max(float(np.max(np.abs(x - y))) for x, y in zip(a, b, strict=True)) > 1e-4


@pytest.mark.parametrize("flavor", ["lecture", "keras"])
def test_nesterov_without_momentum_is_plain_gradient_descent(flavor):
    # NAG with γ = 0: v = η∇E(w), w ← w − v (the slides); Keras's plain SGD steps. torch refuses.
    from descend import Dense, Input, Sequential

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 1))
    weights = []
    for kwargs in ({"nesterov": True}, {}):
        model = Sequential([Input(3), Dense(4, "tanh"), Dense(1)], seed=1, dtype="float64")
        model.compile(optimizer=SGD(0.1, flavor=flavor, **kwargs), loss="mse")
        model.fit(X, y, epochs=3, batch_size=4, verbose=0, seed=0)
        weights.append(model.get_weights())
        assert model.optimizer.state == {}                    # no velocity to keep
    for a, b in zip(*weights, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="nesterov: needs momentum > 0"):
        SGD(nesterov=True, flavor="torch")
