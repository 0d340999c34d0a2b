"""Data sets: loaders' shapes and dtypes, seeds, the registry, CSV errors, split, Standardizer."""
from __future__ import annotations

import json

import numpy as np
import pytest

from descend import datasets as D

BUNDLED = {  # name -> (shape, n_classes or None)
    "digits": ((1797, 64), 10),
    "iris": ((150, 4), 3),
    "wine": ((178, 13), 3),
    "breast_cancer": ((569, 30), 2),
    "diabetes": ((442, 10), None),
}
GENERATED = {
    "moons": D.make_moons,
    "circles": D.make_circles,
    "xor": D.make_xor,
    "spiral": D.make_spiral,
    "gaussians": D.make_gaussians,
}


# --------------------------------------------------------------------------- bundled
@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_loaders_shapes_and_dtypes(name):
    shape, n_classes = BUNDLED[name]
    X, y = getattr(D, f"load_{name}")()
    assert X.shape == shape and X.dtype == np.float64
    assert y.shape == (shape[0],)
    if n_classes is None:
        assert y.dtype == np.float64
    else:
        assert y.dtype == np.int64
        assert set(np.unique(y)) == set(range(n_classes))
    ds = D.load(name)
    assert ds.task == ("regression" if n_classes is None else "classification")
    assert ds.n_classes == n_classes
    assert len(ds.feature_names) == shape[1]
    assert np.array_equal(ds.X, X) and np.array_equal(ds.y, y)
    if n_classes is not None:
        assert len(ds.target_names) == n_classes


def test_breast_cancer_target_names_follow_codes():
    ds = D.load("breast-cancer")
    assert ds.name == "breast_cancer"
    assert ds.target_names == ("malignant", "benign")


# --------------------------------------------------------------------------- generated
@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_shapes_dtypes_and_seed(name):
    make = GENERATED[name]
    X, y = make(n_samples=101, seed=3)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype == np.int64
    X2, y2 = make(n_samples=101, seed=3)
    assert X.tobytes() == X2.tobytes() and y.tobytes() == y2.tobytes()
    X3, _ = make(n_samples=101, seed=4)
    assert not np.array_equal(X, X3)
    Xg, _ = make(n_samples=101, seed=np.random.default_rng(5))
    Xh, _ = make(n_samples=101, seed=np.random.default_rng(5))
    assert np.array_equal(Xg, Xh)


def test_generated_classes_are_balanced_and_coded_from_zero():
    for make, k in [(D.make_moons, 2), (D.make_circles, 2)]:
        assert np.bincount(make(n_samples=200)[1]).tolist() == [100] * k
    assert np.bincount(D.make_spiral(n_samples=301, n_classes=3)[1]).tolist() == [101, 100, 100]
    assert np.bincount(D.make_gaussians(n_samples=300, n_classes=4)[1]).tolist() == [75] * 4


def test_moons_match_sklearn_for_int_seed():
    from sklearn.datasets import make_moons
    X, y = D.make_moons(n_samples=50, noise=0.2, seed=11)
    Xs, ys = make_moons(n_samples=50, noise=0.2, random_state=11)
    assert np.array_equal(X, Xs) and np.array_equal(y, ys)


def test_xor_labels_are_sign_xor_without_noise():
    X, y = D.make_xor(n_samples=500, noise=0.0, seed=0)
    assert np.array_equal(y, ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.int64))
    assert np.abs(X).max() <= 1.0


