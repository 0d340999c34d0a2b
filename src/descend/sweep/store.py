"""A sweep's results: one SQLite file, ``sweep.sqlite`` in the sweep's folder.

Tables::

    meta    (key PRIMARY KEY, value)      the spec (JSON), schema version, descend version
    trials  (id PRIMARY KEY, ...)         one row per finished trial: options, seed, status
                                          (done / diverged / failed), final and best losses, all
                                          final metrics (JSON), times, divergence point, error
    epochs  (trial_id, epoch, key, value) the per-epoch history (loss, val_loss, metrics,
                                          learning_rate) of every trial that has one

Only the sweep process writes, one transaction per finished trial (its row and its epochs
together), in WAL mode: a kill at any moment leaves every trial either entirely there or not at
all, and a trial already there is never written again (the insert is keyed by the trial's id),
so a rerun adds exactly the missing trials. ``synchronous=NORMAL``: in WAL mode a commit survives
the process being killed; only a power cut may lose the last commits (never corrupt the file).
"""
from __future__ import annotations

import json
import math
import sqlite3
import time
from pathlib import Path
from typing import Any

from .spec import Trial

FILENAME = "sweep.sqlite"
SCHEMA_VERSION = "1"
STATUSES = ("done", "diverged", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS trials (
    id TEXT PRIMARY KEY,
    idx INTEGER NOT NULL,
    options TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'diverged', 'failed')),
    loss REAL, val_loss REAL, test_loss REAL,
    best_loss REAL, best_val_loss REAL, best_epoch INTEGER,
    metrics TEXT,
    epochs INTEGER,
    seconds REAL, fit_seconds REAL,
    diverged_epoch INTEGER, diverged_update INTEGER, diverged_layer TEXT, diverged_loss REAL,
    error TEXT,
    weights_sha256 TEXT,
    command TEXT NOT NULL,
    worker TEXT, attempts INTEGER NOT NULL DEFAULT 1,
    submitted_at REAL, started_at REAL, finished_at REAL, received_at REAL
);
CREATE TABLE IF NOT EXISTS epochs (
    trial_id TEXT NOT NULL REFERENCES trials(id),
    epoch INTEGER NOT NULL,
    key TEXT NOT NULL,
    value REAL,
    PRIMARY KEY (trial_id, epoch, key)
) WITHOUT ROWID;
"""


def path_in(folder: str | Path) -> Path:
    return Path(folder) / FILENAME


class Store:
    """The results file of one sweep. Open with :meth:`create` (to run) or :meth:`open` (to read)."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path, self._db = path, connection

    # ----------------------------------------------------------------------------- opening
    @classmethod
    def create(cls, folder: str | Path, spec_json: dict[str, Any]) -> Store:
        """Open (creating if needed) the results of the sweep ``spec_json`` in ``folder``; a
        folder holding another sweep's results is refused (ValueError)."""
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise ValueError(f"--out: {str(folder)!r} exists and is not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        store = cls._connect(path_in(folder))
        with store._db:
            store._db.executescript(_SCHEMA)
        meta = store.meta()
        if "spec" in meta and not store.holds(spec_json):
            store.close()
            raise ValueError(f"--out: {str(folder)!r} holds the results of another sweep (its spec differs "
                             f"from this one); give another --out, or the same spec to complete it")
        if "spec" not in meta:
            from .. import __version__

            with store._db:
                store._db.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)", [
                    ("spec", _spec_text(spec_json)), ("schema", SCHEMA_VERSION), ("descend", __version__),
                    ("created", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))])
        return store

    @classmethod
    def open(cls, folder: str | Path) -> Store:
        """The results in ``folder`` (FileNotFoundError if there are none)."""
        path = path_in(folder)
        if not path.is_file():
            raise FileNotFoundError(f"DIR: no sweep results in {str(folder)!r} (no {FILENAME})")
        db = sqlite3.connect(path, timeout=30, isolation_level="DEFERRED")
        try:   # read before anything is set: a file that is not ours is left as it was
            schema = Store(path, db).meta().get("schema")
        except sqlite3.DatabaseError:   # not an SQLite file at all
            schema = None
        if schema != SCHEMA_VERSION:
            db.close()
            raise ValueError(f"DIR: {path} is not a descend sweep's results (schema {schema!r}, "
                             f"expected {SCHEMA_VERSION})")
        return cls._connect(path, db)

    @classmethod
    def _connect(cls, path: Path, db: sqlite3.Connection | None = None) -> Store:
        if db is None:
            db = sqlite3.connect(path, timeout=30, isolation_level="DEFERRED")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        return cls(path, db)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------------------- reading
    def meta(self) -> dict[str, str]:
        try:
            return dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.OperationalError:
            return {}

    def holds(self, spec_json: dict[str, Any]) -> bool:
        """Whether these are the results of the sweep ``spec_json`` (compared as stored, key
        order included: the grid's order is the trials' order)."""
        return self.meta().get("spec") == _spec_text(spec_json)

    def spec_json(self) -> dict[str, Any]:
        spec: dict[str, Any] = json.loads(self.meta()["spec"])
        return spec

    def finished(self) -> dict[str, str]:
        """Trial id -> status of every trial recorded."""
        return dict(self._db.execute("SELECT id, status FROM trials").fetchall())

    def rows(self) -> list[dict[str, Any]]:
        """Every trial row as a dict (JSON columns decoded), in the spec's order."""
        cursor = self._db.execute("SELECT * FROM trials ORDER BY idx")
        names = [d[0] for d in cursor.description]
        out = []
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            row["options"] = json.loads(row["options"])
            row["metrics"] = json.loads(row["metrics"]) if row["metrics"] else {}
            out.append(row)
        return out

    def epochs(self) -> list[tuple[str, int, str, float | None]]:
        """Every (trial id, epoch, key, value) of the per-epoch histories."""
        return self._db.execute("SELECT trial_id, epoch, key, value FROM epochs "
                                "ORDER BY trial_id, epoch, key").fetchall()

    # ----------------------------------------------------------------------------- writing
    def record(self, trial: Trial, result: dict[str, Any], **times: float | None) -> bool:
        """Write one finished trial and its history in one transaction. Returns False (and
        writes nothing) if the trial is already recorded."""
        row = _row(trial, result, times)
        with self._db:  # one transaction: the row and its epochs, or nothing
            cursor = self._db.execute(
                f"INSERT OR IGNORE INTO trials ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()))
            if cursor.rowcount == 0:
                return False
            self._db.executemany("INSERT INTO epochs VALUES (?, ?, ?, ?)", _epoch_rows(trial.id, result))
        return True

    def forget(self, status: str) -> int:
        """Delete the trials of ``status`` (and their epochs) so that a rerun runs them again."""
        with self._db:
            ids = [(i,) for (i,) in self._db.execute("SELECT id FROM trials WHERE status = ?", (status,))]
            self._db.executemany("DELETE FROM epochs WHERE trial_id = ?", ids)
            self._db.executemany("DELETE FROM trials WHERE id = ?", ids)
        return len(ids)


def _spec_text(spec_json: dict[str, Any]) -> str:
    return json.dumps(spec_json)  # key order kept


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _best(history: dict[str, list[float]]) -> tuple[float | None, float | None, int | None]:
    def best(values: list[float] | None) -> tuple[float | None, int | None]:
        finite = [(v, i) for i, v in enumerate(values or []) if v is not None and math.isfinite(v)]
        return min(finite) if finite else (None, None)

    best_loss, loss_epoch = best(history.get("loss"))
    best_val, val_epoch = best(history.get("val_loss"))
    return best_loss, best_val, val_epoch if "val_loss" in history else loss_epoch


def _row(trial: Trial, result: dict[str, Any], times: dict[str, float | None]) -> dict[str, Any]:
    status = result["status"]
    if status not in STATUSES:
        raise ValueError(f"result['status']: expected one of {STATUSES}, got {status!r}")
    results = result.get("results") or {}
    history = (result.get("history") or {}).get("history", {})
    best_loss, best_val, best_epoch = _best(history)
    diverged = result.get("diverged") or {}
    return {
        "id": trial.id, "idx": trial.index, "options": json.dumps(trial.options, sort_keys=True),
        "seed": trial.seed, "status": status,
        "loss": _finite(results.get("train", {}).get("loss")),
        "val_loss": _finite(results.get("validation", {}).get("loss")),
        "test_loss": _finite(results.get("test", {}).get("loss")),
        "best_loss": best_loss, "best_val_loss": best_val, "best_epoch": best_epoch,
        "metrics": json.dumps({k: results[k] for k in ("train", "validation", "test") if k in results}),
        "epochs": results.get("epochs_trained"), "seconds": result.get("seconds"),
        "fit_seconds": results.get("seconds"),
        "diverged_epoch": diverged.get("epoch"), "diverged_update": diverged.get("update"),
        "diverged_layer": diverged.get("layer"), "diverged_loss": diverged.get("loss"),
        "error": result.get("error"), "weights_sha256": result.get("weights_sha256"),
        "command": trial.command(), "worker": result.get("worker"), "attempts": result.get("attempts", 1),
        "submitted_at": times.get("submitted_at"), "started_at": result.get("started_at"),
        "finished_at": result.get("finished_at"), "received_at": times.get("received_at"),
    }


def _epoch_rows(trial_id: str, result: dict[str, Any]) -> list[tuple[str, int, str, float | None]]:
    doc = result.get("history") or {}
    history, epochs = doc.get("history", {}), doc.get("epoch", [])
    return [(trial_id, int(epoch), key, None if values[i] is None else float(values[i]))
            for key, values in history.items() for i, epoch in enumerate(epochs) if i < len(values)]
