"""``python -m benchmarks.sweep``: how fast ``descend sweep`` gets through trials, on each path.

The workload (issue 14): 200 trials of a 2-16-16-1 tanh network on moons (200 points, the
default), 100 epochs each, mini-batches of 32 — 5 optimizers × 4 learning rates × 10 seeds —
run through ``descend.sweep.runners.execute`` with its SQLite store, exactly as the command
runs them, on three paths:

* sequential — ``--workers 0``: one trial after another in the sweep process;
* pool — ``--workers N`` (default: the cores): the local process pool;
* dask — a ``distributed.LocalCluster`` of N worker processes with one thread each, on loopback,
  reached through a ``Client`` as ``--scheduler`` would.

For each: the wall time from handing the trials to the backend (pool or cluster already
started for dask, not yet for the pool: the pool spawns and warms its workers inside the run)
to the last trial recorded; trials per minute over that time; start-up (until the first trial
started); and the **per-trial scheduling overhead** = (wall × slots − Σ the trials' own wall
time in their workers) / trials: the slot time a trial costs beyond its own training (hand-over,
pickling, the store's write, idle slots at the start and at the end). Paths alternate, round
after round; each round writes a fresh results file.

``python -m benchmarks.sweep --kill 20`` instead kills the sweep command with SIGKILL 20 times
at random moments (after a random number of recorded trials, sometimes before any), reruns it
to completion and checks that every trial is recorded exactly once with all its epochs.

Results: ``benchmarks/results/sweep.json`` (``--out``); nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .machine import cores_available, cpu_model, git_state, versions

HERE = Path(__file__).resolve().parent

SPEC = {"data": "moons", "layers": "16,16", "activation": "tanh", "epochs": 100, "seeds": 10,
        "grid": {"optimizer": ["sgd", "momentum", "nag", "rmsprop", "adam"], "lr": [0.003, 0.01, 0.03, 0.1]}}


def _spec(trials: int, epochs: int) -> Any:
    from descend.sweep.spec import parse_spec

    points = len(SPEC["grid"]["optimizer"]) * len(SPEC["grid"]["lr"])
    return parse_spec({**SPEC, "epochs": epochs, "seeds": max(1, trials // points)})


def _backend(path: str, workers: int) -> tuple[Any, Any]:
    from descend.sweep import runners

    if path == "sequential":
        # as in the command, where the spec's rehearsal has run in the sweep process before
        runners.warm_up(runners.warm_ups(_spec(1, 1).trials()))
        return runners.InlineBackend(), None
    if path == "pool":
        return runners.PoolBackend(workers, runners.warm_ups(_spec(1, 1).trials())), None
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None)
    client = Client(cluster)
    return runners.DaskBackend(client, runners.warm_ups(_spec(1, 1).trials())), (client, cluster)


def measure(path: str, trials: int, epochs: int, workers: int, folder: Path) -> dict[str, Any]:
    """One run of the workload on ``path``; its times and the per-trial overhead."""
    from descend.sweep import runners
    from descend.sweep.store import Store

    spec = _spec(trials, epochs)
    todo = spec.trials()
    t_backend = time.time()
    backend, extra = _backend(path, workers)
    t_backend = time.time() - t_backend
    try:
        with Store.create(folder, spec.to_json()) as store:
            t0 = time.time()
            state = runners.execute(todo, store, backend)
            wall = time.time() - t0
            rows = store.rows()
    finally:
        backend.close()
        if extra is not None:
            for thing in extra:
                thing.close()
    busy = sum(r["seconds"] for r in rows)
    first = min(r["started_at"] for r in rows) - t0
    trips = [r["received_at"] - r["submitted_at"] - r["seconds"] for r in rows]
    n, slots = len(rows), backend.slots
    return {"path": path, "slots": slots, "trials": n, "done": state.done - state.failed,
            "backend_s": t_backend, "wall_s": wall, "trials_per_min": 60 * n / wall, "startup_s": first,
            "trials_per_min_after_startup": 60 * n / (wall - first),
            "trial_s_median": statistics.median(r["seconds"] for r in rows),
            "busy_s": busy, "overhead_ms_per_trial": 1000 * (wall * slots - busy) / n,
            "overhead_ms_per_trial_after_startup": 1000 * ((wall - first) * slots - busy) / n,
            "round_trip_ms_median": 1000 * statistics.median(trips)}


def measure_store(trials: int, epochs: int, folder: Path) -> float:
    """Milliseconds to record one trial (its row and epochs × 5 history rows, one transaction)."""
    from descend.sweep.store import Store

    spec = _spec(trials, epochs)
    keys = ("loss", "accuracy", "val_loss", "val_accuracy", "learning_rate")
    outcome = {"status": "done", "seconds": 0.1,
               "history": {"epoch": list(range(epochs)), "history": {k: [0.5] * epochs for k in keys}},
               "results": {"train": {"loss": 0.5}, "validation": {"loss": 0.5}, "epochs_trained": epochs}}
    with Store.create(folder, spec.to_json()) as store:
        t0 = time.perf_counter()
        for trial in spec.trials():
            store.record(trial, outcome)
        return 1000 * (time.perf_counter() - t0) / len(spec.trials())


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    paths = ["sequential", "pool", "dask"]
    runs: list[dict[str, Any]] = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="descend-sweep-bench-") as tmp:
        store_ms = measure_store(args.trials, args.epochs, Path(tmp) / "store")
        print(f"recording one trial ({args.epochs} epochs × 5 quantities): {store_ms:.2f} ms", flush=True)
        for r in range(args.rounds):
            for i in range(len(paths)):
                path = paths[(i + r) % len(paths)]
                result = measure(path, args.trials, args.epochs, args.workers, Path(tmp) / f"{path}-{r}")
                result["round"] = r
                runs.append(result)
                print(f"round {r} {path:>10}: {result['trials']} trials in {result['wall_s']:.1f} s = "
                      f"{result['trials_per_min']:.0f}/min (start-up {result['startup_s']:.2f} s), "
                      f"trial {result['trial_s_median'] * 1000:.0f} ms, overhead "
                      f"{result['overhead_ms_per_trial']:.1f} ms/trial", flush=True)
    summary: dict[str, Any] = {}
    for path in paths:
        mine = [r for r in runs if r["path"] == path]
        summary[path] = {k: statistics.median(r[k] for r in mine) for k in (
            "trials_per_min", "trials_per_min_after_startup", "backend_s", "wall_s", "startup_s",
            "overhead_ms_per_trial", "overhead_ms_per_trial_after_startup", "round_trip_ms_median",
            "trial_s_median")}
        # paired: each round's ratio to that round's sequential run (load hits a round's paths alike)
        summary[path]["speedup_vs_sequential_per_round"] = [
            r["trials_per_min"] / s["trials_per_min"] for r in mine for s in runs
            if s["path"] == "sequential" and s["round"] == r["round"]]
        # load only ever adds time: each path's fastest round estimates the quiet machine
        best = min(mine, key=lambda r: r["wall_s"])
        summary[path]["best"] = {k: best[k] for k in (
            "round", "wall_s", "trials_per_min", "startup_s", "trials_per_min_after_startup",
            "overhead_ms_per_trial", "overhead_ms_per_trial_after_startup", "trial_s_median")}
    quiet = summary["sequential"]["best"]["trials_per_min"]
    for path in paths:
        best = summary[path]["best"]
        best["speedup_vs_best_sequential"] = best["trials_per_min"] / quiet
        best["speedup_after_startup_vs_best_sequential"] = best["trials_per_min_after_startup"] / quiet
    return {"workload": {"trials": args.trials, "epochs": args.epochs, "spec": SPEC, "workers": args.workers},
            "store_ms_per_trial": store_ms,
            "machine": {"cpu_model": cpu_model(), "cores_available": cores_available(),
                        "loadavg_before": load_before, "loadavg_after": os.getloadavg()},
            "versions": versions(), "git": git_state(HERE.parent), "runs": runs, "summary": summary}


# ----------------------------------------------------------------------------------- kills
def _recorded(db_path: Path) -> list[tuple[str, int]]:
    try:
        with sqlite3.connect(db_path) as db:
            return db.execute("SELECT id, (SELECT COUNT(*) FROM epochs WHERE trial_id = id) "
                              "FROM trials").fetchall()
    except sqlite3.OperationalError:
        return []


def kill_test(args: argparse.Namespace) -> dict[str, Any]:
    """Kill the sweep command ``args.kill`` times at random moments, then complete it."""
    import psutil

    rng = random.Random(args.seed)
    spec_text = ('data = "moons"\nn_samples = 100\nlayers = "8"\nepochs = 20\nseeds = 12\n'
                 '[grid]\noptimizer = ["sgd", "momentum", "adam"]\nlr = [0.01, 0.1]\n')
    total = 72
    events = []
    with tempfile.TemporaryDirectory(prefix="descend-sweep-kill-") as tmp:
        spec, out = Path(tmp) / "kill.toml", Path(tmp) / "out"
        spec.write_text(spec_text)
        db = out / "sweep.sqlite"
        command = [sys.executable, "-m", "descend", "sweep", str(spec), "--out", str(out), "--quiet"]
        for k in range(args.kill):
            before = _recorded(db)
            target = len(before) + rng.randrange(0, 4)
            workers = rng.choice(["0", "2"])
            proc = subprocess.Popen([*command, "--workers", workers], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
            while proc.poll() is None and len(_recorded(db)) < target:
                time.sleep(0.002)
            pool = psutil.Process(proc.pid).children() if proc.poll() is None else []
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            _, alive = psutil.wait_procs(pool, timeout=5)    # the pool's workers leave by themselves
            orphans = [p.pid for p in alive]
            for p in alive:
                p.kill()
            after = _recorded(db)
            lost = sorted({i for i, _ in before} - {i for i, _ in after})
            partial = [i for i, n in after if n != 20 * 5]
            events.append({"kill": k, "workers": workers, "recorded_before": len(before),
                           "recorded_at_kill": len(after), "lost": lost, "partial": partial,
                           "orphans": orphans, "killed": proc.returncode == -signal.SIGKILL})
            print(f"kill {k}: workers {workers}, {len(before)} → {len(after)} recorded, "
                  f"lost {len(lost)}, partial {len(partial)}, orphaned workers {len(orphans)}", flush=True)
            if len(after) == total:
                break
        final = subprocess.run([*command, "--workers", "2"], capture_output=True, text=True)
        rows = _recorded(db)
    ids = [i for i, _ in rows]
    result = {"kills": events, "final_status": final.returncode, "recorded": len(ids),
              "unique": len(set(ids)), "expected": total, "all_epochs": all(n == 20 * 5 for _, n in rows),
              "ok": (final.returncode == 0 and len(ids) == len(set(ids)) == total
                     and not any(e["lost"] or e["partial"] or e["orphans"] for e in events))}
    print(f"after {len(events)} kills and a rerun: {len(ids)} rows, {len(set(ids))} distinct of {total} → "
          f"{'OK' if result['ok'] else 'FAILED'}")
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.sweep", description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=200, help="trials per path (a multiple of 20)")
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--workers", type=int, default=cores_available(), help="pool processes and Dask workers")
    p.add_argument("--rounds", type=int, default=2, help="runs of each path, alternating")
    p.add_argument("--kill", type=int, default=0, metavar="N", help="run the kill -9 test N times instead")
    p.add_argument("--seed", type=int, default=14, help="the kill test's random moments")
    p.add_argument("--out", type=Path, default=None,
                   help="JSON output (default: benchmarks/results/sweep.json, or sweep_kill.json)")
    args = p.parse_args(argv)
    if args.kill:
        doc = kill_test(args)
        out = args.out or HERE / "results" / "sweep_kill.json"
    else:
        doc = benchmark(args)
        out = args.out or HERE / "results" / "sweep.json"
        print(json.dumps(doc["summary"], indent=1))
    out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {out}")
    return 0 if doc.get("ok", True) else 1


if __name__ == "__main__":
    sys.exit(main())
