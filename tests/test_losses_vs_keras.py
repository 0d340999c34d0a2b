"""Training with Keras's loss arguments against real Keras 3 (keras==3.15.1, KERAS_BACKEND=torch).

``reduction``, ``label_smoothing`` and ``ignore_class`` must change the gradient ``fit`` trains on,
not only the value a direct call returns: the same network, initial weights and batches as Keras,
an SGD of ``flavor="keras"``, and after three epochs the same weights (float32's precision, as in
``tests/test_model_vs_keras.py``) and the same per-epoch loss — except for ``reduction="sum"``,
whose epoch loss descend reports as the sum over the epoch (the convention of its summed losses)
where Keras averages the batch sums (docs/conventions.md §9.1).
"""
from __future__ import annotations

import numpy as np
import pytest

from descend import Dense, Input, Sequential, losses
from descend.callbacks import Callback
from descend.optimizers import SGD
from oracles import KERAS_MARKS, require_keras

keras = require_keras()

RTOL = 1e-6
pytestmark = KERAS_MARKS



def _data(kind: str, n: int = 12, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    if kind == "regression":
        return X, rng.normal(size=(n, 2))
    if kind == "binary":
        return X, (rng.uniform(size=(n, 2)) > 0.5).astype(np.float64)
    labels = rng.integers(0, 3, n)
    if kind == "onehot":
        return X, np.eye(3)[labels]
    labels[[1, 4, 5, 9]] = -1                      # rows of the ignored class
    return X, labels


CASES = {
    # id: (data kind, output activation, descend's loss, Keras's loss, with sample weights)
    "mse-sum": ("regression", "linear", lambda: losses.MeanSquaredError(reduction="sum"),
                lambda: keras.losses.MeanSquaredError(reduction="sum"), False),
    "mse-sum-weighted": ("regression", "linear", lambda: losses.MeanSquaredError(reduction="sum"),
                         lambda: keras.losses.MeanSquaredError(reduction="sum"), True),
    "mse-mean_with_sample_weight": (
        "regression", "linear", lambda: losses.MeanSquaredError(reduction="mean_with_sample_weight"),
        lambda: keras.losses.MeanSquaredError(reduction="mean_with_sample_weight"), True),
    "bce-label_smoothing": (
        "binary", "sigmoid", lambda: losses.BinaryCrossentropy(label_smoothing=0.2),
        lambda: keras.losses.BinaryCrossentropy(label_smoothing=0.2), False),
    "bce-logits-label_smoothing-weighted": (
        "binary", "linear", lambda: losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.3),
        lambda: keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.3), True),
    "cce-label_smoothing": (
        "onehot", "softmax", lambda: losses.CategoricalCrossentropy(label_smoothing=0.1),
        lambda: keras.losses.CategoricalCrossentropy(label_smoothing=0.1), False),
    "cce-logits-label_smoothing-sum": (
        "onehot", "linear",
        lambda: losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1, reduction="sum"),
        lambda: keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1,
                                                     reduction="sum"), False),
    "scce-ignore_class": (
        "ignored", "softmax", lambda: losses.SparseCategoricalCrossentropy(ignore_class=-1),
        lambda: keras.losses.SparseCategoricalCrossentropy(ignore_class=-1), False),
    "scce-ignore_class-weighted": (
        "ignored", "softmax", lambda: losses.SparseCategoricalCrossentropy(ignore_class=-1),
        lambda: keras.losses.SparseCategoricalCrossentropy(ignore_class=-1), True),
    "scce-logits-ignore_class-mean_with_sample_weight": (
        "ignored", "linear",
        lambda: losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1,
                                                     reduction="mean_with_sample_weight"),
        lambda: keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1,
                                                           reduction="mean_with_sample_weight"), True),
}


@pytest.mark.parametrize("case", list(CASES))
def test_fit_trains_on_the_loss_arguments_as_keras(case):
    kind, activation, ours_loss, their_loss, weighted = CASES[case]
    X, y = _data(kind)
    outputs = 2 if kind in ("regression", "binary") else 3
    ours = Sequential([Input(3), Dense(4, "tanh"), Dense(outputs, activation)], dtype="float64", seed=3)
    ours.compile(SGD(learning_rate=0.1, flavor="keras"), ours_loss())
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, "tanh"),
                               keras.layers.Dense(outputs, activation)])
    theirs.compile(keras.optimizers.SGD(learning_rate=0.1), their_loss())
    theirs.set_weights(ours.get_weights())
    kw = {"epochs": 3, "batch_size": 5, "shuffle": False, "verbose": 0}
    if weighted:
        kw["sample_weight"] = np.linspace(0.0, 3.0, len(X))
    h_ours, h_theirs = ours.fit(X, y, **kw), theirs.fit(X, y, **kw)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=1e-7)
    w = kw.get("sample_weight")
    if ours.loss.reduction != "sum":   # (a sum's epoch number differs by design: the test below)
        np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=RTOL)
        # evaluate's batch_size only bounds memory here; Keras averages its batches' losses by
        # batch size, which for a weighted mean or ignore_class depends on the batches: in one
        # batch both are the loss of all the data
        whole = ours.evaluate(X, y, batch_size=len(X), sample_weight=w)
        assert whole == pytest.approx(theirs.evaluate(X, y, batch_size=len(X), sample_weight=w, verbose=0),
                                      rel=RTOL)
        assert ours.evaluate(X, y, batch_size=5, sample_weight=w) == pytest.approx(whole, rel=1e-12)

def test_a_summed_reduction_reports_the_epoch_sum_where_keras_averages_batch_sums():
    """The one deliberate difference: the weights agree (above), the epoch's number is descend's
    E over the epoch, Σ of the batch sums, Keras's the batch-size-weighted mean of those sums."""
    X, y = _data("regression", n=8)
    ours = Sequential([Input(3), Dense(2)], dtype="float64", seed=3)
    ours.compile(SGD(learning_rate=0.1, flavor="keras"), losses.MeanSquaredError(reduction="sum"))
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    theirs.compile(keras.optimizers.SGD(learning_rate=0.1), keras.losses.MeanSquaredError(reduction="sum"))
    theirs.set_weights(ours.get_weights())
    out = X[:4] @ ours.get_weights()[0] + ours.get_weights()[1]
    first = float(np.sum(np.mean((out - y[:4]) ** 2, axis=1)))     # E of the first batch, a sum
    kw = {"epochs": 1, "batch_size": 4, "shuffle": False, "verbose": 0}
    logs_ours: list[float] = []

    class BatchLosses(Callback):
        def on_batch_end(self, batch, logs=None):
            logs_ours.append(logs["loss"])

    ours_loss = ours.fit(X, y, callbacks=[BatchLosses()], **kw).history["loss"][0]
    their_loss = theirs.fit(X, y, **kw).history["loss"][0]
    assert logs_ours[0] == pytest.approx(first, rel=1e-12)
    assert ours_loss == pytest.approx(sum(logs_ours), rel=1e-12)      # Σ of the two batch sums
    assert their_loss == pytest.approx(ours_loss / 2, rel=RTOL)       # Keras: (4·S₁ + 4·S₂)/8
