"""``descend schedules``: every learning-rate schedule of descend.schedules, over N update steps.

Each schedule is set up relative to N so that its shape shows (e.g. the slides' step decay
η_t = δ^(t // T)·η₀ with T = N/5 and δ = 0.5). Writes schedules.png and prints η at a few steps.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable

from rich.table import Table

from .. import plotting
from .. import schedules as S
from ..checks import Interval, check
from . import _common as common

EPILOG = """examples:
  descend schedules                          1000 steps, η₀ = 0.1, picture in runs/schedules/
  descend schedules --steps 200 --out pics   shorter, another folder
  descend schedules --lr 0.01 --log          η₀ = 0.01, log-scaled η axis
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--steps", type=int, default=1000, help="number of update steps N")
    p.add_argument("--lr", type=float, default=0.1, help="initial learning rate η₀")
    p.add_argument("--log", action="store_true", help="log scale for the learning rate")
    p.add_argument("--out", default="runs/schedules", metavar="DIR",
                   help="folder for schedules.png (created if missing)")


def default_schedules(steps: int, lr: float = 0.1) -> dict[str, Callable[[int], float]]:
    """One instance of every schedule class of :mod:`descend.schedules`, sized to ``steps``.

    Keys are legend labels naming the class and its parameters.
    """
    steps = check("--steps", steps, Interval(int, 10))
    lr = check("--lr", lr, Interval(float, 0, closed="neither", noun="a number"))
    t5, t10 = max(1, steps // 5), max(1, steps // 10)
    first = max(1, steps // 7)          # restarts after N/7, 3N/7 (t_mul = 2): three cycles fit
    b1, b2 = steps // 3, 2 * steps // 3
    return {
        f"ExponentialDecay(T={t10}, δ=0.5)": S.ExponentialDecay(lr, t10, 0.5),
        f"slides' decay η₀·δ^(t // T): ExponentialDecay(T={t5}, δ=0.5, staircase)":
            S.ExponentialDecay(lr, t5, 0.5, staircase=True),
        f"StepDecay(step_size={t5 // 2 or 1}, γ=0.7)": S.StepDecay(lr, t5 // 2 or 1, 0.7),
        f"PiecewiseConstantDecay(at {b1}, {b2}: η₀, η₀/2, η₀/10)":
            S.PiecewiseConstantDecay([b1, b2], [lr, lr / 2, lr / 10]),
        f"PolynomialDecay(power=2, to η₀/100 at {steps})":
            S.PolynomialDecay(lr, steps, end_learning_rate=lr / 100, power=2.0),
        f"InverseTimeDecay(T={t10}, rate=1)": S.InverseTimeDecay(lr, t10, 1.0),
        f"CosineDecay(over {steps})": S.CosineDecay(lr, steps),
        f"CosineDecayRestarts(first={first}, t_mul=2, m_mul=0.8)":
            S.CosineDecayRestarts(lr, first, t_mul=2.0, m_mul=0.8),
    }


def run(args: argparse.Namespace) -> int:
    sched = default_schedules(args.steps, args.lr)
    out = common.out_dir(args.out)
    png = out / "schedules.png"
    plotting.plot_schedules(sched, args.steps, png, log=args.log)

    at = sorted({0, args.steps // 4, args.steps // 2, 3 * args.steps // 4, args.steps - 1})
    table = Table(title=f"learning rate η_t at step t (0-based), η₀ = {args.lr:g}")
    table.add_column("schedule")
    for t in at:
        table.add_column(f"t={t}", justify="right")
    for name, schedule in sched.items():
        table.add_row(name, *(f"{schedule(t):.4g}" for t in at))
    console = common.console(highlight=True)
    console.print(table)
    console.print(f"wrote {png}", highlight=False)
    return 0
