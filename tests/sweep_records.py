"""Recorded trials for the sweep tests: a small spec, what a done, a diverged and a failed
trial send back, the documented example spec, and what a results folder holds so far."""
from __future__ import annotations

import pathlib
import sqlite3

from descend.sweep.spec import parse_spec
from descend.sweep.store import path_in

#: the issue's example spec, as documented (docs/sweep/moons.toml)
MOONS = (pathlib.Path(__file__).resolve().parents[1] / "docs" / "sweep" / "moons.toml").read_text()

SPEC = parse_spec({"data": "moons", "epochs": 3, "seeds": 2, "grid": {"optimizer": ["sgd", "adam"]}})


def _done(loss: float, epochs: int = 3) -> dict:
    history = {"loss": [loss + e for e in range(epochs, 0, -1)], "accuracy": [0.5] * epochs,
               "val_loss": [loss * 2] * epochs, "learning_rate": [0.01] * epochs}
    return {"status": "done", "seconds": 0.5, "worker": "host:1", "weights_sha256": "ab" * 32,
            "history": {"epoch": list(range(epochs)), "history": history},
            "results": {"train": {"loss": history["loss"][-1], "accuracy": 0.5},
                        "validation": {"loss": loss * 2, "accuracy": 0.25},
                        "test": {"loss": 9.0, "accuracy": 0.75},
                        "epochs_trained": epochs, "seconds": 0.4}}


DIVERGED = {"status": "diverged", "seconds": 0.1, "error": "training diverged",
            "diverged": {"epoch": 1, "update": 4, "layer": "dense_2", "loss": float("inf")}}
FAILED = {"status": "failed", "seconds": 0.1, "error": "ValueError: no"}


def recorded(folder) -> list[tuple[str, int]]:
    """(trial id, number of epoch rows) of every trial recorded in ``folder`` so far, read while a
    sweep may be writing; [] before its results file has its tables."""
    try:
        with sqlite3.connect(path_in(folder)) as db:
            return db.execute("SELECT id, (SELECT COUNT(*) FROM epochs WHERE trial_id = id) "
                              "FROM trials").fetchall()
    except sqlite3.OperationalError:
        return []
