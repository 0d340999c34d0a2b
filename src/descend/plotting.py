"""Pictures of the lecture's claims, drawn with matplotlib from plain data.

Every function takes data (a race of optimizers, a training history, schedules, loss curves),
returns a :class:`matplotlib.figure.Figure` and, when ``path`` is given, also writes it to that
file — atomically (a temporary file in the same folder, then :func:`os.replace`), so a reader never
sees half a picture. Figures are built on the Agg canvas directly (no pyplot, no display, no
global figure list), so this module works on servers and in threads. matplotlib is imported only
where a picture is drawn — this module, :mod:`descend.diagnostics_plots` and the sweep report,
which draw on :func:`new_figure` —: ``import descend`` does not load it.

- :func:`plot_trajectories` — optimizers' paths on a contour plot (lecture §8);
- :func:`animate_trajectories` — the same as a GIF "race";
- :func:`plot_history` — loss and metrics per epoch (``val_*`` dashed);
- :func:`plot_schedules` — learning rate against the update step (§9);
- :func:`plot_gd_kinds` — batch, stochastic and mini-batch GD loss curves (§2).
"""
from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import LogFormatterSciNotation, LogLocator

from .checks import Interval, check

__all__ = ["plot_trajectories", "animate_trajectories", "plot_history", "plot_schedules",
           "plot_gd_kinds", "save_figure", "new_figure", "finish"]

PathLike = str | os.PathLike
#: matplotlib's tab10 colours, in order: panels and curves that are not optimizers
COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown",
          "tab:pink", "tab:gray", "tab:olive", "tab:cyan")
#: one fixed colour per optimizer, the same in every picture and every frame of a race
OPTIMIZER_COLORS = {"sgd": "tab:blue", "momentum": "tab:orange", "nag": "tab:green",
                    "adagrad": "tab:red", "rmsprop": "tab:purple", "adadelta": "tab:brown",
                    "adam": "tab:pink", "nadam": "tab:gray", "adamw": "tab:olive"}


def optimizer_colors(labels: Sequence[str]) -> list[str]:
    """A colour for each race label: the optimizer's own (:data:`OPTIMIZER_COLORS`, by the name
    before any " (2)"), else — and for a second run of the same optimizer — the first colour of
    :data:`COLORS` not yet taken (cycling once all are)."""
    taken: list[str] = []
    for label in labels:
        color = OPTIMIZER_COLORS.get(str(label).split(" (")[0].strip().lower())
        if color is None or color in taken:
            free = [c for c in (*COLORS, *OPTIMIZER_COLORS.values()) if c not in taken]
            color = free[0] if free else COLORS[len(taken) % len(COLORS)]
        taken.append(color)
    return taken


