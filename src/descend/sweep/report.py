"""``descend sweep report``: which configuration won, how sure that is, and the pictures.

* :func:`rank` — one row per configuration (the varied options without the seed): the median of
  the final loss over its seeds and its spread (min–max), diverged and failed counts, the median
  accuracy and time, the best trial. A diverged trial counts as an infinite loss (it did not
  reach any loss), so a configuration that diverges on some seeds ranks below one that never
  does; failed trials (errors) are left out and counted.
* :func:`findings` — sentences computed from the numbers, each saying the numbers that support
  it: the best configuration; the range of learning rates each optimizer tolerates and where it
  diverged; paired comparisons of categorical options (e.g. He vs Xavier initialisation, trials
  matched on every other option and the seed); time per trial. A claim of the lecture is stated
  as holding only where these numbers show it, and as not showing otherwise.
* :func:`draw` — ``loss_curves.png`` (median and interquartile band over seeds, one panel per
  optimizer), ``loss_vs_lr.png`` (final loss against η on log axes, diverged trials marked),
  ``heatmap.png`` (median final loss over two chosen options) and ``time.png`` (seconds per trial).

The loss ranked is the final validation loss where the trials held out a validation part, else
the final training loss.
"""
from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: optimizers that scale each weight's step by its own gradient history (lecture §8)
ADAPTIVE = ("adagrad", "rmsprop", "adadelta", "adam", "adamw", "nadam")
#: a learning rate is "good" for an optimizer where its median final loss is within this
#: factor of the best median loss of the whole sweep
TOLERANCE = 2.0
#: at most this many configurations per panel of the loss curves (the best ones)
CURVES_PER_PANEL = 5
#: numeric options with more distinct values than this are binned in the heatmap
MAX_LEVELS = 8


@dataclass
class Report:
    """What :func:`build` computes from a sweep's results."""

    trials: Any                 # pandas DataFrame, as descend.sweep.load gives it
    ranking: Any                # pandas DataFrame, one row per configuration
    metric: str                 # "val_loss" or "loss"
    varied: list[str]
    planned: int
    findings: list[str] = field(default_factory=list)


def build(folder: str | Path, tolerance: float = TOLERANCE) -> Report:
    """Load the sweep in ``folder``, rank its configurations and state what the numbers show."""
    from . import load

    trials = load(folder)
    varied = list(trials.attrs["varied"])
    done = trials[trials["status"] == "done"]
    metric = "val_loss" if "val_loss" in done and done["val_loss"].notna().any() else "loss"
    trials = trials.assign(score=score(trials, metric), config=configs(trials, varied))
    ranking = rank(trials, varied, metric)
    report = Report(trials, ranking, metric, varied, int(trials.attrs["planned"]))
    report.findings = findings(report, tolerance)
    return report


# --------------------------------------------------------------------------------- numbers
def score(trials: Any, metric: str) -> Any:
    """The ranked loss of every trial: the final ``metric`` if done, +inf if diverged, NaN if failed."""
    if trials.empty or metric not in trials:
        return pd.Series(np.nan, index=trials.index, dtype=float)
    values = pd.to_numeric(trials[metric], errors="coerce").astype(float)
    values = values.where(trials["status"] == "done", np.nan)
    return values.mask(trials["status"] == "diverged", math.inf)


def configs(trials: Any, varied: Sequence[str]) -> Any:
    """One exact key per configuration (the varied options' values, JSON)."""
    return pd.Series([json.dumps([_plain(row[k]) for k in varied]) for _, row in trials.iterrows()],
                     index=trials.index, dtype=object)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return None if isinstance(value, float) and math.isnan(value) else value


def label(values: dict[str, Any]) -> str:
    """``optimizer=adam lr=0.01``."""
    return " ".join(f"{k}={_fmt(v)}" for k, v in values.items()) or "(all trials)"


def _fmt(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.4g}"
    return str(value)


