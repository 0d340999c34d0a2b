"""The fused kernels give bit for bit the numbers of the readable NumPy rules."""
import subprocess
import sys

import numpy as np
import pytest

from descend import optimizers
from descend.optimizers import SGD, Adam, AdamW, kernels


def test_numba_is_installed_so_the_kernels_run():
    assert kernels.enabled()  # numba is a dependency (pyproject.toml): the fast path is the tested one

N = kernels.MIN_SIZE * 3 + 7          # large enough for the kernel, odd to exercise the tail


def _run(make, dtype, steps, use_kernels, monkeypatch, shape=(N,)):
    monkeypatch.setattr(kernels, "MIN_SIZE", 0 if use_kernels else 10 ** 12)
    rng = np.random.default_rng(0)
    params = [rng.normal(size=shape).astype(dtype), rng.normal(size=(5, 3)).astype(dtype)]
    opt = make()
    for step in range(steps):
        scale = 10.0 ** rng.integers(-5, 2)     # gradients from 1e-5 to 10: ε placement matters
        grads = [(rng.normal(size=p.shape) * scale).astype(dtype) for p in params]
        opt.apply(grads, params)
    return params, opt.get_state()


CASES = {
    "adam lecture": lambda: Adam(learning_rate=0.01),
    "adam torch": lambda: Adam(learning_rate=0.01, flavor="torch"),
    "adam keras": lambda: Adam(learning_rate=0.01, flavor="keras"),
    "amsgrad": lambda: Adam(learning_rate=0.01, amsgrad=True),
    "adamw torch": lambda: AdamW(learning_rate=0.01, flavor="torch"),
    "adamw lecture": lambda: AdamW(learning_rate=0.01),
    "adam keras decay": lambda: Adam(learning_rate=0.01, flavor="keras", weight_decay=0.004),
    "adam torch coupled decay": lambda: Adam(learning_rate=0.01, flavor="torch", weight_decay=0.01),
    "momentum lecture decay": lambda: SGD(learning_rate=0.05, momentum=0.9, weight_decay=1e-3),
    "nesterov keras decay": lambda: SGD(learning_rate=0.05, momentum=0.9, nesterov=True, flavor="keras",
                                        weight_decay=1e-2),
    "momentum lecture": lambda: SGD(learning_rate=0.05, momentum=0.9),
    "nesterov lecture": lambda: SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    "momentum torch dampening": lambda: SGD(learning_rate=0.05, momentum=0.9, dampening=0.3, flavor="torch"),
    "nesterov torch": lambda: SGD(learning_rate=0.05, momentum=0.9, nesterov=True, flavor="torch"),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", sorted(CASES))
def test_kernel_equals_numpy_rule_bit_for_bit(case, dtype, monkeypatch):
    fused, fused_state = _run(CASES[case], dtype, 25, True, monkeypatch)
    plain, plain_state = _run(CASES[case], dtype, 25, False, monkeypatch)
    for a, b in zip(fused, plain):
        np.testing.assert_array_equal(a, b)
    for key in plain_state:
        np.testing.assert_array_equal(fused_state[key], plain_state[key], err_msg=key)


def test_kernels_take_multidimensional_arrays(monkeypatch):
    fused, _ = _run(CASES["adam torch"], np.float32, 5, True, monkeypatch, shape=(300, 200))
    plain, _ = _run(CASES["adam torch"], np.float32, 5, False, monkeypatch, shape=(300, 200))
    np.testing.assert_array_equal(fused[0], plain[0])


def test_kernels_pay_off_where_one_array_of_the_step_is_large():
    small, large = np.zeros(10), np.zeros(kernels.MIN_SIZE)
    assert not kernels.pay_off([small, np.zeros((5, 3))])   # a lecture-sized model: no numba
    assert kernels.pay_off([small, large])                   # then the small arrays take it too


def test_a_model_of_lecture_size_does_not_import_numba():
    code = ("import sys, numpy as np, descend\n"
            "m = descend.Sequential([descend.Dense(2, activation='sigmoid'), descend.Dense(1)])\n"
            "m.compile(optimizer=descend.optimizers.Adam(0.1), loss='mse')\n"
            "m.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, batch_size=4, verbose=0)\n"
            "assert 'numba' not in sys.modules, 'numba imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", ["adam", "momentum"])
def test_a_strided_array_takes_the_numpy_rule_with_the_same_numbers(name):
    # the kernel walks memory as one flat run: a strided view must not reach it
    rng = np.random.default_rng(1)
    base = rng.normal(size=(kernels.MIN_SIZE, 4)).astype(np.float32)
    grads = [rng.normal(size=(kernels.MIN_SIZE, 2)).astype(np.float32) for _ in range(3)]
    strided, contiguous = base[:, ::2], np.ascontiguousarray(base[:, ::2])
    opts = [optimizers.get(name, learning_rate=0.01) for _ in range(2)]
    for g in grads:
        opts[0].apply([g], [strided])
        opts[1].apply([g], [contiguous])
    np.testing.assert_array_equal(strided, contiguous)
    np.testing.assert_array_equal(base[:, 1::2], np.ascontiguousarray(base[:, 1::2]))


def test_switch_off_by_environment(monkeypatch):
    monkeypatch.setenv("DESCEND_KERNELS", "numpy")
    kernels._numba.cache_clear()
    try:
        assert not kernels.enabled()
    finally:
        monkeypatch.delenv("DESCEND_KERNELS")
        kernels._numba.cache_clear()
    assert kernels.enabled()


@pytest.mark.parametrize("make", [lambda: Adam(learning_rate=1e38), lambda: SGD(learning_rate=1e38, momentum=0.9)])
def test_an_overflowing_step_leaves_every_weight_as_before_the_step(make, monkeypatch):
    monkeypatch.setattr(kernels, "MIN_SIZE", 0)
    w = np.ones(100, dtype=np.float32)
    g = np.full(100, 1e30, dtype=np.float32)
    with pytest.raises(ValueError, match=r"params\[0\]: the update at step 1 is not finite"):
        make().apply([g], [w])
    np.testing.assert_array_equal(w, 1.0)


@pytest.mark.parametrize("later", ["kernel", "numpy rule"])
def test_weights_the_kernel_wrote_are_put_back_when_a_later_array_overflows(later):
    # params[0] takes the kernel and is written in its pass; params[1] overflows, in the kernel
    # too, or (a strided view) in the NumPy rule: params[0] must come back bit for bit
    rng = np.random.default_rng(0)
    second = np.ones(3, np.float32) if later == "kernel" else np.ones(6, np.float32)[::2]
    w = [rng.normal(size=kernels.MIN_SIZE * 2).astype(np.float32), second]
    before = [a.copy() for a in w]
    g = [rng.normal(size=w[0].shape).astype(np.float32), np.full(3, 3e38, np.float32)]
    opt = SGD(learning_rate=10.0, momentum=0.9)
    with pytest.raises(ValueError, match=r"params\[1\]: the update at step 1 is not finite"):
        opt.apply(g, w)
    for a, b in zip(w, before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("flavor", ["lecture", "keras", "torch"])
@pytest.mark.parametrize("name", sorted(optimizers.REGISTRY))
def test_every_optimizer_gives_the_same_numbers_with_and_without_kernels(name, flavor, monkeypatch):
    """Whatever path an optimizer's rule takes for large arrays, the numbers are its NumPy form's."""
    make = lambda: optimizers.get(name, flavor=flavor)  # noqa: E731
    fused, fused_state = _run(make, np.float32, 10, True, monkeypatch)
    plain, plain_state = _run(make, np.float32, 10, False, monkeypatch)
    for a, b in zip(fused, plain):
        np.testing.assert_array_equal(a, b)
    for key in plain_state:
        np.testing.assert_array_equal(fused_state[key], plain_state[key], err_msg=key)


@pytest.mark.parametrize("name", ["adam", "amsgrad", "momentum", "momentum torch", "nesterov"])
def test_without_a_separate_scan_the_kernel_refuses_a_nan_gradient_and_no_nan_enters_a_slot(name, monkeypatch):
    monkeypatch.setattr(kernels, "MIN_SIZE", 0)
    make = {"adam": lambda: Adam(learning_rate=0.01), "amsgrad": lambda: Adam(learning_rate=0.01, amsgrad=True),
            "momentum": lambda: SGD(learning_rate=0.01, momentum=0.9),
            "momentum torch": lambda: SGD(learning_rate=0.01, momentum=0.9, flavor="torch"),
            "nesterov": lambda: SGD(learning_rate=0.01, momentum=0.9, nesterov=True)}[name]
    rng = np.random.default_rng(0)
    w = [rng.normal(size=200).astype(np.float32), rng.normal(size=300).astype(np.float32)]
    opt, initial = make(), [a.copy() for a in w]
    opt.apply([np.ones(200, np.float32), np.ones(300, np.float32)], w)          # slots not all zero
    before = [a.copy() for a in w]
    g = [rng.normal(size=200).astype(np.float32), rng.normal(size=300).astype(np.float32)]
    g[1][[5, 77]] = [np.nan, np.inf]
    with pytest.raises(ValueError, match=r"grads\[1\]: expected finite values, got 2 NaN/inf"):
        opt.apply(g, w, check_finite=False)
    for a, b in zip(w, before):                                                   # all weights back
        np.testing.assert_array_equal(a, b)
    for arrays in opt.state.values():
        assert all(np.isfinite(a).all() for a in arrays)
    assert opt.iterations == 1 and opt.restore_previous(w)                       # the step before stays
    for a, b in zip(w, initial):
        np.testing.assert_array_equal(a, b)


def test_a_nan_spread_by_global_clipping_is_named_where_it_came_from(monkeypatch):
    monkeypatch.setattr(kernels, "MIN_SIZE", 0)
    w = [np.ones(200, np.float32), np.ones(300, np.float32)]
    g = [np.ones(200, np.float32), np.ones(300, np.float32)]
    g[1][3] = np.nan                       # the global norm is NaN: every clipped gradient is
    with pytest.raises(ValueError, match=r"grads\[1\]: expected finite values, got 1 NaN/inf"):
        Adam(learning_rate=0.01, global_clipnorm=1.0).apply(g, w, check_finite=False)
    for a in w:
        np.testing.assert_array_equal(a, 1.0)
