"""Metrics: values against scikit-learn, streaming over batches equals one pass, Keras's
resolution of "accuracy" from the loss, and the model reports them per epoch."""
from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn import metrics as skm

from descend import Dense, Input, Sequential, metrics


@pytest.fixture
def regression():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(37, 2))
    return y + rng.normal(scale=0.3, size=y.shape), y


def test_regression_metrics_match_sklearn(regression):
    pred, y = regression
    assert metrics.get("mae")(pred, y) == pytest.approx(skm.mean_absolute_error(y, pred))
    assert metrics.get("mse")(pred, y) == pytest.approx(skm.mean_squared_error(y, pred))
    assert metrics.get("rmse")(pred, y) == pytest.approx(math.sqrt(skm.mean_squared_error(y, pred)))
    # r2 pools all outputs (one ȳ over every entry), i.e. sklearn on the flattened arrays
    assert metrics.get("r2")(pred, y) == pytest.approx(skm.r2_score(y.ravel(), pred.ravel()))
    one = y[:, :1]
    assert metrics.get("r2")(pred[:, :1], one) == pytest.approx(skm.r2_score(one, pred[:, :1]))


def test_classification_metrics_match_sklearn():
    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.ones(4), size=50)
    labels = rng.integers(0, 4, size=50)
    expected = skm.accuracy_score(labels, probs.argmax(axis=1))
    assert metrics.get("sparse_categorical_accuracy")(probs, labels) == pytest.approx(expected)
    assert metrics.get("categorical_accuracy")(probs, np.eye(4)[labels]) == pytest.approx(expected)
    p = rng.uniform(size=(50, 1))
    t = rng.integers(0, 2, size=(50, 1)).astype(float)
    assert metrics.get("binary_accuracy")(p, t) == pytest.approx(skm.accuracy_score(t, p > 0.5))
    assert metrics.BinaryAccuracy(threshold=0.9)(p, t) == pytest.approx(skm.accuracy_score(t, p > 0.9))


@pytest.mark.parametrize("name", ["mae", "mse", "rmse", "r2"])
def test_streaming_over_batches_equals_one_pass(regression, name):
    pred, y = regression
    m = metrics.get(name)
    m.reset()
    for i in range(0, len(y), 5):
        m.update(pred[i:i + 5], y[i:i + 5])
    assert m.result() == pytest.approx(metrics.get(name)(pred, y), rel=1e-12)


@pytest.mark.parametrize("y_true, y_pred, resolved", [
    ((8, 1), (8, 1), "binary_accuracy"),             # one output: binary, whatever the targets
    ((8,), (8, 1), "binary_accuracy"),
    ((8, 3), (8, 3), "categorical_accuracy"),        # one-hot rows
    ((8,), (8, 3), "sparse_categorical_accuracy"),   # labels: one dimension fewer
    ((8, 1), (8, 3), "sparse_categorical_accuracy"), # labels as a column
])
def test_accuracy_is_resolved_from_the_shapes_as_keras_3(y_true, y_pred, resolved):
    """keras/src/trainers/compile_utils.py, get_metric / is_binary_or_sparse_categorical."""
    m = metrics.get("accuracy", y_true, y_pred)
    assert m.name == "accuracy"
    assert type(m) is metrics.REGISTRY[resolved]
    assert type(metrics.get("acc", y_true, y_pred)) is metrics.REGISTRY[resolved]


@pytest.mark.parametrize("loss, outputs, y, resolved", [
    ("binary_crossentropy", 1, np.array([0, 1, 1, 0]), "binary_accuracy"),
    # several sigmoid outputs under binary cross-entropy: categorical, as Keras (was binary)
    ("binary_crossentropy", 3, np.eye(3)[[0, 1, 2, 1]], "categorical_accuracy"),
    ("categorical_crossentropy", 3, np.eye(3)[[0, 1, 2, 1]], "categorical_accuracy"),
    ("sparse_categorical_crossentropy", 3, np.array([0, 1, 2, 1]), "sparse_categorical_accuracy"),
    ("sparse_categorical_crossentropy", 3, np.array([[0], [1], [2], [1]]), "sparse_categorical_accuracy"),
    ("mse", 1, np.array([0.0, 1, 1, 0]), "binary_accuracy"),
    ("mse", 3, np.eye(3)[[0, 1, 2, 1]], "categorical_accuracy"),
])
def test_a_models_accuracy_follows_keras_3(loss, outputs, y, resolved):
    activation = "softmax" if "categorical" in loss else "sigmoid"
    model = Sequential([Input(2), Dense(outputs, activation)], seed=0)
    model.compile("sgd", loss, metrics=["accuracy"])
    X = np.arange(8.0).reshape(4, 2)
    model.evaluate(X, y)
    assert type(model.metrics[0]) is metrics.REGISTRY[resolved]
    assert model.metrics[0].name == "accuracy"