def test_spiral_without_noise_follows_formula():
    X, y = D.make_spiral(n_samples=40, n_classes=2, noise=0.0, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.max() == pytest.approx(1.0) and r.min() == pytest.approx(0.0)
    t = np.arctan2(X[:, 0], X[:, 1])          # x = r sin t, y = r cos t
    expected = 2 * np.pi * y / 2 + 4.0 * r
    mask = r > 1e-9
    diff = np.angle(np.exp(1j * (t[mask] - expected[mask])))
    assert np.allclose(diff, 0.0, atol=1e-9)


def test_circles_factor_and_gaussian_centers():
    X, y = D.make_circles(n_samples=100, noise=0.0, factor=0.3)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(r[y == 0], 1.0) and np.allclose(r[y == 1], 0.3)
    X, y = D.make_gaussians(n_samples=400, centers=[[0, 0], [10, 10]], std=0.5)
    assert np.allclose(X[y == 1].mean(axis=0), [10, 10], atol=0.15)
    assert X[y == 0].std() == pytest.approx(0.5, rel=0.15)


@pytest.mark.parametrize("call,exc,pattern", [
    (lambda: D.make_moons(n_samples=3), ValueError, "n_samples: expected an int >= 4, got 3"),
    (lambda: D.make_moons(n_samples=10.0), TypeError, "n_samples: expected an int >= 4, got float"),
    (lambda: D.make_moons(noise=-0.1), ValueError, r"noise: expected a finite number in \[0\.0, inf\]"),
    (lambda: D.make_xor(noise="a"), TypeError, "noise: expected a number, got str"),
    (lambda: D.make_circles(factor=1.0), ValueError, r"factor: expected .* in \(0\.0, 1\.0\), got 1\.0"),
    (lambda: D.make_spiral(n_classes=1), ValueError, "n_classes: expected an int >= 2, got 1"),
    (lambda: D.make_spiral(n_samples=5, n_classes=3), ValueError, "n_samples: expected an int >= 6"),
    (lambda: D.make_gaussians(std=0), ValueError, r"std: expected a finite number in \(0\.0, inf\]"),
    (lambda: D.make_gaussians(centers=[1, 2, 3]), ValueError, r"centers: expected .*shape \(3,\)"),
    (lambda: D.make_moons(seed="x"), TypeError, "seed"),
])
def test_generator_arguments_validated(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


# --------------------------------------------------------------------------- registry
def test_registry_lists_every_data_set_of_the_cli():
    assert set(D.DATASETS) == set(BUNDLED) | set(GENERATED)
    assert D.DATASETS["moons"].options["noise"] == 0.1
    assert D.DATASETS["digits"].options == {}


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_load_generated_with_options(name):
    ds = D.load(name.upper(), n_samples=60, noise=0.05, seed=2)
    assert isinstance(ds, D.Dataset) and ds.name == name
    assert ds.X.shape == (60, 2) and ds.task == "classification"
    assert ds.feature_names == ("x1", "x2")
    assert ds.n_classes == len(ds.target_names) == int(ds.y.max()) + 1
    X, y = ds
    assert np.array_equal(X, D.load(name, n_samples=60, noise=0.05, seed=2).X)


def test_load_none_options_keep_defaults_and_gaussians_noise_is_std():
    a = D.load("spiral", n_samples=None, noise=None, n_classes=3)
    assert a.n_classes == 3 and a.n_samples == 300
    g = D.load("gaussians", noise=0.25, n_classes=2, seed=1)
    X, y = D.make_gaussians(n_classes=2, std=0.25, seed=1)
    assert np.array_equal(g.X, X)
    assert np.array_equal(D.load("gaussians", std=0.25, n_classes=2, seed=1).X, X)
    with pytest.raises(ValueError, match="give 'noise' or 'std'"):
        D.load("gaussians", std=0.25, noise=0.5)
    assert D.load("digits", noise=None).n_samples == 1797


def test_load_errors():
    with pytest.raises(ValueError, match="unknown data set 'mnist'; known: .*'digits'.*'xor'"):
        D.load("mnist")
    with pytest.raises(ValueError, match=r"'digits' does not take \['noise'\]; accepted: none"):
        D.load("digits", noise=0.1)
    with pytest.raises(ValueError, match=r"'moons' does not take \['factor'\]; "
                                         r"accepted: \['n_samples', 'noise', 'seed'\]"):
        D.load("moons", factor=0.3)
    with pytest.raises(ValueError, match="noise: expected a finite number"):
        D.load("circles", noise=-1)
    with pytest.raises(TypeError, match="name"):
        D.load(3)


# --------------------------------------------------------------------------- CSV
def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """a, b ,label
1.5,2,cat
-3,4e-1,dog

0,0,cat
7,8,bird
"""


def test_csv_round_trip_with_text_labels(tmp_path):
    ds = D.load_csv(write(tmp_path, GOOD), "label")
    assert ds.name == "data" and ds.target == "label"
    assert ds.feature_names == ("a", "b")
    assert ds.X.dtype == np.float64 and ds.X.tolist() == [[1.5, 2.0], [-3.0, 0.4], [0.0, 0.0], [7.0, 8.0]]
    assert ds.task == "classification" and ds.n_classes == 3
    assert ds.target_names == ("bird", "cat", "dog")
    assert ds.y.dtype == np.int64 and ds.y.tolist() == [1, 2, 1, 0]


def test_csv_written_from_a_dataset_reads_back(tmp_path):
    X, y = D.load_iris()
    lines = ["f1,f2,f3,f4,species"] + [",".join(map(repr, row.tolist())) + f",{c}"
                                       for row, c in zip(X, y, strict=True)]
    ds = D.load_csv(write(tmp_path, "\n".join(lines) + "\n"), "species")
    assert np.array_equal(ds.X, X) and np.array_equal(ds.y, y)
    assert ds.task == "classification" and ds.target_names == ("0", "1", "2")


def test_csv_task_inference_and_override(tmp_path):
    path = write(tmp_path, "x,y\n1,1\n2,3\n3,1\n4,3\n")
    ds = D.load_csv(path, "y")                       # few integer values: classification
    assert ds.task == "classification" and ds.y.tolist() == [0, 1, 0, 1]
    assert ds.target_names == ("1", "3")
    reg = D.load_csv(path, "y", task="regression")
    assert reg.task == "regression" and reg.y.dtype == np.float64 and reg.y.tolist() == [1, 3, 1, 3]
    assert reg.n_classes is None and reg.target_names is None
    floats = D.load_csv(write(tmp_path, "x,y\n1,0.5\n2,1.5\n", "f.csv"), "y")
    assert floats.task == "regression"
    many = "x,y\n" + "".join(f"{i},{i}\n" for i in range(25))
    assert D.load_csv(write(tmp_path, many, "m.csv"), "y").task == "regression"


def test_csv_bom_and_quoted_fields(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes('\ufeff"x 1",y\n"1.0",a\n2,"b"\n'.encode("utf-8"))
    ds = D.load_csv(path, "y")
    assert ds.feature_names == ("x 1",) and ds.X.ravel().tolist() == [1.0, 2.0]


def test_csv_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(FileNotFoundError, match="CSV file not found: .*nope.csv"):
        D.load_csv(path, "y")


@pytest.mark.parametrize("text,pattern", [
    ("", "the file is empty"),
    ("\n\n  \n", "the file is empty"),
    ("x,y\n", "has a header but no data rows"),
    ("x,y\n1,2\n", r"column 'z' not found in data.csv; columns: \['x', 'y'\]"),
    ("x;y\n1;2\n", "does not look comma-separated"),
    ("x,y\n1,0\n,1\n", r"missing value in column 'x' at data row 2 \(line 3\)"),
    ("x,y\n1,0\n\n2,1\n3,NA\n", r"missing value in column 'y' at data row 3 \(line 5\)"),
    ("x,y\n?,0\nnan,1\n", r"column 'x' at data row 1 \(line 2\) \(2 missing in this column\)"),
    ("x,colour,y\n1,2,0\n3,red,1\n", r"column 'colour' is not numeric: data row 2 \(line 3\) has 'red'"),
    ("x,y\n1,0\ninf,1\n", r"column 'x' has a non-finite value 'inf' at data row 2 \(line 3\)"),
    ("x,y\n1,0\n2,1,5\n", r"data row 2 \(line 3\) has 3 fields, expected 2 as in the header"),
    ("x,y\n1\n", r"data row 1 \(line 2\) has 1 fields, expected 2"),
    ("x,x,y\n1,2,0\n", r"duplicate column names in the header: \['x'\]"),
    ("x,,y\n1,2,0\n", r"empty column name at position\(s\) \[2\]"),
    ("y\n1\n2\n", "no feature columns besides the target 'y'"),
])
def test_csv_errors(tmp_path, text, pattern):
    target = "z" if "'z'" in pattern else "y"
    with pytest.raises(ValueError, match=pattern):
        D.load_csv(write(tmp_path, text), target)


def test_csv_task_conflicts(tmp_path):
    path = write(tmp_path, "x,y\n1,a\n2,b\n")
    with pytest.raises(ValueError, match=r"task='regression' needs a numeric target, but column 'y' "
                                         r"has 'a' at data row 1 \(line 2\)"):
        D.load_csv(path, "y", task="regression")
    path = write(tmp_path, "x,y\n1,0\n2,0.5\n", "f.csv")
    with pytest.raises(ValueError, match=r"task='classification' needs integer or text labels.*'0\.5' "
                                         r"at data row 2"):
        D.load_csv(path, "y", task="classification")
    with pytest.raises(ValueError, match="task: expected 'classification', 'regression' or None"):
        D.load_csv(path, "y", task="clustering")


def test_csv_directory_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="expected a CSV file, got the directory"):
        D.load_csv(tmp_path, "y")


# --------------------------------------------------------------------------- split
def test_split_shapes_determinism_and_no_overlap():
    X = np.arange(200, dtype=np.float64).reshape(100, 2)
    y = np.arange(100) % 3
    a = D.train_test_split(X, y, test_size=0.25, seed=1)
    b = D.train_test_split(X, y, test_size=0.25, seed=1)
    c = D.train_test_split(X, y, test_size=0.25, seed=2)
    assert [p.shape for p in a] == [(75, 2), (25, 2), (75,), (25,)]
    assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))
    assert not np.array_equal(a[1], c[1])
    rows = np.concatenate([a[0][:, 0], a[1][:, 0]])
    assert sorted(rows.tolist()) == X[:, 0].tolist()             # a partition of the rows
    assert np.array_equal(a[0][:, 0] // 2 % 3, a[2])              # X and y stay paired


def test_split_stratified_proportions_on_digits_and_breast_cancer():
    for loader in (D.load_digits, D.load_breast_cancer):
        X, y = loader()
        _, _, y_train, y_test = D.train_test_split(X, y, test_size=0.2, seed=0)
        full = np.bincount(y) / len(y)
        assert np.abs(np.bincount(y_test) / len(y_test) - full).max() < 0.01
        assert np.abs(np.bincount(y_train) / len(y_train) - full).max() < 0.01
        assert len(y_test) == int(np.ceil(0.2 * len(y)))


def test_split_rare_classes_get_one_test_sample_each():
    y = np.array([0] * 90 + [1] * 5 + [2] * 3 + [3] * 2)
    X = np.zeros((100, 1))
    _, _, y_train, y_test = D.train_test_split(X, y, test_size=0.1, seed=0)
    assert len(y_test) == 10
    assert set(y_test) == {0, 1, 2, 3} and set(y_train) == {0, 1, 2, 3}
    # a class with a single member stays in training
    y = np.array([0] * 9 + [1])
    _, _, y_train, y_test = D.train_test_split(np.zeros((10, 1)), y, test_size=0.5, seed=0)
    assert 1 in y_train and len(y_test) == 5


def test_split_stratify_modes():
    X = np.zeros((40, 1))
    y_float = np.linspace(0, 1, 40)
    _, _, _, y_test = D.train_test_split(X, y_float, test_size=10, seed=0)   # regression: no strata
    assert len(y_test) == 10
    y = np.array([0] * 30 + [1] * 10)
    for stratify in (None, True, y.astype(str)):
        _, _, _, y_test = D.train_test_split(X, y, test_size=0.5, seed=0, stratify=stratify)
        assert np.bincount(y_test).tolist() == [15, 5]
    # stratify=False is a plain permutation split
    _, _, _, y_test = D.train_test_split(X, y, test_size=0.5, seed=0, stratify=False)
    assert len(y_test) == 20


def test_split_does_not_modify_inputs():
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10) % 2
    X0, y0 = X.copy(), y.copy()
    X_train, _, _, _ = D.train_test_split(X, y, seed=0)
    X_train[:] = -1
    assert np.array_equal(X, X0) and np.array_equal(y, y0)


