import copy
import pickle
import warnings

import numpy as np
import pytest
from scipy.special import expit

from descend import activations, losses


def _targets(name, rng, n=5, k=3):
    if name == "sparse_categorical_crossentropy":
        return rng.integers(0, k, size=n)
    if name == "categorical_crossentropy":
        return np.eye(k)[rng.integers(0, k, size=n)]
    if name == "binary_crossentropy":
        return rng.integers(0, 2, size=(n, k)).astype(float)
    return rng.normal(size=(n, k))


def _numeric_gradient(loss, p, y, h=1e-6):
    """∂E/∂p by central differences, one entry of p at a time."""
    numeric = np.zeros_like(p)
    for idx in np.ndindex(p.shape):
        pp, pm = p.copy(), p.copy()
        pp[idx] += h
        pm[idx] -= h
        numeric[idx] = (loss(pp, y) - loss(pm, y)) / (2 * h)
    return numeric


def _predictions(name, rng, n=5, k=3):
    if name in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
        return activations.Softmax()(rng.normal(size=(n, k)))
    if name == "binary_crossentropy":
        return rng.uniform(0.1, 0.9, size=(n, k))
    return rng.normal(size=(n, k))


@pytest.mark.parametrize("name", sorted(losses.REGISTRY))
def test_gradient_matches_finite_difference(name):
    loss = losses.get(name)
    rng = np.random.default_rng(1)
    y = loss.prepare_targets(_targets(name, rng), 3, np.float64)
    p = _predictions(name, rng)
    analytic = loss.gradient(p, y)
    np.testing.assert_allclose(analytic, _numeric_gradient(loss, p, y), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name", [n for n, c in losses.REGISTRY.items() if c.fused_activation])
def test_fused_delta_is_prediction_minus_target_and_matches_chain_rule(name):
    loss = losses.get(name)
    rng = np.random.default_rng(2)
    y = loss.prepare_targets(_targets(name, rng), 3, np.float64)
    z = rng.normal(size=(5, 3))
    act = activations.get(loss.fused_activation)
    value, delta = loss.fused(z, y)
    p = act(z)
    assert value == pytest.approx(loss(p, y), rel=1e-9)
    chain = act.backward(z, p, loss.gradient(p, y))
    np.testing.assert_allclose(delta, chain, rtol=1e-7, atol=1e-12)
    onehot = np.eye(3)[y] if y.ndim == 1 else y
    scale = len(z) * (3 if name == "binary_crossentropy" else 1)
    np.testing.assert_allclose(delta, (p - onehot) / scale, rtol=1e-12)


def test_fused_losses_never_take_log_of_zero():
    z = np.array([[1000.0, -1000.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v, d = losses.get("sparse_categorical_crossentropy").fused(z, np.array([1]))
        assert v == pytest.approx(2000.0)
        assert np.isfinite(d).all()
        v, d = losses.get("binary_crossentropy").fused(z, np.array([[0.0, 1.0, 1.0]]))
        assert np.isfinite(v) and v == pytest.approx((1000 + 1000 + np.log(2)) / 3)


def test_reductions_as_named():
    y, p = np.array([[1.0], [2.0]]), np.array([[2.0], [4.0]])
    assert losses.get("squared_error")(p, y) == 0.5 * (1 + 4)
    assert losses.get("sum_squared_error")(p, y) == 1 + 4
    assert losses.get("mse")(p, y) == (1 + 4) / 2
    assert losses.get("mean_squared_error").name == "mse"
    np.testing.assert_array_equal(losses.get("squared_error").gradient(p, y), p - y)


def test_target_shape_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"y: expected shape \(n_samples, 2\).*got shape \(4, 3\)"):
        losses.get("mse").prepare_targets(np.zeros((4, 3)), 2, np.float64)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\].*from 0 to 3"):
        losses.get("sparse_categorical_crossentropy").prepare_targets(np.array([0, 3]), 3, np.float64)
    with pytest.raises(ValueError, match="integer class labels"):
        losses.get("sparse_categorical_crossentropy").prepare_targets(np.array([0.5]), 3, np.float64)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        losses.get("categorical_crossentropy").prepare_targets(np.array([0, 1]), 3, np.float64)
    with pytest.raises(ValueError, match=r"targets in \[0, 1\]"):
        losses.get("binary_crossentropy").prepare_targets(np.array([0.0, 2.0]), 1, np.float64)
    with pytest.raises(ValueError, match="loss: expected one of"):
        losses.get("hinge_of_doom")
    with pytest.raises(TypeError, match="loss"):
        losses.get(None)


# --------------------------------------------------------------------------------------------
# the fused losses' work arrays: no allocation per batch, the same numbers as before
# --------------------------------------------------------------------------------------------
FUSED = [n for n, c in losses.REGISTRY.items() if c.fused_activation]


def _fused_case(name, n, k, dtype, rng, scale=3.0):
    """(z, y, a) as the model hands them over: y prepared in the model's dtype, a = f(z)."""
    z = (rng.normal(size=(n, k)) * scale).astype(dtype)
    loss = losses.get(name)
    y = loss.prepare_targets(_targets(name, rng, n, k), k, np.dtype(dtype))
    a = activations.get(loss.fused_activation)(z)
    return z, y, a


def _reference(name, z, y):
    """E and δ = ∂E/∂z in float64, written out directly from the formulas."""
    z = z.astype(np.float64)
    if name == "binary_crossentropy":
        y = y.astype(np.float64)
        p = expit(z)  # 1/(1 + e^(−z)) without overflow
        n = z.size
        return np.sum(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))) / n, (p - y) / n
    onehot = np.eye(z.shape[1])[y] if y.ndim == 1 else y.astype(np.float64)
    logp = z - z.max(axis=1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    return -np.sum(onehot * logp) / len(z), (np.exp(logp) - onehot) / len(z)


SHAPES = [(1, 2), (1, 10), (7, 3), (7, 10), (16, 2), (128, 10), (33, 70)]


@pytest.mark.parametrize("with_a", [True, False], ids=["a given", "a computed"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [3.0, 80.0, 1e4])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", FUSED)
def test_fused_matches_a_float64_reference(name, shape, scale, dtype, with_a):
    rng = np.random.default_rng(sum(shape))
    z, y, a = _fused_case(name, *shape, dtype, rng, scale)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow, no log(0)
        value, delta = losses.get(name).fused(z, y, a if with_a else None)
    expected_value, expected_delta = _reference(name, z, y)
    assert np.isfinite(value) and np.isfinite(delta).all()
    assert delta.dtype == dtype and delta.shape == z.shape
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    # a small E is the difference of larger terms (z_y − max and log Σ e^(z − max)): abs too
    assert value == pytest.approx(expected_value, rel=rtol, abs=rtol)
    np.testing.assert_allclose(delta, expected_delta, rtol=rtol, atol=rtol / z.size)


def _before(name, z, y, a):
    """The fused losses as they were written before the work arrays (fresh arrays, fancy
    indexing): the new code computes the same numbers, bit for bit, where z, y and a share a dtype."""
    if name == "binary_crossentropy":
        n = z.size
        e = np.exp(-np.abs(z))
        loss = float(np.sum(np.maximum(z, 0) - z * y + np.log1p(e))) / n
        p = a if a is not None else np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return loss, (p - y) * (1.0 / n)
    n = len(z)
    if name == "categorical_crossentropy":
        shifted = z - z.max(axis=-1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        p = a if a is not None else np.exp(logp)
        return -float(np.vdot(y, logp)) / n, (p - y) * (1.0 / n)
    rows = np.arange(n)
    zmax = z.max(axis=-1)
    if a is None:
        s = np.exp(z - zmax[:, None]).sum(axis=-1)
        delta = np.exp(z - zmax[:, None]) / s[:, None]
        log_sum = np.log(s)
    else:
        delta = a.copy()
        log_sum = -np.log(a.max(axis=-1))
    loss = -float(np.sum(z[rows, y] - zmax - log_sum)) / n
    delta[rows, y] -= 1.0
    delta *= 1.0 / n
    return loss, delta


@pytest.mark.parametrize("with_a", [True, False], ids=["a given", "a computed"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES + [(1024, 10), (300, 3), (20, 200)], ids=str)
@pytest.mark.parametrize("name", FUSED)
def test_fused_numbers_are_those_of_the_plain_formulas_bit_for_bit(name, shape, dtype, with_a):
    rng = np.random.default_rng(len(name) + shape[0])
    z, y, a = _fused_case(name, *shape, dtype, rng)
    z[0, :2] = [80.0, 80.0]  # a tie for the row maximum
    a = activations.get(losses.get(name).fused_activation)(z) if with_a else None
    value, delta = losses.get(name).fused(z, y, a)
    expected_value, expected_delta = _before(name, z, y, a)
    assert value == expected_value
    np.testing.assert_array_equal(delta, expected_delta)


@pytest.mark.parametrize("name", FUSED)
def test_a_loss_holds_no_state_pickles_small_and_leaves_its_inputs_alone(name):
    rng = np.random.default_rng(4)
    loss = losses.get(name)
    z, y, a = _fused_case(name, 512, 10, np.float64, rng)
    z0, y0, a0 = z.copy(), y.copy(), a.copy()
    value, delta = loss.fused(z, y, a)
    for x, x0 in ((z, z0), (y, y0), (a, a0)):
        np.testing.assert_array_equal(x, x0)
    blob = pickle.dumps(loss)
    assert len(blob) < 1000
    for clone in (pickle.loads(blob), copy.deepcopy(loss)):
        again, again_delta = clone.fused(z, y, a)
        assert again == value
        np.testing.assert_array_equal(again_delta, delta)
    second, second_delta = loss.fused(z, y, a)
    assert second_delta is not delta                       # a fresh δ for every call
    np.testing.assert_array_equal(second_delta, delta)


def test_sparse_fused_checks_its_labels():
    loss = losses.get("sparse_categorical_crossentropy")
    z = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\].*from 0 to 4"):
        loss.fused(z, np.array([0, 4, 1]))  # would read row 2's first entry through n·K + y
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\].*from -1 to 2"):
        loss.fused(z, np.array([2, -1, 1]))
    with pytest.raises(TypeError, match="integer class labels"):
        loss.fused(z, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"labels \(N,\).*\(3, 4\) and \(2,\)"):
        loss.fused(z, np.array([0, 1]))
    # other integer dtypes are fine
    value, delta = loss.fused(z, np.array([0, 3, 1], dtype=np.int32))
    assert value == pytest.approx(np.log(4))
    np.testing.assert_allclose(delta.sum(axis=1), 0.0, atol=1e-15)


@pytest.mark.parametrize("name", ["categorical_crossentropy", "binary_crossentropy"])
def test_fused_refuses_targets_of_another_shape(name):
    with pytest.raises(ValueError, match=r"targets of the logits' shape \(4, 1\).*\(4,\)"):
        losses.get(name).fused(np.zeros((4, 1)), np.zeros(4))


@pytest.mark.parametrize("name", ["categorical_crossentropy", "binary_crossentropy"])
def test_fused_with_targets_of_another_dtype_computes_in_the_common_one(name):
    rng = np.random.default_rng(6)
    z, y, a = _fused_case(name, 7, 3, np.float32, rng)
    value, delta = losses.get(name).fused(z, y.astype(np.float64), a)
    assert delta.dtype == np.float32  # δ in the logits' dtype
    expected_value, expected_delta = _reference(name, z, y)
    assert value == pytest.approx(expected_value, rel=1e-6)
    np.testing.assert_allclose(delta, expected_delta, rtol=1e-6, atol=1e-8)


# ============================================================== called directly: never broadcast
@pytest.mark.parametrize("name", ["mse", "squared_error", "sum_squared_error", "binary_crossentropy",
                                  "categorical_crossentropy"])
def test_a_loss_called_directly_refuses_shapes_that_would_broadcast(name):
    loss = losses.get(name)
    y_true, y_pred = np.full((4, 3), 0.5), np.full(3, 0.25)
    with pytest.raises(ValueError, match=r"y_true: .*predictions' shape \(3,\).*got shape \(4, 3\).*never"):
        loss(y_pred, y_true)
    with pytest.raises(ValueError, match=r"y_true: .*never broadcast"):
        loss.gradient(y_pred, y_true)


def test_mse_of_the_issue_is_refused_not_1_111():
    with pytest.raises(ValueError, match="y_true"):
        losses.get("mse")(np.arange(3.0), np.arange(12.0).reshape(4, 3))


@pytest.mark.parametrize("name", ["mse", "squared_error", "binary_crossentropy"])
def test_a_vector_against_a_column_is_the_column(name):
    loss = losses.get(name)
    y_true, y_pred = np.array([0.0, 1.0, 1.0]), np.array([[0.2], [0.7], [0.9]])
    assert loss(y_pred, y_true) == loss(y_pred, y_true.reshape(-1, 1))
    assert loss(y_pred.ravel(), y_true) == loss(y_pred, y_true.reshape(-1, 1))
    np.testing.assert_array_equal(loss.gradient(y_pred, y_true), loss.gradient(y_pred, y_true.reshape(-1, 1)))


def test_categorical_crossentropy_refuses_label_columns_against_probabilities():
    p = np.full((3, 3), 1 / 3)
    with pytest.raises(ValueError, match=r"y_true: .*\(3, 3\).*\(3, 1\).*sparse_categorical_crossentropy"):
        losses.get("categorical_crossentropy")(p, np.array([[0], [1], [2]]))


def test_sparse_loss_called_directly_checks_its_labels_with_value_errors():
    loss = losses.get("sparse_categorical_crossentropy")
    p = np.full((3, 4), 0.25)
    for bad, message in (([0, 1], r"y_true: .*labels of shape \(3: one per row of y_pred,\).*shape \(2,\)"),
                         ([0, 1, 2, 3], r"y_true: .*got shape \(4,\)"),
                         ([0, 4, 1], r"y_true: labels must lie in \[0, 3\].*from 0 to 4"),
                         ([0, -1, 1], r"y_true: labels must lie in \[0, 3\].*from -1 to 1"),
                         ([0.5, 1, 2], "y_true: .*integer class labels")):
        for call in (loss, loss.gradient):
            with pytest.raises(ValueError, match=message):
                call(p, np.array(bad))


def test_sparse_labels_as_a_column_or_integer_valued_floats_mean_the_same():
    loss = losses.get("sparse_categorical_crossentropy")
    p = activations.Softmax()(np.random.default_rng(0).normal(size=(5, 3)))
    y = np.array([0, 2, 1, 1, 0])
    value = loss(p, y)
    assert loss(p, y.reshape(-1, 1)) == value
    assert loss(p, y.astype(float)) == value
    np.testing.assert_array_equal(loss.gradient(p, y.reshape(-1, 1)), loss.gradient(p, y))
    assert loss.prepare_targets(y.reshape(-1, 1), 3, np.float32).tolist() == y.tolist()


def test_sparse_crossentropy_on_one_output_says_to_use_binary_crossentropy():
    loss = losses.get("sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"1 output.*loss='binary_crossentropy'"):
        loss.prepare_targets(np.array([0, 1, 1, 0]), 1, np.float32)
    with pytest.raises(ValueError, match=r"y_true: .*binary_crossentropy"):
        loss(np.full((4, 1), 0.5), np.array([0, 1, 1, 0]))
    # labels that happen to be all 0 too: E would be 0 whatever the weights (softmax of one output is 1)
    with pytest.raises(ValueError, match=r"^y: .*1 output.*loss='binary_crossentropy'"):
        loss.prepare_targets(np.zeros(4, dtype=int), 1, np.float32)


def test_categorical_crossentropy_on_one_output_is_refused_in_fit_and_warned_when_called():
    """ŷ normalised over one class is 1, so E is 0 whatever the weights: a model of one sigmoid
    output trained on it learnt nothing, silently (E ≈ 1e-7 every epoch). fit refuses it, as the
    sparse loss; a direct call warns, as Keras's categorical_crossentropy does."""
    from descend import Dense, Input, Sequential
    model = Sequential([Input(2), Dense(1, "sigmoid")], seed=0)
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    with pytest.raises(ValueError, match=r"^y: loss 'categorical_crossentropy' needs one output per "
                                         r"class.*loss='binary_crossentropy'"):
        model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=1, verbose=0)
    loss = losses.CategoricalCrossentropy()
    with pytest.warns(UserWarning, match=r"expected y_pred.shape to be \(batch_size, num_classes\)"):
        assert loss(np.full((2, 1), 0.5), np.ones((2, 1))) < 1e-6
    with pytest.warns(UserWarning, match="binary_crossentropy"):
        loss(np.full((2, 1), 0.5), np.ones((2, 1)), sample_weight=[1.0, 2.0])


def test_sparse_crossentropy_on_a_sigmoid_model_says_to_use_binary_crossentropy():
    from descend import Dense, Input, Sequential
    model = Sequential([Input(2), Dense(1, "sigmoid")], seed=0)
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="binary_crossentropy") as info:
        model.fit(np.zeros((4, 2)), np.array([0, 1, 1, 0]), verbose=0)
    assert "[0, 0]" not in str(info.value)


# ============================================================== from_logits
LOGIT_LOSSES = ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"]


@pytest.mark.parametrize("name", LOGIT_LOSSES)
def test_from_logits_is_the_fused_loss_of_the_logits(name):
    rng = np.random.default_rng(7)
    plain, logits = losses.get(name), losses.REGISTRY[name](from_logits=True)
    z = rng.normal(size=(6, 3)) * 3
    y = plain.prepare_targets(_targets(name, rng, n=6), 3, np.float64)
    value, delta = plain.fused(z, y)
    assert logits(z, y) == value
    np.testing.assert_array_equal(logits.gradient(z, y), delta)
    assert logits.fused_activation is None and plain.fused_activation is not None
    assert plain(activations.get(plain.fused_activation)(z), y) == pytest.approx(value, rel=1e-9)


@pytest.mark.parametrize("name", LOGIT_LOSSES)
def test_from_logits_gradient_matches_finite_differences(name):
    rng = np.random.default_rng(8)
    loss = losses.REGISTRY[name](from_logits=True)
    y = loss.prepare_targets(_targets(name, rng), 3, np.float64)
    z = rng.normal(size=(5, 3)) * 5
    np.testing.assert_allclose(loss.gradient(z, y), _numeric_gradient(loss, z, y), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", LOGIT_LOSSES)
def test_from_logits_is_numerically_stable_where_probabilities_saturate(name):
    loss = losses.REGISTRY[name](from_logits=True)
    z = np.array([[1000.0, -1000.0, 0.0], [-800.0, 800.0, 3.0]])
    y = loss.prepare_targets(_targets(name, np.random.default_rng(0), n=2), 3, np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grad = loss(z, y), loss.gradient(z, y)
    assert np.isfinite(value) and np.isfinite(grad).all()
    assert value > 100                                          # no clipping at −log(1e−7) = 16.1


@pytest.mark.parametrize("name", LOGIT_LOSSES)
def test_from_logits_round_trips_through_serialize_and_refuses_non_booleans(name):
    loss = losses.REGISTRY[name](from_logits=True)
    again = losses.get(losses.serialize(loss))
    assert type(again) is type(loss) and again.from_logits and again.fused_activation is None
    assert losses.serialize(losses.get(name)) == name
    assert "from_logits=True" in repr(loss)
    with pytest.raises(TypeError, match="from_logits"):
        losses.REGISTRY[name](from_logits="yes")
    with pytest.raises(ValueError, match="loss: expected a dict"):
        losses.get({"name": name})


# ------------------------------------------------------------------ per sample: E_n, whose mean or sum is E
def _reduced(loss, per_sample):
    assert per_sample.ndim == 1
    return per_sample.mean() if loss.reduction == "mean" else per_sample.sum()


def _all_losses():
    """Every registered loss, and the cross-entropies also with from_logits=True."""
    return ([(name, False) for name in sorted(losses.REGISTRY)]
            + [(name, True) for name in LOGIT_LOSSES])


@pytest.mark.filterwarnings("ignore:In loss categorical_crossentropy:UserWarning")   # (N, 1): one class
@pytest.mark.parametrize("shape", [(1, 1), (1, 3), (7, 1), (50, 3), (257, 10)], ids=str)
@pytest.mark.parametrize("name, from_logits", _all_losses())
def test_per_sample_reduces_to_the_loss(name, from_logits, shape):
    n, k = shape
    rng = np.random.default_rng(n + k)
    loss = losses.REGISTRY[name](from_logits=True) if from_logits else losses.get(name)
    y_pred = rng.normal(size=shape) * 3 if from_logits else _predictions(name, rng, n, k)
    y_true = _targets(name, rng, n, k)
    per_sample = loss.per_sample(y_pred, y_true)
    assert per_sample.shape == (n,)
    assert _reduced(loss, per_sample) == pytest.approx(loss(y_pred, y_true), rel=1e-15, abs=0)


@pytest.mark.parametrize("with_a", [True, False], ids=["a given", "a computed"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 2), (7, 3), (128, 10)], ids=str)
@pytest.mark.parametrize("name", FUSED)
def test_fused_per_sample_reduces_to_the_fused_loss(name, shape, dtype, with_a):
    rng = np.random.default_rng(shape[0])
    z, y, a = _fused_case(name, *shape, dtype, rng)
    per_sample = losses.get(name).fused_per_sample(z, y, a if with_a else None)
    value = losses.get(name).fused(z, y, a if with_a else None)[0]
    assert per_sample.shape == (shape[0],) and per_sample.dtype == dtype
    assert per_sample.mean() == pytest.approx(value, rel=1e-6 if dtype == np.float32 else 1e-15, abs=0)


@pytest.mark.parametrize("name, from_logits", _all_losses())
def test_per_sample_is_each_rows_loss(name, from_logits):
    """E_n is the loss of row n alone (a mean loss) or its share of the sum (a summed one)."""
    rng = np.random.default_rng(11)
    loss = losses.REGISTRY[name](from_logits=True) if from_logits else losses.get(name)
    y_pred = rng.normal(size=(6, 4)) if from_logits else _predictions(name, rng, 6, 4)
    y_true = _targets(name, rng, 6, 4)
    per_sample = loss.per_sample(y_pred, y_true)
    for i in range(6):
        assert per_sample[i] == pytest.approx(loss(y_pred[i:i + 1], y_true[i:i + 1]), rel=1e-14)


def test_per_sample_of_a_vector_is_one_observation_per_entry():
    y_pred, y_true = np.array([1.0, 2.0, 4.0]), np.array([0.0, 0.0, 1.0])
    np.testing.assert_array_equal(losses.get("squared_error").per_sample(y_pred, y_true), [0.5, 2.0, 4.5])
    np.testing.assert_array_equal(losses.get("mse").per_sample(y_pred, y_true[:, None]), [1.0, 4.0, 9.0])
    with pytest.raises(ValueError, match="y_true"):
        losses.get("mse").per_sample(y_pred, np.zeros(2))


def test_a_users_loss_without_a_per_sample_form_gets_one_row_by_row():
    class Cubed(losses.Loss):
        name, reduction = "cubed", "mean"

        def __call__(self, y_pred, y_true):
            return float(np.mean(np.abs(y_pred - y_true) ** 3))

        def fused(self, z, y_true, a=None):
            return self(z, y_true), np.zeros_like(z)

    y_pred, y_true = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 3.0]]), np.zeros((3, 2))
    np.testing.assert_array_equal(Cubed().per_sample(y_pred, y_true), [4.5, 0.5, 27.0])
    np.testing.assert_array_equal(Cubed().fused_per_sample(y_pred, y_true), [4.5, 0.5, 27.0])


