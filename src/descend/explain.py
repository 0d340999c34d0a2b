"""The chain rule of any weight, written out factor by factor (lecture §5).

For the lecture's 2-2-1 network::

    ∂E/∂w₁₁⁽²⁾ = ∂Z_out/∂w₁₁⁽²⁾ · ∂ŷ/∂Z_out · ∂E/∂ŷ              = h₁ · ŷ(1 − ŷ) · (ŷ − y)
    ∂E/∂w₁₁⁽¹⁾ = ∂Z₁/∂w₁₁⁽¹⁾ · ∂h₁/∂Z₁ · ∂Z_out/∂h₁ · ∂ŷ/∂Z_out · ∂E/∂ŷ
               = X1 · h₁(1 − h₁) · w₁₁⁽²⁾ · ŷ(1 − ŷ) · (ŷ − y)

:func:`explain` produces this for every weight of a small :class:`~descend.model.Sequential` of
Dense layers and one observation. Where the path from a weight to the error is unique (every
layer above has a single unit) the product is written out to ∂E/∂ŷ; where it branches, the last
factor is ∂E/∂h = Σ_k w_jk δ_k — the back-propagated error, computed once and shared by every
weight below it, which *is* back-propagation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


@dataclass
class Factor:
    """One factor of a chain-rule product: its symbol (``∂ŷ/∂Z_out``), formula and value."""

    symbol: str
    formula: str
    value: float


@dataclass
class WeightGradient:
    """∂E/∂w for one weight, as the product of its factors."""

    name: str                 # e.g. w₁₁⁽²⁾
    layer: int                # 1-based Dense layer
    i: int                    # 1-based node of the lower layer (0 for a bias)
    j: int                    # 1-based node of this layer
    weight: float
    factors: list[Factor] = field(default_factory=list)
    backprop: float = float("nan")   # the gradient the engine's backward pass computed

    @property
    def product(self) -> float:
        return float(np.prod([f.value for f in self.factors]))

    def __str__(self) -> str:
        symbols = " · ".join(f.symbol for f in self.factors)
        formulas = " · ".join(f.formula for f in self.factors)
        values = " · ".join(f"{f.value:.6g}" for f in self.factors)
        return (f"∂E/∂{self.name} = {symbols}\n"
                f"{' ' * (len(self.name) + 6)}= {formulas}\n"
                f"{' ' * (len(self.name) + 6)}= {values} = {self.product:.10g}")


@dataclass
class Explanation:
    """Forward quantities and every weight's chain rule, for one observation."""

    forward: list[tuple[str, float]]
    loss: float
    weights: list[WeightGradient]

    def __getitem__(self, name: str) -> WeightGradient:
        for w in self.weights:
            if w.name == name:
                return w
        raise KeyError(name)

    def __str__(self) -> str:
        lines = ["Forward pass:"]
        lines += [f"  {sym} = {val:.10g}" for sym, val in self.forward]
        lines.append(f"  E = {self.loss:.10g}")
        lines.append("Backward pass (chain rule, factor by factor):")
        for w in self.weights:
            lines += ["  " + line for line in str(w).splitlines()]
        return "\n".join(lines)


def weight_symbol(layer: int, i: int, j: int) -> str:
    """w_ij^(l) in the slides' notation, e.g. ``w₁₁⁽²⁾``; a bias is ``b_j^(l)``."""
    if i == 0:
        return f"b{str(j).translate(_SUB)}{f'({layer})'.translate(_SUP)}"
    return f"w{f'{i}{j}'.translate(_SUB) if i < 10 and j < 10 else f'_{i},{j}'}{f'({layer})'.translate(_SUP)}"


