"""Keras 3's own loss tests, ported: ``keras/src/losses/losses_test.py`` and ``loss_test.py`` at
commit 3422977a5e38fb2f7709aaa9a08e47f0c43d0f60 (Apache-2.0), the tests that concern a loss
descend has (MeanSquaredError, BinaryCrossentropy, CategoricalCrossentropy,
SparseCategoricalCrossentropy). Each keeps the peer's name (``test_<TestClass>_<method>``) and its
numbers and tolerances: Keras's ``assertAlmostEqual`` is 3 decimals, its ``assertAllClose`` 1e-6
absolute and relative. Written in our own code; docs/peer-tests.md lists every peer test, the
ported ones and those that cannot apply (losses descend does not have, Keras masks, dtype
policies, class axes other than the last).

**Argument order.** descend calls ``loss(y_pred, y_true)`` (the lecture's E(ŷ, y), PyTorch's
order); Keras calls ``loss(y_true, y_pred)``. Every test here swaps the two and is otherwise the
peer's. Where the peer passes float32 predictions, so do we: descend computes in the inputs'
dtype, and Keras's clipped probabilities at 0 and 1 give float32's numbers (3.98559, not the
float64 4.0295).

Keras's ``ExampleLoss`` of ``loss_test.py`` is (y_true − y_pred)² element by element; descend's
``MeanSquaredError`` on vectors is exactly that per sample (a vector is N observations of one
output), so the reduction and sample-weight tests run on it. Segmentation maps (N, H, K) are
ported as their N·H pixels, one row each (the mean over pixels is the mean over rows).
"""
from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

from descend import losses
from descend.losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
)


def assert_almost_equal(actual, desired, decimal=3):
    """Keras's ``TestCase.assertAlmostEqual`` (``np.testing.assert_almost_equal``, 3 decimals)."""
    np.testing.assert_almost_equal(np.asarray(actual), np.asarray(desired), decimal=decimal)


def assert_all_close(actual, desired, atol=1e-6, rtol=1e-6):
    """Keras's ``TestCase.assertAllClose``."""
    np.testing.assert_allclose(np.asarray(actual), np.asarray(desired), atol=atol, rtol=rtol)


def round_trip(loss):
    """Keras's ``run_class_serialization_test``: config → object → the same config, also through
    descend's serialize/get (what a saved model stores)."""
    config = loss.get_config()
    again = type(loss).from_config(config)
    assert type(again) is type(loss) and again.get_config() == config
    assert losses.get(losses.serialize(loss)).get_config() == config
    copied = pickle.loads(pickle.dumps(loss))
    assert copied.get_config() == config
    return config


# ======================================================================== loss_test.py: LossTest
Y_TRUE_4 = np.array([1.0, 0.0, 1.0, 0.0])
Y_PRED_4 = np.array([0.1, 0.2, 0.3, 0.4])


def test_LossTest_test_reduction():
    # No reduction
    loss = MeanSquaredError(reduction=None)(Y_PRED_4, Y_TRUE_4)
    assert_all_close((Y_TRUE_4 - Y_PRED_4) ** 2, loss)
    # sum
    loss = MeanSquaredError(reduction="sum")(Y_PRED_4, Y_TRUE_4)
    assert_all_close(np.sum((Y_TRUE_4 - Y_PRED_4) ** 2), loss)
    # sum_over_batch_size or mean
    for reduction in ("sum_over_batch_size", "mean"):
        loss = MeanSquaredError(reduction=reduction)(Y_PRED_4, Y_TRUE_4)
        assert_all_close(np.sum((Y_TRUE_4 - Y_PRED_4) ** 2) / 4, loss)
    # bad reduction
    with pytest.raises(ValueError, match="reduction: expected one of"):
        MeanSquaredError(reduction="abc")


