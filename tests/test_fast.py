"""Every fast path equals its reference bit for bit, and the switch chooses between them.

The cases are read off the registries: every optimizer with a compiled kernel × flavor × its
options, every activation in a built-in Dense layer's training form, every loss with a fast fused
form — in float32 and float64, on arrays large enough for the compiled loops and small enough for
the NumPy branch of the fast forms.
"""
import copy
import os
import subprocess
import sys

import numpy as np
import pytest

from descend import Dense, Dropout, Input, Sequential, _fast, activations, losses, optimizers, schedules
from descend._fast import loops
from descend._fast import optimizers as kernels
from descend._fast.dense import FastDense
from descend._fast.losses import fast_loss
from oracles import count_kernel_calls

#: these tests exercise the fast paths themselves: not run with DESCEND_KERNELS=numpy
pytestmark = pytest.mark.fast_paths

DTYPES = [np.float32, np.float64]


def reference_only(monkeypatch):
    monkeypatch.setattr(_fast, "enabled", lambda: False)


# ------------------------------------------------------------------------ optimizers
def _optimizer_cases():
    options = {
        "adam": [{}, {"amsgrad": True}, {"weight_decay": 0.01},
                 *({"epsilon_placement": p} for p in kernels.PLACEMENT),
                 {"learning_rate": schedules.ExponentialDecay(0.01, 3, 0.5)}],
        "nadam": [{}, {"weight_decay": 0.01}, {"momentum_decay": None},
                  *({"epsilon_placement": p} for p in ("inside", "outside")),
                  {"learning_rate": schedules.ExponentialDecay(0.01, 3, 0.5)}],
        "adagrad": [{}, {"lr_decay": 0.01}, {"weight_decay": 0.01},
                    *({"epsilon_placement": p} for p in ("inside", "outside")),
                    {"learning_rate": schedules.ExponentialDecay(0.01, 3, 0.5)}],
        "rmsprop": [{}, {"centered": True}, {"momentum": 0.9}, {"centered": True, "momentum": 0.9},
                    {"momentum": 0.9, "momentum_buffer": "velocity"},
                    {"momentum": 0.9, "momentum_buffer": "direction"},
                    *({"epsilon_placement": p} for p in ("inside", "outside")), {"weight_decay": 0.01},
                    {"learning_rate": schedules.ExponentialDecay(0.01, 3, 0.5)}],
        "adadelta": [{}, {"weight_decay": 0.01}, *({"epsilon_placement": p} for p in ("inside", "outside")),
                     {"learning_rate": schedules.ExponentialDecay(1.0, 3, 0.5)}],
        "momentum": [{}, {"weight_decay": 1e-3}, {"momentum": 0.9}, {"momentum": 0.9, "nesterov": True},
                     {"momentum": 0.9, "dampening": 0.3}, {"momentum": 0.9, "weight_decay": 1e-3},
                     {"momentum": 0.9, "learning_rate": schedules.ExponentialDecay(0.05, 3, 0.5)}],
        "adamax": [{}, {"weight_decay": 0.01}, *({"epsilon_placement": p} for p in ("inside", "outside")),
                   {"learning_rate": schedules.ExponentialDecay(0.01, 3, 0.5)}],
        "lion": [{}, {"weight_decay": 0.01}, {"beta_1": 1.0, "beta_2": 0.0},
                 {"learning_rate": schedules.ExponentialDecay(0.01, 3, 0.5)}],
    }
    cases = []
    for name, cls in sorted(optimizers.REGISTRY.items()):
        if cls.kernel is None:
            continue
        for flavor in optimizers.FLAVORS:
            for kwargs in options[cls.kernel]:
                if name in ("momentum", "nag") and "momentum" not in kwargs:
                    continue                          # (their momentum is their point)
                if name in ("momentum", "nag") and "momentum" in kwargs:
                    kwargs = {k: v for k, v in kwargs.items() if k not in ("momentum", "nesterov")}
                    if name == "nag" and "dampening" in kwargs:
                        continue
                cases.append((name, flavor, kwargs))
    return cases


OPTIMIZER_CASES = _optimizer_cases()


def _run_optimizer(name, flavor, kwargs, dtype, steps=25):
    rng = np.random.default_rng(0)
    params = [rng.normal(size=kernels.MIN_SIZE * 3 + 7).astype(dtype), rng.normal(size=(5, 3)).astype(dtype)]
    opt = optimizers.get(name, flavor=flavor, **({"learning_rate": 0.01} | kwargs))
    for _ in range(steps):
        scale = 10.0 ** rng.integers(-5, 2)     # gradients from 1e-5 to 10: ε placement matters
        opt.apply([(rng.normal(size=p.shape) * scale).astype(dtype) for p in params], params)
    return params, opt.get_state()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, flavor, kwargs", OPTIMIZER_CASES,
                         ids=[f"{n}-{f}-{'-'.join(map(str, k.values())) or 'defaults'}"
                              for n, f, k in OPTIMIZER_CASES])
