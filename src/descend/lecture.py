"""The slides' two worked examples, replayed on descend's own engine (lecture §4 and §6).

``descend lecture`` prints :func:`replay`; the functions below return the numbers as well, so the
tests assert them to the digits printed on the slides, and to 1e-12 in float64.

* **Example A** — linear regression ŷ = b₁X on (2, 5), (1, 2), (3, 6), (4, 6), E_i = ½(y_i − ŷ_i)²,
  η = 0.1, b₁ = 10: two SGD steps (10 → 7 → 6.5), one batch update, one epoch of mini-batches h = 2.
* **Example B** — the 2-2-1 sigmoid network without bias, weights [0.3, 0.4, 0.2, 0.1, 0.1, 0.2],
  η = 0.01, one SGD step on the first point (1, 1, y = 1), every gradient as its chain rule.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import batching
from .examples import (
    EXAMPLE_A_B1,
    EXAMPLE_A_ETA,
    EXAMPLE_A_X,
    EXAMPLE_A_Y,
    EXAMPLE_B_ETA,
    EXAMPLE_B_WEIGHTS,
    EXAMPLE_B_X,
    EXAMPLE_B_Y,
    example_a_data,
)
from .explain import Explanation, explain, number
from .layers import Dense, Input
from .model import Sequential


def _factor(x: float, spec: str = "g") -> str:
    """A number as a factor after "·": in parentheses where negative (``0.1·(−29.4)``)."""
    return f"({number(x, spec)})" if x < 0 else number(x, spec)


def _sgd(learning_rate: float) -> Any:
    from .optimizers import SGD

    return SGD(learning_rate=learning_rate, flavor="lecture")   # the replay, whatever the program's flavor


def linear_model(b1: float, eta: float) -> Sequential:
    """ŷ = b₁X as a descend model: one Dense unit, no bias, linear, cost ½Σ(y − ŷ)², plain SGD."""
    model = Sequential([Input(1), Dense(1, use_bias=False)], dtype="float64", seed=0)
    model.set_weights([np.array([[b1]])])
    model.compile(optimizer=_sgd(eta), loss="squared_error")
    return model


@dataclass
class Update:
    """One gradient-descent update of b₁: which points it used, ∂E/∂b₁, and b₁ before and after."""

    points: list[int]          # 1-based data points used
    gradient: float
    before: float
    after: float


@dataclass
class ExampleA:
    eta: float
    b1: float
    sgd: list[Update] = field(default_factory=list)
    bgd: Update | None = None
    mini_batch: list[Update] = field(default_factory=list)

    def __str__(self) -> str:
        def pts(u: Update) -> str:
            return ", ".join(f"({EXAMPLE_A_X[i - 1]:g}, {EXAMPLE_A_Y[i - 1]:g})" for i in u.points)

        lines = ["Example A — linear regression ŷ = b₁X, data (X, y): (2, 5), (1, 2), (3, 6), (4, 6)",
                 f"  cost of one point E_i = ½(y_i − ŷ_i)²,  η = {self.eta:g},  b₁ starts at {self.b1:g}",
                 "", "  SGD — one randomly drawn point per update (the slide draws point 1, then point 2):"]
        for u in self.sgd:
            i = u.points[0]
            x = EXAMPLE_A_X[i - 1]
            xb = "b₁" if x == 1 else f"{x:g}b₁"
            lines.append(f"    point {i} {pts(u)}: ∂E_{i}/∂b₁ = −{x:g}({EXAMPLE_A_Y[i - 1]:g} − {xb}) "
                         f"= {number(u.gradient)};  "
                         f"b₁ = {number(u.before)} − {self.eta:g}·{_factor(u.gradient)} = {number(u.after)}")
        bgd = self.bgd
        assert bgd is not None
        lines += ["", "  BGD — one update uses all four points: ∂E/∂b₁ = Σ_i −X_i(y_i − b₁X_i)",
                  f"    with E = Σ ½(y_i − ŷ_i)²: ∂E/∂b₁ = {number(bgd.gradient)};  "
                  f"b₁ = {number(bgd.before)} − {self.eta:g}·{_factor(bgd.gradient)} = {number(bgd.after)}",
                  "    (the slide writes the derivative of the un-halved sum, 2{…} = "
                  f"{number(2 * bgd.gradient)}, then updates with η{{…}}: that is the halved cost "
                  "used here.)",
                  f"    With η = {self.eta:g} one batch step overshoots: "
                  f"η·ΣX² = {self.eta * (EXAMPLE_A_X ** 2).sum():g} > 2, "
                  "so batch GD on this summed cost diverges — a smaller η (or a mean cost) is needed.",
                  "", "  Mini-batch GD, h = 2 — shuffle at random, then two points at a time from the front:"]
        for u in self.mini_batch:
            lines.append(f"    points {u.points} {pts(u)}: ∂(E_a + E_b)/∂b₁ = {number(u.gradient)};  "
                         f"b₁ = {number(u.before)} − {self.eta:g}·{_factor(u.gradient)} = {number(u.after)}")
        return "\n".join(lines)


def _update(model: Sequential, idx: list[int]) -> Update:
    before = float(model.get_weights()[0][0, 0])
    X, y = EXAMPLE_A_X[idx].reshape(-1, 1), EXAMPLE_A_Y[idx]
    _, (grad,) = model.compute_gradients(X, y)
    model.train_on_batch(X, y)
    return Update([int(i) + 1 for i in idx], float(grad[0, 0]), before, float(model.get_weights()[0][0, 0]))


def example_a(eta: float = EXAMPLE_A_ETA, b1: float = EXAMPLE_A_B1, seed: int = 0) -> ExampleA:
    """Replay example A: SGD on points 1 then 2, one BGD update, one epoch of mini-batches h = 2."""
    result = ExampleA(eta=eta, b1=b1)
    model = linear_model(b1, eta)
    result.sgd = [_update(model, [0]), _update(model, [1])]
    result.bgd = _update(linear_model(b1, eta), [0, 1, 2, 3])
    model = linear_model(b1, eta)
    order = batching.epoch_order(4, 2, True, np.random.default_rng(seed))
    assert order is not None
    result.mini_batch = [_update(model, list(order[k:k + 2])) for k in range(0, 4, 2)]
    return result


def network_model(weights: list[float] | None = None, eta: float = EXAMPLE_B_ETA) -> Sequential:
    """The 2-2-1 sigmoid network without bias, with the slide's weight vector, cost ½(y − ŷ)², SGD."""
    w = EXAMPLE_B_WEIGHTS if weights is None else weights
    model = Sequential([Input(2), Dense(2, "sigmoid", use_bias=False), Dense(1, "sigmoid", use_bias=False)],
                       dtype="float64", seed=0)
    # kernel rows are the inputs, columns the units: W[i, j] = w_ij
    model.set_weights([np.array([[w[0], w[1]], [w[2], w[3]]]), np.array([[w[4]], [w[5]]])])
    model.compile(optimizer=_sgd(eta), loss="squared_error")
    return model


