"""descend — how neural networks learn by gradient descent, exactly as the lecture teaches it.

The flat public API. ``import descend`` loads NumPy and the core engine only; plotting
(matplotlib), scikit-learn, the CLI and the lecture replay are imported where used.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from . import activations, constraints, initializers, layers, losses, metrics, regularizers
from .callbacks import Callback, History
from .errors import DescendError, DivergenceError, NotCompiledError
from .explain import explain
from .gradcheck import gradient_check
from .layers import Activation, Dense, Dropout, Flatten, Input, InputLayer
from .model import Sequential, load_model

__version__ = "0.1.0"

# submodules that pull in more than NumPy are loaded on first access
_LAZY = {"optimizers", "schedules", "clipping", "datasets", "lecture", "lab", "plotting", "sklearn",
         "config",
         "saving", "diagnostics", "diagnostics_plots", "training", "batching", "cli", "callbacks"}
_LAZY_ATTRS = {"save_model": "saving", "diagnose": "diagnostics",
               "GradientMonitor": "diagnostics", "record_gradient_flow": "diagnostics"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return import_module(f".{name}", __name__)
    if name in _LAZY_ATTRS:
        return getattr(import_module(f".{_LAZY_ATTRS[name]}", __name__), name)
    raise AttributeError(f"module 'descend' has no attribute {name!r}")


__all__ = [
    "Sequential", "Dense", "Activation", "Input", "Callback", "History", "explain", "gradient_check",
    "load_model", "Dropout", "Flatten", "InputLayer",
    "DescendError", "DivergenceError", "NotCompiledError", "activations", "initializers", "layers",
    "losses", "metrics", "regularizers", "constraints", *sorted(_LAZY), *sorted(_LAZY_ATTRS),
]
