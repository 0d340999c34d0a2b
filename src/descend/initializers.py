"""Weight initializers: the lecture's Xavier/He formulas, Keras's presets and torch's names.

Lecture §10: too large initial weights saturate sigmoid/tanh (vanishing gradients) and give large
costs; too small ones leave every activation near 0 (or 0.5 for the sigmoid). Xavier and He choose
the variance so that a layer's inputs and outputs keep the same variance. Throughout,
**n = nodes of the previous layer** (fan_in) and **m = nodes of this layer** (fan_out).

Kernels are stored as ``(inputs, units)`` like Keras, so ``fan_in = shape[0]`` (see
:func:`compute_fans`; torch's ``(out, in)`` weights swap the two).

Names, formulas and frameworks (``docs/conventions.md`` §6):

===================  ====================================  =====================  ====================
name                 distribution                          Keras                  torch
===================  ====================================  =====================  ====================
``xavier_uniform``   U[-√(6/(n+m)), √(6/(n+m))]            GlorotUniform          ``xavier_uniform_``
``glorot_uniform``   U[-√(6/(n+m)), √(6/(n+m))]            GlorotUniform          ``xavier_uniform_``
``xavier_normal``    N(0, 2/(n+m)), untruncated (lecture)  VS(1, fan_avg, untr.)  ``xavier_normal_``
``glorot_normal``    N(0, 2/(n+m)) truncated at ±2σ'       GlorotNormal           —
``kaiming_normal``   N(0, 2/n), untruncated (lecture)      VS(2, fan_in, untr.)   ``kaiming_normal_``
``he_normal``        N(0, 2/n) truncated at ±2σ'           HeNormal               —
``kaiming_uniform``  U[-√(6/n), √(6/n)]                    HeUniform              ``kaiming_uniform_``
``he_uniform``       U[-√(6/n), √(6/n)]                    HeUniform              ``kaiming_uniform_``
``lecun_normal``     N(0, 1/n) truncated at ±2σ'           LecunNormal            —
``lecun_uniform``    U[-√(3/n), √(3/n)]                    LecunUniform           —
===================  ====================================  =====================  ====================

VS = ``VarianceScaling(scale, mode, distribution)``; untr. = ``"untruncated_normal"``.

"Truncated at ±2σ'" is Keras's truncated normal: samples are drawn from N(0, σ'²) with
σ' = σ / 0.87962566103423978 and redrawn while |w| > 2σ'. 0.8796… is the standard deviation of a
standard normal cut to [-2, 2], so the final standard deviation is exactly σ while every weight
lies within ±2σ' ≈ ±2.2737σ. The lecture's normals are *untruncated*; use the torch names
(``xavier_normal``, ``kaiming_normal``) or ``VarianceScaling(..., "untruncated_normal")`` for them.

Also here: ``zeros``, ``ones``, ``constant(value)``, ``random_normal(mean, stddev)``,
``random_uniform(minval, maxval)``, ``truncated_normal(mean, stddev)`` (Keras's, no variance
correction) and the general :class:`VarianceScaling`.

Every initializer is called as ``init(shape, rng, dtype)`` and draws only from ``rng`` (a
:class:`numpy.random.Generator`), never from the global random state: the same generator state
gives the same array, bit for bit. Samples are drawn in float64 and then cast to ``dtype``, so a
float32 and a float64 array drawn from the same state hold the same numbers up to rounding; the
float64 samples are held a chunk at a time (:func:`_draw`), so a float32 array costs its own size.
An array larger than the memory limit (:func:`descend.checks.memory_limit`) is refused before
anything is drawn.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .backend import resolve_dtype
from .checks import Interval, Options, check, check_memory, is_number

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeNormal",
    "HeUniform", "LecunNormal", "LecunUniform", "XavierUniform", "XavierNormal",
    "KaimingUniform", "KaimingNormal", "FunctionInitializer", "INITIALIZERS",
    "TRUNCATION_STDDEV_CORRECTION", "compute_fans", "get", "serialize", "deserialize",
]

#: Standard deviation of a standard normal truncated to [-2, 2]; Keras divides σ by it so that the
#: truncated samples end with standard deviation σ (``keras/src/initializers/random_initializers.py``).
TRUNCATION_STDDEV_CORRECTION = 0.87962566103423978

ShapeLike = Sequence[int] | int


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
#: a dimension of a shape
_DIM = Interval(int, 0)
#: any finite real number; ≥ 0 and > 0 (the initializers' messages say "a number >= 0")
_REAL = Interval(float)
_NON_NEGATIVE = Interval(float, 0, noun="a number")
_POSITIVE = Interval(float, 0, closed="neither", noun="a number")


def _as_shape(shape: ShapeLike) -> tuple[int, ...]:
    dims: Sequence[Any]
    if isinstance(shape, (tuple, list)):
        dims = shape
    elif is_number(shape, int):
        dims = (shape,)
    else:
        raise TypeError(f"shape: expected a tuple of non-negative ints, got {type(shape).__name__}")
    if not all(dim in _DIM for dim in dims):
        raise ValueError(f"shape: expected a tuple of non-negative ints, got {tuple(dims)!r}")
    return tuple(int(dim) for dim in dims)


def _as_rng(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng: expected a numpy.random.Generator (e.g. np.random.default_rng(0)), "
                        f"got {type(rng).__name__}")
    return rng


def _real(name: str, value: Any, interval: Interval[float] = _REAL) -> float:
    """``value`` as a float in ``interval``; a wrong type is "a real number" in these messages."""
    if not is_number(value):
        raise TypeError(f"{name}: expected a real number, got {type(value).__name__} {value!r}")
    return check(name, value, interval)


def _truncated_standard_normal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal samples redrawn (only the offending ones) while |x| > 2."""
    out = rng.standard_normal(shape)
    flat = out.reshape(-1)
    bad = np.flatnonzero(np.abs(flat) > 2.0)
    while bad.size:
        flat[bad] = rng.standard_normal(bad.size)
        bad = bad[np.abs(flat[bad]) > 2.0]
    return out


