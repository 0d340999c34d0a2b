"""``python -m benchmarks [--quick] [--only W1,W3] [--threads N] [--out PATH]``.

Runs the selected workloads with descend, PyTorch CPU and scikit-learn alternating in this
process (memory: one fresh process per system), prints the tables, writes the JSON.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from .machine import cores_available

HERE = Path(__file__).resolve().parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from .suite import WORKLOADS

    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[1])
    p.add_argument("--quick", action="store_true", help="small sizes, fewest repetitions (a smoke run)")
    p.add_argument("--only", default=",".join(WORKLOADS),
                   help=f"comma-separated subset of {','.join(WORKLOADS)} (default: all)")
    p.add_argument("--threads", type=int, default=cores_available(),
                   help="BLAS/OpenMP threads for every system, torch.set_num_threads too "
                        "(default: the cores available)")
    p.add_argument("--out", type=Path, default=None,
                   help="JSON output (default: benchmarks/results/latest.json; quick runs: a file in the "
                        "temporary directory, so a smoke run never replaces the published results)")
    p.add_argument("--markdown", type=Path, default=None, help="also write the tables as Markdown here")
    p.add_argument("--readme", action="store_true",
                   help="also replace the results section of benchmarks/README.md with this run's tables")
    p.add_argument("--from-json", type=Path, default=None, metavar="PATH",
                   help="measure nothing: print (and --markdown) the tables of a saved run")
    args = p.parse_args(argv)
    only = tuple(w.strip() for w in args.only.split(",") if w.strip())
    unknown = sorted(set(only) - set(WORKLOADS))
    if unknown:
        p.error(f"--only: unknown workload(s) {unknown}; expected some of {list(WORKLOADS)}")
    args.only = only
    if args.threads < 1:
        p.error("--threads: expected a positive integer")
    if args.out is None:
        args.out = (Path(tempfile.gettempdir()) / "descend-bench-quick.json" if args.quick
                    else HERE / "results" / "latest.json")
    return args


README = HERE / "README.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"


def numpy_blas(pools: list[dict]) -> str:
    """"openblas 0.3.31 (SkylakeX)" for the BLAS loaded from NumPy's own wheel."""
    for t in pools:
        if t.get("user_api") == "blas" and "numpy" in t.get("filepath", ""):
            return f"{t.get('internal_api')} {t.get('version')} ({t.get('architecture', '?')})"
    return "an unidentified BLAS"


def update_readme(table: str, doc: dict) -> None:
    """Put ``table`` (Markdown), with the run's machine and settings, between the README's markers."""
    m, c = doc["machine"], doc["config"]
    roof = doc.get("roofline", {})
    head = (f"Run of {c['started_utc']} ({'quick' if c['quick'] else 'full'} sizes, "
            f"{c['wall_seconds']:.0f} s): "
            f"{m['cpu_model']}, {m['cores_available']} cores, {c['threads']} thread(s) for every system; "
            f"NumPy {m['versions']['numpy']} with {numpy_blas(m['threadpools'])}, "
            f"torch {m['versions']['torch']}, scikit-learn {m['versions']['scikit-learn']}; descend at "
            f"{m['git']['commit'][:10]}{' + uncommitted src changes' if m['git']['src_dirty'] else ''}; "
            f"load average {m['loadavg_before'][0]:.1f} → {m['loadavg_after'][0]:.1f}.")
    if roof:
        lb = roof["w1_lower_bound"]
        head += (f"\n\nRoofline: sgemm on W1's shapes {roof['sgemm_w1_gflops']:.0f} GFLOP/s (2048² square: "
                 f"{roof['sgemm_square_gflops']:.0f}); "
                 f"copy bandwidth {roof['copy_gbps']:.1f} GB/s with one thread, "
                 f"{roof.get('copy_gbps_all_threads', float('nan')):.1f} GB/s with all; W1 epoch = "
                 f"{lb['epoch_gflop']:.1f} GFLOP → matmul-only lower bound {lb['seconds']:.2f} s.")
    mem = doc.get("memory")
    if mem:
        head += "\n\nMemory (one W1 Adam epoch, a fresh process per system): " + "; ".join(
            f"{k} peak RSS {v.get('peak_rss_mb', float('nan')):.0f} MB "
            f"({v.get('training_mb', float('nan')):+.0f} MB over the process before training)"
            for k, v in mem.items())
        kb = mem.get("descend", {}).get("transient_peak_kb")
        if kb is not None:
            head += f"; descend's steady-state batches allocate up to {kb:.1f} kB at once (tracemalloc)"
        head += "."
    text = README.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"{README}: markers {START} / {END} not found")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    README.write_text(f"{before}{START}\n{head}\n\n{table}{END}{after}")


def show_saved(path: Path, markdown: Path | None, readme: bool = False) -> int:
    """Print the tables of a saved ``latest.json`` (ratios and targets recomputed from its numbers)."""
    import json

    from rich.console import Console

    from . import report
    from .harness import Measurement

    doc = json.loads(path.read_text())
    keep = ("workload", "system", "unit", "values", "lower_is_better", "extra")
    measurements = [Measurement(**{k: r[k] for k in keep}) for r in doc["results"]]
    info = {k: doc[k] for k in ("roofline", "memory") if k in doc}
    rs = report.ratios(measurements)
    tg = report.targets(measurements, rs, info)
    report.print_tables(measurements, rs, tg, info, Console(width=max(Console().width, 150)))
    table = report.markdown(measurements, rs, tg, info)
    if markdown:
        markdown.write_text(table)
    if readme:
        update_readme(table, doc)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.from_json:
        return show_saved(args.from_json, args.markdown, args.readme)
    # Thread counts are fixed before anything spins up a pool (the memory subprocesses inherit
    # NUMBA_NUM_THREADS and set the rest themselves).
    from .machine import limit_threads

    limit_threads(args.threads)

    from rich.console import Console

    from . import machine, report
    from .suite import Suite
    from .workloads import Sizes

    console = Console(width=max(Console().width, 150))

    def log(msg: str) -> None:
        console.print(msg, markup=False, highlight=False)

    sizes = Sizes.quick() if args.quick else Sizes.full()
    repo = HERE.parent
    load_before = os.getloadavg()
    started = time.time()
    suite = Suite(sizes=sizes, threads=args.threads, only=args.only, log=log)
    log(f"descend benchmarks: {args.only}, {args.threads} thread(s), "
        f"{'quick' if args.quick else 'full'} sizes")
    suite.run()
    info = {"machine": machine.info(args.threads, repo), **suite.info}
    info["machine"]["loadavg_before"] = load_before
    info["machine"]["loadavg_after"] = os.getloadavg()
    config = {"quick": args.quick, "only": list(args.only), "threads": args.threads, "sizes": asdict(sizes),
              "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
              "wall_seconds": time.time() - started, "argv": sys.argv[1:]}
    rs = report.ratios(suite.measurements)
    tg = report.targets(suite.measurements, rs, suite.info)
    report.print_tables(suite.measurements, rs, tg, suite.info, console)
    report.write_json(args.out, suite.measurements, rs, tg, info, config)
    if args.markdown or args.readme:
        table = report.markdown(suite.measurements, rs, tg, suite.info)
        if args.markdown:
            args.markdown.write_text(table)
        if args.readme:
            import json

            update_readme(table, json.loads(args.out.read_text()))
    log(f"wrote {args.out} ({config['wall_seconds']:.0f} s; load average {load_before[0]:.1f} → "
        f"{info['machine']['loadavg_after'][0]:.1f} on {cores_available()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
