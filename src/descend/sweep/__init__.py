"""Hyperparameter sweeps: many ``descend train`` runs from one spec, their results in one file.

``descend sweep SPEC --out DIR`` runs every trial the spec names (:mod:`.spec`) on a local process
pool or a Dask cluster (:mod:`.runners`) and records each in ``DIR/sweep.sqlite``
(:mod:`.store`); ``descend sweep report DIR`` ranks and draws them (:mod:`.report`). In Python::

    import descend.sweep
    df = descend.sweep.load("runs/sweep")      # one row per trial (pandas)
    curves = descend.sweep.load_history("runs/sweep")   # one row per trial and epoch

pandas (and, for clusters, dask.distributed) come with ``pip install 'descend[sweep]'``; they are
imported only when used.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .spec import Spec, Trial, load_spec, parse_spec

__all__ = ["load", "load_history", "load_spec", "parse_spec", "Spec", "Trial"]

#: columns of :func:`load` after the varied options and ``seed``
COLUMNS = ("trial", "index", "status", "loss", "val_loss", "test_loss", "best_loss", "best_val_loss",
           "best_epoch", "epochs", "seconds", "diverged_epoch", "diverged_update", "diverged_layer",
           "diverged_loss", "error", "command")


def _display(value: Any) -> Any:
    # the --opt option's value is a list of KEY=VALUE strings: one hashable, readable cell
    return " ".join(value) if isinstance(value, list) else value


def records(folder: str | Path) -> tuple[list[dict[str, Any]], Spec]:
    """The trials of the sweep in ``folder`` as flat dicts (what :func:`load` tabulates), and the
    sweep's spec."""
    from .store import Store

    with Store.open(folder) as store:
        spec, rows = Spec(**store.spec_json()), store.rows()
    out = []
    for row in rows:
        flat: dict[str, Any] = {k: _display(row["options"].get(k)) for k in spec.varied}
        flat.update(seed=row["seed"], trial=row["id"], index=row["idx"])
        flat.update({k: row[k] for k in COLUMNS if k in row and k not in ("trial", "index")})
        metrics = row["metrics"]
        for part, prefix in (("train", ""), ("validation", "val_"), ("test", "test_")):
            for name, value in (metrics.get(part) or {}).items():
                flat.setdefault(prefix + name, value)
        out.append(flat)
    return out, spec


def load(folder: str | Path) -> Any:
    """The results of the sweep in ``folder`` as a pandas DataFrame, one row per recorded trial.

    Columns: one per varied option (grid and random), ``seed``, ``trial`` (its id), ``index`` (its
    place in the spec), ``status`` (done / diverged / failed), the final ``loss``, ``val_loss`` and
    ``test_loss`` and every final metric (``accuracy``, ``val_accuracy``, ``test_accuracy``...),
    ``best_loss``, ``best_val_loss``, ``best_epoch``, ``epochs``, ``seconds`` (the trial's wall
    time), ``diverged_epoch``, ``diverged_update``, ``diverged_layer``, ``diverged_loss``,
    ``error`` and ``command`` (the ``descend train`` command that reproduces the trial). Losses
    of diverged and failed trials are missing (NaN). ``df.attrs`` holds the spec (``fixed``,
    ``varied``, ``seeds``, ``planned``: the number of trials the spec names).
    """
    import pandas as pd

    rows, spec = records(folder)
    first = [*spec.varied, "seed", *COLUMNS]
    frame = pd.DataFrame(rows)
    if frame.empty:
        frame = pd.DataFrame(columns=first)
    frame = frame[[c for c in first if c in frame] + [c for c in frame if c not in first]]
    frame.attrs.update(fixed=spec.fixed, varied=spec.varied, seeds=spec.seeds, planned=len(spec.trials()))
    return frame


def load_history(folder: str | Path) -> Any:
    """The per-epoch histories of the sweep in ``folder``: a pandas DataFrame with one row per
    trial and epoch, columns ``trial``, ``epoch`` and one per recorded quantity (``loss``,
    ``val_loss``, the metrics, ``learning_rate``). Join with :func:`load` on ``trial``."""
    import pandas as pd

    from .store import Store

    with Store.open(folder) as store:
        rows = store.epochs()
    long = pd.DataFrame(rows, columns=["trial", "epoch", "key", "value"])
    wide = long.pivot(index=["trial", "epoch"], columns="key", values="value")  # unique: the primary key
    wide.columns.name = None
    return wide.reset_index()
