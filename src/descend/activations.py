"""Activation functions f(z), each with its derivative f′(z) written beside it.

An activation is used inside a :class:`~descend.layers.Dense` layer (``activation="sigmoid"``) or
as a layer of its own (:class:`~descend.layers.Activation`). Backprop needs, per layer,
``δ = ∂E/∂a ⊙ f′(z)`` — :meth:`Activation.backward` computes exactly that. Where f′ is cheaper
to write with the output a = f(z) (sigmoid: a(1 − a); tanh: 1 − a²) it uses a, which the forward
pass already has.

========== ============================================ ================================================
name       f(z)                                         f′(z)
========== ============================================ ================================================
linear     z                                            1
sigmoid    1 / (1 + e^(−z))                             σ(z)(1 − σ(z))  (slides: quotient rule)
tanh       (e^z − e^(−z)) / (e^z + e^(−z))              1 − tanh²(z)
relu       max(0, z)                                    1 if z > 0 else 0  (0 at z = 0, as Keras/torch)
leaky_relu z if z > 0 else αz          (α = 0.3 Keras)  1 if z > 0 else α
elu        z if z > 0 else α(e^z − 1)  (α = 1)          1 if z > 0 else α e^z  ( = a + α for z ≤ 0 )
softmax    e^(z_k) / Σ_j e^(z_j)   (over the last axis) Jacobian diag(a) − a aᵀ: δ = a ⊙ (g − Σ_k g_k a_k)
========== ============================================ ================================================

Sigmoid and softmax are computed so that |z| = 1000 raises no overflow: sigmoid evaluates
e^(−|z|) only, softmax subtracts the row maximum first.

Softmax (and the fused cross-entropies of :mod:`descend.losses`) keep their work arrays (row maxima,
row sums) from call to call, one set per shape and dtype, so that a training step allocates
nothing once its shapes have been seen.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .backend import WorkArrays
from .checks import check_number


def row_max_work(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray | None:
    """The work array :func:`row_max` wants for an (N, K) input: (K, N) where the transposed route
    is the faster (short rows, more than a few of them), else None."""
    n, k = shape
    return np.empty((k, n), dtype) if k <= 64 and n >= 16 else None


def row_max(x: np.ndarray, out: np.ndarray, xt: np.ndarray | None = None) -> np.ndarray:
    """max_k x[n, k] of a 2-D ``x``, written into ``out`` (shape (N,)); no allocation.

    NumPy reduces a 2-D array along its last axis one row at a time (~70 ns a row, ~9 µs for
    128 × 10); with ``xt`` (shape (K, N), see :func:`row_max_work`) x is copied transposed and
    reduced over the first axis instead, a column of N at a time (~2 µs). A maximum does not
    depend on the order it is taken in, so both give the same numbers.
    """
    if xt is None:
        return np.maximum.reduce(x, axis=1, out=out)
    np.copyto(xt, x.T)
    return np.maximum.reduce(xt, axis=0, out=out)


class Activation(WorkArrays):
    """Base class. Subclasses implement ``__call__`` (f) and ``derivative`` (f′)."""

    name = "activation"
    #: f′ depends only on its own element (False for softmax, whose Jacobian is dense)
    elementwise = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The built-in activations write δ = ∂E/∂a ⊙ f′ as one fused, in-place expression. A
        # subclass that redefines f′ but not backward gets the generic product, so its own f′
        # is the one used (and gradient-checked).
        if "derivative" in cls.__dict__ and "backward" not in cls.__dict__:
            cls.backward = Activation.backward

    def __call__(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:  # pragma: no cover
        """f(z); written into ``out`` (same shape and dtype as z) when given."""
        raise NotImplementedError

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """f′(z), elementwise; ``a`` is f(z), already computed by the forward pass."""
        raise NotImplementedError

    def backward(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray,
                 out: np.ndarray | None = None) -> np.ndarray:
        """δ = ∂E/∂z = ∂E/∂a ⊙ f′(z), given ``grad`` = ∂E/∂a; written into ``out`` when given."""
        return np.multiply(grad, self.derivative(z, a), out=out)

    def get_config(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{self.name}({args})" if args else self.name


class Linear(Activation):
    """f(z) = z, f′(z) = 1. The default of Dense (no activation)."""

    name = "linear"

    def __call__(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return z  # a is z itself: no copy

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return np.ones_like(z)

    def backward(self, z: np.ndarray, a: np.ndarray, grad: np.ndarray,
                 out: np.ndarray | None = None) -> np.ndarray:
        return grad


class Sigmoid(Activation):
    """σ(z) = 1/(1 + e^(−z)); σ′(z) = σ(z)(1 − σ(z)).

    Evaluated by SciPy's ``expit`` — one compiled ufunc for 1/(1 + e^(−z)), stable at any z (no
    overflow at |z| = 1000, σ(−1000) = 0 and σ(1000) = 1 exactly), within 4 ulp of the formula
    written with NumPy's ``exp``, and ~8× faster on the lecture's tiny arrays.
    """

    name = "sigmoid"

    def __call__(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return _expit()(z, out=out) if out is not None else _expit()(z)

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return a * (1.0 - a)

    def backward(self, z, a, grad, out=None):
        out = np.subtract(1.0, a, out=out)
        out *= a
        out *= grad
        return out


class Tanh(Activation):
    """tanh(z); tanh′(z) = 1 − tanh²(z)."""

    name = "tanh"

    def __call__(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return np.tanh(z, out=out)

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return 1.0 - a * a

    def backward(self, z, a, grad, out=None):
        out = np.multiply(a, a, out=out)
        np.subtract(1.0, out, out=out)
        out *= grad
        return out


class ReLU(Activation):
    """relu(z) = max(0, z); relu′(z) = 1 for z > 0, else 0 (a "dead" unit passes no gradient)."""

    name = "relu"

    def __call__(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return np.maximum(z, 0, out=out)

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return (z > 0).astype(z.dtype)

    def backward(self, z, a, grad, out=None):
        # relu′(z) = sign(a): a = max(z, 0) is 0 or positive, so no mask array is needed
        out = np.sign(a, out=out)
        out *= grad
        return out


class LeakyReLU(Activation):
    """f(z) = z for z > 0 else αz; f′(z) = 1 for z > 0 else α. Keras default α = 0.3."""

    name = "leaky_relu"

    def __init__(self, alpha: float = 0.3) -> None:
        self.alpha = check_number("alpha", alpha)

    def __call__(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        a = np.where(z > 0, z, self.alpha * z).astype(z.dtype, copy=False)
        if out is None:
            return a
        out[...] = a
        return out

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return np.where(z > 0, 1.0, self.alpha).astype(z.dtype)

    def get_config(self) -> dict[str, Any]:
        return {"alpha": self.alpha}


class ELU(Activation):
    """f(z) = z for z > 0 else α(e^z − 1); f′(z) = 1 for z > 0 else αe^z = f(z) + α. Default α = 1."""

    name = "elu"

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = check_number("alpha", alpha)

    def __call__(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        # expm1 of min(z, 0): no overflow for large positive z, accurate near 0
        a = np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0))).astype(z.dtype, copy=False)
        if out is None:
            return a
        out[...] = a
        return out

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return np.where(z > 0, 1.0, a + self.alpha).astype(z.dtype, copy=False)

    def get_config(self) -> dict[str, Any]:
        return {"alpha": self.alpha}


class Softmax(Activation):
    """softmax(z)_k = e^(z_k) / Σ_j e^(z_j) over the last axis.

    Its derivative is the Jacobian ∂a_k/∂z_j = a_k(1[k = j] − a_j), so the backward pass is
    δ = a ⊙ (g − Σ_k g_k a_k). With a cross-entropy loss the model skips it: the fused output δ
    is ŷ − y (see :mod:`descend.losses`).
    """

    name = "softmax"
    elementwise = False

    def __call__(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """e^(z − max) / Σ e^(z − max) per row; allocates nothing for a 2-D float z given ``out``.

        The row maximum and row sum are broadcast along the rows by copying them into a work
        array of z's shape first: a broadcasting ufunc makes NumPy (2.4) allocate an iteration
        buffer of up to 8192 elements at every call, a plain copy does not. The numbers are those
        of the broadcasting expression, bit for bit.
        """
        if (z.ndim != 2 or z.dtype.kind != "f"
                or (out is not None and (out.shape != z.shape or out.dtype != z.dtype))):
            # other ranks and dtypes: the same formula on fresh arrays
            e = np.subtract(z, z.max(axis=-1, keepdims=True), out=out)
            np.exp(e, out=e)
            e /= e.sum(axis=-1, keepdims=True)
            return e
        w = self._work_arrays((z.shape, z.dtype), _softmax_work)
        e = np.empty_like(z) if out is None else out
        rows = w["rows"]
        row_max(z, w["max"], w["zt"])
        rows[...] = w["max_col"]                  # max_j z_j along each row
        np.subtract(z, rows, out=e)
        np.exp(e, out=e)
        np.add.reduce(e, axis=1, out=w["sum"])    # the same row sums as e.sum(axis=-1)
        rows[...] = w["sum_col"]
        np.divide(e, rows, out=e)
        return e

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """The diagonal of the Jacobian, a(1 − a); use :meth:`backward` for the full product."""
        return a * (1.0 - a)

    def backward(self, z, a, grad, out=None):
        return np.multiply(a, grad - (grad * a).sum(axis=-1, keepdims=True), out=out)


def _softmax_work(shape: tuple[int, int], dtype: np.dtype) -> dict[str, Any]:
    n, _ = shape
    vmax, vsum = np.empty(n, dtype), np.empty(n, dtype)
    return {"max": vmax, "max_col": vmax[:, None], "sum": vsum, "sum_col": vsum[:, None],
            "rows": np.empty(shape, dtype), "zt": row_max_work(shape, dtype)}


@functools.cache
def _expit() -> Any:
    from scipy.special import expit  # imported on first use: `import descend` stays light

    return expit


#: name -> class; the gradient-check tests walk this registry, so a new entry is covered.
REGISTRY: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Linear, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, Softmax)
}


def get(identifier: str | Activation | dict | None) -> Activation:
    """An activation from a name (``"relu"``), a config dict, an instance, or None (linear)."""
    if identifier is None:
        return Linear()
    if isinstance(identifier, Activation):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in REGISTRY:
            raise ValueError(f"activation: expected one of {sorted(REGISTRY)}, got {identifier!r}")
        return REGISTRY[key]()
    if isinstance(identifier, dict):
        name = identifier.get("name")
        if name not in REGISTRY:
            raise ValueError(f"activation: expected one of {sorted(REGISTRY)}, got {name!r}")
        return REGISTRY[name](**identifier.get("config", {}))
    raise TypeError(f"activation: expected a name, an Activation or None, got {type(identifier).__name__}")


def serialize(activation: Activation) -> dict[str, Any]:
    return {"name": activation.name, "config": activation.get_config()}
