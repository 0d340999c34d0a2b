"""descend.playground.engine: a run on the real engine — updates, live settings, snapshots, divergence,
frames."""
import numpy as np
import pytest

import descend
from descend import batching
from descend.playground import config as cfg
from descend.playground.engine import Batches, Engine, build_model, make_optimizer


def same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights(), strict=True))


def small(**update):
    return cfg.validate({"points": 100, "layers": [3], "activations": ["tanh"], **update})


def test_one_update_is_train_step_on_the_first_batch():
    config = small(batch_size=10)
    engine = Engine(config)
    model = build_model(config, 2, 1)
    model.compile(optimizer=make_optimizer(config), loss="binary_crossentropy")
    assert same(model, engine.model)
    X, y = model.prepare(engine.X_train, engine.y_train)
    order = batching.epoch_order(len(X), 10, True, np.random.default_rng([config["init_seed"], 1]))
    model.train_step(X[order[:10]], y[order[:10]])
    engine.update()
    assert engine.updates == 1 and engine.epochs == 0
    assert same(model, engine.model)


def test_batches_make_epochs_of_the_three_kinds():
    X, y = np.arange(10.0).reshape(5, 2), np.arange(5.0)
    full = Batches(X, y, 0, np.random.default_rng(0))
    xb, _ = full.next()
    assert np.array_equal(xb, X) and full.end_of_epoch
    sgd = Batches(X, y, 1, np.random.default_rng(0))
    seen = sorted(float(sgd.next()[1][0]) for _ in range(5))
    assert seen == [0, 1, 2, 3, 4] and sgd.end_of_epoch
    mini = Batches(X, y, 2, np.random.default_rng(0))
    assert [len(mini.next()[0]) for _ in range(3)] == [2, 2, 1] and mini.end_of_epoch


def test_run_counts_epochs_and_stops_at_the_epoch_end():
    engine = Engine(small(batch_size=10))
    assert engine.run(0, until_epoch_end=True) is None
    assert (engine.updates, engine.epochs) == (5, 1)      # 50 training points, batches of 10
    engine.run(3)
    assert (engine.updates, engine.epochs) == (8, 1)


def test_a_live_setting_applies_at_the_next_update_and_keeps_the_weights():
    engine = Engine(small())
    engine.run(3)
    weights = engine.model.get_weights()
    engine.set_live(cfg.validate({"lr": 0.5, "optimizer": "momentum"}, engine.config))
    assert engine.model.optimizer.name == "sgd"           # not yet
    assert all(np.array_equal(a, b) for a, b in zip(weights, engine.model.get_weights(), strict=True))
    engine.update()
    assert engine.model.optimizer.name == "momentum" and engine.model.optimizer.learning_rate == 0.5
    assert engine.model.optimizer.iterations == 1          # a new optimizer starts at t = 1


def test_the_same_optimizer_keeps_its_state_across_a_change():
    engine = Engine(small(optimizer="adam"))
    engine.run(4)
    engine.set_live(cfg.validate({"lr": 0.01}, engine.config))
    engine.update()
    assert engine.model.optimizer.iterations == 5 and engine.model.optimizer.learning_rate == 0.01


def test_regularizer_change_keeps_weights_and_penalises():
    engine = Engine(small())
    engine.run(2)
    weights = engine.model.get_weights()
    engine.set_live(cfg.validate({"reg": "l2", "reg_rate": 0.1}, engine.config))
    engine._apply_live()
    assert all(np.array_equal(a, b) for a, b in zip(weights, engine.model.get_weights(), strict=True))
    assert engine.model.regularization_loss() > 0


def test_reset_keeps_the_initial_weights():
    engine = Engine(small())
    first = engine.model.get_weights()
    engine.run(7)
    assert not np.array_equal(first[0], engine.model.params[0])
    engine.reset()
    assert engine.updates == 0
    assert all(np.array_equal(a, b) for a, b in zip(first, engine.model.get_weights(), strict=True))
    other = Engine(small(init_seed=2))
    assert not np.array_equal(first[0], other.model.params[0])


def test_snapshot_and_restore_replay_bit_for_bit():
    engine = Engine(small(batch_size=7))
    engine.run(3)
    snap = engine.take_snapshot()
    engine.run(11)
    after = engine.model.get_weights()
    engine.restore(snap)
    assert engine.updates == 3
    engine.run(11)
    assert all(np.array_equal(a, b) for a, b in zip(after, engine.model.get_weights(), strict=True))


def test_divergence_reports_where_and_keeps_the_last_good_weights():
    config = small(init="large", lr=100.0, layers=[8, 8, 8], activations=["relu"] * 3, batch_size=0,
                   output="sigmoid")
    engine = Engine(config)
    where = engine.run(500)
    assert where is not None
    assert where["update"] >= 1 and "diverged" in where["message"] and where["layer"]
    assert engine.updates == where["update"] - 1
    assert all(np.isfinite(p).all() for p in engine.model.params)


def test_a_frame_has_everything_the_page_draws():
    engine = Engine(small(layers=[3, 2], activations=["tanh", "relu"]))
    engine.run(2)
    frame = engine.frame()
    assert frame["update"] == 2 and frame["train_loss"] > 0 and frame["test_loss"] > 0
    assert len(frame["weights"]) == 6 and len(frame["neurons"]) == 5
    labels = [v["label"] for v in frame["flow"]["verdicts"]]
    assert len(labels) == 3 and set(labels) <= {"healthy", "vanishing", "exploding"}
    import base64
    assert len(base64.b64decode(frame["output"]["values"])) == 64 * 64
    verdicts = descend.diagnose(descend.record_gradient_flow(engine.model, engine.X_train, engine.y_train))
    assert [v["label"] for v in frame["flow"]["verdicts"]] == [v.label for v in verdicts]


def test_explain_is_descend_explain():
    engine = Engine(small())
    engine.run(5)
    msg = engine.explain(0, 4, 7)     # kernel of layer 1: row 2, column 2 → w₂₂⁽¹⁾
    assert msg["name"] == "w₂₂⁽¹⁾"
    expected = descend.explain(engine.model, engine.X_train[7], engine.y_train[7])["w₂₂⁽¹⁾"]
    assert msg["text"] == str(expected)
    assert engine.explain(1, 2, 0)["name"] == "b₃⁽¹⁾"


def test_softmax_and_regression_frames_and_task_checks():
    blobs = Engine(cfg.validate({"dataset": "blobs", "output": "softmax", "points": 60}))
    assert blobs.n_outputs == 3 and blobs.frame(flow=False)["output"]["kind"] == "classes"
    reg = Engine(cfg.validate({"dataset": "reg-plane", "output": "linear", "points": 60}))
    assert reg.frame(flow=False)["output"]["kind"] == "value"
    with pytest.raises(ValueError, match="two classes"):
        Engine(cfg.validate({"dataset": "upload", "output": "linear"}),
               (np.array([[0.0, 1], [1, 0], [2, 2], [3, 1]]), np.array([0, 1, 0, 1])))


def test_an_interruption_stops_after_the_update_under_way():
    engine = Engine(small(batch_size=1))
    calls = []
    assert engine.run(0, until_epoch_end=True, interrupted=lambda: calls.append(1) or len(calls) >= 3) is None
    assert engine.updates == 3 and engine.epochs == 0
    engine.run(0, until_epoch_end=True, budget_s=0.0)          # the time budget: one update at least
    assert engine.updates == 4