def rank(trials: Any, varied: Sequence[str], metric: str) -> Any:
    """One row per configuration, best first: its options, ``trials``, ``diverged``, ``failed``,
    ``median``, ``low``, ``high`` (of the final loss over seeds; diverged = inf), ``accuracy``
    (median final accuracy of the trials that finished, validation where ranked on it),
    ``seconds`` (median) and ``best_trial`` (id)."""
    accuracy = ("val_accuracy" if metric == "val_loss" else "accuracy")
    rows = []
    for key, group in trials.groupby("config", sort=False):
        first = group.iloc[0]
        counted = group[group["status"] != "failed"]
        s = counted["score"]
        row: dict[str, Any] = {k: first[k] for k in varied}
        row.update(config=key, trials=len(group), diverged=int((group["status"] == "diverged").sum()),
                   failed=int((group["status"] == "failed").sum()),
                   median=float(s.median()) if len(s) else math.nan,
                   low=float(s.min()) if len(s) else math.nan, high=float(s.max()) if len(s) else math.nan,
                   accuracy=float(group[accuracy].median()) if accuracy in group else math.nan,
                   seconds=float(group["seconds"].median()),
                   best_trial=counted.loc[s.idxmin(), "trial"] if s.notna().any() else None)
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["_nan"] = table["median"].isna()
    table = table.sort_values(["_nan", "median", "high"], kind="stable").drop(columns="_nan")
    return table.reset_index(drop=True)


# -------------------------------------------------------------------------------- findings
def findings(report: Report, tolerance: float = TOLERANCE) -> list[str]:
    """Sentences about the sweep, each with the numbers behind it."""
    out = [_counts(report)]
    ranked = report.ranking
    if ranked.empty or not np.isfinite(ranked["median"]).any():
        out.append("No trial finished with a finite loss: nothing to rank.")
        return out
    out.append(_best(report))
    if "lr" in report.varied:
        out += _learning_rates(report, tolerance)
    for key in report.varied:
        if key == "optimizer" and "lr" in report.varied:
            continue  # compared at each optimizer's own best η above, not at a shared η
        out += _paired(report, key)
    out.append(_times(report))
    return out


def _what(report: Report) -> str:
    return "validation loss" if report.metric == "val_loss" else "training loss"


def _counts(report: Report) -> str:
    t = report.trials
    n = {s: int((t["status"] == s).sum()) for s in ("done", "diverged", "failed")}
    missing = report.planned - len(t)
    text = (f"{len(t)} of {report.planned} trials recorded: {n['done']} done, {n['diverged']} diverged, "
            f"{n['failed']} failed")
    if missing:
        text += f"; {missing} not run yet (run the same descend sweep command again to complete them)"
    return text + f". Ranked on the final {_what(report)}."


def _best(report: Report) -> str:
    best = report.ranking.iloc[0]
    seeds = int(best["trials"] - best["failed"])
    text = (f"Best configuration: {label({k: best[k] for k in report.varied})} — median final "
            f"{_what(report)} {best['median']:.4g} over {seeds} seed{'s' * (seeds != 1)}")
    if seeds > 1:
        text += f" (min–max {best['low']:.4g}–{best['high']:.4g})"
    if len(report.ranking) > 1:
        second = report.ranking.iloc[1]
        overlap = second["low"] <= best["high"]
        text += (f"; runner-up {label({k: second[k] for k in report.varied})} at {second['median']:.4g}"
                 + (", their seeds' ranges overlap" if overlap and seeds > 1 else ""))
    return text + "."


def _learning_rates(report: Report, tolerance: float) -> list[str]:
    t = report.trials[report.trials["status"] != "failed"]
    by_opt = "optimizer" in report.varied
    groups = t.groupby("optimizer", sort=False) if by_opt else [(None, t)]
    cells = t.groupby([*(["optimizer"] if by_opt else []), "lr"])["score"].median()
    best = float(cells[np.isfinite(cells)].min())
    threshold = tolerance * best
    over = "optimizer and η" if by_opt else "η"
    out = [f"Learning rates: an η counts as good where the median final {_what(report)} (over every trial "
           f"with that {over}) is at most {tolerance:g}× the best such median ({best:.4g}), i.e. ≤ "
           f"{threshold:.4g}."]
    shares: dict[str, tuple[int, int]] = {}
    for opt, group in groups:
        medians = cells.loc[opt] if by_opt else cells            # by η, ascending
        good = medians[medians <= threshold]
        name = opt if opt is not None else report.trials.attrs["fixed"].get("optimizer", "the optimizer")
        part = f"{name}: good at {len(good)} of {len(medians)} η tested"
        if len(good):
            low, high = float(good.index.min()), float(good.index.max())
            span = f" to {_fmt(high)}, {math.log10(high / low):.1f} decades" if high > low else ""
            part += f" ({_fmt(low)}{span})"
        best_lr = medians.idxmin()
        part += f"; best η {_fmt(best_lr)} (median {medians.min():.4g})"
        diverged = group[group["status"] == "diverged"]
        if len(diverged):
            lowest = float(diverged["lr"].min())
            at = group[group["lr"] == lowest]
            part += (f"; diverged from η = {_fmt(lowest)} ({int((at['status'] == 'diverged').sum())} of "
                     f"{len(at)} trials there, {len(diverged)} diverged in all)")
        out.append(part + ".")
        if opt is not None:
            shares[str(opt)] = (len(good), len(medians))
    claim = _adaptive_claim(shares)
    if claim:
        out.append(claim)
    return out


