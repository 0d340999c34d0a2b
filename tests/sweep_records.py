"""Recorded trials for the sweep tests: a small spec, and what a done, a diverged and a failed
trial send back."""
from __future__ import annotations

from descend.sweep.spec import parse_spec

SPEC = parse_spec({"data": "moons", "epochs": 3, "seeds": 2, "grid": {"optimizer": ["sgd", "adam"]}})


def _done(loss: float, epochs: int = 3) -> dict:
    history = {"loss": [loss + e for e in range(epochs, 0, -1)], "accuracy": [0.5] * epochs,
               "val_loss": [loss * 2] * epochs, "learning_rate": [0.01] * epochs}
    return {"status": "done", "seconds": 0.5, "worker": "host:1", "weights_sha256": "ab" * 32,
            "history": {"epoch": list(range(epochs)), "history": history},
            "results": {"train": {"loss": history["loss"][-1], "accuracy": 0.5},
                        "validation": {"loss": loss * 2, "accuracy": 0.25},
                        "test": {"loss": 9.0, "accuracy": 0.75},
                        "epochs_trained": epochs, "seconds": 0.4}}


DIVERGED = {"status": "diverged", "seconds": 0.1, "error": "training diverged",
            "diverged": {"epoch": 1, "update": 4, "layer": "dense_2", "loss": float("inf")}}
FAILED = {"status": "failed", "seconds": 0.1, "error": "ValueError: no"}