def test_every_optimizer_kernel_equals_its_rule(name, flavor, kwargs, dtype, monkeypatch):
    calls = count_kernel_calls(monkeypatch)
    fast, fast_state = _run_optimizer(name, flavor, kwargs, dtype)
    assert len(calls) == 25 * 2                               # every step of both arrays compiled
    reference_only(monkeypatch)
    ref, ref_state = _run_optimizer(name, flavor, kwargs, dtype)
    for a, b in zip(fast, ref, strict=True):
        np.testing.assert_array_equal(a, b)
    assert fast_state.keys() == ref_state.keys()
    for key in ref_state:
        np.testing.assert_array_equal(fast_state[key], ref_state[key], err_msg=key)


def test_the_optimizer_cases_cover_every_kernel():
    covered = {optimizers.REGISTRY[n].kernel for n, _, _ in OPTIMIZER_CASES}
    assert covered == set(kernels._PREPARE)


# ------------------------------------------------------------------------ a Dense layer's training form
DENSE_CASES = [(act, bias, first, n) for act in sorted(activations.REGISTRY) for bias in (True, False)
               for first in (False, True) for n in (3, 300)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation, use_bias, first, n", DENSE_CASES,
                         ids=[f"{a}-{'bias' if b else 'nobias'}-{'first' if f else 'hidden'}-n{n}"
                              for a, b, f, n in DENSE_CASES])
def test_every_dense_training_form_equals_the_layer(activation, use_bias, first, n, dtype):
    rng = np.random.default_rng(1)
    layer = Dense(64, activation, use_bias=use_bias, kernel_regularizer="l2" if first else None)
    layer.build(16, rng, np.dtype(dtype))
    if use_bias:
        layer.params[1][:] = rng.standard_normal(64)
    twin = copy.deepcopy(layer)
    fast = FastDense(twin, input_grad=not first)
    x = rng.standard_normal((n, 16)).astype(dtype)
    dy = rng.standard_normal((n, 64)).astype(dtype)
    for _ in range(2):                                        # twice: work arrays reused
        a = layer.forward(x)
        np.testing.assert_array_equal(fast.forward(x), a)
        np.testing.assert_array_equal(twin.z, layer.z)
        dx = layer.backward(dy)
        fast_dx = fast.backward(dy.copy(), scratch=True)
        assert (fast_dx is None) == first
        if not first:
            np.testing.assert_array_equal(fast_dx, dx)
        for g, h in zip(twin.grads, layer.grads, strict=True):
            np.testing.assert_array_equal(g, h)
        dx = layer.backward_delta(dy)
        fast_dx = fast.backward_delta(dy)
        if not first:
            np.testing.assert_array_equal(fast_dx, dx)
        for g, h in zip(twin.grads, layer.grads, strict=True):
            np.testing.assert_array_equal(g, h)


# ------------------------------------------------------------------------ fused losses
FAST_LOSSES = sorted(n for n, cls in losses.REGISTRY.items() if fast_loss(cls()) is not None)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 4), (128, 10), (37, 129), (5, 1000)], ids=str)
@pytest.mark.parametrize("name", FAST_LOSSES)
def test_every_fast_loss_equals_the_loss(name, shape, dtype):
    rng = np.random.default_rng(2)
    loss = losses.get(name)
    z = (rng.standard_normal(shape) * 4).astype(dtype)
    z[0, :2] = [9.0, 9.0]                                     # a tie for the row maximum
    a = activations.get(loss.fused_activation)(z)
    y = loss.prepare_targets(rng.integers(0, shape[1], shape[0]), shape[1], np.dtype(dtype))
    value, delta = loss.fused(z, y, a)
    fast = fast_loss(loss)
    for _ in range(2):
        fast_value, fast_delta = fast.fused(z, y, a)
        assert fast_value == value
        np.testing.assert_array_equal(fast_delta, delta)


def test_only_the_sparse_crossentropy_has_a_fast_form():
    assert FAST_LOSSES == ["sparse_categorical_crossentropy"]


