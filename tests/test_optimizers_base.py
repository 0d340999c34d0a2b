"""The pipeline every optimizer shares (optimizers/base.py): step count, learning rate, clipping,
decay, rule and update in order; the state; and bad input."""
from __future__ import annotations

import inspect
import json
import math
import pickle

import numpy as np
import pytest

from descend import optimizers, schedules
from descend.optimizers import SGD, Adam, Momentum, Nadam
from oracles import assert_close, gradient_sequence, initial_params, run

NAMES = sorted(optimizers.REGISTRY)
FLAVORS = optimizers.FLAVORS


def test_zero_dimensional_params_work():
    w = [np.array(3.0)]
    SGD(learning_rate=0.5).apply([np.array(2.0)], w)
    assert w[0].shape == () and float(w[0]) == 2.0


# =================================================================================== pipeline
def test_iterations_and_current_learning_rate_follow_the_0_based_step():
    sched = schedules.PiecewiseConstantDecay([0, 1], [0.3, 0.2, 0.1])
    opt = SGD(learning_rate=sched)
    w = [np.zeros(1)]
    seen = []
    for _ in range(3):
        seen.append(opt.current_learning_rate)
        opt.apply([np.ones(1)], w)
    assert seen == [0.3, 0.2, 0.1] and opt.iterations == 3
    assert w[0][0] == pytest.approx(-0.6, abs=1e-15)          # the first update used schedule(0)


def test_slots_are_created_lazily_with_the_params_shapes_and_dtypes():
    opt = Adam(amsgrad=True)
    assert opt.state == {} and opt.get_state() == {"iterations": 0}
    params = [np.ones((2, 3), np.float32), np.ones(4, np.float64)]
    opt.apply([np.ones((2, 3), np.float32), np.ones(4)], params)
    assert sorted(opt.state) == ["m", "v", "v_max"]
    assert [a.dtype for a in opt.state["m"]] == [np.float32, np.float64]
    assert [p.dtype for p in params] == [np.float32, np.float64]
    assert opt.state["v"][0].shape == (2, 3)


@pytest.mark.parametrize("name", NAMES)
def test_float32_params_are_computed_in_float32(name):
    grads = [[g.astype(np.float32) for g in step] for step in gradient_sequence(steps=20)]
    params = [p.astype(np.float32) for p in initial_params()]
    ref = [p.astype(np.float64) for p in params]
    run(optimizers.get(name), grads, params)
    run(optimizers.get(name), [[g.astype(np.float64) for g in s] for s in grads], ref)
    assert all(p.dtype == np.float32 for p in params)
    assert_close(params, ref, rtol=1e-4)


def test_coupled_decay_passes_through_the_moments_and_decoupled_does_not():
    g = [np.array([0.0])]                                    # only the decay moves w
    coupled, decoupled = [np.array([1.0])], [np.array([1.0])]
    Adam(0.1, flavor="torch", weight_decay=0.5).apply(g, coupled)
    Adam(0.1, flavor="torch", weight_decay=0.5, decoupled_weight_decay=True).apply(g, decoupled)
    assert coupled[0][0] == pytest.approx(1.0 - 0.1 / (1 + 1e-8 / 0.5), rel=1e-12)   # Adam step of g = λw
    assert decoupled[0][0] == pytest.approx(1.0 - 0.1 * 0.5, rel=1e-15)             # w(1 − ηλ)


