"""Initializers: statistics against the formulas, fans, reproducibility, registry and errors."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from descend import initializers as I

N_IN, N_OUT = 500, 300          # n = nodes of the previous layer, m = nodes of this layer
SHAPE = (N_IN, N_OUT)
SIZE = N_IN * N_OUT
C = 0.87962566103423978

# name -> (kind, target standard deviation) on a (500, 300) kernel, from the slides and docs/conventions.md §6
UNIFORM = {
    "glorot_uniform": math.sqrt(6 / (N_IN + N_OUT)),     # bound, lecture's Xavier uniform
    "xavier_uniform": math.sqrt(6 / (N_IN + N_OUT)),
    "he_uniform": math.sqrt(6 / N_IN),                   # lecture's He uniform
    "kaiming_uniform": math.sqrt(6 / N_IN),
    "lecun_uniform": math.sqrt(3 / N_IN),
}
UNTRUNCATED = {                                          # std, lecture's normals
    "xavier_normal": math.sqrt(2 / (N_IN + N_OUT)),
    "kaiming_normal": math.sqrt(2 / N_IN),
}
TRUNCATED = {                                            # final std (after the 1/0.8796 correction)
    "glorot_normal": math.sqrt(2 / (N_IN + N_OUT)),
    "he_normal": math.sqrt(2 / N_IN),
    "lecun_normal": math.sqrt(1 / N_IN),
}


def draw(init, shape=SHAPE, seed=0, dtype="float64"):
    return I.get(init)(shape, np.random.default_rng(seed), dtype)


def assert_centered(w, std):
    # mean of SIZE iid samples: standard error std/sqrt(SIZE); allow 5 standard errors
    assert abs(w.mean()) < 5 * std / math.sqrt(SIZE)


# --------------------------------------------------------------------------- statistics
@pytest.mark.parametrize("name", sorted(UNIFORM))
def test_uniform_bound_and_variance(name):
    bound = UNIFORM[name]
    w = draw(name)
    assert w.shape == SHAPE and w.dtype == np.float64
    assert np.abs(w).max() <= bound                      # respected ...
    assert w.max() > 0.999 * bound and w.min() < -0.999 * bound   # ... and nearly reached
    assert w.var() == pytest.approx(bound ** 2 / 3, rel=0.02)
    assert_centered(w, bound / math.sqrt(3))


@pytest.mark.parametrize("name", sorted(UNTRUNCATED))
def test_untruncated_normal_variance_and_tails(name):
    std = UNTRUNCATED[name]
    w = draw(name)
    assert w.var() == pytest.approx(std ** 2, rel=0.02)
    assert_centered(w, std)
    # an untruncated normal exceeds 2σ with probability 4.55 %, and reaches beyond 2.2737σ
    beyond = np.mean(np.abs(w) > 2 * std)
    assert beyond == pytest.approx(0.0455, abs=0.003)
    assert np.abs(w).max() > 4 * std


@pytest.mark.parametrize("name", sorted(TRUNCATED))
def test_keras_truncated_normal_std_and_cut(name):
    std = TRUNCATED[name]
    w = draw(name)
    cut = 2 * std / C                                     # ±2σ' with σ' = σ / 0.8796
    assert np.abs(w).max() <= cut
    assert np.abs(w).max() > 0.99 * cut
    assert w.std() == pytest.approx(std, rel=0.01)        # the correction restores σ
    assert_centered(w, std)


def test_he_uses_fan_in_from_first_axis():
    # kernels are (inputs, units): He's n is shape[0]; swapping the axes changes the variance
    w_a = draw("he_uniform", (500, 300))
    w_b = draw("he_uniform", (300, 500))
    assert w_a.var() == pytest.approx(2 / 500, rel=0.02)
    assert w_b.var() == pytest.approx(2 / 300, rel=0.02)


@pytest.mark.parametrize("mode,fan", [("fan_in", N_IN), ("fan_out", N_OUT),
                                      ("fan_avg", (N_IN + N_OUT) / 2)])
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
def test_variance_scaling_modes(mode, fan, distribution):
    init = I.VarianceScaling(scale=3.0, mode=mode, distribution=distribution)
    w = init(SHAPE, np.random.default_rng(1), "float64")
    assert init.variance(SHAPE) == pytest.approx(3.0 / fan)
    assert w.var() == pytest.approx(3.0 / fan, rel=0.02)


def test_variance_scaling_normal_is_truncated_as_in_keras():
    init = I.VarianceScaling(distribution="normal")
    assert init.distribution == "truncated_normal"
    assert np.array_equal(init(SHAPE, np.random.default_rng(3)),
                          I.LecunNormal()(SHAPE, np.random.default_rng(3)))


def test_variance_scaling_conv_shape_uses_receptive_field():
    shape = (3, 3, 16, 32)                              # fan_in 144, fan_out 288
    w = I.VarianceScaling(2.0, "fan_in", "untruncated_normal")(shape, np.random.default_rng(0),
                                                                 "float64")
    assert w.shape == shape
    # 4608 samples: the sample variance has relative standard error sqrt(2/4608) ≈ 2 %
    assert w.var() == pytest.approx(2 / 144, rel=0.1)


def test_zero_sized_shape_does_not_divide_by_zero():
    for name in I.INITIALIZERS:
        w = draw(name, (0, 5))
        assert w.shape == (0, 5)


def test_random_normal_uniform_truncated_and_constants():
    w = draw(I.RandomNormal(mean=1.0, stddev=0.5))
    assert w.mean() == pytest.approx(1.0, abs=0.01) and w.std() == pytest.approx(0.5, rel=0.01)
    w = draw(I.RandomUniform(minval=2.0, maxval=4.0))
    assert 2.0 <= w.min() < 2.001 and 3.999 < w.max() < 4.0
    assert w.var() == pytest.approx(4 / 12, rel=0.02)
    w = draw(I.TruncatedNormal(mean=0.0, stddev=1.0))   # Keras's: no correction
    assert np.abs(w).max() <= 2.0 and w.std() == pytest.approx(C, rel=0.01)
    assert np.all(draw("zeros") == 0) and np.all(draw("ones") == 1)
    assert np.all(draw(I.Constant(0.25)) == 0.25)
    assert I.Constant().value == 0.0


# --------------------------------------------------------------------------- reproducibility
@pytest.mark.parametrize("name", sorted(I.INITIALIZERS))
def test_same_rng_state_same_bits(name):
    a = draw(name, (40, 30), seed=7, dtype="float32")
    b = draw(name, (40, 30), seed=7, dtype="float32")
    assert a.dtype == np.float32
    assert a.tobytes() == b.tobytes()


def test_different_seeds_differ_and_rng_advances():
    init = I.get("glorot_uniform")
    rng = np.random.default_rng(0)
    first, second = init((4, 3), rng), init((4, 3), rng)
    assert not np.array_equal(first, second)
    assert not np.array_equal(draw("he_normal", seed=0), draw("he_normal", seed=1))


def _global_rng_state() -> np.ndarray:
    # NumPy's global generator is its legacy API: watching it is the point of the test below
    return np.random.get_state()[1].copy()  # noqa: NPY002


def test_global_numpy_rng_is_untouched():
    before = _global_rng_state()
    for name in I.INITIALIZERS:
        draw(name, (10, 10))
    assert np.array_equal(_global_rng_state(), before)


def test_float32_is_float64_rounded():
    a32 = draw("he_normal", (50, 20), seed=4, dtype="float32")
    a64 = draw("he_normal", (50, 20), seed=4, dtype=np.float64)
    assert np.array_equal(a32, a64.astype(np.float32))


def test_default_dtype_is_float32():
    assert I.get("glorot_uniform")((3, 2), np.random.default_rng(0)).dtype == np.float32


# --------------------------------------------------------------------------- fans
@pytest.mark.parametrize("shape,fans", [
    ((), (1, 1)),
    ((7,), (7, 7)),
    ((500, 300), (500, 300)),
    ((3, 3, 16, 32), (144, 288)),
    ((5, 4, 6), (20, 30)),
    ([2, 3], (2, 3)),
])
def test_compute_fans(shape, fans):
    assert I.compute_fans(shape) == fans


def test_compute_fans_rejects_bad_shapes():
    with pytest.raises(ValueError, match="shape"):
        I.compute_fans((3, -1))
    with pytest.raises(TypeError, match="shape"):
        I.compute_fans("3x4")


# --------------------------------------------------------------------------- registry
@pytest.mark.parametrize("name", ["he_normal", "HE_NORMAL", "HeNormal", "henormal"])
def test_get_is_case_insensitive_and_takes_class_names(name):
    assert isinstance(I.get(name), I.HeNormal)


def test_presets_equal_their_variance_scaling():
    expect = {
        "glorot_uniform": (1.0, "fan_avg", "uniform"),
        "glorot_normal": (1.0, "fan_avg", "truncated_normal"),
        "he_normal": (2.0, "fan_in", "truncated_normal"),
        "he_uniform": (2.0, "fan_in", "uniform"),
        "lecun_normal": (1.0, "fan_in", "truncated_normal"),
        "lecun_uniform": (1.0, "fan_in", "uniform"),
        "xavier_uniform": (1.0, "fan_avg", "uniform"),
        "xavier_normal": (1.0, "fan_avg", "untruncated_normal"),
        "kaiming_uniform": (2.0, "fan_in", "uniform"),
        "kaiming_normal": (2.0, "fan_in", "untruncated_normal"),
    }
    for name, args in expect.items():
        a = draw(name, (30, 20), seed=5)
        b = draw(I.VarianceScaling(*args), (30, 20), seed=5)
        assert a.tobytes() == b.tobytes(), name


def test_get_passes_instances_and_none_through():
    init = I.HeUniform()
    assert I.get(init) is init
    assert I.get(None) is None
    assert isinstance(I.get(I.GlorotNormal), I.GlorotNormal)


@pytest.mark.parametrize("init", [
    I.Zeros(), I.Ones(), I.Constant(0.3), I.RandomNormal(0.1, 0.2), I.RandomUniform(-1, 2),
    I.TruncatedNormal(0.0, 0.3), I.VarianceScaling(2.0, "fan_out", "uniform"),
    I.GlorotUniform(), I.GlorotNormal(), I.HeNormal(), I.HeUniform(), I.LecunNormal(),
    I.LecunUniform(), I.XavierUniform(gain=5 / 3), I.XavierNormal(), I.KaimingUniform(
        negative_slope=math.sqrt(5)), I.KaimingNormal(mode="fan_out"),
])
def test_serialize_round_trip_through_json(init):
    config = json.loads(json.dumps(I.serialize(init)))
    again = I.get(config)
    assert type(again) is type(init) and again == init
    assert draw(again, (6, 4)).tobytes() == draw(init, (6, 4)).tobytes()


def test_config_dict_accepts_snake_case_class_name():
    init = I.get({"class_name": "variance_scaling", "config": {"scale": 2.0, "mode": "fan_avg"}})
    assert init.get_config() == {"scale": 2.0, "mode": "fan_avg", "distribution": "truncated_normal"}
    assert isinstance(I.get({"class_name": "Zeros"}), I.Zeros)


def test_kaiming_negative_slope_gives_torch_linear_default():
    # torch nn.Linear: kaiming_uniform_(a=√5) = U(±1/√n)
    w = draw(I.KaimingUniform(negative_slope=math.sqrt(5)))
    assert np.abs(w).max() <= 1 / math.sqrt(N_IN)
    assert np.abs(w).max() > 0.999 / math.sqrt(N_IN)


def test_plain_callable():
    def ones_like(shape, rng, dtype):
        return np.ones(shape)
    init = I.get(ones_like)
    w = init((3, 2), np.random.default_rng(0), "float64")
    assert w.dtype == np.float64 and np.all(w == 1)
    with pytest.raises(TypeError, match="cannot be serialized"):
        I.serialize(init)


def test_plain_callable_with_wrong_shape():
    init = I.get(lambda shape, rng, dtype: np.zeros(3))
    with pytest.raises(ValueError, match=r"shape \(3, 2\).*got shape \(3,\)"):
        init((3, 2), np.random.default_rng(0))


# --------------------------------------------------------------------------- errors
def test_unknown_name_lists_known_ones():
    with pytest.raises(ValueError, match="unknown initializer 'he_norml'") as info:
        I.get("he_norml")
    assert "he_normal" in str(info.value) and "kaiming_normal" in str(info.value)


@pytest.mark.parametrize("kwargs,exc,pattern", [
    ({"scale": 0.0}, ValueError, r"scale: expected a number > 0, got 0\.0"),
    ({"scale": -1}, ValueError, "scale: expected a number > 0"),
    ({"scale": "2"}, TypeError, "scale: expected a real number, got str"),
    ({"scale": float("nan")}, ValueError, "scale: expected a finite number"),
    ({"mode": "fan_sum"}, ValueError,
     r"mode: expected one of \['fan_in', 'fan_out', 'fan_avg'\], got 'fan_sum'"),
    ({"distribution": "gaussian"}, ValueError, "distribution: expected one of .*got 'gaussian'"),
])
def test_variance_scaling_validates(kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        I.VarianceScaling(**kwargs)


def test_other_argument_errors():
    with pytest.raises(ValueError, match="stddev: expected a number >= 0"):
        I.RandomNormal(stddev=-1)
    with pytest.raises(ValueError, match="maxval: expected a number >= minval"):
        I.RandomUniform(minval=1, maxval=0)
    with pytest.raises(TypeError, match="value: expected a real number"):
        I.Constant("a")
    with pytest.raises(ValueError, match="mode: expected one of \\['fan_in', 'fan_out'\\]"):
        I.KaimingNormal(mode="fan_avg")
    with pytest.raises(ValueError, match="gain: expected a number > 0"):
        I.XavierNormal(gain=0)


def test_call_errors():
    init = I.get("glorot_uniform")
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator.*got int"):
        init((3, 2), 0)
    with pytest.raises(TypeError, match="rng"):
        init((3, 2), np.random.RandomState(0))
    with pytest.raises(ValueError, match="shape: expected a tuple of non-negative ints"):
        init((3, -2), np.random.default_rng(0))
    with pytest.raises(ValueError, match="shape"):
        init((3, 2.0), np.random.default_rng(0))
    with pytest.raises(ValueError, match="dtype"):
        init((3, 2), np.random.default_rng(0), "int32")


@pytest.mark.parametrize("bad,exc,pattern", [
    (3.5, TypeError, "initializer: expected a name, an Initializer.*got float"),
    ({"config": {}}, ValueError, "expected a dict with keys 'class_name' and 'config'"),
    ({"class_name": "Nope"}, ValueError, "unknown initializer 'Nope'"),
    ({"class_name": "Zeros", "extra": 1}, ValueError, r"unexpected keys \['extra'\]"),
    ({"class_name": "Constant", "config": {"valu": 1}}, TypeError, "does not match Constant's arguments"),
    ({"class_name": "Constant", "config": [1]}, TypeError, "'config' to be a dict"),
])
def test_get_rejects_bad_identifiers(bad, exc, pattern):
    with pytest.raises(exc, match=pattern):
        I.get(bad)


def test_serialize_rejects_non_initializers():
    with pytest.raises(TypeError, match="expected an Initializer, got str"):
        I.serialize("zeros")


def test_numpy_scalars_are_arguments_and_shapes():
    init = I.VarianceScaling(np.float32(2.0), "FAN_IN", "uniform")
    assert init.get_config() == {"scale": 2.0, "mode": "fan_in", "distribution": "uniform"}
    assert type(init.scale) is float
    assert I.RandomNormal(np.int64(0), np.float64(0.5)) == I.RandomNormal(0.0, 0.5)
    w = I.get("he_normal")((np.int64(4), np.int32(3)), np.random.default_rng(0))
    assert w.shape == (4, 3)
    assert I.get("zeros")(np.int64(5), np.random.default_rng(0)).shape == (5,)
    with pytest.raises(ValueError, match="shape: expected a tuple of non-negative ints"):
        I.get("zeros")((2, True), np.random.default_rng(0))


# ------------------------------------------------------------------ issue 15: memory
def test_an_array_larger_than_the_memory_limit_is_refused_before_drawing(monkeypatch):
    monkeypatch.delenv("DESCEND_MEMORY_LIMIT", raising=False)
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    with pytest.raises(ValueError, match=r"shape: an array of shape \(1000000, 100000\) \(float32\) would "
                                         r"need 372\.5 GiB, more than the memory limit"):
        I.get("he_normal")((10**6, 10**5), rng)
    assert rng.bit_generator.state == state                  # nothing drawn


@pytest.mark.parametrize("name", ["he_normal", "glorot_uniform", "kaiming_normal", "lecun_normal",
                                  "random_normal", "truncated_normal", "random_uniform", "xavier_normal"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_drawing_in_chunks_gives_the_numbers_of_one_float64_draw(monkeypatch, name, dtype):
    init = I.get(name)
    whole = np.asarray(init.sample((300, 70), np.random.default_rng(5))).astype(dtype)
    monkeypatch.setattr(I, "DRAW_CHUNK", 997)               # 22 chunks, the last one short
    rng = np.random.default_rng(5)
    chunked = init((300, 70), rng, dtype)
    assert chunked.dtype == dtype and chunked.tobytes() == whole.tobytes()
    after = np.random.default_rng(5)
    init.sample((300, 70), after)
    assert rng.bit_generator.state == after.bit_generator.state   # the same draws, no more, no fewer


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["he_normal", "glorot_uniform", "zeros", "random_normal", "lecun_uniform"]),
       st.sampled_from([None, -1, 0, 3, (2, 3), (0, 4), (2, -1), (2.0, 3), [2, 3], (True, 2), "3",
                        (np.int64(3), 2), (10**9, 10**9), ((2,),), np.float64(3)]))
def test_initializers_take_a_shape_or_name_it(name, shape):
    try:
        out = I.get(name)(shape, np.random.default_rng(0))
    except (ValueError, TypeError) as exc:
        assert "shape" in str(exc), str(exc)
    else:
        assert out.dtype == np.float32 and np.isfinite(out).all()


# --------------------------------------------------------------------------- issue 16: Keras's additions
def _keras_orthogonal(shape, a, gain):
    """Keras's algorithm written out on the normal matrix ``a`` (random_initializers.py)."""
    rows, cols = math.prod(shape[:-1]), shape[-1]
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))
    return gain * (q.T if rows < cols else q).reshape(shape)


