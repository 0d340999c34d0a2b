"""flavor="lecture" against the slides' formulas written by hand; the optimizer API (registry,
config, state, pipeline order) and bad input."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from descend import optimizers, schedules
from descend.optimizers import SGD, Adadelta, Adagrad, Adam, AdamW, Momentum, NAG, Nadam, RMSprop

STEPS = 200
NAMES = sorted(optimizers.REGISTRY)
FLAVORS = optimizers.FLAVORS


def gradient_sequence(steps=STEPS, seed=0, shapes=((3, 4), (5,))):
    rng = np.random.default_rng(seed)
    scales = 10.0 ** rng.uniform(-5, 1, size=steps)
    return [[s * rng.standard_normal(shape) for shape in shapes] for s in scales]


def initial_params(seed=1, shapes=((3, 4), (5,))):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-2, 2, size=shape) for shape in shapes]


def run(opt, grads_seq, params=None):
    params = initial_params() if params is None else params
    for grads in grads_seq:
        opt.apply(grads, params)
    return params


def run_formula(step, grads_seq):
    """Drive a hand-written per-array rule ``step(w, g, state, t) -> w``, t = 1, 2, …"""
    params = initial_params()
    states = [{} for _ in params]
    for t, grads in enumerate(grads_seq, start=1):
        params = [step(w, g, s, t) for w, g, s in zip(params, grads, states)]
    return params


def assert_close(ours, ref, rtol=1e-10):
    for i, (a, b) in enumerate(zip(ours, ref)):
        err = float(np.max(np.abs(a - b))) / max(1.0, float(np.max(np.abs(b))))
        assert err <= rtol, f"params[{i}]: relative error {err:.3e}"


# ============================================================== the slides' formulas, by hand
def test_worked_example_a_sgd_steps_10_to_7_to_6_5():
    """Slides §4: ŷ = b₁X, E_i = ½(y_i − ŷ_i)², η = 0.1, b₁ = 10; points (2, 5) then (1, 2)."""
    b = [np.array([10.0])]
    opt = SGD(learning_rate=0.1)
    for x, y, expected in ((2.0, 5.0, 7.0), (1.0, 2.0, 6.5)):
        opt.apply([-x * (y - b[0] * x)], b)          # ∂E_i/∂b₁ = −x(y − b₁x)
        assert b[0][0] == pytest.approx(expected, abs=1e-15)


def test_zero_dimensional_params_work():
    w = [np.array(3.0)]
    SGD(learning_rate=0.5).apply([np.array(2.0)], w)
    assert w[0].shape == () and float(w[0]) == 2.0


def lr_const(eta):
    return lambda t: eta


def slides_sgd(eta=0.01):
    return lambda w, g, s, t: w - eta * g


def slides_momentum(eta=0.01, gamma=0.9, lr=None):
    lr = lr or lr_const(eta)

    def step(w, g, s, t):
        s["v"] = gamma * s.get("v", 0.0) + lr(t - 1) * g   # v_t = γ v_{t−1} + η ∂E/∂w
        return w - s["v"]
    return step


def slides_adagrad(eta=0.01, eps=1e-8):
    def step(w, g, s, t):
        s["G"] = s.get("G", 0.0) + g * g                   # G_t: every squared gradient so far, from 0
        return w - eta / np.sqrt(s["G"] + eps) * g
    return step


def slides_rmsprop(eta=1e-3, rho=0.9, eps=1e-8):
    def step(w, g, s, t):
        s["E"] = rho * s.get("E", 0.0) + (1 - rho) * g * g
        return w - eta / np.sqrt(s["E"] + eps) * g
    return step


def slides_adadelta(eta=1.0, rho=0.95, eps=1e-6):
    def step(w, g, s, t):
        s["Eg"] = rho * s.get("Eg", 0.0) + (1 - rho) * g * g
        dw = np.sqrt(s.get("Ed", 0.0) + eps) / np.sqrt(s["Eg"] + eps) * g   # RMS[Δw]_{t−1}/RMS[g]_t · g
        s["Ed"] = rho * s.get("Ed", 0.0) + (1 - rho) * dw * dw
        return w - eta * dw
    return step


def slides_adam(eta=1e-3, b1=0.9, b2=0.999, eps=1e-8, decay=0.0):
    def step(w, g, s, t):
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        m_hat, v_hat = s["m"] / (1 - b1 ** t), s["v"] / (1 - b2 ** t)
        return (1 - decay) * w - eta * m_hat / np.sqrt(v_hat + eps)
    return step


def slides_nadam(eta=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    # Constant μ = β₁ (the library's stated choice for "Adam with Nesterov momentum").
    def step(w, g, s, t):
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        m_hat = b1 * s["m"] / (1 - b1 ** (t + 1)) + (1 - b1) * g / (1 - b1 ** t)
        return w - eta * m_hat / np.sqrt(s["v"] / (1 - b2 ** t) + eps)
    return step


def slides_weight_decay_sgd(eta=0.01, lam=1e-3):
    return lambda w, g, s, t: (1 - lam) * w - eta * g      # w ← (1 − λ)w − η∂E/∂w, λ not × η


def slides_staircase_sgd(eta0=0.05, delta=0.5, T=30):
    return lambda w, g, s, t: w - eta0 * delta ** ((t - 1) // T) * g   # η_t = δ^(t//T)·η₀, 0-based t


STAIRCASE = schedules.ExponentialDecay(0.05, 30, 0.5, staircase=True)
LECTURE_CASES = {
    "sgd": (slides_sgd(), lambda: SGD()),
    "momentum": (slides_momentum(), lambda: Momentum()),
    "momentum-with-schedule": (slides_momentum(lr=STAIRCASE), lambda: Momentum(learning_rate=STAIRCASE)),
    "adagrad": (slides_adagrad(), lambda: Adagrad()),
    "rmsprop": (slides_rmsprop(), lambda: RMSprop()),
    "adadelta": (slides_adadelta(), lambda: Adadelta()),
    "adam": (slides_adam(), lambda: Adam()),
    "adamw": (slides_adam(decay=1e-5), lambda: AdamW()),
    "nadam": (slides_nadam(), lambda: Nadam()),
    "weight_decay-sgd": (slides_weight_decay_sgd(), lambda: SGD(weight_decay=1e-3)),
    "weight_decay-adam": (slides_adam(decay=1e-3), lambda: Adam(weight_decay=1e-3)),
    "exponential-decay-staircase": (slides_staircase_sgd(), lambda: SGD(learning_rate=STAIRCASE)),
    "step-decay": (slides_staircase_sgd(), lambda: SGD(learning_rate=schedules.StepDecay(0.05, 30, 0.5))),
}


@pytest.mark.parametrize("case", sorted(LECTURE_CASES))
def test_lecture_flavor_matches_the_slides(case):
    formula, make = LECTURE_CASES[case]
    grads = gradient_sequence()
    assert_close(run(make(), grads), run_formula(formula, grads))


def test_nag_keeps_the_lookahead_point_and_recovers_the_slides_w():
    """Slides NAG with the gradient *at* w − γv (a callback), vs descend's NAG fed ∇E at its params."""
    A, b = np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([1.0, -1.0])
    grad = lambda x: A @ x - b                                    # noqa: E731  (∇ of ½xᵀAx − bᵀx)
    eta, gamma = 0.05, 0.9
    w, v = np.array([2.0, -3.0]), np.zeros(2)
    p = [w.copy()]
    opt = NAG(learning_rate=eta)
    for _ in range(STEPS):
        v = gamma * v + eta * grad(w - gamma * v)                 # slides §8
        w = w - v
        opt.apply([grad(p[0])], p)
        np.testing.assert_allclose(p[0], w - gamma * v, rtol=0, atol=1e-13)
        np.testing.assert_allclose(opt.slides_weights(p)[0], w, rtol=0, atol=1e-13)
    np.testing.assert_allclose(w, np.linalg.solve(A, b), atol=1e-10)


