"""Adamax, flavor="torch", against torch.optim.Adamax (torch==2.13.0, CPU, float64): 200 steps of
the shared gradient sequence, relative 1e-10 (the harness of tests/test_optimizers_vs_torch.py)."""
from __future__ import annotations

import pytest

from descend import optimizers
from oracles import assert_close, gradient_sequence, require, run_torch
from oracles import run as run_ours

torch = require("torch")


def _o(**kw):
    return lambda: optimizers.get("adamax", flavor="torch", **kw)


CASES = {
    "defaults": (lambda p: torch.optim.Adamax(p), _o()),
    "lr-betas-eps": (lambda p: torch.optim.Adamax(p, lr=0.01, betas=(0.8, 0.95), eps=1e-6),
                     _o(learning_rate=0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-6)),
    "weight_decay": (lambda p: torch.optim.Adamax(p, lr=0.01, weight_decay=0.1),
                     _o(learning_rate=0.01, weight_decay=0.1)),
    "clip_grad_norm": (lambda p: torch.optim.Adamax(p, lr=0.01), _o(learning_rate=0.01, global_clipnorm=0.5)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_torch_optim_adamax(case):
    make_torch, make_ours = CASES[case]
    grads = gradient_sequence()
    if case == "clip_grad_norm":
        def clipped(p):
            opt = make_torch(p)
            step = opt.step

            def step_after_clipping():
                torch.nn.utils.clip_grad_norm_(p, 0.5)
                return step()
            opt.step = step_after_clipping
            return opt
        expected = run_torch(clipped, grads)
    else:
        expected = run_torch(make_torch, grads)
    assert_close(run_ours(make_ours(), grads), expected)


def test_torch_defaults():
    group = torch.optim.Adamax([torch.zeros(1, requires_grad=True)]).defaults
    config = optimizers.get("adamax", flavor="torch").get_config()
    assert (config["learning_rate"], (config["beta_1"], config["beta_2"]), config["epsilon"]) == \
        (group["lr"], group["betas"], group["eps"])
    assert config["weight_decay_mode"] == "coupled"