# ------------------------------------------------------------------ Keras's loss arguments (issue 16)
#: every built-in loss with a non-default argument that changes E: (id, factory, targets kind)
CONFIGURED = {
    "mse-sum": lambda: losses.MeanSquaredError(reduction="sum"),
    "mse-mean_with_sample_weight": lambda: losses.MeanSquaredError(reduction="mean_with_sample_weight"),
    "squared_error-mean": lambda: losses.SquaredError(reduction="sum_over_batch_size"),
    "sse-mean": lambda: losses.SumSquaredError(reduction="mean"),
    "bce-label_smoothing": lambda: losses.BinaryCrossentropy(label_smoothing=0.2),
    "bce-logits-label_smoothing-sum": lambda: losses.BinaryCrossentropy(True, 0.3, reduction="sum"),
    "cce-label_smoothing": lambda: losses.CategoricalCrossentropy(label_smoothing=0.1),
    "cce-logits-label_smoothing": lambda: losses.CategoricalCrossentropy(True, label_smoothing=0.4),
    "scce-sum": lambda: losses.SparseCategoricalCrossentropy(reduction="sum"),
    "scce-ignore_class": lambda: losses.SparseCategoricalCrossentropy(ignore_class=1),
    "scce-logits-ignore_class-sum": lambda: losses.SparseCategoricalCrossentropy(True, 2, "sum"),
}


