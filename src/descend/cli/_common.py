"""What ``descend train``, ``evaluate`` and ``predict`` share: the data options, the data
pipeline saved with a model (so that evaluate/predict transform inputs exactly as training did),
the ``--schedule`` parser and the rich tables.

The pipeline is stored in the checkpoint's ``extra["cli"]`` (see :mod:`descend.saving`)::

    {"data": {"name": "moons", "options": {...}} | {"csv": "/abs/path.csv", "target": "y", "task": null},
     "seed": 0, "test_size": 0.2, "standardizer": {"mean": [...], "scale": [...]} | null,
     "task": "classification", "n_classes": 3, "feature_names": [...], "target_names": [...],
     "batch_size": 32 | null, "validation_split": 0.1, "shuffle": true}
"""
from __future__ import annotations

import argparse
import contextlib
import errno
import hashlib
import math
import os
import re
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import saving
from ..checks import keywords

#: ``--schedule`` short names -> descend.schedules class names
SCHEDULE_ALIASES = {
    "exponential": "exponentialdecay", "step": "stepdecay", "piecewise": "piecewiseconstantdecay",
    "polynomial": "polynomialdecay", "inverse_time": "inversetimedecay", "inversetime": "inversetimedecay",
    "cosine": "cosinedecay", "cosine_restarts": "cosinedecayrestarts", "sgdr": "cosinedecayrestarts",
}

GENERATED_OPTIONS = ("n_samples", "noise", "factor", "n_classes")


# ------------------------------------------------------------------------------------ parsing
def parse_value(text: str) -> Any:
    """A command-line value: true/false, none, an int, a float, ``a|b|c`` lists, else the text."""
    low = text.strip().lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if low in ("none", "null"):
        return None
    if "|" in text:
        return [parse_value(part) for part in text.split("|")]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text.strip()


def parse_key_values(option: str, text: str, separator: str = ",") -> dict[str, Any]:
    """``"a=1,b=true"`` -> ``{"a": 1, "b": True}``, with an error naming ``option``."""
    out: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in text.split(separator))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise ValueError(f"{option}: expected KEY=VALUE, got {item!r}")
        out[key.strip().replace("-", "_")] = parse_value(value)
    return out


def parse_schedule(text: str, learning_rate: float | None) -> Any:
    """``"exponential:decay_rate=0.96,decay_steps=100,staircase=true"`` -> a schedule object.

    The name is a short alias (exponential, step, piecewise, polynomial, inverse_time, cosine,
    cosine_restarts) or a :mod:`descend.schedules` class name; ``initial_learning_rate`` defaults
    to ``--lr``. List values (piecewise boundaries and values) are separated by ``|``.
    """
    from .. import schedules

    name, _, rest = text.partition(":")
    key = name.strip().lower().replace("-", "_")
    key = SCHEDULE_ALIASES.get(key, key.replace("_", ""))
    if key not in schedules.REGISTRY:
        known = sorted(set(SCHEDULE_ALIASES) | set(schedules.REGISTRY))
        raise ValueError(f"--schedule: unknown schedule {name!r}; known: {', '.join(known)}")
    config = parse_key_values("--schedule", rest)
    cls = schedules.REGISTRY[key]
    if "initial_learning_rate" in keywords(cls) and "initial_learning_rate" not in config:
        if learning_rate is None:
            raise ValueError(f"--schedule: {name} needs initial_learning_rate=... in the schedule or --lr")
        config["initial_learning_rate"] = learning_rate
    try:
        return cls(**config)
    except TypeError as exc:
        raise ValueError(f"--schedule: {exc}") from None


def parse_layers(text: str) -> list[int]:
    """``"64,32"`` -> ``[64, 32]``; ``""`` or ``"none"`` -> no hidden layer."""
    if text.strip().lower() in ("", "none", "0"):
        return []
    units = []
    for part in text.split(","):
        try:
            n = int(part)
        except ValueError:
            raise ValueError(f"--layers: expected comma-separated positive integers such as 64,32, "
                             f"got {text!r}") from None
        if n < 1:
            raise ValueError(f"--layers: expected positive layer widths, got {n}")
        units.append(n)
    return units