def test_lecture_momentum_differs_from_torch_only_under_a_schedule():
    grads = gradient_sequence(steps=50)
    lecture = run(Momentum(learning_rate=0.01), grads)
    torch_like = run(Momentum(learning_rate=0.01, momentum_buffer="direction"), grads)
    assert_close(lecture, torch_like, rtol=1e-12)
    sched = schedules.ExponentialDecay(0.01, 1, 0.9)
    a = run(Momentum(learning_rate=sched), grads)
    b = run(Momentum(learning_rate=sched, momentum_buffer="direction"), grads)
    assert max(float(np.max(np.abs(x - y))) for x, y in zip(a, b)) > 1e-4


LECTURE_DEFAULTS = {
    "sgd": {"learning_rate": 0.01, "momentum": 0.0, "weight_decay_mode": "lecture", "clip_epsilon": 0.0},
    "momentum": {"momentum": 0.9, "momentum_buffer": "velocity"},
    "nag": {"momentum": 0.9, "nesterov": True},
    "adagrad": {"initial_accumulator_value": 0.0, "epsilon_placement": "inside"},
    "rmsprop": {"rho": 0.9, "epsilon_placement": "inside"},
    "adadelta": {"learning_rate": 1.0, "epsilon_placement": "inside"},
    "adam": {"beta_1": 0.9, "beta_2": 0.999, "epsilon_placement": "inside"},
    "adamw": {"weight_decay_mode": "lecture"},
    "nadam": {"momentum_decay": None, "epsilon_placement": "inside"},
}


