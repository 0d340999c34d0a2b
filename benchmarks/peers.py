"""The peers: idiomatic PyTorch CPU and scikit-learn versions of each workload.

PyTorch loops are written as a PyTorch user would (``nn.Sequential``, ``CrossEntropyLoss``,
``torch.optim``), without a DataLoader: the epoch's permutation is drawn once and each batch is an
index slice of it. Threads are set by the caller (``torch.set_num_threads``) to the count
descend's BLAS uses.
"""
from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np

from .harness import Runner, timed
from .workloads import W1_BATCH, W1_WIDTHS, W2_KERNELS, W2_LEARNING_RATE, W4_BATCH, W4_HIDDEN, W4_TARGET


# ---------------------------------------------------------------------------------------- torch
def torch_mlp(widths: tuple[int, ...], seed: int = 0) -> Any:
    import torch
    from torch import nn

    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(widths)):
        layers.append(nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)          # logits; CrossEntropyLoss applies the softmax


def torch_optimizer(kind: str, params: Any) -> Any:
    import torch

    if kind == "adam":
        return torch.optim.Adam(params, lr=1e-3)
    if kind == "momentum":
        return torch.optim.SGD(params, lr=0.01, momentum=0.9)
    raise ValueError(f"optimizer kind: expected 'adam' or 'momentum', got {kind!r}")


def torch_epoch(net: Any, opt: Any, X: Any, y: Any, batch_size: int, generator: Any) -> float:
    """One shuffled epoch of mini-batch training; returns the mean loss."""
    import torch

    loss_fn = torch.nn.CrossEntropyLoss()
    perm = torch.randperm(len(X), generator=generator)
    total = torch.zeros(())
    for start in range(0, len(X), batch_size):
        idx = perm[start:start + batch_size]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(X[idx]), y[idx])
        loss.backward()
        opt.step()
        total += loss.detach() * len(idx)
    return float(total) / len(X)


def w1_torch(X: np.ndarray, y: np.ndarray, optimizer: str) -> Runner:
    import torch

    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    net = torch_mlp(W1_WIDTHS)
    opt = torch_optimizer(optimizer, net.parameters())
    gen = torch.Generator().manual_seed(0)
    torch_epoch(net, opt, Xt[:20 * W1_BATCH], yt[:20 * W1_BATCH], W1_BATCH, gen)
    return lambda: timed(lambda: torch_epoch(net, opt, Xt, yt, W1_BATCH, gen))


def w2_torch(X: np.ndarray, y: np.ndarray) -> Runner:
    """Autograd + torch.optim.SGD, one sample per update, E = ½Σ(y − ŷ)²."""
    import torch
    from torch import nn

    net = nn.Sequential(nn.Linear(2, 2, bias=False), nn.Sigmoid(), nn.Linear(2, 1, bias=False), nn.Sigmoid())
    with torch.no_grad():
        for layer, kernel in zip((net[0], net[2]), W2_KERNELS, strict=True):
            layer.weight.copy_(torch.from_numpy(kernel.T.astype(np.float32)))
    opt = torch.optim.SGD(net.parameters(), lr=W2_LEARNING_RATE)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y).reshape(-1, 1)
    gen = torch.Generator().manual_seed(0)

    def epoch(Xe: Any, ye: Any) -> None:
        perm = torch.randperm(len(Xe), generator=gen)
        Xs, ys = Xe[perm], ye[perm]
        for i in range(len(Xs)):
            opt.zero_grad(set_to_none=True)
            loss = 0.5 * ((net(Xs[i:i + 1]) - ys[i:i + 1]) ** 2).sum()
            loss.backward()
            opt.step()

    epoch(Xt[:200], yt[:200])
    return lambda: timed(lambda: epoch(Xt, yt))


def w3_torch(sizes: list[int], mode: str) -> Runner:
    """One ``torch.optim.Adam(..., foreach=True)`` or ``fused=True`` step over float32 tensors."""
    import torch

    from .workloads import w3_arrays

    grads, params = w3_arrays(sizes)
    tparams = []
    for g, p in zip(grads, params, strict=True):
        t = torch.from_numpy(p).requires_grad_()
        t.grad = torch.from_numpy(g)
        tparams.append(t)
    opt = torch.optim.Adam(tparams, lr=1e-3, **{mode: True})
    opt.step()
    return lambda: timed(opt.step)


# -------------------------------------------------------------------------------- scikit-learn
def sklearn_mlp(hidden: tuple[int, ...], optimizer: str, batch_size: int, seed: int, **kw: Any) -> Any:
    from sklearn.neural_network import MLPClassifier

    solver = {"adam": {"solver": "adam", "learning_rate_init": 1e-3},
              "momentum": {"solver": "sgd", "learning_rate_init": 0.01, "momentum": 0.9,
                           "nesterovs_momentum": False}}[optimizer]
    return MLPClassifier(hidden_layer_sizes=hidden, batch_size=batch_size, random_state=seed,
                         shuffle=True, **solver, **kw)


def w1_sklearn(X: np.ndarray, y: np.ndarray, optimizer: str) -> Runner:
    """One repetition = a fresh ``MLPClassifier(..., max_iter=1).fit(X, y)`` (one epoch)."""
    from sklearn.exceptions import ConvergenceWarning

    seed = iter(range(1 << 30))

    def run(Xr: np.ndarray, yr: np.ndarray) -> float:
        clf = sklearn_mlp(W1_WIDTHS[1:-1], optimizer, W1_BATCH, next(seed), max_iter=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return timed(lambda: clf.fit(Xr, yr))

    run(X[:20 * W1_BATCH], y[:20 * W1_BATCH])
    return lambda: run(X, y)


def w4_sklearn(data: tuple[np.ndarray, ...], max_epochs: int, seed_base: int = 0
               ) -> tuple[Runner, list[int | None]]:
    """As :func:`benchmarks.workloads.w4_descend`, with ``partial_fit`` as the epoch (alpha=0:
    no L2 penalty, the same objective as descend's)."""
    Xtr, Xte, ytr, yte = data
    classes = np.unique(ytr)
    epochs_needed: list[int | None] = []
    rep = iter(range(1 << 30))

    def run() -> float:
        clf = sklearn_mlp(W4_HIDDEN, "adam", W4_BATCH, seed_base + next(rep), alpha=0.0)

        def train() -> None:
            for epoch in range(1, max_epochs + 1):
                clf.partial_fit(Xtr, ytr, classes=classes)
                if np.mean(clf.predict(Xte) == yte) >= W4_TARGET:
                    epochs_needed.append(epoch)
                    return
            epochs_needed.append(None)

        return timed(train)

    return run, epochs_needed
