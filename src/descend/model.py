"""``Sequential``: a stack of layers, trained by the lecture's back-propagation.

One update (lecture §5): forward through the layers, δ at the output, then the δ recursion back
down (each :class:`~descend.layers.Layer` computes its own ∂E/∂W = aᵀδ and passes δWᵀ below), then
the optimizer's rule ``w ← w − η ∂E/∂w`` (or a refinement of it) on every weight at once.

Besides Keras's methods (``compile``, ``fit``, ``evaluate``, ``predict``, ``get_weights``,
``save_weights`` …, and calling the model, ``model(X)``, which predicts) the
model has a small **engine surface** that the rest of descend (training, diagnostics, explain,
the gradient check, the CLI) uses, on arrays that :meth:`Sequential.prepare` has checked:
:meth:`~Sequential.forward`, :meth:`~Sequential.compute_loss`,
:meth:`~Sequential.loss_and_gradients`, :meth:`~Sequential.train_step` and
:meth:`~Sequential.evaluate_prepared`.
"""
from __future__ import annotations

import os
import secrets
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import layers as layers_mod
from . import losses, saving
from . import metrics as metrics_mod
from .backend import as_rng, resolve_dtype
from .callbacks import History
from .checks import (
    BATCH_SIZE,
    BOOLEAN,
    InstanceOf,
    ListOf,
    as_dtype,
    as_features,
    as_targets,
    check,
    check_memory,
)
from .errors import NotCompiledError
from .layers import Activation, Dense, Layer
from .training import TrainingStep, check_verbose, sample_weights


@dataclass
class Backprop:
    """What one forward and backward pass computed (:meth:`Sequential.loss_and_gradients`).

    ``loss`` is E with any weight penalty; ``grads`` are ∂E/∂W, ∂E/∂b, … in the order of
    :attr:`Sequential.params`. With ``signals``, per layer (input side first): ``activations``
    (its output a), ``pre_activations`` (its z, or None for a layer without one), ``deltas``
    (δ = ∂E/∂z for a layer with an activation, else ∂E/∂(its output)). Arrays are copies.
    """

    loss: float
    grads: list[np.ndarray]
    activations: list[np.ndarray] | None = None
    pre_activations: list[np.ndarray | None] | None = None
    deltas: list[np.ndarray] | None = None


