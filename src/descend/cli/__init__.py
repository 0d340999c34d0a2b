"""The ``descend`` command.

Each subcommand lives in its own module of this package, which provides::

    EPILOG                                  the examples under its --help (its docstring describes it)
    add_arguments(parser) -> None           declares its options
    run(args) -> int                        runs it; returns the exit status

:data:`COMMANDS` names each subcommand's module and its one-line summary. A command line imports
the module of the subcommand it names and no other: ``descend --help`` lists the subcommands from
:data:`COMMANDS` alone, ``descend train ...`` imports ``descend.cli.train`` (and what its options
need). ``descend`` itself is imported first, as the package this one belongs to. User errors
(:class:`ValueError` and :class:`TypeError`; descend's own errors are ValueErrors), the
machine's state (every :class:`OSError`: a missing file, a file where a folder is needed, a full
disk, a read-only file system, a symbolic-link loop, ...) and an unreadable CSV
(:class:`csv.Error`) end with a one-line message and exit status 2, never a traceback; an OSError's
message names the path and says what to do (:func:`os_error_message`). A reader that closes the
pipe (``descend lecture | head``) ends the command quietly with status 141.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import errno
import importlib
import os
import re
import sys
import textwrap
from collections.abc import Sequence
from typing import Any, NamedTuple, NoReturn


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
    "playground": Command(".playground", "a local web app where the engine trains live in the browser"),
}


#: reStructuredText markup of the docstrings that become --help text, and its plain form
_RST = ((re.compile(r":[a-z]+:`~?([^`]+)`"), r"\1"),     # :class:`~descend.x.Y` -> descend.x.Y
        (re.compile(r"``([^`]+)``"), r"\1"),             # ``--out DIR`` -> --out DIR
        (re.compile(r"\*\*([^*]+)\*\*"), r"\1"),         # **N more** -> N more
        (re.compile(r"(\S)::$", re.MULTILINE), r"\1:"))   # "as follows::" -> "as follows:"


def plain_text(text: str) -> str:
    """Help text from a docstring: its reStructuredText markup removed (``x`` is x)."""
    for pattern, replacement in _RST:
        text = pattern.sub(replacement, text)
    return text


class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keep the examples in epilogs as written, without their docstring markup; wrap option help
    between words only (a long word such as an example stays whole); show defaults — except
    None, False and "", the defaults of options decided later (their help says what it will be),
    of flags and of empty lists, and where the help already names its default in words."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        default = action.default
        if default is None or default is False or default == "" or "(default:" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return super()._fill_text(plain_text(text), width, indent)

    def _split_lines(self, text: str, width: int) -> list[str]:
        text = " ".join(plain_text(text).split())
        return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]


#: how argparse names a value's type, and what descend's messages say instead
_EXPECTED: dict[Any, str] = {int: "an integer", float: "a number"}


class _Parser(argparse.ArgumentParser):
    """argparse's parser whose errors are one line, as descend's other user errors: the option,
    what it expected and what came (``descend train: error: --lr: expected a number, got 'abc'``),
    not the usage text; exit status 2."""

    #: the command whose --help an "unrecognized arguments" message points to (None: this one's)
    command: str | None = None

    def _get_value(self, action: argparse.Action, arg_string: str) -> Any:
        try:
            return super()._get_value(action, arg_string)
        except argparse.ArgumentError:
            expected = _EXPECTED.get(action.type)
            if expected is None:
                raise
            raise argparse.ArgumentError(action, f"expected {expected}, got {arg_string!r}") from None

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if action.choices is not None and value not in action.choices:
            known = ", ".join(map(str, action.choices))
            raise argparse.ArgumentError(action, f"expected one of {known}; got {value!r}")

    def error(self, message: str) -> NoReturn:
        prog = self.prog if self.command is None else f"descend {self.command}"
        message = message.removeprefix("argument ")
        if message.startswith("unrecognized arguments"):
            message += f" (see '{prog} --help')"
        self.exit(2, f"{prog}: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``descend`` parser, every subcommand listed with its summary; only ``command``'s
    module is imported, to declare its options (None: no module is)."""
    parser = _Parser(
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
        parser.command = name   # the subparser leaves unknown options to this parser
    return parser


def _named_command(argv: Sequence[str]) -> str | None:
    """The subcommand a command line names: its first argument that is not an option (the
    ``descend`` parser itself takes no option with a value)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


#: errno -> what the user can do about it
_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space or write somewhere else",
    errno.EDQUOT: "the disk quota is used up: free some space or write somewhere else",
    errno.EROFS: "the file system is read-only: write somewhere else",
    errno.EACCES: "no permission: check the path's permissions or use another path",
    errno.EPERM: "not permitted: check the path's permissions or use another path",
    errno.ENOTDIR: "a part of the path is a file, not a folder: use another path",
    errno.EEXIST: "a file stands where a folder is needed: move it or use another path",
    errno.EISDIR: "a folder stands where a file is needed: give a file's path",
    errno.ENOENT: "nothing there: check the path",
    errno.ELOOP: "a loop of symbolic links: fix the link or give the real path",
    errno.ENAMETOOLONG: "the name is too long: use a shorter path",
    errno.EMFILE: "too many open files: close some programs or raise the limit (ulimit -n)",
    errno.EIO: "the device reported an input/output error: check the disk",
}


def os_error_message(exc: OSError) -> str:
    """One line for an OSError: the path, what happened and what to do (or the message a
    descend function wrote itself, which already says both)."""
    if exc.errno is None or exc.filename is None and exc.strerror is None:
        return str(exc)
    what = exc.strerror or str(exc)
    advice = _ADVICE.get(exc.errno, "check the path and the disk")
    if exc.filename is None:
        return f"{what} ({advice})"
    where = str(exc.filename) + (f" -> {exc.filename2}" if exc.filename2 is not None else "")
    return f"{where}: {what} ({advice})"


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
    except BrokenPipeError:  # the reader went away (descend lecture | head): stop quietly
        with contextlib.suppress(OSError, ValueError):  # what is left in stdout's buffer goes nowhere
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except (ValueError, TypeError) as exc:
        message = str(exc)
    except OSError as exc:
        message = os_error_message(exc)
    except csv.Error as exc:
        message = f"cannot read the CSV file: {exc}"
    print(f"descend {args.command}: error: {' '.join(message.split())}", file=sys.stderr)
    return 2
