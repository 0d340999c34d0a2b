"""``descend evaluate``: the loss and metrics of a model saved by ``descend train`` on a data set.

The inputs go through the pipeline saved with the model (feature order, standardisation with
the training statistics; class labels mapped to the model's classes). Without ``--data`` /
``--csv`` the model is evaluated on the data it was trained on; ``--split`` chooses the part:
``test`` (the held-out part, recomputed with the saved seed — the default when the data are the
training data), ``train`` (the rest) or ``all`` (the default for other data).
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import _common as common

EPILOG = """examples:
  descend evaluate --model runs/digits                      # its held-out test part
  descend evaluate --model runs/digits --data digits --split all
  descend evaluate --model runs/houses --csv houses_2025.csv --target price --json
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, metavar="DIR",
                   help="a directory written by 'descend train --out'")
    common.add_data_arguments(p, required=False)
    p.add_argument("--split", choices=("auto", "test", "train", "all"), default="auto",
                   help="which part: auto = test for the training data, all for other data")
    p.add_argument("--json", action="store_true", help="print the results as one JSON object")


def _data(args: argparse.Namespace, cli: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The data to evaluate on and whether it is the training data. A CSV path stored in the
    model is read again only when the file's hash matches the one recorded at training; the
    training file named with --csv is read, with a warning when it changed."""
    given = common.data_spec(args, cli["seed"])
    spec = cli["data"] if given is None else given
    if given is None and "csv" in spec:   # its hash is checked here: an error where it differs
        spec = common.recorded_csv(args.model, spec, None, "--csv", hint=(
            "; to evaluate on the file as it is now, name it with --csv PATH --target COLUMN"))
    same = common.same_data(spec, cli["data"])
    if given is not None and same and "csv" in spec and isinstance(cli["data"].get("sha256"), str) \
            and common.file_sha256(spec["csv"]) != cli["data"]["sha256"]:
        print(f"descend evaluate: warning: {spec['csv']} changed since the model was trained (its "
              f"SHA-256 differs): its test part is not the data held out in training", file=sys.stderr)
    return spec, same


def run(args: argparse.Namespace) -> int:
    model, cli = common.load_trained(args.model)
    spec, same = _data(args, cli)
    part = args.split if args.split != "auto" else ("test" if same and cli["test_size"] else "all")
    if part in ("test", "train") and not same:
        trained_on = cli["data"].get("csv") or cli["data"].get("name")
        raise ValueError(f"--split: '{part}' is only defined for the data the model was trained on "
                         f"({trained_on}); use --split all for other data")
    if part == "test" and not cli["test_size"]:
        raise ValueError("--split: the model was trained without a test part (--test-size 0)")
    if "csv" in spec and spec.get("task") is None:
        spec = {**spec, "task": cli["task"]}  # read the target as the model's task, not by inference
    data = common.load_spec(spec)
    source = spec.get("csv") or spec["name"]
    y = common.encode_targets(cli, data, source)
    X = common.align_features(cli, data.feature_names, data.X, source)
    if part != "all":
        X_train, X_test, y_train, y_test = common.split(cli, X, y)
        X, y = (X_test, y_test) if part == "test" else (X_train, y_train)
    result = common.evaluate(model, cli, X, y)
    if args.json:
        print(json.dumps({"data": spec, "split": part, "samples": len(X), **result}))
        return 0
    con = common.console()
    con.print(f"descend evaluate: {source} ({part}, {len(X)} samples)", soft_wrap=True)
    con.print(common.table("", list(result.items()), header=("quantity", "value")))
    return 0
