"""``descend train``: train a multi-layer perceptron on a data set by gradient descent.

Data: a bundled set (digits, iris, wine, breast_cancer, diabetes), a generated 2-D set (moons,
circles, xor, spiral, gaussians) or a CSV file. A test part is held out (``--test-size``), the
inputs are standardised with the training part's mean and standard deviation (saved with the
model, so ``evaluate`` and ``predict`` apply the same transform), and a validation part may be
held out of the training part (``--validation-split``, the last fraction, as Keras).

The live progress bar (rich) shows the epoch and batch, the running loss and metrics, the
learning rate and the time left; it is drawn only on a terminal (elsewhere, one line per
epoch), and ``--quiet`` turns off all output. ``--out DIR`` receives ``model.safetensors`` (see
``descend.saving``), ``history.csv``, ``history.json``, ``curves.png`` (unless ``--no-plot``)
and ``results.json``.

Resuming: ``descend train --resume DIR --epochs N`` loads the run saved in DIR and trains **N
more** epochs with the same data, split, standardisation, batch size and validation split, the
optimizer state and the shuffling generator from the checkpoint — the result is bit for bit that
of one uninterrupted run. Options that would change the run (data, model, optimizer) are
refused with --resume; ``--out`` (default: DIR itself), ``--early-stopping`` and ``--quiet``
may be given, and ``--csv NEW`` when the run's CSV file moved. A CSV run records the SHA-256 of
its file: ``--resume`` refuses a file that changed (``evaluate`` warns), and a path stored in a
model is read again only when its hash matches.

The output folder is written as a unit (see docs/saving.md): its files always
describe one run, even when the process is killed or the disk is full, and a second run given
the same folder while one writes it stops at once. A run that diverges writes the history up to
the divergence to ``diverged-history.csv`` / ``.json`` in ``--out``, and every update of the epoch
in which it diverged (its loss and learning rate, the blow-up itself; epochs and updates counted
from 0, as in ``history.csv``) to ``diverged-updates.csv``.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import batching, optimizers, regularizers, saving
from ..callbacks import Callback, EarlyStopping, ProgressBar
from ..checks import Interval, check, keywords
from ..datasets import Standardizer
from ..errors import DivergenceError
from ..layers import Dense, Input, Layer
from ..losses import REGISTRY as LOSSES
from ..losses import Loss
from ..model import Sequential
from . import _common as common
from ._runfolder import RunFolder, disagreement

EPILOG = """examples:
  descend train --data digits --layers 64 --optimizer adam --lr 1e-3 --epochs 40 --out runs/digits
  descend train --data moons --noise 0.2 --layers 16,16 --activation tanh --gd batch --epochs 200
  descend train --data spiral --n-classes 3 --layers 64,64 --optimizer momentum --opt momentum=0.9 \\
                --schedule exponential:decay_rate=0.96,decay_steps=100,staircase=true
  descend train --data diabetes --layers 32 --optimizer rmsprop --lr 0.01 --l2 1e-4 --early-stopping 10 \\
                --validation-split 0.2
  descend train --csv houses.csv --target price --layers 32,16 --gd mini-batch --batch-size 64
  descend train --data xor --gd stochastic --optimizer sgd --lr 0.05 --flavor torch --clip-norm 1
  descend train --resume runs/digits --epochs 10          # 10 more epochs, bit for bit
