"""L-BFGS: the quasi-Newton cousin of the lecture's Newton–Raphson, on the whole data at once.

Newton–Raphson (lecture §1) steps ``w ← w − H⁻¹ ∇E`` with the Hessian H of second derivatives: a
d × d matrix, out of reach for a network's d weights. BFGS builds an approximation of H⁻¹ from
how the gradient changed between steps; L-BFGS ("limited memory") keeps only the last m pairs

    s_k = w_{k+1} − w_k,        y_k = ∇E(w_{k+1}) − ∇E(w_k)

and applies that approximation to the gradient without ever forming a matrix (the two-loop
recursion), so one step costs O(m·d). The direction p_k = −H̃_k⁻¹ ∇E(w_k) is followed by a line
search that chooses the step length α_k (no learning rate): ``w_{k+1} = w_k + α_k p_k``. Each
step needs the gradient of the whole cost, so it is a batch method: one iteration is one
epoch, at the price of one or more passes over the data (the line search's function
evaluations).

This is scikit-learn's ``solver="lbfgs"``: descend hands the flattened weights to
``scipy.optimize.minimize(method="L-BFGS-B")`` with the model's loss and gradient (the δ
recursion of lecture §5, weight penalties included), ``maxiter`` = the epochs, ``maxfun`` =
``max_fun``, ``gtol`` = ``tol`` and ``maxcor`` = ``memory``, as scikit-learn does.
"""
from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..checks import check_number, positive_int
from .base import Optimizer


class LBFGS(Optimizer):
    """Limited-memory BFGS over all the weights at once, for ``model.fit`` (full batch).

    Parameters
    ----------
    max_fun : int
        Most evaluations of the loss and its gradient (passes over the data) in one ``fit``
        (scikit-learn's ``max_fun``, scipy's ``maxfun``). Default 15000.
    tol : float
        Stop when the largest component of the (projected) gradient is at most ``tol``
        (scipy's ``gtol``; scikit-learn passes its ``tol``). Default 1e-4.
    memory : int
        m, the (s, y) pairs kept (scipy's ``maxcor``). Default 10.
    ftol : float
        Stop when the relative decrease of E in a step is at most ``ftol`` (scipy's default).
    flavor : str, optional
        Accepted for a uniform interface; L-BFGS is the same in every flavor.

    Notes
    -----
    Used by :meth:`descend.model.Sequential.fit`: one epoch is one L-BFGS iteration, the epoch's
    ``loss`` is E at the weights it reached, the metrics and validation are evaluated there, and
    callbacks see every iteration (``EarlyStopping`` stops the search). ``batch_size`` and
    ``shuffle`` do not apply (every evaluation uses all the training data). A fit may stop before
    ``epochs`` when the search converges (``tol``, ``ftol``) or uses up ``max_fun`` (a
    RuntimeWarning says so); :attr:`result` holds scipy's report of the last fit. Weights that
    already meet ``tol`` take no iteration: the fit begins and logs no epoch (``result.nit`` is 0);
    a search that ends inside a line search ends the epoch it began at the last iterate, with no
    step counted (``optimizer.iterations``). The (s, y)
    memory lives for one ``fit``: a second fit (or a resumed one) starts a new search from the
    current weights. There is no per-batch update, so ``train_on_batch`` refuses it, and layers
    that draw at random in training (Dropout) are refused: a line search needs the same function
    at every evaluation.
    """

    name = "lbfgs"
    #: fit runs the whole search itself (see :func:`descend.training.fit`) instead of one update per batch
    full_batch = True
    hyperparameters = ("max_fun", "tol", "memory", "ftol")
    defaults = {f: {"learning_rate": 1.0} for f in ("lecture", "keras", "torch")}

    def __init__(self, max_fun: int = 15000, tol: float = 1e-4, memory: int = 10,
                 ftol: float = 2.220446049250313e-09, *, flavor: str | None = None, **unknown: Any) -> None:
        if unknown:     # the per-update pipeline's keywords (use_ema, clipnorm, ...) have no place here
            raise TypeError(f"LBFGS: unexpected keyword argument(s) {sorted(unknown)}; L-BFGS takes "
                            f"whole-data steps with a line search, without the per-update options "
                            f"of gradient descent (clipping, weight decay, EMA, gradient "
                            f"accumulation); expected some of {_OWN_KEYWORDS}")
        super().__init__(None, flavor=flavor)
        self.max_fun = positive_int("max_fun", max_fun)
        self.tol = check_number("tol", tol, low=0.0)
        self.memory = positive_int("memory", memory)
        self.ftol = check_number("ftol", ftol, low=0.0)
        #: scipy's OptimizeResult of the last :meth:`minimize` (``nit``, ``nfev``, ``message``), or None
        self.result: Any = None

    def apply(self, grads: Any, params: Any, **kwargs: Any) -> None:
        raise TypeError("LBFGS: L-BFGS takes whole-data steps with a line search, not one update "
                        "per batch; train with model.fit (one epoch = one iteration), not "
                        "train_on_batch or apply")

    def rule(self, g: np.ndarray, slots: Any, lr: float, t: int) -> Any:
        raise TypeError("LBFGS: L-BFGS has no per-array rule; use model.fit")

    def minimize(self, objective: Callable[[np.ndarray], tuple[float, np.ndarray]], x0: np.ndarray,
                 max_iter: int, callback: Callable[[Any], None] | None = None) -> Any:
        """Run L-BFGS-B from ``x0`` (float64, flat) on ``objective(x) → (E, ∇E)`` for at most
        ``max_iter`` iterations and :attr:`max_fun` evaluations; ``callback(intermediate_result)``
        after each iteration may raise StopIteration to stop. Returns scipy's OptimizeResult
        (also kept in :attr:`result`); warns when ``max_fun`` ended the search."""
        from scipy.optimize import minimize

        result = minimize(objective, x0, jac=True, method="L-BFGS-B", callback=callback,
                          options={"maxiter": positive_int("max_iter", max_iter), "maxfun": self.max_fun,
                                   "gtol": self.tol, "ftol": self.ftol, "maxcor": self.memory})
        self.result = result
        if result.status == 1 and result.nfev >= self.max_fun:
            warnings.warn(f"LBFGS: stopped after {result.nfev} evaluations of the loss (max_fun="
                          f"{self.max_fun}) before converging; raise max_fun", RuntimeWarning,
                          stacklevel=3)
        return result

    def get_config(self) -> dict[str, Any]:
        return {"max_fun": self.max_fun, "tol": self.tol, "memory": self.memory, "ftol": self.ftol,
                "flavor": self.flavor}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Optimizer:
        return cls(**config)

    def __repr__(self) -> str:
        return f"LBFGS(max_fun={self.max_fun}, tol={self.tol!r}, memory={self.memory})"


#: what LBFGS(...) accepts, for its error on any other keyword
_OWN_KEYWORDS = sorted(n for n in inspect.signature(LBFGS.__init__).parameters
                       if n not in ("self", "unknown"))
