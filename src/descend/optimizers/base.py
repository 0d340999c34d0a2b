"""The one pipeline every optimizer shares.

An optimizer here is a *rule* for one array plus this pipeline. The rule (``Optimizer.rule``) says
how far to move one weight array given its gradient, its slots (velocity, accumulators, moments),
the learning rate and the step; only this base class writes the weights. One ``apply`` does, in
this order:

1. **step count** — ``t = iterations + 1`` (every framework counts the first update as t = 1);
2. **learning rate** — ``η_t = schedule(iterations)``, the 0-based step, as Keras does;
3. **clipping** — ``clipvalue`` (element-wise), ``clipnorm`` (per tensor) or ``global_clipnorm``
   (all tensors together), see :mod:`descend.clipping`;
4. **coupled decay** — ``g ← g + λw`` (PyTorch's ``weight_decay`` on SGD, Adagrad, RMSprop,
   Adadelta, Adam, NAdam): the decay passes through the rule like a gradient;
5. **the rule** — ``Δ = rule(g, slots, η_t, t)``;
6. **decoupled decay** — ``Δ ← Δ + λw`` (the slides: ``w ← (1 − λ)w − η∇E``, λ not multiplied by
   η) or ``Δ ← Δ + ηλw`` (Keras's ``weight_decay`` on every optimizer, PyTorch's AdamW), with the
   w from *before* the update, as Keras (decay before ``update_step``) and PyTorch AdamW do;
7. **in-place update** — ``w ← w − Δ``, keeping the w before the step.

Where an optimizer has a compiled kernel for its rule (:meth:`Optimizer.fused_kernel`, see
``kernels.py``), steps 5–7 happen in one pass over each array, bit for bit as written above.

A NaN or inf gradient is rejected before anything is touched (conventions.md; "a NaN never
silently reaches the weights"); a non-finite Δ (an overflow) is rejected with every weight put
back as it was before the step.

Flavors are data: ``Optimizer.defaults[flavor]`` holds each optimizer's defaults and conventions
for ``"lecture"``, ``"keras"`` and ``"torch"``; every entry is also a keyword that overrides it.
"""
from __future__ import annotations

import math
from typing import Any, Callable, ClassVar, Mapping, Sequence

import numpy as np

from .. import clipping as _clipping
from .. import schedules as _schedules
from . import kernels as _kernels
from ..checks import check_choice, check_number, is_finite, keywords  # noqa: F401  (re-exported to the rules)

FLAVORS = ("lecture", "keras", "torch")

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


# ----------------------------------------------------------------------------- validation helpers
def denominator(v: np.ndarray, epsilon: float, placement: str, out: np.ndarray) -> np.ndarray:
    """``out ← √(v + ε)`` (placement "inside": the slides, Keras) or ``√v + ε`` ("outside": PyTorch)."""
    if placement == "inside":
        np.add(v, epsilon, out=out)
        return np.sqrt(out, out=out)
    np.sqrt(v, out=out)
    out += epsilon
    return out


def _count_nonfinite(a: np.ndarray) -> int:
    return int(a.size - np.count_nonzero(np.isfinite(a)))


