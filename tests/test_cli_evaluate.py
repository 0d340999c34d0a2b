"""``descend evaluate``: the saved pipeline (feature order, standardisation, class labels) is
applied, the part evaluated is the one asked for, errors are one line."""
from __future__ import annotations

import json

import numpy as np
import pytest

from cli_runs import write_csv
from descend.cli import _common, main


def test_evaluate_defaults_to_the_held_out_test_part(flowers, capsys):
    model_dir, _ = flowers
    assert main(["evaluate", "--model", str(model_dir), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    results = json.loads((model_dir / "results.json").read_text())
    assert got["split"] == "test" and got["samples"] == 12
    assert got["loss"] == pytest.approx(results["test"]["loss"])
    assert got["accuracy"] == results["test"]["accuracy"]
    assert got["accuracy"] >= 0.9


def test_evaluate_other_csv_with_reordered_columns_and_a_subset_of_labels(flowers, capsys, tmp_path):
    model_dir, rows = flowers
    subset = [[r[2], r[0], r[1]] for r in rows if r[1] != "setosa"]
    other = write_csv(tmp_path / "other.csv", ["b", "a", "species"], subset)
    assert main(["evaluate", "--model", str(model_dir), "--csv", str(other), "--target", "species",
                 "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["split"] == "all" and got["samples"] == 40 and got["accuracy"] >= 0.9
    # the same numbers by hand: the model's own classes and the saved standardisation
    model, cli = _common.load_trained(str(model_dir))
    X = np.array([[float(r[0]), float(r[2])] for r in rows if r[1] != "setosa"])
    y = np.array([cli["target_names"].index(r[1]) for r in rows if r[1] != "setosa"])
    assert model.evaluate(_common.standardize(cli, X), y, return_dict=True)["accuracy"] == got["accuracy"]


def test_evaluate_table_and_errors(flowers, capsys, tmp_path):
    model_dir, rows = flowers
    assert main(["evaluate", "--model", str(model_dir), "--split", "all"]) == 0
    out = capsys.readouterr().out
    assert "accuracy" in out and "(all, 60 samples)" in out
    unknown = write_csv(tmp_path / "u.csv", ["a", "species", "b"],
                        [["1", "rose", "2"], ["2", "rose", "3"]])
    for argv, message in [
        (["--csv", str(unknown), "--target", "species"], "class labels ['rose'] were not seen in training"),
        (["--csv", str(unknown), "--target", "species", "--split", "test"],
         "train.csv); use --split all for other data"),   # the file, not the spec's dict
        (["--data", "moons"], "moons: class labels ['0', '1'] were not seen in training"),
    ]:
        assert main(["evaluate", "--model", str(model_dir), *argv]) == 2
        err = capsys.readouterr().err
        assert err.startswith("descend evaluate: error:") and message in err and err.count("\n") == 1, err
    assert main(["evaluate", "--model", str(tmp_path / "none")]) == 2
    assert "no saved model" in capsys.readouterr().err


def test_evaluate_reads_a_csv_target_as_the_model_task(tmp_path, capsys):
    rows = [[i % 7, (i * 3) % 5, (i % 7) + (i * 3) % 5] for i in range(40)]  # integer targets
    data = write_csv(tmp_path / "d.csv", ["u", "v", "y"], rows)
    assert main(["train", "--csv", str(data), "--target", "y", "--task", "regression", "--epochs", "1",
                 "--quiet", "--no-plot", "--out", str(tmp_path / "m")]) == 0
    other = write_csv(tmp_path / "o.csv", ["u", "v", "y"], rows[:10])  # would be inferred as classes
    assert main(["evaluate", "--model", str(tmp_path / "m"), "--csv", str(other), "--target", "y",
                 "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["samples"] == 10 and set(got) >= {"loss", "mae", "rmse", "r2"}


def test_the_train_part_and_all_of_it_add_up(flowers, capsys):
    model_dir, _ = flowers
    samples = {}
    for split in ("train", "test", "all"):
        assert main(["evaluate", "--model", str(model_dir), "--split", split, "--json"]) == 0
        samples[split] = json.loads(capsys.readouterr().out)["samples"]
    assert samples == {"train": 48, "test": 12, "all": 60}


def test_evaluate_a_squared_error_classifier_on_one_hot_labels(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--data", "wine", "--loss", "sum_squared_error", "--layers", "4", "--epochs", "2",
                 "--quiet", "--no-plot", "--out", str(out)]) == 0
    assert main(["evaluate", "--model", str(out), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    results = json.loads((out / "results.json").read_text())
    assert got["loss"] == pytest.approx(results["test"]["loss"])
    assert got["loss_per_sample"] == pytest.approx(got["loss"] / got["samples"])
    assert got["accuracy"] == results["test"]["accuracy"]


def test_a_model_path_that_is_a_file_is_one_line(tmp_path, capsys):
    some = write_csv(tmp_path / "some.csv", ["a", "y"], [["1", "2"]])
    assert main(["evaluate", "--model", str(some)]) == 2
    err = capsys.readouterr().err
    assert err == (f"descend evaluate: error: {some / 'model.safetensors'}: no saved model there: "
                   f"{str(some)!r} is a file, not a directory (expected a directory holding "
                   f"model.safetensors, or a .safetensors file)\n")


def test_the_training_csv_is_read_again_only_while_its_hash_matches(tmp_path, capsys):
    from cli_runs import train_flowers

    model_dir, rows = train_flowers(tmp_path)
    data = tmp_path / "train.csv"
    with open(data, "a") as f:
        f.write("1.0,setosa,2.0\n")  # the file changed since training
    assert main(["evaluate", "--model", str(model_dir)]) == 2
    err = capsys.readouterr().err
    assert f"the run's CSV data {str(data)!r}: not the data the run was trained on" in err
    assert "name it with --csv PATH --target COLUMN" in err
    # named by the user, the changed file is evaluated, with a warning that it changed
    assert main(["evaluate", "--model", str(model_dir), "--csv", str(data), "--target", "species",
                 "--json"]) == 0
    captured = capsys.readouterr()
    assert "warning: " in captured.err and "changed since the model was trained" in captured.err
    assert json.loads(captured.out)["split"] == "test"


def test_the_training_csv_is_hashed_once_per_evaluate(tmp_path, capsys, monkeypatch):
    """Its hash is checked where the recorded path is taken (or, named with --csv, compared for
    the warning): one read of the file for the hash, not two."""
    from cli_runs import train_flowers

    model_dir, _ = train_flowers(tmp_path)
    hashed: list[str] = []
    real = _common.file_sha256
    monkeypatch.setattr(_common, "file_sha256", lambda path: hashed.append(str(path)) or real(path))
    assert main(["evaluate", "--model", str(model_dir), "--json"]) == 0
    assert hashed == [str(tmp_path / "train.csv")]
    hashed.clear()
    assert main(["evaluate", "--model", str(model_dir), "--csv", str(tmp_path / "train.csv"),
                 "--target", "species", "--json"]) == 0
    assert hashed == [str((tmp_path / "train.csv").resolve())]
    capsys.readouterr()


def test_a_model_file_cannot_make_evaluate_show_another_file(tmp_path, capsys):
    """A model is data: a path stored in it is read only once the recorded hash matches, so a
    hostile model pointing at a secret file gets nothing of the file into the message."""
    import descend

    model_dir, _ = __import__("cli_runs").train_flowers(tmp_path)
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$secret-hash-of-the-password:19000:0:99999:7:::\n")
    model, extra = descend.model.load_checkpoint(model_dir)
    for recorded in ("0" * 64, None):  # a wrong hash, and no hash at all
        extra["cli"]["data"] = {"csv": str(secret), "target": "species", "task": None, "sha256": recorded}
        (model_dir / "model.safetensors").unlink()
        model.save(model_dir, extra=extra)
        assert main(["evaluate", "--model", str(model_dir)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "secret-hash" not in err and "root:" not in err
        assert ("not the data the run was trained on" in err if recorded else
                "the run records no checksum of its CSV data; name the file with --csv PATH" in err)
