"""The machine's ceilings, measured in the same run as the workloads.

* **sgemm**: NumPy float32 matmul rate on exactly the products of one W1 batch (forward x·W,
  ∂E/∂W = xᵀδ, ∂E/∂x = δWᵀ for every layer but the first), plus a large square product for scale.
* **copy bandwidth**: ``np.copyto`` of a large float32 array (one thread), and torch's ``copy_``
  (all threads), counted as bytes read + written.

W1's *matmul lower bound* is the epoch's forward+backward FLOPs at the W1-shaped sgemm rate: an
epoch cannot take less time unless the products themselves got faster.
"""
from __future__ import annotations

import itertools
import statistics
from typing import Any

import numpy as np

from .harness import timed
from .workloads import W1_BATCH, W1_WIDTHS, w1_flops_per_sample


def w1_products(batch: int = W1_BATCH, widths: tuple[int, ...] = W1_WIDTHS, seed: int = 0
                ) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """(name, a, b, out) for every matmul of one W1 batch, transposes as views like the engine's."""
    rng = np.random.default_rng(seed)
    f32 = np.float32
    products = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
        x = rng.standard_normal((batch, n_in), dtype=f32)
        W = rng.standard_normal((n_in, n_out), dtype=f32)
        delta = rng.standard_normal((batch, n_out), dtype=f32)
        products.append((f"x·W {n_in}→{n_out}", x, W, np.empty((batch, n_out), f32)))
        products.append((f"xᵀδ {n_in}×{n_out}", x.T, delta, np.empty((n_in, n_out), f32)))
        if i > 0:
            products.append((f"δWᵀ {n_out}→{n_in}", delta, W.T, np.empty((batch, n_in), f32)))
    return products


def sgemm_w1(batches: int, rounds: int = 7) -> dict[str, Any]:
    """GFLOP/s over the matmuls of ``batches`` W1 batches (median of ``rounds``), and per product."""
    products = w1_products()
    flops_batch = sum(2 * a.shape[0] * a.shape[1] * b.shape[1] for _, a, b, _ in products)

    def one_pass() -> None:
        for _ in range(batches):
            for _, a, b, out in products:
                np.matmul(a, b, out=out)

    one_pass()
    times = [timed(one_pass) for _ in range(rounds)]
    per_product = {}
    for name, a, b, out in products:
        def run(a: np.ndarray = a, b: np.ndarray = b, out: np.ndarray = out) -> None:
            for _ in range(batches):
                np.matmul(a, b, out=out)

        t = statistics.median(timed(run) for _ in range(3))
        per_product[name] = 2 * a.shape[0] * a.shape[1] * b.shape[1] * batches / t / 1e9
    rates = [flops_batch * batches / t / 1e9 for t in times]
    return {"gflops": statistics.median(rates), "gflops_min": min(rates), "gflops_max": max(rates),
            "flops_per_batch": flops_batch, "per_product_gflops": per_product}


def sgemm_square(n: int = 2048, rounds: int = 3) -> float:
    """GFLOP/s of an n×n float32 product (the BLAS's best case on this machine)."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n), dtype=np.float32), rng.standard_normal((n, n), dtype=np.float32)
    out = np.empty((n, n), np.float32)
    np.matmul(a, b, out=out)
    seconds = statistics.median(timed(lambda: np.matmul(a, b, out=out)) for _ in range(rounds))
    return 2 * n ** 3 / seconds / 1e9


def copy_bandwidth(elements: int, rounds: int = 7) -> dict[str, float]:
    """GB/s (bytes read + bytes written) of ``np.copyto`` between two float32 arrays — one thread,
    as NumPy's element-wise loops — and of torch's ``copy_`` on the same memory, which uses every
    thread it was given (as its fused Adam does)."""
    import torch

    src = np.ones(elements, np.float32)
    dst = np.zeros(elements, np.float32)
    tsrc, tdst = torch.from_numpy(src), torch.from_numpy(dst)
    np.copyto(dst, src)
    tdst.copy_(tsrc)
    rates = [2 * src.nbytes / timed(lambda: np.copyto(dst, src)) / 1e9 for _ in range(rounds)]
    threaded = [2 * src.nbytes / timed(lambda: tdst.copy_(tsrc)) / 1e9 for _ in range(rounds)]
    return {"gbps": statistics.median(rates), "gbps_min": min(rates), "gbps_max": max(rates),
            "gbps_all_threads": statistics.median(threaded), "array_mb": src.nbytes / 1e6}


def w1_lower_bound(samples: int, gflops: float) -> dict[str, float]:
    """The matmul-only lower bound of one W1 epoch at ``gflops``: FLOPs are linear in the batch
    size, so the epoch's total is samples × FLOPs per sample."""
    per_sample = w1_flops_per_sample()
    flops = samples * sum(per_sample.values())
    return {"epoch_gflop": flops / 1e9, "seconds": flops / (gflops * 1e9), **{f"gflop_{k}": samples * v / 1e9
                                                                             for k, v in per_sample.items()}}
