"""``descend train``: options reach the model, --out writes everything, --resume is bit
for bit, and user errors are one line with exit status 2."""
from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

import descend
from descend.cli import main
from descend.model import load_checkpoint
from pictures import assert_png

MOONS = ["--data", "moons", "--n-samples", "60", "--layers", "6", "--quiet", "--no-plot"]


def _train(*argv: str) -> int:
    return main(["train", *argv])


def _error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


# ------------------------------------------------------------------------------------ outputs
def test_train_writes_model_history_curves_and_results(tmp_path, capsys):
    out = tmp_path / "run"
    assert _train(*MOONS[:-1], "--epochs", "3", "--validation-split", "0.2", "--out", str(out)) == 0
    assert capsys.readouterr().out == ""  # --quiet
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "curves.png", "history.csv", "history.json", "model.safetensors", "results.json"]
    model, extra = load_checkpoint(out)
    assert model.epochs_trained == 3 and extra["cli"]["data"]["name"] == "moons"
    history = json.loads((out / "history.json").read_text())
    assert history["epoch"] == [0, 1, 2]
    assert history["history"] == model.history.history
    rows = list(csv.reader((out / "history.csv").open()))
    assert rows[0] == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"]
    assert [float(x) for x in rows[3][1:]] == [history["history"][k][2] for k in rows[0][1:]]
    assert_png(out / "curves.png")
    results = json.loads((out / "results.json").read_text())
    assert set(results["test"]) == {"loss", "accuracy"} and 0 <= results["test"]["accuracy"] <= 1
    assert results["epochs_trained"] == 3


def test_summary_tables_are_printed(tmp_path, capsys):
    assert _train(*MOONS[:-2], "--epochs", "2") == 0
    text = capsys.readouterr().out
    for piece in ("moons", "2 → 6 relu → 1 sigmoid", "binary_crossentropy", "Adam",
                  "mini-batch, batch size 32",
                  "accuracy", "validation", "test"):
        assert piece in text, piece


def test_options_reach_model_and_optimizer(tmp_path):
    out = tmp_path / "opts"
    assert _train(*MOONS, "--epochs", "2", "--layers", "5,4", "--activation", "tanh",
                  "--init", "glorot_normal", "--optimizer", "momentum", "--opt", "momentum=0.5",
                  "--opt", "nesterov=true",
                  "--schedule", "exponential:decay_rate=0.96,decay_steps=100,staircase=true", "--lr", "0.05",
                  "--gd", "batch", "--flavor", "torch", "--weight-decay", "0.01", "--clip-norm", "1",
                  "--l2", "1e-3", "--dtype", "float64", "--validation-split", "0", "--test-size", "0.25",
                  "--no-standardize", "--seed", "3", "--out", str(out)) == 0
    model, extra = load_checkpoint(out)
    cfg = model.optimizer.get_config()
    assert type(model.optimizer).__name__ == "Momentum" and cfg["flavor"] == "torch"
    assert cfg["momentum"] == 0.5 and cfg["nesterov"] is True
    assert cfg["weight_decay"] == 0.01 and cfg["clipnorm"] == 1.0
    assert cfg["learning_rate"] == {"class_name": "ExponentialDecay", "config": {
        "initial_learning_rate": 0.05, "decay_steps": 100.0, "decay_rate": 0.96, "staircase": True,
        "name": "ExponentialDecay"}}
    assert model.dtype == np.float64 and model.seed == 3
    dense = [layer for layer in model.layers if hasattr(layer, "units")]
    assert [d.units for d in dense] == [5, 4, 1]
    assert dense[0].activation.name == "tanh" and dense[-1].activation.name == "sigmoid"
    assert type(dense[0].kernel_initializer).__name__ in ("GlorotNormal", "XavierNormal", "VarianceScaling")
    assert dense[0].kernel_regularizer.get_config()["l2"] == 1e-3
    cli = extra["cli"]
    assert cli["batch_size"] is None and cli["validation_split"] == 0 and cli["standardizer"] is None
    assert cli["test_size"] == 0.25 and cli["seed"] == 3
    assert model.optimizer.iterations == 2  # batch GD: one update per epoch


