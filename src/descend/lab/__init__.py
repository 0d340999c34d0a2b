"""The optimizer lab: 2-D surfaces, optimizer races and the classic methods (lecture §1, §2, §8).

- :mod:`descend.lab.functions` — test surfaces with analytic gradients (saddle, Beale, Rosenbrock,
  Himmelblau, an ill-conditioned bowl, any user function);
- :mod:`descend.lab.trajectories` — one optimizer's path, or a race of several from one start;
- :mod:`descend.lab.classic` — normal equation, Newton–Raphson and L-BFGS against batch, stochastic and
  mini-batch gradient descent.

Nothing here imports matplotlib; pictures are drawn by :mod:`descend.plotting`.
"""
from __future__ import annotations

from .classic import (
                      Comparison,
                      GDKindsCurves,
                      GDResult,
                      NewtonResult,
                      compare_methods,
                      gd_kinds_curves,
                      gradient_descent,
                      lbfgs,
                      newton_raphson,
                      normal_equation,
)
from .functions import (
                      FUNCTIONS,
                      Function2D,
                      beale,
                      get_function,
                      himmelblau,
                      quadratic_bowl,
                      rosenbrock,
                      saddle,
)
from .trajectories import RACE_LEARNING_RATES, RaceResult, Trajectory, race, run_trajectory

__all__ = [
    "FUNCTIONS", "Function2D", "beale", "get_function", "himmelblau", "quadratic_bowl",
    "rosenbrock", "saddle",
    "RACE_LEARNING_RATES", "RaceResult", "Trajectory", "race", "run_trajectory",
    "Comparison", "GDKindsCurves", "GDResult", "NewtonResult", "compare_methods",
    "gd_kinds_curves", "gradient_descent", "lbfgs", "newton_raphson", "normal_equation",
]
