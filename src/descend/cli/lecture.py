"""``descend lecture``: replay the slides' worked examples on the real engine."""
from __future__ import annotations

import argparse

EPILOG = """examples:
  descend lecture              both worked examples, every number named as on the slides
  descend lecture --example a  only the linear-regression example (SGD, BGD, mini-batch)
  descend lecture --example b  only the 2-2-1 network's backprop step
"""


def add_parser(sub, formatter_class) -> argparse.ArgumentParser:
    p = sub.add_parser("lecture", help="replay the slides' worked examples as a readable trace",
                       description=__doc__, epilog=EPILOG, formatter_class=formatter_class)
    p.add_argument("--example", choices=["a", "b", "all"], default="all", help="which example to replay")
    return p


def run(args: argparse.Namespace) -> int:
    from .. import lecture

    if args.example == "a":
        print(lecture.example_a())
    elif args.example == "b":
        print(lecture.example_b())
    else:
        print(lecture.replay())
    return 0
