"""Analyst sweeps over the model: one-way and two-way tables, tornado charts, Monte Carlo.

Every function here builds its scenarios as numpy arrays and evaluates them with ONE
vectorised `model.evaluate` call (Monte Carlo: one call per chunk of draws, to bound
memory), never with a Python loop over scenarios. Inputs not varied come from the
template (default ``seed``) overridden by `inputs`; bad input raises `InputError`.

>>> from model import sweeps
>>> frame = sweeps.one_way("gpu_price", [24000, 30000], outputs="capex_per_gpu_hour")
>>> frame["capex_per_gpu_hour"].round(4).tolist()
[0.9132, 1.1416]
>>> t = sweeps.tornado("capex_per_gpu_hour", pct=0.1)
>>> t["input"].head(2).tolist(), round(float(t["swing"].iloc[1]), 4)
(['depreciation_years', 'gpu_price'], 0.1903)

Choices worth knowing (each repeated in the function that makes it):

* Tornado moves each input by ±pct of its base value, clipped into its domain (a
  `gpu_utilization` of 1.0 moved +10% stays 1.0); integer inputs are rounded to the
  nearest integer, so a move that rounds back to the base shows swing 0. The four
  ``share_*`` inputs are excluded: moving one segment share alone breaks the rule that
  the shares sum to 1, so there is no valid one-at-a-time move to show.
* Monte Carlo never clips silently. A draw outside its input's domain is an error naming
  the input, the distribution and the domain, unless that input's spec says
  ``truncate = true``: then such draws are redrawn (rejection sampling, i.e. the
  distribution truncated to the domain, no point mass at the edge).
* Percentiles use ``numpy.percentile``'s default ("linear" interpolation between order
  statistics, type 7 of Hyndman & Fan); sd is the sample standard deviation (ddof = 1).
"""

from __future__ import annotations

import math
import numbers
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import graph
from .core import evaluate
from .errors import InputError
from .registry import INPUTS, OUTPUTS, suggest
from .validate import SHARES, check_value

__all__ = [
    "DISTRIBUTIONS", "MonteCarloResult", "depends_on", "load_spec", "monte_carlo", "one_way", "tornado",
    "two_way",
]


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------

def _check_input(name: str, what: str = "input") -> str:
    if not isinstance(name, str) or name not in INPUTS:
        extra = " (it is an output, not an input)" if name in OUTPUTS else suggest(str(name))
        raise InputError(f"unknown {what} {name!r}{extra}")
    return name


def _check_outputs(outputs: str | Iterable[str] | None) -> list[str]:
    if outputs is None:
        return list(OUTPUTS)
    if isinstance(outputs, str):
        outputs = [outputs]
    out: list[str] = []
    for name in outputs:
        if name not in OUTPUTS:
            extra = " (it is an input, not an output)" if name in INPUTS else suggest(str(name))
            raise InputError(f"unknown output {name!r}{extra}")
        if name not in out:
            out.append(name)
    if not out:
        raise InputError("no outputs asked for")
    return out


def _check_base(inputs: Mapping | None) -> dict:
    """Base overrides must be scalars: the sweep itself supplies the arrays."""
    base = dict(inputs or {})
    for name, value in base.items():
        _check_input(name)
        if np.ndim(value) != 0:
            raise InputError(f"base input {name} must be a single number in a sweep, got an array of shape "
                             f"{np.shape(value)}")
    return base


def _values(name: str, values: Sequence[float] | np.ndarray | None, lo: float | None, hi: float | None,
            n: int | None) -> np.ndarray:
    """The swept values: given explicitly, or `n` evenly spaced from lo to hi (integers rounded, deduplicated)."""
    if values is not None:
        if lo is not None or hi is not None or n is not None:
            raise InputError(f"sweep of {name}: give either values or lo/hi/n, not both")
        arr = np.atleast_1d(np.asarray(check_value(name, values, where="sweep"), dtype=float))
    else:
        if lo is None or hi is None or n is None:
            raise InputError(f"sweep of {name}: give values, or lo, hi and n")
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 2:
            raise InputError(f"sweep of {name}: n = {n!r} must be an integer ≥ 2")
        lo = check_value(name, lo, where="sweep lo")
        hi = check_value(name, hi, where="sweep hi")
        if not lo < hi:
            raise InputError(f"sweep of {name}: lo = {lo!r} must be below hi = {hi!r}")
        arr = np.linspace(lo, hi, int(n))
        if INPUTS[name].integer:
            arr = np.unique(np.round(arr))
    if arr.ndim != 1 or arr.size == 0:
        raise InputError(f"sweep of {name}: values must be a non-empty list of numbers")
    return arr


