"""Layers: the :class:`Layer` contract, :class:`Dense` as the lecture's δ recursion, and
:class:`Activation`.

The contract a layer implements (and all a user's own layer needs):

* ``build(input_dim, rng, dtype) -> output_dim`` creates the parameters (``params``, with a
  ``grads`` array of the same shape for each, in the same order, and their ``param_names``);
* ``forward(x) -> y`` computes the layer's output and keeps what ``backward`` needs;
* ``backward(dy) -> dx`` takes ∂E/∂y of the last forward pass and returns ∂E/∂x, *overwriting*
  (never accumulating) the gradients in ``grads``.

Parameters are updated in place by the optimizer, so the arrays in ``params`` keep their identity
for the whole life of the layer.

The code here is the reference: plain NumPy, one line per formula. The model's training step
runs built-in Dense layers through :class:`descend._fast.dense.FastDense`, which computes the
same numbers on reused work arrays.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import activations, constraints, initializers, regularizers
from .checks import InstanceOf, ListOf, as_dtype, check


class Layer:
    """Base class of all layers: what a layer of one's own implements, and what the engine reads.

    Subclass it and write ``forward`` and ``backward``, and ``build`` if the layer has weights
    or changes the width; ``Sequential([Input(3), MyLayer(), Dense(2)])`` then trains, predicts,
    explains and passes :func:`descend.gradient_check` with it (the check is the way to test a
    ``backward``).

    **Methods the engine calls**

    ``build(input_dim, rng, dtype) -> int``
        Once, before the first forward pass: ``input_dim`` is the width of the rows coming in,
        ``rng`` the model's :class:`numpy.random.Generator` (draw initial weights from it, so
        that the model's seed fixes them) and ``dtype`` the model's float dtype (create every
        array in it). Create the parameters, set ``input_dim`` and ``output_dim``, return
        ``output_dim``. The default keeps the width and creates no parameter.
    ``forward(x) -> y``
        ``x`` is a batch, shape (N, input_dim), C-contiguous, of the model's dtype; return
        ``y`` of shape (N, output_dim) and keep what ``backward`` needs (conventionally in
        ``self.x``, ``self.z``, ``self.a``: those three are dropped when the layer is pickled).
        The same method serves training and prediction — unless the class sets
        ``has_training_mode = True`` (as :class:`Dropout`): then the training step alone calls
        ``forward(x, training=True)``, and prediction, evaluation and the gradient check call
        ``forward(x)``.
    ``backward(dy) -> dx``
        ``dy`` = ∂E/∂y for the batch of the last ``forward``; return ∂E/∂x (same shape as that
        ``x``) and *overwrite* — never add to — each array of ``grads`` with ∂E/∂(the
        parameter at the same index of ``params``), in place (``g[...] = ...``): the optimizer
        holds those very arrays.
    ``regularization_loss() -> float``
        The penalty the layer adds to E (default 0); its gradient belongs in ``grads``.
    ``get_config() -> dict``
        The constructor's keywords, for saving; a layer kind outside :data:`REGISTRY` can be
        trained, pickled and saved as weights, not rebuilt from a saved architecture.

    **Attributes the engine reads**

    ``params``, ``grads`` : list of ndarray
        The weights and their gradients, in the same order and of the same shapes. The arrays
        keep their identity for the layer's whole life: the optimizer updates ``params`` in
        place, and saving, ``get_weights`` and clipping walk both lists.
    ``param_names`` : list of str
        One name per parameter ("kernel", "bias"): saved files and
        :func:`~descend.gradcheck.gradient_check` call a tensor ``<layer name>/<param name>``.
    ``param_constraints`` : list of Constraint or None
        One per parameter (default: all None): the projection the training step applies to that
        parameter right after each optimizer update (:mod:`descend.constraints`; Dense's
        ``kernel_constraint`` and ``bias_constraint``). Read when the model makes its training
        step (on compile, build, or a change of weights or optimizer), as Keras reads a
        variable's constraint when it is created.
    ``input_dim``, ``output_dim`` : int or None
        The widths, None until built (``built`` is ``output_dim is not None``).
    ``name`` : str or None
        Given by the model ("<kind>_1", ...) when None; ``kind`` (a class attribute) is the
        layer's type name in saved configs and summaries.

    The model hands the loss's ∂E/∂ŷ to the last layer and each layer's ``dx`` to the layer
    below; only the built-in :class:`Dense` and :class:`Activation` fuse an output activation
    with the loss or run compiled, so a layer of one's own always runs as written.
    """

    #: the registry name used in saved configs
    kind = "Layer"

    def __init__(self, name: str | None = None) -> None:
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name: expected a string or None, got {type(name).__name__}")
        self.name = name
        self.params: list[np.ndarray] = []
        self.grads: list[np.ndarray] = []
        self.param_names: list[str] = []
        self.input_dim: int | None = None
        self.output_dim: int | None = None

    @property
    def built(self) -> bool:
        return self.output_dim is not None

    def build(self, input_dim: int, rng: np.random.Generator, dtype: np.dtype) -> int:
        """Create the parameters for inputs of width ``input_dim``; return the output width."""
        self.input_dim = self.output_dim = int(input_dim)
        return self.output_dim

    def forward(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """x → the layer's output, keeping what :meth:`backward` needs."""
        raise NotImplementedError

    def backward(self, dy: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """∂E/∂(output) → ∂E/∂(input), overwriting ``grads`` with ∂E/∂(each param)."""
        raise NotImplementedError

    def regularization_loss(self) -> float:
        """Penalty this layer adds to the loss (0 without a regularizer)."""
        return 0.0

    # The forward pass's caches are not part of a layer's state: a pickle (joblib, deepcopy,
    # multiprocessing) carries the parameters only, and parameters come back writeable even from
    # a read-only memory map, so the layer can train again.
    _CACHES: tuple[str, ...] = ("x", "z", "a")

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for key in self._CACHES:
            if key in state:
                state[key] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.params = [p if p.flags.writeable else np.array(p) for p in self.params]
        self.grads = [g if g.flags.writeable else np.array(g) for g in self.grads]

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    @property
    def param_constraints(self) -> list[constraints.Constraint | None]:
        """The constraint of each parameter, in the order of ``params`` (None: unconstrained)."""
        return [None] * len(self.params)

    def count_params(self) -> int:
        return int(sum(p.size for p in self.params))

    # Keras's per-layer weight access
    @property
    def weights(self) -> list[np.ndarray]:
        """The live parameter arrays (kernel, then bias for a Dense layer)."""
        return self.params

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the parameters, in the order of ``param_names`` (Dense: kernel (inputs,
        units), then bias), as Keras's ``layer.get_weights()``."""
        return [p.copy() for p in self.params]

    def set_weights(self, weights: Any) -> None:
        """Overwrite the parameters in place (same order and shapes as :meth:`get_weights`);
        every array is checked before anything is written."""
        if not self.built:
            raise ValueError(f"layer {self.name!r}: not built yet; build the model first")
        write_weights([f"{self.name}/{name}" for name in self.param_names], self.params, weights)


#: what set_weights takes: a list (or tuple) of arrays
_WEIGHTS: ListOf[Any] = ListOf(InstanceOf(object), "a list of arrays (as get_weights returns)")


def write_weights(names: Sequence[str], params: Sequence[np.ndarray], weights: Any) -> None:
    """Overwrite each of ``params`` in place with the array at its index in ``weights`` (a list,
    as ``get_weights`` returns), every array checked before anything is written: the count, each
    shape, numbers, finite in the parameter's dtype. Errors say ``weights: <name>``. Serves
    :meth:`Layer.set_weights` and the model's ``set_weights``."""
    weights = check("weights", weights, _WEIGHTS)
    if len(weights) != len(params):
        raise ValueError(f"weights: expected {len(params)} arrays ({', '.join(names)}), got {len(weights)}")
    new = []
    for name, p, w in zip(names, params, weights, strict=True):
        w = np.asarray(w)
        if w.shape != p.shape:
            raise ValueError(f"weights: {name} expected shape {p.shape}, got {w.shape}")
        if not np.issubdtype(w.dtype, np.number):
            raise TypeError(f"weights: {name} expected numbers, got dtype {w.dtype}")
        if not np.isfinite(w).all():
            raise ValueError(f"weights: {name} contains NaN or inf")
        new.append(as_dtype(f"weights: {name}", w, p.dtype))
    for p, w in zip(params, new, strict=True):
        p[...] = w


def _drawn(arg: str, initializer: Any, shape: tuple[int, ...], rng: np.random.Generator,
           dtype: np.dtype) -> np.ndarray:
    """``initializer(shape, rng, dtype)`` as an array of ``dtype``; what it refuses (a user's
    callable returning the wrong shape) names ``arg``."""
    try:
        return np.asarray(initializer(shape, rng, dtype), dtype=dtype)
    except (ValueError, TypeError) as exc:
        if str(exc).startswith(arg):
            raise
        raise type(exc)(f"{arg}: {exc}") from None


class Dense(Layer):
    """A fully connected layer: z = x·W + b, a = f(z).

    The kernel W has shape (inputs, units) as in Keras: ``W[i, j]`` is the lecture's w_ij, the weight
    from node i of the lower layer to node j of this one.

    Backward pass — the lecture's δ recursion, each factor computed once and reused::

        δ      = ∂E/∂a ⊙ f′(z)          (:meth:`delta`; given directly when the loss is fused with f)
        ∂E/∂W  = xᵀ δ        ∂E/∂b = Σ_batch δ
        ∂E/∂x  = δ Wᵀ                   (the layer below multiplies it by its own f′)

    After a forward pass ``x``, ``z`` and ``a`` hold its input, pre-activation and activation.

    Parameters
    ----------
    units : int
        Number of nodes m of this layer.
    activation : str, Activation or None
        f; None is linear.
    use_bias : bool
        Whether to add b.
    kernel_initializer, bias_initializer : str, Initializer or callable
        Keras defaults: ``"glorot_uniform"`` (Xavier uniform) and ``"zeros"``.
    kernel_regularizer : str, Regularizer or None
        Penalty on W added to the loss and to ∂E/∂W.
    name : str, optional
    kernel_constraint, bias_constraint : str, dict, Constraint, callable or None
        A projection of W (of b) applied right after each optimizer update, as in Keras:
        ``MaxNorm`` w ← w · clip(‖w‖, 0, c)/(ε + ‖w‖), ``NonNeg`` w ← max(w, 0), ``UnitNorm``,
        ``MinMaxNorm`` (:mod:`descend.constraints`); with the default axis 0 each norm is over
        the weights coming into one unit. Not part of the gradient.
    """

    kind = "Dense"

    def __init__(self, units: int, activation: str | activations.Activation | None = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 name: str | None = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None) -> None:
        super().__init__(name)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"units: expected a positive integer, got {units!r}")
        if not isinstance(use_bias, (bool, np.bool_)):
            raise TypeError(f"use_bias: expected True or False, got {use_bias!r}")
        self.units = int(units)
        self.activation = activations.get(activation)
        if self.units == 1 and getattr(self.activation, "name", None) == "softmax":
            raise ValueError("units: a softmax over 1 unit is 1 whatever its input (nothing to learn, "
                             "loss 0); use activation='sigmoid' for one output, or one unit per class")
        self.use_bias = bool(use_bias)
        kernel_init, bias_init = initializers.get(kernel_initializer), initializers.get(bias_initializer)
        if kernel_init is None or bias_init is None:
            raise ValueError("kernel_initializer, bias_initializer: expected a name, an Initializer or "
                             "a callable, got None")
        self.kernel_initializer, self.bias_initializer = kernel_init, bias_init
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint, "kernel_constraint")
        self.bias_constraint = constraints.get(bias_constraint, "bias_constraint")
        self.x: np.ndarray | None = None
        self.z: np.ndarray | None = None
        self.a: np.ndarray | None = None

    @property
    def kernel(self) -> np.ndarray:
        return self.params[0]

    @property
    def bias(self) -> np.ndarray | None:
        return self.params[1] if self.use_bias else None

    @property
    def param_constraints(self) -> list[constraints.Constraint | None]:
        return [self.kernel_constraint, self.bias_constraint][:len(self.params)]

    def build(self, input_dim: int, rng: np.random.Generator, dtype: np.dtype) -> int:
        kernel_shape = (int(input_dim), self.units)
        for arg, constraint, shape in (("kernel_constraint", self.kernel_constraint, kernel_shape),
                                       ("bias_constraint", self.bias_constraint, (self.units,))):
            if constraint is not None:
                constraint.check(arg, shape)        # an axis the weight does not have: refused now
        self.input_dim, self.output_dim = kernel_shape
        kernel = _drawn("kernel_initializer", self.kernel_initializer, kernel_shape, rng, dtype)
        self.params, self.param_names = [kernel], ["kernel"]
        if self.use_bias:
            self.params.append(_drawn("bias_initializer", self.bias_initializer, (self.units,), rng, dtype))
            self.param_names.append("bias")
        self.grads = [np.zeros_like(p) for p in self.params]
        return self.units

    def forward(self, x: np.ndarray) -> np.ndarray:
        """z = x·W + b, a = f(z)."""
        self.x = x
        z = x @ self.kernel
        self.z = z + self.params[1] if self.use_bias else z
        self.a = self.activation(self.z)
        return self.a

    def backward(self, dy: np.ndarray) -> np.ndarray:
        """∂E/∂a → ∂E/∂x, storing ∂E/∂W (and ∂E/∂b) in ``grads``."""
        return self.backward_delta(self.delta(dy))

    def delta(self, dy: np.ndarray) -> np.ndarray:
        """δ = ∂E/∂z = ∂E/∂a ⊙ f′(z), from ∂E/∂a of the last forward pass."""
        _, z, a = self._cache()
        return self.activation.backward(z, a, dy)

    def backward_delta(self, delta: np.ndarray) -> np.ndarray:
        """δ = ∂E/∂z → ∂E/∂x, storing ∂E/∂W and ∂E/∂b in ``grads`` (:meth:`weight_gradients`)."""
        self.weight_gradients(delta)
        return delta @ self.kernel.T                           # ∂E/∂x = δ Wᵀ

    def weight_gradients(self, delta: np.ndarray) -> None:
        """∂E/∂W = xᵀδ (plus the regularizer's gradient) and ∂E/∂b = Σ_batch δ into ``grads``, from
        δ = ∂E/∂z — all the first layer computes: nothing below it reads ∂E/∂x."""
        x, _, _ = self._cache()
        grad_w = x.T @ delta                                   # ∂E/∂W = xᵀ δ
        if self.kernel_regularizer is not None:
            grad_w += self.kernel_regularizer.gradient(self.kernel)
        self.grads[0][...] = grad_w
        if self.use_bias:
            self.grads[1][...] = delta.sum(axis=0)             # ∂E/∂b = Σ_batch δ

    def _cache(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.x is None or self.z is None or self.a is None:
            raise RuntimeError(f"layer {self.name!r}: backward before any forward pass")
        return self.x, self.z, self.a

    def regularization_loss(self) -> float:
        return 0.0 if self.kernel_regularizer is None else self.kernel_regularizer(self.kernel)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


class Activation(Layer):
    """An activation as a layer of its own (no parameters): a = f(x), ∂E/∂x = ∂E/∂a ⊙ f′(x)."""

    kind = "Activation"

    def __init__(self, activation: str | activations.Activation, name: str | None = None) -> None:
        super().__init__(name)
        self.activation = activations.get(activation)
        self.z: np.ndarray | None = None
        self.a: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.z = x
        self.a = self.activation(x)
        return self.a

    def backward(self, dy: np.ndarray) -> np.ndarray:
        if self.z is None or self.a is None:
            raise RuntimeError(f"layer {self.name!r}: backward before any forward pass")
        return self.activation.backward(self.z, self.a, dy)

    def backward_delta(self, delta: np.ndarray) -> np.ndarray:
        """δ = ∂E/∂z given directly (a loss fused with f): z is this layer's input, so δ is ∂E/∂x."""
        return delta

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "activation": activations.serialize(self.activation)}


