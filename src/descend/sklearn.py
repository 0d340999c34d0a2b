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
bit: an int is the model's seed itself (``MLPRegressor(random_state=0)`` starts from the same
weights as ``Sequential(..., seed=0)``), a ``RandomState``/``Generator`` is drawn from, and None
takes a fresh seed from the operating system — NumPy's global generator is never used. The seed
used is kept in ``seed_``.

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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.model_selection import train_test_split
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from . import activations, initializers
from .backend import resolve_dtype
from .batching import check_batch_size
from .callbacks import EarlyStopping
from .checks import BOOLEAN, Constraint, Interval, Options, check, is_number, keywords
from .layers import Dense, Input
from .model import Sequential
from .regularizers import L1L2

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
        f of the hidden layers: "linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu".
    kernel_initializer, bias_initializer : str, Initializer or callable
        Default "glorot_uniform" (Xavier uniform) and "zeros", as Keras; "he_normal",
        "xavier_normal", "lecun_uniform"... (:mod:`descend.initializers`).
    optimizer : str or Optimizer, default="adam"
        "sgd", "momentum", "nag", "adagrad", "rmsprop", "adadelta", "adam", "adamw", "nadam", or
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
        Hold out ``validation_fraction`` of the training data (stratified for a classifier when
        each class has at least two samples and fits in both parts) and
        stop when the validation loss has not fallen by more than ``tol`` for
        ``n_iter_no_change`` epochs in a row.
    validation_fraction : float, default=0.1
        Share of the data held out for early stopping, in (0, 1).
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    tol : float, default=1e-4
        Smallest fall of the validation loss that counts as an improvement.
    restore_best_weights : bool, default=True
        With early stopping, end with the weights of the epoch with the lowest validation loss.
    dtype : {"float32", "float64"} or None, default=None
        Precision of the network's weights and arithmetic; None: the dtype of the X given to the
        first fit, float32 if it is float32, else float64 (as scikit-learn's MLP).
    random_state : int, RandomState, Generator or None
        Seed of the weights, the shuffling and the validation split (see the module docstring).
    verbose : int or bool, default=0
        0 silent, 1 progress bar (one line per epoch when the output is not a terminal), 2 (or
        True) one line per epoch.
    warm_start : bool, default=False
        ``fit`` on a fitted estimator continues training its network (weights, optimizer state,
        shuffling generator) for ``epochs`` more epochs instead of starting afresh; the curves
        and ``n_iter_`` continue too."""

_ATTRIBUTES = """\
    model_ : Sequential
        The trained network.
    history_ : dict of str to list of float
        Per-epoch logs of all training so far: "loss", "learning_rate", and (early stopping)
        "val_loss"; the classifier adds "accuracy".
    loss_curve_ : list of float
        ``history_["loss"]``: the training loss of each epoch (penalties included).
    validation_loss_curve_ : list of float or None
        The validation loss of each epoch with early stopping, else None.
    best_validation_loss_ : float or None
        Lowest validation loss with early stopping, else None.
    n_iter_ : int
        Epochs trained (fewer than ``epochs`` when stopped early; counts partial_fit calls).
    t_ : int
        Weight updates made (the optimizer's step count).
    seed_ : int
        The seed the network was built and shuffled with.
    n_features_in_ : int
        Number of features seen in fit.
    feature_names_in_ : ndarray of str
        Names of the features, when X has string column names.
    n_outputs_ : int
        Width of the output layer.
    out_activation_ : str
        Activation of the output layer."""


#: a count of epochs (the messages say "an integer", as the estimator's always have)
_EPOCHS = Interval(int, 1, noun="an integer")
#: a penalty or a tolerance
_NON_NEGATIVE = Interval(float, 0.0, math.inf, closed="left")
#: the plain parameters, each checked against its constraint
_PLAIN: dict[str, Constraint[Any]] = {
    "l1": _NON_NEGATIVE, "l2": _NON_NEGATIVE, "tol": _NON_NEGATIVE,
    "epochs": _EPOCHS, "n_iter_no_change": _EPOCHS,
    "shuffle": BOOLEAN, "early_stopping": BOOLEAN, "restore_best_weights": BOOLEAN,
    "validation_fraction": Interval(float, 0.0, 1.0, closed="neither"),
}
#: the estimator's parameters an optimizer_params dict must not repeat
_ESTIMATOR_OPTIMIZER_PARAMETERS = frozenset(OPTIMIZER_KEYWORDS) | {"learning_rate", "flavor", "schedule"}


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
    n_iter_no_change: int
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
    if not (isinstance(value, (bool, np.bool_)) or is_number(value, int)) or value not in (0, 1, 2):
        raise ValueError(f"verbose: expected 0, 1, 2, False or True, got {value!r}")
    return 2 if value is True else int(value)


class _BaseMLP(BaseEstimator):
    """Shared machinery of :class:`MLPClassifier` and :class:`MLPRegressor` (not public)."""

    model_: Sequential   # set by fit

    def __init__(self, hidden_layer_sizes: int | Sequence[int] = (100,), activation: Any = "relu", *,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
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
                 warm_start: bool = False, loss: str | None = None) -> None:
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

    # ------------------------------------------------------------------ to fill in subclasses
    def _encode_targets(self, y: np.ndarray, classes: Any, reset: bool) -> np.ndarray:
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
            verbose=_verbose(self.verbose),
            **{name: check(name, getattr(self, name), constraint) for name, constraint in _PLAIN.items()})
        if first:
            settings.seed = self._seed()
            settings.optimizer = self._make_optimizer()  # validates its keywords too
        return settings

    def _built(self, name: str, get: Any) -> Any:
        """The object the parameter ``name`` names (an activation, an initializer), or its error."""
        try:
            built = get(getattr(self, name))
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
        return cls(learning_rate=learning_rate, **kwargs)

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

        if not isinstance(self.optimizer, str) or self.optimizer.lower() not in optimizers.REGISTRY:
            raise ValueError(f"optimizer: expected one of {sorted(optimizers.REGISTRY)} or an Optimizer "
                             f"instance, got {self.optimizer!r}")
        return optimizers.REGISTRY[self.optimizer.lower()]

    # ------------------------------------------------------------------ building and training
    def _build(self, checked: _Settings, n_features: int) -> Sequential:
        loss, out_activation, metrics = self._loss_and_output()
        reg = L1L2(checked.l1, checked.l2) if checked.l1 or checked.l2 else None
        common = {"kernel_initializer": checked.kernel_initializer,
                  "bias_initializer": checked.bias_initializer, "kernel_regularizer": reg}
        assert checked.dtype is not None   # the data's, when the parameter is None
        model = Sequential([Input(shape=(n_features,))], dtype=checked.dtype.name, seed=checked.seed,
                           name=type(self).__name__.lower())
        for units in checked.sizes:
            model.add(Dense(units, activation=checked.activation, **common))
        model.add(Dense(self.n_outputs_, activation=out_activation, **common))
        model.compile(optimizer=checked.optimizer, loss=loss, metrics=metrics)
        self.out_activation_ = out_activation
        self.seed_ = checked.seed
        return model

    def _validation_split(self, X: np.ndarray, y: np.ndarray, checked: _Settings
                          ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
        stratify = None
        if isinstance(self, ClassifierMixin):
            # stratified where every class can appear in both parts; a plain shuffled split otherwise
            counts = np.bincount(y)
            counts = counts[counts > 0]
            n_val = int(np.ceil(checked.validation_fraction * len(y)))
            if counts.min() >= 2 and len(counts) <= n_val <= len(y) - len(counts):
                stratify = y
        state = int(np.random.default_rng([checked.seed, 2]).integers(2 ** 31 - 1))
        try:
            X_train, X_val, y_train, y_val = train_test_split(
                X, y, test_size=checked.validation_fraction, random_state=state, stratify=stratify)
        except ValueError as exc:
            raise ValueError(f"validation_fraction: holding out {checked.validation_fraction} of "
                             f"{len(X)} sample(s) for early stopping failed: {exc}") from None
        return X_train, y_train, (X_val, y_val)

    def _train(self, X: np.ndarray, y: np.ndarray, validation: tuple[np.ndarray, np.ndarray] | None,
               checked: _Settings, epochs: int) -> None:
        callbacks: list[EarlyStopping] = []
        if validation is not None:
            callbacks.append(EarlyStopping(monitor="val_loss", min_delta=checked.tol,
                                           patience=checked.n_iter_no_change,
                                           restore_best_weights=checked.restore_best_weights))
        history = self.model_.fit(X, y, epochs=epochs, batch_size=checked.batch_size,
                                  shuffle=checked.shuffle, validation_data=validation,
                                  callbacks=callbacks, verbose=checked.verbose)
        for key, values in history.history.items():
            self.history_.setdefault(key, []).extend(float(v) for v in values)
        self.n_iter_ += len(history.epoch)
        self.t_ = int(self.model_.optimizer.iterations)
        self.loss_curve_ = self.history_["loss"]
        self.validation_loss_curve_ = self.history_.get("val_loss")
        self.best_validation_loss_ = None if callbacks == [] else float(callbacks[0].best)

    def _fit(self, X: Any, y: Any, *, partial: bool, classes: Any = None) -> _BaseMLP:
        warm = check("warm_start", self.warm_start, BOOLEAN)
        first = not hasattr(self, "model_") or not (partial or warm)
        checked = self._check_params(first)
        X, y = self._validate_xy(X, y, reset=first, dtype=checked.dtype if first else self.model_.dtype)
        if checked.dtype is None:
            checked.dtype = X.dtype   # the input's float dtype (float64 for any other input)
        y = self._encode_targets(y, classes, reset=first)
        if not first:
            checked.seed = self.seed_
        validation = None
        if checked.early_stopping and not partial:
            X, y, validation = self._validation_split(X, y, checked)   # stratified on the labels
            validation = (validation[0], self._network_targets(validation[1]))
        y = self._network_targets(y)
        if first:
            self.model_ = self._build(checked, X.shape[1])
            self.history_: dict[str, list[float]] = {}
            self.n_iter_ = 0
        self._train(X, y, validation, checked, 1 if partial else checked.epochs)
        return self

    def _validate_xy(self, X: Any, y: Any, reset: bool, dtype: np.dtype | None
                     ) -> tuple[np.ndarray, np.ndarray]:
        # float32 and float64 pass as they are (the network converts to its own dtype); any other
        # input becomes ``dtype``, float64 when the parameter is None
        wanted = np.dtype(np.float64) if dtype is None else dtype
        dtypes = [wanted, np.float32 if wanted == np.float64 else np.float64]
        regressor = isinstance(self, RegressorMixin)
        return validate_data(self, X, y, reset=reset, dtype=dtypes, multi_output=regressor,
                             y_numeric=regressor)

    def _forward(self, X: Any) -> np.ndarray:
        """The network's outputs for X, float64, after the checks of a fitted estimator."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[self.model_.dtype, np.float64, np.float32])
        return self.model_.predict(X).astype(np.float64)

    # ------------------------------------------------------------------ weights, sklearn-style
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Copies of the kernels, (inputs, units) per layer — scikit-learn's ``coefs_``."""
        check_is_fitted(self)
        return [layer.kernel.copy() for layer in self.model_.layers if isinstance(layer, Dense)]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Copies of the biases per layer — scikit-learn's ``intercepts_``."""
        check_is_fitted(self)
        biases = [layer.bias for layer in self.model_.layers if isinstance(layer, Dense)]
        return [b.copy() for b in biases if b is not None]  # the estimator's layers all have one

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

    Parameters
    ----------
{_PARAMETERS}
    loss : str, optional
        None: the defaults above. Else one of {", ".join(CLASSIFICATION_LOSSES)}; every loss but
        "sparse_categorical_crossentropy" is computed on one-hot target rows, so the slides'
        "squared_error" ½ Σ(y − ŷ)² classifies as the lecture does. Two classes take one sigmoid
        output, except with the categorical cross-entropies (two softmax outputs); more classes
        take a softmax output.

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

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Build a fresh network and train it for ``epochs`` epochs (or until it stops early).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels, at least two distinct ones.

        Returns
        -------
        self
        """
        return self._fit(X, y, partial=False)

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> MLPClassifier:
        """One epoch over (X, y); the first call builds the network and needs ``classes``.

        The optimizer's state (moments, step count, schedule) carries over from call to call, so
        k calls on the same data train exactly as ``fit`` with ``epochs=k``. The network and its
        optimizer are made on the first call: later changes of their parameters apply at the next
        ``fit``. ``early_stopping`` does not apply (an incremental fit holds no data out).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), optional
            Every label that will ever appear; required on the first call, and if given later it
            must equal ``classes_``.

        Returns
        -------
        self
        """
        if not hasattr(self, "model_") and classes is None:
            raise ValueError("classes: expected every class label on the first call to partial_fit, got None")
        return self._fit(X, y, partial=True, classes=classes)

    def _encode_targets(self, y: np.ndarray, classes: Any, reset: bool) -> np.ndarray:
        check_classification_targets(y)
        if reset:
            self.classes_ = np.unique(y) if classes is None else np.unique(np.asarray(classes))
            if len(self.classes_) < 2:
                raise ValueError(f"y: expected at least 2 classes, got 1 class ({self.classes_[0]!r}); "
                                 f"a classifier cannot learn from one class")
            one = len(self.classes_) == 2 and self.loss not in _PER_CLASS_LOSSES
            self.n_outputs_ = 1 if one else len(self.classes_)
        elif classes is not None and not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
            raise ValueError(f"classes: expected the classes of the first partial_fit call "
                             f"{self.classes_.tolist()}, got {np.unique(np.asarray(classes)).tolist()}")
        unknown = np.setdiff1d(y, self.classes_)
        if unknown.size:
            raise ValueError(f"y: labels {unknown.tolist()[:5]} are not among classes_ "
                             f"{self.classes_.tolist()}")
        return np.searchsorted(self.classes_, y)

    def _check_params(self, first: bool) -> _Settings:
        if self.loss is not None:
            check("loss", self.loss, Options(CLASSIFICATION_LOSSES))
        return super()._check_params(first)

    def _loss_and_output(self) -> tuple[str, str, list[str]]:
        if self.n_outputs_ == 1:
            return self.loss or "binary_crossentropy", "sigmoid", ["accuracy"]
        return self.loss or "sparse_categorical_crossentropy", "softmax", ["accuracy"]

    def _network_targets(self, y: np.ndarray) -> np.ndarray:
        if self.n_outputs_ > 1 and self.loss not in (None, "sparse_categorical_crossentropy"):
            return np.eye(self.n_outputs_)[y]   # one-hot rows: the loss compares vectors
        return y

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in the order of ``classes_``."""
        out = self._forward(X)
        if self.n_outputs_ == 1:
            return np.hstack([1.0 - out, out])
        return out

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Logarithm of :meth:`predict_proba` (−inf where a probability underflows to 0)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each sample (from ``classes_``)."""
        proba = self.predict_proba(X)  # checks fitted first
        return self.classes_[np.argmax(proba, axis=1)]


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
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
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
                 warm_start: bool = False, loss: str = "mse") -> None:
        super().__init__(
            hidden_layer_sizes, activation, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, optimizer=optimizer, learning_rate=learning_rate,
            momentum=momentum, nesterov=nesterov, rho=rho, epsilon=epsilon, beta_1=beta_1, beta_2=beta_2,
            optimizer_params=optimizer_params, flavor=flavor, schedule=schedule, weight_decay=weight_decay,
            l1=l1, l2=l2, clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
            batch_size=batch_size, epochs=epochs, shuffle=shuffle, early_stopping=early_stopping,
            validation_fraction=validation_fraction, n_iter_no_change=n_iter_no_change, tol=tol,
            restore_best_weights=restore_best_weights, dtype=dtype, random_state=random_state,
            verbose=verbose, warm_start=warm_start, loss=loss)

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        """Build a fresh network and train it for ``epochs`` epochs (or until it stops early).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self
        """
        return self._fit(X, y, partial=False)

    def partial_fit(self, X: Any, y: Any) -> MLPRegressor:
        """One epoch over (X, y); the first call builds the network.

        As :meth:`MLPClassifier.partial_fit`: the optimizer's state carries over, the network and
        its optimizer are made on the first call, ``early_stopping`` does not apply.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self
        """
        return self._fit(X, y, partial=True)

    def _check_params(self, first: bool) -> _Settings:
        check("loss", self.loss, Options(REGRESSION_LOSSES))
        return super()._check_params(first)

    def _encode_targets(self, y: np.ndarray, classes: Any, reset: bool) -> np.ndarray:
        width = 1 if y.ndim == 1 else y.shape[1]
        if reset:
            self.n_outputs_, self._y_ndim = width, y.ndim
        elif width != self.n_outputs_:
            raise ValueError(f"y: expected {self.n_outputs_} target column(s) as in the first fit, "
                             f"got {width}")
        return y.reshape(len(y), width)

    def _loss_and_output(self) -> tuple[str, str, list[str]]:
        return str(self.loss).lower(), "linear", []

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets: shape (n_samples,) if y was 1-D in fit, else (n_samples, n_targets)."""
        out = self._forward(X)
        return out[:, 0] if self._y_ndim == 1 else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
