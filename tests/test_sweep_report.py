"""descend.sweep.report: the ranking (median and spread over seeds, diverged = infinite loss),
findings that state a claim only where the recorded numbers show it, and the pictures. The
results here are written by hand, so each test knows what the report must say."""
from __future__ import annotations

import math

import pytest

from descend.sweep import report as sweep_report
from descend.sweep.spec import parse_spec
from descend.sweep.store import Store


def _outcome(val_loss: float | None, epochs: int = 4) -> dict:
    if val_loss is None:
        return {"status": "diverged", "seconds": 0.2, "error": "diverged",
                "diverged": {"epoch": 0, "update": 2, "layer": "dense_1", "loss": math.inf}}
    if math.isnan(val_loss):
        return {"status": "failed", "seconds": 0.1, "error": "ValueError: broken"}
    history = {"loss": [val_loss * (epochs - e) for e in range(epochs)],
               "val_loss": [val_loss * (epochs - e) for e in range(epochs)],
               "val_accuracy": [0.5] * epochs, "accuracy": [0.5] * epochs}
    return {"status": "done", "seconds": 0.3 + val_loss,
            "history": {"epoch": list(range(epochs)), "history": history},
            "results": {"train": {"loss": val_loss, "accuracy": 0.5},
                        "validation": {"loss": val_loss, "accuracy": 0.9}, "epochs_trained": epochs,
                        "seconds": 0.2}}


def _sweep(folder, doc: dict, loss_of, skip=()) -> None:
    """Record every trial of ``doc`` with the final loss ``loss_of(options, seed)`` (None:
    diverged, NaN: failed), except those whose index is in ``skip``."""
    spec = parse_spec({"data": "moons", **doc})
    with Store.create(folder, spec.to_json()) as store:
        for trial in spec.trials():
            if trial.index not in skip:
                store.record(trial, _outcome(loss_of(trial.options, trial.seed)))


LRS = {"grid": {"optimizer": ["sgd", "adam"], "lr": [0.001, 0.01, 0.1, 1.0]}, "seeds": 2}


def test_the_adaptive_claim_is_stated_where_the_numbers_show_it(tmp_path):
    def loss(o, seed):
        if o["optimizer"] == "adam":
            return 0.1 + 0.01 * seed
        return {0.001: 1.0, 0.01: 0.8, 0.1: 0.12, 1.0: None}[o["lr"]]

    _sweep(tmp_path, LRS, loss)
    text = "\n".join(sweep_report.build(tmp_path).findings)
    assert "16 of 16 trials recorded: 14 done, 2 diverged, 0 failed" in text
    assert "adam: good at 4 of 4 η tested (0.001 to 1, 3.0 decades)" in text
    assert "sgd: good at 1 of 4 η tested (0.1)" in text
    assert "diverged from η = 1 (2 of 2 trials there, 2 diverged in all)" in text
    assert "The lecture's claim holds here" in text and "adam 4 of 4; sgd 1 of 4" in text


def test_the_adaptive_claim_is_not_stated_where_the_numbers_contradict_it(tmp_path):
    def loss(o, seed):
        if o["optimizer"] == "sgd":
            return 0.1
        return 0.1 if o["lr"] == 0.01 else 2.0

    _sweep(tmp_path, LRS, loss)
    text = "\n".join(sweep_report.build(tmp_path).findings)
    assert "does not show here (adam 1 of 4; sgd 4 of 4)" in text
    assert "claim holds" not in text


def test_paired_comparison_of_a_categorical_option(tmp_path):
    doc = {"grid": {"init": ["he_normal", "glorot_uniform"], "layers": ["8", "8,8"]}, "seeds": 3}
    _sweep(tmp_path, doc, lambda o, s: (0.1 if o["init"] == "he_normal" else 0.7) + 0.01 * s)
    text = "\n".join(sweep_report.build(tmp_path).findings)
    assert ("init: he_normal ended with the lower validation loss than glorot_uniform in 6 of 6 pairs of "
            "trials that differ only in init") in text
    assert "layers: no consistent order" in text           # layers makes no difference here


def test_ranking_is_by_median_over_seeds_with_divergence_as_infinite(tmp_path):
    losses = {"sgd": [0.5, 0.5, 0.5], "momentum": [0.1, None, None], "adam": [0.2, 0.3, math.nan]}
    _sweep(tmp_path, {"grid": {"optimizer": list(losses)}, "seeds": 3},
           lambda o, s: losses[o["optimizer"]][s])
    rep = sweep_report.build(tmp_path)
    r = rep.ranking
    assert r["optimizer"].tolist() == ["adam", "sgd", "momentum"]
    adam = r.iloc[0]
    assert (adam["median"], adam["low"], adam["high"], adam["failed"]) == (0.25, 0.2, 0.3, 1)
    assert math.isinf(r.iloc[2]["median"]) and r.iloc[2]["diverged"] == 2
    assert rep.metric == "val_loss" and rep.trials.loc[rep.trials["status"] == "failed", "score"].isna().all()
    assert ("Best configuration: optimizer=adam — median final validation loss 0.25 over 2 seeds"
            in rep.findings[1])


def test_trials_not_run_yet_are_counted(tmp_path):
    _sweep(tmp_path, {"grid": {"optimizer": ["sgd", "adam"]}, "seeds": 2}, lambda o, s: 0.1, skip={1, 3})
    assert "2 of 4 trials recorded" in sweep_report.build(tmp_path).findings[0]
    assert "2 not run yet" in sweep_report.build(tmp_path).findings[0]


def test_pictures_of_a_random_search(tmp_path):
    import descend.sweep

    doc = {"grid": {"optimizer": ["sgd", "adam"]}, "random": {"n": 12, "lr": {"log": [1e-4, 10.0]}},
           "seeds": 2}
    _sweep(tmp_path, doc, lambda o, s: None if o["lr"] > 3 else abs(math.log10(o["lr"]) + 2) + 0.1 * (s + 1))
    rep = sweep_report.build(tmp_path)
    files = sweep_report.draw(rep, descend.sweep.load_history(tmp_path), tmp_path / "pics",
                              heatmap=["lr", "optimizer"])
    assert [f.name for f in files] == ["loss_curves.png", "loss_vs_lr.png", "heatmap.png", "time.png"]
    for f in files:
        assert f.read_bytes()[:4] == b"\x89PNG"
    binned, levels = sweep_report._levels(rep.trials["lr"])
    assert len(levels) == 6 and set(binned) <= set(levels)     # 12 distinct η: six log bins


def test_report_options_name_varied_options(tmp_path):
    _sweep(tmp_path, {"grid": {"optimizer": ["sgd", "adam"]}}, lambda o, s: 0.1)
    rep = sweep_report.build(tmp_path)
    with pytest.raises(ValueError, match="--heatmap"):
        sweep_report.check_heatmap(rep, ["optimizer", "optimizer"])
    with pytest.raises(ValueError, match="--by"):
        sweep_report.panel_key(rep, "lr")
    assert sweep_report.panel_key(rep) == "optimizer"
