"""descend.saving: the on-disk format, atomic saves, and clear errors for every bad file."""
from __future__ import annotations

import errno
import json
import math
import os
import signal
import stat
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from safetensors.numpy import load_file, save_file

import descend
from descend import Dense, Input, Sequential, saving
from descend.model import load_checkpoint


def _trained(seed: int = 0, epochs: int = 2) -> Sequential:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(20, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1
    model = Sequential([Input(3), Dense(4, "relu", kernel_regularizer="l2"), Dense(1)], seed=seed)
    model.compile(optimizer="adam", loss="mse", metrics=["mae", "r2"])
    model.fit(X, y, epochs=epochs, batch_size=8, verbose=0, seed=seed)
    return model


def _parts(file: Path) -> tuple[dict, dict]:
    return saving.read_metadata(file), load_file(file)


def _write(file: Path, doc: dict, tensors: dict, **meta) -> None:
    metadata = {"format": "descend", "format_version": "1", "descend": json.dumps(doc), **meta}
    save_file(tensors, file, metadata=metadata)


# ----------------------------------------------------------------------------------- round trip
def test_directory_round_trip_keeps_everything(tmp_path):
    model = _trained()
    written = model.save(tmp_path / "run", extra={"note": "hello"})
    assert written == tmp_path / "run" / "model.safetensors"
    loaded, extra = descend.model.load_checkpoint(tmp_path / "run")
    assert extra == {"note": "hello"}
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
    assert loaded.get_config() == model.get_config()
    assert descend.optimizers.serialize(loaded.optimizer) == descend.optimizers.serialize(model.optimizer)
    assert loaded.loss.name == "mse" and list(loaded._metric_ids) == ["mae", "r2"]
    assert loaded.epochs_trained == 2 and loaded.history.epoch == [0, 1]
    assert loaded.history.history["loss"] == [float(v) for v in model.history.history["loss"]]
    assert loaded.train_rng.bit_generator.state == model.train_rng.bit_generator.state
    X = np.random.default_rng(1).normal(size=(5, 3))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_file_path_and_plain_safetensors_layout(tmp_path):
    model = _trained()
    file = tmp_path / "m.safetensors"
    assert descend.save_model(model, file) == file
    tensors = load_file(file)  # any safetensors reader sees the weights under readable names
    assert sorted(tensors) == sorted([f"weights/{n}" for n in model.param_names()] +
                                     [f"optimizer/{k}" for k, v in model.optimizer.get_state().items()
                                      if isinstance(v, np.ndarray)])
    np.testing.assert_array_equal(tensors["weights/dense_1/kernel"], model.get_weights()[0])
    doc = saving.read_metadata(file)
    assert doc["compile"]["optimizer"]["class_name"] == "Adam"
    assert doc["optimizer_state"] == {"iterations": 6}
    assert doc["epochs_trained"] == 2
    assert descend.load_model(file).count_params() == model.count_params()


def test_unbuilt_uncompiled_model_round_trips(tmp_path):
    model = Sequential([Dense(3, "sigmoid"), Dense(1)], seed=5)
    model.save(tmp_path / "bare")
    loaded = descend.load_model(tmp_path / "bare")
    assert not loaded.built and loaded.loss is None and loaded.seed == 5
    assert loaded.get_config() == model.get_config()


def test_saving_twice_replaces_and_leaves_no_temporary_file(tmp_path):
    model = _trained()
    model.save(tmp_path)
    model.fit(np.ones((4, 3)), np.ones(4), epochs=1, verbose=0)
    model.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.safetensors"]
    assert descend.load_model(tmp_path).epochs_trained == 3


def test_unsaveable_learning_rate_is_a_clear_error(tmp_path):
    model = Sequential([Input(2), Dense(1)])
    model.compile(optimizer=descend.optimizers.SGD(learning_rate=lambda step: 0.1), loss="mse")
    with pytest.raises(ValueError, match="optimizer: cannot be saved"):
        model.save(tmp_path)
    assert not (tmp_path / "model.safetensors").exists()


def test_extra_must_be_json(tmp_path):
    with pytest.raises(ValueError, match="extra"):
        _trained().save(tmp_path, extra={"x": object()})


# ----------------------------------------------------------------------------------- atomicity
def test_failure_during_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    old = _trained(seed=0)
    old.save(tmp_path)
    new = _trained(seed=1)

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(saving.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        new.save(tmp_path)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.safetensors"]  # temp file removed
    loaded = descend.load_model(tmp_path)
    np.testing.assert_array_equal(loaded.get_weights()[0], old.get_weights()[0])


KILLED = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    from descend import Dense, Input, Sequential, saving
    model = Sequential([Input(3), Dense(4), Dense(1)], seed=1)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 3)), np.ones(4), epochs=1, verbose=0)
    real_write = os.fdopen
    class Half:
        # writes half of the new file, then the process is killed (SIGKILL: no clean-up runs)
        def __init__(self, f): self.f = f
        def __enter__(self): return self
        def __exit__(self, *a): return False
        def write(self, data):
            self.f.write(data[: len(data) // 2]); self.f.flush()
            os.kill(os.getpid(), signal.SIGKILL)
    saving.os.fdopen = lambda fd, mode: Half(real_write(fd, mode))
    model.save(sys.argv[1])
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_process_killed_mid_save_leaves_the_old_checkpoint(tmp_path):
    old = _trained(seed=0)
    old.save(tmp_path)
    done = subprocess.run([sys.executable, "-c", KILLED, str(tmp_path)], capture_output=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "model.safetensors"]
    assert len(leftovers) == 1 and leftovers[0].endswith(".tmp")  # the half-written new file
    loaded = descend.load_model(tmp_path)  # the stray temp file is ignored
    for a, b in zip(loaded.get_weights(), old.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    # and the half-written file itself would have been refused
    half = tmp_path / "half.safetensors"
    os.replace(tmp_path / leftovers[0], half)
    with pytest.raises(ValueError, match="half.safetensors: truncated"):
        descend.load_model(half)


# ----------------------------------------------------------------------------------- bad files
@pytest.fixture
def saved(tmp_path) -> Path:
    return _trained().save(tmp_path / "good")


def test_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="no saved model"):
        descend.load_model(tmp_path / "nowhere")


@pytest.mark.parametrize("keep", [0, 5, 8, 100, -1])
def test_truncated_file(saved, tmp_path, keep):
    data = saved.read_bytes()
    bad = tmp_path / "t.safetensors"
    bad.write_bytes(data[:keep] if keep >= 0 else data[:-3])
    with pytest.raises(ValueError, match=r"t\.safetensors: .*(truncated|not a safetensors)"):
        descend.load_model(bad)


def test_corrupted_header(saved, tmp_path):
    data = bytearray(saved.read_bytes())
    data[10:20] = b"\xff" * 10
    bad = tmp_path / "c.safetensors"
    bad.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"c\.safetensors: not a safetensors file"):
        descend.load_model(bad)


def test_foreign_files(tmp_path):
    text = tmp_path / "notes.safetensors"
    text.write_text("just some text that is long enough")
    with pytest.raises(ValueError, match="notes.safetensors: truncated or not a safetensors"):
        descend.load_model(text)
    other = tmp_path / "other.safetensors"
    save_file({"w": np.zeros(3, np.float32)}, other)
    with pytest.raises(ValueError, match="other.safetensors: not a descend model"):
        descend.load_model(other)
    newer = tmp_path / "newer.safetensors"
    save_file({"w": np.zeros(3, np.float32)}, newer, metadata={"format": "descend", "format_version": "9"})
    with pytest.raises(ValueError, match="format version '9' is not supported"):
        descend.load_model(newer)


@pytest.mark.parametrize("key", ["architecture", "weights", "compile", "epochs_trained", "history"])
def test_missing_key(saved, tmp_path, key):
    doc, tensors = _parts(saved)
    del doc[key]
    bad = tmp_path / "k.safetensors"
    _write(bad, doc, tensors)
    with pytest.raises(ValueError, match=f"k.safetensors: missing key '{key}'"):
        descend.load_model(bad)


def test_metadata_not_json(saved, tmp_path):
    _, tensors = _parts(saved)
    bad = tmp_path / "j.safetensors"
    save_file(tensors, bad, metadata={"format": "descend", "format_version": "1", "descend": "{oops"})
    with pytest.raises(ValueError, match="j.safetensors: the descend metadata is missing or not valid JSON"):
        descend.load_model(bad)


def test_missing_weight_array(saved, tmp_path):
    doc, tensors = _parts(saved)
    del tensors["weights/dense_2/bias"]
    bad = tmp_path / "w.safetensors"
    _write(bad, doc, tensors)
    with pytest.raises(ValueError, match="w.safetensors: weights: missing array 'weights/dense_2/bias'"):
        descend.load_model(bad)


def test_weight_shape_mismatch(saved, tmp_path):
    doc, tensors = _parts(saved)
    tensors["weights/dense_1/kernel"] = np.zeros((3, 5), np.float32)
    bad = tmp_path / "s.safetensors"
    _write(bad, doc, tensors)
    with pytest.raises(ValueError, match=r"s.safetensors: weights: 'weights/dense_1/kernel' has shape "
                                         r"\(3, 5\), the architecture needs \(3, 4\)"):
        descend.load_model(bad)


def test_architecture_that_does_not_match_the_weights(saved, tmp_path):
    doc, tensors = _parts(saved)
    doc["architecture"]["layers"][0]["config"]["units"] = 6
    bad = tmp_path / "a.safetensors"
    _write(bad, doc, tensors)
    with pytest.raises(ValueError, match="a.safetensors: weights: .* has shape"):
        descend.load_model(bad)


def test_unknown_layer_kind(saved, tmp_path):
    doc, tensors = _parts(saved)
    doc["architecture"]["layers"][0]["kind"] = "Conv2D"
    bad = tmp_path / "l.safetensors"
    _write(bad, doc, tensors)
    with pytest.raises(ValueError, match="l.safetensors: architecture: cannot rebuild"):
        descend.load_model(bad)


def test_optimizer_state_shape_mismatch(saved, tmp_path):
    doc, tensors = _parts(saved)
    tensors["optimizer/m/0"] = np.zeros((2, 2), np.float32)
    bad = tmp_path / "o.safetensors"
    _write(bad, doc, tensors)
    with pytest.raises(ValueError, match=r"o.safetensors: optimizer state: 'm/0' has shape \(2, 2\)"):
        descend.load_model(bad)


def test_optimizer_state_missing_array(saved, tmp_path):
    doc, tensors = _parts(saved)
    del tensors["optimizer/v/1"]
    bad = tmp_path / "v.safetensors"
    _write(bad, doc, tensors)
    with pytest.raises(ValueError, match="v.safetensors: optimizer: missing array 'optimizer/v/1'"):
        descend.load_model(bad)


def test_unknown_optimizer(saved, tmp_path):
    doc, tensors = _parts(saved)
    doc["compile"]["optimizer"]["class_name"] = "Lion"
    bad = tmp_path / "u.safetensors"
    _write(bad, doc, tensors)
    with pytest.raises(ValueError, match="u.safetensors: compile: cannot restore"):
        descend.load_model(bad)


def test_bad_rng_state(saved, tmp_path):
    doc, tensors = _parts(saved)
    doc["train_rng"] = {"bit_generator": "os.system"}
    bad = tmp_path / "r.safetensors"
    _write(bad, doc, tensors)
    with pytest.raises(ValueError, match="r.safetensors: train_rng"):
        descend.load_model(bad)


def test_nan_weights_are_refused(saved, tmp_path):
    doc, tensors = _parts(saved)
    tensors["weights/dense_2/bias"] = np.array([np.nan], np.float32)
    bad = tmp_path / "n.safetensors"
    _write(bad, doc, tensors)
    with pytest.raises(ValueError, match="n.safetensors: weights: 'weights/dense_2/bias' contains NaN"):
        descend.load_model(bad)


def test_mt19937_generator_round_trips(tmp_path):
    model = _trained()
    model.train_rng = np.random.Generator(np.random.MT19937(3))
    model.save(tmp_path)
    loaded = descend.load_model(tmp_path)
    assert loaded.train_rng.integers(1 << 30, size=4).tolist() == model.train_rng.integers(1 << 30,
                                                                                           size=4).tolist()


def test_non_numeric_logged_values_survive(tmp_path):
    model = Sequential([Input(2), Dense(1)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 2)), np.ones(4), epochs=2, verbose=0)
    model.history.history["phase"] = ["warm-up", "main"]  # what a user callback may log
    model.history.history["loss"][0] = np.float32(model.history.history["loss"][0])
    model.save(tmp_path)
    history = descend.load_model(tmp_path).history.history
    assert history["phase"] == ["warm-up", "main"] and type(history["loss"][0]) is float