# ====================================================================================== state
@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("name", NAMES)
def test_save_and_resume_is_bit_for_bit(name, flavor):
    kw = {"amsgrad": True} if name in ("adam", "adamw") else {}
    kw |= {"centered": True, "momentum": 0.5} if name == "rmsprop" else {}
    grads = gradient_sequence(steps=60)
    make = lambda: optimizers.get(name, flavor=flavor, **kw)   # noqa: E731
    straight = run(make(), grads)

    first = make()
    params = run(first, grads[:30])
    saved = json.loads(json.dumps({k: v.tolist() if isinstance(v, np.ndarray) else v
                                   for k, v in first.get_state().items()}))
    second = optimizers.get(json.loads(json.dumps(optimizers.serialize(first))))
    second.set_state({k: np.asarray(v) if isinstance(v, list) else v for k, v in saved.items()})
    resumed = run(second, grads[30:], params)
    for a, b in zip(resumed, straight, strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("name", ["adam", "nadam", "rmsprop", "momentum"])
def test_float32_state_resumes_bit_for_bit_through_json_lists(name):
    grads = [[g.astype(np.float32) for g in s] for s in gradient_sequence(steps=20)]
    straight = run(optimizers.get(name), grads, [p.astype(np.float32) for p in initial_params()])
    first = optimizers.get(name)
    params = run(first, grads[:10], [p.astype(np.float32) for p in initial_params()])
    saved = json.loads(json.dumps({k: v.tolist() if isinstance(v, np.ndarray) else v
                                   for k, v in first.get_state().items()}))
    second = optimizers.get(name)
    second.set_state({k: np.asarray(v) if isinstance(v, list) else v for k, v in saved.items()})
    resumed = run(second, grads[10:], params)
    assert all(np.array_equal(a, b) and a.dtype == np.float32 for a, b in zip(resumed, straight, strict=True))
    assert all(a.dtype == np.float32 for arrays in second.state.values() for a in arrays)


def test_state_of_another_dtype_that_would_lose_digits_is_rejected():
    opt = Momentum()
    opt.set_state({"iterations": 1, "velocity/0": np.array([0.1, 0.2])})   # float64, not float32-exact
    with pytest.raises(ValueError, match=r"params\[0\].*dtype"):
        opt.apply([np.ones(2, np.float32)], [np.zeros(2, np.float32)])


def test_state_keys_are_flat_and_named():
    opt = Nadam()
    opt.apply([np.ones(2), np.ones(3)], [np.zeros(2), np.zeros(3)])
    state = opt.get_state()
    assert sorted(state) == ["iterations", "m/0", "m/1", "mu_product", "v/0", "v/1"]
    assert state["iterations"] == 1 and state["mu_product"] == pytest.approx(0.9)
    assert opt.state["m"][1] is not state["m/1"]              # get_state copies
    mom = Momentum()
    mom.apply([np.ones(2)], [np.zeros(2)])
    np.testing.assert_array_equal(mom.state["velocity"][0], [0.01, 0.01])


def test_set_state_copies_and_works_before_the_first_apply():
    opt = Momentum(learning_rate=0.1)
    state = {"iterations": 3, "velocity/0": np.array([1.0, -1.0])}
    opt.set_state(state)
    state["velocity/0"][0] = 99.0
    w = [np.zeros(2)]
    opt.apply([np.zeros(2)], w)
    np.testing.assert_array_equal(w[0], [-0.9, 0.9])
    assert opt.iterations == 4


@pytest.mark.parametrize("state, match", [
    ({"velocity/0": np.zeros(2)}, "iterations"),
    ({"iterations": 1, "m/0": np.zeros(2)}, "keys"),
    ({"iterations": -1, "velocity/0": np.zeros(2)}, "iterations"),
    ({"iterations": 1.5, "velocity/0": np.zeros(2)}, "iterations"),
])
def test_set_state_rejects_bad_states(state, match):
    with pytest.raises(ValueError, match=match):
        Momentum().set_state(state)


def test_state_for_other_params_is_rejected_at_apply():
    opt = Adam()
    opt.apply([np.ones(2)], [np.zeros(2)])
    with pytest.raises(ValueError, match=r"params\[0\]"):
        opt.apply([np.ones(3)], [np.zeros(3)])
    with pytest.raises(ValueError, match="params"):
        opt.apply([np.ones(2), np.ones(2)], [np.zeros(2), np.zeros(2)])


# ================================================================================== bad input
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_gradient_is_rejected_before_anything_is_written(name, bad):
    # (small arrays: through the rules, where nothing at all moves, not even scalar state)
    opt = optimizers.get(name)
    params = [np.ones(3), np.ones(2)]
    opt.apply([np.ones(3), np.ones(2)], params)
    before_params, before_state = [p.copy() for p in params], opt.get_state()
    grads = [np.ones(3), np.array([0.5, bad])]
    with pytest.raises(ValueError,
                       match=r"grads\[1\]: expected finite values, got 1 NaN/inf .*as before the step"):
        opt.apply(grads, params)
    for a, b in zip(params, before_params, strict=True):
        np.testing.assert_array_equal(a, b)
    after = opt.get_state()
    assert after.keys() == before_state.keys() and all(np.array_equal(after[k],
                                                                      before_state[k]) for k in after)


def test_a_finite_gradient_whose_sum_overflows_is_accepted():
    g = np.full(4, np.finfo(np.float32).max / 2, dtype=np.float32)
    w = [np.zeros(4, np.float32)]
    SGD(learning_rate=1e-3).apply([g], w)                       # sum() is inf, every element finite
    assert np.isfinite(w[0]).all()


def test_an_update_that_overflows_is_rejected_with_every_weight_as_before():
    w = [np.ones(2, np.float32), np.ones(2, np.float32)]
    g = [np.ones(2, np.float32), np.full(2, 3e38, np.float32)]
    with pytest.raises(ValueError, match=r"params\[1\].*not finite.*as before the step"):
        SGD(learning_rate=10.0).apply(g, w)
    for a in w:
        np.testing.assert_array_equal(a, [1.0, 1.0])


@pytest.mark.parametrize("grads, params, error, match", [
    ([np.ones(2)], [np.ones(2), np.ones(2)], ValueError, "same length"),
    ([np.ones(2), np.ones(3)], [np.ones(2), np.ones(2)], ValueError, r"grads\[1\].*shape"),
    ([np.ones(2, np.float32)], [np.ones(2)], ValueError, r"grads\[0\].*dtype"),
    ([np.ones(2)], [np.ones(2, dtype=int)], ValueError, r"params\[0\]"),
    ([[1.0, 2.0]], [np.ones(2)], ValueError, r"grads\[0\]"),
    ([np.ones(2)], [[1.0, 2.0]], ValueError, r"params\[0\]"),
    (np.ones((1, 2)), [np.ones(2)], TypeError, "grads"),
    ([np.ones(2)], np.ones((1, 2)), TypeError, "params"),
    ([], [], ValueError, "empty"),
])
def test_apply_rejects_mismatched_inputs(grads, params, error, match):
    with pytest.raises(error, match=match):
        Adam().apply(grads, params)


def test_apply_rejects_read_only_params():
    w = np.ones(2)
    w.flags.writeable = False
    with pytest.raises(ValueError, match=r"params\[0\].*writeable"):
        SGD().apply([np.ones(2)], [w])


@pytest.mark.parametrize("value", [-0.1, float("nan"), float("inf"), "x"])
def test_a_schedule_returning_a_bad_rate_is_named(value):
    opt = SGD(learning_rate=lambda step: value)
    w = [np.ones(2)]
    with pytest.raises(ValueError, match="learning_rate.*step 0"):
        opt.apply([np.ones(2)], w)
    np.testing.assert_array_equal(w[0], [1.0, 1.0])


@pytest.mark.parametrize("value", [-0.1, 0.0, float("nan"), "x", None])
def test_a_bad_rate_assigned_after_construction_is_refused_and_named(value):
    opt = Adam(learning_rate=0.01)
    with pytest.raises((TypeError, ValueError), match="learning_rate"):
        opt.learning_rate = value                              # e.g. by a callback
    assert opt.learning_rate == 0.01
    w = [np.ones(2)]
    opt.apply([np.ones(2)], w)
    assert not np.array_equal(w[0], [1.0, 1.0])


def test_learning_rate_is_the_current_value_as_keras_reads_it():
    schedule = schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    opt = SGD(learning_rate=schedule)
    assert opt.learning_rate == 0.1 and isinstance(opt.learning_rate, float)
    w = [np.ones(2)]
    opt.apply([np.ones(2)], w)
    assert opt.learning_rate == 0.05 == opt.current_learning_rate
    assert opt.learning_rate_schedule is schedule
    assert SGD(learning_rate=0.3).learning_rate_schedule is None
    assert opt.get_config()["learning_rate"]["class_name"] == "ExponentialDecay"
    opt.learning_rate = 0.2                                   # a constant replaces the schedule
    assert opt.learning_rate == 0.2 and opt.learning_rate_schedule is None
    opt.learning_rate = schedule                              # and a schedule a constant
    assert opt.learning_rate == 0.05 and opt.learning_rate_schedule is schedule


def test_an_optimizer_pickled_with_the_old_attribute_loads():
    opt = SGD(learning_rate=0.3)
    state = opt.__getstate__()
    state["learning_rate"] = state.pop("_learning_rate")      # as pickled before the property
    again = SGD.__new__(SGD)
    again.__setstate__(state)
    assert again.learning_rate == 0.3


def test_a_schedule_may_reach_zero():
    opt = SGD(learning_rate=schedules.CosineDecay(0.1, 1))
    w = [np.ones(2)]
    opt.apply([np.ones(2)], w)
    opt.apply([np.ones(2)], w)                                 # step 1: η = 0
    np.testing.assert_allclose(w[0], [0.9, 0.9], rtol=1e-15)
    assert math.isclose(opt.current_learning_rate, 0.0, abs_tol=1e-18)


@pytest.mark.parametrize("name", NAMES)
def test_keep_receives_the_weights_before_the_step(name):
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(40, 30)).astype(np.float32), rng.normal(size=30).astype(np.float32)]
    keep = [np.full_like(p, np.nan) for p in params]
    opt = optimizers.get(name, learning_rate=0.1)
    for _ in range(3):
        before = [p.copy() for p in params]
        opt.apply([rng.normal(size=p.shape).astype(np.float32) for p in params], params, keep=keep)
        assert not all(np.array_equal(a, b) for a, b in zip(params, before, strict=True))
        for k, b in zip(keep, before, strict=True):
            np.testing.assert_array_equal(k, b)
    with pytest.raises(ValueError, match=r"keep\[1\]: expected an array of shape \(30,\) and dtype float32"):
        opt.apply([np.zeros_like(p) for p in params], params, keep=[keep[0], np.zeros(30)])


