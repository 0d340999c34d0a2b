"""``descend diagnose``: the lecture's §7 (vanishing and exploding gradients) on the real engine.

1. The same deep network (default 10 hidden layers of 32 units, softmax output, the digits) with
   each activation — sigmoid and tanh with Keras's default Xavier initialisation, the ReLU family
   with He's: the gradient norm ‖∂E/∂W‖ of every layer at initialisation, as a picture
   (layers × activations, log scale) and a table with each layer's verdict (vanishing / exploding /
   healthy, thresholds in descend.diagnostics).
2. An exploding run: a ReLU network with large initial weights N(0, 1) learns the two moons by
   SGD; the loss jumps by orders of magnitude, becomes NaN and training stops with the error
   saying where. Then the same run with gradient clipping (clipnorm), which converges.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np
from rich.table import Table

from .. import diagnostics, diagnostics_plots
from ..activations import get as get_activation
from ..checks import Interval, check
from . import _common as common

EPILOG = """examples:
  descend diagnose                               10 hidden layers; sigmoid, tanh, relu, leaky_relu, elu
  descend diagnose --depth 20 --width 16         deeper and narrower
  descend diagnose --activations sigmoid,relu --no-explode
  descend diagnose --clip-norm 0.5 --out pictures

files: <out>/gradient_flow.png (per-layer gradient norms) and <out>/exploding.png (loss per update).
"""

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--activations", default=",".join(ACTIVATIONS), help="comma-separated hidden activations")
    p.add_argument("--depth", type=int, default=10, help="hidden layers")
    p.add_argument("--width", type=int, default=32, help="units per hidden layer")
    p.add_argument("--samples", type=int, default=256, help="digits used to measure the gradients")
    p.add_argument("--clip-norm", "--clipnorm", dest="clipnorm", type=float, default=1.0,
                   help="the gradient norm each tensor is clipped to in the second exploding run (as "
                        "descend train --clip-norm)")
    p.add_argument("--epochs", type=int, default=40, help="epochs of the exploding runs")
    p.add_argument("--no-explode", action="store_true", help="skip the exploding runs")
    p.add_argument("--seed", type=int, default=0,
                   help="seeds the weights, the samples drawn and the exploding runs")
    p.add_argument("--out", default="runs/diagnose", metavar="DIR",
                   help="folder for the pictures (created if missing)")


_COLOURS = {"vanishing": "blue", "exploding": "red", "healthy": "green"}


def _check_args(args: argparse.Namespace) -> list[str]:
    names = [s.strip().lower() for s in args.activations.split(",") if s.strip()]
    if not names:
        raise ValueError(f"--activations: expected comma-separated names, got {args.activations!r}")
    for name in names:
        try:
            get_activation(name)
        except (ValueError, TypeError):
            raise ValueError(f"--activations: unknown activation {name!r}; "
                             f"try {', '.join(ACTIVATIONS)}") from None
    for option, value in (("--depth", args.depth), ("--width", args.width), ("--samples", args.samples),
                          ("--epochs", args.epochs)):
        check(option, value, Interval(int, 1))
    check("--clip-norm", args.clipnorm, Interval(float, 0, closed="neither"))
    return names


def run(args: argparse.Namespace) -> int:
    names = _check_args(args)
    out = common.out_dir(args.out)
    console = common.console()
    written = [out / "gradient_flow.png"]
    _gradient_flow(console, names, args, written[0])
    if not args.no_explode:
        written.append(out / "exploding.png")
        _exploding(console, args, written[-1])
    for path in written:
        console.print(f"wrote {path}")
    return 0


def _gradient_flow(console: Any, names: list[str], args: argparse.Namespace, picture: Path) -> None:
    """Part 1: ‖∂E/∂W‖ per layer at initialisation for each activation — picture, table, verdict."""
    flows = diagnostics.compare_activations(names, depth=args.depth, width=args.width,
                                            n_samples=args.samples, seed=args.seed)
    verdicts = {name: diagnostics.diagnose(flow, at=0) for name, flow in flows.items()}
    diagnostics_plots.plot_gradient_flow(flows, picture)

    inits = {n: diagnostics.DEFAULT_INITIALIZERS.get(n, "glorot_uniform") for n in names}
    used = len(diagnostics._digits(args.samples)[0])  # --samples beyond the 1,797 digits: all of them
    asked = "" if used == args.samples else f" (all of them; --samples asked for {args.samples:,})"
    table = Table(title=f"‖∂E/∂W‖ per layer at initialisation: {args.depth} hidden layers of "
                        f"{args.width} units, softmax output, {used:,} digits{asked}")
    table.add_column("layer", justify="right")
    for n in names:
        table.add_column(f"{n}\n({inits[n]})", justify="right")
    n_layers = len(flows[names[0]].layers)
    for i in range(n_layers):
        cells = []
        for n in names:
            v = verdicts[n][i]
            cells.append(f"{v.grad_norm:.2e} [{_COLOURS[v.label]}]{v.label}[/]")
        table.add_row(f"{i + 1}" + (" (output)" if i == n_layers - 1 else ""), *cells)
    ratios = {n: verdicts[n][0].relative_grad_norm for n in names}
    table.add_section()
    table.add_row("first / last", *(f"{ratios[n]:.1e}" for n in names))
    console.print(table)
    for n in names:
        r = ratios[n]
        if math.isfinite(r) and r <= diagnostics.VANISHING_RATIO:
            console.print(f"{n}: the first layer's gradient is {r:.1e} × the output layer's — it vanishes "
                          f"on the way down (each {n}′ factor is small); those weights barely move.")
        else:
            console.print(f"{n}: the first layer's gradient is {r:.2g} × the output layer's — it reaches "
                          f"the input side intact.")


def _exploding(console: Any, args: argparse.Namespace, picture: Path) -> None:
    """Part 2: a run with large initial weights, update by update, then the same run clipped."""
    console.print()
    console.print("[bold]Exploding gradients[/]: a ReLU network with initial weights N(0, 1) "
                  "(He would use N(0, 2/32)), SGD η = 0.003, the two moons.")
    wild = diagnostics.exploding_run(None, epochs=args.epochs, seed=args.seed)
    console.print(_updates_table(wild.flow))
    if wild.diverged:
        console.print(f"[red]DivergenceError[/]: {wild.error}")
    else:
        console.print(f"(this seed did not diverge in {args.epochs} epochs; final accuracy "
                      f"{wild.accuracy:.3f})")
    tamed = diagnostics.exploding_run(args.clipnorm, epochs=args.epochs, seed=args.seed)
    if tamed.diverged:
        console.print(f"with clipnorm={args.clipnorm:g}: [red]diverged too[/]: {tamed.error}")
    else:
        console.print(f"with clipnorm={args.clipnorm:g}: loss {tamed.epoch_losses[0]:.4g} after epoch 1 "
                      f"→ {tamed.epoch_losses[-1]:.4g} after epoch {len(tamed.epoch_losses)}, training "
                      f"accuracy {tamed.accuracy:.3f} — [green]it converges[/].")
    diagnostics_plots.plot_exploding([wild, tamed], picture)


def _updates_table(flow: Any) -> Table:
    """Every update as the GradientMonitor saw it: loss, largest gradient and step, exploding layers."""
    table = Table(title="without clipping: every update, as the GradientMonitor saw it")
    for column in ("update", "loss", "largest ‖∂E/∂W‖", "largest ‖ΔW‖/‖W‖", "exploding layers"):
        table.add_column(column, justify="right")
    norms, steps = flow["grad_norm"], flow["update_ratio"]
    for k in range(len(flow)):
        labels = [v.label for v in diagnostics.diagnose(flow, at=k)]
        table.add_row(str(flow.steps[k]), f"{flow.losses[k]:.3g}", f"{norms[k].max():.3g}",
                      "—" if np.isnan(steps[k]).all() else f"{steps[k].max():.3g}",
                      f"{labels.count('exploding')} of {len(labels)}")
    return table
