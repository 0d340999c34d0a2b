"""Optimizer kernels: when they are taken, and how a refused step is put back.

(Their numbers equal the rules', bit for bit, for every optimizer × flavor: tests/test_fast.py.)
"""
import numpy as np
import pytest

from descend import _fast, optimizers
from descend._fast import optimizers as kernels
from descend.optimizers import SGD, Adam, Nadam
from oracles import count_kernel_calls

#: these tests exercise the fast paths themselves: not run with DESCEND_KERNELS=numpy
pytestmark = pytest.mark.fast_paths


def test_kernels_pay_off_where_one_array_of_the_step_is_large_and_every_array_is_contiguous():
    small, large = np.zeros(10), np.zeros(kernels.MIN_SIZE)
    assert not kernels.pays_off([small, np.zeros((5, 3))], [small, np.zeros((5, 3))])   # lecture-sized
    assert kernels.pays_off([small, large], [small, large])     # then the small arrays take it too
    strided = np.zeros((kernels.MIN_SIZE, 2))[:, 0]
    assert not kernels.pays_off([strided], [np.zeros(kernels.MIN_SIZE)])
    assert not kernels.pays_off([large], [large], [strided])     # a kept copy or a slot, too


@pytest.mark.parametrize("where", ["keep", "slots"])
def test_a_kept_copy_or_slot_in_fortran_order_takes_the_rule_with_the_same_numbers(where, monkeypatch):
    # the kernel flattens every array it writes: one that is not C-contiguous must not reach it
    rng = np.random.default_rng(2)
    w0 = rng.normal(size=(300, 200)).astype(np.float32)
    grads = [rng.normal(size=w0.shape).astype(np.float32) for _ in range(3)]

    def run(layout):
        w, opt = [w0.copy()], Adam(learning_rate=0.01)
        opt.apply([grads[0]], w)
        keep = [np.empty_like(w0)]
        if layout == "fortran" and where == "keep":
            keep = [np.asfortranarray(keep[0])]
        if layout == "fortran" and where == "slots":
            opt.set_state({k: np.asfortranarray(v) if isinstance(v, np.ndarray) else v
                           for k, v in opt.get_state().items()})
        for g in grads[1:]:
            opt.apply([g], w, keep=keep)
        return w[0], keep[0], opt.get_state()

    calls = count_kernel_calls(monkeypatch)
    reference = run("C")
    assert len(calls) == 3                                   # C order: every step compiled
    fortran = run("fortran")
    assert len(calls) == 4                                   # Fortran order: the first step only
    for a, b in zip(fortran[:2], reference[:2], strict=True):
        np.testing.assert_array_equal(a, b)
    for key, value in reference[2].items():
        np.testing.assert_array_equal(fortran[2][key], value)


def test_plain_sgd_has_a_kernel_without_slots_momentum_one_with_its_velocity():
    assert kernels.prepare(SGD(), 0.1, 1, 0.0).slots == ()
    assert kernels.prepare(SGD(momentum=0.9), 0.1, 1, 0.0).slots == ("velocity",)


def test_kernels_take_multidimensional_arrays(monkeypatch):
    def run():
        rng = np.random.default_rng(0)
        w = [rng.normal(size=(300, 200)).astype(np.float32)]
        opt = Adam(learning_rate=0.01, flavor="torch")
        for _ in range(5):
            opt.apply([rng.normal(size=(300, 200)).astype(np.float32)], w)
        return w[0]

    fast = run()
    monkeypatch.setattr(_fast, "enabled", lambda: False)
    np.testing.assert_array_equal(fast, run())


@pytest.mark.parametrize("name", sorted(optimizers.REGISTRY))
def test_a_strided_array_takes_the_rule_with_the_same_numbers(name, monkeypatch):
    # the kernel walks memory as one flat run: a strided view must not reach it
    rng = np.random.default_rng(1)
    base = rng.normal(size=(kernels.MIN_SIZE, 4)).astype(np.float32)
    grads = [rng.normal(size=(kernels.MIN_SIZE, 2)).astype(np.float32) for _ in range(3)]
    strided, contiguous = base[:, ::2], np.ascontiguousarray(base[:, ::2])
    opts = [optimizers.get(name, learning_rate=0.01) for _ in range(2)]
    calls = count_kernel_calls(monkeypatch)
    for g in grads:
        opts[0].apply([g], [strided])
        assert not calls
    for g in grads:
        opts[1].apply([g], [contiguous])
    # (an optimizer without a kernel — Lamb, Ftrl, Adafactor — takes its rule for every array)
    assert len(calls) == (len(grads) if optimizers.REGISTRY[name].kernel else 0)
    np.testing.assert_array_equal(strided, contiguous)
    np.testing.assert_array_equal(base[:, 1::2], np.ascontiguousarray(base[:, 1::2]))


@pytest.mark.parametrize("make", [lambda: Adam(learning_rate=1e38), lambda: SGD(learning_rate=1e38,
                                                                                momentum=0.9)])
def test_an_overflowing_step_leaves_every_weight_as_before_the_step(make, monkeypatch):
    monkeypatch.setattr(kernels, "MIN_SIZE", 0)
    w = np.ones(100, dtype=np.float32)
    g = np.full(100, 1e30, dtype=np.float32)
    opt = make()
    with pytest.raises(ValueError, match=r"params\[0\]: the update at step 1 is not finite"):
        opt.apply([g], [w])
    np.testing.assert_array_equal(w, 1.0)
    assert opt.iterations == 0


