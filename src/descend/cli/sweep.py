"""``descend sweep``: train many models from one spec, and answer "which optimizer, which learning
rate, which initialiser?" with data.

``descend sweep SPEC --out DIR`` runs every trial of the TOML spec SPEC. The spec's keys are
``descend train``'s options with underscores (fixed for all trials), ``seeds = N``, a ``[grid]``
of values to combine and a seeded ``[random]`` search::

    data = "moons"
    layers = "16,16"
    activation = "tanh"
    epochs = 50
    seeds = 3                      # seeds 0, 1, 2 for every grid point

    [grid]
    optimizer = ["sgd", "momentum", "adam"]

    [random]                       # 20 points, each crossed with every grid point
    n = 20
    seed = 0
    lr = {log = [1e-4, 1]}         # also {uniform = [a, b]}, {int = [a, b]} and lists of values

Each trial is ``descend train`` with its options and seed — bit for bit (``descend sweep report
DIR --trial ID`` prints the command). A bad spec (unknown key, wrong type, empty grid, impossible
value) is refused before any trial runs: each distinct configuration is first rehearsed for one
epoch by ``descend train`` itself.

Trials run on a local process pool (``--workers``, default: the cores), in this process
(``--workers 0``) or on an existing Dask cluster (``--scheduler tcp://HOST:PORT``). Results go
to ``DIR/sweep.sqlite`` as each trial finishes, one transaction each: interrupt or kill the
sweep at any moment and run the same command again — only the missing trials run. A diverged
trial is recorded with the epoch, update and layer where it blew up, and the sweep goes on.

``descend sweep report DIR`` prints the configurations ranked by their median final loss over
seeds (with the spread), what the numbers show, and writes pictures to DIR/report.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from . import _common as common

EPILOG = """examples:
  descend sweep moons.toml --out runs/sweep              # on a process pool, one worker per core
  descend sweep moons.toml --out runs/sweep --dry-run    # list the trials (and which are done)
  descend sweep moons.toml --out runs/sweep              # again after a kill: runs only what is missing
  descend sweep moons.toml --out runs/sweep --scheduler tcp://scheduler-host:8786   # on a Dask cluster
  descend sweep report runs/sweep                        # ranking, findings, runs/sweep/report/*.png
  descend sweep report runs/sweep --heatmap init,lr      # the heatmap over two chosen options
  descend sweep report runs/sweep --trial 3              # trial 3 and its descend train command

