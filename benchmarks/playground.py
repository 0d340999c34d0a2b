"""How live ``descend playground`` feels: epochs per second on the engine with each frame encoded, and frames
per second drawn by a real browser (issue 13).

``python -m benchmarks.playground [--seconds S] [--no-browser]`` measures, for 500 points (TensorFlow
Playground's default: half of them train) and a 2-8-8-1 tanh network with a sigmoid output, SGD η = 0.03,
at batch sizes 1, 10 and the full batch:

* **engine**: one epoch, then the frame the page draws (losses, the 64×64 output map, every neuron's
  20×20 map, weights, the gradient flow and its verdicts) encoded as JSON — epochs (= frames) per
  second, and the same without the frame;
* **browser**: the server in this process, headless Chromium (Debian's ``chromium``) through
  Playwright, one tab playing at one epoch per frame: frames drawn per second and epochs per frame,
  then how long a pause takes to come back and how many updates ran after it was sent.

Results go to ``benchmarks/results/playground.json`` and are printed as a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BATCHES = {"1": 1, "10": 10, "full": 0}
SETUP = {"points": 500, "layers": [8, 8], "activations": ["tanh", "tanh"], "speed": 0}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def engine_rates(batch_size: int, seconds: float) -> dict[str, float]:
    """Epochs per second with and without the frame (median of 5 rounds of ``seconds``/5)."""
    from descend.playground import config as cfg
    from descend.playground.engine import Engine

    engine = Engine(cfg.validate({**SETUP, "batch_size": batch_size}))
    engine.run(0, until_epoch_end=True)                    # warm-up: kernels compiled
    json.dumps(engine.frame())
    rounds: dict[str, list[float]] = {"with_frame": [], "engine_only": []}
    for _ in range(5):
        for key in rounds:
            n, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds / 10:
                engine.run(0, until_epoch_end=True)
                if key == "with_frame":
                    json.dumps(engine.frame(), allow_nan=False)
                n += 1
            rounds[key].append(n / (time.perf_counter() - start))
    return {k: statistics.median(v) for k, v in rounds.items()}


def browser_rates(url: str, browser: Any, batch_size: int, seconds: float) -> dict[str, float]:
    """Frames drawn per second and epochs per frame while playing; then the pause."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    hash_ = f"#layers=8,8&activations=tanh,tanh&batch_size={batch_size}"
    page.goto(url + hash_)
    ready = f"window.pg && pg.config && pg.config.batch_size === {batch_size} && pg.framesDrawn > 0"
    page.wait_for_function(ready, timeout=30_000)
    page.click("#play")
    page.wait_for_function("pg.framesDrawn > 20", timeout=60_000)        # warm-up
    f0, e0, t0 = page.evaluate("[pg.framesDrawn, pg.frame.epoch, performance.now()]")
    time.sleep(seconds)
    f1, e1, t1 = page.evaluate("[pg.framesDrawn, pg.frame.epoch, performance.now()]")
    pause = page.evaluate("""() => new Promise((resolve) => {
        const t = performance.now(), u = pg.frame.update;
        document.getElementById('play').click();
        const check = () => pg.paused !== null ? resolve([performance.now() - t, pg.paused - u])
                                               : setTimeout(check, 1);
        check();
    })""")
    page.close()
    fps = (f1 - f0) / ((t1 - t0) / 1000)
    return {"frames_per_s": fps, "epochs_per_frame": (e1 - e0) / max(f1 - f0, 1), "pause_ms": pause[0],
            "updates_from_last_drawn_frame_to_pause": pause[1], "frame_ms": 1000 / fps}


def measure(seconds: float, with_browser: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"setup": SETUP, "engine": {}, "browser": {}}
    for name, b in BATCHES.items():
        out["engine"][name] = engine_rates(b, seconds)
    if with_browser and shutil.which("chromium"):
        from playwright.sync_api import sync_playwright

        from descend.playground.server import running

        with running() as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
            for name, b in BATCHES.items():
                out["browser"][name] = browser_rates(url, browser, b, seconds)
            browser.close()
    return out


def table(result: dict[str, Any]) -> str:
    rows = ["| batch size | engine: epochs/s with the frame encoded | engine alone | browser: frames/s drawn "
            "| epochs per frame | pause: ms until the server says paused (one frame: ms) |",
            "|---|---|---|---|---|---|"]
    for name in BATCHES:
        e = result["engine"][name]
        b = result["browser"].get(name)
        browser = (f"{b['frames_per_s']:.0f} | {b['epochs_per_frame']:.2f} | {b['pause_ms']:.0f} "
                   f"({b['frame_ms']:.0f})" if b else "— | — | —")
        rows.append(f"| {name} | {e['with_frame']:.0f} | {e['engine_only']:.0f} | {browser} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring time per case")
    parser.add_argument("--no-browser", action="store_true", help="only the engine")
    parser.add_argument("--out", default=str(HERE / "results" / "playground.json"))
    args = parser.parse_args(argv)
    result = measure(args.seconds, not args.no_browser)
    from .machine import cores_available

    result["cores"] = cores_available()
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
