"""Gradient-flow monitor and verdicts (lecture §7): the numbers, their formulas, the thresholds."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

import descend
from descend import Dense, Input, Sequential
from descend.diagnostics import (
    EXPLODING_RATIO,
    EXPLODING_UPDATE_RATIO,
    STATS,
    VANISHING_RATIO,
    GradientFlow,
    GradientMonitor,
    backprop_signals,
    compare_activations,
    diagnose,
    record_gradient_flow,
)
from descend.initializers import Constant
from descend.optimizers import SGD


def small_model(act="tanh", seed=0, **dense):
    model = Sequential([Input(4), Dense(8, act, **dense), Dense(6, act, **dense), Dense(3, "softmax")],
                       seed=seed, dtype="float64")
    model.compile(SGD(learning_rate=0.1), "sparse_categorical_crossentropy")
    return model


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(60, 4)), rng.integers(0, 3, 60)


def test_monitor_records_once_per_epoch_into_the_history(data):
    X, y = data
    model, monitor = small_model(), GradientMonitor()
    history = model.fit(X, y, epochs=3, batch_size=32, verbose=0, seed=0, callbacks=[monitor])
    flow = history.gradient_flow
    assert flow is monitor.flow and len(flow) == 3
    assert flow.steps == [2, 4, 6] and flow.epochs == [0, 1, 2]          # 2 updates per epoch
    assert flow.layers == ["dense_1", "dense_2", "dense_3"]
    assert flow.activations == ["tanh", "tanh", "softmax"]
    for stat in STATS:
        assert flow[stat].shape == (3, 3)
    assert np.isnan(flow["dead"]).all()                    # no ReLU here
    assert np.isnan(flow["saturated"][:, 2]).all()         # softmax does not saturate by this rule


def test_monitor_every_k_updates_counts_across_epochs(data):
    X, y = data
    model, monitor = small_model(), GradientMonitor(every=3)
    model.fit(X, y, epochs=4, batch_size=20, verbose=0, seed=0, callbacks=[monitor])  # 12 updates
    assert monitor.flow.steps == [3, 6, 9, 12] and monitor.flow.epochs == [0, 1, 2, 3]


def test_each_statistic_equals_its_formula(data):
    X, y = data
    model = small_model()
    w0 = model.get_weights()
    _, grads = model.compute_gradients(X, y)
    signals = backprop_signals(model, X, y)
    monitor = GradientMonitor(every=1)
    model.fit(X, y, epochs=1, batch_size=None, shuffle=False, verbose=0, callbacks=[monitor])
    rec = monitor.flow.record(0)
    w1 = model.get_weights()
    for k, name in enumerate(["dense_1", "dense_2", "dense_3"]):
        g, a = grads[2 * k], signals["activations"][k]
        s = rec[name]
        assert s["grad_norm"] == pytest.approx(np.linalg.norm(g), rel=1e-12)
        assert s["weight_norm"] == pytest.approx(np.linalg.norm(w1[2 * k]), rel=1e-12)
        # plain SGD: ΔW = η ∂E/∂W, so ‖ΔW‖/‖W‖ = 0.1 ‖g‖ / ‖W_before‖
        assert s["update_ratio"] == pytest.approx(0.1 * np.linalg.norm(g) / np.linalg.norm(w0[2 * k]),
                                                  rel=1e-9)
        assert s["act_mean"] == pytest.approx(a.mean(), rel=1e-12)
        assert s["act_std"] == pytest.approx(a.std(), rel=1e-12)
    assert rec["dense_1"]["saturated"] == pytest.approx(np.mean(np.abs(signals["activations"][0]) >= 0.98))


def test_record_gradient_flow_updates_nothing_and_uses_eta(data):
    X, y = data
    model = small_model()
    before = model.get_weights()
    flow = record_gradient_flow(model, X, y, learning_rate=0.5)
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
    _, grads = model.compute_gradients(X, y)
    assert flow.steps == [0] and flow.epochs == [0] and len(flow) == 1
    expected = 0.5 * np.linalg.norm(grads[0]) / np.linalg.norm(before[0])
    assert flow["update_ratio"][0, 0] == pytest.approx(expected)
    again = record_gradient_flow(model, X, y, flow=flow)          # appends, η from the optimizer
    assert len(again) == 2 and again["update_ratio"][1, 0] == pytest.approx(flow["update_ratio"][0, 0] / 5)
    with pytest.raises(ValueError, match="learning_rate"):
        record_gradient_flow(model, X, y, learning_rate=-1.0)


def test_saturated_sigmoid_and_dead_relu_are_counted(data):
    X, y = data
    big = small_model("sigmoid", kernel_initializer=Constant(5.0))      # |z| ≥ 5·… : σ at 0 or 1
    flow = record_gradient_flow(big, np.abs(X) + 1, y)
    assert flow["saturated"][0, 0] == 1.0 and np.isnan(flow["dead"][0, 0])
    dead = small_model("relu", bias_initializer=Constant(-100.0))        # z < 0 for every sample
    flow = record_gradient_flow(dead, X, y)
    assert flow["dead"][0, :2].tolist() == [1.0, 1.0] and np.isnan(flow["saturated"][0, 0])
    verdicts = diagnose(flow)
    # no signal reaches the output layer either: every kernel gradient is exactly 0
    assert [v.label for v in verdicts] == ["vanishing"] * 3 and verdicts[0].grad_norm == 0
    assert "100% of the ReLUs are dead" in verdicts[0].reason
    leaky = record_gradient_flow(small_model("leaky_relu", bias_initializer=Constant(-100.0)), X, y)
    assert np.isnan(leaky["dead"]).all()           # a leaky unit is never dead


def flow_with(grad_norms, update_ratios=None):
    n = len(grad_norms)
    flow = GradientFlow([f"dense_{i + 1}" for i in range(n)], ["sigmoid"] * n)
    ratios = update_ratios or [1e-3] * n
    flow.append(1, 0, 1.0, [{"grad_norm": g, "weight_norm": 1.0, "update_ratio": r, "act_mean": 0.5,
                             "act_std": 0.1, "saturated": 0.0, "dead": math.nan}
                            for g, r in zip(grad_norms, ratios, strict=True)])
    return flow


def test_diagnose_thresholds_are_the_documented_ones():
    assert (VANISHING_RATIO, EXPLODING_RATIO, EXPLODING_UPDATE_RATIO) == (1e-3, 1e3, 1.0)
    labels = [v.label for v in diagnose(flow_with([1e-3, 1.01e-3, 0.5, 999.0, 1e3, 1.0]))]
    assert labels == ["vanishing", "healthy", "healthy", "healthy", "exploding", "healthy"]
    v = diagnose(flow_with([math.inf, 1.0]))[0]
    assert v.label == "exploding" and "not finite" in v.reason
    v = diagnose(flow_with([1.0, 1.0], [1.0, 0.99]))
    assert [x.label for x in v] == ["exploding", "healthy"]
    assert diagnose(flow_with([0.0, 1.0]))[0].label == "vanishing"
    assert diagnose(flow_with([1e-5, 1.0]))[0].relative_grad_norm == pytest.approx(1e-5)


def test_diagnose_accepts_history_flow_monitor_and_dict(data):
    X, y = data
    model, monitor = small_model(), GradientMonitor()
    history = model.fit(X, y, epochs=2, verbose=0, seed=0, callbacks=[monitor])
    as_dict = json.loads(json.dumps(monitor.flow.to_dict()))
    def key(verdicts):
        return [(v.layer, v.label, v.reason, v.grad_norm, v.update_ratio) for v in verdicts]

    expected = diagnose(history)
    for source in (monitor.flow, monitor, as_dict):
        assert key(diagnose(source)) == key(expected)
    assert key(descend.diagnose(history, at=0)) == key(diagnose(monitor.flow, at=0))
    assert json.dumps(GradientFlow.from_dict(as_dict).to_dict()) == json.dumps(monitor.flow.to_dict())
    assert "dense_1" in monitor.flow.table() and str(expected[0]).startswith("dense_1 (tanh): ")


def test_bad_input_names_the_argument(data):
    X, y = data
    model = small_model()
    history = model.fit(X, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="history_or_records"):
        diagnose(history)
    with pytest.raises(ValueError, match="history_or_records"):
        diagnose(GradientMonitor())
    with pytest.raises(IndexError, match="index"):
        diagnose(flow_with([1.0, 1.0]), at=5)
    for every in (0, -1, 1.5, "batch", True):
        with pytest.raises(ValueError, match="every"):
            GradientMonitor(every=every)
    with pytest.raises(KeyError, match="stat"):
        flow_with([1.0])["nope"]
    with pytest.raises(ValueError, match="flow"):
        GradientFlow(["a"], ["relu"]).record()


@pytest.fixture(scope="module")
def deep():
    return compare_activations(depth=10, width=32, n_samples=256, seed=0)


def ratio_first_to_last(flow):
    g = flow["grad_norm"][0]
    return g[0] / g[-1]


def test_sigmoid_gradients_vanish_towards_the_input(deep):
    # ∂E/∂W of the first layer is ~1e-6 of the output layer's: each σ′ ≤ 0.25 shrinks δ
    r = ratio_first_to_last(deep["sigmoid"])
    assert r < 1e-4
    g = deep["sigmoid"]["grad_norm"][0]
    assert (np.diff(g) > 0).all()                   # smaller at every step towards the input
    labels = [v.label for v in diagnose(deep["sigmoid"])]
    assert labels[:5] == ["vanishing"] * 5 and labels[-1] == "healthy"


@pytest.mark.parametrize("act", ["relu", "leaky_relu", "elu", "tanh"])
def test_relu_family_with_he_and_tanh_with_xavier_keep_the_gradient(deep, act):
    # within one order of magnitude from the last layer to the first, every layer healthy
    assert 0.1 < ratio_first_to_last(deep[act]) < 10
    assert {v.label for v in diagnose(deep[act])} == {"healthy"}


def test_import_descend_does_not_import_matplotlib():
    code = ("import sys, descend; descend.diagnose; import descend.diagnostics, descend.lab.init_study; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