@pytest.mark.fast_paths
def test_a_pickled_optimizer_carries_its_slots_and_they_come_back_writeable():
    params = [np.ones((20, 10), np.float32)]
    opt = optimizers.get("adam")
    opt.apply([np.full((20, 10), 0.5, np.float32)], params)
    assert opt._before                                         # the kernel's own copy of w ...
    again = pickle.loads(pickle.dumps(opt))
    assert again._before == []                                 # ... is scratch, not state
    np.testing.assert_array_equal(again.state["m"][0], opt.state["m"][0])
    # slots unpickled read-only (as from a joblib memory map) come back writeable: training goes on
    state = opt.__getstate__()
    for arrays in state["state"].values():
        arrays[0] = arrays[0].copy()
        arrays[0].flags.writeable = False
    again = object.__new__(type(opt))
    again.__setstate__(state)
    assert all(a.flags.writeable for arrays in again.state.values() for a in arrays)
    again.apply([np.full((20, 10), 0.5, np.float32)], params)
    assert again.iterations == 2


@pytest.mark.parametrize("name", NAMES)
def test_the_rule_is_pure(name):
    opt = optimizers.get(name)
    rng = np.random.default_rng(3)
    g = rng.normal(size=4).astype(np.float32)                 # float32 in, float32 out
    slots = {k: np.full(4, 0.25, np.float32) for k in opt.slots()}
    if opt.reads_weight:                                      # Lamb, Ftrl, Adafactor read the weight
        slots |= {"w": np.full(4, 0.5, np.float32), "w_before_decay": np.full(4, 0.6, np.float32)}
    g0, slots0 = g.copy(), {k: v.copy() for k, v in slots.items()}
    if name == "nadam":
        opt.begin_step(1)
    first = opt.rule(g, slots, 0.01, 1)
    np.testing.assert_array_equal(g, g0)
    for k in slots:
        np.testing.assert_array_equal(slots[k], slots0[k])
    second = opt.rule(g, slots, 0.01, 1)
    np.testing.assert_array_equal(first[0], second[0])
    assert first[1].keys() == set(opt.slots())
    assert first[0].dtype == np.float32 and all(v.dtype == np.float32 for v in first[1].values())


