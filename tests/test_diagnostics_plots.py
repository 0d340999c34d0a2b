"""descend.diagnostics_plots: the gradient-flow, exploding-run and initialisation pictures are
valid PNG files, written atomically, and carry the numbers they claim."""
from __future__ import annotations

import math

import numpy as np
import pytest

from descend.diagnostics import compare_activations, exploding_run
from descend.diagnostics_plots import plot_exploding, plot_gradient_flow, plot_init_study
from descend.lab.init_study import glorot_study, he_study
from pictures import assert_png


def test_gradient_flow_picture_carries_the_norms(tmp_path):
    flows = compare_activations(("sigmoid", "relu"), depth=4, width=16, n_samples=64)
    fig = plot_gradient_flow(flows, tmp_path / "g.png")
    assert_png(tmp_path / "g.png")
    lines, heat = fig.axes[0], fig.axes[1]
    assert lines.get_yscale() == "log"
    for line, name in zip(lines.get_lines(), flows, strict=True):
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
    floor = ax.get_ylim()[0] * 1.5                                    # the axis stops below it
    assert any(len(d) == len(tamed.losses) and np.allclose(d, np.maximum(tamed.losses, floor)) for d in drawn)
    assert any("NaN at update 6" in t.get_text() for t in ax.texts)
    with pytest.raises(ValueError, match="runs"):
        plot_exploding([])
    with pytest.raises(ValueError, match="flows"):
        plot_gradient_flow({})


@pytest.mark.parametrize("trained", [False, True])
def test_init_study_picture_carries_the_variances(tmp_path, trained):
    study = (he_study(depth=4, width=16, epochs=2, n_samples=64) if trained
             else glorot_study(depth=4, width=16, n_samples=64))
    path = tmp_path / "study.png"
    fig = plot_init_study(study, path)
    assert_png(path)
    axes = fig.axes
    assert len(axes) == (3 if trained else 2) and axes[0].get_yscale() == "log"
    for line, label in zip(axes[0].get_lines(), study.labels, strict=True):
        np.testing.assert_allclose(line.get_ydata(), study.activation_var[label])
    for line, label in zip(axes[1].get_lines(), study.labels, strict=True):
        np.testing.assert_allclose(line.get_ydata(), study.delta_var[label])
    if trained:
        drawn = [list(line.get_ydata()) for line in axes[2].get_lines()]
        assert all(study.losses[label] in drawn for label in study.labels)
    assert all(ax.get_title() and ax.get_xlabel() and ax.get_ylabel() for ax in axes)
    assert study.title in fig.get_suptitle()


def test_the_faint_per_batch_line_never_runs_below_the_axis():
    """A batch classified perfectly has a loss of 0 (the clipped run here has 56 of them), which a
    log axis cannot show: such batches are drawn on the axis's floor, and the label says so."""
    wild, tamed = exploding_run(None), exploding_run(1.0)
    assert 0.0 in tamed.losses
    fig = plot_exploding([wild, tamed])
    ax = fig.axes[0]
    bottom = ax.get_ylim()[0]
    for line in ax.get_lines():
        y = np.asarray(line.get_ydata(), dtype=float)
        assert np.all(y[np.isfinite(y)] > bottom), line.get_label()
    assert "exactly 0" in ax.get_xlabel() and "are drawn at" in ax.get_xlabel()