# -- files --------------------------------------------------------------------------------------
def _atomic_write(path: PathLike, write: Callable[[str], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path`` (same suffix), then rename it."""
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"path: expected a file name, got the folder {str(target)!r}")
    if not target.parent.exists():
        raise FileNotFoundError(f"path: the folder {str(target.parent)!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix or ".png",
                               dir=target.parent)
    os.close(fd)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)   # mkstemp makes 0600; a picture is for everyone to read
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target


def save_figure(fig: Figure, path: PathLike, *, dpi: int = 110) -> Path:
    """Write ``fig`` to ``path`` atomically (format from the suffix, e.g. ``.png``, ``.svg``)."""
    fmt = Path(path).suffix.lstrip(".").lower() or "png"
    return _atomic_write(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=dpi,
                                                        bbox_inches="tight"))


def new_figure(width: float = 7.5, height: float = 6.0) -> Figure:
    """A figure of ``width`` × ``height`` inches on its own Agg canvas (no pyplot, thread-safe)."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def finish(fig: Figure, path: PathLike | None) -> Figure:
    """Save ``fig`` to ``path`` (if given) and return it."""
    if path is not None:
        save_figure(fig, path)
    return fig


# -- trajectories -------------------------------------------------------------------------------
def _contours(ax: Any, function: Any, grid: int, xlim: tuple[float, float],
              ylim: tuple[float, float]) -> None:
    """Filled contours of ``function`` over the window; log-spaced when it has a minimum value."""
    X, Y, Z = function.grid(grid, xlim, ylim)
    Z = np.where(np.isfinite(Z), Z, np.nan)
    if function.log_levels and function.min_value is not None:
        gap = Z - function.min_value
        positive = gap[gap > 0]
        lo = max(float(np.nanmin(positive)) if positive.size else 1e-3, 1e-6 * float(np.nanmax(gap)))
        hi = float(np.nanmax(gap))
        levels = np.logspace(math.log10(lo), math.log10(hi), 30)
        gap = np.clip(gap, lo, None)
        cs = ax.contourf(X, Y, gap, levels=levels, norm=LogNorm(lo, hi), cmap="viridis",
                         alpha=0.55)
        ax.contour(X, Y, gap, levels=levels[::3], colors="k", linewidths=0.3, alpha=0.4)
        label = f"f − f* (log scale, f* = {function.min_value:g})"
    else:
        cs = ax.contourf(X, Y, Z, levels=30, cmap="viridis", alpha=0.55)
        ax.contour(X, Y, Z, levels=15, colors="k", linewidths=0.3, alpha=0.4)
        label = "f(x, y)"
    if function.log_levels and function.min_value is not None:
        ax.figure.colorbar(cs, ax=ax, label=label, shrink=0.85, ticks=LogLocator(),
                           format=LogFormatterSciNotation())
    else:
        ax.figure.colorbar(cs, ax=ax, label=label, shrink=0.85)


def _trajectory_axes(function: Any, race_result: Any, grid: int) -> tuple[Figure, Any, list]:
    """Figure with contours, start, minima and saddles; returns (fig, ax, [(traj, colour)])."""
    xlim, ylim = function.xlim, function.ylim
    ratio = (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])
    fig = new_figure(7.5, min(11.0, max(4.5, 5.4 * ratio + 1.8)))   # room for equal axes + legend
    ax = fig.add_subplot()
    _contours(ax, function, grid, xlim, ylim)
    if function.minima:
        mx, my = np.array(function.minima).T
        ax.plot(mx, my, "*", color="gold", markeredgecolor="k", markersize=16, zorder=5,
                label="minimum" if len(mx) == 1 else "minima")
    if function.saddles:
        sx, sy = np.array(function.saddles).T
        ax.plot(sx, sy, "X", color="white", markeredgecolor="k", markersize=11, zorder=5,
                label="saddle point")
    x0, y0 = race_result.start
    ax.plot([x0], [y0], "o", color="black", markersize=9, zorder=6,
            label=f"start ({x0:g}, {y0:g})")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")   # only then is each gradient step perpendicular to its contour line
    ax.set_xlabel("x (first weight)")
    ax.set_ylabel("y (second weight)")
    trajectories = list(race_result)
    pairs = list(zip(trajectories, optimizer_colors([t.label for t in trajectories]), strict=True))
    return fig, ax, pairs


def _label(t: Any) -> str:
    lr = f", η = {t.learning_rate:g}" if t.learning_rate is not None else ""
    return f"{t.label}{lr}"


def _title(function: Any, race_result: Any, step: int | None = None) -> str:
    head = f"{function.formula}"
    what = (f"{len(race_result)} optimizers, same start, {race_result.steps} steps"
            if step is None else f"step {step} of {race_result.steps}")
    return f"{head}\n{what}"


def plot_trajectories(function: Any, race_result: Any, path: PathLike | None = None, *,
                      grid: int = 200) -> Figure:
    """Contour plot of ``function`` with every optimizer's path of ``race_result``.

    Contour levels are log-spaced in ``f − f*`` when the surface has a minimum value (so the
    valley floor is visible), linear otherwise (the saddle). The start is a black dot, minima gold
    stars, saddle points white crosses; each path ends in a larger marker at its final point.

    Parameters
    ----------
    function : Function2D
    race_result : RaceResult
        From :func:`descend.lab.trajectories.race`.
    path : str or PathLike, optional
        Write the picture there (PNG unless the suffix says otherwise).
    grid : int
        Points per side of the contour grid.
    """
    fig, ax, pairs = _trajectory_axes(function, race_result, grid)
    every = _dot_every(race_result.steps)
    for i, (t, color) in enumerate(pairs):
        z = 4 - i / (len(pairs) + 1)   # the first optimizer (plain SGD) on top
        ax.plot(t.path[:, 0], t.path[:, 1], "-", color=color, linewidth=1.8, label=_label(t),
                marker=".", markersize=4, markevery=every, zorder=z)
        fx, fy = t.final_point
        ax.plot([fx], [fy], "o", color=color, markeredgecolor="k", markersize=7, zorder=z)
    ax.set_title(_title(function, race_result) + f"; a dot every {every} steps "
                 "(crowded dots = slow progress)", fontsize=10)
    _legend(fig, ax)
    return finish(fig, path)


def _dot_every(steps: int) -> int:
    return max(1, int(round(steps / 30)))


def _legend(fig: Figure, ax: Any) -> None:
    """The legend below the axes, where it hides no path."""
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=3, fontsize=8,
               frameon=False)


