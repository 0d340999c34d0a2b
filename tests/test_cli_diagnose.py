"""``descend diagnose`` and ``descend init-study``: files, printed claims, errors; the gradient-flow
and exploding pictures carry the numbers they claim."""
from __future__ import annotations

import math

import numpy as np
import pytest

from descend.cli import main
from descend.diagnostics import compare_activations, exploding_run
from descend.diagnostics_plots import plot_exploding, plot_gradient_flow

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path):
    from matplotlib.image import imread

    assert path.read_bytes()[:8] == PNG_MAGIC
    image = imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100


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
    (["--clipnorm", "0"], "--clipnorm"),
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
    assert main(["init-study", "--study", "glorot", "--out", str(file)]) == 2
    assert "--out" in capsys.readouterr().err


def test_init_study_prints_tables_and_writes_pictures(tmp_path, capsys):
    assert main(["init-study", "--tanh-depth", "6", "--relu-depth", "30", "--width", "32",
                 "--epochs", "3", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert_png(tmp_path / "glorot_tanh.png")
    assert_png(tmp_path / "he_relu.png")
    assert "Glorot & Bengio (2010)" in text and "He et al. (2015)" in text
    assert "per layer" in text and "training loss" in text
    assert main(["init-study", "--study", "he", "--relu-depth", "1", "--out", str(tmp_path)]) == 2


def test_help_of_both_commands(capsys):
    for command in ("diagnose", "init-study"):
        with pytest.raises(SystemExit) as info:
            main([command, "--help"])
        assert info.value.code == 0
        assert "examples:" in capsys.readouterr().out


def test_gradient_flow_picture_carries_the_norms(tmp_path):
    flows = compare_activations(("sigmoid", "relu"), depth=4, width=16, n_samples=64)
    fig = plot_gradient_flow(flows, tmp_path / "g.png")
    assert_png(tmp_path / "g.png")
    lines, heat = fig.axes[0], fig.axes[1]
    assert lines.get_yscale() == "log"
    for line, name in zip(lines.get_lines(), flows):
        np.testing.assert_allclose(line.get_ydata(), flows[name]["grad_norm"][0])
    image = heat.get_images()[0].get_array()
    np.testing.assert_allclose(image, np.log10(np.array([flows[n]["grad_norm"][0] for n in flows]).T))
    assert all(ax.get_title() for ax in fig.axes[:2]) and fig.get_suptitle()


def test_exploding_picture_carries_the_losses(tmp_path):
    wild, tamed = exploding_run(None, epochs=2), exploding_run(1.0, epochs=2)
    fig = plot_exploding([wild, tamed], tmp_path / "e.png")
    assert_png(tmp_path / "e.png")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    finite = [v for v in wild.losses if math.isfinite(v)]
    drawn = [list(line.get_ydata()) for line in ax.get_lines()]
    assert finite in drawn                                            # the diverging run's losses
    assert any(len(d) == len(tamed.losses) and np.allclose(d, tamed.losses) for d in drawn)
    assert any("NaN at update 6" in t.get_text() for t in ax.texts)
    with pytest.raises(ValueError, match="runs"):
        plot_exploding([])
    with pytest.raises(ValueError, match="flows"):
        plot_gradient_flow({})
