"""Dropout against torch.nn.Dropout (torch==2.13.0): the same semantics (inverted dropout: kept
with probability 1 − p and scaled by 1/(1 − p) in training, the identity in evaluation), and a
network trained with it: the same updates as the network written in torch with the masks
descend drew (so that the backward pass is checked to use the forward pass's mask)."""
from __future__ import annotations

import numpy as np
import pytest

from descend import Dense, Dropout, Input, Sequential, losses, optimizers
from oracles import require

torch = require("torch")


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_has_torchs_semantics(p):
    x = np.random.default_rng(0).normal(size=(2000, 50)).astype(np.float32)
    layer = Dropout(p, seed=1)
    layer.build(50, np.random.default_rng(0), np.dtype(np.float32))
    ours = layer.forward(x, training=True)
    module = torch.nn.Dropout(p)
    torch.manual_seed(0)
    theirs = module(torch.tensor(x)).numpy()
    for y in (ours, theirs):
        kept = y != 0
        assert abs(kept.mean() - (1 - p)) < 4 * np.sqrt(p * (1 - p) / x.size)     # 4σ
        assert abs(float(y.mean()) - float(x.mean())) < 0.02                       # E[y] = x
    both = (ours != 0) & (theirs != 0)
    assert both.sum() > 1000
    np.testing.assert_array_equal(ours[both], theirs[both])                        # x/(1 − p), bit for bit
    module.eval()
    np.testing.assert_array_equal(module(torch.tensor(x)).numpy(), x)
    np.testing.assert_array_equal(layer.forward(x), x)


@pytest.mark.parametrize("fast", [True, False])
def test_training_with_dropout_takes_torchs_steps_with_the_same_masks(fast, monkeypatch):
    from descend import _fast
    if not fast:
        monkeypatch.setattr(_fast, "enabled", lambda: False)
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(40, 5)), rng.integers(0, 3, size=40)
    model = Sequential([Input(5), Dense(16, "tanh"), Dropout(0.4, seed=2), Dense(3)], dtype="float64", seed=0)
    model.compile(optimizers.SGD(0.1), losses.SparseCategoricalCrossentropy(from_logits=True))
    params = [torch.tensor(w, requires_grad=True) for w in model.get_weights()]
    sgd = torch.optim.SGD(params, lr=0.1)
    for _ in range(6):
        loss = model.train_on_batch(X, y)
        mask = torch.tensor(model.layers[1].mask)
        W1, b1, W2, b2 = params
        sgd.zero_grad()
        expected = torch.nn.functional.cross_entropy((torch.tanh(torch.tensor(X) @ W1 + b1) * mask) @ W2 + b2,
                                                     torch.tensor(y))
        expected.backward()
        sgd.step()
        assert loss == pytest.approx(expected.item(), rel=1e-12)
        assert set(np.unique(model.layers[1].mask)) == {0.0, 1 / 0.6}
    for ours, theirs in zip(model.get_weights(), params, strict=True):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-14)
