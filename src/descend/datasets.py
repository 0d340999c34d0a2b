"""Data sets: scikit-learn's bundled ones, generated 2-D problems, CSV files; split and scale.

Nothing is downloaded: the bundled data sets ship inside scikit-learn (imported lazily, so that
``import descend`` stays light), the 2-D ones are generated from a seed.

=================  ==============  ======================  ==========================================
name               task            shape                   source
=================  ==============  ======================  ==========================================
``digits``         classification  (1797, 64), 10 classes  8×8 handwritten digits, pixels 0–16
``iris``           classification  (150, 4), 3 classes     Fisher's iris
``wine``           classification  (178, 13), 3 classes    wine recognition
``breast_cancer``  classification  (569, 30), 2 classes    Wisconsin diagnostic (0 = malignant)
``diabetes``       regression      (442, 10)               disease progression; features as
                                                           scikit-learn scales them (mean 0)
``moons``          classification  (n, 2), 2 classes       two interleaving half circles
``circles``        classification  (n, 2), 2 classes       a circle inside a circle
``xor``            classification  (n, 2), 2 classes       the four quadrants, opposite ones alike
``spiral``         classification  (n, 2), K classes       K interleaved spiral arms
``gaussians``      classification  (n, 2), K classes       K isotropic Gaussian blobs
=================  ==============  ======================  ==========================================

Arrays: ``X`` is float64 of shape (n_samples, n_features); ``y`` holds int64 class codes
0..K−1 (classification) or float64 values (regression). Every generator takes a ``seed`` (an int,
a :class:`numpy.random.Generator` or None for fresh entropy) and returns the same data for the
same seed. The data are returned unscaled: fit a :class:`Standardizer` on the training part only.
"""
from __future__ import annotations

import contextlib
import csv
import math
import os
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .backend import as_rng
from .checks import Interval, as_dtype, check, check_memory, format_bytes, is_number, memory_limit

__all__ = [
    "Dataset", "DatasetInfo", "DATASETS", "load",
    "load_digits", "load_iris", "load_wine", "load_breast_cancer", "load_diabetes",
    "make_moons", "make_circles", "make_xor", "make_spiral", "make_gaussians",
    "load_csv", "train_test_split", "Standardizer",
]

Seed = int | np.random.Generator | None


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set: features, target and what they mean.

    Attributes
    ----------
    X : ndarray of float64 (float32 from ``load_csv(..., dtype="float32")``), shape (n_samples, n_features)
    y : ndarray, shape (n_samples,)
        int64 class codes 0..n_classes−1 (classification) or float64 values (regression).
    task : {"classification", "regression"}
    n_classes : int or None
        None for regression.
    feature_names : tuple of str
    target_names : tuple of str or None
        The label of each class code (``target_names[y[i]]``); None for regression.
    name : str
    target : str
        Name of the target (the CSV column, or "target").

    A Dataset unpacks like a pair: ``X, y = load("moons")``.
    """

    X: np.ndarray
    y: np.ndarray
    task: str
    n_classes: int | None
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...] | None
    name: str
    target: str = field(default="target")

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.X, self.y))

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    def __repr__(self) -> str:
        classes = f", n_classes={self.n_classes}" if self.n_classes is not None else ""
        return (f"Dataset(name={self.name!r}, task={self.task!r}, X.shape={self.X.shape}"
                f"{classes})")


# --------------------------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------------------------
#: noise level of a generated data set: ≥ 0
_NOISE = Interval(float, 0.0, math.inf)


def _count(minimum: int) -> Interval[int]:
    """At least ``minimum`` (samples, classes)."""
    return Interval(int, minimum)


def _samples(n_samples: Any, minimum: int, n_classes: int | None = None) -> int:
    """``n_samples`` checked: at least ``minimum`` (2 per class where ``n_classes`` is given), and
    X (n_samples, 2) float64 with its y int64 within the memory limit (refused before anything
    is drawn)."""
    try:
        n = check("n_samples", n_samples, _count(minimum))
    except ValueError as exc:
        if n_classes is None:
            raise
        raise ValueError(f"{exc} (2 per class, n_classes={n_classes})") from None
    check_memory("n_samples", n * (2 + 1) * 8, f"{n:,} samples (X of float64 and y)")
    return n


def _sklearn_seed(seed: Seed) -> int | None:
    """An int seed for scikit-learn's generators; an int passes through (same data as sklearn)."""
    rng = as_rng(seed)                       # validates the type
    if seed is None or isinstance(seed, np.random.Generator):
        return int(rng.integers(0, 2**31 - 1))
    return check("seed", seed, Interval(int, 0, 2**32 - 1, noun="an int (scikit-learn's random_state)"))


def _as_xy(X: np.ndarray, y: np.ndarray, classification: bool = True) -> tuple[np.ndarray, np.ndarray]:
    return (np.ascontiguousarray(X, dtype=np.float64),
            np.ascontiguousarray(y, dtype=np.int64 if classification else np.float64))


# --------------------------------------------------------------------------------------------
# bundled data sets (scikit-learn, offline)
# --------------------------------------------------------------------------------------------
def _bundled(name: str) -> Dataset:
    import sklearn.datasets as skd  # lazy: keeps `import descend` light

    bunch = getattr(skd, f"load_{name}")()
    if name == "diabetes":
        X, y = _as_xy(bunch.data, bunch.target, classification=False)
        return Dataset(X=X, y=y, task="regression", n_classes=None,
                       feature_names=tuple(str(f) for f in bunch.feature_names), target_names=None,
                       name=name, target="progression")
    X, y = _as_xy(bunch.data, bunch.target)
    target_names = tuple(str(t) for t in bunch.target_names)
    return Dataset(X=X, y=y, task="classification", n_classes=len(target_names),
                   feature_names=tuple(str(f) for f in bunch.feature_names),
                   target_names=target_names, name=name, target="class")


def _bundled_xy(name: str) -> tuple[np.ndarray, np.ndarray]:
    data = _bundled(name)
    return data.X, data.y


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """Handwritten digits: X (1797, 64) float64 pixel intensities 0–16, y int64 digit 0–9."""
    return _bundled_xy("digits")