@pytest.mark.parametrize("kwargs,exc,pattern", [
    ({"y": np.zeros(9)}, ValueError, r"y: expected 10 samples \(as many as X\), got 9"),
    ({"test_size": 0.0}, ValueError, r"test_size: expected a float in \(0, 1\), got 0\.0"),
    ({"test_size": 1.5}, ValueError, r"test_size: expected a float in \(0, 1\)"),
    ({"test_size": 10}, ValueError, r"test_size: expected an int in \[1, 9\], got 10"),
    ({"test_size": "0.2"}, TypeError, "test_size: expected a float in"),
    ({"stratify": np.zeros(3)}, ValueError, "stratify: expected 10 labels"),
    ({"seed": 1.5}, TypeError, "seed"),
])
def test_split_errors(kwargs, exc, pattern):
    args = {"X": np.zeros((10, 2)), "y": np.zeros(10, dtype=np.int64), **kwargs}
    with pytest.raises(exc, match=pattern):
        D.train_test_split(**args)
    with pytest.raises(ValueError, match="at least 2 samples"):
        D.train_test_split(np.zeros((1, 2)), np.zeros(1))


# --------------------------------------------------------------------------- Standardizer
def test_standardizer_fit_on_train_transform_both():
    rng = np.random.default_rng(0)
    X_train = rng.normal([5.0, -2.0, 3.0], [2.0, 0.5, 0.0], size=(200, 3))
    X_test = rng.normal([5.0, -2.0, 3.0], [2.0, 0.5, 0.0], size=(50, 3))
    s = D.Standardizer().fit(X_train)
    Z = s.transform(X_train)
    assert np.allclose(Z.mean(axis=0), 0.0)
    assert np.allclose(Z.std(axis=0)[:2], 1.0)
    assert s.scale[2] == 1.0 and np.allclose(Z[:, 2], 0.0)      # constant feature: centred only
    assert np.allclose(s.transform(X_test), (X_test - X_train.mean(0)) / s.scale)
    assert np.allclose(s.inverse_transform(Z), X_train)


