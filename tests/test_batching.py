import numpy as np
import pytest

from descend import batching


@pytest.mark.parametrize("batch_size,n,kind", [(None, 10, "batch"), (10, 10, "batch"), (50, 10, "batch"),
                                               (1, 10, "stochastic"), (3, 10, "mini-batch")])
def test_gd_kind(batch_size, n, kind):
    assert batching.gd_kind(batch_size, n) == kind


def test_batch_gd_uses_all_data_in_one_update_without_shuffling():
    X, y = np.arange(10.0).reshape(5, 2), np.arange(5.0)
    order = batching.epoch_order(5, None, True, np.random.default_rng(0))
    assert order is None
    batches = list(batching.iterate(X, y, None, order))
    assert len(batches) == 1 and batches[0][0] is not None and np.shares_memory(batches[0][0], X)


def test_stochastic_gd_draws_every_observation_once_per_epoch_in_random_order():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    rng = np.random.default_rng(1)
    orders = [batching.epoch_order(10, 1, True, rng) for _ in range(3)]
    for order in orders:
        batches = [(xb.copy(), yb.copy()) for xb, yb in batching.iterate(X, y, 1, order)]
        assert len(batches) == 10 and all(len(xb) == 1 for xb, _ in batches)
        assert sorted(int(yb[0]) for _, yb in batches) == list(range(10))
    assert not all(np.array_equal(orders[0], o) for o in orders[1:])


def test_minibatch_shuffles_then_takes_h_from_the_front_with_remainder():
    X, y = np.arange(14.0).reshape(7, 2), np.arange(7.0)
    order = batching.epoch_order(7, 3, True, np.random.default_rng(2))
    batches = [(xb.copy(), yb.copy()) for xb, yb in batching.iterate(X, y, 3, order)]
    assert [len(b[0]) for b in batches] == [3, 3, 1]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y[order])
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), X[order])
    assert batching.n_batches(7, 3) == 3 and batching.n_batches(7, None) == 1


def test_no_shuffle_keeps_data_order():
    assert batching.epoch_order(5, 2, False, np.random.default_rng(0)) is None


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "32"])
def test_bad_batch_size(bad):
    with pytest.raises(ValueError, match="batch_size: expected a positive integer or None"):
        batching.check_batch_size(bad)


def test_small_data_is_gathered_once_per_epoch_and_batches_are_slices_of_it():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    order = batching.epoch_order(10, 4, True, np.random.default_rng(3))
    seen = [xb for xb, _ in batching.iterate(X, y, 4, order)]
    assert all(np.shares_memory(seen[0].base, b) for b in seen[1:])
    np.testing.assert_array_equal(np.concatenate(seen), X[order])


def test_large_shuffled_data_reuses_one_work_array(monkeypatch):
    monkeypatch.setattr(batching, "EPOCH_COPY_BYTES", 0)
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    order = batching.epoch_order(10, 4, True, np.random.default_rng(3))
    seen = [xb for xb, _ in batching.iterate(X, y, 4, order)]
    assert all(np.shares_memory(seen[0], b) for b in seen[1:])  # no allocation per batch
    assert not np.shares_memory(seen[0], X)
    order = batching.epoch_order(10, 3, True, np.random.default_rng(4))
    batches = [(xb.copy(), yb.copy()) for xb, yb in batching.iterate(X, y, 3, order)]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), X[order])
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y[order])


def test_large_data_gathers_its_small_targets_once_per_epoch(monkeypatch):
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    monkeypatch.setattr(batching, "EPOCH_COPY_BYTES", y.nbytes)   # X + y too large, y alone not
    order = batching.epoch_order(10, 3, True, np.random.default_rng(5))
    batches = list(batching.iterate(X, y, 3, order))
    xs, ys = [b[0] for b in batches], [b[1] for b in batches]
    assert all(np.shares_memory(xs[0], b) for b in xs[1:])      # X: one work array, reused
    assert all(np.shares_memory(ys[0].base, b) for b in ys[1:])  # y: slices of one epoch copy
    np.testing.assert_array_equal(np.concatenate(ys), y[order])