@pytest.mark.parametrize("shape", [(5, 5), (7, 3), (3, 7), (3, 3, 4, 8), (2, 3, 20)])
def test_orthogonal_is_keras_algorithm_on_the_same_normal_draw(shape):
    rows, cols = math.prod(shape[:-1]), shape[-1]
    a = np.random.default_rng(3).standard_normal((max(rows, cols), min(rows, cols)))
    w = I.Orthogonal(gain=1.5)(shape, np.random.default_rng(3), "float64")
    assert w.shape == shape and np.array_equal(w, _keras_orthogonal(shape, a, 1.5))
    flat = w.reshape(rows, cols)
    gram = flat.T @ flat if rows >= cols else flat @ flat.T      # orthonormal columns, or rows
    assert np.allclose(gram, 1.5 ** 2 * np.eye(min(rows, cols)), atol=1e-12)


def test_orthogonal_sign_fix_makes_r_diagonal_positive():
    """Q·sign(diag R) is the Q of the QR whose R has a positive diagonal (the unique one)."""
    w = I.Orthogonal()((6, 4), np.random.default_rng(0), "float64")
    a = np.random.default_rng(0).standard_normal((6, 4))
    assert np.all(np.diag(w.T @ a) > 0) and np.allclose(w @ (w.T @ a), a)


