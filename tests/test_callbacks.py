"""Callbacks: Keras's semantics, checked on scripted logs and on real training runs."""
from __future__ import annotations

import csv
import io as stdio
import math

import numpy as np
import pytest

import descend
from descend import Dense, Input, Sequential, optimizers, schedules
from descend.callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    EpochPrinter,
    History,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgressBar,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from descend.errors import DivergenceError


class StubModel:
    """Just what the callbacks touch: weights, stop_training, an optimizer with a learning rate."""

    def __init__(self, lr: float = 0.1) -> None:
        self.weights = [np.zeros(2)]
        self.stop_training = False
        self.optimizer = optimizers.SGD(learning_rate=lr)

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [w.copy() for w in weights]


def drive(cb: Callback, values: list[float], key: str = "val_loss",
          model: StubModel | None = None) -> StubModel:
    """Run ``cb`` through epochs whose logs hold ``values``; weights = epoch index; stop like fit."""
    model = model or StubModel()
    cb.set_model(model)
    cb.set_params({"epochs": len(values), "steps": 1})
    cb.on_train_begin({})
    for epoch, value in enumerate(values):
        cb.on_epoch_begin(epoch, {})
        model.weights = [np.full(2, float(epoch))]
        cb.on_epoch_end(epoch, {key: value, "learning_rate": model.optimizer.current_learning_rate})
        if model.stop_training:
            break
    cb.on_train_end({})
    model.epochs_run = epoch + 1
    return model


def _data(n=24):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 2))
    return X, (X[:, 0] - X[:, 1] > 0).astype(int)


def _model(optimizer="sgd", **kwargs):
    model = Sequential([Input(2), Dense(3, "tanh"), Dense(1, "sigmoid")], seed=0)
    model.compile(optimizer=optimizers.get(optimizer, **kwargs), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


# ------------------------------------------------------------------------------- EarlyStopping
def test_early_stopping_patience_counts_epochs_without_improvement():
    es = EarlyStopping(patience=2)
    model = drive(es, [1.0, 0.8, 0.9, 0.85, 0.7])
    # best 0.8 at epoch 1; epochs 2 and 3 do not improve -> stop at epoch 3
    assert model.epochs_run == 4 and es.stopped_epoch == 3 and es.best == 0.8 and es.best_epoch == 1


def test_early_stopping_min_delta_and_patience_zero():
    es = EarlyStopping(patience=0, min_delta=0.1)
    model = drive(es, [1.0, 0.95, 0.5])  # 0.95 is not better by more than 0.1
    assert model.epochs_run == 2 and es.stopped_epoch == 1


def test_early_stopping_auto_mode_maximises_accuracy():
    es = EarlyStopping(monitor="val_accuracy", patience=1)
    assert es.mode == "max"
    model = drive(es, [0.5, 0.7, 0.6, 0.9], key="val_accuracy")
    assert model.epochs_run == 3 and es.best == 0.7
    assert EarlyStopping(monitor="val_loss").mode == "min"
    assert EarlyStopping(monitor="loss", mode="max").mode == "max"


def test_early_stopping_restores_the_best_weights():
    es = EarlyStopping(patience=2, restore_best_weights=True)
    model = drive(es, [1.0, 0.5, 0.6, 0.7, 0.1])
    assert model.epochs_run == 4
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])  # epoch 1's weights


def test_early_stopping_baseline_and_start_from_epoch():
    # Keras 3: improving epochs that do not beat the baseline still count towards patience
    assert drive(EarlyStopping(patience=3, baseline=0.5), [0.9, 0.8, 0.85, 0.7]).epochs_run == 3
    assert drive(EarlyStopping(patience=3), [0.9, 0.8, 0.85, 0.7]).epochs_run == 4
    es = EarlyStopping(patience=0, start_from_epoch=2)
    assert drive(es, [1.0, 2.0, 3.0, 4.0]).epochs_run == 4  # epochs 0, 1 ignored; 3 > 2 -> stop at 3


def test_early_stopping_missing_monitor_warns_and_keeps_going():
    es = EarlyStopping(monitor="val_loss", patience=0)
    with pytest.warns(UserWarning, match="'val_loss' is not in the logs"):
        model = drive(es, [3.0, 2.0, 1.0], key="loss")
    assert model.epochs_run == 3


