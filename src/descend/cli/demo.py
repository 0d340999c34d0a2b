"""``descend demo``: the main job — ``descend train`` on scikit-learn's bundled digits (offline).

It runs exactly::

    descend train --data digits --layers 64 --activation relu --optimizer adam --lr 1e-3 \\
                  --epochs 40 --batch-size 32 --seed 0 --out runs/demo

a 64-64-10 ReLU network (He-normal initialisation, softmax output fused with the cross-entropy),
inputs standardised, 20 % of the digits held out for the test and 10 % of the rest for
validation. It draws the live progress bar on a terminal, prints the summary tables (test
accuracy about 0.97) and writes the model, the history and the loss/accuracy curves
(``runs/demo/curves.png``).
"""
from __future__ import annotations

import argparse

EPILOG = """examples:
  descend demo                      train, then see runs/demo/curves.png
  descend demo --epochs 5           shorter
  descend demo --out /tmp/digits    elsewhere
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--epochs", type=int, default=40, help="epochs to train")
    p.add_argument("--seed", type=int, default=0,
                   help="seeds the split, the initialisation and the shuffling")
    p.add_argument("--out", default="runs/demo", metavar="DIR",
                   help="write the model, the history and curves.png here")
    p.add_argument("--quiet", action="store_true", help="no progress bar, no tables")


def train_argv(args: argparse.Namespace) -> list[str]:
    """The ``descend train`` command line the demo runs."""
    return ["--data", "digits", "--layers", "64", "--activation", "relu", "--optimizer", "adam",
            "--lr", "1e-3", "--epochs", str(args.epochs), "--batch-size", "32", "--seed", str(args.seed),
            "--out", args.out] + (["--quiet"] if args.quiet else [])


def run(args: argparse.Namespace) -> int:
    from . import build_parser, train

    argv = train_argv(args)
    if not args.quiet:
        print("descend train " + " ".join(argv))
    return train.run(build_parser("train").parse_args(["train", *argv]))
