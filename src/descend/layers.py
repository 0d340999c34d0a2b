"""Layers: the :class:`Layer` contract, :class:`Dense` and :class:`Activation`.

Contract (design.md): ``forward(x)`` caches only what ``backward`` needs; ``backward(grad)`` takes
∂E/∂(output) and returns ∂E/∂(input), *overwriting* (never accumulating) the layer's gradients in
``grads`` (same order as ``params``). Parameters are updated in place by the optimizer, so the
arrays in ``params`` keep their identity for the whole life of the layer.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any

import numpy as np

from . import activations, initializers, jit, regularizers
from .backend import WorkArrays


@functools.cache
def takes(method: Any, keyword: str) -> bool:
    """Whether a layer method accepts ``keyword``: the model passes ``training`` and
    ``scratch_grad`` only to layers that do (a user's layer written against the older contract,
    ``forward(x)`` and ``backward(grad, need_input_grad, *, is_delta)``, still trains)."""
    return keyword in inspect.signature(method).parameters


class Layer(WorkArrays):
    """Base class of all layers."""

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

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:  # pragma: no cover - abstract
        """x → the layer's output. ``training``: a training step follows with ``backward``; a
        layer may then keep only what that needs (its z, say, need not survive)."""
        raise NotImplementedError

    def backward(self, grad: np.ndarray, need_input_grad: bool = True, *, is_delta: bool = False,
                 scratch_grad: bool = False) -> np.ndarray | None:  # pragma: no cover - abstract
        """∂E/∂(output) → ∂E/∂(input); ``is_delta``: ``grad`` is already ∂E/∂z (fused loss);
        ``scratch_grad``: ``grad`` is the caller's work array, the layer may write over it."""
        raise NotImplementedError

    def regularization_loss(self) -> float:
        """Penalty this layer adds to the loss (0 without a regularizer)."""
        return 0.0

    # The forward pass's caches and work buffers are not part of a layer's state: a pickle
    # (joblib, deepcopy, multiprocessing) carries the parameters only, and parameters come back
    # writeable even from a read-only memory map, so the layer can train again.
    _TRANSIENT = ("_x", "_z", "_a", "_current")

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()               # without the work arrays
        for key in self._TRANSIENT:
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

        δ      = ∂E/∂a ⊙ f′(z)          (∂E/∂z; given directly when the loss is fused with f)
        ∂E/∂W  = xᵀ δ        ∂E/∂b = Σ_batch δ
        ∂E/∂x  = δ Wᵀ                   (the layer below multiplies it by its own f′)

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
        if kernel_initializer is None or bias_initializer is None:
            raise ValueError("kernel_initializer, bias_initializer: expected a name, an Initializer or "
                             "a callable, got None")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self._x = self._z = self._a = self._current = None

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
        self._buffers = {}
        return self.units

    def _work(self, n: int) -> dict[str, np.ndarray]:
        """The work arrays z, a, δ, ∂E/∂x (and b in every row) for a batch of n, reused from batch
        to batch: no per-batch allocation."""
        return self._work_arrays((n, self.params[0].dtype), self._new_work)

    def _new_work(self, n: int, dtype: np.dtype) -> dict[str, np.ndarray]:
        shape = (n, self.units)
        return {"z": np.empty(shape, dtype), "a": np.empty(shape, dtype), "delta": np.empty(shape, dtype),
                "dx": np.empty((n, self.input_dim), dtype), "bias": np.empty(shape, dtype)}

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """z = x·W + b, a = f(z). The returned array is reused by the next call with the same batch size.

        In a training step a compiled ReLU writes a over z (its backward needs only the sign of
        a, and one array less to write is ~2 % of a W1 epoch); otherwise z is kept as computed.
        """
        work = self._work(len(x))
        z = np.matmul(x, self.params[0], out=work["z"])
        self._x, self._z, self._current = x, z, work
        if self._relu_kernel(z):                         # the else branch, in one pass
            self._a = jit.bias_relu(z, self.params[1], z if training else work["a"])
        elif self._softmax_kernel(z):                    # the else branch, in three calls
            self._a = jit.bias_softmax(z, self.params[1], work["a"])
        else:
            if self.use_bias:
                # z += b, through b copied to every row: NumPy 2.4 allocates an iteration buffer
                # for each broadcasting ufunc call (34 kB at 128 × 256), for a same-shape add none
                np.copyto(work["bias"], self.params[1])
                z += work["bias"]
            self._a = self.activation(z, out=work["a"])
        return self._a

    def _relu_kernel(self, z: np.ndarray) -> bool:
        """Take the compiled bias + ReLU loops (jit.py) for this batch? Only for exactly ReLU."""
        return self.use_bias and type(self.activation) is activations.ReLU and jit.usable(z, self.params[1])

    def _softmax_kernel(self, z: np.ndarray) -> bool:
        """Take the compiled bias + softmax (jit.py) for this batch? Only for exactly Softmax."""
        return (self.use_bias and type(self.activation) is activations.Softmax and self.units <= jit.PAIRWISE_BLOCK
                and jit.usable(z, self.params[1], min_size=jit.FEW_CALLS_MIN_SIZE))

    def backward(self, grad: np.ndarray, need_input_grad: bool = True, *, is_delta: bool = False,
                 scratch_grad: bool = False) -> np.ndarray | None:
        """∂E/∂a → ∂E/∂x, storing ∂E/∂W (and ∂E/∂b) in ``grads``.

        With ``is_delta=True``, ``grad`` is already δ = ∂E/∂z (a loss fused with f). With
        ``scratch_grad=True`` (the model's backward pass) a compiled ReLU writes δ over ``grad``.
        """
        work = self._current
        fused = not is_delta and self._relu_kernel(grad)
        if is_delta:
            delta = grad
        elif fused:                                      # δ, and ∂E/∂b below, in one pass
            delta = jit.relu_delta_bias(self._a, grad, grad if scratch_grad else work["delta"], self.grads[1])
        else:
            delta = self.activation.backward(self._z, self._a, grad, out=work["delta"])
        np.matmul(self._x.T, delta, out=self.grads[0])
        if self.kernel_regularizer is not None:
            self.grads[0] += self.kernel_regularizer.gradient(self.params[0])
        if self.use_bias and not fused:
            if jit.usable(delta, self.grads[1], min_size=jit.FEW_CALLS_MIN_SIZE):
                jit.bias_grad(delta, self.grads[1])
            else:
                np.sum(delta, axis=0, out=self.grads[1])
        if not need_input_grad:
            return None
        return np.matmul(delta, self.params[0].T, out=work["dx"])

    def regularization_loss(self) -> float:
        return 0.0 if self.kernel_regularizer is None else self.kernel_regularizer(self.params[0])

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
        self._z = self._a = None

    def _work(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """a and ∂E/∂x for inputs shaped as x, reused from batch to batch (as Dense's)."""
        return self._work_arrays((x.shape, x.dtype), lambda shape, dtype: {
            "a": np.empty(shape, dtype), "dx": np.empty(shape, dtype)})

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._z = x
        self._a = self.activation(x, out=self._work(x)["a"])
        return self._a

    def backward(self, grad: np.ndarray, need_input_grad: bool = True, *, is_delta: bool = False,
                 scratch_grad: bool = False) -> np.ndarray | None:
        if not need_input_grad:
            return None
        if is_delta:
            return grad
        return self.activation.backward(self._z, self._a, grad, out=self._work(self._z)["dx"])

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "activation": activations.serialize(self.activation)}


class Input:
    """Declares the input width of a :class:`~descend.model.Sequential` (``Input(shape=(2,))``).

    Not a layer: it only lets the model build its weights before it sees data.
    """

    def __init__(self, shape: tuple[int] | int) -> None:
        dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        if len(dims) != 1 or isinstance(dims[0], bool) or not isinstance(dims[0], (int, np.integer)) or dims[0] < 1:
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
