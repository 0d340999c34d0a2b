"""checks: is_finite (one Σ, the elements only on doubt), the declared constraints and the argument checks."""
import math

import numpy as np
import pytest

from descend import checks


@pytest.mark.parametrize("where", [0, 1, -1, "middle"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_nan_or_inf_anywhere_is_found(bad, where):
    a = np.ones((1001, 3), np.float32)
    a.flat[a.size // 2 if where == "middle" else where] = bad
    with np.errstate(over="ignore", invalid="ignore"):
        assert not checks.is_finite(a)
        assert checks.is_finite(np.ones((1001, 3), np.float32))


def test_finite_values_whose_sum_overflows_are_finite():
    a = np.full(1000, 3e38, np.float32)                       # Σ = inf in float32
    with np.errstate(over="ignore", invalid="ignore"):
        assert checks.is_finite(a)
        a[999] = np.nan
        assert not checks.is_finite(a)


def test_check_finite_names_the_argument_and_the_index():
    X = np.zeros((5, 4))
    X[3, 2] = np.inf
    with pytest.raises(ValueError, match=r"X: expected finite values, got inf at index \(3, 2\)"):
        checks.check_finite("X", X)


# ------------------------------------------------------------------------------- constraints
@pytest.mark.parametrize("value, kind", [(np.int64(3), int), (np.int8(3), int), (3, int),
                                         (np.float32(2.5), float), (np.float64(2.5), float),
                                         (np.int32(2), float), (2, float)])
def test_numpy_scalars_are_numbers_and_come_back_as_python_numbers(value, kind):
    out = checks.check("x", value, checks.Interval(kind, 0))
    assert type(out) is kind and out == value


@pytest.mark.parametrize("value", [True, np.bool_(False), "3", None, [1], 1 + 0j])
@pytest.mark.parametrize("kind", [int, float])
def test_a_non_number_is_a_type_error_naming_the_argument(value, kind):
    with pytest.raises(TypeError, match=r"^x: expected (an int|a number), got "):
        checks.check("x", value, checks.Interval(kind))
    assert value not in checks.Interval(kind)


def test_a_float_is_not_an_int_even_when_whole():
    with pytest.raises(TypeError, match=r"^n: expected an int >= 4, got float 4\.0$"):
        checks.check("n", 4.0, checks.Interval(int, 4))


@pytest.mark.parametrize("interval, text", [
    (checks.Interval(int, 4), "an int >= 4"),
    (checks.Interval(int, 1, 9), "an int in [1, 9]"),
    (checks.Interval(int, None, 9, closed="left"), "an int < 9"),
    (checks.Interval(float, 0, closed="neither"), "a finite number > 0"),
    (checks.Interval(float, 0.0, math.inf), "a finite number in [0.0, inf]"),
    (checks.Interval(float, 0.0, 1.0, closed="left", noun="a number"), "a number in [0.0, 1.0)"),
    (checks.Interval(float, 1.0, math.inf, finite=False), "a number in [1.0, inf]"),
    (checks.Interval(float), "a finite number"),
])
def test_an_interval_says_what_it_holds(interval, text):
    assert str(interval) == text


@pytest.mark.parametrize("closed, inside, outside", [
    ("both", [0.0, 0.5, 1.0], [-0.1, 1.1]), ("left", [0.0, 0.5], [1.0]),
    ("right", [0.5, 1.0], [0.0]), ("neither", [0.5], [0.0, 1.0]),
])
def test_closed_says_which_ends_belong(closed, inside, outside):
    interval = checks.Interval(float, 0.0, 1.0, closed=closed)
    for x in inside:
        assert x in interval and checks.check("x", x, interval) == x
    for x in outside:
        assert x not in interval
        with pytest.raises(ValueError, match=rf"^x: expected a finite number in .*, got {x}$"):
            checks.check("x", x, interval)


def test_nan_and_inf_are_refused_unless_inf_is_allowed():
    with pytest.raises(ValueError, match=r"^x: expected a finite number > 0, got nan$"):
        checks.check("x", math.nan, checks.Interval(float, 0, closed="neither", noun="a number"))
    with pytest.raises(ValueError, match=r"^x: expected a finite number >= 0, got inf$"):
        checks.check("x", np.inf, checks.Interval(float, 0))
    p_norms = checks.Interval(float, 1.0, math.inf, finite=False)
    assert checks.check("p", np.inf, p_norms) == math.inf and math.nan not in p_norms


def test_options_are_case_insensitive_and_come_back_lower_case():
    modes = checks.Options(("fan_in", "fan_out"))
    assert checks.check("mode", "FAN_In", modes) == "fan_in"
    for bad in ("fan_avg", 3, None):
        assert bad not in modes
        with pytest.raises(ValueError, match=r"^mode: expected one of \['fan_in', 'fan_out'\], got "):
            checks.check("mode", bad, modes)


def test_boolean():
    assert checks.check("shuffle", np.bool_(True), checks.BOOLEAN) is True
    with pytest.raises(TypeError, match=r"^shuffle: expected True or False, got 'yes'$"):
        checks.check("shuffle", "yes", checks.BOOLEAN)
    with pytest.raises(TypeError, match="shuffle"):
        checks.check("shuffle", 1, checks.BOOLEAN)


def test_the_common_constraints_by_name():
    assert checks.check_number("a", np.float32(0.5), low=0.0, high=1.0) == 0.5
    with pytest.raises(ValueError, match=r"^a: expected a finite number in \(0\.0, inf\], got 0\.0$"):
        checks.check_number("a", 0.0, low=0.0, low_open=True)
    assert checks.positive_int("epochs", np.int64(3)) == 3
    with pytest.raises(ValueError, match=r"^epochs: expected an integer >= 1, got 0$"):
        checks.positive_int("epochs", 0)
    with pytest.raises(ValueError, match=r"^split: expected a number in \[0\.0, 1\.0\), got 1\.0$"):
        checks.fraction("split", 1.0)
    assert checks.check_choice("flavor", "Keras", ("keras", "torch")) == "keras"


def test_keywords_collects_the_named_parameters_up_the_bases():
    class Base:
        def __init__(self, a, *args, b=1, **kwargs): ...

    class Child(Base):
        def __init__(self, c, **kwargs): ...

    assert checks.keywords(Child) == {"a", "b", "c"}


# ------------------------------------------------------------------ issue 15: casts, memory, types
def test_values_are_checked_after_the_cast_to_the_dtype():
    with pytest.raises(ValueError, match=r"X: expected values within float32's range .* 1e\+300 "
                                         r"at index \(0, 0\)"):
        checks.as_features("X", [[1e300, 0.0]], np.dtype(np.float32))
    assert checks.as_features("X", [[1e300, 0.0]], np.dtype(np.float64))[0, 0] == 1e300
    out = checks.as_features("X", np.array([[3e38, -3e38]]), np.dtype(np.float32))
    assert out.dtype == np.float32 and np.isfinite(out).all()


def test_instance_and_list_constraints_name_the_argument():
    with pytest.raises(TypeError, match="model: expected a model, got int 5"):
        checks.check("model", 5, checks.InstanceOf(dict, "a model"))
    spec = checks.ListOf(checks.Interval(int, 1), "a list of widths")
    assert checks.check("sizes", (np.int64(2), 3), spec) == [2, 3]
    for bad in (5, "ab", None):
        with pytest.raises(TypeError, match="sizes: expected a list of widths"):
            checks.check("sizes", bad, spec)
    with pytest.raises(TypeError, match=r"sizes\[1\]: expected an int >= 1"):
        checks.check("sizes", [2, True], spec)


def test_batch_size_takes_numpy_ints_but_not_bools_floats_or_none():
    assert checks.check("batch_size", np.int32(7), checks.BATCH_SIZE) == 7
    for bad, error in ((0, ValueError), (-1, ValueError), (2.5, TypeError), (None, TypeError),
                       (True, TypeError), (np.float64(2.0), TypeError)):
        with pytest.raises(error, match="batch_size: expected an integer"):
            checks.check("batch_size", bad, checks.BATCH_SIZE)


@pytest.mark.parametrize(("text", "expected"), [("1000", 1000), ("2e9", 2 * 10**9), ("8GiB", 8 * 1024**3),
                                                ("500MB", 500 * 1000**2), ("1.5 kib", 1536)])
def test_memory_limit_is_read_from_the_environment(monkeypatch, text, expected):
    monkeypatch.setenv("DESCEND_MEMORY_LIMIT", text)
    assert checks.memory_limit() == expected


@pytest.mark.parametrize("text", ["lots", "-5", "0", "5 parsecs", "nan"])
def test_a_bad_memory_limit_is_named(monkeypatch, text):
    monkeypatch.setenv("DESCEND_MEMORY_LIMIT", text)
    with pytest.raises(ValueError, match="DESCEND_MEMORY_LIMIT: expected a size"):
        checks.memory_limit()


def test_the_default_memory_limit_is_half_the_machine(monkeypatch):
    import os

    monkeypatch.delenv("DESCEND_MEMORY_LIMIT", raising=False)
    assert checks.memory_limit() == os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2


def test_check_memory_says_the_size_and_the_limit(monkeypatch):
    monkeypatch.setenv("DESCEND_MEMORY_LIMIT", "1GiB")
    checks.check_memory("n", 1024**3, "it")
    with pytest.raises(ValueError, match=r"n: it would need 18\.6 GiB, more than the memory limit of "
                                         r"1\.0 GiB \(set by DESCEND_MEMORY_LIMIT\)"):
        checks.check_memory("n", 2 * 50000 * 50000 * 4, "it")
    assert checks.format_bytes(300) == "300 bytes" and checks.format_bytes(1536) == "1.5 KiB"


class _Point:
    def __init__(self, x: int = 0) -> None:
        self.x = x

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _point_class(name):
    if name != "Point":
        raise ValueError(f"thing: unknown {name!r}")
    return _Point


def test_from_class_config_builds_and_drops_only_the_ignored_keys():
    point = checks.from_class_config("thing", {"class_name": "Point", "config": {"x": 3}, "module": "m"},
                                     _point_class, ignored={"module"})
    assert point.x == 3
    assert checks.from_class_config("thing", {"class_name": "Point", "config": None}, _point_class).x == 0
    with pytest.raises(ValueError, match=r"thing: expected a dict .*unexpected keys \['module'\]"):
        checks.from_class_config("thing", {"class_name": "Point", "module": "m"}, _point_class)
    with pytest.raises(ValueError, match="thing: expected a dict with keys 'class_name' and 'config', got 3"):
        checks.from_class_config("thing", 3, _point_class)
    with pytest.raises(ValueError, match="thing: unknown 'Line'"):
        checks.from_class_config("thing", {"class_name": "Line"}, _point_class)
    with pytest.raises(TypeError, match=r"thing: config \{'y': 1\} does not match _Point's arguments"):
        checks.from_class_config("thing", {"class_name": "Point", "config": {"y": 1}}, _point_class)
