"""WorkSets: one set of work arrays per key, the few latest kept."""
import numpy as np
import pytest

from descend._fast.work import WorkSets

#: these tests exercise the fast paths themselves: not run with DESCEND_KERNELS=numpy
pytestmark = pytest.mark.fast_paths


def test_a_set_is_built_once_per_key_and_reused():
    sets, made = WorkSets(), []

    def make(n, dtype):
        made.append(n)
        return {"a": np.empty(n, dtype)}

    first = sets.get((3, np.float32), make)
    assert sets.get((3, np.float32), make) is first and made == [3]
    assert sets.get((4, np.float32), make)["a"].shape == (4,) and made == [3, 4]


def test_only_the_latest_keys_keep_their_arrays():
    sets = WorkSets()
    for n in range(1, 8):
        sets.get((n,), lambda n: {"a": np.empty(n)})
    assert sorted(k[0] for k in sets.sets) == [4, 5, 6, 7]
    assert len(sets.sets) == WorkSets.MAX_SETS
