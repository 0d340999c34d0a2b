"""``Sequential``: a stack of layers, trained by the lecture's back-propagation.

One update (lecture §5): forward through the layers, δ at the output, then the δ recursion back
down (each :class:`~descend.layers.Layer` computes its own ∂E/∂W = aᵀδ and passes δWᵀ below), then
the optimizer's rule ``w ← w − η ∂E/∂w`` (or a refinement of it) on every weight at once.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import layers as layers_mod
from . import losses, metrics as metrics_mod
from .backend import as_rng, resolve_dtype
from .errors import DivergenceError, NotCompiledError
from .checks import all_finite, as_features, as_targets

# optimizers are looked up lazily: the package is imported only when a model is compiled


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

    def __init__(self, layers: Sequence[layers_mod.Layer | layers_mod.Input] | None = None, *,
                 dtype: str = "float32", seed: int | None = None, name: str | None = None) -> None:
        self.dtype = resolve_dtype(dtype)
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        as_rng(seed)  # type check
        self.seed = int(seed)
        self.name = name or "sequential"
        self.layers: list[layers_mod.Layer] = []
        self.input_dim: int | None = None
        self.optimizer: Any = None
        self.loss: losses.Loss | None = None
        self.metrics: list[metrics_mod.Metric] = []
        self.stop_training = False
        self.epochs_trained = 0
        #: shuffling generator; created on the first fit, kept across fits and in checkpoints
        self.train_rng: np.random.Generator | None = None
        #: the optimizer step whose weights-before (kept by the optimizer) are the last with a
        #: finite loss and gradients, -1 if none (see _restore_last_good)
        self._last_good_step = -1
        self._restored = False
        #: the History of the last fit (continued, not restarted, by a fit with initial_epoch > 0)
        self.history: Any = None
        for layer in layers or []:
            self.add(layer)

    # ------------------------------------------------------------------ structure
    def add(self, layer: layers_mod.Layer | layers_mod.Input) -> None:
        """Append a layer (or, first, an :class:`~descend.layers.Input`)."""
        if isinstance(layer, layers_mod.Input):
            if self.layers or self.input_dim is not None:
                raise ValueError("layers: an Input may only come first")
            self.input_dim = layer.shape[0]
            return
        if not isinstance(layer, layers_mod.Layer):
            raise TypeError(f"layers: expected Layer instances, got {type(layer).__name__}")
        if any(layer is other for other in self.layers):
            raise ValueError(f"layers: the same layer object was added twice ({layer.name})")
        if layer.name is None:
            kind = layer.kind.lower()
            layer.name = f"{kind}_{sum(1 for other in self.layers if other.kind == layer.kind) + 1}"
        self.layers.append(layer)
        if self.input_dim is not None and self._built_count() == len(self.layers) - 1:
            self._build_from(len(self.layers) - 1)

    def _built_count(self) -> int:
        return sum(1 for layer in self.layers if layer.built)

    @property
    def built(self) -> bool:
        return bool(self.layers) and all(layer.built for layer in self.layers)

    def build(self, input_dim: int) -> None:
        """Create every layer's weights for inputs of width ``input_dim``."""
        if isinstance(input_dim, bool) or not isinstance(input_dim, (int, np.integer)) or input_dim < 1:
            raise ValueError(f"input_dim: expected a positive integer, got {input_dim!r}")
        if self.built and self.input_dim == input_dim:
            return
        self.input_dim = int(input_dim)
        self._build_from(0)

    def _build_from(self, start: int) -> None:
        # one generator for all initialisations, layer by layer: the same seed, the same weights
        self._last_good_step = -1
        if start == 0:
            self._init_rng = np.random.default_rng([self.seed, 0])
        width = self.input_dim if start == 0 else self.layers[start - 1].output_dim
        for layer in self.layers[start:]:
            width = layer.build(width, self._init_rng, self.dtype)

    @property
    def output_dim(self) -> int:
        """Width of the output: the units of the last Dense (activation layers keep the width)."""
        for layer in reversed(self.layers):
            if hasattr(layer, "units"):
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
    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights: kernel (inputs, units) then bias, layer by layer, as Keras."""
        self._require_built("get_weights")
        return [p.copy() for p in self.params]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Overwrite the weights (same order and shapes as :meth:`get_weights`), in place."""
        self._require_built("set_weights")
        params = self.params
        if len(weights) != len(params):
            raise ValueError(f"weights: expected {len(params)} arrays ({', '.join(self.param_names())}), "
                             f"got {len(weights)}")
        new = []
        for name, p, w in zip(self.param_names(), params, weights):
            w = np.asarray(w)
            if w.shape != p.shape:
                raise ValueError(f"weights: {name} expected shape {p.shape}, got {w.shape}")
            if not np.issubdtype(w.dtype, np.number):
                raise TypeError(f"weights: {name} expected numbers, got dtype {w.dtype}")
            if not np.isfinite(w).all():
                raise ValueError(f"weights: {name} contains NaN or inf")
            new.append(w)
        for p, w in zip(params, new):
            p[...] = w
        self._last_good_step = -1

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
        from . import optimizers

        if not self.layers:
            raise ValueError("compile: the model has no layers")
        if dtype is not None:
            self._cast(resolve_dtype(dtype))
        self.optimizer = optimizers.get(optimizer)
        self._last_good_step = -1
        self.loss = losses.get(loss)
        if metrics is not None and (isinstance(metrics, (str, metrics_mod.Metric)) or
                                    not isinstance(metrics, Sequence)):
            raise TypeError(f"metrics: expected a list of metric names, got {metrics!r}")
        self._metric_ids = list(metrics or [])
        self.metrics = []  # resolved when the output width is known (accuracy depends on it)

    def _cast(self, dtype: np.dtype) -> None:
        if dtype == self.dtype:
            return
        self.dtype = dtype
        self._last_good_step = -1
        for layer in self.layers:
            layer.params = [p.astype(dtype) for p in layer.params]
            layer.grads = [g.astype(dtype) for g in layer.grads]

    def _require_compiled(self, what: str) -> None:
        if self.loss is None:
            raise NotCompiledError(f"{what}: call model.compile(optimizer=..., loss=...) first")

    def _resolve_metrics(self) -> list[metrics_mod.Metric]:
        if len(self.metrics) != len(self._metric_ids):
            self.metrics = [metrics_mod.get(m, self.loss.name, self.output_dim) for m in self._metric_ids]
        return self.metrics

    # ------------------------------------------------------------------ forward / backward
    def _forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        for layer in self.layers:
            forward = layer.forward
            x = forward(x, training=training) if layers_mod.takes(type(layer).forward, "training") else forward(x)
        return x

    def _fused(self) -> bool:
        last = getattr(self.layers[-1], "activation", None)
        return last is not None and last.name == self.loss.fused_activation

    def _loss_and_backward(self, y: np.ndarray) -> float:
        """E of the last forward pass, and every layer's gradients by the δ recursion."""
        last = self.layers[-1]
        if self._fused():
            value, grad = self.loss.fused(last._z, y, last._a)
            is_delta = True
        else:
            out = last._a
            value, grad = self.loss(out, y), self.loss.gradient(out, y)
            is_delta = False
        # every grad handed down is a work array (the loss's, a layer's ∂E/∂x): scratch
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            if layers_mod.takes(type(layer).backward, "scratch_grad"):
                grad = layer.backward(grad, need_input_grad=i > 0, is_delta=is_delta, scratch_grad=True)
            else:
                grad = layer.backward(grad, need_input_grad=i > 0, is_delta=is_delta)
            is_delta = False
        return value + self.regularization_loss()

    def _data_loss(self, y: np.ndarray) -> float:
        """E of the last forward pass without the weight penalties, and without a backward pass."""
        last = self.layers[-1]
        return self.loss.fused(last._z, y, last._a)[0] if self._fused() else self.loss(last._a, y)

    def regularization_loss(self) -> float:
        return float(sum(layer.regularization_loss() for layer in self.layers))

    def compute_gradients(self, X: Any, y: Any) -> tuple[float, list[np.ndarray]]:
        """(E, [∂E/∂W₁, ∂E/∂b₁, …]) at the current weights, without updating anything."""
        self._require_compiled("compute_gradients")
        X, y = self._prepare(X, y, "X", "y")
        self._forward(X)
        value = self._loss_and_backward(y)
        return value, [g.copy() for g in self.grads]

    def train_on_batch(self, x: Any, y: Any) -> float:
        """One gradient-descent update on the batch (x, y); returns E before the update."""
        self._require_compiled("train_on_batch")
        x, y = self._prepare(x, y, "x", "y")
        return self._train_step(x, y)

    def _train_step(self, x: np.ndarray, y: np.ndarray, params: list[np.ndarray] | None = None,
                    grads: list[np.ndarray] | None = None) -> float:
        """Forward, δ recursion, optimizer. ``params``/``grads``: the lists, when the caller holds them."""
        params = self.params if params is None else params
        grads = self.grads if grads is None else grads
        # A diverging run overflows; that is detected just below and reported with where it
        # happened, so NumPy's overflow warnings would only repeat it.
        with np.errstate(over="ignore", invalid="ignore"):
            self._forward(x, training=True)
            value = self._loss_and_backward(y)
        if not math.isfinite(value):
            self._restore_last_good(params)
            raise self._divergence(value)
        # The optimizer checks the gradients in its update's own pass (check_finite=False: no
        # separate scan) and keeps the weights before the step: those of the last update with a
        # finite loss and gradients. A NaN/inf gradient is refused with every weight as before.
        step = self.optimizer.iterations
        try:
            self.optimizer.apply(grads, params, check_finite=False)
        except ValueError:
            with np.errstate(over="ignore", invalid="ignore"):
                if all_finite(grads):
                    raise                   # not a divergence: the optimizer's own error (an overflow)
            self._restore_last_good(params)
            raise self._divergence(value) from None
        self._last_good_step = step
        return value

    def _restore_last_good(self, params: list[np.ndarray]) -> None:
        """After a non-finite loss or gradient: back to the weights before the previous update
        (the last ones with a finite loss and gradients), if that update is the one just made
        and the weights have not been set since."""
        self._restored = (self.optimizer is not None and self._last_good_step >= 0
                          and self._last_good_step == self.optimizer.iterations - 1
                          and self.optimizer.restore_previous(params))

    def _divergence(self, value: float, epoch: int | None = None, update: int | None = None) -> DivergenceError:
        """The error for a non-finite loss or gradient, naming where the numbers first blew up:
        the first layer (input side first) whose z or a is not finite, else the first layer going
        back from the output whose gradient is not finite."""
        def finite(a: Any) -> bool:
            return a is None or bool(np.isfinite(a).all())

        layer = next((l.name for l in self.layers
                      if not (finite(getattr(l, "_z", None)) and finite(getattr(l, "_a", None)))), None)
        if layer is not None:
            blame = f"the forward pass overflowed first in layer {layer!r} (its outputs are not finite)"
        else:
            layer = next((l.name for l in reversed(self.layers) if not all(finite(g) for g in l.grads)), None)
            blame = (f"the gradient blew up first in layer {layer!r} (going back from the output)"
                     if layer else "the loss itself is not finite")
        step = getattr(self.optimizer, "iterations", 0) + 1
        where = (f" at epoch {epoch + 1}, update {update + 1} of that epoch (optimizer step {step})"
                 if epoch is not None else f" at optimizer step {step}")
        kept = ("The weights are back to those before the previous update, the last with a finite "
                "loss and gradients" if getattr(self, "_restored", False) else
                "The weights are those before this update (nothing non-finite was written)")
        return DivergenceError(
            f"training diverged{where}: the loss is {value}; {blame}. {kept}. Try gradient clipping "
            f"(clipnorm=...), a smaller initialisation or a smaller learning rate.",
            epoch=epoch, update=update, layer=layer, loss=value)

    # ------------------------------------------------------------------ data
    def _prepare(self, X: Any, y: Any, xname: str, yname: str) -> tuple[np.ndarray, np.ndarray]:
        X = as_features(xname, X, self.dtype, self.input_dim)
        if not self.built:
            self.build(X.shape[1])
        y = as_targets(yname, y, len(X))
        return X, self.loss.prepare_targets(y, self.output_dim, self.dtype)

    # ------------------------------------------------------------------ public training API
    def fit(self, X: Any, y: Any, epochs: int = 1, batch_size: int | None = 32, shuffle: bool = True,
            validation_data: tuple[Any, Any] | None = None, validation_split: float = 0.0,
            callbacks: Sequence[Any] | None = None, verbose: int | str = "auto",
            seed: int | None = None, initial_epoch: int = 0):
        """Train by gradient descent; returns a :class:`~descend.callbacks.History`.

        ``batch_size`` picks the kind of gradient descent (lecture §2): None (or ≥ N) is batch GD,
        one update per epoch over all data; 1 is stochastic GD; 1 < h < N is mini-batch GD
        (shuffle, then h at a time from the front). See :mod:`descend.batching`.
        ``validation_split`` holds out the *last* fraction of (X, y) before shuffling, as Keras.
        ``seed`` seeds the shuffling; without it the model's own generator continues (so a loaded
        checkpoint resumes the same random order). ``verbose``: 0 silent, 1 progress bar,
        2 one line per epoch, "auto" = 1 on a terminal and 2 otherwise.
        """
        from .training import fit

        return fit(self, X, y, epochs=epochs, batch_size=batch_size, shuffle=shuffle,
                   validation_data=validation_data, validation_split=validation_split,
                   callbacks=callbacks, verbose=verbose, seed=seed, initial_epoch=initial_epoch)

    def predict(self, X: Any, batch_size: int = 4096) -> np.ndarray:
        """The outputs ŷ for X (probabilities for sigmoid/softmax outputs)."""
        self._require_built("predict")
        X = as_features("X", X, self.dtype, self.input_dim)
        out = [self._forward(X[i:i + batch_size]).copy() for i in range(0, len(X), batch_size)]
        return np.concatenate(out) if len(out) > 1 else out[0]

    def evaluate(self, X: Any, y: Any, batch_size: int = 4096) -> dict[str, float]:
        """Loss (with the loss's own reduction over all of X) and metrics, as a dict."""
        self._require_compiled("evaluate")
        X, y = self._prepare(X, y, "X", "y")
        return self._evaluate_prepared(X, y, batch_size)

    def _evaluate_prepared(self, X: np.ndarray, y: np.ndarray, batch_size: int = 4096) -> dict[str, float]:
        metrics = self._resolve_metrics()
        for m in metrics:
            m.reset()
        total, n, penalty = 0.0, len(X), self.regularization_loss()
        for i in range(0, n, batch_size):
            xb, yb = X[i:i + batch_size], y[i:i + batch_size]
            out = self._forward(xb)
            value = self._data_loss(yb)
            total += value * (len(xb) / n if self.loss.reduction == "mean" else 1.0)
            for m in metrics:
                m.update(out, yb)
        logs = {"loss": total + penalty}
        logs.update({m.name: m.result() for m in metrics})
        return logs

    # ------------------------------------------------------------------ saving
    def save(self, path: Any, *, extra: dict[str, Any] | None = None) -> Any:
        """Save weights, architecture, compile config, optimizer and RNG state, epoch and history
        atomically to ``path`` (a directory, or a ``.safetensors`` file); see :mod:`descend.saving`.
        ``descend.load_model(path)`` restores a model that resumes training bit for bit."""
        from .saving import save_model

        return save_model(self, path, extra=extra)

    # ------------------------------------------------------------------ description
    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype.name, "seed": self.seed,
                "input_dim": self.input_dim,
                "layers": [{"kind": layer.kind, "config": layer.get_config()} for layer in self.layers]}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Sequential":
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
