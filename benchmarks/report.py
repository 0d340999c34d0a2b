"""The results table, the issue's targets, and ``latest.json``."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from .harness import Measurement, ratio
from .workloads import W1_BATCH, W1_WIDTHS


@dataclass
class Ratio:
    """descend's median over a peer's (per round, as the systems alternated: paired min–max)."""

    workload: str
    peer: str
    median_ratio: float
    paired: list[float]
    #: best over best: contention only ever adds time, so the minimums estimate the quiet machine
    min_ratio: float = math.nan

    def to_json(self) -> dict[str, Any]:
        return {"workload": self.workload, "descend_over": self.peer, "ratio_of_medians": self.median_ratio,
                "ratio_of_minimums": self.min_ratio,
                "paired_min": min(self.paired, default=math.nan),
                "paired_max": max(self.paired, default=math.nan),
                "paired": self.paired}


def ratios(measurements: list[Measurement]) -> list[Ratio]:
    out = []
    by_workload: dict[str, dict[str, Measurement]] = {}
    for m in measurements:
        by_workload.setdefault(m.workload, {})[m.system] = m
    for workload, systems in by_workload.items():
        d = systems.get("descend")
        if d is None:
            continue
        for peer, m in systems.items():
            if peer != "descend":
                paired = [ratio(a, b) for a, b in zip(d.values, m.values, strict=True)]
                out.append(Ratio(workload, peer, ratio(d.median, m.median), paired, ratio(d.min, m.min)))
    return out


def targets(measurements: list[Measurement], rs: list[Ratio], info: dict[str, Any]) -> list[dict[str, Any]]:
    """Each of the issue's targets with the measured figure and whether it is met."""
    med = {(m.workload, m.system): m for m in measurements}
    out: list[dict[str, Any]] = []

    def add(name: str, value: float | None, goal: str, ok: bool | None, best: float | None = None) -> None:
        out.append({"target": name, "value": value, "goal": goal, "met": ok, "best_of_value": best})

    for x in rs:
        workload, peer, value, best = x.workload, x.peer, x.median_ratio, x.min_ratio
        if workload.startswith("W1"):
            goal = {"torch": 0.8, "sklearn": 0.6}[peer]
            add(f"{workload}: descend / {peer}", value, f"≤ {goal}", value <= goal, best)
        elif workload.startswith("W2"):
            add(f"{workload}: {peer} / descend (speed-up)", 1 / value, "≥ 5", 1 / value >= 5, 1 / best)
        elif workload.startswith("W3"):
            goal = {"torch foreach": 1.0, "torch fused": 1.5}[peer]
            add(f"{workload}: descend / {peer}", value, f"≤ {goal}" + (" (aim)" if goal == 1.5 else ""),
                value <= goal, best)
        elif workload.startswith("W4"):
            add(f"{workload}: descend / {peer}", value, "≤ 0.5", value <= 0.5, best)
    bound = info.get("roofline", {}).get("w1_lower_bound", {}).get("seconds")
    if bound:
        for workload in sorted({w for w, _ in med if w.startswith("W1")}):
            d = med[(workload, "descend")]
            add(f"{workload}: descend / matmul lower bound", d.median / bound, "≤ 2", d.median / bound <= 2,
                d.min / bound)
    mem = info.get("memory", {})
    if "peak_rss_mb" in mem.get("descend", {}) and "peak_rss_mb" in mem.get("torch", {}):
        value = mem["descend"]["peak_rss_mb"] / mem["torch"]["peak_rss_mb"]
        add("Memory: descend / torch peak RSS (W1 adam)", value, "< 1", value < 1)
        # "No allocation per batch (buffers reused)": no array of the batch is allocated, i.e. the
        # transient peak stays below the smallest one (the 128 × 10 float32 logits, 5.12 kB). Python
        # objects (the loss as a float, a callback's logs dict) and NumPy's per-call bookkeeping
        # (~1 kB per reduction) come and go in any Python framework and stay below it.
        kb = mem["descend"].get("transient_peak_kb")
        smallest = W1_BATCH * W1_WIDTHS[-1] * 4 / 1e3
        add("Memory: descend steady-state transient allocation per batch (kB)", kb,
            f"< {smallest:.3g} (no batch-sized array)", kb is not None and kb < smallest)
    out.sort(key=lambda t: t["target"])
    return out


def _fmt(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:.3g}"


