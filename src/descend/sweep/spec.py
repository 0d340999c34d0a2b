"""The sweep spec: a TOML file whose keys are ``descend train``'s options, and the trials it names.

::

    data = "moons"                  # any `descend train` option, with underscores: fixed for all trials
    layers = "16,16"
    epochs = 50
    seeds = 3                       # seeds 0, 1, 2 for every point (or a list: seeds = [0, 7])

    [grid]                          # every combination
    optimizer = ["sgd", "momentum", "adam"]
    lr = [0.01, 0.1]

    [random]                        # n points drawn with numpy's generator seeded by `seed`
    n = 20
    seed = 0
    lr = {log = [1e-4, 1]}          # log-uniform; also {uniform = [a, b]}, {int = [a, b]} (both ends
    init = ["he_normal", "glorot_uniform"]   # included) and a list (one of its values)

A grid and a random block may be combined: each random point is crossed with every grid point
(so every optimizer of the grid sees the same random learning rates). Seeds are crossed with
everything.

The option names and their value types come from ``descend train``'s own parser (its actions'
``dest``), so whatever ``descend train`` accepts, a sweep can vary, and nothing else. A trial is
its options and its seed; its id is a hash of both, so the same trial has the same id in every
run of the spec (that is what resuming relies on). Values that only ``descend train`` itself can
judge (an unknown optimizer, a negative learning rate, a batch size that contradicts ``gd``) are
checked by :func:`descend.sweep.runners.rehearse`.
"""
from __future__ import annotations

import argparse
import difflib
import functools
import hashlib
import itertools
import json
import math
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: options a sweep decides itself (dest -> why the spec may not set them)
RESERVED = {
    "seed": "the seeds are given by seeds = N (seeds 0 .. N-1) or seeds = [list]",
    "out": "each trial writes to a folder of its own; the sweep's folder is descend sweep --out",
    "resume": "every trial trains from scratch",
    "quiet": "trials always run quietly",
    "no_plot": "trials draw no pictures; descend sweep report draws them",
}
#: spec keys that are not train options
SPEC_KEYS = ("seeds", "grid", "random")
RANGE_KINDS = ("log", "uniform", "int")


@dataclass(frozen=True)
class Option:
    """One ``descend train`` option as its parser defines it."""

    dest: str
    flag: str
    kind: str                   # "int", "float", "str", "flag" (store_true) or "list" (append)
    choices: tuple[Any, ...] | None = None


@functools.cache
def train_options() -> dict[str, Option]:
    """``descend train``'s options (dest -> :class:`Option`), read from the CLI's own parser."""
    from ..cli import build_parser

    train = _subparser(build_parser("train"), "train")
    options: dict[str, Option] = {}
    for action in train._actions:
        if not action.option_strings or action.dest in ("help", *RESERVED):
            continue
        flag = max(action.option_strings, key=len)
        choices = tuple(action.choices) if action.choices is not None else None
        options[action.dest] = Option(action.dest, flag, _kind(action), choices)
    return options


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action.choices, dict) and name in action.choices:
            sub: argparse.ArgumentParser = action.choices[name]
            return sub
    raise LookupError(f"the descend CLI has no {name!r} command")  # pragma: no cover


def _kind(action: argparse.Action) -> str:
    if action.nargs == 0 and action.const is True:
        return "flag"
    if isinstance(action, argparse._AppendAction):
        return "list"
    if action.type is int:
        return "int"
    if action.type is float:
        return "float"
    return "str"


# ------------------------------------------------------------------------------------ values
_EXPECTED = {"int": "an integer", "float": "a number", "str": "a string", "flag": "true or false",
             "list": "a string KEY=VALUE or a list of them"}


def check_value(key: str, value: Any, name: str | None = None) -> Any:
    """``value`` for the train option ``key`` in its canonical form (floats as float, the
    append option as a list of strings), or a ValueError naming the key (as ``name``, e.g.
    ``grid.lr``)."""
    name = name or key
    option = train_options()[key]
    kind = option.kind
    ok = {"int": type(value) is int,
          "float": type(value) in (int, float),
          "str": isinstance(value, str),
          "flag": isinstance(value, bool),
          "list": isinstance(value, str)
          or (isinstance(value, list) and all(isinstance(v, str) for v in value))}
    if not ok[kind]:
        raise ValueError(f"{name}: expected {_EXPECTED[kind]} (as {option.flag} takes), got "
                         f"{type(value).__name__} {value!r}")
    if kind == "float":
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{name}: expected a finite number, got {value!r}")
    if kind == "list" and isinstance(value, str):
        value = [value]
    if option.choices is not None and value not in option.choices:
        raise ValueError(f"{name}: expected one of {list(option.choices)}, got {value!r}")
    return value