def animate_trajectories(function: Any, race_result: Any, path: PathLike, frames: int = 60, *,
                         fps: int = 15, grid: int = 160, dpi: int = 80) -> Path:
    """The race as a GIF with exactly ``frames`` frames.

    Frame i shows every path up to step ``round(i · steps / (frames − 1))`` with a dot at each
    optimizer's current point, and says which step it is. Needs ``2 ≤ frames ≤ steps + 1`` (each
    frame a different step, so no two frames are alike and none is merged away). Returns the
    path written.

    The static part (contours, markers, legend, colour bar) is drawn once into a picture; the
    frames draw only the paths over it (the contours, redrawn for every frame, would cost most of the time).
    Every frame uses the same palette, which holds each optimizer's colour exactly, so a path
    has one colour from the first frame to the last.
    """

    steps = race_result.steps
    frames = check("frames", frames, Interval(int, 2, steps + 1))   # each frame a different step
    fps = check("fps", fps, Interval(int, 1))
    # 1. the background: everything but the paths, with the legend of the paths
    back, ax, pairs = _trajectory_axes(function, race_result, grid)
    back.set_dpi(dpi)
    for t, color in pairs:
        ax.plot([], [], "-", color=color, linewidth=1.8, label=_label(t))
    _legend(back, ax)
    ax.set_title(_title(function, race_result).replace("same start, ", "same start, race of "),
                 fontsize=10)
    canvas = FigureCanvasAgg(back)
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba()).copy()
    box, xlim, ylim = ax.get_position().bounds, ax.get_xlim(), ax.get_ylim()
    # 2. the frames: the background as an image, an invisible axes on top at the same place
    fig = Figure(figsize=(image.shape[1] / dpi, image.shape[0] / dpi), dpi=dpi)
    frame_canvas = FigureCanvasAgg(fig)
    under = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    under.imshow(image, interpolation="none")
    under.set_axis_off()
    over = fig.add_axes(box)
    over.set_xlim(*xlim)
    over.set_ylim(*ylim)
    over.set_axis_off()
    lines, heads = [], []
    for i, (_, color) in enumerate(pairs):
        z = 4 - i / (len(pairs) + 1)
        lines.append(over.plot([], [], "-", color=color, linewidth=1.8, zorder=z)[0])
        heads.append(over.plot([], [], "o", color=color, markeredgecolor="k", markersize=7,
                               zorder=z)[0])
    clock = over.text(0.02, 0.02, "", transform=over.transAxes, fontsize=10, ha="left",
                      va="bottom", bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"})
    at = np.rint(np.linspace(0, steps, frames)).astype(int)

    def draw(i: int) -> np.ndarray:
        k = int(at[i])
        for (t, _), line, head in zip(pairs, lines, heads, strict=True):
            seg = t.path[:k + 1]
            line.set_data(seg[:, 0], seg[:, 1])
            last = seg[np.all(np.isfinite(seg), axis=1)][-1:]
            head.set_data(last[:, 0], last[:, 1])
        clock.set_text(f"step {k} of {steps}")
        frame_canvas.draw()
        return np.asarray(frame_canvas.buffer_rgba())[..., :3].copy()

    pictures = [draw(i) for i in range(frames)]
    return _atomic_write(path, lambda tmp: _write_gif(tmp, pictures, image[..., :3],
                                                      [color for _, color in pairs], fps))


def _write_gif(path: str, pictures: Sequence[np.ndarray], background: np.ndarray,
               colors: Sequence[str], fps: int) -> None:
    """The RGB ``pictures`` as a looping GIF with one palette for all frames: the background's
    colours, quantized, plus each of ``colors`` (and black and white) exactly. A palette per
    frame, as Pillow makes by default, maps a path to another colour in a frame where it is
    rare (the first, where each path is a dot)."""
    from matplotlib.colors import to_rgb
    from PIL import Image

    exact = [tuple(round(255 * v) for v in to_rgb(c)) for c in (*colors, "black", "white")]
    base = Image.fromarray(background).quantize(colors=256 - len(exact), method=Image.Quantize.MEDIANCUT,
                                                dither=Image.Dither.NONE)
    palette = (base.getpalette() or [])[:3 * (256 - len(exact))]
    palette += [v for rgb in exact for v in rgb]
    holder = Image.new("P", (1, 1))
    holder.putpalette(palette + [0] * (768 - len(palette)))
    frames = [Image.fromarray(p).quantize(palette=holder, dither=Image.Dither.NONE) for p in pictures]
    frames[0].save(path, format="GIF", save_all=True, append_images=frames[1:],
                   duration=round(1000 / fps), loop=0, optimize=False)


# -- training history ---------------------------------------------------------------------------
#: quantities that are errors (≥ 0, lower is better): drawn on a log scale once they span a decade
_ERRORS = ("loss", "mae", "mse", "rmse", "error", "crossentropy", "hinge", "huber", "log_cosh")


def plot_history(history: Mapping[str, Sequence[float]] | Any, path: PathLike | None = None, *,
                 title: str = "Training history") -> Figure:
    """Loss and metric curves per epoch: one panel per quantity, ``val_*`` dashed beside it.

    ``history`` is a dict of name → list of per-epoch floats (or an object with such a
    ``.history`` dict and, optionally, its ``.epoch`` list, like Keras's History). Epochs are
    counted from 0, as in ``history.csv``, Keras's ``History.epoch`` and its ``CSVLogger``: epoch
    0 is the first. Panels wrap in rows of at most three (two for four panels), so that each
    stays readable. An error quantity (loss, MAE, MSE, RMSE, …) is drawn on a log scale once it
    spans more than a decade, so that its end is not squashed against 0. A learning rate that
    never changed gets no panel: the title says its value.
    """
    curves = _history_curves(history)
    epochs = _history_epochs(history, curves)
    subtitle = ""
    lr = curves.get("learning_rate")
    if lr is not None and np.all(lr == lr[0]):
        del curves["learning_rate"]
        subtitle = f"\nlearning rate η = {lr[0]:g}, constant"
    if not curves:
        curves = {"learning_rate": np.asarray(lr)}
        subtitle = ""
    bases = list(dict.fromkeys(n[4:] if n.startswith("val_") else n for n in curves))
    bases = [b for b in bases if b == "loss"] + [b for b in bases if b != "loss"]
    n = len(bases)
    cols = 2 if n == 4 else min(3, n)
    rows = math.ceil(n / cols)
    fig = new_figure(4.6 * cols, 3.5 * rows + 0.5)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for i, (ax, base) in enumerate(zip(axes, bases, strict=False)):   # rows·cols ≥ n
        _history_panel(ax, base, curves, epochs, COLORS[i % len(COLORS)])
    for ax in axes[n:]:
        fig.delaxes(ax)
    fig.suptitle(title + subtitle)
    return finish(fig, path)


def _history_curves(history: Mapping[str, Sequence[float]] | Any) -> dict[str, np.ndarray]:
    """name → per-epoch values, checked: a non-empty dict of non-empty 1-D lists of numbers."""
    data = getattr(history, "history", history)
    if not isinstance(data, Mapping) or not data:
        raise ValueError(f"history: expected a non-empty dict of name -> list of floats, got {history!r}")
    curves: dict[str, np.ndarray] = {}
    for name, values in data.items():
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"history[{name!r}]: expected a non-empty list of numbers, "
                             f"got shape {arr.shape}")
        curves[str(name)] = arr
    return curves