def test_orthogonal_needs_two_dimensions_and_names_its_arguments():
    with pytest.raises(ValueError, match=r"shape: the orthogonal initializer needs at least 2 dimensions, "
                                         r"got \(4,\)"):
        I.Orthogonal()((4,), np.random.default_rng(0))
    with pytest.raises(TypeError, match="gain: expected a real number"):
        I.Orthogonal(gain="2")
    with pytest.raises(ValueError, match="seed: expected an int >= 0, got -1"):
        I.Orthogonal(seed=-1)


def test_a_seed_gives_the_same_array_at_every_call_and_leaves_the_rng_alone():
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    for init in (I.RandomNormal(seed=4), I.RandomUniform(seed=4), I.TruncatedNormal(seed=4),
                 I.VarianceScaling(seed=4), I.GlorotUniform(seed=4), I.HeNormal(seed=4),
                 I.Orthogonal(seed=4)):
        first = init((6, 5), rng)
        assert np.array_equal(first, init((6, 5)))
        assert np.array_equal(first, init((6, 5), np.random.default_rng(9)))
        assert np.array_equal(first, type(init)(**init.get_config())((6, 5)))
        assert init.get_config()["seed"] == 4
    assert rng.bit_generator.state == state
    assert I.get({"class_name": "GlorotUniform", "config": {"seed": 4}}) == I.GlorotUniform(seed=4)


