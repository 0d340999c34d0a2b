"""The ``descend`` command.

Each subcommand lives in its own module of this package and exposes two functions::

    add_parser(subparsers) -> argparse.ArgumentParser   # registers the subcommand, its help, examples
    run(args) -> int                                    # the exit status

Modules are imported only when their subcommand runs (``import descend`` stays light and
``descend --help`` is quick). User errors (:class:`ValueError`, :class:`TypeError`,
:class:`FileNotFoundError`, :class:`descend.errors.DescendError`) end with a one-line message and
exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys

#: subcommand name -> module (relative to this package) that implements it
COMMANDS: dict[str, str] = {
    "train": ".train",
    "evaluate": ".evaluate",
    "predict": ".predict",
    "demo": ".demo",
    "lecture": ".lecture",
    "trajectories": ".trajectories",
    "schedules": ".schedules",
    "diagnose": ".diagnose",
    "init-study": ".init_study",
    "sweep": ".sweep",
}


class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keep the examples in epilogs as written and show defaults."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="descend",
        description="Gradient descent in neural networks, as the lecture teaches it.",
        formatter_class=_Formatter,
        epilog="Run 'descend COMMAND --help' for a command's options and examples.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        mod = importlib.import_module(module, __name__)
        mod.add_parser(sub, _Formatter)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    mod = importlib.import_module(COMMANDS[args.command], __name__)
    try:
        return int(mod.run(args) or 0)
    except KeyboardInterrupt:
        print("descend: interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"descend {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
