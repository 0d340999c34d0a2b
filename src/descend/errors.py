"""Errors with a meaning of their own."""
from __future__ import annotations


class DescendError(ValueError):
    """Base class of descend's own errors (a ValueError, so callers may catch either)."""


class NotCompiledError(DescendError):
    """A model was trained or evaluated before :meth:`Sequential.compile`."""


class DivergenceError(DescendError, FloatingPointError):
    """Training produced a NaN or inf loss or gradient.

    Attributes say where: ``epoch`` (0-based), ``update`` (0-based update within that epoch),
    ``layer`` (where the numbers first blew up: the first layer, input side first, whose outputs
    were not finite, else the first layer going back from the output whose gradient was not
    finite; None if only the loss was), ``loss``, and ``restored`` (whether the weights went back
    to those before the previous update, the last with a finite loss and gradients).
    """

    def __init__(self, message: str, *, epoch: int | None = None, update: int | None = None,
                 layer: str | None = None, loss: float | None = None, restored: bool = False,
                 blame: tuple[str | None, str] | None = None) -> None:
        super().__init__(message)
        self.epoch, self.update, self.layer, self.loss = epoch, update, layer, loss
        self.restored = restored
        #: (layer, words) where the cause was named rather than found (an overflowing step), so
        #: that the training loop can add the epoch and update to the same words
        self.blame = blame


class StepOverflow(DescendError):
    """An optimizer refused a step that is not finite although the gradient was: η·Δ left the
    float range (``index``: the params array whose step did), or the learning rate did
    (``index`` None). The training step turns it into a :class:`DivergenceError`."""

    def __init__(self, message: str, *, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index
