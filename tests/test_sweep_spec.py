"""descend.sweep.spec: the spec's keys and types come from descend train's parser, the grid and the
seeded random search name the same trials every time, and a bad spec is refused naming its key."""
from __future__ import annotations

import math

import pytest

from descend.cli import build_parser
from descend.sweep import spec as sweep_spec
from descend.sweep.spec import load_spec, parse_spec
from sweep_records import MOONS


#: the issue's spec, as written (the example in docs/sweep/)
def _train_namespace(trial):
    return build_parser("train").parse_args(["train", *trial.argv()])


def test_the_issue_spec_names_18_trials(tmp_path):
    path = tmp_path / "moons.toml"
    path.write_text(MOONS)
    spec = load_spec(path)
    trials = spec.trials()
    assert len(trials) == 18 and spec.varied == ["optimizer", "lr"] and spec.seeds == [0, 1, 2]
    assert len({t.id for t in trials}) == 18
    assert [t.index for t in trials] == list(range(18))
    combos = {(t.options["optimizer"], t.options["lr"], t.seed) for t in trials}
    assert combos == {(o, lr, s) for o in ("sgd", "momentum", "adam") for lr in (0.01, 0.1) for s in range(3)}
    for t in trials:
        ns = _train_namespace(t)
        assert (ns.data, ns.layers, ns.activation, ns.epochs) == ("moons", "16,16", "tanh", 50)
        assert (ns.optimizer, ns.lr, ns.seed) == (t.options["optimizer"], t.options["lr"], t.seed)
        assert t.command().startswith("descend train --data moons ")


def test_keys_are_the_train_parsers_destinations():
    train = next(a.choices["train"] for a in build_parser("train")._actions if isinstance(a.choices, dict))
    dests = {a.dest for a in train._actions if a.option_strings} - {"help"}
    assert set(sweep_spec.train_options()) == dests - set(sweep_spec.RESERVED)
    kinds = {k: o.kind for k, o in sweep_spec.train_options().items()}
    assert (kinds["lr"], kinds["epochs"], kinds["layers"], kinds["no_shuffle"], kinds["opt"]) == (
        "float", "int", "str", "flag", "list")
    assert sweep_spec.train_options()["gd"].choices == ("batch", "stochastic", "mini-batch")


@pytest.mark.parametrize("value, argv", [
    ({"lr": -0.5}, ["--lr=-0.5"]),
    ({"lr": 1}, ["--lr", "1.0"]),
    ({"no_shuffle": True}, ["--no-shuffle"]),
    ({"no_shuffle": False}, []),
    ({"opt": ["momentum=0.9", "nesterov=true"]}, ["--opt", "momentum=0.9", "--opt", "nesterov=true"]),
    ({"opt": "momentum=0.5"}, ["--opt", "momentum=0.5"]),
    ({"lr": 0.1 + 0.2}, ["--lr", repr(0.1 + 0.2)]),
])
def test_values_reach_train_exactly(value, argv):
    trial = parse_spec({"data": "moons", **value}).trials()[0]
    assert trial.argv() == ["--data", "moons", *argv, "--seed", "0"]
    ns = _train_namespace(trial)
    key, v = next(iter(value.items()))
    expected = {"lr": float(v) if key == "lr" else None, "no_shuffle": v or None,
                "opt": [v] if isinstance(v, str) else v}[key]
    assert getattr(ns, key) == expected


def test_trial_ids_depend_on_options_and_seed_only():
    a = parse_spec({"data": "moons", "lr": 1, "seeds": [4]}).trials()[0]
    b = parse_spec({"lr": 1.0, "data": "moons", "seeds": [4]}).trials()[0]
    c = parse_spec({"data": "moons", "lr": 1.0, "seeds": [5]}).trials()[0]
    d = parse_spec({"data": "moons", "lr": 2.0, "seeds": [4]}).trials()[0]
    assert a.id == b.id and len({a.id, c.id, d.id}) == 3


def test_random_search_is_seeded_and_in_range():
    doc = {"data": "moons", "seeds": 2, "grid": {"optimizer": ["sgd", "adam"]},
           "random": {"n": 6, "seed": 3, "lr": {"log": [1e-4, 1.0]}, "batch_size": {"int": [8, 12]},
                      "validation_split": {"uniform": [0.1, 0.3]}, "init": ["he_normal", "glorot_uniform"]}}
    trials = parse_spec(doc).trials()
    again = parse_spec(doc).trials()
    other = parse_spec({**doc, "random": {**doc["random"], "seed": 4}}).trials()
    assert [t.id for t in trials] == [t.id for t in again]
    assert [t.id for t in trials] != [t.id for t in other]
    assert len(trials) == 2 * 6 * 2
    for t in trials:
        o = t.options
        assert 1e-4 <= o["lr"] <= 1 and 8 <= o["batch_size"] <= 12 and type(o["batch_size"]) is int
        assert 0.1 <= o["validation_split"] <= 0.3 and o["init"] in ("he_normal", "glorot_uniform")
    # every optimizer of the grid meets the same random points
    lrs = {opt: sorted({t.options["lr"] for t in trials if t.options["optimizer"] == opt})
           for opt in ("sgd", "adam")}
    assert lrs["sgd"] == lrs["adam"] and len(lrs["sgd"]) == 6
    # log-uniform: the draws spread over the decades, not bunched at the top
    assert min(math.log10(x) for x in lrs["sgd"]) < -1