def _history_epochs(history: Any, curves: dict[str, np.ndarray]) -> np.ndarray:
    """The 0-based epoch of each entry: the history's own ``.epoch`` where it has one (a resumed
    run's start later), else 0, 1, …"""
    longest = max(len(c) for c in curves.values())
    epoch = getattr(history, "epoch", None)
    if epoch is not None and len(epoch) == longest:
        return np.asarray(epoch, dtype=np.float64)
    return np.arange(longest, dtype=np.float64)


def _is_error(name: str) -> bool:
    return any(part in name.lower() for part in _ERRORS)


def _history_panel(ax: Any, base: str, curves: dict[str, np.ndarray], epochs: np.ndarray,
                   color: str) -> None:
    """One quantity: training solid, validation (``val_<base>``) dashed; a log scale for an
    error spanning more than a decade (a loss: two)."""
    for name, style, who in ((base, "-", "training"), (f"val_{base}", "--", "validation")):
        if name in curves:
            c = curves[name]
            label = f"η at the epoch's end ({name})" if base == "learning_rate" else f"{who} ({name})"
            ax.plot(epochs[:len(c)], c, style, color=color, marker="o" if len(c) < 30 else None,
                    markersize=3, label=label)
    ax.set_xlabel("epoch (from 0, as in history.csv)")
    ax.set_ylabel(base)
    ax.set_title(base)
    both = np.concatenate([curves[n] for n in (base, f"val_{base}") if n in curves])
    finite = both[np.isfinite(both)]
    span = 100 if base == "loss" else 10
    if _is_error(base) and finite.size and finite.min() > 0 and finite.max() / finite.min() > span:
        ax.set_yscale("log")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)


