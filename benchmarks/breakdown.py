"""A W1 epoch taken apart: the cost of each kind of work descend's epoch does, in ms per epoch.

``python -m benchmarks.breakdown [--threads N]`` times each part on its own, with W1's shapes
(batch 128, 469 batches of 60,000 samples), next to PyTorch's cost for the same part where it has
one, and writes ``benchmarks/results/breakdown.json``. The parts are the operations the engine
performs (read from model.py, layers.py, losses.py, optimizers/base.py), re-enacted with NumPy or,
for the optimizer, descend's own ``Adam.apply`` — a guide to where the epoch's time above the
matmul lower bound goes, not a substitute for the profile.
"""
from __future__ import annotations

import argparse
import itertools
import json
import statistics
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .harness import timed
from .machine import cores_available
from .roofline import w1_products
from .workloads import W1_BATCH, W1_WIDTHS, descend_optimizer, w1_data

HERE = Path(__file__).resolve().parent
SAMPLES = 60_000
BATCHES = -(-SAMPLES // W1_BATCH)


def per_epoch(fn: Callable[[], object], calls_per_epoch: int, reps: int = 50, rounds: int = 5) -> float:
    """ms per epoch of ``fn`` called ``calls_per_epoch`` times (median of ``rounds`` × ``reps`` calls)."""
    fn()

    def loop() -> None:
        for _ in range(reps):
            fn()

    return statistics.median(timed(loop) for _ in range(rounds)) / reps * calls_per_epoch * 1e3


def w1_shapes() -> list[tuple[int, ...]]:
    shapes: list[tuple[int, ...]] = []
    for a, b in itertools.pairwise(W1_WIDTHS):
        shapes += [(a, b), (b,)]
    return shapes


def measure() -> dict[str, float]:
    import torch

    rng = np.random.default_rng(0)
    f32 = np.float32
    out: dict[str, float] = {}

    products = w1_products()
    out["matmuls (8 per batch)"] = per_epoch(lambda: [np.matmul(a, b, out=o) for _, a, b, o in products],
                                             BATCHES)

    # element-wise work of one batch: bias adds, ReLU, ReLU′ (sign(a)·g), ∂E/∂b sums, fused softmax-CE
    z = [rng.standard_normal((W1_BATCH, w), dtype=f32) for w in W1_WIDTHS[1:]]
    a = [np.empty_like(x) for x in z]
    bias = [rng.standard_normal(w, dtype=f32) for w in W1_WIDTHS[1:]]
    gb = [np.empty_like(b) for b in bias]
    labels = rng.integers(0, 10, W1_BATCH)

    def elementwise() -> None:
        for zi, bi, gi in zip(z, bias, gb, strict=True):
            zi += bi
            np.sum(zi, axis=0, out=gi)
        for zi, ai in zip(z[:-1], a[:-1], strict=True):
            np.maximum(zi, 0, out=ai)
            np.sign(ai, out=ai)
            ai *= zi

    out["bias, ReLU, ReLU′, ∂E/∂b (NumPy, in place)"] = per_epoch(elementwise, BATCHES)

    from descend import losses
    from descend._fast import loops
    from descend._fast.losses import FastSparseCrossentropy

    delta = [np.empty_like(x) for x in z]

    def compiled() -> None:                     # what a training step runs now (descend/_fast/loops.py)
        for zi, ai, bi, gi, di in zip(z[:-1], a[:-1], bias[:-1], gb[:-1], delta[:-1], strict=True):
            loops.bias_relu(zi, bi, ai)                     # hidden layers
            loops.relu_delta_bias(zi, di, di, gi)  # δ written over ∂E/∂a
        loops.bias_softmax(z[-1], bias[-1], a[-1])
        loops.bias_grad(delta[-1], gb[-1])

    out["the same, through the compiled loops (bias+ReLU, ReLU′+∂E/∂b, bias+softmax, ∂E/∂b)"] = per_epoch(
        compiled, BATCHES)

    ce = FastSparseCrossentropy(losses.SparseCategoricalCrossentropy())
    softmax = a[-1]
    out["fused softmax-CE (the training step's, softmax given)"] = per_epoch(
        lambda: ce.fused(z[-1], labels, softmax), BATCHES)

    # the optimizer on W1's six arrays
    grads = [rng.standard_normal(s, dtype=f32) * f32(1e-2) for s in w1_shapes()]
    params = [rng.standard_normal(s, dtype=f32) for s in w1_shapes()]
    keep = [np.empty_like(p) for p in params]
    for kind in ("adam", "momentum"):
        opt = descend_optimizer(kind)
        out[f"descend {kind} apply (6 arrays, 235k params)"] = per_epoch(
            lambda opt=opt: opt.apply(grads, params), BATCHES)
        out[f"descend {kind} apply, keep= (the training step's)"] = per_epoch(
            lambda opt=opt: opt.apply(grads, params, keep=keep), BATCHES)
    tparams = []
    for g, p in zip(grads, params, strict=True):
        t = torch.from_numpy(p.copy()).requires_grad_()
        t.grad = torch.from_numpy(g.copy())
        tparams.append(t)
    for name, make in (("torch Adam (default: foreach)", lambda: torch.optim.Adam(tparams, lr=1e-3)),
                       ("torch Adam fused", lambda: torch.optim.Adam(tparams, lr=1e-3, fused=True)),
                       ("torch SGD momentum (default)",
                        lambda: torch.optim.SGD(tparams, lr=0.01, momentum=0.9))):
        topt = make()
        out[name] = per_epoch(topt.step, BATCHES)

    # the divergence guard before a4b988c: a copy of every weight, a Σ of every gradient
    kept = [np.empty_like(p) for p in params]
    out["(before a4b988c) copy of all weights"] = per_epoch(
        lambda: [np.copyto(k, p) for k, p in zip(kept, params, strict=True)], BATCHES)
    out["(before a4b988c) finite check Σg of all gradients"] = per_epoch(
        lambda: [float(g.sum()) for g in grads], BATCHES)
    def errstate() -> None:
        with np.errstate(over="ignore", invalid="ignore"):
            pass

    out["np.errstate enter/exit (once)"] = per_epoch(errstate, BATCHES)

    # per epoch, on the data
    X, _ = w1_data(SAMPLES)
    order = np.random.default_rng(1).permutation(SAMPLES)
    out["epoch gather X[order] (188 MB), memory reused"] = per_epoch(lambda: X[order], 1, reps=1)
    buf = np.empty((W1_BATCH, X.shape[1]), f32)
    out["per-batch np.take(X, idx, out=buf) (whole epoch)"] = per_epoch(
        lambda: [np.take(X, order[s:s + W1_BATCH], axis=0, out=buf[:len(order[s:s + W1_BATCH])])
                 for s in range(0, SAMPLES, W1_BATCH)], 1, reps=1)
    from descend import checks

    out["input check checks.is_finite(X)"] = per_epoch(lambda: checks.is_finite(X), 1, reps=1)
    Xt = torch.from_numpy(X)
    tperm = torch.from_numpy(order)
    out["torch: per-batch gather X[idx] (whole epoch)"] = per_epoch(
        lambda: [Xt[tperm[s:s + W1_BATCH]] for s in range(0, SAMPLES, W1_BATCH)], 1, reps=1)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.breakdown", description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=cores_available())
    p.add_argument("--out", type=Path, default=HERE / "results" / "breakdown.json")
    args = p.parse_args(argv)
    from .machine import limit_threads

    limit_threads(args.threads)
    result = measure()
    width = max(map(len, result))
    for name, ms in result.items():
        print(f"{name:<{width}}  {ms:8.1f} ms/epoch")
    args.out.write_text(json.dumps({"threads": args.threads, "samples": SAMPLES, "batch": W1_BATCH,
                                    "ms_per_epoch": result}, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
