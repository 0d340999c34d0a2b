"""Keras 3's own optimizer tests, ported: their names, their numbers, descend's code, ``flavor="keras"``.

Peer files (keras-team/keras at commit 3422977a5e38fb2f7709aaa9a08e47f0c43d0f60, Apache 2.0):
``keras/src/optimizers/{sgd,adam,adamw,adagrad,adadelta,rmsprop,nadam,adamax,lion}_test.py`` and
``keras/src/optimizers/optimizer_test.py`` (the base optimizer). The tests every optimizer file
repeats (``test_config``, ``test_single_step``, ``test_weight_decay``,
``test_correctness_with_golden``, ``test_clip_norm``, ``test_clip_value``) are one test each here,
parametrised by the peer file (``test_single_step[adam]`` is ``adam_test.py``'s); the base
optimizer's have the id ``optimizer``. ``docs/peer-tests.md`` lists every peer test, with the ones
that do not apply and why.

How Keras's calls read here:

* ``optimizer.apply_gradients(zip(grads, vars))`` → ``optimizer.apply(grads, params)``, the params
  updated in place; a Keras variable's name (``backend.Variable(2.0, name="exclude")``) is given
  as ``names=[...]`` (``fit`` gives each weight its path, ``"dense_1/kernel"``);
* ``backend.Variable(np.ones([10]))`` → a float32 array (Keras's floatx);
* ``optimizer._clip_gradients(grads)`` → ``optimizer._clip(grads)`` (the pipeline's step 3);
* ``optimizer._model_variables_moving_average[i]`` → ``optimizer.state["average"][i]``;
* ``run_class_serialization_test`` → ``get_config`` through JSON and ``from_config`` back to the
  same config.
"""
from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from descend import Dense, Sequential, optimizers, schedules
from descend.optimizers import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, Lion, Nadam, RMSprop

KERAS = "keras"
F32 = np.float32


def _keras(cls, **kwargs):
    return cls(flavor=KERAS, **kwargs)


def _var(values):
    return np.array(values, dtype=F32)


# ============================================================ what every optimizer file repeats
CLASSES = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "adagrad": Adagrad, "adadelta": Adadelta,
           "rmsprop": RMSprop, "nadam": Nadam, "adamax": Adamax, "lion": Lion}

#: test_config: the keywords each file's test gives
CONFIGS = {
    "sgd": {"learning_rate": 0.5, "momentum": 0.06, "nesterov": True, "weight_decay": 0.004},
    "adam": {"learning_rate": 0.5, "beta_1": 0.5, "beta_2": 0.67, "epsilon": 1e-5, "amsgrad": True},
    "adamw": {"learning_rate": 0.5, "weight_decay": 0.008, "beta_1": 0.5, "beta_2": 0.67, "epsilon": 1e-5,
              "amsgrad": True},
    "adagrad": {"learning_rate": 0.5, "initial_accumulator_value": 0.2, "epsilon": 1e-5},
    "adadelta": {"learning_rate": 0.5, "rho": 0.9, "epsilon": 1e-5},
    "rmsprop": {"learning_rate": 0.5, "rho": 0.8, "momentum": 0.05, "epsilon": 1e-6, "centered": True},
    "nadam": {"learning_rate": 0.5, "beta_1": 0.5, "beta_2": 0.67, "epsilon": 1e-5},
    "adamax": {"learning_rate": 0.5, "beta_1": 0.8, "beta_2": 0.95, "epsilon": 1e-5},
    "lion": {"learning_rate": 0.5, "beta_1": 0.5, "beta_2": 0.67},
}


@pytest.mark.parametrize("peer", sorted(CONFIGS))
def test_config(peer):
    optimizer = _keras(CLASSES[peer], **CONFIGS[peer])
    config = optimizer.get_config()
    assert {k: config[k] for k in CONFIGS[peer]} == CONFIGS[peer]
    again = type(optimizer).from_config(json.loads(json.dumps(config)))
    assert type(again) is type(optimizer) and again.get_config() == config


#: test_single_step: learning rate 0.5, grads [1, 6, 7, 2] on [1, 2, 3, 4]
SINGLE_STEP = {
    "sgd": [0.5, -1.0, -0.5, 3.0],
    "adam": [0.5, 1.5, 2.5, 3.5],
    "adamw": [0.4980, 1.4960, 2.494, 3.492],
    "adagrad": [0.5233, 1.5007, 2.5005, 3.5061],
    "adadelta": [0.9993, 1.9993, 2.9993, 3.9993],
    "rmsprop": [-0.5811, 0.4189, 1.4189, 2.4189],
    "nadam": [0.4686, 1.4686, 2.4686, 3.4686],
    "adamax": [0.5, 1.5, 2.5, 3.5],
    "lion": [0.5, 1.5, 2.5, 3.5],
}