#: samples drawn in float64 at a time before they are cast into the array of the model's dtype
DRAW_CHUNK = 1 << 20


def _draw(rng: np.random.Generator, shape: tuple[int, ...], dtype: np.dtype, kind: str,
          scale: float, offset: float = 0.0, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """``offset + scale · x`` cast to ``dtype``, x standard normal (``kind="normal"``), standard
    normal redrawn while |x| > 2 (``"truncated"``) or uniform in [low, high) (``"uniform"``).

    The numbers are those of one float64 draw of the whole shape, then cast (the generator fills
    arrays element after element, and the redraws of the truncated normal come after the whole
    draw, in index order, as in :func:`_truncated_standard_normal`), but float64 is held for
    :data:`DRAW_CHUNK` samples at a time only: a float32 array costs its own size, not three times.
    """
    out = np.empty(shape, dtype=dtype)
    flat = out.reshape(-1)

    def put(where: Any, x: np.ndarray) -> None:
        y = scale * x
        flat[where] = offset + y if offset else y

    bad = []
    for start in range(0, flat.size, DRAW_CHUNK):
        stop = min(flat.size, start + DRAW_CHUNK)
        x = (rng.uniform(low, high, size=stop - start) if kind == "uniform"
             else rng.standard_normal(stop - start))
        if kind == "truncated":
            bad.append(start + np.flatnonzero(np.abs(x) > 2.0))
        put(slice(start, stop), x)
    pending = np.concatenate(bad) if bad else np.empty(0, dtype=np.intp)
    while pending.size:
        x = rng.standard_normal(pending.size)
        ok = np.abs(x) <= 2.0
        put(pending[ok], x[ok])
        pending = pending[~ok]
    return out


def compute_fans(shape: ShapeLike) -> tuple[int, int]:
    """Return ``(fan_in, fan_out)`` of a weight array, with Keras's rules.

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight array. Dense kernels are ``(inputs, units)``.

    Returns
    -------
    fan_in, fan_out : int
        * 0-D: ``(1, 1)``;
        * 1-D ``(k,)``: ``(k, k)``;
        * 2-D ``(n, m)``: ``(n, m)`` -- n nodes in the previous layer, m in this one;
        * ≥3-D ``(*kernel, in, out)``: with ``rf = prod(kernel)``, ``(in·rf, out·rf)``.

    Notes
    -----
    torch stores weights as ``(out, in, *kernel)`` and computes ``fan_in = shape[1]·rf``; applying
    its rule to an ``(in, out)`` array would swap the fans (``docs/conventions.md`` §6).
    """
    shape = _as_shape(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


# --------------------------------------------------------------------------------------------
# base class and simple initializers
# --------------------------------------------------------------------------------------------
class Initializer:
    """Base class: ``init(shape, rng, dtype) -> np.ndarray``.

    Subclasses implement :meth:`sample` (float64, drawing only from ``rng``) and
    :meth:`get_config` (the constructor's keyword arguments, JSON-friendly).
    """

    def __call__(self, shape: ShapeLike, rng: np.random.Generator,
                 dtype: Any = "float32") -> np.ndarray:
        """Return a new array of ``shape`` and ``dtype`` drawn from ``rng``.

        Parameters
        ----------
        shape : tuple of int
            Shape of the array, e.g. ``(inputs, units)`` for a Dense kernel.
        rng : numpy.random.Generator
            The only source of randomness; its state advances.
        dtype : {"float32", "float64"} or numpy dtype, default "float32"
        """
        shape = _as_shape(shape)
        rng = _as_rng(rng)
        dtype = resolve_dtype(dtype)
        check_memory("shape", math.prod(shape) * dtype.itemsize, f"an array of shape {shape} ({dtype.name})")
        return self.draw(shape, rng, dtype)

    def draw(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: np.dtype) -> np.ndarray:
        """The array of ``dtype``: :meth:`sample` (float64) cast; the random initializers override
        it to draw in chunks (:func:`_draw`), the same numbers without a float64 copy."""
        return np.asarray(self.sample(shape, rng), dtype=np.float64).astype(dtype, copy=False)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """Keyword arguments that rebuild this initializer: ``type(self)(**get_config())``."""
        return {}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Initializer:
        """Rebuild an initializer from :meth:`get_config`'s output."""
        return cls(**dict(config))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Initializer) and type(self) is type(other) \
            and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(self.get_config().items()))))