def test_weights_the_kernel_wrote_are_put_back_when_a_later_array_overflows(monkeypatch):
    # params[0] is written in its kernel pass; params[1] overflows: params[0] comes back bit for bit
    monkeypatch.setattr(kernels, "MIN_SIZE", 0)
    rng = np.random.default_rng(0)
    w = [rng.normal(size=kernels.MIN_SIZE * 2).astype(np.float32), np.ones(3, np.float32)]
    before = [a.copy() for a in w]
    keep = [np.empty_like(a) for a in w]
    g = [rng.normal(size=w[0].shape).astype(np.float32), np.full(3, 3e38, np.float32)]
    with pytest.raises(ValueError, match=r"params\[1\]: the update at step 1 is not finite"):
        SGD(learning_rate=10.0, momentum=0.9).apply(g, w, keep=keep)
    for a, b in zip(w, before, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["adam", "amsgrad", "nadam", "adagrad", "rmsprop", "rmsprop centered",
                                  "adadelta", "momentum", "momentum torch", "nesterov", "adamax",
                                  "adamax torch", "lion"])
def test_a_nan_gradient_is_refused_and_no_nan_enters_a_slot(name, monkeypatch):
    monkeypatch.setattr(kernels, "MIN_SIZE", 0)
    make = {"adam": lambda: Adam(learning_rate=0.01),
            "amsgrad": lambda: Adam(learning_rate=0.01, amsgrad=True),
            "nadam": lambda: Nadam(learning_rate=0.01),
            "adagrad": lambda: optimizers.Adagrad(learning_rate=0.01),
            "rmsprop": lambda: optimizers.RMSprop(learning_rate=0.01, momentum=0.9),
            "rmsprop centered": lambda: optimizers.RMSprop(learning_rate=0.01, centered=True, flavor="torch"),
            "adadelta": lambda: optimizers.Adadelta(),
            "momentum": lambda: SGD(learning_rate=0.01, momentum=0.9),
            "momentum torch": lambda: SGD(learning_rate=0.01, momentum=0.9, flavor="torch"),
            "nesterov": lambda: SGD(learning_rate=0.01, momentum=0.9, nesterov=True),
            "adamax": lambda: optimizers.Adamax(learning_rate=0.01),
            "adamax torch": lambda: optimizers.Adamax(learning_rate=0.01, flavor="torch"),
            "lion": lambda: optimizers.Lion(learning_rate=0.01)}[name]
    rng = np.random.default_rng(0)
    w = [rng.normal(size=200).astype(np.float32), rng.normal(size=300).astype(np.float32)]
    opt = make()
    opt.apply([np.ones(200, np.float32), np.ones(300, np.float32)], w)          # slots not all zero
    before = [a.copy() for a in w]
    g = [rng.normal(size=200).astype(np.float32), rng.normal(size=300).astype(np.float32)]
    g[1][[5, 77]] = [np.nan, np.inf]
    with pytest.raises(ValueError, match=r"grads\[1\]: expected finite values, got 2 NaN/inf"):
        opt.apply(g, w)
    for a, b in zip(w, before,
                    strict=True):                                                   # all weights back
        np.testing.assert_array_equal(a, b)
    for arrays in opt.state.values():
        assert all(np.isfinite(a).all() for a in arrays)
    assert opt.iterations == 1


def test_a_nan_spread_by_global_clipping_is_named_where_it_came_from(monkeypatch):
    monkeypatch.setattr(kernels, "MIN_SIZE", 0)
    w = [np.ones(200, np.float32), np.ones(300, np.float32)]
    g = [np.ones(200, np.float32), np.ones(300, np.float32)]
    g[1][3] = np.nan                       # the global norm is NaN: every clipped gradient is
    with pytest.raises(ValueError, match=r"grads\[1\]: expected finite values, got 1 NaN/inf"):
        Adam(learning_rate=0.01, global_clipnorm=1.0).apply(g, w)
    for a in w:
        np.testing.assert_array_equal(a, 1.0)


def test_a_kernel_step_copies_the_weights_before_it_into_keep(monkeypatch):
    monkeypatch.setattr(kernels, "MIN_SIZE", 0)
    w = [np.arange(5, dtype=np.float64)]
    keep = [np.full(5, np.nan)]
    Adam(learning_rate=0.1).apply([np.ones(5)], w, keep=keep)
    np.testing.assert_array_equal(keep[0], np.arange(5))
    assert not np.array_equal(w[0], keep[0])


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_lions_kernel_refuses_an_infinite_gradient_whose_sign_is_finite(bad, monkeypatch):
    # sign(±inf) = ±1 would be a finite step: the kernel, as the rule, makes it NaN to refuse it
    monkeypatch.setattr(kernels, "MIN_SIZE", 0)
    calls = count_kernel_calls(monkeypatch)
    w = [np.ones(300, np.float32)]
    g = np.ones(300, np.float32)
    g[7] = bad
    with pytest.raises(ValueError, match=r"grads\[0\]: expected finite values, got 1 NaN/inf"):
        optimizers.Lion(learning_rate=0.01).apply([g], w)
    assert calls
    np.testing.assert_array_equal(w[0], 1.0)