@pytest.mark.parametrize("peer", sorted(SINGLE_STEP))
def test_single_step(peer):
    optimizer = _keras(CLASSES[peer], learning_rate=0.5)
    variables = [_var([1.0, 2.0, 3.0, 4.0])]
    optimizer.apply([_var([1.0, 6.0, 7.0, 2.0])], variables)
    np.testing.assert_allclose(variables[0], SINGLE_STEP[peer], rtol=1e-4, atol=1e-4)
    if peer == "sgd":          # sgd_test.py also reads the variables: the iteration count and the rate
        assert len(optimizer.variables) == 2
        assert optimizer.variables[0] == 1 and optimizer.variables[1] == 0.5


@pytest.mark.parametrize("peer", sorted(CLASSES))
def test_weight_decay(peer):
    # one variable decayed by three optimizers (2·(1 − ηλ)³); the excluded ones untouched
    grads = np.zeros((), F32)
    var1, var2, var3 = _var(2.0), _var(2.0), _var(2.0)
    optimizer_1 = _keras(CLASSES[peer], learning_rate=1.0, weight_decay=0.004)
    optimizer_1.apply([grads], [var1])

    optimizer_2 = _keras(CLASSES[peer], learning_rate=1.0, weight_decay=0.004)
    optimizer_2.exclude_from_weight_decay(var_names=["exclude"])
    optimizer_2.apply([grads, grads], [var1, var2], names=["variable", "exclude"])

    optimizer_3 = _keras(CLASSES[peer], learning_rate=1.0, weight_decay=0.004)
    optimizer_3.exclude_from_weight_decay(var_list=[var3])
    optimizer_3.apply([grads, grads], [var1, var3])

    assert float(var1) == pytest.approx(1.9760959, abs=1e-6)
    assert float(var2) == pytest.approx(2.0, abs=1e-6)
    assert float(var3) == pytest.approx(2.0, abs=1e-6)


def _tile(column):
    return np.tile(np.array(column)[:, None], (1, 10))


