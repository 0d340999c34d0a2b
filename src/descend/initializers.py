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

Also here: ``zeros``, ``ones``, ``constant(value)`` (a number, or an array broadcast to the
shape), ``identity(gain)``, ``orthogonal(gain)``, ``random_normal(mean, stddev)``,
``random_uniform(minval, maxval)``, ``truncated_normal(mean, stddev)`` (Keras's, no variance
correction) and the general :class:`VarianceScaling` (with Keras's ``input_axes``/``output_axes``
for kernels whose fans are not the last two axes).

**Seeds.** The random initializers with a Keras counterpart take Keras's ``seed`` (an int ≥ 0):
a seeded initializer draws every array from a fresh ``numpy.random.default_rng(seed)`` — the same
array at each call, whatever generator the layer passes, as a Keras initializer seeded with an
int — and is written into its config (only when given, so an unseeded config is as before). The
numbers are NumPy's, not Keras's: the generators differ.

Every initializer is called as ``init(shape, rng, dtype)`` and draws only from ``rng`` (a
:class:`numpy.random.Generator`; ``rng`` may be left out by the initializers that draw nothing
and by seeded ones), never from the global random state: the same generator state
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
from .checks import Interval, ListOf, Options, check, check_memory, from_class_config, is_number

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeNormal",
    "HeUniform", "LecunNormal", "LecunUniform", "XavierUniform", "XavierNormal",
    "KaimingUniform", "KaimingNormal", "Identity", "Orthogonal", "FunctionInitializer", "INITIALIZERS",
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
#: Keras's ``seed`` of a random initializer (NumPy's ``default_rng`` takes ints >= 0)
_SEED = Interval(int, 0)
#: Keras's ``input_axes`` / ``output_axes``
_AXES = ListOf(Interval(int), "a list of axes (ints)")


def _seed(seed: Any) -> int | None:
    return None if seed is None else check("seed", seed, _SEED)


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


def _fan_axes(input_axes: Any, output_axes: Any) -> tuple[list[int], list[int]] | None:
    """Keras's fan axes: both lists of ints, or None (both None)."""
    if input_axes is None and output_axes is None:
        return None
    if input_axes is None or output_axes is None:
        raise ValueError(f"input_axes, output_axes: expected both lists of axes or both None, got "
                         f"input_axes={input_axes!r}, output_axes={output_axes!r}")
    return check("input_axes", input_axes, _AXES), check("output_axes", output_axes, _AXES)


def _axes(shape: tuple[int, ...], input_axes: Any, output_axes: Any) -> tuple[list[int], list[int]] | None:
    """Keras's fan axes, checked: both lists of axes of ``shape`` (negative from the end), or None."""
    both = _fan_axes(input_axes, output_axes)
    if both is None:
        return None
    for name, axes in zip(("input_axes", "output_axes"), both, strict=True):
        for axis in axes:
            if not -len(shape) <= axis < len(shape):
                raise ValueError(f"{name}: expected axes of a shape of rank {len(shape)} "
                                 f"({-len(shape)} to {len(shape) - 1}), got {axis} for shape {shape}")
    return both