@pytest.mark.parametrize("name", NAMES)
def test_get_config_names_every_constructor_argument(name):
    # `hyperparameters` is written out by hand: a new keyword left out of it would be lost by a save
    cls = optimizers.REGISTRY[name]
    base = set(inspect.signature(optimizers.Optimizer.__init__).parameters)
    own = {p for klass in cls.__mro__[:-1] if "__init__" in vars(klass)
           for p, param in inspect.signature(klass.__init__).parameters.items()
           if param.kind not in (param.VAR_KEYWORD, param.VAR_POSITIONAL)} - base
    assert own == set(cls.hyperparameters)
    config = optimizers.get(name).get_config()
    assert own <= set(config) and type(optimizers.get(name)).from_config(config).get_config() == config


# ====================================================================== weight decay exclusions
def _excluded_fit(kernel_arrays: bool = False, **opt):
    from descend import Dense, Input, Sequential

    model = Sequential([Input(20), Dense(30, "tanh"), Dense(3)], seed=5)
    optimizer = optimizers.get("adamw", learning_rate=0.05, weight_decay=0.5, **opt)
    if kernel_arrays:
        model.compile(optimizer=optimizer, loss="mse")
        optimizer.exclude_from_weight_decay(var_list=[model.weights[1], model.weights[3]])
    else:
        optimizer.exclude_from_weight_decay(var_names=["bias"])
        model.compile(optimizer=optimizer, loss="mse")
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(40, 20)), rng.normal(size=(40, 3))
    return model, X, y


