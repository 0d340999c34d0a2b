"""descend.sweep.runners: a trial is descend train itself; a spec's impossible values are refused
before any trial, naming the key; a worker that dies mid-trial (process pool or Dask cluster)
costs a rerun, never a lost or doubled trial."""
from __future__ import annotations

import os
import signal
import threading
import time

import distributed
import pytest

from descend.cli import main
from descend.sweep import runners
from descend.sweep.spec import parse_spec
from descend.sweep.store import Store
from sweep_records import recorded

DIVERGES = ["--data", "diabetes", "--layers", "8", "--optimizer", "sgd", "--lr", "1", "--epochs", "3"]


def test_a_trial_returns_train_results_history_and_weights():
    out = runners.run_trial({"id": "t", "argv": ["--data", "xor", "--n-samples", "40", "--layers", "4",
                                                 "--epochs", "3", "--seed", "1"]})
    assert out["status"] == "done" and out["id"] == "t"
    assert out["history"]["epoch"] == [0, 1, 2] and len(out["history"]["history"]["loss"]) == 3
    assert out["results"]["train"]["loss"] == out["history"]["history"]["loss"][-1]
    assert out["results"]["epochs_trained"] == 3 and len(out["weights_sha256"]) == 64
    assert out["finished_at"] >= out["started_at"] and out["seconds"] > 0
    assert out["worker"].endswith(f":{os.getpid()}")


def test_a_diverging_trial_says_where():
    out = runners.run_trial({"id": "d", "argv": DIVERGES})
    assert out["status"] == "diverged" and "diverged" in out["error"]
    d = out["diverged"]
    assert isinstance(d["epoch"], int) and isinstance(d["update"], int) and d["layer"].startswith("dense")


def test_a_failing_trial_is_an_outcome_not_an_exception(tmp_path):
    out = runners.run_trial({"id": "f", "argv": ["--csv", str(tmp_path / "none.csv"), "--target", "y"]})
    assert out["status"] == "failed" and "none.csv" in out["error"]
    out = runners.run_trial({"id": "f", "argv": ["--gd", "sideways"]})    # argparse's own exit
    assert out["status"] == "failed" and out["error"].startswith("SystemExit")


@pytest.mark.parametrize("doc, key", [
    ({"grid": {"lr": [0.1, -0.1]}}, "grid.lr"),                       # the optimizer refuses it
    ({"epochs": 0}, "epochs"),                                        # train refuses it
    ({"grid": {"optimizer": ["sgd", "adamm"]}}, "grid.optimizer"),
    ({"gd": "batch", "batch_size": 16}, "batch_size"),
    ({"validation_split": 1.5}, "validation_split"),                  # fit refuses it
    ({"random": {"n": 2, "activation": ["relu", "nope"]}, "seeds": 1}, "random.activation"),
])
def test_impossible_values_are_refused_before_any_trial_naming_the_key(doc, key):
    spec = parse_spec({"data": "moons", "n_samples": 40, "layers": "4", **doc})
    with pytest.raises(ValueError) as info:
        runners.rehearse(spec, spec.trials())
    message = str(info.value)
    assert message.startswith(f"{key}:"), message
    assert "descend train --data moons" in message       # the trial it was found in


def test_an_unknown_data_set_is_refused_naming_data():
    spec = parse_spec({"data": "moonz"})
    with pytest.raises(ValueError, match=r"^data: .*moonz"):
        runners.rehearse(spec, spec.trials())


def test_each_configuration_is_rehearsed_once_for_one_epoch_whatever_its_seeds(monkeypatch):
    spec = parse_spec({"data": "moons", "n_samples": 40, "layers": "4", "epochs": 5, "seeds": 3,
                       "grid": {"optimizer": ["sgd", "adam"], "lr": [0.1, 0.01]}})
    runs: list[list[str]] = []
    monkeypatch.setattr(runners, "train_once", lambda argv, out: runs.append(argv))
    runners.rehearse(spec, spec.trials())
    assert len(spec.trials()) == 12 and len(runs) == 4
    assert all(argv[argv.index("--epochs") + 1] == "1" for argv in runs)
    assert {(a[a.index("--optimizer") + 1], a[a.index("--lr") + 1]) for a in runs} == {
        ("sgd", "0.1"), ("sgd", "0.01"), ("adam", "0.1"), ("adam", "0.01")}


def test_a_rehearsal_that_diverges_is_a_result_not_an_error():
    spec = parse_spec({"data": "diabetes", "layers": "8", "optimizer": "sgd", "lr": 1.0})
    runners.rehearse(spec, spec.trials())


SMALL = {"data": "moons", "n_samples": 60, "layers": "4", "epochs": 2, "seeds": 2,
         "grid": {"optimizer": ["sgd", "adam"]}}