# ------------------------------------------------------------------------ whole training runs
MODELS = {
    "relu-softmax": (lambda: [Dense(64, "relu"), Dense(32, "relu"), Dense(3, "softmax")],
                     "sparse_categorical_crossentropy", "adam", 3),
    "tanh-sigmoid": (lambda: [Dense(40, "tanh"), Dense(1, "sigmoid")], "binary_crossentropy", "nadam", 2),
    "one unit": (lambda: [Dense(1, "relu"), Dense(8, "elu"), Dense(1, "sigmoid")], "binary_crossentropy",
                 "momentum", 2),
    "regression": (lambda: [Dense(32, "leaky_relu"), Dense(2)], "mse", "rmsprop", 0),
    # the slides' NAG: the weights look ahead to w − γv and back around every forward pass
    "lecture nag": (lambda: [Dense(48, "tanh"), Dense(3, "softmax")], "sparse_categorical_crossentropy",
                    "nag", 3),
    "dropout": (lambda: [Dense(64, "relu"), Dropout(0.3, seed=1), Dense(32, "relu"), Dropout(0.5),
                         Dense(3, "softmax")], "sparse_categorical_crossentropy", "adamax", 3),
}


def _train(kind):
    make, loss, optimizer, classes = MODELS[kind]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((600, 20)).astype(np.float32)
    y = rng.integers(0, classes, 600) if classes > 2 else rng.integers(0, 2, (600, 1)) if classes \
        else rng.standard_normal((600, 2))
    model = Sequential([Input(20), *make()], seed=0)
    model.compile(optimizer, loss, metrics=["mae"] if not classes else ["accuracy"])
    history = model.fit(X, y, epochs=2, batch_size=256, verbose=0, seed=0, validation_split=0.1)
    return model.get_weights(), history.history, model.optimizer.get_state()


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_a_model_trains_to_the_same_numbers_on_either_path(kind, monkeypatch):
    monkeypatch.setattr(loops, "MIN_SIZE", 0)                # every compiled loop, even on small arrays
    fast = _train(kind)
    reference_only(monkeypatch)
    ref = _train(kind)
    for a, b in zip(fast[0], ref[0], strict=True):
        np.testing.assert_array_equal(a, b)
    assert fast[1] == ref[1]
    for key in ref[2]:
        np.testing.assert_array_equal(fast[2][key], ref[2][key])


# ------------------------------------------------------------------------ the switch
def test_the_fast_paths_are_on_in_this_run():
    assert _fast.enabled(), "run without DESCEND_KERNELS=numpy (make test runs this file so)"


def test_the_environment_switches_every_fast_path_off():
    code = ("import numpy as np, descend\n"
            "from descend import _fast\n"
            "assert not _fast.enabled()\n"
            "m = descend.Sequential([descend.Input(300), descend.Dense(300, 'relu'),\n"
            "                        descend.Dense(3, 'softmax')])\n"
            "m.compile('adam', 'sparse_categorical_crossentropy')\n"
            "m.fit(np.ones((64, 300)), np.zeros(64, int), epochs=1, verbose=0)\n"
            "import sys; assert 'numba' not in sys.modules, 'numba imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ, DESCEND_KERNELS="numpy"))


def test_a_model_of_lecture_size_does_not_import_numba():
    code = ("import sys, numpy as np, descend\n"
            "m = descend.Sequential([descend.Dense(2, activation='sigmoid'), descend.Dense(1)])\n"
            "m.compile(optimizer=descend.optimizers.Adam(0.1), loss='mse')\n"
            "m.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, batch_size=4, verbose=0)\n"
            "assert 'numba' not in sys.modules, 'numba imported'")
    env = {k: v for k, v in os.environ.items() if k != "DESCEND_KERNELS"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


_EVERY_LOOP = """
import numpy as np
from descend import Dense, Input, Sequential
from descend._fast import loops, optimizers as kernels
loops.MIN_SIZE = kernels.MIN_SIZE = 0
rng = np.random.default_rng(0)
X = rng.standard_normal((64, 5)).astype(np.float32)
for out, loss, y, opt in (("softmax", "sparse_categorical_crossentropy", rng.integers(0, 3, 64), "adam"),
                          ("sigmoid", "binary_crossentropy", rng.integers(0, 2, (64, 1)), "momentum")):
    model = Sequential([Input(5), Dense(8, "relu"), Dense(3 if out == "softmax" else 1, out)], seed=0)
    model.compile(opt, loss)
    model.fit(X, y, epochs=1, batch_size=32, verbose=0)
"""


def test_a_second_process_takes_every_loop_from_numba_s_disk_cache(tmp_path):
    # numba keys its cache on a loop's closure: a compiled function in a closure changes from
    # process to process, and every process would compile again
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), NUMBA_DEBUG_CACHE="1")
    env.pop("DESCEND_KERNELS", None)
    runs = [subprocess.run([sys.executable, "-c", _EVERY_LOOP], env=env, capture_output=True, text=True,
                           check=True) for _ in range(2)]
    first, second = (r.stdout + r.stderr for r in runs)
    assert "data saved" in first
    assert "data saved" not in second, second