def compute_fans(shape: ShapeLike, input_axes: Sequence[int] | None = None,
                 output_axes: Sequence[int] | None = None) -> tuple[int, int]:
    """Return ``(fan_in, fan_out)`` of a weight array, with Keras's rules.

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight array. Dense kernels are ``(inputs, units)``.
    input_axes, output_axes : list of int, optional
        Keras's explicit fans (both or neither): ``fan_in = prod(shape[a] for a in input_axes)``,
        ``fan_out`` likewise -- e.g. a multi-head attention query kernel ``(dim, heads, key_dim)``
        has ``input_axes=[0]``, ``output_axes=[1, 2]``.

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
    axes = _axes(shape, input_axes, output_axes)
    if axes is not None:
        return math.prod(shape[a] for a in axes[0]), math.prod(shape[a] for a in axes[1])
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

    #: whether :meth:`sample` draws from ``rng`` (False: ``rng`` may be left out)
    RANDOM = True
    #: Keras's ``seed``: if set, every call draws from ``numpy.random.default_rng(seed)``
    seed: int | None = None

    def __call__(self, shape: ShapeLike, rng: np.random.Generator | None = None,
                 dtype: Any = "float32") -> np.ndarray:
        """Return a new array of ``shape`` and ``dtype`` drawn from ``rng``.

        Parameters
        ----------
        shape : tuple of int
            Shape of the array, e.g. ``(inputs, units)`` for a Dense kernel.
        rng : numpy.random.Generator
            The only source of randomness; its state advances. Not used (and may be None) when
            the initializer has a ``seed`` or draws nothing.
        dtype : {"float32", "float64"} or numpy dtype, default "float32"
        """
        shape = _as_shape(shape)
        rng = self._generator(rng)
        dtype = resolve_dtype(dtype)
        check_memory("shape", math.prod(shape) * dtype.itemsize, f"an array of shape {shape} ({dtype.name})")
        return self.draw(shape, rng, dtype)

    def _generator(self, rng: Any) -> np.random.Generator:
        """The generator a call draws from: a fresh one of ``seed`` if set, else ``rng`` (checked
        whenever given, so a wrong one is named even where it is not drawn from)."""
        if rng is not None or (self.seed is None and self.RANDOM):
            rng = _as_rng(rng)
        if self.seed is not None:
            return np.random.default_rng(self.seed)
        return np.random.default_rng(0) if rng is None else rng     # the former: never drawn from

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
        return hash((type(self).__name__, repr(sorted(self.get_config().items()))))


def _with_seed(config: dict[str, Any], seed: int | None) -> dict[str, Any]:
    """``config`` with Keras's ``seed`` added when one was given."""
    return config if seed is None else {**config, "seed": seed}


class Zeros(Initializer):
    """All zeros: ``w = 0``. Keras's and the lecture's default bias initializer."""

    RANDOM = False

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return np.zeros(shape)


class Ones(Initializer):
    """All ones: ``w = 1``."""

    RANDOM = False

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return np.ones(shape)


class Constant(Initializer):
    """Every entry equal to ``value`` (Keras ``Constant``, default 0).

    Parameters
    ----------
    value : float or array-like, default 0.0
        A number, or an array of finite numbers broadcast to the shape asked for (Keras
        multiplies its value by ones of the shape); its config holds the array as nested lists.
    """

    RANDOM = False

    def __init__(self, value: float | Any = 0.0) -> None:
        self.value: float | np.ndarray
        if is_number(value) or not isinstance(value, (list, tuple, np.ndarray)):
            self.value = _real("value", value)
            return
        array = np.array(value, dtype=np.float64) if _is_real_array(value) else None
        if array is None or not np.all(np.isfinite(array)):
            raise ValueError(f"value: expected a finite number or an array of finite numbers, got {value!r}")
        array.flags.writeable = False
        self.value = array

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        if isinstance(self.value, float):
            return np.full(shape, self.value)
        try:
            return np.array(np.broadcast_to(self.value, shape))
        except ValueError:
            raise ValueError(f"shape: expected a shape the constant's value of shape {self.value.shape} "
                             f"broadcasts to, got {shape}") from None

    def get_config(self) -> dict[str, Any]:
        return {"value": self.value if isinstance(self.value, float) else self.value.tolist()}


def _is_real_array(value: Any) -> bool:
    try:
        array = np.asarray(value)
    except ValueError:                      # ragged lists
        return False
    return array.dtype.kind in "iuf" and array.dtype != np.bool_