@pytest.mark.parametrize("name", sorted(LECTURE_DEFAULTS))
def test_lecture_flavor_defaults(name):
    opt = optimizers.get(name)
    assert opt.flavor == "lecture"
    config = opt.get_config()
    assert {k: config[k] for k in LECTURE_DEFAULTS[name]} == LECTURE_DEFAULTS[name]


def test_positional_arguments_follow_keras():
    assert (SGD(0.1, 0.5, True).momentum, SGD(0.1, 0.5, True).nesterov) == (0.5, True)
    adam = Adam(0.1, 0.8, 0.99, 1e-6, True)
    assert (adam.beta_1, adam.beta_2, adam.epsilon, adam.amsgrad) == (0.8, 0.99, 1e-6, True)
    assert (AdamW(0.1, 0.02).weight_decay, AdamW(0.1, 0.02, 0.7).beta_1) == (0.02, 0.7)
    rms = RMSprop(0.1, 0.8, 0.5, 1e-6, True)
    assert (rms.rho, rms.momentum, rms.epsilon, rms.centered) == (0.8, 0.5, 1e-6, True)
    assert Adagrad(0.1, 0.2, 1e-6).initial_accumulator_value == 0.2
    assert (Adadelta(0.1, 0.8, 1e-6).rho, Nadam(0.1, 0.8).beta_1) == (0.8, 0.8)


def test_a_keyword_overrides_its_flavor_bundle():
    opt = Adam(flavor="torch", epsilon_placement="inside", epsilon=1e-3)
    assert (opt.epsilon_placement, opt.epsilon, opt.weight_decay_mode) == ("inside", 1e-3, "coupled")
    grads = gradient_sequence(steps=30)
    assert_close(run(opt, grads), run(Adam(epsilon=1e-3), grads), rtol=1e-14)


# =================================================================================== registry
@pytest.mark.parametrize("name", NAMES)
def test_get_by_name_is_case_insensitive(name):
    assert type(optimizers.get(name.upper())) is optimizers.REGISTRY[name]
    assert type(optimizers.get(name.capitalize())) is optimizers.REGISTRY[name]


def test_get_returns_an_instance_as_is_and_builds_from_dicts():
    opt = Adam()
    assert optimizers.get(opt) is opt
    built = optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.5}})
    assert isinstance(built, SGD) and built.learning_rate == 0.5
    assert optimizers.get("adam", flavor="keras").epsilon == 1e-7


@pytest.mark.parametrize("bad, error", [("adamax", ValueError), (3, TypeError), ({"config": {}}, ValueError),
                                        ({"class_name": "nope"}, ValueError), (None, TypeError)])
def test_get_rejects_unknown_identifiers(bad, error):
    with pytest.raises(error, match="optimizer"):
        optimizers.get(bad)


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("name", NAMES)
def test_config_round_trips_through_json(name, flavor):
    opt = optimizers.get(name, flavor=flavor, learning_rate=schedules.CosineDecay(0.1, 100, warmup_target=0.2,
                                                                                     warmup_steps=5))
    data = json.loads(json.dumps(optimizers.serialize(opt)))
    again = optimizers.get(data)
    assert type(again) is type(opt) and again.get_config() == opt.get_config()