def test_standardizer_matches_sklearn_and_config_round_trip():
    from sklearn.preprocessing import StandardScaler
    X, _ = D.load_wine()
    ours = D.Standardizer().fit(X)
    assert np.allclose(ours.transform(X), StandardScaler().fit_transform(X))
    again = D.Standardizer.from_config(json.loads(json.dumps(ours.get_config())))
    assert np.array_equal(again.transform(X), ours.transform(X))
    assert D.Standardizer().get_config() == {"mean": None, "scale": None}


def test_standardizer_keeps_float32_and_validates():
    X = np.ones((4, 2), dtype=np.float32)
    s = D.Standardizer()
    assert s.fit_transform(X).dtype == np.float32
    with pytest.raises(ValueError, match="call fit"):
        D.Standardizer().transform(X)
    with pytest.raises(ValueError, match=r"X: expected 2 features \(as in fit\), got 3"):
        s.transform(np.ones((2, 3)))
    with pytest.raises(ValueError, match="2-D array"):
        s.fit(np.ones(3))
    with pytest.raises(ValueError, match="NaN or inf"):
        s.fit(np.array([[np.nan, 1.0]]))
    with pytest.raises(TypeError, match="numeric array"):
        s.fit(np.array([["a"]]))
    with pytest.raises(ValueError, match="every scale > 0"):
        D.Standardizer.from_config({"mean": [0.0], "scale": [0.0]})