def test_LossTest_test_sample_weight():
    sample_weight = np.array([0.4, 0.3, 0.2, 0.1])
    loss = MeanSquaredError()(Y_PRED_4, Y_TRUE_4, sample_weight=sample_weight)
    assert_all_close(np.sum(sample_weight * (Y_TRUE_4 - Y_PRED_4) ** 2) / 4, loss)
    # Test edge case where every weight is 0.
    loss = MeanSquaredError()(Y_PRED_4, Y_TRUE_4, sample_weight=np.zeros(4))
    assert_all_close(loss, 0)  # No NaN.


def test_LossTest_test_mixed_dtypes():
    sample_weight = np.array([0.4, 0.3, 0.2, 0.1], dtype="float64")
    y_true = np.array([1.0, 0.0, 1.0, 0.0], dtype="int32")
    y_pred = np.array([0.1, 0.2, 0.3, 0.4], dtype="float32")
    loss = MeanSquaredError()(y_pred, y_true, sample_weight=sample_weight)
    assert_all_close(np.sum(sample_weight * (y_true - y_pred) ** 2) / 4, loss)


def test_LossTest_test_pickle():
    loss = pickle.loads(pickle.dumps(losses.get("mse")))
    assert type(loss) is MeanSquaredError and loss.name == losses.get("mean_squared_error").name


def test_LossTest_test_get_method():
    assert type(losses.get("mse")) is MeanSquaredError
    with pytest.raises(ValueError, match="loss: expected one of"):
        losses.get("typo")


# ============================================================ losses_test.py: MeanSquaredErrorTest
MSE_TRUE = np.array([[1, 9, 2], [-5, -2, 6]])
MSE_PRED = np.array([[4, 8, 12], [8, 1, 3]], dtype="float32")


def test_MeanSquaredErrorTest_test_config():
    assert round_trip(MeanSquaredError(reduction="sum")) == {"reduction": "sum"}
    assert round_trip(MeanSquaredError()) == {}


def test_MeanSquaredErrorTest_test_base_function_reduction():
    """Keras's function form ``mean_squared_error`` is the unreduced loss: descend's
    ``reduction=None`` (and ``per_sample``), one number per sample for (3,) targets against (3, 1)
    predictions."""
    y_true = np.array([4, 8, 12])
    y_pred = np.array([[3], [0], [1]])
    assert np.shape(MeanSquaredError(reduction=None)(y_pred, y_true)) == (3,)
    assert MeanSquaredError().per_sample(y_pred, y_true).shape == (3,)


def test_MeanSquaredErrorTest_test_all_correct_unweighted():
    y_true = np.array([[4, 8, 12], [8, 1, 3]])
    assert_almost_equal(MeanSquaredError()(y_true, y_true), 0.0)


def test_MeanSquaredErrorTest_test_unweighted():
    assert_almost_equal(MeanSquaredError()(MSE_PRED, MSE_TRUE), 49.5)


def test_MeanSquaredErrorTest_test_scalar_weighted():
    assert_almost_equal(MeanSquaredError()(MSE_PRED, MSE_TRUE, sample_weight=2.3), 113.85)


def test_MeanSquaredErrorTest_test_sample_weighted():
    sample_weight = np.array([[1.2], [3.4]])
    assert_almost_equal(MeanSquaredError()(MSE_PRED, MSE_TRUE, sample_weight=sample_weight), 767.8 / 6)


def test_MeanSquaredErrorTest_test_zero_weighted():
    assert_almost_equal(MeanSquaredError()(MSE_PRED, MSE_TRUE, sample_weight=0), 0.0)


def test_MeanSquaredErrorTest_test_no_reduction():
    loss = MeanSquaredError(reduction=None)(MSE_PRED, MSE_TRUE, sample_weight=2.3)
    assert_almost_equal(loss, [84.3333, 143.3666])


def test_MeanSquaredErrorTest_test_sum_reduction():
    loss = MeanSquaredError(reduction="sum")(MSE_PRED, MSE_TRUE, sample_weight=2.3)
    assert_almost_equal(loss, 227.69998)