def _adaptive_claim(shares: dict[str, tuple[int, int]]) -> str | None:
    """Does "adaptive methods tolerate a wider range of η than plain SGD" show in these numbers?"""
    adaptive = {k: v for k, v in shares.items() if k in ADAPTIVE}
    if "sgd" not in shares or not adaptive:
        return None
    sgd_good, tested = shares["sgd"]
    if tested < 3:
        return (f"With {tested} η values tested, the range of η each optimizer tolerates cannot be "
                f"compared (the lecture's claim that adaptive methods tolerate a wider range than plain "
                f"SGD needs at least 3).")
    detail = ", ".join(f"{k} {g} of {n}" for k, (g, n) in adaptive.items())
    if all(g / n > sgd_good / tested for g, n in adaptive.values()):
        return (f"The lecture's claim holds here: every adaptive optimizer was good at more of the tested η "
                f"than plain SGD ({detail}; sgd {sgd_good} of {tested}).")
    return (f"The lecture's claim that adaptive methods tolerate a wider range of η than plain SGD does "
            f"not show here ({detail}; sgd {sgd_good} of {tested}).")


def _paired(report: Report, key: str) -> list[str]:
    """For a categorical option: which value ended lower, in trials matched on all else."""
    t = report.trials[report.trials["status"] != "failed"]
    values = list(dict.fromkeys(t[key].tolist()))
    if len(values) < 2 or len(values) > 4 or any(isinstance(v, float) for v in values):
        return []
    others = [k for k in report.varied if k != key] + ["seed"]
    table = t.assign(_key=[json.dumps([_plain(r[k]) for k in others]) for _, r in t.iterrows()])
    wide = table.pivot_table(index="_key", columns=key, values="score", aggfunc="first")
    pairs = [(a, b) for i, a in enumerate(values) for b in values[i + 1:] if a in wide and b in wide]
    return [line for a, b in pairs if (line := _pair_finding(report, key, wide, a, b))]


def _pair_finding(report: Report, key: str, wide: Any, a: Any, b: Any) -> str | None:
    """What the trials matched on all but ``key`` say of ``a`` against ``b`` (None: no pair)."""
    pair = wide[[a, b]].dropna()
    pair = pair[~(np.isinf(pair[a]) & np.isinf(pair[b]))]   # both diverged: no order
    if pair.empty:
        return None
    a_wins, b_wins = int((pair[a] < pair[b]).sum()), int((pair[b] < pair[a]).sum())
    n = len(pair)
    ma, mb = float(pair[a].median()), float(pair[b].median())
    winner, loser, wins = (a, b, a_wins) if a_wins >= b_wins else (b, a, b_wins)
    if wins >= 0.8 * n and n >= 2:
        return (f"{key}: {winner} ended with the lower {_what(report)} than {loser} in {wins} "
                f"of {n} pairs of trials that differ only in {key} (medians {a} {ma:.4g}, "
                f"{b} {mb:.4g}).")
    return (f"{key}: no consistent order between {a} and {b} ({a} lower in {a_wins}, {b} in "
            f"{b_wins} of {n} matched pairs; medians {ma:.4g} vs {mb:.4g}).")


def _times(report: Report) -> str:
    s = report.trials["seconds"].dropna()
    if s.empty:
        return "No trial time recorded."
    slow = report.ranking.sort_values("seconds", ascending=False).iloc[0]
    text = f"Time per trial: median {s.median():.3g} s (min–max {s.min():.3g}–{s.max():.3g} s)"
    if len(report.ranking) > 1:
        text += (f"; slowest configuration {label({k: slow[k] for k in report.varied})} "
                 f"({slow['seconds']:.3g} s)")
    return text + "."


# -------------------------------------------------------------------------------- pictures
def panel_key(report: Report, by: str | None = None) -> str | None:
    """The option the pictures' panels and series split on: ``by``, else the optimizer if it
    varies, else the first varied option with few values."""
    if by is not None:
        if by not in report.varied:
            raise ValueError(f"--by: expected one of the varied options {report.varied}, got {by!r}")
        return by
    if "optimizer" in report.varied:
        return "optimizer"
    for key in report.varied:
        if key != "lr" and report.trials[key].nunique() <= MAX_LEVELS:
            return str(key)
    return None


