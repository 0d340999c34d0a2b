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

from .checks import InstanceOf, as_numbers, check
from .layers import Dense
from .model import Backprop, Sequential

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
#: the loss formulas' symbols that are not on the slides, and what they stand for
_SYMBOLS = {"/K": "K = {outputs}, the number of outputs (the loss is their mean)",
            "/N": "N = 1, the number of observations (the loss is their mean)",
            "/Σw": "Σw = 1, the sum of the observations' weights (the loss is their weighted mean; "
                   "explain weighs its one observation 1)"}


def number(x: float, spec: str = "g") -> str:
    """``x`` formatted with ``spec``, written with the formulas' minus sign − (U+2212) and
    without a negative zero (a dead ReLU's product is 0, not −0)."""
    return format(float(x) + 0.0, spec).replace("-", "−")
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
        values = " · ".join(number(f.value, ".6g") for f in self.factors)
        return (f"∂E/∂{self.name} = {symbols}\n"
                f"{' ' * (len(self.name) + 6)}= {formulas}\n"
                f"{' ' * (len(self.name) + 6)}= {values} = {number(self.product, '.10g')}")


@dataclass
class Explanation:
    """Forward quantities and every weight's chain rule, for one observation."""

    forward: list[tuple[str, float]]
    loss: float
    weights: list[WeightGradient]
    #: the number of outputs K (what ``/K`` in a loss's ∂E/∂ŷ divides by)
    outputs: int = 1
    #: what the loss's options make of its ∂E/∂ŷ (smoothed targets ỹ, N_counted), one line each
    notes: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> WeightGradient:
        for w in self.weights:
            if w.name == name:
                return w
        raise KeyError(name)

    def __str__(self) -> str:
        return self.to_text()

    def to_text(self, digits: int = 10) -> str:
        """The forward pass to ``digits`` significant digits, then every chain rule; where a
        formula divides by K or N, what that is."""
        lines = ["Forward pass:"]
        lines += [f"  {sym} = {number(val, f'.{digits}g')}" for sym, val in self.forward]
        lines.append(f"  E = {number(self.loss, f'.{digits}g')}")
        lines.append("Backward pass (chain rule, factor by factor):")
        for w in self.weights:
            lines += ["  " + line for line in str(w).splitlines()]
        formulas = " ".join(f.formula for w in self.weights for f in w.factors).replace("/N_counted", "")
        lines += [f"  where {text.format(outputs=self.outputs)}"
                  for symbol, text in _SYMBOLS.items() if symbol in formulas]
        lines += [f"  where {note}" for note in self.notes]
        return "\n".join(lines)


def weight_symbol(layer: int, i: int, j: int) -> str:
    """w_ij^(l) in the slides' notation, e.g. ``w₁₁⁽²⁾``; a bias is ``b_j^(l)``."""
    if i == 0:
        return f"b{str(j).translate(_SUB)}{f'({layer})'.translate(_SUP)}"
    return f"w{f'{i}{j}'.translate(_SUB) if i < 10 and j < 10 else f'_{i},{j}'}{f'({layer})'.translate(_SUP)}"


