"""The dtypes a model computes in, and random generators from seeds.

Arrays are NumPy's throughout (the workloads are lecture- to MNIST-sized; there is no GPU
backend).
"""
from __future__ import annotations

import numpy as np

#: dtypes a model may compute in. float32 is the default (as in Keras and PyTorch); float64 is
#: used for gradient checks and for replaying the lecture to the printed digit.
FLOAT_DTYPES = {"float32": np.float32, "float64": np.float64}


def resolve_dtype(dtype: str | type | np.dtype) -> np.dtype:
    """Return the NumPy dtype named by ``dtype`` ("float32" or "float64")."""
    try:
        key = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    except TypeError:
        raise TypeError(f"dtype: expected one of {sorted(FLOAT_DTYPES)}, got {dtype!r}") from None
    if key not in FLOAT_DTYPES:
        raise ValueError(f"dtype: expected one of {sorted(FLOAT_DTYPES)}, got {dtype!r}")
    return np.dtype(FLOAT_DTYPES[key])


def as_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A :class:`numpy.random.Generator` from a seed, a generator (returned as is) or None."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"seed: expected an int, a numpy Generator or None, got {type(seed).__name__}")
    if seed is not None and seed < 0:
        raise ValueError(f"seed: expected an int >= 0, a numpy Generator or None, got {seed!r}")
    return np.random.default_rng(seed)