def test_MeanSquaredErrorTest_test_mean_with_sample_weight_reduction():
    sample_weight = np.array([[1.2], [3.4]])
    mse_obj = MeanSquaredError(reduction="mean_with_sample_weight")
    loss = mse_obj(MSE_PRED, MSE_TRUE, sample_weight=sample_weight)
    assert_almost_equal(loss, (110 / 3 * 1.2 + 187 / 3 * 3.4) / (1.2 + 3.4))


# ========================================================== losses_test.py: BinaryCrossentropyTest
BCE_TRUE_2 = np.array([1, 0, 1, 0]).reshape([2, 2])
BCE_PRED_2 = np.array([1, 1, 1, 0], dtype="float32").reshape([2, 2])
BCE_TRUE_L = np.array([[1, 0, 1], [0, 1, 1]])
BCE_LOGITS = np.array([[10.0, -10.0, 10.0], [10.0, 10.0, -10.0]])


def test_BinaryCrossentropyTest_test_config():
    config = round_trip(BinaryCrossentropy(from_logits=True, label_smoothing=0.1, axis=-1, reduction="sum"))
    assert config == {"from_logits": True, "label_smoothing": 0.1, "reduction": "sum"}


def test_BinaryCrossentropyTest_test_all_correct_unweighted():
    y_true = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype="float32")
    assert_almost_equal(BinaryCrossentropy()(y_true, y_true), 0.0)
    # Test with logits.
    logits = np.array([[10.0, -10.0, -10.0], [-10.0, 10.0, -10.0], [-10.0, -10.0, 10.0]])
    assert_almost_equal(BinaryCrossentropy(from_logits=True)(logits, y_true), 0.0)


def test_BinaryCrossentropyTest_test_unweighted():
    y_true = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype="float32")
    y_pred = np.array([[0.9, 0.1, 0.2], [0.3, 0.8, 0.1], [0.1, 0.2, 0.7]], dtype="float32")
    assert_all_close(BinaryCrossentropy()(y_pred, y_true), 0.20046903)
    assert_almost_equal(BinaryCrossentropy()(BCE_PRED_2, BCE_TRUE_2), 3.98559)
    # Test with logits.
    assert_almost_equal(BinaryCrossentropy(from_logits=True)(BCE_LOGITS, BCE_TRUE_L), 3.3333)


def test_BinaryCrossentropyTest_test_scalar_weighted():
    assert_almost_equal(BinaryCrossentropy()(BCE_PRED_2, BCE_TRUE_2, sample_weight=2.3), 9.1668)
    # Test with logits.
    bce_obj = BinaryCrossentropy(from_logits=True)
    assert_almost_equal(bce_obj(BCE_LOGITS, BCE_TRUE_L, sample_weight=2.3), 7.666)


def test_BinaryCrossentropyTest_test_sample_weighted():
    sample_weight = np.array([1.2, 3.4]).reshape((2, 1))
    assert_almost_equal(BinaryCrossentropy()(BCE_PRED_2, BCE_TRUE_2, sample_weight=sample_weight), 4.7827)
    # Test with logits.
    weights = np.array([4, 3])
    bce_obj = BinaryCrossentropy(from_logits=True)
    assert_almost_equal(bce_obj(BCE_LOGITS, BCE_TRUE_L, sample_weight=weights), 10.0)


def test_BinaryCrossentropyTest_test_no_reduction():
    loss = BinaryCrossentropy(from_logits=True, reduction=None)(BCE_LOGITS, BCE_TRUE_L)
    assert_all_close(loss, [0.0, 6.666], atol=1e-3)


def test_BinaryCrossentropyTest_test_label_smoothing():
    logits = np.array([[10.0, -10.0, -10.0]])
    y_true = np.array([[1, 0, 1]])
    label_smoothing = 0.1
    loss = BinaryCrossentropy(from_logits=True, label_smoothing=label_smoothing)(logits, y_true)
    assert_almost_equal(loss, (10.0 + 5.0 * label_smoothing) / 3.0)


