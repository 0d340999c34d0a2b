"""``descend demo``: it is ``descend train`` on the bundled digits, and reaches the accuracy its
help promises."""
from __future__ import annotations

import json

from descend.cli import build_parser, main
from descend.cli import demo as demo_cli


def test_demo_is_descend_train_on_digits():
    args = build_parser("demo").parse_args(["demo", "--epochs", "3", "--seed", "5", "--out", "o"])
    argv = demo_cli.train_argv(args)
    assert argv == ["--data", "digits", "--layers", "64", "--activation", "relu", "--optimizer", "adam",
                    "--lr", "1e-3", "--epochs", "3", "--batch-size", "32", "--seed", "5", "--out", "o"]
    quiet = build_parser("demo").parse_args(["demo", "--quiet"])
    assert demo_cli.train_argv(quiet)[-1] == "--quiet"


def test_demo_reaches_95_percent_on_the_held_out_digits(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["test"]["accuracy"] >= 0.95
    assert results["epochs_trained"] == 40
    assert (tmp_path / "curves.png").exists()


def test_demo_prints_the_command_it_runs(tmp_path, capsys):
    assert main(["demo", "--epochs", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("descend train --data digits --layers 64") and "--epochs 1" in out
    assert "digits" in out and "accuracy" in out