def load_iris() -> tuple[np.ndarray, np.ndarray]:
    """Iris: X (150, 4) float64 (sepal/petal length and width, cm), y int64 species 0–2."""
    return _bundled_xy("iris")


def load_wine() -> tuple[np.ndarray, np.ndarray]:
    """Wine: X (178, 13) float64 chemical measurements, y int64 cultivar 0–2."""
    return _bundled_xy("wine")


def load_breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    """Breast cancer Wisconsin: X (569, 30) float64, y int64 (0 = malignant, 1 = benign)."""
    return _bundled_xy("breast_cancer")


def load_diabetes() -> tuple[np.ndarray, np.ndarray]:
    """Diabetes (regression): X (442, 10) float64 as scikit-learn scales it, y float64 25–346."""
    return _bundled_xy("diabetes")


# --------------------------------------------------------------------------------------------
# generated 2-D data sets
# --------------------------------------------------------------------------------------------
def make_moons(n_samples: int = 200, noise: float = 0.1, seed: Seed = 0
               ) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's ``make_moons``, shuffled).

    Parameters
    ----------
    n_samples : int, default 200
        At least 4; split as evenly as possible between the two classes.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added to each coordinate; ≥ 0.
    seed : int, numpy Generator or None, default 0
        An int gives the same data as ``sklearn.datasets.make_moons(random_state=seed)``.

    Returns
    -------
    X : ndarray of float64, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)
    """
    from sklearn.datasets import make_moons as _make_moons

    n_samples = _samples(n_samples, 4)
    noise = check("noise", noise, _NOISE)
    return _as_xy(*_make_moons(n_samples=n_samples, noise=noise, random_state=_sklearn_seed(seed)))


def make_circles(n_samples: int = 200, noise: float = 0.05, factor: float = 0.5,
                 seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """A small circle (class 1) inside a large one (class 0) (scikit-learn's ``make_circles``).

    Parameters
    ----------
    n_samples : int, default 200
        At least 4.
    noise : float, default 0.05
        Standard deviation of the Gaussian noise added to each coordinate; ≥ 0.
    factor : float, default 0.5
        Radius of the inner circle relative to the outer one (radius 1); in (0, 1).
    seed : int, numpy Generator or None, default 0

    Returns
    -------
    X : ndarray of float64, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)
    """
    from sklearn.datasets import make_circles as _make_circles

    n_samples = _samples(n_samples, 4)
    noise = check("noise", noise, _NOISE)
    factor = check("factor", factor, Interval(float, 0.0, 1.0, closed="neither"))
    return _as_xy(*_make_circles(n_samples=n_samples, noise=noise, factor=factor,
                                 random_state=_sklearn_seed(seed)))


def _class_sizes(n_samples: int, n_classes: int) -> list[int]:
    base, extra = divmod(n_samples, n_classes)
    return [base + (k < extra) for k in range(n_classes)]


def make_xor(n_samples: int = 200, noise: float = 0.1, seed: Seed = 0
             ) -> tuple[np.ndarray, np.ndarray]:
    """XOR: points uniform on [−1, 1]², class 1 where the two coordinates have opposite signs.

    ``y = (x₁ > 0) XOR (x₂ > 0)``, computed before Gaussian noise N(0, noise²) is added to each
    coordinate, so with noise a few points lie across the axes. Not linearly separable: the
    classic problem a network without a hidden layer cannot solve.

    Parameters
    ----------
    n_samples : int, default 200
        At least 4.
    noise : float, default 0.1
        ≥ 0.
    seed : int, numpy Generator or None, default 0

    Returns
    -------
    X : ndarray of float64, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)
    """
    n_samples = _samples(n_samples, 4)
    noise = check("noise", noise, _NOISE)
    rng = as_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = (X[:, 0] > 0) != (X[:, 1] > 0)
    X = X + noise * rng.standard_normal(X.shape)
    return _as_xy(X, y)


def make_spiral(n_samples: int = 300, n_classes: int = 2, noise: float = 0.2, seed: Seed = 0
                ) -> tuple[np.ndarray, np.ndarray]:
    """K interleaved spiral arms, one class each (as in Stanford's CS231n notes).

    Arm k has points at radius r evenly spaced in [0, 1] and angle
    ``t = 2πk/K + 4r + ε``, ε ~ N(0, noise²) (radians), i.e. ``x = (r sin t, r cos t)``.
    Samples are shuffled.

    Parameters
    ----------
    n_samples : int, default 300
        At least 2·n_classes; split as evenly as possible between the arms.
    n_classes : int, default 2
        At least 2.
    noise : float, default 0.2
        Standard deviation of the angular noise, in radians; ≥ 0.
    seed : int, numpy Generator or None, default 0

    Returns
    -------
    X : ndarray of float64, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)
    """
    n_classes = check("n_classes", n_classes, _count(2))
    n_samples = _samples(n_samples, 2 * n_classes, n_classes)
    noise = check("noise", noise, _NOISE)
    rng = as_rng(seed)
    X_parts, y_parts = [], []
    for k, size in enumerate(_class_sizes(n_samples, n_classes)):
        r = np.linspace(0.0, 1.0, size)
        t = 2 * np.pi * k / n_classes + 4.0 * r + noise * rng.standard_normal(size)
        X_parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        y_parts.append(np.full(size, k))
    order = rng.permutation(n_samples)
    return _as_xy(np.concatenate(X_parts)[order], np.concatenate(y_parts)[order])


def make_gaussians(n_samples: int = 300, n_classes: int = 3, std: float = 1.0, seed: Seed = 0,
                   *, centers: Sequence[Sequence[float]] | np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian blobs, one class each (scikit-learn's ``make_blobs`` in 2-D).

    Parameters
    ----------
    n_samples : int, default 300
        At least 2·n_classes; split as evenly as possible between the blobs.
    n_classes : int, default 3
        Number of blobs (at least 2); their centres are drawn uniformly in [−10, 10]².
    std : float, default 1.0
        Standard deviation of each blob; > 0.
    seed : int, numpy Generator or None, default 0
    centers : array-like of shape (n_classes, 2), optional
        Fixed centres; overrides ``n_classes``.

    Returns
    -------
    X : ndarray of float64, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)
    """
    from sklearn.datasets import make_blobs

    if centers is not None:
        centers = np.asarray(centers, dtype=np.float64)
        if centers.ndim != 2 or centers.shape[1] != 2 or centers.shape[0] < 2 \
                or not np.all(np.isfinite(centers)):
            raise ValueError("centers: expected finite coordinates of shape (n_classes >= 2, 2), "
                             f"got shape {centers.shape}")
        n_classes = centers.shape[0]
    n_classes = check("n_classes", n_classes, _count(2))
    n_samples = _samples(n_samples, 2 * n_classes, n_classes)
    std = check("std", std, Interval(float, 0.0, math.inf, closed="right"))
    X, y = make_blobs(n_samples=n_samples, n_features=2,
                      centers=centers if centers is not None else n_classes,
                      cluster_std=std, random_state=_sklearn_seed(seed))
    return _as_xy(X, y)


