"""Checks of user input, shared by every public entry point.

Each error names the argument, what was expected and what came; nothing is silently broadcast.

An argument is checked against a declared constraint, name first::

    noise = check("noise", noise, Interval(float, 0.0, math.inf))   # a finite number in [0.0, inf]
    n = check("n_samples", n, Interval(int, 4))                     # an int >= 4
    mode = check("mode", mode, Options(("fan_in", "fan_out")))      # one of ['fan_in', 'fan_out']
    shuffle = check("shuffle", shuffle, BOOLEAN)                    # True or False

:func:`check` returns the value normalised — a Python ``int`` or ``float``, a lower-case option,
a ``bool`` — so NumPy scalars are accepted wherever a Python number is (a bool is never a
number). A wrong type is a :class:`TypeError`, a wrong value a :class:`ValueError`. Where a
message must say more than the constraint (a step "of the optimizer"), ``value in constraint``
tests without raising. :func:`check_number`, :func:`positive_int`, :func:`fraction` and
:func:`check_choice` are the common constraints by name.
"""
from __future__ import annotations

import functools
import inspect
import math
import numbers
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, Literal, Protocol, TypeVar, overload

import numpy as np

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
N = TypeVar("N", int, float)
Closed = Literal["both", "left", "right", "neither"]

#: the abstract number type each ``Interval`` kind accepts (NumPy's scalars register with both)
_ACCEPTS: dict[type, type] = {int: numbers.Integral, float: numbers.Real}


class Constraint(Protocol[T_co]):
    """What :func:`check` needs of a constraint: the value checked and normalised, or an error."""

    def validate(self, name: str, value: Any) -> T_co: ...


def check(name: str, value: Any, constraint: Constraint[T]) -> T:
    """``value`` normalised if it meets ``constraint``; else a TypeError or ValueError that names
    ``name``, says what was expected and what came."""
    return constraint.validate(name, value)


def is_number(value: Any, kind: type = float) -> bool:
    """Whether ``value`` is a number of ``kind`` (``int``: an integer, ``float``: any real number),
    NumPy scalars included, bools not."""
    return isinstance(value, _ACCEPTS[kind]) and not isinstance(value, (bool, np.bool_))


class Interval(Generic[N]):
    """Numbers from ``low`` to ``high``: ``Interval(float, 0, 1, closed="left")`` is 0 ≤ x < 1.

    Parameters
    ----------
    kind : int or float
        ``int``: integers (Python or NumPy); ``float``: real numbers (int, float or a NumPy
        scalar), finite unless ``finite=False``; NaN is always refused.
    low, high : number or None
        The ends; None leaves that side open, and the message then states the other bound
        (``"an int >= 4"``); with both given it states the range (``"in [0.0, inf]"``).
    closed : {"both", "left", "right", "neither"}
        Which ends belong to the interval.
    noun : str, optional
        How the message names what is expected; default "an int" for ``int``, "a finite number"
        (or "a number" when not ``finite``) for ``float``.
    finite : bool
        Whether ±inf are refused (``float`` only).
    """

    @overload
    def __init__(self: Interval[int], kind: type[int], low: float | None = None,
                 high: float | None = None, *, closed: Closed = "both", noun: str | None = None,
                 finite: bool = True) -> None: ...

    @overload
    def __init__(self: Interval[float], kind: type[float], low: float | None = None,
                 high: float | None = None, *, closed: Closed = "both", noun: str | None = None,
                 finite: bool = True) -> None: ...

    def __init__(self, kind: type[Any], low: float | None = None, high: float | None = None, *,
                 closed: Closed = "both", noun: str | None = None, finite: bool = True) -> None:
        if kind not in _ACCEPTS:
            raise TypeError(f"kind: expected int or float, got {kind!r}")
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"closed: expected 'both', 'left', 'right' or 'neither', got {closed!r}")
        self.kind: type[N] = kind
        self.low, self.high, self.closed = low, high, closed
        self.finite = finite or kind is int
        self.noun = noun or ("an int" if kind is int else "a finite number" if finite else "a number")

    def bounds(self) -> str:
        """The bounds in words: ``" in [0.0, 1.0)"``, ``" >= 4"``, ``" > 0"`` or ``""``."""
        left = self.closed in ("both", "left")
        right = self.closed in ("both", "right")
        if self.low is not None and self.high is not None:
            return f" in {'[' if left else '('}{self.low}, {self.high}{']' if right else ')'}"
        if self.low is not None:
            return f" {'>=' if left else '>'} {self.low}"
        if self.high is not None:
            return f" {'<=' if right else '<'} {self.high}"
        return ""

    def __str__(self) -> str:
        return self.noun + self.bounds()

    def __repr__(self) -> str:
        return (f"Interval({self.kind.__name__}, {self.low!r}, {self.high!r}, closed={self.closed!r}"
                f", noun={self.noun!r}, finite={self.finite!r})")

    def _within(self, x: float) -> bool:
        low_ok = self.low is None or (x >= self.low if self.closed in ("both", "left") else x > self.low)
        high_ok = self.high is None or (x <= self.high if self.closed in ("both", "right") else x < self.high)
        return low_ok and high_ok

    def __contains__(self, value: Any) -> bool:
        """Whether ``value`` is a number of this kind in the interval (never raises)."""
        if not is_number(value, self.kind):
            return False
        x = float(value)
        return not math.isnan(x) and (math.isfinite(x) or not self.finite) and self._within(x)

    def validate(self, name: str, value: Any) -> N:
        if not is_number(value, self.kind):
            # a wrong type says the kind: for an integer the whole rule (a float, even 4.0, is
            # not an int), for a real "a number" (the range is worth saying once it is one)
            what = str(self) if self.kind is int else "a number"
            raise TypeError(f"{name}: expected {what}, got {type(value).__name__} {value!r}")
        number = self.kind(value)
        if math.isnan(number) or (self.finite and not math.isfinite(number)):
            what = f"a finite number{self.bounds()}" if self.finite else str(self)
            raise ValueError(f"{name}: expected {what}, got {number!r}")
        if not self._within(number):
            raise ValueError(f"{name}: expected {self}, got {number!r}")
        return number