class Identity(Initializer):
    """``gain`` times the identity matrix (Keras ``Identity``; 2-D shapes only, rectangular ones
    get ones on the main diagonal, as ``numpy.eye``).

    Parameters
    ----------
    gain : float, default 1.0
    """

    RANDOM = False

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = _real("gain", gain)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        if len(shape) != 2:
            raise ValueError(f"shape: the identity initializer makes 2-D matrices only; expected a "
                             f"shape of rank 2, got {shape} of rank {len(shape)}")
        return self.gain * np.eye(*shape)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain}


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix times ``gain`` (Keras ``Orthogonal``; Saxe et al. 2014).

    Keras's algorithm: the shape is flattened to ``(rows, cols) = (prod(shape[:-1]), shape[-1])``;
    a normal matrix A of shape ``(max(rows, cols), min(rows, cols))`` is drawn, ``A = QR``
    (reduced), the sign fix ``Q ← Q · sign(diag R)`` makes Q uniform over the orthogonal
    matrices, Q is transposed when rows < cols, and ``gain · Q`` is reshaped to the shape. So
    the columns are orthonormal (times gain) when rows ≥ cols, the rows otherwise.

    Parameters
    ----------
    gain : float, default 1.0
    seed : int, optional
        Keras's seed: every call draws from ``numpy.random.default_rng(seed)``.
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        self.gain = _real("gain", gain)
        self.seed = _seed(seed)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        if len(shape) < 2:
            raise ValueError(f"shape: the orthogonal initializer needs at least 2 dimensions, "
                             f"got {shape} of rank {len(shape)}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = rng.standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)

    def get_config(self) -> dict[str, Any]:
        return _with_seed({"gain": self.gain}, self.seed)


class RandomNormal(Initializer):
    """Untruncated normal ``w ~ N(mean, stddev²)`` (Keras ``RandomNormal``, defaults 0 and 0.05).

    Parameters
    ----------
    mean : float, default 0.0
    stddev : float, default 0.05
        Must be ≥ 0.
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean = _real("mean", mean)
        self.stddev = _real("stddev", stddev, _NON_NEGATIVE)
        self.seed = _seed(seed)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return self.mean + self.stddev * rng.standard_normal(shape)

    def draw(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: np.dtype) -> np.ndarray:
        return _draw(rng, shape, dtype, "normal", self.stddev, self.mean)

    def get_config(self) -> dict[str, Any]:
        return _with_seed({"mean": self.mean, "stddev": self.stddev}, self.seed)


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

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean = _real("mean", mean)
        self.stddev = _real("stddev", stddev, _NON_NEGATIVE)
        self.seed = _seed(seed)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return self.mean + self.stddev * _truncated_standard_normal(rng, shape)

    def draw(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: np.dtype) -> np.ndarray:
        return _draw(rng, shape, dtype, "truncated", self.stddev, self.mean)

    def get_config(self) -> dict[str, Any]:
        return _with_seed({"mean": self.mean, "stddev": self.stddev}, self.seed)


class RandomUniform(Initializer):
    """Uniform ``w ~ U[minval, maxval)`` (Keras ``RandomUniform``, defaults −0.05 and 0.05).

    Parameters
    ----------
    minval : float, default -0.05
    maxval : float, default 0.05
        Must be ≥ ``minval``.
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None) -> None:
        self.minval = _real("minval", minval)
        self.maxval = _real("maxval", maxval)
        self.seed = _seed(seed)
        if self.maxval < self.minval:
            raise ValueError(f"maxval: expected a number >= minval ({self.minval!r}), "
                             f"got {self.maxval!r}")

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(self.minval, self.maxval, size=shape)

    def draw(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: np.dtype) -> np.ndarray:
        return _draw(rng, shape, dtype, "uniform", 1.0, low=self.minval, high=self.maxval)

    def get_config(self) -> dict[str, Any]:
        return _with_seed({"minval": self.minval, "maxval": self.maxval}, self.seed)


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
    seed : int, optional
        Keras's seed: every call draws from ``numpy.random.default_rng(seed)``.
    input_axes, output_axes : list of int, optional
        Keras's explicit fan axes, both or neither (:func:`compute_fans`); in the config only
        when given, as ``seed``.

    References
    ----------
    Glorot & Bengio (2010), *Understanding the difficulty of training deep feedforward neural
    networks*; He et al. (2015), *Delving Deep into Rectifiers*; LeCun et al. (1998), *Efficient
    BackProp*.
    """

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform", "normal")

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed: int | None = None,
                 input_axes: Sequence[int] | None = None, output_axes: Sequence[int] | None = None) -> None:
        self.scale = _real("scale", scale, _POSITIVE)
        self.mode = check("mode", mode, Options(self.MODES))
        distribution = check("distribution", distribution, Options(self.DISTRIBUTIONS))
        self.distribution = "truncated_normal" if distribution == "normal" else distribution
        self.seed = _seed(seed)
        axes = _fan_axes(input_axes, output_axes)
        self.input_axes: list[int] | None = None if axes is None else axes[0]
        self.output_axes: list[int] | None = None if axes is None else axes[1]

    def variance(self, shape: ShapeLike) -> float:
        """The target variance ``scale / max(1, fan)`` for a weight of this shape."""
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
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
        config = _with_seed({"scale": self.scale, "mode": self.mode, "distribution": self.distribution},
                            self.seed)
        if self.input_axes is not None:
            config.update(input_axes=self.input_axes, output_axes=self.output_axes)
        return config


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed arguments; its config is empty (or Keras's ``seed``)."""

    _ARGS: tuple[float, str, str] = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(*self._ARGS, seed=seed)

    def get_config(self) -> dict[str, Any]:
        return _with_seed({}, self.seed)


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

    def __call__(self, shape: ShapeLike, rng: np.random.Generator | None = None,
                 dtype: Any = "float32") -> np.ndarray:
        shape = _as_shape(shape)
        rng = _as_rng(rng)          # a plain function may draw: it always gets a generator
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