@dataclass
class ExampleB:
    eta: float
    explanation: Explanation
    #: weights after the update, by name (w₁₁⁽¹⁾, …)
    updated: dict[str, float]

    def value(self, symbol: str) -> float:
        """A forward quantity by its symbol (``"h₁"``, ``"ŷ"``, ``"Z_out"``)."""
        return dict(self.explanation.forward)[symbol]

    def __str__(self) -> str:
        e = self.explanation
        lines = ["Example B — 2-2-1 network, sigmoid everywhere, no bias, η = "
                 f"{self.eta:g}, first point (X1, X2, y) = (1, 1, 1)",
                 "  weights [w₁₁⁽¹⁾, w₁₂⁽¹⁾, w₂₁⁽¹⁾, w₂₂⁽¹⁾, w₁₁⁽²⁾, w₂₁⁽²⁾] = "
                 f"[{', '.join(f'{w:g}' for w in EXAMPLE_B_WEIGHTS)}]", ""]
        lines += ["  " + line for line in e.to_text(digits=16).splitlines()]
        lines += ["", "  Update w_new = w − η ∂E/∂w:"]
        for w in e.weights:
            lines.append(f"    {w.name}: {number(w.weight)} − {self.eta:g}·{_factor(w.product, '.6g')} "
                         f"= {number(self.updated[w.name], '.10g')}")
        w111 = self.updated["w₁₁⁽¹⁾"]
        lines += ["", "  Note: the slide prints w₁₁⁽¹⁾ = 0.30026; the arithmetic gives "
                  f"0.3 − 0.01·(−0.00264) = {w111:.7f}… — the slide's figure is a rounding slip "
                  "(one digit shifted).",
                  "  The slide rounds intermediates to 3 digits (h = 0.622, ŷ = 0.547), which gives "
                  f"∂E/∂w₁₁⁽²⁾ = {number(slide_rounded_gradient(), '.4f')}; the exact value is "
                  f"{number(e['w₁₁⁽²⁾'].product, '.8f')}.",
                  "  The slide also writes Z_out = w₁₁⁽²⁾h₁ + w₂₁⁽²⁾h₁: the second h₁ is a typo for h₂ "
                  "(harmless here, where h₁ = h₂)."]
        return "\n".join(lines)