def draw(report: Report, history: Any, folder: str | Path, *, by: str | None = None,
         heatmap: Sequence[str] | None = None) -> list[Path]:
    """Write the pictures into ``folder`` (created if missing); returns the files written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    split = panel_key(report, by)
    written = [_curves(report, history, split, folder / "loss_curves.png")]
    if "lr" in report.varied:
        written.append(_lr(report, split, folder / "loss_vs_lr.png"))
    pair = list(heatmap) if heatmap else report.varied[:2]
    if len(pair) == 2:
        written.append(_heatmap(report, pair, folder / "heatmap.png"))
    written.append(_time(report, split, folder / "time.png"))
    return written


def check_heatmap(report: Report, pair: Sequence[str]) -> None:
    if len(pair) != 2 or pair[0] == pair[1]:
        raise ValueError(f"--heatmap: expected two different options, e.g. optimizer,lr; "
                         f"got {','.join(pair)!r}")
    for key in pair:
        if key not in report.varied:
            raise ValueError(f"--heatmap: {key!r} does not vary in this sweep; varied: {report.varied}")


def _panels(report: Report, split: str | None) -> list[tuple[Any, Any]]:
    t = report.trials
    if split is None:
        return [(None, t)]
    return [(value, t[t[split] == value]) for value in dict.fromkeys(t[split].tolist())]


def _curves(report: Report, history: Any, split: str | None, path: Path) -> Path:
    from ..plotting import COLORS, new_figure, save_figure

    panels = _panels(report, split)
    cols = min(len(panels), 4)
    rows = math.ceil(len(panels) / cols)
    fig = new_figure(4.2 * cols, 3.4 * rows)
    axes = fig.subplots(rows, cols, sharey=True, squeeze=False).ravel()
    metric = report.metric
    have = history[["trial", "epoch", metric]].dropna() if metric in history else history.iloc[:0]
    positive = bool(len(have)) and bool((have[metric] > 0).all())
    others = [k for k in report.varied if k != split]
    for ax, (value, trials) in zip(axes, panels, strict=False):
        ranked = report.ranking[report.ranking["config"].isin(trials["config"])].head(CURVES_PER_PANEL)
        for i, (_, conf) in enumerate(ranked.iterrows()):
            ids = trials.loc[trials["config"] == conf["config"], "trial"]
            curve = have[have["trial"].isin(ids)].groupby("epoch")[metric]
            if not len(curve):
                continue
            q = curve.quantile([0.25, 0.5, 0.75]).unstack()
            color = COLORS[i % len(COLORS)]
            ax.plot(q.index + 1, q[0.5], color=color, label=label({k: conf[k] for k in others}))
            ax.fill_between(q.index + 1, q[0.25], q[0.75], color=color, alpha=0.2, linewidth=0)
        diverged = int((trials["status"] == "diverged").sum())
        title = f"{split} = {value}" if split else "all trials"
        ax.set_title(title + (f"  ({diverged} diverged: no curve)" if diverged else ""), fontsize=9)
        ax.set_xlabel("epoch")
        if positive:
            ax.set_yscale("log")
        if ax.lines:
            ax.legend(fontsize=7)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    axes[0].set_ylabel(metric)
    fig.suptitle(f"{metric} per epoch: median and interquartile band over seeds "
                 f"(best {CURVES_PER_PANEL} configurations per panel)", fontsize=10)
    return save_figure(fig, path)


def _lr(report: Report, split: str | None, path: Path) -> Path:
    from ..plotting import COLORS, new_figure, save_figure

    fig = new_figure(7.0, 4.6)
    ax = fig.subplots()
    t = report.trials[report.trials["status"] != "failed"]
    finite = t[np.isfinite(t["score"])]
    top = float(finite["score"].max()) * 2 if len(finite) else 1.0
    for i, (value, group) in enumerate(_panels(report, split)):
        group = group[group["status"] != "failed"]
        color = COLORS[i % len(COLORS)]
        ok = group[np.isfinite(group["score"])]
        ax.scatter(ok["lr"], ok["score"], color=color, alpha=0.35, s=14)
        medians = group.groupby("lr")["score"].median().sort_index()
        shown = medians[np.isfinite(medians)]
        ax.plot(shown.index, shown.to_numpy(), color=color, marker="o",
                label=f"{value}" if split else "median over seeds")
        gone = group[group["status"] == "diverged"]
        if len(gone):
            ax.scatter(gone["lr"], np.full(len(gone), top), color=color, marker="x", s=40)
    ax.set_xscale("log")
    if len(finite) and (finite["score"] > 0).all():
        ax.set_yscale("log")
    ax.set_xlabel("learning rate η")
    ax.set_ylabel(f"final {report.metric}")
    ax.set_title(f"final {report.metric} against η: dots = trials, line = median over seeds, "
                 f"× (top) = diverged", fontsize=9)
    ax.legend(fontsize=8, title=split)
    return save_figure(fig, path)


def _levels(values: Any) -> tuple[Any, list[Any]]:
    """The heatmap's rows or columns for an option: its values, or bins where there are many."""
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if not numeric:
        return values, list(dict.fromkeys(values.dropna().tolist()))   # the spec's order
    if values.nunique() <= MAX_LEVELS:
        return values, sorted(values.dropna().unique())
    low, high = float(values.min()), float(values.max())
    edges = (np.geomspace(low, high, 7) if low > 0 else np.linspace(low, high, 7))
    labels = [f"{_fmt(a)}–{_fmt(b)}" for a, b in itertools.pairwise(edges)]
    return pd.cut(values, edges, include_lowest=True, labels=labels).astype(str), labels