def print_tables(measurements: list[Measurement], rs: list[Ratio], tg: list[dict[str, Any]],
                 info: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    by = {(x.workload, x.peer): x for x in rs}
    table = Table(title="descend vs peers — medians (min–max); ratio = descend ÷ peer, lower is better")
    for col in ("workload", "system", "unit", "median", "min–max", "n", "descend ÷ this (paired min–max)",
                "min ÷ min", "extra"):
        table.add_column(col, justify="right" if col in ("median", "n") else "left")
    for m in measurements:
        rr = by.get((m.workload, m.system))
        rtxt = f"{rr.median_ratio:.2f}× ({min(rr.paired):.2f}–{max(rr.paired):.2f})" if rr else ""
        extra = ", ".join(f"{k}={_fmt(v) if isinstance(v, float) else v}" for k, v in m.extra.items()
                          if k in ("gbps", "of_copy_bw", "epochs_to_target", "s_per_epoch"))
        table.add_row(m.workload, m.system, m.unit, _fmt(m.median), f"{_fmt(m.min)}–{_fmt(m.max)}",
                      str(len(m.values)), rtxt, f"{rr.min_ratio:.2f}×" if rr else "", extra)
    console.print(table)
    roof = info.get("roofline")
    if roof:
        lb = roof["w1_lower_bound"]
        console.print(f"Roofline: sgemm (W1 shapes) {roof['sgemm_w1_gflops']:.1f} GFLOP/s, square "
                      f"{roof['sgemm_square_gflops']:.1f} GFLOP/s; "
                      f"copy {roof['copy_gbps']:.1f} GB/s (1 thread), "
                      f"{roof.get('copy_gbps_all_threads', float('nan')):.1f} GB/s (all threads). "
                      f"W1 epoch = {lb['epoch_gflop']:.1f} GFLOP → matmul lower bound {lb['seconds']:.3g} s.")
    mem = info.get("memory")
    if mem:
        mt = Table(title="Memory: one W1 Adam epoch, fresh process per system")
        for col in ("system", "RSS before training MB", "peak RSS MB", "peak − before MB",
                    "per-batch transient kB"):
            mt.add_column(col)
        for system, r in mem.items():
            mt.add_row(system, _fmt(r.get("rss_before_mb")), _fmt(r.get("peak_rss_mb")),
                       _fmt(r.get("training_mb")),
                       _fmt(r.get("transient_peak_kb")) if "transient_peak_kb" in r else "")
        console.print(mt)
    tt = Table(title="Targets of issue 6 (measured on medians; best-of = the same ratio on minimums)")
    for col in ("target", "measured", "best-of", "goal", "met"):
        tt.add_column(col)
    for t in tg:
        tt.add_row(t["target"], _fmt(t["value"]), _fmt(t.get("best_of_value")), t["goal"],
                   {True: "yes", False: "NO", None: "—"}[t["met"]])
    console.print(tt)


def write_json(path: Path, measurements: list[Measurement], rs: list[Ratio], tg: list[dict[str, Any]],
               info: dict[str, Any], config: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"config": config, **info, "results": [m.to_json() for m in measurements],
           "ratios": [r.to_json() for r in rs], "targets": tg}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=False, default=str) + "\n")
    tmp.replace(path)


def markdown(measurements: list[Measurement], rs: list[Ratio], tg: list[dict[str, Any]],
             info: dict[str, Any]) -> str:
    """The same tables in Markdown, for the README."""
    by = {(x.workload, x.peer): x for x in rs}
    lines = ["| workload | system | unit | median | min–max | n "
             "| descend ÷ this: medians (paired min–max) | min ÷ min "
             "| extra |", "|---|---|---|--:|---|--:|---|--:|---|"]
    for m in measurements:
        rr = by.get((m.workload, m.system))
        rtxt = f"{rr.median_ratio:.2f}× ({min(rr.paired):.2f}–{max(rr.paired):.2f})" if rr else ""
        extra = ", ".join(f"{k}={_fmt(v) if isinstance(v, float) else v}" for k, v in m.extra.items()
                          if k in ("gbps", "of_copy_bw", "epochs_to_target", "s_per_epoch"))
        lines.append(f"| {m.workload} | {m.system} | {m.unit} | {_fmt(m.median)} | "
                     f"{_fmt(m.min)}–{_fmt(m.max)} | "
                     f"{len(m.values)} | {rtxt} | {f'{rr.min_ratio:.2f}×' if rr else ''} | {extra} |")
    lines += ["", "| target | measured (medians) | best-of (minimums) | goal | met |",
              "|---|--:|--:|---|---|"]
    for t in tg:
        lines.append(f"| {t['target']} | {_fmt(t['value'])} | {_fmt(t.get('best_of_value'))} | {t['goal']} | "
                     f"{ {True: 'yes', False: '**no**', None: '—'}[t['met']] } |")
    return "\n".join(lines) + "\n"