class Input:
    """Declares the input shape of a :class:`~descend.model.Sequential` (``Input(shape=(2,))``).

    Not a layer: it only lets the model build its weights before it sees data. A shape of more
    than one axis, ``Input(shape=(28, 28))``, needs :class:`Flatten` as the first layer (the
    layers take (n_samples, n_features)); the model's input width is then 28·28.
    """

    def __init__(self, shape: tuple[int, ...] | int) -> None:
        self.shape = _input_shape("shape", shape)

    @property
    def width(self) -> int:
        """The number of features, ∏ shape."""
        return math.prod(self.shape)


#: kind -> class; used to rebuild saved models and walked by the gradient-check tests.
REGISTRY: dict[str, type[Layer]] = {cls.kind: cls for cls in (Dense, Activation)}


def from_config(kind: str, config: dict[str, Any]) -> Layer:
    """Rebuild a layer from ``kind`` and :meth:`Layer.get_config`."""
    if kind not in REGISTRY:
        raise ValueError(f"layer kind: expected one of {sorted(REGISTRY)}, got {kind!r}")
    config = dict(config)
    if "activation" in config:
        config["activation"] = activations.get(config["activation"])
    return REGISTRY[kind](**config)


# ============================================================================ Keras's MLP layers
def _input_shape(arg: str, shape: Any) -> tuple[int, ...]:
    """A sample's shape: a positive int or a non-empty tuple of them (``(n,)`` for n features)."""
    dims = (shape,) if isinstance(shape, (int, np.integer)) else shape
    if (not isinstance(dims, (tuple, list)) or not dims
            or any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1 for d in dims)):
        raise ValueError(f"{arg}: expected a tuple of positive integers such as (n_features,), got {shape!r}")
    return tuple(int(d) for d in dims)