def _check_key(key: str, where: str) -> None:
    options = train_options()
    if key in options:
        return
    name = f"{where}.{key}" if where else key
    if key in RESERVED:
        raise ValueError(f"{name}: set by the sweep, not the spec ({RESERVED[key]})")
    close = difflib.get_close_matches(key.replace("-", "_"), list(options), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"{name}: unknown key; a sweep spec's keys are descend train's options with "
                     f"underscores ({', '.join(options)}) and seeds, [grid], [random]{hint}")


# ------------------------------------------------------------------------------------- trials
@dataclass(frozen=True)
class Trial:
    """One run of ``descend train``: its options (dest -> value) and its seed."""

    index: int
    options: dict[str, Any]
    seed: int
    id: str = field(init=False)

    def __post_init__(self) -> None:
        canonical = json.dumps({"options": self.options, "seed": self.seed}, sort_keys=True)
        object.__setattr__(self, "id", hashlib.sha256(canonical.encode()).hexdigest()[:16])

    def argv(self) -> list[str]:
        """The trial's ``descend train`` arguments (without the command name, --out, --quiet)."""
        options = train_options()
        out: list[str] = []
        for dest in options:  # the parser's order, whatever the spec's
            if dest in self.options:
                out += _arguments(options[dest], self.options[dest])
        return out + ["--seed", str(self.seed)]

    def command(self) -> str:
        """The shell command that reproduces this trial (add ``--out DIR`` to keep its files)."""
        return shlex.join(["descend", "train", *self.argv()])


def _arguments(option: Option, value: Any) -> list[str]:
    if option.kind == "flag":
        return [option.flag] if value else []
    values = value if option.kind == "list" else [value]
    out = []
    for v in values:
        text = repr(v) if isinstance(v, float) else str(v)
        # "--lr=-1" rather than "--lr -1": a value that starts with "-" is never taken for a flag
        out += [f"{option.flag}={text}"] if text.startswith("-") else [option.flag, text]
    return out


@dataclass
class Spec:
    """A parsed sweep spec. ``fixed``: options of every trial; ``grid``: option -> values;
    ``random``: option -> range or choices, ``n`` points seeded by ``random_seed``."""

    fixed: dict[str, Any]
    grid: dict[str, list[Any]]
    random: dict[str, Any]
    n_random: int
    random_seed: int
    seeds: list[int]

    @property
    def varied(self) -> list[str]:
        """The options that differ between trials, grid first."""
        return [*self.grid, *self.random]

    def to_json(self) -> dict[str, Any]:
        """What identifies the sweep (stored with its results, compared on a rerun)."""
        return {"fixed": self.fixed, "grid": self.grid, "random": self.random, "n_random": self.n_random,
                "random_seed": self.random_seed, "seeds": self.seeds}

    def points(self) -> list[dict[str, Any]]:
        """Every combination of the varied options (without the seed), in a fixed order."""
        grid = [dict(zip(self.grid, combo, strict=True)) for combo in itertools.product(*self.grid.values())]
        if not self.random:
            return grid
        drawn = _draw(self.random, self.n_random, self.random_seed)
        return [{**g, **r} for g in grid for r in drawn]

    def trials(self) -> list[Trial]:
        """All trials: every point × every seed (seeds innermost), each id once."""
        out: list[Trial] = []
        seen: set[str] = set()
        for point in self.points():
            for seed in self.seeds:
                trial = Trial(len(out), {**self.fixed, **point}, seed)
                if trial.id not in seen:
                    seen.add(trial.id)
                    out.append(trial)
        return out


def _draw(ranges: dict[str, Any], n: int, seed: int) -> list[dict[str, Any]]:
    import numpy as np

    rng = np.random.default_rng(seed)
    points = []
    for _ in range(n):
        point: dict[str, Any] = {}
        for key, spec in ranges.items():
            if isinstance(spec, list):
                point[key] = spec[int(rng.integers(len(spec)))]
                continue
            (kind, (low, high)), = spec.items()
            if kind == "log":
                point[key] = float(math.exp(rng.uniform(math.log(low), math.log(high))))
            elif kind == "uniform":
                point[key] = float(rng.uniform(low, high))
            else:
                point[key] = int(rng.integers(low, high, endpoint=True))
        points.append(point)
    return points