@pytest.mark.parametrize("mode", ["lecture", "decoupled", "coupled"])
def test_excluded_weights_take_no_decay_in_any_mode(mode):
    # weights with a zero gradient: the decayed one shrinks, the excluded ones stay
    w = [np.full(3, 2.0), np.full(3, 2.0), np.full(3, 2.0)]
    opt = SGD(learning_rate=0.5, weight_decay=0.1, weight_decay_mode=mode)
    opt.exclude_from_weight_decay(var_list=[w[2]], var_names=["b.as"])        # a regular expression
    opt.apply([np.zeros(3)] * 3, w, names=["dense_1/kernel", "dense_1/bias", "dense_2/kernel"])
    assert w[0][0] < 2.0 and w[1][0] == 2.0 and w[2][0] == 2.0
    # the listed array is remembered by its path, exactly, so that a saved config keeps it
    assert opt.get_config()["exclude_from_weight_decay"] == ["b.as", "^dense_2/kernel$"]
    again = SGD.from_config(opt.get_config())
    v = [np.full(3, 2.0), np.full(3, 2.0), np.full(3, 2.0)]
    again.apply([np.zeros(3)] * 3, v, names=["dense_1/kernel", "dense_1/bias", "dense_2/kernel"])
    np.testing.assert_array_equal(v[1:], [[2.0] * 3] * 2)


def test_exclusion_by_name_needs_the_names():
    opt = SGD(learning_rate=0.5, weight_decay=0.1)
    opt.exclude_from_weight_decay(var_names=["bias"])
    w = [np.ones(2)]
    with pytest.raises(ValueError, match=r"names: exclude_from_weight_decay\(var_names=...\) needs"):
        opt.apply([np.zeros(2)], w)
    with pytest.raises(ValueError, match=r"names: expected one string per param \(1\)"):
        opt.apply([np.zeros(2)], w, names=["a", "b"])
    with pytest.raises(TypeError, match="var_names: expected a list of strings"):
        opt.exclude_from_weight_decay(var_names="bias")
    with pytest.raises(TypeError, match=r"var_list\[0\]: expected a weight array"):
        opt.exclude_from_weight_decay(var_list=[[1.0]])
    with pytest.raises(TypeError, match=r"var_list: expected a list of arrays, got ndarray"):
        opt.exclude_from_weight_decay(var_list=w[0])       # the weight itself, not a list of them
    np.testing.assert_array_equal(w[0], [1.0, 1.0])
    assert opt.iterations == 0