class Options:
    """One of a few names, case-insensitive: ``check`` returns it in lower case."""

    def __init__(self, options: Iterable[str]) -> None:
        self.options = tuple(options)

    def __str__(self) -> str:
        return f"one of {list(self.options)}"

    def __contains__(self, value: Any) -> bool:
        return isinstance(value, str) and value.lower() in self.options

    def validate(self, name: str, value: Any) -> str:
        if value not in self:
            raise ValueError(f"{name}: expected {self}, got {value!r}")
        return str(value).lower()


class Boolean:
    """True or False (a NumPy bool too); ``check`` returns a Python bool."""

    def validate(self, name: str, value: Any) -> bool:
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name}: expected True or False, got {value!r}")
        return bool(value)


BOOLEAN = Boolean()


class InstanceOf(Generic[T]):
    """An instance of ``kind`` (e.g. ``InstanceOf(Sequential, "a compiled Sequential model")``);
    ``check`` returns it as is. A wrong type is a TypeError that says what came."""

    def __init__(self, kind: type[T], noun: str | None = None) -> None:
        self.kind, self.noun = kind, noun or f"a {kind.__name__}"

    def __str__(self) -> str:
        return self.noun

    def validate(self, name: str, value: Any) -> T:
        if not isinstance(value, self.kind):
            raise TypeError(f"{name}: expected {self}, got {type(value).__name__} {_short(value)}")
        return value


class ListOf(Generic[T]):
    """A list or tuple (not a string, not a lone item) whose items each meet ``item``;
    ``check`` returns a list of the normalised items, each error naming ``name[i]``."""

    def __init__(self, item: Constraint[T], noun: str = "a list") -> None:
        self.item, self.noun = item, noun

    def validate(self, name: str, value: Any) -> list[T]:
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise TypeError(f"{name}: expected {self.noun}, got {type(value).__name__} {_short(value)}")
        return [self.item.validate(f"{name}[{i}]", v) for i, v in enumerate(value)]


def _short(value: Any) -> str:
    """``repr(value)``, cut to 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# ---------------------------------------------------------------------- the common constraints
#: which ends are closed, from whether each is open
_CLOSED: dict[tuple[bool, bool], Closed] = {(False, False): "both", (False, True): "left",
                                            (True, False): "right", (True, True): "neither"}


def check_number(name: str, value: Any, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a finite float in [low, high] (an end open if asked; None: unbounded)."""
    closed: Closed = _CLOSED[(low_open, high_open)]
    span = Interval(float, -math.inf if low is None else low, math.inf if high is None else high,
                    closed=closed)
    return check(name, value, span)


