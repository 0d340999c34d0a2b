"""Divergence is caught, not hidden (lecture §7, exploding gradients).

A NaN/inf loss or gradient stops training with DivergenceError naming epoch, update and the layer
where the numbers first blew up; the last weights with a finite loss and gradients are kept; a
callback that sets ``stop_training`` on the diverged batch (TerminateOnNaN) stops cleanly.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import descend
from descend import Callback, Dense, DivergenceError, Input, Sequential
from descend.callbacks import TerminateOnNaN
from descend.diagnostics import GradientMonitor, diagnose, exploding_run
from descend.initializers import Constant
from descend.optimizers import SGD


class WeightSnapshots(Callback):
    """The weights at the start of every update."""

    def __init__(self):
        super().__init__()
        self.weights = []

    def on_batch_begin(self, batch, logs=None):
        self.weights.append(self.model.get_weights())


class StopOnNaN(Callback):
    """Keras's TerminateOnNaN rule, written against the protocol only."""

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        if logs.get("diverged") or not math.isfinite(logs.get("loss", 0.0)):
            self.model.stop_training = True


@pytest.fixture(scope="module")
def exploded():
    return exploding_run(None, epochs=5)


def test_large_initial_weights_diverge_with_a_dedicated_error(exploded):
    err = exploded.error
    assert isinstance(err, DivergenceError) and isinstance(err, ValueError)
    # the loss jumps by orders of magnitude, then is NaN at the 6th update of the first epoch
    assert exploded.losses[0] > 1e3 and exploded.losses[4] > 1e20 and math.isnan(exploded.losses[-1])
    assert all(b > a for a, b in zip(exploded.losses[:4], exploded.losses[1:5], strict=True))
    assert (err.epoch, err.update) == (0, 5) and math.isnan(err.loss) and len(exploded.losses) == 6
    # the forward pass overflows first in a hidden layer (the signal grows layer by layer)
    assert err.layer == "dense_4"
    msg = str(err)
    for part in ("epoch 1", "update 6", "'dense_4'", "clipnorm", "smaller initialisation"):
        assert part in msg


def test_the_last_good_weights_are_kept():
    X, y = descend.datasets.make_moons(400, noise=0.1, seed=0)
    init = descend.initializers.RandomNormal(0.0, 1.0)
    model = Sequential([Input(2)] + [Dense(32, "relu", kernel_initializer=init) for _ in range(6)]
                       + [Dense(2, "softmax", kernel_initializer=init)], seed=0)
    model.compile(SGD(learning_rate=0.01), "sparse_categorical_crossentropy")
    snaps = WeightSnapshots()
    with pytest.raises(DivergenceError) as info:
        model.fit(X, y, epochs=2, batch_size=32, verbose=0, seed=0, callbacks=[snaps])
    assert len(snaps.weights) == 4
    # back to the weights of update 3 (finite loss and gradients), not those of update 4 (NaN loss)
    for kept, good in zip(model.get_weights(), snaps.weights[-2], strict=True):
        np.testing.assert_array_equal(kept, good)
    assert np.isfinite(model.predict(X)).all()
    assert "back to those before the previous update" in str(info.value) and info.value.restored


def test_a_non_finite_gradient_under_a_finite_loss_is_a_divergence_too():
    # z = 3e38 · 1e-38 · 2 = 6: the loss is finite, but ∂E/∂W₁ = x·δ ≈ 3e38 · 12 overflows float32
    model = Sequential([Input(2), Dense(1, kernel_initializer=Constant(1e-38)),
                        Dense(1, kernel_initializer=Constant(1.0))], seed=0)
    model.compile(SGD(learning_rate=0.1), "mse")
    before = model.get_weights()
    X, y = np.full((1, 2), 3e38), np.zeros(1)
    with pytest.raises(DivergenceError) as info:
        model.train_on_batch(X, y)
    err = info.value
    assert math.isfinite(err.loss) and err.layer == "dense_1"
    assert "gradient blew up first in layer 'dense_1'" in str(err)
    assert "nothing non-finite was written" in str(err)
    for w, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(w, b)
    # inside fit: epoch and update named; a stopping callback ends the run cleanly instead
    with pytest.raises(DivergenceError, match="epoch 1, update 1"):
        model.fit(X, y, epochs=1, verbose=0)
    history = model.fit(X, y, epochs=3, verbose=0, callbacks=[StopOnNaN()])
    assert history.epoch == [0] and math.isnan(history.history["loss"][0])