# --------------------------------------------------------------------------------- hostile files
def _write_v2(file: Path, doc: dict, tensors: dict) -> None:
    """A version-2 file with a valid checksum: what a hostile file can always carry."""
    text = json.dumps(doc)
    save_file(tensors, file, metadata={"format": "descend", "format_version": "2", "descend": text,
                                       "sha256": saving.checksum(text, tensors)})


def _raw(file: Path, header: bytes, data: bytes = b"") -> Path:
    file.write_bytes(len(header).to_bytes(8, "little") + header + data)
    return file


def test_a_header_nested_100000_deep_is_a_damaged_file(tmp_path):
    bad = _raw(tmp_path / "deep.safetensors", b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(ValueError, match="deep.safetensors: its header is nested too deeply"):
        descend.load_model(bad)
    nested = _raw(tmp_path / "nested.safetensors", b'{"a": ' + b"[" * 500 + b"]" * 500 + b"}")
    with pytest.raises(ValueError, match="nested.safetensors: its header is nested more than 64 deep"):
        descend.load_model(nested)


def test_infinite_data_offsets_are_a_damaged_file(tmp_path):
    header = b'{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, Infinity]}}'
    bad = _raw(tmp_path / "inf.safetensors", header, b"\0" * 4)
    with pytest.raises(ValueError, match="inf.safetensors: corrupted header: tensor 'w' has no data offsets"):
        descend.load_model(bad)


def test_infinite_history_epoch_is_a_damaged_file(saved, tmp_path):
    doc, tensors = _parts(saved)
    doc["history"]["epoch"][0] = math.inf
    bad = tmp_path / "h.safetensors"
    _write_v2(bad, doc, tensors)
    with pytest.raises(ValueError, match="h.safetensors: history: the epochs must be non-negative integers"):
        descend.load_model(bad)


@pytest.mark.parametrize("key", [[2**40] * 624, [1, 2, 3]], ids=["2**40", "wrong length"])
def test_a_generator_state_out_of_range_is_a_damaged_file(saved, tmp_path, key):
    doc, tensors = _parts(saved)
    doc["train_rng"] = {"bit_generator": "MT19937", "state": {"key": key, "pos": 624}}
    bad = tmp_path / "g.safetensors"
    _write_v2(bad, doc, tensors)
    with pytest.raises(ValueError, match="g.safetensors: train_rng: the generator state does not restore"):
        descend.load_model(bad)


def test_a_symlink_loop_is_named(tmp_path):
    loop = tmp_path / "loop.safetensors"
    os.symlink(loop, loop)
    with pytest.raises(ValueError, match="loop.safetensors: a loop of symbolic links"):
        descend.load_model(loop)


def test_declared_shapes_are_checked_against_the_file_before_building(saved, tmp_path):
    doc, tensors = _parts(saved)
    doc["architecture"]["input_dim"] = 50_000
    doc["architecture"]["layers"][0]["config"]["units"] = 50_000
    bad = tmp_path / "big.safetensors"
    _write_v2(bad, doc, tensors)
    assert bad.stat().st_size < 20_000
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="big.safetensors: architecture: declares 2500100001 weights, "
                                             "the file stores 21"):
            descend.load_model(bad)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20  # 50000 × 50000 float32 would be 9.3 GiB