In Python: descend.sweep.load("runs/sweep") is a pandas DataFrame, one row per trial.
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", metavar="SPEC | report",
                   help="the sweep's TOML spec, or 'report' to report on DIR")
    p.add_argument("dir", nargs="?", default=None, metavar="DIR", help="with 'report': the sweep's folder")
    g = p.add_argument_group("running a sweep")
    g.add_argument("--out", default=None, metavar="DIR",
                   help="folder for sweep.sqlite (default: runs/<spec name>)")
    g.add_argument("--workers", type=int, default=None,
                   help="processes in the local pool (default: the cores; 0: one trial after another in "
                        "this process)")
    g.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on the Dask cluster whose scheduler is at ADDRESS (tcp://HOST:PORT)")
    g.add_argument("--dry-run", action="store_true", help="check the spec and list its trials; run nothing")
    g.add_argument("--retry-failed", action="store_true",
                   help="run the trials recorded as failed again (diverged ones are results and stay)")
    g.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    g = p.add_argument_group("report")
    g.add_argument("--pictures", default=None, metavar="DIR",
                   help="where the pictures go (default: DIR/report)")
    g.add_argument("--no-plot", action="store_true", help="print the tables only")
    g.add_argument("--by", default=None, metavar="OPTION",
                   help="the option the pictures split on (default: optimizer, if it varies)")
    g.add_argument("--heatmap", default=None, metavar="A,B",
                   help="the two options of the heatmap (default: the first two varied)")
    g.add_argument("--top", type=int, default=10, help="configurations shown in the ranking")
    g.add_argument("--trial", default=None, metavar="ID|INDEX",
                   help="print one trial and the descend train command that reproduces it")


_RUN_ONLY = {"out": "--out", "workers": "--workers", "scheduler": "--scheduler", "dry_run": "--dry-run",
             "retry_failed": "--retry-failed", "quiet": "--quiet"}
_REPORT_ONLY = {"pictures": "--pictures", "no_plot": "--no-plot", "by": "--by", "heatmap": "--heatmap",
                "trial": "--trial"}


def _refuse(args: argparse.Namespace, options: dict[str, str], mode: str) -> None:
    for dest, flag in options.items():
        if getattr(args, dest) not in (None, False):
            raise ValueError(f"{flag}: only for {mode}")


def run(args: argparse.Namespace) -> int:
    if args.spec == "report":
        _refuse(args, _RUN_ONLY, "running a sweep (descend sweep SPEC ...)")
        if args.dir is None:
            raise ValueError("DIR: descend sweep report needs the sweep's folder, "
                             "e.g. descend sweep report runs/sweep")
        return _report(args)
    _refuse(args, _REPORT_ONLY, "descend sweep report DIR")
    if args.dir is not None:
        raise ValueError(f"DIR: descend sweep SPEC takes its folder as --out, got the extra "
                         f"argument {args.dir!r}")
    if args.workers is not None and args.scheduler is not None:
        raise ValueError("--workers, --scheduler: give one of them (the cluster's workers run the trials)")
    if args.workers is not None and args.workers < 0:
        raise ValueError(f"--workers: expected a number of processes >= 0, got {args.workers}")
    return _sweep(args)


# ------------------------------------------------------------------------------------- sweep
def _sweep(args: argparse.Namespace) -> int:
    from ..sweep import runners
    from ..sweep.spec import load_spec
    from ..sweep.store import Store, path_in

    spec = load_spec(args.spec)
    trials = spec.trials()
    out = Path(args.out) if args.out is not None else Path("runs") / Path(args.spec).stem
    con = common.console(args.quiet)
    con.print(f"[bold]{args.spec}[/]: {len(trials)} trials ({_shape(spec)}); checking each configuration "
              f"with one epoch of descend train …")
    runners.rehearse(spec, trials)
    if args.dry_run:
        finished: dict[str, str] = {}
        if path_in(out).is_file():
            with Store.open(out) as store:
                finished = store.finished() if store.holds(spec.to_json()) else {}
        common.console().print(_trial_table(spec, trials, finished))
        return 0
    with Store.create(out, spec.to_json()) as store:
        if args.retry_failed:
            con.print(f"{store.forget('failed')} failed trials will run again")
        backend = runners.backend_for(args.workers, args.scheduler, runners.warm_ups(trials))
        try:
            state = _with_progress(args.quiet, trials, store, backend)
        finally:
            backend.close()
    con.print(f"{state.done} of {state.total} trials recorded in {path_in(out)} "
              f"({state.diverged} diverged, {state.failed} failed) on {backend.name} "
              f"({backend.slots} at once). Next: descend sweep report {out}")
    return 1 if state.failed else 0


def _shape(spec: Any) -> str:
    parts = [f"{k} × {len(v)}" for k, v in spec.grid.items()]
    if spec.random:
        parts.append(f"{spec.n_random} random points of {', '.join(spec.random)}")
    parts.append(f"{len(spec.seeds)} seed{'s' * (len(spec.seeds) != 1)}")
    return ", ".join(parts)


def _with_progress(quiet: bool, trials: list[Any], store: Any, backend: Any) -> Any:
    from rich import progress as rp

    from ..sweep import runners

    if quiet:
        return runners.execute(trials, store, backend)
    columns = (rp.TextColumn("[bold]trials"), rp.BarColumn(), rp.MofNCompleteColumn(),
               rp.TextColumn("running {task.fields[running]} · failed {task.fields[failed]} · "
                             "diverged {task.fields[diverged]}"),
               rp.TimeElapsedColumn(), rp.TextColumn("ETA"), rp.TimeRemainingColumn())
    finished = store.finished()
    already = sum(1 for t in trials if t.id in finished)   # from an earlier run: not in the ETA's speed
    with rp.Progress(*columns, console=common.console(), transient=False) as bar:
        task = bar.add_task("trials", total=len(trials), completed=already, running=0, failed=0, diverged=0)

        def show(state: runners.Progress) -> None:
            bar.update(task, completed=state.done, running=state.running, failed=state.failed,
                       diverged=state.diverged)

        return runners.execute(trials, store, backend, on_update=show)


def _trial_table(spec: Any, trials: list[Any], finished: dict[str, str]) -> Any:
    from rich.table import Table

    table = Table(title=f"{len(trials)} trials ({_shape(spec)})", title_justify="left")
    for name in ("#", "id", *spec.varied, "seed", "status"):
        table.add_column(name, justify="right" if name in ("#", "seed") else "left")
    for t in trials:
        table.add_row(str(t.index), t.id, *(_cell(t.options[k]) for k in spec.varied), str(t.seed),
                      finished.get(t.id, "to run"))
    fixed = " ".join(f"{k}={_cell(v)}" for k, v in spec.fixed.items())
    table.caption = f"every trial: {fixed or '(descend train defaults)'}"
    return table


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(value)
    return f"{value:.4g}" if isinstance(value, float) else str(value)


# ------------------------------------------------------------------------------------ report
def _report(args: argparse.Namespace) -> int:
    from ..sweep import report as sweep_report

    rep = sweep_report.build(args.dir)
    con = common.console()
    con.width = max(con.width, 110)  # the ranking's columns; a pipe's default 80 squeezes them
    if args.trial is not None:
        return _one_trial(con, rep, args.trial)
    if args.top < 1:
        raise ValueError(f"--top: expected a positive integer, got {args.top}")
    pair = [p.strip() for p in args.heatmap.split(",")] if args.heatmap else None
    if pair is not None:
        sweep_report.check_heatmap(rep, pair)
    sweep_report.panel_key(rep, args.by)  # refuses an option that does not vary, before any work
    con.print(_ranking_table(rep, args.top))
    for line in rep.findings:
        con.print(f"• {line}")
    if len(rep.ranking) and rep.ranking.iloc[0]["best_trial"] is not None:
        best = rep.trials[rep.trials["trial"] == rep.ranking.iloc[0]["best_trial"]].iloc[0]
        con.print(f"The best trial ({best['trial']}, #{best['index']}) again: {best['command']}")
    if not args.no_plot and len(rep.trials):
        from ..sweep import load_history

        folder = Path(args.pictures) if args.pictures else Path(args.dir) / "report"
        for path in sweep_report.draw(rep, load_history(args.dir), folder, by=args.by, heatmap=pair):
            con.print(f"wrote {path}")
    return 0


def _ranking_table(rep: Any, top: int) -> Any:
    from rich.table import Table

    what = "val loss" if rep.metric == "val_loss" else "loss"
    table = Table(title=f"configurations ranked by median final {what} over seeds "
                        f"({len(rep.ranking)} configurations, best {min(top, len(rep.ranking))} shown)",
                  title_justify="left")
    index = dict(zip(rep.trials["trial"], rep.trials["index"], strict=True))
    for name in ("", *rep.varied, "seeds", f"median {what}", "min–max", "accuracy", "diverged", "failed",
                 "s/trial", "best"):
        table.add_column(name, justify="left" if name in rep.varied else "right")
    for i, row in rep.ranking.head(top).iterrows():
        best = f"#{index[row['best_trial']]}" if row["best_trial"] is not None else ""
        table.add_row(str(i + 1), *(_cell(row[k]) for k in rep.varied), str(row["trials"] - row["failed"]),
                      _num(row["median"]), f"{_num(row['low'])}–{_num(row['high'])}", _num(row["accuracy"]),
                      str(row["diverged"]), str(row["failed"]), _num(row["seconds"]), best)
    table.caption = ("diverged trials count as an infinite loss, failed ones (errors) are left out; "
                     "best: the best seed's trial (descend sweep report DIR --trial N)")
    return table


def _num(value: float) -> str:
    import math

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return "diverged" if math.isinf(value) else f"{value:.3g}"


def _one_trial(con: Any, rep: Any, which: str) -> int:
    t = rep.trials
    match = t[(t["trial"] == which) | (t["index"].astype(str) == which)]
    if match.empty:
        raise ValueError(f"--trial: no recorded trial has the id or index {which!r} "
                         f"({len(t)} recorded; descend sweep SPEC --dry-run lists them)")
    row = match.iloc[0]
    rows = [(k, row[k]) for k in (*rep.varied, "seed", "status", "loss", "val_loss", "test_loss", "epochs",
                                  "seconds") if k in row and row[k] is not None]
    if row["status"] == "diverged":
        rows += [(k, row[k]) for k in ("diverged_epoch", "diverged_update", "diverged_layer")]
    if row["status"] != "done":
        rows.append(("error", row["error"]))
    con.print(common.table(f"trial {row['trial']} (#{row['index']})", rows))
    print(row["command"], file=sys.stdout)
    return 0
