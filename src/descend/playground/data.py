"""The playground's data: TensorFlow Playground's four classification and two regression sets, moons and
three blobs, a boundary typed as a formula in x₁ and x₂, or an uploaded CSV; the input features.

Every generated set lies in the square [−6, 6]² (as in TensorFlow Playground) and is drawn from
``numpy.random.default_rng(seed)``: the same seed, the same points. Classification labels are
0, 1 (, 2); regression targets lie in about [−1, 1].
"""
from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .config import MAX_POINTS, REGRESSION

#: half the side of the square the generated sets lie in
DOMAIN = 6.0


@dataclass
class Points:
    """Raw 2-D points with their labels, split into train and test."""

    X: np.ndarray            # (n, 2) float64
    y: np.ndarray            # (n,) int64 labels, or float64 targets for a regression
    n_train: int
    task: str                # "binary", "multiclass" or "regression"
    domain: float            # the heatmap shows [−domain, domain]²

    @property
    def n_classes(self) -> int:
        return 0 if self.task == "regression" else int(self.y.max()) + 1

    def train(self) -> tuple[np.ndarray, np.ndarray]:
        return self.X[:self.n_train], self.y[:self.n_train]

    def test(self) -> tuple[np.ndarray, np.ndarray]:
        return self.X[self.n_train:], self.y[self.n_train:]


def _circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    radius = 5.0
    half = n // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, half), rng.uniform(radius * 0.7, radius, n - half)])
    angle = rng.uniform(0, 2 * math.pi, n)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    X += rng.uniform(-radius, radius, (n, 2)) * noise
    y = (np.hypot(X[:, 0], X[:, 1]) < radius * 0.5).astype(np.int64)
    return X, y


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-5, 5, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)              # a gap along the axes
    y = (X[:, 0] * X[:, 1] >= 0).astype(np.int64)
    X += rng.uniform(-5, 5, (n, 2)) * noise
    return X, y


def _gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    std = 0.5 + 3.5 * noise / 0.5 * 0.5
    half = n // 2
    X = np.concatenate([rng.normal(2, std, (half, 2)), rng.normal(-2, std, (n - half, 2))])
    return X, np.concatenate([np.ones(half, np.int64), np.zeros(n - half, np.int64)])


def _spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    half = n // 2
    parts, labels = [], []
    for label, delta, count in ((1, 0.0, half), (0, math.pi, n - half)):
        i = np.arange(count)
        r = i / max(count, 1) * 5
        t = 1.75 * i / max(count, 1) * 2 * math.pi + delta
        pts = np.column_stack([r * np.sin(t), r * np.cos(t)]) + rng.uniform(-1, 1, (count, 2)) * noise
        parts.append(pts)
        labels.append(np.full(count, label, np.int64))
    return np.concatenate(parts), np.concatenate(labels)


def _moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    half = n // 2
    t0, t1 = rng.uniform(0, math.pi, half), rng.uniform(0, math.pi, n - half)
    X = np.concatenate([np.column_stack([np.cos(t0), np.sin(t0)]),
                        np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])])
    X = (X - [0.5, 0.25]) * 3.0 + rng.normal(0, 1, (n, 2)) * noise * 3.0
    return X, np.concatenate([np.zeros(half, np.int64), np.ones(n - half, np.int64)])


def _blobs(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    angles = np.array([90.0, 210.0, 330.0]) * math.pi / 180
    centers = 3.2 * np.column_stack([np.cos(angles), np.sin(angles)])
    y = np.arange(n, dtype=np.int64) % 3
    return centers[y] + rng.normal(0, 0.6 + 4 * noise, (n, 2)), y


def _reg_plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-DOMAIN, DOMAIN, (n, 2))
    y = (X[:, 0] + X[:, 1]) / (2 * DOMAIN)
    return X, y + rng.uniform(-1, 1, n) * noise


def _reg_gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-DOMAIN, DOMAIN, (n, 2))
    bumps = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
    y = np.zeros(n)
    for cx, cy, sign in bumps:
        y += sign * np.exp(-((X[:, 0] - cx) ** 2 + (X[:, 1] - cy) ** 2) / 2)
    return X, y + rng.uniform(-1, 1, n) * noise


GENERATORS: dict[str, Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]] = {
    "circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral, "moons": _moons, "blobs": _blobs,
    "reg-plane": _reg_plane, "reg-gauss": _reg_gauss}


# ------------------------------------------------------------------ a boundary typed as a formula
_FUNCTIONS: dict[str, Callable[..., np.ndarray]] = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log, "sqrt": np.sqrt,
    "abs": np.abs, "tanh": np.tanh, "min": np.minimum, "max": np.maximum}
_CONSTANTS = {"pi": math.pi, "e": math.e}
_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant, ast.Load,
          ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd, ast.Mod)


