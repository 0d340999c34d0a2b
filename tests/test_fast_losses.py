"""The fast fused sparse cross-entropy: work arrays, no allocation per batch, checked labels.

(Its numbers equal the loss's own, bit for bit: tests/test_fast.py.)
"""
import numpy as np
import pytest

from descend import activations, losses
from descend._fast.losses import FastSparseCrossentropy, fast_loss

#: these tests exercise the fast paths themselves: not run with DESCEND_KERNELS=numpy
pytestmark = pytest.mark.fast_paths


def _case(n, k, dtype, seed=0):
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal((n, k)) * 3).astype(dtype)
    return z, rng.integers(0, k, n), activations.Softmax()(z)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_allocates_nothing_per_call_after_warm_up(dtype, allocates_nothing):
    fast = FastSparseCrossentropy(losses.SparseCategoricalCrossentropy())
    z, y, a = _case(2048, 10, dtype)
    allocates_nothing(lambda: fast.fused(z, y, a))


def test_delta_is_a_work_array_overwritten_by_the_next_batch_of_its_shape():
    fast = FastSparseCrossentropy(losses.SparseCategoricalCrossentropy())
    _, d1 = fast.fused(*_case(64, 10, np.float32, 1))
    first = d1.copy()
    _, d2 = fast.fused(*_case(64, 10, np.float32, 2))
    assert d2 is d1 and not np.array_equal(d1, first)
    _, d3 = fast.fused(*_case(50, 10, np.float32, 3))       # another batch size has its own
    assert d3 is not d1


@pytest.mark.parametrize("bad", [-1, 10, 2 ** 40])
def test_labels_outside_the_classes_are_refused(bad):
    fast = FastSparseCrossentropy(losses.SparseCategoricalCrossentropy())
    z, y, a = _case(64, 10, np.float32)
    y[17] = bad
    with pytest.raises(ValueError, match=rf"labels must lie in \[0, 9\] for 10 outputs, got labels from "
                                         rf"{min(bad, 0)} to {max(bad, 9)}"):
        fast.fused(z, y, a)


def test_small_or_strided_batches_take_the_loss_itself():
    loss = losses.SparseCategoricalCrossentropy()
    fast = FastSparseCrossentropy(loss)
    z, y, a = _case(3, 4, np.float64)
    value, delta = fast.fused(z, y, a)
    assert not fast.work.sets                                # no work arrays for a tiny batch
    assert value == loss.fused(z, y, a)[0]
    z, y, a = _case(300, 10, np.float64)
    zt = np.asfortranarray(z)
    value, delta = fast.fused(zt, y, a)
    assert not fast.work.sets                                # the loss itself took it
    np.testing.assert_array_equal(delta, loss.fused(z, y, a)[1])


def test_only_the_built_in_sparse_loss_gets_a_fast_form():
    assert isinstance(fast_loss(losses.SparseCategoricalCrossentropy()), FastSparseCrossentropy)

    class Mine(losses.SparseCategoricalCrossentropy):
        pass

    assert fast_loss(Mine()) is None
    assert fast_loss(losses.BinaryCrossentropy()) is None
