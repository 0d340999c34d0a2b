"""descend.cli._runfolder: ``descend train``'s output folder is written as a unit (a version
folder switched in atomically), by one run at a time (a lock), keeps file modes, survives kill -9
at any moment and a full or read-only disk."""
from __future__ import annotations

import fcntl
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import descend
from descend.cli import main
from descend.cli._runfolder import LOCK, RunFolder, disagreement

ROOT = Path(__file__).resolve().parents[1]
MOONS = ["--data", "moons", "--n-samples", "60", "--layers", "6", "--quiet", "--no-plot"]


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


# ---------------------------------------------------------------------------------------- commit
def test_a_commit_switches_every_file_at_once_and_cleans_the_old_version(tmp_path):
    with RunFolder(tmp_path / "run") as folder:
        folder.commit({"history.csv": b"epoch\n0\n", "results.json": b"{}"})
        first = folder.current()
        assert _names(folder.path) == ["history.csv", "results.json"]
        assert (folder.path / "history.csv").read_bytes() == b"epoch\n0\n"
        folder.commit({"history.csv": b"epoch\n0\n1\n", "model.safetensors": b"m"})
        assert folder.current() != first and not (folder.path / first).exists()
        assert _names(folder.path) == ["history.csv", "model.safetensors"]  # results.json was not written
        assert (folder.path / "history.csv").read_bytes() == b"epoch\n0\n1\n"
        with pytest.raises(ValueError, match=r"files: expected names among .*, got \['notes.txt'\]"):
            folder.commit({"notes.txt": b""})


def test_files_get_the_umask_mode_and_keep_a_users_chmod(tmp_path):
    old = os.umask(0o022)
    try:
        with RunFolder(tmp_path) as folder:
            folder.commit({"history.csv": b"a", "results.json": b"b"})
            assert stat.S_IMODE((tmp_path / "history.csv").stat().st_mode) == 0o644  # not 0600
            (tmp_path / "results.json").chmod(0o640)
            folder.commit({"history.csv": b"c", "results.json": b"d"})
            assert stat.S_IMODE((tmp_path / "results.json").stat().st_mode) == 0o640
            assert stat.S_IMODE((tmp_path / "history.csv").stat().st_mode) == 0o644
    finally:
        os.umask(old)


def test_a_failed_commit_keeps_the_previous_files_and_leaves_no_version(tmp_path):
    with RunFolder(tmp_path) as folder:
        folder.commit({"history.csv": b"old"})

        def broken(path):
            raise OSError(28, "No space left on device")

        with pytest.raises(OSError) as info:
            folder.commit({"history.csv": b"new", "curves.png": broken})
        assert info.value.filename == str(tmp_path)  # the folder is named
        assert (tmp_path / "history.csv").read_bytes() == b"old"
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".run-")] == [folder.current()]


def test_open_removes_what_a_killed_run_left(tmp_path):
    with RunFolder(tmp_path) as folder:
        folder.commit({"history.csv": b"x"})
        kept = folder.current()
    (tmp_path / ".run-stray_01").mkdir()
    (tmp_path / ".run-stray_01" / "model.safetensors").write_bytes(b"half")
    (tmp_path / ".model.safetensors.abc.tmp").write_bytes(b"half")
    os.symlink(".run-stray_01", tmp_path / "..current..run-stray_01.tmp")  # the link a killed switch left
    os.symlink(".current/history.csv", tmp_path / ".history.csv.link.tmp")
    (tmp_path / ".notes.tmp").write_text("mine")  # a user's own files: not descend's to remove
    (tmp_path / ".run-cache").mkdir()
    with RunFolder(tmp_path):
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            [".current", LOCK, kept, "history.csv", ".notes.tmp", ".run-cache"])


