"""Timing: warm-up, then repetitions that alternate between systems, summarised by median and min–max.

Every system of a workload is a :class:`Runner`: a zero-argument callable that does one repetition
and returns the seconds it measured itself (so set-up outside the timed region is excluded).
:func:`alternate` runs one warm-up per system, then ``reps`` rounds; each round runs every system
once, starting from a different system each round, so slow drifts of a shared machine (other jobs,
thermal state) hit every system alike. Ratios are taken between medians of the same run.
"""
from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

#: one repetition; returns the seconds it measured
Runner = Callable[[], float]


@dataclass
class Measurement:
    """All repetitions of one (workload, system) pair, in the unit shown in the table.

    ``values`` are in ``unit`` (already scaled: seconds, ms, µs...); ``lower_is_better`` tells
    how a ratio reads. ``extra`` holds side figures (GB/s, epochs to target, ...).
    """

    workload: str
    system: str
    unit: str
    values: list[float]
    lower_is_better: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def min(self) -> float:
        return min(self.values) if self.values else float("nan")

    @property
    def max(self) -> float:
        return max(self.values) if self.values else float("nan")

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "median": self.median, "min": self.min, "max": self.max}


@contextmanager
def no_gc() -> Iterator[None]:
    """Collect once, then keep the cyclic garbage collector out of the timed region."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def timed(fn: Callable[[], Any]) -> float:
    """Seconds one call of ``fn`` takes (perf_counter, garbage collector paused)."""
    with no_gc():
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start


def alternate(runners: dict[str, Runner], reps: int, warmup: int = 1,
              log: Callable[[str], None] | None = None) -> dict[str, list[float]]:
    """Seconds per repetition for each system: ``warmup`` discarded runs each, then ``reps``
    rounds in rotating order (round r starts with system r mod n)."""
    names = list(runners)
    for _ in range(warmup):
        for name in names:
            runners[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(reps):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            samples[name].append(runners[name]())
            if log is not None:
                log(f"  rep {r + 1}/{reps} {name}: {samples[name][-1]:.4g} s")
    return samples


def ratio(a: float, b: float) -> float:
    """a / b, NaN when undefined."""
    try:
        return a / b
    except ZeroDivisionError:
        return float("nan")


def summarise(values: Sequence[float]) -> str:
    """``median (min–max)`` with 3 significant digits."""
    if not values:
        return "—"
    return f"{statistics.median(values):.3g} ({min(values):.3g}–{max(values):.3g})"