def test_numpy_scalars_are_arguments():
    X, y = D.make_moons(n_samples=np.int64(40), noise=np.float32(0.1), seed=np.int64(3))
    np.testing.assert_array_equal(X, D.make_moons(n_samples=40, noise=float(np.float32(0.1)), seed=3)[0])
    X, y = D.make_spiral(n_samples=np.int32(30), n_classes=np.int8(3))
    assert X.shape == (30, 2) and set(y.tolist()) == {0, 1, 2}
    data = np.arange(20.0).reshape(10, 2), np.arange(10) % 2
    for size, n_test in ((np.int64(3), 3), (np.float32(0.25), 3)):
        assert len(D.train_test_split(*data, test_size=size)[1]) == n_test


# ------------------------------------------------------------------ issue 15
@pytest.mark.parametrize("make", [D.make_moons, D.make_circles, D.make_xor, D.make_spiral, D.make_gaussians])
def test_a_generated_set_larger_than_the_memory_limit_is_refused(monkeypatch, make):
    monkeypatch.delenv("DESCEND_MEMORY_LIMIT", raising=False)
    with pytest.raises(ValueError, match=r"n_samples: 10,000,000,000 samples \(X of float64 and y\) would "
                                         r"need 223\.5 GiB"):
        make(10**10)


def test_the_standardizer_handles_columns_near_the_float_limits():
    X = np.array([[1.7e308, 1e-320, 1.0, 1e200], [-1.7e308, 3e-320, 2.0, 1e200], [1e308, 2e-320, 3.0, 1e200]])
    scaler = D.Standardizer().fit(X)
    assert np.isfinite(scaler.mean).all() and np.isfinite(scaler.scale).all()
    Z = scaler.transform(X)
    assert np.isfinite(Z).all()
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), [1.0, 1.0, 1.0, 0.0], rtol=1e-3)  # (subnormals: 3 digits)
    np.testing.assert_allclose(Z[:, 2], (X[:, 2] - 2.0) / np.std([1.0, 2.0, 3.0]))  # ordinary: as before
    np.testing.assert_allclose(scaler.inverse_transform(Z)[:, [0, 2, 3]], X[:, [0, 2, 3]], rtol=1e-12)


