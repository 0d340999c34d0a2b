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

EPILOG = """examples:
  descend diagnose                               10 hidden layers; sigmoid, tanh, relu, leaky_relu, elu
  descend diagnose --depth 20 --width 16         deeper and narrower
  descend diagnose --activations sigmoid,relu --no-explode
  descend diagnose --clipnorm 0.5 --out pictures

files: <out>/gradient_flow.png (per-layer gradient norms) and <out>/exploding.png (loss per update).
"""

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--activations", default=",".join(ACTIVATIONS), help="comma-separated hidden activations")
    p.add_argument("--depth", type=int, default=10, help="hidden layers")
    p.add_argument("--width", type=int, default=32, help="units per hidden layer")
    p.add_argument("--samples", type=int, default=256, help="digits used to measure the gradients")
    p.add_argument("--clipnorm", type=float, default=1.0, help="clipping of the second exploding run")
    p.add_argument("--epochs", type=int, default=40, help="epochs of the exploding runs")
    p.add_argument("--no-explode", action="store_true", help="skip the exploding runs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/diagnose", metavar="DIR",
                   help="folder for the pictures (created if missing)")


_COLOURS = {"vanishing": "blue", "exploding": "red", "healthy": "green"}


def _check_args(args: argparse.Namespace) -> list[str]:
    from ..activations import get as get_activation

    names = [s.strip().lower() for s in args.activations.split(",") if s.strip()]
    if not names:
        raise ValueError(f"--activations: expected comma-separated names, got {args.activations!r}")
    for name in names:
        try:
            get_activation(name)
        except (ValueError, TypeError):
            raise ValueError(f"--activations: unknown activation {name!r}; try {', '.join(ACTIVATIONS)}") from None
    for option, value, low in (("--depth", args.depth, 1), ("--width", args.width, 1),
                               ("--samples", args.samples, 1), ("--epochs", args.epochs, 1)):
        if value < low:
            raise ValueError(f"{option}: expected an int >= {low}, got {value}")
    if not (math.isfinite(args.clipnorm) and args.clipnorm > 0):
        raise ValueError(f"--clipnorm: expected a number > 0, got {args.clipnorm}")
    return names


def _out_dir(text: str) -> Path:
    out = Path(text)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out: expected a folder, got the file {str(out)!r}")
    out.mkdir(parents=True, exist_ok=True)
    return out


def run(args: argparse.Namespace) -> int:
    import numpy as np
    from rich.console import Console
    from rich.table import Table

    from .. import diagnostics, diagnostics_plots

    names = _check_args(args)
    out = _out_dir(args.out)
    console = Console(highlight=False)

    flows = diagnostics.compare_activations(names, depth=args.depth, width=args.width,
                                            n_samples=args.samples, seed=args.seed)
    verdicts = {name: diagnostics.diagnose(flow, at=0) for name, flow in flows.items()}
    written = [out / "gradient_flow.png"]
    diagnostics_plots.plot_gradient_flow(flows, written[0])

    inits = {n: diagnostics.DEFAULT_INITIALIZERS.get(n, "glorot_uniform") for n in names}
    table = Table(title=f"‖∂E/∂W‖ per layer at initialisation: {args.depth} hidden layers of "
                        f"{args.width} units, softmax output, {args.samples} digits")
    table.add_column("layer", justify="right")
    for n in names:
        table.add_column(f"{n}\n({inits[n]})", justify="right")
    layers = flows[names[0]].layers
    for i, layer in enumerate(layers):
        cells = []
        for n in names:
            v = verdicts[n][i]
            cells.append(f"{v.grad_norm:.2e} [{_COLOURS[v.label]}]{v.label}[/]")
        label = f"{i + 1}" + (" (output)" if i == len(layers) - 1 else "")
        table.add_row(label, *cells)
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

    if not args.no_explode:
        console.print()
        console.print("[bold]Exploding gradients[/]: a ReLU network with initial weights N(0, 1) "
                      "(He would use N(0, 2/32)), SGD η = 0.003, the two moons.")
        wild = diagnostics.exploding_run(None, epochs=args.epochs, seed=args.seed)
        steps = Table(title="without clipping: every update, as the GradientMonitor saw it")
        for column in ("update", "loss", "largest ‖∂E/∂W‖", "largest ‖ΔW‖/‖W‖", "exploding layers"):
            steps.add_column(column, justify="right")
        flow = wild.flow
        norms, ratios = flow["grad_norm"], flow["update_ratio"]
        for k in range(len(flow)):
            labels = [v.label for v in diagnostics.diagnose(flow, at=k)]
            steps.add_row(str(flow.steps[k]), f"{flow.losses[k]:.3g}", f"{norms[k].max():.3g}",
                          "—" if np.isnan(ratios[k]).all() else f"{ratios[k].max():.3g}",
                          f"{labels.count('exploding')} of {len(labels)}")
        console.print(steps)
        if wild.diverged:
            console.print(f"[red]DivergenceError[/]: {wild.error}")
        else:
            console.print(f"(this seed did not diverge in {args.epochs} epochs; final accuracy {wild.accuracy:.3f})")
        tamed = diagnostics.exploding_run(args.clipnorm, epochs=args.epochs, seed=args.seed)
        if tamed.diverged:
            console.print(f"with clipnorm={args.clipnorm:g}: [red]diverged too[/]: {tamed.error}")
        else:
            console.print(f"with clipnorm={args.clipnorm:g}: loss {tamed.epoch_losses[0]:.4g} after epoch 1 "
                          f"→ {tamed.epoch_losses[-1]:.4g} after epoch {len(tamed.epoch_losses)}, training "
                          f"accuracy {tamed.accuracy:.3f} — [green]it converges[/].")
        written.append(out / "exploding.png")
        diagnostics_plots.plot_exploding([wild, tamed], written[-1])
    for path in written:
        console.print(f"wrote {path}")
    return 0