def test_the_summary_names_the_kind_of_gradient_descent_fit_ran(capsys):
    # 60 samples, 12 test, 12 validation -> 36 training samples: a batch of 40 is all of them
    assert _train(*MOONS[:-2], "--epochs", "1", "--validation-split", "0.25", "--batch-size", "40") == 0
    assert "│ batch, batch size 40" in capsys.readouterr().out


def test_the_summary_of_a_full_batch_search_has_no_learning_rate_or_batch_size(capsys):
    assert _train(*MOONS[:-2], "--epochs", "2", "--optimizer", "lbfgs", "--batch-size", "8") == 0
    out = capsys.readouterr().out
    assert "LBFGS (flavor lecture), step lengths from a line search" in out
    assert "│ batch, one L-BFGS iteration per epoch" in out
    assert "learning rate" not in out and "batch size" not in out


@pytest.mark.parametrize("gd, size, updates", [("stochastic", None, 36), ("mini-batch", "10", 4)])
def test_kind_of_gradient_descent(tmp_path, gd, size, updates):
    argv = [*MOONS, "--epochs", "1", "--gd", gd, "--validation-split", "0.25", "--out", str(tmp_path)]
    assert _train(*argv, *(["--batch-size", size] if size else [])) == 0
    # 60 samples, 12 test, 12 validation -> 36 training samples
    assert descend.load_model(tmp_path).optimizer.iterations == updates


# ------------------------------------------------------------------------------------- resume
def test_resume_is_bit_for_bit(tmp_path):
    common = [*MOONS, "--optimizer", "nadam", "--gd", "mini-batch", "--batch-size", "7",
              "--validation-split", "0.2", "--schedule", "cosine:decay_steps=50", "--lr", "0.01"]
    assert _train(*common, "--epochs", "4", "--out", str(tmp_path / "straight")) == 0
    assert _train(*common, "--epochs", "2", "--out", str(tmp_path / "split")) == 0
    assert _train("--resume", str(tmp_path / "split"), "--epochs", "2", "--quiet", "--no-plot") == 0
    a, b = descend.load_model(tmp_path / "straight"), descend.load_model(tmp_path / "split")
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    sa, sb = a.optimizer.get_state(), b.optimizer.get_state()
    assert sorted(sa) == sorted(sb) and all(np.array_equal(sa[k], sb[k]) for k in sa)
    for name in ("history.json", "history.csv"):
        assert (tmp_path / "straight" / name).read_text() == (tmp_path / "split" / name).read_text()
    results = json.loads((tmp_path / "split" / "results.json").read_text())
    assert results["epochs_this_run"] == 2 and results["epochs_trained"] == 4


def test_resume_to_another_directory_keeps_the_original(tmp_path):
    assert _train(*MOONS, "--epochs", "1", "--out", str(tmp_path / "a")) == 0
    assert _train("--resume", str(tmp_path / "a"), "--epochs", "2", "--out", str(tmp_path / "b"), "--quiet",
                  "--no-plot") == 0
    assert descend.load_model(tmp_path / "a").epochs_trained == 1
    assert descend.load_model(tmp_path / "b").epochs_trained == 3


def test_resume_refuses_options_that_change_the_run(tmp_path, capsys):
    assert _train(*MOONS, "--epochs", "1", "--out", str(tmp_path)) == 0
    err = _error(capsys, ["train", "--resume", str(tmp_path), "--lr", "0.1"])
    assert "--lr: cannot be changed when resuming" in err
    err = _error(capsys, ["train", "--resume", str(tmp_path), "--loss-opt", "label_smoothing=0.1"])
    assert "--loss-opt: cannot be changed when resuming" in err