@pytest.mark.parametrize("kernel_arrays", [False, True])
def test_fit_gives_the_weights_paths_and_keeps_the_excluded_ones_out_of_decay(kernel_arrays):
    model, X, y = _excluded_fit(kernel_arrays)
    plain, _, _ = _excluded_fit(kernel_arrays)
    plain.optimizer.exclude_from_weight_decay()                # (no exclusion)
    model.fit(X, y, epochs=3, batch_size=8, verbose=0, seed=0)
    plain.fit(X, y, epochs=3, batch_size=8, verbose=0, seed=0)
    assert model.param_names() == ["dense_1/kernel", "dense_1/bias", "dense_2/kernel", "dense_2/bias"]
    # the biases took no decay: shrinking them by 1 − ηλ per step would move them a lot
    assert not np.allclose(model.weights[1], plain.weights[1], atol=1e-3)


@pytest.mark.fast_paths
def test_exclusions_on_the_compiled_path_equal_the_rules_bit_for_bit(monkeypatch):
    from descend import _fast

    calls = []
    original = optimizers.base._kernels.prepare
    monkeypatch.setattr(optimizers.base._kernels, "prepare", lambda *a: calls.append(a[3]) or original(*a))
    fast, X, y = _excluded_fit()
    fast.fit(X, y, epochs=2, batch_size=8, verbose=0, seed=0)
    assert 0.0 in calls and any(c > 0 for c in calls)          # both kernels, with and without decay
    monkeypatch.setattr(_fast, "enabled", lambda: False)
    ref, _, _ = _excluded_fit()
    ref.fit(X, y, epochs=2, batch_size=8, verbose=0, seed=0)
    for a, b in zip(fast.get_weights(), ref.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kernel_arrays", [False, True])
def test_exclusions_survive_save_and_resume_bit_for_bit(tmp_path, kernel_arrays):
    import descend

    straight, X, y = _excluded_fit(kernel_arrays)
    straight.fit(X, y, epochs=4, batch_size=8, verbose=0, seed=0)
    first, _, _ = _excluded_fit(kernel_arrays)
    first.fit(X, y, epochs=2, batch_size=8, verbose=0, seed=0)
    first.save(tmp_path / "ckpt")
    resumed = descend.load_model(tmp_path / "ckpt")
    resumed.fit(X, y, epochs=4, batch_size=8, verbose=0, initial_epoch=2)
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


# ============================================================================ moving average
def test_the_moving_average_is_state_that_resumes_bit_for_bit():
    rng = np.random.default_rng(0)
    grads = [[rng.normal(size=3)] for _ in range(6)]
    straight, w = Adam(0.1, use_ema=True, ema_momentum=0.8), [np.ones(3)]
    for g in grads:
        straight.apply(g, w)
    first, v = Adam(0.1, use_ema=True, ema_momentum=0.8), [np.ones(3)]
    for g in grads[:3]:
        first.apply(g, v)
    state = json.loads(json.dumps({k: (a.tolist() if isinstance(a, np.ndarray) else a)
                                   for k, a in first.get_state().items()}))
    assert "average/0" in state
    resumed = Adam.from_config(first.get_config())
    resumed.set_state({k: np.array(a) if isinstance(a, list) else a for k, a in state.items()})
    for g in grads[3:]:
        resumed.apply(g, v)
    np.testing.assert_array_equal(v[0], w[0])
    np.testing.assert_array_equal(resumed.state["average"][0], straight.state["average"][0])
    # the average lags the weights; finalize_variable_values puts it in them
    assert not np.array_equal(w[0], straight.state["average"][0])
    straight.finalize_variable_values(w)
    np.testing.assert_array_equal(w[0], straight.state["average"][0])


def test_without_ema_finalize_changes_nothing():
    w = [np.ones(2)]
    opt = SGD(0.1)
    opt.apply([np.ones(2)], w)
    opt.finalize_variable_values(w)
    np.testing.assert_array_equal(w[0], [0.9, 0.9])
    assert "average" not in opt.state and opt.get_config()["use_ema"] is False


# ============================================================================ learning-rate callables
def test_a_callable_with_a_parameter_gets_the_step_and_one_without_is_called_bare():
    seen = []
    opt = SGD(learning_rate=lambda step: seen.append(step) or 0.1)
    w = [np.ones(1)]
    for _ in range(3):
        opt.apply([np.ones(1)], w)
    assert seen == [0, 1, 2]
    opt.learning_rate = lambda: 0.25                           # Keras's form: no step
    opt.apply([np.ones(1)], w)
    assert w[0][0] == pytest.approx(1 - 0.3 - 0.25)


# ============================================================================ gradient accumulation
def _accumulating_model(k, lr=0.1):
    from descend import Dense, Input, Sequential

    model = Sequential([Input(3), Dense(4, "tanh"), Dense(1)], seed=2, dtype="float64")
    model.compile(optimizer=optimizers.get("adam", learning_rate=lr, gradient_accumulation_steps=k),
                  loss="mse")
    return model


def test_accumulating_two_half_batches_is_one_full_batch_update():
    from descend import Dense, Input, Sequential

    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 1))
    halves = _accumulating_model(2)
    halves.fit(X, y, epochs=5, batch_size=4, shuffle=False, verbose=0)
    whole = Sequential([Input(3), Dense(4, "tanh"), Dense(1)], seed=2, dtype="float64")
    whole.compile(optimizer=optimizers.get("adam", learning_rate=0.1), loss="mse")
    whole.fit(X, y, epochs=5, batch_size=8, shuffle=False, verbose=0)
    assert halves.optimizer.iterations == whole.optimizer.iterations == 5
    for a, b in zip(halves.get_weights(), whole.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_accumulation_resumes_bit_for_bit_mid_sum(tmp_path):
    import descend

    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(9, 3)), rng.normal(size=(9, 1))       # 3 batches a pass, k = 2
    straight = _accumulating_model(2)
    straight.fit(X, y, epochs=4, batch_size=3, verbose=0, seed=1)
    first = _accumulating_model(2)
    first.fit(X, y, epochs=1, batch_size=3, verbose=0, seed=1)
    assert first.optimizer.accumulated == 1                       # an epoch ended half-way through a sum
    first.save(tmp_path / "ckpt")
    resumed = descend.load_model(tmp_path / "ckpt")
    assert resumed.optimizer.accumulated == 1
    resumed.fit(X, y, epochs=4, batch_size=3, verbose=0, initial_epoch=1)
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_an_accumulated_nan_gradient_is_refused_with_nothing_changed():
    opt = SGD(0.1, gradient_accumulation_steps=3)
    w = [np.ones(2)]
    opt.apply([np.ones(2)], w)
    with pytest.raises(ValueError, match=r"grads\[0\]: expected finite values"):
        opt.apply([np.array([np.nan, 1.0])], w)
    assert opt.accumulated == 1
    np.testing.assert_array_equal(opt.state["gradient_accumulator"][0], [1.0, 1.0])
    with pytest.raises(ValueError, match="accumulated"):
        opt.set_state({"iterations": 0, "gradient_accumulator/0": np.zeros(2)})