def test_unseeded_configs_are_as_before_and_a_missing_rng_is_named():
    assert I.GlorotUniform().get_config() == {}
    assert I.RandomNormal().get_config() == {"mean": 0.0, "stddev": 0.05}
    assert I.VarianceScaling().get_config() == {"scale": 1.0, "mode": "fan_in",
                                                "distribution": "truncated_normal"}
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator"):
        I.GlorotUniform()((3, 2))
    assert I.Zeros()((2, 2)).sum() == 0 and I.Identity()((2, 2)).trace() == 2   # draw nothing: no rng needed
    for init in (I.Zeros(), I.RandomNormal(seed=1)):                  # not drawn from, still checked
        with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator.*got int"):
            init((2, 2), 0)
    with pytest.raises(TypeError, match="seed: expected an int >= 0, got float 1.5"):
        I.RandomNormal(seed=1.5)


@pytest.mark.parametrize("shape,input_axes,output_axes,fans", [
    ((512, 8, 64), [0], [1, 2], (512, 512)),
    ((512, 8, 64), [0, 1], [2], (4096, 64)),
    ((512, 8, 64), [-3], [-1], (512, 64)),
    ((4, 5), [], [0, 1], (1, 20)),
])
def test_compute_fans_with_explicit_axes(shape, input_axes, output_axes, fans):
    assert I.compute_fans(shape, input_axes, output_axes) == fans


