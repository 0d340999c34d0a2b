"""The key ratios of every committed ``results/latest.json``: ``python -m benchmarks.history``.

Prints a Markdown table, one row per commit of the results file (oldest first): when it ran, the
descend commit measured, the load average, and each workload's descend ÷ peer ratio of medians.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = "benchmarks/results/latest.json"
COLUMNS = (("W1 adam", "torch"), ("W1 adam", "sklearn"), ("W1 momentum", "torch"), ("W1 momentum", "sklearn"),
           ("W2", "torch"), ("W3 adam 1×", "torch foreach"), ("W3 adam 1×", "torch fused"),
           ("W3 adam 100×", "torch foreach"), ("W3 adam 100×", "torch fused"), ("W4", "sklearn"))


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(HERE.parent), *args], capture_output=True, text=True,
                          check=True).stdout


def row(doc: dict[str, Any]) -> list[str]:
    m = doc["machine"]
    ratios = {(r["workload"], r["descend_over"]): r["ratio_of_medians"] for r in doc["ratios"]}
    cells = [doc["config"]["started_utc"][11:16], m["git"]["commit"][:7] + ("+" if m["git"]["src_dirty"] else ""),
             f"{m['loadavg_before'][0]:.1f}→{m['loadavg_after'][0]:.1f}"]
    for prefix, peer in COLUMNS:
        value = next((v for (w, p), v in ratios.items() if w.startswith(prefix) and p == peer), None)
        cells.append("—" if value is None else f"{value:.2f}")
    rss = doc.get("memory", {}).get("descend", {}).get("peak_rss_mb")
    cells.append("—" if rss is None else f"{rss:.0f}")
    return cells


def main() -> int:
    head = ["run (UTC)", "HEAD", "load", *(f"{w.strip()} ÷ {p}" for w, p in COLUMNS), "descend peak RSS MB"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for commit in reversed(_git("log", "--format=%h", "--", RESULTS).split()):
        doc = json.loads(_git("show", f"{commit}:{RESULTS}"))
        if doc["config"].get("quick"):
            continue
        print("| " + " | ".join(row(doc)) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