# ------------------------------------------------------------------------------------ parsing
def load_spec(path: str | Path) -> Spec:
    """Read and check a sweep spec (TOML). Raises ValueError naming the key at fault.

    A relative ``csv`` path is taken relative to the spec file (and stored absolute), so the
    spec runs from any folder.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"SPEC: no such file {str(path)!r}")
    try:
        doc = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from None
    return parse_spec(doc, base=path.parent)


def parse_spec(doc: dict[str, Any], base: Path | None = None) -> Spec:
    """A :class:`Spec` from the TOML document's dictionary (see the module's docstring)."""
    fixed: dict[str, Any] = {}
    for key, value in doc.items():
        if key in SPEC_KEYS:
            continue
        _check_key(key, "")
        if isinstance(value, (dict, list)) and train_options()[key].kind != "list":
            raise ValueError(f"{key}: expected one value (to vary it, put it under [grid] or [random]), "
                             f"got {value!r}")
        fixed[key] = check_value(key, value)
    grid = _grid(doc.get("grid"))
    random, n, random_seed = _random(doc.get("random"))
    for key in (*grid, *random):
        if key in fixed:
            raise ValueError(f"{key}: given both as a fixed value and under [grid] or [random]")
    both = sorted(set(grid) & set(random))
    if both:
        raise ValueError(f"{both[0]}: given both under [grid] and [random]")
    if "csv" in fixed and base is not None:
        fixed["csv"] = str((base / fixed["csv"]).resolve())
    return Spec(fixed, grid, random, n, random_seed, _seeds(doc.get("seeds", 1)))


def _table(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{name}: expected a table ([{name}] with one key per option), got {value!r}")
    if not value:
        raise ValueError(f"{name}: empty; name at least one option to vary")
    return value


def _grid(value: Any) -> dict[str, list[Any]]:
    if value is None:
        return {}
    grid = {}
    for key, values in _table(value, "grid").items():
        _check_key(key, "grid")
        if not isinstance(values, list):
            raise ValueError(f"grid.{key}: expected a list of values, got {values!r}")
        checked = _values(key, values, f"grid.{key}")
        if any(checked.count(v) > 1 for v in checked):
            raise ValueError(f"grid.{key}: a value is listed twice in {values!r}")
        grid[key] = checked
    return grid


def _random(value: Any) -> tuple[dict[str, Any], int, int]:
    if value is None:
        return {}, 0, 0
    table = dict(_table(value, "random"))
    n = table.pop("n", None)
    if type(n) is not int or n < 1:
        raise ValueError(f"random.n: expected the number of points to draw, an integer >= 1, got {n!r}")
    seed = table.pop("seed", 0)
    if type(seed) is not int or seed < 0:
        raise ValueError(f"random.seed: expected an integer >= 0, got {seed!r}")
    if not table:
        raise ValueError("random: name at least one option to draw, e.g. lr = {log = [1e-4, 1]}")
    ranges: dict[str, Any] = {}
    for key, spec in table.items():
        _check_key(key, "random")
        ranges[key] = _range(key, spec)
    return ranges, n, seed


def _values(key: str, values: list[Any], name: str) -> list[Any]:
    """A list of values to draw from, each checked as ``descend train`` would."""
    if not values:
        raise ValueError(f"{name}: empty list; give at least one value")
    return [check_value(key, v, name) for v in values]


def _check_range_kind(key: str, kind: str, name: str) -> None:
    """An int range for an int option, a log or uniform range for a float one."""
    kind_of_option = train_options()[key].kind
    wanted = "int" if kind == "int" else "float"
    if kind_of_option != wanted:
        raise ValueError(f"{name}: a {kind} range needs a {wanted} option; "
                         f"{train_options()[key].flag} takes {_EXPECTED[kind_of_option]}")


def _range(key: str, spec: Any) -> Any:
    name = f"random.{key}"
    if isinstance(spec, list):
        return _values(key, spec, name)
    if not isinstance(spec, dict) or len(spec) != 1 or next(iter(spec)) not in RANGE_KINDS:
        raise ValueError(f"{name}: expected a list of values or one of {{log = [low, high]}}, "
                         f"{{uniform = [low, high]}}, {{int = [low, high]}}; got {spec!r}")
    (kind, bounds), = spec.items()
    _check_range_kind(key, kind, name)
    numbers = (int,) if kind == "int" else (int, float)
    if not isinstance(bounds, list) or len(bounds) != 2 or not all(type(b) in numbers for b in bounds):
        raise ValueError(f"{name}: expected {{{kind} = [low, high]}} with two numbers, got {spec!r}")
    low, high = (check_value(key, b, name) for b in bounds)
    if not low < high:
        raise ValueError(f"{name}: expected low < high, got [{low}, {high}]")
    if kind == "log" and low <= 0:
        raise ValueError(f"{name}: a log range needs low > 0, got {low}")
    return {kind: [low, high]}


def _seeds(value: Any) -> list[int]:
    if type(value) is int:
        if value < 1:
            raise ValueError(f"seeds: expected the number of seeds (>= 1) or a list of seeds, got {value}")
        return list(range(value))
    if isinstance(value, list) and value and all(type(s) is int and s >= 0 for s in value):
        if len(set(value)) != len(value):
            raise ValueError(f"seeds: a seed is listed twice in {value}")
        return list(value)
    raise ValueError(f"seeds: expected the number of seeds (>= 1) or a non-empty list of integers >= 0, "
                     f"got {value!r}")
