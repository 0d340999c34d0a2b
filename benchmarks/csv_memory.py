"""Peak RSS of reading a large CSV with ``descend.datasets.load_csv`` (issue 15).

``python -m benchmarks.csv_memory [--rows N] [--out JSON]`` writes a CSV of N rows (default
2,460,000: 8 float feature columns and an integer class column, about 200 MB) to a temporary
folder, then reads it in a fresh process per reader, one after the other:

* ``careful``: Python's csv module, every cell a str (``datasets._read_slow``) — what
  ``load_csv`` did for every file before issue 15, and what it still does for an irregular one;
* ``fast``: ``load_csv`` as it is (pandas' C parser in chunks, into the final array), float64;
* ``fast-float32``: ``load_csv(..., dtype="float32")``.

Each child reports ``interpreter_mb`` (its RSS after importing descend, NumPy and pandas, before
reading), ``peak_mb`` (VmHWM after reading), ``array_mb`` (X and y as returned) and
``peak_over_array`` = (peak − interpreter) / array: the target is < 3. Nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from .memory import _peak_mb, _rss_mb

READERS = ("careful", "fast", "fast-float32")


def write_csv(path: Path, rows: int, seed: int = 0) -> int:
    """A CSV of ``rows`` rows, 8 float columns (6 decimals) and a class 0–9; returns its size."""
    rng = np.random.default_rng(seed)
    with path.open("w") as sink:
        sink.write(",".join([f"x{j}" for j in range(8)] + ["label"]) + "\n")
        for start in range(0, rows, 100_000):
            n = min(100_000, rows - start)
            X = np.round(rng.standard_normal((n, 8)) * 10, 5)
            y = rng.integers(0, 10, n)
            lines = [",".join(f"{v:.6f}" for v in row) + f",{label}" for row, label in zip(X, y, strict=True)]
            sink.write("\n".join(lines) + "\n")
    return path.stat().st_size


def _child(reader: str, path: str) -> dict[str, Any]:
    import pandas  # noqa: F401  (part of the interpreter's baseline: the fast reader imports it)

    from descend import datasets

    interpreter = _rss_mb()
    start = time.perf_counter()
    if reader == "careful":
        header, X, (y, _, _) = datasets._read_slow(Path(path), "label", None, np.dtype(np.float64))
    else:
        data = datasets.load_csv(path, "label", dtype="float32" if reader == "fast-float32" else "float64")
        X, y = data.X, data.y
    seconds = time.perf_counter() - start
    peak = _peak_mb()
    array = (X.nbytes + y.nbytes) / 1e6
    return {"reader": reader, "rows": int(X.shape[0]), "seconds": round(seconds, 2),
            "interpreter_mb": round(interpreter, 1), "peak_mb": round(peak, 1), "array_mb": round(array, 1),
            "peak_over_array": round((peak - interpreter) / array, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_460_000)
    parser.add_argument("--readers", default=",".join(READERS))
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    parser.add_argument("--child", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(*args.child)))
        return 0
    results: dict[str, Any] = {"rows": args.rows, "readers": []}
    with tempfile.TemporaryDirectory(prefix="descend-csv-bench-") as folder:
        path = Path(folder) / "big.csv"
        results["file_mb"] = round(write_csv(path, args.rows) / 1e6, 1)
        print(f"{path.name}: {args.rows:,} rows x 9 columns, {results['file_mb']} MB", flush=True)
        for reader in args.readers.split(","):
            child = [sys.executable, "-m", "benchmarks.csv_memory", "--child", reader, str(path)]
            run = subprocess.run(child, capture_output=True, text=True, check=True)
            line = json.loads(run.stdout.strip().splitlines()[-1])
            results["readers"].append(line)
            print(json.dumps(line), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