class InputLayer(Input):
    """Keras's spellings of :class:`Input`: ``InputLayer(shape=(n,))``, the older
    ``InputLayer(input_shape=(n,))``, or ``batch_shape=(None, n)`` (the batch axis is free).

    Give exactly one of ``shape``, ``input_shape``, ``batch_shape`` and ``batch_input_shape``.
    ``batch_size`` and ``name`` are accepted as in Keras (a Sequential takes any batch size).
    """

    def __init__(self, shape: tuple[int, ...] | int | None = None, batch_size: int | None = None,
                 batch_shape: tuple[Any, ...] | None = None, name: str | None = None, *,
                 input_shape: tuple[int, ...] | int | None = None,
                 batch_input_shape: tuple[Any, ...] | None = None) -> None:
        given = {k: v for k, v in (("shape", shape), ("input_shape", input_shape),
                                   ("batch_shape", batch_shape), ("batch_input_shape", batch_input_shape))
                 if v is not None}
        if len(given) != 1:
            raise ValueError(f"shape, input_shape, batch_shape, batch_input_shape: give exactly one, "
                             f"got {sorted(given) or 'none'}")
        (arg, value), = given.items()
        if arg.startswith("batch"):
            if not isinstance(value, (tuple, list)) or len(value) < 2:
                raise ValueError(f"{arg}: expected (batch_size or None, n_features, ...), got {value!r}")
            value = tuple(value)[1:]
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                       or batch_size < 1):
            raise ValueError(f"batch_size: expected a positive integer or None, got {batch_size!r}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name: expected a string or None, got {type(name).__name__}")
        self.shape = _input_shape(arg, value)
        self.name = name


