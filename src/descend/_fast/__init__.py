"""The fast paths: every compiled loop and every reuse of work arrays, beside the reference code.

The reference — what the slides write — lives in the textbook modules (``layers.py``,
``activations.py``, ``losses.py``, ``optimizers/``) as plain NumPy. This package computes *the
same numbers, bit for bit* (``tests/test_fast.py`` checks every path against its reference, in
float32 and float64) with less memory traffic:

* :mod:`~descend._fast.optimizers` — one compiled pass per array for an optimizer's rule, its
  decoupled decay and the update (the pipeline's steps 5–7);
* :mod:`~descend._fast.dense` — a built-in Dense layer's training step on work arrays that are
  reused from batch to batch, with compiled loops for bias + ReLU, bias + softmax and ∂E/∂b;
* :mod:`~descend._fast.losses` — the fused output losses (δ = ŷ − y) on work arrays;
* :mod:`~descend._fast.loops` — the compiled loops themselves (numba);
* :mod:`~descend._fast.work` — the work-array cache.

They are chosen in two places only: the optimizer pipeline (``Optimizer.apply``) and the model's
training step (``Sequential.train_step``). ``DESCEND_KERNELS=numpy`` in the environment switches
every fast path off, so that everything runs the reference code (the test suite's numbers are the
same either way). numba is imported, and a loop compiled (with an on-disk cache), only when an
array is large enough for a compiled call to pay off: a lecture-sized model never imports it.
"""
from __future__ import annotations

import os
from functools import cache
from types import ModuleType

import numpy as np

#: the environment variable that switches the fast paths off ("numpy": reference code only)
SWITCH = "DESCEND_KERNELS"


@cache
def enabled() -> bool:
    """Whether the fast paths are on (``DESCEND_KERNELS`` is not ``"numpy"``); read once."""
    return os.environ.get(SWITCH, "").lower() != "numpy"


@cache
def numba() -> ModuleType:
    """The numba module, imported on first use (a compiled call is about to pay off)."""
    import numba as module

    return module


def contiguous_like(first: np.ndarray, *others: np.ndarray) -> bool:
    """Whether every array is C-contiguous and of ``first``'s float dtype (a compiled loop walks
    each array's memory as one flat run of one type)."""
    dtype = first.dtype
    if dtype.kind != "f" or not first.flags.c_contiguous:
        return False
    return all(a.flags.c_contiguous and a.dtype == dtype for a in others)
