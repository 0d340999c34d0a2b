"""scikit-learn estimators: :class:`MLPClassifier` and :class:`MLPRegressor`.

A descend :class:`~descend.model.Sequential` behind scikit-learn's estimator API, so that every
lecture option — layers, activation, initializer, optimizer and each of its hyper-parameters,
flavor, kind of gradient descent, schedule, weight decay, L1/L2, clipping, early stopping, seed —
is a constructor parameter that ``GridSearchCV`` can search, ``clone`` can copy and ``Pipeline``
can chain::

    from sklearn.model_selection import GridSearchCV
    from descend.sklearn import MLPClassifier

    search = GridSearchCV(MLPClassifier(hidden_layer_sizes=(16,), epochs=50),
                          {"optimizer": ["sgd", "adam"], "batch_size": [None, 1, 32]})

**Optimizer hyper-parameters** are flat parameters with Keras's names (``learning_rate``,
``momentum``, ``nesterov``, ``rho``, ``epsilon``, ``beta_1``, ``beta_2``, ``weight_decay``,
``clipnorm``, ``clipvalue``, ``global_clipnorm``), so a grid is a plain dict. None — the default
of each — means "the optimizer's default in its flavor", and only the keywords that are not None
reach the optimizer. One that the chosen optimizer does not take (``momentum`` with ``"adam"``)
is an error at ``fit``, never silently ignored: search such grids as a list of dicts, one per
optimizer. Any other keyword of the optimizer (``amsgrad``, ``centered``, ``epsilon_placement``,
``momentum_buffer``...) goes in the ``optimizer_params`` dict.

**Conventions** (scikit-learn's): ``__init__`` only stores its arguments; everything is checked
by ``fit``, with errors that name the parameter. ``random_state`` makes a fit reproducible bit for
bit: an int is the model's seed itself (``MLPRegressor(random_state=0,
kernel_initializer="glorot_uniform", bias_initializer="zeros")`` starts from the same weights as
``Sequential(..., seed=0)`` of Keras-default Dense layers), a ``RandomState``/``Generator`` is
drawn from, and None takes a fresh seed from the operating system — NumPy's global generator is
never used. The seed used is kept in ``seed_``. The default initialisation is scikit-learn's MLP's
(weights and biases drawn uniform within Glorot's bound, see ``kernel_initializer``).

**Training as scikit-learn's MLP** (``sklearn/neural_network/_multilayer_perceptron.py``, whose
test file ``tests/test_sklearn_mlp_port.py`` ports): after each epoch the watched loss — the
training loss, or with ``early_stopping`` the loss on the held-out part — counts as "no
improvement" unless it is below the lowest so far by more than ``tol``; ``n_iter_no_change + 1``
such epochs in a row stop the fit (``verbose`` says so), and a fit that runs all its ``epochs``
instead ends with a ``ConvergenceWarning``. The *best* epoch is always the one with the lowest
loss (``best_loss_``, ``best_validation_loss_``); with early stopping its weights are the ones
kept. A fit that diverges (a NaN or inf loss or gradient, :class:`~descend.errors.DivergenceError`
in ``Sequential.fit``) stops with a ``ConvergenceWarning`` instead, the diverged epoch recorded as
NaN, and keeps the weights of the best epoch so far (with early stopping: the first weights if no
epoch finished); one that diverges before any epoch ended with a finite loss, with nothing to
keep, raises the DivergenceError. ``warm_start`` and ``partial_fit`` continue the curves, ``t_``
and the stopping rule's count; a classifier refuses labels other than ``classes_`` then, as
scikit-learn does. ``optimizer="lbfgs"`` is scikit-learn's ``solver="lbfgs"``
(:class:`~descend.optimizers.LBFGS`: one epoch = one iteration on all the data, ``max_fun``, and
``tol`` as its gradient tolerance; it stops by its own tests, not by ``n_iter_no_change`` on the
training loss — with ``early_stopping`` the validation rule above still applies — and has no
``partial_fit``). Where descend differs: each ``partial_fit`` adds one to ``n_iter_``
(scikit-learn sets it to 1), the held-out part is watched by its loss
(scikit-learn's by its ``score``, reported here in ``validation_scores_``), and a class with one
sample is not stratified (scikit-learn refuses it).

**Sample weights** (``fit(X, y, sample_weight=w)``) as scikit-learn's MLP weighs them, not as
``Sequential.fit`` (Keras's Σ_n w_n E_n / N, which stays its own): a mean loss is the weighted
average E = Σ_n w_n E_n / Σ_n w_n over each batch (the loss's ``reduction=
"mean_with_sample_weight"``, :mod:`descend.losses`; without weights the same Σ_n E_n / N), so an
integer weight k trains as the sample repeated k times — exactly under batch GD and L-BFGS, where
the batch is all the data; mini-batches split the weighted and the repeated data differently, and
so does the held-out part of ``early_stopping``. The summed losses (the slides' ½ Σ) count sample
n w_n times as they are. For a mean loss the epoch's ``loss_`` is the batch losses' mean weighted
by batch size (scikit-learn's ``accumulated_loss / n``; for a summed loss their sum); the
held-out part's loss and score are weighted too. ``l1`` and ``l2`` are Keras's fixed coefficients
added to each batch's E, where scikit-learn's ``alpha`` adds ½·alpha·‖W‖² / Σ_n w_n to its loss:
the same objective is ``l2 = alpha / (2·Σw)`` for a batch of weight Σw (Σw = N unweighted),
times the ratio of descend's loss to scikit-learn's (2 for the regressor's mse, which has no ½;
1/n_labels for multilabel, see :class:`MLPClassifier`). A batch whose weights are all 0 is a
step on the penalties alone (scikit-learn's fails there: its weights sum to zero).

**Precision** (scikit-learn's MLP's): by default the network computes in the input's float
dtype — float32 data in float32, float64 data (and integers) in float64 — so that the same rows
give the same predictions whatever else is in the batch (float32 matrix products may round
differently with the batch's size). ``dtype="float32"`` or ``"float64"`` fixes it instead.
Predictions are float64, whatever dtype the network computes in.
"""
from __future__ import annotations

import copy
import math
import secrets
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from . import activations, initializers, losses
from .backend import resolve_dtype
from .batching import check_batch_size
from .callbacks import Callback
from .checks import BOOLEAN, Constraint, Interval, Options, check, is_number, keywords
from .errors import DivergenceError
from .layers import Dense, Input
from .model import Sequential
from .regularizers import L1L2
from .training import sample_weights

__all__ = ["MLPClassifier", "MLPRegressor"]

#: flat constructor parameters handed to the optimizer when they are not None (Keras's names)
OPTIMIZER_KEYWORDS = ("momentum", "nesterov", "rho", "epsilon", "beta_1", "beta_2", "weight_decay",
                      "clipnorm", "clipvalue", "global_clipnorm")
#: losses the regressor accepts (the reduction is part of the name, see descend.losses)
REGRESSION_LOSSES = ("mse", "mean_squared_error", "squared_error", "sum_squared_error")
#: losses the classifier accepts; all but sparse_categorical_crossentropy compare the outputs with
#: one-hot target rows
CLASSIFICATION_LOSSES = ("binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
                         *REGRESSION_LOSSES)
