"""``descend demo``: the main job — an MLP learns scikit-learn's bundled digits (offline)."""
from __future__ import annotations

import argparse
import time

EPILOG = """examples:
  descend demo                 64-64-10 ReLU network, Adam, 40 epochs, prints test accuracy
  descend demo --epochs 5      shorter
"""


def add_parser(sub, formatter_class) -> argparse.ArgumentParser:
    p = sub.add_parser("demo", help="train a small MLP on the bundled digits data set",
                       description=__doc__, epilog=EPILOG, formatter_class=formatter_class)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    return p


def run(args: argparse.Namespace) -> int:
    from .. import Dense, Input, Sequential, datasets
    from ..optimizers import Adam

    data = datasets.load("digits")
    X_train, X_test, y_train, y_test = datasets.train_test_split(
        data.X / 16.0, data.y, test_size=0.2, seed=args.seed, stratify=True)
    model = Sequential([Input(X_train.shape[1]), Dense(64, "relu", kernel_initializer="he_normal"),
                        Dense(10, "softmax")], seed=args.seed)
    model.compile(optimizer=Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.summary()
    start = time.perf_counter()
    model.fit(X_train, y_train, epochs=args.epochs, batch_size=32, validation_split=0.1,
              seed=args.seed, verbose=2)
    took = time.perf_counter() - start
    result = model.evaluate(X_test, y_test)
    print(f"test loss {result['loss']:.4f} - test accuracy {result['accuracy']:.4f} "
          f"({len(X_test)} held-out digits; trained in {took:.1f} s)")
    return 0
