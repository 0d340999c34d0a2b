"""Initialisation experiments (lecture §10): Glorot & Bengio (2010) and He et al. (2015) reproduced."""
from __future__ import annotations

import math

import numpy as np
import pytest

from descend import Dense, Input, Sequential
from descend.lab.init_study import STANDARD_UNIFORM, glorot_study, he_study, layer_variances


@pytest.fixture(scope="module")
def glorot():
    return glorot_study(depth=10, width=64, n_samples=512, seed=0)


@pytest.fixture(scope="module")
def he():
    return he_study(depth=30, width=64, epochs=10, seed=0)


def test_standard_uniform_is_u_of_one_over_sqrt_n(glorot):
    from descend.lab.init_study import _standard_uniform

    w = _standard_uniform()((400, 64), np.random.default_rng(0), "float64")
    assert np.abs(w).max() <= 1 / 20 and np.abs(w).max() > 0.99 / 20      # U[−1/√400, 1/√400]
    assert w.var() == pytest.approx(1 / (3 * 400), rel=0.05)
    assert glorot.labels[0] == STANDARD_UNIFORM


def test_glorot_standard_init_drifts_by_a_third_per_layer(glorot):
    old = STANDARD_UNIFORM
    # n·Var(W) = 1/3: Var(a) × 1/3 per layer going up, Var(δ) × 1/3 per layer going down
    assert 0.28 < glorot.per_layer_factor(old, "activation") < 0.38
    assert 0.28 < glorot.per_layer_factor(old, "delta") < 0.38
    assert glorot.drift(old, "activation") > 1e4 and glorot.drift(old, "delta") > 1e4
    v = glorot.activation_var[old]
    assert (np.diff(v) < 0).all()                                   # shrinks at every layer
    assert (np.diff(glorot.delta_var[old]) > 0).all()               # δ grows towards the output


def test_glorot_xavier_keeps_the_variances_roughly_constant(glorot):
    new = glorot.labels[1]
    assert glorot.per_layer_factor(new, "activation") > 0.7
    assert glorot.per_layer_factor(new, "delta") > 0.7
    assert glorot.drift(new, "activation") < 20 and glorot.drift(new, "delta") < 20
    # three orders of magnitude between the two over 10 layers
    assert glorot.drift(STANDARD_UNIFORM, "activation") / glorot.drift(new, "activation") > 1e3
    # Glorot & Bengio's side remark: the weight gradients' variance is about the same in every layer
    # with either initialisation (Var(a_{l−1}) shrinks as Var(δ_l) grows)
    assert glorot.drift(STANDARD_UNIFORM, "weight_grad") < 5 and glorot.drift(new, "weight_grad") < 5


def test_he_xavier_halves_the_signal_and_training_stalls(he):
    xavier = he.labels[0]
    assert 0.45 < he.per_layer_factor(xavier, "activation") < 0.55       # a ReLU keeps half
    assert 0.45 < he.per_layer_factor(xavier, "delta") < 0.55
    assert he.drift(xavier, "activation") > 1e7                         # ≈ 2^30 over 30 layers
    # the output is a constant: the loss stays at a constant guess's, ln 10 ≈ 2.3026
    assert he.baseline_loss == pytest.approx(math.log(10), abs=2e-3)
    assert all(abs(loss - he.baseline_loss) < 5e-3 for loss in he.losses[xavier])
    assert he.accuracy[xavier] < 0.15


def test_he_keeps_the_signal_and_trains(he):
    kaiming = he.labels[1]
    assert 0.9 < he.per_layer_factor(kaiming, "activation") < 1.1
    assert 0.9 < he.per_layer_factor(kaiming, "delta") < 1.1
    assert he.drift(kaiming, "activation") < 20
    losses = he.losses[kaiming]
    assert losses[-1] < he.baseline_loss - 1.0 and he.accuracy[kaiming] > 0.6
    assert len(losses) == 10


def test_layer_variances_match_a_forward_pass_by_hand():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(50, 3)), rng.normal(size=(50, 1))
    model = Sequential([Input(3), Dense(4, "tanh"), Dense(5, "relu"), Dense(1)], seed=0, dtype="float64")
    model.compile("sgd", "mse")
    v = layer_variances(model, X, y)
    (W1, b1, W2, b2, W3, b3) = model.get_weights()
    a1 = np.tanh(X @ W1 + b1)
    z2 = a1 @ W2 + b2
    a2 = np.maximum(z2, 0)
    out = a2 @ W3 + b3
    d3 = 2 * (out - y) / out.size                      # mse: mean over samples and outputs
    d2 = (d3 @ W3.T) * (z2 > 0)
    d1 = (d2 @ W2.T) * (1 - a1 ** 2)
    assert v["layers"] == ["dense_1", "dense_2"]
    np.testing.assert_allclose(v["activation"], [a1.var(), a2.var()], rtol=1e-12)
    np.testing.assert_allclose(v["delta"], [d1.var(), d2.var()], rtol=1e-10)
    np.testing.assert_allclose(v["weight_grad"], [(X.T @ d1).var(), (a1.T @ d2).var()], rtol=1e-10)


def test_bad_arguments_are_named(glorot):
    with pytest.raises(ValueError, match="depth"):
        glorot_study(depth=1)
    with pytest.raises(ValueError, match="width"):
        he_study(width=0)
    with pytest.raises(ValueError, match="epochs"):
        he_study(depth=2, epochs=-1)
    with pytest.raises(ValueError, match="label"):
        glorot.drift("nope")
    with pytest.raises(ValueError, match="signal"):
        glorot.per_layer_factor(STANDARD_UNIFORM, "weights")


def test_table(he):
    text = he.table()
    assert "dense_30" in text and "per layer" in text and "training loss per epoch" in text
