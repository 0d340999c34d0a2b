"""descend.lab.classic: normal equation, Newton–Raphson and the three kinds of GD agree."""
from __future__ import annotations

import numpy as np
import pytest

from descend.errors import DivergenceError
from descend.examples import example_a_data as example_a
from descend.lab.classic import (
    compare_methods,
    gd_kinds_curves,
    gradient,
    gradient_descent,
    hessian,
    lbfgs,
    linear_data,
    logistic_data,
    loss,
    newton_raphson,
    normal_equation,
)

# Example A (lecture §4): Σxy = 2·5 + 1·2 + 3·6 + 4·6 = 54, Σx² = 4 + 1 + 9 + 16 = 30
B1 = 54 / 30


def test_example_a_closed_form():
    X, y = example_a()
    np.testing.assert_allclose(normal_equation(X, y), [B1], rtol=1e-15)
    assert loss(np.array([B1]), X, y) == pytest.approx(0.5 * (np.sum(y**2) - 54**2 / 30))


def test_example_a_newton_takes_one_step_from_anywhere():
    X, y = example_a()
    for w0 in (0.0, 10.0, -3.0):
        nr = newton_raphson(X, y, w0=[w0])
        assert nr.converged and nr.iterations == 1
        np.testing.assert_allclose(nr.weights, [B1], rtol=1e-14)


def test_example_a_slide_sgd_steps():
    # the slide: η = 0.1, b₁ = 10; point 1 → 7, then point 2 → 6.5 (E_i = ½(y_i − ŷ_i)²)
    X, y = example_a()
    b = np.array([10.0])
    b = b - 0.1 * gradient(b, X[:1], y[:1])
    assert b[0] == pytest.approx(7.0)
    b = b - 0.1 * gradient(b, X[1:2], y[1:2])
    assert b[0] == pytest.approx(6.5)


def test_example_a_all_methods_agree():
    X, y = example_a()
    cmp = compare_methods(X, y, learning_rate=0.01, tol=1e-4, batch_size=2)
    assert [r.method for r in cmp.rows] == ["normal equation", "Newton–Raphson", "L-BFGS", "batch GD",
                                            "stochastic GD", "mini-batch GD"]
    for row in cmp.rows:
        assert row.converged, row.method
        np.testing.assert_allclose(row.weights, [B1], atol=1.8e-4)
    # batch GD: b ← b − η·30·(b − 1.8) contracts the error by 0.7 per update: 1.8·0.7ᵏ ≤ 1.8e-4
    assert cmp["batch GD"].iterations == int(np.ceil(np.log(1e-4) / np.log(0.7))) == 26
    assert cmp["stochastic GD"].iterations > cmp["batch GD"].iterations
    assert cmp["Newton–Raphson"].iterations == 1
    text = cmp.to_text()
    assert text.splitlines()[0].startswith("linear regression") and "[1.8]" in text
    assert len(text.splitlines()) == 3 + 6


def test_batch_gd_diverges_with_the_slide_learning_rate():
    # η = 0.1 is fine for one point (SGD) but not for the sum: 1 − 0.1·Σx² = −2
    X, y = example_a()
    run = gradient_descent(X, y, kind="stochastic", learning_rate=0.1, epochs=50)
    assert abs(run.weights[0] - B1) < 0.5
    with pytest.raises(DivergenceError, match="learning_rate"):
        gradient_descent(X, y, kind="batch", learning_rate=0.1, epochs=5000, w0=[10.0])


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_linear_regression_comparison(fit_intercept):
    X, y = linear_data(200, seed=1)
    cmp = compare_methods(X, y, fit_intercept=fit_intercept, batch_size=10, tol=1e-4)
    expected, *_ = np.linalg.lstsq(np.hstack([np.ones((200, 1)), X]) if fit_intercept else X, y,
                                   rcond=None)
    np.testing.assert_allclose(cmp.reference, expected, rtol=1e-10)
    radius = 1e-4 * max(1.0, np.linalg.norm(expected))
    for row in cmp.rows:
        assert row.converged and row.error <= radius, row.method
    it = {r.method: r.iterations for r in cmp.rows}
    assert it["Newton–Raphson"] == 1
    # same tolerance, very different numbers of updates: one pass per update costs batch GD
    # memory and time, but it needs the fewest updates; stochastic GD the most
    assert it["batch GD"] < it["mini-batch GD"] < it["stochastic GD"]


