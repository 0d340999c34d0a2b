"""Optimizers of the lecture (§8), each one rule for one array on one shared pipeline (``base``).

Look-up by name is case-insensitive: "sgd", "momentum", "nag", "adagrad", "rmsprop", "adadelta",
"adam", "adamw", "nadam", "adamax", "lion", and Keras's "lamb", "ftrl", "adafactor".
``docs/optimizers.md`` tabulates what each flavor does. Besides these rules, "lbfgs"
(:class:`LBFGS`) is a whole-data quasi-Newton search that ``model.fit`` runs itself (:data:`SOLVERS`).
"""
from __future__ import annotations

from typing import Any

from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam, AdamW, Nadam
from .adamax import Adamax
from .base import FLAVORS, Optimizer
from .ftrl import Ftrl
from .lamb import Lamb
from .lbfgs import LBFGS
from .lion import Lion
from .rmsprop import RMSprop
from .sgd import NAG, SGD, Momentum

REGISTRY: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (SGD, Momentum, NAG, Adagrad, RMSprop, Adadelta, Adam, AdamW, Nadam, Adamax,
                             Lion, Lamb, Ftrl, Adafactor)}
#: optimizers that are not one rule per array but search over all the weights at once (fit runs them)
SOLVERS: dict[str, type[Optimizer]] = {LBFGS.name: LBFGS}


def get(identifier: str | Optimizer | dict, **kwargs: Any) -> Optimizer:
    """An optimizer from a name (``"adam"``, with optional keywords), a ``{"class_name", "config"}``
    dict, or an :class:`Optimizer` instance (returned as is)."""
    if isinstance(identifier, Optimizer):
        if kwargs:
            raise ValueError(f"optimizer: keywords {sorted(kwargs)} cannot be applied to an instance")
        return identifier
    if isinstance(identifier, str):
        return get_class(identifier)(**kwargs)
    if isinstance(identifier, dict):
        if "class_name" not in identifier:
            raise ValueError(f"optimizer: expected a dict with 'class_name' and 'config', "
                             f"got keys {sorted(identifier)}")
        return get_class(identifier["class_name"]).from_config({**identifier.get("config", {}), **kwargs})
    raise TypeError(f"optimizer: expected a name, a config dict or an Optimizer, "
                    f"got {type(identifier).__name__}")


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """``{"class_name": ..., "config": ...}``; :func:`get` turns it back into an equal optimizer."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer: expected an Optimizer, got {type(optimizer).__name__}")
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def get_class(name: Any) -> type[Optimizer]:
    """The optimizer class registered under ``name`` (case-insensitive), e.g. ``"adam"`` → :class:`Adam`."""
    key = str(name).lower()
    known = {**REGISTRY, **SOLVERS}
    if key not in known:
        raise ValueError(f"optimizer: expected one of {sorted(known)}, got {name!r}")
    return known[key]


__all__ = ["FLAVORS", "LBFGS", "NAG", "REGISTRY", "SGD", "SOLVERS", "Adadelta", "Adafactor", "Adagrad",
           "Adam", "AdamW", "Adamax", "Ftrl", "Lamb", "Lion", "Momentum", "Nadam", "Optimizer", "RMSprop",
           "get", "get_class", "serialize"]