def _no_shares(name: str, what: str) -> None:
    if name in SHARES:
        raise InputError(f"{what}: {name} cannot be varied alone: the four segment shares "
                         f"({', '.join(SHARES)}) must sum to 1; set all four with inputs/--set instead")


def depends_on(name: str) -> frozenset[str]:
    """The inputs an output (or block) reads, directly or through other outputs."""
    return graph.upstream_inputs(name)


# --------------------------------------------------------------------------------------
# one-way and two-way
# --------------------------------------------------------------------------------------

def one_way(input: str, values: Sequence[float] | np.ndarray | None = None, *, lo: float | None = None,
            hi: float | None = None, n: int | None = None, outputs: str | Iterable[str] | None = None,
            template: str | Path = "seed", inputs: Mapping | None = None) -> pd.DataFrame:
    """Outputs as one input moves, every other input held at its template value (or `inputs`).

    Give the swept values explicitly, or `lo`, `hi` and `n` for n evenly spaced values
    (an integer input's values are rounded and duplicates dropped). Returns a DataFrame
    indexed by the input's values (index name = the input), one column per output
    (default: every output). One vectorised `evaluate` call.
    """
    _check_input(input)
    _no_shares(input, "one-way sweep")
    names = _check_outputs(outputs)
    base = _check_base(inputs)
    arr = _values(input, values, lo, hi, n)
    res = evaluate({**base, input: arr}, template)
    frame = pd.DataFrame({o: res[o] for o in names}, index=pd.Index(arr, name=input))
    frame.columns.name = "output"
    frame.attrs.update(kind="one_way", input=input, template=str(template))
    return frame


def two_way(row_input: str, row_values: Sequence[float] | np.ndarray, col_input: str,
            col_values: Sequence[float] | np.ndarray, output: str, template: str | Path = "seed",
            inputs: Mapping | None = None) -> pd.DataFrame:
    """A grid of one output over two inputs: rows are `row_input`'s values, columns `col_input`'s.

    The two value vectors broadcast against each other (rows as a column vector, columns as
    a row vector), so the whole grid is one vectorised `evaluate` call.
    """
    _check_input(row_input)
    _check_input(col_input)
    if row_input == col_input:
        raise InputError(f"two-way sweep: row and column input are both {row_input}")
    _no_shares(row_input, "two-way sweep")
    _no_shares(col_input, "two-way sweep")
    (name,) = _check_outputs([output]) if isinstance(output, str) else (None,)
    if name is None:
        raise InputError(f"two-way sweep takes one output, got {output!r}")
    base = _check_base(inputs)
    rows = _values(row_input, row_values, None, None, None)
    cols = _values(col_input, col_values, None, None, None)
    res = evaluate({**base, row_input: rows[:, None], col_input: cols[None, :]}, template)
    grid = np.broadcast_to(res[name], (rows.size, cols.size))
    frame = pd.DataFrame(np.array(grid, dtype=float), index=pd.Index(rows, name=row_input),
                         columns=pd.Index(cols, name=col_input))
    frame.attrs.update(kind="two_way", output=name, row_input=row_input, col_input=col_input,
                       template=str(template))
    return frame


# --------------------------------------------------------------------------------------
# tornado
# --------------------------------------------------------------------------------------

def _into_domain(name: str, x: np.ndarray, base: float) -> np.ndarray:
    """Clip moved values into the input's domain; integers to the nearest integer. A value the
    clip cannot make valid (an open bound) falls back to the base value: no move."""
    d = INPUTS[name].domain
    x = np.asarray(x, dtype=float)
    if d.integer:
        x = np.floor(x + 0.5)
    x = np.clip(x, -np.inf if d.lo is None else d.lo, np.inf if d.hi is None else d.hi)
    return np.where(d.violations(x), base, x)