def test_several_sigmoid_outputs_report_categorical_accuracy():
    model = Sequential([Input(2), Dense(3, "sigmoid")], seed=0, dtype="float64")
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    X = np.random.default_rng(0).normal(size=(50, 2))
    y = np.eye(3)[np.random.default_rng(1).integers(0, 3, 50)]
    _, acc = model.evaluate(X, y)
    assert acc == np.mean(model.predict(X).argmax(axis=1) == y.argmax(axis=1))


def test_weighted_metrics_are_keras_weighted_means():
    pred = np.array([[0.9], [0.2], [0.7], [0.4]])
    y = np.array([[1.0], [1.0], [0.0], [0.0]])
    w = np.array([3.0, 1.0, 0.0, 2.0])
    acc = metrics.get("binary_accuracy")
    acc.update(pred, y, w)
    assert acc.result() == (3.0 + 2.0) / 6.0                 # Σ w·[correct] / Σ w
    mae = metrics.get("mae")
    two = np.array([[0.0, 1.0], [2.0, 2.0]])
    mae.update(two, np.zeros((2, 2)), np.array([1.0, 3.0]))
    assert mae.result() == pytest.approx((1 * 0.5 + 3 * 2.0) / 4.0)   # per-sample mean, weighted
    r2 = metrics.get("r2")
    r2.update(pred, y, np.array([2.0, 1.0, 1.0, 1.0]))
    rep = np.array([0, 0, 1, 2, 3])                            # weight 2 = the sample twice
    assert r2.result() == pytest.approx(metrics.get("r2")(pred[rep], y[rep]), rel=1e-12)


def test_aliases_and_errors():
    assert metrics.get("mean_absolute_error").name == "mae"
    assert metrics.get("root_mean_squared_error").name == "rmse"
    assert metrics.get("R2_SCORE").name == "r2"
    with pytest.raises(ValueError, match="metrics: expected names from"):
        metrics.get("f1")
    with pytest.raises(TypeError, match="metrics: expected metric names"):
        metrics.get(3)


def test_empty_and_constant_targets_give_nan():
    assert math.isnan(metrics.get("mae").result())
    assert math.isnan(metrics.get("r2")(np.ones((3, 1)), np.full((3, 1), 2.0)))


def test_model_reports_every_metric_per_epoch():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 3))
    y = X @ np.array([1.0, -1.0, 2.0])
    model = Sequential([Input(3), Dense(1)], seed=0, dtype="float64")
    model.compile(optimizer="sgd", loss="mse", metrics=["mae", "mse", "rmse", "r2"])
    history = model.fit(X, y, epochs=2, batch_size=None, verbose=0)
    assert set(history.history) == {"loss", "mae", "mse", "rmse", "r2", "learning_rate"}
    # batch GD: the epoch's metrics are those of the weights before the single update, which
    # the loss (mse, mean reduction) equals too
    assert history.history["mse"][0] == pytest.approx(history.history["loss"][0])
    result = model.evaluate(X, y, return_dict=True)
    pred = model.predict(X).ravel()
    assert result["r2"] == pytest.approx(skm.r2_score(y, pred))
    assert result["rmse"] == pytest.approx(math.sqrt(skm.mean_squared_error(y, pred)))


def test_binary_accuracy_threshold_is_a_checked_number():
    from descend.metrics import BinaryAccuracy

    assert BinaryAccuracy(np.float32(0.25))(np.array([0.3, 0.2]), np.array([1.0, 0.0])) == 1.0
    with pytest.raises(TypeError, match="threshold: expected a number"):
        BinaryAccuracy("0.5")
    with pytest.raises(ValueError, match="threshold: expected a finite number"):
        BinaryAccuracy(float("nan"))