def slide_rounded_gradient() -> float:
    """∂E/∂w₁₁⁽²⁾ as the slide computes it, from 3-digit intermediates: 0.622·0.547(1 − 0.547)(0.547 − 1)."""
    return 0.622 * 0.547 * (1 - 0.547) * (0.547 - 1)


def example_b(eta: float = EXAMPLE_B_ETA) -> ExampleB:
    """Replay example B: the forward pass, every chain rule, and the SGD update on point 1."""
    model = network_model(eta=eta)
    explanation = explain(model, EXAMPLE_B_X[0], EXAMPLE_B_Y[0])
    model.train_on_batch(EXAMPLE_B_X[:1], EXAMPLE_B_Y[:1])
    flat = [w for arr in model.get_weights() for w in arr.ravel()]
    names = [w.name for w in explanation.weights]
    return ExampleB(eta=eta, explanation=explanation, updated=dict(zip(names, flat, strict=True)))


def classic_methods(seed: int = 0) -> str:
    """Lecture §1–§2: normal equation, Newton–Raphson and L-BFGS against the three kinds of GD.

    Example A's regression (η = 0.01, where batch GD converges) and a logistic regression on
    two overlapping classes (:func:`descend.lab.classic.logistic_data`; the slides have no
    logistic example), each to the same tolerance; then the loss curves of batch, stochastic and
    mini-batch GD on the same data (:func:`descend.lab.classic.linear_data`), summarised by how
    often the loss went *up* and by its roughness (the slides: batch is stable, SGD noisy).
    """
    from .lab import classic

    X, y = example_a_data()
    parts = ["Classic methods (lecture §1) — the same answer, different costs", "",
             "Data: worked example A — ŷ = b₁X on its four points (2, 5), (1, 2), (3, 6), (4, 6), "
             "no intercept; η₀ = 0.01, where batch GD converges.",
             classic.compare_methods(X, y, learning_rate=0.01, seed=seed).to_text(), ""]
    X, y = classic.logistic_data(seed=seed)
    parts += ["Data: not on the slides — 200 points of two overlapping classes, x ~ N(0, I₂), "
              "y = 1 with probability σ(x₁ − x₂ − 0.5), fitted with an intercept "
              f"(descend.lab.classic.logistic_data(seed={seed})).",
              classic.compare_methods(X, y, model="logistic", fit_intercept=True, seed=seed).to_text(), ""]
    X, y = classic.linear_data(seed=seed)
    curves = classic.gd_kinds_curves(X, y, seed=seed)
    parts += ["Three kinds of GD (lecture §2), same η, 20 epochs, on 200 points y = 1 + x₁ + 2x₂ + "
              f"0.5·N(0, 1), no intercept (descend.lab.classic.linear_data(seed={seed})):",
              "updates that made the full-data loss go up, and the roughness of the loss curve "
              "(its path length over its net descent: 1 = only downhill)"]
    for kind in curves.curves:
        ups, updates = curves.increases[kind], len(curves.curves[kind]) - 1
        parts.append(f"  {kind:<12} {ups:>5} of {updates:>5} updates went up   roughness "
                     f"{curves.roughness[kind]:.2f}   final loss {number(curves.curves[kind][-1], '.4g')}")
    return "\n".join(parts)


def replay(extra: list[Any] | None = None) -> str:
    """The text of ``descend lecture``: both worked examples, then the classic-methods comparison."""
    parts = [str(example_a()), str(example_b()), classic_methods()] + [str(x) for x in extra or []]
    return ("\n\n" + "=" * 100 + "\n\n").join(parts)