# -- schedules ----------------------------------------------------------------------------------
def plot_schedules(schedules: Mapping[str, Callable[[int], float]], steps: int,
                   path: PathLike | None = None, *, log: bool = False) -> Figure:
    """Learning rate ``η_t = schedule(t)`` for t = 0 … steps − 1: one panel per schedule.

    ``schedules`` maps a panel title to a callable of the 0-based update step (a
    :mod:`descend.schedules` object or any function). Panels share both axes, so shapes and
    levels compare at a glance; ``log`` puts η on a log scale.
    """
    import textwrap

    steps = check("steps", steps, Interval(int, 2))
    if not isinstance(schedules, Mapping) or not schedules:
        raise ValueError(f"schedules: expected a non-empty dict of name -> callable(step), got {schedules!r}")
    t = np.arange(int(steps))
    values = {}
    for name, schedule in schedules.items():
        if not callable(schedule):
            raise TypeError(f"schedules[{name!r}]: expected a callable of the step, got "
                            f"{type(schedule).__name__}")
        values[str(name)] = np.array([float(schedule(int(k))) for k in t])
    n = len(values)
    cols = min(4, n)
    rows = math.ceil(n / cols)
    fig = new_figure(3.6 * cols, 2.9 * rows + 0.6)
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
    for i, (ax, (name, lr)) in enumerate(zip(axes, values.items(), strict=False)):  # rows·cols ≥ n
        ax.plot(t, lr, color=COLORS[i % len(COLORS)], linewidth=1.8)
        ax.set_title("\n".join(textwrap.wrap(name, 34)), fontsize=8.5)
        ax.grid(alpha=0.3)
        if log:
            ax.set_yscale("log")
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.supxlabel("update step t (0-based)")
    fig.supylabel("learning rate η_t")
    fig.suptitle(f"Learning-rate schedules over {steps} updates")
    return finish(fig, path)


