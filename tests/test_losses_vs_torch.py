"""The cross-entropies with ``from_logits=True`` against PyTorch (torch==2.13.0, float64):
``F.cross_entropy`` (one-hot targets as class probabilities, and integer labels) and
``F.binary_cross_entropy_with_logits`` — the values and, through autograd, ∂E/∂z; then a whole
model with a linear output layer: its loss and every weight's gradient against the same network
written in torch."""
from __future__ import annotations

import numpy as np
import pytest

from descend import Dense, Input, Sequential, gradient_check, load_model, losses
from oracles import require

torch = require("torch")
F = torch.nn.functional


def _case(name, rng, n=16, k=4):
    z = rng.normal(size=(n, k)) * 6                      # |z| up to ~20: saturated probabilities
    if name == "binary_crossentropy":
        y = rng.integers(0, 2, size=(n, k)).astype(float)
        y[0] = 0.3                                       # soft targets too
    elif name == "categorical_crossentropy":
        y = np.eye(k)[rng.integers(0, k, size=n)]
        y[0] = [0.1, 0.2, 0.3, 0.4]
    else:
        y = rng.integers(0, k, size=n)
    return z, y


def _torch_loss(name, z, y):
    if name == "binary_crossentropy":
        return F.binary_cross_entropy_with_logits(z, torch.tensor(y))
    if name == "categorical_crossentropy":
        return F.cross_entropy(z, torch.tensor(y))
    return F.cross_entropy(z, torch.tensor(y))


@pytest.mark.parametrize("name", ["binary_crossentropy", "categorical_crossentropy",
                                  "sparse_categorical_crossentropy"])
def test_from_logits_value_and_gradient_match_torch(name):
    rng = np.random.default_rng(0)
    z, y = _case(name, rng)
    zt = torch.tensor(z, requires_grad=True)
    expected = _torch_loss(name, zt, y)
    expected.backward()
    loss = losses.REGISTRY[name](from_logits=True)
    assert loss(z, y) == pytest.approx(expected.item(), rel=1e-13)
    np.testing.assert_allclose(loss.gradient(z, y), zt.grad.numpy(), rtol=1e-12, atol=1e-17)


@pytest.mark.parametrize("name", ["binary_crossentropy", "categorical_crossentropy",
                                  "sparse_categorical_crossentropy"])
def test_per_sample_from_logits_matches_torch_without_reduction(name):
    """E_n of ``per_sample`` is torch's reduction="none" (binary: its mean over the K outputs)."""
    rng = np.random.default_rng(1)
    z, y = _case(name, rng)
    zt = torch.tensor(z)
    if name == "binary_crossentropy":
        expected = F.binary_cross_entropy_with_logits(zt, torch.tensor(y), reduction="none").mean(dim=1)
    else:
        expected = F.cross_entropy(zt, torch.tensor(y), reduction="none")
    per_sample = losses.REGISTRY[name](from_logits=True).per_sample(z, y)
    np.testing.assert_allclose(per_sample, expected.numpy(), rtol=1e-13)


MODELS = {
    "binary_crossentropy": ("binary_crossentropy", 1),
    "categorical_crossentropy": ("categorical_crossentropy", 3),
    "sparse_categorical_crossentropy": ("sparse_categorical_crossentropy", 3),
}


def _model(name, units):
    model = Sequential([Input(5), Dense(8, "tanh"), Dense(units)], dtype="float64", seed=3)
    model.compile("sgd", losses.REGISTRY[name](from_logits=True))
    return model


def _data(name, units, rng, n=12):
    X = rng.normal(size=(n, 5))
    if name == "binary_crossentropy":
        return X, rng.integers(0, 2, size=(n, 1)).astype(float)
    labels = rng.integers(0, units, size=n)
    return X, (np.eye(units)[labels] if name == "categorical_crossentropy" else labels)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_linear_output_model_has_torchs_loss_and_gradients(name):
    _, units = MODELS[name]
    rng = np.random.default_rng(1)
    model = _model(name, units)
    X, y = _data(name, units, rng)
    loss, grads = model.compute_gradients(X, y)
    W1, b1, W2, b2 = (torch.tensor(w, requires_grad=True) for w in model.get_weights())
    z = torch.tanh(torch.tensor(X) @ W1 + b1) @ W2 + b2
    expected = _torch_loss(name, z, y)
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    for ours, theirs in zip(grads, (W1, b1, W2, b2), strict=True):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-15)
    assert gradient_check(model, X, y) < 1e-6


@pytest.mark.parametrize("name", sorted(MODELS))
def test_training_from_logits_follows_torch_sgd_and_survives_save_and_load(name, tmp_path):
    _, units = MODELS[name]
    rng = np.random.default_rng(2)
    model = _model(name, units)
    X, y = _data(name, units, rng, n=32)
    params = [torch.tensor(w, requires_grad=True) for w in model.get_weights()]
    sgd = torch.optim.SGD(params, lr=0.01)
    for _ in range(5):                                   # batch GD: one update per epoch
        sgd.zero_grad()
        W1, b1, W2, b2 = params
        _torch_loss(name, torch.tanh(torch.tensor(X) @ W1 + b1) @ W2 + b2, y).backward()
        sgd.step()
    history = model.fit(X, y, epochs=5, batch_size=None, verbose=0)
    for ours, theirs in zip(model.get_weights(), params, strict=True):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-14)
    assert history.history["loss"][-1] < history.history["loss"][0]
    model.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    assert again.loss.from_logits and again.fused_output() is None
    assert again.compute_gradients(X, y)[0] == model.compute_gradients(X, y)[0]
