"""Running a sweep's trials: in this process, on a local process pool, or on a Dask cluster.

A trial runs ``descend train`` itself — its arguments parsed by :func:`descend.cli.build_parser`
and passed to :func:`descend.cli.train.run`, writing to a temporary folder whose
``results.json`` and ``history.json`` come back — so its numbers are those of the command that
:meth:`~descend.sweep.spec.Trial.command` prints, by construction.

Workers only compute and return; the sweep process alone writes the results file, one
transaction per trial as results arrive (:mod:`descend.sweep.store`). A trial whose worker dies
is run again: on the process pool, the pool is rebuilt and the trials in flight are resubmitted
(a trial whose worker dies :data:`MAX_ATTEMPTS` times is recorded as failed); on Dask, the
scheduler reschedules a dead worker's tasks itself (``distributed.scheduler.allowed-failures``),
and a trial it gives up on arrives as ``KilledWorker`` and is recorded as failed. A result that
arrives twice (a first attempt that finished after all) is written once.
"""
from __future__ import annotations

import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from .spec import Spec, Trial, train_options
from .store import Store

#: times a trial may lose its worker before it is recorded as failed
MAX_ATTEMPTS = 3
#: how often the Dask path counts the cluster's worker threads again (workers may join or leave)
RECOUNT_S = 5.0


# ------------------------------------------------------------------------------ one trial
@cache
def _parser() -> Any:
    from ..cli import build_parser

    return build_parser("train")


def train_once(argv: list[str], out: str | None) -> None:
    """``descend train ARGV --quiet --no-plot [--out OUT]`` in this process (errors propagate)."""
    from ..cli import train

    extra = ["--quiet", "--no-plot"] + (["--out", out] if out is not None else [])
    train.run(_parser().parse_args(["train", *argv, *extra]))


def run_trial(task: dict[str, Any]) -> dict[str, Any]:
    """Run one trial (``task``: ``{"id": ..., "argv": [...]}``) and return its outcome.

    The outcome is a JSON-able dict: ``status`` (done / diverged / failed), ``results`` and
    ``history`` (``descend train``'s results.json and history.json), ``weights_sha256`` (of the
    final weights), ``diverged`` (epoch, update, layer, loss), ``error``, ``worker``
    (host:pid), wall-clock ``started_at`` / ``finished_at`` and ``seconds``. It never raises
    for a failing trial: the failure is the outcome.
    """
    import socket
    import tempfile

    from ..errors import DivergenceError

    started, t0 = time.time(), time.perf_counter()
    out: dict[str, Any] = {"id": task["id"], "worker": f"{socket.gethostname()}:{os.getpid()}",
                           "started_at": started}
    try:
        with tempfile.TemporaryDirectory(prefix="descend-trial-") as tmp:
            train_once(list(task["argv"]), tmp)
            folder = Path(tmp)
            out["results"] = json.loads((folder / "results.json").read_text())
            out["history"] = json.loads((folder / "history.json").read_text())
            out["weights_sha256"] = weights_digest(folder / "model.safetensors")
        out["status"] = "done"
    except DivergenceError as exc:
        out.update(status="diverged", error=str(exc), diverged={
            "epoch": exc.epoch, "update": exc.update, "layer": exc.layer,
            "loss": None if exc.loss is None else float(exc.loss)})
    except (Exception, SystemExit) as exc:  # the trial failed; the sweep goes on
        out.update(status="failed", error=f"{type(exc).__name__}: {exc}")
    out["seconds"] = time.perf_counter() - t0
    out["finished_at"] = time.time()
    return out


def weights_digest(path: str | Path) -> str:
    """SHA-256 of every tensor (name, dtype, shape, bytes) in a saved model, in name order."""
    import hashlib

    from safetensors.numpy import load_file

    digest = hashlib.sha256()
    for name, array in sorted(load_file(str(path)).items()):
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


