"""The one place where the array library is chosen.

Every module takes ``xp`` (and the dtype helpers) from here, so that a GPU array library with
NumPy's interface (CuPy) could be dropped in later without touching the rest of the package.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

xp = np

#: dtypes a model may compute in. float32 is the default (as in Keras and PyTorch); float64 is
#: used for gradient checks and for replaying the lecture to the printed digit.
FLOAT_DTYPES = {"float32": np.float32, "float64": np.float64}


def resolve_dtype(dtype: str | type | np.dtype) -> np.dtype:
    """Return the NumPy dtype named by ``dtype`` ("float32" or "float64")."""
    key = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if key not in FLOAT_DTYPES:
        raise ValueError(f"dtype: expected one of {sorted(FLOAT_DTYPES)}, got {dtype!r}")
    return np.dtype(FLOAT_DTYPES[key])


def as_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A :class:`numpy.random.Generator` from a seed, a generator (returned as is) or None."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"seed: expected an int, a numpy Generator or None, got {type(seed).__name__}")
    return np.random.default_rng(seed)


class WorkArrays:
    """Mixin: scratch arrays an object owns and reuses from call to call instead of allocating.

    ``self._work_arrays(key, make)`` returns the dict of arrays for ``key`` (the shape and dtype of the
    input), built by ``make(*key)`` the first time. The few most recent keys are kept (a training
    run sees the full batches, the last shorter one and the evaluation batches). The arrays are
    scratch, not state: pickling and deepcopy leave them out and the copy builds its own. One
    object must not be called from two threads at once.
    """

    #: how many shapes keep their work arrays (the oldest is dropped beyond that)
    _MAX_WORK_SETS = 4

    def _work_arrays(self, key: tuple[Any, ...], make: Callable[..., dict[str, Any]]) -> dict[str, Any]:
        cache = self.__dict__.get("_buffers")
        if cache is None:
            cache = self.__dict__["_buffers"] = {}
        work = cache.get(key)
        if work is None:
            if len(cache) >= self._MAX_WORK_SETS:
                del cache[next(iter(cache))]
            work = cache[key] = make(*key)
        return work

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_buffers", None)
        return state
