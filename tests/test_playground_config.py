"""descend.playground.config: every setting checked, limits enforced, live vs structure keys."""
import pytest

from descend.playground import config as cfg


def test_defaults_are_valid_and_complete():
    config = cfg.validate({})
    assert config == cfg.DEFAULTS
    assert set(cfg.SCHEMA) | {"layers", "activations", "features", "function"} == set(cfg.DEFAULTS)


@pytest.mark.parametrize(("update", "error", "words"), [
    ({"lr": "fast"}, TypeError, "lr"),
    ({"lr": -1.0}, ValueError, "lr"),
    ({"optimizer": "lbfgs"}, ValueError, "optimizer"),
    ({"layers": [4] * 11, "activations": ["tanh"] * 11}, ValueError, "at most 10"),
    ({"layers": [65]}, ValueError, "layers[0]"),
    ({"layers": "4,2"}, TypeError, "layers"),
    ({"points": 10_001}, ValueError, "points"),
    ({"features": []}, ValueError, "features"),
    ({"features": ["x3"]}, ValueError, "features[0]"),
    ({"activations": ["tanh"]}, ValueError, "one per hidden layer"),
    ({"dataset": "reg-plane"}, ValueError, "regression"),
    ({"dataset": "blobs"}, ValueError, "three classes"),
    ({"function": "__import__('os')"}, ValueError, "function"),
    ({"function": "x" * 201}, ValueError, "at most 200"),
    ({"unknown": 1}, ValueError, "unknown setting"),
    ({"log_flow": 1}, TypeError, "log_flow"),
])
def test_bad_settings_name_the_key(update, error, words):
    with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
        cfg.validate(update)


def test_not_a_dict_is_a_type_error():
    with pytest.raises(TypeError, match="config"):
        cfg.validate([1, 2])


def test_a_partial_update_keeps_the_base_and_orders_features():
    base = cfg.validate({"lr": 0.1})
    new = cfg.validate({"features": ["x2", "x1sq"], "dataset": "reg-plane", "output": "linear"}, base)
    assert new["lr"] == 0.1 and new["features"] == ["x2", "x1sq"]
    assert cfg.changed(base, new) == {"features", "dataset", "output"}
    assert not cfg.changed(base, new) <= set(cfg.DEFAULTS) - cfg.STRUCTURE


def test_optimizer_keywords_and_schedule():
    config = cfg.validate({"optimizer": "adam", "weight_decay": 0.01, "clip": "global_norm", "clip_at": 2.0,
                           "schedule": "staircase", "decay_rate": 0.5, "decay_steps": 10})
    kwargs = cfg.optimizer_kwargs(config)
    assert kwargs == {"flavor": "lecture", "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7,
                      "weight_decay": 0.01, "global_clipnorm": 2.0}
    assert cfg.schedule_spec(config) == ("ExponentialDecay", {
        "initial_learning_rate": 0.03, "decay_steps": 10, "decay_rate": 0.5, "staircase": True})
    assert cfg.schedule_spec(cfg.validate({})) is None
    assert cfg.schedule_spec(cfg.validate({"schedule": "cosine"}))[0] == "CosineDecay"


def test_catalogue_lists_every_optimizer_with_its_formula():
    cat = cfg.catalogue()
    assert set(cat["formulas"]) == set(cat["optimizers"]) == set(cfg.OPTIMIZERS)
    assert cat["limits"] == {"hidden_layers": 10, "units": 64, "points": 10_000, "speed": 1000,
                             "function_chars": 200}
    assert "½Σ" in cat["outputs"]["linear"]
