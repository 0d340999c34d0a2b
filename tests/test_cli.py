"""descend.cli: the dispatcher — a command line imports only the subcommand it names, help lists
every subcommand, user errors are one line with exit status 2."""
from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from descend.cli import COMMANDS, main

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
    assert "invalid choice: 'tarin'" in capsys.readouterr().err


def test_a_user_error_is_one_line_with_status_2(capsys, tmp_path):
    assert main(["schedules", "--steps", "3", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("descend schedules: error: --steps") and err.count("\n") == 1