def test_loss_opt_reaches_the_loss_and_resume_keeps_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")    # the summary table on one line per row, whatever runs it
    wine = ["--data", "wine", "--layers", "4", "--no-plot", "--batch-size", "16", "--validation-split", "0"]
    opts = ["--loss", "categorical_crossentropy", "--loss-opt", "label_smoothing=0.2",
            "--loss-opt", "from_logits=true,reduction=sum"]
    assert _train(*wine, *opts, "--epochs", "3", "--out", str(tmp_path / "straight")) == 0
    assert "categorical_crossentropy(from_logits=True, label_smoothing=0.2, reduction='sum')" in \
        capsys.readouterr().out       # the summary's loss row names the options
    model = descend.load_model(tmp_path / "straight")
    assert model.loss.get_config() == {"from_logits": True, "label_smoothing": 0.2, "reduction": "sum"}
    assert model.layers[-1].activation.name == "linear"     # from logits: the output layer is z
    assert _train(*wine, *opts, "--quiet", "--epochs", "1", "--out", str(tmp_path / "split")) == 0
    assert _train("--resume", str(tmp_path / "split"), "--epochs", "2", "--quiet", "--no-plot") == 0
    resumed = descend.load_model(tmp_path / "split")
    assert resumed.loss.get_config() == model.loss.get_config()
    for a, b in zip(model.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    plain = tmp_path / "plain"      # and the options change the run
    assert _train(*wine, "--loss", "categorical_crossentropy", "--quiet", "--epochs", "3", "--out",
                  str(plain)) == 0
    assert not np.array_equal(descend.load_model(plain).get_weights()[0], model.get_weights()[0])


def test_loss_opt_ignore_class_leaves_that_class_out_of_the_loss(tmp_path):
    args = [*MOONS, "--loss", "sparse_categorical_crossentropy", "--epochs", "2", "--gd", "batch"]
    assert _train(*args, "--loss-opt", "ignore_class=1", "--out", str(tmp_path / "a")) == 0
    model = descend.load_model(tmp_path / "a")
    assert model.loss.ignore_class == 1
    X = np.zeros((2, 2))
    assert model.loss(model.predict(X), np.array([1, 1])) == 0.0     # every row ignored


def test_resume_of_a_model_not_saved_by_the_cli(tmp_path, capsys):
    model = descend.Sequential([descend.Input(2), descend.Dense(1)])
    model.compile(loss="mse")
    model.save(tmp_path)
    assert "not saved by 'descend train'" in _error(capsys, ["train", "--resume", str(tmp_path)])


def test_early_stopping_option(tmp_path):
    assert _train(*MOONS, "--epochs", "50", "--early-stopping", "0", "--optimizer", "sgd", "--lr", "1e-9",
                  "--validation-split", "0.2", "--out", str(tmp_path)) == 0
    assert descend.load_model(tmp_path).epochs_trained < 50


# -------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("argv, message", [
    (["--data", "nope"], "unknown data set 'nope'"),
    (["--csv", "x.csv"], "--target: required with --csv"),
    (["--data", "moons", "--csv", "x.csv"], "give one of them"),
    (["--data", "digits", "--noise", "0.1"], "does not take ['noise']"),
    (["--data", "moons", "--gd", "batch", "--batch-size", "8"], "--batch-size: batch GD"),
    (["--data", "moons", "--gd", "stochastic", "--batch-size", "8"], "stochastic GD uses one sample"),
    (["--data", "moons", "--schedule", "wobbly:rate=1"], "--schedule: unknown schedule 'wobbly'"),
    (["--data", "moons", "--schedule", "exponential:decay_rate"], "--schedule: expected KEY=VALUE"),
    (["--data", "moons", "--schedule", "exponential:decay_rate=0.5,decay_steps=10"],
     "needs initial_learning_rate"),
    (["--data", "moons", "--opt", "bogus=1"], "--opt: Adam takes no keyword 'bogus'"),
    (["--data", "moons", "--optimizer", "adabelief"], "optimizer: expected one of"),
    (["--data", "moons", "--loss-opt", "smoothing=0.1"],
     "--loss-opt: binary_crossentropy takes no keyword 'smoothing'"),
    (["--data", "moons", "--loss-opt", "label_smoothing"], "--loss-opt: expected KEY=VALUE"),
    (["--data", "moons", "--layers", "8,x"], "--layers: expected comma-separated"),
    (["--data", "moons", "--lr", "-1"], "--lr: expected a finite number"),
    (["--data", "moons", "--epochs", "0"], "--epochs: expected a positive integer"),
    (["--data", "moons", "--test-size", "1.5"], "--test-size"),
    (["--csv", "/nonexistent/file.csv", "--target", "y"], "file.csv"),
    ([], "--data or --csv"),
])
def test_user_errors_are_one_line(capsys, argv, message):
    err = _error(capsys, ["train", *argv, "--quiet"])
    assert err.startswith("descend train: error: ") and message in err, err


