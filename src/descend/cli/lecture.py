"""``descend lecture``: replay the slides' worked examples on the real engine."""
from __future__ import annotations

import argparse
from collections.abc import Callable

from .. import lecture
from ..lab import classic
from . import _common as common

EPILOG = """examples:
  descend lecture              both worked examples, every number named as on the slides
  descend lecture --example a  only the linear-regression example (SGD, BGD, mini-batch)
  descend lecture --example b  only the 2-2-1 network's backprop step
  descend lecture --example classic --out runs/lecture
                               normal equation / Newton–Raphson / L-BFGS vs the three kinds of GD,
                               and a PNG of the three GD kinds' loss curves (gd_kinds.png)
  descend lecture --out runs/lecture
                               everything, and the same PNG
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--example", choices=["a", "b", "classic", "all"], default="all",
                   help="which part to replay")
    p.add_argument("--out", metavar="DIR",
                   help="also write gd_kinds.png (the three GD kinds' loss curves) here; "
                        "with --example classic or all, the parts that draw it")


#: the parts of the replay that have a picture (the three GD kinds' loss curves)
DRAWN = ("classic", "all")


def run(args: argparse.Namespace) -> int:
    replays: dict[str, Callable[[], object]] = {
        "a": lecture.example_a, "b": lecture.example_b, "classic": lecture.classic_methods,
        "all": lecture.replay}
    if args.out and args.example not in DRAWN:
        raise ValueError(f"--out: example {args.example} draws no picture; gd_kinds.png belongs "
                                f"to --example classic or all")
    out = common.out_dir(args.out) if args.out else None
    print(replays[args.example]())
    if out is not None:
        from .. import plotting  # matplotlib: only when a picture is asked for

        X, y = classic.linear_data(seed=0)
        path = out / "gd_kinds.png"
        plotting.plot_gd_kinds(classic.gd_kinds_curves(X, y, seed=0), path)
        print(f"wrote {path}")
    return 0