@pytest.mark.parametrize("kwargs, match", [({"patience": -1}, "patience"), ({"mode": "up"}, "mode"),
                                           ({"min_delta": math.nan}, "min_delta")])
def test_early_stopping_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        EarlyStopping(**kwargs)


def test_early_stopping_in_a_real_fit_with_restore():
    X, y = _data()
    model = _model("sgd", learning_rate=0.5)
    es = EarlyStopping(monitor="loss", patience=0, min_delta=10.0, restore_best_weights=True)
    history = model.fit(X, y, epochs=20, batch_size=4, seed=0, verbose=0, callbacks=[es])
    assert len(history.epoch) == 2 and es.stopped_epoch == 1
    # the weights are those at the end of epoch 0: replay one epoch to check
    replay = _model("sgd", learning_rate=0.5)
    replay.fit(X, y, epochs=1, batch_size=4, seed=0, verbose=0)
    for a, b in zip(model.get_weights(), replay.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------------------ ModelCheckpoint
def test_model_checkpoint_every_epoch_with_formatted_names(tmp_path):
    X, y = _data()
    model = _model()
    cp = ModelCheckpoint(tmp_path / "ep{epoch:02d}-{loss:.2f}.safetensors")
    model.fit(X, y, epochs=3, batch_size=8, verbose=0, callbacks=[cp])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 3 and names[0].startswith("ep01-") and names[2].startswith("ep03-")
    assert descend.load_model(cp.last_saved).epochs_trained == 3


def test_model_checkpoint_save_best_only(tmp_path, monkeypatch):
    saved = []
    cp = ModelCheckpoint(tmp_path / "best", monitor="val_loss", save_best_only=True)
    model = StubModel()
    model.save = lambda path, extra=None: saved.append(path) or path
    drive(cp, [1.0, 0.7, 0.8, 0.6, 0.65], model=model)
    assert len(saved) == 3 and cp.best == 0.6  # epochs 0, 1, 3


def test_model_checkpoint_save_weights_only_writes_loadable_weights(tmp_path):
    X, y = _data()
    model = _model()
    cp = ModelCheckpoint(tmp_path / "ep{epoch:02d}.weights.safetensors", save_weights_only=True)
    model.fit(X, y, epochs=3, batch_size=8, verbose=0, callbacks=[cp])
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"ep0{i}.weights.safetensors" for i in (1, 2, 3)]
    fresh = _model()
    fresh.load_weights(cp.last_saved)
    for a, b in zip(fresh.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    # resumable: the weights go on training from where they were (the optimizer starts afresh,
    # as after Keras's load_weights)
    before = fresh.evaluate(X, y)[0]
    fresh.fit(X, y, epochs=2, batch_size=8, verbose=0)
    assert fresh.evaluate(X, y)[0] < before


def test_model_checkpoint_refuses_weights_only_without_safetensors_and_bad_fields(tmp_path):
    with pytest.raises(ValueError, match="filepath: with save_weights_only=True expected .*'.safetensors'"):
        ModelCheckpoint(tmp_path / "ckpt.weights.h5", save_weights_only=True)
    cp = ModelCheckpoint(str(tmp_path / "{nope}"))
    with pytest.raises(ValueError, match="filepath: cannot fill"):
        drive(cp, [1.0], model=StubModel())


# ----------------------------------------------------------------------------------- CSVLogger
def test_csv_logger_writes_a_row_per_epoch_and_appends(tmp_path):
    X, y = _data()
    file = tmp_path / "log.csv"
    model = _model()
    model.fit(X, y, epochs=2, batch_size=8, verbose=0, validation_split=0.25, callbacks=[CSVLogger(file)])
    model.fit(X, y, epochs=3, initial_epoch=2, batch_size=8, verbose=0, validation_split=0.25,
              callbacks=[CSVLogger(file, append=True)])
    rows = list(csv.reader(file.open()))
    assert rows[0] == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "2"]
    assert float(rows[3][1]) == model.history.history["loss"][2]  # full precision


