"""Keras 3's learning-rate schedule tests, ported: same names, same numbers, descend's schedules.

Peer: ``keras/src/optimizers/schedules/learning_rate_schedule_test.py`` at Keras commit
3422977a5e38fb2f7709aaa9a08e47f0c43d0f60 (Apache-2.0). Every test of that file with a numeric or
behavioural expectation is here as ``test_<Keras class>_<Keras test>`` (the Keras file groups
them in classes; pytest names carry no class, so the class name is part of ours). The table in
``docs/peer-tests.md`` lists every peer test and where it went.

What changes in the port: Keras's ``backend.Variable`` steps are plain numbers (descend's schedules
take the step as a number); ``run_class_serialization_test`` is a ``get_config``/``from_config``
round trip plus a JSON ``serialize``/``get`` round trip (:func:`_round_trip`); Keras's
``assertAllClose(actual, desired, atol=1e-6, rtol=1e-6)`` is :func:`_close` with the same
defaults (a third positional argument is ``atol``, as in Keras). The fit test runs Keras's model
(a Dense(2) with kernel and bias of ones, Adam with an ExponentialDecay, MSE, 3 epochs of 4 batches,
no shuffling) on ``flavor="keras"``.
"""
from __future__ import annotations

import json
import math

import numpy as np

from descend import Dense, Input, Sequential, schedules
from descend.optimizers import Adam


def _close(got: float, expected: float, atol: float = 1e-6, rtol: float = 1e-6) -> None:
    """Keras's ``assertAllClose(got, expected, atol, rtol)`` (numpy.testing's rule)."""
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


def _round_trip(instance: schedules.LearningRateSchedule) -> None:
    """Keras's ``run_class_serialization_test``: config and serialized round trips are equal."""
    config = instance.get_config()
    revived = type(instance).from_config(config)
    assert json.dumps(revived.get_config()) == json.dumps(config)
    assert set(dir(revived)) == set(dir(instance))
    serialized = json.loads(json.dumps(schedules.serialize(instance)))
    again = schedules.get(serialized)
    assert isinstance(again, type(instance))
    assert json.dumps(again.get_config()) == json.dumps(config)
    assert [again(t) for t in range(30)] == [instance(t) for t in range(30)]


# --------------------------------------------------------------------- TestFitLRSchedulesFlow
def test_TestFitLRSchedulesFlow_fit_lr_correctness():
    model = Sequential([Input(2), Dense(2, kernel_initializer="ones", bias_initializer="ones")])
    optimizer = Adam(learning_rate=schedules.ExponentialDecay(initial_learning_rate=0.05, decay_steps=1,
                                                             decay_rate=0.9), flavor="keras")
    assert optimizer.iterations == 0
    model.compile(optimizer=optimizer, loss="mse")
    x = np.arange(32).reshape((16, 2))
    y = np.arange(32).reshape((16, 2))
    history = model.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0)
    assert optimizer.iterations == 4 * 3
    _close(history.history["loss"], [230.79457092285156, 128.30319213867188, 79.33648681640625],
           atol=1e-6, rtol=5e-5)


# ------------------------------------------------------------------------ ExponentialDecayTest
def test_ExponentialDecayTest_config():
    sched = schedules.ExponentialDecay(initial_learning_rate=0.05, decay_steps=10, decay_rate=0.96,
                                       staircase=True, name="my_ed")
    _round_trip(sched)
    assert sched.get_config() == {"initial_learning_rate": 0.05, "decay_steps": 10, "decay_rate": 0.96,
                                  "staircase": True, "name": "my_ed"}


def test_ExponentialDecayTest_continuous():
    step = 5
    decayed_lr = schedules.ExponentialDecay(0.05, 10, 0.96)
    expected = 0.05 * 0.96 ** (5.0 / 10.0)
    _close(decayed_lr(step), expected, 1e-6)


