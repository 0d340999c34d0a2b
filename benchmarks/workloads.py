"""The workloads (issue 6) and their descend side: data, models and one-repetition runners.

Every ``*_runner`` builds what it needs, warms it up on a little data (so the first timed
repetition is in the steady state), and returns a :data:`~benchmarks.harness.Runner`. Only
descend's public API is used: ``Sequential.fit``, ``predict`` and ``Optimizer.apply``.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

import descend
from descend import optimizers

from .harness import Runner, timed

#: W1's layer widths, input first
W1_WIDTHS = (784, 256, 128, 10)
W1_BATCH = 128
#: W2: the lecture's 2-2-1 network, weights as on the slide (lecture.EXAMPLE_B_WEIGHTS)
W2_KERNELS = (np.array([[0.3, 0.4], [0.2, 0.1]]), np.array([[0.1], [0.2]]))
W2_LEARNING_RATE = 0.01
W4_TARGET = 0.97
W4_BATCH = 128
W4_HIDDEN = (256, 128)


@dataclass(frozen=True)
class Sizes:
    """Problem sizes and repetitions; :meth:`full` is the issue's, :meth:`quick` a smoke run."""

    w1_samples: int
    w1_reps: int
    w2_updates: int
    w2_reps: int
    w3_single: int            # parameters in W3's one array
    w3_arrays: int            # number of arrays in W3's many-array case ...
    w3_array_size: int        # ... of this many parameters each
    w3_reps: int
    w4_max_epochs: int
    w4_reps: int
    roofline_batches: int
    copy_elements: int
    memory_samples: int

    @classmethod
    def full(cls) -> Sizes:
        return cls(w1_samples=60_000, w1_reps=5, w2_updates=10_000, w2_reps=5, w3_single=10_000_000,
                   w3_arrays=100, w3_array_size=100_000, w3_reps=15, w4_max_epochs=100, w4_reps=5,
                   roofline_batches=60, copy_elements=32_000_000, memory_samples=60_000)

    @classmethod
    def quick(cls) -> Sizes:
        return cls(w1_samples=3_000, w1_reps=2, w2_updates=1_000, w2_reps=2, w3_single=1_000_000,
                   w3_arrays=10, w3_array_size=100_000, w3_reps=3, w4_max_epochs=5, w4_reps=1,
                   roofline_batches=5, copy_elements=4_000_000, memory_samples=3_000)


# ---------------------------------------------------------------------------------------- data
def w1_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n MNIST-shaped samples: X ~ N(0, 1) float32 (n, 784), labels = argmax of a random linear
    teacher (learnable, roughly balanced), int64."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, W1_WIDTHS[0]), dtype=np.float32)
    teacher = rng.standard_normal((W1_WIDTHS[0], W1_WIDTHS[-1]), dtype=np.float32)
    return X, np.argmax(X @ teacher, axis=1).astype(np.int64)


def w2_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n points in the unit square, target 1 above the diagonal x₁ + x₂ = 1, else 0 (float32)."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 2), dtype=np.float32)
    return X, (X.sum(axis=1) > 1.0).astype(np.float32)


def w4_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's digits, pixels scaled to [0, 1] float32, 75/25 stratified split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X = (digits.data / 16.0).astype(np.float32)
    return tuple(train_test_split(X, digits.target.astype(np.int64), test_size=0.25,
                                  stratify=digits.target, random_state=seed))


def w1_flops_per_sample(widths: tuple[int, ...] = W1_WIDTHS) -> dict[str, int]:
    """Multiply-add FLOPs (2 per MAC) of one sample: forward, ∂E/∂W, and ∂E/∂x for every layer
    but the first (the input needs no gradient)."""
    macs = [a * b for a, b in itertools.pairwise(widths)]
    return {"forward": 2 * sum(macs), "grad_W": 2 * sum(macs), "grad_x": 2 * sum(macs[1:])}


# ------------------------------------------------------------------------------------- descend
def descend_optimizer(kind: str) -> optimizers.Optimizer:
    """W1's optimizers with PyTorch's conventions, so the arithmetic matches the peers."""
    if kind == "adam":
        return optimizers.Adam(learning_rate=1e-3, flavor="torch")
    if kind == "momentum":
        return optimizers.SGD(learning_rate=0.01, momentum=0.9, flavor="torch")
    raise ValueError(f"optimizer kind: expected 'adam' or 'momentum', got {kind!r}")