def test_BinaryCrossentropyTest_test_shape_mismatch():
    y_true = np.array([[0], [1], [2]])
    y_pred = np.array([[0.9, 0.05, 0.05], [0.5, 0.89, 0.6], [0.05, 0.01, 0.94]])
    with pytest.raises(ValueError, match=r"y_true: .*shape \(3, 3\).*got shape \(3, 1\)"):
        BinaryCrossentropy()(y_pred, y_true)


# ===================================================== losses_test.py: CategoricalCrossentropyTest
CCE_TRUE = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
CCE_PRED = np.array([[0.9, 0.05, 0.05], [0.5, 0.89, 0.6], [0.05, 0.01, 0.94]], dtype="float32")
CCE_LOGITS = np.array([[8.0, 1.0, 1.0], [0.0, 9.0, 1.0], [2.0, 3.0, 5.0]])
CCE_SAMPLE_WEIGHT = np.array([[1.2], [3.4], [5.6]]).reshape((3, 1))


def test_CategoricalCrossentropyTest_test_config():
    cce_obj = CategoricalCrossentropy(label_smoothing=0.2, axis=-1, reduction="mean_with_sample_weight")
    config = round_trip(cce_obj)
    assert config == {"label_smoothing": 0.2, "reduction": "mean_with_sample_weight"}


def test_CategoricalCrossentropyTest_test_all_correct_unweighted():
    y_true = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype="int64")
    y_pred = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], dtype="float32")
    assert_almost_equal(CategoricalCrossentropy()(y_pred, y_true), 0.0)
    # Test with logits.
    logits = np.array([[10.0, 0.0, 0.0], [0.0, 10.0, 0.0], [0.0, 0.0, 10.0]])
    assert_almost_equal(CategoricalCrossentropy(from_logits=True)(logits, y_true), 0.0)


def test_CategoricalCrossentropyTest_test_unweighted():
    assert_almost_equal(CategoricalCrossentropy()(CCE_PRED, CCE_TRUE), 0.3239)
    # Test with logits.
    assert_almost_equal(CategoricalCrossentropy(from_logits=True)(CCE_LOGITS, CCE_TRUE), 0.0573)


def test_CategoricalCrossentropyTest_test_scalar_weighted():
    assert_almost_equal(CategoricalCrossentropy()(CCE_PRED, CCE_TRUE, sample_weight=2.3), 0.7449)
    # Test with logits.
    cce_obj = CategoricalCrossentropy(from_logits=True)
    assert_almost_equal(cce_obj(CCE_LOGITS, CCE_TRUE, sample_weight=2.3), 0.1317)


def test_CategoricalCrossentropyTest_test_warning_for_invalid_shape():
    """The peer's 2-D case: predictions of one class warn (descend: a UserWarning with Keras's
    words; Keras's category is SyntaxWarning). Its two 3-D cases take the classes on axis=1,
    which descend's losses do not (the class axis is the last)."""
    y_true = np.array([[1], [1]], dtype="float32")
    y_pred = np.array([[0.5], [0.5]], dtype="float32")
    with pytest.warns(UserWarning, match=r"expected y_pred.shape to be \(batch_size, num_classes\)"):
        CategoricalCrossentropy()(y_pred, y_true)
    # (N, K) with K > 1: no such warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CategoricalCrossentropy()(CCE_PRED, CCE_TRUE)


def test_CategoricalCrossentropyTest_test_sample_weighted():
    loss = CategoricalCrossentropy()(CCE_PRED, CCE_TRUE, sample_weight=CCE_SAMPLE_WEIGHT)
    assert_almost_equal(loss, 1.0696)
    # Test with logits.
    loss = CategoricalCrossentropy(from_logits=True)(CCE_LOGITS, CCE_TRUE, sample_weight=CCE_SAMPLE_WEIGHT)
    assert_almost_equal(loss, 0.31829)