def _configured_case(key, rng, n=6, k=3):
    loss = CONFIGURED[key]()
    logits = getattr(loss, "from_logits", False)
    y_pred = rng.normal(size=(n, k)) * 2 if logits else _predictions(loss.name, rng, n, k)
    return loss, y_pred, _targets(loss.name, rng, n, k)


@pytest.mark.parametrize("key", list(CONFIGURED))
def test_the_gradient_is_the_derivative_of_the_configured_loss(key):
    rng = np.random.default_rng(4)
    loss, y_pred, y = _configured_case(key, rng)
    analytic = loss.gradient(y_pred, y)
    np.testing.assert_allclose(analytic, _numeric_gradient(loss, y_pred, y), rtol=1e-5, atol=1e-8)
    assert loss.native() == (loss.reduction == type(loss).reduction and loss.mask_value() is None)


@pytest.mark.parametrize("key", [k for k in CONFIGURED if CONFIGURED[k]().fused_activation])
def test_the_fused_delta_of_the_configured_loss_is_its_chain_rule(key):
    rng = np.random.default_rng(5)
    loss, _, y = _configured_case(key, rng)
    z = rng.normal(size=(6, 3))
    act = activations.get(loss.fused_activation)
    p = act(z)
    value, delta = loss.fused(z, y)
    assert value == pytest.approx(loss(p, y), rel=1e-9)
    np.testing.assert_allclose(delta, act.backward(z, p, loss.gradient(p, y)), rtol=1e-7, atol=1e-12)
    assert loss.reduce(loss.fused_per_sample(z, y), None, loss.mask(y, 6)) == pytest.approx(value, rel=1e-12)


