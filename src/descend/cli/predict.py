"""``descend predict``: predictions of a model saved by ``descend train`` for the rows of a CSV file.

The CSV needs a header row naming the model's feature columns (any order; other columns, such
as the target, are ignored — or exactly as many columns as features, taken in order). The
inputs are standardised as in training. The output CSV has one row per input row:
``prediction`` (the class label, or the value for regression) and, for classification, the
probability of each class (``p_<label>``); ``--include-input`` copies the input columns first.
The input is read, predicted and written :data:`CHUNK_ROWS` rows at a time (pandas' C parser
while the file is regular, Python's csv module from the first irregular chunk on, for its
messages), into a temporary file renamed over the output at the end (atomic).
"""
from __future__ import annotations

import argparse
import csv
import io as stdio
import math
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..datasets import CELL_LIMIT, CSV_CHUNK_ROWS, MISSING, IrregularCSV, scan_lines, seekable_copy
from ..saving import atomic_writer, is_stream, written_path
from . import _common as common

EPILOG = """examples:
  descend predict --model runs/iris --csv new_flowers.csv --output predictions.csv
  descend predict --model runs/houses --csv houses.csv --output priced.csv --include-input
"""

def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, metavar="DIR",
                   help="a directory written by 'descend train --out'")
    p.add_argument("--csv", required=True, metavar="IN", help="input CSV with a header row")
    p.add_argument("--output", required=True, metavar="OUT",
                   help="output CSV (written atomically); '-' writes it to standard output")
    p.add_argument("--include-input", action="store_true", help="copy the input columns into the output")


#: data rows read, predicted and written at a time; a multiple of predict's batch (4096) so that
#: the predictions are bit for bit those of ``model.predict`` on the whole array
CHUNK_ROWS = CSV_CHUNK_ROWS

#: a chunk: the header, the input rows as written (or None) and the features in training order
Chunk = tuple[list[str], Any, np.ndarray]


def read_features(path: Path, cli: dict[str, Any]) -> tuple[list[str], list[list[str]], np.ndarray]:
    """(header, rows, X) of a whole CSV, X holding the model's features in training order."""
    header: list[str] = []
    rows: list[list[str]] = []
    parts: list[np.ndarray] = []
    with seekable_copy(_input_file(path)) as readable:
        for chunk in _chunks(readable, path, cli):
            header = chunk[0]
            rows += [list(row) for row in chunk[1]]
            parts.append(chunk[2])
    return header, rows, np.concatenate(parts)


def _input_file(path: Path) -> Path:
    if not path.exists():
        raise FileNotFoundError(f"--csv: no file {str(path)!r}")
    if path.is_dir():
        raise ValueError(f"--csv: expected a CSV file, got the directory {str(path)!r}")
    return path


def _chunks(readable: Path, path: Path, cli: dict[str, Any]) -> Iterator[Chunk]:
    """The CSV in chunks of :data:`CHUNK_ROWS` rows: read by pandas' C parser while the file is
    regular, then (from the first chunk with anything irregular on) by Python's csv module, which
    names the column, data row and line of what is wrong."""
    emitted = 0
    try:
        for chunk in _fast_chunks(readable, cli):
            yield chunk
            emitted += len(chunk[2])
    except IrregularCSV:
        yield from _careful_chunks(readable, path, cli, skip=emitted)


def _fast_chunks(path: Path, cli: dict[str, Any]) -> Iterator[Chunk]:
    """Chunks read by pandas' C parser; :class:`IrregularCSV` at the first chunk it does not take as
    it is (a short or long row, a cell that is not a finite number, a cell over 128 kB, ...)."""
    if scan_lines(path)[0] > CELL_LIMIT:
        raise IrregularCSV
    import pandas as pd  # lazy: `import descend` stays light

    irregular = (pd.errors.ParserError, pd.errors.EmptyDataError, pd.errors.ParserWarning,
                 pd.errors.DtypeWarning, ValueError, TypeError, OverflowError, csv.Error)
    with path.open(newline="", encoding="utf-8-sig") as handle, warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        warnings.simplefilter("error", pd.errors.DtypeWarning)
        try:
            fields = next(csv.reader(iter(handle.readline, "")), None)
        except irregular:
            raise IrregularCSV from None
        header = [f.strip() for f in fields or []]
        if not any(header) or len(set(header)) != len(header):
            raise IrregularCSV
        columns = _feature_columns(path, header, list(cli["feature_names"]))
        try:
            reader = pd.read_csv(handle, header=None, names=list(range(len(header))), index_col=False,
                                 engine="c", dtype=str, na_filter=False, skip_blank_lines=True,
                                 chunksize=CHUNK_ROWS)  # every column: a long row is an error
            rows = 0
            for chunk in filter(len, reader):  # (pandas gives a file without rows as one empty chunk)
                rows += len(chunk)
                yield header, chunk.to_numpy(dtype=object), _fast_features(chunk, columns)
        except irregular:
            raise IrregularCSV from None
    if not rows:  # the careful reader says so
        raise IrregularCSV