# --------------------------------------------------------------------------------------- data
def add_data_arguments(parser: argparse.ArgumentParser, *, required: bool) -> Any:
    """Declare the options naming the data; returns their "data" group, for a command's own
    data options."""
    from ..datasets import DATASETS

    g = parser.add_argument_group("data")
    g.add_argument("--data", metavar="NAME", default=None,
                   help=f"a bundled or generated data set: {', '.join(DATASETS)}"
                        + ("" if required else " (default: the data the model was trained on)"))
    g.add_argument("--csv", metavar="PATH", default=None, help="a CSV file with a header row")
    g.add_argument("--target", metavar="COLUMN", default=None, help="the CSV column to predict")
    g.add_argument("--task", choices=("classification", "regression"), default=None,
                   help="what the CSV target is (default: inferred from its values)")
    g.add_argument("--n-samples", type=int, default=None, help="generated data: number of points")
    g.add_argument("--noise", type=float, default=None, help="generated data: noise level")
    g.add_argument("--factor", type=float, default=None, help="circles: inner/outer radius ratio")
    g.add_argument("--n-classes", type=int, default=None, help="spiral, gaussians: number of classes")
    return g


def data_spec(args: argparse.Namespace, seed: int | None) -> dict[str, Any] | None:
    """The data the arguments name, as the JSON spec saved with the model (None if none named)."""
    options = {k: getattr(args, k) for k in GENERATED_OPTIONS if getattr(args, k, None) is not None}
    if args.data is not None and args.csv is not None:
        raise ValueError("--data, --csv: give one of them, not both")
    if args.csv is not None:
        if args.target is None:
            raise ValueError("--target: required with --csv (the column to predict)")
        if options:
            raise ValueError(f"--{sorted(options)[0].replace('_', '-')}: only for generated data sets, "
                             f"not with --csv")
        return {"csv": _csv_path(args.csv), "target": args.target, "task": args.task}
    if args.target is not None or args.task is not None:
        raise ValueError("--target, --task: only with --csv")
    if args.data is None:
        if options:
            raise ValueError("--data: name the generated data set the options are for")
        return None
    from ..datasets import DATASETS

    name = args.data.strip().lower().replace("-", "_")
    if name in DATASETS and DATASETS[name].kind == "generated":
        options.setdefault("seed", 0 if seed is None else seed)
    return {"name": name, "options": options}


def _csv_path(text: str) -> str:
    """The --csv path to save with the model: a file's resolved path; a pipe (/dev/stdin, a
    shell's <(…)) as given, since resolving it names a "pipe:[…]" that cannot be opened."""
    path = Path(text)
    return str(path.resolve()) if path.is_file() or not path.exists() else os.path.abspath(text)


def load_spec(spec: dict[str, Any]) -> Any:
    """The :class:`~descend.datasets.Dataset` a spec names."""
    from .. import datasets

    options = spec.get("options", {})
    given = {**_LOADER_OPTIONS, **{key: f"--{key.replace('_', '-')}" for key in options}}
    try:
        with as_options(given):   # the loaders name their arguments; the user gave them as options
            if "csv" in spec:
                return datasets.load_csv(spec["csv"], spec["target"], task=spec.get("task"))
            return datasets.load(spec["name"], **options)
    except ValueError as exc:
        task = re.match(r"task='(\w+)' ", str(exc))   # "task='regression' needs ...": --task regression
        if task:
            raise ValueError(f"--task {task[1]}: {str(exc)[task.end():]}") from None
        raise