def test_label_smoothing_moves_the_targets_toward_the_uniform_distribution():
    z = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]])
    y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    smoothed = losses.CategoricalCrossentropy(label_smoothing=0.3).fused(z, y)
    expected = losses.CategoricalCrossentropy().fused(z, y * 0.7 + 0.1)[0]
    assert smoothed[0] == pytest.approx(expected, rel=1e-15)
    np.testing.assert_allclose(smoothed[1], losses.CategoricalCrossentropy().fused(z, y * 0.7 + 0.1)[1],
                               rtol=1e-14)
    b = losses.BinaryCrossentropy(label_smoothing=0.3)
    expected = losses.BinaryCrossentropy().fused(z, y * 0.7 + 0.15)[0]
    assert b.fused(z, y)[0] == pytest.approx(expected, rel=1e-15)
    assert b.fused(z, y)[0] != losses.BinaryCrossentropy().fused(z, y)[0]
    assert losses.BinaryCrossentropy(label_smoothing=0.0).native()


def test_ignore_class_rows_count_for_nothing_and_the_mean_is_over_the_others():
    rng = np.random.default_rng(8)
    z, y = rng.normal(size=(5, 3)), np.array([0, 255, 2, 255, 1])
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=255)
    kept = y != 255
    plain = losses.SparseCategoricalCrossentropy(from_logits=True)
    assert loss(z, y) == pytest.approx(plain(z[kept], y[kept]), rel=1e-14)
    np.testing.assert_array_equal(loss(z, y[:, None], sample_weight=2.0) / 2.0, loss(z, y))
    grad = loss.gradient(z, y)
    np.testing.assert_array_equal(grad[~kept], 0.0)
    np.testing.assert_allclose(grad[kept], plain.gradient(z[kept], y[kept]), rtol=1e-14)
    per = losses.SparseCategoricalCrossentropy(ignore_class=255, reduction=None)(activations.Softmax()(z), y)
    assert per.shape == (5,) and np.all(per[~kept] == 0.0) and np.all(per[kept] > 0)
    np.testing.assert_array_equal(loss.per_sample(z, y), loss.fused_per_sample(z, y))
    np.testing.assert_array_equal(loss.per_sample(z, y)[~kept], 0.0)
    everything = np.full(5, 255)                 # all rows ignored: 0, never a division by 0
    assert loss(z, everything) == 0.0 and not loss.gradient(z, everything).any()
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\] \(or be ignore_class=255\)"):
        loss(z, np.array([0, 254, 2, 255, 1]))