def test_a_plain_callable_schedule_works_but_does_not_serialize():
    opt = SGD(learning_rate=lambda step: 0.1 / (1 + step))
    assert opt.current_learning_rate == 0.1
    with pytest.raises(TypeError, match="schedule"):
        optimizers.serialize(opt)


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
    for a, b in zip(resumed, straight):
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
    assert all(np.array_equal(a, b) and a.dtype == np.float32 for a, b in zip(resumed, straight))
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
BAD_CONSTRUCTOR = [
    ("sgd", {"learning_rate": 0.0}, ValueError, "learning_rate"),
    ("sgd", {"learning_rate": -0.1}, ValueError, "learning_rate"),
    ("adam", {"learning_rate": float("nan")}, ValueError, "learning_rate"),
    ("adam", {"learning_rate": float("inf")}, ValueError, "learning_rate"),
    ("adam", {"learning_rate": "0.1"}, TypeError, "learning_rate"),
    ("adam", {"learning_rate": True}, TypeError, "learning_rate"),
    ("adam", {"beta_1": 1.0}, ValueError, "beta_1"),
    ("adam", {"beta_1": -0.1}, ValueError, "beta_1"),
    ("adamw", {"beta_2": 1.0}, ValueError, "beta_2"),
    ("nadam", {"beta_2": 1.5}, ValueError, "beta_2"),
    ("rmsprop", {"rho": 1.0}, ValueError, "rho"),
    ("adadelta", {"rho": -0.5}, ValueError, "rho"),
    ("adagrad", {"epsilon": -1e-8}, ValueError, "epsilon"),
    ("adam", {"epsilon": -1.0}, ValueError, "epsilon"),
    ("sgd", {"momentum": -0.1}, ValueError, "momentum"),
    ("sgd", {"momentum": 1.5}, ValueError, "momentum"),
    ("rmsprop", {"momentum": 2.0}, ValueError, "momentum"),
    ("momentum", {"momentum": 0.0}, ValueError, "momentum"),
    ("sgd", {"nesterov": True}, ValueError, "nesterov"),
    ("sgd", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, ValueError, "nesterov"),
    ("nag", {"nesterov": False}, ValueError, "nesterov"),
    ("sgd", {"dampening": 2.0}, ValueError, "dampening"),
    ("sgd", {"clipnorm": 1.0, "clipvalue": 1.0}, ValueError, "at most one"),
    ("adam", {"clipnorm": 1.0, "global_clipnorm": 1.0}, ValueError, "at most one"),
    ("adam", {"clipnorm": 0.0}, ValueError, "clipnorm"),
    ("adam", {"global_clipnorm": -1.0}, ValueError, "global_clipnorm"),
    ("adam", {"clipvalue": float("inf")}, ValueError, "clipvalue"),
    ("adam", {"clip_norm_type": 0.5}, ValueError, "norm_type"),
    ("adam", {"flavor": "pytorch"}, ValueError, "flavor"),
    ("adam", {"weight_decay": -0.1}, ValueError, "weight_decay"),
    ("adam", {"weight_decay_mode": "l2"}, ValueError, "weight_decay_mode"),
    ("adam", {"weight_decay_mode": "lecture", "decoupled_weight_decay": True}, ValueError, "decoupled_weight_decay"),
    ("adamw", {"weight_decay_mode": "coupled"}, ValueError, "weight_decay_mode"),
    ("adam", {"epsilon_placement": "middle"}, ValueError, "epsilon_placement"),
    ("rmsprop", {"epsilon_placement": "hat"}, ValueError, "epsilon_placement"),
    ("nadam", {"momentum_decay": -1.0}, ValueError, "momentum_decay"),
    ("adagrad", {"initial_accumulator_value": -0.1}, ValueError, "initial_accumulator_value"),
    ("adagrad", {"lr_decay": -0.1}, ValueError, "lr_decay"),
    ("rmsprop", {"centered": "yes"}, TypeError, "centered"),
    ("adam", {"amsgrad": 1}, TypeError, "amsgrad"),
    ("sgd", {"momentum_buffer": "both"}, ValueError, "momentum_buffer"),
]


@pytest.mark.parametrize("name, kwargs, error, match", BAD_CONSTRUCTOR,
                         ids=[f"{n}-{'-'.join(k)}-{v}" for n, k, _, v in
                              [(n, list(kw), e, str(list(kw.values())[-1])) for n, kw, e, _ in BAD_CONSTRUCTOR]])
def test_constructor_rejects_bad_arguments(name, kwargs, error, match):
    with pytest.raises(error, match=match):
        optimizers.get(name, **kwargs)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_gradient_is_rejected_before_anything_is_written(name, bad):
    opt = optimizers.get(name)
    params = [np.ones(3), np.ones(2)]
    opt.apply([np.ones(3), np.ones(2)], params)
    before_params, before_state = [p.copy() for p in params], opt.get_state()
    grads = [np.ones(3), np.array([0.5, bad])]
    with pytest.raises(ValueError, match=r"grads\[1\]"):
        opt.apply(grads, params)
    for a, b in zip(params, before_params):
        np.testing.assert_array_equal(a, b)
    after = opt.get_state()
    assert after.keys() == before_state.keys() and all(np.array_equal(after[k], before_state[k]) for k in after)


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


