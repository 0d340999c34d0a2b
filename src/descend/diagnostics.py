"""Gradient flow: watch ∂E/∂W layer by layer and say where it vanishes or explodes (lecture §7).

The lecture's claims, made measurable:

* **vanishing** — with sigmoid or tanh the factor f′(z) of the δ recursion
  (δ below = δWᵀ ⊙ f′(z)) is small (σ′ ≤ 0.25), so the product of many such factors makes
  ∂E/∂W of the first layers tiny: those weights stop changing;
* **exploding** — gradients too large (mostly from large initial weights): the weights jump, the
  cost jumps around or becomes NaN.

What is recorded, per layer with weights (a :class:`~descend.layers.Dense`), in one *record*:

==================  ===========================================================================
``grad_norm``       ‖∂E/∂W‖ — Frobenius norm of the kernel's gradient (bias left out)
``weight_norm``     ‖W‖ — Frobenius norm of the kernel after the update
``update_ratio``    ‖ΔW‖ / ‖W_before‖ — how far one update moved the kernel, relative to its size
                    (≈ 1e-3 is the usual healthy order; ≥ 1 means one step is larger than W).
                    :func:`record_gradient_flow`, which updates nothing, gives η‖∂E/∂W‖/‖W‖,
                    the step plain gradient descent w ← w − η∂E/∂w would take.
``act_mean``        mean of the layer's outputs a = f(z) over the batch and the units
``act_std``         their standard deviation
``saturated``       sigmoid/tanh only (else NaN): fraction of outputs within
                    :data:`SATURATION_MARGIN` (1 %) of the output range from an asymptote —
                    a ≤ 0.01 or a ≥ 0.99 for the sigmoid, |a| ≥ 0.98 for tanh; there f′ is
                    below about 4 % of its maximum and the unit passes almost no gradient
``dead``            relu only (else NaN): fraction of units whose z ≤ 0 for *every* sample of the
                    batch (relu′ = 0 there: a "dead ReLU" passes no gradient for this batch)
==================  ===========================================================================

Where it is kept: :class:`GradientMonitor` (a callback) puts a :class:`GradientFlow` in the
History of the fit, as ``history.gradient_flow`` (also ``monitor.flow``); one record per epoch
(its last update) or every k updates, and always the update that diverged. It is a structured
table rather than ``history.history`` keys, because its records need not be one per epoch;
``flow["grad_norm"]`` is a (records, layers) array. :func:`record_gradient_flow` measures one
record at the current weights without training.

:func:`diagnose` labels each layer of a record by the thresholds below (module constants):

* **exploding** if its gradient is not finite, or ``update_ratio`` ≥ :data:`EXPLODING_UPDATE_RATIO`
  (1: one step larger than the weights themselves), or its gradient norm is at least
  :data:`EXPLODING_RATIO` (1e3) times that of the output layer;
* **vanishing** if its gradient is exactly 0, or its norm is at most :data:`VANISHING_RATIO`
  (1e-3) times that of the output layer — back-propagation starts at the output, so the ratio is
  how much of the signal is left when δ reaches this layer (measured relative, so a converged net
  is not "vanishing");
* **healthy** otherwise.

These thresholds are rules of thumb (three orders of magnitude either way), not laws.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .callbacks import Callback, History, Logs
from .errors import DivergenceError

__all__ = [
    "STATS", "VANISHING_RATIO", "EXPLODING_RATIO", "EXPLODING_UPDATE_RATIO", "SATURATION_MARGIN",
    "GradientFlow", "GradientMonitor", "Verdict", "record_gradient_flow", "diagnose",
    "backprop_signals", "compare_activations", "exploding_run", "ExplodingRun",
    "DEFAULT_INITIALIZERS",
]

#: the statistics of one record, per layer (see the module docstring)
STATS = ("grad_norm", "weight_norm", "update_ratio", "act_mean", "act_std", "saturated", "dead")

#: a layer whose ‖∂E/∂W‖ is ≤ this times the output layer's is labelled "vanishing"
VANISHING_RATIO = 1e-3
#: a layer whose ‖∂E/∂W‖ is ≥ this times the output layer's is labelled "exploding"
EXPLODING_RATIO = 1e3
#: an update with ‖ΔW‖/‖W‖ ≥ this is labelled "exploding"
EXPLODING_UPDATE_RATIO = 1.0
#: a sigmoid/tanh output within this fraction of its range from an asymptote counts as saturated
SATURATION_MARGIN = 0.01

# output range (low, high) of the saturating activations
_SATURATING = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


# --------------------------------------------------------------------------------------------
# measuring one layer
# --------------------------------------------------------------------------------------------
def _norm(a: np.ndarray) -> float:
    """Frobenius norm, summed in float64 (float32 squares overflow long before the norm does)."""
    a = np.asarray(a, dtype=np.float64)
    return float(np.sqrt(np.sum(a * a)))


def _monitored(model: Any) -> list[tuple[Any, Any]]:
    """(layer with weights, layer whose outputs are its activations), in forward order.

    A Dense with a linear activation followed by an ``Activation`` layer is measured with that
    layer's outputs (the activation lives there).
    """
    pairs = []
    for i, layer in enumerate(model.layers):
        if not layer.params:
            continue
        source = layer
        act = getattr(layer, "activation", None)
        nxt = model.layers[i + 1] if i + 1 < len(model.layers) else None
        if (act is None or act.name == "linear") and nxt is not None and not nxt.params \
                and getattr(nxt, "activation", None) is not None:
            source = nxt
        pairs.append((layer, source))
    return pairs


def _activation_name(source: Any) -> str:
    act = getattr(source, "activation", None)
    return act.name if act is not None else "linear"


def _layer_stats(layer: Any, source: Any, update_ratio: float) -> dict[str, float]:
    g, w = layer.grads[0], layer.params[0]
    a, z = source.a, source.z
    name = _activation_name(source)
    with np.errstate(all="ignore"):  # a diverged step is measured too: inf and NaN are data here
        stats = {"grad_norm": _norm(g), "weight_norm": _norm(w), "update_ratio": float(update_ratio),
                 "act_mean": float(np.mean(a, dtype=np.float64)),
                 "act_std": float(np.std(a, dtype=np.float64)),
                 "saturated": math.nan, "dead": math.nan}
        if name in _SATURATING:
            low, high = _SATURATING[name]
            margin = SATURATION_MARGIN * (high - low)
            stats["saturated"] = float(np.mean((a <= low + margin) | (a >= high - margin)))
        elif name == "relu":
            stats["dead"] = float(np.mean(np.all(z <= 0, axis=0)))
    return stats


def _ratio(delta_norm: float, weight_norm: float) -> float:
    if weight_norm > 0:
        return delta_norm / weight_norm
    return 0.0 if delta_norm == 0 else math.inf


# --------------------------------------------------------------------------------------------
# the record
# --------------------------------------------------------------------------------------------
class GradientFlow:
    """Per-layer statistics (:data:`STATS`) over training, one record per measured update.

    Attributes
    ----------
    layers : list of str
        Names of the layers with weights, input side first.
    activations : list of str
        Their activation names.
    steps : list of int
        For each record, the optimizer's 1-based update number t (0: measured before any update).
    epochs : list of int
        For each record, the 0-based epoch (as ``history.epoch``).
    losses : list of float
        For each record, the loss E of that update's batch (NaN/inf where it diverged).

    ``flow["grad_norm"]`` is a float64 array of shape (records, layers); ``flow.record(-1)`` is
    the last record as ``{layer: {stat: value}}``; ``flow.to_dict()`` is plain JSON-able data.
    """

    def __init__(self, layers: Sequence[str], activations: Sequence[str]) -> None:
        if len(layers) != len(activations):
            raise ValueError(f"activations: expected one per layer ({len(layers)}), got {len(activations)}")
        self.layers = [str(n) for n in layers]
        self.activations = [str(a) for a in activations]
        self.steps: list[int] = []
        self.epochs: list[int] = []
        self.losses: list[float] = []
        self._data: dict[str, list[list[float]]] = {s: [] for s in STATS}

    @classmethod
    def for_model(cls, model: Any) -> GradientFlow:
        pairs = _monitored(model)
        if not pairs:
            raise ValueError("model: it has no layer with weights to monitor")
        return cls([layer.name for layer, _ in pairs], [_activation_name(src) for _, src in pairs])

    def append(self, step: int, epoch: int, loss: float, stats: Sequence[dict[str, float]]) -> None:
        """Add one record: ``stats`` holds one dict of :data:`STATS` per layer."""
        if len(stats) != len(self.layers):
            raise ValueError(f"stats: expected one dict per layer ({len(self.layers)}), got {len(stats)}")
        self.steps.append(int(step))
        self.epochs.append(int(epoch))
        self.losses.append(float(loss))
        for s in STATS:
            self._data[s].append([float(d[s]) for d in stats])

    def extend(self, other: GradientFlow) -> None:
        """Append the records of another flow of the same layers."""
        if other.layers != self.layers:
            raise ValueError(f"other: expected the layers {self.layers}, got {other.layers}")
        for i in range(len(other)):
            self.append(other.steps[i], other.epochs[i], other.losses[i],
                        [{s: other._data[s][i][j] for s in STATS} for j in range(len(self.layers))])

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, stat: str) -> np.ndarray:
        if stat not in self._data:
            raise KeyError(f"stat: expected one of {list(STATS)}, got {stat!r}")
        return np.array(self._data[stat], dtype=np.float64).reshape(len(self), len(self.layers))

    def _index(self, index: int) -> int:
        if not len(self):
            raise ValueError("flow: it holds no record yet")
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) \
                or not -len(self) <= index < len(self):
            raise IndexError(f"index: expected an int in [{-len(self)}, {len(self) - 1}], got {index!r}")
        return int(index) % len(self)

    def record(self, index: int = -1) -> dict[str, dict[str, float]]:
        """One record as ``{layer: {stat: value}}`` (the last one by default)."""
        i = self._index(index)
        return {name: {s: self._data[s][i][j] for s in STATS} for j, name in enumerate(self.layers)}

    def to_dict(self) -> dict[str, Any]:
        return {"layers": list(self.layers), "activations": list(self.activations),
                "steps": list(self.steps), "epochs": list(self.epochs), "losses": list(self.losses),
                **{s: [list(row) for row in self._data[s]] for s in STATS}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GradientFlow:
        flow = cls(data["layers"], data["activations"])
        for i in range(len(data["steps"])):
            flow.append(data["steps"][i], data["epochs"][i], data["losses"][i],
                        [{s: data[s][i][j] for s in STATS} for j in range(len(flow.layers))])
        return flow

    def table(self, index: int = -1) -> str:
        """The record as a plain-text table, one row per layer."""
        i = self._index(index)
        head = f"{'layer':<12}{'activation':<12}" + "".join(f"{s:>13}" for s in STATS)
        rows = [f"record {i} (update t={self.steps[i]}, epoch {self.epochs[i]}, loss {self.losses[i]:.4g})",
                head]
        for j, name in enumerate(self.layers):
            rows.append(f"{name:<12}{self.activations[j]:<12}"
                        + "".join(f"{self._data[s][i][j]:>13.3e}" for s in STATS))
        return "\n".join(rows)

    def __repr__(self) -> str:
        return f"GradientFlow({len(self.layers)} layers, {len(self)} records)"


# --------------------------------------------------------------------------------------------
# the callback and the one-off measurement
# --------------------------------------------------------------------------------------------
class GradientMonitor(Callback):
    """Record the gradient flow while training: ``fit(..., callbacks=[GradientMonitor()])``.

    Parameters
    ----------
    every : "epoch" or int
        ``"epoch"``: one record per epoch, measured at its last update; an int k: one record every
        k updates (t = k, 2k, …, counted by the optimizer across fits). An update whose loss or
        gradient is not finite is always recorded (with ``update_ratio`` NaN): it is the one that
        explains a divergence.

    A record is the statistics of *one* update (not an average over the epoch): ∂E/∂W of that
    batch at the weights before the update, the activations of that batch's forward pass, and
    ‖ΔW‖/‖W‖ of that update. After the fit, ``history.gradient_flow`` (and ``self.flow``) hold the
    :class:`GradientFlow`; pass either to :func:`diagnose`.
    """

    def __init__(self, every: int | str = "epoch") -> None:
        super().__init__()
        if every != "epoch" and (isinstance(every, bool) or not isinstance(every, (int, np.integer))
                                 or every < 1):
            raise ValueError(f"every: expected 'epoch' or a positive int, got {every!r}")
        self.every = every if every == "epoch" else int(every)
        self.flow: GradientFlow | None = None
        self._epoch = 0
        self._before: list[np.ndarray] | None = None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.flow = GradientFlow.for_model(self.model)
        history = getattr(self.model, "history", None)
        if isinstance(history, History):
            history.gradient_flow = self.flow

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._epoch = epoch

    def _due(self, batch: int) -> bool:
        if self.every == "epoch":
            return batch == self.params.get("steps", 1) - 1
        return (self.model.optimizer.iterations + 1) % self.every == 0

    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        self._before = ([layer.params[0].copy() for layer, _ in _monitored(self.model)]
                        if self._due(batch) else None)

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        loss = float(logs.get("loss", math.nan))
        # the loop flags an update it refused ("diverged": a non-finite loss or gradient)
        finite = math.isfinite(loss) and not logs.get("diverged", False)
        if self._before is None and finite:
            return
        stats = []
        for k, (layer, source) in enumerate(_monitored(self.model)):
            if finite and self._before is not None:
                before = self._before[k]
                ratio = _ratio(_norm(layer.params[0] - before), _norm(before))
            else:
                ratio = math.nan
            stats.append(_layer_stats(layer, source, ratio))
        # the optimizer counted the update if it happened; a diverged one was not applied
        step = self.model.optimizer.iterations + (0 if finite else 1)
        assert self.flow is not None, "on_train_begin made it"
        self.flow.append(step, self._epoch, loss, stats)
        self._before = None


def record_gradient_flow(model: Any, X: Any, y: Any, *, learning_rate: float | None = None,
                         flow: GradientFlow | None = None) -> GradientFlow:
    """Measure the gradient flow at the current weights on (X, y), without updating anything.

    One forward and one backward pass over all of X (give a batch for a big data set). The
    ``update_ratio`` is η‖∂E/∂W‖/‖W‖: the step of plain gradient descent w ← w − η ∂E/∂w.

    Parameters
    ----------
    model : Sequential
        Compiled (the loss is needed).
    X, y : array-like
    learning_rate : float, optional
        η; by default the compiled optimizer's current learning rate.
    flow : GradientFlow, optional
        Append the record to this flow instead of a new one.

    Returns
    -------
    GradientFlow
        With the new record last (step = the optimizer's update count so far, epoch =
        ``model.epochs_trained``).
    """
    value, _ = model.compute_gradients(X, y)
    if learning_rate is None:
        learning_rate = float(model.optimizer.current_learning_rate)
    elif isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float, np.number)) \
            or not learning_rate >= 0:
        raise ValueError(f"learning_rate: expected a number >= 0, got {learning_rate!r}")
    flow = GradientFlow.for_model(model) if flow is None else flow
    stats = []
    for layer, source in _monitored(model):
        ratio = _ratio(float(learning_rate) * _norm(layer.grads[0]), _norm(layer.params[0]))
        stats.append(_layer_stats(layer, source, ratio))
    flow.append(int(getattr(model.optimizer, "iterations", 0)), model.epochs_trained, value, stats)
    return flow


def backprop_signals(model: Any, X: Any, y: Any) -> dict[str, Any]:
    """The signals of one forward and backward pass, layer by layer (nothing is updated).

    Returns a dict with ``"layers"`` (names), ``"activations"`` (each layer's output a_l),
    ``"deltas"`` (each layer's back-propagated gradient δ_l = ∂E/∂z_l, the quantity Glorot &
    Bengio (2010) follow down the network) and ``"loss"`` (E, with any weight penalty, as
    ``compute_gradients``). Arrays are copies; the layers' ``grads`` hold ∂E/∂W afterwards.
    """
    signals = model.loss_and_gradients(*model.prepare(X, y), signals=True)
    return {"layers": [layer.name for layer in model.layers], "activations": signals.activations,
            "deltas": signals.deltas, "loss": signals.loss}


# --------------------------------------------------------------------------------------------
# verdicts
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    """The label of one layer: ``"vanishing"``, ``"exploding"`` or ``"healthy"``, and why."""

    layer: str
    activation: str
    label: str
    grad_norm: float
    relative_grad_norm: float  # ‖∂E/∂W‖ of this layer / that of the output layer
    update_ratio: float
    saturated: float
    dead: float
    reason: str = field(default="")

    def __str__(self) -> str:
        return f"{self.layer} ({self.activation}): {self.label} - {self.reason}"


def _as_flow(source: Any) -> GradientFlow:
    if isinstance(source, GradientFlow):
        return source
    if isinstance(source, GradientMonitor):
        if source.flow is None:
            raise ValueError("history_or_records: this GradientMonitor has not been used in a fit yet")
        return source.flow
    flow = getattr(source, "gradient_flow", None)
    if isinstance(flow, GradientFlow):
        return flow
    if isinstance(source, dict) and "layers" in source and "grad_norm" in source:
        return GradientFlow.from_dict(source)
    raise ValueError("history_or_records: expected a History of a fit with "
                     "callbacks=[GradientMonitor()], a GradientFlow (from record_gradient_flow) or "
                     f"its to_dict(); got {type(source).__name__} without gradient-flow records")


def diagnose(history_or_records: Any, at: int = -1) -> list[Verdict]:
    """Label each layer vanishing / exploding / healthy (lecture §7), by the module's thresholds.

    Parameters
    ----------
    history_or_records : History, GradientFlow, GradientMonitor or dict
        A History of a fit with ``callbacks=[GradientMonitor()]``, the flow of
        :func:`record_gradient_flow`, or ``GradientFlow.to_dict()``.
    at : int
        Which record to judge (default: the last one; 0 is the first).

    Returns
    -------
    list of Verdict
        One per layer with weights, input side first. With r = ‖∂E/∂W‖ / ‖∂E/∂W_output‖:
        exploding if ‖∂E/∂W‖ is not finite, update_ratio ≥ :data:`EXPLODING_UPDATE_RATIO` or
        r ≥ :data:`EXPLODING_RATIO`; vanishing if ‖∂E/∂W‖ = 0 or r ≤ :data:`VANISHING_RATIO`;
        else healthy.
        The reason also mentions a majority of saturated units or dead ReLUs.
    """
    flow = _as_flow(history_or_records)
    rec = flow.record(at)
    out_norm = rec[flow.layers[-1]]["grad_norm"]
    verdicts = []
    for name, act in zip(flow.layers, flow.activations, strict=True):
        s = rec[name]
        g, upd = s["grad_norm"], s["update_ratio"]
        rel = g / out_norm if out_norm > 0 and math.isfinite(out_norm) else math.nan
        if not math.isfinite(g):
            label, reason = "exploding", f"‖∂E/∂W‖ is {g} (not finite)"
        elif math.isfinite(upd) and upd >= EXPLODING_UPDATE_RATIO:
            label = "exploding"
            reason = f"one update moves W by {upd:.2g}× its size (≥ {EXPLODING_UPDATE_RATIO:g})"
        elif math.isfinite(rel) and rel >= EXPLODING_RATIO:
            label, reason = "exploding", f"‖∂E/∂W‖ is {rel:.2g}× the output layer's (≥ {EXPLODING_RATIO:g})"
        elif g == 0:
            label, reason = "vanishing", "‖∂E/∂W‖ is exactly 0: these weights cannot change"
        elif math.isfinite(rel) and rel <= VANISHING_RATIO:
            label, reason = "vanishing", f"‖∂E/∂W‖ is {rel:.2g}× the output layer's (≤ {VANISHING_RATIO:g})"
        else:
            label = "healthy"
            reason = (f"‖∂E/∂W‖ is {rel:.2g}× the output layer's" if math.isfinite(rel)
                      else f"‖∂E/∂W‖ = {g:.3g}")
        if s["saturated"] > 0.5:
            reason += f"; {s['saturated']:.0%} of the outputs are saturated"
        if s["dead"] > 0.5:
            reason += f"; {s['dead']:.0%} of the ReLUs are dead"
        verdicts.append(Verdict(name, act, label, g, rel, upd, s["saturated"], s["dead"], reason))
    return verdicts


# --------------------------------------------------------------------------------------------
# the lecture's §7 on the real engine (used by `descend diagnose`)
# --------------------------------------------------------------------------------------------
#: the initialisation each activation is usually given: Keras's default (Xavier) for the
#: saturating ones, He for the ReLU family (lecture §10)
DEFAULT_INITIALIZERS = {"sigmoid": "glorot_uniform", "tanh": "glorot_uniform", "relu": "he_normal",
                        "leaky_relu": "he_normal", "elu": "he_normal"}


def _digits(n_samples: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    from . import datasets

    data = datasets.load("digits")
    X, y = data.X / 16.0, data.y
    return (X, y) if n_samples is None else (X[:n_samples], y[:n_samples])


def compare_activations(activations: Sequence[str] = ("sigmoid", "tanh", "relu", "leaky_relu", "elu"),
                        *, depth: int = 10, width: int = 32, n_samples: int = 256,
                        initializers: dict[str, Any] | None = None, epochs: int = 0,
                        seed: int = 0) -> dict[str, GradientFlow]:
    """The same deep network with each activation: per-layer ∂E/∂W at initialisation (lecture §7).

    Each network is ``depth`` hidden Dense layers of ``width`` units with that activation and a
    softmax output, on the bundled digits (64 pixels scaled to [0, 1], 10 classes), with the same
    seed. The first record of each flow is measured at the initial weights on the first
    ``n_samples`` digits (:func:`record_gradient_flow`); with ``epochs`` > 0 the network is then
    trained (SGD, η = 0.1, batches of 32) and one record per epoch follows.

    Parameters
    ----------
    initializers : dict, optional
        Kernel initializer per activation; missing ones from :data:`DEFAULT_INITIALIZERS`
        (``glorot_uniform`` for sigmoid/tanh, ``he_normal`` for the ReLU family).

    Returns
    -------
    dict
        activation name → :class:`GradientFlow`.
    """
    from . import Dense, Input, Sequential
    from .checks import positive_int
    from .optimizers import SGD

    depth, width = positive_int("depth", depth), positive_int("width", width)
    n_samples, epochs = positive_int("n_samples", n_samples), positive_int("epochs", epochs, 0)
    inits = {**DEFAULT_INITIALIZERS, **(initializers or {})}
    X, y = _digits()
    out: dict[str, GradientFlow] = {}
    for act in activations:
        model = Sequential([Input(X.shape[1])]
                           + [Dense(width, act, kernel_initializer=inits.get(act, "glorot_uniform"),
                                    name=f"dense_{i + 1}") for i in range(depth)]
                           + [Dense(10, "softmax", name=f"dense_{depth + 1}")], seed=seed, name=f"deep_{act}")
        model.compile(SGD(learning_rate=0.1), "sparse_categorical_crossentropy")
        flow = record_gradient_flow(model, X[:n_samples], y[:n_samples])
        if epochs:
            monitor = GradientMonitor()
            model.fit(X, y, epochs=epochs, batch_size=32, verbose=0, seed=seed, callbacks=[monitor])
            assert monitor.flow is not None
            flow.extend(monitor.flow)
        out[act] = flow
    return out


class _BatchLosses(Callback):
    def __init__(self) -> None:
        super().__init__()
        self.losses: list[float] = []

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self.losses.append(float((logs or {}).get("loss", math.nan)))


@dataclass
class ExplodingRun:
    """What :func:`exploding_run` saw."""

    clipnorm: float | None
    losses: list[float]                 # loss of every update, in order
    epoch_losses: list[float]           # loss of every completed epoch
    error: DivergenceError | None       # the error that stopped it, if it diverged
    accuracy: float | None              # training accuracy at the end (None if it diverged)
    initial: GradientFlow               # gradient flow at the initial weights
    flow: GradientFlow                  # one record per update (the diverged one included)
    model: Any = None                   # the trained (or stopped) model

    @property
    def diverged(self) -> bool:
        return self.error is not None


def exploding_run(clipnorm: float | None = None, *, stddev: float = 1.0, depth: int = 6,
                  width: int = 32, epochs: int = 40, learning_rate: float = 0.003,
                  n_samples: int = 400, seed: int = 0) -> ExplodingRun:
    """Large initial weights make the gradients explode (lecture §7); clipping tames them.

    A ReLU network (``depth`` hidden layers of ``width`` units, softmax output) whose every
    kernel is drawn from N(0, ``stddev``²) — He would use √(2/n) ≈ 0.25 for n = 32 — learns the
    two moons (``n_samples`` points) by mini-batch SGD (η = ``learning_rate``, batches of 32).
    Each layer multiplies the signal's size by about stddev·√(n/2), so the first gradients are
    huge: without clipping a step throws the weights so far that the next forward pass overflows,
    the loss is NaN and :class:`~descend.errors.DivergenceError` stops the run. With
    ``clipnorm`` (each tensor's gradient rescaled to norm ≤ clipnorm before the step) the same run
    converges.
    """
    from . import Dense, Input, Sequential, datasets
    from .initializers import RandomNormal
    from .optimizers import SGD

    X, y = datasets.make_moons(n_samples, noise=0.1, seed=seed)
    init = RandomNormal(0.0, stddev)
    model = Sequential([Input(2)] + [Dense(width, "relu", kernel_initializer=init) for _ in range(depth)]
                       + [Dense(2, "softmax", kernel_initializer=init)], seed=seed, name="exploding")
    model.compile(SGD(learning_rate=learning_rate, clipnorm=clipnorm), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    initial = record_gradient_flow(model, X, y)
    losses, monitor = _BatchLosses(), GradientMonitor(every=1)
    error, accuracy = None, None
    try:
        model.fit(X, y, epochs=epochs, batch_size=32, verbose=0, seed=seed, callbacks=[losses, monitor])
        accuracy = float(model.evaluate(X, y, return_dict=True)["accuracy"])
    except DivergenceError as exc:
        error = exc
    epoch_losses = list(model.history.history.get("loss", [])) if model.history is not None else []
    assert monitor.flow is not None
    return ExplodingRun(clipnorm, losses.losses, epoch_losses, error, accuracy, initial, monitor.flow, model)