@pytest.mark.parametrize("as_column", [False, True], ids=["(N,)", "(N, 1)"])
def test_sparse_labels_as_a_column_mean_what_a_vector_means_in_every_path(as_column):
    rng = np.random.default_rng(3)
    z, y = rng.normal(size=(4, 3)), np.array([2, 0, 1, 1])
    labels = y[:, None] if as_column else y
    p = activations.Softmax()(z)
    loss, logits = losses.SparseCategoricalCrossentropy(), losses.SparseCategoricalCrossentropy(True)
    assert loss(p, labels) == loss(p, y) == pytest.approx(-np.mean(np.log(p[range(4), y])), rel=1e-14)
    np.testing.assert_array_equal(loss.per_sample(p, labels), loss.per_sample(p, y))
    np.testing.assert_array_equal(loss.gradient(p, labels), loss.gradient(p, y))
    for got, expected in zip(loss.fused(z, labels), loss.fused(z, y), strict=True):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(loss.fused_per_sample(z, labels), loss.fused_per_sample(z, y))
    assert logits(z, labels) == logits(z, y)
    np.testing.assert_array_equal(logits.gradient(z, labels), logits.gradient(z, y))


def test_a_wrong_shape_is_refused_never_broadcast():
    p = activations.Softmax()(np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"y_true: loss 'categorical_crossentropy' expects targets of the "
                                         r"predictions' shape \(3, 3\).*got shape \(3, 1\)"):
        losses.CategoricalCrossentropy()(p, np.array([[0], [1], [2]]))
    with pytest.raises(ValueError, match=r"y_true: .*integer labels of shape \(3: one per row"):
        losses.SparseCategoricalCrossentropy()(p, np.array([[0, 1, 2]]))
    mse = losses.MeanSquaredError()
    for bad in (np.ones((3, 3)), np.ones(2), np.ones((1, 3))):
        with pytest.raises(ValueError, match=r"sample_weight: expected a number or one weight per sample, "
                                             r"shape \(3,\) or \(3, 1\), got shape"):
            mse(p, p, sample_weight=bad)
    with pytest.raises(ValueError, match="sample_weight: expected finite"):
        mse(p, p, sample_weight=np.array([1.0, np.nan, 1.0]))
    with pytest.raises(TypeError, match="sample_weight: expected real numbers"):
        mse(p, p, sample_weight="heavy")


