"""descend.playground.data: the data sets, the features, a typed formula and an uploaded CSV."""
import numpy as np
import pytest

from descend.playground import config as cfg
from descend.playground import data


@pytest.mark.parametrize("name", ["circle", "xor", "gauss", "spiral", "moons", "blobs", "reg-plane",
                                  "reg-gauss", "function"])
def test_every_generated_set_is_seeded_split_and_in_the_square(name):
    output = "linear" if name in cfg.REGRESSION else "softmax" if name == "blobs" else "sigmoid"
    config = cfg.validate({"dataset": name, "output": output, "points": 200, "noise": 0.1,
                           "train_ratio": 0.7})
    a, b = data.make_points(config), data.make_points(config)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    c = data.make_points(dict(config, data_seed=2))
    assert not np.array_equal(a.X, c.X)
    assert a.X.shape == (200, 2) and a.n_train == 140
    assert np.abs(a.X).max() < 9
    task = "regression" if name in cfg.REGRESSION else "multiclass" if name == "blobs" else "binary"
    assert a.task == task
    if a.task != "regression":
        assert set(np.unique(a.y)) == set(range(a.n_classes))


def test_circle_labels_follow_the_radius_without_noise():
    points = data.make_points(cfg.validate({"points": 300}))
    inside = np.hypot(points.X[:, 0], points.X[:, 1]) < 2.5
    assert np.array_equal(points.y == 1, inside)


def test_features_are_the_named_functions():
    X = np.array([[1.0, 2.0], [-0.5, 3.0]])
    F = data.features(X, ["x1", "x2sq", "x1x2", "sinx1", "cosx2"])
    assert np.allclose(F, np.column_stack([X[:, 0], X[:, 1] ** 2, X[:, 0] * X[:, 1], np.sin(X[:, 0]),
                                           np.cos(X[:, 1])]))


def test_a_formula_is_parsed_not_evaluated_blindly():
    f = data.parse_function("x1**2 + sin(x2) - 1")
    x1, x2 = np.array([0.0, 2.0]), np.array([0.0, 1.0])
    assert np.allclose(f(x1, x2), x1 ** 2 + np.sin(x2) - 1)
    assert np.allclose(data.parse_function("3")(x1, x2), 3)
    for bad, words in [("__import__('os')", "may be called"), ("x1.real", "Attribute"),
                       ("x1 +", "not a formula"),
                       ("open('f')", "may be called"), ("'a'", "numbers"), ("(lambda: 1)", "Lambda")]:
        with pytest.raises(ValueError, match=words):
            data.parse_function(bad)


def test_function_dataset_labels_by_the_sign():
    points = data.make_points(cfg.validate({"dataset": "function", "function": "x1 - x2"}))
    assert np.array_equal(points.y == 1, points.X[:, 0] - points.X[:, 1] > 0)


def test_csv_good_with_header_and_classes():
    X, y = data.parse_csv("x1,x2,label\n# a comment\n1,2,0\n3,4,1\n5,6,1\n-1,-2,0\n")
    assert X.tolist() == [[1, 2], [3, 4], [5, 6], [-1, -2]]
    assert y.tolist() == [0, 1, 1, 0] and y.dtype == np.int64
    X, y = data.parse_csv("1,2,0.5\n3,4,1\n5,6,1\n-1,-2,0\n")
    assert y.dtype == np.float64


@pytest.mark.parametrize(("text", "words"), [
    ("x1,x2,label\n1,2,0\n3,four,1\n", "line 3: expected numbers"),
    ("1,2,0\n1,2\n", "line 2: expected 3 columns"),
    ("1,2,0\n1,2,inf\n", "line 2: expected finite"),
    ("1,2,0\n", "at least 4"),
])
def test_csv_bad_names_the_line(text, words):
    with pytest.raises(ValueError, match=words):
        data.parse_csv(text)


def test_csv_limit_and_type():
    with pytest.raises(ValueError, match="more than 10000"):
        data.parse_csv("\n".join(["1,2,0"] * 10_001))
    with pytest.raises(TypeError, match="csv"):
        data.parse_csv(b"1,2,0")


def test_uploaded_data_and_its_csv_round_trip():
    X, y = data.parse_csv("\n".join(f"{i},{-i},{i % 2}" for i in range(20)))
    points = data.make_points(cfg.validate({"dataset": "upload"}), (X, y))
    assert points.domain == pytest.approx(19 * 1.1)
    text = data.to_csv(points)
    back = np.array([[float(c) for c in line.split(",")[:3]] for line in text.splitlines()[1:]])
    assert sorted(map(tuple, back.tolist())) == sorted((float(i), float(-i), float(i % 2)) for i in range(20))
    assert text.count(",train") == points.n_train
    with pytest.raises(ValueError, match="upload"):
        data.make_points(cfg.validate({"dataset": "upload"}))
