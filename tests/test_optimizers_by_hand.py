"""Every optimizer of the lecture (and Adamax and Lion, beyond it), by hand, against the library
on the slides' worked examples A and B (§4, §6, §8): the hand rules are written below in the
slides' notation on plain Python floats, the library trains a float64 model, and after every
step every weight agrees to the last digit the arithmetic carries: to 14 significant digits of
the weight's scale (before or after the step) — float64 carries 15–16, and NumPy's exp, BLAS's
order of additions and the rounding of w − Δ leave a few units in the last place over ten steps.
The weights read back are the slides' w — also for NAG, whose gradient is taken at the
look-ahead point w − γv.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from descend import Dense, Input, Sequential, examples, optimizers

Weights = list[float]
Gradient = Callable[[Weights], Weights]
STEPS = 5
#: "to the last digit": 64 units in the last place of a float64 (1.4e-14 relative)
ULPS = 64 * np.finfo(np.float64).eps


def each(*lists):
    """zip over lists of the same length (one entry per weight)."""
    return zip(*lists, strict=True)


# ======================================================================== the hand rules (§8)
def sgd(eta):
    def step(w, grad, s, t):
        return [wi - eta * gi for wi, gi in each(w, grad(w))]           # w ← w − η ∂E/∂w
    return step


def momentum(eta, gamma=0.9):
    def step(w, grad, s, t):
        v = s.get("v", [0.0] * len(w))
        v = s["v"] = [gamma * vi + eta * gi for vi, gi in each(v, grad(w))]   # v_t = γv_{t−1} + η∂E/∂w
        return [wi - vi for wi, vi in each(w, v)]                               # w ← w − v_t
    return step


def nag(eta, gamma=0.9):
    def step(w, grad, s, t):
        v = s.get("v", [0.0] * len(w))
        g = grad([wi - gamma * vi for wi, vi in each(w, v)])                    # ∂E/∂w at w − γv_{t−1}
        v = s["v"] = [gamma * vi + eta * gi for vi, gi in each(v, g)]           # v_t = γv_{t−1} + η g
        return [wi - vi for wi, vi in each(w, v)]                               # w ← w − v_t
    return step


def adagrad(eta, eps=1e-8):
    def step(w, grad, s, t):
        g = grad(w)
        G = s["G"] = [Gi + gi**2 for Gi, gi in each(s.get("G", [0.0] * len(w)), g)]   # G_t = G_{t−1} + g²
        return [wi - eta * gi / math.sqrt(Gi + eps) for wi, gi, Gi in each(w, g, G)]  # w ← w − η g/√(G_t + ε)
    return step


def rmsprop(eta, rho=0.9, eps=1e-8):
    def step(w, grad, s, t):
        g = grad(w)
        # E[g²]_t = ρE[g²]_{t−1} + (1 − ρ)g²;  w ← w − η g/√(E[g²]_t + ε)
        Eg = s["Eg"] = [rho * e + (1 - rho) * gi**2 for e, gi in each(s.get("Eg", [0.0] * len(w)), g)]
        return [wi - eta * (gi / math.sqrt(e + eps)) for wi, gi, e in each(w, g, Eg)]
    return step


def adadelta(eta=1.0, rho=0.95, eps=1e-6):
    def step(w, grad, s, t):
        g = grad(w)
        Eg = s["Eg"] = [rho * e + (1 - rho) * gi**2 for e, gi in each(s.get("Eg", [0.0] * len(w)), g)]
        Ed = s.get("Ed", [0.0] * len(w))
        dw = [math.sqrt(d + eps) / math.sqrt(e + eps) * gi   # Δw = RMS[Δw]_{t−1}/RMS[g]_t · g
              for d, e, gi in each(Ed, Eg, g)]
        s["Ed"] = [rho * d + (1 - rho) * x**2 for d, x in each(Ed, dw)]         # E[Δw²]_t
        return [wi - eta * x for wi, x in each(w, dw)]                          # w ← w − η Δw (η = 1)
    return step


def adam(eta, beta_1=0.9, beta_2=0.999, eps=1e-8):
    def step(w, grad, s, t):
        g = grad(w)
        m = s["m"] = [beta_1 * mi + (1 - beta_1) * gi for mi, gi in each(s.get("m", [0.0] * len(w)), g)]
        v = s["v"] = [beta_2 * vi + (1 - beta_2) * gi**2 for vi, gi in each(s.get("v", [0.0] * len(w)), g)]
        m_hat = [mi / (1 - beta_1**t) for mi in m]                             # m̂ = m/(1 − β₁ᵗ)
        v_hat = [vi / (1 - beta_2**t) for vi in v]                             # v̂ = v/(1 − β₂ᵗ)
        # w ← w − η m̂/√(v̂ + ε)
        return [wi - eta * mh / math.sqrt(vh + eps) for wi, mh, vh in each(w, m_hat, v_hat)]
    return step


def nadam(eta, beta_1=0.9, beta_2=0.999, eps=1e-8):
    """Adam with Nesterov momentum (Dozat 2016) with the constant μ = β₁ of the lecture flavor:
    m̄ = β₁ m_t/(1 − β₁^(t+1)) + (1 − β₁) g/(1 − β₁ᵗ)."""
    def step(w, grad, s, t):
        g = grad(w)
        m = s["m"] = [beta_1 * mi + (1 - beta_1) * gi for mi, gi in each(s.get("m", [0.0] * len(w)), g)]
        v = s["v"] = [beta_2 * vi + (1 - beta_2) * gi**2 for vi, gi in each(s.get("v", [0.0] * len(w)), g)]
        m_bar = [beta_1 * mi / (1 - beta_1**(t + 1)) + (1 - beta_1) * gi / (1 - beta_1**t)
                 for mi, gi in each(m, g)]
        v_hat = [vi / (1 - beta_2**t) for vi in v]
        return [wi - eta * mb / math.sqrt(vh + eps) for wi, mb, vh in each(w, m_bar, v_hat)]
    return step


def adamax(eta, beta_1=0.9, beta_2=0.999, eps=1e-8):
    """Beyond the slides (Kingma & Ba §7.1): Adam with an infinity norm u in place of √v̂."""
    def step(w, grad, s, t):
        g = grad(w)
        m = s["m"] = [beta_1 * mi + (1 - beta_1) * gi for mi, gi in each(s.get("m", [0.0] * len(w)), g)]
        u = s["u"] = [max(beta_2 * ui, abs(gi)) for ui, gi in each(s.get("u", [0.0] * len(w)), g)]
        # w ← w − η/(1 − β₁ᵗ) · m_t/(u_t + ε)
        return [wi - eta / (1 - beta_1**t) * mi / (ui + eps) for wi, mi, ui in each(w, m, u)]
    return step


def lion(eta, beta_1=0.9, beta_2=0.99):
    """Beyond the slides (Chen et al. 2023): every weight moves by ±η along sign(c_t)."""
    def step(w, grad, s, t):
        g, m = grad(w), s.get("m", [0.0] * len(w))
        c = [beta_1 * mi + (1 - beta_1) * gi for mi, gi in each(m, g)]          # c_t = β₁m + (1 − β₁)g
        s["m"] = [beta_2 * mi + (1 - beta_2) * gi for mi, gi in each(m, g)]    # m_t = β₂m + (1 − β₂)g
        return [wi - eta * (float(ci > 0) - float(ci < 0)) for wi, ci in each(w, c)]  # w ← w − η sign(c_t)
    return step


#: name → (hand rule, the library's optimizer), both in the lecture flavor with the same η
RULES: dict[str, tuple[Callable[..., Callable[..., Weights]], Callable[[float], optimizers.Optimizer]]] = {
    "sgd": (sgd, lambda eta: optimizers.SGD(eta)),
    "momentum": (momentum, lambda eta: optimizers.Momentum(eta)),
    "nag": (nag, lambda eta: optimizers.NAG(eta)),
    "adagrad": (adagrad, lambda eta: optimizers.Adagrad(eta)),
    "rmsprop": (rmsprop, lambda eta: optimizers.RMSprop(eta)),
    "adadelta": (adadelta, lambda eta: optimizers.Adadelta(eta)),
    "adam": (adam, lambda eta: optimizers.Adam(eta)),
    "nadam": (nadam, lambda eta: optimizers.Nadam(eta)),
    "adamax": (adamax, lambda eta: optimizers.Adamax(eta)),
    "lion": (lion, lambda eta: optimizers.Lion(eta)),
}
ETA = {"sgd": 0.01, "momentum": 0.01, "nag": 0.01, "adagrad": 0.1, "rmsprop": 0.01, "adadelta": 1.0,
       "adam": 0.1, "nadam": 0.1, "adamax": 0.1, "lion": 0.01}


# ============================================================ the gradients, by the chain rule
def example_a_gradient(points):
    """§4: ŷ = b₁X, E = Σ ½(y − ŷ)² over the points used: ∂E/∂b₁ = Σ (ŷ − y)·X."""
    def grad(w):
        (b1,) = w
        return [sum((b1 * x - y) * x for x, y in points)]
    return grad


def example_b_gradient(points):
    """§5–6: the 2-2-1 sigmoid network without bias, E = Σ ½(y − ŷ)²; w = [w₁₁⁽¹⁾, w₁₂⁽¹⁾,
    w₂₁⁽¹⁾, w₂₂⁽¹⁾, w₁₁⁽²⁾, w₂₁⁽²⁾]."""
    def sigma(z):
        return 1 / (1 + math.exp(-z))

    def grad(w):
        w11, w12, w21, w22, v11, v21 = w                        # v = the output layer's w⁽²⁾
        total = [0.0] * 6
        for (X1, X2), y in points:
            h1, h2 = sigma(w11 * X1 + w21 * X2), sigma(w12 * X1 + w22 * X2)   # h_j = σ(Z_j)
            yhat = sigma(v11 * h1 + v21 * h2)                                  # ŷ = σ(Z_out)
            out = yhat * (1 - yhat) * (yhat - y)                               # ∂ŷ/∂Z_out · ∂E/∂ŷ
            parts = [X1 * h1 * (1 - h1) * v11 * out, X1 * h2 * (1 - h2) * v21 * out,   # ∂E/∂w₁ⱼ⁽¹⁾
                     X2 * h1 * (1 - h1) * v11 * out, X2 * h2 * (1 - h2) * v21 * out,   # ∂E/∂w₂ⱼ⁽¹⁾
                     h1 * out, h2 * out]                                               # ∂E/∂wᵢ₁⁽²⁾
            total = [a + b for a, b in each(total, parts)]
        return total
    return grad


# ======================================================================== the library's side
def _model_a(opt):
    model = Sequential([Input(1), Dense(1, use_bias=False)], dtype="float64", seed=0)
    model.set_weights([np.array([[examples.EXAMPLE_A_B1]])])
    model.compile(optimizer=opt, loss="squared_error")
    return model


def _model_b(opt):
    model = Sequential([Input(2), Dense(2, "sigmoid", use_bias=False), Dense(1, "sigmoid", use_bias=False)],
                       dtype="float64", seed=0)
    w11, w12, w21, w22, v11, v21 = examples.EXAMPLE_B_WEIGHTS
    model.set_weights([np.array([[w11, w12], [w21, w22]]), np.array([[v11], [v21]])])
    model.compile(optimizer=opt, loss="squared_error")
    return model


def _flat(model):
    return [float(x) for p in model.get_weights() for x in p.ravel()]


def _assert_same(library, hand, before, where):
    for i, (a, b, w) in enumerate(each(library, hand, before)):
        scale = max(abs(a), abs(b), abs(w))
        assert abs(a - b) <= ULPS * scale, f"{where}, weight {i}: library {a!r}, hand {b!r}"


def _replay(name, make_model, w0, gradient, batches):
    """Both sides step by step over ``batches`` (lists of point indices); returns the hand path."""
    rule, library = RULES[name]
    eta = ETA[name]
    model, step, state, w = make_model(library(eta)), rule(eta), {}, list(w0)
    X, y = make_model.data
    path = []
    for t, batch in enumerate(batches, start=1):
        model.train_on_batch(X[batch], y[batch])
        points = [(tuple(X[i]) if X.shape[1] > 1 else X[i, 0], y[i]) for i in batch]
        before, w = w, step(w, gradient(points), state, t)
        _assert_same(_flat(model), w, before, f"{name}, step {t}")
        path.append(w)
    return path


_model_a.data = examples.example_a_data()
_model_b.data = (examples.EXAMPLE_B_X, examples.EXAMPLE_B_Y)
ALL_A, ALL_B = [0, 1, 2, 3], [0, 1]


@pytest.mark.parametrize("kind", ["batch", "stochastic"])
@pytest.mark.parametrize("name", sorted(RULES))
def test_example_a_every_optimizer_by_hand(name, kind):
    """§4: b₁ = 10 on the four points; batch GD (all four per update) or stochastic GD (one point
    per update, in the slide's order)."""
    batches = [ALL_A] * STEPS if kind == "batch" else [[i % 4] for i in range(2 * STEPS)]
    _replay(name, _model_a, [examples.EXAMPLE_A_B1], example_a_gradient, batches)


@pytest.mark.parametrize("kind", ["batch", "stochastic"])
@pytest.mark.parametrize("name", sorted(RULES))
def test_example_b_every_optimizer_by_hand(name, kind):
    """§6: the 2-2-1 network from the slide's weights; both points per update, or one at a time."""
    batches = [ALL_B] * STEPS if kind == "batch" else [[i % 2] for i in range(2 * STEPS)]
    _replay(name, _model_b, examples.EXAMPLE_B_WEIGHTS, example_b_gradient, batches)


def test_example_a_sgd_is_the_slides_10_7_6_5():
    """§4 as printed: η = 0.1, point (2, 5) then (1, 2)."""
    model = _model_a(optimizers.SGD(examples.EXAMPLE_A_ETA))
    X, y = examples.example_a_data()
    for i, printed in ((0, 7.0), (1, 6.5)):
        model.train_on_batch(X[[i]], y[[i]])
        assert model.get_weights()[0][0, 0] == pytest.approx(printed, abs=1e-15)


def test_nag_five_batch_steps_of_example_a_hold_the_slides_b1():
    """NAG, η = 0.01, γ = 0.9, batch GD on example A: b₁ = 10 → 7.54 → 4.2682 → …, the slides'
    w (before, the library kept the look-ahead point: 5.326, 1.32358, …)."""
    path = _replay("nag", _model_a, [examples.EXAMPLE_A_B1], example_a_gradient, [ALL_A] * STEPS)
    b1 = [w[0] for w in path]
    assert b1[:2] == [pytest.approx(7.54, abs=1e-13), pytest.approx(4.2682, abs=1e-13)]
    model = _model_a(optimizers.NAG(0.01))
    X, y = examples.example_a_data()
    for expected in b1:
        model.train_on_batch(X, y)
        assert model.get_weights()[0][0, 0] == pytest.approx(expected, rel=ULPS)
        assert optimizers.NAG.slides_weights(model.optimizer, model.params)[0][0, 0] == model.params[0][0, 0]


def test_nag_weights_are_the_slides_w_in_fit_explain_and_saved_files(tmp_path):
    """fit (batch GD, example A) leaves the slides' w in the model, in what explain prints and in
    a saved file; the Keras flavor keeps its look-ahead point w − γv."""
    import descend

    X, y = examples.example_a_data()
    hand = _replay("nag", _model_a, [examples.EXAMPLE_A_B1], example_a_gradient, [ALL_A] * 3)[-1][0]
    model = _model_a(optimizers.NAG(0.01))
    model.fit(X, y, epochs=3, batch_size=None, shuffle=False, verbose=0)
    assert model.get_weights()[0][0, 0] == pytest.approx(hand, rel=ULPS)
    model.save(tmp_path / "nag")
    assert descend.load_model(tmp_path / "nag").get_weights()[0][0, 0] == model.get_weights()[0][0, 0]
    explained = descend.explain(model, X[:1], y[:1])
    assert explained.weights[0].weight == model.get_weights()[0][0, 0]
    assert explained.forward[1] == ("Z_out", pytest.approx(hand * X[0, 0], rel=ULPS))   # Z_out = b₁X at w
    keras = _model_a(optimizers.NAG(0.01, flavor="keras"))
    keras.fit(X, y, epochs=3, batch_size=None, shuffle=False, verbose=0)
    v = keras.optimizer.state["velocity"][0][0, 0]
    assert keras.get_weights()[0][0, 0] == pytest.approx(hand - 0.9 * v, rel=1e-14)


def test_nag_diverging_update_leaves_the_slides_w():
    """A loss that blows up at the look-ahead point: the weights go back to a slides' w (the one
    before the previous update, as for every optimizer), never to a look-ahead point w − γv."""
    from descend.errors import DivergenceError

    path = _replay("nag", _model_a, [examples.EXAMPLE_A_B1], example_a_gradient, [ALL_A] * 3)
    model = _model_a(optimizers.NAG(0.01))
    X, y = examples.example_a_data()
    for _ in range(3):
        model.train_on_batch(X, y)
    with pytest.raises(DivergenceError):
        model.train_on_batch(X * 1e300, y)
    assert model.get_weights()[0][0, 0] == pytest.approx(path[1][0], rel=ULPS)
