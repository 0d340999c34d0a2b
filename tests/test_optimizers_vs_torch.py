"""flavor="torch" against torch.optim (torch==2.13.0, CPU, float64): ≥ 200 steps, relative 1e-10.

Both sides get the same hand-made gradient sequence (scales 1e-5 … 10, so that where ε sits
matters) on two parameter tensors; each case is one test so that a failure names the option.
"""
from __future__ import annotations

import numpy as np
import pytest

from descend import clipping, optimizers, schedules
from oracles import STEPS, assert_close, gradient_sequence, require, run_torch
from oracles import run as run_ours

torch = require("torch")


@pytest.fixture(autouse=True)
def _float64():
    # NAdam's μ-product is created in the default dtype (docs/conventions.md §2.8).
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def _o(name, **kw):
    return lambda: optimizers.get(name, flavor="torch", **kw)


T = torch.optim
CASES = {
    # name: (torch optimizer factory, descend optimizer factory)
    "sgd-defaults": (lambda p: T.SGD(p), _o("sgd")),
    "sgd-lr": (lambda p: T.SGD(p, lr=0.05), _o("sgd", learning_rate=0.05)),
    "sgd-momentum": (lambda p: T.SGD(p, lr=0.01, momentum=0.9), _o("sgd", learning_rate=0.01, momentum=0.9)),
    "sgd-dampening": (lambda p: T.SGD(p, lr=0.01, momentum=0.9, dampening=0.3),
                      _o("sgd", learning_rate=0.01, momentum=0.9, dampening=0.3)),
    "sgd-nesterov": (lambda p: T.SGD(p, lr=0.01, momentum=0.9, nesterov=True),
                     _o("sgd", learning_rate=0.01, momentum=0.9, nesterov=True)),
    "sgd-weight_decay": (lambda p: T.SGD(p, lr=0.01, weight_decay=0.1),
                         _o("sgd", learning_rate=0.01, weight_decay=0.1)),
    "sgd-momentum-dampening-weight_decay": (
        lambda p: T.SGD(p, lr=0.01, momentum=0.9, dampening=0.3, weight_decay=0.1),
        _o("sgd", learning_rate=0.01, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    "sgd-nesterov-weight_decay": (
        lambda p: T.SGD(p, lr=0.01, momentum=0.9, nesterov=True, weight_decay=0.1),
        _o("sgd", learning_rate=0.01, momentum=0.9, nesterov=True, weight_decay=0.1)),
    "momentum-class": (lambda p: T.SGD(p, lr=0.01, momentum=0.9), _o("momentum", learning_rate=0.01)),
    "nag-class": (lambda p: T.SGD(p, lr=0.01, momentum=0.9, nesterov=True), _o("nag", learning_rate=0.01)),
    "adagrad-defaults": (lambda p: T.Adagrad(p), _o("adagrad")),
    "adagrad-lr_decay": (lambda p: T.Adagrad(p, lr_decay=0.01), _o("adagrad", lr_decay=0.01)),
    "adagrad-initial_accumulator_value": (lambda p: T.Adagrad(p, initial_accumulator_value=0.1),
                                          _o("adagrad", initial_accumulator_value=0.1)),
    "adagrad-weight_decay": (lambda p: T.Adagrad(p, weight_decay=0.1), _o("adagrad", weight_decay=0.1)),
    "adagrad-eps": (lambda p: T.Adagrad(p, eps=1e-3), _o("adagrad", epsilon=1e-3)),
    "rmsprop-defaults": (lambda p: T.RMSprop(p), _o("rmsprop")),
    "rmsprop-alpha-eps": (lambda p: T.RMSprop(p, alpha=0.9, eps=1e-4), _o("rmsprop", rho=0.9, epsilon=1e-4)),
    "rmsprop-centered": (lambda p: T.RMSprop(p, centered=True), _o("rmsprop", centered=True)),
    "rmsprop-momentum": (lambda p: T.RMSprop(p, momentum=0.5), _o("rmsprop", momentum=0.5)),
    "rmsprop-weight_decay": (lambda p: T.RMSprop(p, weight_decay=0.1), _o("rmsprop", weight_decay=0.1)),
    "rmsprop-centered-momentum-weight_decay": (
        lambda p: T.RMSprop(p, centered=True, momentum=0.5, weight_decay=0.1),
        _o("rmsprop", centered=True, momentum=0.5, weight_decay=0.1)),
    "adadelta-defaults": (lambda p: T.Adadelta(p), _o("adadelta")),
    "adadelta-weight_decay": (lambda p: T.Adadelta(p, weight_decay=0.1), _o("adadelta", weight_decay=0.1)),
    "adadelta-lr-rho": (lambda p: T.Adadelta(p, lr=0.5, rho=0.95), _o("adadelta", learning_rate=0.5,
                                                                      rho=0.95)),
    "adam-defaults": (lambda p: T.Adam(p), _o("adam")),
    "adam-betas-eps": (lambda p: T.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-4),
                       _o("adam", learning_rate=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-4)),
    "adam-amsgrad": (lambda p: T.Adam(p, amsgrad=True), _o("adam", amsgrad=True)),
    "adam-weight_decay-coupled": (lambda p: T.Adam(p, weight_decay=0.1), _o("adam", weight_decay=0.1)),
    "adam-weight_decay-decoupled": (lambda p: T.Adam(p, weight_decay=0.1, decoupled_weight_decay=True),
                                    _o("adam", weight_decay=0.1, decoupled_weight_decay=True)),
    "adam-amsgrad-decoupled": (
        lambda p: T.Adam(p, amsgrad=True, weight_decay=0.1, decoupled_weight_decay=True),
        _o("adam", amsgrad=True, weight_decay=0.1, decoupled_weight_decay=True)),
    "adamw-defaults": (lambda p: T.AdamW(p), _o("adamw")),
    "adamw-weight_decay-amsgrad": (lambda p: T.AdamW(p, weight_decay=0.1, amsgrad=True),
                                   _o("adamw", weight_decay=0.1, amsgrad=True)),
    "nadam-defaults": (lambda p: T.NAdam(p), _o("nadam")),
    "nadam-weight_decay-coupled": (lambda p: T.NAdam(p, weight_decay=0.1), _o("nadam", weight_decay=0.1)),
    "nadam-weight_decay-decoupled": (lambda p: T.NAdam(p, weight_decay=0.1, decoupled_weight_decay=True),
                                     _o("nadam", weight_decay=0.1, decoupled_weight_decay=True)),
    "nadam-momentum_decay-0": (lambda p: T.NAdam(p, momentum_decay=0.0), _o("nadam", momentum_decay=0.0)),
    "nadam-momentum_decay-0.1": (lambda p: T.NAdam(p, momentum_decay=0.1), _o("nadam", momentum_decay=0.1)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_torch_optim(case):
    make_torch, make_ours = CASES[case]
    grads = gradient_sequence()
    assert_close(run_ours(make_ours(), grads), run_torch(make_torch, grads))


# ------------------------------------------------------------------------------------- clipping
@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_global_clipnorm_matches_clip_grad_norm(norm_type):
    grads = gradient_sequence()
    max_norm = 0.5  # fires on most steps (scales reach 10)
    before = lambda ts: torch.nn.utils.clip_grad_norm_(ts, max_norm, norm_type=norm_type)  # noqa: E731
    theirs = run_torch(lambda p: T.SGD(p, lr=0.01, momentum=0.9), grads, before_step=before)
    ours = run_ours(optimizers.SGD(0.01, 0.9, flavor="torch", global_clipnorm=max_norm,
                                   clip_norm_type=norm_type), grads)
    assert_close(ours, theirs)


def test_clipvalue_matches_clip_grad_value():
    grads = gradient_sequence()
    before = lambda ts: torch.nn.utils.clip_grad_value_(ts, 0.3)  # noqa: E731
    theirs = run_torch(lambda p: T.Adam(p), grads, before_step=before)
    assert_close(run_ours(optimizers.Adam(flavor="torch", clipvalue=0.3), grads), theirs)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
@pytest.mark.parametrize("factor", [0.25, 1.0, 2.0])
def test_clip_by_global_norm_function_matches_torch(norm_type, factor):
    grads = gradient_sequence(steps=1)[0]
    total = clipping.global_norm(grads, norm_type)
    tensors = [torch.tensor(g) for g in grads]
    for t in tensors:
        t.grad = t.clone()
    returned = torch.nn.utils.clip_grad_norm_(tensors, factor * total, norm_type=norm_type)
    clipped, ours_total = clipping.clip_by_global_norm(grads, factor * total, epsilon=1e-6,
                                                       norm_type=norm_type)
    assert ours_total == pytest.approx(float(returned), rel=1e-14)
    for a, t in zip(clipped, tensors, strict=True):
        np.testing.assert_allclose(a, t.grad.numpy(), rtol=1e-14, atol=0)


def test_clip_by_value_function_is_bitwise_clip_grad_value():
    grads = gradient_sequence(steps=1, seed=3)[0]
    tensors = [torch.tensor(g) for g in grads]
    for t in tensors:
        t.grad = t.clone()
    torch.nn.utils.clip_grad_value_(tensors, 0.1)
    for a, t in zip(clipping.clip_by_value(grads, 0.1), tensors, strict=True):
        assert np.array_equal(a, t.grad.numpy())


# ------------------------------------------------------------------------------------ schedules
SCHEDULE_CASES = {
    "StepLR-sgd-momentum": (lambda o: T.lr_scheduler.StepLR(o, step_size=7, gamma=0.7),
                            lambda: schedules.StepDecay(0.05, 7, 0.7), "sgd", {"momentum": 0.9}),
    "ExponentialLR-sgd-momentum": (
        lambda o: T.lr_scheduler.ExponentialLR(o, gamma=0.99),
        lambda: schedules.ExponentialDecay(0.05, 1, 0.99), "sgd", {"momentum": 0.9}),
    "StepLR-adam": (lambda o: T.lr_scheduler.StepLR(o, step_size=20, gamma=0.5),
                    lambda: schedules.StepDecay(0.05, 20, 0.5), "adam", {}),
    "ExponentialLR-rmsprop-momentum": (lambda o: T.lr_scheduler.ExponentialLR(o, gamma=0.98),
                                       lambda: schedules.ExponentialDecay(0.05, 1, 0.98), "rmsprop",
                                       {"momentum": 0.5}),
    "StepLR-adamw": (lambda o: T.lr_scheduler.StepLR(o, step_size=10, gamma=0.8),
                     lambda: schedules.ExponentialDecay(0.05, 10, 0.8, staircase=True), "adamw", {}),
}
TORCH_CLASSES = {"sgd": T.SGD, "adam": T.Adam, "rmsprop": T.RMSprop, "adamw": T.AdamW}


@pytest.mark.parametrize("case", sorted(SCHEDULE_CASES))
def test_schedule_matches_torch_scheduler_stepped_every_update(case):
    make_scheduler, make_schedule, name, kw = SCHEDULE_CASES[case]
    grads = gradient_sequence()
    theirs = run_torch(lambda p: TORCH_CLASSES[name](p, lr=0.05, **kw), grads, make_scheduler=make_scheduler)
    ours = run_ours(optimizers.get(name, flavor="torch", learning_rate=make_schedule(), **kw), grads)
    assert_close(ours, theirs)


@pytest.mark.parametrize("case", ["StepLR", "ExponentialLR"])
def test_schedule_values_match_torch_lr(case):
    p = [torch.zeros(1, requires_grad=True)]
    opt = T.SGD(p, lr=0.1)
    if case == "StepLR":
        sched, ours = T.lr_scheduler.StepLR(opt, step_size=7, gamma=0.3), schedules.StepDecay(0.1, 7, 0.3)
    else:
        sched, ours = T.lr_scheduler.ExponentialLR(opt, gamma=0.97), schedules.ExponentialDecay(0.1, 1, 0.97)
    for k in range(101):
        assert ours(k) == pytest.approx(opt.param_groups[0]["lr"], rel=1e-14), k
        opt.step()
        sched.step()


def test_nag_parameters_are_the_lecture_lookahead_points_in_torch_too():
    """torch's Nesterov SGD keeps p = w − γv of the slides' NAG (docs/conventions.md §2.2)."""
    lr, gamma = 0.05, 0.9
    A = np.diag([1.0, 10.0])
    w, v = np.array([1.5, -2.0]), np.zeros(2)
    p = torch.tensor(w.copy(), requires_grad=True)
    opt = T.SGD([p], lr=lr, momentum=gamma, nesterov=True)
    for _ in range(STEPS):
        v = gamma * v + lr * A @ (w - gamma * v)     # slides: gradient at the look-ahead point
        w = w - v
        p.grad = torch.tensor(A @ p.detach().numpy())
        opt.step()
        np.testing.assert_allclose(p.detach().numpy(), w - gamma * v, rtol=0, atol=1e-12)
