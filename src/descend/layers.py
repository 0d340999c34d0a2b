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

from typing import Any

import numpy as np

from . import activations, initializers, regularizers


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
        The same method serves training and prediction.
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
    _CACHES = ("x", "z", "a")

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

    def count_params(self) -> int:
        return int(sum(p.size for p in self.params))


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
    """

    kind = "Dense"

    def __init__(self, units: int, activation: str | activations.Activation | None = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 name: str | None = None) -> None:
        super().__init__(name)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"units: expected a positive integer, got {units!r}")
        if not isinstance(use_bias, (bool, np.bool_)):
            raise TypeError(f"use_bias: expected True or False, got {use_bias!r}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        kernel_init, bias_init = initializers.get(kernel_initializer), initializers.get(bias_initializer)
        if kernel_init is None or bias_init is None:
            raise ValueError("kernel_initializer, bias_initializer: expected a name, an Initializer or "
                             "a callable, got None")
        self.kernel_initializer, self.bias_initializer = kernel_init, bias_init
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.x: np.ndarray | None = None
        self.z: np.ndarray | None = None
        self.a: np.ndarray | None = None

    @property
    def kernel(self) -> np.ndarray:
        return self.params[0]

    @property
    def bias(self) -> np.ndarray | None:
        return self.params[1] if self.use_bias else None

    def build(self, input_dim: int, rng: np.random.Generator, dtype: np.dtype) -> int:
        self.input_dim, self.output_dim = int(input_dim), self.units
        kernel = np.asarray(self.kernel_initializer((self.input_dim, self.units), rng, dtype), dtype=dtype)
        self.params, self.param_names = [kernel], ["kernel"]
        if self.use_bias:
            self.params.append(np.asarray(self.bias_initializer((self.units,), rng, dtype), dtype=dtype))
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
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer)}


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
    """Declares the input width of a :class:`~descend.model.Sequential` (``Input(shape=(2,))``).

    Not a layer: it only lets the model build its weights before it sees data.
    """

    def __init__(self, shape: tuple[int] | int) -> None:
        dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        width = dims[0] if len(dims) == 1 else None
        if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
            raise ValueError(f"shape: expected (n_features,) with n_features >= 1, got {shape!r}")
        self.shape = (int(dims[0]),)


#: kind -> class; used to rebuild saved models and walked by the gradient-check tests.
REGISTRY: dict[str, type[Layer]] = {cls.kind: cls for cls in (Dense, Activation)}


def from_config(kind: str, config: dict[str, Any]) -> Layer:
    """Rebuild a layer from ``kind`` and :meth:`Layer.get_config`."""
    if kind not in REGISTRY:
        raise ValueError(f"layer kind: expected one of {sorted(REGISTRY)}, got {kind!r}")
    config = dict(config)
    config["activation"] = activations.get(config["activation"])
    return REGISTRY[kind](**config)