#: losses that need one output per class, also for two classes
_PER_CLASS_LOSSES = ("categorical_crossentropy", "sparse_categorical_crossentropy")

_PARAMETERS = """\
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units of each hidden Dense layer; ``()`` is no hidden layer (a linear/logistic model).
    activation : str or Activation, default="relu"
        f of the hidden layers: "linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu"
        (scikit-learn's "identity" and "logistic" name "linear" and "sigmoid").
    kernel_initializer, bias_initializer : str, Initializer, callable or None, default=None
        None: scikit-learn's MLP's initialisation — the weights *and* the biases of a layer drawn
        uniform in ±sqrt(6 / (fan_in + fan_out)) (Glorot's bound), ±sqrt(2 / (fan_in + fan_out))
        when the hidden activation is the sigmoid. Or any initializer: "glorot_uniform" and
        "zeros" (Keras's Dense), "he_normal", "xavier_normal"... (:mod:`descend.initializers`).
    optimizer : str or Optimizer, default="adam"
        "sgd", "momentum", "nag", "adagrad", "rmsprop", "adadelta", "adam", "adamw", "nadam",
        "adamax", "lion", or "lbfgs" (scikit-learn's L-BFGS solver: all the data at each of its
        iterations, no learning rate, ``max_fun`` and ``tol`` its limits, no ``partial_fit``), or
        an Optimizer instance (copied at each fit; the flat hyper-parameters must then be None).
    learning_rate : float or callable, optional
        η (or a callable of the 0-based step). None: the optimizer's default in its flavor.
    momentum, nesterov, rho, epsilon, beta_1, beta_2 : optional
        The optimizer's hyper-parameters, with Keras's names; None: the optimizer's default.
        A value given to an optimizer that has no such keyword is an error at fit.
    optimizer_params : dict, optional
        Further keywords of the optimizer (``{"amsgrad": True}``, ``{"centered": True}``...).
    flavor : {"lecture", "keras", "torch"}, optional
        The optimizer's bundle of conventions and defaults; None: the program's default
        (:func:`descend.config.get_flavor`, "lecture" unless set).
    schedule : LearningRateSchedule, callable or dict, optional
        Learning rate as a function of the 0-based update step (:mod:`descend.schedules`, or a
        ``{"class_name", "config"}`` dict). It carries its own initial rate, so ``learning_rate``
        must then be None.
    weight_decay : float, optional
        λ; its meaning (the slides' ``w ← (1 − λ)w − η∇E``, Keras's or PyTorch's) is the flavor's.
    l1, l2 : float, default=0.0
        Penalties ``l1·Σ|w| + l2·Σw²`` on every kernel, added to the loss and its gradient.
    clipnorm, clipvalue, global_clipnorm : float, optional
        Gradient clipping (at most one), as the Keras optimizer keywords.
    batch_size : int or None, default=32
        The kind of gradient descent: None (or ≥ n_samples) is batch GD, 1 is stochastic GD,
        anything between is mini-batch GD.
    epochs : int, default=200
        Passes over the training data (the most, with early stopping).
    shuffle : bool, default=True
        Draw a fresh order every epoch (stochastic and mini-batch GD).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for a single-label
        classifier when each class has at least two samples and fits in both parts) and watch
        the validation loss instead of the training loss (see ``tol``).
    validation_fraction : float, default=0.1
        Share of the data held out for early stopping, in (0, 1); the part held out must have
        at least 2 samples.
    n_iter_no_change : int or np.inf, default=10
        Training stops (without a ConvergenceWarning) once the watched loss — the training loss,
        or with ``early_stopping`` the validation loss — has failed ``n_iter_no_change + 1``
        epochs in a row to fall below its lowest value so far minus ``tol`` (scikit-learn's
        rule); ``np.inf`` never stops early.
    tol : float, default=1e-4
        The fall that counts as an improvement in that rule. It only decides when to stop: the
        best epoch is always the one with the lowest loss.
    restore_best_weights : bool, default=True
        With early stopping, end with the weights of the epoch with the lowest validation loss
        (scikit-learn always does).
    dtype : {"float32", "float64"} or None, default=None
        Precision of the network's weights and arithmetic; None: the dtype of the X given to the
        first fit, float32 if it is float32, else float64 (as scikit-learn's MLP).
    random_state : int, RandomState, Generator or None
        Seed of the weights, the shuffling and the validation split (see the module docstring).
    verbose : int or bool, default=0
        0 silent, 1 progress bar (one line per epoch when the output is not a terminal), 2 or
        more (or True) one line per epoch; the reason for an early stop is printed too.
    warm_start : bool, default=False
        ``fit`` on a fitted estimator continues training its network (weights, optimizer state,
        shuffling generator, the stopping rule's count) for ``epochs`` more epochs instead of
        starting afresh; the curves and ``t_`` continue, ``n_iter_`` counts this fit. A
        classifier refuses labels other than ``classes_`` then (scikit-learn's rule).
    max_fun : int, default=15000
        With ``optimizer="lbfgs"``: the most loss evaluations of the fit (scikit-learn's)."""

_ATTRIBUTES = """\
    model_ : Sequential
        The trained network.
    coefs_, intercepts_ : list of ndarray
        The kernels, (inputs, units) per layer, and the biases — the network's live arrays, as
        scikit-learn's; assigning a whole list (same shapes) replaces the weights.
    n_layers_ : int
        Layers counted as scikit-learn does: input, hidden and output (``len(coefs_) + 1``).
    history_ : dict of str to list of float
        Per-epoch logs of all training so far: "loss", "learning_rate", and (early stopping)
        "val_loss"; the classifier adds "accuracy".
    loss_ : float
        The training loss of the last epoch (penalties included).
    loss_curve_ : list of float
        The training loss of each epoch, over all training so far (NaN for an epoch that
        diverged).
    best_loss_ : float or None
        The lowest training loss so far; None with early stopping (as scikit-learn).
    validation_loss_curve_ : list of float or None
        The validation loss of each epoch with early stopping, else None.
    best_validation_loss_ : float or None
        ``min(validation_loss_curve_)`` with early stopping, else None.
    validation_scores_ : list of float or None
        With early stopping, ``score`` (accuracy, or R²) of the held-out part after each epoch,
        else None (scikit-learn's attribute; it is reported, the loss decides).
    best_validation_score_ : float or None
        ``max(validation_scores_)`` with early stopping, else None.
    n_iter_ : int
        Epochs of the last ``fit`` (fewer than ``epochs`` when it stopped early); each
        ``partial_fit`` adds one.
    t_ : int
        Training samples seen, over all training so far (scikit-learn's ``t_``).
    seed_ : int
        The seed the network was built and shuffled with.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of str
        Names of the features, when X has string column names.
    n_outputs_ : int
        Width of the output layer.
    out_activation_ : {"logistic", "softmax", "identity"}
        Activation of the output layer, in scikit-learn's names."""