class Zeros(Initializer):
    """All zeros: ``w = 0``. Keras's and the lecture's default bias initializer."""

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return np.zeros(shape)


class Ones(Initializer):
    """All ones: ``w = 1``."""

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return np.ones(shape)


class Constant(Initializer):
    """Every entry equal to ``value`` (Keras ``Constant``, default 0).

    Parameters
    ----------
    value : float, default 0.0
    """

    def __init__(self, value: float = 0.0) -> None:
        self.value = _real("value", value)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return np.full(shape, self.value)

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value}


class RandomNormal(Initializer):
    """Untruncated normal ``w ~ N(mean, stddev²)`` (Keras ``RandomNormal``, defaults 0 and 0.05).

    Parameters
    ----------
    mean : float, default 0.0
    stddev : float, default 0.05
        Must be ≥ 0.
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05) -> None:
        self.mean = _real("mean", mean)
        self.stddev = _real("stddev", stddev, _NON_NEGATIVE)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return self.mean + self.stddev * rng.standard_normal(shape)

    def draw(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: np.dtype) -> np.ndarray:
        return _draw(rng, shape, dtype, "normal", self.stddev, self.mean)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(Initializer):
    """Normal ``N(mean, stddev²)`` redrawn while ``|w − mean| > 2·stddev`` (Keras ``TruncatedNormal``).

    No variance correction: the resulting standard deviation is ``0.8796·stddev``. (The corrected
    version, used by ``glorot_normal``/``he_normal``/``lecun_normal``, is
    ``VarianceScaling(distribution="truncated_normal")``.)

    Parameters
    ----------
    mean : float, default 0.0
    stddev : float, default 0.05
        Must be ≥ 0.
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05) -> None:
        self.mean = _real("mean", mean)
        self.stddev = _real("stddev", stddev, _NON_NEGATIVE)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return self.mean + self.stddev * _truncated_standard_normal(rng, shape)

    def draw(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: np.dtype) -> np.ndarray:
        return _draw(rng, shape, dtype, "truncated", self.stddev, self.mean)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev}