def test_random_choices_drawn_twice_are_one_trial():
    trials = parse_spec({"data": "moons", "random": {"n": 20, "optimizer": ["sgd", "adam"]}}).trials()
    assert sorted(t.options["optimizer"] for t in trials) == ["adam", "sgd"]


def test_a_relative_csv_is_found_beside_the_spec(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "s.toml").write_text('csv = "data.csv"\ntarget = "y"\n')
    spec = load_spec(tmp_path / "sub" / "s.toml")
    assert spec.fixed["csv"] == str((tmp_path / "sub" / "data.csv").resolve())


@pytest.mark.parametrize("doc, key, words", [
    ({"data": "moons", "learning_rate": 0.1}, "learning_rate", "unknown key"),
    ({"data": "moons", "n-samples": 50}, "n-samples", "did you mean 'n_samples'"),
    ({"data": "moons", "seed": 1}, "seed", "seeds"),
    ({"data": "moons", "out": "x"}, "out", "set by the sweep"),
    ({"data": "moons", "lr": "fast"}, "lr", "expected a number"),
    ({"data": "moons", "lr": True}, "lr", "expected a number"),
    ({"data": "moons", "epochs": 1.5}, "epochs", "expected an integer"),
    ({"data": "moons", "layers": 16}, "layers", "expected a string"),
    ({"data": "moons", "no_shuffle": "yes"}, "no_shuffle", "true or false"),
    ({"data": "moons", "gd": "full"}, "gd", "expected one of"),
    ({"data": "moons", "lr": [0.1, 0.2]}, "lr", "[grid] or [random]"),
    ({"data": "moons", "grid": {}}, "grid", "empty"),
    ({"data": "moons", "grid": {"lr": []}}, "grid.lr", "empty list"),
    ({"data": "moons", "grid": {"lr": 0.1}}, "grid.lr", "expected a list"),
    ({"data": "moons", "grid": {"lr": [0.1, "x"]}}, "grid.lr", "expected a number"),
    ({"data": "moons", "grid": {"lr": [0.1, 0.1]}}, "grid.lr", "listed twice"),
    ({"data": "moons", "grid": {"optimizr": ["sgd"]}}, "grid.optimizr", "did you mean 'optimizer'"),
    ({"data": "moons", "lr": 0.1, "grid": {"lr": [0.2]}}, "lr", "both"),
    ({"data": "moons", "grid": {"lr": [0.2]}, "random": {"n": 2, "lr": [0.1]}}, "lr", "both"),
    ({"data": "moons", "random": {"lr": {"log": [0.1, 1]}}}, "random.n", ">= 1"),
    ({"data": "moons", "random": {"n": 2}}, "random", "at least one option"),
    ({"data": "moons", "random": {"n": 2, "lr": {"log": [0, 1]}}}, "random.lr", "low > 0"),
    ({"data": "moons", "random": {"n": 2, "lr": {"log": [1, 0.1]}}}, "random.lr", "low < high"),
    ({"data": "moons", "random": {"n": 2, "lr": {"normal": [0, 1]}}}, "random.lr", "expected a list"),
    ({"data": "moons", "random": {"n": 2, "epochs": {"log": [1, 10]}}}, "random.epochs", "a log range"),
    ({"data": "moons", "random": {"n": 2, "epochs": {"int": [1, 2.5]}}}, "random.epochs", "two numbers"),
    ({"data": "moons", "seeds": 0}, "seeds", ">= 1"),
    ({"data": "moons", "seeds": [1, 1]}, "seeds", "twice"),
    ({"data": "moons", "seeds": "3"}, "seeds", "expected"),
])
def test_a_bad_spec_is_refused_naming_its_key(doc, key, words):
    with pytest.raises(ValueError) as info:
        parse_spec(doc)
    message = str(info.value)
    assert message.startswith(f"{key}:"), message
    assert words in message, message


def test_a_spec_that_is_not_toml_is_refused(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("data = \n")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_spec(path)
    with pytest.raises(FileNotFoundError, match="SPEC"):
        load_spec(tmp_path / "missing.toml")
