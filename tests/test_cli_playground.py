"""descend.cli.playground: `descend playground` prints its URL, serves, and stops cleanly on Ctrl-C."""
import os
import signal
import subprocess
import sys

import httpx2 as httpx

from descend.cli import build_parser


def test_options():
    args = build_parser("playground").parse_args(["playground", "--no-browser", "--port", "8123"])
    assert args.no_browser and args.port == 8123 and args.host == "127.0.0.1"


def test_a_bad_port_is_a_clear_error(capsys):
    from descend.cli import main

    assert main(["playground", "--no-browser", "--port", "70000"]) == 2
    err = capsys.readouterr().err
    assert "--port" in err and "expected an int in [0, 65535], got 70000" in err


def _start(*extra):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "descend", "playground", "--no-browser", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    return proc, line


def test_starts_prints_the_url_and_stops_on_ctrl_c():
    proc, line = _start()
    try:
        assert line.startswith("descend playground: http://127.0.0.1:"), line + proc.stderr.read()
        url = line.split(": ", 1)[1].strip()
        assert "token=" in url
        assert httpx.get(url, timeout=10).status_code == 200
        assert httpx.get(url.split("?")[0], timeout=10).status_code == 403
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err


def test_a_non_loopback_host_warns():
    proc, line = _start("--host", "0.0.0.0")
    try:
        assert line.startswith("descend playground: http://0.0.0.0:")
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert "warning" in err