@pytest.mark.parametrize("argv, option", [
    (["--activation", "nope"], "--activation"),
    (["--output-activation", "nope"], "--output-activation"),
    (["--init", "nope"], "--init"),
    (["--optimizer", "nope"], "--optimizer"),
    (["--metrics", "nope"], "--metrics"),
    (["--l1", "-1"], "--l1"),
    (["--l2", "-1"], "--l2"),
    (["--lr", "-1"], "--lr"),
    (["--weight-decay", "-1"], "--weight-decay"),
    (["--clip-norm", "-1"], "--clip-norm"),
    (["--clip-value", "-1"], "--clip-value"),
    (["--global-clip-norm", "0"], "--global-clip-norm"),
    (["--optimizer", "nag", "--opt", "momentum=2"], "--opt momentum"),
    (["--opt", "learning_rate=-1"], "--opt learning_rate"),
    (["--loss-opt", "label_smoothing=2"], "--loss-opt label_smoothing"),
    (["--loss-opt", "reduction=average"], "--loss-opt reduction"),
    (["--lr", "0.1", "--schedule", "exponential:decay_rate=-1,decay_steps=10"], "--schedule decay_rate"),
    (["--data", "nope"], "--data"),
    (["--n-samples", "1"], "--n-samples"),
])
def test_an_errors_message_begins_with_the_option_the_user_gave(capsys, argv, option):
    """Not the Python argument behind it ('activation:', 'learning_rate:', 'n_samples:', ...)."""
    err = _error(capsys, ["train", "--data", "moons", *argv, "--quiet", "--no-plot"])
    assert err.startswith(f"descend train: error: {option}: "), err


def test_metrics_other_than_accuracy_with_sparse_labels_are_refused(capsys):
    """mae of (N, 3) outputs against (N,) labels broadcast (a NumPy message at the first update)."""
    err = _error(capsys, ["train", "--data", "iris", "--metrics", "accuracy,mae", "--quiet", "--no-plot"])
    assert err.startswith("descend train: error: --metrics: 'mae' compares the outputs") and "labels" in err
    assert _train("--data", "iris", "--metrics", "mae", "--loss", "categorical_crossentropy", "--epochs", "1",
                  "--quiet", "--no-plot") == 0