def _heatmap(report: Report, pair: Sequence[str], path: Path) -> Path:
    from matplotlib.colors import LogNorm

    from ..plotting import new_figure, save_figure

    t = report.trials[report.trials["status"] != "failed"]
    rows, row_order = _levels(t[pair[0]])
    cols, col_order = _levels(t[pair[1]])
    frame = pd.DataFrame({"r": rows, "c": cols, "s": t["score"]})
    grid = frame.groupby(["r", "c"])["s"].median().unstack().reindex(index=row_order, columns=col_order)
    counts = frame.groupby(["r", "c"]).size().unstack().reindex(index=row_order, columns=col_order)
    values = grid.to_numpy(dtype=float)
    fig = new_figure(1.3 * len(col_order) + 3, 0.6 * len(row_order) + 2)
    ax = fig.subplots()
    shown = np.where(np.isfinite(values), values, np.nan)
    positive = np.isfinite(shown).any() and np.nanmin(shown) > 0
    image = ax.imshow(shown, cmap="viridis_r", aspect="auto", norm=LogNorm() if positive else None)
    for (i, j), v in np.ndenumerate(values):
        n = counts.iloc[i, j]
        text = "" if np.isnan(v) else ("diverged" if np.isinf(v) else f"{v:.3g}")
        if text:
            ax.text(j, i, f"{text}\n(n={int(n)})", ha="center", va="center", fontsize=7, color="black",
                    bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.6, "linewidth": 0})
    ax.set_xticks(range(len(col_order)), [_fmt(c) for c in col_order], rotation=30, ha="right")
    ax.set_yticks(range(len(row_order)), [_fmt(r) for r in row_order])
    ax.set_xlabel(pair[1])
    ax.set_ylabel(pair[0])
    fig.colorbar(image, ax=ax, label=f"median final {report.metric}")
    ax.set_title(f"median final {report.metric} over all trials of each cell "
                 f"(diverged = its median diverged)", fontsize=9)
    return save_figure(fig, path)


def _time(report: Report, split: str | None, path: Path) -> Path:
    from ..plotting import new_figure, save_figure

    fig = new_figure(7.0, 3.8)
    ax = fig.subplots()
    panels = [(v, g["seconds"].dropna().to_numpy()) for v, g in _panels(report, split)]
    panels = [(v, s) for v, s in panels if len(s)]
    if panels:
        ax.boxplot([s for _, s in panels], showfliers=False)
        rng = np.random.default_rng(0)  # jitter only, so points do not hide one another
        for i, (_, s) in enumerate(panels, start=1):
            ax.scatter(i + rng.uniform(-0.15, 0.15, len(s)), s, s=10, alpha=0.5, color="tab:blue")
        ax.set_xticks(range(1, len(panels) + 1), [str(v) if split else "all trials" for v, _ in panels])
    ax.set_ylabel("seconds per trial (wall, in its worker)")
    ax.set_xlabel(split or "")
    ax.set_title("time per trial", fontsize=9)
    return save_figure(fig, path)