def test_the_standardizer_refuses_a_result_beyond_float32():
    scaler = D.Standardizer().fit(np.array([[0.0], [1e-30]]))
    with pytest.raises(ValueError, match="X \\(standardised\\): expected values within float32's range"):
        scaler.transform(np.array([[1e10]], dtype=np.float32))


# ------------------------------------------------------------------ issue 15: the CSV reader
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

#: cells that are numbers, almost numbers, missing, text, or awkward to a parser
_CELLS = ["0", "1", "-2", "3.5", " 4 ", "1e5", "2.5E-3", "-0.0", ".5", "+7", '"8.25"', "1_0", "0x10",
          "inf", "-Infinity", "nan", "NA", "na", "", " ", "?", "-", "abc", " b ", "True", "False",
          "1e400", "1e-400", "9" * 30, "1.7976931348623157e308", "4e38", "1,5", '"x,y"', "é",
          "12345678901234567890123", "-9223372036854775809", "3.0", "007"]


@st.composite
def _csv_texts(draw):
    n = draw(st.integers(2, 4))
    names = draw(st.lists(st.sampled_from(["a", "b", "c", "y", "y", " y ", ""]), min_size=n, max_size=n))
    if draw(st.booleans()):
        names[draw(st.integers(0, n - 1))] = "y"
    lines = [",".join(names)]
    numeric = draw(st.booleans())
    for _ in range(draw(st.integers(0, 12))):
        shape = draw(st.sampled_from(["row"] * 8 + ["blank", "commas", "short", "long"]))
        if shape == "blank":
            lines.append(draw(st.sampled_from(["", "  "])))
        elif shape == "commas":
            lines.append("," * (n - 1))
        else:
            width = n + {"row": 0, "short": -1, "long": 1}[shape]
            pool = st.sampled_from(_CELLS[:8]) if numeric else st.sampled_from(_CELLS)
            lines.append(",".join(draw(st.lists(pool, min_size=width, max_size=width))))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


def _outcome(read):
    try:
        data = read()
    except (ValueError, TypeError) as exc:
        return ("error", type(exc).__name__, str(exc))
    if isinstance(data, D.Dataset):
        return ("data", data.X.tobytes(), data.X.shape, data.y.tobytes(), data.y.dtype.str, data.task,
                data.target_names, data.feature_names)
    header, X, (y, kind, names) = data
    t = header.index("y")
    return ("data", X.tobytes(), X.shape, y.tobytes(), y.dtype.str, kind, names,
            tuple(h for j, h in enumerate(header) if j != t))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_csv_texts(), st.sampled_from([None, "classification", "regression"]),
       st.sampled_from(["float64", "float32"]))