# --------------------------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DatasetInfo:
    """What :func:`load` knows about a named data set.

    ``options`` maps each accepted keyword of :func:`load` to its default.
    """

    name: str
    kind: str                        # "bundled" or "generated"
    task: str
    description: str
    options: Mapping[str, Any]
    make: Callable[..., tuple[np.ndarray, np.ndarray]] = field(repr=False)


def _generated(name: str, make: Callable[..., tuple[np.ndarray, np.ndarray]], description: str,
               **options: Any) -> DatasetInfo:
    return DatasetInfo(name, "generated", "classification", description, options, make)


#: name -> :class:`DatasetInfo`, for :func:`load` and the ``descend train`` command.
DATASETS: dict[str, DatasetInfo] = {
    "digits": DatasetInfo("digits", "bundled", "classification",
                          "8x8 handwritten digits, 1797 x 64, 10 classes", {}, load_digits),
    "iris": DatasetInfo("iris", "bundled", "classification",
                        "Fisher's iris, 150 x 4, 3 classes", {}, load_iris),
    "wine": DatasetInfo("wine", "bundled", "classification",
                        "wine recognition, 178 x 13, 3 classes", {}, load_wine),
    "breast_cancer": DatasetInfo("breast_cancer", "bundled", "classification",
                                 "breast cancer Wisconsin, 569 x 30, 2 classes", {},
                                 load_breast_cancer),
    "diabetes": DatasetInfo("diabetes", "bundled", "regression",
                            "diabetes progression, 442 x 10, regression", {}, load_diabetes),
    "moons": _generated("moons", make_moons, "two interleaving half circles (2-D)",
                        n_samples=200, noise=0.1, seed=0),
    "circles": _generated("circles", make_circles, "a circle inside a circle (2-D)",
                          n_samples=200, noise=0.05, factor=0.5, seed=0),
    "xor": _generated("xor", make_xor, "XOR of the signs of two coordinates (2-D)",
                      n_samples=200, noise=0.1, seed=0),
    "spiral": _generated("spiral", make_spiral, "interleaved spiral arms (2-D)",
                         n_samples=300, n_classes=2, noise=0.2, seed=0),
    "gaussians": _generated("gaussians", make_gaussians, "isotropic Gaussian blobs (2-D); "
                            "noise is the blobs' standard deviation",
                            n_samples=300, n_classes=3, noise=1.0, std=None, seed=0,
                            centers=None),
}


def load(name: str, **options: Any) -> Dataset:
    """Load a named data set (see :data:`DATASETS` and the module's table).

    Parameters
    ----------
    name : str
        Case-insensitive; ``-`` may stand for ``_`` ("breast-cancer").
    **options
        The generated data sets take ``n_samples``, ``noise`` and ``seed`` (plus ``factor`` for
        circles, ``n_classes`` for spiral and gaussians, ``centers`` for gaussians, whose
        ``noise`` is the blobs' standard deviation, also accepted as ``std``). An option given as
        None keeps its default, so a command line can pass every flag through. The bundled data
        sets take none.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        Unknown name (the known ones are listed), an option the data set does not take, or an
        option out of range.
    """
    if not isinstance(name, str):
        raise TypeError(f"name: expected a data set name (str), got {type(name).__name__}")
    key = name.strip().lower().replace("-", "_")
    if key not in DATASETS:
        raise ValueError(f"name: unknown data set {name!r}; known: {sorted(DATASETS)}")
    info = DATASETS[key]
    given = {k: v for k, v in options.items() if v is not None}
    unknown = sorted(set(given) - set(info.options))
    if unknown:
        accepted = sorted(info.options) or "none"
        raise ValueError(f"options: data set {key!r} does not take {unknown}; accepted: {accepted}")
    if info.kind == "bundled":
        return _bundled(key)
    kwargs = {**info.options, **given}
    if key == "gaussians":
        if "noise" in given and "std" in given:
            raise ValueError("options: give 'noise' or 'std' for 'gaussians' (the same thing: "
                             f"the blobs' standard deviation), not both; got {given}")
        noise = kwargs.pop("noise")
        kwargs["std"] = noise if kwargs["std"] is None else kwargs["std"]
    X, y = info.make(**kwargs)
    n_classes = int(y.max()) + 1
    return Dataset(X=X, y=y, task="classification", n_classes=n_classes,
                   feature_names=("x1", "x2"), target_names=tuple(str(k) for k in range(n_classes)),
                   name=key, target="class")


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------
#: cell texts read as a missing value
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "-"})

#: a numeric target with integer values and at most this many distinct ones is inferred to be a
#: classification target (unless ``task`` is given)
MAX_INFERRED_CLASSES = 20


def _where(row: int, line: int) -> str:
    return f"data row {row} (line {line})"