def test_non_regular_files_are_refused_without_reading_them(tmp_path):
    zero = tmp_path / "zero.safetensors"
    os.symlink("/dev/zero", zero)
    fifo = tmp_path / "fifo.safetensors"
    os.mkfifo(fifo)
    # in a child process: on a FIFO the old loader waited for a writer forever
    code = textwrap.dedent("""
        import sys, descend
        for path in sys.argv[1:]:
            try:
                descend.load_model(path)
            except ValueError as exc:
                print(exc)
    """)
    done = subprocess.run([sys.executable, "-c", code, str(zero), str(fifo)], capture_output=True, text=True,
                          timeout=60)
    lines = done.stdout.splitlines()
    assert len(lines) == 2, done.stderr
    assert all(path in line and "not a regular file" in line for path, line in
               zip(("zero.safetensors", "fifo.safetensors"), lines, strict=True))


def test_a_nan_optimizer_slot_is_refused_at_load(saved, tmp_path):
    doc, tensors = _parts(saved)
    tensors["optimizer/m/0"] = np.full_like(tensors["optimizer/m/0"], np.nan)
    bad = tmp_path / "m.safetensors"
    _write_v2(bad, doc, tensors)
    with pytest.raises(ValueError, match="m.safetensors: optimizer state: 'optimizer/m/0' contains NaN"):
        descend.load_model(bad)


