"""``descend predict``: the saved pipeline (feature order, standardisation, class labels) is
applied to a CSV, the output is atomic, errors are one line."""
from __future__ import annotations

import csv

import numpy as np
import pytest

import descend
from cli_runs import write_csv
from descend.cli import main, predict
from descend.cli.predict import read_features


def test_predict_writes_labels_and_probabilities(flowers, tmp_path, capsys):
    model_dir, rows = flowers
    inputs = write_csv(tmp_path / "in.csv", ["id", "b", "a"], [[i, r[2], r[0]] for i, r in enumerate(rows)])
    out = tmp_path / "out.csv"
    assert main(["predict", "--model", str(model_dir), "--csv", str(inputs), "--output", str(out),
                 "--include-input"]) == 0
    assert "wrote 60 predictions" in capsys.readouterr().out
    got = list(csv.DictReader(out.open()))
    assert list(got[0]) == ["id", "b", "a", "prediction", "p_setosa", "p_versicolor", "p_virginica"]
    assert len(got) == 60 and [g["id"] for g in got] == [str(i) for i in range(60)]
    probs = np.array([[float(g[k]) for k in ("p_setosa", "p_versicolor", "p_virginica")] for g in got])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    correct = np.mean([g["prediction"] == r[1] for g, r in zip(got, rows, strict=True)])
    assert correct >= 0.9
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]  # no temp file left


def test_predict_binary_and_regression(tmp_path):
    assert main(["train", "--data", "moons", "--n-samples", "40", "--epochs", "2", "--quiet", "--no-plot",
                 "--out", str(tmp_path / "m")]) == 0
    inputs = write_csv(tmp_path / "p.csv", ["x1", "x2"], [[0.1, 0.2], [1.5, -0.3]])
    assert main(["predict", "--model", str(tmp_path / "m"), "--csv", str(inputs),
                 "--output", str(tmp_path / "o.csv")]) == 0
    got = list(csv.DictReader((tmp_path / "o.csv").open()))
    assert list(got[0]) == ["prediction", "p_0", "p_1"]
    for g in got:
        assert g["prediction"] == ("1" if float(g["p_1"]) > 0.5 else "0")
        assert float(g["p_0"]) + float(g["p_1"]) == pytest.approx(1.0)

    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 2))
    rows = [[f"{a}", f"{b}", f"{3 * a - b + 0.5}"] for a, b in X]
    data = write_csv(tmp_path / "reg.csv", ["u", "v", "y"], rows)
    assert main(["train", "--csv", str(data), "--target", "y", "--task", "regression", "--layers", "",
                 "--epochs", "150", "--lr", "0.05", "--quiet", "--no-plot",
                 "--out", str(tmp_path / "r")]) == 0
    model = descend.load_model(tmp_path / "r")
    assert model.loss.name == "mse" and model.layers[-1].activation.name == "linear"
    assert main(["predict", "--model", str(tmp_path / "r"), "--csv", str(data),
                 "--output", str(tmp_path / "ro.csv")]) == 0
    pred = np.array([float(g["prediction"]) for g in csv.DictReader((tmp_path / "ro.csv").open())])
    np.testing.assert_allclose(pred, 3 * X[:, 0] - X[:, 1] + 0.5, atol=0.3)


