"""The slides' worked examples, to the digits printed on the slides and to 1e-12 in float64."""
import re

import numpy as np
import pytest

from descend import lecture


def printed(value, digits):
    """``value`` as the slides print it: rounded to ``digits`` decimals."""
    return round(value, digits)


def truncated(value, digits):
    return np.trunc(value * 10 ** digits) / 10 ** digits


@pytest.fixture(scope="module")
def a():
    return lecture.example_a()


@pytest.fixture(scope="module")
def b():
    return lecture.example_b()


def test_example_a_sgd_steps_10_7_6_5(a):
    assert [u.points for u in a.sgd] == [[1], [2]]
    assert a.sgd[0].gradient == pytest.approx(4 * 10 - 10, abs=1e-12)   # ∂E₁/∂b₁ = 4b₁ − 10
    assert a.sgd[0].after == pytest.approx(7.0, abs=1e-12)
    assert a.sgd[1].gradient == pytest.approx(7 - 2, abs=1e-12)         # ∂E₂/∂b₁ = b₁ − 2
    assert a.sgd[1].after == pytest.approx(6.5, abs=1e-12)


def test_example_a_batch_update_uses_all_four_points(a):
    X, y = lecture.EXAMPLE_A_X, lecture.EXAMPLE_A_Y
    b1 = 10.0
    by_hand = -2 * (5 - 2 * b1) - 1 * (2 - b1) - 3 * (6 - 3 * b1) - 4 * (6 - 4 * b1)  # the slide's {…}
    assert a.bgd.points == [1, 2, 3, 4]
    assert a.bgd.gradient == pytest.approx(by_hand, abs=1e-12)
    assert a.bgd.gradient == pytest.approx(float(np.sum(-X * (y - b1 * X))), abs=1e-12)
    assert a.bgd.after == pytest.approx(b1 - 0.1 * by_hand, abs=1e-12)


def test_example_a_minibatch_two_points_per_update_covering_all(a):
    assert [len(u.points) for u in a.mini_batch] == [2, 2]
    assert sorted(p for u in a.mini_batch for p in u.points) == [1, 2, 3, 4]
    b1 = 10.0
    for u in a.mini_batch:
        idx = np.array(u.points) - 1
        X, y = lecture.EXAMPLE_A_X[idx], lecture.EXAMPLE_A_Y[idx]
        grad = float(np.sum(-X * (y - b1 * X)))
        assert u.before == pytest.approx(b1, abs=1e-12)
        assert u.gradient == pytest.approx(grad, abs=1e-12)
        b1 = b1 - 0.1 * grad
        assert u.after == pytest.approx(b1, abs=1e-12)


def test_example_b_forward_pass_to_the_printed_digits(b):
    assert b.value("Z₁") == pytest.approx(0.5, abs=1e-15)
    assert b.value("Z₂") == pytest.approx(0.5, abs=1e-15)
    assert b.value("h₁") == 0.6224593312018546  # printed in full on the slide
    assert b.value("h₂") == 0.6224593312018546
    assert printed(b.value("Z_out"), 3) == 0.187
    assert printed(b.value("ŷ"), 3) == 0.547
    assert printed(b.explanation.loss, 3) == 0.103


def test_example_b_forward_pass_exact(b):
    h = 1 / (1 + np.exp(-0.5))
    z_out = 0.1 * h + 0.2 * h
    y_hat = 1 / (1 + np.exp(-z_out))
    assert b.value("Z_out") == pytest.approx(z_out, abs=1e-12)
    assert b.value("ŷ") == pytest.approx(y_hat, abs=1e-12)
    assert b.explanation.loss == pytest.approx(0.5 * (1 - y_hat) ** 2, abs=1e-12)


