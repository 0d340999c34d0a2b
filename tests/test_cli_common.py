"""descend.cli._common: the command-line parsers, the data options and the pipeline saved with a
model (feature order, labels, split, standardisation), and the printed tables."""
from __future__ import annotations

import argparse

import numpy as np
import pytest

from descend import datasets, schedules
from descend.cli import _common


def _data_args(**given) -> argparse.Namespace:
    fields = dict.fromkeys(("data", "csv", "target", "task", *_common.GENERATED_OPTIONS))
    return argparse.Namespace(**{**fields, **given})


# ------------------------------------------------------------------------------------ parsers
def test_parse_value_reads_booleans_none_numbers_lists_and_text():
    assert [_common.parse_value(t) for t in ("true", "Off", "none", "3", "0.5", "1e-3", "x ")] == [
        True, False, None, 3, 0.5, 0.001, "x"]
    assert _common.parse_value("10|20|0.5") == [10, 20, 0.5]


def test_parse_values_and_layers():
    assert _common.parse_key_values("--opt", "a=1, b=true,c=0.5,d=x,e=none") == {
        "a": 1, "b": True, "c": 0.5, "d": "x", "e": None}
    assert _common.parse_key_values("--opt", "beta-1=0.8") == {"beta_1": 0.8}
    with pytest.raises(ValueError, match="--opt: expected KEY=VALUE, got 'momentum'"):
        _common.parse_key_values("--opt", "momentum")
    assert _common.parse_layers("64,32") == [64, 32] and _common.parse_layers("") == []
    assert _common.parse_layers("none") == []
    with pytest.raises(ValueError, match="--layers: expected positive layer widths, got -3"):
        _common.parse_layers("8,-3")


def test_parse_schedule_forms():
    s = _common.parse_schedule("exponential:decay_rate=0.96,decay_steps=100,staircase=true", 0.1)
    assert s == schedules.ExponentialDecay(0.1, 100, 0.96, staircase=True)
    assert s(250) == pytest.approx(0.1 * 0.96 ** 2)
    s = _common.parse_schedule("piecewise:boundaries=10|20,values=0.1|0.01|0.001", None)
    assert s == schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001])
    s = _common.parse_schedule("StepDecay:initial_learning_rate=0.5,step_size=3,gamma=0.5", 0.1)
    assert s(3) == 0.25
    with pytest.raises(ValueError, match="--schedule: CosineDecay.*unexpected keyword argument 'bogus'"):
        _common.parse_schedule("cosine:decay_steps=10,bogus=1", 0.1)


def test_a_schedule_without_a_rate_needs_one():
    assert _common.parse_schedule("cosine:decay_steps=10", 0.3)(0) == pytest.approx(0.3)
    with pytest.raises(ValueError, match="--schedule: cosine needs initial_learning_rate"):
        _common.parse_schedule("cosine:decay_steps=10", None)
    with pytest.raises(ValueError, match="--schedule: unknown schedule 'wobbly'; known: .*sgdr"):
        _common.parse_schedule("wobbly", 0.1)


# ------------------------------------------------------------------------------- data options
def test_data_spec_of_a_generated_set_carries_its_options_and_the_seed():
    spec = _common.data_spec(_data_args(data="Moons", n_samples=50, noise=0.2), seed=7)
    assert spec == {"name": "moons", "options": {"n_samples": 50, "noise": 0.2, "seed": 7}}
    assert _common.data_spec(_data_args(data="digits"), seed=7) == {"name": "digits", "options": {}}
    assert _common.data_spec(_data_args(), seed=0) is None


def test_data_spec_of_a_csv_is_an_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = _common.data_spec(_data_args(csv="d.csv", target="y"), seed=0)
    assert spec == {"csv": str(tmp_path / "d.csv"), "target": "y", "task": None}


@pytest.mark.parametrize("given, message", [
    ({"data": "moons", "csv": "x.csv"}, "--data, --csv: give one of them"),
    ({"csv": "x.csv"}, "--target: required with --csv"),
    ({"csv": "x.csv", "target": "y", "noise": 0.1}, "--noise: only for generated data sets"),
    ({"data": "moons", "target": "y"}, "--target, --task: only with --csv"),
    ({"n_samples": 10}, "--data: name the generated data set"),
])
def test_data_spec_refuses_contradictions(given, message):
    with pytest.raises(ValueError, match=message):
        _common.data_spec(_data_args(**given), seed=0)


# ----------------------------------------------------------------------------- saved pipeline
def _moons_pipeline(test_size):
    data = datasets.load("moons", n_samples=40)
    cli = {"seed": 3, "test_size": test_size, "task": "classification",
           "feature_names": list(data.feature_names), "target_names": list(data.target_names)}
    return data, cli


def test_split_is_the_training_split_and_empty_without_a_test_part():
    data, cli = _moons_pipeline(0.25)
    parts = _common.split(cli, data.X, data.y)
    expected = datasets.train_test_split(data.X, data.y, test_size=0.25, seed=3, stratify=True)
    for a, b in zip(parts, expected, strict=True):
        np.testing.assert_array_equal(a, b)
    X_train, X_test, y_train, y_test = _common.split({**cli, "test_size": 0}, data.X, data.y)
    assert X_train is data.X and X_test.shape == (0, 2) and y_test.shape == (0,)


def test_standardize_uses_the_saved_statistics():
    X = np.array([[1.0, 10.0], [3.0, 30.0]])
    cli = {"standardizer": {"mean": [2.0, 20.0], "scale": [1.0, 10.0]}}
    np.testing.assert_array_equal(_common.standardize(cli, X), [[-1.0, -1.0], [1.0, 1.0]])
    assert _common.standardize({"standardizer": None}, X) is X


