"""``descend schedules``: one instance of every schedule, the slides' decay among them, a picture
and a table; errors in one line."""
from __future__ import annotations

import pytest
from PIL import Image

from descend import schedules
from descend.cli import main
from descend.cli.schedules import default_schedules


def test_schedules_cover_every_schedule_class():
    made = default_schedules(100, 0.1)
    assert {type(s) for s in made.values()} == set(schedules.REGISTRY.values())
    for s in made.values():
        assert s(0) == pytest.approx(0.1)
        assert 0 <= s(99) < 0.1
    slides = next(s for name, s in made.items() if name.startswith("slides'"))
    # η_t = δ^(t // T)·η₀ with T = 20, δ = 0.5
    assert [slides(t) for t in (0, 19, 20, 39, 40)] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])


def test_schedules_command(tmp_path, capsys):
    rc = main(["schedules", "--steps", "60", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0
    with Image.open(tmp_path / "schedules.png") as im:
        assert im.format == "PNG" and min(im.size) > 300
    assert "CosineDecayRestarts" in out and "t=59" in out
    rc = main(["schedules", "--steps", "3", "--out", str(tmp_path)])
    assert rc == 2 and "--steps: expected an int >= 10" in capsys.readouterr().err


def test_schedules_with_a_log_scale_in_another_folder(tmp_path, capsys):
    out = tmp_path / "pics" / "deeper"
    assert main(["schedules", "--steps", "20", "--lr", "0.01", "--log", "--out", str(out)]) == 0
    assert (out / "schedules.png").exists()
    assert "η₀ = 0.01" in capsys.readouterr().out
    (tmp_path / "file").write_text("x")
    assert main(["schedules", "--out", str(tmp_path / "file")]) == 2
    assert "--out: expected a folder" in capsys.readouterr().err


def test_default_schedules_refuse_bad_sizes():
    with pytest.raises(ValueError, match="--lr: expected a number > 0"):
        default_schedules(100, 0.0)
    with pytest.raises(TypeError, match="--steps: expected an int >= 10"):
        default_schedules(100.0, 0.1)
