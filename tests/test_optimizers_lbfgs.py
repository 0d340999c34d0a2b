"""L-BFGS (``compile(optimizer="lbfgs")``): the same search as scikit-learn's ``solver="lbfgs"``
step for step, the weighted least-squares answer in closed form, and what fit does around it
(epochs = iterations, callbacks, max_fun, refusals, saving)."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.neural_network import MLPClassifier

from descend import Dense, Input, Sequential, callbacks, load_model, optimizers, regularizers
from descend.errors import DivergenceError
from descend.layers import Dropout
from descend.losses import CategoricalCrossentropy
from descend.optimizers import LBFGS
from oracles import sklearn_lbfgs_start


def _iris(shuffled: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Standardised iris; ``shuffled``: in a fixed random order, as iris is sorted by class and
    a validation part is its last samples."""
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    if shuffled:
        order = np.random.default_rng(0).permutation(len(X))
        X, y = X[order], y[order]
    return X, y


def _net(hidden: int = 5, activation: str = "tanh", out: int = 3) -> Sequential:
    return Sequential([Input(4), Dense(hidden, activation=activation),
                       Dense(out, activation="softmax" if out > 1 else "sigmoid")], seed=0, dtype="float64")


@pytest.mark.parametrize("iterations", [1, 4, 12])
def test_the_search_is_scikit_learns_step_for_step(iterations):
    """Same start, same loss (mean cross-entropy of a softmax output), same scipy options:
    scikit-learn's MLPClassifier(solver="lbfgs") and descend reach the same weights."""
    X, y = _iris()
    mlp = MLPClassifier((5,), activation="tanh", solver="lbfgs", alpha=0.0, max_iter=iterations,
                        random_state=0, tol=0.0)
    model = _net()
    model.set_weights(sklearn_lbfgs_start(mlp, X, y))
    model.compile(optimizer=LBFGS(tol=0.0), loss="sparse_categorical_crossentropy")
    history = model.fit(X, y, epochs=iterations, verbose=0)
    assert len(history.history["loss"]) == iterations == model.optimizer.result.nit
    for ours, theirs in zip(model.get_weights(), [mlp.coefs_[0], mlp.intercepts_[0], mlp.coefs_[1],
                                                   mlp.intercepts_[1]], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    assert history.history["loss"][-1] == pytest.approx(mlp.loss_, rel=1e-9)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
def test_an_l2_penalty_and_sample_weights_are_scikit_learns_alpha(weighted):
    """scikit-learn's lbfgs minimises E + α/(2·Σw)·Σ‖W‖² (kernels only; Σw = N without weights)
    with the sample-weighted mean loss Σ wₙEₙ/Σw: the same search as descend's L2(α/(2·Σw)) on
    every kernel, with the weights rescaled to mean 1 (descend's mean loss divides by N)."""
    X, y = _iris()
    alpha, iterations = 0.5, 15
    w = np.random.default_rng(0).uniform(0.2, 2.0, len(X)) if weighted else np.ones(len(X))
    mlp = MLPClassifier((5,), activation="tanh", solver="lbfgs", alpha=alpha, max_iter=iterations,
                        random_state=0, tol=0.0)
    start = sklearn_lbfgs_start(mlp, X, y, sample_weight=w if weighted else None)
    l2 = regularizers.L2(alpha / (2 * w.sum()))
    model = Sequential([Input(4), Dense(5, activation="tanh", kernel_regularizer=l2),
                        Dense(3, activation="softmax", kernel_regularizer=l2)], seed=0, dtype="float64")
    model.set_weights(start)
    model.compile(optimizer=LBFGS(tol=0.0), loss="sparse_categorical_crossentropy")
    history = model.fit(X, y, epochs=iterations, verbose=0,
                        sample_weight=w * len(X) / w.sum() if weighted else None)
    for ours, theirs in zip(model.get_weights(), [mlp.coefs_[0], mlp.intercepts_[0], mlp.coefs_[1],
                                                   mlp.intercepts_[1]], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-10)
    assert history.history["loss"][-1] == pytest.approx(mlp.loss_, rel=1e-9)   # the penalty included


def test_label_smoothing_is_the_search_on_smoothed_targets():
    """CategoricalCrossentropy(label_smoothing=ε) searches E of the targets y(1 − ε) + ε/K: the
    same iterations as the plain loss on those targets."""
    X, y = _iris()
    onehot = np.eye(3)[y]
    runs = []
    for loss, targets in ((CategoricalCrossentropy(label_smoothing=0.2), onehot),
                          (CategoricalCrossentropy(), onehot * 0.8 + 0.2 / 3)):
        model = _net()
        model.compile(optimizer=LBFGS(tol=0.0), loss=loss)
        runs.append((model.fit(X, targets, epochs=10, verbose=0).history["loss"], model.get_weights()))
    np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=1e-9)
    for a, b in zip(runs[0][1], runs[1][1], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


def test_a_float32_model_searches_to_the_least_squares_answer():
    """The search runs in float64 over the flattened weights; a float32 model evaluates E and ∇E
    in float32 and still ends at the normal equation's answer, to float32's precision."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((100, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.3 + 0.1 * rng.standard_normal(100)
    model = Sequential([Input(3), Dense(1)], seed=1, dtype="float32")
    model.compile(optimizer=LBFGS(tol=1e-6), loss="mse")
    model.fit(X, y, epochs=100, verbose=0)
    kernel, bias = model.get_weights()
    assert kernel.dtype == np.float32 and model.optimizer.result.success
    exact = np.linalg.lstsq(np.hstack([X, np.ones((100, 1))]), y, rcond=None)[0]
    np.testing.assert_allclose(np.r_[kernel[:, 0], bias], exact, atol=1e-5)


def test_weighted_least_squares_in_closed_form():
    """A linear unit under mse with sample weights: the search ends at the weighted normal
    equation's answer, (XᵀWX)⁻¹XᵀWy, not the unweighted one."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.3 + rng.standard_normal(80)
    w = rng.uniform(0.0, 3.0, 80)
    model = Sequential([Input(3), Dense(1)], seed=1, dtype="float64")
    model.compile(optimizer=LBFGS(tol=1e-12, ftol=0.0), loss="mse")
    model.fit(X, y, epochs=100, sample_weight=w, verbose=0)
    Xd = np.hstack([X, np.ones((80, 1))])
    exact = np.linalg.solve(Xd.T @ (w[:, None] * Xd), Xd.T @ (w * y))
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(np.r_[kernel[:, 0], bias], exact, rtol=1e-7)
    unweighted = np.linalg.lstsq(Xd, y, rcond=None)[0]
    assert np.abs(np.r_[kernel[:, 0], bias] - unweighted).max() > 1e-2


def test_an_epoch_is_an_iteration_with_metrics_validation_and_callbacks():
    X, y = _iris(shuffled=True)
    seen = []

    class Spy(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((epoch, self.model.get_weights()[0].copy(), dict(logs)))

    model = _net()
    model.compile(optimizer="lbfgs", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(X, y, epochs=8, validation_split=0.2, callbacks=[Spy()], verbose=0)
    assert [e for e, _, _ in seen] == list(range(8)) and model.optimizer.iterations == 8
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    # the epoch's loss is E at the weights reached, which the model holds when the callback runs
    last_loss = model.evaluate(X[:120], y[:120], return_dict=True)["loss"]
    assert history.history["loss"][-1] == pytest.approx(last_loss, rel=1e-12)
    assert not np.array_equal(seen[0][1], seen[-1][1])
    assert all(b < a for a, b in zip(history.history["loss"], history.history["loss"][1:], strict=False))


def test_early_stopping_ends_the_search():
    X, y = _iris()
    model = _net()
    model.compile(optimizer="lbfgs", loss="sparse_categorical_crossentropy")
    stop = callbacks.EarlyStopping(monitor="loss", min_delta=10.0, patience=2)
    history = model.fit(X, y, epochs=100, callbacks=[stop], verbose=0)
    assert len(history.history["loss"]) == 3 and model.optimizer.iterations == 3


def test_early_stopping_on_validation_data_puts_back_the_best_iteration():
    """validation_data is evaluated at every iteration's weights; EarlyStopping on val_loss with
    restore_best_weights ends the search and leaves the weights of the lowest val_loss."""
    X, y = _iris(shuffled=True)
    seen = []

    class Keep(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(self.model.get_weights())

    model = _net(hidden=8)
    model.compile(optimizer=LBFGS(tol=0.0), loss="sparse_categorical_crossentropy")
    stop = callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    history = model.fit(X[:30], y[:30], epochs=300, validation_data=(X[30:], y[30:]),
                        callbacks=[Keep(), stop], verbose=0)
    val = history.history["val_loss"]
    best = int(np.argmin(val))
    assert len(val) == best + 3 < 300            # stopped two iterations after the best
    for ours, kept in zip(model.get_weights(), seen[best], strict=True):
        np.testing.assert_array_equal(ours, kept)
    assert model.evaluate(X[30:], y[30:]) == pytest.approx(val[best], rel=1e-12)


def test_the_search_stops_when_it_converges_and_a_second_fit_goes_on():
    X, y = _iris()
    model = _net(hidden=3)
    model.compile(optimizer=LBFGS(tol=1e-3), loss="sparse_categorical_crossentropy")
    first = model.fit(X, y, epochs=500, verbose=0)
    assert len(first.history["loss"]) < 500 and model.optimizer.result.status == 0
    before = first.history["loss"][-1]
    model.compile(optimizer=LBFGS(tol=0.0), loss="sparse_categorical_crossentropy")
    model.fit(X, y, epochs=5, verbose=0)
    assert model.history.history["loss"][-1] < before


def test_callbacks_see_each_iteration_begin_and_end_once():
    """Every iteration is one epoch of one batch, begun with its first evaluation and ended with
    its result: a search that converges leaves no epoch begun and never ended (the next epoch
    was announced after each iteration, so a converged search began one it never ended)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    events = []

    class Spy(callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            events.append(("epoch_begin", epoch))

        def on_epoch_end(self, epoch, logs=None):
            events.append(("epoch_end", epoch))

        def on_batch_begin(self, batch, logs=None):
            events.append(("batch_begin", batch))

        def on_batch_end(self, batch, logs=None):
            events.append(("batch_end", batch))

    model = Sequential([Input(3), Dense(1)], seed=0, dtype="float64")
    model.compile(optimizer="lbfgs", loss="mse")
    history = model.fit(X, X[:, 0], epochs=50, callbacks=[Spy()], verbose=0)
    n = len(history.history["loss"])
    assert model.optimizer.result.status == 0 and n < 50          # converged before the epochs ran out
    assert events == [e for k in range(n) for e in (("epoch_begin", k), ("batch_begin", 0),
                                                    ("batch_end", 0), ("epoch_end", k))]


class _Events(callbacks.Callback):
    """Every epoch and batch hook, in order."""

    def __init__(self):
        super().__init__()
        self.events = []

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch))

    def on_batch_begin(self, batch, logs=None):
        self.events.append(("batch_begin", batch))

    def on_batch_end(self, batch, logs=None):
        self.events.append(("batch_end", batch))


def test_a_start_that_meets_tol_begins_no_epoch():
    """scipy evaluates the start and stops: no iteration, so no epoch — before, the start's
    evaluation began epoch 0 (on_epoch_begin, on_batch_begin) and nothing ended it."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    model = Sequential([Input(3), Dense(1)], seed=0, dtype="float64")
    model.compile(optimizer="lbfgs", loss="mse")
    model.fit(X, X[:, 0], epochs=50, verbose=0)              # converges: the gradient meets tol
    before, trained = model.get_weights(), model.epochs_trained
    spy = _Events()
    history = model.fit(X, X[:, 0], epochs=50, callbacks=[spy], verbose=0)
    result = model.optimizer.result
    assert (result.nit, result.nfev, result.status) == (0, 1, 0)     # converged at the start
    assert spy.events == [] and history.history == {} and model.epochs_trained == trained
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_search_that_ends_inside_a_line_search_ends_the_epoch_it_began(monkeypatch):
    """scipy may give up in a line search (ABNORMAL_TERMINATION_IN_LNSRCH) after evaluations
    that began an epoch and without an iteration to end it: the epoch ends at the weights scipy
    returns (the last iterate's), with no step counted."""
    from scipy.optimize import OptimizeResult

    X, y = _iris()
    model = _net()
    model.compile(optimizer="lbfgs", loss="sparse_categorical_crossentropy")
    optimizer = model.optimizer

    def gives_up(objective, x0, max_iter, callback=None):    # the start, one trial step, then stop
        f0, _ = objective(x0)
        objective(x0 + 0.5)
        optimizer.result = OptimizeResult(x=x0, fun=f0, nit=0, nfev=2, status=2,
                                          message="ABNORMAL_TERMINATION_IN_LNSRCH")
        return optimizer.result

    monkeypatch.setattr(optimizer, "minimize", gives_up)
    before = model.get_weights()
    spy = _Events()
    history = model.fit(X, y, epochs=5, callbacks=[spy], verbose=0)
    assert spy.events == [("epoch_begin", 0), ("batch_begin", 0), ("batch_end", 0), ("epoch_end", 0)]
    assert history.history["loss"] == [pytest.approx(model.evaluate(X, y))]
    assert optimizer.iterations == 0 and model.epochs_trained == 1
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_max_fun_ends_the_search_with_a_warning():
    X, y = _iris()
    model = _net()
    model.compile(optimizer=LBFGS(max_fun=4, tol=0.0), loss="sparse_categorical_crossentropy")
    with pytest.warns(RuntimeWarning, match="max_fun=4"):
        history = model.fit(X, y, epochs=50, verbose=0)
    assert model.optimizer.result.nfev >= 4 and len(history.history["loss"]) < 50


def test_what_lbfgs_refuses():
    X, y = _iris()
    model = _net()
    model.compile(optimizer="lbfgs", loss="sparse_categorical_crossentropy")
    with pytest.raises(TypeError, match="model.fit"):
        model.train_on_batch(X, y)
    dropping = Sequential([Input(4), Dense(5, activation="tanh"), Dropout(0.2),
                           Dense(3, activation="softmax")], seed=0)
    dropping.compile(optimizer="lbfgs", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="Dropout"):
        dropping.fit(X, y, epochs=2, verbose=0)
    for bad, match in [({"max_fun": 0}, "max_fun"), ({"tol": -1.0}, "tol"), ({"memory": 0}, "memory"),
                       ({"learning_rate": 0.1}, "learning_rate")]:
        with pytest.raises((TypeError, ValueError), match=match):
            LBFGS(**bad)


@pytest.mark.parametrize("keyword", [{"use_ema": True}, {"gradient_accumulation_steps": 2},
                                     {"ema_momentum": 0.5}, {"clipnorm": 1.0}, {"weight_decay": 0.1}])
def test_the_per_update_keywords_of_gradient_descent_are_refused_by_name(keyword):
    # Keras's base-optimizer keywords mean nothing to a line search: a TypeError naming the
    # keyword and listing what L-BFGS takes (before: Python's bare "unexpected keyword argument")
    (name,) = keyword
    accepted = r"expected some of \['flavor', 'ftol', 'max_fun', 'memory', 'tol'\]"
    with pytest.raises(TypeError, match=rf"LBFGS: unexpected keyword argument\(s\) \['{name}'\].*{accepted}"):
        LBFGS(**keyword)


def test_a_loss_that_is_not_finite_at_the_start_is_a_divergence():
    model = Sequential([Input(1), Dense(1)], seed=0, dtype="float64")
    model.compile(optimizer="lbfgs", loss="mse")
    with pytest.raises(DivergenceError):
        model.fit(np.array([[1e300], [2e300]]), np.array([0.0, 1.0]), epochs=3, verbose=0)


def test_by_name_config_and_a_saved_model(tmp_path):
    assert isinstance(optimizers.get("LBFGS"), LBFGS)
    opt = LBFGS(max_fun=321, tol=1e-6, memory=4)
    again = optimizers.get(optimizers.serialize(opt))
    assert isinstance(again, LBFGS) and again.get_config() == opt.get_config()
    X, y = _iris()
    model = _net()
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy")
    model.fit(X, y, epochs=3, verbose=0)
    loaded = load_model(model.save(tmp_path / "m"))
    assert isinstance(loaded.optimizer, LBFGS) and loaded.optimizer.get_config() == opt.get_config()
    assert loaded.optimizer.iterations == 3
    loaded.fit(X, y, epochs=5, initial_epoch=3, verbose=0)
    assert loaded.optimizer.iterations == 5 and len(loaded.history.history["loss"]) == 5