def test_bad_loss_arguments_are_clear_errors():
    with pytest.raises(ValueError, match=r"reduction: expected one of 'sum_over_batch_size', 'sum', 'mean', "
                                         r"'mean_with_sample_weight', 'none' or None, got 'average'"):
        losses.MeanSquaredError(reduction="average")
    with pytest.raises(ValueError, match=r"reduction: .*got 1"):
        losses.SquaredError(reduction=1)
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match=r"label_smoothing: expected a finite number in \[0.0, 1.0\]"):
            losses.CategoricalCrossentropy(label_smoothing=bad)
    with pytest.raises(TypeError, match="label_smoothing: expected a number, got bool"):
        losses.BinaryCrossentropy(label_smoothing=True)
    for bad in (1.0, "255", True):
        with pytest.raises(TypeError, match="ignore_class: expected an integer label or None"):
            losses.SparseCategoricalCrossentropy(ignore_class=bad)
    for bad in (0, 2, True, "last"):
        with pytest.raises(ValueError, match=r"axis: descend's losses take the classes on the last axis"):
            losses.SparseCategoricalCrossentropy(axis=bad)
    assert losses.CategoricalCrossentropy(axis=1).get_config() == {}      # Keras's axis=-1 of (N, K)
    assert losses.BinaryCrossentropy(False, 0.0, -1).get_config() == {}
    with pytest.raises(ValueError, match="reduction='none' .* has no gradient"):
        losses.MeanSquaredError(reduction=None).gradient(np.ones(3), np.zeros(3))