# ----------------------------------------------------------------------------------- the base class
class Optimizer:
    """Base class: the shared pipeline (module docstring); subclasses supply :meth:`rule`.

    Parameters
    ----------
    learning_rate : float or schedule, optional
        η, a float > 0, or a callable of the 0-based step (a :mod:`descend.schedules` object or
        any callable returning a float ≥ 0). Default: the flavor's.
    flavor : {"lecture", "keras", "torch"}
        Named bundle of conventions and defaults (``docs/optimizers.md`` has the table).
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

    Attributes
    ----------
    iterations : int
        Updates done so far (the 0-based step of the next update).
    state : dict[str, list[numpy.ndarray]]
        Slot name → one array per param, e.g. ``state["velocity"][0]``, ``state["m"][2]``;
        empty until the first :meth:`apply` (or :meth:`set_state`).
    scalars : dict[str, float]
        Optimizer-level state, e.g. Nadam's ``"mu_product"``.
    """

    #: Registry name of the optimizer ("sgd", "adam", ...).
    name: ClassVar[str] = "optimizer"
    #: flavor → {hyperparameter or convention: default}. This table *is* the flavor.
    defaults: ClassVar[dict[str, dict[str, Any]]] = {f: {} for f in FLAVORS}
    #: Scalar (optimizer-level, not per-array) state and its value before the first step.
    scalar_state: ClassVar[dict[str, float]] = {}
    #: Hyperparameters for which None is a value, not "use the flavor's default" (the subclass
    #: resolves their defaults itself).
    none_is_a_value: ClassVar[tuple[str, ...]] = ()

    def __init__(self, learning_rate: LearningRate | None = None, *, flavor: str = "lecture",
                 weight_decay: float | None = None, weight_decay_mode: str | None = None,
                 decoupled_weight_decay: bool | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 clip_epsilon: float | None = None, clip_norm_type: float = 2.0,
                 **hyper: Any) -> None:
        self.flavor = check_choice("flavor", flavor, FLAVORS)
        unknown = sorted(set(hyper) - keywords(type(self)))
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) {unknown}; "
                            f"expected some of {sorted(keywords(type(self)) | keywords(Optimizer))}")
        table = {**PIPELINE_DEFAULTS[self.flavor], **self.defaults[self.flavor]}

        def pick(key: str, value: Any) -> Any:
            return table.get(key) if value is None else value

        # Hyperparameters of the rule: given, else the flavor's default. Subclasses validate them.
        for key, value in hyper.items():
            setattr(self, key, value if key in self.none_is_a_value else pick(key, value))
        self.learning_rate = self._check_learning_rate(pick("learning_rate", learning_rate))
        self.weight_decay = check_number("weight_decay", pick("weight_decay", weight_decay) or 0.0, low=0.0)
        if decoupled_weight_decay is not None:
            implied = "decoupled" if decoupled_weight_decay else "coupled"
            if weight_decay_mode is not None and weight_decay_mode != implied:
                raise ValueError(f"decoupled_weight_decay={decoupled_weight_decay} contradicts "
                                 f"weight_decay_mode={weight_decay_mode!r}; give one of them")
            weight_decay_mode = implied
        self.weight_decay_mode = check_choice("weight_decay_mode", pick("weight_decay_mode", weight_decay_mode),
                                              WEIGHT_DECAY_MODES)
        given = {k: v for k, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                   ("global_clipnorm", global_clipnorm)) if v is not None}
        if len(given) > 1:
            raise ValueError(f"clipnorm, clipvalue, global_clipnorm: give at most one, got {sorted(given)}")
        self.clipnorm, self.clipvalue, self.global_clipnorm = (
            None if v is None else check_number(k, v, low=0.0, low_open=True)
            for k, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue), ("global_clipnorm", global_clipnorm)))
        self.clip_epsilon = check_number("clip_epsilon", pick("clip_epsilon", clip_epsilon), low=0.0)
        self.clip_norm_type = _clipping.check_norm_type(clip_norm_type)
        self._hyper_names = tuple(hyper)
        self.validate()
        self.iterations = 0
        self.state: dict[str, list[np.ndarray]] = {}
        self.scalars: dict[str, float] = dict(self.scalar_state)
        self._scratch: list[np.ndarray] = []       # Δ of the rules without a fused kernel
        # The weights before each of the last two steps, alternately (step s writes _kept[s % 2]):
        # a step that fails restores from its own copy and leaves the one before intact.
        self._kept: list[list[np.ndarray]] = [[], []]
        self._kept_step = -1                       # the last successful step (-1: none kept)

    # ------------------------------------------------------------------- to override in subclasses
    def validate(self) -> None:
        """Check the rule's hyperparameters (subclasses; raise ValueError naming the argument)."""

    def slots(self) -> dict[str, float]:
        """Slot name → initial value; one array of the param's shape per slot and param."""
        return {}

    def begin_step(self, t: int) -> None:
        """Update scalar (optimizer-level) state once per step, before the rules (Nadam's μ-product)."""

    def rule(self, g: np.ndarray, slots: dict[str, np.ndarray], lr: float, t: int,
             out: np.ndarray) -> None:  # pragma: no cover - abstract
        """Write the step Δ for one array into ``out`` (the pipeline then does w ← w − Δ).

        ``g`` is read-only (already clipped / coupled-decayed); ``slots`` are this array's own
        memory and are updated in place; ``t`` is the 1-based step; ``out`` may be used as scratch.
        This readable NumPy form is the definition; :meth:`fused_kernel` may do the same faster.
        """
        raise NotImplementedError

    def fused_kernel(self, lr: float, t: int, decay: float) -> _kernels.Fused | None:
        """Steps 5–7 in one compiled pass per array, where a kernel exists; else None.

        Called once per step: returns the compiled kernel and the step's scalars (worked out
        once), see :class:`~descend.optimizers.kernels.Fused`. Per array, the kernel must give bit
        for bit what the pipeline does with :meth:`rule`: Δ = rule(...), Δ ← Δ + decay·w (when
        ``decay`` ≠ 0), ``prev`` ← w, w ← w − Δ, and return how many elements of Δ are not finite
        (the pipeline then puts every weight back from ``prev``). Arrays that are not
        C-contiguous take :meth:`rule`.
        """
        return None

    # ------------------------------------------------------------------------------- the pipeline
    def apply(self, grads: Sequence[np.ndarray], params: Sequence[np.ndarray], *,
              check_finite: bool = True) -> None:
        """One update: ``params[i] ← params[i] − Δ_i`` in place, in the module docstring's order.

        ``grads`` are ∂E/∂params at the current params and are never modified. Raises ValueError
        naming the tensor index on a length, shape or dtype mismatch, or a NaN/inf gradient,
        before anything is written (params and state untouched). If instead a Δ overflows, the
        ValueError comes with every weight as it was before the step, but the slots of the arrays
        before it have moved: restore them with :meth:`set_state` before going on.

        The weights before the step are kept (one copy, made in the same pass as the update):
        :meth:`restore_previous` puts them back; a failed step leaves that of the step before.

        ``check_finite=False`` saves the separate NaN/inf scan of the gradients where a fused
        kernel checks them in its own pass (the training loop does this): a NaN/inf gradient is
        then still refused with the same ValueError and every weight as before the step, no
        NaN/inf enters any slot, but as after an overflow the slots of the finite elements have
        moved.
        """
        # One errstate for the whole step (entering it costs as much as a small array's update):
        # an overflow shows up as inf and is reported by tensor index, not as a warning.
        with np.errstate(over="ignore", invalid="ignore"):
            grads, params, built = self._check_inputs(grads, params, check_finite)
            if not built:
                self._build(params)
            given = grads
            t = self.iterations + 1                                        # 1. step count
            lr = self._learning_rate_at(self.iterations)                   # 2. learning rate
            grads = self._clip(grads)                                      # 3. clipping
            wd, mode = self.weight_decay, self.weight_decay_mode
            if wd and mode == "coupled":                                   # 4. coupled decay
                grads = [g + wd * w for g, w in zip(grads, params)]
            decay = 0.0 if not wd or mode == "coupled" else wd if mode == "lecture" else lr * wd
            self.begin_step(t)
            slots = list(self.state.items())
            kept = self._kept[self.iterations % 2]
            fused = self.fused_kernel(lr, t, decay) if _kernels.pay_off(params) else None
            scalars, dtype = [], None                                      # (the kernel's, cast)
            for i, (g, w, prev, out) in enumerate(zip(grads, params, kept, self._scratch)):
                n_bad = None
                if fused is not None:
                    slot_arrays = [self.state[name][i] for name in fused.slots]
                    if _kernels.contiguous(g, w, prev, *slot_arrays):
                        if w.dtype is not dtype:
                            # (a list: tuple() of an iterator grows a fresh tuple each step, whose
                            # memory then stays in CPython's free list of tuples)
                            dtype, scalars = w.dtype, [w.dtype.type(x) for x in fused.scalars]
                        n_bad = fused.kernel(g, w, prev, *slot_arrays, *scalars)  # 5.–7. in one pass, or:
                if n_bad is None:                                          # 5.–7. with the rule
                    if not check_finite and slots and not is_finite(given[i]):
                        np.copyto(prev, w)
                        n_bad = 1                                          # (its slots would take the NaN in)
                    else:
                        n_bad = self._rule_step(g, w, prev, out, {name: arrays[i] for name, arrays in slots},
                                                lr, t, decay)
                if n_bad:
                    self._refuse(i, t, given, params, kept)
        self._kept_step = self.iterations
        self.iterations += 1

    def _rule_step(self, g: np.ndarray, w: np.ndarray, prev: np.ndarray, out: np.ndarray,
                   slot: dict[str, np.ndarray], lr: float, t: int, decay: float) -> int:
        """Steps 5–7 for one array through :meth:`rule`; returns 1 (w untouched) if Δ is not finite."""
        np.copyto(prev, w)                                                 # (keep w)
        self.rule(g, slot, lr, t, out)                                     # 5. the rule
        if decay:                                                          # 6. decoupled decay
            out += decay * w
        if not is_finite(out):
            return 1
        w -= out                                                           # 7. in-place update
        return 0

    @staticmethod
    def _refuse(i: int, t: int, given: Sequence[np.ndarray], params: Sequence[np.ndarray],
                kept: list[np.ndarray]) -> None:
        """Put every weight written so far (params[:i + 1]) back and raise: a NaN/inf gradient
        anywhere (clipping by the global norm spreads it) is named as such, else the step of
        params[i] overflowed."""
        for p, before in zip(params[:i + 1], kept):
            np.copyto(p, before)
        j = next((j for j, a in enumerate(given) if not is_finite(a)), None)
        if j is not None:
            raise ValueError(f"grads[{j}]: expected finite values, got {_count_nonfinite(given[j])} "
                             f"NaN/inf element(s); every weight is as before the step")
        raise ValueError(f"params[{i}]: the update at step {t} is not finite (overflow); every "
                         f"weight is as before the step. Lower the learning rate or clip gradients.")

    def restore_previous(self, params: Sequence[np.ndarray]) -> bool:
        """Put ``params`` back to their values before the last successful :meth:`apply` (the
        slots stay).

        For a caller that finds the step's result unusable (the training loop does, when the
        next loss or gradient is not finite). Returns False, changing nothing, where no step is
        kept: none since the optimizer was built, its state set or it was unpickled.
        """
        kept = self._kept[self._kept_step % 2]
        if self._kept_step < 0 or self._kept_step != self.iterations - 1 or len(params) != len(kept):
            return False
        for p, prev in zip(params, kept):
            np.copyto(p, prev)
        return True

    # Work arrays are not state: a pickle (joblib, deepcopy) carries the slots, not Δ nor the
    # weights before the last step, and the slots come back writeable even from a read-only
    # memory map, so that training goes on (they are updated in place).
    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_scratch": [], "_kept": [[], []], "_kept_step": -1}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.state = {name: [a if a.flags.writeable else np.array(a) for a in arrays]
                      for name, arrays in self.state.items()}

    @property
    def current_learning_rate(self) -> float:
        """η that the next :meth:`apply` will use: the schedule at the 0-based step ``iterations``."""
        return self._learning_rate_at(self.iterations)

    # ------------------------------------------------------------------------------------ state
    def get_state(self) -> dict[str, np.ndarray | int | float]:
        """Flat copy of the state: ``"iterations"``, ``"<slot>/<index>"`` arrays, scalar state."""
        flat: dict[str, np.ndarray | int | float] = {"iterations": int(self.iterations)}
        for name, arrays in self.state.items():
            for i, a in enumerate(arrays):
                flat[f"{name}/{i}"] = a.copy()
        flat.update({k: float(v) for k, v in self.scalars.items()})
        return flat

    def set_state(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`get_state` returned (copies), so that training resumes bit for bit."""
        if "iterations" not in state:
            raise ValueError("state: expected the key 'iterations', it is missing")
        names = tuple(self.slots())
        expected = {"iterations", *self.scalar_state}
        count = sum(1 for k in state if k.split("/")[0] in names and "/" in k) // max(len(names), 1)
        expected |= {f"{n}/{i}" for n in names for i in range(count)}
        if set(state) != expected:
            raise ValueError(f"state: expected the keys {sorted(expected)}, got {sorted(state)}")
        iterations = state["iterations"]
        if isinstance(iterations, np.ndarray):
            iterations = iterations.item()
        if isinstance(iterations, bool) or int(iterations) != iterations or iterations < 0:
            raise ValueError(f"state['iterations']: expected an int >= 0, got {iterations!r}")
        self.iterations = int(iterations)
        self.scalars = {k: float(np.asarray(state[k]).item()) for k in self.scalar_state}
        self.state = {n: [np.array(state[f"{n}/{i}"], copy=True) for i in range(count)] for n in names} if count else {}
        self._scratch = [np.empty_like(a) for a in self.state[names[0]]] if count else []
        self._kept = [[np.empty_like(a) for a in self._scratch] for _ in range(2)]
        self._kept_step = -1

    # ----------------------------------------------------------------------------- serialization
    def get_config(self) -> dict[str, Any]:
        """Every resolved hyperparameter and convention; :meth:`from_config` rebuilds the optimizer."""
        lr = self.learning_rate
        return {
            "learning_rate": lr if isinstance(lr, float) else _schedules.serialize(lr),
            "flavor": self.flavor,
            **{k: getattr(self, k) for k in self._hyper_names},
            "weight_decay": self.weight_decay, "weight_decay_mode": self.weight_decay_mode,
            "clipnorm": self.clipnorm, "clipvalue": self.clipvalue, "global_clipnorm": self.global_clipnorm,
            "clip_epsilon": self.clip_epsilon, "clip_norm_type": self.clip_norm_type,
        }

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Optimizer":
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.get(config["learning_rate"])
        return cls(**config)

    def __repr__(self) -> str:
        lr = self.learning_rate
        return f"{type(self).__name__}(learning_rate={lr!r}, flavor={self.flavor!r})"

    # --------------------------------------------------------------------------------- internals
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
        lr = self.learning_rate
        if isinstance(lr, float) and math.isfinite(lr) and lr >= 0:
            return lr                       # ≥ 0, not > 0: a callback may have set it since
        value = lr(step) if callable(lr) else lr
        try:
            return check_number("learning_rate", value, low=0.0)
        except (TypeError, ValueError) as exc:
            source = "the schedule returned" if callable(lr) else "is"
            raise ValueError(f"learning_rate: {source} {value!r} at step {step}; "
                             f"expected a finite float >= 0") from exc

    def _check_inputs(self, grads: Sequence[np.ndarray], params: Sequence[np.ndarray],
                      check_finite: bool = True) -> tuple[Sequence[np.ndarray], Sequence[np.ndarray], bool]:
        """Validate (see :meth:`apply`); also say whether the slots already fit the params."""
        for arg, seq in (("grads", grads), ("params", params)):
            if type(seq) not in (list, tuple) and (isinstance(seq, np.ndarray) or not isinstance(seq, Sequence)):
                raise TypeError(f"{arg}: expected a list of arrays, got {type(seq).__name__}")
        if len(grads) != len(params):
            raise ValueError(f"grads, params: expected lists of the same length, got {len(grads)} and {len(params)}")
        if not params:
            raise ValueError("params: expected at least one array, got an empty list")
        scratch = self._scratch
        built = len(scratch) == len(params) and (bool(self.state) or not self.slots())
        for i, (g, w) in enumerate(zip(grads, params)):
            if type(w) is not np.ndarray or w.dtype not in _FLOATS:
                raise ValueError(f"params[{i}]: expected a float32 or float64 numpy array, "
                                 f"got {getattr(w, 'dtype', type(w).__name__)}")
            if not w.flags.writeable:
                raise ValueError(f"params[{i}]: expected a writeable array (updated in place)")
            if type(g) is not np.ndarray or g.shape != w.shape or g.dtype != w.dtype:
                raise ValueError(f"grads[{i}]: expected an array of shape {w.shape} and dtype {w.dtype} "
                                 f"(those of params[{i}]), got shape {getattr(g, 'shape', None)} and "
                                 f"dtype {getattr(g, 'dtype', type(g).__name__)}")
            if check_finite and not is_finite(g):                 # (the caller holds np.errstate)
                raise ValueError(f"grads[{i}]: expected finite values, got {_count_nonfinite(g)} NaN/inf "
                                 f"element(s); nothing was updated")
            built = built and scratch[i].shape == w.shape and scratch[i].dtype == w.dtype
        return grads, params, built

    def _build(self, params: list[np.ndarray]) -> None:
        """Create the slots on first use, with the params' shapes and dtypes; else check they match."""
        if not self.state and self.slots():
            self.state = {name: [np.full_like(w, fill) for w in params] for name, fill in self.slots().items()}
        for name, arrays in self.state.items():
            if len(arrays) != len(params):
                raise ValueError(f"params: this optimizer holds state for {len(arrays)} arrays, got {len(params)}")
            for i, (a, w) in enumerate(zip(arrays, params)):
                if a.shape == w.shape and a.dtype != w.dtype and np.array_equal(a.astype(w.dtype), a):
                    # State restored through JSON comes back as float64; a lossless cast is safe.
                    a = arrays[i] = a.astype(w.dtype)
                if a.shape != w.shape or a.dtype != w.dtype:
                    raise ValueError(f"params[{i}]: expected shape {a.shape} and dtype {a.dtype} (the optimizer's "
                                     f"'{name}' state), got {w.shape} and {w.dtype}")
        if len(self._scratch) != len(params) or any(s.shape != w.shape or s.dtype != w.dtype
                                                    for s, w in zip(self._scratch, params)):
            self._scratch = [np.empty_like(w) for w in params]
            self._kept = [[np.empty_like(w) for w in params] for _ in range(2)]
            self._kept_step = -1

    def _clip(self, grads: list[np.ndarray]) -> list[np.ndarray]:
        if self.clipvalue is not None:
            return _clipping.clip_by_value(grads, self.clipvalue)
        if self.clipnorm is not None:
            return _clipping.clip_by_norm(grads, self.clipnorm, epsilon=self.clip_epsilon,
                                          norm_type=self.clip_norm_type)
        if self.global_clipnorm is not None:
            return _clipping.clip_by_global_norm(grads, self.global_clipnorm, epsilon=self.clip_epsilon,
                                                 norm_type=self.clip_norm_type)[0]
        return grads