@pytest.mark.parametrize("optimizer", ["adam", "momentum", "rmsprop"])
def test_a_gradient_that_blows_up_after_good_steps_restores_the_step_before(optimizer, monkeypatch):
    # The optimizer refuses a step that is not finite (compiled kernels for adam and momentum,
    # the rule for rmsprop): an inf gradient after two good steps is a DivergenceError, the
    # weights go back to those before the last good step, and no slot takes the inf in.
    from descend._fast import optimizers as kernels

    monkeypatch.setattr(kernels, "MIN_SIZE", 0)
    # zero inputs leave W₁ at 1e-38 while the output layer learns; then x = 3e38 gives z₁ = 3 (a
    # finite loss) but ∂E/∂W₁ = xᵀδ ≈ 3e38 · 8 · 28 overflows float32
    model = Sequential([Input(3), Dense(4, use_bias=False, kernel_initializer=Constant(1e-38)),
                        Dense(1, kernel_initializer=Constant(1.0))], seed=0)
    model.compile(optimizer, "mse")
    good, y = np.zeros((8, 3), np.float32), np.ones(8, np.float32)
    model.train_on_batch(good, y)
    before_last_good = model.get_weights()
    model.train_on_batch(good, y)
    assert not all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before_last_good, strict=True))
    bad, y = np.full((8, 3), 3e38, np.float32), np.full(8, -100.0, np.float32)
    with pytest.raises(DivergenceError) as info:
        model.train_on_batch(bad, y)
    assert math.isfinite(info.value.loss)
    assert "back to those before the previous update" in str(info.value)
    for w, b in zip(model.get_weights(), before_last_good, strict=True):
        np.testing.assert_array_equal(w, b)
    assert all(np.isfinite(a).all() for arrays in model.optimizer.state.values() for a in arrays)
    assert model.optimizer.iterations == 2


def test_a_callback_that_stops_ends_the_run_cleanly_with_finite_weights():
    X, y = descend.datasets.make_moons(400, noise=0.1, seed=0)
    init = descend.initializers.RandomNormal(0.0, 1.0)
    model = Sequential([Input(2)] + [Dense(32, "relu", kernel_initializer=init) for _ in range(6)]
                       + [Dense(2, "softmax", kernel_initializer=init)], seed=0)
    model.compile(SGD(learning_rate=0.01), "sparse_categorical_crossentropy")
    monitor = GradientMonitor(every=1)
    history = model.fit(X, y, epochs=3, batch_size=32, verbose=0, seed=0, callbacks=[StopOnNaN(), monitor])
    assert history.epoch == [0] and math.isnan(history.history["loss"][0])
    assert all(np.isfinite(w).all() for w in model.get_weights())
    # the monitor kept the diverged update: every layer's gradient is NaN, so all are "exploding"
    flow = history.gradient_flow
    assert flow.steps == [1, 2, 3, 4] and math.isnan(flow.losses[-1])
    assert {v.label for v in diagnose(history)} == {"exploding"}


