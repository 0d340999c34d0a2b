"""Issue 15's cases against the descend on the path: how many are handled, per group.

A case is *handled* when the command ends as the issue asks (a one-line message and exit status 2
naming what is wrong, never a traceback, a hang or an unbounded allocation; a warning, a lock, a
file mode, ...), *failed* otherwise. Run it against two trees to count before and after::

    PYTHONPATH=/path/to/old/src python -m benchmarks.hardening_cases
    PYTHONPATH=src python -m benchmarks.hardening_cases [--json] [--flips 300] [--trials 30]

The disk-full and read-only cases mount a small tmpfs and run only as root (they are reported as
not tried otherwise). Each command runs in a child process limited to 4 GiB of address space and
60 s (a hostile model declaring 50000×50000 weights, or /dev/zero, must not get further).
"""

from __future__ import annotations

import argparse
import csv
import errno
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

LIMIT = 4 * 2**30


def _limits() -> None:  # pragma: no cover - in the child
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def _env() -> dict[str, str]:
    """The environment of a child: this PYTHONPATH made absolute (children run in other folders)."""
    path = [os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {
        **os.environ,
        "MPLBACKEND": "Agg",
        "OPENBLAS_NUM_THREADS": "1",
        "PYTHONPATH": os.pathsep.join(path),
    }


def descend(*argv: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``descend argv`` in a child process; a hang is reported as exit status 124."""
    env = _env()
    try:
        return subprocess.run(
            [sys.executable, "-m", "descend", *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
            env=env,
            preexec_fn=_limits,
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(argv, 124, "", "timed out")


def one_line(done: subprocess.CompletedProcess[str], *needles: str) -> bool:
    err = done.stderr.strip()
    return (
        done.returncode == 2
        and "Traceback" not in err
        and len(err.splitlines()) == 1
        and all(n in err for n in needles)
    )


# ------------------------------------------------------------------------------- model files
def _parts(file: Path) -> tuple[dict[str, str], dict[str, Any], dict[str, np.ndarray]]:
    from safetensors import safe_open
    from safetensors.numpy import load_file

    with safe_open(str(file), "np") as f:
        meta = dict(f.metadata())
    return meta, json.loads(meta["descend"]), load_file(str(file))


def _write(file: Path, meta: dict[str, str], doc: dict[str, Any], tensors: dict[str, np.ndarray]) -> Path:
    """A model file with ``doc`` and ``tensors``, its checksum valid where the format has one
    (a hostile file can always carry a valid one)."""
    from safetensors.numpy import save_file

    from descend import saving

    text = json.dumps(doc)
    meta = {**meta, "descend": text}
    if "sha256" in meta and hasattr(saving, "checksum"):
        meta["sha256"] = saving.checksum(text, tensors)
    if file.is_symlink():
        file.unlink()
    save_file(tensors, str(file), metadata=meta)
    return file


def _edited(run: Path, name: str, edit: Callable[[dict[str, Any], dict[str, np.ndarray]], None]) -> Path:
    meta, doc, tensors = _parts(run / "model.safetensors")
    edit(doc, tensors)
    folder = run.parent / name
    folder.mkdir()
    _write(folder / "model.safetensors", meta, doc, tensors)
    return folder


def _raw(file: Path, header: bytes, data: bytes = b"") -> Path:
    file.write_bytes(len(header).to_bytes(8, "little") + header + data)
    return file


# ------------------------------------------------------------------------------------- setup
def _setup(root: Path) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    data = root / "data.csv"
    with open(data, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["a", "b", "species"])
        for i in range(60):
            label = ("setosa", "virginica", "versicolor")[i % 3]
            a, b = rng.normal((i % 3) * 5, 1.0, size=2)
            w.writerow([f"{a:.3f}", f"{b:.3f}", label])
    (root / "plainfile").write_text("x\n")
    (root / "wide.csv").write_text("a,b,species\n" + "1" * 200_000 + ",1,setosa\n2,0,virginica\n")
    (root / "in.csv").write_text("a,b\n1,2\n3,4\n")
    runs = {"data": data}
    for name, argv in [
        ("run", ["--csv", str(data), "--target", "species", "--layers", "4"]),
        ("mrun", ["--data", "moons", "--n-samples", "80", "--layers", "4"]),
        ("frun", ["--data", "digits", "--layers", "16"]),
    ]:  # mostly weights: for bit flips
        done = descend(
            "train", *argv, "--epochs", "2", "--quiet", "--no-plot", "--out", str(root / name), cwd=root
        )
        if done.returncode:
            raise RuntimeError(done.stderr)
        runs[name] = root / name
    return runs


# ------------------------------------------------------------------------------------- cases
Case = Callable[[Path, dict[str, Path]], bool]


def group_a() -> dict[str, Case]:
    return {
        "evaluate --model some.csv": lambda r, p: one_line(
            descend("evaluate", "--model", "data.csv", cwd=r), "data.csv"
        ),
        "train --resume FILE": lambda r, p: one_line(
            descend("train", "--resume", "plainfile", cwd=r), "plainfile"
        ),
        "train --out FILE/sub": lambda r, p: one_line(
            descend("train", "--data", "moons", "--epochs", "1", "--quiet", "--out", "plainfile/sub", cwd=r),
            "plainfile",
        ),
        "predict --output plainfile/o.csv": lambda r, p: one_line(
            descend("predict", "--model", "run", "--csv", "in.csv", "--output", "plainfile/o.csv", cwd=r),
            "plainfile",
        ),
        "lecture --out plainfile/sub": lambda r, p: one_line(
            descend("lecture", "--example", "classic", "--out", "plainfile/sub", cwd=r), "plainfile"
        ),
        "train --csv, a cell over 128 kB": lambda r, p: one_line(
            descend("train", "--csv", "wide.csv", "--target", "species", "--quiet", cwd=r)
        ),
        "predict --csv, a cell over 128 kB": lambda r, p: one_line(
            descend("predict", "--model", "run", "--csv", "wide.csv", "--output", "o.csv", cwd=r)
        ),
    }


def _tmpfs(root: Path, name: str) -> Path | None:
    if os.geteuid() != 0:
        return None
    mount = root / name
    mount.mkdir(exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True
    )
    return None if done.returncode else mount


def _fill(disk: Path) -> None:
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
    finally:
        os.close(fd)


def machine_cases(root: Path) -> dict[str, bool | None]:
    """Disk full and read-only, on train --out, --resume and predict --output (None: not tried)."""
    results: dict[str, bool | None] = {}
    for kind in ("full", "read-only"):
        disk = _tmpfs(root, kind)
        names = [f"{kind}: train --out", f"{kind}: train --resume", f"{kind}: predict --output"]
        if disk is None:
            results.update(dict.fromkeys(names))
            continue
        try:
            trained = descend(
                "train",
                "--data",
                "moons",
                "--n-samples",
                "60",
                "--layers",
                "4",
                "--epochs",
                "1",
                "--quiet",
                "--no-plot",
                "--out",
                str(disk / "run"),
                cwd=root,
            )
            if kind == "full":
                _fill(disk)
                needle = "No space left"
            else:
                subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
                needle = "Read-only"
            ok = trained.returncode == 0
            results[names[0]] = one_line(
                descend(
                    "train",
                    "--data",
                    "moons",
                    "--layers",
                    "256,256",
                    "--epochs",
                    "1",
                    "--quiet",
                    "--out",
                    str(disk / "new"),
                    cwd=root,
                ),
                needle,
            )
            results[names[1]] = ok and one_line(
                descend("train", "--resume", str(disk / "run"), "--epochs", "1", "--quiet", cwd=root), needle
            )
            big = root / "big.csv"
            big.write_text("x1,x2\n" + "0.5,0.5\n" * 5000)
            results[names[2]] = ok and one_line(
                descend(
                    "predict",
                    "--model",
                    str(disk / "run"),
                    "--csv",
                    str(big),
                    "--output",
                    str(disk / "p.csv"),
                    cwd=root,
                ),
                needle,
            )
        finally:
            subprocess.run(["umount", "-l", str(disk)], check=False)
    return results


def group_b() -> dict[str, Case]:
    def evaluate_names(folder: Path, r: Path, *needles: str) -> bool:
        return one_line(descend("evaluate", "--model", str(folder), cwd=r), folder.name, *needles)

    def epoch_inf(doc: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        doc["history"]["epoch"][0] = math.inf

    def rng(key: list[int]) -> Callable[[dict[str, Any], dict[str, np.ndarray]], None]:
        def edit(doc: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
            doc["train_rng"] = {"bit_generator": "MT19937", "state": {"key": key, "pos": 624}}

        return edit

    def huge(doc: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        doc["architecture"]["input_dim"] = 50_000
        doc["architecture"]["layers"][0]["config"]["units"] = 50_000

    def short_names(doc: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        doc["extra"]["cli"]["target_names"] = doc["extra"]["cli"]["target_names"][:1]

    def nan_slot(doc: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        key = next(k for k in tensors if k.startswith("optimizer/"))
        tensors[key] = np.full_like(tensors[key], np.nan)

    def deep(r: Path, p: dict[str, Path]) -> bool:
        folder = r / "deep"
        folder.mkdir()
        _raw(folder / "model.safetensors", b"[" * 100_000 + b"]" * 100_000)
        return evaluate_names(folder, r)

    def inf_offsets(r: Path, p: dict[str, Path]) -> bool:
        folder = r / "offsets"
        folder.mkdir()
        _raw(
            folder / "model.safetensors",
            b'{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, Infinity]}}',
            b"\0" * 4,
        )
        return evaluate_names(folder, r)

    def special(name: str, make: Callable[[Path], None]) -> Case:
        def case(r: Path, p: dict[str, Path]) -> bool:
            folder = r / name
            folder.mkdir()
            make(folder / "model.safetensors")
            return evaluate_names(folder, r)

        return case

    def predict_short(r: Path, p: dict[str, Path]) -> bool:
        folder = _edited(p["run"], "short", short_names)
        return one_line(
            descend("predict", "--model", str(folder), "--csv", "in.csv", "--output", "o.csv", cwd=r), "short"
        )

    def v1(r: Path, p: dict[str, Path]) -> bool:
        meta, doc, tensors = _parts(p["mrun"] / "model.safetensors")
        folder = r / "v1"
        folder.mkdir()
        meta = {k: v for k, v in meta.items() if k != "sha256"}
        _write(folder / "model.safetensors", {**meta, "format_version": "1"}, doc, tensors)
        return descend("evaluate", "--model", str(folder), cwd=r).returncode == 0

    return {
        "header nested 100,000 deep": deep,
        "data_offsets Infinity": inf_offsets,
        "history epoch Infinity": lambda r, p: evaluate_names(_edited(p["mrun"], "epochinf", epoch_inf), r),
        "generator state 2**40": lambda r, p: evaluate_names(
            _edited(p["mrun"], "rng40", rng([2**40] * 624)), r
        ),
        "generator state of wrong length": lambda r, p: evaluate_names(
            _edited(p["mrun"], "rnglen", rng([1])), r
        ),
        "symlink loop": special("loop", lambda f: os.symlink(f, f)),
        "target_names shorter than the outputs": predict_short,
        "10 kB file declaring 50000×50000": lambda r, p: evaluate_names(_edited(p["mrun"], "huge", huge), r),
        "symlink to /dev/zero": special("zero", lambda f: os.symlink("/dev/zero", f)),
        "FIFO": special("fifo", lambda f: os.mkfifo(f)),
        "NaN optimizer slot": lambda r, p: evaluate_names(_edited(p["mrun"], "nanslot", nan_slot), r),
        "old file without checksum loads": v1,
    }


def bit_flips(run: Path, flips: int) -> dict[str, int]:
    """Single-bit flips anywhere in a model file: refused, harmless (the same weights), silent."""
    import descend

    file = run / "model.safetensors"
    data = file.read_bytes()
    good = descend.load_model(file).get_weights()
    copy = run.parent / "flipped.safetensors"
    counts = {"refused": 0, "harmless": 0, "silent": 0, "other error": 0}
    for position in np.random.default_rng(0).integers(0, 8 * len(data), size=flips):
        flipped = bytearray(data)
        flipped[position // 8] ^= 1 << (position % 8)
        copy.write_bytes(bytes(flipped))
        try:
            weights = descend.load_model(copy).get_weights()
        except ValueError as exc:
            counts["refused" if str(copy) in str(exc) else "other error"] += 1
            continue
        except Exception:
            counts["other error"] += 1
            continue
        same = all(np.array_equal(a, b) for a, b in zip(weights, good, strict=True))
        counts["harmless" if same else "silent"] += 1
    return counts


def group_c() -> dict[str, Case]:
    def modes(r: Path, p: dict[str, Path]) -> bool:
        names = ("model.safetensors", "history.csv", "history.json", "results.json")
        return all((os.stat(p["mrun"] / n).st_mode & 0o777) == 0o644 for n in names)  # umask 022

    def chmod_kept(r: Path, p: dict[str, Path]) -> bool:
        os.chmod(p["mrun"] / "results.json", 0o640)
        done = descend("train", "--resume", str(p["mrun"]), "--epochs", "1", "--quiet", "--no-plot", cwd=r)
        return done.returncode == 0 and (os.stat(p["mrun"] / "results.json").st_mode & 0o777) == 0o640

    def overlapping(r: Path, p: dict[str, Path]) -> bool:
        out = r / "overlap"
        descend(
            "train", "--data", "digits", "--epochs", "1", "--quiet", "--no-plot", "--out", str(out), cwd=r
        )
        env = _env()
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "descend",
                    "train",
                    "--resume",
                    str(out),
                    "--epochs",
                    str(n),
                    "--quiet",
                    "--no-plot",
                ],
                cwd=r,
                env=env,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in (10, 20)
        ]
        codes = [(proc.wait(timeout=300), proc.stderr.read() if proc.stderr else "") for proc in procs]
        import descend as lib

        epochs = lib.load_model(out).epochs_trained
        refused = [c for c, err in codes if c == 2 and "another descend run" in err]
        return epochs == 31 or (len(refused) == 1 and epochs in (11, 21))

    def not_saved(r: Path, p: dict[str, Path]) -> bool:
        done = descend("train", "--data", "moons", "--epochs", "1", "--no-plot", cwd=r)
        return "not saved" in done.stdout

    def diverged(r: Path, p: dict[str, Path]) -> tuple[subprocess.CompletedProcess[str], Path]:
        out = r / "diverged"
        return descend(
            "train",
            "--data",
            "moons",
            "--optimizer",
            "sgd",
            "--lr",
            "1e30",
            "--epochs",
            "5",
            "--quiet",
            "--no-plot",
            "--out",
            str(out),
            cwd=r,
        ), out

    def changed_csv(r: Path, p: dict[str, Path]) -> None:
        with open(p["data"], "a") as f:
            f.write("0.1,0.2,setosa\n")

    def resume_changed(r: Path, p: dict[str, Path]) -> bool:
        changed_csv(r, p)
        return one_line(descend("train", "--resume", str(p["run"]), "--epochs", "1", "--quiet", cwd=r))

    def evaluate_changed(r: Path, p: dict[str, Path]) -> bool:
        default = descend("evaluate", "--model", str(p["run"]), cwd=r)
        named = descend(
            "evaluate", "--model", str(p["run"]), "--csv", str(p["data"]), "--target", "species", cwd=r
        )
        return (default.returncode == 2 or "warning" in default.stderr) and "warning" in named.stderr

    def moved(r: Path, p: dict[str, Path]) -> bool:
        new = r / "moved.csv"
        new.write_bytes(p["data"].read_bytes().removesuffix(b"0.1,0.2,setosa\n"))  # as trained on
        p["data"].unlink()
        done = descend(
            "train",
            "--resume",
            str(p["run"]),
            "--csv",
            str(new),
            "--epochs",
            "1",
            "--quiet",
            "--no-plot",
            cwd=r,
        )
        return done.returncode == 0

    return {
        "files get the umask's mode": modes,
        "a re-save keeps chmod 640": chmod_kept,
        "two overlapping --resume": overlapping,
        "train without --out says so": not_saved,
        "a diverging run writes its history": lambda r, p: any(
            "history" in f.name for f in diverged(r, p)[1].glob("*")
        ),
        "the divergence names --clip-norm": lambda r, p: "--clip-norm" in diverged(r, p)[0].stderr,
        "--resume refuses a changed CSV": resume_changed,
        "evaluate warns on a changed CSV": evaluate_changed,
        "--resume --csv NEW names a moved file": moved,
    }


def group_d() -> dict[str, Case]:
    def shadow(r: Path, p: dict[str, Path]) -> bool:
        secret = r / "shadow"
        secret.write_text("root:$6$the-secret-hash:19000:0:99999:7:::\nx\n")

        def edit(doc: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
            doc["extra"]["cli"]["data"]["csv"] = str(secret)

        folder = _edited(p["run"], "hostile", edit)
        done = descend("evaluate", "--model", str(folder), cwd=r)
        return done.returncode != 0 and "secret-hash" not in done.stderr + done.stdout

    return {"a model pointing evaluate at a secret file": shadow}


def crash(trials: int) -> dict[str, Any]:
    env = _env()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.crash_trials", "--trials", str(trials), "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
    )
    return dict(json.loads(done.stdout)) if done.returncode == 0 else {"error": done.stderr[-500:]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flips", type=int, default=300)
    parser.add_argument("--trials", type=int, default=30, help="kill -9 trials (benchmarks.crash_trials)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    os.umask(0o022)
    report: dict[str, Any] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = _setup(root)
        for group, cases in [("A", group_a()), ("B", group_b()), ("C", group_c()), ("D", group_d())]:
            results: dict[str, bool | None] = {}
            for name, case in cases.items():
                try:
                    results[name] = bool(case(root, paths))
                except Exception as exc:  # a case that cannot even be set up counts as failed
                    results[name] = False
                    print(f"{group} {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            if group == "A":
                results.update(machine_cases(root))
            report[group] = results
        report["bit flips"] = bit_flips(paths["frun"], args.flips)
    report["kill -9"] = crash(args.trials)
    summary = {
        g: {
            "tried": sum(v is not None for v in report[g].values()),
            "handled": sum(v is True for v in report[g].values()),
            "failed": sum(v is False for v in report[g].values()),
        }
        for g in "ABCD"
    }
    report["summary"] = summary
    report["seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    for group in "ABCD":
        print(f"group {group}: {summary[group]}")
        for name, ok in report[group].items():
            print(f"  {'not tried' if ok is None else 'handled' if ok else 'FAILED':9}  {name}")
    print(f"bit flips: {report['bit flips']}")
    print(f"kill -9: {report['kill -9']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
