"""``descend init-study``: both studies print their tables and claims and write their pictures; one
study alone; errors in one line."""
from __future__ import annotations

import pytest

from descend.cli import main
from pictures import assert_png


def test_init_study_prints_tables_and_writes_pictures(tmp_path, capsys):
    assert main(["init-study", "--tanh-depth", "6", "--relu-depth", "30", "--width", "32",
                 "--epochs", "3", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert_png(tmp_path / "glorot_tanh.png")
    assert_png(tmp_path / "he_relu.png")
    assert "Glorot & Bengio (2010)" in text and "He et al. (2015)" in text
    assert "per layer" in text and "training loss" in text
    assert "The old uniform multiplies Var(a) by" in text and "Xavier multiplies Var(a) by" in text


def test_one_study_without_training(tmp_path, capsys):
    assert main(["init-study", "--study", "he", "--relu-depth", "4", "--width", "8", "--samples", "32",
                 "--epochs", "0", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["he_relu.png"]
    assert "He et al. (2015)" in text and "Glorot" not in text and "training loss" not in text


@pytest.mark.parametrize("argv, message", [
    (["--study", "he", "--relu-depth", "1"], "--relu-depth: expected an int >= 2, got 1"),
    (["--tanh-depth", "1"], "--tanh-depth: expected an int >= 2, got 1"),
    (["--samples", "1"], "--samples: expected an int >= 2, got 1"),
    (["--epochs", "-1"], "--epochs: expected an int >= 0, got -1"),
])
def test_bad_options_are_one_line_errors(tmp_path, capsys, argv, message):
    assert main(["init-study", *argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == f"descend init-study: error: {message}\n"
    assert not list(tmp_path.iterdir())


def test_out_must_be_a_folder(tmp_path, capsys):
    file = tmp_path / "file.png"
    file.write_bytes(b"x")
    assert main(["init-study", "--study", "glorot", "--out", str(file)]) == 2
    assert "--out: expected a folder" in capsys.readouterr().err