@pytest.mark.parametrize("header, rows, message", [
    (["a", "species"], [["1", "x"]], "missing feature column(s) ['b']"),
    (["a", "b"], [["1", "oops"]], "column 'b', data row 1: expected a number, got 'oops'"),
    (["a", "b"], [["1", ""]], "missing value in column 'b', data row 1"),
    (["a", "b"], [["1", "2", "3"]], "data row 1 has 3 cells, the header has 2"),
    (["a", "b"], [], "no data rows"),
])
def test_predict_errors(flowers, tmp_path, capsys, header, rows, message):
    model_dir, _ = flowers
    bad = write_csv(tmp_path / "bad.csv", header, rows)
    out = tmp_path / "o.csv"
    assert main(["predict", "--model", str(model_dir), "--csv", str(bad), "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("descend predict: error:") and message in err and err.count("\n") == 1, err
    assert not out.exists()


def test_predict_missing_input_file(flowers, tmp_path, capsys):
    model_dir, _ = flowers
    assert main(["predict", "--model", str(model_dir), "--csv", str(tmp_path / "no.csv"),
                 "--output", str(tmp_path / "o.csv")]) == 2
    assert "--csv: no file" in capsys.readouterr().err


def test_read_features_takes_columns_by_name_or_else_by_position(tmp_path):
    cli = {"feature_names": ["a", "b"]}
    by_name = write_csv(tmp_path / "n.csv", ["b", "x", "a"], [["2", "q", "1"], ["4", "r", "3"]])
    header, rows, X = read_features(by_name, cli)
    assert header == ["b", "x", "a"] and rows[1] == ["4", "r", "3"]
    np.testing.assert_array_equal(X, [[1.0, 2.0], [3.0, 4.0]])
    by_position = write_csv(tmp_path / "p.csv", ["u", "v"], [["1", "2"]])
    np.testing.assert_array_equal(read_features(by_position, cli)[2], [[1.0, 2.0]])
    with pytest.raises(ValueError, match=r"missing feature column\(s\) \['b'\]"):
        read_features(write_csv(tmp_path / "m.csv", ["a", "v", "w"], [["1", "2", "3"]]), cli)
    with pytest.raises(ValueError, match="column 'b', data row 1: 'inf' is not finite"):
        read_features(write_csv(tmp_path / "f.csv", ["a", "b"], [["1", "inf"]]), cli)


def test_inputs_beyond_the_models_float32_are_a_one_line_error(tmp_path, capsys):
    data = write_csv(tmp_path / "t.csv", ["a", "b", "y"], [[i, i % 3, i * 0.5] for i in range(40)])
    assert main(["train", "--csv", str(data), "--target", "y", "--epochs", "1", "--quiet", "--no-plot",
                 "--out", str(tmp_path / "run")]) == 0
    inputs = write_csv(tmp_path / "p.csv", ["a", "b"], [["1e300", 0]])
    capsys.readouterr()
    assert main(["predict", "--model", str(tmp_path / "run"), "--csv", str(inputs),
                 "--output", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "expected values within float32's range" in err and err.count("\n") == 1
    assert not (tmp_path / "o.csv").exists()


def test_a_cell_over_128_kilobytes_is_a_one_line_error(flowers, tmp_path, capsys):
    model_dir, _ = flowers
    inputs = tmp_path / "big.csv"
    inputs.write_text("a,b\n1,2\n3," + "4" * 200_000 + "\n")
    capsys.readouterr()
    assert main(["predict", "--model", str(model_dir), "--csv", str(inputs), "--output",
                 str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "big.csv: line 3: field larger than field limit (131072)" in err and err.count("\n") == 1


def test_an_output_below_a_file_is_one_line(flowers, tmp_path, capsys):
    model_dir, rows = flowers
    data = write_csv(tmp_path / "in.csv", ["a", "species", "b"], rows[:3])
    plain = tmp_path / "plainfile"
    plain.write_text("x")
    assert main(["predict", "--model", str(model_dir), "--csv", str(data), "--output",
                 str(plain / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert err == (f"descend predict: error: {plain}: File exists (a file stands where a folder is "
                   f"needed: move it or use another path)\n")


def test_target_names_shorter_than_the_outputs_is_a_damaged_model(flowers, tmp_path, capsys):
    model_dir, rows = flowers
    model, extra = descend.model.load_checkpoint(model_dir)
    extra["cli"]["target_names"] = extra["cli"]["target_names"][:1]
    damaged = tmp_path / "damaged"
    model.save(damaged, extra=extra)
    data = write_csv(tmp_path / "in.csv", ["a", "species", "b"], rows[:3])
    assert main(["predict", "--model", str(damaged), "--csv", str(data), "--output",
                 str(tmp_path / "o.csv")]) == 2
    assert capsys.readouterr().err == (
        f"descend predict: error: {damaged}: the data pipeline stored with the model is damaged: "
        f"'n_classes' and 'target_names' do not fit the model's 3 outputs\n")


def test_predict_writes_through_a_link_and_into_a_pipe_without_replacing_them(flowers, tmp_path, capsys):
    # the atomic rename replaced the link by a plain file, and a device or FIFO (/dev/null as root:
    # the device node itself) by a regular file
    import os
    import threading
    model_dir, rows = flowers
    inputs = write_csv(tmp_path / "in.csv", ["b", "a"], [[r[2], r[0]] for r in rows[:3]])
    target = tmp_path / "kept" / "predictions.csv"
    target.parent.mkdir()
    link = tmp_path / "link.csv"
    os.symlink(target, link)
    assert main(["predict", "--model", str(model_dir), "--csv", str(inputs), "--output", str(link)]) == 0
    assert link.is_symlink() and target.read_text().startswith("prediction,")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert main(["predict", "--model", str(model_dir), "--csv", str(inputs), "--output", str(fifo)]) == 0
    reader.join(timeout=30)
    assert got and got[0].startswith(b"prediction,") and len(got[0].splitlines()) == 4
    assert fifo.is_fifo()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_predict_streams_a_csv_larger_than_reading_it_cell_by_cell_would_allow(flowers, tmp_path, capsys,
                                                                              monkeypatch):
    # read whole, cell by cell, it took ~30x the file and was refused above the memory limit: a
    # 0.4 MB CSV under a 4 MiB limit; read, predicted and written in chunks it needs a chunk's memory
    model_dir, rows = flowers
    monkeypatch.setattr(predict, "CHUNK_ROWS", 4096)
    monkeypatch.setenv("DESCEND_MEMORY_LIMIT", "4MiB")
    big = write_csv(tmp_path / "big.csv", ["b", "a"], [[r[2], r[0]] for r in rows] * 400)  # ~0.4 MB
    lines = big.read_text().splitlines()
    irregular = tmp_path / "irregular.csv"  # a row of empty cells: read by the csv module from there
    irregular.write_text("\n".join(lines[:5000] + [","] + lines[5000:]) + "\n")
    for data in (big, irregular):
        assert main(["predict", "--model", str(model_dir), "--csv", str(data), "--output",
                     str(tmp_path / "o.csv")]) == 0, capsys.readouterr().err
        assert "wrote 24000 predictions" in capsys.readouterr().out
        assert len((tmp_path / "o.csv").read_text().splitlines()) == 24001


@pytest.mark.parametrize("blank_row", [None, 5000, 12000])
def test_predictions_written_in_chunks_are_those_of_predict_on_the_whole_array(flowers, tmp_path, monkeypatch,
                                                                              blank_row):
    # 3 chunks and a part: read by pandas, or (from the chunk with a row of empty cells on) by the
    # csv module; standardised, predicted and written chunk by chunk, bit for bit as predict(X)
    from descend.cli import _common as common
    model_dir, _ = flowers
    monkeypatch.setattr(predict, "CHUNK_ROWS", 4096)
    careful = predict._careful_chunks
    skipped: list[int] = []

    def spy(path, named, cli, skip):
        skipped.append(skip)
        return careful(path, named, cli, skip)

    monkeypatch.setattr(predict, "_careful_chunks", spy)
    rng = np.random.default_rng(0)
    X = np.round(rng.normal(3.0, 2.0, size=(3 * 4096 + 100, 2)), 6)
    cells = [[repr(float(b)), f"id {i}, \"q\"", f" {a}"] for i, (a, b) in enumerate(X)]
    inputs = write_csv(tmp_path / "in.csv", ["b", "id", "a"], cells)
    if blank_row is not None:
        lines = inputs.read_text().splitlines(keepends=True)
        inputs.write_text("".join(lines[:blank_row] + [",,\n"] + lines[blank_row:]))
    out = tmp_path / "out.csv"
    assert main(["predict", "--model", str(model_dir), "--csv", str(inputs), "--output", str(out),
                 "--include-input"]) == 0
    model, cli = common.load_trained(model_dir)
    expected = model.predict(common.standardize(cli, X)).astype(np.float64)
    got = list(csv.reader(out.open(newline="")))
    assert got[0] == ["b", "id", "a", "prediction", "p_setosa", "p_versicolor", "p_virginica"]
    assert [row[:3] for row in got[1:]] == cells  # the input cells as they were written
    probs = np.array([[float(v) for v in row[4:]] for row in got[1:]])
    assert probs.tobytes() == expected.tobytes()
    assert skipped == ([] if blank_row is None else [(blank_row - 1) // 4096 * 4096])


@pytest.mark.parametrize("mode, output", [("wb", "/dev/stdout"), ("ab", "/dev/stdout"), ("wb", "-")])
def test_predict_to_dev_stdout_writes_where_the_shell_opened_it(flowers, tmp_path, mode, output):
    # '> file' and '>> file': opened anew, /dev/stdout truncated the shell's file ('>>' lost what
    # was there) or wrote at another offset than our own prints ('>': the CSV overwritten)
    import os
    import subprocess
    import sys
    from pathlib import Path
    model_dir, rows = flowers
    inputs = write_csv(tmp_path / "in.csv", ["b", "a"], [[r[2], r[0]] for r in rows[:3]])
    log = tmp_path / "log.csv"
    log.write_text("old line\n")
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src, "MPLBACKEND": "Agg"}
    with open(log, mode) as out:
        done = subprocess.run([sys.executable, "-m", "descend", "predict", "--model", str(model_dir), "--csv",
                               str(inputs), "--output", output], stdout=out, stderr=subprocess.PIPE,
                              env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = log.read_text().splitlines()
    assert lines[:1] == (["old line"] if mode == "ab" else ["prediction,p_setosa,p_versicolor,p_virginica"])
    # the CSV alone: the report goes to stderr where the CSV goes to standard output
    assert len(lines) == (5 if mode == "ab" else 4) and lines[-1].count(",") == 3
    assert done.stderr.decode().strip() == "wrote 3 predictions to /dev/stdout"


def test_predict_reads_a_pipe(flowers, tmp_path):
    # a pipe cannot be read twice: it is copied to a temporary file, read by pandas, and by the csv
    # module from the first irregular chunk on (here a row of empty cells)
    import os
    import subprocess
    import sys
    from pathlib import Path
    model_dir, rows = flowers
    text = "b,a\n" + "".join(f"{r[2]},{r[0]}\n" for r in rows[:3]) + ",\n" + f"{rows[3][2]},{rows[3][0]}\n"
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src, "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-m", "descend", "predict", "--model", str(model_dir), "--csv",
                           "/dev/stdin", "--output", str(tmp_path / "o.csv")], input=text.encode(),
                          capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert b"wrote 4 predictions" in done.stdout
    assert len((tmp_path / "o.csv").read_text().splitlines()) == 5


@pytest.mark.parametrize("cell, message", [
    ("oops", "column 'b', data row 7: expected a number, got 'oops'"),
    ("", "missing value in column 'b', data row 7"),
    ("9" * 200_000, "big.csv: line 8: field larger than field limit (131072)"),
])
def test_a_bad_cell_in_a_later_chunk_is_named_by_its_row_in_the_file(flowers, tmp_path, capsys, monkeypatch,
                                                                      cell, message):
    # the chunks before it were read by pandas and written; the csv module takes over at its
    # chunk and counts rows and lines from the top of the file
    model_dir, rows = flowers
    monkeypatch.setattr(predict, "CHUNK_ROWS", 4)
    cells = [[r[2], r[0]] for r in rows[:10]]
    cells[6][0] = cell
    inputs = write_csv(tmp_path / "big.csv", ["b", "a"], cells)
    out = tmp_path / "o.csv"
    assert main(["predict", "--model", str(model_dir), "--csv", str(inputs), "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["big.csv"]
