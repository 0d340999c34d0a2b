"""``descend trajectories``: optimizers race on a 2-D surface from the same start (lecture §8).

Writes a contour plot of every path (PNG) and the race as an animation (GIF), and prints a table:
final point, final value, steps to reach the tolerance (and, on surfaces with saddle points, how
many steps each optimizer spent near one).
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from rich.table import Table

from .. import optimizers, plotting
from ..checks import Interval, check
from ..lab.functions import FUNCTIONS, Function2D, get_function
from ..lab.trajectories import RACE_OPTIMIZERS, RaceResult, race
from . import _common as common

EPILOG = """examples:
  descend trajectories                                   the saddle x² − y², all eight optimizers
  descend trajectories --function rosenbrock --steps 2000 --frames 40
  descend trajectories --function beale --optimizers sgd,momentum,adam --lr adam=0.02
  descend trajectories --function quadratic --condition 50 --start -4,1
  descend trajectories --function himmelblau --start 0,0 --out pictures --frames 0   (no GIF)

surfaces: saddle, beale, rosenbrock, himmelblau, quadratic (an ill-conditioned bowl).
optimizers: sgd, momentum, nag, adagrad, rmsprop, adadelta, adam, nadam (default η per surface,
see descend.lab.trajectories.RACE_LEARNING_RATES; override with --lr name=value,...).
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--function", default="saddle", choices=list(FUNCTIONS),
                   help="the surface")
    p.add_argument("--optimizers", default=",".join(RACE_OPTIMIZERS),
                   help="comma-separated optimizer names")
    p.add_argument("--steps", type=int, default=300, help="updates per optimizer")
    p.add_argument("--start", default=None, metavar="X,Y",
                   help="start point (default: the surface's own, e.g. -1,0.001 for the saddle)")
    p.add_argument("--lr", default="", metavar="NAME=VALUE,...",
                   help="learning rates, e.g. sgd=0.02,adam=0.1")
    p.add_argument("--tol", type=float, default=1e-6, help="tolerance on f − f* for 'steps to tol'")
    p.add_argument("--condition", type=float, default=None,
                   help="condition number of the quadratic bowl (only with --function quadratic)")
    p.add_argument("--out", default="runs/trajectories", metavar="DIR",
                   help="folder for <function>.png and <function>.gif (created if missing)")
    p.add_argument("--frames", type=int, default=60, help="GIF frames (0: no GIF)")


def parse_point(text: str, argument: str = "--start") -> tuple[float, float]:
    """``"x,y"`` → (x, y), or a ValueError naming the argument."""
    parts = [s.strip() for s in str(text).split(",")]
    try:
        x, y = (float(s) for s in parts)
    except ValueError:
        raise ValueError(f"{argument}: expected two numbers 'x,y', got {text!r}") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError(f"{argument}: expected finite numbers, got {text!r}")
    return x, y


def parse_learning_rates(text: str) -> dict[str, float]:
    """``"sgd=0.02,adam=0.1"`` → {"sgd": 0.02, "adam": 0.1}, or a ValueError naming --lr."""
    rates: dict[str, float] = {}
    for item in filter(None, (s.strip() for s in str(text).split(","))):
        name, sep, value = item.partition("=")
        try:
            lr = float(value)
        except ValueError:
            lr = math.nan
        if not sep or not name.strip() or lr not in Interval(float, 0, closed="neither"):
            raise ValueError(f"--lr: expected NAME=VALUE with VALUE > 0 (e.g. adam=0.1), got {item!r}")
        rates[name.strip().lower()] = lr
    return rates


def _fmt(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}g}"


def run(args: argparse.Namespace) -> int:
    fn, names = _surface_and_optimizers(args)
    steps = check("--steps", args.steps, Interval(int, 1))
    if args.frames != 0:   # 0: no GIF; else each frame a different step
        check("--frames", args.frames, Interval(int, 2, steps + 1, noun="0 (no GIF) or an int"))
    start = None if args.start is None else parse_point(args.start)
    out = common.out_dir(args.out)
    rates = parse_learning_rates(args.lr)
    unknown = sorted(set(rates or {}) - set(names))
    if unknown:
        raise ValueError(f"--lr: {', '.join(unknown)} not among --optimizers {','.join(names)}")
    result = race(fn, names, start=start, steps=steps, tol=args.tol, learning_rates=rates)
    written = _pictures(fn, result, out, args.frames)
    console = common.console(highlight=True)
    console.print(_race_table(fn, result, args.tol))
    if fn.min_value is None:
        console.print(f"{fn.name} is unbounded below: there is no minimum to reach, so "
                      "'steps to tol' does not apply.")
    for path in written:
        console.print(f"wrote {path}", highlight=False)
    return 0


def _surface_and_optimizers(args: argparse.Namespace) -> tuple[Function2D, list[str]]:
    if args.condition is not None and args.function != "quadratic":
        raise ValueError(f"--condition: only for --function quadratic, got --function {args.function}")
    fn = get_function(args.function, **({} if args.condition is None else {"condition": args.condition}))
    names = [s.strip().lower() for s in args.optimizers.split(",") if s.strip()]
    if not names:
        raise ValueError(f"--optimizers: expected comma-separated names, got {args.optimizers!r}")
    with common.as_options({"optimizer": "--optimizers"}):   # refused naming the option
        for name in names:
            optimizers.get_class(name)
    return fn, names


def _pictures(fn: Function2D, result: RaceResult, out: Path, frames: int) -> list[Path]:
    """<out>/<surface>.png, and the race as <surface>.gif unless ``frames`` is 0."""
    png = out / f"{fn.name}.png"
    plotting.plot_trajectories(fn, result, png)
    if not frames:
        return [png]
    return [png, plotting.animate_trajectories(fn, result, out / f"{fn.name}.gif", frames=frames)]


def _race_table(fn: Function2D, result: RaceResult, tol: float) -> Any:
    """One row per optimizer: η, final point and value, steps to tol, steps near a saddle, a note."""
    x0, y0 = result.start
    table = Table(title=f"{fn.formula}\n{result.steps} steps from ({x0:g}, {y0:g})")
    for name in ("optimizer", "η", "final x", "final y", "final f"):
        table.add_column(name, justify="left" if name == "optimizer" else "right")
    if fn.min_value is not None:
        table.add_column(f"steps to f−f* ≤ {tol:g}", justify="right")
    near = result.steps_near_saddle() if fn.saddles else None
    if near is not None:
        table.add_column("near saddle*", justify="right")
        table.caption = (f"*: steps spent within {result.saddle_radius():g} of a saddle point "
                         f"(of {result.steps + 1} points)")
    table.add_column("note")
    for row in result.table():
        x, y = row["final_point"]
        cells = [row["optimizer"], _fmt(row["learning_rate"]), _fmt(x, 3), _fmt(y, 3),
                 _fmt(row["final_value"], 3)]
        if fn.min_value is not None:
            cells.append("never" if row["steps_to_tol"] is None else str(row["steps_to_tol"]))
        if near is not None:
            cells.append(str(near[row["optimizer"]]))
        cells.append("" if row["diverged_at"] is None else f"off to ∞ at step {row['diverged_at']}")
        table.add_row(*cells)
    return table