def test_align_features_by_name_else_by_position():
    cli = {"feature_names": ["a", "b"]}
    X = np.array([[2.0, 1.0]])
    np.testing.assert_array_equal(_common.align_features(cli, ["b", "a"], X, "f.csv"), [[1.0, 2.0]])
    assert _common.align_features(cli, ["u", "v"], X, "f.csv") is X
    with pytest.raises(ValueError, match=r"f.csv: the model needs the feature columns \['a', 'b'\]; "
                                         r"missing \['b'\]"):
        _common.align_features(cli, ["a", "c"], X, "f.csv")


def test_encode_targets_maps_labels_to_the_model_classes():
    data, cli = _moons_pipeline(0.25)
    reordered = {**cli, "target_names": ["1", "0"]}
    np.testing.assert_array_equal(_common.encode_targets(reordered, data, "moons"), 1 - data.y)
    with pytest.raises(ValueError, match="moons: class labels \\['0'\\] were not seen in training"):
        _common.encode_targets({**cli, "target_names": ["1", "2"]}, data, "moons")
    with pytest.raises(ValueError, match="moons: the model does regression, the data is classification"):
        _common.encode_targets({**cli, "task": "regression"}, data, "moons")


def test_load_trained_refuses_a_model_not_saved_by_the_cli(tmp_path):
    from descend import Dense, Input, Sequential

    model = Sequential([Input(2), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.zeros((4, 2)), np.zeros(4), epochs=1, verbose=0)
    model.save(tmp_path / "m")
    with pytest.raises(ValueError, match="not saved by 'descend train'"):
        _common.load_trained(str(tmp_path / "m"))


# -------------------------------------------------------------------------------------- tables
def test_numbers_in_tables():
    assert [_common.fmt(v) for v in (0.123456, 123456.7, float("nan"), 3, "x")] == [
        "0.1235", "1.235e+05", "nan", "3", "x"]
    table = _common.metrics_table("results", {"train": {"loss": 0.5, "accuracy": 0.9},
                                              "test": {"loss": 0.7}})
    assert [c.header for c in table.columns] == ["", "train", "test"]
    assert list(table.columns[2].cells) == ["0.7000", ""]


def _printed(capsys, table) -> str:
    _common.console().print(table)
    return capsys.readouterr().out


def test_tables_in_a_pipe_are_wide_and_never_cut(capsys, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    cells = {f"column {i}": {"initializer": f"(glorot_uniform_{i})"} for i in range(6)}
    text = _printed(capsys, _common.metrics_table("", cells))
    assert "…" not in text and all(f"(glorot_uniform_{i})" in text for i in range(6))
    assert max(map(len, text.splitlines())) > 80


def test_tables_on_a_narrow_console_fold_long_words_instead_of_cutting_them(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    cells = {f"c{i}": {"initializer": "(glorot_uniform)"} for i in range(3)}
    text = _printed(capsys, _common.metrics_table("", cells))
    assert "…" not in text and max(map(len, text.splitlines())) <= 40
    assert text.count("(glor") == 3     # each cell starts whole, the rest folded below


@pytest.mark.parametrize("loss, units, one_hot", [
    ("squared_error", 3, True), ("mse", 3, True), ("categorical_crossentropy", 3, True),
    ("sparse_categorical_crossentropy", 3, False), ("binary_crossentropy", 1, False),
    ("squared_error", 1, False)])
def test_model_targets_one_hot_the_labels_for_losses_on_several_outputs(loss, units, one_hot):
    from descend import Dense, Input, Sequential

    model = Sequential([Input(2), Dense(units)])
    model.compile(optimizer="sgd", loss=loss)
    y = np.array([0, 1, 0] if units == 1 else [2, 0, 1])
    got = _common.model_targets(model, y)
    if one_hot:
        np.testing.assert_array_equal(got, np.eye(3)[y])
    else:
        assert got is y


def test_load_spec_names_the_options_the_user_gave_not_load_csvs_arguments(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a,y\n1,0\n2,1\n")
    with pytest.raises(ValueError, match=r"^--target: column 'nope' not found in d.csv; columns: \["):
        _common.load_spec({"csv": str(data), "target": "nope"})
    with pytest.raises(ValueError, match=r"^--csv: expected a CSV file, got the directory"):
        _common.load_spec({"csv": str(tmp_path), "target": "y"})
    assert _common.load_spec({"csv": str(data), "target": "y"}).n_samples == 2
    words = tmp_path / "w.csv"
    words.write_text("a,y\n1,cat\n2,dog\n")
    with pytest.raises(ValueError, match=r"^--task regression: needs a numeric target, but column 'y'"):
        _common.load_spec({"csv": str(words), "target": "y", "task": "regression"})
    with pytest.raises(ValueError, match=r"^--data: unknown data set 'nope'"):
        _common.load_spec({"name": "nope"})
    with pytest.raises(ValueError, match=r"^--n-samples: expected an int >= 4, got 1"):
        _common.load_spec({"name": "moons", "options": {"n_samples": 1}})
    with pytest.raises(ValueError, match=r"^--data: data set 'iris' does not take \['noise'\]"):
        _common.load_spec({"name": "iris", "options": {"noise": 0.1}})


def test_per_sample_puts_the_mean_loss_right_after_the_summed_loss():
    part = {"loss": 12.0, "accuracy": 0.5}
    assert list(_common.per_sample(part, 4).items()) == [("loss", 12.0), ("loss_per_sample", 3.0),
                                                          ("accuracy", 0.5)]
    assert _common.per_sample(part, 0) == part   # no rows (no validation part): nothing to divide by
