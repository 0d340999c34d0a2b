"""descend.sklearn: scikit-learn's own estimator checks, meta-estimators on real data, and the
estimators' promises (reproducibility, equivalence with a hand-built Sequential, partial_fit,
early stopping, every lecture option reaching the network, errors naming the parameter)."""
import math
import pickle
import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from descend import Dense, DivergenceError, Input, Sequential, datasets
from descend.initializers import RandomUniform
from descend.losses import MeanSquaredError, SparseCategoricalCrossentropy
from descend.optimizers import SGD, Adam
from descend.schedules import ExponentialDecay
from descend.sklearn import MLPClassifier, MLPRegressor
from oracles import sklearn_lbfgs_start

# a fit that runs all its epochs warns as scikit-learn's does; the tests that mean it say so
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# ----------------------------------------------------------------------------------------------
# scikit-learn's estimator checks
#
# Small networks and few epochs keep the ~500 fits fast. The instances cover float64, float32 and
# the default (the input's float dtype, as scikit-learn's MLP: the checks' float64 data computed in
# float64, so a subset of the rows predicts what the whole did — with float32 arithmetic the
# matrix products round differently with the batch, and check_methods_subset_invariance failed at
# the default 100 hidden units), the three kinds of gradient descent, an SGD-family, an adaptive
# optimizer, a schedule, clipping, L2, early stopping, the slides' squared error on one-hot
# classes, and several random_states (scikit-learn sets random_state=0 itself in the checks
# that compare two fits; the others run with each instance's own seed).
#
# Checks that scikit-learn does not generate for these estimators, and why none applies:
# - check_class_weight_*: no class_weight parameter;
# - check_decision_proba_consistency: there is no decision_function (and the multilabel
#   decision_function check, which scikit-learn generates and then skips, asserts it);
# - check_non_transformer_estimators_n_iter: the parameter is ``epochs`` (Keras), not max_iter;
#   ``n_iter_`` is still set, and tested below.
# scikit-learn skips its pandas checks when pandas is absent (it is a test dependency here) and
# its array-API check unless SCIPY_ARRAY_API=1: with NumPy as the namespace that check needs
# nothing else, so the test sets the variable for it and it runs.
# ----------------------------------------------------------------------------------------------
CHECKED = [
    MLPClassifier((8,), learning_rate=0.05, epochs=30, dtype="float64", random_state=0),
    MLPRegressor((8,), learning_rate=0.05, epochs=30, dtype="float64", random_state=0),
    MLPClassifier((6, 4), optimizer="nag", learning_rate=0.1, batch_size=None, epochs=100,
                  early_stopping=True, validation_fraction=0.2, n_iter_no_change=20, dtype="float32",
                  random_state=1),
    MLPRegressor((8,), activation="tanh", optimizer="rmsprop",
                 schedule=ExponentialDecay(0.02, 50, 0.9), l2=1e-4, clipnorm=5.0, batch_size=16,
                 epochs=30, random_state=2),
    MLPClassifier(epochs=10, random_state=3),
    MLPRegressor(epochs=20, random_state=4),
    MLPClassifier((8,), loss="squared_error", optimizer="momentum", learning_rate=0.05, epochs=30,
                  random_state=5),
    # scikit-learn's own instances for check_sample_weight_equivalence_on_dense_data
    # (PER_ESTIMATOR_CHECK_PARAMS in sklearn/utils/_test_common/instance_generator.py, on top of its
    # max_iter=100): solver="lbfgs", and solver="sgd" with tol=1e-2 — full-batch SGD there (its
    # batch_size "auto" is min(200, n)), as here, where the check's 15 rows and their 27 repeats
    # each fit in one batch of 32
    MLPClassifier(optimizer="lbfgs", epochs=100, random_state=6),
    MLPRegressor(optimizer="sgd", tol=1e-2, epochs=100, random_state=42),
]


def expected_failed_checks(estimator):
    """Checks that do not pass, with the reason (scikit-learn marks them xfail, not skip)."""
    failed = {}
    # A weight of 2 is a repeated sample in the loss (scikit-learn's Σ w·E / Σ w over each batch),
    # so the check passes where the two fits see the same batches; not where they cannot:
    if estimator.early_stopping:
        failed["check_sample_weight_equivalence_on_dense_data"] = (
            "the held-out part is drawn from the rows: the 15 weighted rows and their 27 repeats split "
            "differently (scikit-learn's MLP does not weigh its split either)")
    elif estimator.batch_size is not None and estimator.batch_size < 27:
        failed["check_sample_weight_equivalence_on_dense_data"] = (
            "mini-batch GD: the 15 weighted rows are one batch, their 27 repeats two, so the updates "
            "differ (scikit-learn's own instance for this check is full-batch)")
    if estimator.early_stopping:   # these checks call partial_fit
        for check in ("check_estimators_partial_fit_n_features", "check_fit_score_takes_y",
                      "check_n_features_in_after_fitting"):
            failed[check] = "partial_fit refuses early_stopping=True, as scikit-learn's MLP does"
    return failed


@parametrize_with_checks(CHECKED, expected_failed_checks=expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check, monkeypatch):
    name = getattr(check, "func", check).__name__
    if name.startswith("check_array_api"):
        monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    if name == "check_classifiers_multilabel_output_format_decision_function":
        # scikit-learn skips it for an estimator without decision_function (as its own MLP)
        assert not hasattr(estimator, "decision_function")
        return
    check(estimator)


# ----------------------------------------------------------------------------------------------
# meta-estimators on real data
# ----------------------------------------------------------------------------------------------
def test_pipeline_on_iris():
    X, y = datasets.load_iris()
    pipe = make_pipeline(StandardScaler(), MLPClassifier((16,), learning_rate=0.01, epochs=60,
                                                         random_state=0))
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.95
    assert pipe.predict_proba(X[:3]).shape == (3, 3)


