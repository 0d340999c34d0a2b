"""The output folder of ``descend train``, written as a unit and by one run at a time.

A run's files (``model.safetensors``, ``history.csv``, ``history.json``, ``results.json`` and
``curves.png``) must describe the same run whatever happens: a process killed at any moment, a
full disk, two runs given the same ``--out``. So each save writes all of them into a new hidden
version folder ``.run-XXXXXXXX`` beside the last one, fsyncs them, and then switches the link
``.current`` to it with one atomic rename; the names a user reads are fixed links into it::

    runs/digits/
        model.safetensors -> .current/model.safetensors     (never change)
        history.csv       -> .current/history.csv
        ...
        .current -> .run-k2j4a9x1                            (switched atomically by each save)
        .run-k2j4a9x1/   model.safetensors history.csv history.json results.json curves.png
        .descend.lock                                        (held while a run writes the folder)

A reader opening ``runs/digits/history.csv`` therefore sees either the whole previous save or the
whole new one, never the model of one and the history of the other; a kill before the switch
leaves the previous save and a stray version folder, which the next run removes. While a run
writes the folder it holds an exclusive :func:`fcntl.flock` on ``.descend.lock``: a second run
given the same folder stops at once with a message naming it (the lock goes with the process,
so a killed run leaves no stale lock).
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .. import saving

LOCK = ".descend.lock"
CURRENT = ".current"
VERSION_PREFIX = ".run-"
#: the files of a run, in the order they are written (the names a user reads)
FILES = ("model.safetensors", "history.csv", "history.json", "results.json", "curves.png")
#: the temporary names descend writes in the folder (a switch's link, a name's link, an atomic
#: save's file): only these are strays; a user's own ``.notes.tmp`` is left alone
_TEMP_PREFIXES = (f".{CURRENT}.", *(f".{name}." for name in FILES))
#: a version folder's name as tempfile.mkdtemp makes it (a user's own .run-cache is left alone)
_VERSION_NAME = re.compile(re.escape(VERSION_PREFIX) + r"[a-z0-9_]{8}")


class RunFolder:
    """The ``--out`` folder of one run: created and locked by :meth:`open`, written by
    :meth:`commit`, released by :meth:`close` (or the ``with`` block)."""

    def __init__(self, path: str | os.PathLike[str], option: str = "--out") -> None:
        self.path = Path(path)
        self.option = option
        self._lock: int | None = None
        self._created = False

    # ----------------------------------------------------------------------------- lock
    def open(self) -> RunFolder:
        """Create the folder if needed, take its lock and remove what killed runs left behind.
        Done before training, so that a path that cannot be written fails at once."""
        if self.path.exists() and not self.path.is_dir():
            raise ValueError(f"{self.option}: expected a folder, got the file {str(self.path)!r}")
        self._created = not self.path.exists()
        self.path.mkdir(parents=True, exist_ok=True)
        # O_NOFOLLOW: a lock file that is a link (a folder from someone else) must not create or
        # open the file it points to
        if (self.path / LOCK).is_symlink():
            raise ValueError(f"{self.option}: {str(self.path / LOCK)!r} is a symbolic link; descend "
                             f"does not follow it (remove it, or choose another folder)")
        fd = os.open(self.path / LOCK, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ValueError(f"{self.option}: {str(self.path)!r} is being written by another descend run "
                             f"(it holds {LOCK} there); wait for it to finish or choose another folder") \
                from None
        self._lock = fd
        try:
            self._adopt()
            self.clean()
        except BaseException:
            self.close()
            raise
        return self

    def _adopt(self) -> None:
        """Make what the folder holds the current version before anything replaces it. Only
        under the lock.

        * A copy that followed the links (``cp -rL``, ``scp -r``, an archive without links)
          holds ``.current`` as a plain folder, which no rename of a link can replace: it
          becomes a version folder again (the duplicate version folders are then strays).
        * A folder of plain files (an older descend's) gets a version folder holding them (hard
          links, else copies): the links a save puts in their place then read the old files
          until its switch. Without it, a save stopped between the links and the switch (a full
          disk, a kill) left links to nothing and the old run lost.
        """
        link = self.path / CURRENT
        if link.is_symlink():
            return
        if link.is_dir():
            version = Path(tempfile.mkdtemp(prefix=VERSION_PREFIX, dir=self.path))
            os.replace(link, version)  # an empty folder of ours: the rename replaces it
        else:
            plain = [name for name in FILES
                     if (self.path / name).is_file() and not (self.path / name).is_symlink()]
            if not plain:
                return
            version = Path(tempfile.mkdtemp(prefix=VERSION_PREFIX, dir=self.path))
            os.chmod(version, 0o777 & ~saving.current_umask())
            for name in plain:
                try:
                    os.link(self.path / name, version / name)
                except OSError:  # a file system without hard links
                    shutil.copy2(self.path / name, version / name)
            saving.fsync_directory(version)
        os.symlink(version.name, link)
        saving.fsync_directory(self.path)

    def close(self) -> None:
        """Release the lock; a folder this run created and left without a save (a user error,
        an interrupted run) is removed again, lock file and all, if nothing else is in it."""
        if self._lock is None:
            return
        if self._created and self.current() is None:
            with contextlib.suppress(OSError):
                (self.path / LOCK).unlink()
                self.path.rmdir()
        os.close(self._lock)  # releases the lock
        self._lock = None

    def __enter__(self) -> RunFolder:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------- clean-up
    def clean(self) -> list[str]:
        """Remove the version folders no link points to and stray temporary files (left by a
        run killed mid-save); returns their names. Only under the lock."""
        current = self.current()
        removed = []
        for entry in self.path.iterdir():
            stray_version = _VERSION_NAME.fullmatch(entry.name) is not None and entry.name != current
            stray_temp = entry.name.endswith(".tmp") and entry.name.startswith(_TEMP_PREFIXES)
            if not (stray_version or stray_temp):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    entry.unlink()
            removed.append(entry.name)
        return removed

    def current(self) -> str | None:
        """The name of the version folder ``current`` points to (None before the first save)."""
        link = self.path / CURRENT
        return os.readlink(link) if link.is_symlink() else None

    # --------------------------------------------------------------------------- commit
    def commit(self, files: Mapping[str, bytes | Callable[[Path], Any]]) -> None:
        """Write ``files`` (name -> bytes, or a function writing the file at the path it is
        given) as the folder's new content, all at once. Each file keeps the permission bits of
        the file it replaces (a user's ``chmod`` survives), new ones get the umask's."""
        if self._lock is None:
            raise RuntimeError("RunFolder.commit: open() the folder first")
        unknown = sorted(set(files) - set(FILES))
        if unknown:
            raise ValueError(f"files: expected names among {FILES}, got {unknown}")
        version = Path(tempfile.mkdtemp(prefix=VERSION_PREFIX, dir=self.path))
        os.chmod(version, 0o777 & ~saving.current_umask())
        try:
            for name in FILES:
                if name in files:
                    self._write(version / name, files[name], like=self.path / name)
            saving.fsync_directory(version)
            self._link_names(files)  # before the switch: it stays the one moment things change
            self._switch(version.name)
        except BaseException as exc:
            shutil.rmtree(version, ignore_errors=True)
            if isinstance(exc, OSError):  # a full disk, a read-only file system: name the folder
                raise saving.naming_path(exc, self.path) from None
            raise
        for name in set(FILES) - set(files):  # names this save did not write (no curves.png)
            with contextlib.suppress(FileNotFoundError):
                (self.path / name).unlink()
        self.clean()

    def _write(self, path: Path, content: bytes | Callable[[Path], Any], like: Path) -> None:
        mode = saving.new_file_mode(path, like)
        if callable(content):
            content(path)
            with open(path, "rb+") as f:
                os.fsync(f.fileno())
        else:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
        os.chmod(path, mode)

    def _switch(self, version: str) -> None:
        """Point ``current`` at ``version`` with one rename (atomic), then make it durable."""
        tmp = self.path / f".{CURRENT}.{version}.tmp"
        os.symlink(version, tmp)
        try:
            os.replace(tmp, self.path / CURRENT)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        saving.fsync_directory(self.path)

    def _link_names(self, files: Mapping[str, Any]) -> None:
        """Each name of ``files`` a user reads links into ``.current`` (made once, before the
        first switch, so that the switch alone makes a save visible; a plain file an older
        descend wrote is replaced by the link, and reads as missing until the switch)."""
        for name in files:
            target = f"{CURRENT}/{name}"
            path = self.path / name
            if path.is_symlink() and os.readlink(path) == target:
                continue
            tmp = self.path / f".{name}.link.tmp"
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            os.symlink(target, tmp)
            os.replace(tmp, path)
        saving.fsync_directory(self.path)


def read_json(path: Path) -> Any:
    """A JSON file of the run folder, or None if absent or unreadable as JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None


def disagreement(folder: Path, model: Any) -> str | None:
    """Why the folder's side files do not describe the run its model holds (None if they do):
    the epochs of ``history.json`` and ``results.json`` against the model's."""
    epochs = list(model.history.epoch) if model.history is not None else []
    history = read_json(folder / "history.json")
    if isinstance(history, dict) and history.get("epoch") != epochs:
        count = len(history["epoch"]) if isinstance(history.get("epoch"), list) else "?"
        return f"history.json holds {count} epochs, the model {len(epochs)}"
    results = read_json(folder / "results.json")
    if isinstance(results, dict) and results.get("epochs_trained") != model.epochs_trained:
        return (f"results.json says {results.get('epochs_trained')} epochs trained, the model "
                f"{model.epochs_trained}")
    return None