class RandomUniform(Initializer):
    """Uniform ``w ~ U[minval, maxval)`` (Keras ``RandomUniform``, defaults −0.05 and 0.05).

    Parameters
    ----------
    minval : float, default -0.05
    maxval : float, default 0.05
        Must be ≥ ``minval``.
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05) -> None:
        self.minval = _real("minval", minval)
        self.maxval = _real("maxval", maxval)
        if self.maxval < self.minval:
            raise ValueError(f"maxval: expected a number >= minval ({self.minval!r}), "
                             f"got {self.maxval!r}")

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(self.minval, self.maxval, size=shape)

    def draw(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: np.dtype) -> np.ndarray:
        return _draw(rng, shape, dtype, "uniform", 1.0, low=self.minval, high=self.maxval)

    def get_config(self) -> dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval}


# --------------------------------------------------------------------------------------------
# variance scaling and its presets
# --------------------------------------------------------------------------------------------
class VarianceScaling(Initializer):
    """Weights with variance ``scale / fan`` (Keras ``VarianceScaling``).

    With ``fan`` = n (``"fan_in"``), m (``"fan_out"``) or (n + m)/2 (``"fan_avg"``), where n and m
    are the nodes of the previous and of this layer (:func:`compute_fans`; a fan of 0 counts as 1):

    * ``"truncated_normal"`` (also ``"normal"``, as in Keras): N(0, σ'²) redrawn outside ±2σ', with
      σ' = √(scale/fan) / 0.87962566103423978, so that the final standard deviation is √(scale/fan);
    * ``"untruncated_normal"``: N(0, scale/fan);
    * ``"uniform"``: U[−√(3·scale/fan), √(3·scale/fan)] (variance limit²/3 = scale/fan).

    Parameters
    ----------
    scale : float, default 1.0
        Must be > 0.
    mode : {"fan_in", "fan_out", "fan_avg"}, default "fan_in"
    distribution : {"truncated_normal", "untruncated_normal", "uniform", "normal"}, default "truncated_normal"
        ``"normal"`` is stored as ``"truncated_normal"``, as Keras does.

    References
    ----------
    Glorot & Bengio (2010), *Understanding the difficulty of training deep feedforward neural
    networks*; He et al. (2015), *Delving Deep into Rectifiers*; LeCun et al. (1998), *Efficient
    BackProp*.
    """

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform", "normal")

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal") -> None:
        self.scale = _real("scale", scale, _POSITIVE)
        self.mode = check("mode", mode, Options(self.MODES))
        distribution = check("distribution", distribution, Options(self.DISTRIBUTIONS))
        self.distribution = "truncated_normal" if distribution == "normal" else distribution

    def variance(self, shape: ShapeLike) -> float:
        """The target variance ``scale / max(1, fan)`` for a weight of this shape."""
        fan_in, fan_out = compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        return self.scale / max(1.0, fan)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        variance = self.variance(shape)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return rng.uniform(-limit, limit, size=shape)
        if self.distribution == "untruncated_normal":
            return math.sqrt(variance) * rng.standard_normal(shape)
        stddev = math.sqrt(variance) / TRUNCATION_STDDEV_CORRECTION
        return stddev * _truncated_standard_normal(rng, shape)

    def draw(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: np.dtype) -> np.ndarray:
        variance = self.variance(shape)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return _draw(rng, shape, dtype, "uniform", 1.0, low=-limit, high=limit)
        if self.distribution == "untruncated_normal":
            return _draw(rng, shape, dtype, "normal", math.sqrt(variance))
        return _draw(rng, shape, dtype, "truncated", math.sqrt(variance) / TRUNCATION_STDDEV_CORRECTION)

    def get_config(self) -> dict[str, Any]:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution}


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed arguments; its config is empty."""

    _ARGS: tuple[float, str, str] = (1.0, "fan_in", "truncated_normal")

    def __init__(self) -> None:
        super().__init__(*self._ARGS)

    def get_config(self) -> dict[str, Any]:
        return {}


class GlorotUniform(_Preset):
    """Xavier/Glorot uniform: ``w ~ U[−√(6/(n+m)), √(6/(n+m))]``.

    The lecture's Xavier uniform, Keras ``GlorotUniform`` (the Dense default kernel) and torch
    ``xavier_uniform_``. n, m: nodes of the previous layer and of this layer.
    Glorot & Bengio (2010). Same as ``VarianceScaling(1.0, "fan_avg", "uniform")``.
    """

    _ARGS = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    """Keras ``GlorotNormal``: *truncated* normal with standard deviation √(2/(n+m)).

    Drawn from N(0, σ'²), σ' = √(2/(n+m))/0.87962566103423978, redrawn outside ±2σ'. The lecture's
    untruncated N(0, 2/(n+m)) is :class:`XavierNormal`. Glorot & Bengio (2010).
    Same as ``VarianceScaling(1.0, "fan_avg", "truncated_normal")``.
    """

    _ARGS = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_Preset):
    """Keras ``HeNormal``: *truncated* normal with standard deviation √(2/n).

    Drawn from N(0, σ'²), σ' = √(2/n)/0.87962566103423978, redrawn outside ±2σ'. The lecture's
    untruncated N(0, 2/n) is :class:`KaimingNormal`. He et al. (2015).
    Same as ``VarianceScaling(2.0, "fan_in", "truncated_normal")``.
    """

    _ARGS = (2.0, "fan_in", "truncated_normal")


