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

Each class writes f (``__call__``) and f′ (``derivative``) once, beside each other, with the text
of f′ that :func:`descend.explain` prints (``derivative_formula``). An activation holds no state.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .checks import check_number


class Activation:
    """Base class. Subclasses implement ``__call__`` (f) and ``derivative`` (f′)."""

    name = "activation"
    #: f′ as :func:`descend.explain` prints it, ``{a}`` standing for the symbol of f(z)
    derivative_formula = "f′"
    #: f′ depends only on its own element (False for softmax, whose Jacobian is dense)
    elementwise = True

    def __call__(self, z: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """f(z), element by element."""
        raise NotImplementedError

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """f′(z), elementwise; ``a`` is f(z), already computed by the forward pass."""
        raise NotImplementedError

    def backward(self, z: np.ndarray, a: np.ndarray, dy: np.ndarray) -> np.ndarray:
        """δ = ∂E/∂z = ∂E/∂a ⊙ f′(z), given ``dy`` = ∂E/∂a."""
        return dy * self.derivative(z, a)

    def get_config(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{self.name}({args})" if args else self.name


class Linear(Activation):
    """f(z) = z, f′(z) = 1. The default of Dense (no activation)."""

    name = "linear"
    derivative_formula = "1"

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return z  # a is z itself: no copy

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return np.ones_like(z)

    def backward(self, z: np.ndarray, a: np.ndarray, dy: np.ndarray) -> np.ndarray:
        return dy  # f′ = 1: δ is ∂E/∂a itself


class Sigmoid(Activation):
    """σ(z) = 1/(1 + e^(−z)); σ′(z) = σ(z)(1 − σ(z)).

    Evaluated by SciPy's ``expit`` — one compiled ufunc for 1/(1 + e^(−z)), stable at any z (no
    overflow at |z| = 1000, σ(−1000) = 0 and σ(1000) = 1 exactly), within 4 ulp of the formula
    written with NumPy's ``exp``.
    """

    name = "sigmoid"
    derivative_formula = "{a}(1 − {a})"

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return _expit()(z)

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return a * (1.0 - a)


class Tanh(Activation):
    """tanh(z); tanh′(z) = 1 − tanh²(z)."""

    name = "tanh"
    derivative_formula = "1 − {a}²"

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return np.tanh(z)

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return 1.0 - a * a


class ReLU(Activation):
    """relu(z) = max(0, z); relu′(z) = 1 for z > 0, else 0 (a "dead" unit passes no gradient)."""

    name = "relu"
    derivative_formula = "1[{a} > 0]"

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return np.maximum(z, 0)

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return (z > 0).astype(z.dtype)


class LeakyReLU(Activation):
    """f(z) = z for z > 0 else αz; f′(z) = 1 for z > 0 else α. Keras default α = 0.3."""

    name = "leaky_relu"
    derivative_formula = "1 or α"

    def __init__(self, alpha: float = 0.3) -> None:
        self.alpha = check_number("alpha", alpha)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return np.where(z > 0, z, self.alpha * z).astype(z.dtype, copy=False)

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return np.where(z > 0, 1.0, self.alpha).astype(z.dtype)

    def get_config(self) -> dict[str, Any]:
        return {"alpha": self.alpha}


class ELU(Activation):
    """f(z) = z for z > 0 else α(e^z − 1); f′(z) = 1 for z > 0 else αe^z = f(z) + α. Default α = 1."""

    name = "elu"
    derivative_formula = "1 or {a} + α"

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = check_number("alpha", alpha)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        # expm1 of min(z, 0): no overflow for large positive z, accurate near 0
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0))).astype(z.dtype, copy=False)

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
    derivative_formula = "{a}(1 − {a})"
    elementwise = False

    def __call__(self, z: np.ndarray) -> np.ndarray:
        e = np.exp(z - z.max(axis=-1, keepdims=True))          # e^(z − max) ≤ 1: never overflows
        return e / e.sum(axis=-1, keepdims=True)

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """The diagonal of the Jacobian, a(1 − a); :meth:`backward` uses the full product."""
        return a * (1.0 - a)

    def backward(self, z: np.ndarray, a: np.ndarray, dy: np.ndarray) -> np.ndarray:
        return a * (dy - (dy * a).sum(axis=-1, keepdims=True))


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