class Sequential:
    """A plain stack of layers, as ``keras.Sequential``.

    Parameters
    ----------
    layers : sequence of Layer, optional
        May start with :class:`~descend.layers.Input` to fix the input width (and build at once).
    dtype : {"float32", "float64"}
        Precision of weights and computation. float32 (the default) is fast, as in Keras and
        PyTorch; float64 replays the lecture to the printed digit.
    seed : int, optional
        Seeds weight initialisation (and, unless ``fit`` gets its own seed, the shuffling).
        None draws a seed from the operating system; it is kept in ``model.seed`` so that any
        run can be repeated.
    name : str, optional
    """

    def __init__(self, layers: Sequence[Layer | layers_mod.Input] | None = None, *,
                 dtype: str = "float32", seed: int | None = None, name: str | None = None) -> None:
        self.dtype = resolve_dtype(dtype)
        if seed is None:
            seed = secrets.randbits(63)
        as_rng(seed)  # type check
        self.seed = int(seed)
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name: expected a str or None, got {type(name).__name__}")
        self.name = name or "sequential"
        self.layers: list[Layer] = []
        self.input_dim: int | None = None
        self._input_shape: tuple[int, ...] | None = None
        self.optimizer: Any = None
        self.loss: losses.Loss | None = None
        self._metric_ids: list[str | metrics_mod.Metric] = []
        self._metrics: list[metrics_mod.Metric] | None = None
        self.stop_training = False
        self.epochs_trained = 0
        #: shuffling generator; created on the first fit, kept across fits and in checkpoints
        self.train_rng: np.random.Generator | None = None
        #: the History of the last fit (continued, not restarted, by a fit with initial_epoch > 0)
        self.history: History | None = None
        self._init_rng = np.random.default_rng([self.seed, 0])
        self._step: TrainingStep | None = None
        #: the ``extra`` data of the file this model was loaded from, saved again by :meth:`save`
        #: unless it is given (the CLI's data pipeline stays with the model)
        self._extra: dict[str, Any] = {}
        for layer in [] if layers is None else check("layers", layers, _LAYERS):
            self.add(layer)

    # The training step is a cache (work arrays, the weights before the last two updates, the
    # arrays it updates): a pickle (joblib, deepcopy) carries the model without it, and the next
    # train_step builds one for the layers the copy has.
    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_step": None}

    # ------------------------------------------------------------------ structure
    def add(self, layer: Layer | layers_mod.Input) -> None:
        """Append a layer (or, first, an :class:`~descend.layers.Input`)."""
        if isinstance(layer, layers_mod.Input):
            if self.layers or self.input_dim is not None:
                raise ValueError("layers: an Input may only come first")
            self.input_dim, self._input_shape = layer.width, layer.shape
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"layers: expected Layer instances, got {type(layer).__name__}")
        if any(layer is other for other in self.layers):
            raise ValueError(f"layers: the same layer object was added twice ({layer.name})")
        layers_mod.connect_input(getattr(self, "_input_shape", None), layer, first=not self.layers)
        if layer.name is None:
            kind = layer.kind.lower()
            layer.name = f"{kind}_{sum(1 for other in self.layers if other.kind == layer.kind) + 1}"
        self.layers.append(layer)
        self._step = None
        if self.input_dim is not None and sum(1 for lay in self.layers if lay.built) == len(self.layers) - 1:
            self._build_from(len(self.layers) - 1)

    @property
    def built(self) -> bool:
        return bool(self.layers) and all(layer.built for layer in self.layers)

    def build(self, input_shape: int | Sequence[int | None]) -> None:
        """Create every layer's weights for inputs of width n: ``build(n)``, or as Keras
        ``build((None, n))`` / ``build(input_shape=(None, n))`` (the batch size is not needed).

        A model without :class:`~descend.layers.Input` also builds itself on its first data
        (``fit``, ``evaluate``, ``predict``), as in Keras."""
        input_dim = _input_width(input_shape)
        if self.built and self.input_dim == input_dim:
            return
        self.input_dim = input_dim
        self._build_from(0)

    def _build_from(self, start: int) -> None:
        # one generator for all initialisations, layer by layer: the same seed, the same weights
        self._step = None
        if start == 0:
            self._init_rng = np.random.default_rng([self.seed, 0])
        width = self.input_dim if start == 0 else self.layers[start - 1].output_dim
        assert width is not None
        _check_size(self.layers[start:], width, self.dtype,
                    sum(p.size for layer in self.layers[:start] for p in layer.params))
        for layer in self.layers[start:]:
            width = layer.build(width, self._init_rng, self.dtype)

    @property
    def output_dim(self) -> int:
        """Width of the output: the units of the last Dense (activation layers keep the width)."""
        for layer in reversed(self.layers):
            if isinstance(layer, Dense):
                return layer.units
        if self.input_dim is None:
            raise ValueError("model: output width unknown before the model is built")
        return self.input_dim

    @property
    def params(self) -> list[np.ndarray]:
        """The live parameter arrays, kernel then bias, layer by layer (updated in place)."""
        return [p for layer in self.layers for p in layer.params]

    @property
    def grads(self) -> list[np.ndarray]:
        """The gradients of the last backward pass, in the order of :attr:`params`."""
        return [g for layer in self.layers for g in layer.grads]

    def param_names(self) -> list[str]:
        return [f"{layer.name}/{n}" for layer in self.layers for n in layer.param_names]

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    # ------------------------------------------------------------------ weights
    @property
    def weights(self) -> list[np.ndarray]:
        """The live weight arrays (Keras's ``model.weights``): kernel then bias, layer by layer.
        They are the model's own arrays; :meth:`get_weights` gives copies."""
        self._require_built("weights")
        return self.params

    @property
    def trainable_weights(self) -> list[np.ndarray]:
        """Every weight is trained: the same arrays as :attr:`weights`."""
        return self.weights

    @property
    def non_trainable_weights(self) -> list[np.ndarray]:
        """None here (no frozen layers or batch statistics): an empty list."""
        return []

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights: kernel (inputs, units) then bias, layer by layer, as Keras."""
        self._require_built("get_weights")
        return [p.copy() for p in self.params]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Overwrite the weights (same order and shapes as :meth:`get_weights`), in place."""
        self._require_built("set_weights")
        layers_mod.write_weights(self.param_names(), self.params, weights)
        self._step = None

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise ValueError(f"{what}: the model is not built yet; start the layers with "
                             f"Input(shape=(n_features,)), call model.build(n_features), or fit first")

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer: Any = "rmsprop", loss: str | losses.Loss = "mse",
                metrics: Sequence[str | metrics_mod.Metric] | None = None,
                dtype: str | None = None) -> None:
        """Choose the optimizer (a name or an instance), the loss and the metrics.

        ``dtype`` (optional) switches the model's precision, casting any existing weights.
        """
        from . import optimizers  # (imported when a model is compiled: `import descend` stays light)

        if not self.layers:
            raise ValueError("compile: the model has no layers")
        if dtype is not None:
            self.set_dtype(dtype)
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        if self.loss.reduction == "none":
            raise ValueError(f"loss: {type(self.loss).__name__}(reduction='none') gives one number per "
                             f"sample, and training needs one E to descend; use reduction="
                             f"'sum_over_batch_size' (the mean) or 'sum'")
        self._warn_logits_after_squashing()
        if metrics is not None and (isinstance(metrics, (str, metrics_mod.Metric)) or
                                    not isinstance(metrics, Sequence)):
            raise TypeError(f"metrics: expected a list of metric names, got {metrics!r}")
        self._metric_ids = list(metrics or [])
        self._metrics = None  # resolved when the output width is known (accuracy depends on it)
        self._step = None

    def _warn_logits_after_squashing(self) -> None:
        """As Keras: a loss told ``from_logits=True`` after a sigmoid or softmax output squashes
        twice (it trains, on the wrong E), so say so."""
        last = self.layers[-1]
        squashing = getattr(getattr(last, "activation", None), "name", None)
        if getattr(self.loss, "from_logits", False) and squashing in ("sigmoid", "softmax"):
            warnings.warn(f"loss: {type(self.loss).__name__}(from_logits=True) expects the raw z of a "
                          f"linear output layer, but the output layer applies {squashing}: use a "
                          f"linear output or from_logits=False", UserWarning, stacklevel=3)

    def set_dtype(self, dtype: str | np.dtype) -> None:
        """Switch the model's precision ("float32" or "float64"), casting the weights."""
        new = resolve_dtype(dtype)
        if new == self.dtype:
            return
        self.dtype = new
        self._step = None
        for layer in self.layers:
            layer.params = [p.astype(new) for p in layer.params]
            layer.grads = [g.astype(new) for g in layer.grads]

    @property
    def metrics(self) -> list[metrics_mod.Metric]:
        """The compiled metrics; ``"accuracy"`` resolved from the shapes of the targets and the
        outputs as Keras 3 does (:func:`descend.metrics.accuracy_kind`), on the first data seen
        (before any, from the targets the loss takes: labels for a sparse loss, else one column
        per output)."""
        if self._metrics is None:
            self._metrics = self._resolve_metrics(None)
        return self._metrics

    def _resolve_metrics(self, y_shape: tuple[int, ...] | None) -> list[metrics_mod.Metric]:
        if y_shape is None:
            sparse = isinstance(self.loss, losses.SparseCategoricalCrossentropy)
            y_shape = (1,) if sparse else (1, self.output_dim)
        return [metrics_mod.get(m, y_shape, (1, self.output_dim)) for m in self._metric_ids]

    def require_compiled(self, what: str) -> losses.Loss:
        """The compiled loss; NotCompiledError naming ``what`` before :meth:`compile`."""
        if self.loss is None:
            raise NotCompiledError(f"{what}: call model.compile(optimizer=..., loss=...) first")
        return self.loss

    def fused_output(self) -> Dense | Activation | None:
        """The output layer where the loss takes its z and hands back δ = ∂E/∂z itself (a
        cross-entropy after the matching sigmoid or softmax, see :mod:`descend.losses`); else None."""
        last = self.layers[-1]
        if (isinstance(last, (Dense, Activation)) and self.loss is not None
                and last.activation.name == self.loss.fused_activation):
            return last
        return None

    # ------------------------------------------------------------------ the engine surface
    def prepare(self, X: Any, y: Any, names: tuple[str, str] = ("X", "y")) -> tuple[np.ndarray, np.ndarray]:
        """(X, y) checked and converted for the engine: X a C-contiguous (n, n_features) array of
        the model's dtype (the model is built on its first data), y as the loss wants its targets."""
        loss = self.require_compiled("prepare")
        X = layers_mod.flatten_input(self.layers, names[0], X)        # (N, d₁, d₂, …) before a Flatten
        X = as_features(names[0], X, self.dtype, self.input_dim)
        if not self.built:
            self.build(X.shape[1])
        y = as_targets(names[1], y, len(X))
        if y.dtype.kind == "f" and y.dtype != self.dtype:
            as_dtype(names[1], y, self.dtype)  # finite in float64, and in the model's dtype too
        y = loss.prepare_targets(y, self.output_dim, self.dtype)
        if self._metrics is None:
            self._metrics = self._resolve_metrics(y.shape)
        return X, y

    def features(self, X: Any, name: str = "X") -> np.ndarray:
        """X checked and converted as :meth:`prepare` does; builds the model on its first data."""
        X = as_features(name, layers_mod.flatten_input(self.layers, name, X), self.dtype, self.input_dim)
        if not self.built:
            if not self.layers:
                raise ValueError(f"{name}: the model has no layers")
            self.build(X.shape[1])
        return X

    def forward(self, x: np.ndarray) -> np.ndarray:
        """ŷ of a prepared batch, layer by layer; every layer keeps what its backward needs."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def compute_loss(self, x: np.ndarray, y: np.ndarray) -> float:
        """E of a prepared batch at the current weights, with any weight penalty (no backward)."""
        return self._data_loss(self.forward(x), y) + self.regularization_loss()

    def _data_loss(self, out: np.ndarray, y: np.ndarray) -> float:
        loss, last = self.require_compiled("compute_loss"), self.fused_output()
        if last is not None:
            assert last.z is not None
            return loss.fused(last.z, y, out)[0]
        return loss(out, y)

    def regularization_loss(self) -> float:
        return float(sum(layer.regularization_loss() for layer in self.layers))

    def loss_and_gradients(self, x: np.ndarray, y: np.ndarray, *, signals: bool = False) -> Backprop:
        """One forward and backward pass on a prepared batch, updating nothing (see :class:`Backprop`)."""
        loss = self.require_compiled("loss_and_gradients")
        out = self.forward(x)
        last, below = self.fused_output(), self.layers[::-1]
        if last is not None:                                    # δ of the output layer, from the loss
            assert last.z is not None
            value, delta = loss.fused(last.z, y, out)
            deltas, grad, below = [delta], last.backward_delta(delta), below[1:]
        else:
            value, grad = loss(out, y), loss.gradient(out, y)   # E and ∂E/∂ŷ
            deltas = []
        for layer in below:                                     # the δ recursion
            delta, grad = _backward(layer, grad)
            deltas.append(delta)
        result = Backprop(value + self.regularization_loss(), [g.copy() for g in self.grads])
        if signals:
            result.activations = [np.array(getattr(lay, "a", None)) for lay in self.layers]
            zs = [getattr(lay, "z", None) for lay in self.layers]
            result.pre_activations = [None if z is None else np.array(z) for z in zs]
            result.deltas = [np.array(d) for d in reversed(deltas)]
        return result

    def weighted_data_loss(self, out: np.ndarray, y: np.ndarray, w: np.ndarray,
                           value: float | None = None) -> float:
        """The data loss of the batch whose forward pass gave ``out``, each sample n counted w_n
        times (Keras's semantics, see :mod:`descend.training`); ``value``: its unweighted loss,
        when known."""
        loss, last = self.require_compiled("sample_weight"), self.fused_output()
        z = None if last is None else last.z
        assert last is None or z is not None
        if w.size == 0:
            return 0.0
        if w.min() == w.max() and loss.reduction != "mean_with_sample_weight":
            if value is None:                              # one weight c: c · E (w = 1: E, bit for bit)
                value = loss(out, y) if z is None else loss.fused(z, y, out)[0]
            return float(w[0]) * value
        per_sample = loss.per_sample(out, y) if z is None else loss.fused_per_sample(z, y, out)
        return loss.weighted(per_sample, w, y)

    def train_step(self, x: np.ndarray, y: np.ndarray,
                   sample_weight: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """One gradient-descent update on a prepared batch; returns E before the update and ŷ.

        The fast forms of built-in layers are used here (:mod:`descend._fast`), with the same
        numbers; a NaN or inf loss or gradient raises DivergenceError with the weights back to
        the last ones whose loss and gradients were finite (see :mod:`descend.training`).
        """
        return self.training_step()(x, y, sample_weight)

    def training_step(self) -> TrainingStep:
        """The model's :class:`~descend.training.TrainingStep` (made for the current layers, dtype
        and optimizer, and made again when one of them changes)."""
        self.require_compiled("train_step")
        if self._step is None:
            self._step = TrainingStep(self)
        return self._step

    def evaluate_prepared(self, X: np.ndarray, y: np.ndarray, batch_size: int = 4096,
                          sample_weight: np.ndarray | None = None) -> dict[str, float]:
        """Loss (with the loss's own reduction over all of X, each sample counted w_n times with
        checked ``sample_weight``) and metrics (unweighted, as Keras's) of prepared data, as a dict."""
        loss = self.require_compiled("evaluate")
        for m in self.metrics:
            m.reset()
        # E of all of X from its chunks: each chunk's E times what its reduction divided by (its
        # rows, the rows that count, its Σ w_n; 1 for a sum), over the sum of those
        total, divided = 0.0, 0.0
        for i in range(0, len(X), batch_size):
            xb, yb = X[i:i + batch_size], y[i:i + batch_size]
            wb = None if sample_weight is None else sample_weight[i:i + batch_size]
            out = self.forward(xb)
            value = self._data_loss(out, yb) if wb is None else self.weighted_data_loss(out, yb, wb)
            divisor = loss.divisor(len(xb), wb, loss.mask(yb, len(xb)))
            total, divided = total + value * divisor, divided + divisor
            for m in self.metrics:                 # unweighted, as Keras's compile(metrics=...)
                m.update(out, yb)
        if loss.reduction != "sum":
            total = total / divided if divided else 0.0
        return {"loss": total + self.regularization_loss(), **{m.name: m.result() for m in self.metrics}}

    # ------------------------------------------------------------------ public training API
    def fit(self, X: Any, y: Any, batch_size: int | None = 32, epochs: int = 1, verbose: int | str = "auto",
            callbacks: Sequence[Any] | None = None, validation_split: float = 0.0,
            validation_data: tuple[Any, ...] | None = None, shuffle: bool = True,
            class_weight: dict[int, float] | None = None, sample_weight: Any = None,
            initial_epoch: int = 0, steps_per_epoch: int | None = None, *,
            seed: int | None = None) -> History:
        """Train by gradient descent; returns a :class:`~descend.callbacks.History`.

        The arguments come in Keras 3's order (``fit(X, y, 32, 10)`` is batch size 32, 10 epochs).

        ``batch_size`` picks the kind of gradient descent (lecture §2): None (or ≥ N) is batch GD,
        one update per epoch over all data; 1 is stochastic GD; 1 < h < N is mini-batch GD
        (shuffle, then h at a time from the front). See :mod:`descend.batching`.
        ``validation_split`` holds out the *last* samples before shuffling, as Keras: it trains on
        the first ⌊N·(1 − split)⌋. ``validation_data`` is (X_val, y_val) or (X_val, y_val,
        sample_weight_val). ``seed`` seeds the shuffling; without it the model's own generator
        continues (so a loaded checkpoint resumes the same random order). ``verbose``: 0 silent,
        1 progress bar, 2 one line per epoch, "auto" = 1 on a terminal and 2 otherwise.
        ``sample_weight`` (one weight ≥ 0 per sample) or ``class_weight`` ({class: weight}) count
        each sample w_n times in the loss and its gradient, with Keras 3's semantics
        (:mod:`descend.training`; the metrics stay unweighted, as Keras's ``metrics``).
        ``steps_per_epoch`` may only be the number of batches of one pass (an epoch is one pass
        over the data here).
        """
        from .training import fit

        self.require_compiled("fit")
        return fit(self, X, y, epochs=epochs, batch_size=batch_size, shuffle=shuffle,
                   validation_data=validation_data, validation_split=validation_split,
                   callbacks=callbacks, verbose=verbose, seed=seed, initial_epoch=initial_epoch,
                   sample_weight=sample_weight, class_weight=class_weight, steps_per_epoch=steps_per_epoch)

    def train_on_batch(self, x: Any, y: Any, sample_weight: Any = None) -> float:
        """One gradient-descent update on the batch (x, y) (each sample counted w_n times with
        ``sample_weight``); returns E before the update."""
        x, y = self.prepare(x, y, ("x", "y"))
        return self.train_step(x, y, sample_weights("sample_weight", sample_weight, len(x), x.dtype))[0]

    def compute_gradients(self, X: Any, y: Any) -> tuple[float, list[np.ndarray]]:
        """(E, [∂E/∂W₁, ∂E/∂b₁, …]) at the current weights, without updating anything."""
        result = self.loss_and_gradients(*self.prepare(X, y))
        return result.loss, result.grads

    def predict(self, X: Any, batch_size: int | None = None, verbose: int | str = 0) -> np.ndarray:
        """The outputs ŷ for X (probabilities for sigmoid/softmax outputs). A model without
        :class:`~descend.layers.Input` is built on this first data, as in Keras. ``batch_size``
        (default 4096) only bounds the memory used; ``verbose`` is accepted for Keras scripts
        (nothing is printed)."""
        check_verbose(verbose)
        X = self.features(X)
        batch_size = _batch_size(batch_size)
        out = [self.forward(X[i:i + batch_size]).copy() for i in range(0, len(X), batch_size)]
        return np.concatenate(out) if len(out) > 1 else out[0]

    def __call__(self, X: Any) -> np.ndarray:
        """``model(X)`` is :meth:`predict` (as calling a Keras model gives its outputs)."""
        return self.predict(X)

    def evaluate(self, X: Any, y: Any, batch_size: int | None = None, verbose: int | str = 0,
                 sample_weight: Any = None, return_dict: bool = False) -> Any:
        """Loss and metrics on (X, y), returned as Keras 3 returns them: the loss alone (a float)
        without metrics, the list ``[loss, *metrics]`` (in compile order) with them, or a dict
        ``{"loss": ..., <metric>: ...}`` with ``return_dict=True``.

        The loss has the loss's own reduction over all of X (a mean or, for the slides' summed
        losses, a sum), each sample counted w_n times with ``sample_weight`` (see
        :mod:`descend.training`). ``batch_size`` (default 4096) only bounds the memory used.
        ``verbose`` 1 or 2 (or "auto") prints the results on one line; 0 (the default) is silent.
        """
        check_verbose(verbose)
        return_dict = check("return_dict", return_dict, BOOLEAN)
        X, y = self.prepare(X, y)
        w = sample_weights("sample_weight", sample_weight, len(X), X.dtype)
        result = self.evaluate_prepared(X, y, batch_size=_batch_size(batch_size), sample_weight=w)
        if verbose != 0:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in result.items()), flush=True)
        if return_dict:
            return result
        values = list(result.values())
        return values[0] if len(values) == 1 else values

    # ------------------------------------------------------------------ saving
    def save(self, path: Any, *, extra: dict[str, Any] | None = None) -> Any:
        """Save weights, architecture, compile config, optimizer and RNG state, epoch and history
        atomically to ``path`` (a directory, or a ``.safetensors`` file); see :mod:`descend.saving`.
        ``descend.load_model(path)`` restores a model that resumes training bit for bit. Without
        ``extra``, a loaded model keeps the ``extra`` data of the file it came from (a model of
        ``descend train`` keeps its data pipeline, so ``descend evaluate`` still reads it).

        A path ending in ``.keras`` (or ``.h5``) is refused: descend writes its own format, which
        Keras cannot read, not a Keras archive."""
        _refuse_keras_suffix(path, "model.save", "a directory (e.g. 'runs/model') or a file ending in "
                                                 "'.safetensors'")
        return saving.save_model(self, path, extra=getattr(self, "_extra", {}) if extra is None else extra)

    def save_weights(self, path: Any) -> Any:
        """Save the weights alone, atomically, to ``path`` (a file ending in ``.safetensors``,
        e.g. ``"model.weights.safetensors"``); :meth:`load_weights` reads them back. Returns the
        file written."""
        _refuse_keras_suffix(path, "model.save_weights", "a file ending in '.weights.safetensors'")
        self._require_built("save_weights")
        return saving.save_weights(self, path)

    def load_weights(self, path: Any) -> None:
        """Load weights written by :meth:`save_weights` (or the weights of a model saved by
        :meth:`save`) into this model; a ValueError names any array whose shape does not match.
        An unbuilt model is built for the input width the file's first kernel has."""
        saving.load_weights(self, path)
        self._step = None

    # ------------------------------------------------------------------ description
    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype.name, "seed": self.seed,
                "input_dim": self.input_dim,
                "layers": [{"kind": layer.kind, "config": layer.get_config()} for layer in self.layers]}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Sequential:
        model = cls(dtype=config.get("dtype", "float32"), seed=config.get("seed"), name=config.get("name"))
        if config.get("input_dim"):
            model.add(layers_mod.Input(shape=(config["input_dim"],)))
        for spec in config["layers"]:
            model.add(layers_mod.from_config(spec["kind"], spec["config"]))
        return model

    def summary(self, print_fn: Any = print) -> str:
        """A table of the layers, their output widths and parameter counts (printed and returned)."""
        rows = [("Layer (type)", "Output shape", "Param #")]
        for layer in self.layers:
            act = getattr(layer, "activation", None)
            kind = layer.kind + (f", {act.name}" if act is not None else "")
            width = layer.output_dim if layer.built else "?"
            rows.append((f"{layer.name} ({kind})", f"(None, {width})", str(layer.count_params())))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        line = "-" * (sum(widths) + 6)
        body = [f"{r[0]:<{widths[0]}}   {r[1]:<{widths[1]}}   {r[2]:>{widths[2]}}" for r in rows]
        text = "\n".join([f'Model: "{self.name}"  ({self.dtype.name})', line, body[0], line, *body[1:], line,
                          f"Total params: {self.count_params()}"])
        if print_fn is not None:
            print_fn(text)
        return text

    def __repr__(self) -> str:
        return f"Sequential({len(self.layers)} layers, {self.dtype.name}, seed={self.seed})"