def _parse_numeric(column: str, cells: list[str], rows: list[tuple[int, int]]) -> np.ndarray:
    values = np.empty(len(cells))
    for i, text in enumerate(cells):
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"column {column!r} is not numeric: {_where(*rows[i])} has "
                             f"{text!r}") from None
        if not math.isfinite(value):
            raise ValueError(f"column {column!r} has a non-finite value {text!r} at "
                             f"{_where(*rows[i])}")
        values[i] = value
    return values


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def load_csv(path: str | os.PathLike[str], target: str, *, task: str | None = None,
             dtype: Any = "float64") -> Dataset:
    """Read a data set from a CSV file with a header row (comma-separated, UTF-8).

    Every column except ``target`` is a numeric feature. The target may be numeric or text:

    * text labels make a classification target; they are coded 0..K−1 in sorted order and the
      labels kept in ``target_names``;
    * a numeric target is classification when ``task="classification"``, or when ``task`` is None
      and its values are integers with at most :data:`MAX_INFERRED_CLASSES` distinct ones;
      class values are coded 0..K−1 in sorted order (``target_names`` keeps them as text).
      Otherwise it is regression (float64).

    Blank lines are skipped. Row numbers in messages count data rows from 1 (the header is not
    a data row); line numbers count the file's lines from 1.

    The file is read by pandas' C parser, :data:`CSV_CHUNK_ROWS` rows at a time, into the final
    array (peak memory about twice the array; ``benchmarks/csv_memory.py``); a file with anything
    irregular (a missing or non-numeric cell, a row of another length, …) is then read again
    cell by cell by Python's csv module, which names the column, data row and line. A pipe
    (``/dev/stdin``, a shell's ``<(…)``) is copied to a temporary file first (at most
    :data:`SPOOL_LIMIT_FACTOR` times the memory limit). A cell may hold at
    most :data:`CELL_LIMIT` characters; the data may take at most the memory limit
    (:func:`descend.checks.memory_limit`).

    Parameters
    ----------
    path : str or path-like
    target : str
        Name of the target column.
    task : {"classification", "regression"}, optional
        Overrides the inference.
    dtype : {"float64", "float32"}, default "float64"
        Of ``X``: each chunk is cast as it is read, and a value beyond float32's range is an error
        naming it.

    Returns
    -------
    Dataset
        Named after the file's stem.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        Empty file; header but no data rows; duplicate or empty column names; unknown target
        column (the columns are listed); a row with a different number of fields than the
        header; a missing value (:data:`MISSING`) or a non-numeric or non-finite feature value
        (with the column name, data row, line and text); text labels with
        ``task="regression"``; non-integer values with ``task="classification"``; a cell longer
        than :data:`CELL_LIMIT` characters; data beyond the memory limit.
    """
    if task is not None and task not in ("classification", "regression"):
        raise ValueError(f"task: expected 'classification', 'regression' or None, got {task!r}")
    if not isinstance(target, str):
        raise TypeError(f"target: expected a column name (str), got {type(target).__name__}")
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype: expected 'float32' or 'float64', got {dtype.name!r}")
    path = _csv_file(path)
    with seekable_copy(path) as readable:
        try:
            fast = _read_fast(readable, target, task, dtype)
        except _TooLarge as exc:
            raise ValueError(str(exc)) from None
        if fast is not None:
            header, X, (y, kind, target_names) = fast
        else:  # something the fast reader does not take as it is: read cell by cell, for the message
            check_memory("path", SLOW_BYTES_PER_BYTE * readable.stat().st_size,
                         f"reading {path.name} cell by cell (it is irregular somewhere)")
            try:
                header, X, (y, kind, target_names) = _read_slow(readable, target, task, dtype)
            except UnicodeDecodeError as exc:  # the fast reader took it as irregular
                raise ValueError(f"{path}: not a UTF-8 text file ({exc.reason}: byte "
                                 f"{exc.object[exc.start:exc.start + 1]!r}); save it as UTF-8") from None
    t = header.index(target)
    return Dataset(X=X, y=y, task=kind,
                   n_classes=None if target_names is None else len(target_names),
                   feature_names=tuple(name for j, name in enumerate(header) if j != t),
                   target_names=target_names, name=path.stem, target=target)


def _read_slow(path: Path, target: str, task: str | None, dtype: np.dtype
               ) -> tuple[list[str], np.ndarray, tuple[np.ndarray, str, tuple[str, ...] | None]]:
    """Python's csv module, every cell a str: what descend always did, and the reference the fast
    reader is tested against; it says which column, data row and line is wrong."""
    header, rows, where = _read_rows(path)
    _check_target_column(path, header, target)
    columns = [list(column) for column in zip(*rows, strict=True)]
    _check_no_missing(path, header, columns, where)
    t = header.index(target)
    if len(header) < 2:
        raise ValueError(f"{path.name}: no feature columns besides the target {target!r}")
    X = np.column_stack([_parse_numeric(name, columns[j], where)
                         for j, name in enumerate(header) if j != t])
    return header, _cast_features(path, header, t, X, dtype, where), \
        _parse_target(target, columns[t], where, task)


def _cast_features(path: Path, header: list[str], t: int, X: np.ndarray, dtype: np.dtype,
                   where: list[tuple[int, int]]) -> np.ndarray:
    """X in ``dtype``; a value finite in float64 but not in float32 named by column, row and line."""
    with np.errstate(over="ignore"):
        out = X.astype(dtype, copy=False)
    if out is not X and not np.isfinite(out).all():
        i, j = (int(k) for k in np.argwhere(~np.isfinite(out))[0])
        name = [n for k, n in enumerate(header) if k != t][j]
        raise ValueError(f"column {name!r} has {float(X[i, j])!r} at {_where(*where[i])}, beyond "
                         f"{dtype.name}'s range (|x| <= {float(np.finfo(dtype).max):.4g})")
    return out


# ------------------------------------------------------------------------------ the fast reader
#: data rows the fast reader parses at a time (pandas' C parser)
CSV_CHUNK_ROWS = 1 << 16

#: the longest cell Python's csv module reads (its field_size_limit), and so the longest line the
#: fast reader takes as it is; a longer line goes to the careful reader, which names it
CELL_LIMIT = 131072