"""

#: options whose change would make a resumed run a different run (dest -> flag)
_FIXED_ON_RESUME = {
    "data": "--data", "target": "--target", "task": "--task", "n_samples": "--n-samples",
    "noise": "--noise", "factor": "--factor", "n_classes": "--n-classes", "test_size": "--test-size",
    "no_standardize": "--no-standardize", "layers": "--layers", "activation": "--activation",
    "init": "--init", "output_activation": "--output-activation", "loss": "--loss", "loss_opt": "--loss-opt",
    "metrics": "--metrics",
    "dtype": "--dtype", "optimizer": "--optimizer", "lr": "--lr", "opt": "--opt", "schedule": "--schedule",
    "gd": "--gd", "batch_size": "--batch-size", "weight_decay": "--weight-decay", "l1": "--l1", "l2": "--l2",
    "clip_norm": "--clip-norm", "clip_value": "--clip-value", "global_clip_norm": "--global-clip-norm",
    "flavor": "--flavor", "validation_split": "--validation-split", "seed": "--seed",
    "no_shuffle": "--no-shuffle",
}


#: a batch size, a number of epochs (the messages say "a positive integer")
_POSITIVE = Interval(int, 1, noun="a positive integer")


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = common.add_data_arguments(p, required=True)
    g.add_argument("--test-size", type=float, default=None,
                   help="fraction held out for the test (0: none) (default: 0.2)")
    g.add_argument("--no-standardize", action="store_true", default=None,
                   help="keep the raw inputs (default: standardise with the training part's statistics)")
    g = p.add_argument_group("model")
    g.add_argument("--layers", default=None,
                   help="hidden layer widths, comma-separated ('' for none) (default: 64)")
    g.add_argument("--activation", default=None,
                   help="hidden activation (relu, tanh, sigmoid, elu, ...) (default: relu)")
    g.add_argument("--init", default=None,
                   help="kernel initializer (he_normal, glorot_uniform, ...) (default: he_normal for the "
                        "ReLU family, else glorot_uniform)")
    g.add_argument("--output-activation", default=None,
                   help="activation of the output layer (default: softmax for several classes, sigmoid "
                        "for two, linear for regression)")
    g.add_argument("--loss", default=None, choices=sorted(LOSSES), metavar="NAME",
                   help=f"the cost E, one of {', '.join(sorted(LOSSES))}: squared_error is the slides' "
                        "½Σ(y−ŷ)² and sum_squared_error Σ(y−ŷ)², both sums over the batch (they grow "
                        "with its size; the results table adds the per-sample mean); mse is Keras's "
                        "mean 1/(N·K)·Σ(y−ŷ)². Class labels are one-hot coded for every loss but "
                        "sparse_categorical_crossentropy (default: sparse_categorical_crossentropy for "
                        "several classes, binary_crossentropy for two, mse for regression)")
    g.add_argument("--loss-opt", action="append", default=None, metavar="KEY=VALUE",
                   help="a keyword of the loss, repeatable, e.g. --loss-opt label_smoothing=0.1: "
                        "reduction (sum_over_batch_size, sum), from_logits=true (the output layer then "
                        "defaults to linear), label_smoothing (binary and categorical cross-entropy), "
                        "ignore_class (sparse, a class number, as the labels are coded)")
    g.add_argument("--metrics", default=None,
                   help="quantities reported besides the loss, comma-separated (default: accuracy for "
                        "classification, mae,rmse,r2 for regression)")
    g.add_argument("--dtype", choices=("float32", "float64"), default=None,
                   help="precision of the weights and the arithmetic (default: float32)")
    g = p.add_argument_group("training")
    g.add_argument("--optimizer", default=None,
                   help=f"one of {', '.join([*optimizers.REGISTRY, *optimizers.SOLVERS])} (default: adam)")
    g.add_argument("--lr", type=float, default=None,
                   help="learning rate η (default: the optimizer's default)")
    g.add_argument("--opt", action="append", default=None, metavar="KEY=VALUE",
                   help="any other optimizer keyword, e.g. --opt momentum=0.9 --opt nesterov=true")
    g.add_argument("--schedule", default=None, metavar="NAME:KEY=VALUE,...",
                   help="learning-rate schedule of the update step, e.g. "
                        "exponential:decay_rate=0.96,decay_steps=100,staircase=true "
                        "(initial_learning_rate defaults to --lr)")
    g.add_argument("--gd", choices=batching.GD_KINDS, default=None,
                   help="kind of gradient descent: all samples, one, or --batch-size per update "
                        "(default: mini-batch)")
    g.add_argument("--batch-size", type=int, default=None, help="mini-batch size h (default: 32)")
    g.add_argument("--epochs", type=int, default=None,
                   help="epochs to train (with --resume: more epochs) (default: 20)")
    g.add_argument("--weight-decay", type=float, default=None, help="λ, as the optimizer's flavor applies it")
    g.add_argument("--l1", type=float, default=None, help="L1 penalty on every kernel")
    g.add_argument("--l2", type=float, default=None, help="L2 penalty on every kernel")
    g.add_argument("--clip-norm", type=float, default=None, help="clip each gradient's norm")
    g.add_argument("--clip-value", type=float, default=None, help="clip gradient elements to ±value")
    g.add_argument("--global-clip-norm", type=float, default=None,
                   help="clip the norm of all gradients together")
    g.add_argument("--flavor", choices=optimizers.FLAVORS, default=None,
                   help="optimizer conventions (default: $DESCEND_FLAVOR, else lecture)")
    g.add_argument("--validation-split", type=float, default=None,
                   help="last fraction of the training part used for validation (default: 0.1)")
    g.add_argument("--early-stopping", type=int, default=None, metavar="PATIENCE",
                   help="stop after PATIENCE epochs without improvement of val_loss (or loss) and "
                        "restore the best weights")
    g.add_argument("--no-shuffle", action="store_true", default=None, help="keep the data's order each epoch")
    g.add_argument("--seed", type=int, default=None,
                   help="seeds data, split, initialisation and shuffling (default: 0)")
    g = p.add_argument_group("output")
    g.add_argument("--out", default=None, metavar="DIR",
                   help="write model.safetensors, history.csv/json, curves.png, results.json here")
    g.add_argument("--no-plot", action="store_true", help="skip curves.png (matplotlib is slow to start)")
    g.add_argument("--resume", default=None, metavar="DIR", help="continue the run saved in DIR")
    g.add_argument("--quiet", action="store_true", help="no progress bar, no tables")


# ------------------------------------------------------------------------------------- building
def _pick(value: Any, default: Any) -> Any:
    return default if value is None else value


def _batch_size(args: argparse.Namespace) -> int | None:
    gd = args.gd or "mini-batch"
    if gd == "batch":
        if args.batch_size is not None:
            raise ValueError(f"--batch-size: batch GD uses all samples per update; got --batch-size "
                             f"{args.batch_size} with --gd batch")
        return None
    if gd == "stochastic":
        if args.batch_size not in (None, 1):
            raise ValueError(f"--batch-size: stochastic GD uses one sample per update; got {args.batch_size}")
        return 1
    return check("--batch-size", _pick(args.batch_size, 32), _POSITIVE)


def _optimizer(args: argparse.Namespace) -> Any:
    """The optimizer the options name; a library error names the option that gave the value."""
    kwargs: dict[str, Any] = {}
    for item in args.opt or []:
        kwargs.update(common.parse_key_values("--opt", item))
    given = {key: f"--opt {key}" for key in kwargs}   # before the other options join kwargs
    if args.schedule is not None:
        try:
            kwargs["learning_rate"] = common.parse_schedule(args.schedule, args.lr)
        except ValueError as exc:   # a schedule's own keyword, e.g. decay_rate, given in --schedule
            if str(exc).startswith("--"):
                raise
            raise ValueError(f"--schedule {exc}") from None
    elif args.lr is not None:
        kwargs["learning_rate"] = args.lr
    for dest, key in (("weight_decay", "weight_decay"), ("clip_norm", "clipnorm"),
                      ("clip_value", "clipvalue"), ("global_clip_norm", "global_clipnorm"),
                      ("flavor", "flavor")):
        if getattr(args, dest) is not None:
            kwargs[key] = getattr(args, dest)
    name = _pick(args.optimizer, "adam")
    with common.as_options({"optimizer": "--optimizer", **_OPTIMIZER_OPTIONS, **given}):  # as given
        cls = optimizers.get_class(name)
        _refuse_unknown("--opt", cls.__name__, cls, kwargs)
        try:
            return optimizers.get(name, **kwargs)
        except TypeError as exc:
            raise ValueError(f"--opt: {exc}") from None


def _refuse_unknown(option: str, what: str, cls: type, kwargs: dict[str, Any]) -> None:
    """A keyword given with ``option`` that ``cls`` does not take is an error naming the option
    and what the class takes."""
    accepted = keywords(cls)
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise ValueError(f"{option}: {what} takes no keyword {unknown[0]!r}; it takes "
                         f"{', '.join(sorted(accepted)) or 'none'}")


def _loss(args: argparse.Namespace, name: str) -> Loss:
    """The loss ``name`` with the keywords of --loss-opt (errors name --loss-opt)."""
    kwargs: dict[str, Any] = {}
    for item in args.loss_opt or []:
        kwargs.update(common.parse_key_values("--loss-opt", item))
    cls = LOSSES[name]
    _refuse_unknown("--loss-opt", name, cls, kwargs)
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"--loss-opt {exc}") from None


def _model(args: argparse.Namespace, n_features: int, data: Any) -> Sequential:
    activation = _pick(args.activation, "relu")
    init = args.init or ("he_normal" if activation in ("relu", "leaky_relu", "elu") else "glorot_uniform")
    with common.as_options({"l1": "--l1", "l2": "--l2"}):
        reg = regularizers.L1L2(l1=args.l1 or 0.0, l2=args.l2 or 0.0) if (args.l1 or args.l2) else None
    units, out_act, name, metrics = _output(args, data)
    loss = _loss(args, name)
    if getattr(loss, "from_logits", False) and args.output_activation is None:
        out_act = "linear"      # from logits: the loss reads z, the output layer's linear part
    with common.as_options({"activation": "--activation", "initializer": "--init"}):
        hidden: list[Layer] = [Dense(u, activation, kernel_initializer=init, kernel_regularizer=reg)
                               for u in common.parse_layers(_pick(args.layers, "64"))]
    with common.as_options({"activation": "--output-activation"}):
        output = Dense(units, out_act, kernel_regularizer=reg)
    model = Sequential([Input(n_features), *hidden, output], seed=_pick(args.seed, 0),
                       dtype=_pick(args.dtype, "float32"))
    model.compile(optimizer=_optimizer(args), loss=loss, metrics=metrics)
    return model


#: an optimizer keyword → the option of descend train that sets it (others: --opt KEY=VALUE)
_OPTIMIZER_OPTIONS = {"learning_rate": "--lr", "weight_decay": "--weight-decay", "clipnorm": "--clip-norm",
                      "clipvalue": "--clip-value", "global_clipnorm": "--global-clip-norm",
                      "flavor": "--flavor"}


def _output(args: argparse.Namespace, data: Any) -> tuple[int, str, str, list[str]]:
    """(units, activation, loss, metrics) of the output layer: the options given, else the task's
    defaults (one sigmoid for two classes, a softmax for more, one linear unit for regression).
    The categorical cross-entropies take one output per class, also for two classes."""
    if data.task == "classification":
        binary = data.n_classes == 2 and args.loss not in ("categorical_crossentropy",
                                                           "sparse_categorical_crossentropy")
        units = 1 if binary else data.n_classes
        out_act = args.output_activation or ("sigmoid" if binary else "softmax")
        loss = args.loss or ("binary_crossentropy" if binary else "sparse_categorical_crossentropy")
        metrics = ["accuracy"]
    else:
        units, out_act, loss = 1, args.output_activation or "linear", args.loss or "mse"
        metrics = ["mae", "rmse", "r2"]
    if args.metrics is not None:
        metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
        _checked_metrics(metrics, sparse=loss == "sparse_categorical_crossentropy" and units > 1)
    return units, out_act, loss, metrics


def _checked_metrics(names: list[str], sparse: bool) -> None:
    """Known names (refused here, naming --metrics, not at the first update); with sparse labels the
    targets are class numbers, not one row per output, and only an accuracy compares them with the
    outputs (mae of (N, K) outputs against (N,) labels broadcast)."""
    from .. import metrics

    for name in names:
        with common.as_options({"metrics": "--metrics"}):
            metrics.get(name)
        key = metrics.ALIASES.get(name.lower(), name.lower())
        if sparse and key in metrics.REGISTRY and key != "sparse_categorical_accuracy":
            raise ValueError(f"--metrics: {name!r} compares the outputs with targets of their shape, and "
                             f"with --loss sparse_categorical_crossentropy the targets are class labels; "
                             f"use accuracy, or a loss on one-hot targets such as --loss "
                             f"categorical_crossentropy")


def _fresh(args: argparse.Namespace) -> tuple[Any, dict[str, Any], Any]:
    seed = _pick(args.seed, 0)
    spec = common.data_spec(args, seed)
    if spec is None:
        raise ValueError("--data or --csv: name the data to train on (or --resume DIR)")
    data = common.load_spec(spec)
    if data.task == "classification" and (data.n_classes or 0) < 2:
        raise ValueError(f"--target: the column {data.target!r} holds one class only "
                         f"({list(data.target_names or [])}); a classifier needs at least 2 "
                         f"(--task regression for a numeric target)")
    if "csv" in spec:  # recorded, so that a later --resume or evaluate can tell the same data
        spec["sha256"] = common.file_sha256(spec["csv"])
    cli: dict[str, Any] = {
        "data": spec, "seed": seed, "test_size": _pick(args.test_size, 0.2), "task": data.task,
        "n_classes": data.n_classes, "feature_names": list(data.feature_names),
        "target_names": None if data.target_names is None else list(data.target_names),
        "batch_size": _batch_size(args), "validation_split": _pick(args.validation_split, 0.1),
        "shuffle": not args.no_shuffle, "standardizer": None,
    }
    cli["test_size"] = check("--test-size", cli["test_size"],
                             Interval(float, 0.0, 1.0, closed="left", noun="a fraction"))
    model = _model(args, data.n_features, data)
    return model, cli, data


def _resumed(args: argparse.Namespace) -> tuple[Any, dict[str, Any], Any]:
    given = [flag for dest, flag in _FIXED_ON_RESUME.items() if getattr(args, dest, None) is not None]
    if given:
        raise ValueError(f"{given[0]}: cannot be changed when resuming; --resume continues the saved run "
                         "as it was (only --epochs, --out, --early-stopping, --quiet, --no-plot and "
                         "--csv for a CSV file that moved may be given)")
    model, cli = common.load_trained(args.resume)
    folder = Path(args.resume)
    problem = disagreement(folder, model) if folder.is_dir() else None
    if problem is not None:
        raise ValueError(f"--resume: {str(folder)!r} does not describe one run ({problem}); its model "
                         f"is the last complete save: remove history.* and results.json to resume from it")
    if "csv" in cli["data"]:
        cli["data"] = common.recorded_csv(args.resume, cli["data"], args.csv, "--csv")
    elif args.csv is not None:
        raise ValueError(f"--csv: the run was trained on the data set {cli['data']['name']!r}, "
                         f"not a CSV file")
    return model, cli, common.load_spec(cli["data"])


# ------------------------------------------------------------------------------------------ run
def run(args: argparse.Namespace) -> int:
    folder = _output_folder(args)  # created and locked before anything is loaded or trained
    try:
        return _run(args, folder)
    finally:
        if folder is not None:
            folder.close()


def _run(args: argparse.Namespace, folder: RunFolder | None) -> int:
    resuming = args.resume is not None
    epochs = check("--epochs", _pick(args.epochs, 20), _POSITIVE)
    model, cli, data = _resumed(args) if resuming else _fresh(args)
    out = None if folder is None else folder.path

    y_all = common.encode_targets(cli, data, "data")
    X_all = common.align_features(cli, data.feature_names, data.X, "data")
    X_train, X_test, y_train, y_test = common.split(cli, X_all, y_all)
    if not resuming and not args.no_standardize:   # fitted on the training part only
        cli["standardizer"] = Standardizer().fit(X_train).get_config()
    X_train, X_test = common.standardize(cli, X_train), common.standardize(cli, X_test)
    if cli["task"] == "classification":   # after the split, which stratifies on the labels
        y_train, y_test = common.model_targets(model, y_train), common.model_targets(model, y_test)

    con = common.console(args.quiet)
    if not resuming:
        con.print(f"[bold]{data.name}[/]: {data.n_samples} samples, {data.n_features} features, {data.task}"
                  + (f", {data.n_classes} classes" if data.n_classes else ""))
    start_epoch = model.epochs_trained
    started = time.perf_counter()
    updates = _EpochUpdates()
    try:
        model.fit(X_train, y_train, epochs=start_epoch + epochs, initial_epoch=start_epoch,
                  batch_size=cli["batch_size"], shuffle=cli["shuffle"],
                  validation_split=cli["validation_split"], seed=None if resuming else cli["seed"],
                  callbacks=[*_callbacks(args, cli), updates], verbose=0)
    except DivergenceError as exc:
        raise _diverged(exc, model, out, updates) from None
    took = time.perf_counter() - started

    results = _results(model, X_test, y_test, took, start_epoch, len(X_train))
    if folder is not None:
        _write_outputs(model, cli, folder, results, plot=not args.no_plot)
    _summary(con, model, cli, data, results, out)
    return 0


def _output_folder(args: argparse.Namespace) -> RunFolder | None:
    """Where to write: --out, else the folder resumed from, else nowhere; opened (created and
    locked) at once, so that a folder that cannot be written fails before training."""
    if args.out is not None:
        return RunFolder(args.out, "--out").open()
    if args.resume is not None:
        if Path(args.resume).is_dir():
            return RunFolder(args.resume, "--resume").open()
        if Path(args.resume).exists():
            raise ValueError(f"--resume: expected a folder written by 'descend train --out', got the file "
                             f"{args.resume!r}")
        return None  # nothing there: loading it says so
    return None


class _EpochUpdates(Callback):
    """The loss and learning rate of every update of the epoch under way (a run that diverges in
    its first epoch has no history of whole epochs: these show the blow-up)."""

    def __init__(self) -> None:
        super().__init__()
        self.epoch, self.rows = 0, list[tuple[int, int, float, float]]()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch, self.rows = epoch, []

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        loss = logs.get("loss")
        self.rows.append((self.epoch, batch, float("nan") if loss is None else float(loss),
                          float(logs.get("lr", float("nan")))))

    def csv(self) -> str:
        """epoch and update counted from 0, as history.csv counts its epochs."""
        lines = ["epoch,update,loss,learning_rate"]
        lines += [f"{e},{b},{loss!r},{lr!r}" for e, b, loss, lr in self.rows]
        return "\n".join(lines) + "\n"


def _diverged(exc: DivergenceError, model: Any, out: Path | None, updates: _EpochUpdates) -> DivergenceError:
    """The error of a run that diverged, its message naming the options to change as flags (the
    same attributes: a sweep records where it diverged), after writing the history up to the
    divergence, and the updates of the epoch that diverged, to --out so that the blow-up can be
    looked at."""
    message = str(exc).replace("gradient clipping (clipnorm=...)", "gradient clipping (--clip-norm)")
    message = message.replace("a smaller learning rate", "a smaller learning rate (--lr)")
    history = getattr(model, "history", None)
    if out is not None and history is not None:
        csv_file, json_file = out / "diverged-history.csv", out / "diverged-history.json"
        saving.atomic_write_text(csv_file, _history_csv(history))
        saving.atomic_write_text(json_file, _history_json(history))
        saving.atomic_write_text(out / "diverged-updates.csv", updates.csv())
        message += (f" The history up to the divergence is in {csv_file} and {json_file.name}, the updates "
                    "of the epoch that diverged in diverged-updates.csv (epochs and updates counted from 0 "
                    "there, as in history.csv).")
    return DivergenceError(message, epoch=exc.epoch, update=exc.update, layer=exc.layer, loss=exc.loss,
                           restored=exc.restored)


def _callbacks(args: argparse.Namespace, cli: dict[str, Any]) -> list[Any]:
    callbacks: list[Any] = []
    if not args.quiet:
        callbacks.append(ProgressBar())
    if args.early_stopping is not None:
        monitor = "val_loss" if cli["validation_split"] else "loss"
        callbacks.append(EarlyStopping(monitor=monitor, patience=args.early_stopping,
                                       restore_best_weights=True))
    return callbacks


def _results(model: Any, X_test: np.ndarray, y_test: np.ndarray, took: float, start_epoch: int,
             n_fit: int) -> dict[str, Any]:
    """What the run reached; ``n_fit``: the rows given to fit (training and validation)."""
    history = model.history.history
    last = {k: v[-1] for k, v in history.items() if v}
    train = {k: v for k, v in last.items() if not k.startswith("val_") and k != "learning_rate"}
    val = {k[4:]: v for k, v in last.items() if k.startswith("val_")}
    test = model.evaluate(X_test, y_test, return_dict=True) if len(X_test) else {}
    if model.loss.reduction == "sum":   # a sum grows with the rows: add the per-sample mean
        n_train = model.history.params["samples"]
        rows = {"train": n_train, "validation": n_fit - n_train, "test": len(X_test)}
        train, val, test = (common.per_sample(part, rows[name]) for name, part in
                            (("train", train), ("validation", val), ("test", test)))
    return {"train": train, "validation": val, "test": test, "epochs_trained": model.epochs_trained,
            "epochs_this_run": model.epochs_trained - start_epoch, "seconds": took,
            "learning_rate": last.get("learning_rate")}


def _history_csv(history: Any) -> str:
    keys = list(history.history)
    lines = [",".join(["epoch", *keys])]
    for i, epoch in enumerate(history.epoch):
        lines.append(",".join([str(epoch), *(repr(float(history.history[k][i])) if i < len(history.history[k])
                                             else "" for k in keys)]))
    return "\n".join(lines) + "\n"


def _history_json(history: Any) -> str:
    return json.dumps({"epoch": history.epoch, "history": history.history}, indent=1) + "\n"


def _write_outputs(model: Any, cli: dict[str, Any], folder: RunFolder, results: dict[str, Any],
                   plot: bool) -> None:
    """The run's files, switched in as one (see :mod:`descend.cli._runfolder`)."""
    history = model.history
    files: dict[str, Any] = {
        "model.safetensors": saving.to_bytes(model, extra={"cli": cli}),
        "history.csv": _history_csv(history).encode(),
        "history.json": _history_json(history).encode(),
        "results.json": (json.dumps(results, indent=1) + "\n").encode(),
    }
    if plot and history.epoch:
        from ..plotting import plot_history  # matplotlib is slow to start: only when drawing

        title = f"descend train: {_data_name(cli)}"
        files["curves.png"] = lambda path: plot_history(history.history, path, title=title)
    folder.commit(files)
    for name in ("diverged-history.csv", "diverged-history.json", "diverged-updates.csv"):  # an earlier run's
        (folder.path / name).unlink(missing_ok=True)