def loss_formula(loss: Any, formula: str, label: int | None = None,
                 outputs: int = 1) -> tuple[str, list[str]]:
    """``formula`` (the loss's ∂E/∂ŷ, or the fused δ) as the loss's options compute it, and the
    notes that define its new symbols: with label smoothing ε the targets are ỹ = y(1 − ε) + ε/K
    (ε/2 binary); a reduction other than the loss's own divides by N ("mean"), by Σw
    ("mean_with_sample_weight") or by nothing ("sum"); with ``ignore_class`` c the row counts only
    where its ``label`` is not c, 1[y ≠ c], and a mean is over the rows counted, N_counted. The
    defaults leave ``formula`` as it is."""
    notes: list[str] = []
    eps = getattr(loss, "label_smoothing", 0.0)
    if eps:
        formula = formula.replace("− y)", "− ỹ)")
        share = "ε/2" if loss.name == "binary_crossentropy" else f"ε/K (K = {outputs})"
        notes.append(f"ỹ = y(1 − ε) + {share}, ε = {number(eps)}: the targets label_smoothing "
                     f"makes of y")
    own, reduction = type(loss).reduction, loss.reduction
    if reduction != own:
        divisor = {"mean": "/N", "mean_with_sample_weight": "/Σw"}.get(reduction, "")
        formula = formula.replace("/N", divisor) if "/N" in formula else formula + divisor
    ignore = getattr(loss, "ignore_class", None)
    if ignore is not None:
        formula = f"1[y ≠ {ignore}]·{formula}".replace("/N", "/N_counted")
        counted = int(label != ignore)
        if "/N_counted" in formula:
            notes.append(f"N_counted = {counted}, the observations whose label is not ignore_class "
                         f"{ignore} (the loss is their mean)")
    return formula, notes


def explain(model: Sequential, x: Any, y: Any) -> Explanation:
    """Every weight's gradient for one observation, as the product of its chain-rule factors.

    Parameters
    ----------
    model : Sequential
        A compiled model of Dense layers (activations inside them).
    x : array-like, shape (n_features,) or (1, n_features)
    y : array-like
        The target of that observation.
    """
    check("model", model, InstanceOf(Sequential, "a compiled descend Sequential"))
    loss = model.require_compiled("explain")
    if not all(isinstance(layer, Dense) for layer in model.layers):
        raise ValueError("model: explain() works on models made only of Dense layers")
    x = as_numbers("x", x).astype(np.float64)
    if x.ndim == 1:
        x = x.reshape(1, -1)
    if x.ndim != 2 or x.shape[0] != 1:
        raise ValueError(f"x: expected one observation, shape (n_features,) or (1, n_features), "
                         f"got {x.shape}")
    y = as_numbers("y", y)
    y = y.reshape(1) if loss.name == "sparse_categorical_crossentropy" else y.reshape(1, -1)
    X, Y = model.prepare(x, y, ("x", "y"))
    signals = model.loss_and_gradients(X, Y, signals=True)
    return _Chains(model, X, Y, signals).explanation()