# ------------------------------------------------------------------------- checking a spec
def rehearse(spec: Spec, trials: list[Trial]) -> None:
    """Run one epoch of each distinct configuration (first seed) through ``descend train``,
    so that every check ``descend train`` makes — data, model, optimizer, fit — rejects a bad
    value before the sweep starts. Raises ValueError naming the spec key at fault.

    ``epochs`` itself is rehearsed as min(epochs, 1): a value below 1 meets train's own check.
    A configuration that diverges in its first epoch is a result, not an error.
    """
    from ..errors import DivergenceError

    seen: set[str] = set()
    for trial in trials:
        short = rehearsal(trial)
        configuration = json.dumps(short.options, sort_keys=True)   # the seed aside
        if configuration in seen:
            continue
        seen.add(configuration)
        try:
            train_once(short.argv(), None)
        except DivergenceError:
            continue
        except (ValueError, TypeError, FileNotFoundError) as exc:
            key = _culprit(spec, trial.options, str(exc))
            raise ValueError(f"{key}: {exc} (in trial {trial.index}: {trial.command()})") from None


def _culprit(spec: Spec, options: dict[str, Any], message: str) -> str:
    """The spec key a rehearsal error is about: the option its message starts with (as a flag,
    ``--lr``, or by name, ``optimizer``), else the one whose removal makes it go away, else the
    one whose value it quotes, else all of them."""
    flags = {o.flag: o.dest for o in train_options().values()}
    head = message.split(":", 1)[0].strip()
    for name in head.split(", "):
        if flags.get(name, name) in options:
            return _where(spec, flags.get(name, name))
    from ..errors import DivergenceError

    for key in options:
        rest = Trial(0, {k: v for k, v in options.items() if k != key}, 0)
        try:
            train_once(rehearsal(rest).argv(), None)
        except DivergenceError:
            return _where(spec, key)
        except (ValueError, TypeError, FileNotFoundError):
            continue
        return _where(spec, key)
    for key, value in options.items():
        if str(value) in message or repr(value) in message:
            return _where(spec, key)
    return ", ".join(_where(spec, k) for k in options)


def _where(spec: Spec, key: str) -> str:
    return f"grid.{key}" if key in spec.grid else f"random.{key}" if key in spec.random else key


# ------------------------------------------------------------------------------- backends
class Backend(Protocol):
    """Where trials run: ``slots`` trials at once; up to ``window`` are handed over at once (more
    than ``slots`` where handing one over takes a round trip, so a freed slot never waits)."""

    slots: int
    window: int
    name: str

    def submit(self, task: dict[str, Any]) -> Any: ...

    def wait(self, futures: Iterable[Any], timeout: float) -> set[Any]: ...

    def outcome(self, future: Any) -> dict[str, Any] | None:
        """The trial's outcome, or None if its worker died (it is to be run again)."""

    def close(self) -> None: ...


class InlineBackend:
    """One trial after another in this process (``--workers 0``): no pool, for debugging and
    as the sequential baseline of the benchmark."""

    slots, window, name = 1, 1, "this process"

    class _Ran:
        def __init__(self, outcome: dict[str, Any]) -> None:
            self.outcome = outcome

    def submit(self, task: dict[str, Any]) -> Any:
        return self._Ran(run_trial(task))

    def wait(self, futures: Iterable[Any], timeout: float) -> set[Any]:
        return set(futures)

    def outcome(self, future: Any) -> dict[str, Any] | None:
        outcome: dict[str, Any] = future.outcome
        return outcome

    def close(self) -> None:
        pass


def rehearsal(trial: Trial) -> Trial:
    """``trial`` with one epoch (min(epochs, 1): a value below 1 stays, for train to refuse)."""
    return Trial(trial.index, {**trial.options, "epochs": min(trial.options.get("epochs", 1), 1)}, trial.seed)