#: a pipe is copied to a temporary file up to this many times the memory limit
SPOOL_LIMIT_FACTOR = 4

#: memory the careful reader takes per byte of the file (a str per cell, lists of rows)
SLOW_BYTES_PER_BYTE = 16


class IrregularCSV(Exception):
    """The fast reader met something it does not take as it is (the careful one decides)."""


class _TooLarge(Exception):
    """The data read so far exceed the memory limit (the message says so)."""


def _read_fast(path: Path, target: str, task: str | None, dtype: np.dtype
               ) -> tuple[list[str], np.ndarray, tuple[np.ndarray, str, tuple[str, ...] | None]] | None:
    """The data set read by pandas' C parser, chunk by chunk into arrays of ``dtype``; None where
    anything is irregular (a missing, non-numeric, non-finite or over-long cell, a row of another
    length, a blank-looking row of empty cells, text among the numbers of the target): the
    careful reader then reads the file and says what and where. Numbers parse to the same float64
    as Python's ``float`` (tested)."""
    longest, lines, commas = scan_lines(path)
    if longest > CELL_LIMIT:
        return None
    import pandas as pd  # lazy: only where CSVs are read (`import descend` stays light)

    irregular = (IrregularCSV, pd.errors.ParserError, pd.errors.EmptyDataError, pd.errors.ParserWarning,
                 pd.errors.DtypeWarning, ValueError, TypeError, OverflowError)
    with path.open(newline="", encoding="utf-8-sig") as handle, warnings.catch_warnings():
        # a row longer than the header (pandas drops the rest with a warning): irregular
        warnings.simplefilter("error", pd.errors.ParserWarning)
        warnings.simplefilter("error", pd.errors.DtypeWarning)
        try:
            header = _header(handle)
            # (a row longer than the header whose extra cells are empty or "nan" pandas drops
            # without a word: a line with more commas than the header goes to the careful reader)
            if header is None or target not in header or len(header) < 2 \
                    or len(set(header)) != len(header) or not all(header) or commas >= len(header):
                return None
            _check_size(path, lines - 1, len(header), dtype)
            reader = pd.read_csv(handle, header=None, names=header, index_col=False, engine="c",
                                 skip_blank_lines=True, na_values=sorted(MISSING), keep_default_na=False,
                                 chunksize=CSV_CHUNK_ROWS)
            parts, targets = _read_chunks(path, reader, header.index(target), dtype)
            y = _fast_target(targets, task)
        except irregular:
            return None
    return header, np.concatenate(parts) if len(parts) > 1 else parts[0], y


def _check_size(path: Path, rows: int, columns: int, dtype: np.dtype) -> None:
    """Refuse, before reading, a file whose lines (an upper bound on its rows) would make X and y
    larger than the memory limit."""
    try:
        check_memory("path", rows * ((columns - 1) * dtype.itemsize + 8),
                     f"{path.name}, {rows:,} lines of {columns} columns, as X ({dtype.name}) and y,")
    except ValueError as exc:
        raise _TooLarge(str(exc)) from None