class HeUniform(_Preset):
    """He uniform: ``w ~ U[−√(6/n), √(6/n)]`` (lecture; Keras ``HeUniform``; torch ``kaiming_uniform_``).

    n: nodes of the previous layer. He et al. (2015). Same as ``VarianceScaling(2.0, "fan_in", "uniform")``.
    """

    _ARGS = (2.0, "fan_in", "uniform")


class LecunNormal(_Preset):
    """Keras ``LecunNormal``: *truncated* normal with standard deviation √(1/n).

    LeCun et al. (1998), *Efficient BackProp*; the initializer of SELU networks (Klambauer et al.
    2017). Same as ``VarianceScaling(1.0, "fan_in", "truncated_normal")``.
    """

    _ARGS = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_Preset):
    """LeCun uniform: ``w ~ U[−√(3/n), √(3/n)]`` (Keras ``LecunUniform``).

    LeCun et al. (1998). Same as ``VarianceScaling(1.0, "fan_in", "uniform")``.
    """

    _ARGS = (1.0, "fan_in", "uniform")


class XavierUniform(VarianceScaling):
    """torch ``xavier_uniform_``: ``w ~ U[−a, a]``, a = gain·√(6/(n+m)) — the lecture's Xavier uniform.

    With ``gain=1`` identical to :class:`GlorotUniform`. Glorot & Bengio (2010).

    Parameters
    ----------
    gain : float, default 1.0
        torch's ``calculate_gain`` factor (e.g. 5/3 for tanh). Must be > 0.
    """

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = _real("gain", gain, _POSITIVE)
        super().__init__(self.gain ** 2, "fan_avg", "uniform")

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain}