def test_terminate_on_nan_from_callbacks_stops_cleanly():
    X, y = descend.datasets.make_moons(400, noise=0.1, seed=0)
    init = descend.initializers.RandomNormal(0.0, 1.0)
    model = Sequential([Input(2)] + [Dense(32, "relu", kernel_initializer=init) for _ in range(6)]
                       + [Dense(2, "softmax", kernel_initializer=init)], seed=0)
    model.compile(SGD(learning_rate=0.01), "sparse_categorical_crossentropy")
    history = model.fit(X, y, epochs=3, batch_size=32, verbose=0, seed=0,
                        callbacks=[TerminateOnNaN()])
    assert len(history.epoch) == 1 and math.isnan(history.history["loss"][-1])
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_with_use_ema_a_stopped_divergence_ends_on_the_average_of_the_good_weights():
    # The diverged update's weights are finite but huge; the step goes back to the weights before
    # it, and the moving average with them: fit's final w <- w̄ must not bring the diverged weights
    # back (before the fix the weights ended near 2.5e13, with NaN predictions).
    X, y = descend.datasets.make_moons(400, noise=0.1, seed=0)
    init = descend.initializers.RandomNormal(0.0, 1.0)
    model = Sequential([Input(2)] + [Dense(32, "relu", kernel_initializer=init) for _ in range(6)]
                       + [Dense(2, "softmax", kernel_initializer=init)], seed=0)
    model.compile(SGD(learning_rate=0.01, use_ema=True, ema_momentum=0.5), "sparse_categorical_crossentropy")
    snaps = WeightSnapshots()
    history = model.fit(X, y, epochs=2, batch_size=32, verbose=0, seed=0, callbacks=[StopOnNaN(), snaps])
    assert math.isnan(history.history["loss"][-1]) and len(snaps.weights) == 4
    # updates 1 and 2 are the average (w̄ = w after the first); update 3's weights were undone
    for w, w1, w2 in zip(model.get_weights(), snaps.weights[1], snaps.weights[2], strict=True):
        np.testing.assert_allclose(w, 0.5 * w1 + 0.5 * w2, rtol=1e-6)
    assert np.isfinite(model.predict(X)).all()


def test_with_use_ema_a_blow_up_right_after_the_first_update_restarts_the_average_at_the_start():
    # no average existed before the first update: the restored weights are all there is to average
    model = Sequential([Input(3), Dense(4, use_bias=False, kernel_initializer=Constant(1e-38)),
                        Dense(1, kernel_initializer=Constant(1.0))], seed=0)
    model.compile(SGD(0.1, use_ema=True, ema_momentum=0.9), "mse")
    start = model.get_weights()
    model.train_on_batch(np.zeros((8, 3), np.float32), np.ones(8, np.float32))
    with pytest.raises(DivergenceError) as info:
        model.train_on_batch(np.full((8, 3), 3e38, np.float32), np.full(8, -100.0, np.float32))
    assert info.value.restored
    for w, average, s in zip(model.weights, model.optimizer.state["average"], start, strict=True):
        np.testing.assert_array_equal(w, s)
        np.testing.assert_array_equal(average, s)


@pytest.mark.parametrize(("good_calls", "restored", "weights_after", "accumulated"),
                         [(3, True, 2, 0), (4, False, 3, 1), (5, False, 5, 2)])
def test_a_divergence_with_gradient_accumulation_keeps_the_last_weights_with_a_finite_loss(
        good_calls, restored, weights_after, accumulated):
    # k = 3: the 3rd call updates. A blow-up on the call right after an update goes back to the
    # weights before it (as without accumulation); one mid-accumulation keeps the weights, which
    # had a finite loss and gradients since the update, and the sum of the good gradients.
    model = Sequential([Input(3), Dense(4, use_bias=False, kernel_initializer=Constant(1e-38)),
                        Dense(1, kernel_initializer=Constant(1.0))], seed=0)
    model.compile(descend.optimizers.Adam(0.1, flavor="keras", gradient_accumulation_steps=3), "mse")
    good, y = np.zeros((8, 3), np.float32), np.ones(8, np.float32)
    snaps = [model.get_weights()]
    for _ in range(good_calls):
        model.train_on_batch(good, y)
        snaps.append(model.get_weights())
    with pytest.raises(DivergenceError) as info:
        model.train_on_batch(np.full((8, 3), 3e38, np.float32), np.full(8, -100.0, np.float32))
    assert info.value.restored is restored
    for w, s in zip(model.get_weights(), snaps[weights_after], strict=True):
        np.testing.assert_array_equal(w, s)
    assert model.optimizer.accumulated == accumulated
    assert all(np.isfinite(a).all() for a in model.optimizer.state["gradient_accumulator"])