# ------------------------------------------------------------------------------ TerminateOnNaN
def _diverging():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2)) * 10
    model = Sequential([Input(2), Dense(1)], seed=0)
    model.compile(optimizer=optimizers.SGD(learning_rate=5.0), loss="sum_squared_error")
    return model, X, X.sum(axis=1)


def test_terminate_on_nan_stops_instead_of_raising(capsys):
    model, X, y = _diverging()
    with pytest.raises(DivergenceError):
        model.fit(X, y, epochs=20, batch_size=4, verbose=0)
    model, X, y = _diverging()
    stop = TerminateOnNaN()
    history = model.fit(X, y, epochs=20, batch_size=4, verbose=0, callbacks=[stop])
    assert stop.terminated_at is not None and model.stop_training
    assert len(history.epoch) == stop.terminated_at[0] + 1 < 20
    assert math.isnan(history.history["loss"][-1])
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert "invalid loss" in capsys.readouterr().err


# ------------------------------------------------------------------------ learning-rate control
def test_learning_rate_scheduler_sets_the_rate_each_epoch():
    X, y = _data()
    model = _model("sgd", learning_rate=0.1)
    sched = LearningRateScheduler(lambda epoch, lr: lr if epoch < 2 else lr * 0.5)
    history = model.fit(X, y, epochs=4, batch_size=8, verbose=0, callbacks=[sched])
    assert history.history["learning_rate"] == [0.1, 0.1, 0.05, 0.025]
    model = _model("sgd", learning_rate=0.1)
    model.fit(X, y, epochs=2, verbose=0, callbacks=[LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))])
    assert model.history.history["learning_rate"] == [0.01, 0.02]


def test_learning_rate_scheduler_refuses_a_schedule_and_bad_values():
    X, y = _data()
    model = _model("sgd", learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(ValueError, match="is a schedule"):
        model.fit(X, y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(lambda e, lr: 0.1)])
    model = _model()
    with pytest.raises(ValueError, match="expected a new learning rate > 0, got -1"):
        model.fit(X, y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(lambda e, lr: -1.0)])


def test_reduce_lr_on_plateau_with_cooldown_and_min_lr():
    cb = ReduceLROnPlateau(factor=0.5, patience=2, cooldown=1, min_lr=0.02, min_delta=0.0)
    model = StubModel(lr=0.1)
    rates = []

    class Recorder(Callback):
        def on_epoch_end(self, epoch, logs=None):
            rates.append(model.optimizer.learning_rate)

    for cbk in (cb, Recorder()):
        cbk.set_model(model)
    cb.on_train_begin()
    for epoch, value in enumerate([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]):
        cb.on_epoch_end(epoch, {"val_loss": value})
        rates.append(model.optimizer.learning_rate)
    # Keras: best 1.0 at epoch 0; epochs 1, 2 wait -> 0.05 and a cooldown of 1, which epoch 3
    # spends (and, out of cooldown, counts one wait); epoch 4 -> 0.025; the same again at 6,
    # where 0.0125 is floored at min_lr = 0.02; then the rate stays
    assert rates == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02]


def test_reduce_lr_on_plateau_in_fit_changes_the_logged_rate():
    X, y = _data()
    model = _model("sgd", learning_rate=0.1)
    model.fit(X, y, epochs=3, verbose=0,
              callbacks=[ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=100.0)])
    # the logged rate is the one the epoch trained with (Keras logs it before reducing)
    assert model.history.history["learning_rate"] == [0.1, 0.1, 0.05]
    assert model.optimizer.learning_rate == 0.025


@pytest.mark.parametrize("factor, error", [(1.0, ValueError), (0.0, ValueError), (2, ValueError),
                                           ("x", TypeError)])
def test_reduce_lr_on_plateau_factor_must_be_below_one(factor, error):
    with pytest.raises(error, match="factor"):
        ReduceLROnPlateau(factor=factor)


def test_numpy_scalars_are_arguments():
    es = EarlyStopping(patience=np.int64(3), min_delta=np.float32(0.5), start_from_epoch=np.int32(1))
    assert (es.patience, es.min_delta, es.start_from_epoch) == (3, 0.5, 1)
    assert type(es.patience) is int
    assert ReduceLROnPlateau(factor=np.float32(0.5), cooldown=np.int64(2)).factor == 0.5
    with pytest.raises(TypeError, match="patience: expected an int >= 0, got float"):
        EarlyStopping(patience=2.0)