def test_CategoricalCrossentropyTest_test_no_reduction():
    loss = CategoricalCrossentropy(from_logits=True, reduction=None)(CCE_LOGITS, CCE_TRUE)
    assert_all_close(loss, (0.001822, 0.000459, 0.169846))


@pytest.mark.parametrize("as_array", [np.array, np.asarray], ids=["test_label_smoothing",
                                                                  "test_label_smoothing_ndarray"])
def test_CategoricalCrossentropyTest_test_label_smoothing(as_array):
    logits = as_array([[100.0, -100.0, -100.0]])
    y_true = as_array([[1, 0, 0]])
    label_smoothing = 0.1
    loss = CategoricalCrossentropy(from_logits=True, label_smoothing=label_smoothing)(logits, y_true)
    assert_almost_equal(loss, 400.0 * label_smoothing / 3.0)


def test_CategoricalCrossentropyTest_test_label_smoothing_with_axis():
    """The peer's (batch, classes, spatial) arrays with axis=1; descend's class axis is the last,
    so the 2 × 2 (batch, position) pairs become 4 rows of 3 classes: the same 4 losses, the same mean."""
    num_classes = 3
    y_true = np.array([[[1, 0], [0, 1], [0, 0]], [[0, 1], [1, 0], [0, 0]]], dtype="float32")
    y_pred = np.array([[[0.8, 0.1], [0.1, 0.8], [0.1, 0.1]],
                       [[0.1, 0.8], [0.8, 0.1], [0.1, 0.1]]], dtype="float32")
    label_smoothing = 0.1
    rows = lambda a: np.moveaxis(a, 1, -1).reshape(-1, num_classes)  # noqa: E731
    loss = CategoricalCrossentropy(label_smoothing=label_smoothing)(rows(y_pred), rows(y_true))
    y_true_smoothed = y_true * (1.0 - label_smoothing) + (label_smoothing / num_classes)
    expected_loss = np.mean(-np.sum(y_true_smoothed * np.log(y_pred), axis=1))
    assert_almost_equal(loss, expected_loss, decimal=5)


def test_CategoricalCrossentropyTest_test_shape_mismatch():
    y_true = np.array([[0], [1], [2]])
    y_pred = np.array([[0.9, 0.05, 0.05], [0.5, 0.89, 0.6], [0.05, 0.01, 0.94]])
    with pytest.raises(ValueError, match=r"y_true: .*shape \(3, 3\).*got shape \(3, 1\)"):
        CategoricalCrossentropy()(y_pred, y_true)


# =============================================== losses_test.py: SparseCategoricalCrossentropyTest
SCCE_TRUE = np.array([[0], [1], [2]])


def test_SparseCategoricalCrossentropyTest_test_config():
    assert round_trip(SparseCategoricalCrossentropy()) == {}
    scce_obj = SparseCategoricalCrossentropy(from_logits=True, ignore_class=3)
    config = scce_obj.get_config()
    assert config["from_logits"] is True
    assert config["ignore_class"] == 3
    round_trip(scce_obj)


def test_SparseCategoricalCrossentropyTest_test_all_correct_unweighted():
    y_true = np.array([[0], [1], [2]], dtype="int64")
    y_pred = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], dtype="float32")
    assert_almost_equal(SparseCategoricalCrossentropy()(y_pred, y_true), 0.0, 3)
    # Test with logits.
    logits = np.array([[10.0, 0.0, 0.0], [0.0, 10.0, 0.0], [0.0, 0.0, 10.0]])
    assert_almost_equal(SparseCategoricalCrossentropy(from_logits=True)(logits, y_true), 0.0, 3)


def test_SparseCategoricalCrossentropyTest_test_unweighted():
    y_true = np.array([0, 1, 2])
    assert_almost_equal(SparseCategoricalCrossentropy()(CCE_PRED, y_true), 0.3239, 3)
    # Test with logits.
    assert_almost_equal(SparseCategoricalCrossentropy(from_logits=True)(CCE_LOGITS, y_true), 0.0573, 3)


