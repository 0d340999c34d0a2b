"""descend.sweep.store and descend.sweep.load: one transaction per trial, each trial once, the
spec kept with the results, and the results as DataFrames."""
from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

import descend.sweep
from descend.sweep.spec import parse_spec
from descend.sweep.store import FILENAME, Store

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


def _count(store: Store, table: str) -> int:
    return store._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_a_trial_is_written_once_with_its_epochs(tmp_path):
    trials = SPEC.trials()
    with Store.create(tmp_path, SPEC.to_json()) as store:
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.record(trials[0], _done(1.0)) is True
        assert store.record(trials[0], _done(5.0)) is False      # a second result of the same trial
        assert _count(store, "trials") == 1 and _count(store, "epochs") == 3 * 4
        row = store.rows()[0]
        assert row["loss"] == 2.0 and row["val_loss"] == 2.0 and row["test_loss"] == 9.0
        assert row["best_loss"] == 2.0 and row["best_val_loss"] == 2.0 and row["best_epoch"] == 0
        assert row["options"] == trials[0].options and row["command"] == trials[0].command()


def test_a_trial_and_its_epochs_are_one_transaction(tmp_path):
    trial = SPEC.trials()[0]
    broken = _done(1.0)
    broken["history"]["epoch"] = [0, 0, 1]        # a repeated epoch breaks the epochs' primary key
    with Store.create(tmp_path, SPEC.to_json()) as store:
        with pytest.raises(sqlite3.IntegrityError):
            store.record(trial, broken)
        assert _count(store, "trials") == 0 and _count(store, "epochs") == 0
        assert store.record(trial, _done(1.0)) is True


def test_the_folder_keeps_its_sweep(tmp_path):
    Store.create(tmp_path, SPEC.to_json()).close()
    Store.create(tmp_path, SPEC.to_json()).close()     # the same sweep again: fine
    other = parse_spec({"data": "moons", "epochs": 4})
    with pytest.raises(ValueError, match="another sweep"):
        Store.create(tmp_path, other.to_json())
    with pytest.raises(FileNotFoundError, match="no sweep results"):
        Store.open(tmp_path / "nothing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="not a folder"):
        Store.create(tmp_path / "file", SPEC.to_json())


def test_failed_trials_can_be_forgotten_diverged_ones_stay(tmp_path):
    t = SPEC.trials()
    with Store.create(tmp_path, SPEC.to_json()) as store:
        store.record(t[0], _done(1.0))
        store.record(t[1], DIVERGED)
        store.record(t[2], FAILED)
        assert store.finished() == {t[0].id: "done", t[1].id: "diverged", t[2].id: "failed"}
        assert store.forget("failed") == 1
        assert store.finished() == {t[0].id: "done", t[1].id: "diverged"}


def test_load_is_one_row_per_trial(tmp_path):
    t = SPEC.trials()
    with Store.create(tmp_path, SPEC.to_json()) as store:
        store.record(t[0], _done(1.0))
        store.record(t[1], _done(2.0))
        store.record(t[2], DIVERGED)
        store.record(t[3], FAILED)
    assert (tmp_path / FILENAME).is_file()
    df = descend.sweep.load(tmp_path)
    assert isinstance(df, pd.DataFrame) and len(df) == 4
    assert list(df.columns[:4]) == ["optimizer", "seed", "trial", "index"]
    assert df["status"].tolist() == ["done", "done", "diverged", "failed"]
    assert df["optimizer"].tolist() == ["sgd", "sgd", "adam", "adam"] and df["seed"].tolist() == [0, 1, 0, 1]
    assert df["loss"].tolist()[:2] == [2.0, 3.0] and df["loss"].isna().tolist()[2:] == [True, True]
    for column in ("val_loss", "accuracy", "val_accuracy", "test_accuracy", "command", "seconds"):
        assert column in df, column
    diverged = df.iloc[2]
    where = (diverged["diverged_epoch"], diverged["diverged_update"], diverged["diverged_layer"])
    assert where == (1, 4, "dense_2")
    assert df.attrs["planned"] == 4 and df.attrs["varied"] == ["optimizer"]
    assert df.attrs["fixed"]["epochs"] == 3

    history = descend.sweep.load_history(tmp_path)
    assert len(history) == 2 * 3
    assert set(history.columns) == {"trial", "epoch", "loss", "accuracy", "val_loss", "learning_rate"}
    first = history[history["trial"] == t[0].id].sort_values("epoch")
    assert first["loss"].tolist() == [4.0, 3.0, 2.0]


def test_load_of_an_empty_sweep_has_the_columns(tmp_path):
    Store.create(tmp_path, SPEC.to_json()).close()
    df = descend.sweep.load(tmp_path)
    assert df.empty and {"optimizer", "seed", "status", "loss"} <= set(df.columns)