#: a count of epochs (the messages say "an integer", as the estimator's always have)
_EPOCHS = Interval(int, 1, noun="an integer")
#: a penalty or a tolerance
_NON_NEGATIVE = Interval(float, 0.0, math.inf, closed="left")
#: the plain parameters, each checked against its constraint
_PLAIN: dict[str, Constraint[Any]] = {
    "l1": _NON_NEGATIVE, "l2": _NON_NEGATIVE, "tol": _NON_NEGATIVE,
    "epochs": _EPOCHS, "max_fun": _EPOCHS,
    "shuffle": BOOLEAN, "early_stopping": BOOLEAN, "restore_best_weights": BOOLEAN,
    "validation_fraction": Interval(float, 0.0, 1.0, closed="neither"),
}
#: the estimator's parameters an optimizer_params dict must not repeat
_ESTIMATOR_OPTIMIZER_PARAMETERS = frozenset(OPTIMIZER_KEYWORDS) | {"learning_rate", "flavor", "schedule"}
#: scikit-learn's names of activations, as descend names them
_SKLEARN_ACTIVATIONS = {"identity": "linear", "logistic": "sigmoid"}
#: descend's output activations, as scikit-learn names them in ``out_activation_``
_OUT_ACTIVATION_NAMES = {"sigmoid": "logistic", "linear": "identity", "softmax": "softmax"}


def _renamed(name: str, exc: Exception) -> Exception:
    """The same error, its message led by the estimator's parameter ``name`` instead of the
    core's own argument name ("initializer: unknown ..." → "kernel_initializer: unknown ...")."""
    head, sep, rest = str(exc).partition(": ")
    message = f"{name}: {rest}" if sep and head.isidentifier() else f"{name}: {exc}"
    return type(exc)(message)


@dataclass
class _Settings:
    """Every constructor parameter checked and normalised: what ``fit`` uses."""

    sizes: tuple[int, ...]
    activation: Any
    kernel_initializer: Any
    bias_initializer: Any
    batch_size: int | None
    dtype: np.dtype | None        # None: the first fit's X decides
    verbose: int
    l1: float
    l2: float
    tol: float
    epochs: int
    max_fun: int
    n_iter_no_change: float       # an int >= 1, or inf
    shuffle: bool
    early_stopping: bool
    restore_best_weights: bool
    validation_fraction: float
    seed: int = 0                  # made for a fresh network, else the fitted one's
    optimizer: Any = None          # made for a fresh network only


def _hidden_sizes(value: Any) -> tuple[int, ...]:
    sizes = (value,) if is_number(value, int) else value
    try:
        sizes = tuple(sizes)
    except TypeError:
        sizes = None
    if sizes is None or not all(s in Interval(int, 1) for s in sizes):
        raise ValueError(f"hidden_layer_sizes: expected a positive int or a sequence of positive "
                         f"ints (() for no hidden layer), got {value!r}")
    return tuple(int(s) for s in sizes)


def _verbose(value: Any) -> int:
    if not (isinstance(value, (bool, np.bool_)) or is_number(value, int)) or value < 0:
        raise ValueError(f"verbose: expected an int >= 0, False or True, got {value!r}")
    return 2 if value is True else min(int(value), 2)


def _patience(value: Any) -> float:
    """``n_iter_no_change``: an int >= 1, or ``np.inf`` (never stop early), as scikit-learn."""
    if is_number(value, float) and value == math.inf:
        return math.inf
    try:
        return float(check("n_iter_no_change", value, Interval(int, 1)))
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{exc} (or np.inf: never stop early)") from None


@dataclass
class _Held:
    """The part held out for early stopping: features, encoded targets, sample weights."""

    X: np.ndarray
    y: np.ndarray
    w: np.ndarray | None


class _Tracker(Callback):
    """Hands each epoch's logs to the estimator (its curves, scores and stopping rule)."""

    def __init__(self, estimator: _BaseMLP, held: _Held | None, n_train: int, checked: _Settings) -> None:
        super().__init__()
        self.estimator, self.held, self.n_train, self.checked = estimator, held, n_train, checked
        self.watched = "training" if held is None else "validation"
        self.stopped = False

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.estimator._end_epoch(dict(logs or {}), self.held, self.n_train, self.checked):
            self.stopped = True
            self.model.stop_training = True


def _weighted_average(name: str) -> Any:
    """The loss ``name`` as scikit-learn's MLP weighs samples: a mean loss becomes the weighted
    average Σ_n w_n E_n / Σ_n w_n over each batch ("mean_with_sample_weight"; without weights the
    same mean Σ_n E_n / N), so that a weight of 2 is a repeated sample; a summed loss (the slides'
    ½ Σ) already counts sample n w_n times and stays as it is."""
    loss = losses.get(name)
    if loss.reduction != "mean":
        return loss
    return losses.get({"name": name, "config": {"reduction": "mean_with_sample_weight"}})


def _replace(name: str, values: Any, targets: list[np.ndarray]) -> None:
    """Write ``values`` (one array per layer, the shapes of ``targets``) into the network's arrays."""
    if not isinstance(values, (list, tuple)) or len(values) != len(targets):
        raise ValueError(f"{name}: expected a list of {len(targets)} arrays, one per layer, "
                         f"got {type(values).__name__}")
    arrays = [np.asarray(v, dtype=t.dtype) for v, t in zip(values, targets, strict=True)]
    for i, (a, t) in enumerate(zip(arrays, targets, strict=True)):
        if a.shape != t.shape:
            raise ValueError(f"{name}[{i}]: expected an array of shape {t.shape}, got shape {a.shape}")
        if not np.isfinite(a).all():
            raise ValueError(f"{name}[{i}]: expected finite numbers, got NaN or inf")
    for a, t in zip(arrays, targets, strict=True):
        np.copyto(t, a)