def test_reductions_of_the_summed_lecture_losses():
    """reduction acts on the per-sample E_n of every loss: the slides' ½Σ is its "sum"."""
    y_pred, y_true = np.array([[1.0, 2.0], [0.0, 4.0]]), np.zeros((2, 2))
    assert losses.SquaredError()(y_pred, y_true) == 0.5 * (1 + 4 + 16)
    assert losses.SquaredError(reduction="sum_over_batch_size")(y_pred, y_true) == 0.5 * (1 + 4 + 16) / 2
    np.testing.assert_array_equal(losses.SumSquaredError(reduction=None)(y_pred, y_true), [5.0, 16.0])
    assert losses.SquaredError(reduction="mean").reduction == "mean"
    np.testing.assert_array_equal(losses.SquaredError(reduction="mean").gradient(y_pred, y_true), y_pred / 2)


def test_the_arguments_round_trip_through_get_config_serialize_and_a_saved_model(tmp_path):
    from descend import Dense, Input, Sequential, load_model

    for loss in (losses.CategoricalCrossentropy(label_smoothing=0.1, reduction="sum"),
                 losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1),
                 losses.MeanSquaredError(reduction="mean_with_sample_weight"),
                 losses.SquaredError(reduction="sum_over_batch_size")):
        config = loss.get_config()
        assert config and type(loss).from_config(config).get_config() == config
        again = losses.get(losses.serialize(loss))
        assert again.get_config() == config and again.reduction == loss.reduction
        output = "linear" if getattr(loss, "from_logits", True) else "softmax"
        model = Sequential([Input(2), Dense(3, output)])
        model.compile("sgd", loss)
        model.save(tmp_path / loss.name)
        assert load_model(tmp_path / loss.name).loss.get_config() == config
    assert repr(losses.SparseCategoricalCrossentropy(ignore_class=3)) == \
        "sparse_categorical_crossentropy(ignore_class=3)"
    assert losses.MeanSquaredError(reduction="sum_over_batch_size").get_config() == {}
    assert losses.SquaredError(reduction="mean").get_config() == {"reduction": "sum_over_batch_size"}


#: what keras.losses.serialize(...) returns (keras 3.15.1), for the four losses descend shares with Keras
KERAS_SERIALIZED = [
    ({"module": "keras.losses", "class_name": "BinaryCrossentropy",
      "config": {"name": "binary_crossentropy", "reduction": "sum_over_batch_size", "from_logits": False,
                 "label_smoothing": 0.1, "axis": -1}, "registered_name": None},
     {"label_smoothing": 0.1}),
    ({"module": "keras.losses", "class_name": "CategoricalCrossentropy",
      "config": {"name": "categorical_crossentropy", "reduction": "sum", "from_logits": True,
                 "label_smoothing": 0.0, "axis": -1}, "registered_name": None},
     {"from_logits": True, "reduction": "sum"}),
    ({"module": "keras.losses", "class_name": "SparseCategoricalCrossentropy",
      "config": {"name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size",
                 "from_logits": False, "ignore_class": -1}, "registered_name": None},
     {"ignore_class": -1}),
    ({"module": "keras.losses", "class_name": "MeanSquaredError",
      "config": {"name": "my_mse", "reduction": "sum_over_batch_size", "dtype": "float32"},
      "registered_name": None},
     {}),
]


@pytest.mark.parametrize(("keras_dict", "config"), KERAS_SERIALIZED,
                         ids=[d["class_name"] for d, _ in KERAS_SERIALIZED])
