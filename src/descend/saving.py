"""Saving and loading models: one safetensors file that holds everything needed to resume.

On-disk format
--------------
``model.save(path)`` writes **one file**, ``model.safetensors`` inside the directory ``path``
(created if needed), or ``path`` itself when it ends in ``.safetensors``. A safetensors file is an
8-byte little-endian header length, a JSON header, then the raw arrays; so the file is readable by
any safetensors reader (``safetensors.numpy.load_file``), and its header is plain JSON:

* tensors ``weights/<layer>/<kernel|bias>`` — the model's weights, in :meth:`get_weights` order;
* tensors ``optimizer/<slot>/<index>`` — the optimizer's slot arrays (velocity, moments, …);
* ``__metadata__["format"] = "descend"``, ``["format_version"] = "1"``, and
  ``["descend"]``: one JSON document with

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
stray ``.model.safetensors.*.tmp`` file, which loading ignores.

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

Loading checks everything before building anything: a truncated, corrupted or foreign file, a
missing key or an array whose shape does not match the architecture is a :class:`ValueError` that
names the file and what is wrong.

This module knows the file format and how a model's state goes in and out of it; building the
model from its architecture is :func:`descend.model.load_checkpoint`'s (so that this module does
not import the model, which imports it for :meth:`~descend.model.Sequential.save`).
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import struct
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .callbacks import History

FORMAT = "descend"
FORMAT_VERSION = "1"
FILENAME = "model.safetensors"
_RNG_CLASSES = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
_MAX_HEADER = 100 * 1024 * 1024  # safetensors' own limit

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


def atomic_write_bytes(path: PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically: temporary file beside it, fsync, rename, fsync dir.

    Readers, and a process killed half-way, see either the old content or the new one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_directory(path.parent)
    return path


def atomic_write_text(path: PathLike, text: str) -> Path:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    return atomic_write_bytes(path, text.encode("utf-8"))


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
                tensors[f"optimizer/{key}"] = np.ascontiguousarray(value)
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
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION, "descend": text}
    return save(tensors, metadata=metadata)


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
class Checkpoint:
    """One checked checkpoint file: its JSON document (``doc``) and its arrays (``tensors``);
    :meth:`fail` and :meth:`key` give errors that name the file."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.doc, self.tensors = self._read()

    def fail(self, what: str) -> ValueError:
        return ValueError(f"{self.file}: {what}")

    def _read(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        try:
            data = self.file.read_bytes()
        except FileNotFoundError:
            raise FileNotFoundError(f"{self.file}: no saved model there (expected a directory "
                                    f"holding {FILENAME}, or a .safetensors file)") from None
        except IsADirectoryError:
            raise ValueError(f"{self.file}: is a directory, expected a file") from None
        header = self._header(data)
        meta = header.get("__metadata__") or {}
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise self.fail("not a descend model (a safetensors file without descend's metadata)")
        if meta.get("format_version") != FORMAT_VERSION:
            raise self.fail(f"format version {meta.get('format_version')!r} is not supported "
                            f"(this descend reads version {FORMAT_VERSION})")
        try:
            doc = json.loads(meta["descend"])
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise self.fail(f"the descend metadata is missing or not valid JSON ({exc})") from None
        if not isinstance(doc, dict):
            raise self.fail("the descend metadata is not a JSON object")
        from safetensors.numpy import load

        try:
            tensors = load(data)
        except Exception as exc:  # safetensors raises its own error type for every defect
            raise self.fail(f"corrupted tensor data ({exc})") from None
        return doc, tensors

    def _header(self, data: bytes) -> dict[str, Any]:
        if len(data) < 8:
            raise self.fail(f"truncated or not a safetensors file ({len(data)} bytes)")
        (n,) = struct.unpack("<Q", data[:8])
        if n > _MAX_HEADER or 8 + n > len(data):
            raise self.fail(f"truncated or not a safetensors file (header of {n} bytes announced, "
                            f"{len(data) - 8} bytes follow)")
        try:
            header = json.loads(data[8:8 + n].decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise self.fail("not a safetensors file (its header is not JSON)") from None
        if not isinstance(header, dict):
            raise self.fail("not a safetensors file (its header is not a JSON object)")
        end = 0
        for key, spec in header.items():
            if key == "__metadata__":
                continue
            offsets = spec.get("data_offsets") if isinstance(spec, dict) else None
            if not (isinstance(offsets, list) and len(offsets) == 2):
                raise self.fail(f"corrupted header: tensor {key!r} has no data offsets")
            end = max(end, int(offsets[1]))
        if 8 + n + end != len(data):
            raise self.fail(f"truncated or corrupted: the header describes {end} bytes of tensor data, "
                            f"the file holds {len(data) - 8 - n}")
        return header

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
        if key not in checkpoint.tensors:
            raise checkpoint.fail(f"optimizer: missing array {key!r}")
        state[key[len("optimizer/"):]] = checkpoint.tensors[key]
    if state.get("iterations", 0) and has_weights:
        _check_optimizer_shapes(state, model, checkpoint)
    try:
        model.optimizer.set_state(state)
    except (KeyError, TypeError, ValueError) as exc:
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
    except (KeyError, TypeError, ValueError) as exc:
        raise checkpoint.fail(f"{key}: the generator state does not restore ({exc})") from None
    return np.random.Generator(bit_generator)


def _restore_history(model: Any, record: Any, checkpoint: Checkpoint) -> None:
    if not isinstance(record, dict) or not isinstance(record.get("epoch"), list) or \
            not isinstance(record.get("history"), dict):
        raise checkpoint.fail("history: expected {'epoch': [...], 'history': {...}}")
    history = History()
    history.epoch = [int(e) for e in record["epoch"]]
    history.history = {str(k): [_number(v) for v in vals] if isinstance(vals, list) else vals
                       for k, vals in record["history"].items()}
    history.set_model(model)
    model.history = history


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
        if value.shape != p.shape or value.dtype != p.dtype:
            raise checkpoint.fail(f"optimizer state: {key!r} has shape {value.shape} and dtype "
                                  f"{value.dtype}, weight {index} has {p.shape} and {p.dtype}")


__all__ = ["Checkpoint", "FILENAME", "atomic_write_bytes", "atomic_write_text", "checkpoint_file",
           "read_checkpoint", "read_metadata", "restore", "save_model"]
