"""``descend init-study``: the initialisation experiments of Glorot & Bengio (2010) and He et al.
(2015), lecture §10, on the real engine.

* glorot — a deep tanh network: the variance of the activations and of the back-propagated
  gradients per layer drifts (× ≈ 1/3 per layer) with the old U[−1/√n, 1/√n] and stays roughly
  constant with the normalised Xavier U[−√(6/(n+m)), √(6/(n+m))].
* he — a deep ReLU network (30 layers): with Xavier the signal halves layer by layer and training
  stalls at the loss of a constant guess; with He N(0, 2/n) the signal keeps its size and it trains.

Prints a per-layer table for each and writes a picture of each.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.table import Table

from .. import diagnostics_plots
from ..checks import Interval, check
from ..lab.init_study import InitStudy, glorot_study, he_study
from . import _common as common

EPILOG = """examples:
  descend init-study                             both studies
  descend init-study --study he --epochs 20      the ReLU study, trained longer
  descend init-study --study glorot --tanh-depth 5 --width 100   closer to the paper's 5 × 1000

files: <out>/glorot_tanh.png and <out>/he_relu.png.
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--study", choices=["glorot", "he", "both"], default="both",
                   help="glorot: Xavier vs the old uniform in a deep tanh network; he: He vs Xavier in a "
                        "deep ReLU network; both")
    p.add_argument("--tanh-depth", type=int, default=10, help="hidden tanh layers (Glorot study)")
    p.add_argument("--relu-depth", type=int, default=30, help="hidden ReLU layers (He study)")
    p.add_argument("--width", type=int, default=64, help="units per hidden layer")
    p.add_argument("--samples", type=int, default=512, help="digits used to measure the variances")
    p.add_argument("--epochs", type=int, default=10, help="training epochs of the He study")
    p.add_argument("--seed", type=int, default=0, help="seeds the weights, the digits drawn and the training")
    p.add_argument("--out", default="runs/init-study", metavar="DIR",
                   help="folder for the pictures (created if missing)")


def _table(study: InitStudy) -> Table:
    labels = study.labels
    table = Table(title=study.title)
    table.add_column("layer", justify="right")
    for i in range(len(labels)):
        table.add_column(f"Var(a)\n({i + 1})", justify="right")
    for i in range(len(labels)):
        table.add_column(f"Var(∂E/∂z)\n({i + 1})", justify="right")
    for k in range(len(study.layers)):
        table.add_row(str(k + 1), *(f"{study.activation_var[lab][k]:.2e}" for lab in labels),
                      *(f"{study.delta_var[lab][k]:.2e}" for lab in labels))
    table.add_section()
    table.add_row("× per layer", *(f"{study.per_layer_factor(lab, 'activation'):.3f}" for lab in labels),
                  *(f"{study.per_layer_factor(lab, 'delta'):.3f}" for lab in labels))
    table.add_row("max / min", *(f"{study.drift(lab, 'activation'):.2g}" for lab in labels),
                  *(f"{study.drift(lab, 'delta'):.2g}" for lab in labels))
    table.caption = "   ".join(f"({i + 1}) {lab}" for i, lab in enumerate(labels)) + \
        "\n× per layer: forward for Var(a), backward (towards the input) for Var(∂E/∂z)"
    return table


def run(args: argparse.Namespace) -> int:
    for option, value, low in (("--tanh-depth", args.tanh_depth, 2), ("--relu-depth", args.relu_depth, 2),
                               ("--width", args.width, 1), ("--samples", args.samples, 2),
                               ("--epochs", args.epochs, 0)):
        check(option, value, Interval(int, low))
    out = common.out_dir(args.out)
    console = common.console()
    written = []
    if args.study in ("glorot", "both"):
        written.append(_glorot(console, args, out / "glorot_tanh.png"))
    if args.study in ("he", "both"):
        written.append(_he(console, args, out / "he_relu.png"))
    for path in written:
        console.print(f"wrote {path}")
    return 0


def _glorot(console: Any, args: argparse.Namespace, picture: Path) -> Path:
    study = glorot_study(depth=args.tanh_depth, width=args.width, n_samples=args.samples, seed=args.seed)
    console.print(_table(study))
    old, new = study.labels
    console.print(f"The old uniform multiplies Var(a) by {study.per_layer_factor(old):.2f} per layer "
                  f"(theory: n·Var(W) = 1/3); normalised Xavier by {study.per_layer_factor(new):.2f} "
                  f"(theory: 1, less tanh's squashing). Over {len(study.layers)} layers: "
                  f"{study.drift(old):.2g}× vs {study.drift(new):.2g}×.")
    diagnostics_plots.plot_init_study(study, picture)
    return picture


def _he(console: Any, args: argparse.Namespace, picture: Path) -> Path:
    study = he_study(depth=args.relu_depth, width=args.width, epochs=args.epochs,
                     n_samples=args.samples, seed=args.seed)
    console.print(_table(study))
    xavier, he = study.labels
    console.print(f"Xavier multiplies Var(a) by {study.per_layer_factor(xavier):.2f} per layer "
                  f"(theory: 1/2, a ReLU keeps half the variance); He by "
                  f"{study.per_layer_factor(he):.2f} (theory: 1).")
    if args.epochs:
        for lab in study.labels:
            losses = study.losses[lab]
            console.print(f"{lab}: training loss {losses[0]:.4f} → {losses[-1]:.4f} in {len(losses)} "
                          f"epochs, accuracy {study.accuracy[lab]:.3f} (a constant guess: "
                          f"{study.baseline_loss:.4f})")
    diagnostics_plots.plot_init_study(study, picture)
    return picture