def test_error_in_a_real_process_has_no_traceback():
    done = subprocess.run([sys.executable, "-m", "descend", "train", "--data", "moons", "--gd", "batch",
                           "--batch-size", "3"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "descend train: error: --batch-size: batch GD uses all samples per update; got --batch-size 3 with "
        "--gd batch"]


# ------------------------------------------------------------------ the slides' cost on classes
def test_squared_error_on_several_classes_trains_on_one_hot_labels(tmp_path, capsys):
    out = tmp_path / "run"
    assert _train("--data", "iris", "--loss", "squared_error", "--layers", "8", "--epochs", "40",
                  "--lr", "0.01", "--out", str(out), "--no-plot") == 0
    text = capsys.readouterr().out
    model, _ = load_checkpoint(out)
    assert model.loss.name == "squared_error" and model.output_dim == 3
    results = json.loads((out / "results.json").read_text())
    assert results["test"]["accuracy"] > 0.8      # categorical accuracy on one-hot rows
    # a summed loss grows with the rows: the per-sample mean is beside it, in the table too
    rows = {"train": 108, "validation": 12, "test": 30}   # 150 · 0.8 · 0.9, the rest, 150 · 0.2
    for part, n in rows.items():
        assert results[part]["loss_per_sample"] == pytest.approx(results[part]["loss"] / n)
    assert "loss_per_sample" in text and "squared_error sums over the rows of each part" in text


def test_a_mean_loss_has_no_per_sample_row(capsys):
    assert _train(*MOONS[:-2], "--epochs", "1") == 0
    assert "loss_per_sample" not in capsys.readouterr().out


@pytest.mark.parametrize("loss, units", [
    ("categorical_crossentropy", 2), ("sparse_categorical_crossentropy", 2), ("squared_error", 1),
    ("binary_crossentropy", 1)])
def test_two_classes_take_one_output_per_class_with_the_categorical_losses(tmp_path, loss, units):
    out = tmp_path / "run"
    assert _train(*MOONS, "--loss", loss, "--epochs", "1", "--out", str(out)) == 0
    model, _ = load_checkpoint(out)
    assert model.output_dim == units and model.loss.name == loss


# ------------------------------------------------------------------ issue 15
def test_a_target_with_one_class_is_refused(tmp_path, capsys):
    data = tmp_path / "one.csv"
    data.write_text("a,b,y\n" + "".join(f"{i},{i % 3},cat\n" for i in range(20)))
    err = _error(capsys, ["train", "--csv", str(data), "--target", "y", "--quiet", "--no-plot"])
    assert "--target: the column 'y' holds one class only (['cat'])" in err


@pytest.mark.parametrize(("argv", "message"), [
    (["--data", "moons", "--layers", "50000,50000"], "layers: the weights (2,500,"),
    (["--data", "moons", "--n-samples", str(10**10)], "--n-samples: 10,000,000,000 samples"),
])
def test_sizes_beyond_the_memory_limit_are_refused_before_allocating(monkeypatch, capsys, argv, message):
    monkeypatch.delenv("DESCEND_MEMORY_LIMIT", raising=False)
    err = _error(capsys, ["train", *argv, "--quiet", "--no-plot"])
    assert message in err and "GiB, more than the memory limit" in err, err


def test_csv_columns_near_the_float_limits_are_standardised_to_finite_numbers(tmp_path):
    data = tmp_path / "huge.csv"
    data.write_text("a,b,y\n" + "".join(f"{(-1) ** i * 1.7e308},{i % 3},{i * 0.5}\n" for i in range(40)))
    assert _train("--csv", str(data), "--target", "y", "--epochs", "2", "--quiet", "--no-plot",
                  "--out", str(tmp_path / "run")) == 0
    _, extra = load_checkpoint(tmp_path / "run")
    scaler = extra["cli"]["standardizer"]
    assert all(np.isfinite(scaler["mean"])) and all(np.isfinite(scaler["scale"]))
    assert scaler["scale"][0] == pytest.approx(1.7e308)


# ------------------------------------------------------------ paths and the machine's state
def test_an_out_below_a_file_fails_before_training(tmp_path, capsys, monkeypatch):
    (tmp_path / "notes.txt").write_text("x")

    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking --out")

    monkeypatch.setattr(descend.Sequential, "fit", no_training)
    err = _error(capsys, ["train", *MOONS, "--out", str(tmp_path / "notes.txt" / "run")])
    assert f"{tmp_path / 'notes.txt' / 'run'}: Not a directory (a part of the path is a file" in err


def test_resume_of_a_file_is_one_line(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("x")
    err = _error(capsys, ["train", "--resume", str(tmp_path / "notes.txt")])
    assert "--resume: expected a folder written by 'descend train --out', got the file" in err


def test_a_csv_cell_over_128_kB_is_one_line(tmp_path, capsys):
    data = tmp_path / "wide.csv"
    data.write_text("x,y\n" + "1" * 200_000 + ",1\n2,0\n")
    err = _error(capsys, ["train", "--csv", str(data), "--target", "y", "--quiet"])
    assert err.startswith("descend train: error: ")


def test_without_out_the_summary_says_the_run_was_not_saved(capsys):
    assert _train(*[a for a in MOONS if a != "--quiet"], "--epochs", "1") == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "written to │ nothing (not saved: give --out DIR" in out.replace("┃", "│")


def test_a_diverging_run_writes_its_history_and_names_the_flag(tmp_path, capsys):
    out = tmp_path / "run"
    err = _error(capsys, ["train", *MOONS, "--optimizer", "sgd", "--lr", "1e30", "--epochs", "5",
                          "--out", str(out)])
    assert "training diverged" in err and "(--clip-norm)" in err and "clipnorm=" not in err
    assert f"The history up to the divergence is in {out / 'diverged-history.csv'}" in err
    rows = list(csv.reader((out / "diverged-history.csv").open()))
    history = json.loads((out / "diverged-history.json").read_text())
    assert rows[0][0] == "epoch" and len(rows) - 1 == len(history["epoch"])
    assert not (out / "model.safetensors").exists()  # no model of a diverged run


def test_a_run_diverging_in_its_first_epoch_writes_the_updates_that_blew_up(tmp_path, capsys):
    """No whole epoch is in the history of a run that diverges in its first epoch: the updates of
    that epoch are, up to the one whose loss is not finite."""
    out = tmp_path / "run"
    err = _error(capsys, ["train", *MOONS, "--optimizer", "sgd", "--lr", "1e30", "--epochs", "5",
                          "--batch-size", "4", "--out", str(out)])
    assert "diverged at epoch 1," in err and "diverged-updates.csv (epochs and updates counted from 0" in err
    assert json.loads((out / "diverged-history.json").read_text())["epoch"] == []
    rows = list(csv.DictReader((out / "diverged-updates.csv").open()))
    assert [int(r["update"]) for r in rows] == list(range(len(rows))) and len(rows) >= 2
    assert {r["epoch"] for r in rows} == {"0"} and {float(r["learning_rate"]) for r in rows} == {1e30}
    losses = [float(r["loss"]) for r in rows]
    assert all(np.isfinite(losses[:-1])) and not np.isfinite(losses[-1])


# ------------------------------------------------------------------------ the training data's hash
def _csv_run(tmp_path):
    data = tmp_path / "data.csv"
    rng = np.random.default_rng(0)
    rows = [[f"{a:.3f}", f"{b:.3f}", int(a + b > 0)] for a, b in rng.normal(size=(40, 2))]
    with open(data, "w", newline="") as f:
        csv.writer(f).writerows([["a", "b", "y"], *rows])
    out = tmp_path / "run"
    assert _train("--csv", str(data), "--target", "y", "--layers", "4", "--epochs", "1", "--quiet",
                  "--no-plot", "--out", str(out)) == 0
    return data, out


def test_a_csv_run_records_its_data_hash_and_resume_refuses_a_changed_file(tmp_path, capsys):
    data, out = _csv_run(tmp_path)
    assert len(load_checkpoint(out)[1]["cli"]["data"]["sha256"]) == 64
    with open(data, "a") as f:
        f.write("0.1,0.2,1\n")  # the "test" part grows
    err = _error(capsys, ["train", "--resume", str(out), "--epochs", "1", "--quiet"])
    assert f"the run's CSV data {str(data)!r}: not the data the run was trained on" in err
    assert descend.load_model(out).epochs_trained == 1


def test_resume_takes_a_moved_csv_from_csv_and_checks_it(tmp_path, capsys):
    data, out = _csv_run(tmp_path)
    moved = data.rename(tmp_path / "moved.csv")
    err = _error(capsys, ["train", "--resume", str(out), "--epochs", "1", "--quiet"])
    assert "is not there any more; if it moved, name it with --csv PATH" in err
    other = tmp_path / "other.csv"
    other.write_text(moved.read_text() + "0.5,0.5,1\n")
    err = _error(capsys, ["train", "--resume", str(out), "--csv", str(other), "--quiet"])
    assert f"--csv {str(other)!r}: not the data the run was trained on" in err
    assert _train("--resume", str(out), "--csv", str(moved), "--epochs", "1", "--quiet", "--no-plot") == 0
    model, extra = load_checkpoint(out)
    assert model.epochs_trained == 2 and extra["cli"]["data"]["csv"] == str(moved.resolve())


def test_resume_refuses_a_folder_whose_files_disagree(tmp_path, capsys):
    out = tmp_path / "run"
    assert _train(*MOONS, "--epochs", "2", "--out", str(out)) == 0
    history = out / "history.json"
    record = json.loads(history.read_text())
    record["epoch"] = record["epoch"][:1]
    history.unlink()  # as an older descend wrote it: a plain file, one epoch behind the model
    history.write_text(json.dumps(record))
    err = _error(capsys, ["train", "--resume", str(out), "--quiet"])
    assert "does not describe one run (history.json holds 1 epochs, the model 2)" in err


def test_a_diverging_run_raises_the_divergence_error_with_its_attributes(tmp_path):
    from descend.cli import build_parser, train
    from descend.errors import DivergenceError

    args = build_parser("train").parse_args(["train", *MOONS, "--optimizer", "sgd", "--lr", "1e30",
                                             "--epochs", "5", "--out", str(tmp_path)])
    with pytest.raises(DivergenceError) as info:
        train.run(args)
    assert info.value.epoch == 0 and info.value.update is not None and "--clip-norm" in str(info.value)


def test_the_flavor_defaults_to_descend_flavor_and_a_schedule_is_shown(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DESCEND_FLAVOR", "keras")
    out = tmp_path / "env"
    assert main(["train", "--data", "moons", "--n-samples", "60", "--layers", "6", "--no-plot", "--epochs",
                 "1", "--optimizer", "adagrad", "--schedule", "exponential:decay_rate=0.5,decay_steps=10",
                 "--lr", "0.1", "--out", str(out)]) == 0
    model, _ = load_checkpoint(out)
    assert model.optimizer.flavor == "keras" and model.optimizer.initial_accumulator_value == 0.1
    assert "ExponentialDecay" in capsys.readouterr().out       # the schedule, not its current value


@pytest.mark.parametrize("name, opt, cls", [("lamb", "beta_1=0.8", "Lamb"),
                                            ("ftrl", "l1_regularization_strength=0.001", "Ftrl"),
                                            ("adafactor", "clip_threshold=0.5", "Adafactor")])
def test_keras_lamb_ftrl_adafactor_from_the_command_line(tmp_path, capsys, name, opt, cls):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    listing = capsys.readouterr().out.split("\n  --optimizer OPTIMIZER", 1)[1].split("--lr", 1)[0]
    assert name in listing.replace(",", " ").split()
    assert _train(*MOONS, "--epochs", "2", "--optimizer", name, "--opt", opt, "--flavor", "keras",
                  "--weight-decay", "0.01", "--lr", "0.05", "--out", str(tmp_path)) == 0
    model = descend.load_model(tmp_path)
    key, value = opt.split("=")
    assert type(model.optimizer).__name__ == cls and model.optimizer.get_config()[key] == float(value)
    assert model.optimizer.flavor == "keras" and model.optimizer.iterations > 0
    assert json.loads((tmp_path / "results.json").read_text())["epochs_trained"] == 2
