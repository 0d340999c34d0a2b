"""The one pipeline every optimizer shares.

An optimizer here is a *rule* for one array plus this pipeline. The rule (``Optimizer.rule``) is
a pure function in the slides' notation: from the gradient, the array's slots (velocity,
accumulators, moments), the learning rate and the step, it returns the step Δ and the new slots;
only this base class writes weights and slots. One :meth:`Optimizer.apply` does, in this order
(``docs/conventions.md`` §4 compares it with Keras and PyTorch):

1. **step count** — ``t = iterations + 1`` (every framework counts the first update as t = 1);
2. **learning rate** — ``η_t = schedule(iterations)``, the 0-based step, as Keras does;
3. **clipping** — ``clipvalue`` (element-wise), ``clipnorm`` (per tensor) or ``global_clipnorm``
   (all tensors together), see :mod:`descend.clipping`;
4. **coupled decay** — ``g ← g + λw`` (PyTorch's ``weight_decay`` on SGD, Adagrad, RMSprop,
   Adadelta, Adam, NAdam): the decay passes through the rule like a gradient;
5. **the rule** — ``Δ, slots = rule(g, slots, η_t, t)``;
6. **decoupled decay** — ``Δ ← Δ + λw`` (the slides: ``w ← (1 − λ)w − η∇E``, λ not multiplied by
   η) or ``Δ ← Δ + ηλw`` (Keras's ``weight_decay`` on every optimizer, PyTorch's AdamW), with the
   w from *before* the update, as Keras (decay before ``update_step``) and PyTorch AdamW do;
7. **update** — ``w ← w − Δ`` in place, and the new slots kept;
8. **moving average** (``use_ema``, Keras's) — ``w̄ ← μ w̄ + (1 − μ) w`` (w̄ = w at the first
   step), and every ``ema_overwrite_frequency`` steps ``w ← w̄``.

With ``gradient_accumulation_steps=k`` (Keras's), k − 1 calls only add their gradients up and
the k-th runs steps 1–7 on the mean ``(g + Σ)/k``: ``iterations`` counts the updates, the
schedule reads the calls (``k·iterations + accumulated``), as Keras's.

Weight decay (steps 4 and 6) skips the weights named in :meth:`Optimizer.exclude_from_weight_decay`
(Keras's): by identity, or by a pattern found in the weight's name (``apply(..., names=...)``;
``fit`` passes each weight's path, ``"dense_1/kernel"``).

Where the optimizer names a compiled kernel (``kernel``) and the arrays are large enough, steps
5–7 run as one compiled pass per array (:mod:`descend._fast.optimizers`), bit for bit the numbers
of the rule; this class is the only place that chooses.

A step whose Δ is not finite anywhere (a NaN or inf gradient, or an overflow) is refused with a
ValueError naming the tensor, and every weight is as it was before the step. Through the rules
nothing at all has changed then; through a compiled kernel (one pass that writes as it goes) the
slots of the finite elements have moved: a caller that goes on after the error restores them
with :meth:`Optimizer.set_state`.

Flavors are data: ``Optimizer.defaults[flavor]`` holds each optimizer's defaults and conventions
for ``"lecture"``, ``"keras"`` and ``"torch"``; every entry is also a keyword that overrides it.
"""
from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, cast

import numpy as np

from .. import _fast
from .. import clipping as _clipping
from .. import schedules as _schedules
from .._fast import optimizers as _kernels
from ..checks import BOOLEAN, check, check_choice, check_number, is_finite, is_number, keywords
from ..config import FLAVORS, get_flavor
from ..errors import StepOverflow

#: Conventions of the pipeline itself, per flavor; an optimizer's ``defaults`` may override them
#: (PyTorch's AdamW decays decoupled where its Adam decays coupled).
PIPELINE_DEFAULTS: dict[str, dict[str, Any]] = {
    # The slides: w ← (1 − λ)w − η∇E; clipping without an ε.
    "lecture": {"weight_decay_mode": "lecture", "clip_epsilon": 0.0},
    # Keras 3: w ← w − ηλw before update_step; clip_by_norm / clip_by_global_norm without ε.
    "keras": {"weight_decay_mode": "decoupled", "clip_epsilon": 0.0},
    # PyTorch: g ← g + λw; clip_grad_norm_ divides by (total + 1e-6).
    "torch": {"weight_decay_mode": "coupled", "clip_epsilon": 1e-6},
}
WEIGHT_DECAY_MODES = ("lecture", "decoupled", "coupled")
EPSILON_PLACEMENTS = ("inside", "outside")
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))

LearningRate = float | _schedules.LearningRateSchedule | Callable[[int], float]
Slots = dict[str, np.ndarray]


def root(v: np.ndarray, epsilon: float, placement: str) -> np.ndarray:
    """The denominator of the adaptive rules: ``√(v + ε)`` (placement "inside": the slides,
    Keras) or ``√v + ε`` ("outside": PyTorch)."""
    return np.sqrt(v + epsilon) if placement == "inside" else np.sqrt(v) + epsilon


def _count_nonfinite(a: np.ndarray) -> int:
    return int(a.size - np.count_nonzero(np.isfinite(a)))