class _GivenArray(Initializer):
    """The array given to :func:`get` (Keras's ``initializers.get(tensor)``), for its own shape only."""

    RANDOM = False

    def __init__(self, array: Any) -> None:
        if not _is_real_array(array) or not np.all(np.isfinite(array)):
            raise ValueError(f"initializer: expected an array of finite real numbers, got {array!r}")
        self.array = np.array(array, dtype=np.float64)
        self.array.flags.writeable = False

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        if shape != self.array.shape:
            raise ValueError(f"shape: expected {self.array.shape} (the shape of the array given as "
                             f"initializer), got {shape}")
        return self.array.copy()

    def get_config(self) -> dict[str, Any]:
        raise TypeError("initializer: an array given as initializer cannot be serialized; "
                        "use Constant(value=array) for one that can")

    def __repr__(self) -> str:
        return f"initializer of the array of shape {self.array.shape}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _GivenArray) and np.array_equal(other.array, self.array)

    def __hash__(self) -> int:
        return hash(self.array.tobytes())


# --------------------------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------------------------
#: snake_case name -> class. Lookups are case-insensitive and ignore underscores, so the Keras
#: class names ("GlorotUniform") work too.
INITIALIZERS: dict[str, type[Initializer]] = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "identity": Identity, "orthogonal": Orthogonal,
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


#: Keras's other names of two classes ("IdentityInitializer", "OrthogonalInitializer")
_ALIASES: dict[str, type[Initializer]] = {"identity_initializer": Identity,
                                          "orthogonal_initializer": Orthogonal}
_LOOKUP = {_key(name): cls for name, cls in {**INITIALIZERS, **_ALIASES}.items()}


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
        * a NumPy array -- that array, for a weight of its shape only (Keras's
          ``get(tensor)``; not serializable, unlike ``Constant(value=array)``);
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
    if isinstance(identifier, (np.ndarray, np.generic)):
        return _GivenArray(identifier)
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
    initializer: Initializer = from_class_config(
        "initializer", config, lambda name: _class_for(name, "initializer"))
    return initializer
