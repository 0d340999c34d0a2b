"""descend.sweep.store: one transaction per trial, each trial once, the spec kept with the results."""
from __future__ import annotations

import sqlite3

import pytest

from descend.sweep.spec import parse_spec
from descend.sweep.store import Store
from sweep_records import DIVERGED, FAILED, SPEC, _done


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


def test_a_file_that_is_not_a_sweeps_results_is_refused_and_left_as_it_was(tmp_path):
    foreign, garbage = tmp_path / "foreign", tmp_path / "garbage"
    foreign.mkdir()
    garbage.mkdir()
    with sqlite3.connect(foreign / "sweep.sqlite") as db:
        db.execute("CREATE TABLE t (x)")
    db.close()
    (garbage / "sweep.sqlite").write_bytes(b"not a database at all")
    for folder in (foreign, garbage):
        before = (folder / "sweep.sqlite").read_bytes()
        with pytest.raises(ValueError, match=r"DIR: .* is not a descend sweep's results \(schema None"):
            Store.open(folder)
        assert (folder / "sweep.sqlite").read_bytes() == before      # not switched to WAL
        assert sorted(p.name for p in folder.iterdir()) == ["sweep.sqlite"]


def test_the_same_sweep_is_its_spec_in_its_order(tmp_path):
    spec = parse_spec({"data": "moons", "grid": {"optimizer": ["sgd", "adam"], "lr": [0.1, 0.01]}})
    swapped = parse_spec({"data": "moons", "grid": {"lr": [0.1, 0.01], "optimizer": ["sgd", "adam"]}})
    with Store.create(tmp_path, spec.to_json()) as store:
        assert store.holds(spec.to_json()) and not store.holds(swapped.to_json())
    with pytest.raises(ValueError, match="another sweep"):     # the trials' order differs
        Store.create(tmp_path, swapped.to_json())


def test_failed_trials_can_be_forgotten_diverged_ones_stay(tmp_path):
    t = SPEC.trials()
    with Store.create(tmp_path, SPEC.to_json()) as store:
        store.record(t[0], _done(1.0))
        store.record(t[1], DIVERGED)
        store.record(t[2], FAILED)
        assert store.finished() == {t[0].id: "done", t[1].id: "diverged", t[2].id: "failed"}
        assert store.forget("failed") == 1
        assert store.finished() == {t[0].id: "done", t[1].id: "diverged"}