def test_cross_val_score_on_breast_cancer():
    X, y = datasets.load_breast_cancer()
    pipe = make_pipeline(StandardScaler(), MLPClassifier((8,), epochs=20, random_state=0))
    scores = cross_val_score(pipe, X, y, cv=StratifiedKFold(3, shuffle=True, random_state=0))
    assert scores.shape == (3,) and scores.min() > 0.9


def test_grid_search_over_optimizers_and_kinds_of_gd_on_diabetes():
    X, y = datasets.load_diabetes()
    y = (y - y.mean()) / y.std()
    grid = [{"optimizer": ["sgd"], "momentum": [0.0, 0.9], "batch_size": [None, 32]},
            {"optimizer": ["adam"], "learning_rate": [0.01], "beta_1": [0.9]}]
    search = GridSearchCV(MLPRegressor((8,), epochs=30, learning_rate=0.01, random_state=0),
                          grid, cv=KFold(3), error_score="raise")
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 5
    assert search.best_score_ > 0.3
    assert search.best_estimator_.n_iter_ == 30


def test_grid_search_in_a_pipeline_over_layers_and_activation():
    X, y = datasets.load_iris()
    pipe = make_pipeline(StandardScaler(), MLPClassifier(epochs=40, learning_rate=0.02, random_state=0))
    search = GridSearchCV(pipe, {"mlpclassifier__hidden_layer_sizes": [(), (8,)],
                                 "mlpclassifier__activation": ["relu", "tanh"]}, cv=3)
    search.fit(X, y)
    assert search.best_score_ > 0.85


# ----------------------------------------------------------------------------------------------
# the estimator is the engine: same seed, same numbers
# ----------------------------------------------------------------------------------------------
def _regression(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=n)


@pytest.mark.parametrize("batch_size", [None, 1, 16])
def test_regressor_equals_a_hand_built_sequential(batch_size):
    X, y = _regression()
    est = MLPRegressor((5,), activation="tanh", optimizer="sgd", learning_rate=0.05, momentum=0.9,
                       kernel_initializer="glorot_uniform", bias_initializer="zeros",   # Keras's Dense
                       batch_size=batch_size, epochs=4, dtype="float64", random_state=7).fit(X, y)
    # the estimator's loss is mse as a weighted average (scikit-learn's sample weights); without
    # weights it is Keras's mse, the same steps bit for bit
    keras = Sequential([Input(3), Dense(5, "tanh"), Dense(1)], dtype="float64", seed=7)
    keras.compile(optimizer=SGD(learning_rate=0.05, momentum=0.9), loss="mse")
    keras.fit(X, y, epochs=4, batch_size=batch_size, verbose=0)
    model = Sequential([Input(3), Dense(5, "tanh"), Dense(1)], dtype="float64", seed=7)
    model.compile(optimizer=SGD(learning_rate=0.05, momentum=0.9),
                  loss=MeanSquaredError(reduction="mean_with_sample_weight"))
    history = model.fit(X, y, epochs=4, batch_size=batch_size, verbose=0)
    for a, b, c in zip(est.model_.get_weights(), model.get_weights(), keras.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    assert est.loss_curve_ == history.history["loss"]
    assert est.model_.optimizer.iterations == model.optimizer.iterations
    assert est.t_ == 4 * len(X)           # samples seen, scikit-learn's t_


def test_same_random_state_same_fit_and_none_records_its_seed():
    X, y = datasets.load_iris()
    a = MLPClassifier((8,), epochs=5, random_state=3).fit(X, y)
    b = MLPClassifier((8,), epochs=5, random_state=3).fit(X, y)
    for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert a.seed_ == 3
    free = MLPClassifier((8,), epochs=5).fit(X, y)
    again = MLPClassifier((8,), epochs=5, random_state=free.seed_).fit(X, y)
    np.testing.assert_array_equal(free.predict_proba(X), again.predict_proba(X))
    drawn = MLPClassifier((8,), epochs=1, random_state=np.random.RandomState(0)).fit(X, y)
    assert isinstance(drawn.seed_, int)


def test_partial_fit_equals_fit_epoch_by_epoch():
    X, y = datasets.load_iris()
    full = MLPClassifier((8,), epochs=3, random_state=1).fit(X, y)
    inc = MLPClassifier((8,), epochs=3, random_state=1)
    for _ in range(3):
        inc.partial_fit(X, y, classes=[0, 1, 2])
    for a, b in zip(full.model_.get_weights(), inc.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert inc.n_iter_ == 3 and inc.loss_curve_ == full.loss_curve_


def test_warm_start_continues_where_fit_stopped():
    X, y = _regression()
    full = MLPRegressor((4,), epochs=4, random_state=2).fit(X, y)
    warm = MLPRegressor((4,), epochs=2, warm_start=True, random_state=2).fit(X, y).fit(X, y)
    for a, b in zip(full.model_.get_weights(), warm.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    # n_iter_ counts the epochs of the last fit (scikit-learn's); the curves and t_ continue
    assert warm.n_iter_ == 2 and warm.loss_curve_ == full.loss_curve_ and warm.t_ == full.t_ == 4 * 60
    stopped = MLPRegressor((4,), epochs=3, warm_start=True, early_stopping=True, random_state=2)
    assert stopped.fit(X, y).fit(X, y).n_iter_ == 3 and len(stopped.validation_loss_curve_) == 6
    cold = MLPRegressor((4,), epochs=2, random_state=2).fit(X, y)
    first = cold.loss_curve_[:]
    assert cold.fit(X, y).loss_curve_ == first  # without warm_start, fit starts afresh


def test_partial_fit_errors_and_regressor_partial_fit():
    X, y = datasets.load_iris()
    with pytest.raises(ValueError, match="classes"):
        MLPClassifier().partial_fit(X, y)
    clf = MLPClassifier((4,), random_state=0).partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    assert clf.predict_proba(X).shape == (150, 3)  # a class not yet seen still has its column
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"y: `y` has classes not in `self.classes_`. `self.classes_` "
                                         r"has \[0 1 2\]. 'y' has \[0 7\]."):
        clf.partial_fit(X[:2], [7, 0])
    Xr, yr = _regression()
    reg = MLPRegressor((4,), random_state=0).partial_fit(Xr, yr).partial_fit(Xr, yr)
    assert reg.n_iter_ == 2 and reg.predict(Xr).shape == (60,)
    with pytest.raises(ValueError, match="target column"):
        reg.partial_fit(Xr, np.c_[yr, yr])


# ----------------------------------------------------------------------------------------------
# classifier and regressor specifics
# ----------------------------------------------------------------------------------------------
def test_binary_classifier_with_string_labels():
    X, y = datasets.load_breast_cancer()
    X = StandardScaler().fit_transform(X)
    labels = np.where(y == 1, "benign", "malignant")
    clf = MLPClassifier((8,), epochs=20, random_state=0).fit(X, labels)
    assert list(clf.classes_) == ["benign", "malignant"]
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 1
    assert clf.model_.loss.name == "binary_crossentropy"
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, labels) > 0.95
    assert "accuracy" in clf.history_


def test_multiclass_classifier_uses_softmax_and_sparse_crossentropy():
    X, y = datasets.load_iris()
    clf = MLPClassifier((8,), epochs=5, random_state=0).fit(X, y + 10)
    assert clf.out_activation_ == "softmax" and clf.n_outputs_ == 3
    assert clf.model_.loss.name == "sparse_categorical_crossentropy"
    assert set(clf.predict(X)) <= {10, 11, 12}
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X[:5])), clf.predict_proba(X[:5]))


