"""Work arrays: scratch memory a fast path reuses from call to call instead of allocating."""
from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any


class WorkSets:
    """The work arrays of one fast-path object, one set per key (the shape and dtype of an input).

    ``sets.get(key, make)`` returns the dict built by ``make(*key)`` the first time ``key`` is
    seen. The few most recent keys are kept: a training run sees its full batches, the shorter
    last one and the evaluation batches. Work arrays are scratch, not state; the object that owns
    them must not be called from two threads at once.
    """

    #: how many keys keep their arrays (the oldest is dropped beyond that)
    MAX_SETS = 4

    def __init__(self) -> None:
        self.sets: dict[Hashable, dict[str, Any]] = {}

    def get(self, key: tuple[Any, ...], make: Callable[..., dict[str, Any]]) -> dict[str, Any]:
        work = self.sets.get(key)
        if work is None:
            if len(self.sets) >= self.MAX_SETS:
                del self.sets[next(iter(self.sets))]
            work = self.sets[key] = make(*key)
        return work
