"""Initialisation experiments (lecture §10): why Xavier suits tanh and He suits ReLU.

Two papers, reproduced on the real engine with the bundled digits (64 standardised pixels,
10 classes):

* **Glorot & Bengio (2010)** — a deep tanh network. With the then-standard
  U[−1/√n, 1/√n] (variance 1/(3n), so n·Var(W) = 1/3) each layer multiplies the variance of the
  activations by about 1/3 going up and that of the back-propagated gradients δ = ∂E/∂z by about
  1/3 going down: both drift by orders of magnitude across the layers. With the normalised
  Xavier U[−√(6/(n+m)), √(6/(n+m))] (variance 2/(n+m), n·Var(W) = 1 for equal widths) they stay
  roughly constant. See :func:`glorot_study`.
* **He et al. (2015)** — a deep ReLU network (30 layers). A ReLU passes half the variance
  (E[relu(z)²] = Var(z)/2), so with Xavier (n·Var(W) = 1) the signal halves layer by layer —
  2⁻³⁰ ≈ 1e-9 after 30 layers — the output is a constant, and training stalls at the loss of a
  constant guess (ln 10 for 10 classes). He's N(0, 2/n) doubles the variance to compensate: the
  signal keeps its size and the network trains. See :func:`he_study`.

Each study returns an :class:`InitStudy`: per hidden layer and initialisation, the variance of
the activations a_l, of the back-propagated gradients δ_l = ∂E/∂z_l and of the weight
gradients ∂E/∂W_l, at the initial weights, on the same batch; the He study also trains.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, TypedDict

import numpy as np

from .. import datasets
from ..checks import Interval, check
from ..diagnostics import backprop_signals
from ..initializers import VarianceScaling
from ..layers import Dense, Input
from ..model import Sequential
from ..optimizers import SGD

__all__ = ["InitStudy", "STANDARD_UNIFORM", "layer_variances", "glorot_study", "he_study"]


def _standard_uniform() -> VarianceScaling:
    # U[−√(3·s/n), √(3·s/n)] with s = 1/3 is exactly U[−1/√n, 1/√n]
    return VarianceScaling(scale=1.0 / 3.0, mode="fan_in", distribution="uniform")


#: label of the "standard" initialisation of Glorot & Bengio (2010), U[−1/√n, 1/√n]
STANDARD_UNIFORM = "standard U[-1/sqrt(n), 1/sqrt(n)]"


@dataclass
class InitStudy:
    """Per-layer variances for several initialisations of the same deep network.

    Attributes
    ----------
    title : str
    activation : str
    layers : list of str
        The hidden layers, input side first.
    activation_var, delta_var, weight_grad_var : dict of str to ndarray
        Initialisation label → Var(a_l), Var(δ_l) = Var(∂E/∂z_l), Var(∂E/∂W_l) per hidden layer.
    losses : dict of str to list of float
        Initialisation label → training loss per epoch (empty when the study does not train).
    accuracy : dict of str to float
        Initialisation label → training accuracy after the last epoch.
    baseline_loss : float
        The loss of a constant guess of the class frequencies (cross-entropy), what a stalled
        network is stuck at.
    """

    title: str
    activation: str
    layers: list[str]
    activation_var: dict[str, np.ndarray]
    delta_var: dict[str, np.ndarray]
    weight_grad_var: dict[str, np.ndarray]
    losses: dict[str, list[float]] = field(default_factory=dict)
    accuracy: dict[str, float] = field(default_factory=dict)
    baseline_loss: float = math.nan

    @property
    def labels(self) -> list[str]:
        return list(self.activation_var)

    def _series(self, label: str, signal: str) -> np.ndarray:
        table = {"activation": self.activation_var, "delta": self.delta_var,
                 "weight_grad": self.weight_grad_var}
        if signal not in table:
            raise ValueError(f"signal: expected one of {list(table)}, got {signal!r}")
        if label not in table[signal]:
            raise ValueError(f"label: expected one of {self.labels}, got {label!r}")
        return table[signal][label]

    def drift(self, label: str, signal: str = "activation") -> float:
        """max/min of the variance over the hidden layers (1 = perfectly constant)."""
        v = self._series(label, signal)
        return float(np.max(v) / np.min(v))

    def per_layer_factor(self, label: str, signal: str = "activation") -> float:
        """The average factor by which the variance changes per layer, in the direction the signal
        travels: (Var_last / Var_first)^(1/(L−1)) for activations (forward), the reverse for δ
        (backward). Theory: 1/3 for tanh with the standard init, 1/2 for ReLU with Xavier, 1 with
        the initialisation made for the activation."""
        v = self._series(label, signal)
        ratio = v[-1] / v[0] if signal == "activation" else v[0] / v[-1]
        return float(ratio ** (1.0 / (len(v) - 1)))

    def table(self) -> str:
        """Per-layer variances as plain text (one column per initialisation and signal)."""
        labels = self.labels
        short = {lab: f"({i + 1})" for i, lab in enumerate(labels)}

        def row(first: str, activation: list[float], delta: list[float], digits: str) -> str:
            return (f"{first:<10}" + "".join(f"{v:>14{digits}}" for v in activation)
                    + "".join(f"{v:>16{digits}}" for v in delta))

        head = (f"{'layer':<10}" + "".join(f"{'Var(a) ' + short[lab]:>14}" for lab in labels)
                + "".join(f"{'Var(dE/dz) ' + short[lab]:>16}" for lab in labels))
        lines = [self.title, *(f"  {short[lab]} {lab}" for lab in labels), head]
        for i, name in enumerate(self.layers):
            lines.append(row(name, [self.activation_var[lab][i] for lab in labels],
                             [self.delta_var[lab][i] for lab in labels], ".3e"))
        lines.append(row("per layer", [self.per_layer_factor(lab, "activation") for lab in labels],
                         [self.per_layer_factor(lab, "delta") for lab in labels], ".3f"))
        for lab in labels:
            if self.losses.get(lab):
                lines.append(f"{short[lab]} training loss per epoch: "
                             + " ".join(f"{v:.3f}" for v in self.losses[lab])
                             + f"  (accuracy {self.accuracy[lab]:.3f}; "
                               f"a constant guess: {self.baseline_loss:.3f})")
        return "\n".join(lines)


class LayerVariances(TypedDict):
    """What :func:`layer_variances` measures, per hidden layer (input side first)."""

    layers: list[str]
    activation: np.ndarray
    delta: np.ndarray
    weight_grad: np.ndarray


def layer_variances(model: Any, X: Any, y: Any) -> LayerVariances:
    """Var(a_l), Var(δ_l = ∂E/∂z_l) and Var(∂E/∂W_l) of every layer with weights except the output.

    One forward and one backward pass on (X, y); nothing is updated. Variances are over all
    samples and units of the layer (for ∂E/∂W, over all its weights).
    """
    signals = backprop_signals(model, X, y)
    idx = [i for i, layer in enumerate(model.layers) if layer.params][:-1]
    with np.errstate(all="ignore"):
        return {"layers": [model.layers[i].name for i in idx],
                "activation": np.array([np.var(signals["activations"][i], dtype=np.float64) for i in idx]),
                "delta": np.array([np.var(signals["deltas"][i], dtype=np.float64) for i in idx]),
                "weight_grad": np.array([np.var(model.layers[i].grads[0], dtype=np.float64) for i in idx])}


def _digits() -> tuple[np.ndarray, np.ndarray]:
    data = datasets.load("digits")
    return datasets.Standardizer().fit_transform(data.X), data.y


def _deep(activation: str, init: Any, depth: int, width: int, seed: int, dtype: str) -> Sequential:
    hidden = [Dense(width, activation, kernel_initializer=init, name=f"dense_{i + 1}") for i in range(depth)]
    output = Dense(10, "softmax", kernel_initializer=init, name=f"dense_{depth + 1}")
    return Sequential([Input(64), *hidden, output], seed=seed, dtype=dtype)


def _study(title: str, activation: str, inits: dict[str, Any], *, depth: int, width: int,
           n_samples: int, seed: int, epochs: int = 0, learning_rate: float = 0.01,
           momentum: float = 0.9) -> InitStudy:
    depth, width = check("depth", depth, Interval(int, 2)), check("width", width, Interval(int, 1))
    n_samples = check("n_samples", n_samples, Interval(int, 2))
    epochs = check("epochs", epochs, Interval(int, 0))
    X, y = _digits()
    batch = np.random.default_rng(seed).permutation(len(X))[:n_samples]
    counts = np.bincount(y, minlength=10) / len(y)
    baseline = float(-np.sum(counts * np.log(counts)))
    study = InitStudy(title, activation, [], {}, {}, {}, baseline_loss=baseline)
    for label, init in inits.items():
        model = _deep(activation, init, depth, width, seed, "float32")
        model.compile(SGD(learning_rate=learning_rate, momentum=momentum),
                      "sparse_categorical_crossentropy", metrics=["accuracy"])
        v = layer_variances(model, X[batch], y[batch])
        study.layers = v["layers"]
        study.activation_var[label], study.delta_var[label] = v["activation"], v["delta"]
        study.weight_grad_var[label] = v["weight_grad"]
        if epochs:
            history = model.fit(X, y, epochs=epochs, batch_size=64, verbose=0, seed=seed)
            study.losses[label] = [float(x) for x in history.history["loss"]]
            study.accuracy[label] = float(history.history["accuracy"][-1])
    return study


def glorot_study(depth: int = 10, width: int = 64, n_samples: int = 512, seed: int = 0) -> InitStudy:
    """Glorot & Bengio (2010): a deep tanh network, standard U[−1/√n, 1/√n] vs normalised Xavier.

    ``depth`` hidden tanh layers of ``width`` units (and a softmax output), measured at the initial
    weights on ``n_samples`` digits. Expected: per layer, Var(a) × ≈ 1/3 going up and Var(δ) × ≈ 1/3
    going down with the standard init; roughly constant with Xavier (``glorot_uniform``).
    """
    return _study(f"Glorot & Bengio (2010): {depth} tanh layers of {width} units",
                  "tanh", {STANDARD_UNIFORM: _standard_uniform(),
                           "normalised Xavier U[-sqrt(6/(n+m)), sqrt(6/(n+m))]": "glorot_uniform"},
                  depth=depth, width=width, n_samples=n_samples, seed=seed)


def he_study(depth: int = 30, width: int = 64, epochs: int = 10, n_samples: int = 512, seed: int = 0,
             learning_rate: float = 0.01, momentum: float = 0.9) -> InitStudy:
    """He et al. (2015): a deep ReLU network, Xavier N(0, 2/(n+m)) vs He N(0, 2/n).

    ``depth`` hidden ReLU layers of ``width`` units, measured at the initial weights on
    ``n_samples`` digits, then trained ``epochs`` epochs on all 1797 digits (SGD with
    ``momentum``, η = ``learning_rate``, batches of 64, as in the paper's plain SGD setting).
    Expected: Var(a) × ≈ 1/2 per layer with Xavier, and the loss stuck at that of a constant guess
    (≈ ln 10); ≈ 1 per layer with He, and the loss falls.
    """
    return _study(f"He et al. (2015): {depth} ReLU layers of {width} units",
                  "relu", {"Xavier N(0, 2/(n+m))": "xavier_normal", "He N(0, 2/n)": "kaiming_normal"},
                  depth=depth, width=width, n_samples=n_samples, seed=seed, epochs=epochs,
                  learning_rate=learning_rate, momentum=momentum)
