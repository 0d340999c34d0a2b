"""``descend trajectories``: files written, table printed, errors in one line."""
from __future__ import annotations

import pathlib
import re

import pytest
from PIL import Image

from descend.cli import main
from descend.cli.trajectories import parse_learning_rates, parse_point


def test_trajectories_writes_png_gif_and_prints_the_table(tmp_path, capsys):
    rc = main(["trajectories", "--function", "saddle", "--optimizers", "sgd,momentum,adam",
               "--steps", "120", "--frames", "5", "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert rc == 0
    with Image.open(tmp_path / "out" / "saddle.png") as im:
        assert im.format == "PNG" and min(im.size) > 300
    with Image.open(tmp_path / "out" / "saddle.gif") as im:
        assert im.n_frames == 5
    for name in ("sgd", "momentum", "adam", "near saddle", "unbounded below"):
        assert name in out
    # SGD after 120 steps: x = −0.98¹²⁰ = −0.0885, y = 10⁻³·1.02¹²⁰ = 0.0108
    sgd_row = next(line for line in out.splitlines() if "│ sgd" in line)
    assert "-0.0885" in sgd_row and "0.0108" in sgd_row


def test_trajectories_on_a_surface_with_a_minimum(tmp_path, capsys):
    rc = main(["trajectories", "--function", "quadratic", "--condition", "4", "--optimizers",
               "sgd", "--lr", "sgd=0.2", "--start", "1,1", "--steps", "100", "--tol", "1e-8",
               "--frames", "0", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0 and (tmp_path / "quadratic.png").exists()
    assert not (tmp_path / "quadratic.gif").exists()
    # f_k = ½(0.8²ᵏ + 4·0.2²ᵏ) ≤ 10⁻⁸ first at k = 40
    sgd_row = next(line for line in out.splitlines() if "│ sgd" in line)
    assert "│ 40 " in sgd_row.replace("  ", " ") or " 40 │" in sgd_row


@pytest.mark.parametrize("argv, message", [
    (["--start", "1"], "--start: expected two numbers"),
    (["--lr", "adam"], "--lr: expected NAME=VALUE"),
    (["--lr", "adam=-1"], "--lr: expected NAME=VALUE"),
    (["--optimizers", "sgd,adabelief"], "--optimizers: expected one of"),
    (["--condition", "5"], "--condition: only for --function quadratic"),
    (["--steps", "10", "--frames", "50"], "--frames"),
    (["--lr", "adam=0.1", "--optimizers", "sgd"], "--lr: adam not among --optimizers sgd"),
])
def test_trajectories_user_errors_are_one_line(tmp_path, capsys, argv, message):
    rc = main(["trajectories", "--out", str(tmp_path), "--steps", "5", "--frames", "0", *argv])
    err = capsys.readouterr().err
    assert rc == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_parsers():
    assert parse_point(" -1, 1e-3 ") == (-1.0, 0.001)
    assert parse_learning_rates("SGD=0.02, adam=1e-1") == {"sgd": 0.02, "adam": 0.1}
    assert parse_learning_rates("") == {}
    with pytest.raises(ValueError, match="finite"):
        parse_point("nan,1")


def test_out_must_be_a_folder_and_is_checked_before_the_race(tmp_path, capsys, monkeypatch):
    file = tmp_path / "file"
    file.write_bytes(b"x")
    import descend.cli.trajectories as command

    monkeypatch.setattr(command, "race", lambda *a, **k: pytest.fail("raced before checking --out"))
    assert main(["trajectories", "--function", "saddle", "--out", str(file)]) == 2
    assert "--out: expected a folder" in capsys.readouterr().err


README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_saddle_sentence_is_what_the_command_prints(tmp_path, capsys):
    """The README's numbers (points near the saddle, the radius, the path length) are read off
    `descend trajectories --function saddle` with its defaults, not remembered."""
    sentence = " ".join(README.read_text().split())
    found = re.search(r"lingers \((\d+) of its (\d+) points within ([\d.]+) of it\); momentum and NAG pass "
                      r"through it \((\d+) and (\d+) points\), the adaptive methods turn away at once "
                      r"\((\d+) points\)", sentence)
    assert found, "the README's saddle sentence has changed shape; update this test with it"
    sgd, points, radius, momentum, nag, adaptive = found.groups()
    assert main(["trajectories", "--function", "saddle", "--frames", "0", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"steps spent within {radius} of a saddle point (of {points} points)" in " ".join(out.split())
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in out.splitlines() if line.startswith("│")]
    near = {row[0]: row[-2] for row in cells if row and row[0]}        # optimizer → "near saddle*"
    assert (near["sgd"], near["momentum"], near["nag"]) == (sgd, momentum, nag)
    assert {near[name] for name in ("adagrad", "rmsprop", "adadelta", "adam", "nadam")} == {adaptive}