def test_execute_runs_only_what_is_missing(tmp_path):
    spec = parse_spec(SMALL)
    trials = spec.trials()
    with Store.create(tmp_path, spec.to_json()) as store:
        store.record(trials[1], runners.run_trial({"id": trials[1].id, "argv": trials[1].argv()}))
        seen = []
        state = runners.execute(trials, store, runners.InlineBackend(),
                                on_update=lambda p: seen.append(p.done))
        assert (state.done, state.failed, state.total) == (4, 0, 4)
        assert seen[0] == 1 and seen[-1] == 4
        rows = store.rows()
        assert [r["idx"] for r in rows] == [0, 1, 2, 3] and {r["status"] for r in rows} == {"done"}
        first = {r["id"]: r["received_at"] for r in rows}
        runners.execute(trials, store, runners.InlineBackend())     # nothing left: nothing runs
        assert {r["id"]: r["received_at"] for r in store.rows()} == first


def test_an_unreachable_scheduler_is_a_user_error():
    with pytest.raises(ValueError, match="--scheduler: cannot reach"):
        runners.DaskBackend("tcp://127.0.0.1:9", timeout=0.5)


def test_a_diverged_trial_is_recorded_and_the_sweep_goes_on(tmp_path):
    spec = parse_spec({"data": "diabetes", "layers": "8", "optimizer": "sgd", "epochs": 3,
                       "grid": {"lr": [1.0, 0.001]}})
    with Store.create(tmp_path, spec.to_json()) as store:
        state = runners.execute(spec.trials(), store, runners.InlineBackend())
        rows = {r["options"]["lr"]: r for r in store.rows()}
    assert (state.done, state.diverged, state.failed) == (2, 1, 0)
    wild, calm = rows[1.0], rows[0.001]
    assert wild["status"] == "diverged" and wild["loss"] is None and "diverged" in wild["error"]
    assert wild["diverged_update"] is not None and wild["diverged_layer"].startswith("dense")
    assert calm["status"] == "done" and calm["epochs"] == 3


def _poll(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def _check_each_trial_once(store: Store, trials) -> list[dict]:
    rows = store.rows()
    assert sorted(r["id"] for r in rows) == sorted(t.id for t in trials)
    assert {r["status"] for r in rows} == {"done"}, [r["error"] for r in rows]
    epochs = store.epochs()
    assert len(epochs) == len({(e[0], e[1], e[2]) for e in epochs})
    assert {e[0] for e in epochs} == {t.id for t in trials}
    return rows


LONGER = {"data": "moons", "n_samples": 400, "layers": "16,16", "epochs": 40, "seeds": 4,
          "grid": {"optimizer": ["sgd", "adam"]}}


def test_a_pool_worker_killed_mid_trial_costs_a_rerun_only(tmp_path):
    spec = parse_spec(LONGER)
    trials = spec.trials()
    backend = runners.PoolBackend(2)
    killed: list[int] = []

    def kill_one_worker():
        _poll(lambda: len(recorded(tmp_path)) >= 1, 60, "a first trial")
        pid = next(iter(backend._pool._processes))
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    killer = threading.Thread(target=kill_one_worker)
    try:
        with Store.create(tmp_path, spec.to_json()) as store:
            killer.start()
            runners.execute(trials, store, backend)
            killer.join()
            rows = _check_each_trial_once(store, trials)
    finally:
        backend.close()
    assert killed and max(r["attempts"] for r in rows) == 2


def test_a_dask_worker_killed_mid_trial_has_its_trial_rerun(tmp_path):
    spec = parse_spec(LONGER)
    trials = spec.trials()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        pids = client.run(os.getpid)
        backend = runners.DaskBackend(client)
        assert backend.slots == 2
        killed: list[int] = []
        lost: list[str] = []    # the trials the killed worker held

        def kill_one_worker():
            _poll(lambda: len(recorded(tmp_path)) >= 1, 60, "a first trial")
            busy = _poll(lambda: [w for w, keys in client.processing().items() if keys], 30, "a busy worker")
            lost.extend(k.removeprefix("descend-trial-") for k in client.processing()[busy[0]])
            os.kill(pids[busy[0]], signal.SIGKILL)
            killed.append(pids[busy[0]])

        killer = threading.Thread(target=kill_one_worker)
        with Store.create(tmp_path, spec.to_json()) as store:
            killer.start()
            state = runners.execute(trials, store, backend)
            killer.join()
            rows = _check_each_trial_once(store, trials)
        assert state.done == len(trials) and state.failed == 0
        assert killed and killed[0] not in client.run(os.getpid).values()   # it did die mid-sweep
        rerun = [r for r in rows if r["id"] in lost]
        assert rerun and all(not r["worker"].endswith(f":{killed[0]}") for r in rerun)

        # the command's own path: --scheduler with the cluster's address
        spec_file = tmp_path / "small.toml"
        spec_file.write_text('data = "xor"\nn_samples = 40\nlayers = "4"\nepochs = 2\nseeds = 3\n')
        assert main(["sweep", str(spec_file), "--out", str(tmp_path / "cli"), "--quiet",
                     "--scheduler", cluster.scheduler_address]) == 0
        with Store.open(tmp_path / "cli") as store:
            workers = {r["worker"] for r in store.rows()}
            assert len(store.rows()) == 3 and {r["status"] for r in store.rows()} == {"done"}
        assert {int(w.rsplit(":", 1)[1]) for w in workers} <= set(client.run(os.getpid).values())