def _read_chunks(path: Path, reader: Any, t: int, dtype: np.dtype
                 ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The features (as ``dtype``) and the target of every chunk, within the memory limit (a
    :class:`IrregularCSV` or pandas' error where a chunk is irregular)."""
    parts: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    features: list[int] | None = None
    for chunk in reader:
        features = features or [j for j in range(chunk.shape[1]) if j != t]
        parts.append(_feature_chunk(chunk, features, dtype))
        targets.append(_target_chunk(chunk.iloc[:, t]))
        rows = sum(len(part) for part in parts)
        try:
            check_memory("path", sum(a.nbytes for a in parts + targets),
                         f"the data of {path.name} read so far ({rows:,} rows)")
        except ValueError as exc:
            raise _TooLarge(str(exc)) from None
    if not parts:
        raise IrregularCSV
    return parts, targets


def _header(handle: Any) -> list[str] | None:
    """The first row that is not blank, its names stripped (as :func:`_read_rows` reads it)."""
    for fields in csv.reader(iter(handle.readline, "")):
        if any(f.strip() for f in fields):
            return [f.strip() for f in fields]
    return None


def scan_lines(path: Path) -> tuple[int, int, int]:
    """The length in bytes of the file's longest line, its number of lines, and the most commas
    on one line (an upper bound on its fields minus one: a quoted comma counts too)."""
    longest, current, lines, most, carry = 0, 0, 0, 0, 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            data = np.frombuffer(block, dtype=np.uint8)
            ends = np.flatnonzero(data == 10)
            # commas per line of the block; the first line goes on from the previous block
            counts = np.bincount(np.searchsorted(ends, np.flatnonzero(data == 44)), minlength=ends.size + 1)
            counts[0] += carry
            most, carry = max(most, int(counts[:-1].max(initial=0))), int(counts[-1])
            lines += int(ends.size)
            if not ends.size:
                current += len(block)
                longest = max(longest, current)
                continue
            longest = max(longest, current + int(ends[0]),
                          int(np.diff(ends).max()) - 1 if ends.size > 1 else 0)
            current = len(block) - int(ends[-1]) - 1
    return max(longest, current), lines + (current > 0), max(most, carry)


def _feature_chunk(chunk: Any, features: list[int], dtype: np.dtype) -> np.ndarray:
    """The feature columns of a chunk as ``dtype``: numbers only, all finite (else irregular)."""
    columns = chunk.iloc[:, features]
    if not all(np.dtype(kind).kind in "iuf" for kind in columns.dtypes):
        raise IrregularCSV
    values = columns.to_numpy(dtype=np.float64)
    with np.errstate(over="ignore"):
        out = values.astype(dtype, copy=False)
    if not (np.isfinite(values).all() and np.isfinite(out).all()):
        raise IrregularCSV
    return np.ascontiguousarray(out)


def _target_chunk(column: Any) -> np.ndarray:
    """A chunk of the target: float64 numbers, or stripped labels (an object array) where the
    chunk holds a cell that is not a number."""
    kind = column.dtype.kind if isinstance(column.dtype, np.dtype) else "O"
    if kind in "iuf":
        values = column.to_numpy(dtype=np.float64)
        if not np.isfinite(values).all():
            raise IrregularCSV
        return values
    if kind == "b" or column.isna().any():
        raise IrregularCSV
    labels = np.array([str(v).strip() for v in column], dtype=object)
    if any(text.lower() in MISSING for text in labels) or all(_is_number(text) for text in labels):
        raise IrregularCSV
    return labels


def _fast_target(parts: list[np.ndarray], task: str | None) -> tuple[np.ndarray, str, tuple[str, ...] | None]:
    """The target from its chunks, as :func:`_parse_target` makes it (irregular where it would
    raise, or where numbers and labels mix)."""
    kinds = {part.dtype.kind for part in parts}
    if kinds == {"f"}:
        numeric = _numeric_target(np.concatenate(parts), task)
        if numeric is None:
            raise IrregularCSV
        return numeric
    if kinds != {"O"} or task == "regression":
        raise IrregularCSV
    labels, codes = np.unique(np.concatenate(parts).astype(str), return_inverse=True)
    return codes.astype(np.int64).reshape(-1), "classification", tuple(str(s) for s in labels)


@contextlib.contextmanager
def seekable_copy(path: Path) -> Iterator[Path]:
    """``path`` itself if it is a regular file, else (a pipe, ``/dev/stdin``, ``<(…)``) a copy of
    what it holds in a temporary folder, under the same name: both readers read a file twice."""
    if path.is_file():
        yield path
        return
    limit = SPOOL_LIMIT_FACTOR * memory_limit()
    with tempfile.TemporaryDirectory(prefix="descend-csv-") as folder:
        copy = Path(folder) / (path.name or "stdin")
        with path.open("rb") as source, copy.open("wb") as sink:
            copied = 0
            while block := source.read(1 << 20):
                sink.write(block)
                copied += len(block)
                if copied > limit:   # /dev/zero, or a stream that never ends
                    raise ValueError(f"path: {path} gave more than {format_bytes(limit)} without "
                                     f"ending ({SPOOL_LIMIT_FACTOR}× the memory limit); expected a "
                                     f"CSV file or a pipe that ends")
        yield copy


def _csv_file(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"CSV file not found: {str(path)!r}")
    if path.is_dir():
        raise ValueError(f"path: expected a CSV file, got the directory {str(path)!r}")
    return path


def _read_rows(path: Path) -> tuple[list[str], list[list[str]], list[tuple[int, int]]]:
    """The header, the data rows (fields stripped, blank lines skipped) and, per row, its data row
    number and line in the file (for messages)."""
    header: list[str] | None = None
    rows: list[list[str]] = []
    where: list[tuple[int, int]] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        started: list[bool] = []                   # [True] once the header is read
        for fields in _rows(reader, path, lambda: len(rows) + bool(started)):
            if all(not f.strip() for f in fields):
                continue
            fields = [f.strip() for f in fields]
            if header is None:
                header = _check_header(fields, path)
                started.append(True)
                continue
            if len(fields) != len(header):
                raise ValueError(f"{path.name}: {_where(len(rows) + 1, reader.line_num)} has "
                                 f"{len(fields)} fields, expected {len(header)} as in the header")
            rows.append(fields)
            where.append((len(rows), reader.line_num))
    if header is None:
        raise ValueError(f"{path.name}: the file is empty; expected a header row and data rows")
    if not rows:
        raise ValueError(f"{path.name}: the file has a header but no data rows")
    return header, rows, where


def _rows(reader: Any, path: Path, row: Callable[[], int]) -> Iterator[list[str]]:
    """The rows of a csv reader; its csv.Error (a cell over :data:`CELL_LIMIT` characters, a NUL)
    a ValueError naming the file, the data row (``row()``, 0: the header) and the line."""
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            where = "the header" if row() == 0 else f"data row {row()}"
            limit = (f": a cell longer than {CELL_LIMIT} characters (is it a CSV file?)"
                     if "field larger" in str(exc) else f": {exc}")
            raise ValueError(f"{path.name}: {where} (line {reader.line_num}){limit}") from None
        yield fields


def _check_header(header: list[str], path: Path) -> list[str]:
    empty = [i + 1 for i, name in enumerate(header) if not name]
    if empty:
        raise ValueError(f"{path.name}: the header has an empty column name at position(s) {empty}")
    duplicates = sorted(name for name, count in Counter(header).items() if count > 1)
    if duplicates:
        raise ValueError(f"{path.name}: duplicate column names in the header: {duplicates}")
    return header


def _check_target_column(path: Path, header: list[str], target: str) -> None:
    if target in header:
        return
    hint = ""
    if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        hint = " (the file does not look comma-separated)"
    raise ValueError(f"target: column {target!r} not found in {path.name}; columns: {header}{hint}")


def _check_no_missing(path: Path, header: list[str], columns: list[list[str]],
                      where: list[tuple[int, int]]) -> None:
    for name, cells in zip(header, columns, strict=True):
        missing = [i for i, text in enumerate(cells) if text.lower() in MISSING]
        if missing:
            more = f" ({len(missing)} missing in this column)" if len(missing) > 1 else ""
            raise ValueError(f"{path.name}: missing value in column {name!r} at "
                             f"{_where(*where[missing[0]])}{more}")


def _parse_target(column: str, cells: list[str], where: list[tuple[int, int]], task: str | None
                  ) -> tuple[np.ndarray, str, tuple[str, ...] | None]:
    if not all(_is_number(text) for text in cells):
        if task == "regression":
            i = next(i for i, text in enumerate(cells) if not _is_number(text))
            raise ValueError(f"task='regression' needs a numeric target, but column {column!r} "
                             f"has {cells[i]!r} at {_where(*where[i])}")
        labels, codes = np.unique(np.asarray(cells), return_inverse=True)
        return codes.astype(np.int64), "classification", tuple(str(s) for s in labels)
    values = _parse_numeric(column, cells, where)
    numeric = _numeric_target(values, task)
    if numeric is None:
        i = int(np.flatnonzero(values != np.round(values))[0])
        raise ValueError(f"task='classification' needs integer or text labels, but column "
                         f"{column!r} has {cells[i]!r} at {_where(*where[i])}")
    return numeric


def _numeric_target(values: np.ndarray, task: str | None
                    ) -> tuple[np.ndarray, str, tuple[str, ...] | None] | None:
    """A numeric target: class codes or the values (see :func:`load_csv`); None where
    ``task="classification"`` meets a value that is not an integer."""
    integral = bool(np.all(values == np.round(values)))
    distinct = np.unique(values)
    if task is None:
        task = ("classification" if integral and len(distinct) <= MAX_INFERRED_CLASSES
                else "regression")
    if task == "regression":
        return values, "regression", None
    if not integral:
        return None
    codes = np.searchsorted(distinct, values).astype(np.int64)
    return codes, "classification", tuple(str(int(v)) for v in distinct)


# --------------------------------------------------------------------------------------------
# split and scale
# --------------------------------------------------------------------------------------------
def _allocate(counts: np.ndarray, n_test: int) -> np.ndarray:
    """Test-set size per class: proportional, summing to n_test, ≥1 in test and in train per
    class of at least 2 members whenever the totals allow."""
    n = counts.sum()
    exact = counts * n_test / n
    low = np.where(counts >= 2, 1, 0)
    if low.sum() > n_test:
        low = np.zeros_like(counts)
    high = np.where(counts >= 2, counts - 1, counts)
    if high.sum() < n_test:
        high = counts.copy()
    alloc = np.clip(np.floor(exact).astype(np.int64), low, high)
    while alloc.sum() < n_test:          # give to the class furthest below its share
        gap = np.where(alloc < high, exact - alloc, -np.inf)
        alloc[int(np.argmax(gap))] += 1
    while alloc.sum() > n_test:          # take from the class furthest above its share
        gap = np.where(alloc > low, alloc - exact, -np.inf)
        alloc[int(np.argmax(gap))] -= 1
    return alloc


def train_test_split(X: np.ndarray, y: np.ndarray, test_size: float | int = 0.2, seed: Seed = 0,
                     stratify: bool | np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split into a shuffled training part and test part: ``X_train, X_test, y_train, y_test``.

    Parameters
    ----------
    X : array-like, shape (n_samples, ...)
    y : array-like, shape (n_samples,) or (n_samples, k)
    test_size : float in (0, 1) or int, default 0.2
        A fraction (the test part gets ``ceil(test_size · n)`` samples, as in scikit-learn) or a
        number of samples; both parts get at least one sample.
    seed : int, numpy Generator or None, default 0
        Same seed, same split.
    stratify : bool, array-like or None, default None
        * None: stratify when ``y`` holds integer (or bool/text) class labels, i.e. for
          classification; do not for float targets (regression);
        * True: stratify on ``y``; False: plain random split;
        * an array of n_samples labels: stratify on it.

        Stratified: each class keeps its proportion in both parts (rounded, the remainder given
        to the classes furthest below their share), and every class with at least two members
        has at least one in the test part and one in the training part when the sizes allow.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray
        New arrays (the inputs are not modified), each part in random order.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    n = _check_split_arrays(X, y)
    n_test = _test_count(test_size, n)
    rng = as_rng(seed)
    labels = _stratify_labels(stratify, y, n)
    if labels is None:
        order = rng.permutation(n)
        test, train = order[:n_test], order[n_test:]
    else:
        train, test = _stratified_indices(labels, n_test, rng)
    return X[train], X[test], y[train], y[test]


def _check_split_arrays(X: np.ndarray, y: np.ndarray) -> int:
    """The number of samples of X and y, which must agree and be at least 2."""
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"X, y: expected arrays with a first (sample) axis, got shapes "
                         f"{X.shape} and {y.shape}")
    n = X.shape[0]
    if y.shape[0] != n:
        raise ValueError(f"y: expected {n} samples (as many as X), got {y.shape[0]}")
    if n < 2:
        raise ValueError(f"X: expected at least 2 samples to split, got {n}")
    return int(n)


def _test_count(test_size: Any, n: int) -> int:
    """Samples in the test part: ``test_size`` itself (an int) or ``ceil(test_size · n)`` (a
    fraction), both parts keeping at least one."""
    if is_number(test_size, int):
        return check("test_size", test_size, Interval(int, 1, n - 1))
    if is_number(test_size):
        share = check("test_size", test_size, Interval(float, 0, 1, closed="neither", noun="a float"))
        return min(max(1, math.ceil(share * n)), n - 1)
    raise TypeError(f"test_size: expected a float in (0, 1) or an int, got {type(test_size).__name__}")


def _stratify_labels(stratify: bool | np.ndarray | None, y: np.ndarray, n: int) -> np.ndarray | None:
    """The labels to stratify on, or None for a plain random split (see train_test_split)."""
    if stratify is None:  # class labels (integer, bool or text) are stratified, float targets not
        return y if (y.ndim == 1 and y.dtype.kind in "iubUSO") else None
    if stratify is True:
        if y.ndim != 1:
            raise ValueError(f"stratify: needs 1-D class labels in y, got shape {y.shape}")
        return y
    if stratify is False:
        return None
    labels = np.asarray(stratify)
    if labels.shape != (n,):
        raise ValueError(f"stratify: expected {n} labels, got shape {labels.shape}")
    return labels


def _stratified_indices(labels: np.ndarray, n_test: int, rng: np.random.Generator
                        ) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) indices with each class's share in both parts (see :func:`_allocate`)."""
    classes, codes = np.unique(labels, return_inverse=True)
    codes = codes.reshape(-1)
    members = [np.flatnonzero(codes == k) for k in range(len(classes))]
    alloc = _allocate(np.array([len(m) for m in members]), n_test)
    test_parts, train_parts = [], []
    for idx, k in zip(members, alloc, strict=True):
        idx = rng.permutation(idx)
        test_parts.append(idx[:k])
        train_parts.append(idx[k:])
    test = rng.permutation(np.concatenate(test_parts))
    train = rng.permutation(np.concatenate(train_parts))
    return train, test


#: columns whose largest |x| lies outside [1e-150, 1e150] are scaled by it before their mean and
#: standard deviation are taken: (x − mean)² would overflow to inf or underflow to 0 otherwise
_SAFE = (1e-150, 1e150)


def _mean_std(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and population standard deviation in float64, finite for any finite
    column: a column near the float limits (1e308, or 1e-320) is divided by its largest |x|
    first, its statistics multiplied back (std ≤ max |x|, so they stay finite)."""
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        mean = X.mean(axis=0, dtype=np.float64)
        std = X.std(axis=0, dtype=np.float64)
        if X.shape[0] == 0 or X.shape[1] == 0:
            return mean, std
        peak = np.maximum(np.abs(X.max(axis=0).astype(np.float64)), np.abs(X.min(axis=0).astype(np.float64)))
        risky = np.flatnonzero((peak > 0) & ((peak < _SAFE[0]) | (peak > _SAFE[1])
                                             | ~np.isfinite(mean) | ~np.isfinite(std)))
    for j in risky:
        column = X[:, j].astype(np.float64) / peak[j]
        mean[j] = column.mean() * peak[j]
        std[j] = column.std() * peak[j]
    return mean, std


class Standardizer:
    """Feature scaling to mean 0 and standard deviation 1: ``x' = (x − mean) / std``.

    Fit on the training part only, then transform both parts with the training statistics (so
    no information from the test part leaks into training). ``std`` is the population standard
    deviation (ddof = 0); a feature with standard deviation 0 keeps scale 1 (it is only
    centred). This is what ``sklearn.preprocessing.StandardScaler`` computes; ours is a few lines
    of NumPy whose state (``mean``, ``scale``) :meth:`get_config` exports as plain lists for
    saving with a model.

    Attributes
    ----------
    mean : ndarray of float64, shape (n_features,) or None before fit
    scale : ndarray of float64, shape (n_features,) or None before fit
    """

    def __init__(self) -> None:
        self.mean: np.ndarray | None = None
        self.scale: np.ndarray | None = None

    @staticmethod
    def _check(X: Any, name: str = "X") -> np.ndarray:
        X = np.asarray(X)
        if X.dtype.kind not in "biuf":
            raise TypeError(f"{name}: expected a numeric array, got dtype {X.dtype}")
        if X.ndim != 2:
            raise ValueError(f"{name}: expected a 2-D array (n_samples, n_features), got shape "
                             f"{X.shape}")
        if not np.all(np.isfinite(X)):
            raise ValueError(f"{name}: contains NaN or inf")
        return X

    def fit(self, X: np.ndarray) -> Standardizer:
        """Learn the per-feature mean and standard deviation of ``X`` (n_samples ≥ 1)."""
        X = self._check(X)
        if X.shape[0] == 0:
            raise ValueError("X: expected at least one sample, got 0")
        self.mean, std = _mean_std(X)
        self.scale = np.where(std > 0, std, 1.0)
        return self

    def _fitted(self, X: Any) -> np.ndarray:
        if self.mean is None or self.scale is None:
            raise ValueError("Standardizer: call fit(X_train) before transform")
        X = self._check(X)
        if X.shape[1] != self.mean.shape[0]:
            raise ValueError(f"X: expected {self.mean.shape[0]} features (as in fit), "
                             f"got {X.shape[1]}")
        return X

    def _dtype(self, X: np.ndarray) -> np.dtype:
        return X.dtype if X.dtype.kind == "f" else np.dtype(np.float64)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Return ``(X − mean) / scale`` as a new array (float input keeps its dtype).

        Where ``X − mean`` would overflow (values near ±1.8e308 of both signs) it is computed
        as ``(X/2 − mean/2) / (scale/2)``, the same quotient; a result beyond the range of the
        output's dtype is an error, not inf."""
        X = self._fitted(X)
        assert self.mean is not None and self.scale is not None
        with np.errstate(over="ignore", invalid="ignore"):
            Z = (X - self.mean) / self.scale
            if not np.all(np.isfinite(Z)):
                Z = (X * 0.5 - self.mean * 0.5) / (self.scale * 0.5)
        return as_dtype("X (standardised)", Z, self._dtype(X))

    def fit_transform(self, X: np.ndarray) -> np.ndarray:
        """:meth:`fit` then :meth:`transform` on the same data."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        """Undo :meth:`transform`: ``X · scale + mean``."""
        X = self._fitted(X)
        assert self.mean is not None and self.scale is not None
        with np.errstate(over="ignore", invalid="ignore"):
            out = X * self.scale + self.mean
            if not np.all(np.isfinite(out)):       # X·scale past the range, the sum within it
                out = (X * (self.scale * 0.5) + self.mean * 0.5) * 2.0
        return as_dtype("X (restored)", out, self._dtype(X))

    def get_config(self) -> dict[str, Any]:
        """``{"mean": [...], "scale": [...]}`` (lists of floats, or None before fit)."""
        return {"mean": None if self.mean is None else self.mean.tolist(),
                "scale": None if self.scale is None else self.scale.tolist()}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Standardizer:
        """Rebuild a (fitted) Standardizer from :meth:`get_config`'s output."""
        self = cls()
        mean, scale = config.get("mean"), config.get("scale")
        if (mean is None) != (scale is None):
            raise ValueError("config: expected both 'mean' and 'scale', or neither")
        if mean is not None:
            self.mean = np.asarray(mean, dtype=np.float64)
            self.scale = np.asarray(scale, dtype=np.float64)
            if self.mean.ndim != 1 or self.mean.shape != self.scale.shape \
                    or not np.all(self.scale > 0):
                raise ValueError("config: 'mean' and 'scale' must be equal-length lists, "
                                 "with every scale > 0")
        return self

    def __repr__(self) -> str:
        state = "unfitted" if self.mean is None else f"n_features={self.mean.shape[0]}"
        return f"Standardizer({state})"