def warm_ups(trials: list[Trial], most: int = 8) -> list[list[str]]:
    """One-epoch runs of the first trial of each combination of the text options (optimizer,
    activation, init, data...), at most ``most``: what a worker runs before its first trial."""
    seen: dict[str, list[str]] = {}
    for trial in trials:
        key = repr(sorted((k, v) for k, v in trial.options.items() if isinstance(v, str)))
        if key not in seen and len(seen) < most:
            seen[key] = rehearsal(trial).argv()
    return list(seen.values())


def warm_up(argvs: list[list[str]]) -> None:
    """Import the engine, the data's loader and the compiled loops the sweep uses by running
    ``argvs`` (see :func:`warm_ups`), so that the first trial a worker runs is timed like the
    others, not charged the process's start-up (imports, compilation)."""
    import contextlib

    for argv in argvs:
        with contextlib.suppress(Exception):  # a failed warm-up only costs the first trial's time
            train_once(argv, None)


def _pool_worker_init(parent: int, warm: list[list[str]]) -> None:
    """A pool worker: one BLAS thread (the pool already uses every core), warmed up, and an exit
    when the sweep process is gone (killed with -9 it cannot tell its pool to stop)."""
    import threading

    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    warm_up(warm)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="descend-sweep-orphan-watch").start()