class XavierNormal(VarianceScaling):
    """torch ``xavier_normal_``: ``w ~ N(0, 2/(n+m))`` untruncated — the lecture's Xavier normal.

    Standard deviation gain·√(2/(n+m)). Keras's ``glorot_normal`` has the same standard deviation
    but is truncated. Glorot & Bengio (2010).

    Parameters
    ----------
    gain : float, default 1.0
        Must be > 0.
    """

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = _real("gain", gain, _POSITIVE)
        super().__init__(self.gain ** 2, "fan_avg", "untruncated_normal")

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain}


class _Kaiming(VarianceScaling):
    _DISTRIBUTION = "uniform"

    def __init__(self, negative_slope: float = 0.0, mode: str = "fan_in") -> None:
        self.negative_slope = _real("negative_slope", negative_slope)
        mode = check("mode", mode, Options(("fan_in", "fan_out")))
        # torch's calculate_gain("leaky_relu", a)² = 2 / (1 + a²); a = 0 is plain ReLU.
        super().__init__(2.0 / (1.0 + self.negative_slope ** 2), mode, self._DISTRIBUTION)

    def get_config(self) -> dict[str, Any]:
        return {"negative_slope": self.negative_slope, "mode": self.mode}


class KaimingUniform(_Kaiming):
    """torch ``kaiming_uniform_``: ``w ~ U[−√(6/n), √(6/n)]`` — the lecture's He uniform.

    In general the bound is √(6 / ((1 + a²)·fan)) with a = ``negative_slope`` (leaky ReLU) and
    fan = n (``"fan_in"``) or m (``"fan_out"``). He et al. (2015).

    Parameters
    ----------
    negative_slope : float, default 0.0
        torch's ``a``. Note torch's ``nn.Linear`` default is ``a=√5``, i.e. U[±1/√n].
    mode : {"fan_in", "fan_out"}, default "fan_in"
    """

    _DISTRIBUTION = "uniform"


class KaimingNormal(_Kaiming):
    """torch ``kaiming_normal_``: ``w ~ N(0, 2/n)`` untruncated — the lecture's He normal.

    In general the variance is 2 / ((1 + a²)·fan) with a = ``negative_slope`` and fan = n
    (``"fan_in"``) or m (``"fan_out"``). Keras's ``he_normal`` is the truncated version.
    He et al. (2015).

    Parameters
    ----------
    negative_slope : float, default 0.0
    mode : {"fan_in", "fan_out"}, default "fan_in"
    """

    _DISTRIBUTION = "untruncated_normal"


class FunctionInitializer(Initializer):
    """Wraps a plain callable ``f(shape, rng, dtype) -> array`` and checks what it returns."""

    def __init__(self, function: Callable[..., Any]) -> None:
        if not callable(function):
            raise TypeError(f"function: expected a callable, got {type(function).__name__}")
        self.function = function

    def __call__(self, shape: ShapeLike, rng: np.random.Generator,
                 dtype: Any = "float32") -> np.ndarray:
        shape = _as_shape(shape)
        rng = _as_rng(rng)
        dtype = resolve_dtype(dtype)
        name = getattr(self.function, "__name__", repr(self.function))
        out = np.asarray(self.function(shape, rng, dtype))
        if out.shape != shape:
            raise ValueError(f"initializer {name}: expected an array of shape {shape}, "
                             f"got shape {out.shape}")
        if not np.issubdtype(out.dtype, np.number) or np.iscomplexobj(out):
            raise TypeError(f"initializer {name}: expected a real numeric array, got dtype {out.dtype}")
        return out.astype(dtype, copy=False)

    def get_config(self) -> dict[str, Any]:
        raise TypeError(f"initializer: a plain function ({self.function!r}) cannot be serialized; "
                        "subclass descend.initializers.Initializer and implement get_config")

    def __repr__(self) -> str:
        return f"FunctionInitializer({self.function!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FunctionInitializer) and other.function is self.function

    def __hash__(self) -> int:
        return hash(self.function)