#: what a Sequential is built from
_ANY: InstanceOf[Any] = InstanceOf(object)
_LAYERS: ListOf[Any] = ListOf(_ANY, "a list of layers")   # (add() says what each must be)


def _check_size(layers: Sequence[Layer], width: int, dtype: np.dtype, count: int = 0) -> None:
    """Refuse, before anything is allocated, Dense layers whose weights and gradients (with the
    ``count`` parameters the model holds already) would take more than the memory limit
    (:func:`descend.checks.memory_limit`)."""
    for layer in layers:
        if isinstance(layer, Dense):
            count += width * layer.units + (layer.units if layer.use_bias else 0)
            width = layer.units
    check_memory("layers", 2 * count * dtype.itemsize,
                 f"the weights ({count:,} parameters, {dtype.name}) and their gradients")


def _input_width(input_shape: Any) -> int:
    """n from ``n``, ``(n,)``, ``(None, n)`` or ``(batch, n)``."""
    shape = input_shape
    if isinstance(shape, (tuple, list)) and len(shape) in (1, 2) and (
            len(shape) == 1 or shape[0] is None or isinstance(shape[0], (int, np.integer))):
        shape = shape[-1]
    if isinstance(shape, bool) or not isinstance(shape, (int, np.integer)) or shape < 1:
        raise ValueError(f"input_shape: expected the input width n as n, (n,) or (None, n), "
                         f"got {input_shape!r}")
    return int(shape)


