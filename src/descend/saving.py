"""Saving and loading models: one safetensors file that holds everything needed to resume.

On-disk format
--------------
``model.save(path)`` writes **one file**, ``model.safetensors`` inside the directory ``path``
(created if needed), or ``path`` itself when it ends in ``.safetensors``. A safetensors file is an
8-byte little-endian header length, a JSON header, then the raw arrays; so the file is readable by
any safetensors reader (``safetensors.numpy.load_file``), and its header is plain JSON:

* tensors ``weights/<layer>/<kernel|bias>`` — the model's weights, in :meth:`get_weights` order;
* tensors ``optimizer/<slot>/<index>`` — the optimizer's slot arrays (velocity, moments, …);
* ``__metadata__["format"] = "descend"``, ``["format_version"] = "2"``, ``["sha256"]`` (see
  *Integrity* below) and ``["descend"]``: one JSON document with

  ``architecture``  :meth:`Sequential.get_config` (layers, dtype, seed, input width)
  ``compile``       ``{"loss", "metrics", "optimizer": optimizers.serialize(...)}`` or null
  ``optimizer_state``  the optimizer's scalar state (``iterations``, Nadam's μ-product, …)
  ``weights``, ``optimizer_arrays``  the tensor names in order
  ``train_rng``     ``model.train_rng.bit_generator.state`` (the shuffling generator) or null
  ``layer_rngs``    ``{layer name: its generator's state}`` for layers that draw (Dropout's masks)
  ``epochs_trained``, ``history`` (``{"epoch": [...], "history": {"loss": [...], ...}}``)
  ``extra``         whatever the caller passed (the CLI stores its data pipeline here)

One file makes a save **atomic**: it is written to a temporary file in the same directory,
flushed and fsynced, then renamed over the old one with :func:`os.replace` (atomic on POSIX and
Windows), and the directory is fsynced so that the rename itself survives a power cut. A process
killed at any moment leaves either the old checkpoint or the new one, never a mixture; at worst a
stray ``.model.safetensors.*.tmp`` file, which loading ignores. The file gets the permission bits
of the file it replaces (a user's ``chmod`` survives a re-save), else those a plain :func:`open`
gives under the umask; an OSError on the way (a full disk, a read-only file system) names the
file.

Resuming
--------
A loaded model carries the optimizer's state, the shuffling generator ``model.train_rng``, its
``epochs_trained`` and its history. Continue it Keras-style, **without** a ``seed`` (a seed would
restart the shuffling)::

    model = descend.load_model("run")
    model.fit(X, y, epochs=N + M, initial_epoch=model.epochs_trained, batch_size=...)

This gives bit for bit the weights, optimizer state and history of N + M uninterrupted epochs
(same data, batch size and validation split; the history continues from the saved epochs). A
fit without ``initial_epoch`` trains the same numbers too, but numbers its epochs from 0 in a
new History, as Keras does.

Integrity
---------
``sha256`` is the SHA-256 of the ``descend`` document followed by every tensor in name order
(its name, dtype, shape and little-endian bytes; :func:`checksum`). Loading recomputes it: a
changed byte anywhere in the weights, the optimizer state or the document is refused, where the
safetensors container alone would load the changed numbers. Files of format version 1 (written
before the checksum) carry none and still load; a version-2 file without it is refused.

A model file is data, never trusted: loading opens only a regular file (not a device such as
``/dev/zero``, not a FIFO; a symbolic-link loop is named), reads only the bytes it holds, checks
the header against the safetensors schema (known dtypes, shapes of non-negative integers, offsets
that exactly tile the data; JSON nested at most 64 deep) and the architecture's declared weights
against the bytes the file stores before building the model (a 10 kB file declaring a
50000×50000 layer is refused before anything is allocated), and refuses NaN or inf in the weights
and the optimizer state. Every defect — truncated, corrupted, foreign, a missing key, an array
whose shape does not match the architecture — is a :class:`ValueError` that names the file and
what is wrong.

This module knows the file format and how a model's state goes in and out of it; building the
model from its architecture is :func:`descend.model.load_checkpoint`'s (so that this module does
not import the model, which imports it for :meth:`~descend.model.Sequential.save`).
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import math
import os
import stat
import struct
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .callbacks import History
from .checks import as_dtype

FORMAT = "descend"
FORMAT_VERSION = "2"
#: versions this descend reads: 1 (no checksum, before descend 0.2's hardening) and 2
READABLE_VERSIONS = ("1", "2")
FILENAME = "model.safetensors"
_RNG_CLASSES = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
_MAX_HEADER = 100 * 1024 * 1024  # safetensors' own limit
#: weights an architecture may declare beyond those the file stores before loading refuses to
#: build it (a mismatch this small is reported precisely, array by array, after building)
_SIZE_SLACK = 2**20
_MAX_DEPTH = 64  # JSON nesting in a header: descend writes 6 levels at most
#: bytes per element of the dtypes a safetensors header may name
_DTYPE_SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
                "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1}

PathLike = str | os.PathLike


# ------------------------------------------------------------------------------------ file names
def checkpoint_file(path: PathLike) -> Path:
    """The file a model is saved to / loaded from: ``path`` if it ends in ``.safetensors``,
    else ``path/model.safetensors``."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a str or os.PathLike, got {type(path).__name__}")
    p = Path(path)
    return p if p.suffix == ".safetensors" else p / FILENAME


