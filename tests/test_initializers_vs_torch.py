"""descend's initializers against ``torch.nn.init``, statistically (same formula, not same bits).

torch stores a Linear weight as (out, in); descend stores the kernel as (in, out). A (500, 300)
descend kernel therefore corresponds to a (300, 500) torch weight: both have n = 500, m = 300.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch  # the oracle: a missing torch is an error here, never a skip
from scipy import stats

from descend import initializers as I

N_IN, N_OUT = 500, 300
C = 0.87962566103423978


def ours(init, seed=0, shape=(N_IN, N_OUT)):
    return I.get(init)(shape, np.random.default_rng(seed), "float64").ravel()


def theirs(fn, seed=0, shape=(N_OUT, N_IN), **kwargs):
    w = torch.empty(shape, dtype=torch.float64)
    fn(w, generator=torch.Generator().manual_seed(seed), **kwargs)
    return w.numpy().ravel()


CASES = {
    "xavier_uniform": (I.XavierUniform(), torch.nn.init.xavier_uniform_, {}),
    "glorot_uniform": (I.GlorotUniform(), torch.nn.init.xavier_uniform_, {}),
    "xavier_uniform_tanh_gain": (I.XavierUniform(gain=5 / 3), torch.nn.init.xavier_uniform_,
                                 {"gain": torch.nn.init.calculate_gain("tanh")}),
    "xavier_normal": (I.XavierNormal(), torch.nn.init.xavier_normal_, {}),
    "kaiming_uniform": (I.KaimingUniform(), torch.nn.init.kaiming_uniform_, {}),
    "he_uniform": (I.HeUniform(), torch.nn.init.kaiming_uniform_, {"nonlinearity": "relu"}),
    "kaiming_normal": (I.KaimingNormal(), torch.nn.init.kaiming_normal_, {}),
    "kaiming_normal_fan_out": (I.KaimingNormal(mode="fan_out"), torch.nn.init.kaiming_normal_,
                               {"mode": "fan_out"}),
    "linear_default": (I.KaimingUniform(negative_slope=math.sqrt(5)),
                       torch.nn.init.kaiming_uniform_, {"a": math.sqrt(5)}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_distribution_as_torch(case):
    init, fn, kwargs = CASES[case]
    a, b = ours(init), theirs(fn, **kwargs)
    assert a.var() == pytest.approx(b.var(), rel=0.03)
    assert np.abs(a).max() == pytest.approx(np.abs(b).max(), rel=0.3)
    # two-sample Kolmogorov–Smirnov on 150 000 draws each (fixed seeds: deterministic)
    assert stats.ks_2samp(a, b).pvalue > 1e-3


def test_keras_truncated_normal_matches_torch_trunc_normal_with_correction():
    # torch.trunc_normal_ cuts at absolute a, b with no correction; with std σ/0.8796 and
    # a = -b = 2σ/0.8796 it is Keras's he_normal.
    sigma = math.sqrt(2 / N_IN)
    s = sigma / C
    a = ours("he_normal")
    b = theirs(torch.nn.init.trunc_normal_, std=s, a=-2 * s, b=2 * s)
    assert a.std() == pytest.approx(b.std(), rel=0.02)
    assert a.std() == pytest.approx(sigma, rel=0.01)
    assert stats.ks_2samp(a, b).pvalue > 1e-3


@pytest.mark.parametrize("ours_shape,torch_shape", [
    ((500, 300), (300, 500)),                 # Dense kernel (in, out) vs Linear weight (out, in)
    ((3, 3, 4, 16), (16, 4, 3, 3)),           # conv kernel (kh, kw, in, out) vs (out, in, kh, kw)
    ((5, 7, 2), (2, 7, 5)),
])
def test_fans_match_torch_on_transposed_layout(ours_shape, torch_shape):
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(torch_shape))
    assert I.compute_fans(ours_shape) == (fan_in, fan_out)