def test_the_fast_reader_reads_what_the_careful_one_reads(text, task, dtype):
    """Every CSV gives the same data set or the same message (column, data row, line) through
    load_csv (pandas' C parser, the careful reader where it is irregular) as through Python's csv
    module cell by cell, the reader descend always had; never another exception."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.csv"
        path.write_text(text, encoding="utf-8")
        fast = _outcome(lambda: D.load_csv(path, "y", task=task, dtype=dtype))
        slow = _outcome(lambda: D._read_slow(path, "y", task, np.dtype(dtype)))
    assert fast == slow


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=3,
                         max_size=3), min_size=1, max_size=30), st.booleans())
def test_regular_numbers_take_the_fast_path_and_parse_as_python_float(rows, integral_target):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "n.csv"
        body = [f"{a!r},{b!r},{int(c) % 3 if integral_target else c!r}" for a, b, c in rows]
        path.write_text("a,b,y\n" + "\n".join(body) + "\n")
        fast = D._read_fast(path, "y", None, np.dtype(np.float64))
        assert fast is not None
        np.testing.assert_array_equal(fast[1], np.array([[a, b] for a, b, _ in rows]))
        assert _outcome(lambda: D.load_csv(path, "y")) == _outcome(lambda: D._read_slow(path, "y", None,
                                                                                      np.dtype(np.float64)))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_load_or_raise_a_value_error(blob):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "b.csv"
        path.write_bytes(blob)
        try:
            D.load_csv(path, "y")
        except ValueError as exc:
            assert str(exc)


def test_the_fast_reader_is_used_chunk_by_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(D, "CSV_CHUNK_ROWS", 7)
    rows = [f"{i * 0.25},{-i},{'cat' if i % 3 else 'dog'}" for i in range(50)]
    path = write(tmp_path, "a,b,y\n" + "\n".join(rows) + "\n")
    fast = D._read_fast(path, "y", None, np.dtype(np.float32))
    assert fast is not None and fast[1].dtype == np.float32 and fast[1].shape == (50, 2)
    data = D.load_csv(path, "y", dtype="float32")
    assert data.X.dtype == np.float32 and data.target_names == ("cat", "dog")
    np.testing.assert_array_equal(data.X[:, 0], np.arange(50) * 0.25)


@pytest.mark.parametrize("text", ["a,y\n1,2,3\n4,5\n", "a,y\n1,2\n4,5,6\n", "a,y\n1,2,,\n"])
def test_a_row_longer_than_the_header_is_named_not_cut(tmp_path, text):
    with pytest.raises(ValueError, match=r"data.csv: data row \d \(line \d\) has \d fields, expected 2"):
        D.load_csv(write(tmp_path, text), "y")


def test_a_value_beyond_float32_is_named_with_its_row_and_line(tmp_path):
    path = write(tmp_path, "a,b,y\n1,2,0\n\n3,1e300,1\n")
    with pytest.raises(ValueError, match=r"column 'b' has 1e\+300 at data row 2 \(line 4\), "
                                         r"beyond float32's"):
        D.load_csv(path, "y", dtype="float32")
    assert D.load_csv(path, "y").X[1, 1] == 1e300
    with pytest.raises(ValueError, match="dtype: expected 'float32' or 'float64'"):
        D.load_csv(path, "y", dtype="int64")


def test_a_cell_over_128_kilobytes_is_named(tmp_path):
    path = write(tmp_path, "a,y\n1,x\n" + "2" * 200_000 + ",y\n")
    with pytest.raises(ValueError, match=r"data.csv: data row 2 \(line 3\): a cell longer than 131072 "
                                         r"characters"):
        D.load_csv(path, "y")
    header = write(tmp_path, "a" * 200_000 + ",y\n1,2\n", "h.csv")
    with pytest.raises(ValueError, match=r"h.csv: the header \(line 1\): a cell longer than"):
        D.load_csv(header, "y")


def test_a_csv_that_grows_past_the_memory_limit_while_read_is_refused(tmp_path, monkeypatch):
    path = write(tmp_path, "a,b,y\n" + "".join(f"{i},{i},{i % 2}\n" for i in range(5000)))
    monkeypatch.setenv("DESCEND_MEMORY_LIMIT", "50kB")
    monkeypatch.setattr(D, "CSV_CHUNK_ROWS", 1000)
    monkeypatch.setattr(D, "_check_size", lambda *args: None)   # (as if lines were added meanwhile)
    with pytest.raises(ValueError, match=r"path: the data of data.csv read so far \(3,000 rows\) would need "
                                         r"[\d.]+ KiB, more than the memory limit"):
        D.load_csv(path, "y")


def test_a_pipe_is_read(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    text = "a,b,y\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(30))

    def feed():
        with open(fifo, "w") as sink:
            sink.write(text)

    writer = threading.Thread(target=feed)
    writer.start()
    data = D.load_csv(fifo, "y")
    writer.join()
    assert data.X.shape == (30, 2) and data.name == "pipe" and data.n_classes == 2


def test_descend_train_reads_stdin_and_process_substitution(tmp_path):
    text = "a,b,y\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(40))
    env = {**os.environ, "PYTHONPATH": str(Path(D.__file__).parents[1])}
    for argv, stdin in ((["--csv", "/dev/stdin"], text),):
        run = subprocess.run([sys.executable, "-m", "descend", "train", *argv, "--target", "y",
                              "--epochs", "1", "--quiet", "--no-plot"],
                             input=stdin, capture_output=True, text=True, env=env)
        assert run.returncode == 0, run.stderr
    data = tmp_path / "d.csv"
    data.write_text(text)
    command = (f'"{sys.executable}" -m descend train --csv <(cat "{data}") --target y '
               "--epochs 1 --quiet --no-plot")
    run = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr


_ODD_OPTIONS = st.sampled_from([None, -1, 0, 3, 4, 50, 2.5, float("nan"), float("inf"), True, np.int64(40),
                                np.float32(0.2), "10", [], object(), 10**12, -(10**12), 1e300])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["moons", "circles", "xor", "spiral", "gaussians"]),
       st.sampled_from(["n_samples", "noise", "seed", "n_classes", "factor"]), _ODD_OPTIONS)
def test_generated_sets_take_anything_or_name_the_option(name, option, value):
    try:
        data = D.load(name, **{option: value})
    except (ValueError, TypeError) as exc:
        alias = "std" if (name, option) == ("gaussians", "noise") else option   # (the blobs' noise is std)
        assert f"{alias}=" in str(exc) or f"{alias}:" in str(exc) or "options" in str(exc), str(exc)
    else:
        assert np.isfinite(data.X).all() and len(data.X) == len(data.y)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.lists(
    st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=n, max_size=n),
    min_size=1, max_size=8)))
def test_the_standardizer_is_finite_for_any_finite_data(rows):
    X = np.array(rows, dtype=np.float64)
    scaler = D.Standardizer().fit(X)
    assert np.isfinite(scaler.mean).all() and np.isfinite(scaler.scale).all() and (scaler.scale > 0).all()
    Z = scaler.transform(X)
    assert np.isfinite(Z).all()
    assert (np.abs(Z) <= np.sqrt(len(X)) * (1 + 1e-6)).all()   # |z| ≤ √n for a population std


def test_a_csv_whose_lines_exceed_the_memory_limit_is_refused_before_reading(tmp_path, monkeypatch):
    path = write(tmp_path, "a,b,y\n" + "".join(f"{i},{i},{i % 2}\n" for i in range(5000)), "lines.csv")
    monkeypatch.setenv("DESCEND_MEMORY_LIMIT", "100kB")
    with pytest.raises(ValueError, match=r"path: lines.csv, 5,000 lines of 3 columns, as X \(float64\) "
                                         r"and y, would need 117.2 KiB, more than the memory limit "
                                         r"of 97.7 KiB"):
        D.load_csv(path, "y")
    monkeypatch.setenv("DESCEND_MEMORY_LIMIT", "120kB")
    assert D.load_csv(path, "y").X.shape == (5000, 2)
    assert D.scan_lines(path) == (max(len(f"{i},{i},{i % 2}") for i in range(5000)), 5001, 2)


@pytest.mark.parametrize("extra", [",nan", ",", ",NaN", ",7"])
def test_a_row_with_an_extra_empty_or_nan_cell_is_refused_as_any_long_row(tmp_path, extra):
    """pandas' C parser drops a trailing extra cell that reads as missing without a warning; the
    careful reader names the row (hypothesis found "a,y / 1,5,nan" loaded as one row)."""
    path = write(tmp_path, f"a,y\n1,0\n2,1{extra}\n3,0\n", "long.csv")
    with pytest.raises(ValueError, match=r"data row 2 \(line 3\) has 3 fields, expected 2 as in the header"):
        D.load_csv(path, "y")


def test_scan_lines_counts_commas_across_blocks(tmp_path):
    """A line that spans the 4 MiB blocks the scan reads keeps one comma count."""
    long_line = ",".join(["1"] * 2_500_000)           # 5 MB, 2,499,999 commas
    path = write(tmp_path, "a,b\n" + long_line + "\n1,2", "wide.csv")
    assert D.scan_lines(path) == (len(long_line), 3, 2_499_999)


def test_a_stream_that_never_ends_is_refused(monkeypatch):
    monkeypatch.setenv("DESCEND_MEMORY_LIMIT", "1MiB")
    with pytest.raises(ValueError, match=r"path: /dev/zero gave more than 4.0 MiB without ending"):
        D.load_csv("/dev/zero", "y")


def test_a_csv_that_is_not_utf8_is_named(tmp_path):
    # the decoder's own message ("'utf-8' codec can't decode byte 0xe9 in position 8") named no file
    path = tmp_path / "latin1.csv"
    path.write_bytes("a,b,y\n1,é,0\n2,3,1\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1\.csv: not a UTF-8 text file \(invalid continuation byte: "
                                         r"byte b'\\xe9'\); save it as UTF-8"):
        D.load_csv(path, "y")
