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


def _rgb(color):
    from matplotlib.colors import to_rgb

    return tuple(round(255 * v) for v in to_rgb(color))


def test_every_gif_frame_shows_each_optimizer_in_its_own_colour(tmp_path, small_race):
    """One palette for all frames: the first frame (a dot per path, the legend) has each
    optimizer's exact colour, as the last does (Pillow's palette per frame made momentum salmon
    and adam purple in the first)."""
    out = tmp_path / "race.gif"
    plotting.animate_trajectories(small_race.function, small_race, out, frames=5, grid=30)
    wanted = {name: _rgb(plotting.OPTIMIZER_COLORS[name]) for name in ("sgd", "momentum", "adam")}
    with Image.open(out) as im:
        for k in range(im.n_frames):
            im.seek(k)
            pixels = {tuple(p) for p in np.asarray(im.convert("RGB")).reshape(-1, 3)}
            missing = [name for name, rgb in wanted.items() if rgb not in pixels]
            assert not missing, f"frame {k}: no pixel of {missing}'s colour"


def test_each_optimizer_has_one_colour_in_every_race():
    assert plotting.optimizer_colors(["adam", "sgd"]) == ["tab:pink", "tab:blue"]
    assert plotting.optimizer_colors(["sgd", "momentum", "adam"])[2] == "tab:pink"
    colors = plotting.optimizer_colors(["adam", "adam (2)", "lion"])
    assert colors[0] == "tab:pink" and len(set(colors)) == 3
    assert len(set(plotting.OPTIMIZER_COLORS.values())) == len(plotting.OPTIMIZER_COLORS)
    r = race("saddle", ["adam", "sgd"], steps=5)
    fig = plotting.plot_trajectories(r.function, r, grid=20)
    lines = {ln.get_label(): ln.get_color() for ln in fig.axes[0].get_lines()}
    assert lines["adam, η = 0.05"] == "tab:pink" and lines["sgd, η = 0.01"] == "tab:blue"


def test_a_constant_learning_rate_gets_a_title_not_a_panel():
    hist = {"loss": [1.0, 0.5, 0.3], "learning_rate": [0.01, 0.01, 0.01]}
    fig = plotting.plot_history(hist, title="run")
    assert [ax.get_title() for ax in fig.axes] == ["loss"]
    assert "η = 0.01, constant" in fig.get_suptitle()
    varying = plotting.plot_history({"loss": [1.0, 0.5, 0.3], "learning_rate": [0.01, 0.005, 0.0025]})
    assert [ax.get_title() for ax in varying.axes] == ["loss", "learning_rate"]


def test_regression_history_is_readable():
    """Five quantities wrap into rows (not one 2762×452 strip), and MAE, MSE and RMSE that span
    more than a decade get a log axis, so that their end is not squashed against 0."""
    decay = np.logspace(0, -3, 30)
    hist = {name: list(scale * decay) for name, scale in
            (("loss", 3e4), ("mae", 150), ("mse", 3e4), ("rmse", 170), ("r2", 0.5))}
    hist["learning_rate"] = list(0.01 * 0.9 ** np.arange(30))
    fig = plotting.plot_history(hist)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["loss", "mae", "mse", "rmse", "r2", "learning_rate"]
    rows = {round(ax.get_position().y0, 3) for ax in fig.axes}
    assert len(rows) == 2                                  # three panels a row
    width, height = fig.get_size_inches()
    assert width / height < 3
    scales = {ax.get_title(): ax.get_yscale() for ax in fig.axes}
    assert scales["mae"] == scales["rmse"] == scales["mse"] == scales["loss"] == "log"
    assert scales["r2"] == "linear"


def test_history_epochs_count_from_0_as_in_history_csv():
    hist = {"loss": [1.0, 0.5, 0.3]}
    fig = plotting.plot_history(hist)
    np.testing.assert_array_equal(fig.axes[0].get_lines()[0].get_xdata(), [0, 1, 2])
    assert "from 0" in fig.axes[0].get_xlabel()

    class Resumed:                     # a History that holds epochs 5–7 only: its own numbers
        history = {"loss": [1.0, 0.5, 0.3]}
        epoch = [5, 6, 7]

    xs = plotting.plot_history(Resumed()).axes[0].get_lines()[0].get_xdata()
    np.testing.assert_array_equal(xs, [5, 6, 7])


def test_the_gd_kinds_legend_says_roughness_as_the_terminal_does():
    label = plotting._gd_kind_label("batch", 20, 0, 1.0)
    assert label == "batch GD: loss rose in 0 of 20 updates, roughness 1.00"
