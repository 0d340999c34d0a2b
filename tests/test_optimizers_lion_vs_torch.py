"""Lion, flavor="torch": torch 2.13 has no torch.optim.Lion, so the oracle is the authors'
PyTorch form (lucidrains/lion-pytorch, ``update_fn``), written below as a torch.optim.Optimizer;
200 steps of the shared gradient sequence in float64, relative 1e-10."""
from __future__ import annotations

import pytest

from descend import optimizers
from oracles import assert_close, gradient_sequence, require, run_torch
from oracles import run as run_ours

torch = require("torch")


def test_torch_still_has_no_lion():
    # (when it gains one, this file should compare with it instead)
    assert not hasattr(torch.optim, "Lion")


class TorchLion(torch.optim.Optimizer):
    """lion-pytorch's Lion: decoupled decay p ← p(1 − ηλ), then p ← p − η sign(β₁m + (1 − β₁)g),
    then m ← β₂m + (1 − β₂)g."""

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
        super().__init__(params, {"lr": lr, "betas": betas, "weight_decay": weight_decay})

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            lr, wd, (beta1, beta2) = group["lr"], group["weight_decay"], group["betas"]
            for p in group["params"]:
                state = self.state[p]
                if not state:
                    state["exp_avg"] = torch.zeros_like(p)
                exp_avg = state["exp_avg"]
                p.data.mul_(1.0 - lr * wd)
                update = exp_avg.clone().mul_(beta1).add(p.grad, alpha=1.0 - beta1).sign_()
                p.add_(update, alpha=-lr)
                exp_avg.mul_(beta2).add_(p.grad, alpha=1.0 - beta2)


CASES = {
    "defaults": ({}, {}),
    "lr-betas": ({"lr": 0.01, "betas": (0.5, 0.67)}, {"learning_rate": 0.01, "beta_1": 0.5, "beta_2": 0.67}),
    "weight_decay": ({"lr": 3e-3, "weight_decay": 0.5}, {"learning_rate": 3e-3, "weight_decay": 0.5}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_the_authors_torch_lion(case):
    theirs, ours = CASES[case]
    grads = gradient_sequence()
    expected = run_torch(lambda p: TorchLion(p, **theirs), grads)
    assert_close(run_ours(optimizers.get("lion", flavor="torch", **ours), grads), expected)


def test_torch_flavor_defaults_are_lion_pytorchs():
    config = optimizers.get("lion", flavor="torch").get_config()
    assert (config["learning_rate"], config["beta_1"], config["beta_2"], config["weight_decay"]) == \
        (1e-4, 0.9, 0.99, 0.0)
    assert config["weight_decay_mode"] == "decoupled"
