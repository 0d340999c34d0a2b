"""Shared test settings: matplotlib without a display, a modest hypothesis profile, no skip
passing for a test under CI=true; and the ``allocates_nothing`` fixture for the no-allocation
tests; the ``flowers`` run that the evaluate and predict tests share. (The optimizer oracles'
shared helpers are in ``oracles.py``.)"""
import os
import tracemalloc

import pytest
from hypothesis import settings

os.environ.setdefault("MPLBACKEND", "Agg")

settings.register_profile("descend", max_examples=40, deadline=None)
settings.load_profile("descend")

#: The reason of the only skip CI allows (see pytest_runtest_makereport).
NEEDS_ROOT = "needs root to mount"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a skipped test is a failed one: a missing oracle or browser must show. The one
    skip allowed is a test that needs a tmpfs mounted (root with the right to mount) where CI has
    not that right: no install can give it, and its reason says so."""
    outcome = yield
    report = outcome.get_result()
    needs_root = NEEDS_ROOT in str(report.longrepr)
    if (report.skipped and os.environ.get("CI", "").lower() == "true" and not hasattr(report, "wasxfail")
            and not needs_root):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which counts as a failure: {report.longrepr}"


#: NumPy's own bookkeeping comes and goes at every call whatever the sizes (each reduction builds a
#: ~1 kB iterator; freed blocks go to its caches): up to ~2 kB. The tests use data large enough
#: that any array of the batch would be 8 kB or more.
ALLOCATION_LIMIT = 4096


@pytest.fixture
def allocates_nothing():
    """``check(f)``: after a warm-up (work arrays built, NumPy's small-block caches filled), asserts
    that ``calls`` calls of f hold at once, beyond what was live before them, less than one
    batch-sized array (tracemalloc), and keep nothing from call to call."""
    def check(f, calls=5):
        for _ in range(10):
            f()
        tracemalloc.start()
        try:
            f()
            base = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            for _ in range(calls):
                f()
            current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak - base < ALLOCATION_LIMIT, f"{peak - base} bytes held at once"
        assert current - base < ALLOCATION_LIMIT, f"{current - base} bytes kept"

    return check


@pytest.fixture(scope="session")
def flowers(tmp_path_factory):
    """(model directory, csv rows) of a trained CSV classification run (see ``cli_runs``),
    trained once for every test that reads it."""
    from cli_runs import train_flowers

    return train_flowers(tmp_path_factory.mktemp("flowers"))


@pytest.fixture
def keras_floatx():
    """Keras's floatx for one test of a ``*_vs_keras.py`` module, float64 unless the test calls
    the fixture's value with another ("float32"), and put back after it."""
    from oracles import require_keras

    keras = require_keras()
    previous = keras.config.floatx(), keras.config.dtype_policy()

    def use(dtype: str) -> None:
        # Keras makes its global dtype policy from floatx once and keeps it: both are set, or a
        # layer built after another test's float32 would still compute in float32
        keras.config.set_floatx(dtype)
        keras.config.set_dtype_policy(dtype)

    use("float64")
    yield use
    keras.config.set_floatx(previous[0])
    keras.config.set_dtype_policy(previous[1])
