"""The ``descend`` command.

Each subcommand lives in its own module of this package, which provides::

    EPILOG                                  the examples under its --help (its docstring describes it)
    add_arguments(parser) -> None           declares its options
    run(args) -> int                        runs it; returns the exit status

:data:`COMMANDS` names each subcommand's module and its one-line summary. A command line imports
the module of the subcommand it names and no other: ``descend --help`` lists the subcommands from
:data:`COMMANDS` alone, ``descend train ...`` imports ``descend.cli.train`` (and what its options
need). ``descend`` itself is imported first, as the package this one belongs to. User errors
(:class:`ValueError`, :class:`TypeError`, :class:`FileNotFoundError`, :class:`IsADirectoryError`,
:class:`PermissionError`; descend's own errors are ValueErrors) end with a one-line message and
exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NamedTuple


class Command(NamedTuple):
    module: str    # relative to this package
    summary: str   # the line under "descend --help"


#: subcommand name -> its module and summary
COMMANDS: dict[str, Command] = {
    "train": Command(".train", "train an MLP by gradient descent (progress bar, checkpoints, curves)"),
    "evaluate": Command(".evaluate", "loss and metrics of a saved model on a data set"),
    "predict": Command(".predict", "predict the rows of a CSV file with a saved model"),
    "demo": Command(".demo", "descend train on the bundled digits: progress bar, ~0.97 test accuracy, "
                             "curves"),
    "lecture": Command(".lecture", "replay the slides' worked examples as a readable trace"),
    "trajectories": Command(".trajectories", "optimizers race on a 2-D surface: PNG, GIF and a table"),
    "schedules": Command(".schedules", "plot every learning-rate schedule over N steps"),
    "diagnose": Command(".diagnose", "vanishing and exploding gradients measured: pictures and tables"),
    "init-study": Command(".init_study", "Xavier vs the old uniform (tanh), He vs Xavier (deep ReLU)"),
    "sweep": Command(".sweep", "many trainings from one TOML spec (grid, random search), on a pool or a "
                               "Dask cluster; 'sweep report DIR' ranks them"),
}


class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keep the examples in epilogs as written and show defaults — except None, the default of
    options decided later (their help says what it will be)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None:
            return action.help
        return super()._get_help_string(action)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``descend`` parser, every subcommand listed with its summary; only ``command``'s
    module is imported, to declare its options (None: no module is)."""
    parser = argparse.ArgumentParser(
        prog="descend",
        description="Gradient descent in neural networks, as the lecture teaches it.",
        formatter_class=_Formatter,
        epilog="Run 'descend COMMAND --help' for a command's options and examples.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, summary) in COMMANDS.items():
        if name != command:
            sub.add_parser(name, help=summary)
            continue
        mod = importlib.import_module(module, __name__)
        p = sub.add_parser(name, help=summary, description=mod.__doc__, epilog=mod.EPILOG,
                           formatter_class=_Formatter)
        mod.add_arguments(p)
    return parser


def _named_command(argv: Sequence[str]) -> str | None:
    """The subcommand a command line names: its first argument that is not an option (the
    ``descend`` parser itself takes no option with a value)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_named_command(argv))
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    mod = importlib.import_module(COMMANDS[args.command].module, __name__)
    try:
        return int(mod.run(args) or 0)
    except KeyboardInterrupt:
        print("descend: interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"descend {args.command}: error: {exc}", file=sys.stderr)
        return 2