# ---------------------------------------------------------------------------------- atomic write
def fsync_directory(directory: PathLike) -> None:
    """fsync a directory so that a rename inside it is durable (no-op where unsupported)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse
        pass
    finally:
        os.close(fd)


def current_umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux)."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)  # pragma: no cover - systems without /proc
    os.umask(mask)  # pragma: no cover
    return mask  # pragma: no cover


def new_file_mode(path: PathLike, like: PathLike | None = None) -> int:
    """The permission bits a file written at ``path`` should get: those of the file it replaces
    (``like``, else ``path`` itself) so that a user's ``chmod`` survives a re-save, else what a
    plain :func:`open` gives under the umask (``0o666 & ~umask``)."""
    for existing in (like, path):
        if existing is not None:
            with contextlib.suppress(OSError):
                return stat.S_IMODE(os.stat(existing).st_mode)
    return 0o666 & ~current_umask()


def naming_path(exc: OSError, path: PathLike) -> OSError:
    """``exc`` naming ``path`` when it names no file (a failed write or fsync names none)."""
    if exc.filename is not None or exc.errno is None:
        return exc
    return type(exc)(exc.errno, exc.strerror, str(path))


def atomic_write_bytes(path: PathLike, data: bytes, *, like: PathLike | None = None) -> Path:
    """Write ``data`` to ``path`` atomically: temporary file beside it, fsync, rename, fsync dir.

    Readers, and a process killed half-way, see either the old content or the new one. The
    file gets :func:`new_file_mode` (that of ``like`` or of the file it replaces, else the
    umask's). An OSError (disk full, read-only file system, ...) names ``path``. Returns the
    file written (where a link points); see :func:`atomic_writer` for writing in parts.
    """
    with atomic_writer(path, like=like) as f:
        f.write(data)
    return written_path(path)


def written_path(path: PathLike) -> Path:
    """The file :func:`atomic_writer` writes for ``path``: ``path`` itself for a stream (written
    through), where it points for a symbolic link (the link is kept), else ``path``."""
    path = Path(path)
    if not is_stream(path) and path.is_symlink():
        return Path(os.path.realpath(path))
    return path


@contextlib.contextmanager
def atomic_writer(path: PathLike, *, like: PathLike | None = None) -> Iterator[BinaryIO]:
    """A binary file to write ``path``'s new content into, in as many parts as wanted, committed
    as :func:`atomic_write_bytes` commits (fsync, rename, fsync dir) when the ``with`` block
    ends; an exception in the block removes the temporary file and leaves ``path`` as it was.
    A stream (device, pipe, /dev/stdout) is written through as the parts come."""
    if is_stream(path):
        with _write_through(Path(path)) as stream:
            yield stream
        return
    path = written_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = new_file_mode(path, like)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise naming_path(exc, path) from None
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise naming_path(exc, path) from None
        raise
    fsync_directory(path.parent)


def is_stream(path: PathLike) -> bool:
    """Whether ``path`` (links followed) exists and is neither a regular file nor a folder: a
    device such as /dev/null, a FIFO, /dev/stdout's pipe; written through, never replaced. A
    process's own descriptors (/dev/stdout, /dev/fd/N) are streams even on a regular file: the
    shell opened it (perhaps to append), and a rename would write beside it."""
    if str(path).startswith(("/dev/std", "/dev/fd/", "/proc/self/fd/")):
        return True
    try:
        kind = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(kind) or stat.S_ISDIR(kind))


@contextlib.contextmanager
def _write_through(path: Path) -> Iterator[BinaryIO]:
    """A file writing into a device or a pipe as it is (no rename can replace one atomically,
    and as root it would replace /dev/null by a plain file)."""
    fd = _own_descriptor(path)
    try:
        if fd is None:
            stream: BinaryIO = open(path, "wb")  # noqa: SIM115 - closed below
        else:  # through the descriptor itself: its offset is shared with what else we print
            sys.stdout.flush()
            sys.stderr.flush()
            stream = os.fdopen(fd, "wb", closefd=False)
        with stream:
            yield stream
    except OSError as exc:
        raise naming_path(exc, path) from None


def _own_descriptor(path: Path) -> int | None:
    """The descriptor ``path`` names when it is one of this process's (/dev/stdout, /dev/fd/3):
    opened anew it would truncate the shell's file ('>') or write at another offset."""
    text = str(path)
    named = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
    if text in named:
        return named[text]
    for prefix in ("/dev/fd/", "/proc/self/fd/"):
        if text.startswith(prefix) and text[len(prefix):].isdigit():
            return int(text[len(prefix):])
    return None


def atomic_write_text(path: PathLike, text: str, *, like: PathLike | None = None) -> Path:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    return atomic_write_bytes(path, text.encode("utf-8"), like=like)


# ------------------------------------------------------------------------------------------ save
def _jsonable(value: Any) -> Any:
    """Plain Python numbers/lists for NumPy scalars and arrays (json cannot write them)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _compile_config(model: Any) -> dict[str, Any] | None:
    if model.loss is None:
        return None
    from . import optimizers  # (loaded by compile; `import descend` does not load the optimizers)

    metrics = [m.name for m in model.metrics]
    try:
        optimizer = optimizers.serialize(model.optimizer)
    except TypeError as exc:
        raise ValueError(f"optimizer: cannot be saved ({exc})") from None
    from .losses import serialize  # (the name, or the name and from_logits)

    return {"loss": serialize(model.loss), "metrics": metrics, "optimizer": optimizer}


def _history_record(model: Any) -> dict[str, Any]:
    history = getattr(model, "history", None)
    if history is None:
        return {"epoch": [], "history": {}}
    return {"epoch": [int(e) for e in history.epoch],
            "history": {k: [_number(v) for v in vals] for k, vals in history.history.items()}}


def _number(value: Any) -> Any:
    """Floats for numbers (NumPy scalars included); other logged values as they are."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        return value
    return float(value)


def to_bytes(model: Any, extra: Mapping[str, Any] | None = None) -> bytes:
    """The checkpoint of ``model`` as the bytes of a safetensors file (see the module docstring)."""
    from safetensors.numpy import save

    if not all(hasattr(model, key) for key in ("get_config", "param_names", "params", "optimizer")):
        raise TypeError(f"model: expected a descend Sequential, got {type(model).__name__}")
    tensors: dict[str, np.ndarray] = {}
    weight_names: list[str] = []
    if model.built:
        for name, p in zip(model.param_names(), model.params, strict=True):
            key = f"weights/{name}"
            if key in tensors:
                raise ValueError(f"model: two parameters are both named {name!r}; give the layers "
                                 f"distinct names before saving")
            tensors[key] = np.ascontiguousarray(p)
            weight_names.append(key)
    optimizer_scalars: dict[str, Any] = {}
    optimizer_arrays: list[str] = []
    if model.optimizer is not None:
        for key, value in model.optimizer.get_state().items():
            if isinstance(value, np.ndarray):
                # (reshaped: np.ascontiguousarray makes a 0-D slot 1-D)
                tensors[f"optimizer/{key}"] = np.ascontiguousarray(value).reshape(value.shape)
                optimizer_arrays.append(f"optimizer/{key}")
            else:
                optimizer_scalars[key] = value
    rng = model.train_rng.bit_generator.state if model.train_rng is not None else None
    doc = {
        "architecture": model.get_config(),
        "compile": _compile_config(model),
        "weights": weight_names,
        "optimizer_arrays": optimizer_arrays,
        "optimizer_state": optimizer_scalars,
        "train_rng": rng,
        "layer_rngs": {layer.name: layer.rng.bit_generator.state for layer in model.layers
                       if isinstance(getattr(layer, "rng", None), np.random.Generator)},
        "epochs_trained": int(model.epochs_trained),
        "history": _history_record(model),
        "extra": dict(extra or {}),
    }
    try:
        text = json.dumps(_jsonable(doc), allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"extra: cannot be written as JSON ({exc})") from None
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION, "descend": text,
                "sha256": checksum(text, tensors)}
    return save(tensors, metadata=metadata)