def test_the_same_run_with_clipnorm_converges():
    run = exploding_run(1.0, epochs=40)
    assert not run.diverged and run.error is None
    assert all(math.isfinite(v) for v in run.losses)
    # from a first loss in the thousands to an epoch loss of order one, and the moons learned
    assert run.losses[0] > 1e3 and run.epoch_losses[-1] < 2.0 and run.epoch_losses[-1] < run.losses[0] / 1000
    assert run.accuracy > 0.98
    # at the start the gradients are exploding by the update-ratio rule, at the end healthy
    assert "exploding" in {v.label for v in diagnose(run.initial)}
    assert {v.label for v in diagnose(run.flow)} == {"healthy"}


def test_terminate_on_nan_also_stops_on_a_non_finite_gradient():
    model = Sequential([Input(2), Dense(1, kernel_initializer=Constant(1e-38)),
                        Dense(1, kernel_initializer=Constant(1.0))], seed=0)
    model.compile(SGD(learning_rate=0.1), "mse")
    monitor = GradientMonitor()
    history = model.fit(np.full((1, 2), 3e38), np.zeros(1), epochs=3, verbose=0,
                        callbacks=[TerminateOnNaN(), monitor])
    assert history.epoch == [0]
    # the refused update is recorded: the loss was finite, the first layer's gradient was not
    assert monitor.flow.steps == [1] and math.isfinite(monitor.flow.losses[0])
    assert [v.label for v in diagnose(monitor.flow)][0] == "exploding"


# ------------------------------------------------------------------ issue 15
def _overflowing(callbacks=None, learning_rate=1e38):
    model = Sequential([Input(2), Dense(3, "tanh"), Dense(1)], seed=0)
    model.compile(optimizer=SGD(learning_rate=learning_rate), loss="mse")
    before = model.get_weights()
    model.fit(np.ones((8, 2)), np.full(8, 3.0), epochs=3, verbose=0, callbacks=callbacks)
    return model, before


def test_an_update_that_overflows_under_a_finite_gradient_is_a_divergence():
    with pytest.raises(DivergenceError, match=r"at epoch 1, update 1 of that epoch .*the update of layer "
                                              r"'dense_\d' overflowed under a finite gradient") as info:
        _overflowing()
    error = info.value
    assert (error.epoch, error.update) == (0, 0) and error.layer in ("dense_1", "dense_2")
    assert math.isfinite(error.loss)


def test_terminate_on_nan_stops_an_overflowing_update():
    model, before = _overflowing([TerminateOnNaN()])
    assert model.stop_training
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before, strict=True))


def test_a_learning_rate_that_grows_past_the_float_range_is_a_divergence():
    from descend.schedules import ExponentialDecay

    with pytest.raises(DivergenceError, match=r"the schedule returned inf at step \d+"):
        _overflowing(learning_rate=ExponentialDecay(1e-3, 1e-3, 10.0))  # 10^1000 at step 1


def test_fit_names_callbacks_that_are_not_a_list_of_callbacks():
    model = Sequential([Input(2), Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match="callbacks: expected a list of callbacks, got int 5"):
        model.fit(np.ones((4, 2)), np.ones(4), callbacks=5, verbose=0)
    with pytest.raises(TypeError, match=r"callbacks: expected Callback instances, got str"):
        model.fit(np.ones((4, 2)), np.ones(4), callbacks=["early"], verbose=0)
    assert not model.history or model.epochs_trained == 0
