"""``descend demo``: it is ``descend train`` on the bundled digits, and reaches the accuracy its
help promises."""
from __future__ import annotations

import json
import pathlib

import numpy as np

from descend.cli import build_parser, main
from descend.cli import demo as demo_cli


def test_demo_is_descend_train_on_digits():
    args = build_parser("demo").parse_args(["demo", "--epochs", "3", "--seed", "5", "--out", "o"])
    argv = demo_cli.train_argv(args)
    assert argv == ["--data", "digits", "--layers", "64", "--activation", "relu", "--optimizer", "adam",
                    "--lr", "1e-3", "--epochs", "3", "--batch-size", "32", "--seed", "5", "--out", "o"]
    quiet = build_parser("demo").parse_args(["demo", "--quiet"])
    assert demo_cli.train_argv(quiet)[-1] == "--quiet"


def _readme_table() -> dict[str, list[float]]:
    """The results table the README says `make demo` ends with: quantity → train, validation, test."""
    text = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text()
    table = text.split("`make demo` runs `descend train` on digits and ends with:")[1].split("```")[1]
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in table.splitlines() if line.startswith("│")]
    return {row[0]: [float(c) for c in row[1:]] for row in rows}


def test_demo_reaches_95_percent_on_the_held_out_digits(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["test"]["accuracy"] >= 0.95
    shown = _readme_table()   # the README's numbers are this run's, to the printed digit
    assert set(shown) == {"loss", "accuracy"}
    for name, values in shown.items():
        got = [results[part][name] for part in ("train", "validation", "test")]
        assert np.allclose(got, values, rtol=0, atol=1.5e-4), (name, got, values)
    assert results["epochs_trained"] == 40
    assert (tmp_path / "curves.png").exists()


def test_demo_prints_the_command_it_runs(tmp_path, capsys):
    assert main(["demo", "--epochs", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("descend train --data digits --layers 64") and "--epochs 1" in out
    assert "digits" in out and "accuracy" in out