@pytest.mark.parametrize("name", sorted(optimizers.REGISTRY))
def test_restore_previous_puts_back_the_weights_before_the_last_step(name):
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(40, 30)).astype(np.float32), rng.normal(size=30).astype(np.float32)]
    opt = optimizers.get(name, learning_rate=0.1)
    assert opt.restore_previous(params) is False                 # nothing kept before a step
    for step in range(3):
        before = [p.copy() for p in params]
        opt.apply([rng.normal(size=p.shape).astype(np.float32) for p in params], params)
        assert not all(np.array_equal(a, b) for a, b in zip(params, before))
    state = opt.get_state()
    assert opt.restore_previous(params) is True
    for a, b in zip(params, before):
        np.testing.assert_array_equal(a, b)
    assert opt.iterations == 3 and all(np.array_equal(v, state[k]) for k, v in opt.get_state().items())
    opt.set_state(state)                                          # a set state keeps no step
    assert opt.restore_previous(params) is False


def test_a_pickled_optimizer_carries_its_slots_not_its_work_arrays():
    import pickle

    params = [np.ones((20, 10), np.float32)]
    opt = optimizers.get("adam")
    opt.apply([np.full((20, 10), 0.5, np.float32)], params)
    again = pickle.loads(pickle.dumps(opt))
    assert again._kept == [[], []] and again.restore_previous(params) is False
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


@pytest.mark.parametrize("value", [-0.1, float("nan"), "x", None])
def test_a_bad_rate_assigned_after_construction_is_named(value):
    opt = Adam()
    opt.learning_rate = value                                  # e.g. by a callback
    w = [np.ones(2)]
    with pytest.raises(ValueError, match="learning_rate.*step 0"):
        opt.apply([np.ones(2)], w)
    np.testing.assert_array_equal(w[0], [1.0, 1.0])


def test_a_schedule_may_reach_zero():
    opt = SGD(learning_rate=schedules.CosineDecay(0.1, 1))
    w = [np.ones(2)]
    opt.apply([np.ones(2)], w)
    opt.apply([np.ones(2)], w)                                 # step 1: η = 0
    np.testing.assert_allclose(w[0], [0.9, 0.9], rtol=1e-15)
    assert math.isclose(opt.current_learning_rate, 0.0, abs_tol=1e-18)


# ================================================================================== the docs
def test_the_flavor_table_in_the_docs_is_true():
    import pathlib
    import re
    text = (pathlib.Path(__file__).resolve().parents[1] / "docs" / "optimizers.md").read_text()
    table = text.split("<!-- flavor-table -->")[1].split("<!-- /flavor-table -->")[0]
    rows = [r for r in table.strip().splitlines()[2:]]
    assert len(rows) > 30
    for row in rows:
        name, key, *values = [c.strip().strip("`") for c in row.strip("|").split("|")]
        names = NAMES if name == "all" else [name]
        for n in names:
            for flavor, shown in zip(FLAVORS, values):
                actual = optimizers.get(n, flavor=flavor).get_config()[key]
                if n == "adamw" and name == "all" and key == "weight_decay_mode":
                    continue                                   # AdamW's own row says it
                assert repr(actual).strip("'") == shown, f"{n} {key} {flavor}: docs {shown}, code {actual!r}"
        assert re.fullmatch(r"\w+", key)


# ============================================================================ with the engine
@pytest.mark.parametrize("name", NAMES)
def test_compile_by_name_trains_a_model(name):
    from descend import Dense, Input, Sequential

    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]])
    model = Sequential([Input(3), Dense(4, "tanh"), Dense(1)], dtype="float64", seed=0)
    model.compile(optimizer=name.upper(), loss="mse")
    assert isinstance(model.optimizer, optimizers.REGISTRY[name])
    first = model.train_on_batch(X, y)
    for _ in range(30):
        last = model.train_on_batch(X, y)
    assert last < first and model.optimizer.iterations == 31


@pytest.mark.parametrize("name", sorted(optimizers.REGISTRY))
def test_unknown_keyword_is_rejected_by_name(name):
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['bogus'\]"):
        optimizers.get(name, bogus=1)


def test_check_finite_false_skips_the_gradient_scan_but_nan_still_never_reaches_the_weights():
    w = np.ones(3)
    opt = SGD(learning_rate=0.1)
    with pytest.raises(ValueError, match=r"grads\[0\]: expected finite values"):
        opt.apply([np.array([1.0, np.nan, 0.0])], [w])
    with pytest.raises(ValueError, match=r"grads\[0\]: expected finite values, got 1 .*as before the step"):
        opt.apply([np.array([1.0, np.nan, 0.0])], [w], check_finite=False)
    np.testing.assert_array_equal(w, 1.0)