# --------------------------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------------------------
#: snake_case name -> class. Lookups are case-insensitive and ignore underscores, so the Keras
#: class names ("GlorotUniform") work too.
INITIALIZERS: dict[str, type[Initializer]] = {
    "zeros": Zeros, "ones": Ones, "constant": Constant,
    "random_normal": RandomNormal, "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_normal": HeNormal, "he_uniform": HeUniform,
    "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform,
    "xavier_uniform": XavierUniform, "xavier_normal": XavierNormal,
    "kaiming_uniform": KaimingUniform, "kaiming_normal": KaimingNormal,
}


def _key(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


_LOOKUP = {_key(name): cls for name, cls in INITIALIZERS.items()}


def _class_for(name: str, argument: str) -> type[Initializer]:
    cls = _LOOKUP.get(_key(name))
    if cls is None:
        raise ValueError(f"{argument}: unknown initializer {name!r}; known: {sorted(INITIALIZERS)}")
    return cls


def get(identifier: Any) -> Initializer | None:
    """Return the initializer named, described or given by ``identifier``.

    Parameters
    ----------
    identifier : str, Initializer, dict, callable or None
        * a name, case-insensitive: ``"he_normal"``, ``"HeNormal"``, ``"xavier_normal"`` … (see
          :data:`INITIALIZERS`) -- built with its default arguments;
        * an :class:`Initializer` -- returned as is;
        * a config dict ``{"class_name": ..., "config": {...}}`` as written by :func:`serialize`;
        * a plain callable ``f(shape, rng, dtype) -> array`` -- wrapped in a
          :class:`FunctionInitializer` that checks the returned shape;
        * ``None`` -- returned as None (as in Keras).

    Raises
    ------
    ValueError
        Unknown name (the message lists the known ones) or a malformed dict.
    TypeError
        Any other type, or config arguments the class does not accept.
    """
    if identifier is None or isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str):
        return _class_for(identifier, "initializer")()
    if isinstance(identifier, Mapping):
        return deserialize(identifier)
    if callable(identifier) and not isinstance(identifier, type):
        return FunctionInitializer(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    raise TypeError("initializer: expected a name, an Initializer, a config dict "
                    "{'class_name', 'config'} or a callable f(shape, rng, dtype), "
                    f"got {type(identifier).__name__} {identifier!r}")


def serialize(initializer: Initializer) -> dict[str, Any]:
    """Return ``{"class_name": <class name>, "config": get_config()}`` (JSON-friendly)."""
    if not isinstance(initializer, Initializer):
        raise TypeError(f"initializer: expected an Initializer, got {type(initializer).__name__}")
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}


def deserialize(config: Mapping[str, Any]) -> Initializer:
    """Inverse of :func:`serialize`; ``class_name`` may also be a snake_case name."""
    if not isinstance(config, Mapping) or "class_name" not in config:
        raise ValueError("initializer: expected a dict with keys 'class_name' and 'config', "
                         f"got {config!r}")
    extra = set(config) - {"class_name", "config"}
    if extra:
        raise ValueError(f"initializer: unexpected keys {sorted(extra)} in config dict; "
                         "expected 'class_name' and 'config'")
    class_name = config["class_name"]
    if not isinstance(class_name, str):
        raise TypeError(f"initializer: expected 'class_name' to be a str, got {type(class_name).__name__}")
    cls = _class_for(class_name, "initializer")
    kwargs = config.get("config") or {}
    if not isinstance(kwargs, Mapping):
        raise TypeError(f"initializer: expected 'config' to be a dict, got {type(kwargs).__name__}")
    try:
        return cls.from_config(kwargs)
    except TypeError as exc:
        if "argument" in str(exc) and "__init__" in str(exc):
            raise TypeError(f"initializer {class_name}: config {dict(kwargs)!r} does not match "
                            f"its arguments ({exc})") from None
        raise