@pytest.mark.parametrize("steps", [1, 0, 2.0, True])
def test_gradient_accumulation_steps_is_an_int_of_at_least_2(steps):
    with pytest.raises(ValueError, match="gradient_accumulation_steps: expected an int >= 2"):
        SGD(gradient_accumulation_steps=steps)


def test_numpy_integers_are_ints_for_accumulation_and_ema_overwrite():
    # as Keras (a plain >= 2 check): a count read from an array or a sweep's grid is an int
    opt = SGD(gradient_accumulation_steps=np.int64(3), use_ema=True, ema_overwrite_frequency=np.int32(2))
    assert opt.gradient_accumulation_steps == 3 and type(opt.gradient_accumulation_steps) is int
    assert opt.ema_overwrite_frequency == 2 and type(opt.ema_overwrite_frequency) is int
    assert json.loads(json.dumps(opt.get_config()))["gradient_accumulation_steps"] == 3
    with pytest.raises(ValueError, match=r"ema_overwrite_frequency: expected an int >= 1 or None, got np"):
        SGD(ema_overwrite_frequency=np.int64(0))


def test_the_schedule_reads_every_call_under_accumulation():
    seen = []
    opt = SGD(learning_rate=lambda step: seen.append(step) or 0.1, gradient_accumulation_steps=2)
    w = [np.ones(1)]
    for _ in range(4):
        opt.apply([np.ones(1)], w)
    assert seen == [1, 3] and opt.iterations == 2              # (Keras: the update at call 2k reads 2k − 1)