def tornado(output: str, inputs: Iterable[str] | None = None, pct: float = 0.1, mode: str = "pct",
            template: str | Path = "seed", base: Mapping | None = None,
            ranges: Mapping[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """One output's swing as each input moves alone from a low to a high value.

    `inputs` are the inputs to move (default: every input except the four ``share_*``,
    which cannot move alone: the shares must sum to 1); `base` overrides the template's
    values for the base case. Modes:

    * ``"pct"``: low/high = base × (1 ∓ pct), clipped into the domain (``gpu_utilization``
      1.0 moved up stays 1.0); integer inputs rounded to the nearest integer (so ±10% of
      ``contract_years`` = 3 rounds back to 3 and shows swing 0). ``0 < pct < 1``.
    * ``"range"``: low/high = ``ranges[name]`` when given; otherwise the ends of the input's
      domain when it is closed and finite on both sides (``[0, 1]`` rates, integer ranges);
      otherwise (``>0``, ``≥0``, ``(0, 1]`` ...) the ±pct move above. Column ``basis`` says which.

    `ranges` (either mode) gives explicit (low, high) pairs for some inputs.

    Returns one row per input, ranked by |swing|, with columns input, base_value, low_value,
    high_value, output_at_low, output_at_high, swing (= output_at_high − output_at_low, so its
    sign shows the direction), basis. An input the output does not read has swing 0; an
    undefined (nan) output gives a nan swing, ranked last. ``attrs["base_output"]`` holds the
    output at the base case. All 2 × len(inputs) scenarios are one vectorised `evaluate` call.
    """
    (name,) = _check_outputs([output]) if isinstance(output, str) else (None,)
    if name is None:
        raise InputError(f"tornado takes one output, got {output!r}")
    if mode not in ("pct", "range"):
        raise InputError(f"tornado mode {mode!r}: allowed 'pct' or 'range'")
    if isinstance(pct, bool) or not isinstance(pct, numbers.Real) or not 0 < pct < 1:
        raise InputError(f"tornado pct = {pct!r}: allowed (0, 1), e.g. 0.1 for ±10%")
    overrides = _check_base(base)
    if inputs is None:
        moved = [n for n in INPUTS if n not in SHARES]
    else:
        moved = []
        for n in [inputs] if isinstance(inputs, str) else inputs:
            _check_input(n)
            _no_shares(n, "tornado")
            if n not in moved:
                moved.append(n)
        if not moved:
            raise InputError("tornado: no inputs to move")
    ranges = dict(ranges or {})
    for n, pair in ranges.items():
        _check_input(n)
        _no_shares(n, "tornado")
        try:
            lo, hi = pair
        except (TypeError, ValueError):
            raise InputError(f"tornado range of {n}: expected (low, high), got {pair!r}") from None
        lo, hi = check_value(n, lo, where="tornado range"), check_value(n, hi, where="tornado range")
        if lo > hi:
            raise InputError(f"tornado range of {n}: low {lo!r} is above high {hi!r}")
        ranges[n] = (lo, hi)
    from .core import resolve_inputs

    values = resolve_inputs(overrides, template)
    base_vals = np.array([values[n] for n in moved], dtype=float)
    up = _pct_moves(moved, base_vals, pct)
    low, high = up
    basis = np.array([f"±{pct:g}"] * len(moved), dtype=object)
    for i, n in enumerate(moved):
        d = INPUTS[n].domain
        if n in ranges:
            low[i], high[i] = ranges[n]
            basis[i] = "range"
        elif mode == "range" and d.lo is not None and d.hi is not None and not d.lo_open and not d.hi_open:
            low[i], high[i] = d.lo, d.hi
            basis[i] = "domain"
    k = len(moved)
    # scenario 2i is input i at its low, 2i+1 at its high, the last one the base case;
    # every moved input other than the one being moved stays at its base value
    scen = np.repeat(base_vals[None, :], 2 * k + 1, axis=0)
    scen[2 * np.arange(k), np.arange(k)] = low
    scen[2 * np.arange(k) + 1, np.arange(k)] = high
    arrays = {n: scen[:, j] for j, n in enumerate(moved)}

    def which(i: int) -> str:
        return "the base case" if i == 2 * k else f"{moved[i // 2]} at its {('low', 'high')[i % 2]}"

    try:
        res = evaluate({**overrides, **arrays}, template)
    except InputError as exc:
        raise InputError(f"tornado: {_scenario_hint(str(exc), which)}") from None
    out = np.broadcast_to(res[name], (2 * k + 1,))
    at_low, at_high, base_out = out[0:2 * k:2], out[1:2 * k:2], float(out[-1])
    frame = pd.DataFrame({"input": moved, "base_value": base_vals, "low_value": low, "high_value": high,
                          "output_at_low": at_low, "output_at_high": at_high, "swing": at_high - at_low,
                          "basis": basis})
    order = np.lexsort((np.arange(k), -np.nan_to_num(np.abs(frame["swing"].to_numpy()), nan=-1.0)))
    frame = frame.iloc[order].reset_index(drop=True)
    frame.index = pd.RangeIndex(1, k + 1, name="rank")
    frame.attrs.update(kind="tornado", output=name, base_output=base_out, pct=float(pct), mode=mode,
                       template=str(template))
    return frame


def _pct_moves(moved: list[str], base_vals: np.ndarray, pct: float) -> tuple[np.ndarray, np.ndarray]:
    low = np.empty_like(base_vals)
    high = np.empty_like(base_vals)
    for i, n in enumerate(moved):  # per input, not per scenario: the domain differs by input
        a, b = _into_domain(n, np.array([base_vals[i] * (1 - pct), base_vals[i] * (1 + pct)]), base_vals[i])
        low[i], high[i] = min(a, b), max(a, b)
    return low, high


def _scenario_hint(message: str, describe: Callable[[int], str]) -> str:
    """Replace the model's 'at index i' (or 'name[i]') by what scenario i is."""
    m = re.search(r"at index (\d+)", message)
    if m:
        return message.replace(m.group(0), f"for {describe(int(m.group(1)))}")
    m = re.search(r"(\w+)\[(\d+)\]", message)
    if m:
        return f"{message} (scenario {describe(int(m.group(2)))})"
    return message


# --------------------------------------------------------------------------------------
# Monte Carlo
# --------------------------------------------------------------------------------------

# dist -> (required parameters, optional parameters)
DISTRIBUTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "uniform": (("low", "high"), ()),
    "triangular": (("low", "mode", "high"), ()),
    "normal": (("mean", "sd"), ()),
    "lognormal": (("median", "sigma"), ()),  # X = median · exp(sigma · Z), Z standard normal
    "choice": (("values",), ("weights",)),  # discrete: integer inputs such as residual_case
}
_SETTINGS = {"n", "seed", "outputs", "template", "normalize_shares", "chunk"}
_TABLES = {"settings", "inputs", "fixed", "thresholds"}


@dataclass
class Draw:
    """One input's distribution, as read from a spec."""

    name: str
    dist: str
    params: dict
    truncate: bool = False

    def describe(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.dist}({shown})"

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        p = self.params
        if self.dist == "uniform":
            return rng.uniform(p["low"], p["high"], size)
        if self.dist == "triangular":
            return rng.triangular(p["low"], p["mode"], p["high"], size)
        if self.dist == "normal":
            return rng.normal(p["mean"], p["sd"], size)
        if self.dist == "lognormal":
            return p["median"] * np.exp(p["sigma"] * rng.standard_normal(size))
        values = np.asarray(p["values"], dtype=float)
        weights = p.get("weights")
        probs = None if weights is None else np.asarray(weights, dtype=float) / float(np.sum(weights))
        return rng.choice(values, size=size, p=probs)


@dataclass
class Spec:
    """A Monte Carlo spec after validation."""

    where: str
    draws: list[Draw]
    n: int = 100_000
    seed: int = 0
    outputs: list[str] | None = None
    template: str | Path = "seed"
    fixed: dict = field(default_factory=dict)
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)
    normalize_shares: bool = False
    chunk: int = 100_000


