"""Kill ``descend train --out`` at random moments; check that the folder always describes one run.

Each trial forks a child that runs ``descend train --resume RUN --epochs 1`` (the first child
trains RUN afresh) and kills itself with SIGKILL at a randomly chosen Python or C call: half of
the trials anywhere in the run, half within the writing of the output folder (where a kill can
tear it). No clock decides the moment, so a seed replays the same kills. After each kill the
parent reads the folder: the model's epochs, ``history.json``'s, ``results.json``'s and
``history.csv``'s rows must agree, and no stray temporary file may outlive the next run. A
quarter as many first runs into new folders are killed while they write: such a folder must
show all of the run or none of it. At the end one more resume runs to completion and must
continue from the last complete save.

Run with the descend under test first on the path (``PYTHONPATH=src`` in a checkout)::

    python -m benchmarks.crash_trials --trials 200 --seed 0 [--plot] [--json]

The test suite runs a few dozen trials (tests/test_cli_runfolder.py).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

#: the run every trial continues: small enough that writing the folder is a good part of it
TRAIN = ["--data", "moons", "--n-samples", "64", "--layers", "4", "--batch-size", "16",
         "--validation-split", "0.25", "--quiet"]


def _epochs_in(out: Path) -> dict[str, Any]:
    """Epochs as each file of the folder tells them (None: the file is missing or unreadable)."""
    from descend.model import load_checkpoint

    told: dict[str, Any] = {}
    try:
        model, _ = load_checkpoint(out)
        told["model"] = model.epochs_trained
    except (OSError, ValueError):
        told["model"] = None
    try:
        told["history.json"] = len(json.loads((out / "history.json").read_text())["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        told["history.json"] = None
    try:
        told["results.json"] = json.loads((out / "results.json").read_text())["epochs_trained"]
    except (OSError, ValueError, KeyError, TypeError):
        told["results.json"] = None
    try:
        with open(out / "history.csv") as f:
            told["history.csv"] = len(list(csv.reader(f))) - 1
    except OSError:
        told["history.csv"] = None
    return told


def strays(out: Path) -> list[str]:
    """Files a killed run left behind: temporary files, and version folders no link points to."""
    current = os.readlink(out / ".current") if (out / ".current").is_symlink() else None
    return sorted(p.name for p in out.iterdir()
                  if p.name.endswith(".tmp") or (p.name.startswith(".run-") and p.name != current))


def _child(argv: list[str], kill_at: int, phase_only: bool, report: int) -> None:
    """Run ``descend argv`` in this (forked) process, SIGKILL at profile event ``kill_at`` (0:
    never; counted within ``descend.cli.train._write_outputs`` when ``phase_only``); write the
    event counts (all, while writing the folder) to the pipe ``report`` when it ends."""
    from descend.cli import main

    counts = {"all": 0, "write": 0}
    writing = False

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal writing
        in_writer = frame.f_code.co_name == "_write_outputs" and event in ("call", "return")
        if in_writer and event == "call":
            writing = True
        counts["all"] += 1
        counts["write"] += writing
        count = counts["write"] if phase_only else counts["all"]
        if kill_at and writing >= phase_only and count == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        if in_writer and event == "return":
            writing = False

    sys.setprofile(profile)
    try:
        rc = main(argv)
    finally:
        sys.setprofile(None)
    os.write(report, json.dumps({**counts, "rc": rc}).encode())
    os._exit(0)


def _fork(argv: list[str], kill_at: int = 0, phase_only: bool = False) -> dict[str, Any] | None:
    """Run one child; its event counts, or None when it was killed."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        try:
            _child(argv, kill_at, phase_only, write)
        finally:
            os._exit(3)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.close(read)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
        return None
    if not data:
        raise RuntimeError(f"child {argv} ended without a report (status {status})")
    return dict(json.loads(data))


def run_trials(trials: int, seed: int, root: Path, plot: bool = False) -> dict[str, Any]:
    """``trials`` killed resumes of one run in ``root``; counts of what the folder looked like."""
    from descend.cli import main as descend

    rng = random.Random(seed)
    out = root / "run"
    extra = [] if plot else ["--no-plot"]
    # one run here first, elsewhere: every module the command imports is loaded before forking
    descend(["train", *TRAIN, "--epochs", "1", "--out", str(root / "warm-up"), *extra])
    first = _fork(["train", *TRAIN, "--epochs", "1", "--out", str(out), *extra])
    resume = ["train", "--resume", str(out), "--epochs", "1", "--quiet", *extra]
    full = _fork(resume)  # the event counts of one whole resume
    if first is None or full is None or first["rc"] or full["rc"]:
        raise RuntimeError("the uninterrupted runs failed")
    torn, killed, most_strays = [], 0, 0
    epochs = 2
    for trial in range(trials):
        phase_only = trial % 2 == 1
        kill_at = rng.randint(1, full["write"] if phase_only else full["all"])
        result = _fork(resume, kill_at, phase_only)
        killed += result is None
        told = _epochs_in(out)
        if len(set(told.values())) != 1 or None in told.values():
            torn.append({"trial": trial, "kill_at": kill_at, "phase_only": phase_only, **told})
        if told["model"] is not None:
            epochs = told["model"]
        most_strays = max(most_strays, len(strays(out)))
    fresh_torn = []  # the first save into a new folder, killed while it writes
    for trial in range(max(trials // 4, 1)):
        folder = root / f"fresh-{trial}"
        kill_at = rng.randint(1, first["write"])
        _fork(["train", *TRAIN, "--epochs", "1", "--out", str(folder), *extra], kill_at, True)
        told = _epochs_in(folder)
        if len(set(told.values())) != 1:  # all None (nothing visible yet) or all the same
            fresh_torn.append({"trial": trial, "kill_at": kill_at, **told})
    final = _fork(resume)
    told = _epochs_in(out)
    return {
        "trials": trials, "killed": killed, "torn": len(torn), "torn_examples": torn[:5],
        "fresh_trials": max(trials // 4, 1), "fresh_torn": len(fresh_torn),
        "fresh_torn_examples": fresh_torn[:5],
        "most_strays_after_a_kill": most_strays, "strays_after_the_final_run": strays(out),
        "final_run_ok": final is not None and final["rc"] == 0,
        "final_epochs": told, "expected_final_epochs": epochs + 1,
        "resumed": len(set(told.values())) == 1 and told["model"] == epochs + 1,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", action="store_true", help="write curves.png too (slower)")
    parser.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        summary = run_trials(args.trials, args.seed, Path(tmp), plot=args.plot)
    if args.json:
        print(json.dumps(summary))
    else:
        for key, value in summary.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
