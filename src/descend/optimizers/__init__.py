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
    dict (:func:`serialize`'s, or Keras's ``keras.optimizers.serialize``: read with
    ``flavor="keras"``, its ``name`` dropped, ``loss_scale_factor`` refused unless None), or an
    :class:`Optimizer` instance (returned as is)."""
    if isinstance(identifier, Optimizer):
        if kwargs:
            raise ValueError(f"optimizer: keywords {sorted(kwargs)} cannot be applied to an instance")
        return identifier
    if isinstance(identifier, str):
        return get_class(identifier)(**kwargs)
    if isinstance(identifier, dict):
        if "class_name" not in identifier or not isinstance(identifier.get("config", {}), dict):
            raise ValueError(f"optimizer: expected a dict with 'class_name' and 'config', "
                             f"got keys {sorted(identifier)}")
        config = {**identifier.get("config", {}), **kwargs}
        if _from_keras(identifier):
            config = _keras_config(config)
        return get_class(identifier["class_name"]).from_config(config)
    raise TypeError(f"optimizer: expected a name, a config dict or an Optimizer, "
                    f"got {type(identifier).__name__}")


#: keys of Keras's serialized optimizer (``keras.optimizers.serialize``) that descend's does not have:
#: the outer dict's, and the config's that carry no meaning here (a display name; tf.keras's flag
#: of its old optimizers, False for the ones Keras 3 writes)
_KERAS_OUTER = {"module", "registered_name"}
_KERAS_ONLY = {"name", "loss_scale_factor", "is_legacy_optimizer"}


def _from_keras(identifier: dict[str, Any]) -> bool:
    """Whether ``identifier`` is Keras's serialized optimizer rather than :func:`serialize`'s (which
    always writes ``flavor`` and never Keras's own keys)."""
    config = identifier.get("config", {})
    return bool(set(identifier) & _KERAS_OUTER or set(config) & _KERAS_ONLY) and "flavor" not in config


def _keras_config(config: dict[str, Any]) -> dict[str, Any]:
    """Keras's optimizer config as descend's keywords with ``flavor="keras"`` (Keras's conventions,
    which is what its numbers mean); what cannot apply is refused by name."""
    if config.get("loss_scale_factor") is not None:
        raise ValueError(f"optimizer: loss_scale_factor={config['loss_scale_factor']!r} (Keras's "
                         f"mixed-precision loss scaling) cannot apply: descend computes in float32/"
                         f"float64 without loss scaling; expected None")
    if config.get("is_legacy_optimizer"):
        raise ValueError("optimizer: is_legacy_optimizer=True is tf.keras's old optimizer, whose "
                         "conventions descend does not have; expected False (Keras 3's optimizers)")
    config = {k: v for k, v in config.items() if k not in _KERAS_ONLY}
    return {"flavor": "keras", **config}


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
