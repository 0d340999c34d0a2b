"""flavor="keras" against Keras 3's formulas, written out here (docs/conventions.md §2–§5).

Each reference is Keras's ``update_step`` transcribed to NumPy float64 (``keras/src/optimizers``),
driven by Keras's ``apply`` order (§4): clip → weight decay ``w ← w − ηλw`` on the pre-update w →
``update_step`` → ``iterations += 1``, with ``η = schedule(iterations)`` (0-based).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from descend import optimizers, schedules
from oracles import assert_close, gradient_sequence, initial_params
from oracles import run as run_ours


# ------------------------------------------------------------------ Keras update_step, per variable
def keras_sgd(momentum=0.0, nesterov=False):
    def step(w, g, s, lr, it):
        if not momentum:
            return w - lr * g
        m = s.setdefault("m", np.zeros_like(w))
        m[...] = momentum * m - lr * g
        return w + momentum * m - lr * g if nesterov else w + m
    return step


def keras_adagrad(initial_accumulator_value=0.1, epsilon=1e-7):
    def step(w, g, s, lr, it):
        acc = s.setdefault("acc", np.full_like(w, initial_accumulator_value))
        acc += g * g
        return w - lr * g / np.sqrt(acc + epsilon)
    return step


def keras_rmsprop(rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    def step(w, g, s, lr, it):
        v = s.setdefault("v", np.zeros_like(w))
        v[...] = rho * v + (1 - rho) * g * g
        if centered:
            a = s.setdefault("a", np.zeros_like(w))
            a[...] = rho * a + (1 - rho) * g
            den = v - a * a + epsilon
        else:
            den = v + epsilon
        inc = lr * g / np.sqrt(den)
        if momentum > 0:
            m = s.setdefault("m", np.zeros_like(w))
            m[...] = momentum * m + inc
            return w - m
        return w - inc
    return step


def keras_adadelta(rho=0.95, epsilon=1e-7):
    def rms(x):
        return np.sqrt(x + epsilon)

    def step(w, g, s, lr, it):
        ag = s.setdefault("ag", np.zeros_like(w))
        ad = s.setdefault("ad", np.zeros_like(w))
        ag[...] = rho * ag + (1 - rho) * g * g
        delta = -rms(ad) * g / rms(ag)
        ad[...] = rho * ad + (1 - rho) * delta * delta
        return w + lr * delta
    return step


def keras_adam(beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    def step(w, g, s, lr, it):
        t = it + 1
        m = s.setdefault("m", np.zeros_like(w))
        v = s.setdefault("v", np.zeros_like(w))
        alpha = lr * math.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        m += (g - m) * (1 - beta_1)
        v += (g * g - v) * (1 - beta_2)
        if amsgrad:
            vh = s.setdefault("vh", np.zeros_like(w))
            vh[...] = np.maximum(vh, v)
            v = vh
        return w - m * alpha / (np.sqrt(v) + epsilon)
    return step


def keras_nadam(beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    # _u_product is optimizer-level: multiplied by u_t once per step, before the variables.
    def begin(shared, it):
        shared["u_product"] = shared.get("u_product", 1.0) * beta_1 * (1.0 - 0.5 * 0.96 ** (it + 1))

    def step(w, g, s, lr, it, shared):
        t, nxt = it + 1, it + 2
        u_t = beta_1 * (1.0 - 0.5 * 0.96 ** t)
        u_t_1 = beta_1 * (1.0 - 0.5 * 0.96 ** nxt)
        u_product_t = shared["u_product"]
        u_product_t_1 = u_product_t * u_t_1
        m = s.setdefault("m", np.zeros_like(w))
        v = s.setdefault("v", np.zeros_like(w))
        m += (g - m) * (1 - beta_1)
        v += (g * g - v) * (1 - beta_2)
        m_hat = u_t_1 * m / (1 - u_product_t_1) + (1 - u_t) * g / (1 - u_product_t)
        v_hat = v / (1 - beta_2 ** t)
        return w - m_hat * lr / (np.sqrt(v_hat) + epsilon)
    step.begin = begin
    return step


def keras_adamax(beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    def step(w, g, s, lr, it):  # keras/src/optimizers/adamax.py, update_step
        m, u = s.setdefault("m", np.zeros_like(w)), s.setdefault("u", np.zeros_like(w))
        beta_1_power = beta_1 ** (it + 1)
        m += (g - m) * (1 - beta_1)
        u[...] = np.maximum(beta_2 * u, np.abs(g))
        return w - (lr * m) / ((1 - beta_1_power) * (u + epsilon))
    return step


def keras_lion(beta_1=0.9, beta_2=0.99):
    def step(w, g, s, lr, it):  # keras/src/optimizers/lion.py, update_step
        m = s.setdefault("m", np.zeros_like(w))
        w = w - lr * np.sign(m * beta_1 + g * (1.0 - beta_1))
        m[...] = m * beta_2 + g * (1.0 - beta_2)
        return w
    return step


# ------------------------------------------------------------------ Keras base_optimizer.apply
def keras_clip(grads, clipnorm=None, clipvalue=None, global_clipnorm=None):
    if clipvalue is not None:
        return [np.clip(g, -clipvalue, clipvalue) for g in grads]
    if clipnorm is not None:  # _clip_by_norm, per variable
        return [g * clipnorm / max(np.sqrt(np.sum(g * g)), clipnorm) for g in grads]
    if global_clipnorm is not None:  # clip_by_global_norm, no ε
        norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
        return [g * global_clipnorm * min(1.0 / norm, 1.0 / global_clipnorm) for g in grads]
    return grads


def run_keras(update_step, grads_seq, learning_rate=0.01, weight_decay=None, **clip):
    params = initial_params()
    slots = [{} for _ in params]
    shared: dict = {}
    for it, grads in enumerate(grads_seq):
        lr = learning_rate(it) if callable(learning_rate) else learning_rate
        grads = keras_clip(grads, **clip)
        if weight_decay:  # _apply_weight_decay, before update_step
            params = [w - w * weight_decay * lr for w in params]
        if hasattr(update_step, "begin"):
            update_step.begin(shared, it)
            params = [update_step(w, g, s, lr, it, shared) for w, g, s in zip(params, grads, slots,
                                                                              strict=True)]
        else:
            params = [update_step(w, g, s, lr, it) for w, g, s in zip(params, grads, slots, strict=True)]
    return params


def K(name, **kw):
    return lambda: optimizers.get(name, flavor="keras", **kw)


ExpDecay = schedules.ExponentialDecay(0.05, 10, 0.8)
CASES = {
    # name: (Keras reference update_step, run_keras keywords, descend optimizer)
    "sgd-defaults": (keras_sgd(), {}, K("sgd")),
    "sgd-momentum": (keras_sgd(0.9), {}, K("sgd", momentum=0.9)),
    "sgd-nesterov": (keras_sgd(0.9, True), {}, K("sgd", momentum=0.9, nesterov=True)),
    "sgd-momentum-schedule": (keras_sgd(0.9), {"learning_rate": ExpDecay},
                              K("sgd", momentum=0.9, learning_rate=ExpDecay)),
    "sgd-weight_decay": (keras_sgd(0.9), {"weight_decay": 0.1}, K("sgd", momentum=0.9, weight_decay=0.1)),
    "adagrad-defaults": (keras_adagrad(), {"learning_rate": 1e-3}, K("adagrad")),
    "adagrad-accumulator-0": (keras_adagrad(0.0), {"learning_rate": 1e-3}, K("adagrad",
                                                                             initial_accumulator_value=0.0)),
    "rmsprop-defaults": (keras_rmsprop(), {"learning_rate": 1e-3}, K("rmsprop")),
    "rmsprop-centered": (keras_rmsprop(centered=True), {"learning_rate": 1e-3}, K("rmsprop", centered=True)),
    "rmsprop-momentum": (keras_rmsprop(momentum=0.5), {"learning_rate": 1e-3}, K("rmsprop", momentum=0.5)),
    "rmsprop-momentum-schedule": (keras_rmsprop(momentum=0.5), {"learning_rate": ExpDecay},
                                  K("rmsprop", momentum=0.5, learning_rate=ExpDecay)),
    "adadelta-defaults": (keras_adadelta(), {"learning_rate": 1e-3}, K("adadelta")),
    "adadelta-lr-1": (keras_adadelta(), {"learning_rate": 1.0}, K("adadelta", learning_rate=1.0)),
    "adam-defaults": (keras_adam(), {"learning_rate": 1e-3}, K("adam")),
    "adam-amsgrad": (keras_adam(amsgrad=True), {"learning_rate": 1e-3}, K("adam", amsgrad=True)),
    "adam-weight_decay": (keras_adam(), {"learning_rate": 1e-3, "weight_decay": 0.1}, K("adam",
                                                                                        weight_decay=0.1)),
    "adamw-defaults": (keras_adam(), {"learning_rate": 1e-3, "weight_decay": 0.004}, K("adamw")),
    "nadam-defaults": (keras_nadam(), {"learning_rate": 1e-3}, K("nadam")),
    "nadam-weight_decay": (keras_nadam(), {"learning_rate": 1e-3, "weight_decay": 0.1}, K("nadam",
                                                                                          weight_decay=0.1)),
    "adamax-defaults": (keras_adamax(), {"learning_rate": 1e-3}, K("adamax")),
    "adamax-betas-weight_decay": (keras_adamax(0.8, 0.95, 1e-6), {"learning_rate": 0.01, "weight_decay": 0.1},
                                  K("adamax", learning_rate=0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-6,
                                    weight_decay=0.1)),
    "lion-defaults": (keras_lion(), {"learning_rate": 1e-3}, K("lion")),
    "lion-betas-weight_decay-schedule": (
        keras_lion(0.5, 0.67), {"learning_rate": ExpDecay, "weight_decay": 0.1},
        K("lion", learning_rate=ExpDecay, beta_1=0.5, beta_2=0.67, weight_decay=0.1)),
    "clipnorm-per-variable": (keras_sgd(0.9), {"clipnorm": 0.5}, K("sgd", momentum=0.9, clipnorm=0.5)),
    "global_clipnorm": (keras_adam(), {"learning_rate": 1e-3, "global_clipnorm": 0.5}, K("adam",
                                                                                         global_clipnorm=0.5)),
    "clipvalue": (keras_rmsprop(), {"learning_rate": 1e-3, "clipvalue": 0.3}, K("rmsprop", clipvalue=0.3)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_keras_formula(case):
    update_step, kw, make = CASES[case]
    grads = gradient_sequence()
    assert_close(run_ours(make(), grads), run_keras(update_step, grads, **kw))


def test_clipnorm_is_per_variable_not_global():
    grads = [np.full(4, 3.0), np.full(4, 0.01)]            # norms 6 and 0.02
    ours = optimizers.SGD(1.0, flavor="keras", clipnorm=1.0)
    params = [np.zeros(4), np.zeros(4)]
    ours.apply(grads, params)
    np.testing.assert_allclose(params[0], -grads[0] / 6.0, rtol=1e-15)
    np.testing.assert_array_equal(params[1], -grads[1])    # below the threshold: untouched


def test_weight_decay_is_taken_at_the_pre_update_weights():
    # Keras: w ← w − ηλw, then update_step with the gradient at the pre-decay w. For Adam at
    # t = 1 the step is η·sign(g)/(1 + ε̂/|g|) whatever w is, so w₁ = w₀(1 − ηλ) − step.
    w0, g = np.array([2.0]), np.array([0.5])
    opt = optimizers.Adam(0.1, flavor="keras", weight_decay=0.5)
    params = [w0.copy()]
    opt.apply([g], params)
    alpha = 0.1 * math.sqrt(1 - 0.999) / (1 - 0.9)
    step = alpha * 0.1 * g / (np.sqrt(0.001 * g * g) + 1e-7)
    np.testing.assert_allclose(params[0], w0 - 0.1 * 0.5 * w0 - step, rtol=1e-15)


KERAS_DEFAULTS = {  # docs/conventions.md §1, Keras 3 column
    "sgd": {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
    "adagrad": {"learning_rate": 1e-3, "initial_accumulator_value": 0.1, "epsilon": 1e-7,
                "epsilon_placement": "inside"},
    "rmsprop": {"learning_rate": 1e-3, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False,
                "epsilon_placement": "inside"},
    "adadelta": {"learning_rate": 1e-3, "rho": 0.95, "epsilon": 1e-7},
    "adam": {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False,
             "epsilon_placement": "hat"},
    "adamw": {"learning_rate": 1e-3, "weight_decay": 0.004, "epsilon": 1e-7,
              "weight_decay_mode": "decoupled"},
    "nadam": {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "momentum_decay": 1.0,
              "epsilon_placement": "outside"},
    "adamax": {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "lion": {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.99},
}


@pytest.mark.parametrize("name", sorted(KERAS_DEFAULTS))
def test_keras_flavor_defaults(name):
    config = optimizers.get(name, flavor="keras").get_config()
    assert {k: config[k] for k in KERAS_DEFAULTS[name]} == KERAS_DEFAULTS[name]
    assert config["clip_epsilon"] == 0.0
    assert config["weight_decay_mode"] == "decoupled"


def test_keras_nadam_schedule_values():
    # docs/conventions.md §2.8 table: Keras u_t at t = 1, 10, 100, 250, 1000
    opt = optimizers.Nadam(flavor="keras")
    expected = {1: 0.468000, 10: 0.600825, 100: 0.892408, 250: 0.899983, 1000: 0.900000}
    for t, u in expected.items():
        assert opt.mu(t) == pytest.approx(u, abs=5e-7)
    torch_like = optimizers.Nadam(flavor="torch")
    for t, mu in {1: 0.450073, 10: 0.450734, 100: 0.457288, 250: 0.468000, 1000: 0.517794}.items():
        assert torch_like.mu(t) == pytest.approx(mu, abs=5e-7)
