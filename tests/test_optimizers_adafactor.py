"""Adafactor: the lecture flavor against the paper's rule written by hand (Shazeer & Stern 2018,
Algorithms 4 and 5, with sums over rows and columns), flavor="keras" against Keras 3's
``update_step`` transcribed to NumPy (matrices, vectors, 3-D and 0-D arrays), the factored
second moment's properties, and Keras's own tests.

Ported: ``keras/src/optimizers/adafactor_test.py`` at Keras commit
3422977a5e38fb2f7709aaa9a08e47f0c43d0f60 (Apache-2.0), each test under its Keras name, with its
numbers, run against ``flavor="keras"`` (docs/peer-tests.md lists them).
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from descend import optimizers, schedules
from descend.optimizers import Adafactor
from oracles import assert_close, assert_matches_formula, gradient_sequence, initial_params
from oracles import run as run_ours
from test_optimizers_keras_formulas import run_keras


def rms(x):
    return np.sqrt(np.mean(x * x))


def paper_adafactor(cap=1e-2, c=-0.8, eps1=1e-30, eps2=1e-3, d=1.0):
    def step(w, g, s, t):
        rho = min(cap, 1 / math.sqrt(t))
        alpha = max(eps2, rms(w)) * rho
        b2 = 1 - t ** c
        g2 = g * g + eps1
        if w.ndim == 2:
            n, m = w.shape
            s["R"] = b2 * s.get("R", 0.0) + (1 - b2) * (g2 @ np.ones(m))          # row sums
            s["C"] = b2 * s.get("C", 0.0) + (1 - b2) * (np.ones(n) @ g2)          # column sums
            v = np.outer(s["R"], s["C"]) / (np.ones(n) @ s["R"])                  # R Cᵀ / 1ᵀR
        else:
            s["V"] = v = b2 * s.get("V", 0.0) + (1 - b2) * g2
        u = g / np.sqrt(v)
        return w - alpha * u / max(1.0, rms(u) / d)
    return step


CASES = {
    "adafactor": (paper_adafactor(), lambda: Adafactor()),
    "adafactor-options": (paper_adafactor(0.3, -0.65, 1e-15, 1e-4, 0.9),
                          lambda: Adafactor(0.3, -0.65, 1e-15, 1e-4, 0.9)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_lecture_flavor_matches_the_paper(case):
    assert_matches_formula(*CASES[case])


# ------------------------------------------ flavor="keras" against Keras's formula, written out
def keras_adafactor(beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0,
                    relative_step=True):
    def step(w, g, s, lr, it):  # keras/src/optimizers/adafactor.py, update_step
        local_step = it + 1.0
        if relative_step:
            lr = min(lr, 1 / math.sqrt(local_step))
        rho_t = min(lr, 1 / math.sqrt(local_step))
        alpha_t = max(epsilon_2, rms(w)) * rho_t
        regulated_grad_square = g * g + epsilon_1
        beta_2_t = 1 - local_step ** beta_2_decay
        if w.ndim >= 2:
            r = s.setdefault("r", np.zeros(w.shape[:-1]))
            c = s.setdefault("c", np.zeros(w.shape[:-2] + w.shape[-1:]))
            r[...] = beta_2_t * r + (1 - beta_2_t) * np.mean(regulated_grad_square, axis=-1)
            c[...] = beta_2_t * c + (1 - beta_2_t) * np.mean(regulated_grad_square, axis=-2)
            v = np.expand_dims(r / np.mean(r, axis=-1, keepdims=True), -1) * np.expand_dims(c, -2)
        else:
            v = s.setdefault("v", np.zeros_like(w))
            v[...] = beta_2_t * v + (1 - beta_2_t) * regulated_grad_square
        u_t = g / np.sqrt(v)
        u_t_hat = u_t / max(1.0, rms(u_t) / clip_threshold)
        return w - alpha_t * u_t_hat
    return step


OPTIONS = {"beta_2_decay": -0.65, "epsilon_1": 1e-15, "epsilon_2": 1e-4, "clip_threshold": 0.9,
           "relative_step": False}
ExpDecay = schedules.ExponentialDecay(0.05, 10, 0.8)
KERAS_CASES = {
    "defaults": (keras_adafactor(), {"learning_rate": 1e-3}, {}),
    "every-hyperparameter": (keras_adafactor(**OPTIONS), {"learning_rate": 0.5},
                             {"learning_rate": 0.5, **OPTIONS}),
    "weight_decay": (keras_adafactor(), {"learning_rate": 0.05, "weight_decay": 0.1},
                     {"learning_rate": 0.05, "weight_decay": 0.1}),
    "schedule-clipnorm": (keras_adafactor(), {"learning_rate": ExpDecay, "clipnorm": 0.5},
                          {"learning_rate": ExpDecay, "clipnorm": 0.5}),
}


@pytest.mark.parametrize("case", sorted(KERAS_CASES))
def test_keras_flavor_matches_the_keras_formula_over_200_steps(case):
    update_step, keras_kw, ours_kw = KERAS_CASES[case]
    grads = gradient_sequence()
    assert_close(run_ours(Adafactor(flavor="keras", **ours_kw), grads),
                 run_keras(update_step, grads, **keras_kw), rtol=1e-12)


def test_keras_flavor_factors_the_last_two_axes_and_leaves_0d_arrays_whole():
    shapes = ((2, 3, 4), (), (1, 5))
    grads = [[np.asarray(g) for g in gs] for gs in gradient_sequence(60, shapes=shapes)]
    start = [np.asarray(w) for w in initial_params(shapes=shapes)]   # (0-D: arrays, not floats)
    ours = run_ours(Adafactor(0.05, flavor="keras", weight_decay=0.1), grads, [w.copy() for w in start])
    update_step, ref, slots = keras_adafactor(), start, [{} for _ in shapes]
    for it, gs in enumerate(grads):
        ref = [update_step(w - w * 0.1 * 0.05, g, s, 0.05, it)          # Keras: decay, then update_step
               for w, g, s in zip(ref, gs, slots, strict=True)]
    assert_close(ours, ref, rtol=1e-12)


# ------------------------------------------ the factored second moment
class BroadcastAdafactor(Adafactor):
    """Adafactor as descend kept it before its state was factored: R, C and V̂ at the weight's
    shape (R constant along the last axis, C along the second last), the rule otherwise the same
    lines. The factored optimizer must take the very same steps, bit for bit."""

    def slot_shape(self, name, shape):
        return tuple(shape)

    def rule(self, g, slots, lr, t):
        same = {"r": slots["r"], "c": slots["c"], "v": slots["v"]}
        if g.size == 0:
            return np.zeros_like(g), same
        w = slots["w"] if self.rms_weight == "decayed" else slots["w_before_decay"]
        rho = min(lr, 1 / math.sqrt(t))
        alpha = max(self.epsilon_2, float(rms(w))) * rho
        b2 = 1 - float(t) ** self.beta_2_decay
        eps1 = float(np.finfo(g.dtype).eps) if self.epsilon_1 is None else self.epsilon_1
        clamp = self.epsilon_placement == "clamp"
        g2 = g * g if clamp else g * g + eps1
        if g.ndim < 2:
            v = b2 * slots["v"] + (1 - b2) * g2
            root = np.sqrt(np.maximum(v, eps1 * eps1) if clamp else v)
            new = {**same, "v": v}
        else:
            r = b2 * slots["r"][..., 0] + (1 - b2) * np.mean(g2, axis=-1)
            c = b2 * slots["c"][..., 0, :] + (1 - b2) * np.mean(g2, axis=-2)
            r_mean = np.mean(r, axis=-1, keepdims=True)
            if clamp:
                v = r[..., None] * c[..., None, :] / np.maximum(r_mean, eps1)[..., None]
                root = np.sqrt(np.maximum(v, eps1 * eps1))
            else:
                v = (r / r_mean)[..., None] * c[..., None, :]
                root = np.sqrt(r / r_mean)[..., None] * np.sqrt(c)[..., None, :]
            new = {"r": r[..., None], "c": c[..., None, :], "v": v}
        with np.errstate(divide="ignore"):
            u = g / root
        u_hat = u / max(1.0, float(rms(u)) / self.clip_threshold)
        return alpha * u_hat, new


SHAPES = ((), (5,), (4, 3), (2, 3, 4), (1, 6))


def _trajectory(opt, dtype, steps=15):
    rng = np.random.default_rng(3)
    params = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    path = []
    for t in range(steps):
        grads = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
        if t == 4:                                       # a zero row and column in the 4×3 matrix
            grads[2][1, :] = 0
            grads[2][:, 2] = 0
        opt.apply(grads, params)
        path.append([p.copy() for p in params])
    return path, params


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("flavor", ["lecture", "keras", "torch"])
def test_the_factored_state_takes_the_steps_of_the_full_shape_state_bit_for_bit(flavor, dtype):
    kw = {} if flavor == "lecture" else {"weight_decay": 0.01}
    factored, full = Adafactor(flavor=flavor, **kw), BroadcastAdafactor(flavor=flavor, **kw)
    ours, theirs = _trajectory(factored, dtype)[0], _trajectory(full, dtype)[0]
    for t, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert x.dtype == y.dtype == dtype
            assert x.tobytes() == y.tobytes(), f"step {t}, weight {SHAPES[i]}"
    for i, shape in enumerate(SHAPES):                 # and R, C are the broadcast ones' rows/columns
        r, c = factored.state["r"][i], factored.state["c"][i]
        if len(shape) >= 2:
            np.testing.assert_array_equal(r, full.state["r"][i][..., 0])
            np.testing.assert_array_equal(c, full.state["c"][i][..., 0, :])
        else:
            np.testing.assert_array_equal(factored.state["v"][i], full.state["v"][i])


@pytest.mark.parametrize(("shape", "r", "c", "v"), [
    ((), (), (), ()), ((5,), (), (), (5,)), ((3, 4), (3,), (4,), ()),
    ((2, 3, 4), (2, 3), (2, 4), ()), ((0, 4), (0,), (4,), ())])
def test_the_accumulators_have_keras_shapes(shape, r, c, v):
    # keras/src/optimizers/adafactor.py build(): r = shape[:-1], c = shape[:-2] + shape[-1:],
    # scalar placeholders below 2 axes (Keras's full-shape v of a matrix is never read: not kept)
    opt = Adafactor(flavor="keras")
    opt.build([np.zeros(shape, np.float32)])
    assert [(opt.state[n][0].shape, opt.state[n][0].dtype) for n in "rcv"] == \
        [(r, np.float32), (c, np.float32), (v, np.float32)]
    assert all(opt.slot_shape(n, shape) == s for n, s in zip("rcv", (r, c, v), strict=True))


def test_the_row_and_column_accumulators_are_the_mean_squared_gradient_at_step_1():
    g = np.random.default_rng(0).standard_normal((3, 4))
    opt = Adafactor(flavor="keras")
    opt.apply([g], [np.ones((3, 4))])                       # β̂₂₁ = 0: R₁, C₁ are the means
    np.testing.assert_allclose(opt.state["r"][0], np.mean(g * g + 1e-30, axis=1), rtol=1e-15)
    np.testing.assert_allclose(opt.state["c"][0], np.mean(g * g + 1e-30, axis=0), rtol=1e-15)


def test_a_1000_by_1000_weight_keeps_2000_numbers_of_state_not_a_million():
    w = np.zeros((1000, 1000), np.float32)
    opt = Adafactor()
    opt.apply([np.ones_like(w)], [w])
    state_bytes = sum(v.nbytes for v in opt.get_state().values() if isinstance(v, np.ndarray))
    assert state_bytes == (1000 + 1000 + 1) * 4             # R, C and V̂'s 0-D placeholder
    full = BroadcastAdafactor()
    full.apply([np.ones_like(w)], [np.zeros_like(w)])
    assert sum(a.nbytes for arrays in full.state.values() for a in arrays) == 3 * 1000 * 1000 * 4


def test_variables_and_set_weights_round_trip_the_factored_state():
    shapes = ((3, 4), (4,))
    rng = np.random.default_rng(1)
    params = [rng.standard_normal(s) for s in shapes]
    opt = Adafactor(flavor="keras")
    for _ in range(3):
        opt.apply([rng.standard_normal(s) for s in shapes], params)
    variables = opt.variables
    assert [v.shape for v in variables] == [(), (), (3,), (), (4,), (), (), (4,)]
    twin = Adafactor(flavor="keras")
    twin.build([p.copy() for p in params])
    twin.set_weights(variables)
    grads = [rng.standard_normal(s) for s in shapes]
    a, b = [p.copy() for p in params], [p.copy() for p in params]
    opt.apply(grads, a)
    twin.apply(grads, b)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(ValueError, match=r"weights\[2\]: expected shape \(3,\), got \(3, 4\)"):
        twin.set_weights([variables[0], variables[1], np.zeros((3, 4)), *variables[3:]])


def test_full_shape_state_from_before_the_factoring_is_refused_naming_the_slot_and_its_shape():
    old = BroadcastAdafactor()
    old.apply([np.ones((3, 4))], [np.ones((3, 4))])
    opt = Adafactor()
    opt.set_state(old.get_state())
    with pytest.raises(ValueError, match=r"'r' state has shape \(3, 4\) and dtype float64, expected "
                                         r"\(3,\) and float64 for a weight of shape \(3, 4\)"):
        opt.apply([np.ones((3, 4))], [np.ones((3, 4))])


def test_a_checkpoint_with_full_shape_adafactor_state_is_refused_naming_the_slot_and_its_shape(tmp_path):
    from descend import Dense, Input, Sequential, load_model

    model = Sequential([Input(3), Dense(2)], seed=0)
    model.compile(optimizer=Adafactor(), loss="mse")
    X = np.random.default_rng(0).standard_normal((8, 3))
    model.fit(X, X[:, :2], epochs=1, verbose=0)
    model.save(tmp_path / "new")
    resumed = load_model(tmp_path / "new")              # the factored state loads, as it was
    for key, value in model.optimizer.get_state().items():
        np.testing.assert_array_equal(resumed.optimizer.get_state()[key], value, err_msg=key)
    kernel = model.optimizer.state["r"][0]              # written as before: R, C, V̂ at (3, 2)
    model.optimizer.state["r"][0] = np.repeat(kernel[:, None], 2, axis=1)
    model.save(tmp_path / "old")
    with pytest.raises(ValueError, match=r"'r/0' has shape \(3, 2\) and dtype float32, expected "
                                         r"\(3,\) and float32 for weight 0 of shape \(3, 2\) "
                                         r"\(written when the optimizer kept this slot"):
        load_model(tmp_path / "old")


@pytest.mark.parametrize("small", [0.0, 2.4e-15])
def test_a_zero_row_and_column_in_float32_take_float64s_step_where_keras_gives_nan(small):
    # V̂[1, 1] = (R₁/mean R)·C₁ ≈ 4e-30 · 1e-30 underflows to 0 in float32: Keras's U = 0/0 or
    # g/0; √(R₁/mean R)·√C₁ ≈ 2e-15 · 1e-15 does not
    g = np.array([[1.0, small], [small, small]])
    w32, w64 = [np.ones((2, 2), np.float32)], [np.ones((2, 2))]
    Adafactor(0.5, flavor="keras").apply([g.astype(np.float32)], w32)
    Adafactor(0.5, flavor="keras").apply([g], w64)
    np.testing.assert_allclose(w32[0], w64[0], rtol=1e-5, atol=1e-6)
    assert not np.array_equal(w64[0], np.ones((2, 2)))


def test_relative_step_changes_nothing_as_in_keras():
    rng = np.random.default_rng(1)
    grads = [[rng.standard_normal((2, 3))] for _ in range(10)]
    paths = []
    for relative in (True, False):
        w = [np.ones((2, 3))]
        run_ours(Adafactor(0.9, flavor="keras", relative_step=relative), grads, w)
        paths.append(w[0])
    np.testing.assert_array_equal(*paths)


def test_the_step_is_clipped_to_rms_at_most_alpha_times_d():
    w0 = np.full((4, 4), 2.0)
    w = [w0.copy()]
    Adafactor(0.5, flavor="keras", clip_threshold=0.25).apply([np.arange(16.0).reshape(4, 4) + 1], w)
    assert rms(w[0] - w0) == pytest.approx(0.25 * 0.5 * rms(w0), rel=1e-12)   # α₁ = ρ₁ RMS(w), ρ₁ = η


def test_flavors():
    assert Adafactor().learning_rate == 1e-2 and Adafactor(flavor="keras").learning_rate == 1e-3
    keras, torch_like = Adafactor(flavor="keras"), Adafactor(flavor="torch")
    assert (keras.epsilon_1, keras.epsilon_placement, keras.rms_weight) == (1e-30, "inside", "decayed")
    assert (torch_like.epsilon_1, torch_like.epsilon_placement, torch_like.rms_weight,
            torch_like.weight_decay_mode) == (None, "clamp", "current", "decoupled")


def test_clamping_epsilon_1_keeps_zero_gradients_finite_and_still():
    # PyTorch's form: no ε₁ in the averages, so a zero gradient has V̂ = 0, clamped at ε₁²: U = 0/ε₁ = 0
    w = [np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, -1.0])]
    Adafactor(flavor="keras", epsilon_placement="clamp").apply([np.zeros((2, 2)), np.zeros(2)], w)
    np.testing.assert_array_equal(w[0], [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(w[1], [1.0, -1.0])
    opt = Adafactor(flavor="keras", epsilon_placement="clamp", epsilon_1=0.0)
    with pytest.raises(ValueError, match="not finite"):       # 0/0 without any ε₁
        opt.apply([np.zeros(2)], [np.ones(2)])


def test_torchs_epsilon_1_is_the_machine_epsilon_of_the_weights_dtype():
    for dtype in (np.float32, np.float64):
        w = [np.ones(3, dtype)]
        opt = Adafactor(0.1, epsilon_placement="inside", flavor="torch")      # ε₁ None: torch's
        opt.apply([np.zeros(3, dtype)], w)                     # V̂ = ε₁ at t = 1 (β̂₂₁ = 0)
        assert opt.state["v"][0][0] == np.finfo(dtype).eps


def test_rms_weight_says_which_weight_scales_the_step():
    # α₁ = RMS(w)·ρ₁: Keras reads the decayed w (1 − ηλ)w, PyTorch the current one
    steps = {}
    for rms_weight in ("decayed", "current"):
        w = [np.full((2, 2), 2.0)]
        Adafactor(0.5, flavor="keras", weight_decay=0.2, rms_weight=rms_weight).apply([np.ones((2, 2))], w)
        steps[rms_weight] = 2.0 * (1 - 0.5 * 0.2) - w[0][0, 0]     # the step after the decay
    assert steps["decayed"] == pytest.approx(0.5 * 2.0 * 0.9, rel=1e-12)
    assert steps["current"] == pytest.approx(0.5 * 2.0, rel=1e-12)


@pytest.mark.parametrize("kwargs, match", [({"beta_2_decay": 0.5}, "beta_2_decay"),
                                           ({"epsilon_1": -1.0}, "epsilon_1"),
                                           ({"epsilon_2": -1.0}, "epsilon_2"),
                                           ({"clip_threshold": 0.0}, "clip_threshold"),
                                           ({"relative_step": "yes"}, "relative_step"),
                                           ({"epsilon_placement": "outside"}, "epsilon_placement"),
                                           ({"rms_weight": "both"}, "rms_weight")])
def test_bad_hyperparameters_are_refused_by_name(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        Adafactor(flavor="keras", **kwargs)


# ------------------------------------------ keras/src/optimizers/adafactor_test.py, ported
def test_config():
    optimizer = Adafactor(learning_rate=0.5, flavor="keras", **OPTIONS)
    config = optimizer.get_config()
    assert {k: config[k] for k in OPTIONS} == OPTIONS and config["learning_rate"] == 0.5
    again = optimizers.get(json.loads(json.dumps(optimizers.serialize(optimizer))))
    assert type(again) is Adafactor and again.get_config() == config


def test_single_step_1d():
    optimizer = Adafactor(learning_rate=0.5, flavor="keras")
    w = [np.array([1.0, 2.0, 3.0, 4.0], np.float32)]
    optimizer.apply([np.array([1.0, 6.0, 7.0, 2.0], np.float32)], w)
    np.testing.assert_allclose(w[0], [-0.3693, 0.6307, 1.6307, 2.6307], rtol=1e-4, atol=1e-4)


def test_single_step_2d():
    optimizer = Adafactor(learning_rate=0.5, flavor="keras")
    w = [np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)]
    optimizer.apply([np.array([[1.0, 6.0], [7.0, 2.0]], np.float32)], w)
    np.testing.assert_allclose(w[0], [[0.7007, -0.0081], [1.2492, 3.4407]], rtol=1e-4, atol=1e-4)


def test_weight_decay():
    # Keras applies var1 three times (optimizer_1, _2, _3) with a zero gradient: 2·(1 − ηλ)³;
    # var2 is kept out by its name, var3 by identity.
    var1, var2, var3 = (np.array(2.0, np.float32) for _ in range(3))
    zero = np.zeros((), np.float32)
    optimizer_1 = Adafactor(learning_rate=1.0, weight_decay=0.004, flavor="keras")
    optimizer_1.apply([zero], [var1])

    optimizer_2 = Adafactor(learning_rate=1.0, weight_decay=0.004, flavor="keras")
    optimizer_2.exclude_from_weight_decay(var_names=["exclude"])
    optimizer_2.apply([zero, zero], [var1, var2], names=["var1", "exclude"])

    optimizer_3 = Adafactor(learning_rate=1.0, weight_decay=0.004, flavor="keras")
    optimizer_3.exclude_from_weight_decay(var_list=[var3])
    optimizer_3.apply([zero, zero], [var1, var3])

    assert var1 == pytest.approx(1.9760959, abs=1e-6)
    assert var2 == pytest.approx(2.0, abs=1e-6)
    assert var3 == pytest.approx(2.0, abs=1e-6)



def test_correctness_with_golden():
    optimizer = Adafactor(learning_rate=0.5, flavor="keras", **OPTIONS)
    x = [np.ones(10)]
    grads = np.arange(0.1, 1.1, 0.1)
    golden = np.array(
        [[0.55, 0.55, 0.55, 0.55, 0.55, 0.55, 0.55, 0.55, 0.55, 0.55],
         [0.3031, 0.3026, 0.3025, 0.3024, 0.3024, 0.3024, 0.3024, 0.3024, 0.3024, 0.3024],
         [0.1671, 0.1665, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663, 0.1663],
         [0.0923, 0.0916, 0.0915, 0.0914, 0.0914, 0.0914, 0.0914, 0.0914, 0.0914, 0.0914],
         [0.0554, 0.0548, 0.0546, 0.0546, 0.0546, 0.0546, 0.0546, 0.0545, 0.0545, 0.0545]])
    optimizer.apply([np.full(10, 0.01)], x)
    for i in range(5):
        np.testing.assert_allclose(x[0], golden[i], rtol=5e-4, atol=5e-4)
        optimizer.apply([grads], x)


def test_clip_norm():
    optimizer = Adafactor(clipnorm=1, flavor="keras")
    clipped = optimizer._clip([np.array([100.0, 100.0])])
    np.testing.assert_allclose(clipped[0], [2**0.5 / 2, 2**0.5 / 2])


def test_clip_value():
    optimizer = Adafactor(clipvalue=1, flavor="keras")
    clipped = optimizer._clip([np.array([100.0, 100.0])])
    np.testing.assert_allclose(clipped[0], [1.0, 1.0])
