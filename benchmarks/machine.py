"""Machine, BLAS and version information recorded with every run."""
from __future__ import annotations

import io
import os
import platform
import subprocess
import sys
from contextlib import redirect_stdout
from importlib import metadata
from pathlib import Path
from typing import Any

ENV_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
            "NVPL_BLAS_DEBUG_CPU_TYPE", "NUMBA_NUM_THREADS", "DESCEND_KERNELS")


def limit_threads(threads: int, torch: bool = True) -> None:
    """The same thread count for every pool: BLAS and OpenMP through threadpoolctl, torch's
    intra-op pool, and numba's (descend's fused optimizer kernels), which threadpoolctl does not
    see — through NUMBA_NUM_THREADS, so call this before numba is imported. ``torch=False`` leaves
    torch unimported (a process that measures memory without it)."""
    os.environ["NUMBA_NUM_THREADS"] = str(threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)
    if torch:
        import torch as torch_module

        torch_module.set_num_threads(threads)


def descend_kernels() -> dict[str, Any]:
    """Whether descend's fast paths (numba loops and kernels) run in this process."""
    from descend import _fast
    from descend._fast import loops
    from descend._fast import optimizers as kernels

    out: dict[str, Any] = {"available": True, "enabled": _fast.enabled(),
                           "min_size": kernels.MIN_SIZE, "loops_min_size": loops.MIN_SIZE}
    if out["enabled"]:
        import numba

        out.update(numba=numba.__version__, numba_threads=numba.get_num_threads(),
                   threading_layer=_numba_layer(numba))
    return out


def _numba_layer(numba: Any) -> str:
    try:
        return numba.threading_layer()
    except ValueError:                    # no parallel region has run yet
        return "not yet chosen"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cores_available() -> int:
    """Cores this process may run on (the affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for dist in ("descend", "numpy", "torch", "scikit-learn", "scipy", "numba", "threadpoolctl", "psutil"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def git_state(repo: Path) -> dict[str, Any]:
    """The commit measured, and whether the engine (src/) had uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True).stdout.strip()

    dirty = git("status", "--porcelain", "--", "src")
    return {"commit": git("rev-parse", "HEAD"), "src_dirty": bool(dirty),
            "src_changes": git("diff", "--shortstat", "HEAD", "--", "src") if dirty else ""}


def _without_prefix(pools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """threadpoolctl's libraries with their paths below the interpreter's prefix (site-packages/...),
    so that a result names no machine's folders."""
    prefix = sys.prefix.rstrip("/") + "/"
    return [{**pool, "filepath": str(pool.get("filepath", "")).replace(prefix, "")} for pool in pools]


def info(threads: int, repo: Path) -> dict[str, Any]:
    import numpy as np
    import psutil
    from threadpoolctl import threadpool_info

    try:
        numpy_config = np.show_config(mode="dicts")
    except TypeError:                     # NumPy < 1.26 prints only
        buf = io.StringIO()
        with redirect_stdout(buf):
            np.show_config()
        numpy_config = buf.getvalue()
    torch_info: dict[str, Any] = {}
    try:
        import torch

        torch_info = {"num_threads": torch.get_num_threads(), "config": torch.__config__.show(),
                      "parallel": torch.__config__.parallel_info()}
    except ImportError:
        pass
    return {"cpu_model": cpu_model(), "cores_logical": os.cpu_count(),
            "cores_physical": psutil.cpu_count(logical=False),
            "cores_available": cores_available(), "threads_used": threads, "platform": platform.platform(),
            "memory_gb": psutil.virtual_memory().total / 1e9, "env": {k: os.environ.get(k) for k in ENV_VARS},
            "threadpools": _without_prefix(threadpool_info()), "numpy_config": numpy_config,
            "torch": torch_info,
            "descend_kernels": descend_kernels(),
            "versions": versions(), "git": git_state(repo)}
