"""``descend lecture``: each part of the replay prints its trace (the slides' numbers), and --out
writes the picture of the three kinds of gradient descent."""
from __future__ import annotations

import pathlib
import re

import pytest

from descend import lecture
from descend.cli import main
from pictures import assert_png


@pytest.mark.parametrize("example, piece", [
    ("a", "b₁ = 10 − 0.1·30 = 7"),
    ("b", "w₁₁⁽¹⁾: 0.3 − 0.01·(−0.00264097) = 0.3000264097"),
    ("classic", "normal equation"),
])
def test_each_example_prints_its_trace(capsys, example, piece):
    assert main(["lecture", "--example", example]) == 0
    out = capsys.readouterr().out
    assert piece in out
    if example != "classic":   # the classic comparison prints timings, which differ from run to run
        assert out.strip() == str({"a": lecture.example_a, "b": lecture.example_b}[example]()).strip()


def test_the_default_replays_everything(capsys):
    assert main(["lecture"]) == 0
    out = capsys.readouterr().out
    for piece in ("b₁ = 10 − 0.1·30 = 7", "0.3000264097", "normal equation", "Newton–Raphson"):
        assert piece in out


@pytest.mark.parametrize("example", ["classic", "all"])
def test_out_writes_the_gd_kinds_picture(tmp_path, capsys, example):
    folder = tmp_path / "new"
    assert main(["lecture", "--example", example, "--out", str(folder)]) == 0
    assert_png(folder / "gd_kinds.png")
    out = capsys.readouterr().out
    assert f"wrote {folder / 'gd_kinds.png'}" in out
    # the README's sentence under the picture is what the command prints
    readme = " ".join((pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text().split())
    found = re.search(r"stochastic GD's loss went up in (\d+) of its (\d+) updates", readme)
    assert found, "the README's sentence under gd_kinds.png changed shape; update this test with it"
    assert re.search(rf"stochastic +{found[1]} of +{found[2]} updates went up", out)
    assert re.search(r"batch +0 of +\d+ updates went up", out)   # "batch GD only goes downhill"


@pytest.mark.parametrize("example", ["a", "b"])
def test_out_with_a_worked_example_writes_no_picture(tmp_path, capsys, example):
    """Examples A and B draw nothing: --out with them is refused, nothing written or replayed."""
    folder = tmp_path / "new"
    assert main(["lecture", "--example", example, "--out", str(folder)]) == 2
    captured = capsys.readouterr()
    assert f"--out: example {example} draws no picture" in captured.err
    assert captured.out == "" and not folder.exists()


def test_out_must_be_a_folder_and_is_checked_first(tmp_path, capsys):
    file = tmp_path / "file.png"
    file.write_bytes(b"x")
    assert main(["lecture", "--example", "classic", "--out", str(file)]) == 2
    captured = capsys.readouterr()
    assert "--out: expected a folder" in captured.err and "Traceback" not in captured.err
    assert captured.out == ""                         # nothing replayed before the refusal


def test_an_out_below_a_file_is_one_line(tmp_path, capsys):
    plain = tmp_path / "plainfile"
    plain.write_text("x")
    assert main(["lecture", "--example", "classic", "--out", str(plain / "sub")]) == 2
    err = capsys.readouterr().err
    assert err == (f"descend lecture: error: {plain / 'sub'}: Not a directory (a part of the path is a "
                   f"file, not a folder: use another path)\n")
