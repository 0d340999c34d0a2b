"""Adafactor, flavor="torch", against torch.optim.Adafactor (torch==2.13.0, CPU, float64): 200 steps
of the shared gradient sequence, relative 1e-10 (the harness of tests/test_optimizers_vs_torch.py),
and 60 steps on 3-D, 0-D and 1×m arrays."""
from __future__ import annotations

import numpy as np
import pytest

from descend import optimizers
from oracles import assert_close, gradient_sequence, initial_params, require, run_torch
from oracles import run as run_ours

torch = require("torch")


def _o(**kw):
    return lambda: optimizers.get("adafactor", flavor="torch", **kw)


CASES = {
    "defaults": (lambda p: torch.optim.Adafactor(p), _o()),
    "lr-beta2_decay-eps-d": (
        lambda p: torch.optim.Adafactor(p, lr=0.3, beta2_decay=-0.65, eps=(1e-6, 1e-4), d=1.5),
        _o(learning_rate=0.3, beta_2_decay=-0.65, epsilon_1=1e-6, epsilon_2=1e-4, clip_threshold=1.5)),
    "no-weight_decay": (lambda p: torch.optim.Adafactor(p, lr=0.05, weight_decay=0.0),
                        _o(learning_rate=0.05, weight_decay=0.0)),
    "weight_decay": (lambda p: torch.optim.Adafactor(p, lr=0.05, weight_decay=0.5),
                     _o(learning_rate=0.05, weight_decay=0.5)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_torch_optim_adafactor(case):
    make_torch, make_ours = CASES[case]
    grads = gradient_sequence()
    assert_close(run_ours(make_ours(), grads), run_torch(make_torch, grads))


def test_matches_torch_on_3d_0d_and_single_row_arrays():
    shapes = ((2, 3, 4), (), (1, 5))
    grads = [[np.asarray(g) for g in gs] for gs in gradient_sequence(60, shapes=shapes)]
    start = [np.asarray(w) for w in initial_params(shapes=shapes)]
    ours = run_ours(optimizers.get("adafactor", flavor="torch", learning_rate=0.05, weight_decay=0.1), grads,
                    [w.copy() for w in start])
    tensors = [torch.tensor(w, requires_grad=True) for w in start]
    opt = torch.optim.Adafactor(tensors, lr=0.05, weight_decay=0.1)
    for gs in grads:
        for t, g in zip(tensors, gs, strict=True):
            t.grad = torch.tensor(g)
        opt.step()
    assert_close(ours, [t.detach().numpy() for t in tensors])


def test_torch_defaults():
    group = torch.optim.Adafactor([torch.zeros(1, requires_grad=True)]).defaults
    config = optimizers.get("adafactor", flavor="torch").get_config()
    assert (config["learning_rate"], config["beta_2_decay"], (config["epsilon_1"], config["epsilon_2"]),
            config["clip_threshold"], config["weight_decay"]) == \
        (group["lr"], group["beta2_decay"], group["eps"], group["d"], group["weight_decay"])
    assert config["weight_decay_mode"] == "decoupled"
