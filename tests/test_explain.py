import re

import numpy as np
import pytest

import descend
from descend import Dense, Input, Sequential


def _random_net(seed, sizes, acts, loss, use_bias=True):
    layers = [Dense(n, a, use_bias=use_bias) for n, a in zip(sizes[1:], acts, strict=True)]
    model = Sequential([Input(sizes[0]), *layers],
                       dtype="float64", seed=seed)
    model.compile(optimizer="sgd", loss=loss)
    return model


CASES = [
    ([2, 2, 1], ["sigmoid", "sigmoid"], "squared_error"),
    ([3, 4, 1], ["tanh", "linear"], "mse"),
    ([2, 3, 1, 1], ["relu", "elu", "sigmoid"], "binary_crossentropy"),
    ([3, 3, 2, 2], ["leaky_relu", "tanh", "linear"], "sum_squared_error"),
    ([2, 4, 3], ["sigmoid", "softmax"], "categorical_crossentropy"),
    ([2, 3, 3], ["tanh", "softmax"], "sparse_categorical_crossentropy"),
]


@pytest.mark.parametrize("sizes,acts,loss", CASES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_product_of_factors_equals_backprop_gradient(sizes, acts, loss, seed):
    model = _random_net(seed, sizes, acts, loss)
    rng = np.random.default_rng(seed + 10)
    x = rng.normal(size=sizes[0])
    k = sizes[-1]
    if loss == "sparse_categorical_crossentropy":
        y = rng.integers(0, k)
    elif loss == "categorical_crossentropy":
        y = np.eye(k)[rng.integers(0, k)]
    elif loss == "binary_crossentropy":
        y = float(rng.integers(0, 2))
    else:
        y = rng.normal(size=k)
    expl = descend.explain(model, x, y)
    _, grads = model.compute_gradients(x.reshape(1, -1), np.reshape(y, (1,) if np.ndim(y) == 0 and
                                                                   loss.startswith("sparse") else (1, -1)))
    flat = np.concatenate([g.ravel() for g in grads])
    # explanation order: each layer's kernel row-major, then its bias — the order of get_weights
    products = np.array([w.product for w in expl.weights])
    np.testing.assert_allclose(products, flat, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose([w.backprop for w in expl.weights], flat, rtol=0, atol=0)
    assert len(expl.weights) == model.count_params()


def test_single_path_is_written_out_to_the_loss_and_branching_uses_shared_delta():
    model = _random_net(0, [2, 3, 2], ["tanh", "linear"], "squared_error")
    expl = descend.explain(model, [0.5, -1.0], [0.2, 0.3])
    first = expl["w₁₁⁽¹⁾"]
    assert first.factors[-1].symbol == "∂E/∂h₁"        # two units above: the shared Σ_k w δ
    assert "δ" in first.factors[-1].formula
    out = expl["w₁₁⁽²⁾"]
    assert [f.symbol for f in out.factors] == ["∂Z_out₁/∂w₁₁⁽²⁾", "∂ŷ₁/∂Z_out₁", "∂E/∂ŷ₁"]


def test_text_shows_symbols_formulas_and_values():
    model = _random_net(3, [2, 2, 1], ["sigmoid", "sigmoid"], "squared_error", use_bias=False)
    text = str(descend.explain(model, [1.0, 1.0], 1.0))
    assert "∂E/∂w₁₁⁽¹⁾ = ∂Z₁/∂w₁₁⁽¹⁾ · ∂h₁/∂Z₁ · ∂Z_out/∂h₁ · ∂ŷ/∂Z_out · ∂E/∂ŷ" in text
    assert "= X1 · h₁(1 − h₁) · w₁₁⁽²⁾ · ŷ(1 − ŷ) · (ŷ − y)" in text
    assert "Forward pass" in text and "E = " in text


def test_bias_factor_and_errors():
    model = _random_net(4, [2, 1], ["sigmoid"], "squared_error")
    expl = descend.explain(model, [1.0, 2.0], 0.0)
    bias = expl["b₁⁽¹⁾"]
    assert bias.factors[0].value == 1.0
    with pytest.raises(ValueError, match="x: expected one observation"):
        descend.explain(model, np.zeros((2, 2)), [0.0, 1.0])
    with pytest.raises(KeyError):
        expl["w₉₉⁽¹⁾"]
    model2 = Sequential([Input(2), Dense(2), descend.Activation("tanh"), Dense(1)])
    model2.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="only of Dense"):
        descend.explain(model2, [1.0, 2.0], 0.0)


def _two_outputs(loss, activation):
    """2-2-2 network whose second hidden ReLU is dead at x = (1, 1) (Z₂ = −0.5)."""
    model = Sequential([Input(2), Dense(2, "relu", use_bias=False), Dense(2, activation, use_bias=False)],
                       dtype="float64", seed=0)
    model.set_weights([np.array([[0.3, -0.4], [0.2, -0.1]]), np.array([[0.1, 0.5], [0.2, 0.3]])])
    model.compile(optimizer="sgd", loss=loss)
    return model


@pytest.mark.parametrize("loss, activation", [("mse", "linear"), ("binary_crossentropy", "sigmoid")])
def test_a_mean_over_the_outputs_says_what_k_is(loss, activation):
    text = str(descend.explain(_two_outputs(loss, activation), [1.0, 1.0], [1.0, 0.0]))
    assert "/K" in text
    assert "where K = 2, the number of outputs (the loss is their mean)" in text


def test_a_sum_loss_has_no_k_to_explain():
    text = str(descend.explain(_two_outputs("squared_error", "linear"), [1.0, 1.0], [1.0, 0.0]))
    assert "/K" not in text and "where K" not in text


def test_a_dead_relu_prints_zero_not_minus_zero():
    expl = descend.explain(_two_outputs("mse", "linear"), [1.0, 1.0], [1.0, 0.0])
    dead = expl["w₁₂⁽¹⁾"]
    assert dead.factors[1].value == 0 and dead.product == 0          # 1[h₂ > 0] = 0
    text = str(expl)
    assert not re.search(r"= [−-]0(?![.\d])", text)                 # no "= −0" anywhere
    assert str(dead).splitlines()[-1].endswith("= 0")


def test_numbers_use_the_formulas_minus_sign():
    from descend.explain import number

    assert number(-0.5) == "−0.5" and number(-0.0) == "0" and number(-1.5e-7, ".2e") == "−1.50e−07"


def test_a_softmax_output_says_what_n_is():
    text = str(descend.explain(_two_outputs("categorical_crossentropy", "softmax"), [1.0, 1.0], [1.0, 0.0]))
    assert "(ŷ − y)/N" in text and "where N = 1, the number of observations" in text


def test_explain_names_a_model_that_is_not_one():
    with pytest.raises(TypeError, match="model: expected a compiled descend Sequential, got int 5"):
        descend.explain(5, [1, 1], 1)


@pytest.mark.parametrize("loss, activation, y, formula, notes", [
    (descend.losses.CategoricalCrossentropy(label_smoothing=0.1), "softmax", [0.0, 1.0, 0.0], "(ŷ − ỹ)/N",
     ["where ỹ = y(1 − ε) + ε/K (K = 3), ε = 0.1: the targets label_smoothing makes of y"]),
    (descend.losses.CategoricalCrossentropy(reduction="sum"), "softmax", [0.0, 1.0, 0.0], "(ŷ − y)", []),
    (descend.losses.SparseCategoricalCrossentropy(ignore_class=2), "softmax", 1, "1[y ≠ 2]·(ŷ − y)/N_counted",
     ["where N_counted = 1, the observations whose label is not ignore_class 2 (the loss is their mean)"]),
    (descend.losses.SparseCategoricalCrossentropy(ignore_class=1), "softmax", 1, "1[y ≠ 1]·(ŷ − y)/N_counted",
     ["where N_counted = 0, the observations whose label is not ignore_class 1 (the loss is their mean)"]),
    (descend.losses.BinaryCrossentropy(label_smoothing=0.2), "sigmoid", [1.0, 0.0, 1.0],
     "(ŷ − ỹ)/(ŷ(1 − ŷ))/K", ["where ỹ = y(1 − ε) + ε/2, ε = 0.2: the targets label_smoothing makes of y"]),
    (descend.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2), "linear", [1.0, 0.0, 1.0],
     "(σ(z) − ỹ)/K", ["where ỹ = y(1 − ε) + ε/2, ε = 0.2: the targets label_smoothing makes of y"]),
    (descend.losses.SquaredError(reduction="mean"), "linear", [0.5, -1.0, 2.0], "(ŷ − y)/N", []),
    (descend.losses.MeanSquaredError(reduction="mean_with_sample_weight"), "linear", [0.5, -1.0, 2.0],
     "2(ŷ − y)/K/Σw", []),
])
def test_the_loss_formula_says_what_its_options_compute(loss, activation, y, formula, notes):
    """Label smoothing, a reduction other than the loss's own and ignore_class change ∂E/∂ŷ, and
    the printed formula says so; the numbers are the engine's backward pass either way."""
    model = _random_net(5, [2, 3, 3], ["tanh", activation], loss)
    expl = descend.explain(model, [0.4, -0.7], y)
    np.testing.assert_allclose([w.product for w in expl.weights], [w.backprop for w in expl.weights],
                               rtol=1e-10, atol=1e-14)
    last = expl["w₁₁⁽²⁾"].factors[-1]
    assert last.formula == formula
    text = str(expl)
    assert [line.strip() for line in text.splitlines() if "ỹ =" in line or "N_counted =" in line] == notes
    if "/Σw" in formula:
        assert "where Σw = 1, the sum of the observations' weights" in text
    if "N_counted" in formula:
        assert "where N = 1" not in text
