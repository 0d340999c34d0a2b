"""Run the workloads: each one's systems alternate in one process (see :mod:`benchmarks.harness`)."""
from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import memory, peers, roofline, workloads
from .harness import Measurement, alternate

WORKLOADS = ("W1", "W2", "W3", "W4", "roofline", "memory")
#: bytes one Adam step moves per float32 parameter: reads g, w, m, v; writes w, m, v
ADAM_BYTES_PER_PARAM = 7 * 4


@dataclass
class Suite:
    """What to run and everything measured so far."""

    sizes: workloads.Sizes
    threads: int
    only: tuple[str, ...] = WORKLOADS
    log: Callable[[str], None] = print
    measurements: list[Measurement] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def run(self) -> None:
        # the ceilings bracket the workloads: measured before and after, the better one kept
        if {"roofline", "W1", "W3"} & set(self.only):
            self.info["roofline_before"] = self.ceilings()
        for name in WORKLOADS[:4]:
            if name in self.only:
                self.log(f"[{name}]")
                getattr(self, name.lower())()
        if {"roofline", "W1", "W3"} & set(self.only):
            self.info["roofline_after"] = self.ceilings()
            self.info["roofline"] = self.pooled_ceilings()
            roof = self.info["roofline"]
            for m in self.measurements:
                if "gbps" in m.extra:          # W3: Adam's traffic against the copy bandwidth
                    m.extra["of_copy_bw"] = m.extra["gbps"] / roof["copy_gbps"]
                    m.extra["of_copy_bw_all_threads"] = m.extra["gbps"] / roof["copy_gbps_all_threads"]
        if "memory" in self.only:
            self.log("[memory]")
            self.memory()

    def add(self, workload: str, samples: dict[str, list[float]], unit: str, scale: float,
            extra: dict[str, dict[str, Any]] | None = None) -> None:
        for system, seconds in samples.items():
            self.measurements.append(Measurement(workload, system, unit, [s * scale for s in seconds],
                                                 extra=(extra or {}).get(system, {})))

    # ------------------------------------------------------------------------------ workloads
    def w1(self) -> None:
        X, y = workloads.w1_data(self.sizes.w1_samples)
        for opt in ("adam", "momentum"):
            runners = {"descend": workloads.w1_descend(X, y, opt), "torch": peers.w1_torch(X, y, opt),
                       "sklearn": peers.w1_sklearn(X, y, opt)}
            self.add(f"W1 {opt}", alternate(runners, self.sizes.w1_reps, warmup=0, log=self.log),
                     "s/epoch", 1.0)

    def w2(self) -> None:
        n = self.sizes.w2_updates
        X, y = workloads.w2_data(n)
        runners = {"descend": workloads.w2_descend(X, y), "torch": peers.w2_torch(X, y)}
        self.add("W2 sgd b=1", alternate(runners, self.sizes.w2_reps, warmup=0, log=self.log),
                 "µs/update", 1e6 / n)

    def w3(self) -> None:
        s = self.sizes
        cases = {f"W3 adam 1×{s.w3_single / 1e6:g}M": [s.w3_single],
                 f"W3 adam {s.w3_arrays}×{s.w3_array_size / 1e3:g}k": [s.w3_array_size] * s.w3_arrays}
        for workload, sizes in cases.items():
            runners = {"descend": workloads.w3_descend(sizes),
                       "torch foreach": peers.w3_torch(sizes, "foreach"),
                       "torch fused": peers.w3_torch(sizes, "fused")}
            samples = alternate(runners, s.w3_reps, warmup=1)
            bytes_moved = ADAM_BYTES_PER_PARAM * sum(sizes)
            extra = {k: {"gbps": bytes_moved / statistics.median(v) / 1e9, "bytes_per_step": bytes_moved}
                     for k, v in samples.items()}
            self.add(workload, samples, "ms/step", 1e3, extra)
            self.log(f"  {workload}: " + ", ".join(f"{k} {statistics.median(v) * 1e3:.3g} ms"
                                                   for k, v in samples.items()))

    def w4(self) -> None:
        data = workloads.w4_data()
        cap = self.sizes.w4_max_epochs
        d_run, d_epochs = workloads.w4_descend(data, cap)
        s_run, s_epochs = peers.w4_sklearn(data, cap)
        samples = alternate({"descend": d_run, "sklearn": s_run}, self.sizes.w4_reps, warmup=1, log=self.log)
        reps = self.sizes.w4_reps
        extra = {"descend": {"epochs_to_target": d_epochs[-reps:]},
                 "sklearn": {"epochs_to_target": s_epochs[-reps:]}}
        for system, e in extra.items():
            e.update({"target_accuracy": workloads.W4_TARGET, "max_epochs": cap,
                      "reached": all(x is not None for x in e["epochs_to_target"]),
                      # the per-epoch cost, which does not depend on how lucky the seed was
                      "s_per_epoch": statistics.median(
                          t / (ep or cap)
                          for t, ep in zip(samples[system], e["epochs_to_target"], strict=True))})
        self.add(f"W4 digits→{workloads.W4_TARGET:.0%}", samples, "s", 1.0, extra)

    # ------------------------------------------------------------------------------- roofline
    def ceilings(self) -> dict[str, Any]:
        return {"sgemm_w1": roofline.sgemm_w1(self.sizes.roofline_batches),
                "sgemm_square_gflops": roofline.sgemm_square(
                    2048 if self.sizes.roofline_batches > 10 else 512),
                "copy": roofline.copy_bandwidth(self.sizes.copy_elements)}

    def pooled_ceilings(self) -> dict[str, Any]:
        """The better of the two brackets: a ceiling is the best the machine showed in this run (a
        burst of load from other jobs during one bracket would otherwise lower the bound)."""
        before, after = self.info["roofline_before"], self.info["roofline_after"]
        gflops = max(before["sgemm_w1"]["gflops"], after["sgemm_w1"]["gflops"])
        return {"sgemm_w1_gflops": gflops,
                "copy_gbps": max(before["copy"]["gbps"], after["copy"]["gbps"]),
                "copy_gbps_all_threads": max(before["copy"]["gbps_all_threads"],
                                             after["copy"]["gbps_all_threads"]),
                "sgemm_square_gflops": max(before["sgemm_square_gflops"], after["sgemm_square_gflops"]),
                "w1_lower_bound": roofline.w1_lower_bound(self.sizes.w1_samples, gflops)}

    # --------------------------------------------------------------------------------- memory
    def memory(self) -> None:
        results = {}
        for system in ("descend", "torch", "sklearn"):
            results[system] = memory.in_subprocess(system, "adam", self.sizes.memory_samples, self.threads)
            self.log(f"  {system}: {results[system]}")
        self.info["memory"] = results