def test_one_class_is_an_error_that_says_so():
    with pytest.raises(ValueError, match="at least 2 classes, got 1 class"):
        MLPClassifier().fit(np.ones((5, 2)), np.zeros(5))


def test_regressor_multi_output_shapes_and_r2():
    X, y = _regression()
    Y = np.c_[y, -y]
    reg = MLPRegressor((16,), learning_rate=0.01, epochs=100, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (60, 2) and reg.n_outputs_ == 2
    assert reg.score(X, Y) > 0.9
    assert MLPRegressor((4,), epochs=1, random_state=0).fit(X, y[:, None]).predict(X).shape == (60, 1)
    assert MLPRegressor((4,), epochs=1, random_state=0).fit(X, y).predict(X).shape == (60,)


@pytest.mark.parametrize("loss,learning_rate", [("mse", 0.1), ("squared_error", 0.005),
                                                ("sum_squared_error", 0.0025)])
def test_regressor_losses(loss, learning_rate):
    # the slides' sums grow with the batch (here N = 60): the same step needs a rate ~1/N as large
    X, y = _regression()
    reg = MLPRegressor((), optimizer="sgd", learning_rate=learning_rate, loss=loss, batch_size=None,
                       epochs=200, random_state=0).fit(X, y)
    assert reg.model_.loss.name == loss and reg.score(X, y) > 0.9


# ----------------------------------------------------------------------------------------------
# every option reaches the network
# ----------------------------------------------------------------------------------------------
def test_options_reach_layers_and_optimizer():
    X, y = _regression()
    reg = MLPRegressor((5, 3), activation="elu", kernel_initializer="he_normal", bias_initializer="ones",
                       optimizer="adam", learning_rate=0.003, beta_1=0.8, beta_2=0.99, epsilon=1e-6,
                       optimizer_params={"amsgrad": True}, flavor="keras", weight_decay=0.01,
                       global_clipnorm=1.0, l1=1e-4, l2=1e-3, dtype="float64", epochs=2,
                       random_state=0).fit(X, y)
    hidden = reg.model_.layers[0]
    assert [layer.units for layer in reg.model_.layers] == [5, 3, 1]
    assert hidden.activation.name == "elu" and type(hidden.kernel_initializer).__name__ == "HeNormal"
    assert hidden.kernel_regularizer.get_config() == {"l1": 1e-4, "l2": 1e-3}
    opt = reg.model_.optimizer
    assert isinstance(opt, Adam) and opt.flavor == "keras" and opt.amsgrad
    assert (opt.learning_rate, opt.beta_1, opt.beta_2, opt.epsilon) == (0.003, 0.8, 0.99, 1e-6)
    assert (opt.weight_decay, opt.global_clipnorm) == (0.01, 1.0)
    assert reg.model_.dtype == np.float64 and [c.shape for c in reg.coefs_] == [(3, 5), (5, 3), (3, 1)]


@pytest.mark.parametrize("batch_size,updates_per_epoch", [(None, 1), (1, 60), (16, 4)])
def test_batch_size_is_the_kind_of_gradient_descent(batch_size, updates_per_epoch):
    X, y = _regression()
    reg = MLPRegressor((3,), batch_size=batch_size, epochs=2, random_state=0).fit(X, y)
    assert reg.model_.optimizer.iterations == 2 * updates_per_epoch and reg.n_iter_ == 2
    assert reg.t_ == 2 * len(X)


def test_schedule_sets_the_learning_rate_per_step():
    X, y = _regression()
    reg = MLPRegressor((3,), optimizer="sgd", schedule={"class_name": "ExponentialDecay", "config": {
        "initial_learning_rate": 0.1, "decay_steps": 1, "decay_rate": 0.5}}, batch_size=None,
        epochs=3, random_state=0).fit(X, y)
    np.testing.assert_allclose(reg.history_["learning_rate"], [0.05, 0.025, 0.0125])


def test_optimizer_instance_is_copied_not_trained():
    X, y = _regression()
    opt = SGD(learning_rate=0.01, momentum=0.5)
    reg = MLPRegressor((3,), optimizer=opt, epochs=2, random_state=0).fit(X, y)
    assert opt.iterations == 0 and reg.model_.optimizer is not opt and reg.model_.optimizer.momentum == 0.5


def test_early_stopping_stops_and_restores_the_best_weights():
    X, y = datasets.load_breast_cancer()
    X = StandardScaler().fit_transform(X)
    clf = MLPClassifier((32,), learning_rate=0.01, epochs=300, early_stopping=True, n_iter_no_change=5,
                        random_state=0).fit(X, y)
    assert 5 < clf.n_iter_ < 300
    assert len(clf.validation_loss_curve_) == clf.n_iter_
    assert clf.best_validation_loss_ == min(clf.validation_loss_curve_)
    assert MLPClassifier((4,), epochs=2, random_state=0).fit(X, y).validation_loss_curve_ is None


def test_verbose_two_prints_one_line_per_epoch(capsys):
    X, y = _regression()
    MLPRegressor((3,), epochs=3, verbose=2, random_state=0).fit(X, y)
    assert capsys.readouterr().out.count("Epoch ") == 3


# ----------------------------------------------------------------------------------------------
# scikit-learn conventions and clear errors
# ----------------------------------------------------------------------------------------------
def test_get_set_params_clone_and_pickle():
    X, y = datasets.load_iris()
    clf = MLPClassifier((8,), optimizer="sgd", momentum=0.9, epochs=3, random_state=0)
    params = clf.get_params()
    assert params["momentum"] == 0.9 and params["optimizer"] == "sgd" and "learning_rate" in params
    assert clone(clf).set_params(momentum=0.5).get_params()["momentum"] == 0.5
    clf.fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_unfitted_estimator_raises_not_fitted():
    with pytest.raises(NotFittedError):
        MLPRegressor().predict(np.ones((2, 2)))
    assert not hasattr(MLPClassifier(), "coefs_")


@pytest.mark.parametrize("params,match", [
    ({"hidden_layer_sizes": (4, 0)}, "hidden_layer_sizes: expected a positive int"),
    ({"hidden_layer_sizes": "big"}, "hidden_layer_sizes"),
    ({"activation": "swish"}, "activation"),
    ({"kernel_initializer": "nope"}, "kernel_initializer"),
    ({"optimizer": "newton"}, "optimizer: expected one of"),
    ({"momentum": 0.9}, "momentum: optimizer 'adam' has no keyword 'momentum'"),
    ({"optimizer": "sgd", "momentum": 2.0}, "momentum"),
    ({"optimizer_params": {"centered": True}}, "optimizer_params: optimizer 'adam' has no keyword"),
    ({"optimizer_params": {"beta_1": 0.5}}, "optimizer_params: .*beta_1"),
    ({"optimizer_params": ["amsgrad"]}, "optimizer_params: expected a dict"),
    ({"schedule": ExponentialDecay(0.1, 10, 0.9), "learning_rate": 0.1},
     "schedule: .*learning_rate must be None"),
    ({"schedule": 3}, "schedule"),
    ({"optimizer": SGD(), "learning_rate": 0.1}, "optimizer: an Optimizer instance"),
    ({"flavor": "jax"}, "flavor"),
    ({"clipnorm": 1.0, "clipvalue": 1.0}, "clipnorm, clipvalue"),
    ({"l2": -1.0}, "l2: expected a finite number"),
    ({"batch_size": 0}, "batch_size"),
    ({"epochs": 0}, "epochs: expected an integer >= 1"),
    ({"shuffle": "yes"}, "shuffle"),
    ({"early_stopping": True, "validation_fraction": 1.0}, "validation_fraction"),
    ({"n_iter_no_change": 0}, "n_iter_no_change"),
    ({"tol": -1}, "tol"),
    ({"dtype": "float16"}, "dtype"),
    ({"random_state": -1}, "random_state"),
    ({"verbose": -1}, "verbose"),
    ({"loss": "binary_crossentropy"}, "loss: expected one of"),
])
def test_bad_parameters_fail_at_fit_naming_the_parameter(params, match):
    X, y = _regression(10)
    reg = MLPRegressor(**{"epochs": 1, **params})  # __init__ never validates
    with pytest.raises((ValueError, TypeError), match=match):
        reg.fit(X, y)


def test_early_stopping_on_too_few_samples_names_validation_fraction():
    reg = MLPRegressor(early_stopping=True)
    with pytest.raises(ValueError, match="validation_fraction: .*1 sample"):
        reg.fit(np.ones((1, 2)), [1.0])
    with pytest.raises(NotFittedError):  # a failed fit leaves no half-fitted estimator
        reg.predict(np.ones((1, 2)))


def test_numpy_scalars_are_parameters():
    X, y = _regression(20)
    numpy_params = {"hidden_layer_sizes": (np.int64(4),), "epochs": np.int64(2), "l2": np.float32(1e-3),
                    "tol": np.float64(1e-4), "shuffle": np.bool_(True), "verbose": np.int64(0),
                    "random_state": np.int64(3)}
    plain = {k: (tuple(int(u) for u in v) if isinstance(v, tuple) else v.item())
             for k, v in numpy_params.items()}
    a = MLPRegressor(**numpy_params).fit(X, y)
    b = MLPRegressor(**plain).fit(X, y)
    assert a.n_iter_ == 2 and a.seed_ == 3
    for u, v in zip(a.coefs_, b.coefs_, strict=True):
        np.testing.assert_array_equal(u, v)


# ----------------------------------------------------------------------------------------------
# precision: the input's float dtype, as scikit-learn's MLP
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("given, computed", [(np.float64, np.float64), (np.float32, np.float32),
                                             (np.int64, np.float64)])
def test_the_network_computes_in_the_input_float_dtype(given, computed):
    X, y = datasets.load_iris()
    X = (X * 10).astype(given)
    clf = MLPClassifier((4,), epochs=2, random_state=0).fit(X, y)
    assert clf.model_.dtype == computed and clf.coefs_[0].dtype == computed
    assert clf.predict_proba(X).dtype == np.float64
    # a fixed dtype is kept whatever comes in, and later data follows the network's dtype
    assert MLPClassifier((4,), epochs=1, dtype="float32", random_state=0).fit(X, y).model_.dtype == np.float32
    clf.set_params(warm_start=True).fit(X.astype(np.float32), y)
    assert clf.model_.dtype == computed


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_predictions_of_a_subset_equal_those_of_the_whole_in_float64(seed):
    rng = np.random.default_rng(seed)
    X = 3 * rng.uniform(size=(20, 3))
    y = X @ [1.0, -2.0, 0.5]
    reg = MLPRegressor(epochs=5, random_state=seed).fit(X, y)   # 100 hidden units, the default
    whole = reg.predict(X)
    assert reg.model_.dtype == np.float64
    one_by_one = np.concatenate([reg.predict(X[i:i + 1]) for i in range(len(X))])
    np.testing.assert_allclose(one_by_one, whole, rtol=1e-12, atol=1e-12)   # float32: 2e-7 apart


# ----------------------------------------------------------------------------------------------
# the classifier's loss: the slides' squared error on one-hot classes
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("loss", ["squared_error", "sum_squared_error", "mse", "categorical_crossentropy"])
def test_classifier_losses_on_several_classes_learn_iris(loss):
    X, y = datasets.load_iris()
    X = StandardScaler().fit_transform(X)
    clf = MLPClassifier((16,), loss=loss, learning_rate=0.01, epochs=60, random_state=0).fit(X, y)
    assert clf.model_.loss.name == loss and clf.n_outputs_ == 3 and clf.out_activation_ == "softmax"
    assert clf.score(X, y) > 0.9
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("loss, outputs", [("squared_error", 1), ("binary_crossentropy", 1),
                                           ("sparse_categorical_crossentropy", 2),
                                           ("categorical_crossentropy", 2)])
def test_classifier_losses_on_two_classes(loss, outputs):
    X, y = datasets.load_breast_cancer()
    X = StandardScaler().fit_transform(X)
    labels = np.array(["benign", "malignant"])[y]
    clf = MLPClassifier((8,), loss=loss, learning_rate=0.01, epochs=10, random_state=0).fit(X, labels)
    assert clf.n_outputs_ == outputs and clf.predict_proba(X).shape == (len(X), 2)
    assert clf.score(X, labels) > 0.9


def test_classifier_loss_with_early_stopping_and_a_bad_loss():
    X, y = datasets.load_iris()
    clf = MLPClassifier((8,), loss="squared_error", early_stopping=True, epochs=5, random_state=0).fit(X, y)
    assert len(clf.validation_loss_curve_) == clf.n_iter_
    with pytest.raises(ValueError, match="loss"):
        MLPClassifier(loss="hinge", epochs=1).fit(X, y)


def test_hidden_layers_beyond_the_memory_limit_are_refused_before_allocating(monkeypatch):
    monkeypatch.delenv("DESCEND_MEMORY_LIMIT", raising=False)
    with pytest.raises(ValueError, match=r"the weights \(100,00[\d,]+ parameters, float(32|64)\) and their "
                                         r"gradients would need [\d.]+ [GT]iB, more than the memory limit"):
        MLPRegressor(hidden_layer_sizes=(10**6, 10**5), epochs=1).fit(np.zeros((4, 2)), np.zeros(4))


# ----------------------------------------------------------------------------------------------
# scikit-learn's MLP semantics (issue 16); the peer's own tests are in test_sklearn_mlp_port.py
# ----------------------------------------------------------------------------------------------
def _held_out(est, X, y):
    """The part the estimator held out for early stopping (the same seed, the same split)."""
    checked = est._check_params(False)
    checked.seed = est.seed_
    encoded = est._encode_targets(y, None, reset=False, partial=False)
    return est._validation_split(X, encoded, None, checked)[3]


def test_best_weights_are_those_of_the_lowest_validation_loss_whatever_tol_says():
    # tol=0.5: no epoch after the first improves by that much, so training stops after
    # 1 + (n_iter_no_change + 1) epochs (scikit-learn's count);
    # the best epoch is still the one with the lowest loss (tol used to pick the first epoch)
    X, y = datasets.load_breast_cancer()
    X = StandardScaler().fit_transform(X)
    clf = MLPClassifier((16,), learning_rate=0.01, epochs=100, early_stopping=True, n_iter_no_change=4,
                        tol=0.5, random_state=0).fit(X, y)
    curve = clf.validation_loss_curve_
    assert clf.n_iter_ == 6 and clf._no_improvement_count == 5
    assert clf.best_validation_loss_ == min(curve) < curve[0]
    held = _held_out(clf, X, y)
    restored = clf.model_.evaluate(held.X, held.y, return_dict=True)["loss"]
    assert restored == pytest.approx(min(curve), rel=1e-12)
    assert clf.best_loss_ is None and clf.best_validation_score_ == max(clf.validation_scores_)
    assert len(clf.validation_scores_) == 6 and clf.loss_ == clf.loss_curve_[-1]


def test_tol_and_n_iter_no_change_stop_on_the_training_loss_without_early_stopping(capsys):
    X, y = _regression()
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # a stop by the rule is not a ConvergenceWarning
        reg = MLPRegressor((4,), epochs=500, tol=10.0, n_iter_no_change=3, verbose=2, random_state=0)
        reg.fit(X, y)
    assert reg.n_iter_ == 5 and reg._no_improvement_count == 4
    assert reg.best_loss_ == min(reg.loss_curve_) and reg.validation_scores_ is None
    lines = capsys.readouterr().out.strip().splitlines()   # the reason comes last, after epoch 5's line
    assert lines[-2].startswith("Epoch 5/500")
    assert lines[-1] == ("Training loss did not improve more than tol=10.000000 for 3 consecutive epochs. "
                         "Stopping.")
    with pytest.warns(ConvergenceWarning, match="hasn't converged"):
        never = MLPRegressor((4,), epochs=7, tol=10.0, n_iter_no_change=np.inf, random_state=0).fit(X, y)
    assert never.n_iter_ == 7 and never._no_improvement_count == 6


def test_warm_start_on_other_classes_is_refused_as_scikit_learn_does():
    X, y = datasets.load_iris()
    clf = MLPClassifier((4,), epochs=2, warm_start=True, random_state=0).fit(X, y)
    message = ("warm_start can only be used where `y` has the same classes as in the previous call to "
               "fit. Previously got [0 1 2], `y` has [0 1]")
    with pytest.raises(ValueError, match=re.escape(message)):
        clf.fit(X[y < 2], y[y < 2])                 # a subset of the classes, too
    clf.fit(X[::-1], y[::-1])                       # the same classes, any order: fine
    cold = MLPClassifier((4,), epochs=2, random_state=0).fit(X, y).fit(X[y < 2], y[y < 2])
    assert list(cold.classes_) == [0, 1]            # without warm_start, fit starts afresh


def test_divergence_inside_the_estimator_warns_and_keeps_the_best_weights():
    X, y = _regression()
    X = X * 30
    reg = MLPRegressor((8,), optimizer="sgd", learning_rate=0.02, batch_size=None, epochs=50, random_state=0)
    with pytest.warns(ConvergenceWarning, match="training stopped, it diverged: training diverged"):
        reg.fit(X, y)
    curve = reg.loss_curve_
    assert math.isnan(curve[-1]) and math.isnan(reg.loss_) and len(curve) == reg.n_iter_ >= 3
    assert np.isfinite(reg.predict(X)).all()
    best = int(np.nanargmin(curve))
    assert reg.best_loss_ == curve[best]
    # the weights kept are those after the best epoch: its loss, recomputed, is below the last finite one
    assert reg.model_.evaluate(X, y, return_dict=True)["loss"] < curve[-2]
    with pytest.raises(DivergenceError, match="no weights to keep. The input data may contain large values"):
        MLPRegressor((8,), random_state=0).fit(np.full((10, 2), 1e300), np.arange(10.0))
    # the Keras-shaped Sequential.fit keeps its named error
    with pytest.raises(DivergenceError):
        reg.model_.fit(X, y, epochs=50, batch_size=None, verbose=0)


@pytest.mark.parametrize("batch_size", [None, 16])
def test_sample_weight_is_scikit_learns_weighted_average_per_batch(batch_size):
    # scikit-learn's MLP: each batch's loss is Σ w·E / Σ w (and its gradient so), unlike
    # Sequential.fit's Keras semantics Σ w·E / N, which stay as they are
    X, y = _regression()
    w = np.random.default_rng(1).uniform(0, 2, size=len(y))
    params = {"hidden_layer_sizes": (5,), "optimizer": "sgd", "learning_rate": 0.05, "batch_size": batch_size,
              "kernel_initializer": "glorot_uniform", "bias_initializer": "zeros", "epochs": 3,
              "dtype": "float64", "random_state": 7}
    est = MLPRegressor(**params).fit(X, y, sample_weight=w)
    fits = {}
    for reduction in ("mean_with_sample_weight", "sum_over_batch_size"):
        model = Sequential([Input(3), Dense(5, "relu"), Dense(1)], dtype="float64", seed=7)
        model.compile(optimizer=SGD(learning_rate=0.05), loss=MeanSquaredError(reduction=reduction))
        fits[reduction] = model.fit(X, y, epochs=3, batch_size=batch_size, verbose=0, sample_weight=w), model
    history, model = fits["mean_with_sample_weight"]
    for a, b in zip(est.model_.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert est.loss_curve_ == history.history["loss"]
    keras = fits["sum_over_batch_size"][1]               # Sequential.fit's own default: Keras's Σ w·E / N
    assert not np.allclose(keras.get_weights()[0], est.coefs_[0], rtol=1e-3)
    # a weighted average does not change when every weight is scaled
    scaled = MLPRegressor(**params).fit(X, y, sample_weight=3 * w)
    np.testing.assert_allclose(scaled.predict(X), est.predict(X), rtol=1e-12)
    unweighted = MLPRegressor(**params).fit(X, y)
    assert not np.array_equal(unweighted.coefs_[0], est.coefs_[0])
    with pytest.raises(ValueError, match="sample_weight: expected at least one weight > 0"):
        MLPRegressor(epochs=1).fit(X, y, sample_weight=np.zeros(len(y)))


@pytest.mark.parametrize("Estimator, optimizer", [(MLPClassifier, "lbfgs"), (MLPClassifier, "adam"),
                                                  (MLPRegressor, "sgd"), (MLPRegressor, "lbfgs")])
def test_a_weight_of_two_is_a_repeated_sample(Estimator, optimizer):
    # full batch: integer weights train as the rows repeated that many times (and 0 as the row
    # left out), the property scikit-learn's check_sample_weight_equivalence tests
    X, y = datasets.load_iris()
    X = (X - X.mean(0)) / X.std(0)
    if Estimator is MLPRegressor:
        X, y = X[:, 1:], X[:, 0]
    w = np.random.default_rng(0).integers(0, 4, size=len(y))
    params = {"hidden_layer_sizes": (6,), "optimizer": optimizer, "batch_size": None, "epochs": 20,
              "l2": 1e-3, "tol": 0.0, "dtype": "float64", "random_state": 0}
    weighted = Estimator(**params).fit(X, y, sample_weight=w)
    repeated = Estimator(**params).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    out = "predict_proba" if Estimator is MLPClassifier else "predict"
    np.testing.assert_allclose(getattr(weighted, out)(X), getattr(repeated, out)(X), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-9)


def test_a_batch_of_zero_weights_is_a_step_on_the_penalties_alone():
    # its weighted average is 0 / 0: the batch's data count for nothing, the l2 penalty still
    # pulls (scikit-learn's fit fails there, its weights summing to zero)
    X, y = datasets.load_iris()
    X, y = X[::7][:20], y[::7][:20]
    params = {"hidden_layer_sizes": (4,), "optimizer": "sgd", "learning_rate": 0.1, "l2": 0.01,
              "batch_size": 10, "shuffle": False, "random_state": 0}
    est = MLPClassifier(**params)
    est.partial_fit(X, y, sample_weight=np.r_[np.zeros(10), np.ones(10)], classes=[0, 1, 2])
    hand = MLPClassifier(**params)
    hand.partial_fit(X, y, classes=[0, 1, 2])
    checked = hand._check_params(True)
    checked.dtype = np.dtype(np.float64)
    start = hand._build(checked, 4).get_weights()                  # the network fit starts from
    hand.model_.set_weights([w * (1 - 2 * 0.1 * 0.01) if w.ndim == 2 else w   # w ← w − η·2·l2·w
                             for w in start])
    hand.model_.fit(X[10:], y[10:], batch_size=10, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(est.model_.get_weights(), hand.model_.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert math.isfinite(est.loss_)


@pytest.mark.parametrize("iterations", [3, 20])
def test_lbfgs_with_sample_weight_is_scikit_learns(iterations):
    # From scikit-learn's own start (captured from its call of scipy.optimize.minimize), the
    # classifier with optimizer="lbfgs" and sample weights reaches scikit-learn's weights: the loss
    # Σ w·E / Σ w and the penalty ½·alpha·‖W‖² / Σ w, which is l2 = alpha / (2·Σ w) here
    from sklearn.neural_network import MLPClassifier as SkMLPClassifier

    X, y = datasets.load_iris()
    X = (X - X.mean(0)) / X.std(0)
    w = np.random.default_rng(3).uniform(0.0, 3.0, size=len(y))
    w[:10] = 0.0
    alpha = 1e-2
    theirs = SkMLPClassifier((5,), activation="tanh", solver="lbfgs", alpha=alpha, max_iter=iterations,
                             tol=0.0, random_state=0)
    start = {a.shape: a for a in sklearn_lbfgs_start(theirs, X, y, sample_weight=w)}

    def given(shape, rng, dtype):
        return start[tuple(shape)].astype(dtype)

    ours = MLPClassifier((5,), activation="tanh", optimizer="lbfgs", l2=alpha / (2 * w.sum()), tol=0.0,
                         epochs=iterations, kernel_initializer=given, bias_initializer=given,
                         dtype="float64", random_state=0).fit(X, y, sample_weight=w)
    assert ours.n_iter_ == theirs.n_iter_ == iterations
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-9)
    assert isinstance(ours.model_.loss, SparseCategoricalCrossentropy)
    assert ours.model_.loss.reduction == "mean_with_sample_weight"


def test_sample_weight_with_early_stopping_is_split_with_the_samples():
    X, y = datasets.load_iris()
    w = np.where(y == 2, 0.0, 1.0)                  # class 2 weighs nothing, in training and validation
    clf = MLPClassifier((8,), epochs=3, early_stopping=True, validation_fraction=0.2, random_state=0)
    clf.fit(X, y, sample_weight=w)
    held = _held_out(clf, X, y)
    pred = clf.classes_[clf._decide(clf.model_.predict(held.X))]
    kept = held.y != 2
    assert clf.validation_scores_[-1] == pytest.approx(np.mean(pred[kept] == held.y[kept]))


def test_multilabel_classification():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    Y = np.c_[X[:, 0] > 0, X[:, 1] + X[:, 2] > 0, X[:, 3] > 0.5].astype(np.int64)
    clf = MLPClassifier((16,), learning_rate=0.02, epochs=150, random_state=0).fit(X, Y)
    assert list(clf.classes_) == [0, 1, 2] and clf.n_outputs_ == 3 and clf.out_activation_ == "logistic"
    assert clf.model_.loss.name == "binary_crossentropy"
    proba = clf.predict_proba(X)
    assert proba.shape == (120, 3) and not np.allclose(proba.sum(axis=1), 1.0)
    pred = clf.predict(X)
    assert pred.dtype == Y.dtype and set(np.unique(pred)) <= {0, 1}
    np.testing.assert_array_equal(pred, (proba > 0.5).astype(int))
    assert clf.score(X, Y) > 0.9                       # subset accuracy
    inc = MLPClassifier((16,), learning_rate=0.02, random_state=0)
    for _ in range(3):
        inc.partial_fit(X, Y, classes=[0, 1, 2])
    assert inc.n_iter_ == 3 and inc.predict(X).shape == (120, 3)
    with pytest.raises(ValueError, match="y: expected a 0/1 matrix of 3 labels as in the first fit"):
        inc.partial_fit(X, Y[:, :2])
    with pytest.raises(ValueError, match=r"classes: a multilabel y names its labels by its 3 columns, so "
                                         r"expected \[0, 1, 2\], got \[0, 1\]"):
        MLPClassifier((16,)).partial_fit(X, Y, classes=[0, 1])
    with pytest.raises(ValueError, match="loss: a multilabel y takes one sigmoid output per label"):
        MLPClassifier(loss="categorical_crossentropy", epochs=1).fit(X, Y)
    with pytest.raises(ValueError, match="y: expected class labels of shape"):
        MLPClassifier(epochs=1).fit(X, np.c_[Y[:, 0], 2 * Y[:, 1]])


@pytest.mark.parametrize("activation, factor", [("relu", 6.0), ("logistic", 2.0), ("sigmoid", 2.0)])
def test_default_initialisation_is_scikit_learns(activation, factor):
    # weights AND biases uniform in ±sqrt(factor / (fan_in + fan_out)), factor 2 for the sigmoid
    X, y = _regression()
    est = MLPRegressor((7, 5), activation=activation, random_state=3)
    checked = est._check_params(True)
    checked.dtype, est.n_outputs_ = np.dtype(np.float64), 1
    model = est._build(checked, 3)                                  # the network fit starts from
    units = [3, 7, 5, 1]
    hand = Sequential([Input(3)], dtype="float64", seed=3)
    for i, width in enumerate(units[1:]):
        bound = np.sqrt(factor / (units[i] + width))
        hand.add(Dense(width, model.layers[i].activation, kernel_initializer=RandomUniform(-bound, bound),
                       bias_initializer=RandomUniform(-bound, bound)))
    for a, b in zip(model.get_weights(), hand.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert all(np.all(b != 0) for b in model.get_weights()[1::2])  # the biases are drawn too
    assert est.n_layers_ == 4 and est.out_activation_ == "identity"


def test_coefs_and_intercepts_are_the_live_weights_and_settable():
    X, y = _regression()
    reg = MLPRegressor((4,), epochs=1, random_state=0).fit(X, y)
    assert reg.coefs_[0] is reg.model_.layers[0].kernel and reg.intercepts_[1] is reg.model_.layers[1].bias
    reg.coefs_ = [np.ones((3, 4)), np.full((4, 1), 0.5)]
    reg.intercepts_ = [np.zeros(4), np.array([1.0])]
    np.testing.assert_array_equal(reg.model_.layers[0].kernel, 1.0)
    relu = np.maximum(X @ np.ones((3, 4)), 0)
    np.testing.assert_allclose(reg.predict(X), relu @ np.full(4, 0.5) + 1.0)
    with pytest.raises(ValueError, match=r"coefs_\[1\]: expected an array of shape \(4, 1\), got shape"):
        reg.coefs_ = [np.ones((3, 4)), np.ones(4)]
    with pytest.raises(ValueError, match="intercepts_: expected a list of 2 arrays"):
        reg.intercepts_ = [np.zeros(4)]


def test_n_iter_counts_the_last_fit_and_partial_fit_adds_one():
    X, y = _regression()
    reg = MLPRegressor((4,), epochs=3, warm_start=True, random_state=0).fit(X, y).fit(X, y)
    assert reg.n_iter_ == 3 and len(reg.loss_curve_) == 6 and reg.t_ == 6 * 60
    reg.partial_fit(X, y)
    assert reg.n_iter_ == 4 and reg.t_ == 7 * 60
    with pytest.raises(ValueError, match="early_stopping: partial_fit does not support early_stopping=True"):
        MLPRegressor(early_stopping=True).partial_fit(X, y)


def test_lbfgs_is_scikit_learns_solver():
    X, y = _regression()
    reg = MLPRegressor((8,), optimizer="lbfgs", epochs=200, max_fun=500, random_state=0).fit(X, y)
    opt = reg.model_.optimizer
    assert type(opt).__name__ == "LBFGS" and (opt.max_fun, opt.tol) == (500, 1e-4)
    assert reg.score(X, y) > 0.99 and reg.n_iter_ == len(reg.loss_curve_) <= 200
    assert not hasattr(reg, "partial_fit") and not hasattr(MLPClassifier(optimizer="LBFGS"), "partial_fit")
    with pytest.raises(ValueError, match="learning_rate: optimizer 'lbfgs' chooses its step by a line"):
        MLPRegressor(optimizer="lbfgs", learning_rate=0.1, epochs=1).fit(X, y)
    with pytest.raises(ValueError, match=r"optimizer_params: \['tol'\] are constructor parameters"):
        MLPRegressor(optimizer="lbfgs", optimizer_params={"tol": 0.1}, epochs=1).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="max_fun=5"):
        MLPRegressor((8,), optimizer="lbfgs", epochs=200, max_fun=5, random_state=0).fit(X, y)


def test_a_warm_start_that_turns_early_stopping_on_watches_the_validation_loss_afresh():
    X, y = _regression()
    reg = MLPRegressor((4,), epochs=5, warm_start=True, random_state=0).fit(X, y)
    reg.set_params(early_stopping=True).fit(X, y)
    assert len(reg.validation_scores_) == 5 and reg.best_loss_ is None and len(reg.loss_curve_) == 10
    assert reg.best_validation_loss_ == min(reg.validation_loss_curve_)
    reg.set_params(early_stopping=False).fit(X, y)
    assert reg.validation_scores_ is None and reg.best_loss_ == min(reg.loss_curve_[10:])