def test_SparseCategoricalCrossentropyTest_test_scalar_weighted():
    assert_almost_equal(SparseCategoricalCrossentropy()(CCE_PRED, SCCE_TRUE, sample_weight=2.3), 0.7449, 3)
    # Test with logits.
    loss = SparseCategoricalCrossentropy(from_logits=True)(CCE_LOGITS, SCCE_TRUE, sample_weight=2.3)
    assert_almost_equal(loss, 0.1317, 3)


def test_SparseCategoricalCrossentropyTest_test_sample_weighted():
    loss = SparseCategoricalCrossentropy()(CCE_PRED, SCCE_TRUE, sample_weight=CCE_SAMPLE_WEIGHT)
    assert_almost_equal(loss, 1.0696, 3)
    # Test with logits.
    cce_obj = SparseCategoricalCrossentropy(from_logits=True)
    loss = cce_obj(CCE_LOGITS, SCCE_TRUE, sample_weight=CCE_SAMPLE_WEIGHT)
    assert_almost_equal(loss, 0.31829, 3)


def test_SparseCategoricalCrossentropyTest_test_no_reduction():
    loss = SparseCategoricalCrossentropy(from_logits=True, reduction=None)(CCE_LOGITS, SCCE_TRUE)
    assert_all_close(loss, (0.001822, 0.000459, 0.169846))


def test_SparseCategoricalCrossentropyTest_test_ignore_class():
    """The peer's batch of one sequence of 2 positions, (1, 2, 3) logits, as its 2 rows."""
    logits = np.array([[[0.854, 0.698, 0.598], [0.088, 0.86, 0.018]]]).reshape(-1, 3)
    cce_obj = SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, reduction=None)
    for y_true in (np.array([[-1, 2]]), np.array([[[-1], [2]]])):
        loss = cce_obj(logits, y_true.reshape(-1, 1))
        assert_all_close(loss, [0.0, 1.480129])


SEG_TRUE = np.array([[0, 1, 1, 0], [1, 0, 1, 0], [0, 0, 1, 1], [1, 1, 0, 1]])


def test_SparseCategoricalCrossentropyTest_test_binary_segmentation():
    """The peer's 4 × 4 map of 2 classes as 16 pixels, one row each."""
    y_pred = np.array([
        [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]],
        [[0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0]],
        [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]],
        [[0.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]],
    ])
    assert_all_close(SparseCategoricalCrossentropy()(y_pred.reshape(16, 2), SEG_TRUE.reshape(16)), 0.0)
    y_pred = np.array([
        [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.2, 0.8]],
        [[0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0]],
        [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]],
        [[0.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.6, 0.4]],
    ])
    expected = np.array([-np.log(0.2), -np.log(0.4)])
    output = SparseCategoricalCrossentropy()(y_pred.reshape(16, 2), SEG_TRUE.reshape(16))
    assert_all_close(output, expected.sum() / 16.0)  # 16 pixels


def test_SparseCategoricalCrossentropyTest_test_multi_class_segmentation():
    """The peer's 4 × 4 map of 3 classes as 16 pixels, one row each."""
    y_true = np.array([[0, 1, 2, 0], [1, 0, 1, 0], [0, 0, 1, 1], [1, 1, 0, 1]]).reshape(16)
    y_pred = np.array([
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]],
        [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]],
        [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0]],
        [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
    ]).reshape(16, 3)
    assert_all_close(SparseCategoricalCrossentropy()(y_pred, y_true), 0.0)
    y_pred = np.array([
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.2, 0.0, 0.8]],
        [[0.7, 0.3, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]],
        [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0]],
        [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.5, 0.0], [0.0, 1.0, 0.0]],
    ]).reshape(16, 3)
    expected = np.array([-np.log(0.2), -np.log(0.3), -np.log(0.5)])
    assert_all_close(SparseCategoricalCrossentropy()(y_pred, y_true), expected.sum() / 16.0)  # 16 pixels
