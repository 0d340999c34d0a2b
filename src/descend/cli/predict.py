"""``descend predict``: predictions of a model saved by ``descend train`` for the rows of a CSV file.

The CSV needs a header row naming the model's feature columns (any order; other columns, such
as the target, are ignored — or exactly as many columns as features, taken in order). The
inputs are standardised as in training. The output CSV has one row per input row:
``prediction`` (the class label, or the value for regression) and, for classification, the
probability of each class (``p_<label>``); ``--include-input`` copies the input columns first.
The output is written atomically (temporary file, then rename).
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import io as stdio
import math
from pathlib import Path
from typing import Any

import numpy as np

from ..checks import check_memory, format_bytes
from ..datasets import MISSING
from ..saving import atomic_write_text
from . import _common as common

EPILOG = """examples:
  descend predict --model runs/iris --csv new_flowers.csv --output predictions.csv
  descend predict --model runs/houses --csv houses.csv --output priced.csv --include-input
"""

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, metavar="DIR",
                   help="a directory written by 'descend train --out'")
    p.add_argument("--csv", required=True, metavar="IN", help="input CSV with a header row")
    p.add_argument("--output", required=True, metavar="OUT", help="output CSV (written atomically)")
    p.add_argument("--include-input", action="store_true", help="copy the input columns into the output")


def read_features(path: Path, cli: dict[str, Any]) -> tuple[list[str], list[list[str]], np.ndarray]:
    """(header, rows, X) of a CSV, X holding the model's features in training order."""
    header, rows = _read_csv(path)
    columns = _feature_columns(path, header, list(cli["feature_names"]))
    X = np.empty((len(rows), len(columns)), dtype=np.float64)
    for i, row in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(f"{path}: data row {i + 1} has {len(row)} cells, the header has {len(header)}")
        X[i] = [_number(path, header[c], i + 1, row[c]) for c in columns]
    return header, rows, X


#: memory per byte of the input CSV: its text, a str per cell, the rows, X, the output's text
READ_BYTES_PER_BYTE = 40


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header (names stripped) and the rows that are not blank; a file whose reading would
    take more than the memory limit is refused first, with the size."""
    with contextlib.suppress(OSError):  # a missing file is named below
        size = path.stat().st_size
        check_memory("--csv", READ_BYTES_PER_BYTE * size,
                     f"predicting the {format_bytes(size)} of {path.name} (read cell by cell)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FileNotFoundError(f"--csv: no file {str(path)!r}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a UTF-8 text file") from None
    reader = csv.reader(stdio.StringIO(text))
    try:
        header = next(reader, None)
        if not header:
            raise ValueError(f"{path}: the file is empty (expected a header row)")
        rows = [r for r in reader if any(cell.strip() for cell in r)]
    except csv.Error as exc:  # a cell over the csv module's 128 kB, a NUL
        raise ValueError(f"{path}: line {reader.line_num}: {exc} (is it a CSV file?)") from None
    if not rows:
        raise ValueError(f"{path}: no data rows below the header")
    return [h.strip() for h in header], rows


def _feature_columns(path: Path, header: list[str], wanted: list[str]) -> list[int]:
    """The column of each feature: by name, or by position when no name matches and the count does."""
    if all(n in header for n in wanted):
        return [header.index(n) for n in wanted]
    if len(header) == len(wanted) and not any(n in header for n in wanted):
        return list(range(len(wanted)))
    missing = [n for n in wanted if n not in header]
    raise ValueError(f"{path}: missing feature column(s) {missing} (the model needs {wanted})")


def _number(path: Path, column: str, row: int, cell: str) -> float:
    """The finite number in a feature cell, or an error naming the column and the data row."""
    text = cell.strip()
    if text.lower() in MISSING:
        raise ValueError(f"{path}: missing value in column {column!r}, data row {row}")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{path}: column {column!r}, data row {row}: expected a number, "
                         f"got {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{path}: column {column!r}, data row {row}: {text!r} is not finite")
    return value


def run(args: argparse.Namespace) -> int:
    common.output_file(args.output, "--output")  # a path that cannot be written fails first
    model, cli = common.load_trained(args.model)
    header, rows, X = read_features(Path(args.csv), cli)
    out = model.predict(common.standardize(cli, X)).astype(np.float64)
    names = ["prediction"]
    if cli["task"] == "classification":
        labels = list(cli["target_names"])
        probs = np.column_stack([1.0 - out[:, 0], out[:, 0]]) if out.shape[1] == 1 else out
        predicted = [labels[k] for k in probs.argmax(axis=1)]
        names += [f"p_{label}" for label in labels]
        values = [[p, *(repr(float(v)) for v in row)] for p, row in zip(predicted, probs, strict=True)]
    else:
        values = [[repr(float(v)) for v in row] for row in out]
        if out.shape[1] > 1:
            names = [f"prediction_{k}" for k in range(out.shape[1])]
    buffer = stdio.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow((header if args.include_input else []) + names)
    for row, value in zip(rows, values, strict=True):
        writer.writerow((row if args.include_input else []) + value)
    written = atomic_write_text(args.output, buffer.getvalue())
    print(f"wrote {len(rows)} predictions to {written}")
    return 0
