"""descend.plotting: valid files, written atomically, with the frame count asked."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image  # pillow comes with matplotlib, a runtime dependency

from descend import plotting
from descend.lab.classic import gd_kinds_curves, linear_data
from descend.lab.functions import get_function
from descend.lab.trajectories import race
from pictures import assert_png


@pytest.fixture(scope="module")
def small_race():
    return race("saddle", ["sgd", "momentum", "adam"], steps=40)


def test_plot_trajectories_png(tmp_path, small_race):
    out = tmp_path / "saddle.png"
    fig = plotting.plot_trajectories(get_function("saddle"), small_race, out, grid=40)
    assert_png(out, min_side=300)
    ax = fig.axes[0]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "sgd, η = 0.01" in labels and "saddle point" in labels
    assert any(lbl.startswith("start") for lbl in labels)
    assert "x" in ax.get_xlabel() and "y" in ax.get_ylabel() and "x² − y²" in ax.get_title()
    # the path drawn is the path computed
    line = next(ln for ln in ax.get_lines() if ln.get_label() == "sgd, η = 0.01")
    np.testing.assert_array_equal(line.get_xydata(), small_race["sgd"].path)


def test_log_levels_on_a_surface_with_a_minimum(tmp_path):
    r = race("rosenbrock", ["sgd"], steps=10)
    fig = plotting.plot_trajectories(r.function, r, tmp_path / "r.png", grid=40)
    assert_png(tmp_path / "r.png", min_side=300)
    cbar_ax = fig.axes[1]
    assert cbar_ax.get_yscale() == "log"


def test_animation_has_exactly_the_frames_asked(tmp_path, small_race):
    out = tmp_path / "race.gif"
    written = plotting.animate_trajectories(small_race.function, small_race, out, frames=7,
                                            grid=30, dpi=40)
    assert written == out
    with open(out, "rb") as fh:
        assert fh.read(6) in (b"GIF87a", b"GIF89a")
    with Image.open(out) as im:
        assert im.format == "GIF" and im.n_frames == 7
    with pytest.raises(ValueError, match="frames"):
        plotting.animate_trajectories(small_race.function, small_race, out, frames=42)
    with pytest.raises(ValueError, match="frames"):
        plotting.animate_trajectories(small_race.function, small_race, out, frames=1)


def test_plot_history(tmp_path):
    hist = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.7, 0.6],
            "accuracy": [0.5, 0.7, 0.8], "val_accuracy": [0.4, 0.6, 0.7]}
    fig = plotting.plot_history(hist, tmp_path / "h.png")
    assert_png(tmp_path / "h.png", min_side=250)
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_title() == "loss" and acc_ax.get_title() == "accuracy"
    styles = {ln.get_label(): ln.get_linestyle() for ln in loss_ax.get_lines()}
    assert styles == {"training (loss)": "-", "validation (val_loss)": "--"}

    class History:  # Keras-like object
        history = {"loss": list(np.logspace(3, -1, 12))}

    fig = plotting.plot_history(History())
    assert fig.axes[0].get_yscale() == "log"        # four decades
    with pytest.raises(ValueError, match="history"):
        plotting.plot_history({})
    with pytest.raises(ValueError, match="history\\['loss'\\]"):
        plotting.plot_history({"loss": []})


def test_plot_schedules(tmp_path):
    fig = plotting.plot_schedules({"step": lambda t: 0.1 * 0.5 ** (t // 10),
                                   "constant": lambda t: 0.05}, 50, tmp_path / "s.png")
    assert_png(tmp_path / "s.png", min_side=300)
    ys = {ax.get_title(): ax.get_lines()[0].get_ydata() for ax in fig.axes if ax.get_visible()}
    assert ys["step"][0] == 0.1 and ys["step"][10] == 0.05 and len(ys["step"]) == 50
    with pytest.raises(TypeError, match="schedules\\['x'\\]"):
        plotting.plot_schedules({"x": 0.1}, 10)
    with pytest.raises(ValueError, match="steps"):
        plotting.plot_schedules({"x": lambda t: 0.1}, 1)


def test_plot_gd_kinds(tmp_path):
    k = gd_kinds_curves(*linear_data(60, seed=0), batch_size=6, epochs=4)
    fig = plotting.plot_gd_kinds(k, tmp_path / "gd.png")
    assert_png(tmp_path / "gd.png", min_side=300)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any(lbl.startswith("batch GD: loss rose in 0 of 4 updates") for lbl in labels)
    assert fig.axes[0].get_yscale() == "log"
    # each kind in its own colour, drawn noisiest first so that batch GD stays on top
    lines = {line.get_label().split(" GD")[0]: line for line in fig.axes[0].get_lines()}
    assert list(lines) == ["stochastic", "mini-batch", "batch"]
    assert [line.get_color() for line in lines.values()] == ["tab:red", "tab:green", "tab:blue"]


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    out = tmp_path / "keep.png"
    out.write_bytes(b"old")

    def fail(tmp):
        with open(tmp, "wb") as fh:
            fh.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        plotting._atomic_write(out, fail)
    assert out.read_bytes() == b"old" and os.listdir(tmp_path) == ["keep.png"]
    with pytest.raises(FileNotFoundError, match="path"):
        plotting.plot_schedules({"x": lambda t: 0.1}, 5, tmp_path / "missing" / "s.png")


def test_import_descend_does_not_import_matplotlib():
    code = "import sys, descend, descend.lab, descend.lab.classic, descend.lab.trajectories; " \
           "print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}, check=True)
    assert out.stdout.strip() == "False"


def test_plot_history_colours_every_panel_beyond_ten():
    hist = {f"m{i}": [float(i), float(i) + 1.0] for i in range(12)}
    fig = plotting.plot_history(hist)
    assert len(fig.axes) == 12 and all(ax.get_lines() for ax in fig.axes)
    assert fig.axes[10].get_lines()[0].get_color() == fig.axes[0].get_lines()[0].get_color()


def test_animation_arguments_are_checked(small_race, tmp_path):
    with pytest.raises(ValueError, match=r"frames: expected an int in \[2, 41\], got 42"):
        plotting.animate_trajectories(small_race.function, small_race, tmp_path / "r.gif", frames=42)
    with pytest.raises(ValueError, match="fps: expected an int >= 1"):
        plotting.animate_trajectories(small_race.function, small_race, tmp_path / "r.gif", frames=3, fps=0)
    assert not list(tmp_path.iterdir())
