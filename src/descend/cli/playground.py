"""``descend playground``: watch the lecture happen — a local web app where the real engine trains live.

It starts a local server (127.0.0.1, a free port), prints its URL with a per-launch token, opens
the default browser and runs until Ctrl-C. Each browser tab has its own training session on
descend's engine: data sets, features, layers and activations, every optimizer of the lecture,
schedules, weight decay, clipping, initialisers, the gradient made visible, the chain rule of a
clicked weight, comparisons, your own data, and export as CSV, model or Python script.
Nothing is fetched from the internet: the page and its chart library ship in the package.
"""
from __future__ import annotations

import argparse

from ..checks import Interval, check

EPILOG = """examples:
  descend playground                     open it in the default browser
  descend playground --no-browser        only print the URL
  descend playground --port 8800         a fixed port
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on; anything but a loopback address prints a warning")
    p.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open the browser")


def run(args: argparse.Namespace) -> int:
    from ..playground.server import serve

    check("--port", args.port, Interval(int, 0, 65535))
    serve(args.host, args.port, open_browser=not args.no_browser)
    return 0