#: test_correctness_with_golden: the optimizer's keywords and x after each of five steps
GOLDEN = {
    "sgd": ({"nesterov": True}, np.array(
        [[0.9999] * 10,
         [0.9989, 0.9979, 0.9969, 0.9959, 0.9949, 0.9939, 0.9929, 0.9919, 0.9909, 0.9899],
         [0.9979, 0.9959, 0.9939, 0.9919, 0.9899, 0.9879, 0.9859, 0.9839, 0.9819, 0.9799],
         [0.9969, 0.9939, 0.9909, 0.9879, 0.9849, 0.9819, 0.9789, 0.9759, 0.9729, 0.9699],
         [0.9959, 0.9919, 0.9879, 0.9839, 0.9799, 0.9759, 0.9719, 0.9679, 0.9639, 0.9599]])),
    "adam": ({"amsgrad": True}, _tile([0.999, 0.9982, 0.9974, 0.9965, 0.9955])),
    "adamw": ({"learning_rate": 1.0, "weight_decay": 0.5, "epsilon": 2}, np.array(
        [[0.4998] * 10,
         [0.2486, 0.2475, 0.2463, 0.2451, 0.244, 0.2428, 0.2417, 0.2405, 0.2394, 0.2382],
         [0.1223, 0.1198, 0.1174, 0.1149, 0.1124, 0.11, 0.1075, 0.1051, 0.1027, 0.1003],
         [0.0586, 0.0549, 0.0512, 0.0475, 0.0439, 0.0402, 0.0366, 0.033, 0.0294, 0.0258],
         [0.0263, 0.0215, 0.0167, 0.012, 0.0073, 0.0026, -0.0021, -0.0067, -0.0113, -0.0159]])),
    "adagrad": ({"learning_rate": 0.2, "initial_accumulator_value": 0.3, "epsilon": 1e-6}, np.array(
        [[0.9963] * 10,
         [0.9604, 0.9278, 0.9003, 0.8784, 0.8615, 0.8487, 0.8388, 0.8313, 0.8255, 0.8209],
         [0.9251, 0.8629, 0.8137, 0.7768, 0.7497, 0.7298, 0.7151, 0.704, 0.6956, 0.6891],
         [0.8903, 0.8012, 0.7342, 0.6862, 0.6521, 0.6277, 0.6099, 0.5967, 0.5867, 0.579],
         [0.856, 0.7422, 0.6604, 0.6037, 0.5644, 0.5367, 0.5168, 0.5021, 0.491, 0.4825]])),
    "adadelta": ({"learning_rate": 1.0, "rho": 0.8, "epsilon": 1e-6},
                 _tile([0.9978, 0.9947, 0.9915, 0.9882, 0.9849])),
    "rmsprop": ({"centered": True}, _tile([0.9967, 0.9933, 0.9908, 0.9885, 0.9864])),
    "nadam": ({"learning_rate": 0.5, "beta_1": 0.5, "beta_2": 0.67, "epsilon": 1e-5}, np.array(
        [[0.4281] * 10,
         [-0.1738, -0.1731, -0.1726, -0.1723, -0.1721, -0.172, -0.1719, -0.1718, -0.1718, -0.1717],
         [-0.7115, -0.7103, -0.7096, -0.7092, -0.709, -0.7088, -0.7086, -0.7085, -0.7085, -0.7084],
         [-1.2335, -1.2322, -1.2313, -1.2309, -1.2306, -1.2304, -1.2302, -1.2301, -1.23, -1.2299],
         [-1.7492, -1.7478, -1.7469, -1.7464, -1.7461, -1.7459, -1.7457, -1.7456, -1.7455, -1.7454]])),
    "adamax": ({"learning_rate": 0.2, "beta_1": 0.85, "beta_2": 0.95, "epsilon": 1e-6}, np.array(
        [[0.8] * 10,
         [0.6827, 0.6873, 0.6888, 0.6896, 0.6901, 0.6904, 0.6906, 0.6908, 0.6909, 0.691],
         [0.5333, 0.5407, 0.5431, 0.5444, 0.5451, 0.5456, 0.546, 0.5462, 0.5464, 0.5466],
         [0.368, 0.3773, 0.3804, 0.382, 0.3829, 0.3835, 0.384, 0.3843, 0.3846, 0.3848],
         [0.1933, 0.204, 0.2076, 0.2094, 0.2105, 0.2112, 0.2117, 0.2121, 0.2124, 0.2126]])),
    "lion": ({}, _tile([0.999, 0.998, 0.997, 0.996, 0.995])),
}


@pytest.mark.parametrize("peer", sorted(GOLDEN))
def test_correctness_with_golden(peer):
    kwargs, golden = GOLDEN[peer]
    optimizer = _keras(CLASSES[peer], **kwargs)
    x = [np.ones(10, F32)]
    grads = np.arange(0.1, 1.1, 0.1).astype(F32)
    first_grads = np.full(10, 0.01, F32)
    optimizer.apply([first_grads], x)
    for row in golden:
        np.testing.assert_allclose(x[0], row, rtol=5e-4, atol=5e-4)
        optimizer.apply([grads], x)


@pytest.mark.parametrize("peer", [*sorted(CLASSES), "optimizer"])
def test_clip_norm(peer):
    optimizer = _keras(CLASSES.get(peer, SGD), clipnorm=1)
    clipped = optimizer._clip([np.array([100.0, 100.0])])
    np.testing.assert_allclose(clipped[0], [2**0.5 / 2, 2**0.5 / 2])


@pytest.mark.parametrize("peer", [*sorted(CLASSES), "optimizer"])
def test_clip_value(peer):
    optimizer = _keras(CLASSES.get(peer, SGD), clipvalue=1)
    clipped = optimizer._clip([np.array([100.0, 100.0])])
    np.testing.assert_allclose(clipped[0], [1.0, 1.0])


# ================================================================================ sgd_test.py
@pytest.mark.parametrize("momentum", [-1.0, 2.0])
def test_invalid_momentum(momentum):
    with pytest.raises(ValueError, match=r"momentum: expected .*\[0, 1\]|momentum"):
        _keras(SGD, momentum=momentum)


# ============================================================================== adamw_test.py
def test_weight_decay_is_none():
    # the difference (docs/peer-tests.md): Keras refuses weight_decay=None; in descend None is the
    # flavor's default for every keyword (Keras's own AdamW default, 0.004), and a bad λ is refused
    assert _keras(AdamW, learning_rate=1.0, weight_decay=None).weight_decay == 0.004
    with pytest.raises(ValueError, match="weight_decay: expected a finite number"):
        _keras(AdamW, learning_rate=1.0, weight_decay=-0.1)