def parse_function(text: str) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """A formula in ``x1`` and ``x2`` (numbers, + − * / ** %, sin cos tan exp log sqrt abs tanh
    min max, pi, e) as a function of two arrays. Anything else is a ValueError naming it: the text
    is never given to ``eval`` unchecked."""
    try:
        tree = ast.parse(text.strip() or "0", mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"function: {text!r} is not a formula ({exc.msg} at column {exc.offset})") from None
    for node in ast.walk(tree):
        if not isinstance(node, _NODES):
            raise ValueError(f"function: {type(node).__name__} is not allowed in a formula; use numbers, "
                             f"x1, x2, + − * / ** and {sorted(_FUNCTIONS)}")
        if isinstance(node, ast.Name) and node.id not in {"x1", "x2", *_FUNCTIONS, *_CONSTANTS}:
            raise ValueError(f"function: unknown name {node.id!r}; expected x1, x2, pi, e or one of "
                             f"{sorted(_FUNCTIONS)}")
        named = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
        if isinstance(node, ast.Call) and not named:
            raise ValueError(f"function: only {sorted(_FUNCTIONS)} may be called")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float)):
            raise ValueError(f"function: expected numbers, got {node.value!r}")
    code = compile(tree, "<function>", "eval")

    def f(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            out = eval(code, {"__builtins__": {}}, {**_FUNCTIONS, **_CONSTANTS, "x1": x1, "x2": x2})
        return np.broadcast_to(np.asarray(out, dtype=np.float64), x1.shape)

    return f


def _function_points(text: str, n: int, noise: float, rng: np.random.Generator
                     ) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-DOMAIN, DOMAIN, (n, 2))
    value = parse_function(text)(X[:, 0], X[:, 1])
    y = (np.nan_to_num(value, nan=-1.0) > 0).astype(np.int64)
    flip = rng.uniform(0, 1, n) < noise           # noise: that fraction of labels flipped
    return X, np.where(flip, 1 - y, y)


# ------------------------------------------------------------------ an uploaded CSV
def parse_csv(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(X (n, 2), labels) from CSV text: rows ``x1,x2,label``, an optional header line, ``#``
    comments. A label of 0, 1, … is a class; any other number makes the set a regression.

    Raises ValueError naming the line of the first bad row.
    """
    if not isinstance(text, str):
        raise TypeError(f"csv: expected the file's text, got {type(text).__name__}")
    rows: list[tuple[float, float, float]] = []
    header = _first_line(text)
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        row = _row(number, line, header_allowed=not rows and number == header)
        if row is not None:
            rows.append(row)
        if len(rows) > MAX_POINTS:
            raise ValueError(f"csv: more than {MAX_POINTS} rows (the limit)")
    if len(rows) < 4:
        raise ValueError(f"csv: expected at least 4 data rows, got {len(rows)}")
    data = np.array(rows, dtype=np.float64)
    labels = data[:, 2]
    if np.all(labels == np.round(labels)) and labels.min() >= 0 and labels.max() < 10:
        return data[:, :2], labels.astype(np.int64)
    return data[:, :2], labels


def _row(number: int, line: str, header_allowed: bool) -> tuple[float, float, float] | None:
    """One data row (None for the header), or a ValueError naming the line."""
    cells = [c.strip() for c in line.replace(";", ",").split(",")]
    if len(cells) != 3:
        raise ValueError(f"csv: line {number}: expected 3 columns (x1, x2, label), "
                         f"got {len(cells)}: {line!r}")
    try:
        values = [float(c) for c in cells]
    except ValueError:
        if header_allowed:
            return None
        raise ValueError(f"csv: line {number}: expected numbers (x1, x2, label), got {line!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"csv: line {number}: expected finite numbers, got {line!r}")
    return values[0], values[1], values[2]


def _first_line(text: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.strip().startswith("#"):
            return number
    return 0


def make_points(config: dict, upload: tuple[np.ndarray, np.ndarray] | None = None) -> Points:
    """The data a configuration names, shuffled by ``data_seed`` and split into train and test."""
    rng = np.random.default_rng(config["data_seed"])
    name = config["dataset"]
    if name == "upload":
        if upload is None:
            raise ValueError("dataset: 'upload' needs a CSV file first (Upload CSV)")
        X, y = upload
        X, y = X.copy(), y.copy()
    elif name == "function":
        X, y = _function_points(config["function"], config["points"], config["noise"], rng)
    else:
        X, y = GENERATORS[name](config["points"], config["noise"], rng)
    order = rng.permutation(len(X))
    X, y = np.ascontiguousarray(X[order]), y[order]
    n_train = min(max(1, int(round(len(X) * config["train_ratio"]))), len(X) - 1)
    if name in REGRESSION or y.dtype.kind == "f":
        task = "regression"
    else:
        task = "multiclass" if y.max() > 1 else "binary"
    domain = DOMAIN if name != "upload" else float(np.max(np.abs(X))) * 1.1 or 1.0
    return Points(X=X, y=y, n_train=n_train, task=task, domain=domain)


_FEATURE_MAPS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x1": lambda a, b: a, "x2": lambda a, b: b, "x1sq": lambda a, b: a * a, "x2sq": lambda a, b: b * b,
    "x1x2": lambda a, b: a * b, "sinx1": lambda a, b: np.sin(a), "sinx2": lambda a, b: np.sin(b),
    "cosx1": lambda a, b: np.cos(a), "cosx2": lambda a, b: np.cos(b)}


def features(X: np.ndarray, names: list[str]) -> np.ndarray:
    """The input features (float64, C order) of 2-D points, one column per name."""
    a, b = X[:, 0], X[:, 1]
    return np.ascontiguousarray(np.column_stack([_FEATURE_MAPS[n](a, b) for n in names]), dtype=np.float64)


def to_csv(points: Points) -> str:
    """The data as CSV (x1, x2, label, split), as the export offers it."""
    lines = ["x1,x2,label,split"]
    fmt = "{!r},{!r},{},{}" if points.task != "regression" else "{!r},{!r},{!r},{}"
    for k in range(len(points.X)):
        label = points.y[k].item()
        lines.append(fmt.format(float(points.X[k, 0]), float(points.X[k, 1]), label,
                                "train" if k < points.n_train else "test"))
    return "\n".join(lines) + "\n"