def test_compute_fans_axes_errors_are_named():
    with pytest.raises(ValueError, match="input_axes, output_axes: expected both lists of axes or both None"):
        I.compute_fans((4, 5), input_axes=[0])
    with pytest.raises(ValueError, match=r"output_axes: expected axes of a shape of rank 2 \(-2 to 1\), "
                                         r"got 2"):
        I.compute_fans((4, 5), [0], [2])
    with pytest.raises(TypeError, match="input_axes: expected a list of axes"):
        I.VarianceScaling(input_axes=0, output_axes=[1])
    with pytest.raises(ValueError, match="output_axes"):
        I.VarianceScaling(input_axes=[0], output_axes=[5])((3, 4), np.random.default_rng(0))


def test_variance_scaling_with_axes_uses_their_fans():
    init = I.VarianceScaling(2.0, "fan_in", "untruncated_normal", input_axes=[0], output_axes=[1, 2])
    assert init.variance((32, 4, 16)) == 2.0 / 32
    assert I.VarianceScaling(2.0, "fan_in").variance((32, 4, 16)) == 2.0 / 128   # conv rule: 4·32
    assert I.deserialize(I.serialize(init)) == init and hash(init) == hash(I.deserialize(I.serialize(init)))


def test_identity_and_constant_arrays():
    assert np.array_equal(I.Identity(gain=3.0)((2, 3), dtype="float64"), 3.0 * np.eye(2, 3))
    with pytest.raises(ValueError, match=r"shape: the identity initializer makes 2-D matrices only.*"
                                         r"\(2, 2, 2\)"):
        I.Identity()((2, 2, 2))
    assert I.get("identity_initializer") == I.Identity() and I.get("Orthogonal") == I.Orthogonal()
    row = I.Constant([1.0, 2.0, 3.0])
    assert np.array_equal(row((2, 3), dtype="float64"), [[1, 2, 3], [1, 2, 3]])
    assert row.get_config() == {"value": [1.0, 2.0, 3.0]} and row == I.Constant(np.array([1, 2, 3]))
    assert hash(row) == hash(I.Constant((1, 2, 3)))
    with pytest.raises(ValueError, match=r"shape: expected a shape the constant's value of shape \(3,\) "
                                         r"broadcasts to, got \(3, 2\)"):
        row((3, 2))
    for bad in (["a", "b"], [[1.0], [1.0, 2.0]], [np.nan], [True, False]):
        with pytest.raises(ValueError, match="value: expected a finite number or an array of finite numbers"):
            I.Constant(bad)


