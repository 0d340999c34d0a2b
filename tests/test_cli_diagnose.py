"""``descend diagnose``: the files written, the printed claims (vanishing with the sigmoid,
divergence without clipping, convergence with it), errors in one line."""
from __future__ import annotations

import pytest

from descend.cli import main
from pictures import assert_png


def test_diagnose_prints_the_claims_and_writes_both_pictures(tmp_path, capsys):
    out = tmp_path / "pics"
    assert main(["diagnose", "--activations", "sigmoid,relu", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert_png(out / "gradient_flow.png")
    assert_png(out / "exploding.png")
    assert sorted(p.name for p in out.iterdir()) == ["exploding.png", "gradient_flow.png"]
    assert "vanishing" in text and "healthy" in text
    assert "1.1e-06" in text                       # sigmoid: first / last layer
    assert "DivergenceError" in text and "update 6" in text and "dense_4" in text
    assert "it converges" in text and "clipnorm=1" in text


def test_diagnose_without_the_exploding_runs(tmp_path, capsys):
    assert main(["diagnose", "--activations", "tanh", "--depth", "3", "--width", "8", "--no-explode",
                 "--out", str(tmp_path)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["gradient_flow.png"]
    assert "Exploding" not in capsys.readouterr().out


@pytest.mark.parametrize("argv, word", [
    (["--activations", "sigmoid,nope"], "--activations"),
    (["--activations", ","], "--activations"),
    (["--depth", "0"], "--depth"),
    (["--width", "-1"], "--width"),
    (["--clip-norm", "0"], "--clip-norm"),
    (["--clipnorm", "0"], "--clip-norm"),   # the older spelling still works
    (["--epochs", "0"], "--epochs"),
])
def test_diagnose_bad_options_are_one_line_errors(tmp_path, capsys, argv, word):
    assert main(["diagnose", *argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("descend diagnose: error:") and word in err and "Traceback" not in err


def test_out_must_be_a_folder(tmp_path, capsys):
    file = tmp_path / "file.png"
    file.write_bytes(b"x")
    assert main(["diagnose", "--no-explode", "--depth", "2", "--out", str(file)]) == 2
    assert "--out: expected a folder" in capsys.readouterr().err


def test_the_table_names_every_initializer_whole_in_a_pipe(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    assert main(["diagnose", "--activations", "tanh,relu,leaky_relu,sigmoid,elu", "--depth", "2",
                 "--width", "4", "--samples", "16", "--no-explode", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "…" not in text and text.count("(glorot_uniform)") == 2 and text.count("(he_normal)") == 3


def test_the_title_counts_the_digits_used_not_those_asked_for(tmp_path, capsys):
    assert main(["diagnose", "--activations", "tanh", "--depth", "2", "--width", "4", "--no-explode",
                 "--samples", "100000", "--out", str(tmp_path)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "1,797 digits (all of them; --samples asked for 100,000)" in out
    assert "100000 digits" not in out