def _batch_size(batch_size: Any) -> int:
    """predict's and evaluate's batch size: None is 4096 (it only bounds the memory used)."""
    return 4096 if batch_size is None else check("batch_size", batch_size, BATCH_SIZE)


def _refuse_keras_suffix(path: Any, what: str, use: str) -> None:
    """A ``.keras`` or ``.h5`` path is refused: descend does not write Keras's archives."""
    suffix = os.fspath(path).lower().rsplit(".", 1)[-1] if isinstance(path, (str, os.PathLike)) else ""
    if suffix in ("keras", "h5", "hdf5"):
        raise ValueError(f"path: {what} writes descend's own format (safetensors), which Keras "
                         f"cannot load, not a .{suffix} file; use {use} (got {os.fspath(path)!r})")


def _backward(layer: Layer, dy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(δ, ∂E/∂x) of one layer: δ = ∂E/∂z for a layer with an activation, else ∂E/∂(its output)."""
    if isinstance(layer, Dense):
        delta = layer.delta(dy)                                 # δ = ∂E/∂a ⊙ f′(z)
        return delta, layer.backward_delta(delta)
    dx = layer.backward(dy)
    return (dx if isinstance(layer, Activation) else dy), dx   # (an Activation's z is its input)


def load_checkpoint(path: saving.PathLike) -> tuple[Sequential, dict[str, Any]]:
    """Load a model saved by :meth:`Sequential.save`, and the ``extra`` data saved with it.

    Raises FileNotFoundError (nothing at ``path``) or a ValueError naming the file and the defect
    (truncated, corrupted or foreign, a missing key, arrays whose shapes do not match the
    architecture).
    """
    checkpoint = saving.read_checkpoint(path)
    try:
        model = Sequential.from_config(checkpoint.key("architecture", dict))
    except (KeyError, TypeError, ValueError) as exc:
        raise checkpoint.fail(f"architecture: cannot rebuild the model ({type(exc).__name__}: {exc})") \
            from None
    extra = saving.restore(model, checkpoint)
    model._extra = extra
    return model, extra


def load_model(path: saving.PathLike) -> Sequential:
    """Load a model saved by :meth:`Sequential.save`, ready to predict, evaluate or resume
    training (see :func:`load_checkpoint` for the errors)."""
    return load_checkpoint(path)[0]
