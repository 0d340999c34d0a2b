"""Where descend's time goes in W1 and W2: ``python -m benchmarks.profile [--quick]``.

Profiles one warm W1 Adam epoch and one W2 epoch with pyinstrument (a sampling profiler, so the
many small calls of W2 are not inflated as under cProfile) and writes, per workload, the call tree
and a flat self-time list (percent of the total) to ``benchmarks/results/profile_<w>.txt``.
Threads are limited as in the suite (``--threads``).
"""
from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .machine import cores_available

HERE = Path(__file__).resolve().parent


def self_times(root: Any, top: int = 25) -> str:
    """Self time per function (time in the function's own Python lines and the C calls they make,
    e.g. a matmul), as percent of the total, largest first."""
    totals: dict[str, float] = defaultdict(float)

    def walk(frame: Any, name: str) -> None:
        if not frame.is_synthetic:        # pyinstrument's "[self]" leaves belong to their parent
            name = (f"{frame.class_name + '.' if frame.class_name else ''}{frame.function}  "
                    f"{frame.file_path_short}:{frame.line_no}")
        totals[name] += frame.time - sum(child.time for child in frame.children)
        for child in frame.children:
            walk(child, name)

    walk(root, "?")
    total = root.time or 1.0
    rows = sorted(totals.items(), key=lambda kv: -kv[1])[:top]
    return "\n".join(f"{100 * t / total:5.1f}%  {name}" for name, t in rows) + "\n"


def profile(fn: Callable[[], object], interval: float = 0.0002) -> tuple[str, str, float]:
    """(call tree, flat self-time list, seconds) of one call of ``fn``."""
    from pyinstrument import Profiler
    from pyinstrument.renderers import ConsoleRenderer

    profiler = Profiler(interval=interval)
    profiler.start()
    fn()
    session = profiler.stop()
    tree = ConsoleRenderer(unicode=True, time="percent_of_total", short_mode=False).render(session)
    return tree, self_times(session.root_frame()), session.duration


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--threads", type=int, default=cores_available())
    p.add_argument("--out", type=Path, default=HERE / "results")
    args = p.parse_args(argv)
    from .machine import limit_threads

    limit_threads(args.threads)
    from .workloads import W1_BATCH, W1_WIDTHS, descend_mlp, w1_data, w2_data, w2_model

    n1 = 6_000 if args.quick else 30_000
    X, y = w1_data(n1)
    model = descend_mlp(W1_WIDTHS, "adam")
    model.fit(X[:20 * W1_BATCH], y[:20 * W1_BATCH], epochs=1, batch_size=W1_BATCH, verbose=0, seed=0)
    jobs = {"w1": (f"W1: one Adam epoch, {n1} samples, batch {W1_BATCH}, {args.threads} thread(s)",
                   lambda: model.fit(X, y, epochs=1, batch_size=W1_BATCH, verbose=0, seed=1))}
    n2 = 2_000 if args.quick else 10_000
    X2, y2 = w2_data(n2)
    model2 = w2_model()
    model2.fit(X2[:200], y2[:200], epochs=1, batch_size=1, verbose=0, seed=0)
    jobs["w2"] = (f"W2: {n2} SGD updates with batch size 1 (fit, one epoch)",
                  lambda: model2.fit(X2, y2, epochs=1, batch_size=1, verbose=0, seed=1))
    args.out.mkdir(parents=True, exist_ok=True)
    for name, (title, fn) in jobs.items():
        tree, flat, seconds = profile(fn)
        path = args.out / f"profile_{name}.txt"
        path.write_text(f"{title}: {seconds:.3f} s\n\n== self time by function ==\n{flat}\n"
                        f"== call tree ==\n{tree}")
        print(f"{title}: {seconds:.3f} s -> {path}")
        print("\n".join(flat.splitlines()[:30]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