def explain(model: Any, x: Any, y: Any) -> Explanation:
    """Every weight's gradient for one observation, as the product of its chain-rule factors.

    Parameters
    ----------
    model : Sequential
        A compiled model of Dense layers (activations inside them).
    x : array-like, shape (n_features,) or (1, n_features)
    y : array-like
        The target of that observation.
    """
    from .layers import Dense

    model._require_compiled("explain")
    if not all(isinstance(layer, Dense) for layer in model.layers):
        raise ValueError("model: explain() works on models made only of Dense layers")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x.reshape(1, -1)
    if x.ndim != 2 or x.shape[0] != 1:
        raise ValueError(f"x: expected one observation, shape (n_features,) or (1, n_features), got {x.shape}")
    y = np.asarray(y)
    y = y.reshape(1) if model.loss.name == "sparse_categorical_crossentropy" else y.reshape(1, -1)
    loss, grads = model.compute_gradients(x, y)
    X, Y = model._prepare(x, y, "x", "y")
    layers = model.layers
    L = len(layers)
    acts = [X[0].astype(np.float64)] + [layer._a[0].astype(np.float64) for layer in layers]
    zs = [None] + [layer._z[0].astype(np.float64) for layer in layers]
    out_grad = _output_gradient(model, Y)

    def names(l: int, j: int) -> tuple[str, str]:
        """(pre-activation, activation) symbols of node j (1-based) of layer l (1-based)."""
        sub = str(j).translate(_SUB)
        if l == L:
            return ("Z_out", "ŷ") if layers[-1].units == 1 else (f"Z_out{sub}", f"ŷ{sub}")
        if L == 2:
            return f"Z{sub}", f"h{sub}"
        sup = f"({l})".translate(_SUP)
        return f"Z{sub}{sup}", f"h{sub}{sup}"

    def input_name(l: int, i: int) -> str:
        return f"X{i}" if l == 1 else names(l - 1, i)[1]

    def upward(l: int, j: int) -> list[Factor]:
        """Factors of ∂E/∂Z_j^(l): ∂a/∂Z, then the path above (or the shared δ where it branches)."""
        z_sym, a_sym = names(l, j)
        act = layers[l - 1].activation
        if l == L and out_grad["delta_only"]:
            return [Factor(f"∂E/∂{z_sym}", "(ŷ − y)/N" if out_grad["fused"] else "δ", out_grad["delta"][j - 1])]
        factors = [Factor(f"∂{a_sym}/∂{z_sym}", _derivative_formula(act.name, a_sym),
                          float(act.derivative(zs[l][j - 1:j], acts[l][j - 1:j])[0]))]
        if l == L:
            factors.append(Factor(f"∂E/∂{a_sym}", out_grad["formula"], out_grad["dE_da"][j - 1]))
            return factors
        above = layers[l]
        if above.units == 1:
            w = float(above.kernel[j - 1, 0])
            factors.append(Factor(f"∂{names(l + 1, 1)[0]}/∂{a_sym}", weight_symbol(l + 1, j, 1), w))
            return factors + upward(l + 1, 1)
        delta_above = _deltas(model, l + 1, out_grad)
        shared = float(above.kernel[j - 1] @ delta_above)
        sup = f"({l + 1})".translate(_SUP)
        factors.append(Factor(f"∂E/∂{a_sym}", f"Σ_k w_{j}k{sup}·δ_k{sup}", shared))
        return factors

    weights: list[WeightGradient] = []
    flat_grads = iter(grads)
    for l, layer in enumerate(layers, start=1):
        gW = next(flat_grads)
        gb = next(flat_grads) if layer.use_bias else None
        for i in range(1, layer.input_dim + 1):
            for j in range(1, layer.units + 1):
                wg = WeightGradient(weight_symbol(l, i, j), l, i, j, float(layer.kernel[i - 1, j - 1]),
                                    backprop=float(gW[i - 1, j - 1]))
                wg.factors = [Factor(f"∂{names(l, j)[0]}/∂{wg.name}", input_name(l, i), float(acts[l - 1][i - 1]))]
                wg.factors += upward(l, j)
                weights.append(wg)
        if gb is not None:
            for j in range(1, layer.units + 1):
                wg = WeightGradient(weight_symbol(l, 0, j), l, 0, j, float(layer.bias[j - 1]), backprop=float(gb[j - 1]))
                wg.factors = [Factor(f"∂{names(l, j)[0]}/∂{wg.name}", "1", 1.0)] + upward(l, j)
                weights.append(wg)
    forward = [(input_name(1, i), float(v)) for i, v in enumerate(acts[0], start=1)]
    for l in range(1, L + 1):
        for j in range(1, layers[l - 1].units + 1):
            z_sym, a_sym = names(l, j)
            forward += [(z_sym, float(zs[l][j - 1])), (a_sym, float(acts[l][j - 1]))]
    return Explanation(forward=forward, loss=float(loss), weights=weights)


def _derivative_formula(activation: str, a: str) -> str:
    return {"sigmoid": f"{a}(1 − {a})", "tanh": f"1 − {a}²", "linear": "1",
            "relu": f"1[{a} > 0]", "leaky_relu": "1 or α", "elu": "1 or a + α",
            "softmax": f"{a}(1 − {a})"}.get(activation, "f′")


def _output_gradient(model, Y: np.ndarray) -> dict[str, Any]:
    """∂E/∂ŷ at the output, or the fused δ = ∂E/∂Z_out where ŷ's derivative is not elementwise."""
    last = model.layers[-1]
    a, z = last._a, last._z
    fused = model._fused()
    if not last.activation.elementwise:  # softmax: one factor, δ
        delta = model.loss.fused(z, Y)[1] if fused else last.activation.backward(z, a, model.loss.gradient(a, Y))
        return {"delta_only": True, "fused": fused, "delta": delta[0].astype(np.float64)}
    formula = {"squared_error": "(ŷ − y)", "sum_squared_error": "2(ŷ − y)", "mse": "2(ŷ − y)/K",
               "binary_crossentropy": "(ŷ − y)/(ŷ(1 − ŷ))/K"}.get(model.loss.name, "∂E/∂ŷ")
    dE_da = model.loss.gradient(a, Y)
    return {"delta_only": False, "fused": fused, "formula": formula, "dE_da": dE_da[0].astype(np.float64),
            "delta": last.activation.backward(z, a, dE_da)[0].astype(np.float64)}


def _deltas(model, l: int, out_grad: dict[str, Any]) -> np.ndarray:
    """δ^(l) = ∂E/∂Z^(l) (1-based layer l), recomputed down from the output for one observation."""
    layers = model.layers
    delta = out_grad["delta"]
    for k in range(len(layers), l, -1):
        below = layers[k - 2]
        g = layers[k - 1].kernel @ delta
        delta = below.activation.backward(below._z[0], below._a[0], g).astype(np.float64)
    return delta
