"""Save → load → resume equals uninterrupted training, bit for bit (weights, optimizer state, history).

Every optimizer of the registry × the three kinds of gradient descent, in process; and once more
with every optimizer loaded in a *new process* (the checkpoint, not the Python objects, carries
the state).
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import descend
from descend import Dense, Input, Sequential, optimizers, schedules

N_FIRST, N_TOTAL = 2, 4
GD_KINDS = {"batch": None, "stochastic": 1, "mini-batch": 7}


def _data():
    rng = np.random.default_rng(42)
    X = rng.normal(size=(23, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)
    return X, y


def _model(optimizer: str, **opt_kwargs) -> Sequential:
    model = Sequential([Input(3), Dense(4, "tanh"), Dense(3, "softmax")], seed=7)
    model.compile(optimizer=optimizers.get(optimizer, **opt_kwargs),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _fit(model, epochs, batch_size, initial_epoch=0, seed=None):
    X, y = _data()
    return model.fit(X, y, epochs=epochs, batch_size=batch_size, validation_split=0.2,
                     initial_epoch=initial_epoch, seed=seed, verbose=0)


def _straight_and_resumed(make, path, batch_size, seed=None):
    """The same model trained N_TOTAL epochs in one run, and N_FIRST epochs, saved at ``path``,
    loaded and trained on to N_TOTAL (``seed``: fit's, for the first part of both)."""
    straight = make()
    _fit(straight, N_TOTAL, batch_size, seed=seed)
    first = make()
    _fit(first, N_FIRST, batch_size, seed=seed)
    first.save(path)
    resumed = descend.load_model(path)
    _fit(resumed, N_TOTAL, batch_size, initial_epoch=resumed.epochs_trained)
    return straight, resumed


def _assert_same(a: Sequential, b: Sequential) -> None:
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        assert wa.dtype == wb.dtype
        np.testing.assert_array_equal(wa, wb)
    sa, sb = a.optimizer.get_state(), b.optimizer.get_state()
    assert sorted(sa) == sorted(sb)
    for key in sa:
        np.testing.assert_array_equal(sa[key], sb[key], err_msg=key)
    assert a.history.epoch == b.history.epoch == list(range(N_TOTAL))
    assert sorted(a.history.history) == sorted(b.history.history)
    for key in a.history.history:
        np.testing.assert_array_equal(np.asarray(a.history.history[key], dtype=np.float64),
                                      np.asarray(b.history.history[key], dtype=np.float64), err_msg=key)
    assert a.epochs_trained == b.epochs_trained == N_TOTAL
    assert a.train_rng.bit_generator.state == b.train_rng.bit_generator.state


@pytest.mark.parametrize("gd", sorted(GD_KINDS))
@pytest.mark.parametrize("name", sorted(optimizers.REGISTRY))
def test_resume_equals_uninterrupted(tmp_path, name, gd):
    straight, resumed = _straight_and_resumed(lambda: _model(name), tmp_path / "ckpt", GD_KINDS[gd], seed=11)
    _assert_same(straight, resumed)
    # and the resumed run's own checkpoint holds the whole history
    resumed.save(tmp_path / "ckpt")
    again = descend.load_model(tmp_path / "ckpt")
    assert again.history.history["loss"] == [float(v) for v in straight.history.history["loss"]]


def test_resume_with_schedule_clipping_decay_float64(tmp_path):
    kwargs = {"learning_rate": schedules.ExponentialDecay(0.05, 3, 0.5, staircase=True),
                  "momentum": 0.9, "nesterov": True, "global_clipnorm": 0.5, "weight_decay": 1e-3}

    def make():
        model = Sequential([Input(3), Dense(4, "relu"), Dense(3, "softmax")], seed=3, dtype="float64")
        model.compile(optimizer=optimizers.get("sgd", **kwargs),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    straight, resumed = _straight_and_resumed(make, tmp_path / "m.safetensors", 5, seed=2)
    assert resumed.optimizer.get_config() == straight.optimizer.get_config()
    _assert_same(straight, resumed)


def test_resume_without_fit_seed_continues_the_model_generator(tmp_path):
    """No seed anywhere: the shuffling generator comes from model.seed and travels in the file."""
    straight, resumed = _straight_and_resumed(lambda: _model("adam"), tmp_path / "c", 4)
    _assert_same(straight, resumed)


def test_a_fresh_fit_on_a_loaded_model_starts_a_new_history(tmp_path):
    model = _model("sgd")
    _fit(model, 2, 4, seed=0)
    model.save(tmp_path / "c")
    loaded = descend.load_model(tmp_path / "c")
    assert loaded.history.epoch == [0, 1]
    _fit(loaded, 1, 4)  # Keras: initial_epoch 0 numbers the epochs from 0 again
    assert loaded.history.epoch == [0]
    assert loaded.epochs_trained == 3


CHILD = textwrap.dedent("""
    import json, sys
    import numpy as np
    import descend
    sys.path.insert(0, {tests!r})
    from test_resume import _data, N_TOTAL
    root = {root!r}
    for name in json.loads(sys.argv[1]):
        model = descend.load_model(root + "/" + name)
        X, y = _data()
        model.fit(X, y, epochs=N_TOTAL, batch_size=7, validation_split=0.2,
                  initial_epoch=model.epochs_trained, verbose=0)
        model.save(root + "/" + name)
    print("ok")
""")


def test_resume_in_a_new_process_every_optimizer(tmp_path):
    names = sorted(optimizers.REGISTRY)
    straight = {}
    for name in names:
        straight[name] = _model(name)
        _fit(straight[name], N_TOTAL, 7, seed=5)
        first = _model(name)
        _fit(first, N_FIRST, 7, seed=5)
        first.save(tmp_path / name)
    script = CHILD.format(tests=str(Path(__file__).parent), root=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", script, json.dumps(names)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    for name in names:
        _assert_same(straight[name], descend.load_model(tmp_path / name))


def test_a_model_checkpoint_written_during_fit_resumes_bit_for_bit(tmp_path):
    from descend.callbacks import ModelCheckpoint

    straight = _model("rmsprop")
    _fit(straight, N_TOTAL, 5, seed=1)
    model = _model("rmsprop")
    X, y = _data()
    model.fit(X, y, epochs=N_TOTAL, batch_size=5, validation_split=0.2, seed=1, verbose=0,
              callbacks=[ModelCheckpoint(tmp_path / "ep{epoch}")])
    resumed = descend.load_model(tmp_path / f"ep{N_FIRST}")
    assert resumed.epochs_trained == N_FIRST and resumed.history.epoch == list(range(N_FIRST))
    _fit(resumed, N_TOTAL, 5, initial_epoch=N_FIRST)
    _assert_same(straight, resumed)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["lamb", "ftrl", "adafactor"])
def test_keras_optimizers_that_read_the_weight_resume_bit_for_bit_with_every_option(tmp_path, name, dtype):
    # Lamb, Ftrl and Adafactor read w in their rule: a schedule, decoupled decay with a weight kept
    # out (by identity and by name), clipping, EMA with overwrites and accumulation over batches that
    # straddle the epochs, saved after 2 epochs and resumed in a fresh model
    def make():
        model = Sequential([Input(3), Dense(4, "tanh"), Dense(3, "softmax")], seed=7, dtype=dtype)
        opt = optimizers.get(name, flavor="keras", learning_rate=schedules.ExponentialDecay(0.05, 3, 0.5),
                             weight_decay=0.01, clipnorm=1.0, use_ema=True, ema_momentum=0.9,
                             ema_overwrite_frequency=3, gradient_accumulation_steps=3)
        opt.exclude_from_weight_decay(var_list=[model.weights[1]], var_names=["dense_2/bias"])
        model.compile(optimizer=opt, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    straight, resumed = _straight_and_resumed(make, tmp_path / "ckpt", 5, seed=11)
    assert resumed.optimizer.get_config() == straight.optimizer.get_config()
    _assert_same(straight, resumed)