# ============================================================================ Keras's variables
def test_set_weights_round_trips_the_variables_and_refuses_other_shapes():
    params = [np.ones((2, 3)), np.ones(3)]
    opt = Adam(0.1)
    opt.apply([np.full((2, 3), 0.5), np.full(3, 0.5)], params)
    variables = opt.variables
    assert [v.shape for v in variables] == [(), (), (2, 3), (3,), (2, 3), (3,)]      # t, η, m, v
    other = Adam(0.5)
    other.build([np.zeros((2, 3)), np.zeros(3)])
    other.set_weights(variables)
    assert other.iterations == 1 and other.learning_rate == 0.1
    np.testing.assert_array_equal(other.state["v"][1], opt.state["v"][1])
    variables[0] = np.array(7)
    assert opt.iterations == 1                                  # copies
    with pytest.raises(ValueError, match=r"weights: expected 6 arrays \(optimizer.variables\), got 5"):
        other.set_weights(variables[:5])
    with pytest.raises(ValueError, match=r"weights\[2\]: expected shape \(2, 3\), got \(3, 2\)"):
        other.set_weights([*variables[:2], np.zeros((3, 2)), *variables[3:]])


def test_set_weights_carries_the_count_of_an_unfinished_sum():
    # variables[0] is Keras's _iterations, every call (k·iterations + accumulated): a copy made
    # mid-sum updates on the same call as the original (before: the count was lost, and the copy
    # updated three calls late with the sum of five gradients)
    original, w = SGD(1.0, gradient_accumulation_steps=3), [np.zeros(2)]
    for _ in range(5):
        original.apply([np.ones(2)], w)
    copy, v = SGD(1.0, gradient_accumulation_steps=3), [w[0].copy()]
    copy.build(v)
    copy.set_weights(original.variables)
    assert int(original.variables[0]) == 5 and (copy.iterations, copy.accumulated) == (1, 2)
    original.apply([np.ones(2)], w)
    copy.apply([np.ones(2)], v)
    np.testing.assert_array_equal(v[0], w[0])
    np.testing.assert_array_equal(w[0], [-2.0, -2.0])


def test_with_ema_a_checkpoint_written_during_fit_resumes_bit_for_bit(tmp_path):
    import descend
    from descend import Dense, Input, Sequential
    from descend.callbacks import ModelCheckpoint

    def make():
        model = Sequential([Input(3), Dense(4, "tanh"), Dense(1)], seed=2, dtype="float64")
        model.compile(optimizer=optimizers.get("sgd", learning_rate=0.1, momentum=0.9, use_ema=True,
                                               ema_momentum=0.5), loss="mse")
        return model

    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(12, 3)), rng.normal(size=(12, 1))
    straight = make()
    straight.fit(X, y, epochs=4, batch_size=4, verbose=0, seed=1,
                 callbacks=[ModelCheckpoint(tmp_path / "ep{epoch}")])
    resumed = descend.load_model(tmp_path / "ep2")
    assert not np.array_equal(resumed.weights[0], resumed.optimizer.state["average"][0])   # not finalized
    resumed.fit(X, y, epochs=4, batch_size=4, verbose=0, initial_epoch=2)
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(straight.weights[0], straight.optimizer.state["average"][0])