def positive_int(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum`` (the message says "an integer", as ``fit``'s always has)."""
    return check(name, value, Interval(int, minimum, noun="an integer"))


#: a batch size of predict/evaluate: an int >= 1 (None is fit's batch GD only)
BATCH_SIZE = Interval(int, 1, noun="an integer")


def fraction(name: str, value: Any, *, low: float = 0.0, high: float = 1.0) -> float:
    """``value`` as a float in [low, high)."""
    return check(name, value, Interval(float, low, high, closed="left", noun="a number"))


def check_choice(name: str, value: Any, choices: Sequence[str]) -> str:
    """``value`` lower-cased if it is one of ``choices`` (case-insensitive)."""
    return check(name, value, Options(choices))


# ------------------------------------------------------------------------------------- arrays
def as_features(name: str, X: Any, dtype: np.dtype, n_features: int | None = None) -> np.ndarray:
    """``X`` as a C-contiguous (n_samples, n_features) array of ``dtype``, checked."""
    arr = _as_numeric(name, X)
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array (n_samples, n_features), got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name}: expected at least one sample and one feature, got shape {arr.shape}")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(f"{name}: expected {n_features} feature column(s) to match the model's "
                         f"input, got {arr.shape[1]} (shape {arr.shape})")
    return as_dtype(name, arr, dtype)


def as_dtype(name: str, arr: np.ndarray, dtype: Any) -> np.ndarray:
    """``arr`` as a C-contiguous array of ``dtype``, every element finite *after* the cast: a
    value finite in float64 but beyond float32's range (1e300) is refused, not turned into inf."""
    check_finite(name, arr)
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.ascontiguousarray(arr, dtype=dtype)
    if out.dtype.kind == "f" and out is not arr and arr.dtype.kind in "fiu":
        with np.errstate(over="ignore", invalid="ignore"):
            finite = is_finite(out)
        if not finite:
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(out))[0])
            limit = float(np.finfo(out.dtype).max)
            raise ValueError(f"{name}: expected values within {out.dtype.name}'s range (|x| <= "
                             f"{limit:.4g}), got {arr[bad].item()!r} at index {bad}")
    return out


def as_targets(name: str, y: Any, n_samples: int) -> np.ndarray:
    """``y`` as a numeric array with ``n_samples`` rows, checked (the loss checks its shape)."""
    arr = _as_numeric(name, y)
    if arr.ndim == 0 or arr.ndim > 2:
        raise ValueError(f"{name}: expected a 1-D or 2-D array with one row per sample, "
                         f"got shape {arr.shape}")
    if arr.shape[0] != n_samples:
        raise ValueError(f"{name}: expected {n_samples} rows to match X, got {arr.shape[0]} "
                         f"(shape {arr.shape})")
    check_finite(name, arr)
    return arr


def as_numbers(name: str, value: Any) -> np.ndarray:
    """``value`` as an array of real numbers (bool, int, float; any shape), or a TypeError or
    ValueError naming ``name`` (None, strings, objects, complex numbers, ragged lists)."""
    return _as_numeric(name, value)


def _as_numeric(name: str, value: Any) -> np.ndarray:
    if value is None:
        raise TypeError(f"{name}: expected an array of numbers, got None")
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise ValueError(f"{name}: expected a rectangular array of numbers ({exc})") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise TypeError(f"{name}: expected numbers (int or float), got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name}: expected real numbers, got dtype {arr.dtype}")
    return arr


def is_finite(a: np.ndarray) -> bool:
    """Whether every element of a float array is finite: no NaN, no ±inf.

    One Σ, no temporary: the sum is finite whenever every element is; only where it is not (it
    may overflow while every element is finite) are the elements looked at one by one. The caller
    holds ``np.errstate(over="ignore", invalid="ignore")`` where warnings matter.
    """
    return math.isfinite(a.sum()) or bool(np.isfinite(a).all())


def all_finite(arrays: Sequence[np.ndarray]) -> bool:
    """:func:`is_finite` for every array."""
    return all(map(is_finite, arrays))


def check_finite(name: str, arr: np.ndarray) -> None:
    """A ValueError naming ``name`` and the first NaN or inf of a float array; other dtypes pass."""
    if not np.issubdtype(arr.dtype, np.floating):
        return
    with np.errstate(over="ignore", invalid="ignore"):
        finite = is_finite(arr)
    if not finite:
        bad = np.argwhere(~np.isfinite(arr))[0]
        kind = "NaN" if np.isnan(arr[tuple(bad)]) else "inf"
        raise ValueError(f"{name}: expected finite values, got {kind} at index {tuple(int(i) for i in bad)}")