# ------------------------------------------------------------------------------------------ lock
def test_a_second_run_on_the_same_folder_stops_naming_it(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", *MOONS, "--epochs", "1", "--out", str(out)]) == 0
    with RunFolder(out):  # another run holds the folder
        assert main(["train", "--resume", str(out), "--epochs", "10", "--quiet"]) == 2
        err = capsys.readouterr().err
        assert err == (f"descend train: error: --resume: {str(out)!r} is being written by another descend "
                       f"run (it holds {LOCK} there); wait for it to finish or choose another folder\n")
        assert main(["train", *MOONS, "--out", str(out)]) == 2
        assert "--out: " in capsys.readouterr().err
    assert descend.load_model(out).epochs_trained == 1  # nothing of the refused runs
    assert main(["train", "--resume", str(out), "--epochs", "2", "--quiet", "--no-plot"]) == 0  # released
    assert descend.load_model(out).epochs_trained == 3


def test_the_lock_holds_against_another_process(tmp_path):
    out = tmp_path / "run"
    assert main(["train", *MOONS, "--epochs", "1", "--out", str(out)]) == 0
    fd = os.open(out / LOCK, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as a concurrent `descend train` holds it
    try:
        done = subprocess.run([sys.executable, "-m", "descend", "train", "--resume", str(out), "--epochs",
                               "20", "--quiet", "--no-plot"], capture_output=True, text=True, timeout=120)
    finally:
        os.close(fd)
    assert done.returncode == 2 and "is being written by another descend run" in done.stderr
    assert done.stderr.count("\n") == 1
    assert descend.load_model(out).epochs_trained == 1


def test_disagreement_compares_the_side_files_with_the_model(tmp_path):
    assert main(["train", *MOONS, "--epochs", "2", "--out", str(tmp_path)]) == 0
    model = descend.load_model(tmp_path)
    assert disagreement(tmp_path, model) is None
    model.epochs_trained = 3
    assert disagreement(tmp_path, model) == "results.json says 2 epochs trained, the model 3"


# ------------------------------------------------------------------------------------ kill -9
@pytest.mark.skipif(not hasattr(os, "fork"), reason="the crash trials fork (POSIX only)")
def test_killed_at_random_moments_the_folder_always_describes_one_run():
    """24 runs of `descend train --resume`, each killed (SIGKILL) at a random call, half of them
    while writing the folder (benchmarks/crash_trials.py; more trials there)."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-m", "benchmarks.crash_trials", "--trials", "24", "--seed", "1",
                           "--json"], capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["killed"] == 24
    assert summary["torn"] == 0, summary["torn_examples"]
    assert summary["fresh_trials"] == 6 and summary["fresh_torn"] == 0, summary["fresh_torn_examples"]
    assert summary["most_strays_after_a_kill"] <= 2  # the version being written, the link to switch
    assert summary["strays_after_the_final_run"] == []
    assert summary["final_run_ok"] and summary["resumed"], summary


# -------------------------------------------------------------------- a full or read-only disk
@pytest.fixture
def tmpfs(tmp_path):
    """A 256 kB tmpfs (mounting needs root; skipped with the reason otherwise)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs for the disk-full and read-only tests")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"needs root to mount a tmpfs, and mounting failed here: {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path) -> None:
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError as exc:
        assert exc.errno == 28
    finally:
        os.close(fd)


def test_a_full_disk_is_one_line_and_keeps_the_previous_run(tmpfs, tmp_path, capsys):
    out = tmpfs / "run"
    assert main(["train", *MOONS, "--epochs", "1", "--out", str(out)]) == 0
    before = {name: (out / name).read_bytes() for name in _names(out)}
    _fill(tmpfs)
    assert main(["train", "--resume", str(out), "--epochs", "1", "--quiet", "--no-plot"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device (the disk is full" in err and str(out) in err
    assert {name: (out / name).read_bytes() for name in _names(out)} == before
    assert not [p for p in out.iterdir() if p.name.startswith(".run-") and p.name != os.readlink(
        out / ".current")]
    assert main(["train", *MOONS, "--layers", "256,256", "--out", str(tmpfs / "big")]) == 2
    assert "No space left on device" in capsys.readouterr().err
    data = tmp_path / "in.csv"
    data.write_text("x1,x2\n" + "0.5,0.5\n" * 2000)
    assert main(["predict", "--model", str(out), "--csv", str(data), "--output", str(tmpfs / "p.csv")]) == 2
    err = capsys.readouterr().err
    assert err == f"descend predict: error: {tmpfs / 'p.csv'}: No space left on device (the disk is full: " \
                  f"free some space or write somewhere else)\n"


def test_a_read_only_disk_is_one_line(tmpfs, tmp_path, capsys):
    out = tmpfs / "run"
    assert main(["train", *MOONS, "--epochs", "1", "--out", str(out)]) == 0
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    for argv, path in [
        (["train", "--resume", str(out), "--epochs", "1", "--quiet"], out / LOCK),
        (["train", *MOONS, "--out", str(tmpfs / "other")], tmpfs / "other"),
        (["train", "--resume", str(out), "--out", str(tmpfs / "copy"), "--quiet"], tmpfs / "copy"),
        (["predict", "--model", str(out), "--csv", "unused.csv", "--output", str(tmpfs / "p.csv")], tmpfs),
    ]:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err == (f"descend {argv[0]}: error: {path}: Read-only file system (the file system is "
                       f"read-only: write somewhere else)\n"), err


def test_a_run_that_fails_before_saving_leaves_no_new_folder(tmp_path, capsys):
    out = tmp_path / "new" / "run"
    assert main(["train", "--data", "nope", "--quiet", "--out", str(out)]) == 2
    assert "unknown data set 'nope'" in capsys.readouterr().err
    assert not out.exists()
    out.mkdir(parents=True)  # a folder that was there before stays
    assert main(["train", "--data", "nope", "--quiet", "--out", str(out)]) == 2
    assert out.is_dir()


def test_a_folder_written_by_an_older_descend_becomes_a_run_folder(tmp_path):
    for name in ("model.safetensors", "history.csv", "curves.png"):  # plain files of an older run
        (tmp_path / name).write_bytes(b"old")
    with RunFolder(tmp_path) as folder:
        folder.commit({"model.safetensors": b"new", "history.csv": b"new"})
    assert _names(tmp_path) == ["history.csv", "model.safetensors"]  # the old curves are gone
    assert all((tmp_path / n).is_symlink() and (tmp_path / n).read_bytes() == b"new"
               for n in _names(tmp_path))


def test_a_copy_that_followed_the_links_resumes(tmp_path, capsys):
    # cp -rL (or scp -r, an archive without links) turns .current into a plain folder; the old
    # switch could not replace it ("Is a directory") and the resume was lost
    run, copy = tmp_path / "run", tmp_path / "copy"
    assert main(["train", *MOONS, "--epochs", "2", "--out", str(run)]) == 0
    subprocess.run(["cp", "-rL", str(run), str(copy)], check=True)
    assert (copy / ".current").is_dir() and not (copy / ".current").is_symlink()
    assert main(["train", "--resume", str(copy), "--epochs", "1", "--quiet"]) == 0, capsys.readouterr().err
    assert (copy / ".current").is_symlink()
    assert descend.load_model(copy).epochs_trained == 3
    assert json.loads((copy / "history.json").read_text())["epoch"] == [0, 1, 2]
    versions = [p.name for p in copy.iterdir() if p.name.startswith(".run-")]
    assert versions == [os.readlink(copy / ".current")]  # the duplicate left by the copy is gone
    assert descend.load_model(run).epochs_trained == 2  # the original is untouched


def test_a_copy_without_the_hidden_entries_is_named_as_such(tmp_path, capsys):
    run, copy = tmp_path / "run", tmp_path / "copy"
    assert main(["train", *MOONS, "--epochs", "1", "--out", str(run)]) == 0
    copy.mkdir()
    for entry in run.iterdir():  # what 'cp -P run/* copy/' copies: the links, not .current
        if not entry.name.startswith("."):
            os.symlink(os.readlink(entry), copy / entry.name)
    capsys.readouterr()
    assert main(["evaluate", "--model", str(copy)]) == 2
    err = capsys.readouterr().err
    assert "model.safetensors: a link to '.current/model.safetensors', which is missing" in err
    assert "cp -r DIR DEST" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(FileNotFoundError, match="without its hidden entries"):
        descend.load_model(copy)


def test_a_lock_file_that_is_a_link_is_not_followed(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    elsewhere = tmp_path / "elsewhere"
    os.symlink(elsewhere, run / LOCK)  # os.open(O_CREAT) created the file it points to
    assert main(["train", *MOONS, "--epochs", "1", "--out", str(run)]) == 2
    err = capsys.readouterr().err
    assert "run/.descend.lock' is a symbolic link; descend does not follow it" in err
    assert len(err.strip().splitlines()) == 1
    assert not elsewhere.exists()


def test_a_save_stopped_before_its_switch_keeps_an_older_folders_files(tmp_path, monkeypatch):
    # the names were replaced by links into a .current that did not exist yet: a full disk (or a
    # kill) before the switch left links to nothing, and the older run's files were gone
    import errno
    for name in ("model.safetensors", "history.csv"):
        (tmp_path / name).write_bytes(b"old " + name.encode())

    def full(self, version):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(RunFolder, "_switch", full)
    with RunFolder(tmp_path) as folder, pytest.raises(OSError, match="No space left"):
        folder.commit({"model.safetensors": b"new", "history.csv": b"new"})
    assert (tmp_path / "model.safetensors").read_bytes() == b"old model.safetensors"
    assert (tmp_path / "history.csv").read_bytes() == b"old history.csv"
    monkeypatch.undo()
    with RunFolder(tmp_path) as folder:  # the next save goes through
        folder.commit({"model.safetensors": b"new"})
    assert _names(tmp_path) == ["model.safetensors"]
    assert (tmp_path / "model.safetensors").read_bytes() == b"new"