# -- the three kinds of GD ----------------------------------------------------------------------
def _gd_kind_label(kind: str, updates: int, increases: int | None, roughness: float | None) -> str:
    """"batch GD: loss rose in 0 of 20 updates, roughness 1.00" (the numbers where known; the
    roughness is the loss curve's path length over its net descent, as ``descend lecture`` says)."""
    label = f"{kind} GD"
    if increases is not None:
        label += f": loss rose in {increases} of {updates} updates"
    if roughness is not None and math.isfinite(roughness):
        label += f", roughness {roughness:.2f}"
    return label


def plot_gd_kinds(curves: Any, path: PathLike | None = None, *,
                  title: str = "Batch, stochastic and mini-batch gradient descent, same data, same η",
                  optimum: float | None = None) -> Figure:
    """Full-data loss after every update of the three kinds of GD, against epochs.

    ``curves`` is a :class:`descend.lab.classic.GDKindsCurves` (its smoothness numbers go into
    the legend, its ``optimum`` E* is subtracted) or a dict kind → loss per update (the x axis is
    then the update number; give ``optimum`` to plot the excess loss).
    Left: the excess loss ``E − E*`` on a log scale (batch GD goes down steadily, stochastic GD
    stops at its noise level); right: the second half of the run, where the zigzag shows.
    """
    losses = getattr(curves, "curves", curves)
    if not isinstance(losses, Mapping) or not losses:
        raise ValueError(f"curves: expected GDKindsCurves or a dict of kind -> losses, got {curves!r}")
    axes_x = getattr(curves, "epochs", None)
    increases = getattr(curves, "increases", {})
    roughness = getattr(curves, "roughness", {})
    best = getattr(curves, "optimum", None) if optimum is None else float(optimum)
    fig = new_figure(11.0, 4.8)
    left, right = fig.subplots(1, 2)
    # drawn noisiest first, so that batch GD's line stays on top
    styles = {"stochastic": ("tab:red", 0.8, 0.7), "mini-batch": ("tab:green", 1.2, 0.9),
              "batch": ("tab:blue", 2.2, 1.0)}
    order = sorted(losses, key=lambda k: list(styles).index(k) if k in styles else -1)
    for kind in order:
        c = np.asarray(losses[kind], dtype=np.float64)
        x = np.asarray(axes_x[kind]) if axes_x is not None else np.arange(len(c))
        color, width, alpha = styles.get(kind, (None, 1.2, 0.9))
        label = _gd_kind_label(kind, len(c) - 1, increases.get(kind), roughness.get(kind))
        excess = c - best if best is not None else c
        left.plot(x, np.maximum(excess, 1e-16) if best is not None else c, color=color,
                  linewidth=width, alpha=alpha, label=label)
        half = slice(len(c) // 2, None)
        right.plot(x[half], c[half], color=color, linewidth=width, alpha=alpha, label=label)
    xlabel = "epoch (passes over the data)" if axes_x is not None else "update"
    left.set_yscale("log")
    left.set_title("excess loss E − E* (log scale)" if best is not None else "loss (log scale)")
    left.set_ylabel("E(w) − E*  on all the data" if best is not None else "E(w) on all the data")
    right.set_title("second half, zoomed: batch is smooth, stochastic zigzags")
    right.set_ylabel("training loss E(w) on all the data")
    for ax in (left, right):
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3)
    fig.legend(*left.get_legend_handles_labels(), loc="outside lower center", ncols=3, fontsize=8,
               frameon=False)
    fig.suptitle(title)
    return finish(fig, path)