def _decay_mode(mode: str | None, decoupled: bool | None) -> str | None:
    """``weight_decay_mode`` from it and PyTorch's ``decoupled_weight_decay`` (True: "decoupled",
    False: "coupled"); a contradiction is an error."""
    if decoupled is None:
        return mode
    implied = "decoupled" if decoupled else "coupled"
    if mode is not None and mode != implied:
        raise ValueError(f"decoupled_weight_decay={decoupled} contradicts weight_decay_mode={mode!r}; "
                         f"give one of them")
    return implied


def _check_list(arg: str, seq: object) -> None:
    """``seq`` is a list of arrays (or None); a lone array or a non-sequence is a TypeError."""
    if type(seq) in (list, tuple) or seq is None:
        return
    if isinstance(seq, np.ndarray) or not isinstance(seq, Sequence):
        raise TypeError(f"{arg}: expected a list of arrays, got {type(seq).__name__}")


def _check_like(arg: str, i: int, a: object, w: np.ndarray) -> None:
    """``a`` is an array of w's shape and dtype, or a ValueError naming ``arg[i]``."""
    if type(a) is np.ndarray and a.shape == w.shape and a.dtype == w.dtype:
        return
    raise ValueError(f"{arg}[{i}]: expected an array of shape {w.shape} and dtype {w.dtype} (those of "
                     f"params[{i}]), got shape {getattr(a, 'shape', None)} and dtype "
                     f"{getattr(a, 'dtype', type(a).__name__)}")


def _optional_int(name: str, value: Any, minimum: int) -> int | None:
    """None, or an int >= ``minimum`` (NumPy's too, as from a config array); a ValueError naming
    ``name`` otherwise, as Keras's."""
    if value is None:
        return None
    if not is_number(value, int) or value < minimum:
        raise ValueError(f"{name}: expected an int >= {minimum} or None, got {value!r}")
    return int(value)


def _iterations(value: Any) -> int:
    """A saved step count: an int >= 0 (also a 0-d array of one, as from a safetensors file)."""
    if isinstance(value, np.ndarray):
        value = value.item()
    if isinstance(value, bool) or int(value) != value or value < 0:
        raise ValueError(f"state['iterations']: expected an int >= 0, got {value!r}")
    return int(value)


#: attributes an optimizer pickled before they existed takes on loading
_PICKLED_BEFORE: dict[str, Any] = {
    "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None, "_exclude_arrays": [],
    "_exclude_names": [], "_exclude_pattern": None, "_rate_takes_step": True,
    "gradient_accumulation_steps": None, "accumulated": 0, "built": True}


def _takes_step(rate: Callable[..., float]) -> bool:
    """A learning-rate callable takes the 0-based step (descend's schedules) unless its signature
    has no positional parameter (Keras also accepts ``lambda: 0.1``)."""
    try:
        parameters = inspect.signature(rate).parameters.values()
    except (TypeError, ValueError):     # a builtin without a signature: assume the step
        return True
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                  inspect.Parameter.VAR_POSITIONAL)
    return any(p.kind in positional for p in parameters)