def test_every_single_bit_flip_is_found_or_harmless(saved):
    """Each of 300 random single-bit flips anywhere in the file is refused with the loader's
    ValueError naming the file, or loads exactly what was saved (the old loader took 73 of 300
    flips silently, with other weights)."""
    data = saved.read_bytes()
    good = descend.load_model(saved)
    rng = np.random.default_rng(0)
    silent = []
    for position in rng.integers(0, 8 * len(data), size=300):
        flipped = bytearray(data)
        flipped[position // 8] ^= 1 << (position % 8)
        saved.write_bytes(bytes(flipped))
        try:
            model = descend.load_model(saved)
        except ValueError as exc:
            assert str(saved) in str(exc)
            continue
        pairs = zip(model.get_weights(), good.get_weights(), strict=True)
        if any(not np.array_equal(a, b) for a, b in pairs):
            silent.append(int(position))
    assert silent == []


def test_a_file_of_format_version_1_without_checksum_still_loads(saved, tmp_path):
    doc, tensors = _parts(saved)
    old = tmp_path / "old.safetensors"
    _write(old, doc, tensors)  # version 1: no sha256
    np.testing.assert_array_equal(descend.load_model(old).get_weights()[0], tensors["weights/dense_1/kernel"])
    doc2, _ = _parts(saved)
    assert load_file(saved).keys() == tensors.keys() and doc2 == doc


def test_a_version_2_file_without_its_checksum_is_refused(saved, tmp_path):
    doc, tensors = _parts(saved)
    bad = tmp_path / "nosum.safetensors"
    _write(bad, doc, tensors, format_version="2")
    with pytest.raises(ValueError, match="nosum.safetensors: damaged: its content does not match"):
        descend.load_model(bad)


# ---------------------------------------------------------------------------------- file modes
def test_atomic_writes_get_the_umask_mode_and_keep_a_users_chmod(tmp_path):
    old = os.umask(0o022)
    try:
        written = _trained().save(tmp_path)
        assert stat.S_IMODE(written.stat().st_mode) == 0o644  # as open() would make it, not 0600
        written.chmod(0o640)
        _trained(seed=1).save(tmp_path)
        assert stat.S_IMODE(written.stat().st_mode) == 0o640  # a re-save keeps the user's choice
        text = saving.atomic_write_text(tmp_path / "notes.txt", "x")
        assert stat.S_IMODE(text.stat().st_mode) == 0o644
    finally:
        os.umask(old)


def test_an_os_error_while_writing_names_the_file(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(saving.os, "fsync", full)
    with pytest.raises(OSError) as info:
        saving.atomic_write_text(tmp_path / "a.txt", "x")
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(tmp_path / "a.txt")
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone


def test_atomic_writer_commits_its_parts_at_the_end_and_nothing_on_an_error(tmp_path):
    # for a file written in parts (descend predict, chunk by chunk): the old content stays until
    # the block ends; an exception in the block leaves it, and no temporary file
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    target.chmod(0o640)
    with saving.atomic_writer(target) as f:
        f.write(b"a\n")
        assert target.read_text() == "old\n"
        f.write(b"b\n")
    assert target.read_text() == "a\nb\n" and stat.S_IMODE(target.stat().st_mode) == 0o640
    with pytest.raises(RuntimeError, match="half-way"), saving.atomic_writer(target) as f:
        f.write(b"c\n")
        raise RuntimeError("half-way")
    assert target.read_text() == "a\nb\n" and [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    with saving.atomic_writer(link) as f:
        f.write(b"d\n")
    assert link.is_symlink() and target.read_text() == "d\n" and saving.written_path(link) == target


@given(st.binary(max_size=2000))
def test_any_bytes_are_a_model_or_the_loaders_one_error(tmp_path_factory, data):
    file = tmp_path_factory.mktemp("any") / "x.safetensors"
    file.write_bytes(data)
    with pytest.raises(ValueError, match="x.safetensors: "):
        descend.load_model(file)


@given(st.data())
def test_any_replaced_bytes_are_refused_or_load_the_saved_model(tmp_path_factory, data):
    """A model file with a few bytes replaced anywhere (header, document or tensors) is refused
    with the loader's ValueError naming the file, or loads exactly the saved weights."""
    folder = tmp_path_factory.mktemp("replaced")
    saved_file = _trained().save(folder)
    original = saved_file.read_bytes()
    good = descend.load_model(saved_file).get_weights()
    changed = bytearray(original)
    tensors_start = 8 + int.from_bytes(original[:8], "little")
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.sampled_from([0, tensors_start]))  # anywhere, or among the arrays
        position = data.draw(st.integers(start, len(original) - 1))
        changed[position] = data.draw(st.integers(0, 255).filter(lambda b, p=position: b != original[p]))
    saved_file.write_bytes(bytes(changed))
    try:
        weights = descend.load_model(saved_file).get_weights()
    except ValueError as exc:
        assert str(saved_file) in str(exc)
        return
    assert all(np.array_equal(a, b) for a, b in zip(weights, good, strict=True))


# ------------------------------------------------------------------------------ weights alone
def test_save_weights_is_atomic_and_self_describing(tmp_path, monkeypatch):
    model = Sequential([Input(2), Dense(3, "tanh"), Dense(1)], seed=0)
    path = saving.save_weights(model, tmp_path / "w.weights.safetensors")
    first = path.read_bytes()
    assert sorted(load_file(path)) == ["weights/dense_1/bias", "weights/dense_1/kernel",
                                       "weights/dense_2/bias", "weights/dense_2/kernel"]
    model.set_weights([w + 1 for w in model.get_weights()])

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        saving.save_weights(model, path)
    assert path.read_bytes() == first                          # the old file, whole
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_load_weights_refuses_a_foreign_safetensors_file(tmp_path):
    save_file({"kernel": np.zeros((2, 1))}, str(tmp_path / "foreign.safetensors"))
    model = Sequential([Input(2), Dense(1)], seed=0)
    with pytest.raises(ValueError, match="not a descend weights file"):
        saving.load_weights(model, tmp_path / "foreign.safetensors")


def test_a_changed_byte_in_a_weights_file_is_named_damaged(tmp_path):
    model = Sequential([Input(2), Dense(3, "tanh"), Dense(1)], seed=0)
    path = saving.save_weights(model, tmp_path / "w.weights.safetensors")
    blob = bytearray(path.read_bytes())
    blob[-3] ^= 0x01                                           # one bit of the last bias
    path.write_bytes(bytes(blob))
    before = model.get_weights()
    with pytest.raises(ValueError, match="w.weights.safetensors: damaged: its content does not match"):
        model.load_weights(path)
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_load_weights_reads_a_model_checkpoint_with_its_checks(tmp_path):
    model = Sequential([Input(2), Dense(3, "tanh"), Dense(1)], seed=0)
    file = model.save(tmp_path / "run")
    other = Sequential([Input(2), Dense(3, "tanh"), Dense(1)], seed=5)
    other.load_weights(file)
    for a, b in zip(other.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    blob = bytearray(file.read_bytes())
    blob[-3] ^= 0x01
    file.write_bytes(bytes(blob))
    with pytest.raises(ValueError, match="damaged"):
        other.load_weights(file)


def test_load_weights_refuses_float64_weights_beyond_a_float32_models_range(tmp_path):
    wide = Sequential([Input(2), Dense(1)], seed=0, dtype="float64")
    wide.set_weights([np.full((2, 1), 1e300), np.zeros(1)])
    path = wide.save_weights(tmp_path / "w.safetensors")
    model = Sequential([Input(2), Dense(1)], seed=0)
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"w.safetensors: array 0 \(weights/dense_1/kernel\): expected "
                                         r"values within float32's range"):
        model.load_weights(path)                                  # (it was written as inf)
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_load_weights_reads_a_model_checkpoint_once(tmp_path, monkeypatch):
    model = Sequential([Input(2), Dense(3, "tanh"), Dense(1)], seed=0)
    file = model.save(tmp_path / "run")
    reads = []
    real = saving.Checkpoint._read_file

    def counted(self):
        reads.append(self.file)
        return real(self)

    monkeypatch.setattr(saving.Checkpoint, "_read_file", counted)
    other = Sequential([Input(2), Dense(3, "tanh"), Dense(1)], seed=5)
    other.load_weights(file)
    assert reads == [file]
    np.testing.assert_array_equal(other.get_weights()[0], model.get_weights()[0])


def test_a_loaded_model_saved_again_keeps_its_extra_data(tmp_path):
    model = Sequential([Input(2), Dense(1, activation="sigmoid")], seed=0)
    model.compile("sgd", "binary_crossentropy")
    model.save(tmp_path / "a", extra={"pipeline": {"mean": [1.0, 2.0]}})
    descend.load_model(tmp_path / "a").save(tmp_path / "b")
    assert load_checkpoint(tmp_path / "b")[1] == {"pipeline": {"mean": [1.0, 2.0]}}
    loaded, _ = load_checkpoint(tmp_path / "b")
    loaded.save(tmp_path / "c", extra={"other": 1})                 # given: it replaces the old one
    assert load_checkpoint(tmp_path / "c")[1] == {"other": 1}
