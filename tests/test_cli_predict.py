"""``descend evaluate`` and ``descend predict``: the saved pipeline (feature order,
standardisation, class labels) is applied, outputs are atomic, errors are one line."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import descend
from descend.cli import _common, main


def _write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def flowers(tmp_path_factory):
    """A CSV classification run with text labels; returns (directory, model dir, csv rows)."""
    root = tmp_path_factory.mktemp("flowers")
    rng = np.random.default_rng(0)
    rows = []
    for i in range(60):
        label = ["setosa", "virginica", "versicolor"][i % 3]
        centre = {"setosa": (0, 0), "virginica": (10, 0), "versicolor": (0, 10)}[label]
        a, b = rng.normal(centre, 1.0)
        rows.append([f"{a:.3f}", label, f"{100 * b:.3f}"])  # very different scales
    data = _write_csv(root / "train.csv", ["a", "species", "b"], rows)
    model_dir = root / "model"
    assert main(["train", "--csv", str(data), "--target", "species", "--layers", "8", "--epochs", "60",
                 "--lr", "0.05", "--validation-split", "0", "--quiet", "--no-plot", "--out", str(model_dir)]) == 0
    return root, model_dir, rows


def test_evaluate_defaults_to_the_held_out_test_part(flowers, capsys):
    root, model_dir, _ = flowers
    assert main(["evaluate", "--model", str(model_dir), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    results = json.loads((model_dir / "results.json").read_text())
    assert got["split"] == "test" and got["samples"] == 12
    assert got["loss"] == pytest.approx(results["test"]["loss"]) and got["accuracy"] == results["test"]["accuracy"]
    assert got["accuracy"] >= 0.9


def test_evaluate_other_csv_with_reordered_columns_and_a_subset_of_labels(flowers, capsys, tmp_path):
    root, model_dir, rows = flowers
    subset = [[r[2], r[0], r[1]] for r in rows if r[1] != "setosa"]
    other = _write_csv(tmp_path / "other.csv", ["b", "a", "species"], subset)
    assert main(["evaluate", "--model", str(model_dir), "--csv", str(other), "--target", "species", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["split"] == "all" and got["samples"] == 40 and got["accuracy"] >= 0.9
    # the same numbers by hand: the model's own classes and the saved standardisation
    model, cli = _common.load_trained(str(model_dir))
    X = np.array([[float(r[0]), float(r[2])] for r in rows if r[1] != "setosa"])
    y = np.array([cli["target_names"].index(r[1]) for r in rows if r[1] != "setosa"])
    assert model.evaluate(_common.standardize(cli, X), y)["accuracy"] == got["accuracy"]


def test_evaluate_table_and_errors(flowers, capsys, tmp_path):
    root, model_dir, rows = flowers
    assert main(["evaluate", "--model", str(model_dir), "--split", "all"]) == 0
    out = capsys.readouterr().out
    assert "accuracy" in out and "(all, 60 samples)" in out
    unknown = _write_csv(tmp_path / "u.csv", ["a", "species", "b"], [["1", "rose", "2"], ["2", "rose", "3"]])
    for argv, message in [
        (["--csv", str(unknown), "--target", "species"], "class labels ['rose'] were not seen in training"),
        (["--csv", str(unknown), "--target", "species", "--split", "test"], "only defined for the data"),
        (["--data", "moons"], "moons: class labels ['0', '1'] were not seen in training"),
    ]:
        assert main(["evaluate", "--model", str(model_dir), *argv]) == 2
        err = capsys.readouterr().err
        assert err.startswith("descend evaluate: error:") and message in err and err.count("\n") == 1, err
    assert main(["evaluate", "--model", str(tmp_path / "none")]) == 2
    assert "no saved model" in capsys.readouterr().err


def test_predict_writes_labels_and_probabilities(flowers, tmp_path, capsys):
    root, model_dir, rows = flowers
    inputs = _write_csv(tmp_path / "in.csv", ["id", "b", "a"], [[i, r[2], r[0]] for i, r in enumerate(rows)])
    out = tmp_path / "out.csv"
    assert main(["predict", "--model", str(model_dir), "--csv", str(inputs), "--output", str(out),
                 "--include-input"]) == 0
    assert "wrote 60 predictions" in capsys.readouterr().out
    got = list(csv.DictReader(out.open()))
    assert list(got[0]) == ["id", "b", "a", "prediction", "p_setosa", "p_versicolor", "p_virginica"]
    assert len(got) == 60 and [g["id"] for g in got] == [str(i) for i in range(60)]
    probs = np.array([[float(g[k]) for k in ("p_setosa", "p_versicolor", "p_virginica")] for g in got])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    correct = np.mean([g["prediction"] == r[1] for g, r in zip(got, rows)])
    assert correct >= 0.9
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]  # no temp file left


def test_predict_binary_and_regression(tmp_path):
    assert main(["train", "--data", "moons", "--n-samples", "40", "--epochs", "2", "--quiet", "--no-plot",
                 "--out", str(tmp_path / "m")]) == 0
    inputs = _write_csv(tmp_path / "p.csv", ["x1", "x2"], [[0.1, 0.2], [1.5, -0.3]])
    assert main(["predict", "--model", str(tmp_path / "m"), "--csv", str(inputs), "--output", str(tmp_path / "o.csv")]) == 0
    got = list(csv.DictReader((tmp_path / "o.csv").open()))
    assert list(got[0]) == ["prediction", "p_0", "p_1"]
    for g in got:
        assert g["prediction"] == ("1" if float(g["p_1"]) > 0.5 else "0")
        assert float(g["p_0"]) + float(g["p_1"]) == pytest.approx(1.0)

    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 2))
    rows = [[f"{a}", f"{b}", f"{3 * a - b + 0.5}"] for a, b in X]
    data = _write_csv(tmp_path / "reg.csv", ["u", "v", "y"], rows)
    assert main(["train", "--csv", str(data), "--target", "y", "--task", "regression", "--layers", "",
                 "--epochs", "150", "--lr", "0.05", "--quiet", "--no-plot", "--out", str(tmp_path / "r")]) == 0
    model = descend.load_model(tmp_path / "r")
    assert model.loss.name == "mse" and model.layers[-1].activation.name == "linear"
    assert main(["predict", "--model", str(tmp_path / "r"), "--csv", str(data), "--output", str(tmp_path / "ro.csv")]) == 0
    pred = np.array([float(g["prediction"]) for g in csv.DictReader((tmp_path / "ro.csv").open())])
    np.testing.assert_allclose(pred, 3 * X[:, 0] - X[:, 1] + 0.5, atol=0.3)


@pytest.mark.parametrize("header, rows, message", [
    (["a", "species"], [["1", "x"]], "missing feature column(s) ['b']"),
    (["a", "b"], [["1", "oops"]], "column 'b', data row 1: expected a number, got 'oops'"),
    (["a", "b"], [["1", ""]], "missing value in column 'b', data row 1"),
    (["a", "b"], [["1", "2", "3"]], "data row 1 has 3 cells, the header has 2"),
    (["a", "b"], [], "no data rows"),
])
def test_predict_errors(flowers, tmp_path, capsys, header, rows, message):
    _, model_dir, _ = flowers
    bad = _write_csv(tmp_path / "bad.csv", header, rows)
    out = tmp_path / "o.csv"
    assert main(["predict", "--model", str(model_dir), "--csv", str(bad), "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("descend predict: error:") and message in err and err.count("\n") == 1, err
    assert not out.exists()


def test_predict_missing_input_file(flowers, tmp_path, capsys):
    _, model_dir, _ = flowers
    assert main(["predict", "--model", str(model_dir), "--csv", str(tmp_path / "no.csv"),
                 "--output", str(tmp_path / "o.csv")]) == 2
    assert "--csv: no file" in capsys.readouterr().err


def test_evaluate_reads_a_csv_target_as_the_model_task(tmp_path, capsys):
    rows = [[i % 7, (i * 3) % 5, (i % 7) + (i * 3) % 5] for i in range(40)]  # integer targets
    data = _write_csv(tmp_path / "d.csv", ["u", "v", "y"], rows)
    assert main(["train", "--csv", str(data), "--target", "y", "--task", "regression", "--epochs", "1",
                 "--quiet", "--no-plot", "--out", str(tmp_path / "m")]) == 0
    other = _write_csv(tmp_path / "o.csv", ["u", "v", "y"], rows[:10])  # would be inferred as classes
    assert main(["evaluate", "--model", str(tmp_path / "m"), "--csv", str(other), "--target", "y", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["samples"] == 10 and set(got) >= {"loss", "mae", "rmse", "r2"}
