"""Program-wide settings: the default flavor of the optimizers.

Every optimizer takes ``flavor="lecture"`` (the slides' formulas), ``"keras"`` or ``"torch"``
(``docs/conventions.md`` §8). An optimizer made without an explicit flavor — ``Adam()``, or a
name in ``model.compile(optimizer="adam")`` — takes the program's default flavor:

1. the one set by :func:`set_flavor` (or, for a block, :func:`use_flavor`), else
2. the environment variable ``DESCEND_FLAVOR`` (read when an optimizer is made), else
3. ``"lecture"``.

A Keras user porting a script writes ``descend.config.set_flavor("keras")`` once at the top (or
runs it with ``DESCEND_FLAVOR=keras``); a flavor given to an optimizer always wins.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from .checks import check_choice

#: the flavors every optimizer knows
FLAVORS = ("lecture", "keras", "torch")
#: the environment variable read when no flavor was set in the program
ENVIRONMENT_VARIABLE = "DESCEND_FLAVOR"

_flavor: str | None = None


def set_flavor(flavor: str | None) -> None:
    """Make ``flavor`` ("lecture", "keras" or "torch") the default of every optimizer made from
    now on without a flavor of its own; None goes back to ``DESCEND_FLAVOR`` or "lecture"."""
    global _flavor
    _flavor = None if flavor is None else check_choice("flavor", flavor, FLAVORS)


def get_flavor() -> str:
    """The default flavor now: :func:`set_flavor`'s, else ``DESCEND_FLAVOR``'s, else "lecture"."""
    if _flavor is not None:
        return _flavor
    value = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    return check_choice(ENVIRONMENT_VARIABLE, value, FLAVORS) if value else "lecture"


@contextmanager
def use_flavor(flavor: str) -> Iterator[str]:
    """``with use_flavor("keras"): ...`` — the default flavor inside the block, restored after."""
    global _flavor
    before = _flavor
    set_flavor(flavor)
    try:
        yield get_flavor()
    finally:
        _flavor = before