class Flatten(Layer):
    """Reshapes each sample to one row: (N, d₁, d₂, …) → (N, d₁·d₂·…); ∂E/∂x is ∂E/∂y reshaped back.

    As the first layer of a model it lets the model take (N, d₁, d₂, …) inputs (images); the
    model flattens them on the way in (:func:`flatten_input`) and checks their shape against
    ``input_shape`` (Keras's older keyword) or the shape of the model's :class:`Input`.
    On (N, n) rows it is the identity.
    """

    kind = "Flatten"
    _CACHES = ("x_shape",)

    def __init__(self, input_shape: tuple[int, ...] | None = None, name: str | None = None) -> None:
        super().__init__(name)
        self.input_shape = None if input_shape is None else _input_shape("input_shape", input_shape)
        self.x_shape: tuple[int, ...] | None = None

    def build(self, input_dim: int, rng: np.random.Generator, dtype: np.dtype) -> int:
        if self.input_shape is not None and math.prod(self.input_shape) != input_dim:
            raise ValueError(f"input_shape: {self.input_shape} holds {math.prod(self.input_shape)} "
                             f"features, the model's input has {input_dim}")
        return super().build(input_dim, rng, dtype)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x_shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        if self.x_shape is None:
            raise RuntimeError(f"layer {self.name!r}: backward before any forward pass")
        return dy.reshape(self.x_shape)

    def flatten_input(self, arg: str, X: Any) -> Any:
        """``X`` of shape (N, d₁, d₂, …) as (N, d₁·d₂·…), its sample shape checked against
        ``input_shape`` where known; anything of fewer than 3 axes is returned as it is (the
        model checks it)."""
        arr = np.asarray(X)
        if arr.ndim < 3:
            return X
        if self.input_shape is not None and arr.shape[1:] != self.input_shape:
            raise ValueError(f"{arg}: expected samples of shape {self.input_shape} (the model's input), "
                             f"got shape {arr.shape}")
        return arr.reshape(len(arr), -1)

    def get_config(self) -> dict[str, Any]:
        shape = None if self.input_shape is None else list(self.input_shape)
        return {"name": self.name, "input_shape": shape}


