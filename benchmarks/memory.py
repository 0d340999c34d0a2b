"""Peak RSS of one W1 epoch, one fresh process per system.

``python -m benchmarks.memory SYSTEM OPTIMIZER SAMPLES THREADS`` prints one JSON line:
``rss_before_mb`` (after imports and the data, before the model), ``peak_rss_mb`` (the process's
high-water mark, VmHWM) and their difference ``training_mb``. For descend it also reports
the steady-state allocations per batch: tracemalloc (which sees NumPy's data buffers) watches 50
batches after 20 warm ones; ``transient_peak_kb`` is the most memory those batches held at once
beyond what was already live, ``retained_kb`` what they left behind.
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import tracemalloc
from typing import Any

import psutil


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 1e6


def _peak_mb() -> float:
    """The high-water mark of this process's RSS. Linux's VmHWM belongs to this address space;
    ``ru_maxrss`` would also count the parent's RSS at fork (it survives exec)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1e3                    # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3     # kB on Linux


def _steady_state_allocations(X: Any, y: Any, optimizer: str) -> dict[str, float]:
    import descend

    from .workloads import W1_BATCH, descend_mlp

    last = min(70, len(X) // W1_BATCH)          # full batches available

    class Watch(descend.Callback):
        start, stop = min(20, last // 3), last

        def on_batch_begin(self, batch: int, logs: Any = None) -> None:
            if batch == self.start:
                tracemalloc.start()

        def on_batch_end(self, batch: int, logs: Any = None) -> None:
            if batch == self.stop - 1:
                self.current, self.peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()

    watch = Watch()
    n = Watch.stop * W1_BATCH
    descend_mlp((X.shape[1], 256, 128, 10), optimizer).fit(X[:n], y[:n], epochs=1, batch_size=W1_BATCH,
                                                           verbose=0, seed=0, callbacks=[watch])
    return {"transient_peak_kb": watch.peak / 1e3, "retained_kb": watch.current / 1e3,
            "batches_watched": Watch.stop - Watch.start}


def measure(system: str, optimizer: str, samples: int, threads: int) -> dict[str, Any]:
    from .machine import limit_threads

    limit_threads(threads, torch=system == "torch")     # torch's import only in torch's process
    from .peers import w1_sklearn, w1_torch
    from .workloads import w1_data, w1_descend

    if system == "sklearn":
        import sklearn.neural_network  # noqa: F401  (imported before the baseline, as torch is)
    X, y = w1_data(samples)
    before = _rss_mb()
    runner = {"descend": w1_descend, "torch": w1_torch, "sklearn": w1_sklearn}[system](X, y, optimizer)
    runner()
    result: dict[str, Any] = {"system": system, "optimizer": optimizer, "samples": samples,
                              "rss_before_mb": before, "peak_rss_mb": _peak_mb()}
    result["training_mb"] = result["peak_rss_mb"] - before
    # descend's fused optimizer kernels import numba on first use (its RSS counts as training's)
    result["numba_loaded"] = "numba" in sys.modules
    if system == "descend":
        result.update(_steady_state_allocations(X, y, optimizer))
    return result


def in_subprocess(system: str, optimizer: str, samples: int, threads: int, timeout: float = 600
                  ) -> dict[str, Any]:
    """:func:`measure` in a fresh interpreter (so no other system's memory is counted)."""
    command = [sys.executable, "-m", "benchmarks.memory", system, optimizer, str(samples), str(threads)]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if proc.returncode:
        return {"system": system, "error": proc.stderr.strip().splitlines()[-1:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    system_, optimizer_, samples_, threads_ = sys.argv[1:5]
    print(json.dumps(measure(system_, optimizer_, int(samples_), int(threads_))))