def test_logistic_regression_newton_is_irls_and_gd_agrees():
    X, y = logistic_data(200, seed=2)
    nr = newton_raphson(X, y, model="logistic", fit_intercept=True)
    assert nr.converged and nr.iterations <= 8
    assert np.all(np.diff(nr.losses) < 0)
    # at the optimum the gradient Xᵀ(p − y) is zero and the Hessian XᵀSX is positive definite
    Xd = np.hstack([np.ones((200, 1)), X])
    np.testing.assert_allclose(gradient(nr.weights, Xd, y, "logistic"), 0.0, atol=1e-8)
    assert np.linalg.eigvalsh(hessian(nr.weights, Xd, y, "logistic"))[0] > 0
    cmp = compare_methods(X, y, model="logistic", fit_intercept=True, batch_size=10, tol=1e-4)
    assert "normal equation" not in [r.method for r in cmp.rows]
    for row in cmp.rows:
        assert row.converged, row.method
        np.testing.assert_allclose(row.weights, nr.weights, atol=2e-4 * np.linalg.norm(nr.weights))
    it = {r.method: r.iterations for r in cmp.rows}
    assert it["Newton–Raphson"] < it["batch GD"] < it["mini-batch GD"] < it["stochastic GD"]


@pytest.mark.parametrize("model", ["linear", "logistic"])
def test_loss_curves_show_the_stability_claim(model):
    data = linear_data(200, seed=3) if model == "linear" else logistic_data(200, seed=3)
    k = gd_kinds_curves(*data, model=model, batch_size=10, epochs=20, seed=0)
    assert {kind: len(c) for kind, c in k.curves.items()} == {
        "batch": 21, "stochastic": 20 * 200 + 1, "mini-batch": 20 * 20 + 1}
    assert k.epochs["stochastic"][-1] == pytest.approx(20.0)
    # batch GD: the loss never goes up; its path length equals its net descent
    assert k.increases["batch"] == 0
    assert k.roughness["batch"] == pytest.approx(1.0, abs=1e-9)
    # stochastic GD: a large share of the updates make the full-data loss go up
    assert k.increases["stochastic"] / 4000 > 0.3
    assert k.increases["mini-batch"] > 0
    assert k.roughness["stochastic"] > k.roughness["mini-batch"] > k.roughness["batch"]
    assert k.roughness["stochastic"] > 1.15
    # and yet all three end near the same minimum
    finals = [c[-1] for c in k.curves.values()]
    assert max(finals) - min(finals) < 0.01 * min(finals)


def test_bad_input_names_the_argument():
    X, y = example_a()
    with pytest.raises(ValueError, match="y: expected shape"):
        normal_equation(X, y[:3])
    with pytest.raises(ValueError, match="singular"):
        normal_equation(np.ones((4, 2)), y)
    with pytest.raises(ValueError, match="kind"):
        gradient_descent(X, y, kind="online")
    with pytest.raises(ValueError, match="batch_size"):
        gradient_descent(X, y, kind="mini-batch", batch_size=4)
    with pytest.raises(ValueError, match="learning_rate"):
        gradient_descent(X, y, learning_rate=-1.0)
    with pytest.raises(ValueError, match="labels 0 or 1"):
        newton_raphson(X, y, model="logistic")
    with pytest.raises(ValueError, match="model"):
        compare_methods(X, y, model="poisson")
    with pytest.raises(ValueError, match="finite"):
        normal_equation(X, np.array([1.0, np.nan, 2.0, 3.0]))


def test_lbfgs_reaches_newtons_answer_without_a_hessian():
    """L-BFGS (quasi-Newton) stops on Newton's criterion at Newton's weights, in more steps than
    Newton (superlinear, not quadratic) but far fewer than batch GD, using only gradients."""
    X, y = logistic_data(200, seed=3)
    nr = newton_raphson(X, y, model="logistic", fit_intercept=True)
    lb = lbfgs(X, y, model="logistic", fit_intercept=True)
    assert lb.converged and lb.iterations > nr.iterations
    np.testing.assert_allclose(lb.weights, nr.weights, rtol=1e-7)
    assert lb.evaluations >= lb.iterations and len(lb.losses) == lb.iterations + 1
    assert all(b <= a for a, b in zip(lb.losses, lb.losses[1:], strict=False))   # a line search never climbs
    gd = compare_methods(X, y, model="logistic", fit_intercept=True, tol=1e-4)
    assert gd["L-BFGS"].iterations < gd["batch GD"].iterations
    assert gd["L-BFGS"].error < 1e-6


def test_lbfgs_on_the_linear_cost_matches_the_normal_equation():
    X, y = linear_data(100, features=3, seed=2)
    lb = lbfgs(X, y, memory=3)
    np.testing.assert_allclose(lb.weights, normal_equation(X, y), rtol=1e-8)
    with pytest.raises(ValueError, match="memory"):
        lbfgs(X, y, memory=0)


@pytest.mark.parametrize("method", [newton_raphson, lbfgs])
@pytest.mark.parametrize("tol, error", [(-1.0, ValueError), (float("nan"), ValueError), ("1e-8", TypeError)])
def test_the_stopping_tolerance_is_checked(method, tol, error):
    """A negative or NaN tol never stops (it ran to max_iter and said 'not converged'); a string
    failed deep inside with numpy's message."""
    X, y = logistic_data(50, seed=1)
    with pytest.raises(error, match="^tol: "):
        method(X, y, model="logistic", tol=tol)
