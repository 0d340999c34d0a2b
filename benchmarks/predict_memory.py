"""Peak RSS of ``descend predict`` on a large CSV (issue 15).

``python -m benchmarks.predict_memory [--rows N] [--src DIR] [--out JSON]`` writes the CSV of
:mod:`benchmarks.csv_memory` (default 2,460,000 rows: 8 float columns and a class 0–9, about
200 MB) to a temporary folder, trains a small model (8 → 16 → 10, one epoch) on its first 5,000
rows, then runs ``descend predict`` on the whole file in a fresh process (with ``--src``, the
package found in DIR, e.g. another checkout's ``src``, to measure code before a change; the memory
limit is lifted so that a reader that would be refused is measured too).

The child reports ``interpreter_mb`` (RSS after importing descend, NumPy and pandas),
``peak_mb`` (VmHWM after predicting), ``array_mb`` (the features as one float64 array, the
size a whole-file reader must hold at least) and ``peak_over_array`` = (peak − interpreter) /
array. Nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .csv_memory import write_csv
from .memory import _peak_mb, _rss_mb


def _child(model: str, path: str, out: str) -> dict[str, Any]:
    import pandas  # noqa: F401  (part of the interpreter's baseline: the reader imports it)

    from descend.cli import main

    interpreter = _rss_mb()
    start = time.perf_counter()
    code = main(["predict", "--model", model, "--csv", path, "--output", out])
    seconds = time.perf_counter() - start
    peak = _peak_mb()
    with open(out, "rb") as f:
        rows = sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 22), b"")) - 1
    array = rows * 8 * 8 / 1e6
    return {"exit": code, "rows": rows, "seconds": round(seconds, 2), "interpreter_mb": round(interpreter, 1),
            "peak_mb": round(peak, 1), "array_mb": round(array, 1),
            "peak_over_array": round((peak - interpreter) / array, 2)}


def _train(folder: Path, path: Path) -> Path:
    small = folder / "small.csv"
    with path.open() as source:
        small.write_text("".join(next(source) for _ in range(5001)))
    from descend.cli import main

    model = folder / "model"
    main(["train", "--csv", str(small), "--target", "label", "--layers", "16", "--epochs", "1", "--quiet",
          "--no-plot", "--out", str(model)])
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_460_000)
    parser.add_argument("--src", default=None, help="run the child with this folder first on PYTHONPATH")
    parser.add_argument("--out", default=None, help="write the result as JSON here")
    parser.add_argument("--child", nargs=3, metavar=("MODEL", "PATH", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(*args.child)))
        return 0
    with tempfile.TemporaryDirectory(prefix="descend-predict-bench-") as folder:
        path = Path(folder) / "big.csv"
        result: dict[str, Any] = {"rows": args.rows, "file_mb": round(write_csv(path, args.rows) / 1e6, 1)}
        print(f"{path.name}: {args.rows:,} rows x 9 columns, {result['file_mb']} MB", flush=True)
        model = _train(Path(folder), path)
        env = {**os.environ, "DESCEND_MEMORY_LIMIT": "1TiB"}
        if args.src:
            env["PYTHONPATH"] = os.pathsep.join([args.src, env.get("PYTHONPATH", "")])
        child = [sys.executable, "-m", "benchmarks.predict_memory", "--child", str(model), str(path),
                 str(Path(folder) / "out.csv")]
        run = subprocess.run(child, capture_output=True, text=True, check=True, env=env)
        result.update(json.loads(run.stdout.strip().splitlines()[-1]))
        print(json.dumps(result), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
