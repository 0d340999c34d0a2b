"""descend.cli: the dispatcher — a command line imports only the subcommand it names, help lists
every subcommand, user errors are one line with exit status 2."""
from __future__ import annotations

import argparse
import ast
import csv
import errno
import subprocess
import sys

import pytest

from descend.cli import COMMANDS, build_parser, main, plain_text

LOADED = "import sys; print(sorted(m for m in sys.modules if m.startswith('descend.cli.')))"


def _loaded_after(statement: str) -> list[str]:
    code = f"import descend.cli as cli\n{statement}\n{LOADED}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout)


def test_listing_the_commands_imports_none_of_them():
    assert _loaded_after("cli.build_parser()") == []


def test_a_command_imports_its_own_module_only():
    commands = {f"descend.cli{c.module}" for c in COMMANDS.values()}
    loaded = _loaded_after("cli.build_parser('schedules')")
    assert [m for m in loaded if m in commands] == ["descend.cli.schedules"]
    assert set(loaded) <= commands | {"descend.cli._common"}   # and the commands' shared helpers


def test_help_lists_every_command_with_its_summary(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    text = " ".join(capsys.readouterr().out.split())          # argparse wraps the summaries
    for name, command in COMMANDS.items():
        assert f"{name} {' '.join(command.summary.split())}" in text


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_a_help_with_options_and_examples(name, capsys):
    with pytest.raises(SystemExit) as exc:
        main([name, "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    usage = text.split("\n\n")[0]
    assert usage.startswith(f"usage: descend {name} [-h]") and "--" in usage   # its own options
    assert "examples:" in text and f"descend {name}" in text.split("examples:")[1]


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_an_unknown_command_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["tarin"])
    assert exc.value.code == 2
    assert "COMMAND: expected one of train," in capsys.readouterr().err


def test_a_user_error_is_one_line_with_status_2(capsys, tmp_path):
    assert main(["schedules", "--steps", "3", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("descend schedules: error: --steps") and err.count("\n") == 1


# ------------------------------------------------------------------------------------ help text
def _subparser(name):
    parser = build_parser(name)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[name]


def _words(text):
    return " ".join(text.split())


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_help_is_plain_text_wrapped_between_words_and_explains_every_option(name, capsys,
                                                                                  monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")   # the width a pipe gets: long words must not be cut
    with pytest.raises(SystemExit):
        main([name, "--help"])
    text = capsys.readouterr().out
    assert "``" not in text and "**" not in text
    assert "(default: None)" not in text and "(default: )" not in text and "(default: False)" not in text
    words = _words(text)
    parser = _subparser(name)
    for action in parser._actions:
        if action.dest == "help":
            continue
        assert action.help, f"{name} {action.option_strings or action.dest}: no help"
        assert action.help.count("(default:") + ("%(default)" in action.help) <= 1, action.help
        # every word of the help comes out whole: wrapping never breaks a word in two
        assert _words(plain_text(action.help)) in words, action.help
    # and so does the description, its markup removed
    assert _words(plain_text(parser.description)) in words


def test_flags_show_no_default_and_numbers_show_theirs(capsys):
    with pytest.raises(SystemExit):
        main(["schedules", "--help"])
    text = _words(capsys.readouterr().out)
    assert "(default: False)" not in text and "(default: 1000)" in text


def test_rst_markup_becomes_plain_text():
    assert plain_text("the ``--out DIR`` of :class:`~descend.model.Sequential`, **N more**::") == \
        "the --out DIR of descend.model.Sequential, N more:"


def test_the_train_help_groups_the_data_options_and_explains_the_losses(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    data = text.split("\ndata:\n")[1].split("\n\n")[0]
    assert "--test-size" in data and "--no-standardize" in data
    words = _words(text)
    for loss in ("squared_error", "sum_squared_error", "mse"):
        assert loss in words
    assert "½Σ(y−ŷ)²" in words and "expone ntial" not in words


# ------------------------------------------------------------------------------- parser errors
@pytest.mark.parametrize("argv, message", [
    (["train", "--data", "iris", "--lr", "abc"], "descend train: error: --lr: expected a number, got 'abc'"),
    (["train", "--data", "iris", "--epochs", "2.5"],
     "descend train: error: --epochs: expected an integer, got '2.5'"),
    (["train", "--data", "iris", "--gd", "full"],
     "descend train: error: --gd: expected one of batch, stochastic, mini-batch; got 'full'"),
    (["train", "--data", "iris", "--lr"], "descend train: error: --lr: expected one argument"),
    (["train", "--bogus"],
     "descend train: error: unrecognized arguments: --bogus (see 'descend train --help')"),
    (["evaluate"], "descend evaluate: error: the following arguments are required: --model"),
    (["tarin"], "descend: error: COMMAND: expected one of train, evaluate,"),
])
def test_argparse_errors_are_one_line_naming_the_option(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1, err


# ------------------------------------------------------------ the machine's state: never a traceback
@pytest.mark.parametrize(("error", "expected"), [
    (OSError(errno.ENOSPC, "No space left on device", "runs/x/model.safetensors"),
     "runs/x/model.safetensors: No space left on device (the disk is full: free some space or write "
     "somewhere else)"),
    (OSError(errno.EROFS, "Read-only file system", "runs/x"),
     "runs/x: Read-only file system (the file system is read-only: write somewhere else)"),
    (NotADirectoryError(errno.ENOTDIR, "Not a directory", "notes.txt/sub"),
     "notes.txt/sub: Not a directory (a part of the path is a file, not a folder: use another path)"),
    (FileExistsError(errno.EEXIST, "File exists", "plain"),
     "plain: File exists (a file stands where a folder is needed: move it or use another path)"),
    (OSError(errno.ELOOP, "Too many levels of symbolic links", "loop"),
     "loop: Too many levels of symbolic links (a loop of symbolic links: fix the link or give the real "
     "path)"),
    (OSError(errno.EXDEV, "Invalid cross-device link", "a", None, "b"),
     "a -> b: Invalid cross-device link (check the path and the disk)"),
    (OSError(errno.ENOSPC, "No space left on device"),
     "No space left on device (the disk is full: free some space or write somewhere else)"),
    (FileNotFoundError("--csv: no file 'x.csv'"), "--csv: no file 'x.csv'"),
    (csv.Error("field larger than field limit (131072)"),
     "cannot read the CSV file: field larger than field limit (131072)"),
    (ValueError("two\nlines"), "two lines"),
], ids=["ENOSPC", "EROFS", "ENOTDIR", "EEXIST", "ELOOP", "two paths", "no path", "own message", "csv",
        "newline"])
def test_every_os_error_is_one_line_naming_the_path_and_what_to_do(monkeypatch, capsys, error, expected):
    import descend.cli.schedules as command

    def failing(args):
        raise error

    monkeypatch.setattr(command, "run", failing)
    assert main(["schedules"]) == 2
    assert capsys.readouterr().err == f"descend schedules: error: {expected}\n"


def test_a_closed_pipe_ends_quietly():
    """`descend lecture | true`: the reader is gone before descend writes; no traceback, no
    message, the status of a process a closed pipe ended (128 + SIGPIPE)."""
    script = f"'{sys.executable}' -m descend lecture | true; exit ${{PIPESTATUS[0]}}"  # descend's status
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stderr == "" and done.returncode == 141