def _fast_features(chunk: Any, columns: list[int]) -> np.ndarray:
    """The features of a chunk of texts (as Python's ``float`` reads them); :class:`IrregularCSV`
    where a row is short (pandas fills its last cells with ''), a cell is not a finite number."""
    if (chunk[chunk.columns[-1]] == "").any():
        raise IrregularCSV
    X = chunk[columns].to_numpy(dtype=object).astype(np.float64)
    if not np.isfinite(X).all():
        raise IrregularCSV
    return X


def _careful_chunks(path: Path, named: Path, cli: dict[str, Any], skip: int) -> Iterator[Chunk]:
    """Chunks read cell by cell by Python's csv module, from data row ``skip`` + 1 on (the rows
    before were read by the fast reader); a ValueError names the file, column, data row and line
    of what is wrong."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip() for h in next(reader, None) or []]
            if not header:
                raise ValueError(f"{named}: the file is empty (expected a header row)")
            rows: list[list[str]] = []
            count = 0
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                count += 1
                if count > skip:
                    rows.append(row)
                if len(rows) == CHUNK_ROWS:
                    yield header, rows, _careful_features(named, header, rows, count - len(rows), cli)
                    rows = []
        except csv.Error as exc:  # a cell over the csv module's 128 kB, a NUL
            raise ValueError(f"{named}: line {reader.line_num}: {exc} (is it a CSV file?)") from None
        except UnicodeDecodeError:
            raise ValueError(f"{named}: not a UTF-8 text file") from None
    if not count:
        raise ValueError(f"{named}: no data rows below the header")
    if rows:
        yield header, rows, _careful_features(named, header, rows, count - len(rows), cli)


def _careful_features(path: Path, header: list[str], rows: list[list[str]], before: int,
                      cli: dict[str, Any]) -> np.ndarray:
    """The features of ``rows`` (data rows ``before`` + 1, ...), each cell read by ``float``."""
    columns = _feature_columns(path, header, list(cli["feature_names"]))
    X = np.empty((len(rows), len(columns)), dtype=np.float64)
    for i, row in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(f"{path}: data row {before + i + 1} has {len(row)} cells, the header "
                             f"has {len(header)}")
        X[i] = [_number(path, header[c], before + i + 1, row[c]) for c in columns]
    return X


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
    output = "/dev/stdout" if args.output == "-" else args.output
    common.output_file(output, "--output")  # a path that cannot be written fails first
    model, cli = common.load_trained(args.model)
    path = Path(args.csv)
    count = 0
    with seekable_copy(_input_file(path)) as readable, atomic_writer(output) as sink:
        for header, cells, X in _chunks(readable, path, cli):
            names, values = _predictions(model, cli, X)
            buffer = stdio.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            if not count:
                writer.writerow((header if args.include_input else []) + names)
            if args.include_input:
                writer.writerows([*row, *value] for row, value in zip(cells, values, strict=True))
            else:
                writer.writerows(values)
            sink.write(buffer.getvalue().encode("utf-8"))
            count += len(X)
    # where the CSV goes to a stream (standard output, a pipe), the report must not join it
    report = sys.stderr if is_stream(Path(output)) else sys.stdout
    print(f"wrote {count} predictions to {written_path(output)}", file=report)
    return 0


def _predictions(model: Any, cli: dict[str, Any], X: np.ndarray) -> tuple[list[str], list[list[str]]]:
    """The output's column names and, per row, its cells (the label, then the probabilities)."""
    out = model.predict(common.standardize(cli, X)).astype(np.float64)
    names = ["prediction"]
    if cli["task"] == "classification":
        labels = list(cli["target_names"])
        probs = np.column_stack([1.0 - out[:, 0], out[:, 0]]) if out.shape[1] == 1 else out
        names += [f"p_{label}" for label in labels]
        values = [[labels[k], *map(repr, row)]  # (tolist: Python floats, repr'd without a cast each)
                  for k, row in zip(probs.argmax(axis=1).tolist(), probs.tolist(), strict=True)]
        return names, values
    if out.shape[1] > 1:
        names = [f"prediction_{k}" for k in range(out.shape[1])]
    return names, [list(map(repr, row)) for row in out.tolist()]
