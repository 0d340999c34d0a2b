"""descend.sweep.load and load_history: the results of a sweep as pandas DataFrames."""
from __future__ import annotations

import pandas as pd

import descend.sweep
from descend.sweep.store import FILENAME, Store
from sweep_records import DIVERGED, FAILED, SPEC, _done


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