def descend_mlp(widths: tuple[int, ...], optimizer: str, seed: int = 0) -> descend.Sequential:
    """ReLU hidden layers, a softmax output fused with sparse categorical cross-entropy, float32."""
    layers: list[Any] = [descend.Input((widths[0],))]
    layers += [descend.Dense(w, activation="relu") for w in widths[1:-1]]
    layers.append(descend.Dense(widths[-1], activation="softmax"))
    model = descend.Sequential(layers, dtype="float32", seed=seed)
    model.compile(optimizer=descend_optimizer(optimizer), loss="sparse_categorical_crossentropy")
    return model


def w1_descend(X: np.ndarray, y: np.ndarray, optimizer: str) -> Runner:
    """One repetition = ``model.fit(X, y, epochs=1, batch_size=128, verbose=0)``, one model
    trained on from repetition to repetition (as an epoch of a longer run)."""
    model = descend_mlp(W1_WIDTHS, optimizer)
    model.fit(X[:20 * W1_BATCH], y[:20 * W1_BATCH], epochs=1, batch_size=W1_BATCH, verbose=0, seed=0)
    seed = iter(range(1, 1 << 30))
    return lambda: timed(lambda: model.fit(X, y, epochs=1, batch_size=W1_BATCH, shuffle=True,
                                           verbose=0, seed=next(seed)))


def w2_model(dtype: str = "float32") -> descend.Sequential:
    """The lecture's 2-2-1 sigmoid network without bias, E = ½Σ(y − ŷ)², plain SGD η = 0.01."""
    model = descend.Sequential([descend.Input((2,)),
                                descend.Dense(2, activation="sigmoid", use_bias=False),
                                descend.Dense(1, activation="sigmoid", use_bias=False)], dtype=dtype, seed=0)
    model.set_weights([k.astype(dtype) for k in W2_KERNELS])
    model.compile(optimizer=optimizers.SGD(learning_rate=W2_LEARNING_RATE), loss="squared_error")
    return model


def w2_descend(X: np.ndarray, y: np.ndarray) -> Runner:
    """One repetition = ``fit(X, y, epochs=1, batch_size=1)``: len(X) updates."""
    model = w2_model()
    model.fit(X[:200], y[:200], epochs=1, batch_size=1, verbose=0, seed=0)
    seed = iter(range(1, 1 << 30))
    return lambda: timed(lambda: model.fit(X, y, epochs=1, batch_size=1, shuffle=True, verbose=0,
                                           seed=next(seed)))


def w3_arrays(sizes: list[int], seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(grads, params) float32 arrays of the given sizes, seeded."""
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(n, dtype=np.float32) for n in sizes]
    grads = [rng.standard_normal(n, dtype=np.float32) * np.float32(1e-2) for n in sizes]
    return grads, params


def w3_descend(sizes: list[int]) -> Runner:
    """One repetition = one ``Adam(flavor="torch").apply(grads, params)`` (state built in warm-up)."""
    grads, params = w3_arrays(sizes)
    opt = optimizers.Adam(flavor="torch")
    opt.apply(grads, params)
    return lambda: timed(lambda: opt.apply(grads, params))


def w4_descend(data: tuple[np.ndarray, ...], max_epochs: int, seed_base: int = 0
               ) -> tuple[Runner, list[int | None]]:
    """One repetition = train a fresh model one ``fit`` epoch at a time (Adam, batch 128),
    evaluating test accuracy after each, until it reaches 97 % or ``max_epochs``.

    Returns the runner and a list that receives, per repetition, the epochs it needed (None if
    the target was not reached: the time is then that of ``max_epochs``)."""
    Xtr, Xte, ytr, yte = data
    widths = (Xtr.shape[1], *W4_HIDDEN, 10)
    epochs_needed: list[int | None] = []
    rep = iter(range(1 << 30))

    def run() -> float:
        model = descend_mlp(widths, "adam", seed=seed_base + next(rep))

        def train() -> None:
            for epoch in range(1, max_epochs + 1):
                model.fit(Xtr, ytr, epochs=1, batch_size=W4_BATCH, shuffle=True, verbose=0)
                if np.mean(np.argmax(model.predict(Xte), axis=1) == yte) >= W4_TARGET:
                    epochs_needed.append(epoch)
                    return
            epochs_needed.append(None)

        return timed(train)

    return run, epochs_needed