def test_example_b_output_weight_gradient_and_update(b):
    h = 1 / (1 + np.exp(-0.5))
    y_hat = 1 / (1 + np.exp(-0.3 * h))
    exact = h * y_hat * (1 - y_hat) * (y_hat - 1)
    w = b.explanation["w₁₁⁽²⁾"]
    assert w.product == pytest.approx(exact, abs=1e-12)
    assert w.backprop == pytest.approx(exact, abs=1e-12)
    # the slide computes with 3-digit intermediates and prints −0.0698
    assert printed(lecture.slide_rounded_gradient(), 4) == -0.0698
    assert printed(exact, 4) == -0.0700
    assert b.updated["w₁₁⁽²⁾"] == pytest.approx(0.1 - 0.01 * exact, abs=1e-12)
    assert truncated(b.updated["w₁₁⁽²⁾"], 5) == 0.10069          # the slide's 0.10069
    assert f"{b.updated['w₁₁⁽²⁾']:.7f}" == "0.1006995"


def test_example_b_hidden_weight_gradient_and_the_slides_slip(b):
    h = 1 / (1 + np.exp(-0.5))
    y_hat = 1 / (1 + np.exp(-0.3 * h))
    exact = 1 * h * (1 - h) * 0.1 * y_hat * (1 - y_hat) * (y_hat - 1)
    w = b.explanation["w₁₁⁽¹⁾"]
    assert [f.symbol for f in w.factors] == ["∂Z₁/∂w₁₁⁽¹⁾", "∂h₁/∂Z₁", "∂Z_out/∂h₁", "∂ŷ/∂Z_out", "∂E/∂ŷ"]
    assert w.product == pytest.approx(exact, abs=1e-12)
    assert printed(w.product, 5) == -0.00264
    new = b.updated["w₁₁⁽¹⁾"]
    assert new == pytest.approx(0.3 - 0.01 * exact, abs=1e-12)
    assert f"{new:.7f}" == "0.3000264"
    assert round(new, 5) != 0.30026                                # the slide's figure is a slip
    assert "0.30026" in str(b) and "slip" in str(b)


def test_replay_text_names_quantities_as_the_slides():
    text = lecture.replay()
    for piece in ["b₁ = 10 − 0.1·30 = 7", "b₁ = 7 − 0.1·5 = 6.5", "h₁ = 0.6224593312", "∂E/∂w₁₁⁽²⁾",
                  "X1 · h₁(1 − h₁) · w₁₁⁽²⁾ · ŷ(1 − ŷ) · (ŷ − y)", "Mini-batch", "BGD"]:
        assert piece in text, piece


def test_classic_methods_section_same_answer_and_stability_claim():
    text = lecture.classic_methods()
    for method in ["normal equation", "Newton–Raphson", "batch GD", "stochastic GD", "mini-batch GD"]:
        assert method in text
    assert "[1.8]" in text                     # example A's closed form, b₁ = Σxy/Σx² = 54/30
    ups = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+(\w+)\s+(\d+) of", text, re.M)}
    assert ups["batch"] == 0                   # batch GD's loss never went up
    assert ups["stochastic"] > 100             # SGD's did, many times


def test_example_b_prints_h1_to_the_slides_16_digits(b):
    assert "h₁ = 0.6224593312018546" in str(b)


def test_example_b_names_the_slides_typo_in_z_out(b):
    assert "Z_out = w₁₁⁽²⁾h₁ + w₂₁⁽²⁾h₁" in str(b) and "typo for h₂" in str(b)


def test_one_minus_sign_in_the_replay():
    """Numbers and formulas use the same minus sign − (U+2212): −0.2 − 0.1·(−29.4), never
    -0.2 − 0.1·-29.4."""
    text = lecture.replay()
    assert not re.findall(r"(?<![\w-])-[\d.]|·-|e-\d", text)      # no ASCII minus before a number
    assert "−0.453451" in text and "−0.2" in text
    a = str(lecture.example_a())
    assert "b₁ = −0.2 − 0.1·(−29.4) = 2.74" in a


def test_classic_methods_name_their_data_and_one_word_for_roughness():
    text = lecture.classic_methods()
    assert "Data: worked example A" in text
    assert "descend.lab.classic.logistic_data(seed=0)" in text and "not on the slides" in text
    assert "descend.lab.classic.linear_data(seed=0)" in text
    assert "roughness" in text and "path/descent" not in text