@contextlib.contextmanager
def as_options(options: dict[str, str]) -> Iterator[None]:
    """A library's ValueError that begins with ``argument:`` (the Python argument's name, as
    every message of the library begins) begins with the option that gave it instead: on the
    command line the user gave an option. ``options``: argument → option."""
    try:
        yield
    except ValueError as exc:
        message = str(exc)
        for name, option in options.items():
            if message.startswith(f"{name}:"):
                raise ValueError(option + message[len(name):]) from None
        raise


#: the loaders' arguments → the options that gave them
_LOADER_OPTIONS = {"target": "--target", "path": "--csv", "name": "--data", "options": "--data"}


def split(spec_cli: dict[str, Any], X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """Train/test split as training did (same seed, stratified for classification)."""
    from .. import datasets

    test_size = spec_cli["test_size"]
    if not test_size:
        return X, X[:0], y, y[:0]
    return datasets.train_test_split(X, y, test_size=test_size, seed=spec_cli["seed"],
                                     stratify=spec_cli["task"] == "classification")


def standardize(cli: dict[str, Any], X: np.ndarray) -> np.ndarray:
    from ..datasets import Standardizer

    if cli.get("standardizer") is None:
        return X
    return Standardizer.from_config(cli["standardizer"]).transform(np.asarray(X, dtype=np.float64))


def align_features(cli: dict[str, Any], names: Sequence[str], X: np.ndarray, source: str) -> np.ndarray:
    """Columns of X in the order the model was trained on: by name, or by position if the
    names do not match at all but the count does."""
    wanted = list(cli["feature_names"])
    names = list(names)
    if names == wanted:
        return X
    missing = [n for n in wanted if n not in names]
    if not missing:
        return X[:, [names.index(n) for n in wanted]]
    if len(missing) == len(wanted) and len(names) == len(wanted):
        return X  # other names, same width: take the columns in order
    raise ValueError(f"{source}: the model needs the feature columns {wanted}; missing {missing}")


def encode_targets(cli: dict[str, Any], data: Any, source: str) -> np.ndarray:
    """The data's targets in the model's coding (class k = the model's k-th label)."""
    if cli["task"] != data.task:
        raise ValueError(f"{source}: the model does {cli['task']}, the data is {data.task}")
    if cli["task"] != "classification":
        return data.y
    labels = list(cli["target_names"])
    names = list(data.target_names)
    unknown = sorted({names[k] for k in np.unique(data.y)} - set(labels))
    if unknown:
        raise ValueError(f"{source}: class labels {unknown} were not seen in training (known: {labels})")
    mapping = np.array([labels.index(n) if n in labels else -1 for n in names])
    return mapping[data.y]


def model_targets(model: Any, y: np.ndarray) -> np.ndarray:
    """Class labels (0..K−1) as the model's loss takes them: one-hot rows for a network of
    several outputs and every loss but ``sparse_categorical_crossentropy`` (the slides'
    ``squared_error`` compares the output vector with the target vector); labels otherwise."""
    width = model.output_dim
    if width > 1 and y.ndim == 1 and model.loss.name != "sparse_categorical_crossentropy":
        return np.eye(width)[np.asarray(y, dtype=np.int64)]
    return y


def evaluate(model: Any, cli: dict[str, Any], X: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Loss and metrics of the model on raw X and encoded y (standardised, labels as its loss
    takes them); a summed loss, which grows with the rows, gets its per-sample mean beside it."""
    if cli["task"] == "classification":
        y = model_targets(model, y)
    result = model.evaluate(standardize(cli, X), y, return_dict=True)
    return per_sample(result, len(X)) if model.loss.reduction == "sum" else result


def per_sample(part: dict[str, float], rows: int) -> dict[str, float]:
    """A part's results with ``loss_per_sample`` (its summed loss ÷ its rows) after ``loss``."""
    out: dict[str, float] = {}
    for key, value in part.items():
        out[key] = value
        if key == "loss" and rows:
            out["loss_per_sample"] = value / rows
    return out


# ------------------------------------------------------------------------------------- output
def out_dir(text: str) -> Path:
    """The ``--out`` folder, created if missing; a file in its place is an error naming --out
    (an OSError on the way, such as a file among its parents, names the path)."""
    out = Path(text)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out: expected a folder, got the file {str(out)!r}")
    out.mkdir(parents=True, exist_ok=True)
    return out


def output_file(text: str, option: str) -> Path:
    """An output file's path, checked before any work: not a folder, its folder created if
    missing (so that a file among its parents or a read-only disk fails at once)."""
    path = Path(text)
    if path.is_dir():
        raise ValueError(f"{option}: expected a file name, got the folder {text!r}")
    if saving.is_stream(path):  # /dev/stdout, /dev/null, a FIFO: written through
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    if not os.access(path.parent, os.W_OK):
        code = errno.EROFS if os.statvfs(path.parent).f_flag & os.ST_RDONLY else errno.EACCES
        raise OSError(code, os.strerror(code), str(path.parent))
    return path


#: the width of the tables written to a file or a pipe (rich would take 80 columns and cut cells)
PIPE_WIDTH = 200


def console(quiet: bool = False, highlight: bool = False) -> Any:
    """The console a command prints with. Table cells are never cut: on a narrow terminal a word
    too long for its column folds onto the next line (rich would end it with "…"), and in a
    file or a pipe the console is :data:`PIPE_WIDTH` wide unless ``COLUMNS`` says otherwise."""
    from rich.console import Console
    from rich.table import Table

    class _Console(Console):
        def print(self, *objects: Any, **kwargs: Any) -> None:
            for obj in objects:
                if isinstance(obj, Table):
                    for column in obj.columns:
                        column.overflow = "fold" if column.overflow == "ellipsis" else column.overflow
            super().print(*objects, **kwargs)

    con = _Console(file=sys.stdout, quiet=quiet, highlight=highlight)
    if not con.is_terminal and "COLUMNS" not in os.environ:
        con.width = PIPE_WIDTH
    return con


def fmt(value: Any) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4f}" if abs(value) < 1e4 else f"{value:.4g}"
    return str(value)


def table(title: str, rows: Sequence[tuple[str, Any]], header: tuple[str, str] | None = None) -> Any:
    from rich.table import Table

    t = Table(title=title, show_header=header is not None, title_justify="left")
    t.add_column(header[0] if header else "", style="bold")
    t.add_column(header[1] if header else "", justify="right" if header else "left")
    for key, value in rows:
        t.add_row(key, fmt(value))
    return t


def metrics_table(title: str, columns: dict[str, dict[str, float]], caption: str | None = None) -> Any:
    """One row per quantity (loss, metrics), one column per part (train, validation, test)."""
    from rich.table import Table

    t = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    t.add_column("")
    for name in columns:
        t.add_column(name, justify="right")
    keys = list(dict.fromkeys(k for col in columns.values() for k in col))
    for key in keys:
        t.add_row(key, *(fmt(col[key]) if key in col else "" for col in columns.values()))
    return t


def load_trained(path: str) -> tuple[Any, dict[str, Any]]:
    """A model saved by ``descend train`` and its data pipeline (checked against the model)."""
    from ..model import load_checkpoint

    model, extra = load_checkpoint(path)
    cli = extra.get("cli")
    if not isinstance(cli, dict):
        raise ValueError(f"{path}: this model was not saved by 'descend train' (no data pipeline "
                         f"stored with it); use descend.load_model in Python")
    if model.loss is None or not model.built:
        raise ValueError(f"{path}: the saved model is not trained")
    problem = _pipeline_problem(cli, model)
    if problem is not None:
        raise ValueError(f"{path}: the data pipeline stored with the model is damaged: {problem}")
    return model, cli


def _is_names(value: Any, count: int) -> bool:
    return isinstance(value, list) and len(value) == count and all(isinstance(v, str) for v in value)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _fraction(value: Any) -> bool:
    return _number(value) and 0 <= value < 1


def _numbers(value: Any, count: int) -> bool:
    return isinstance(value, list) and len(value) == count and all(_number(v) for v in value)


def _classes_fit(cli: dict[str, Any], units: int) -> bool:
    n = cli.get("n_classes")
    return (isinstance(n, int) and n >= 2 and units in ((1, 2) if n == 2 else (n,))  # 2: sigmoid or softmax
            and _is_names(cli.get("target_names"), n))


def _pipeline_problem(cli: dict[str, Any], model: Any) -> str | None:
    """What in a saved pipeline (``extra["cli"]``) does not fit the model or its schema, or None."""
    data, width, batch = cli.get("data"), model.input_dim, cli.get("batch_size")
    scaler = cli.get("standardizer")
    checks = [
        (isinstance(data, dict) and any(isinstance(data.get(k), str) for k in ("csv", "name")),
         "'data' names no CSV file or data set"),
        (cli.get("task") in ("classification", "regression"),
         "'task' is neither classification nor regression"),
        (_is_names(cli.get("feature_names"), width), f"'feature_names' is not a list of {width} names "
                                                     f"(the model's inputs)"),
        (cli.get("task") != "classification" or _classes_fit(cli, model.output_dim),
         f"'n_classes' and 'target_names' do not fit the model's {model.output_dim} outputs"),
        (_fraction(cli.get("test_size")) and _fraction(cli.get("validation_split")),
         "'test_size' or 'validation_split' is not a fraction in [0, 1)"),
        (batch is None or isinstance(batch, int) and not isinstance(batch, bool) and batch >= 1,
         "'batch_size' is not a positive integer or null"),
        (isinstance(cli.get("seed"), int) and isinstance(cli.get("shuffle"), bool),
         "'seed' or 'shuffle' has the wrong type"),
        (scaler is None or isinstance(scaler, dict) and all(_numbers(scaler.get(k), width)
                                                            for k in ("mean", "scale")),
         f"'standardizer' is not {width} finite means and scales"),
    ]
    return next((message for ok, message in checks if not ok), None)


# ---------------------------------------------------------------------- the training data's hash
def file_sha256(path: str | os.PathLike[str]) -> str | None:
    """SHA-256 (hex) of a regular file's bytes, recorded with a run to recognise its data; None
    for what is not a regular file (a pipe, ``/dev/stdin``: read once, nothing to compare later).
    The bytes are hashed, never interpreted or shown."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return None
        h = hashlib.sha256()
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
        return h.hexdigest()


def same_data(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two data specs name the same data (the recorded hash aside)."""
    return {k: v for k, v in a.items() if k != "sha256"} == {k: v for k, v in b.items() if k != "sha256"}


def recorded_csv(model_path: str, spec: dict[str, Any], given: str | None, option: str,
                 hint: str = "") -> dict[str, Any]:
    """The saved run's CSV spec, to be read again (``evaluate``, ``--resume``): a path stored in a
    model file is used only once the file's SHA-256 matches the one recorded at training (a model
    file is data: it must not make descend open and show another file). ``given`` (``--csv``)
    names the data when it moved; its hash must match too when one was recorded."""
    path = given if given is not None else spec["csv"]
    recorded = spec.get("sha256")
    if given is None and not isinstance(recorded, str):
        raise ValueError(f"{model_path}: the run records no checksum of its CSV data; name the file "
                         f"with {option} PATH")
    try:
        actual = file_sha256(path)
    except FileNotFoundError:
        raise ValueError(f"{model_path}: the run's CSV data {path!r} is not there any more; if it moved, "
                         f"name it with {option} PATH") from None
    if isinstance(recorded, str) and actual != recorded:
        who = f"{option} {path!r}" if given is not None else f"the run's CSV data {path!r}"
        raise ValueError(f"{who}: not the data the run was trained on (its SHA-256 differs from the one "
                         f"recorded at training: the file changed or is another one){hint}")
    return {**spec, "csv": str(Path(path).resolve()), "sha256": actual}