class _BaseMLP(BaseEstimator):
    """Shared machinery of :class:`MLPClassifier` and :class:`MLPRegressor` (not public)."""

    # set by fit (see the estimators' Attributes)
    model_: Sequential
    history_: dict[str, list[float]]
    loss_curve_: list[float]
    loss_: float | None
    best_loss_: float | None
    validation_loss_curve_: list[float] | None
    validation_scores_: list[float] | None
    best_validation_loss_: float | None
    best_validation_score_: float | None
    n_iter_: int
    t_: int
    _no_improvement_count: int
    _best_watched: float
    _best_weights: list[np.ndarray] | None

    def __init__(self, hidden_layer_sizes: int | Sequence[int] = (100,), activation: Any = "relu", *,
                 kernel_initializer: Any = None, bias_initializer: Any = None,
                 optimizer: Any = "adam", learning_rate: Any = None, momentum: float | None = None,
                 nesterov: bool | None = None, rho: float | None = None, epsilon: float | None = None,
                 beta_1: float | None = None, beta_2: float | None = None,
                 optimizer_params: dict[str, Any] | None = None, flavor: str | None = None,
                 schedule: Any = None, weight_decay: float | None = None, l1: float = 0.0, l2: float = 0.0,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, batch_size: int | None = 32, epochs: int = 200,
                 shuffle: bool = True, early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 10, tol: float = 1e-4, restore_best_weights: bool = True,
                 dtype: Any = None, random_state: Any = None, verbose: int | bool = 0,
                 warm_start: bool = False, loss: str | None = None, max_fun: int = 15000) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.rho = rho
        self.epsilon = epsilon
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.optimizer_params = optimizer_params
        self.flavor = flavor
        self.schedule = schedule
        self.weight_decay = weight_decay
        self.l1 = l1
        self.l2 = l2
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.batch_size = batch_size
        self.epochs = epochs
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.restore_best_weights = restore_best_weights
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.loss = loss
        self.max_fun = max_fun

    # ------------------------------------------------------------------ to fill in subclasses
    def _encode_targets(self, y: np.ndarray, classes: Any, reset: bool, partial: bool) -> np.ndarray:
        """Targets for the network, learning the output layout when ``reset``."""
        raise NotImplementedError

    def _loss_and_output(self) -> tuple[str, str, list[str]]:
        """(loss name, output activation, metrics) for the learned output layout."""
        raise NotImplementedError

    def _network_targets(self, y: np.ndarray) -> np.ndarray:
        """The encoded targets as the network's loss takes them."""
        return y

    # ------------------------------------------------------------------ parameter checks
    def _check_params(self, first: bool) -> _Settings:
        """Every constructor parameter checked; returns the normalised values fit uses.

        The seed and the optimizer are made only for a fresh network (``first``).
        """
        settings = _Settings(
            sizes=_hidden_sizes(self.hidden_layer_sizes),
            activation=self._built("activation", activations.get),
            kernel_initializer=self._built("kernel_initializer", initializers.get),
            bias_initializer=self._built("bias_initializer", initializers.get),
            batch_size=check_batch_size(self.batch_size), dtype=self._dtype(),
            verbose=_verbose(self.verbose), n_iter_no_change=_patience(self.n_iter_no_change),
            **{name: check(name, getattr(self, name), constraint) for name, constraint in _PLAIN.items()})
        if first:
            settings.seed = self._seed()
            settings.optimizer = self._make_optimizer()  # validates its keywords too
        return settings

    def _built(self, name: str, get: Any) -> Any:
        """The object the parameter ``name`` names (an activation, an initializer), or its error;
        None for an initializer left at None (scikit-learn's, made per layer by :meth:`_build`)."""
        value = getattr(self, name)
        if value is None and name != "activation":
            return None
        if isinstance(value, str):
            value = _SKLEARN_ACTIVATIONS.get(value.lower(), value) if name == "activation" else value
        try:
            built = get(value)
        except (TypeError, ValueError) as exc:
            raise _renamed(name, exc) from None
        if built is None:
            raise ValueError(f"{name}: expected a name, an object or a callable, got None")
        return built

    def _dtype(self) -> np.dtype | None:
        if self.dtype is None:
            return None
        try:
            return resolve_dtype(self.dtype)
        except (TypeError, ValueError):
            raise ValueError(f"dtype: expected 'float32', 'float64' or None, got {self.dtype!r}") from None

    def _seed(self) -> int:
        rs = self.random_state
        if rs is None:
            return secrets.randbits(63)  # a fresh seed from the operating system
        if isinstance(rs, np.random.RandomState):
            return int(rs.randint(np.iinfo(np.int32).max))
        if isinstance(rs, np.random.Generator):
            return int(rs.integers(2 ** 63))
        if rs in Interval(int, 0):
            return int(rs)
        raise ValueError(f"random_state: expected an int >= 0, a numpy RandomState or Generator, or None, "
                         f"got {rs!r}")

    def _make_optimizer(self) -> Any:
        from . import optimizers

        given = {k: getattr(self, k) for k in OPTIMIZER_KEYWORDS if getattr(self, k) is not None}
        extra = self._optimizer_params()
        learning_rate = self._learning_rate()
        if isinstance(self.optimizer, optimizers.Optimizer):
            named = sorted([*given, *extra] + [k for k in ("learning_rate", "flavor", "schedule")
                                               if getattr(self, k) is not None])
            if named:
                raise ValueError(f"optimizer: an Optimizer instance carries its own hyper-parameters; leave "
                                 f"{named} at None or pass the optimizer by name")
            return copy.deepcopy(self.optimizer)  # fit must not change the parameter
        cls = self._optimizer_class()
        accepted = keywords(cls)
        for key in [*given, *extra]:
            if key not in accepted:
                where = "optimizer_params" if key in extra else key
                raise ValueError(f"{where}: optimizer {self.optimizer!r} has no keyword {key!r}; it takes "
                                 f"{sorted(accepted - {'flavor'})}")
        kwargs = {**given, **extra}
        if self.flavor is not None:
            kwargs["flavor"] = self.flavor
        if getattr(cls, "full_batch", False):
            return self._solver(cls, learning_rate, kwargs)
        return cls(learning_rate=learning_rate, **kwargs)

    def _solver(self, cls: type, learning_rate: Any, kwargs: dict[str, Any]) -> Any:
        """A whole-data search ("lbfgs", scikit-learn's solver): no learning rate (a line search
        chooses the step); its ``max_fun`` and its gradient tolerance are the estimator's
        ``max_fun`` and ``tol``, as scikit-learn passes them."""
        if learning_rate is not None:
            name = "schedule" if self.schedule is not None else "learning_rate"
            raise ValueError(f"{name}: optimizer {self.optimizer!r} chooses its step by a line search; "
                             f"leave learning_rate and schedule at None, got {getattr(self, name)!r}")
        clash = sorted({"max_fun", "tol"} & set(kwargs))
        if clash:
            raise ValueError(f"optimizer_params: {clash} are constructor parameters of the estimator; "
                             f"set them directly (e.g. {clash[0]}=...) instead")
        return cls(max_fun=check("max_fun", self.max_fun, _EPOCHS), tol=check("tol", self.tol, _NON_NEGATIVE),
                   **kwargs)

    def _optimizer_params(self) -> dict[str, Any]:
        """``optimizer_params`` checked: a dict of further keywords, none of them a parameter of
        the estimator itself."""
        extra = self.optimizer_params if self.optimizer_params is not None else {}
        if not isinstance(extra, dict) or not all(isinstance(k, str) for k in extra):
            raise TypeError(f"optimizer_params: expected a dict of keyword -> value or None, got {extra!r}")
        clash = sorted(set(extra) & _ESTIMATOR_OPTIMIZER_PARAMETERS)
        if clash:
            raise ValueError(f"optimizer_params: {clash} are constructor parameters of the estimator; "
                             f"set them directly (e.g. {clash[0]}=...) instead")
        return extra

    def _learning_rate(self) -> Any:
        """η for the optimizer: the schedule if one is given (learning_rate must then be None)."""
        from . import schedules

        if self.schedule is None:
            return self.learning_rate
        if self.learning_rate is not None:
            raise ValueError(f"schedule: a schedule sets the learning rate itself, so learning_rate must be "
                             f"None, got learning_rate={self.learning_rate!r}")
        try:
            return schedules.get(self.schedule)
        except (TypeError, ValueError) as exc:
            raise _renamed("schedule", exc) from None

    def _optimizer_class(self) -> type:
        from . import optimizers

        known = {**optimizers.REGISTRY, **optimizers.SOLVERS}
        if not isinstance(self.optimizer, str) or self.optimizer.lower() not in known:
            raise ValueError(f"optimizer: expected one of {sorted(known)} or an Optimizer "
                             f"instance, got {self.optimizer!r}")
        return known[self.optimizer.lower()]

    def _full_batch(self) -> bool:
        """Whether the optimizer parameter names a whole-data search ("lbfgs"), which has no
        ``partial_fit`` (as scikit-learn's)."""
        from . import optimizers

        if isinstance(self.optimizer, str):
            return getattr(optimizers.SOLVERS.get(self.optimizer.lower()), "full_batch", False)
        return bool(getattr(self.optimizer, "full_batch", False))

    def _searching(self) -> bool:
        """Whether the fitted network trains by a whole-data search (its optimizer's own flag)."""
        return bool(getattr(self.model_.optimizer, "full_batch", False))

    def _check_solver(self) -> bool:
        if self._full_batch():
            raise AttributeError(f"partial_fit is only available for optimizers that update per batch; "
                                 f"{self.optimizer!r} searches over the whole data (use fit)")
        return True

    # ------------------------------------------------------------------ building and training
    def _build(self, checked: _Settings, n_features: int) -> Sequential:
        loss, out_activation, metrics = self._loss_and_output()
        reg = L1L2(checked.l1, checked.l2) if checked.l1 or checked.l2 else None
        assert checked.dtype is not None   # the data's, when the parameter is None
        model = Sequential([Input(shape=(n_features,))], dtype=checked.dtype.name, seed=checked.seed,
                           name=type(self).__name__.lower())
        units = [n_features, *checked.sizes, self.n_outputs_]
        # scikit-learn's _init_coef: weights and biases uniform in ±sqrt(factor / (fan_in + fan_out))
        factor = 2.0 if checked.activation.name == "sigmoid" else 6.0
        for i, width in enumerate(units[1:]):
            bound = math.sqrt(factor / (units[i] + width))
            default = initializers.RandomUniform(-bound, bound)
            kernel, bias = checked.kernel_initializer, checked.bias_initializer
            model.add(Dense(width, activation=out_activation if i == len(units) - 2 else checked.activation,
                            kernel_initializer=default if kernel is None else kernel,
                            bias_initializer=default if bias is None else bias, kernel_regularizer=reg))
        model.compile(optimizer=checked.optimizer, loss=_weighted_average(loss), metrics=metrics)
        self.out_activation_ = _OUT_ACTIVATION_NAMES[out_activation]
        self.n_layers_ = len(units)
        self.seed_ = checked.seed
        return model

    def _validation_split(self, X: np.ndarray, y: np.ndarray, w: np.ndarray | None, checked: _Settings
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, _Held]:
        stratify = None
        if isinstance(self, ClassifierMixin) and y.ndim == 1:
            # stratified where every class can appear in both parts; a plain shuffled split otherwise
            counts = np.bincount(y)
            counts = counts[counts > 0]
            n_val = int(np.ceil(checked.validation_fraction * len(y)))
            if counts.min() >= 2 and len(counts) <= n_val <= len(y) - len(counts):
                stratify = y
        state = int(np.random.default_rng([checked.seed, 2]).integers(2 ** 31 - 1))
        arrays = [X, y] if w is None else [X, y, w]
        try:
            parts = train_test_split(*arrays, test_size=checked.validation_fraction, random_state=state,
                                     stratify=stratify)
        except ValueError as exc:
            raise ValueError(f"validation_fraction: holding out {checked.validation_fraction} of "
                             f"{len(X)} sample(s) for early stopping failed: {exc}") from None
        X_train, X_val, y_train, y_val = parts[:4]
        w_train, w_val = (parts[4], parts[5]) if w is not None else (None, None)
        if len(X_val) < 2:
            raise ValueError(f"validation_fraction: the validation set is too small: {len(X_val)} of "
                             f"{len(X)} samples held out for early stopping, at least 2 are needed. "
                             f"Increase 'validation_fraction' or the size of your dataset.")
        return X_train, y_train, w_train, _Held(X_val, y_val, w_val)

    def _train(self, X: np.ndarray, y: np.ndarray, w: np.ndarray | None, held: _Held | None,
               checked: _Settings, partial: bool) -> None:
        tracker = _Tracker(self, held, len(X), checked)
        if (held is not None) != (self.validation_scores_ is not None):
            self._restart_watch(held is not None)   # a warm start that turned early stopping on or off
        validation = None if held is None else (held.X, self._network_targets(held.y), held.w)
        if not partial:
            self.n_iter_ = 0             # n_iter_ counts the epochs of this fit (scikit-learn's)
        try:
            # NumPy's overflow warnings would only repeat what the divergence (or the NaN validation
            # score) reports; L-BFGS's max_fun warning is said as a ConvergenceWarning below
            with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
                warnings.filterwarnings("ignore", "LBFGS: stopped after", RuntimeWarning)
                self.model_.fit(X, self._network_targets(y), epochs=1 if partial else checked.epochs,
                                batch_size=checked.batch_size, shuffle=checked.shuffle,
                                validation_data=validation, callbacks=[tracker], verbose=checked.verbose,
                                sample_weight=w)
        except DivergenceError as exc:
            self._diverged(exc, held)
            return
        if held is not None and checked.restore_best_weights and self._best_weights is not None:
            self.model_.set_weights(self._best_weights)
        if tracker.stopped and checked.verbose:     # after the epoch's own line
            print(f"{tracker.watched.capitalize()} loss did not improve more than tol={checked.tol:f} for "
                  f"{checked.n_iter_no_change:.0f} consecutive epochs. Stopping.")
        if not (partial or tracker.stopped):
            self._warn_not_converged(checked, tracker.watched)

    def _warn_not_converged(self, checked: _Settings, watched: str) -> None:
        """scikit-learn's ConvergenceWarning: the fit ended on its epochs (or, for L-BFGS, its
        ``max_fun`` or a failed line search) before its stopping rule was met."""
        result = getattr(self.model_.optimizer, "result", None) if self._searching() else None
        if result is None:
            why = (f"the {watched} loss still fell by more than tol={checked.tol:g} within "
                   f"n_iter_no_change+1 epochs")
        elif result.status == 0:
            return                        # the search converged by itself (tol, ftol)
        elif self.n_iter_ >= checked.epochs:
            why = f"L-BFGS's gradient was still above tol={checked.tol:g}"
        else:
            why = (f"L-BFGS stopped after {result.nfev} evaluations of the loss "
                   f"(max_fun={checked.max_fun}): {result.message}")
        warnings.warn(f"epochs: the fit ended after {self.n_iter_} of at most {checked.epochs} epochs "
                      f"(scikit-learn's max_iter) and the optimization hasn't converged yet: {why}. "
                      f"Raise epochs (or max_fun), or scale the data.", ConvergenceWarning, stacklevel=5)

    def _end_epoch(self, logs: dict[str, Any], held: _Held | None, n_train: int, checked: _Settings) -> bool:
        """scikit-learn's bookkeeping at the end of an epoch (curves, ``t_``, the scores), and its
        stopping rule on the watched loss; True where training must stop."""
        for key, value in logs.items():
            self.history_.setdefault(key, []).append(float(value))
        self.n_iter_ += 1
        self.t_ += n_train
        self.loss_ = float(logs["loss"])
        self.loss_curve_.append(self.loss_)
        watched = self.loss_
        if held is not None:
            watched = float(logs["val_loss"])
            self._record_validation(watched, self._validation_score(held))
        # no improvement: not below the lowest so far by more than tol (NaN never improves)
        if not watched <= self._best_watched - checked.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if watched < self._best_watched:     # the best epoch is the lowest loss, whatever tol says
            self._best_watched = watched
            self._best_weights = self.model_.get_weights()
            if held is None:
                self.best_loss_ = watched
        # (a whole-data search stops by its own tests without early stopping, as scikit-learn's)
        return self._no_improvement_count > checked.n_iter_no_change and not (
            held is None and self._searching())

    def _restart_watch(self, early_stopping: bool) -> None:
        """The stopping rule starts afresh on the other loss (training ↔ validation)."""
        self._no_improvement_count = 0
        self._best_watched = math.inf
        self.best_loss_ = None if early_stopping else math.inf
        self.validation_loss_curve_ = [] if early_stopping else None
        self.validation_scores_ = [] if early_stopping else None
        self.best_validation_loss_ = self.best_validation_score_ = None
        self._best_weights = self.model_.get_weights() if early_stopping else None

    def _record_validation(self, loss: float, score: float) -> None:
        assert self.validation_loss_curve_ is not None and self.validation_scores_ is not None
        self.validation_loss_curve_.append(loss)
        self.validation_scores_.append(score)
        self.best_validation_loss_ = float(np.nanmin(self.validation_loss_curve_)) if np.isfinite(
            self.validation_loss_curve_).any() else None
        self.best_validation_score_ = float(np.nanmax(self.validation_scores_)) if np.isfinite(
            self.validation_scores_).any() else None
        self.best_loss_ = None

    def _diverged(self, exc: DivergenceError, held: _Held | None) -> None:
        """A divergence stops training: the epoch counts, with NaN losses (scikit-learn records
        them so); the weights go back to those of the best epoch, and a warning says why. With
        nothing to go back to (no finite epoch yet, no early stopping) it is an error."""
        self.n_iter_ += 1
        self.loss_ = math.nan
        self.loss_curve_.append(math.nan)
        for key in {*self.history_, "loss", *(["val_loss"] if held is not None else [])}:
            self.history_.setdefault(key, []).append(math.nan)
        if held is not None:
            self._record_validation(math.nan, math.nan)
        if self._best_weights is None:
            raise DivergenceError(
                f"training diverged before any epoch ended with a finite loss, so there are no weights "
                f"to keep. The input data may contain large values and need to be preprocessed (scaled). "
                f"{exc}", epoch=exc.epoch, update=exc.update, layer=exc.layer, loss=exc.loss,
                restored=exc.restored) from None
        self.model_.set_weights(self._best_weights)
        which = "validation" if held is not None else "training"
        warnings.warn(f"training stopped, it diverged: {exc} The estimator keeps the weights of the epoch "
                      f"with the lowest {which} loss ({self._best_watched:.6g}).", ConvergenceWarning,
                      stacklevel=5)

    def _start(self, early_stopping: bool) -> None:
        """The fitted state of a fresh network (scikit-learn's ``_initialize``)."""
        self.history_ = {}
        self.loss_curve_ = []
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_ = None
        # early stopping falls back on the first weights (scikit-learn's _best_coefs)
        self._restart_watch(early_stopping)

    def _fit(self, X: Any, y: Any, *, partial: bool, classes: Any = None, sample_weight: Any = None
             ) -> _BaseMLP:
        warm = check("warm_start", self.warm_start, BOOLEAN)
        first = not hasattr(self, "model_") or not (partial or warm)
        checked = self._check_params(first)
        if partial and checked.early_stopping:
            raise ValueError("early_stopping: partial_fit does not support early_stopping=True (an "
                             "incremental fit holds no data out); set early_stopping=False")
        X, y = self._validate_xy(X, y, reset=first, dtype=checked.dtype if first else self.model_.dtype)
        if checked.dtype is None:
            checked.dtype = X.dtype   # the input's float dtype (float64 for any other input)
        w = sample_weights("sample_weight", sample_weight, len(X), X.dtype)
        if w is not None and not w.any():
            raise ValueError("sample_weight: expected at least one weight > 0, got all weights zero")
        y = self._encode_targets(y, classes, reset=first, partial=partial)
        if not first:
            checked.seed = self.seed_
        held = None
        if checked.early_stopping:
            X, y, w, held = self._validation_split(X, y, w, checked)   # stratified on the labels
        if first:
            self.model_ = self._build(checked, X.shape[1])
            self._start(checked.early_stopping)
        self._train(X, y, w, held, checked, partial)
        return self

    def _validate_xy(self, X: Any, y: Any, reset: bool, dtype: np.dtype | None
                     ) -> tuple[np.ndarray, np.ndarray]:
        # float32 and float64 pass as they are (the network converts to its own dtype); any other
        # input becomes ``dtype``, float64 when the parameter is None
        wanted = np.dtype(np.float64) if dtype is None else dtype
        dtypes = [wanted, np.float32 if wanted == np.float64 else np.float64]
        regressor = isinstance(self, RegressorMixin)
        X, y = validate_data(self, X, y, reset=reset, dtype=dtypes, multi_output=True, y_numeric=regressor)
        if not regressor and y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)     # a column of labels, as scikit-learn (with its warning)
        return X, y

    def _forward(self, X: Any) -> np.ndarray:
        """The network's outputs for X, float64, after the checks of a fitted estimator."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[self.model_.dtype, np.float64, np.float32])
        return self.model_.predict(X).astype(np.float64)

    def _validation_score(self, held: _Held) -> float:
        """``score`` of the held-out part (NaN where the network's outputs are not finite)."""
        out = self.model_.predict(held.X).astype(np.float64)
        if not np.isfinite(out).all():
            return math.nan
        return self._score_outputs(out, held.y, held.w)

    def _score_outputs(self, out: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> float:
        raise NotImplementedError

    # ------------------------------------------------------------------ weights, sklearn-style
    def _dense(self) -> list[Dense]:
        check_is_fitted(self)
        return [layer for layer in self.model_.layers if isinstance(layer, Dense)]

    @property
    def coefs_(self) -> list[np.ndarray]:
        """The kernels, (inputs, units) per layer — scikit-learn's ``coefs_``: the network's own
        arrays (changing one in place changes the network); assign a list to replace them."""
        return [layer.kernel for layer in self._dense()]

    @coefs_.setter
    def coefs_(self, values: Sequence[Any]) -> None:
        _replace("coefs_", values, [layer.kernel for layer in self._dense()])

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """The biases per layer — scikit-learn's ``intercepts_``, the network's own arrays."""
        biases = [layer.bias for layer in self._dense()]
        return [b for b in biases if b is not None]  # the estimator's layers all have one

    @intercepts_.setter
    def intercepts_(self, values: Sequence[Any]) -> None:
        _replace("intercepts_", values, self.intercepts_)

    def __sklearn_is_fitted__(self) -> bool:
        # fitted means trained: a fit that failed after checking the data leaves no network
        return hasattr(self, "model_")

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


class MLPClassifier(ClassifierMixin, _BaseMLP):
    __doc__ = f"""A multi-layer perceptron classifier trained by descend's gradient descent.

    Two classes: one sigmoid output and ``binary_crossentropy``; more: a softmax output and
    ``sparse_categorical_crossentropy`` — each fused with its activation (δ = ŷ − y). Labels may
    be of any type (strings, ints...); they are encoded in the order of ``classes_``.
    **Multilabel**: a 2-D 0/1 label matrix y of shape (n_samples, n_labels) takes one sigmoid
    output per label and ``binary_crossentropy`` (Keras's mean over the labels: under plain SGD
    the same step as scikit-learn's sum over the labels needs n_labels times its learning rate);
    ``predict`` returns the 0/1 matrix (a label is on where its probability is above 0.5),
    ``predict_proba`` one probability per label, and ``classes_`` is ``arange(n_labels)``, as
    scikit-learn's.

    Parameters
    ----------
{_PARAMETERS}
    loss : str, optional
        None: the defaults above. Else one of {", ".join(CLASSIFICATION_LOSSES)}; every loss but
        "sparse_categorical_crossentropy" is computed on one-hot target rows, so the slides'
        "squared_error" ½ Σ(y − ŷ)² classifies as the lecture does. Two classes take one sigmoid
        output, except with the categorical cross-entropies (two softmax outputs); more classes
        take a softmax output. Multilabel targets take binary cross-entropy or a squared error.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted; ``predict_proba`` columns follow this order.
{_ATTRIBUTES}

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from descend.sklearn import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier((16,), learning_rate=0.01, epochs=100, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPClassifier:
        """Build a fresh network and train it for ``epochs`` epochs (or until it stops early).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, at least two distinct ones; or a 0/1 matrix (multilabel).
        sample_weight : array-like of shape (n_samples,), optional
            Sample n counts w_n times: each batch's loss is the weighted average
            Σ w_n E_n / Σ w_n, scikit-learn's semantics (see "Sample weights" in
            :mod:`descend.sklearn`); with early stopping the weights are split with the samples
            and weigh the validation loss and score.

        Returns
        -------
        self
        """
        return self._fit(X, y, partial=False, sample_weight=sample_weight)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None) -> MLPClassifier:
        """One epoch over (X, y); the first call builds the network and needs ``classes``.

        The optimizer's state (moments, step count, schedule) carries over from call to call, so
        k calls on the same data train exactly as ``fit`` with ``epochs=k``. The network and its
        optimizer are made on the first call: later changes of their parameters apply at the next
        ``fit``. ``early_stopping=True`` is refused (an incremental fit holds no data out).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        sample_weight : array-like of shape (n_samples,), optional
        classes : array-like of shape (n_classes,), optional
            Every label that will ever appear; required on the first call, and if given later it
            must equal ``classes_`` (a multilabel y names its labels by its columns).

        Returns
        -------
        self
        """
        if not hasattr(self, "model_") and classes is None:
            raise ValueError("classes: expected every class label on the first call to partial_fit, got None")
        return self._fit(X, y, partial=True, classes=classes, sample_weight=sample_weight)

    def _encode_targets(self, y: np.ndarray, classes: Any, reset: bool, partial: bool) -> np.ndarray:
        check_classification_targets(y)
        kind = type_of_target(y)
        if y.ndim == 2 and kind != "multilabel-indicator":
            raise ValueError(f"y: expected class labels of shape (n_samples,) or a 0/1 label matrix "
                             f"(multilabel), got a 2-D array of type {kind!r}")
        multilabel = kind == "multilabel-indicator"
        if reset:
            self._learn_classes(y, classes, multilabel)
        else:
            self._check_classes(y, classes, multilabel, partial)
        if multilabel:
            return y.astype(np.float64)
        return np.searchsorted(self.classes_, y)

    def _learn_classes(self, y: np.ndarray, classes: Any, multilabel: bool) -> None:
        self._multilabel = multilabel
        if multilabel:              # scikit-learn's LabelBinarizer: the labels are the columns
            self.classes_ = np.arange(y.shape[1])
            if classes is not None and not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
                raise ValueError(f"classes: a multilabel y names its labels by its {y.shape[1]} columns, "
                                 f"so expected {self.classes_.tolist()}, got {np.asarray(classes).tolist()}")
            self.n_outputs_ = y.shape[1]
            self._label_dtype = y.dtype
            return
        self.classes_ = np.unique(y) if classes is None else np.unique(np.asarray(classes))
        if len(self.classes_) < 2:
            raise ValueError(f"y: expected at least 2 classes, got 1 class ({self.classes_[0]!r}); "
                             f"a classifier cannot learn from one class")
        one = len(self.classes_) == 2 and self.loss not in _PER_CLASS_LOSSES
        self.n_outputs_ = 1 if one else len(self.classes_)

    def _check_classes(self, y: np.ndarray, classes: Any, multilabel: bool, partial: bool) -> None:
        """scikit-learn's rules for a fit that continues: with ``warm_start`` y has exactly the
        classes of ``classes_``; a ``partial_fit`` only labels among them."""
        def kind(matrix: bool, width: int) -> str:
            return f"a 0/1 matrix of {width} labels" if matrix else "class labels"

        if multilabel != self._multilabel or (multilabel and y.shape[1] != len(self.classes_)):
            raise ValueError(f"y: expected {kind(self._multilabel, len(self.classes_))} as in the first "
                             f"fit, got {kind(multilabel, y.shape[-1])}")
        given = None if classes is None else np.unique(np.asarray(classes))
        if partial and given is not None and not np.array_equal(given, self.classes_):
            raise ValueError(f"classes: expected the classes of the first partial_fit call "
                             f"{self.classes_.tolist()}, got {np.unique(np.asarray(classes)).tolist()}")
        labels = unique_labels(y)
        if self.warm_start:
            if set(labels) != set(self.classes_):
                raise ValueError(f"warm_start can only be used where `y` has the same classes as in the "
                                 f"previous call to fit. Previously got {self.classes_}, `y` has {labels}")
        elif np.setdiff1d(labels, self.classes_).size:
            raise ValueError(f"y: `y` has classes not in `self.classes_`. `self.classes_` has "
                             f"{self.classes_}. 'y' has {labels}.")

    def _check_params(self, first: bool) -> _Settings:
        if self.loss is not None:
            check("loss", self.loss, Options(CLASSIFICATION_LOSSES))
        return super()._check_params(first)

    def _loss_and_output(self) -> tuple[str, str, list[str]]:
        if self._multilabel:
            if self.loss in _PER_CLASS_LOSSES:
                raise ValueError(f"loss: a multilabel y takes one sigmoid output per label, so "
                                 f"'binary_crossentropy' or a squared error; got {self.loss!r}")
            return self.loss or "binary_crossentropy", "sigmoid", ["accuracy"]
        if self.n_outputs_ == 1:
            return self.loss or "binary_crossentropy", "sigmoid", ["accuracy"]
        return self.loss or "sparse_categorical_crossentropy", "softmax", ["accuracy"]

    def _network_targets(self, y: np.ndarray) -> np.ndarray:
        sparse = self.loss in (None, "sparse_categorical_crossentropy")
        if not self._multilabel and self.n_outputs_ > 1 and not sparse:
            return np.eye(self.n_outputs_)[y]   # one-hot rows: the loss compares vectors
        return y

    def _decide(self, out: np.ndarray) -> np.ndarray:
        """Encoded decisions from the network's outputs: class indices, or the 0/1 label matrix."""
        if self._multilabel:
            return (out > 0.5).astype(int)
        if self.n_outputs_ == 1:
            return (out[:, 0] > 0.5).astype(int)
        return np.argmax(out, axis=1)

    def _score_outputs(self, out: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> float:
        # accuracy_score's value (a multilabel row counts when every label is right), without
        # its input checks, once per epoch
        right = self._decide(out) == y.astype(int)
        return float(np.average(right if right.ndim == 1 else right.all(axis=1), weights=w))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in the order of ``classes_``
        (multilabel: each label's own probability, the rows need not sum to 1)."""
        out = self._forward(X)
        if self.n_outputs_ == 1 and not self._multilabel:
            return np.hstack([1.0 - out, out])
        return out

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Logarithm of :meth:`predict_proba` (−inf where a probability underflows to 0)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each sample (from ``classes_``); multilabel: the 0/1 matrix."""
        decided = self._decide(self._forward(X))  # checks fitted first
        if self._multilabel:
            return decided.astype(self._label_dtype)
        return self.classes_[decided]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    __doc__ = f"""A multi-layer perceptron regressor trained by descend's gradient descent.

    A linear output layer with one unit per target column and ``loss`` (default "mse", Keras's
    mean); ``y`` may have several columns. ``score`` is R² (scikit-learn's).

    Parameters
    ----------
{_PARAMETERS}
    loss : {{"mse", "squared_error", "sum_squared_error"}}, default="mse"
        "mse" is the mean 1/(N·K) Σ(y − ŷ)²; "squared_error" is the slides' ½ Σ(y − ŷ)², a sum
        over the batch (so its gradient grows with the batch size); see :mod:`descend.losses`.

    Attributes
    ----------
{_ATTRIBUTES}

    Examples
    --------
    >>> import numpy as np
    >>> from descend.sklearn import MLPRegressor
    >>> X = np.linspace(-1, 1, 50).reshape(-1, 1)
    >>> reg = MLPRegressor((), optimizer="sgd", learning_rate=0.1, batch_size=None, epochs=300,
    ...                    random_state=0).fit(X, 3 * X[:, 0] + 1)
    >>> round(reg.score(X, 3 * X[:, 0] + 1), 3)
    1.0
    """

    def __init__(self, hidden_layer_sizes: int | Sequence[int] = (100,), activation: Any = "relu", *,
                 kernel_initializer: Any = None, bias_initializer: Any = None,
                 optimizer: Any = "adam", learning_rate: Any = None, momentum: float | None = None,
                 nesterov: bool | None = None, rho: float | None = None, epsilon: float | None = None,
                 beta_1: float | None = None, beta_2: float | None = None,
                 optimizer_params: dict[str, Any] | None = None, flavor: str | None = None,
                 schedule: Any = None, weight_decay: float | None = None, l1: float = 0.0, l2: float = 0.0,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, batch_size: int | None = 32, epochs: int = 200,
                 shuffle: bool = True, early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 10, tol: float = 1e-4, restore_best_weights: bool = True,
                 dtype: Any = None, random_state: Any = None, verbose: int | bool = 0,
                 warm_start: bool = False, loss: str = "mse", max_fun: int = 15000) -> None:
        super().__init__(
            hidden_layer_sizes, activation, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, optimizer=optimizer, learning_rate=learning_rate,
            momentum=momentum, nesterov=nesterov, rho=rho, epsilon=epsilon, beta_1=beta_1, beta_2=beta_2,
            optimizer_params=optimizer_params, flavor=flavor, schedule=schedule, weight_decay=weight_decay,
            l1=l1, l2=l2, clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
            batch_size=batch_size, epochs=epochs, shuffle=shuffle, early_stopping=early_stopping,
            validation_fraction=validation_fraction, n_iter_no_change=n_iter_no_change, tol=tol,
            restore_best_weights=restore_best_weights, dtype=dtype, random_state=random_state,
            verbose=verbose, warm_start=warm_start, loss=loss, max_fun=max_fun)

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """Build a fresh network and train it for ``epochs`` epochs (or until it stops early).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), optional
            As :meth:`MLPClassifier.fit`.

        Returns
        -------
        self
        """
        return self._fit(X, y, partial=False, sample_weight=sample_weight)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """One epoch over (X, y); the first call builds the network.

        As :meth:`MLPClassifier.partial_fit`: the optimizer's state carries over, the network and
        its optimizer are made on the first call, ``early_stopping=True`` is refused.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        return self._fit(X, y, partial=True, sample_weight=sample_weight)

    def _check_params(self, first: bool) -> _Settings:
        check("loss", self.loss, Options(REGRESSION_LOSSES))
        return super()._check_params(first)

    def _encode_targets(self, y: np.ndarray, classes: Any, reset: bool, partial: bool) -> np.ndarray:
        width = 1 if y.ndim == 1 else y.shape[1]
        if reset:
            self.n_outputs_, self._y_ndim = width, y.ndim
        elif width != self.n_outputs_:
            raise ValueError(f"y: expected {self.n_outputs_} target column(s) as in the first fit, "
                             f"got {width}")
        return y.reshape(len(y), width)

    def _loss_and_output(self) -> tuple[str, str, list[str]]:
        return str(self.loss).lower(), "linear", []

    def _score_outputs(self, out: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> float:
        # r2_score's value (uniform average over the targets; a constant target scores 1 when
        # predicted exactly, else 0), without its input checks, once per epoch
        weights = np.ones(len(y)) if w is None else w
        mean = np.average(y, axis=0, weights=weights)
        residual = weights @ (y - out) ** 2
        total = weights @ (y - mean) ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = np.where(total > 0, 1.0 - residual / total, np.where(residual == 0, 1.0, 0.0))
        return float(np.mean(r2))

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets: shape (n_samples,) if y was 1-D in fit, else (n_samples, n_targets)."""
        out = self._forward(X)
        return out[:, 0] if self._y_ndim == 1 else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