class _Chains:
    """The chain rule of every weight of a model of Dense layers, for one observation."""

    def __init__(self, model: Sequential, X: np.ndarray, Y: np.ndarray, signals: Backprop) -> None:
        assert signals.activations is not None and signals.pre_activations is not None \
            and signals.deltas is not None
        self.model, self.signals = model, signals
        self.layers: list[Dense] = [layer for layer in model.layers if isinstance(layer, Dense)]
        self.L = len(self.layers)
        first = lambda a: np.asarray(a, dtype=np.float64)[0]  # noqa: E731  (row 0, in float64)
        self.acts = [first(X)] + [first(a) for a in signals.activations]
        self.zs = [first(X)] + [first(z) for z in signals.pre_activations]
        self.deltas = [first(d) for d in signals.deltas]       # δ⁽ˡ⁾ = ∂E/∂Z⁽ˡ⁾, li = 1 … L
        loss = model.require_compiled("explain")
        self.fused = model.fused_output() is not None
        self.loss = loss
        self.dE_da = first(loss.gradient(signals.activations[-1], Y))
        label = int(np.asarray(Y).reshape(-1)[0]) if getattr(loss, "ignore_class", None) is not None else None
        outputs = self.layers[-1].units
        self.fused_formula, fused_notes = loss_formula(loss, "(ŷ − y)/N", label, outputs)
        self.loss_formula, loss_notes = loss_formula(loss, loss.gradient_formula, label, outputs)
        self.notes = fused_notes if self.fused else loss_notes

    def names(self, li: int, j: int) -> tuple[str, str]:
        """(pre-activation, activation) symbols of node j (1-based) of layer li (1-based)."""
        sub = str(j).translate(_SUB)
        if li == self.L:
            return ("Z_out", "ŷ") if self.layers[-1].units == 1 else (f"Z_out{sub}", f"ŷ{sub}")
        if self.L == 2:
            return f"Z{sub}", f"h{sub}"
        sup = f"({li})".translate(_SUP)
        return f"Z{sub}{sup}", f"h{sub}{sup}"

    def input_name(self, li: int, i: int) -> str:
        return f"X{i}" if li == 1 else self.names(li - 1, i)[1]

    def upward(self, li: int, j: int) -> list[Factor]:
        """Factors of ∂E/∂Z_j^(li): ∂a/∂Z, then the path above (or the shared δ where it branches)."""
        z_sym, a_sym = self.names(li, j)
        act = self.layers[li - 1].activation
        if li == self.L and not act.elementwise:                 # softmax: one factor, δ
            formula = self.fused_formula if self.fused else "δ"
            return [Factor(f"∂E/∂{z_sym}", formula, self.deltas[li - 1][j - 1])]
        factors = [Factor(f"∂{a_sym}/∂{z_sym}", act.derivative_formula.format(a=a_sym),
                          float(act.derivative(self.zs[li][j - 1:j], self.acts[li][j - 1:j])[0]))]
        if li == self.L:
            return factors + [Factor(f"∂E/∂{a_sym}", self.loss_formula, self.dE_da[j - 1])]
        above = self.layers[li]
        if above.units == 1:
            w = float(above.kernel[j - 1, 0])
            factors.append(Factor(f"∂{self.names(li + 1, 1)[0]}/∂{a_sym}", weight_symbol(li + 1, j, 1), w))
            return factors + self.upward(li + 1, 1)
        shared = float(above.kernel[j - 1] @ self.deltas[li])
        sup = f"({li + 1})".translate(_SUP)
        return factors + [Factor(f"∂E/∂{a_sym}", f"Σ_k w_{j}k{sup}·δ_k{sup}", shared)]

    def weights(self) -> list[WeightGradient]:
        weights: list[WeightGradient] = []
        grads = iter(self.signals.grads)
        for li, layer in enumerate(self.layers, start=1):
            gW = next(grads)
            gb = next(grads) if layer.use_bias else None
            for i in range(1, layer.kernel.shape[0] + 1):
                for j in range(1, layer.units + 1):
                    wg = WeightGradient(weight_symbol(li, i, j), li, i, j, float(layer.kernel[i - 1, j - 1]),
                                        backprop=float(gW[i - 1, j - 1]))
                    wg.factors = [Factor(f"∂{self.names(li, j)[0]}/∂{wg.name}", self.input_name(li, i),
                                         float(self.acts[li - 1][i - 1]))] + self.upward(li, j)
                    weights.append(wg)
            if gb is not None and layer.bias is not None:
                for j in range(1, layer.units + 1):
                    wg = WeightGradient(weight_symbol(li, 0, j), li, 0, j, float(layer.bias[j - 1]),
                                        backprop=float(gb[j - 1]))
                    z_sym = self.names(li, j)[0]
                    wg.factors = [Factor(f"∂{z_sym}/∂{wg.name}", "1", 1.0)] + self.upward(li, j)
                    weights.append(wg)
        return weights

    def explanation(self) -> Explanation:
        forward = [(self.input_name(1, i), float(v)) for i, v in enumerate(self.acts[0], start=1)]
        for li in range(1, self.L + 1):
            for j in range(1, self.layers[li - 1].units + 1):
                z_sym, a_sym = self.names(li, j)
                forward += [(z_sym, float(self.zs[li][j - 1])), (a_sym, float(self.acts[li][j - 1]))]
        return Explanation(forward=forward, loss=float(self.signals.loss), weights=self.weights(),
                           outputs=self.layers[-1].units, notes=self.notes)
