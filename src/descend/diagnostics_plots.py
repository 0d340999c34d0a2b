"""Pictures of the gradient flow (lecture §7) and of the initialisation studies (§10).

matplotlib with the Agg canvas (no display, no pyplot); each function takes the data
(:class:`~descend.diagnostics.GradientFlow`, :class:`~descend.diagnostics.ExplodingRun`,
:class:`~descend.lab.init_study.InitStudy`), returns the Figure and, given a path, writes it
atomically (a temporary file beside it, then :func:`os.replace`, via
:func:`descend.plotting.save_figure`). Imported only where a picture is drawn.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

# the figure and the atomic write are plotting's: one Agg canvas and one file rule for every picture
from .plotting import PathLike, finish, new_figure

__all__ = ["plot_gradient_flow", "plot_exploding", "plot_init_study"]


def plot_gradient_flow(flows: Mapping[str, Any], path: PathLike | None = None, *, record: int = 0,
                       title: str | None = None) -> Figure:
    """‖∂E/∂W‖ per layer for several networks (e.g. one per activation), log scale.

    Left: one line per network, layer 1 (input side) to the output layer. Right: the same numbers
    as a heat map, layers × networks, coloured by log₁₀‖∂E/∂W‖ and annotated.

    Parameters
    ----------
    flows : mapping of str to GradientFlow
        Label (e.g. "sigmoid") → flow; all with the same number of layers.
    record : int
        Which record of each flow (0: the first, e.g. at initialisation).
    """
    if not flows:
        raise ValueError("flows: expected at least one GradientFlow, got none")
    labels = list(flows)
    norms = np.array([flows[k]["grad_norm"][record] for k in labels])  # (networks, layers)
    n_layers = norms.shape[1]
    fig = new_figure(12.5, 5.2)
    ax, hm = fig.subplots(1, 2, width_ratios=[1.25, 1])
    x = np.arange(1, n_layers + 1)
    for k, row in zip(labels, norms, strict=True):
        ax.plot(x, row, marker="o", label=k)
    ax.set_yscale("log")
    ax.set_xticks(x)
    ax.set_xlabel("layer (1 = next to the input; last = output layer)")
    ax.set_ylabel("gradient norm ‖∂E/∂W‖ (log scale)")
    ax.set_title("Back-propagation runs right to left:\nwhere the line drops, the gradient vanishes")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(title="hidden activation")
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(norms.T)
    finite = logs[np.isfinite(logs)]
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    image = hm.imshow(logs, aspect="auto", cmap="viridis", origin="lower", vmin=vmin, vmax=vmax)
    hm.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    hm.set_yticks(range(n_layers), [str(i) for i in x])
    hm.set_xlabel("hidden activation")
    hm.set_ylabel("layer (1 = next to the input)")
    hm.set_title("log₁₀ ‖∂E/∂W‖ per layer")
    for j in range(len(labels)):
        for i in range(n_layers):
            value = logs[i, j]
            text = f"{value:.1f}" if math.isfinite(value) else "nan"
            light = math.isfinite(value) and value < (vmin + vmax) / 2
            hm.text(j, i, text, ha="center", va="center", fontsize=7, color="white" if light else "black")
    fig.colorbar(image, ax=hm, label="log₁₀ ‖∂E/∂W‖")
    fig.suptitle(title or "Gradient norm per layer of the same deep network with each activation")
    return finish(fig, path)


def plot_exploding(runs: Sequence[Any], path: PathLike | None = None, *, title: str | None = None) -> Figure:
    """The loss of every update for runs of :func:`~descend.diagnostics.exploding_run`, log scale.

    A run that diverged ends with a red × at its last finite loss and a note of where it became
    NaN; a clipped run continues to the end.
    """
    if not runs:
        raise ValueError("runs: expected at least one ExplodingRun, got none")
    fig = new_figure(8.5, 5.0)
    ax = fig.subplots()
    # A batch classified perfectly has a loss near 0, or exactly 0, which a log axis cannot show:
    # the axis stops at the floor, and such a batch is drawn on it, not below the axis.
    finite = [v for run in runs for v in run.losses if math.isfinite(v) and v > 0]
    floor = max(min(finite), 1e-2) if finite else 1e-2
    floored = sum(_exploding_curve(ax, run, floor) for run in runs)
    zeros = sum(1 for run in runs for v in run.losses if v == 0)
    ax.set_yscale("log")
    ax.set_ylim(bottom=floor / 1.5)
    note = (f"\n{floored} batch losses below {floor:.2g}{f' ({zeros} of them exactly 0)' if zeros else ''} "
            f"are drawn at {floor:.2g}" if floored else "")
    ax.set_xlabel("update (mini-batch SGD step); clipped run: faint = each batch, "
                  "solid = running mean over 13 updates" + note)
    ax.set_ylabel("loss E of the batch (log scale)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    ax.set_title(title or "Large initial weights: the gradients explode and the loss becomes NaN;\n"
                          "gradient clipping (clipnorm) keeps the steps bounded and the run converges")
    return finish(fig, path)


def _exploding_curve(ax: Any, run: Any, floor: float) -> int:
    """One run: each batch's loss faint (at least ``floor``, the axis's bottom), its running mean
    over an epoch (13 updates) solid; a diverged run ends with a red × and a note where its loss
    became NaN. Returns how many batch losses were raised to the floor."""
    losses = np.asarray(run.losses, dtype=float)
    steps = np.arange(1, len(losses) + 1)
    ok = np.isfinite(losses)
    label = "no clipping" if run.clipnorm is None else f"clipnorm={run.clipnorm:g}"
    if run.diverged:
        label += f" — NaN at update {len(losses)}"
    elif run.accuracy is not None:
        label += f" — accuracy {run.accuracy:.2f}"
    window = 1 if run.diverged else max(1, min(13, int(ok.sum())))
    shown = np.maximum(losses[ok], floor)
    (line,) = ax.plot(steps[ok], shown, lw=0.8, alpha=0.3 if window > 1 else 1.0)
    smooth = np.maximum(np.convolve(losses[ok], np.ones(window) / window, mode="valid"), floor)
    ax.plot(steps[ok][window - 1:], smooth, color=line.get_color(), lw=1.8, label=label)
    if run.diverged and ok.any():
        last = np.flatnonzero(ok)[-1]
        ax.plot(steps[last], losses[last], "x", color="red", ms=12, mew=3)
        ax.annotate(f"loss = NaN at update {len(losses)}", (steps[last], losses[last]),
                    textcoords="offset points", xytext=(10, -5), color="red")
    return int(np.sum(losses[ok] < floor))


def plot_init_study(study: Any, path: PathLike | None = None) -> Figure:
    """Variance of the activations and of the back-propagated gradients per layer (log scale),
    one line per initialisation; with a third panel of the training loss when the study trained."""
    trained = any(study.losses.get(lab) for lab in study.labels)
    fig = new_figure(15.0 if trained else 10.5, 4.8)
    axes = fig.subplots(1, 3 if trained else 2)
    x = np.arange(1, len(study.layers) + 1)
    panels = (("activation_var", "Var(a) of the activations\n(forward: the signal going up)"),
              ("delta_var", "Var(∂E/∂z) of the back-propagated gradients\n(backward: δ going down)"))
    for ax, (attr, heading) in zip(axes, panels, strict=False):  # a third axes, if any, is the loss
        for lab in study.labels:
            signal = "activation" if attr == "activation_var" else "delta"
            ax.plot(x, getattr(study, attr)[lab], marker="o", ms=3,
                    label=f"{lab}\n(× {study.per_layer_factor(lab, signal):.2f} per layer)")
        ax.set_yscale("log")
        ax.set_xlabel("hidden layer (1 = next to the input)")
        ax.set_ylabel("variance (log scale)")
        ax.set_title(heading)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    if trained:
        ax = axes[2]
        for lab in study.labels:
            losses = study.losses.get(lab) or []
            ax.plot(np.arange(1, len(losses) + 1), losses, marker="o", ms=3,
                    label=f"{lab} (accuracy {study.accuracy[lab]:.2f})")
        ax.axhline(study.baseline_loss, color="gray", ls="--", label="a constant guess (stalled)")
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss (cross-entropy)")
        ax.set_title("Training: does the deep network learn?")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"{study.title}: the variance per layer at initialisation")
    return finish(fig, path)