# =============================================================================== adam_test.py
def _ema_adam():
    optimizer = _keras(Adam, learning_rate=1.0, use_ema=True, ema_momentum=0.9)
    var = [_var([1.0, 2.0])]
    grads = [_var([0.1, 0.2])]

    # first step: the average starts at the updated variable
    optimizer.apply(grads, var)
    v1 = var[0].copy()
    np.testing.assert_allclose(optimizer.state["average"][0], v1)

    # second step: the average moves
    optimizer.apply(grads, var)
    v2 = var[0].copy()
    expected_ema = 0.9 * v1 + 0.1 * v2
    np.testing.assert_allclose(optimizer.state["average"][0], expected_ema, rtol=1e-6)

    # finalize: the variable is overwritten by the average
    optimizer.finalize_variable_values(var)
    np.testing.assert_allclose(var[0], expected_ema, rtol=1e-6)

    # model.fit: the weights are finalized at its end, so they equal the average
    model = Sequential([Dense(10, kernel_initializer="ones", use_bias=False)])
    model.compile(optimizer=_keras(Adam, use_ema=True, ema_momentum=0.9), loss="mse")
    model.fit(np.ones((1, 5), F32), np.zeros((1, 10), F32), verbose=0)
    np.testing.assert_array_equal(model.weights[0], model.optimizer.state["average"][0])
    assert not np.array_equal(model.weights[0], np.ones((5, 10)))


def test_ema_overwrite_frequency():
    optimizer = _keras(Adam, learning_rate=1.0, use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=2)
    optimizer_no_ema = _keras(Adam, learning_rate=1.0)
    var, var_no_ema = [_var([1.0, 2.0])], [_var([1.0, 2.0])]
    grads = [_var([0.1, 0.2])]

    # first step: the average starts at v1; not overwritten yet
    optimizer.apply(grads, var)
    optimizer_no_ema.apply(grads, var_no_ema)
    v1 = var_no_ema[0].copy()
    np.testing.assert_allclose(var[0], v1)

    # second step: (1 + 1) % 2 == 0, the variable is updated to v2 and then overwritten by the average
    optimizer.apply(grads, var)
    optimizer_no_ema.apply(grads, var_no_ema)
    v2 = var_no_ema[0].copy()
    expected_ema = 0.9 * v1 + 0.1 * v2
    np.testing.assert_allclose(var[0], expected_ema, rtol=1e-6)
    np.testing.assert_allclose(optimizer.state["average"][0], expected_ema, rtol=1e-6)


# ========================================================================== optimizer_test.py
def test_iterations_counter():
    v = [_var([[1.0, 2.0], [3.0, 4.0]])]
    grads = [_var([[1.0, 1.0], [1.0, 1.0]])]
    optimizer = _keras(Adam, learning_rate=1.0)
    assert optimizer.iterations == 0
    optimizer.apply(grads, v)
    assert optimizer.iterations == 1
    optimizer.apply(grads, v)
    assert optimizer.iterations == 2


def test_empty_gradients():
    # No gradient at all is refused (Keras: "No gradients provided for any variable."); Keras skips
    # a None gradient beside real ones with a warning, descend refuses it too (docs/peer-tests.md)
    v = [_var([[3.0, 4.0], [5.0, 6.0]])]
    optimizer = _keras(SGD, learning_rate=1.0)
    with pytest.raises(ValueError, match=r"grads\[0\]"):
        optimizer.apply([None], v)
    np.testing.assert_array_equal(v[0], [[3.0, 4.0], [5.0, 6.0]])
    assert optimizer.iterations == 0


def test_clip_args():
    assert _keras(SGD, learning_rate=1.0, clipnorm=0.1).clipnorm == 0.1
    assert _keras(SGD, learning_rate=1.0, clipvalue=0.1).clipvalue == 0.1
    assert _keras(SGD, learning_rate=1.0, global_clipnorm=0.1).global_clipnorm == 0.1
    with pytest.raises(ValueError, match="clipnorm, clipvalue, global_clipnorm: give at most one"):
        _keras(SGD, learning_rate=1.0, clipnorm=0.1, clipvalue=0.1)
    with pytest.raises(ValueError, match="clipnorm, clipvalue, global_clipnorm: give at most one"):
        _keras(SGD, learning_rate=1.0, clipnorm=0.1, global_clipnorm=0.1)