def _data_name(cli: dict[str, Any]) -> str:
    spec = cli["data"]
    return Path(spec["csv"]).name if "csv" in spec else spec["name"]


def _summary(con: Any, model: Any, cli: dict[str, Any], data: Any, results: dict[str, Any],
             out: Path | None) -> None:
    opt = model.optimizer
    arch = " → ".join([str(model.input_dim)] + [
        f"{layer.units} {layer.activation.name}" for layer in model.layers if hasattr(layer, "units")])
    if getattr(opt, "full_batch", False):     # L-BFGS: no learning rate, no batches
        step, batches = "step lengths from a line search", ", one L-BFGS iteration per epoch"
    else:
        lr = opt.learning_rate if opt.learning_rate_schedule is None else opt.learning_rate_schedule
        step = f"learning rate {lr if isinstance(lr, float) else lr!r}"
        batches = f", batch size {cli['batch_size']}" if cli["batch_size"] else ""
    rows = [
        ("data", f"{_data_name(cli)} ({data.task})"),
        ("model", f"{arch}  ({model.count_params()} parameters, {model.dtype.name})"),
        ("loss", repr(model.loss)),     # with its options, e.g. label_smoothing=0.1
        ("optimizer", f"{type(opt).__name__} (flavor {opt.flavor}), {step}"),
        # as fit ran it, on its training part
        ("gradient descent", f"{model.history.params['gd']}{batches}"),
        ("epochs", f"{results['epochs_this_run']} this run, {results['epochs_trained']} in all "
                   f"({results['seconds']:.1f} s)"),
        ("written to", str(out) if out is not None else "nothing (not saved: give --out DIR to keep the "
                                                         "model and its history)"),
    ]
    con.print(common.table("descend train", rows))
    columns = {"train": results["train"]}
    if results["validation"]:
        columns["validation"] = results["validation"]
    if results["test"]:
        columns["test"] = results["test"]
    caption = None
    if model.loss.reduction == "sum":
        caption = (f"{model.loss.name} sums over the rows of each part; loss_per_sample "
                   f"(loss ÷ rows) compares the parts")
    con.print(common.metrics_table("results (train, validation: last epoch)", columns, caption))
