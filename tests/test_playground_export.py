"""descend.playground.export: the data as CSV, the model as descend's file, and a script that replays the
run bit for bit."""
import runpy

import numpy as np

import descend
from descend.playground import config as cfg
from descend.playground import export
from descend.playground.engine import Engine


def _busy_engine():
    engine = Engine(cfg.validate({"points": 120, "layers": [5, 3], "activations": ["tanh", "relu"]}))
    engine.run(7)
    engine.set_live(cfg.validate({"optimizer": "adam", "lr": 0.01, "batch_size": 7, "reg": "l2"},
                                 engine.config))
    engine.run(0, until_epoch_end=True)
    engine.set_weight(0, 3, 0.25)
    engine.set_live(cfg.validate({"lr": 0.02, "schedule": "staircase", "decay_steps": 5, "clip": "norm",
                                  "clip_at": 0.5, "weight_decay": 0.001}, engine.config))
    engine.run(13)
    engine.set_live(cfg.validate({"optimizer": "nag", "batch_size": 0}, engine.config))
    engine.run(4)
    return engine


def test_the_exported_script_gives_the_same_weights_bit_for_bit(tmp_path):
    engine = _busy_engine()
    path = tmp_path / "run.py"
    path.write_text(export.script(engine))
    namespace = runpy.run_path(str(path))
    model = namespace["model"]
    assert model.optimizer.iterations == engine.model.optimizer.iterations
    for a, b in zip(model.get_weights(), engine.model.get_weights(), strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_the_script_of_a_fresh_run_and_after_a_rewind(tmp_path):
    engine = Engine(cfg.validate({"points": 60}))
    snap = engine.take_snapshot()
    engine.run(9)
    engine.restore(snap)
    engine.run(4)
    path = tmp_path / "run.py"
    path.write_text(export.script(engine))
    model = runpy.run_path(str(path))["model"]
    assert all(np.array_equal(a, b)
               for a, b in zip(model.get_weights(), engine.model.get_weights(), strict=True))


def test_the_model_file_loads_with_load_model(tmp_path):
    engine = _busy_engine()
    path = tmp_path / "m.safetensors"
    path.write_bytes(export.model_bytes(engine))
    model = descend.load_model(path)
    assert all(np.array_equal(a, b)
               for a, b in zip(model.get_weights(), engine.model.get_weights(), strict=True))
    assert np.array_equal(model.predict(engine.X_test), engine.model.predict(engine.X_test))


def test_the_data_csv_has_every_point():
    engine = Engine(cfg.validate({"points": 50}))
    lines = export.data_csv(engine).splitlines()
    assert lines[0] == "x1,x2,label,split" and len(lines) == 51
    x1, x2, label, split = lines[1].split(",")
    assert float(x1) == engine.points.X[0, 0] and int(label) == engine.points.y[0] and split == "train"