def test_get_of_an_array_gives_that_array_for_its_shape_only():
    array = np.arange(6.0).reshape(2, 3)
    init = I.get(array)
    assert np.array_equal(init((2, 3), dtype="float64"), array)
    with pytest.raises(ValueError, match=r"shape: expected \(2, 3\) \(the shape of the array given as "
                                         r"initializer\)"):
        init((3, 2))
    with pytest.raises(TypeError, match="cannot be serialized"):
        I.serialize(init)


def test_a_dense_layer_takes_orthogonal_and_a_seeded_initializer_by_name_or_object():
    from descend import Dense, Input, Sequential
    model = Sequential([Input(6), Dense(4, kernel_initializer="orthogonal"),
                        Dense(4, kernel_initializer=I.RandomNormal(seed=3))], seed=0, dtype="float64")
    kernel = model.layers[0].kernel
    assert np.allclose(kernel.T @ kernel, np.eye(4), atol=1e-12)
    again = Sequential([Input(6), Dense(4, kernel_initializer="orthogonal"),
                        Dense(4, kernel_initializer=I.RandomNormal(seed=3))], seed=1, dtype="float64")
    seeded = [m.layers[1].get_weights()[0] for m in (model, again)]
    assert np.array_equal(*seeded)                      # the seed wins over the model's generator
    assert not np.array_equal(model.layers[0].get_weights()[0], again.layers[0].get_weights()[0])
