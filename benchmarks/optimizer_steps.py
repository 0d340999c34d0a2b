"""One optimizer step on W1's six arrays, for every optimizer descend has, next to PyTorch's.

``python -m benchmarks.optimizer_steps [--threads N]`` times ``apply`` of each registered
optimizer (flavor="torch", float32, 235k parameters in W1's shapes) and the matching
``torch.optim`` step (its default, foreach), alternating between the two, and writes
``benchmarks/results/optimizer_steps.json``. W1 itself trains with Adam and SGD with momentum only;
this is where the other rules' speed is seen.
"""
from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .breakdown import w1_shapes
from .harness import alternate
from .machine import cores_available

HERE = Path(__file__).resolve().parent
#: calls timed together in one repetition
CALLS = 100

#: descend's registry name -> the torch.optim step it is compared with (PyTorch's defaults)
TORCH: dict[str, Callable[[Any, list[Any]], Any]] = {
    "sgd": lambda optim, p: optim.SGD(p, lr=0.01),
    "momentum": lambda optim, p: optim.SGD(p, lr=0.01, momentum=0.9),
    "nag": lambda optim, p: optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True),
    "adagrad": lambda optim, p: optim.Adagrad(p),
    "rmsprop": lambda optim, p: optim.RMSprop(p),
    "adadelta": lambda optim, p: optim.Adadelta(p),
    "adam": lambda optim, p: optim.Adam(p),
    "adamw": lambda optim, p: optim.AdamW(p),
    "nadam": lambda optim, p: optim.NAdam(p),
}


def _runner(step: Callable[[], Any]) -> Callable[[], float]:
    import time

    def run() -> float:
        start = time.perf_counter()
        for _ in range(CALLS):
            step()
        return (time.perf_counter() - start) / CALLS
    return run


def measure(reps: int = 7) -> dict[str, dict[str, float]]:
    import torch

    from descend import optimizers

    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s, dtype=np.float32) * np.float32(1e-2) for s in w1_shapes()]
    out: dict[str, dict[str, float]] = {}
    for name in sorted(optimizers.REGISTRY):
        params = [rng.standard_normal(g.shape, dtype=np.float32) for g in grads]
        opt = optimizers.get(name, flavor="torch")
        tparams = [torch.from_numpy(p.copy()).requires_grad_() for p in params]
        for t, g in zip(tparams, grads, strict=True):
            t.grad = torch.from_numpy(g.copy())
        topt = TORCH[name](torch.optim, tparams)
        samples = alternate({"descend": _runner(lambda opt=opt, p=params: opt.apply(grads, p)),
                             "torch": _runner(topt.step)}, reps)
        ms = {system: statistics.median(values) * 1e3 for system, values in samples.items()}
        out[name] = {**ms, "ratio": ms["descend"] / ms["torch"]}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.optimizer_steps",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=cores_available())
    p.add_argument("--out", type=Path, default=HERE / "results" / "optimizer_steps.json")
    args = p.parse_args(argv)
    from .machine import limit_threads

    limit_threads(args.threads)
    result = measure()
    print(f"{'optimizer':<10} {'descend ms':>11} {'torch ms':>9} {'ratio':>6}")
    for name, row in result.items():
        print(f"{name:<10} {row['descend']:11.3f} {row['torch']:9.3f} {row['ratio']:6.2f}")
    args.out.write_text(json.dumps({"threads": args.threads, "dtype": "float32", "shapes": w1_shapes(),
                                    "ms_per_step": result}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