def flatten_input(layers: list[Layer], arg: str, X: Any) -> Any:
    """``X`` flattened to (N, features) where the first of ``layers`` is a :class:`Flatten`; else as it is."""
    return layers[0].flatten_input(arg, X) if layers and isinstance(layers[0], Flatten) else X


def connect_input(shape: tuple[int, ...] | None, layer: Layer, first: bool) -> None:
    """A layer added to a model whose :class:`Input` has ``shape`` (None: no Input); the
    ``first`` layer after an Input of several axes must be a Flatten, which learns the shape
    to check inputs against."""
    if not first or shape is None or len(shape) == 1:
        return
    if not isinstance(layer, Flatten):
        raise ValueError(f"layers: an Input of shape {shape} needs Flatten() as the first layer (the "
                         f"layers take (n_samples, n_features)), got {layer.kind}")
    if layer.input_shape is None:
        layer.input_shape = shape
    elif layer.input_shape != shape:
        raise ValueError(f"layers: Flatten(input_shape={layer.input_shape}) after an Input of shape {shape}")


class Dropout(Layer):
    """Inverted dropout (Srivastava et al. 2014): in training each input is kept with probability
    1 − p and scaled by 1/(1 − p), else set to 0; at prediction and evaluation the identity.

    Training forward and backward, with the same mask m for both::

        m_i = 1/(1 − p) with probability 1 − p, else 0        y = x ⊙ m        ∂E/∂x = ∂E/∂y ⊙ m

    so E[y] = x, and nothing is rescaled at prediction time — as ``keras.layers.Dropout`` and
    ``torch.nn.Dropout``. Only the model's training step (:class:`~descend.training.TrainingStep`)
    calls ``forward(x, training=True)``; ``predict``, ``evaluate``, the gradient check and
    ``explain`` see the identity.

    Parameters
    ----------
    rate : float
        p, the fraction dropped, in [0, 1] (p = 1 drops everything, as in Keras and PyTorch).
    seed : int, optional
        Seeds the layer's own generator. None derives it from the model's seed (a child of the
        initialisation generator, which draws no number from it: the other layers' weights are
        those of the model without the Dropout). The generator's state is saved with the model,
        so a resumed run draws the masks it would have drawn.
    name : str, optional
    """

    kind = "Dropout"
    #: the training step passes ``training=True`` to this layer's forward
    has_training_mode = True
    _CACHES = ("a", "mask")

    def __init__(self, rate: float, seed: int | None = None, name: str | None = None) -> None:
        super().__init__(name)
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.integer, np.floating)) \
                or not 0 <= rate <= 1:
            raise ValueError(f"rate: expected a number in [0, 1], got {rate!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                                 or seed < 0):
            raise ValueError(f"seed: expected an integer >= 0 or None, got {seed!r}")
        self.rate = float(rate)
        self.seed = None if seed is None else int(seed)
        self.rng: np.random.Generator | None = None
        self.mask: np.ndarray | None = None
        self.a: np.ndarray | None = None

    def build(self, input_dim: int, rng: np.random.Generator, dtype: np.dtype) -> int:
        self.rng = np.random.default_rng(self.seed) if self.seed is not None else rng.spawn(1)[0]
        return super().build(input_dim, rng, dtype)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """y = x ⊙ m in training (a new mask m per call), y = x otherwise."""
        if not training or self.rate == 0.0:
            self.mask, self.a = None, x
            return x
        if self.rng is None:
            raise RuntimeError(f"layer {self.name!r}: forward before build")
        keep = 1.0 - self.rate
        if keep == 0.0:
            mask = np.zeros_like(x)
        else:   # kept with probability 1 − p, scaled by 1/(1 − p)
            mask = (self.rng.random(x.shape, dtype=x.dtype) < keep).astype(x.dtype) / x.dtype.type(keep)
        self.mask = mask
        self.a = x * mask
        return self.a

    def backward(self, dy: np.ndarray) -> np.ndarray:
        """∂E/∂x = ∂E/∂y ⊙ m, with the mask of the last forward pass (the identity after one
        outside training)."""
        return dy if self.mask is None else dy * self.mask

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "rate": self.rate, "seed": self.seed}


REGISTRY.update({cls.kind: cls for cls in (Flatten, Dropout)})
