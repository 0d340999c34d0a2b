"""Weighted training against PyTorch (torch==2.13.0, CPU, float64), relative 1e-12.

The loss torch minimises is written out as Keras 3 defines a weighted loss: Σ_n w_n E_n / N for
a mean loss (N the batch size, not Σ w_n), and the slides' summed loss counts each observation's
term w_n times. Same network, same initial weights, same batches (no shuffling), plain SGD.
"""
from __future__ import annotations

import numpy as np
import pytest

from descend import Dense, Input, Sequential, _fast
from descend.optimizers import SGD
from oracles import require

torch = require("torch")
F = torch.nn.functional


def _run(loss, output, X, y, w, monkeypatch, kernels, epochs=3, batch=4, lr=0.1):
    if kernels == "numpy":
        monkeypatch.setattr(_fast, "enabled", lambda: False)
    ours = Sequential([Input(X.shape[1]), Dense(5, "tanh"), Dense(output[0], output[1])],
                      dtype="float64", seed=0)
    ours.compile(SGD(learning_rate=lr), loss)
    params = [torch.tensor(p, requires_grad=True) for p in ours.get_weights()]
    history = ours.fit(X, y, epochs=epochs, batch_size=batch, shuffle=False, sample_weight=w, verbose=0)
    theirs_losses = []
    for _ in range(epochs):
        total = 0.0
        for start in range(0, len(X), batch):
            xb, yb, wb = (torch.tensor(a[start:start + batch]) for a in (X, y, w))
            z = torch.tanh(xb @ params[0] + params[1]) @ params[2] + params[3]
            if loss == "sparse_categorical_crossentropy":
                value = (F.cross_entropy(z, yb, reduction="none") * wb).sum() / len(xb)
                total += value.item() * len(xb) / len(X)
            else:
                value = 0.5 * (wb[:, None] * (torch.sigmoid(z) - yb.reshape(-1, 1)) ** 2).sum()
                total += value.item()
            for p in params:
                p.grad = None
            value.backward()
            with torch.no_grad():
                for p in params:
                    p -= lr * p.grad
        theirs_losses.append(total)
    for a, b in zip(ours.get_weights(), params, strict=True):
        np.testing.assert_allclose(a, b.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(history.history["loss"], theirs_losses, rtol=1e-12)


@pytest.mark.parametrize("kernels", ["fast", "numpy"])
def test_weighted_sparse_cross_entropy_matches_torch(monkeypatch, kernels):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(14, 3)), rng.integers(0, 3, 14)
    w = rng.uniform(0, 3, 14)
    w[[2, 7]] = 0.0
    _run("sparse_categorical_crossentropy", (3, "softmax"), X, y, w, monkeypatch, kernels)


@pytest.mark.parametrize("kernels", ["fast", "numpy"])
def test_weighted_summed_squared_error_matches_torch(monkeypatch, kernels):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 3))
    y = (X[:, 0] > 0).astype(np.float64)
    w = np.array([1.0, 2.0, 0.5, 0.0, 3.0, 1.0, 1.0, 2.5, 0.25, 4.0])
    _run("squared_error", (1, "sigmoid"), X, y, w, monkeypatch, kernels)
