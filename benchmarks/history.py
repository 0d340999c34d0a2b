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
    commit = m["git"]["commit"][:7] + ("+" if m["git"]["src_dirty"] else "")
    cells = [doc["config"]["started_utc"][5:16].replace("T", " "), commit,
             f"{m['loadavg_before'][0]:.1f}→{m['loadavg_after'][0]:.1f}"]
    for prefix, peer in COLUMNS:
        value = next((v for (w, p), v in ratios.items() if w.startswith(prefix) and p == peer), None)
        cells.append("—" if value is None else f"{value:.2f}")
    rss = doc.get("memory", {}).get("descend", {}).get("peak_rss_mb")
    cells.append("—" if rss is None else f"{rss:.0f}")
    return cells


def table(include_working_copy: bool = True) -> str:
    """The Markdown table: every committed version of the results, then the working copy's if it
    differs from the last commit."""
    head = ["run (UTC)", "HEAD", "load", *(f"{w.strip()} ÷ {p}" for w, p in COLUMNS), "descend peak RSS MB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    docs = [json.loads(_git("show", f"{c}:{RESULTS}"))
            for c in reversed(_git("log", "--format=%h", "--", RESULTS).split())]
    current = HERE.parent / RESULTS
    if include_working_copy and current.exists():
        doc = json.loads(current.read_text())
        if not docs or doc["config"]["started_utc"] != docs[-1]["config"]["started_utc"]:
            docs.append(doc)
    lines += ["| " + " | ".join(row(d)) + " |" for d in docs if not d["config"].get("quick")]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m benchmarks.history", description=__doc__.split("\n\n")[0])
    p.add_argument("--readme", action="store_true", help="also put the table into benchmarks/README.md")
    args = p.parse_args(argv)
    text = table()
    print(text, end="")
    if args.readme:
        readme = HERE / "README.md"
        start, end = "<!-- history:start -->", "<!-- history:end -->"
        content = readme.read_text()
        before, rest = content.split(start, 1)
        _, after = rest.split(end, 1)
        readme.write_text(f"{before}{start}\n{text}{end}{after}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