def test_ExponentialDecayTest_staircase():
    decayed_lr = schedules.ExponentialDecay(0.1, 3, 0.96, staircase=True)
    # No change to learning rate due to staircase
    _close(decayed_lr(1.0), 0.1, 1e-6)
    _close(decayed_lr(2), 0.1, 1e-6)
    # Decayed learning rate
    _close(decayed_lr(100), 0.1 * 0.96 ** (100 // 3), 1e-6)


def test_ExponentialDecayTest_variables():
    decayed_lr = schedules.ExponentialDecay(0.1, 3, 0.96, staircase=True)
    _close(decayed_lr(1), 0.1, 1e-6)
    _close(decayed_lr(2), 0.1, 1e-6)
    _close(decayed_lr(100), 0.1 * 0.96 ** (100 // 3), 1e-6)


# ------------------------------------------------------------------ PiecewiseConstantDecayTest
def test_PiecewiseConstantDecayTest_config():
    sched = schedules.PiecewiseConstantDecay(boundaries=[10, 20], values=[1, 2, 3], name="my_pcd")
    _round_trip(sched)
    assert sched.get_config() == {"boundaries": [10, 20], "values": [1, 2, 3], "name": "my_pcd"}


def test_PiecewiseConstantDecayTest_piecewise_values():
    decayed_lr = schedules.PiecewiseConstantDecay([100, 110, 120], [1.0, 0.1, 0.01, 0.001])
    _close(decayed_lr(-999.0), 1.0, 1e-6)     # before the first boundary: values[0] (conventions §5)
    _close(decayed_lr(100), 1.0, 1e-6)
    _close(decayed_lr(105), 0.1, 1e-6)
    _close(decayed_lr(110), 0.1, 1e-6)
    _close(decayed_lr(120), 0.01, 1e-6)
    _close(decayed_lr(999), 0.001, 1e-6)


def test_PiecewiseConstantDecayTest_boundary_values():
    boundaries, values = [1, 2, 3], [0.4, 0.5, 0.6, 0.7]
    decayed_lr = schedules.PiecewiseConstantDecay(boundaries, values)
    expected = {0: 0.4, 1: 0.4, 2: 0.5, 3: 0.6, 4: 0.7}
    for step, value in expected.items():
        _close(decayed_lr(np.int64(step)), value, 1e-6)      # an int64 step, as Keras's test


# ---------------------------------------------------------------------------- LinearDecayTest
def test_LinearDecayTest_config():
    sched = schedules.PolynomialDecay(initial_learning_rate=0.1, decay_steps=100, end_learning_rate=0.005,
                                      power=1.0, cycle=False, name="my_ld")
    _round_trip(sched)
    assert sched.get_config()["name"] == "my_ld"


def test_LinearDecayTest_halfway():
    lr, end_lr = 0.05, 0.0
    _close(schedules.PolynomialDecay(lr, 10, end_lr)(5), lr * 0.5, 1e-6)


def test_LinearDecayTest_end():
    lr, end_lr = 0.05, 0.001
    _close(schedules.PolynomialDecay(lr, 10, end_lr)(10), end_lr, 1e-6)


def test_LinearDecayTest_halfway_with_end():
    lr, end_lr = 0.05, 0.001
    _close(schedules.PolynomialDecay(lr, 10, end_lr)(5), (lr + end_lr) * 0.5, 1e-6)


def test_LinearDecayTest_beyond_end():
    lr, end_lr = 0.05, 0.001
    _close(schedules.PolynomialDecay(lr, 10, end_lr)(15), end_lr, 1e-6)


def test_LinearDecayTest_beyond_end_with_cycle():
    lr, end_lr = 0.05, 0.001
    decayed_lr = schedules.PolynomialDecay(lr, 10, end_lr, cycle=True)
    _close(decayed_lr(15), (lr - end_lr) * 0.25 + end_lr, 1e-6)


# ------------------------------------------------------------------------------ SqrtDecayTest
def test_SqrtDecayTest_halfway():
    lr, end_lr, power = 0.05, 0.0, 0.5
    _close(schedules.PolynomialDecay(lr, 10, end_lr, power=power)(5), lr * 0.5 ** power, 1e-6)


def test_SqrtDecayTest_end():
    lr, end_lr, power = 0.05, 0.001, 0.5
    _close(schedules.PolynomialDecay(lr, 10, end_lr, power=power)(10), end_lr, 1e-6)


def test_SqrtDecayTest_halfway_with_end():
    lr, end_lr, power = 0.05, 0.001, 0.5
    _close(schedules.PolynomialDecay(lr, 10, end_lr, power=power)(5), (lr - end_lr) * 0.5 ** power + end_lr,
           1e-6)


def test_SqrtDecayTest_beyond_end():
    lr, end_lr, power = 0.05, 0.001, 0.5
    _close(schedules.PolynomialDecay(lr, 10, end_lr, power=power)(15), end_lr, 1e-6)


def test_SqrtDecayTest_beyond_end_with_cycle():
    lr, end_lr, power = 0.05, 0.001, 0.5
    decayed_lr = schedules.PolynomialDecay(lr, 10, end_lr, power=power, cycle=True)
    _close(decayed_lr(15), (lr - end_lr) * 0.25 ** power + end_lr, 1e-6)


def test_SqrtDecayTest_begin_with_cycle():
    lr, decay_steps = 0.001, 10
    _close(schedules.PolynomialDecay(lr, decay_steps, cycle=True)(0), lr, 1e-6)


# ----------------------------------------------------------------------- InverseTimeDecayTest
def test_InverseTimeDecayTest_config():
    sched = schedules.InverseTimeDecay(initial_learning_rate=0.05, decay_steps=10, decay_rate=0.96,
                                       staircase=True, name="my_itd")
    _round_trip(sched)
    assert sched.get_config()["name"] == "my_itd"


def test_InverseTimeDecayTest_decay():
    initial_lr, k, decay_rate = 0.1, 10, 0.96
    decayed_lr = schedules.InverseTimeDecay(initial_lr, k, decay_rate)
    for i in range(k + 1):
        _close(decayed_lr(float(i)), initial_lr / (1 + i / k * decay_rate), 1e-6)


def test_InverseTimeDecayTest_staircase():
    initial_lr, k, decay_rate = 0.1, 10, 0.96
    decayed_lr = schedules.InverseTimeDecay(initial_lr, k, decay_rate, staircase=True)
    for i in range(k + 1):
        _close(decayed_lr(float(i)), initial_lr / (1 + decay_rate * (i // k)), 1e-6)


# ---------------------------------------------------------------------------- CosineDecayTest
def _np_cosine_decay(step, decay_steps, alpha=0.0):
    step = min(step, decay_steps)
    completed_fraction = step / decay_steps
    decay = 0.5 * (1.0 + math.cos(math.pi * completed_fraction))
    return (1.0 - alpha) * decay + alpha


def _linear_warmup(step, warmup_steps, initial_lr, target_lr):
    completed_fraction = step / warmup_steps
    total_delta = target_lr - initial_lr
    return completed_fraction * total_delta


def test_CosineDecayTest_config():
    sched = schedules.CosineDecay(initial_learning_rate=0.05, decay_steps=10, alpha=0.1, warmup_target=0.2,
                                  warmup_steps=2, name="my_cd")
    _round_trip(sched)
    assert sched.get_config() == {"initial_learning_rate": 0.05, "decay_steps": 10, "alpha": 0.1,
                                  "name": "my_cd", "warmup_target": 0.2, "warmup_steps": 2}


def test_CosineDecayTest_decay():
    num_training_steps, initial_lr = 1000, 1.0
    for step in range(0, 1500, 250):
        decayed_lr = schedules.CosineDecay(initial_lr, num_training_steps)
        _close(decayed_lr(step), _np_cosine_decay(step, num_training_steps), 1e-6)


def test_CosineDecayTest_warmup():
    warmup_steps, initial_lr, target_lr = 1500, 0.0, 10.0
    for step in range(0, 1500, 250):
        lr = schedules.CosineDecay(initial_lr, 10, warmup_target=target_lr, warmup_steps=warmup_steps)
        _close(lr(step), _linear_warmup(step, warmup_steps, initial_lr, target_lr))


def test_CosineDecayTest_alpha():
    num_training_steps, initial_lr, alpha = 1000, 1.0, 0.1
    for step in range(0, 1500, 250):
        decayed_lr = schedules.CosineDecay(initial_lr, num_training_steps, alpha)
        _close(decayed_lr(step), _np_cosine_decay(step, num_training_steps, alpha), 1e-6)


def test_CosineDecayTest_float64():
    num_training_steps, initial_lr = 1000, np.float64(1.0)
    for step in range(0, 1500, 250):
        decayed_lr = schedules.CosineDecay(initial_lr, num_training_steps)
        _close(decayed_lr(step), _np_cosine_decay(step, num_training_steps), 1e-6)


def test_CosineDecayTest_warmup_decay():
    warmup_steps, decay_steps, initial_lr, target_lr = 2000, 1000, 0.0, 10.0
    for step in range(0, 3000, 250):
        lr = schedules.CosineDecay(initial_lr, decay_steps, warmup_target=target_lr,
                                   warmup_steps=warmup_steps)
        if step < warmup_steps + 1:
            expected = _linear_warmup(step, warmup_steps, initial_lr, target_lr)
        else:
            expected = target_lr * _np_cosine_decay(step - warmup_steps, decay_steps)
        _close(lr(step), expected)


# -------------------------------------------------------------------- CosineDecayRestartsTest
def _np_cosine_decay_restarts(step, decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0):
    fac = 1.0
    while step >= decay_steps:
        step -= decay_steps
        decay_steps *= t_mul
        fac *= m_mul
    completed_fraction = step / decay_steps
    decay = fac * 0.5 * (1.0 + math.cos(math.pi * completed_fraction))
    return (1.0 - alpha) * decay + alpha


def test_CosineDecayRestartsTest_config():
    sched = schedules.CosineDecayRestarts(initial_learning_rate=0.05, first_decay_steps=10, alpha=0.1,
                                          t_mul=3.0, m_mul=4.0, name="my_cdr")
    _round_trip(sched)
    assert sched.get_config() == {"initial_learning_rate": 0.05, "first_decay_steps": 10, "t_mul": 3.0,
                                  "m_mul": 4.0, "alpha": 0.1, "name": "my_cdr"}


def _check_restarts(initial_lr=1.0, **keywords):
    """The loop every CosineDecayRestartsTest runs: steps 0, 250, …, 1250 against the NumPy loop."""
    num_training_steps = 1000
    for step in range(0, 1500, 250):
        decayed_lr = schedules.CosineDecayRestarts(initial_lr, num_training_steps, **keywords)
        expected = _np_cosine_decay_restarts(step, num_training_steps, **keywords)
        _close(decayed_lr(step), expected, 1e-6)


def test_CosineDecayRestartsTest_decay():
    _check_restarts()


def test_CosineDecayRestartsTest_float64():
    _check_restarts(initial_lr=np.float64(1.0))


def test_CosineDecayRestartsTest_alpha():
    _check_restarts(alpha=0.1)


def test_CosineDecayRestartsTest_mmul():
    _check_restarts(m_mul=0.9)


def test_CosineDecayRestartsTest_tmul():
    _check_restarts(t_mul=1.0)