@dataclass
class MonteCarloResult:
    """summary: one row per output (mean, sd, p5, p50, p95, undefined share, thresholds and their
    probabilities); samples: one row per draw (drawn inputs, then outputs); probabilities: one row
    per threshold (output, condition, threshold, probability)."""

    summary: pd.DataFrame
    samples: pd.DataFrame
    probabilities: pd.DataFrame
    spec: Spec

    @property
    def n(self) -> int:
        return len(self.samples)


def _number(where: str, key: str, value, integer: bool = False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise InputError(f"{where}: {key} = {value!r} is not a {'whole ' if integer else ''}number")
    if integer and float(value) != int(value):
        raise InputError(f"{where}: {key} = {value!r} is not a whole number")
    return int(value) if integer else float(value)


def _parse_draw(where: str, name: str, entry) -> Draw:
    key = f"[inputs.{name}]"
    if name not in INPUTS:
        extra = " (it is an output, not an input)" if name in OUTPUTS else suggest(name)
        raise InputError(f"{where}: {key}: unknown input {name!r}{extra}")
    if not isinstance(entry, Mapping):
        raise InputError(f"{where}: {key} must be a table such as {{ dist = \"uniform\", low = 1, high = 2 }}")
    if "dist" not in entry:
        raise InputError(f"{where}: {key}: missing dist; allowed: {', '.join(DISTRIBUTIONS)}")
    dist = entry["dist"]
    if dist not in DISTRIBUTIONS:
        raise InputError(f"{where}: {key}: unknown dist {dist!r}; allowed: {', '.join(DISTRIBUTIONS)}")
    required, optional = DISTRIBUTIONS[dist]
    truncate = entry.get("truncate", False)
    if not isinstance(truncate, bool):
        raise InputError(f"{where}: {key}: truncate = {truncate!r} must be true or false")
    params = {k: v for k, v in entry.items() if k not in ("dist", "truncate")}
    missing = [k for k in required if k not in params]
    if missing:
        raise InputError(f"{where}: {key}: dist {dist!r} needs {', '.join(required)}; missing: {', '.join(missing)}")
    unknown = [k for k in params if k not in required + optional]
    if unknown:
        raise InputError(f"{where}: {key}: unknown parameter(s) {', '.join(unknown)} for dist {dist!r}; "
                         f"allowed: {', '.join(required + optional + ('truncate',))}")
    dom = INPUTS[name].domain
    if dist == "choice":
        vals = params["values"]
        if not isinstance(vals, list) or not vals:
            raise InputError(f"{where}: {key}: values must be a non-empty list of numbers")
        vals = [_number(where, f"{key} values", v) for v in vals]
        check_value(name, np.asarray(vals), where=f"{where}, {key} values")
        clean: dict = {"values": vals}
        if "weights" in params:
            w = params["weights"]
            if not isinstance(w, list) or len(w) != len(vals):
                raise InputError(f"{where}: {key}: weights must be a list as long as values ({len(vals)})")
            w = [_number(where, f"{key} weights", x) for x in w]
            if min(w) < 0 or sum(w) <= 0:
                raise InputError(f"{where}: {key}: weights must be ≥ 0 with a positive sum")
            clean["weights"] = w
        return Draw(name, dist, clean, truncate)
    if dom.integer:
        raise InputError(f"{where}: {key}: {name} takes integers ({dom.text()}); a {dist!r} draw would not be one. "
                         f"Use dist = \"choice\" with values = [...] (and optional weights)")
    p = {k: _number(where, f"{key} {k}", params[k]) for k in required}
    if dist == "uniform" and not p["low"] < p["high"]:
        raise InputError(f"{where}: {key}: low = {p['low']!r} must be below high = {p['high']!r}")
    if dist == "triangular":
        if not p["low"] < p["high"]:
            raise InputError(f"{where}: {key}: low = {p['low']!r} must be below high = {p['high']!r}")
        if not p["low"] <= p["mode"] <= p["high"]:
            raise InputError(f"{where}: {key}: mode = {p['mode']!r} must lie within [low, high] = "
                             f"[{p['low']!r}, {p['high']!r}]")
    if dist == "normal" and not p["sd"] > 0:
        raise InputError(f"{where}: {key}: sd = {p['sd']!r} must be > 0")
    if dist == "lognormal":
        if not p["median"] > 0:
            raise InputError(f"{where}: {key}: median = {p['median']!r} must be > 0")
        if not p["sigma"] > 0:
            raise InputError(f"{where}: {key}: sigma = {p['sigma']!r} must be > 0")
    return Draw(name, dist, p, truncate)


def load_spec(spec: str | Path | Mapping) -> Spec:
    """Read and validate a Monte Carlo spec (a TOML file, or the same structure as a dict).

    Tables: ``[settings]`` (n, seed, outputs, template, normalize_shares, chunk),
    ``[inputs.NAME]`` (dist and its parameters, optional ``truncate``), ``[fixed]``
    (NAME = value, overriding the template) and ``[thresholds]`` (OUTPUT = { below = x }
    and/or { above = x }). See examples/monte_carlo.toml.
    """
    base_dir = Path.cwd()
    if isinstance(spec, Mapping):
        where, data = "monte-carlo spec <dict>", dict(spec)
    else:
        path = Path(spec)
        where = f"monte-carlo spec {path}"
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{where}: file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{where}: broken TOML: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{where}: cannot read: {exc}") from None
        base_dir = path.resolve().parent
    unknown = set(data) - _TABLES
    if unknown:
        raise InputError(f"{where}: unknown table(s) {sorted(unknown)}; allowed: "
                         f"{', '.join(f'[{t}]' for t in sorted(_TABLES))}")
    for t in _TABLES:
        if t in data and not isinstance(data[t], Mapping):
            raise InputError(f"{where}: [{t}] must be a table")
    settings = dict(data.get("settings", {}))
    bad = set(settings) - _SETTINGS
    if bad:
        raise InputError(f"{where}: [settings]: unknown key(s) {sorted(bad)}; allowed: {', '.join(sorted(_SETTINGS))}")
    out = Spec(where, [])
    if "n" in settings:
        out.n = _positive_int(where, "[settings] n", settings["n"])
    if "chunk" in settings:
        out.chunk = _positive_int(where, "[settings] chunk", settings["chunk"])
    if "seed" in settings:
        out.seed = _number(where, "[settings] seed", settings["seed"], integer=True)
        if out.seed < 0:
            raise InputError(f"{where}: [settings] seed = {out.seed} must be ≥ 0")
    if "outputs" in settings:
        outs = settings["outputs"]
        if not isinstance(outs, list) or not all(isinstance(o, str) for o in outs):
            raise InputError(f"{where}: [settings] outputs must be a list of output names")
        try:
            out.outputs = _check_outputs(outs)
        except InputError as exc:
            raise InputError(f"{where}: [settings] outputs: {exc}") from None
    if "template" in settings:
        t = settings["template"]
        if not isinstance(t, str):
            raise InputError(f"{where}: [settings] template must be a bundled name or a path to a .toml")
        rel = base_dir / t
        out.template = rel if (t.endswith(".toml") and not Path(t).is_absolute() and rel.is_file()) else t
    if "normalize_shares" in settings:
        if not isinstance(settings["normalize_shares"], bool):
            raise InputError(f"{where}: [settings] normalize_shares must be true or false")
        out.normalize_shares = settings["normalize_shares"]
    raw_inputs = data.get("inputs", {})
    out.draws = [_parse_draw(where, name, entry) for name, entry in raw_inputs.items()]
    for name, value in dict(data.get("fixed", {})).items():
        if name in raw_inputs:
            raise InputError(f"{where}: [fixed] {name} is also drawn in [inputs.{name}]; keep one")
        out.fixed[name] = check_value(name, value, where=f"{where}, [fixed] key {name!r}")
    out.thresholds = _parse_thresholds(where, data.get("thresholds", {}))
    drawn_shares = [d.name for d in out.draws if d.name in SHARES]
    if drawn_shares and not out.normalize_shares:
        raise InputError(f"{where}: drawing {', '.join(drawn_shares)} breaks the rule that the four segment shares "
                         "sum to 1; set normalize_shares = true in [settings] to rescale the four shares of each "
                         "draw to sum to 1")
    return out


def _positive_int(where: str, key: str, value) -> int:
    v = _number(where, key, value, integer=True)
    if v < 1:
        raise InputError(f"{where}: {key} = {v} must be ≥ 1")
    return v


def _parse_thresholds(where: str, raw) -> dict[str, dict[str, float]]:
    if not isinstance(raw, Mapping):
        raise InputError(f"{where}: [thresholds] must be a table of OUTPUT = {{ below = x }} or {{ above = x }}")
    out: dict[str, dict[str, float]] = {}
    for name, cond in raw.items():
        key = f"[thresholds] {name}"
        try:
            _check_outputs([name])
        except InputError as exc:
            raise InputError(f"{where}: {key}: {exc}") from None
        if not isinstance(cond, Mapping) or not cond or set(cond) - {"below", "above"}:
            raise InputError(f"{where}: {key} must be {{ below = x }} and/or {{ above = x }}, got {cond!r}")
        out[name] = {c: _number(where, f"{key} {c}", v) for c, v in cond.items()}
    return out


def _draw(spec: Spec, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Every drawn input's n values (spec order); out-of-domain draws are an error or, with
    truncate = true, redrawn until inside."""
    drawn: dict[str, np.ndarray] = {}
    for d in spec.draws:
        dom = INPUTS[d.name].domain
        x = d.sample(rng, n)
        bad = dom.violations(x)
        if bad.any():
            if not d.truncate:
                k = int(bad.sum())
                raise InputError(f"{spec.where}: [inputs.{d.name}] {d.describe()} drew {k:,} of {n:,} values outside "
                                 f"the domain of {d.name} {dom.text()} (e.g. {float(x[np.argmax(bad)])!r}); narrow the "
                                 "distribution or set truncate = true to redraw them")
            kept = 1 - bad.mean()
            if kept < 1e-3:
                raise InputError(f"{spec.where}: [inputs.{d.name}] {d.describe()}: only {kept:.2%} of draws fall in "
                                 f"the domain of {d.name} {dom.text()}; truncation would be mostly redrawing")
            for _ in range(10_000):  # rounds of redrawing the rejected ones, not a loop over scenarios
                idx = np.flatnonzero(bad)
                if idx.size == 0:
                    break
                x[idx] = d.sample(rng, idx.size)
                bad = dom.violations(x)
        drawn[d.name] = x
    return drawn


def _normalize_shares(values: dict, template_values: Mapping, where: str) -> None:
    parts = [np.asarray(values.get(s, template_values[s]), dtype=float) for s in SHARES]
    total = sum(parts)
    total = np.broadcast_to(total, np.broadcast_shapes(*(p.shape for p in parts)))
    if np.any(total <= 0):
        raise InputError(f"{where}: normalize_shares: the four segment shares sum to 0 in some draw")
    for s, p in zip(SHARES, parts, strict=True):
        values[s] = np.broadcast_to(p / total, total.shape).copy()


def monte_carlo(spec: str | Path | Mapping, n: int | None = None, seed: int | None = None,
                outputs: str | Iterable[str] | None = None, thresholds: Mapping | None = None,
                template: str | Path | None = None, inputs: Mapping | None = None, chunk: int | None = None,
                progress: bool | None = False) -> MonteCarloResult:
    """Draw the spec's inputs, evaluate, summarise. Arguments given here override the spec's [settings].

    * Draws come from ``numpy.random.default_rng(seed)``, input by input in spec order, all n
      at once, so the samples do not depend on `chunk`. Out-of-domain draws raise
      `InputError` naming the input, distribution and domain, unless the input's spec has
      ``truncate = true`` (then they are redrawn: the distribution truncated to the domain).
      Integer inputs take ``dist = "choice"`` only. Drawing a ``share_*`` needs
      ``normalize_shares = true``: the four shares of each draw are divided by their sum.
    * `inputs` (scalars) and the spec's [fixed] override the template for every draw.
    * outputs: default the spec's, else every output that reads at least one drawn input.
    * Evaluated in chunks of `chunk` draws (default 100,000), one vectorised `evaluate` per
      chunk; `progress` shows a tqdm bar on stderr (None: only on a terminal).
    * Summary per output: mean, sd (ddof = 1), p5, p50, p95 (``numpy.percentile`` default,
      linear interpolation), undefined = share of nan draws (statistics are over the defined
      draws), and for a threshold `below` = x / `above` = x the probability p_below = P(output < x)
      / p_above = P(output > x) as a share of all n draws (undefined draws count as neither).
    """
    sp = load_spec(spec)
    if n is not None:
        sp.n = _positive_int("monte-carlo", "n", n)
    if seed is not None:
        sp.seed = _number("monte-carlo", "seed", seed, integer=True)
    if chunk is not None:
        sp.chunk = _positive_int("monte-carlo", "chunk", chunk)
    if template is not None:
        sp.template = template
    if outputs is not None:
        sp.outputs = _check_outputs(outputs)
    if thresholds is not None:
        sp.thresholds = {**sp.thresholds, **_parse_thresholds("monte-carlo thresholds", thresholds)}
    fixed = {**sp.fixed, **_check_base(inputs)}
    drawn_names = [d.name for d in sp.draws]
    clash = [k for k in fixed if k in drawn_names]
    if clash:
        raise InputError(f"{sp.where}: {', '.join(clash)} both drawn and fixed")
    if not sp.draws:
        raise InputError(f"{sp.where}: no [inputs.NAME] distributions to draw")
    names = sp.outputs or [o for o in OUTPUTS if depends_on(o) & set(drawn_names)]
    names = list(dict.fromkeys([*names, *(t for t in sp.thresholds if t not in names)]))
    if not names:
        raise InputError(f"{sp.where}: no output reads the drawn inputs; name outputs in [settings] outputs")

    from .core import resolve_inputs

    base_values = resolve_inputs(fixed, sp.template)  # validates the fixed values and the template once
    rng = np.random.default_rng(sp.seed)
    drawn = _draw(sp, rng, sp.n)
    if sp.normalize_shares:
        _normalize_shares(drawn, base_values, sp.where)  # all four shares become per-draw arrays
    columns = {o: np.empty(sp.n) for o in names}
    starts = range(0, sp.n, sp.chunk)
    bar = None
    if progress or progress is None:
        from tqdm import tqdm

        bar = tqdm(total=sp.n, unit="draws", unit_scale=True, desc="monte-carlo", leave=False,
                   disable=None if progress is None else False)
    try:
        for start in starts:  # chunks of draws (memory), each one vectorised evaluate call
            stop = min(start + sp.chunk, sp.n)
            values = {**fixed, **{k: v[start:stop] for k, v in drawn.items()}}
            try:
                res = evaluate(values, sp.template)
            except InputError as exc:
                raise InputError(f"{sp.where}: {_scenario_hint(str(exc), lambda i, s=start: f'draw {s + i}')}") \
                    from None
            for o in names:
                columns[o][start:stop] = res[o]
            if bar is not None:
                bar.update(stop - start)
    finally:
        if bar is not None:
            bar.close()
    samples = pd.DataFrame({**drawn, **columns})
    summary, probs = _summarise(columns, sp.thresholds)
    summary.attrs.update(n=sp.n, seed=sp.seed, template=str(sp.template))
    return MonteCarloResult(summary, samples, probs, sp)


def _summarise(columns: Mapping[str, np.ndarray], thresholds: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    prob_rows = []
    for name, x in columns.items():
        defined = x[~np.isnan(x)]
        n = x.size
        row = {"output": name, "unit": OUTPUTS[name].unit}
        if defined.size:
            p5, p50, p95 = np.percentile(defined, [5, 50, 95])
            row.update(mean=float(defined.mean()), sd=float(defined.std(ddof=1)) if defined.size > 1 else math.nan,
                       p5=float(p5), p50=float(p50), p95=float(p95))
        else:
            row.update(mean=math.nan, sd=math.nan, p5=math.nan, p50=math.nan, p95=math.nan)
        row["undefined"] = 1 - defined.size / n
        for cond in ("below", "above"):
            t = thresholds.get(name, {}).get(cond)
            if t is None:
                row[cond], row[f"p_{cond}"] = math.nan, math.nan
                continue
            with np.errstate(invalid="ignore"):
                hit = (x < t) if cond == "below" else (x > t)
            p = float(np.count_nonzero(hit)) / n
            row[cond], row[f"p_{cond}"] = t, p
            prob_rows.append({"output": name, "condition": cond, "threshold": t, "probability": p})
        rows.append(row)
    summary = pd.DataFrame(rows).set_index("output")
    probs = pd.DataFrame(prob_rows, columns=["output", "condition", "threshold", "probability"])
    return summary, probs