def test_global_clip_norm():
    optimizer = _keras(SGD, global_clipnorm=1)
    grad = np.array([50.0, 100.0], dtype=F32)
    clipped = optimizer._clip([grad])
    np.testing.assert_allclose(clipped[0], grad / np.linalg.norm(grad), rtol=1e-6)


def _ema_optimizer():
    v = [_var([[3.0, 4.0], [5.0, 6.0]])]
    grads = [_var([[1.0, 1.0], [1.0, 1.0]])]
    optimizer = _keras(SGD, learning_rate=1.0, use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=3)
    optimizer.apply(grads, v)
    np.testing.assert_allclose(v[0], [[2.0, 3.0], [4.0, 5.0]])
    np.testing.assert_allclose(optimizer.state["average"][0], [[2.0, 3.0], [4.0, 5.0]])
    optimizer.apply(grads, v)
    np.testing.assert_allclose(v[0], [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(optimizer.state["average"][0], [[1.9, 2.9], [3.9, 4.9]], rtol=1e-6)
    optimizer.apply(grads, v)
    # the variables were overwritten with the average
    np.testing.assert_allclose(v[0], [[1.71, 2.71], [3.71, 4.71]], rtol=1e-6)
    np.testing.assert_allclose(optimizer.state["average"][0], [[1.71, 2.71], [3.71, 4.71]], rtol=1e-6)


def test_ema_with_model_fit():
    optimizer = _keras(SGD, learning_rate=0.1, use_ema=True, ema_momentum=0.9)
    model = Sequential([Dense(2, kernel_initializer="ones", use_bias=False)])
    model.compile(loss="mse", optimizer=optimizer)
    # Keras's y is zeros((1, 1)), broadcast against the two outputs; descend wants the output's shape
    model.fit(np.ones((1, 1), F32), np.zeros((1, 2), F32), batch_size=1, epochs=2, verbose=0)
    np.testing.assert_allclose(optimizer.state["average"][0], [[0.891, 0.891]], atol=1e-5)
    np.testing.assert_allclose(model.weights[0], [[0.891, 0.891]], atol=1e-5)


def test_constraints_are_applied():
    # Keras puts the constraint on the variable and its optimizer projects after the update;
    # descend's is the layer's, projected by the training step right after the optimizer's update
    from descend import Input
    from descend.constraints import NonNeg

    model = Sequential([Input(2), Dense(2, use_bias=False, kernel_constraint=NonNeg())])
    model.set_weights([np.random.default_rng(0).random((2, 2)).astype(F32) - 1.0])
    assert model.weights[0].min() < 0
    model.compile(optimizer=_keras(SGD, learning_rate=0.0001), loss="mse")
    model.train_on_batch(np.zeros((1, 2), F32), np.zeros((1, 2), F32))       # a zero gradient
    assert model.optimizer.iterations == 1
    assert float(np.min(model.weights[0])) == pytest.approx(0.0)


def test_get_method():
    assert isinstance(optimizers.get("sgd"), SGD)
    assert isinstance(optimizers.get("adamw"), AdamW)
    with pytest.raises(ValueError, match="typo"):
        optimizers.get("typo")
    # the difference (docs/peer-tests.md): Keras's get(None) is None; a model needs an optimizer
    with pytest.raises(TypeError, match="optimizer: expected a name, a config dict or an Optimizer"):
        optimizers.get(None)


def test_callable_learning_rate():
    v = [_var([[1.0, 2.0], [3.0, 4.0]])]
    grads = [_var([[1.0, 1.0], [1.0, 1.0]])]
    optimizer = _keras(SGD, learning_rate=lambda: 0.1)
    assert optimizer.iterations == 0
    optimizer.apply(grads, v)
    np.testing.assert_allclose(v[0], [[0.9, 1.9], [2.9, 3.9]], rtol=1e-6)
    assert optimizer.iterations == 1


#: test_pickleable_optimizers' list; those descend has (Ftrl and Adafactor where registered)
PICKLED = [n for n in ("adam", "sgd", "adamw", "adagrad", "rmsprop", "adadelta", "adamax", "lion", "nadam",
                       "ftrl", "adafactor") if n in optimizers.REGISTRY]


@pytest.mark.parametrize("name", PICKLED)
def test_pickleable_optimizers(name):
    optimizer = optimizers.get(name, flavor=KERAS)
    reloaded = pickle.loads(pickle.dumps(optimizer))
    assert optimizer.get_config() == reloaded.get_config()


# ================================================================================ lion_test.py
@pytest.mark.parametrize("beta_1", [-0.1, 0.0, 1.1])
def test_invalid_beta_1(beta_1):
    with pytest.raises(ValueError, match="beta_1"):
        _keras(Lion, beta_1=beta_1)


def _ema_lion():
    # fit runs with use_ema (Keras asserts nothing more; here the weights end as their average)
    model = Sequential([Dense(10)], seed=0)
    model.compile(optimizer=_keras(Lion, use_ema=True), loss="mse")
    model.fit(np.zeros((1, 5), F32), np.zeros((1, 10), F32), verbose=0)
    for w, average in zip(model.weights, model.optimizer.state["average"], strict=True):
        np.testing.assert_array_equal(w, average)


def test_gradient_accumulation():
    v = [_var([[1.0, 2.0], [3.0, 4.0]])]
    grads = [_var([[1.0, 1.0], [1.0, 1.0]])]
    optimizer = _keras(SGD, learning_rate=1.0, gradient_accumulation_steps=3)
    assert optimizer.gradient_accumulation_steps == 3
    # Keras's _iterations (every call) is k·iterations + accumulated here; iterations the updates
    for call, (weights, accumulator, iterations) in enumerate([
            ([[1.0, 2.0], [3.0, 4.0]], 1.0, 0), ([[1.0, 2.0], [3.0, 4.0]], 2.0, 0),
            ([[0.0, 1.0], [2.0, 3.0]], 0.0, 1), ([[0.0, 1.0], [2.0, 3.0]], 1.0, 1)], start=1):
        optimizer.apply(grads, v)
        np.testing.assert_allclose(v[0], weights)
        np.testing.assert_allclose(optimizer.state["gradient_accumulator"][0], np.full((2, 2), accumulator))
        assert 3 * optimizer.iterations + optimizer.accumulated == call
        assert optimizer.iterations == iterations


@pytest.mark.parametrize("optimizer", [n for n in ("adam", "sgd", "adamw", "adagrad", "rmsprop", "adadelta",
                                                   "adamax", "lion", "nadam", "ftrl", "adafactor")
                                       if n in optimizers.REGISTRY])
def test_gradient_accumulation_with_weigth_decay(optimizer):
    optimizer1 = optimizers.get({"class_name": optimizer, "config": {"weight_decay": 0.05, "flavor": KERAS}})
    optimizer3 = optimizers.get({"class_name": optimizer, "config": {"weight_decay": 0.05, "flavor": KERAS,
                                                                      "gradient_accumulation_steps": 3}})
    variable1 = [_var([[0.9], [0.5]])]
    variable3 = [_var([[0.9], [0.5]])]
    rng = np.random.default_rng(0)
    for _ in range(8):
        grads3 = rng.random((3, 2, 1)).astype(F32)
        optimizer1.apply([grads3.mean(axis=0)], variable1)
        for batch in range(3):
            optimizer3.apply([grads3[batch]], variable3)
    np.testing.assert_allclose(variable1[0], variable3[0], rtol=1e-6, atol=1e-6)
    assert not np.allclose(variable1[0], [[0.9], [0.5]])


@pytest.mark.parametrize("peer", ["adam", "lion", "optimizer"])
def test_ema(peer):
    {"adam": _ema_adam, "lion": _ema_lion, "optimizer": _ema_optimizer}[peer]()


def test_set_weights():
    x = [_var([[1.0, 2.0], [3.0, 4.0]])]
    optimizer_1 = _keras(Adam)
    optimizer_1.apply([_var([[1.0, 2.0], [3.0, 4.0]])], x)
    optimizer_2 = _keras(Adam)
    with pytest.raises(ValueError, match="set_weights: the optimizer is not built yet"):
        optimizer_2.set_weights(optimizer_1.variables)
    optimizer_2.build(x)
    optimizer_2.set_weights(optimizer_1.variables)
    assert len(optimizer_1.variables) == len(optimizer_2.variables) == 2 + 2
    for a, b in zip(optimizer_1.variables, optimizer_2.variables, strict=True):
        np.testing.assert_array_equal(a, b)


def test_setting_lr_to_callable_untracks_lr_var():
    adam = _keras(Adam, learning_rate=0.001)
    assert len(adam.variables) == 2
    adam.learning_rate = schedules.PolynomialDecay(adam.learning_rate, 4)
    assert len(adam.variables) == 1