class _Refused(Exception):
    """A step of params[index] is not finite (raised inside the pipeline, reported by apply)."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


class Optimizer:
    """Base class: the shared pipeline (module docstring); subclasses supply :meth:`rule`.

    Parameters
    ----------
    learning_rate : float or schedule, optional
        η, a float > 0, or a callable of the 0-based step (a :mod:`descend.schedules` object or
        any callable returning a float ≥ 0; one without a parameter, ``lambda: 0.1``, is called
        without the step, as Keras does). Default: the flavor's.
    flavor : {"lecture", "keras", "torch"}, optional
        Named bundle of conventions and defaults (``docs/conventions.md`` §8 has the table).
        Default: the program's (:func:`descend.config.get_flavor`: "lecture" unless
        :func:`descend.config.set_flavor` or ``DESCEND_FLAVOR`` says otherwise).
    weight_decay : float, optional
        λ ≥ 0. Its meaning is ``weight_decay_mode``'s. Default 0 (AdamW: the flavor's).
    weight_decay_mode : {"lecture", "decoupled", "coupled"}, optional
        ``"lecture"``: w ← (1 − λ)w − Δ; ``"decoupled"``: w ← w − ηλw − Δ (Keras, PyTorch AdamW);
        ``"coupled"``: g ← g + λw before the rule (PyTorch's L2 ``weight_decay``).
    decoupled_weight_decay : bool, optional
        PyTorch's keyword: True means ``"decoupled"``, False ``"coupled"``.
    clipnorm, clipvalue, global_clipnorm : float, optional
        At most one (as in Keras): per-tensor norm, element-wise value, global norm.
    clip_epsilon : float, optional
        Added to the norm before clipping by norm (PyTorch 1e-6, Keras and lecture 0).
    clip_norm_type : float
        p of the norm used by clipnorm/global_clipnorm (PyTorch's ``norm_type``; 2, 1, inf...).
    use_ema : bool
        Keep an exponential moving average w̄ of every weight (Keras's): after each update
        ``w̄ ← μ w̄ + (1 − μ) w``, w̄ = w after the first one; ``state["average"]``. Default False.
    ema_momentum : float
        μ in [0, 1]. Default 0.99.
    ema_overwrite_frequency : int, optional
        Every this many updates the weights are overwritten by w̄. None (default): only
        :meth:`finalize_variable_values` does, which ``fit`` calls at the end of training.
    gradient_accumulation_steps : int, optional
        k ≥ 2: update every k calls with the mean of their gradients (Keras's); the running sum
        is ``state["gradient_accumulator"]``, the count since the last update ``accumulated``.
        Default None (every call updates).

    Attributes
    ----------
    learning_rate : float
        η of the next update, as Keras reads it: the schedule's value at ``iterations`` with a
        schedule. Assigning a float (or a schedule) replaces the rate.
    learning_rate_schedule : schedule or None
        The schedule given as ``learning_rate``; None for a constant rate.
    iterations : int
        Updates done so far (the 0-based step of the next update).
    state : dict[str, list[numpy.ndarray]]
        Slot name → one array per param, e.g. ``state["velocity"][0]``, ``state["m"][2]``;
        empty until the first :meth:`apply` (or :meth:`set_state`).
    scalars : dict[str, float]
        Optimizer-level state, e.g. Nadam's ``"mu_product"``.
    accumulated : int
        With ``gradient_accumulation_steps``: gradients summed since the last update.
    built : bool
        Whether the slots exist (after :meth:`build` or the first :meth:`apply`).
    variables : list[numpy.ndarray]
        Keras's list of the state, as copies (:meth:`set_weights` takes it back).
    """

    #: Registry name of the optimizer ("sgd", "adam", ...).
    name: ClassVar[str] = "optimizer"
    #: flavor → {hyperparameter or convention: default}. This table *is* the flavor.
    defaults: ClassVar[dict[str, dict[str, Any]]] = {f: {} for f in FLAVORS}
    #: The rule's hyperparameters, in the order of :meth:`get_config`.
    hyperparameters: ClassVar[tuple[str, ...]] = ()
    #: Scalar (optimizer-level, not per-array) state and its value before the first step.
    scalar_state: ClassVar[dict[str, float]] = {}
    #: The compiled kernel of the rule (a name in :mod:`descend._fast.optimizers`), or None.
    kernel: ClassVar[str | None] = None
    #: True where the rule reads the weight (Lamb, Ftrl, Adafactor): it gets it as the read-only
    #: slot ``"w"``, after the decoupled decay of step 6, as Keras's ``update_step`` sees it, and
    #: as ``"w_before_decay"`` (PyTorch's Adafactor reads that one).
    reads_weight: ClassVar[bool] = False

    def __init__(self, learning_rate: LearningRate | None = None, *, flavor: str | None = None,
                 weight_decay: float | None = None, weight_decay_mode: str | None = None,
                 decoupled_weight_decay: bool | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 clip_epsilon: float | None = None, clip_norm_type: float = 2.0,
                 use_ema: bool = False, ema_momentum: float = 0.99,
                 ema_overwrite_frequency: int | None = None,
                 gradient_accumulation_steps: int | None = None, **unknown: Any) -> None:
        if unknown:
            accepted = sorted(keywords(cast(type, type(self))))
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) {sorted(unknown)}; "
                            f"expected some of {accepted}")
        self.flavor = check_choice("flavor", get_flavor() if flavor is None else flavor, FLAVORS)
        self.learning_rate = self.default("learning_rate", learning_rate)
        decay = self.default("weight_decay", weight_decay)
        self.weight_decay = check_number("weight_decay", 0.0 if decay is None else decay,
                                         low=0.0)
        self.weight_decay_mode = check_choice(
            "weight_decay_mode", self.default("weight_decay_mode", _decay_mode(weight_decay_mode,
                                                                                decoupled_weight_decay)),
            WEIGHT_DECAY_MODES)
        clips = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        given = sorted(k for k, v in clips.items() if v is not None)
        if len(given) > 1:
            raise ValueError(f"clipnorm, clipvalue, global_clipnorm: give at most one, got {given}")
        self.clipnorm, self.clipvalue, self.global_clipnorm = (
            None if v is None else check_number(k, v, low=0.0, low_open=True) for k, v in clips.items())
        self.clip_epsilon = check_number("clip_epsilon", self.default("clip_epsilon", clip_epsilon), low=0.0)
        self.clip_norm_type = _clipping.check_norm_type(clip_norm_type)
        self.use_ema = check("use_ema", use_ema, BOOLEAN)
        self.ema_momentum = check_number("ema_momentum", ema_momentum, low=0.0, high=1.0)
        self.ema_overwrite_frequency = _optional_int("ema_overwrite_frequency", ema_overwrite_frequency, 1)
        self.gradient_accumulation_steps = _optional_int("gradient_accumulation_steps",
                                                         gradient_accumulation_steps, 2)
        self.accumulated = 0                            # gradients summed since the last update
        self._exclude_arrays: list[np.ndarray] = []     # exclude_from_weight_decay(var_list=...)
        self._exclude_names: list[str] = []             # ... var_names=..., and the paths of var_list
        self._exclude_pattern: re.Pattern[str] | None = None
        self.iterations = 0
        self.built = False                              # slots made for a list of params
        self.state: dict[str, list[np.ndarray]] = {}
        self.scalars: dict[str, float] = dict(self.scalar_state)
        self._before: list[np.ndarray] = []      # the weights before a compiled step (to refuse it)

    def default(self, key: str, value: Any) -> Any:
        """``value``, or where it is None the flavor's default for ``key``."""
        if value is not None:
            return value
        return {**PIPELINE_DEFAULTS[self.flavor], **self.defaults[self.flavor]}.get(key)

    # ------------------------------------------------------------------- to override in subclasses
    def slots(self) -> dict[str, float]:
        """Slot name → initial value; one array per slot and param, of :meth:`slot_shape`."""
        return {}

    def slot_shape(self, name: str, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of slot ``name`` for a param of ``shape``: the param's own (every slot of
        every rule but Adafactor's factored accumulators), the one place building, restoring
        and loading the state read it from."""
        return tuple(shape)

    def begin_step(self, t: int) -> None:
        """Update scalar (optimizer-level) state once per step, before the rules (Nadam's μ-product)."""

    def look_ahead(self, params: Sequence[np.ndarray]) -> bool:
        """Move ``params`` in place to where the next gradient is to be taken, holding the weights
        to come back to with :meth:`look_back`; True where they moved. Only the slides' NAG moves
        them (to ``w − γv``, :class:`~descend.optimizers.SGD`); every other rule takes the
        gradient at the weights themselves and returns False."""
        return False

    def look_back(self, params: Sequence[np.ndarray]) -> None:
        """The params back to the weights held by :meth:`look_ahead`, bit for bit."""

    def gradient_at(self, params: Sequence[np.ndarray],
                    gradient: Callable[[Sequence[np.ndarray]], Sequence[np.ndarray]]) -> list[np.ndarray]:
        """``gradient(params)`` taken where this optimizer's rule wants it (the look-ahead point
        for the slides' NAG), as copies; the params are the weights again afterwards. Call it
        before :meth:`apply` when computing gradients outside a model."""
        moved = self.look_ahead(params)
        try:
            return [np.array(g, copy=True) for g in gradient(params)]
        finally:
            if moved:
                self.look_back(params)

    def rule(self, g: np.ndarray, slots: Slots, lr: float, t: int) -> tuple[np.ndarray, Slots]:
        """The step Δ for one array and its new slots (the pipeline then does w ← w − Δ).

        A pure function: ``g`` is the (clipped, coupled-decayed) gradient, ``slots`` this array's
        memory, ``lr`` the learning rate η_t and ``t`` the 1-based step; nothing passed in is
        modified.
        """
        raise NotImplementedError  # pragma: no cover - abstract

    # ------------------------------------------------------------------------------- the pipeline
    def apply(self, grads: Sequence[np.ndarray], params: Sequence[np.ndarray], *,
              keep: Sequence[np.ndarray] | None = None, names: Sequence[str] | None = None) -> None:
        """One update: ``params[i] ← params[i] − Δ_i`` in place, in the module docstring's order.

        ``grads`` are ∂E/∂params at the current params (for the slides' NAG at the look-ahead
        point: :meth:`gradient_at`) and are never modified. A length, shape or
        dtype mismatch is a ValueError naming the tensor, before anything is written; so is a
        step that is not finite (see the module docstring for what has moved then).

        ``keep``, optional arrays shaped as ``params``, receive the weights from before the step
        (the training loop keeps them to go back to after a divergence): a compiled step copies
        them in the same pass as the update.

        ``names``, optional, one string per param (``fit`` passes ``"dense_1/kernel"``...): what
        the ``var_names`` of :meth:`exclude_from_weight_decay` are searched in.
        """
        # One errstate for the whole step: an overflow shows up as inf and is reported by tensor
        # index, not as a warning.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self._check(grads, params, keep)
            decays = self._decays(params, names)
            self._build(params)
            mean = self._accumulate(grads, params, keep)                  # (accumulation)
            if mean is None:
                return
            scalars = dict(self.scalars)
            t = self.iterations + 1                                       # 1. step count
            lr = self._learning_rate_at(self._step())                     # 2. learning rate
            clipped = self._clip(mean)                                    # 3. clipping
            clipped = self._coupled_decay(clipped, params, decays)        # 4. coupled decay
            self.begin_step(t)
            try:
                if not self._compiled_steps(clipped, params, lr, t, keep, decays):
                    self._rule_steps(clipped, params, lr, t, keep, decays)  # 5.–7.
            except _Refused as refused:
                self.scalars = scalars
                raise self._refusal(refused.index, t, grads) from None
            self._moving_average(params)                                  # 8. EMA
        self.iterations = t
        if self.accumulated:
            for a in self.state["gradient_accumulator"]:
                a.fill(0)
            self.accumulated = 0

    # ---------------------------------------------------------------------- gradient accumulation
    def _step(self) -> int:
        """The 0-based step the schedule reads: the updates, or with gradient accumulation the
        calls (Keras's ``_iterations``)."""
        k = self.gradient_accumulation_steps
        return self.iterations * k + self.accumulated if k else self.iterations

    def _accumulate(self, grads: Sequence[np.ndarray], params: Sequence[np.ndarray],
                    keep: Sequence[np.ndarray] | None) -> list[np.ndarray] | None:
        """The gradients the update takes: ``grads`` itself, or with gradient accumulation the mean
        ``(g + Σ)/k`` on every k-th call; None on the other calls, which only add g to Σ (the
        weights unchanged: ``keep`` receives them; the moving average follows them, as Keras's)."""
        k = self.gradient_accumulation_steps
        if not k:
            return list(grads)
        sums = self.state["gradient_accumulator"]
        if self.accumulated + 1 == k:
            return [(g + a) / k for g, a in zip(grads, sums, strict=True)]
        new = [g + a for g, a in zip(grads, sums, strict=True)]
        for i, a in enumerate(new):
            if not is_finite(a):
                raise self._refusal(i, self.iterations + 1, grads)
        for a, b in zip(sums, new, strict=True):
            np.copyto(a, b)
        for before, w in zip(keep or [], params, strict=False):
            np.copyto(before, w)
        self.accumulated += 1
        self._moving_average(params)
        return None

    # ------------------------------------------------------------------ weight decay exclusions
    def exclude_from_weight_decay(self, var_list: Sequence[np.ndarray] | None = None,
                                  var_names: Sequence[str] | None = None) -> None:
        """Keep some weights out of weight decay (Keras's method; each call replaces the last).

        Parameters
        ----------
        var_list : list of numpy.ndarray, optional
            The weights themselves (``model.weights[1]``...), matched by identity.
        var_names : list of str, optional
            Patterns (``re.search``, as Keras): a weight whose name contains one is excluded,
            e.g. ``["bias"]``. The names are those given to :meth:`apply`; ``fit`` gives each
            weight its path, ``"<layer>/kernel"`` or ``"<layer>/bias"``, so a layer's name
            excludes the whole layer (Keras searches the short name, ``"kernel"``, only).

        The patterns are part of :meth:`get_config` (a saved model resumes with them; Keras drops
        them), and so are the paths of ``var_list``'s weights once an update has named them.
        """
        _check_list("var_list", var_list)
        arrays = [] if var_list is None else list(var_list)
        for i, a in enumerate(arrays):
            if not isinstance(a, np.ndarray):
                raise TypeError(f"var_list[{i}]: expected a weight array, got {type(a).__name__}")
        if isinstance(var_names, str):
            raise TypeError(f"var_names: expected a list of strings, got the string {var_names!r}")
        patterns = [] if var_names is None else list(var_names)
        for i, n in enumerate(patterns):
            if not isinstance(n, str):
                raise TypeError(f"var_names[{i}]: expected a string, got {type(n).__name__} {n!r}")
        self._exclude_arrays, self._exclude_names = arrays, patterns
        self._exclude_pattern = re.compile("|".join(patterns)) if patterns else None

    def _decays(self, params: Sequence[np.ndarray], names: Sequence[str] | None) -> list[bool] | None:
        """Which params take weight decay; None: all of them (nothing excluded, or no decay)."""
        if names is not None and (isinstance(names, str) or len(names) != len(params)
                                  or not all(isinstance(n, str) for n in names)):
            raise ValueError(f"names: expected one string per param ({len(params)}), got {names!r}")
        if not self.weight_decay or not (self._exclude_arrays or self._exclude_pattern):
            return None
        if self._exclude_pattern is not None and names is None:
            raise ValueError("names: exclude_from_weight_decay(var_names=...) needs the weights' names; "
                             "pass apply(..., names=[...]) (fit does)")
        return [not self._excluded(w, None if names is None else names[i]) for i, w in enumerate(params)]

    def _excluded(self, w: np.ndarray, name: str | None) -> bool:
        """Whether the weight ``w`` (named ``name``) is kept out of weight decay."""
        if any(w is a for a in self._exclude_arrays):
            exact = None if name is None else f"^{re.escape(name)}$"
            if exact is not None and exact not in self._exclude_names:
                # kept by its path from now on, so that the exclusion survives a save
                self._exclude_names.append(exact)
                self._exclude_pattern = re.compile("|".join(self._exclude_names))
            return True
        pattern = self._exclude_pattern
        return name is not None and pattern is not None and pattern.search(name) is not None

    # ------------------------------------------------------------------------ moving average
    def _moving_average(self, params: Sequence[np.ndarray]) -> None:
        """Step 8 (Keras's ``use_ema``): w̄ ← μ w̄ + (1 − μ) w, with μ = 0 at the first update;
        every ``ema_overwrite_frequency`` updates, w ← w̄."""
        if not self.use_ema:
            return
        mu = self.ema_momentum if self.iterations else 0.0
        for w, average in zip(params, self.state["average"], strict=True):
            np.copyto(average, mu * average + (1 - mu) * w)
        every = self.ema_overwrite_frequency
        if every and (self.iterations + 1) % every == 0:
            self.finalize_variable_values(params)

    def finalize_variable_values(self, params: Sequence[np.ndarray]) -> None:
        """With ``use_ema``, the weights ← their moving average, in place (Keras's method; ``fit``
        calls it at the end of training); without, nothing."""
        if not self.use_ema or "average" not in self.state:
            return
        if len(params) != len(self.state["average"]):
            raise ValueError(f"params: this optimizer holds averages of {len(self.state['average'])} "
                             f"arrays, got {len(params)}")
        for w, average in zip(params, self.state["average"], strict=True):
            np.copyto(w, average)

    def _coupled_decay(self, grads: list[np.ndarray], params: Sequence[np.ndarray],
                       decays: list[bool] | None = None) -> list[np.ndarray]:
        """Step 4: ``g ← g + λw`` where the decay is coupled (PyTorch's L2 ``weight_decay``)."""
        if not self.weight_decay or self.weight_decay_mode != "coupled":
            return grads
        return [g + self.weight_decay * w if decays is None or decays[i] else g
                for i, (g, w) in enumerate(zip(grads, params, strict=True))]

    def _decoupled_rate(self, lr: float) -> float:
        """The c of step 6, ``Δ ← Δ + c·w``: λ (the slides), ηλ (Keras, AdamW) or 0 (coupled)."""
        if not self.weight_decay or self.weight_decay_mode == "coupled":
            return 0.0
        return self.weight_decay if self.weight_decay_mode == "lecture" else lr * self.weight_decay

    def _rule_steps(self, grads: list[np.ndarray], params: Sequence[np.ndarray], lr: float, t: int,
                    keep: Sequence[np.ndarray] | None, decays: list[bool] | None = None) -> None:
        """Steps 5–7 as written: every rule first, then — all steps being finite — the update."""
        rate = self._decoupled_rate(lr)
        steps = []
        for i, (g, w) in enumerate(zip(grads, params, strict=True)):
            decay = rate if decays is None or decays[i] else 0.0
            slots = {name: arrays[i] for name, arrays in self.state.items()}
            if self.reads_weight:
                slots["w"], slots["w_before_decay"] = (w - decay * w if decay else w), w
            step, slots = self.rule(g, slots, lr, t)                      # 5.
            if decay:
                step = step + decay * w                                   # 6. decoupled decay
            if not is_finite(step):
                raise _Refused(i)
            steps.append((step, slots))
        for i, (w, (step, slots)) in enumerate(zip(params, steps, strict=True)):
            if keep is not None:
                np.copyto(keep[i], w)
            w -= step                                                     # 7. update
            for name, value in slots.items():
                np.copyto(self.state[name][i], value)

    def _compiled_steps(self, grads: list[np.ndarray], params: Sequence[np.ndarray], lr: float, t: int,
                        keep: Sequence[np.ndarray] | None, decays: list[bool] | None = None) -> bool:
        """Steps 5–7 in one compiled pass per array, where the rule has a kernel and it pays off;
        False (nothing done) otherwise."""
        if self.kernel is None or not _fast.enabled() or not _kernels.pays_off(
                params, grads, *([] if keep is None else [keep]), *self.state.values()):
            return False
        kernels = self._kernels(lr, t, len(params), decays)
        if keep is None:
            if [(b.shape, b.dtype) for b in self._before] != [(w.shape, w.dtype) for w in params]:
                self._before = [np.empty_like(w) for w in params]
            keep = self._before
        for i, (g, w, kernel) in enumerate(zip(grads, params, kernels, strict=True)):
            if kernel(g, w, keep[i], [self.state[name][i] for name in kernel.slots]):
                for p, before in zip(params[:i + 1], keep, strict=False):
                    np.copyto(p, before)
                raise _Refused(i)
        return True

    def _kernels(self, lr: float, t: int, n: int, decays: list[bool] | None) -> list[_kernels.Step]:
        """Each param's compiled step: with the decoupled decay, or without it for the weights kept
        out of weight decay."""
        rate = self._decoupled_rate(lr)
        step = _kernels.prepare(self, lr, t, rate)
        if not rate or decays is None or all(decays):
            return [step] * n
        plain = _kernels.prepare(self, lr, t, 0.0)
        return [step if decay else plain for decay in decays]

    @staticmethod
    def _refusal(i: int, t: int, grads: Sequence[np.ndarray]) -> ValueError:
        """The error for a refused step: a NaN/inf gradient anywhere (clipping by the global norm
        spreads it) is named as such, else the step of params[i] overflowed."""
        j = next((j for j, g in enumerate(grads) if not is_finite(g)), None)
        if j is not None:
            return ValueError(f"grads[{j}]: expected finite values, got {_count_nonfinite(grads[j])} "
                              f"NaN/inf element(s); every weight is as before the step")
        return StepOverflow(f"params[{i}]: the update at step {t} is not finite (overflow); every "
                            f"weight is as before the step. Lower the learning rate or clip gradients.",
                            index=i)

    # --------------------------------------------------------------------------------- helpers
    @property
    def learning_rate(self) -> float:
        """η that the next :meth:`apply` will use (Keras's ``optimizer.learning_rate``): the constant
        rate, or the schedule at the 0-based step ``iterations``. Assign a float > 0 or a schedule
        to replace it; :attr:`learning_rate_schedule` is the schedule itself."""
        return self._learning_rate_at(self._step())

    @learning_rate.setter
    def learning_rate(self, value: LearningRate) -> None:
        self._learning_rate = self._check_learning_rate(value)
        self._rate_takes_step = not callable(self._learning_rate) or _takes_step(self._learning_rate)

    @property
    def learning_rate_schedule(self) -> Callable[[int], float] | None:
        """The schedule the learning rate follows (a :mod:`descend.schedules` object or a callable
        of the 0-based step); None for a constant rate."""
        lr = self._learning_rate
        return None if isinstance(lr, float) else lr

    @property
    def current_learning_rate(self) -> float:
        """η that the next :meth:`apply` will use: the schedule at the 0-based step ``iterations``
        (the same as :attr:`learning_rate`)."""
        return self.learning_rate

    @staticmethod
    def _check_learning_rate(lr: Any) -> LearningRate:
        if isinstance(lr, (int, float, np.integer, np.floating)) and not isinstance(lr, bool):
            # A constant rate of 0 trains nothing and a negative one ascends: both are mistakes.
            # A *schedule* may reach 0 (warm-up from 0, cosine decay with alpha=0); see
            # _learning_rate_at.
            return check_number("learning_rate", lr, low=0.0, low_open=True)
        if callable(lr):
            return lr
        raise TypeError(f"learning_rate: expected a float > 0 or a schedule, got {type(lr).__name__} {lr!r}")

    def _learning_rate_at(self, step: int) -> float:
        lr = self._learning_rate
        if isinstance(lr, float) and math.isfinite(lr) and lr >= 0:
            return lr                       # ≥ 0, not > 0: a callback may have set it since
        if not callable(lr):
            value: Any = lr
        else:                               # a schedule of the step, or Keras's bare callable
            value = lr(step) if self._rate_takes_step else cast(Callable[[], float], lr)()
        try:
            return check_number("learning_rate", value, low=0.0)
        except (TypeError, ValueError) as exc:
            source = "the schedule returned" if callable(lr) else "is"
            message = f"learning_rate: {source} {value!r} at step {step}; expected a finite float >= 0"
            if callable(lr) and isinstance(value, float) and not math.isfinite(value):
                raise StepOverflow(message) from exc        # the schedule grew past the float range
            raise ValueError(message) from exc

    def _clip(self, grads: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Step 3."""
        if self.clipvalue is not None:
            return _clipping.clip_by_value(grads, self.clipvalue)
        if self.clipnorm is not None:
            return _clipping.clip_by_norm(grads, self.clipnorm, epsilon=self.clip_epsilon,
                                          norm_type=self.clip_norm_type)
        if self.global_clipnorm is not None:
            return _clipping.clip_by_global_norm(grads, self.global_clipnorm, epsilon=self.clip_epsilon,
                                                 norm_type=self.clip_norm_type)[0]
        return list(grads)

    def _check(self, grads: Sequence[np.ndarray], params: Sequence[np.ndarray],
               keep: Sequence[np.ndarray] | None) -> None:
        """Validate the arguments of :meth:`apply` (nothing is written before this passes)."""
        for arg, seq in (("grads", grads), ("params", params), ("keep", keep)):
            _check_list(arg, seq)
        if len(grads) != len(params) or (keep is not None and len(keep) != len(params)):
            raise ValueError(f"grads, params: expected lists of the same length, got {len(grads)} and "
                             f"{len(params)}" + ("" if keep is None else f" (keep: {len(keep)})"))
        if not params:
            raise ValueError("params: expected at least one array, got an empty list")
        for i, (g, w) in enumerate(zip(grads, params, strict=True)):
            if type(w) is not np.ndarray or w.dtype not in _FLOATS:
                raise ValueError(f"params[{i}]: expected a float32 or float64 numpy array, "
                                 f"got {getattr(w, 'dtype', type(w).__name__)}")
            if not w.flags.writeable:
                raise ValueError(f"params[{i}]: expected a writeable array (updated in place)")
            _check_like("grads", i, g, w)
            if keep is not None:
                _check_like("keep", i, keep[i], w)

    def _fills(self) -> dict[str, float]:
        """Every per-array state: the rule's slots, and ``"average"`` with ``use_ema``."""
        return {**self.slots(), **({"average": 0.0} if self.use_ema else {}),
                **({"gradient_accumulator": 0.0} if self.gradient_accumulation_steps else {})}

    def _build(self, params: Sequence[np.ndarray]) -> None:
        """Create the slots on first use, with the params' dtypes and :meth:`slot_shape`; else
        check they match."""
        self.built = True
        fills = self._fills()
        if not self.state and fills:
            self.state = {name: [self._new_slot(name, w, fill) for w in params]
                          for name, fill in fills.items()}
        for name, arrays in self.state.items():
            if len(arrays) != len(params):
                raise ValueError(f"params: this optimizer holds state for {len(arrays)} arrays, "
                                 f"got {len(params)}")
            for i, (a, w) in enumerate(zip(arrays, params, strict=True)):
                shape = self.slot_shape(name, w.shape)
                if a.shape == shape and a.dtype != w.dtype and np.array_equal(a.astype(w.dtype), a):
                    # State restored through JSON comes back as float64; a lossless cast is safe.
                    a = arrays[i] = a.astype(w.dtype)
                if a.shape != shape or a.dtype != w.dtype:
                    raise ValueError(f"params[{i}]: the optimizer's '{name}' state has shape {a.shape} and "
                                     f"dtype {a.dtype}, expected {shape} and {w.dtype} for a weight of "
                                     f"shape {w.shape}")

    def _new_slot(self, name: str, w: np.ndarray, fill: float) -> np.ndarray:
        """Slot ``name`` of ``w`` at its initial value (the weight's memory layout where the shape
        is the weight's)."""
        shape = self.slot_shape(name, w.shape)
        return np.full_like(w, fill) if shape == w.shape else np.full(shape, fill, dtype=w.dtype)

    # Work arrays are not state: a pickle (joblib, deepcopy) carries the slots, and the slots come
    # back writeable even from a read-only memory map, so that training goes on (they are
    # updated in place).
    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_before": []}

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "learning_rate" in state:        # pickled before learning_rate became the current value
            state = {**state, "_learning_rate": state.pop("learning_rate")}
        self.__dict__.update({**_PICKLED_BEFORE, **state})
        self.state = {name: [a if a.flags.writeable else np.array(a) for a in arrays]
                      for name, arrays in self.state.items()}

    # ------------------------------------------------------------------------ Keras's variables
    def build(self, params: Sequence[np.ndarray]) -> None:
        """Make the slots for ``params`` now (Keras's ``optimizer.build(var_list)``); the first
        :meth:`apply` does it otherwise."""
        _check_list("params", params)
        self._check(list(params), params, None)
        self._build(params)

    @property
    def variables(self) -> list[np.ndarray]:
        """Keras's ``optimizer.variables``, as copies: the step count (Keras's ``_iterations``,
        with gradient accumulation every call: ``k·iterations + accumulated``), the constant
        learning rate (none under a schedule), then every slot array (slot by slot, param by
        param). :meth:`set_weights` takes such a list back."""
        lr = self._learning_rate
        head = [np.array(self._step())] + ([np.array(lr)] if isinstance(lr, float) else [])
        return head + [a.copy() for arrays in self.state.values() for a in arrays]

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Set the state from a list shaped as :attr:`variables` (Keras's method): the optimizer
        must be built (:meth:`build`, or one :meth:`apply`) so that the slots have their shapes."""
        if not self.built:
            raise ValueError("set_weights: the optimizer is not built yet; call optimizer.build(params) "
                             "(or apply once) to make its slots first")
        current = self.variables
        _check_list("weights", weights)
        if len(weights) != len(current):
            raise ValueError(f"weights: expected {len(current)} arrays (optimizer.variables), "
                             f"got {len(weights)}")
        for i, (w, v) in enumerate(zip(weights, current, strict=True)):
            if np.shape(w) != v.shape:
                raise ValueError(f"weights[{i}]: expected shape {v.shape}, got {np.shape(w)}")
        calls, k = _iterations(np.asarray(weights[0])), self.gradient_accumulation_steps
        self.iterations, self.accumulated = divmod(calls, k) if k else (calls, 0)
        offset = 1
        if isinstance(self._learning_rate, float):
            self.learning_rate = float(np.asarray(weights[1]))
            offset = 2
        slots = [a for arrays in self.state.values() for a in arrays]
        for a, w in zip(slots, weights[offset:], strict=True):
            np.copyto(a, np.asarray(w, dtype=a.dtype))

    # ------------------------------------------------------------------------------------ state
    def get_state(self) -> dict[str, np.ndarray | int | float]:
        """Flat copy of the state: ``"iterations"``, ``"<slot>/<index>"`` arrays, scalar state."""
        flat: dict[str, np.ndarray | int | float] = {"iterations": int(self.iterations)}
        for name, arrays in self.state.items():
            for i, a in enumerate(arrays):
                flat[f"{name}/{i}"] = a.copy()
        flat.update({k: float(v) for k, v in self.scalars.items()})
        if self.gradient_accumulation_steps:
            flat["accumulated"] = int(self.accumulated)
        return flat

    def set_state(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`get_state` returned (copies), so that training resumes bit for bit."""
        if "iterations" not in state:
            raise ValueError("state: expected the key 'iterations', it is missing")
        names = tuple(self._fills())
        expected = {"iterations", *self.scalar_state}
        if self.gradient_accumulation_steps:
            expected.add("accumulated")
        count = sum(1 for k in state if k.split("/")[0] in names and "/" in k) // max(len(names), 1)
        expected |= {f"{n}/{i}" for n in names for i in range(count)}
        if set(state) != expected:
            raise ValueError(f"state: expected the keys {sorted(expected)}, got {sorted(state)}")
        self.iterations = _iterations(state["iterations"])
        self.accumulated = _iterations(state["accumulated"]) if self.gradient_accumulation_steps else 0
        self.scalars = {k: float(np.asarray(state[k]).item()) for k in self.scalar_state}
        self.state = {n: [np.array(state[f"{n}/{i}"], copy=True) for i in range(count)] for n in names} \
            if count else {}
        self.built = self.built or bool(count)

    # ----------------------------------------------------------------------------- serialization
    def get_config(self) -> dict[str, Any]:
        """Every resolved hyperparameter and convention; :meth:`from_config` rebuilds the optimizer."""
        lr = self._learning_rate
        return {
            "learning_rate": lr if isinstance(lr, float) else _schedules.serialize(lr),
            "flavor": self.flavor,
            **{k: getattr(self, k) for k in self.hyperparameters},
            "weight_decay": self.weight_decay, "weight_decay_mode": self.weight_decay_mode,
            "clipnorm": self.clipnorm, "clipvalue": self.clipvalue, "global_clipnorm": self.global_clipnorm,
            "clip_epsilon": self.clip_epsilon, "clip_norm_type": self.clip_norm_type,
            "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
            **({"exclude_from_weight_decay": list(self._exclude_names)} if self._exclude_names else {}),
        }

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Optimizer:
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.get(config["learning_rate"])
        excluded = config.pop("exclude_from_weight_decay", None)
        optimizer = cls(**config)
        if excluded:
            optimizer.exclude_from_weight_decay(var_names=excluded)
        return optimizer

    def __repr__(self) -> str:
        return f"{type(self).__name__}(learning_rate={self._learning_rate!r}, flavor={self.flavor!r})"