# --------------------------------------------------------------------------- serialized objects
def from_class_config(name: str, config: Any, class_for: Callable[[str], Any],
                      *, ignored: Iterable[str] = ()) -> Any:
    """The object a ``{"class_name": ..., "config": {...}}`` dict describes:
    ``class_for(class_name).from_config(config)`` (a missing or None ``config`` is ``{}``).

    ``ignored`` are further keys accepted and dropped (Keras's ``module``, ``registered_name``).
    A malformed dict is a ValueError, a ``class_name`` not a str or a ``config`` not a dict a
    TypeError, and a config the class's arguments do not take a TypeError naming the class; each
    message starts with ``name``. ``class_for`` raises for a name it does not know.
    """
    keys = set(config) if isinstance(config, Mapping) else set()
    extra = keys - {"class_name", "config", *ignored}
    if "class_name" not in keys or extra:
        got = f"unexpected keys {sorted(extra)}" if extra else f"got {_short(config)}"
        raise ValueError(f"{name}: expected a dict with keys 'class_name' and 'config', {got}")
    class_name, kwargs = config["class_name"], config.get("config") or {}
    if not isinstance(class_name, str):
        raise TypeError(f"{name}: expected 'class_name' to be a str, got {type(class_name).__name__}")
    if not isinstance(kwargs, Mapping):
        raise TypeError(f"{name}: expected 'config' to be a dict, got {type(kwargs).__name__}")
    cls = class_for(class_name)
    try:
        return cls.from_config(kwargs)
    except TypeError as exc:
        if "argument" not in str(exc):
            raise
        raise TypeError(f"{name}: config {dict(kwargs)!r} does not match {cls.__name__}'s "
                        f"arguments ({exc})") from None


# ------------------------------------------------------------------------------- introspection
def keywords(cls: type) -> frozenset[str]:
    """Every named parameter of the ``__init__`` of ``cls`` and of its bases (not ``*args`` or
    ``**kwargs``): what a call may pass by keyword, for errors that list what is accepted."""
    return _keywords(cls)


@functools.cache
def _keywords(cls: type) -> frozenset[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None and klass is not object:
            names |= {p.name for p in inspect.signature(init).parameters.values()
                      if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.name != "self"}
    return frozenset(names)


# -------------------------------------------------------------------------------------- memory
#: the environment variable that overrides :func:`memory_limit` ("8GiB", "500MB", "2e9" bytes)
MEMORY_LIMIT_VARIABLE = "DESCEND_MEMORY_LIMIT"

_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "m": 1000**2, "mb": 1000**2, "g": 1000**3,
          "gb": 1000**3, "t": 1000**4, "tb": 1000**4, "kib": 1024, "mib": 1024**2,
          "gib": 1024**3, "tib": 1024**4}


def memory_limit() -> int:
    """The most bytes one array (a model's weights, a data set) may take: ``DESCEND_MEMORY_LIMIT``
    if set (a number of bytes, or with a unit: "8GiB", "500MB"), else half the machine's memory."""
    text = os.environ.get(MEMORY_LIMIT_VARIABLE, "").strip()
    if text:
        match = re.fullmatch(r"([0-9.eE+]+)\s*([a-zA-Z]*)", text)
        unit = match.group(2).lower() if match else None
        try:
            number = float(match.group(1)) if match else math.nan
        except ValueError:
            number = math.nan
        if unit not in _UNITS or not (math.isfinite(number) and number > 0):
            raise ValueError(f"{MEMORY_LIMIT_VARIABLE}: expected a size such as 8GiB, 500MB or "
                             f"2e9 (bytes), got {text!r}")
        return int(number * _UNITS[unit])
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 8 * 1024**3


def format_bytes(n: float) -> str:
    """``n`` bytes in words: "18.6 GiB", "512.0 MiB", "300 bytes"."""
    for unit, size in (("TiB", 1024**4), ("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} bytes"


def check_memory(name: str, nbytes: float, what: str) -> None:
    """A ValueError naming ``name`` when ``what`` would take more than :func:`memory_limit` bytes
    (``nbytes``), said before anything is allocated."""
    limit = memory_limit()
    if nbytes > limit:
        source = (f"set by {MEMORY_LIMIT_VARIABLE}" if os.environ.get(MEMORY_LIMIT_VARIABLE)
                  else f"half of this machine's memory; set {MEMORY_LIMIT_VARIABLE} to change it")
        raise ValueError(f"{name}: {what} would need {format_bytes(nbytes)}, more than the memory "
                         f"limit of {format_bytes(limit)} ({source})")