def test_get_accepts_keras_serialized_losses(keras_dict, config):
    loss = losses.get(keras_dict)
    assert type(loss).__name__ == keras_dict["class_name"]
    assert loss.get_config() == config


def test_get_refuses_keras_dicts_it_cannot_honour_by_name():
    base = KERAS_SERIALIZED[0][0]
    with pytest.raises(ValueError, match=r"BinaryCrossentropy has no argument\(s\) \['fn'\]"):
        losses.get({**base, "config": {**base["config"], "fn": "binary_crossentropy"}})
    with pytest.raises(ValueError, match="'class_name' to be one of .*got 'Huber'"):
        losses.get({"class_name": "Huber", "config": {"delta": 1.0}})
    with pytest.raises(ValueError, match="keys 'class_name' and 'config'"):
        losses.get({**base, "shared_object_id": 3})


def _model(loss, outputs=3, activation="softmax", seed=0):
    from descend import Dense, Input, Sequential
    from descend.optimizers import SGD

    model = Sequential([Input(4), Dense(5, "tanh"), Dense(outputs, activation)], dtype="float64", seed=seed)
    model.compile(SGD(learning_rate=0.2, flavor="keras"), loss)
    return model


def test_fit_with_ignore_class_trains_as_on_the_other_rows_alone():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 4)), rng.integers(0, 3, 20)
    y_ignored = y.copy()
    y_ignored[::3] = -1
    kept = y_ignored != -1
    ours = _model(losses.SparseCategoricalCrossentropy(ignore_class=-1))
    alone = _model("sparse_categorical_crossentropy")
    h = ours.fit(X, y_ignored, batch_size=None, epochs=3, verbose=0)
    h_alone = alone.fit(X[kept], y[kept], batch_size=None, epochs=3, verbose=0)
    for a, b in zip(ours.get_weights(), alone.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(h.history["loss"], h_alone.history["loss"], rtol=1e-12)
    assert ours.evaluate(X, y_ignored) == pytest.approx(alone.evaluate(X[kept], y[kept]), rel=1e-12)


def test_fit_with_label_smoothing_trains_on_the_smoothed_targets():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(12, 4)), np.eye(3)[rng.integers(0, 3, 12)]
    ours = _model(losses.CategoricalCrossentropy(label_smoothing=0.3))
    smoothed = _model("categorical_crossentropy")
    ours.fit(X, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    smoothed.fit(X, y * 0.7 + 0.1, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), smoothed.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    plain = _model("categorical_crossentropy")
    plain.fit(X, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert not np.allclose(plain.get_weights()[0], ours.get_weights()[0])


def test_fit_with_a_summed_reduction_takes_n_times_the_mean_step():
    """E = Σ_n E_n is N times the mean: batch GD with η equals the mean's with N·η."""
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(10, 4)), rng.normal(size=(10, 2))
    summed = _model(losses.MeanSquaredError(reduction="sum"), 2, "linear")
    summed.optimizer.learning_rate = 0.01
    mean = _model("mse", 2, "linear")
    mean.optimizer.learning_rate = 0.1
    h = summed.fit(X, y, batch_size=None, epochs=3, verbose=0)
    h_mean = mean.fit(X, y, batch_size=None, epochs=3, verbose=0)
    for a, b in zip(summed.get_weights(), mean.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(h.history["loss"], np.multiply(h_mean.history["loss"], 10), rtol=1e-12)


def test_mean_with_sample_weight_divides_by_the_sum_of_the_weights_in_fit():
    rng = np.random.default_rng(3)
    X, y, w = rng.normal(size=(8, 4)), rng.normal(size=(8, 2)), rng.uniform(0.5, 2.0, 8)
    ours = _model(losses.MeanSquaredError(reduction="mean_with_sample_weight"), 2, "linear")
    scaled = _model("mse", 2, "linear")
    ours.fit(X, y, batch_size=None, epochs=2, sample_weight=w, verbose=0)
    scaled.fit(X, y, batch_size=None, epochs=2, sample_weight=w * (8 / w.sum()), verbose=0)
    for a, b in zip(ours.get_weights(), scaled.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    const = _model(losses.MeanSquaredError(reduction="mean_with_sample_weight"), 2, "linear")
    plain = _model("mse", 2, "linear")           # one weight for all: Σ c E_n / Σ c is the plain mean
    assert const.train_on_batch(X, y, sample_weight=np.full(8, 3.0)) == pytest.approx(
        plain.train_on_batch(X, y), rel=1e-14)


def test_compile_refuses_a_loss_without_one_number_to_descend():
    with pytest.raises(ValueError, match=r"loss: MeanSquaredError\(reduction='none'\) gives one number per "
                                         r"sample.*'sum_over_batch_size'"):
        _model(losses.MeanSquaredError(reduction=None), 2, "linear")


def test_the_fast_sparse_loss_serves_only_the_default_reduction():
    from descend._fast.losses import fast_loss

    assert fast_loss(losses.SparseCategoricalCrossentropy()) is not None
    assert fast_loss(losses.SparseCategoricalCrossentropy(reduction="mean")) is not None
    assert fast_loss(losses.SparseCategoricalCrossentropy(ignore_class=0)) is None
    assert fast_loss(losses.SparseCategoricalCrossentropy(reduction="sum")) is None
