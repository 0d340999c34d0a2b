"""descend.config: one switch for the program's default optimizer flavor."""
from __future__ import annotations

import subprocess
import sys

import pytest

import descend
from descend import Dense, Input, Sequential, config
from descend.optimizers import SGD, Adadelta, Adagrad, Adam, Adamax, Lion, Nadam, RMSprop


@pytest.fixture(autouse=True)
def _restore(monkeypatch):
    monkeypatch.delenv(config.ENVIRONMENT_VARIABLE, raising=False)
    yield
    config.set_flavor(None)


def test_the_default_is_the_lecture():
    assert config.get_flavor() == "lecture"
    assert Adam().flavor == "lecture" and Adam().epsilon_placement == "inside"


@pytest.mark.parametrize("cls", [SGD, Adagrad, RMSprop, Adadelta, Adam, Nadam, Adamax, Lion])
def test_set_flavor_changes_every_optimizer_made_without_one(cls):
    config.set_flavor("keras")
    assert config.get_flavor() == "keras"
    opt = cls()
    assert opt.flavor == "keras"
    assert opt.get_config() == cls(flavor="keras").get_config()
    assert cls(flavor="torch").flavor == "torch"          # an explicit flavor wins


def test_compile_by_name_follows_the_switch():
    """The issue's case: Adagrad by name differs from Keras's unless the flavor is keras."""
    model = Sequential([Input(2), Dense(1)], seed=0)
    model.compile(optimizer="adagrad", loss="mse")
    assert model.optimizer.initial_accumulator_value == 0.0          # the slides' G₀ = 0
    config.set_flavor("keras")
    model.compile(optimizer="adagrad", loss="mse")
    assert model.optimizer.flavor == "keras" and model.optimizer.initial_accumulator_value == 0.1
    assert model.optimizer.learning_rate == 0.001


def test_the_environment_variable(monkeypatch):
    monkeypatch.setenv("DESCEND_FLAVOR", "Torch")
    assert config.get_flavor() == "torch" and RMSprop().rho == 0.99
    config.set_flavor("keras")                                     # the program's call wins
    assert RMSprop().flavor == "keras"
    config.set_flavor(None)
    assert config.get_flavor() == "torch"
    monkeypatch.setenv("DESCEND_FLAVOR", "tensorflow")
    with pytest.raises(ValueError, match=r"DESCEND_FLAVOR: expected one of \['lecture', 'keras', "
                                         r"'torch'\], got 'tensorflow'"):
        Adam()


def test_the_environment_variable_in_a_fresh_program():
    code = "import descend.optimizers as o; print(o.Adam().flavor, o.Adam(flavor='lecture').flavor)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "DESCEND_FLAVOR": "keras"}).stdout
    assert out.split() == ["keras", "lecture"]


def test_use_flavor_is_restored_after_the_block():
    config.set_flavor("torch")
    with config.use_flavor("keras") as flavor:
        assert flavor == "keras" and SGD().flavor == "keras"
    assert config.get_flavor() == "torch"
    with pytest.raises(RuntimeError), config.use_flavor("lecture"):
        raise RuntimeError
    assert config.get_flavor() == "torch"


@pytest.mark.parametrize("bad", ["pytorch", 3])
def test_a_bad_flavor_is_named(bad):
    with pytest.raises(ValueError, match=r"flavor: expected one of \['lecture', 'keras', 'torch'\]"):
        config.set_flavor(bad)
    assert config.get_flavor() == "lecture"


def test_reachable_from_the_package():
    assert descend.config is config
    assert descend.config.set_flavor is config.set_flavor


def test_the_lecture_replay_keeps_the_lecture_flavor():
    from descend import lecture

    config.set_flavor("torch")
    assert lecture._sgd(0.1).flavor == "lecture"