class PoolBackend:
    """A local process pool of ``workers`` processes (spawned, so no thread or lock state of
    this process leaks into them). A worker that dies breaks the pool: it is rebuilt and the
    trials that were in flight come back as None, to be run again."""

    name = "process pool"

    def __init__(self, workers: int, warm: list[list[str]] | None = None) -> None:
        if workers < 1:
            raise ValueError(f"--workers: expected a number of processes >= 1 (0: this process), "
                             f"got {workers}")
        self.slots = self.window = workers
        self._warm = warm or []
        self._pool = self._new()

    def _new(self) -> Any:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(self.slots, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_pool_worker_init, initargs=(os.getpid(), self._warm))

    def submit(self, task: dict[str, Any]) -> Any:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return self._pool.submit(run_trial, task)
        except BrokenProcessPool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new()
            return self._pool.submit(run_trial, task)

    def wait(self, futures: Iterable[Any], timeout: float) -> set[Any]:
        from concurrent.futures import FIRST_COMPLETED
        from concurrent.futures import wait as wait_futures

        done, _ = wait_futures(list(futures), timeout=timeout, return_when=FIRST_COMPLETED)
        return done

    def outcome(self, future: Any) -> dict[str, Any] | None:
        from concurrent.futures.process import BrokenProcessPool

        try:
            result: dict[str, Any] = future.result()
        except BrokenProcessPool:
            return None
        return result

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskBackend:
    """An existing Dask distributed cluster (``--scheduler tcp://HOST:PORT``) or a given
    ``distributed.Client``. Its workers need descend installed (the same version); each trial is
    a task keyed by the trial's id."""

    name = "Dask cluster"

    def __init__(self, scheduler: Any, warm: list[list[str]] | None = None, timeout: float = 10.0) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise ValueError("--scheduler: needs dask.distributed (pip install 'descend[sweep]')") from None
        if isinstance(scheduler, Client):
            self.client, self._own = scheduler, False
        else:
            try:
                self.client, self._own = Client(scheduler, timeout=timeout), True
            except (OSError, TimeoutError) as exc:
                raise ValueError(f"--scheduler: cannot reach the Dask scheduler at {scheduler!r} "
                                 f"({exc})") from None
        self._counted = 0.0
        self._count()
        if self.slots < 1:
            self.close()
            raise ValueError(f"--scheduler: the cluster at {scheduler!r} has no worker")
        self.client.run(warm_up, warm or [])  # workers that join later warm up on their first trial

    def _count(self) -> None:
        """Slots = the cluster's worker threads now (workers come and go), asked at most every
        :data:`RECOUNT_S` seconds."""
        self.slots = sum(self.client.nthreads().values())
        self.window = max(2 * self.slots, 2)  # with no worker now, two wait at the scheduler
        self._counted = time.monotonic()

    def submit(self, task: dict[str, Any]) -> Any:
        # pure=False: a trial is never taken from a cache; the key names it in Dask's dashboard
        return self.client.submit(run_trial, task, key=f"descend-trial-{task['id']}", pure=False)

    def wait(self, futures: Iterable[Any], timeout: float) -> set[Any]:
        from distributed import wait as wait_futures

        if time.monotonic() - self._counted > RECOUNT_S:
            self._count()
        futures = list(futures)
        try:
            done, _ = wait_futures(futures, timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            return set()
        return set(done)

    def outcome(self, future: Any) -> dict[str, Any] | None:
        from distributed import KilledWorker

        try:
            result: dict[str, Any] = future.result()
        except KilledWorker as exc:
            return {"id": None, "status": "failed", "seconds": None,
                    "error": f"KilledWorker: the trial's worker died every time it ran it ({exc})"}
        return result

    def close(self) -> None:
        if self._own:
            self.client.close()


# ----------------------------------------------------------------------------- the loop
@dataclass
class Progress:
    """What the progress display shows."""

    total: int
    done: int = 0           # recorded (any status), this run and earlier
    failed: int = 0
    diverged: int = 0
    running: int = 0


def execute(trials: list[Trial], store: Store, backend: Backend,
            on_update: Callable[[Progress], None] | None = None) -> Progress:
    """Run the ``trials`` not yet in ``store`` on ``backend``, recording each as it finishes."""
    finished = store.finished()
    todo = deque(t for t in trials if t.id not in finished)
    state = Progress(total=len(trials))
    statuses = [finished[t.id] for t in trials if t.id in finished]
    state.done, state.failed, state.diverged = (len(statuses), statuses.count("failed"),
                                                statuses.count("diverged"))
    attempts: dict[str, int] = {}
    inflight: dict[Any, tuple[Trial, float]] = {}
    update = on_update or (lambda p: None)
    update(state)
    while todo or inflight:
        _fill(backend, todo, inflight, attempts)
        state.running = min(len(inflight), backend.slots)
        update(state)
        for future in backend.wait(list(inflight), timeout=0.5):
            trial, submitted = inflight.pop(future)
            outcome = backend.outcome(future)
            if outcome is None and attempts[trial.id] < MAX_ATTEMPTS:
                todo.appendleft(trial)          # its worker died: run it again
                continue
            _record(store, state, trial, outcome, attempts[trial.id], submitted)
    state.running = 0
    update(state)
    return state


def _fill(backend: Backend, todo: deque[Trial], inflight: dict[Any, tuple[Trial, float]],
          attempts: dict[str, int]) -> None:
    """Submit trials from ``todo`` until the backend's window is full."""
    while todo and len(inflight) < backend.window:
        trial = todo.popleft()
        attempts[trial.id] = attempts.get(trial.id, 0) + 1
        inflight[backend.submit({"id": trial.id, "argv": trial.argv()})] = (trial, time.time())


def _record(store: Store, state: Progress, trial: Trial, outcome: dict[str, Any] | None, attempts: int,
            submitted: float) -> None:
    """Write a trial's outcome (a worker that died on it every time: failed) and count it once."""
    if outcome is None:
        outcome = {"status": "failed", "error": f"its worker process died {MAX_ATTEMPTS} times "
                                                f"while running it"}
    outcome["attempts"] = attempts
    if store.record(trial, outcome, submitted_at=submitted, received_at=time.time()):
        state.done += 1
        state.failed += outcome["status"] == "failed"
        state.diverged += outcome["status"] == "diverged"


def backend_for(workers: int | None, scheduler: Any | None, warm: list[list[str]] | None = None) -> Backend:
    """The backend the options name: a Dask cluster, this process (workers=0) or a pool of
    ``workers`` processes (default: the cores), whose workers first run ``warm``."""
    if scheduler is not None:
        return DaskBackend(scheduler, warm)
    if workers == 0:
        return InlineBackend()
    return PoolBackend(workers or cores(), warm)


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1