# ------------------------------------------------------------------------------------ protocol
def test_protocol_order_and_params():
    calls = []

    class Spy(Callback):
        def on_train_begin(self, logs=None): calls.append("train_begin")
        def on_epoch_begin(self, epoch, logs=None): calls.append(f"epoch_begin {epoch}")
        def on_batch_begin(self, batch, logs=None): calls.append(f"batch_begin {batch}")
        def on_batch_end(self, batch, logs=None): calls.append(f"batch_end {batch} {sorted(logs)}")
        def on_epoch_end(self, epoch, logs=None): calls.append(f"epoch_end {epoch} {sorted(logs)}")
        def on_train_end(self, logs=None): calls.append("train_end")

    X, y = _data(10)
    spy = Spy()
    _model().fit(X, y, epochs=1, batch_size=6, verbose=0, callbacks=[spy])
    assert calls == ["train_begin", "epoch_begin 0", "batch_begin 0", "batch_end 0 ['loss', 'lr', 'size']",
                     "batch_begin 1", "batch_end 1 ['loss', 'lr', 'size']",
                     "epoch_end 0 ['accuracy', 'learning_rate', 'loss']", "train_end"]
    assert spy.params["steps"] == 2 and spy.params["gd"] == "mini-batch" and spy.params["samples"] == 10


def test_non_callbacks_are_refused():
    X, y = _data()
    with pytest.raises(TypeError, match="callbacks: expected Callback instances"):
        _model().fit(X, y, callbacks=[print], verbose=0)


def test_history_continuing_keeps_only_epochs_before_initial_epoch():
    old = History()
    old.epoch, old.history = [0, 1, 2], {"loss": [3.0, 2.0, 1.0]}
    new = History.continuing(old, 2)
    new.on_train_begin()
    assert new.epoch == [0, 1] and new.history == {"loss": [3.0, 2.0]}
    fresh = History.continuing(old, 0)
    fresh.on_train_begin()
    assert fresh.epoch == [] and fresh.history == {}


# -------------------------------------------------------------------------------- progress bar
def test_progress_bar_draws_epochs_batches_loss_metrics_and_rate():
    out = stdio.StringIO()
    X, y = _data()
    bar = ProgressBar(file=out, force_terminal=True, refresh_seconds=0.0)
    _model().fit(X, y, epochs=2, batch_size=8, verbose=0, callbacks=[bar])
    text = out.getvalue()
    for piece in ("epoch 2/2", "3/3", "loss", "accuracy", "lr 0.01", "ETA", "learning_rate"):
        assert piece in text, piece
    assert not bar.active


def test_progress_bar_prints_a_line_per_epoch_when_not_a_terminal():
    out = stdio.StringIO()
    X, y = _data()
    _model().fit(X, y, epochs=3, verbose=0, callbacks=[ProgressBar(file=out)])
    lines = out.getvalue().splitlines()   # as Keras's verbose=1 in a log: no bar, the epochs
    assert [line.split(" - ")[0] for line in lines] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    assert all("loss: " in line and "accuracy: " in line for line in lines)
    silent = stdio.StringIO()
    _model().fit(X, y, epochs=2, verbose=0, callbacks=[ProgressBar(file=silent, epoch_lines=False)])
    assert silent.getvalue() == ""


def test_fit_verbose_1_prints_the_epochs_when_the_output_is_not_a_terminal(capsys):
    X, y = _data()
    _model().fit(X, y, epochs=2, verbose=1)
    assert capsys.readouterr().out.count("Epoch ") == 2


def test_verbose_1_uses_the_progress_bar_and_2_prints_lines(capsys, monkeypatch):
    from descend import training

    assert isinstance(training._progress_callback(1), ProgressBar)
    assert isinstance(training._progress_callback(2), EpochPrinter)
    X, y = _data()
    _model().fit(X, y, epochs=2, verbose=2)
    assert capsys.readouterr().out.count("Epoch ") == 2
