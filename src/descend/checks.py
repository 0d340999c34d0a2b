"""Checks of user input, shared by every public entry point.

Each error names the argument, what was expected and what came; nothing is silently broadcast.
"""
from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Sequence
from typing import Any

import numpy as np


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
    check_finite(name, arr)
    return np.ascontiguousarray(arr, dtype=dtype)


def as_targets(name: str, y: Any, n_samples: int) -> np.ndarray:
    """``y`` as a numeric array with ``n_samples`` rows, checked (the loss checks its shape)."""
    arr = _as_numeric(name, y)
    if arr.ndim == 0 or arr.ndim > 2:
        raise ValueError(f"{name}: expected a 1-D or 2-D array with one row per sample, got shape {arr.shape}")
    if arr.shape[0] != n_samples:
        raise ValueError(f"{name}: expected {n_samples} rows to match X, got {arr.shape[0]} (shape {arr.shape})")
    check_finite(name, arr)
    return arr


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
    if not np.issubdtype(arr.dtype, np.floating):
        return
    with np.errstate(over="ignore", invalid="ignore"):
        finite = is_finite(arr)
    if not finite:
        bad = np.argwhere(~np.isfinite(arr))[0]
        kind = "NaN" if np.isnan(arr[tuple(bad)]) else "inf"
        raise ValueError(f"{name}: expected finite values, got {kind} at index {tuple(int(i) for i in bad)}")


def positive_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def fraction(name: str, value: Any, *, low: float = 0.0, high: float = 1.0) -> float:
    """A float in [low, high)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name}: expected a number in [{low}, {high}), got {type(value).__name__}")
    if not (low <= value < high):
        raise ValueError(f"{name}: expected a number in [{low}, {high}), got {value!r}")
    return float(value)


def check_number(name: str, value: Any, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a float, or a ValueError/TypeError naming ``name``, the range, and what came."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__} {value!r}")
    value = float(value)
    lo = "(" if low_open else "["
    hi = ")" if high_open else "]"
    span = f"{lo}{'-inf' if low is None else low}, {'inf' if high is None else high}{hi}"
    bad = not math.isfinite(value)
    bad |= low is not None and (value <= low if low_open else value < low)
    bad |= high is not None and (value >= high if high_open else value > high)
    if bad:
        raise ValueError(f"{name}: expected a finite number in {span}, got {value!r}")
    return value


def check_choice(name: str, value: Any, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value.lower() not in choices:
        raise ValueError(f"{name}: expected one of {list(choices)}, got {value!r}")
    return value.lower()


@functools.cache
def keywords(cls: type) -> frozenset[str]:
    """Every named parameter of the ``__init__`` of ``cls`` and of its bases (not ``*args`` or
    ``**kwargs``): what a call may pass by keyword, for errors that list what is accepted."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None and klass is not object:
            names |= {p.name for p in inspect.signature(init).parameters.values()
                      if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.name != "self"}
    return frozenset(names)