def checksum(text: str, tensors: Mapping[str, np.ndarray]) -> str:
    """SHA-256 (hex) of a checkpoint's content: the descend JSON document, then every tensor in
    name order as ``name``, dtype, shape and its little-endian bytes. Stored in the metadata as
    ``sha256`` and compared on load: a flipped bit anywhere in the weights or the document is
    found, where safetensors alone would load the changed numbers."""
    h = hashlib.sha256(text.encode("utf-8"))
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        array = array.astype(array.dtype.newbyteorder("<"), copy=False)
        h.update(f"\0{name}\0{array.dtype.name}\0{array.shape}\0".encode())
        h.update(array.reshape(-1).view(np.uint8).data)
    return h.hexdigest()


def save_model(model: Any, path: PathLike, *, extra: Mapping[str, Any] | None = None) -> Path:
    """Save ``model`` atomically to ``path`` (a directory, or a ``.safetensors`` file).

    Parameters
    ----------
    model : Sequential
    path : str or os.PathLike
        A directory (created if needed; the file inside is ``model.safetensors``) or a path
        ending in ``.safetensors``.
    extra : mapping, optional
        JSON-able data stored with the model and returned by :func:`load_checkpoint`.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    file = checkpoint_file(path)
    if file.parent.exists() and not file.parent.is_dir():
        raise ValueError(f"path: {str(file.parent)!r} exists and is not a directory")
    return atomic_write_bytes(file, to_bytes(model, extra))


# ------------------------------------------------------------------------------------------ load
def _whole(value: Any) -> bool:
    """A JSON integer >= 0 (not a bool, not a float such as Infinity)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class Checkpoint:
    """One checked checkpoint file: its JSON document (``doc``) and its arrays (``tensors``);
    :meth:`fail` and :meth:`key` give errors that name the file."""

    def __init__(self, file: Path, data: bytes | None = None) -> None:
        self.file = file
        self.doc, self.tensors = self._read(self._read_file() if data is None else data)
        self._check_declared_size()

    def fail(self, what: str) -> ValueError:
        return ValueError(f"{self.file}: {what}")

    def _read(self, data: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The document and the arrays of ``data``, the file's bytes, every check made."""
        header = self._header(data)
        meta = header.get("__metadata__") or {}
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise self.fail("not a descend model (a safetensors file without descend's metadata)")
        version = meta.get("format_version")
        if version not in READABLE_VERSIONS:
            raise self.fail(f"format version {str(version)[:20]!r} is not supported "
                            f"(this descend reads versions {', '.join(READABLE_VERSIONS)})")
        text = meta.get("descend")
        if not isinstance(text, str):
            raise self.fail("the descend metadata is missing")
        doc = self._json(text, "the descend metadata", "the descend metadata is missing or not valid JSON")
        if not isinstance(doc, dict):
            raise self.fail("the descend metadata is not a JSON object")
        from safetensors.numpy import load

        try:
            tensors = load(data)
        except Exception as exc:  # safetensors raises its own error type for every defect
            raise self.fail(f"corrupted tensor data ({exc})") from None
        if version != "1" and meta.get("sha256") != checksum(text, tensors):
            raise self.fail("damaged: its content does not match the SHA-256 checksum stored in it "
                            "(a changed byte in the weights or the metadata); restore it from a copy")
        return doc, tensors

    def _read_file(self) -> bytes:
        """The file's bytes; only a regular file is read (a device such as /dev/zero would read
        without end, a FIFO would wait for a writer), and only as many bytes as it holds."""
        try:
            fd = os.open(self.file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except FileNotFoundError:
            if self.file.is_symlink():  # a run folder copied without its hidden .current
                raise FileNotFoundError(
                    f"{self.file}: a link to {os.readlink(self.file)!r}, which is missing (a run "
                    f"folder copied without its hidden entries, e.g. by 'cp DIR/*'; copy the "
                    f"folder itself: cp -r DIR DEST)") from None
            raise FileNotFoundError(f"{self.file}: no saved model there (expected a directory "
                                    f"holding {FILENAME}, or a .safetensors file)") from None
        except IsADirectoryError:
            raise self.fail("is a directory, expected a file") from None
        except NotADirectoryError:
            raise self.fail(f"no saved model there: {str(self.file.parent)!r} is a file, not a directory "
                            f"(expected a directory holding {FILENAME}, or a .safetensors file)") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise self.fail("a loop of symbolic links; point it at the model file itself") from None
            raise
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise self.fail("is a directory, expected a file")
            if not stat.S_ISREG(info.st_mode):
                raise self.fail("not a regular file (a device, FIFO or socket); a saved model is a file "
                                "on disk")
            return f.read(info.st_size)

    def _json(self, text: bytes | str, what: str, invalid: str) -> Any:
        """JSON ``text`` parsed, nested at most :data:`_MAX_DEPTH` deep, or the error naming ``what``."""
        try:
            value = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise self.fail(invalid) from None
        except RecursionError:
            raise self.fail(f"{what} is nested too deeply to be a descend model") from None
        stack = [(value, 1)]
        while stack:
            item, depth = stack.pop()
            if depth > _MAX_DEPTH:
                raise self.fail(f"{what} is nested more than {_MAX_DEPTH} deep")
            if isinstance(item, dict):
                stack.extend((v, depth + 1) for v in item.values())
            elif isinstance(item, list):
                stack.extend((v, depth + 1) for v in item)
        return value

    def _header(self, data: bytes) -> dict[str, Any]:
        """The safetensors header, checked against a schema and the file's size before any array
        is made: every tensor a known dtype, a shape of non-negative ints and the offsets of
        exactly its bytes, the tensors back to back up to the end of the file."""
        if len(data) < 8:
            raise self.fail(f"truncated or not a safetensors file ({len(data)} bytes)")
        (n,) = struct.unpack("<Q", data[:8])
        if n > _MAX_HEADER or 8 + n > len(data):
            raise self.fail(f"truncated or not a safetensors file (header of {n} bytes announced, "
                            f"{len(data) - 8} bytes follow)")
        header = self._json(data[8:8 + n], "its header", "not a safetensors file (its header is not JSON)")
        if not isinstance(header, dict):
            raise self.fail("not a safetensors file (its header is not a JSON object)")
        spans = sorted(self._span(key, spec) for key, spec in header.items() if key != "__metadata__")
        end = 0
        for begin, stop in spans:
            if begin != end:
                raise self.fail("corrupted header: the tensors' data offsets overlap or leave gaps")
            end = stop
        if 8 + n + end != len(data):
            raise self.fail(f"truncated or corrupted: the header describes {end} bytes of tensor data, "
                            f"the file holds {len(data) - 8 - n}")
        meta = header.get("__metadata__")
        if meta is not None and not (isinstance(meta, dict)
                                     and all(isinstance(v, str) for v in meta.values())):
            raise self.fail("corrupted header: __metadata__ is not a JSON object of strings")
        return header

    def _span(self, key: str, spec: Any) -> tuple[int, int]:
        """(begin, end) of tensor ``key``'s bytes, its description checked."""
        if not isinstance(spec, dict):
            raise self.fail(f"corrupted header: tensor {key[:80]!r} is not described by a JSON object")
        dtype, shape, offsets = spec.get("dtype"), spec.get("shape"), spec.get("data_offsets")
        if dtype not in _DTYPE_SIZES:
            raise self.fail(f"corrupted header: tensor {key[:80]!r} has an unknown dtype")
        if not (isinstance(shape, list) and all(_whole(d) for d in shape)):
            raise self.fail(f"corrupted header: tensor {key[:80]!r} has no shape of non-negative integers")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(_whole(o) for o in offsets)
                and offsets[0] <= offsets[1]):
            raise self.fail(f"corrupted header: tensor {key[:80]!r} has no data offsets")
        if math.prod(shape) * _DTYPE_SIZES[dtype] != offsets[1] - offsets[0]:
            raise self.fail(f"corrupted header: tensor {key[:80]!r} declares shape {shape[:8]} of {dtype}, "
                            f"which is not the {offsets[1] - offsets[0]} bytes it spans")
        return offsets[0], offsets[1]

    def _check_declared_size(self) -> None:
        """The weights the architecture declares fit in the bytes the file stores for them,
        checked before the model is built (a small file must not make it allocate gigabytes)."""
        arch = self.doc.get("architecture")
        if not isinstance(arch, dict) or arch.get("input_dim") is None:
            return  # no input width: building allocates nothing
        declared = self._declared_weights(arch["input_dim"], arch.get("layers"))
        names = self.doc.get("weights")
        names = names if isinstance(names, list) else []
        stored = sum(self.tensors[n].size for n in names if isinstance(n, str) and n in self.tensors)
        if declared > stored + _SIZE_SLACK:  # (a small mismatch gets the precise message later)
            raise self.fail(f"architecture: declares {declared} weights, the file stores {stored}; "
                            f"building it would allocate memory the file cannot fill")

    def _declared_weights(self, width: Any, layers: Any) -> int:
        """How many weights the architecture's layers declare (those with ``units``: kernel and
        bias), from the input width on."""
        if not (_whole(width) and width > 0 and isinstance(layers, list)):
            raise self.fail("architecture: expected a positive input_dim and a list of layers")
        declared = 0
        for spec in layers:
            config = spec.get("config") if isinstance(spec, dict) else None
            if not isinstance(config, dict) or config.get("units") is None:
                continue
            units = config["units"]
            if not (_whole(units) and units > 0):
                raise self.fail(f"architecture: a layer's units must be a positive integer, got "
                                f"{str(units)[:40]}")
            declared += width * units + (units if config.get("use_bias", True) else 0)
            width = units
        return declared

    def key(self, key: str, kind: type | tuple[type, ...], doc: Mapping[str, Any] | None = None) -> Any:
        """``doc[key]`` (default: the whole document's) of type ``kind``, or the error naming both."""
        doc = self.doc if doc is None else doc
        if key not in doc:
            raise self.fail(f"missing key {key!r} in the descend metadata")
        value = doc[key]
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(f"key {key!r}: expected {names}, got {type(value).__name__}")
        return value


def read_checkpoint(path: PathLike) -> Checkpoint:
    """The checkpoint at ``path`` (a directory or a ``.safetensors`` file), its container checked."""
    return Checkpoint(checkpoint_file(path))


def read_metadata(path: PathLike) -> dict[str, Any]:
    """The JSON document of a checkpoint (architecture, compile, history, …) without building it."""
    return read_checkpoint(path).doc


def restore(model: Any, checkpoint: Checkpoint) -> dict[str, Any]:
    """Put the checkpoint's state into ``model``, built from its architecture: weights, compile
    and optimizer state, the shuffling generator, epochs and history. Returns the ``extra`` data.
    Every defect is a ValueError naming the file (see :func:`descend.model.load_checkpoint`)."""
    has_weights = _restore_weights(model, checkpoint)
    compile_config = checkpoint.key("compile", (dict, type(None)))
    if compile_config is not None:
        _restore_compile(model, compile_config, checkpoint, has_weights)
    model.train_rng = _rng_from_state(checkpoint.doc.get("train_rng"), checkpoint)
    _restore_layer_rngs(model, checkpoint.doc.get("layer_rngs") or {}, checkpoint)
    epochs = checkpoint.key("epochs_trained", int)
    if epochs < 0:
        raise checkpoint.fail(f"epochs_trained: expected an int >= 0, got {epochs}")
    model.epochs_trained = epochs
    _restore_history(model, checkpoint.key("history", dict), checkpoint)
    extra = checkpoint.doc.get("extra") or {}
    if not isinstance(extra, dict):
        raise checkpoint.fail("extra: expected a JSON object")
    return extra


def _restore_weights(model: Any, checkpoint: Checkpoint) -> bool:
    weight_names = checkpoint.key("weights", list)
    if not weight_names:
        return False
    if not model.built:
        raise checkpoint.fail("architecture: weights are stored but the architecture has no input width")
    expected = [f"weights/{n}" for n in model.param_names()]
    if weight_names != expected:
        raise checkpoint.fail(f"weights: expected the arrays {expected}, the file lists {weight_names}")
    for key, p in zip(expected, model.params, strict=True):
        if key not in checkpoint.tensors:
            raise checkpoint.fail(f"weights: missing array {key!r}")
        w = checkpoint.tensors[key]
        if w.shape != p.shape:
            raise checkpoint.fail(f"weights: {key!r} has shape {w.shape}, the architecture needs {p.shape}")
        if w.dtype != p.dtype:
            raise checkpoint.fail(f"weights: {key!r} has dtype {w.dtype}, the model is {p.dtype}")
        if not np.isfinite(w).all():
            raise checkpoint.fail(f"weights: {key!r} contains NaN or inf")
        p[...] = w
    return True


def _restore_compile(model: Any, config: dict[str, Any], checkpoint: Checkpoint, has_weights: bool) -> None:
    from . import optimizers  # (`import descend` does not load the optimizers)

    for key in ("loss", "metrics", "optimizer"):
        checkpoint.key(key, (str, list, dict), config)
    try:
        model.compile(optimizer=optimizers.get(config["optimizer"]), loss=config["loss"],
                      metrics=config["metrics"])
    except (KeyError, TypeError, ValueError) as exc:
        raise checkpoint.fail(f"compile: cannot restore the optimizer, loss or metrics "
                              f"({type(exc).__name__}: {exc})") from None
    state: dict[str, Any] = dict(checkpoint.key("optimizer_state", dict))
    for key in checkpoint.key("optimizer_arrays", list):
        if not isinstance(key, str) or key not in checkpoint.tensors:
            raise checkpoint.fail(f"optimizer: missing array {str(key)[:80]!r}")
        if not np.isfinite(checkpoint.tensors[key]).all():
            raise checkpoint.fail(f"optimizer state: {key!r} contains NaN or inf")
        state[key[len("optimizer/"):]] = checkpoint.tensors[key]
    for key, value in state.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise checkpoint.fail(f"optimizer state: {key!r} is {value}")
    if state.get("iterations", 0) and has_weights:
        _check_optimizer_shapes(state, model, checkpoint)
    try:
        model.optimizer.set_state(state)
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise checkpoint.fail(f"optimizer state: {exc}") from None


def _restore_layer_rngs(model: Any, states: Any, checkpoint: Checkpoint) -> None:
    """Each drawing layer's generator (Dropout's masks) as it was saved."""
    if not isinstance(states, dict):
        raise checkpoint.fail("layer_rngs: expected a JSON object")
    layers = {layer.name: layer for layer in model.layers if hasattr(layer, "rng")}
    for name, state in states.items():
        if name not in layers:
            raise checkpoint.fail(f"layer_rngs: no layer {name!r} that draws random numbers in the "
                                  f"architecture")
        layers[name].rng = _rng_from_state(state, checkpoint, f"layer_rngs[{name!r}]")


def _rng_from_state(state: Any, checkpoint: Checkpoint, key: str = "train_rng") -> np.random.Generator | None:
    if state is None:
        return None
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in _RNG_CLASSES:
        raise checkpoint.fail(f"{key}: expected a numpy bit generator state, got {str(state)[:80]!r}")
    bit_generator = getattr(np.random, name)()
    try:
        if name == "MT19937":
            state = {**state, "state": {**state["state"],
                                        "key": np.asarray(state["state"]["key"], dtype=np.uint32)}}
        bit_generator.state = state
    except (KeyError, TypeError, ValueError, OverflowError, IndexError) as exc:
        raise checkpoint.fail(f"{key}: the generator state does not restore ({exc})") from None
    return np.random.Generator(bit_generator)


def _restore_history(model: Any, record: Any, checkpoint: Checkpoint) -> None:
    if not isinstance(record, dict) or not isinstance(record.get("epoch"), list) or \
            not isinstance(record.get("history"), dict):
        raise checkpoint.fail("history: expected {'epoch': [...], 'history': {...}}")
    if not all(isinstance(e, int) and not isinstance(e, bool) and e >= 0 for e in record["epoch"]):
        raise checkpoint.fail("history: the epochs must be non-negative integers")
    history = History()
    history.epoch = list(record["epoch"])
    history.history = {str(k): [_number(v) for v in vals] if isinstance(vals, list) else vals
                       for k, vals in record["history"].items()}
    history.set_model(model)
    model.history = history


#: a slot stored at the weight's shape where the optimizer now factors it: Adafactor's r, c and v
#: in a checkpoint written before they were factored (refused, not converted: resuming from it
#: would not be the fit that was saved if the conversion guessed wrong)
_FULL_SHAPE_HINT = (" (written when the optimizer kept this slot at the weight's shape; its state "
                    "cannot resume here: compile the loaded weights with a fresh optimizer)")


def _check_optimizer_shapes(state: Mapping[str, Any], model: Any, checkpoint: Checkpoint) -> None:
    params = model.params
    for key, value in state.items():
        if not isinstance(value, np.ndarray):
            if isinstance(value, float) and not math.isfinite(value):
                raise checkpoint.fail(f"optimizer state: {key!r} is {value}")
            continue
        _, _, index = key.rpartition("/")
        if not index.isdigit() or int(index) >= len(params):
            raise checkpoint.fail(f"optimizer state: array {key!r} does not belong to any of the "
                                  f"{len(params)} weights")
        p = params[int(index)]
        shape = model.optimizer.slot_shape(key.partition("/")[0], p.shape)
        if value.shape != shape or value.dtype != p.dtype:
            raise checkpoint.fail(f"optimizer state: {key!r} has shape {value.shape} and dtype "
                                  f"{value.dtype}, expected {shape} and {p.dtype} for weight {index} "
                                  f"of shape {p.shape}" + _FULL_SHAPE_HINT * (value.shape == p.shape))


# ---------------------------------------------------------------------------- weights alone
WEIGHTS_FORMAT = "descend-weights"
WEIGHTS_FORMAT_VERSION = "1"


def _weights_file(path: PathLike) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a str or os.PathLike, got {type(path).__name__}")
    file = Path(path)
    if file.suffix != ".safetensors":
        raise ValueError(f"path: expected a file name ending in '.safetensors' (e.g. "
                         f"'model.weights.safetensors'), got {os.fspath(path)!r}")
    return file


def save_weights(model: Any, path: PathLike) -> Path:
    """Write ``model``'s weights alone, atomically, to ``path`` (ending in ``.safetensors``): the
    tensors ``weights/<layer>/<kernel|bias>`` and, in the metadata, ``format`` =
    ``"descend-weights"``, ``format_version`` = ``"1"``, ``weights`` (their names, in order, as
    JSON) and ``sha256`` (:func:`checksum` of that JSON and the tensors). Returns the file written."""
    from safetensors.numpy import save

    file = _weights_file(path)
    names = [f"weights/{n}" for n in model.param_names()]
    if len(set(names)) != len(names):
        raise ValueError("model: two parameters have the same name; give the layers distinct names")
    tensors = {n: np.ascontiguousarray(p) for n, p in zip(names, model.params, strict=True)}
    text = json.dumps(names)
    metadata = {"format": WEIGHTS_FORMAT, "format_version": WEIGHTS_FORMAT_VERSION, "weights": text,
                "sha256": checksum(text, tensors)}
    return atomic_write_bytes(file, save(tensors, metadata=metadata))


class WeightsFile(Checkpoint):
    """A file of :func:`save_weights`, read with the checks of :class:`Checkpoint` (a regular file,
    its header against its size, the checksum); ``stored`` is its (name, array) pairs in order.
    A model's checkpoint (``model.save``) is read as such, and its weights taken."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.stored = self._read_weights()

    def _read_weights(self) -> list[tuple[str, np.ndarray]]:
        from safetensors.numpy import load

        try:
            data = self._read_file()
        except FileNotFoundError:
            raise FileNotFoundError(f"{self.file}: no weights file there") from None
        meta = self._header(data).get("__metadata__") or {}
        if meta.get("format") == FORMAT:
            checkpoint = Checkpoint(self.file, data)     # (the bytes already read, not read again)
            return [(k, checkpoint.tensors[k]) for k in self._names(checkpoint.key("weights", list),
                                                                     checkpoint.tensors)]
        if meta.get("format") != WEIGHTS_FORMAT:
            raise self.fail(f"not a descend weights file (format {str(meta.get('format'))[:40]!r}); "
                            f"model.save_weights writes them")
        if meta.get("format_version") != WEIGHTS_FORMAT_VERSION:
            raise self.fail(f"weights format version {str(meta.get('format_version'))[:20]!r} is not "
                            f"supported (this descend reads version {WEIGHTS_FORMAT_VERSION})")
        text = meta.get("weights", "")
        names = self._json(text, "the list of weights", "the list of weights is missing or not valid JSON")
        try:
            tensors = load(data)
        except Exception as exc:  # safetensors raises its own error type for every defect
            raise self.fail(f"corrupted tensor data ({exc})") from None
        if meta.get("sha256") != checksum(text, tensors):
            raise self.fail("damaged: its content does not match the SHA-256 checksum stored in it")
        return [(k, tensors[k]) for k in self._names(names, tensors)]

    def _names(self, names: Any, tensors: Mapping[str, np.ndarray]) -> list[str]:
        if not (isinstance(names, list) and all(isinstance(k, str) and k in tensors for k in names)):
            raise self.fail("the metadata lists arrays the file does not hold")
        return names


def load_weights(model: Any, path: PathLike) -> None:
    """Copy the weights in ``path`` (written by :func:`save_weights`, or a model's checkpoint) into
    ``model``, in order; every array is checked (count, shape, finite) before anything is written.
    An unbuilt model is first built for the input width of the file's first kernel."""
    file = _weights_file(path)
    stored = WeightsFile(file).stored
    if not model.built and stored and stored[0][1].ndim == 2:
        model.build(stored[0][1].shape[0])
    if not model.built:
        raise ValueError(f"{file}: cannot build the model from these weights; build it first")
    names, params = model.param_names(), model.params
    if len(stored) != len(params):
        raise ValueError(f"{file}: holds {len(stored)} arrays ({', '.join(k for k, _ in stored)}), "
                         f"the model has {len(params)} ({', '.join(names)})")
    new = []
    for i, ((key, w), p, name) in enumerate(zip(stored, params, names, strict=True)):
        if w.shape != p.shape:
            raise ValueError(f"{file}: array {i} ({key}) has shape {w.shape}, the model's {name} "
                             f"needs {p.shape}")
        if w.dtype.kind != "f" or not np.isfinite(w).all():
            raise ValueError(f"{file}: array {i} ({key}) must hold finite floats")
        new.append(as_dtype(f"{file}: array {i} ({key})", w, p.dtype))  # float64 into float32: in range
    for w, p in zip(new, params, strict=True):
        p[...] = w


__all__ = ["Checkpoint", "FILENAME", "WeightsFile", "atomic_write_bytes", "atomic_write_text",
           "atomic_writer", "checkpoint_file", "load_weights", "read_checkpoint", "read_metadata", "restore",
           "save_model", "save_weights", "written_path"]
