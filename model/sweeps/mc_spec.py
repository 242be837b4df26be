"""Monte Carlo spec: the distributions, reading a TOML spec (or the same dict), validation."""

from __future__ import annotations

import math
import numbers
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..registry import INPUTS, unknown
from ..templates import load, looks_like_path
from ..validate import SHARES, check_value, short
from ._common import check_outputs

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
        def plain(v):  # 32.0 as 32: a choice of batch sizes reads as written
            if isinstance(v, list):
                return "[" + ", ".join(plain(x) for x in v) + "]"
            return str(int(v)) if isinstance(v, float) and v.is_integer() and abs(v) < 1e15 else repr(v)

        shown = ", ".join(f"{k}={plain(v)}" for k, v in self.params.items())
        return f"{self.dist}({shown})"

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        p = self.params
        if self.dist in ("uniform", "triangular"):
            lo, hi = p["low"], p["high"]
            # numpy forms hi - lo (uniform) and (hi - lo)·(mode - lo) (triangular), which overflow for
            # ±1e308 (or ±1e160): then draw on a power-of-two scale where |lo|, |hi| ≤ 1 and scale
            # back, exact in binary
            e = 0 if math.isfinite((hi - lo) * (hi - lo)) else math.frexp(max(abs(lo), abs(hi)))[1]
            lo, hi = math.ldexp(lo, -e), math.ldexp(hi, -e)
            if self.dist == "uniform":
                x = rng.uniform(lo, hi, size)
            else:
                x = rng.triangular(lo, math.ldexp(p["mode"], -e), hi, size)
            return np.ldexp(x, e) if e else x
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is an inf draw, outside every domain
            if self.dist == "normal":
                return rng.normal(p["mean"], p["sd"], size)
            if self.dist == "lognormal":
                return p["median"] * np.exp(p["sigma"] * rng.standard_normal(size))
        values = np.asarray(p["values"], dtype=float)
        weights = p.get("weights")
        if weights is None:
            return rng.choice(values, size=size)
        w = np.asarray(weights, dtype=float)
        w = w / w.max()  # first to at most 1, so the sum cannot overflow (weights of 1e308)
        return rng.choice(values, size=size, p=w / w.sum())


@dataclass
class Spec:
    """A Monte Carlo spec after validation."""

    where: str
    draws: list[Draw]
    n: int = 100_000
    seed: int = 0
    outputs: list[str] | None = None
    template: str | Path = "seed"
    template_setting: str | None = None  # [settings] template as written (messages)
    fixed: dict = field(default_factory=dict)
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)
    normalize_shares: bool = False
    chunk: int = 100_000


def _number(where: str, key: str, value, integer: bool = False):
    kind = "whole number" if integer else "number"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"{where}: {key} = {short(value)} is not a {kind}")
    try:
        f = float(value)
    except OverflowError:  # an int past the float range (a 400-digit number): float() cannot hold it
        raise InputError(f"{where}: {key} = {short(value)} is too large; allowed a {kind} of magnitude "
                         "below 1.8e308") from None
    if not math.isfinite(f):  # TOML's nan, inf
        raise InputError(f"{where}: {key} = {short(value)} is not a finite {kind}")
    if integer and not (isinstance(value, numbers.Integral) or f.is_integer()):  # an int above 2**53 is whole,
        raise InputError(f"{where}: {key} = {short(value)} is not a whole number")  # though no float holds it
    return int(value) if integer else f


def _parse_draw(where: str, name: str, entry) -> Draw:
    key = f"[inputs.{name}]"
    if name not in INPUTS:
        raise InputError(f"{where}: {key}: {unknown(name, 'input')}")
    if not isinstance(entry, Mapping):
        raise InputError(f"{where}: {key} must be a table such as {{ dist = \"uniform\", low = 1, high = 2 }}")
    if "dist" not in entry:
        raise InputError(f"{where}: {key}: missing dist; allowed: {', '.join(DISTRIBUTIONS)}")
    dist = entry["dist"]
    if not isinstance(dist, str) or dist not in DISTRIBUTIONS:  # (a list is unhashable: test the type first)
        raise InputError(f"{where}: {key}: unknown dist {short(dist)}; allowed: {', '.join(DISTRIBUTIONS)}")
    required, optional = DISTRIBUTIONS[dist]
    truncate = entry.get("truncate", False)
    if not isinstance(truncate, bool):
        raise InputError(f"{where}: {key}: truncate = {short(truncate)} must be true or false")
    params = {k: v for k, v in entry.items() if k not in ("dist", "truncate")}
    missing = [k for k in required if k not in params]
    if missing:
        raise InputError(f"{where}: {key}: dist {dist!r} needs {', '.join(required)}; missing: {', '.join(missing)}")
    strange = [k for k in params if k not in required + optional]
    if strange:
        raise InputError(f"{where}: {key}: unknown parameter(s) {', '.join(strange)} for dist {dist!r}; "
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
            if min(w) < 0 or max(w) <= 0:  # (not sum(w): weights of 1e308 sum to inf)
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
    if not isinstance(spec, Mapping | str | PathLike):
        raise InputError(f"monte-carlo spec = {short(spec)}: expected a path to a TOML file or a dict")
    if isinstance(spec, Mapping):
        where, data = "monte-carlo spec <dict>", dict(spec)
    else:
        path = Path(spec)
        where = f"monte-carlo spec {path}"
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8-sig"))  # a BOM (Windows editors), as templates
        except FileNotFoundError:
            raise InputError(f"{where}: file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{where}: broken TOML: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{where}: cannot read: {exc}") from None
        base_dir = path.resolve().parent
    strange = set(data) - _TABLES
    if strange:
        raise InputError(f"{where}: unknown table(s) {sorted(strange)}; allowed: "
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
            out.outputs = check_outputs(outs)
        except InputError as exc:
            raise InputError(f"{where}: [settings] outputs: {exc}") from None
    if "template" in settings:
        t = settings["template"]
        if not isinstance(t, str):
            raise InputError(f"{where}: [settings] template must be a bundled name or a path to a .toml")
        # a path is the spec's folder's (a dict's: the working directory's), never the working directory's as a
        # fallback; check_template reads it where a run uses it (a --template given instead replaces it)
        out.template = (Path(t) if Path(t).is_absolute() else base_dir / t) if looks_like_path(t) else t
        out.template_setting = t
    if "normalize_shares" in settings:
        if not isinstance(settings["normalize_shares"], bool):
            raise InputError(f"{where}: [settings] normalize_shares must be true or false")
        out.normalize_shares = settings["normalize_shares"]
    raw_inputs = data.get("inputs", {})
    out.draws = [_parse_draw(where, name, entry) for name, entry in raw_inputs.items()]
    for name, value in dict(data.get("fixed", {})).items():
        if name in raw_inputs:
            raise InputError(f"{where}: [fixed] {name} is also drawn in [inputs.{name}]; keep one")
        fixed = check_value(name, value, where=f"{where}, [fixed] key {name!r}")
        if np.ndim(fixed) != 0:  # an array would broadcast against the draws, or fail to
            raise InputError(f"{where}: [fixed] {name} = {short(value)} must be a single number (the same in every "
                             f"draw); to vary it, draw it in [inputs.{name}]")
        out.fixed[name] = fixed
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
            check_outputs([name])
        except InputError as exc:
            raise InputError(f"{where}: {key}: {exc}") from None
        if not isinstance(cond, Mapping) or not cond or set(cond) - {"below", "above"}:
            raise InputError(f"{where}: {key} must be {{ below = x }} and/or {{ above = x }}, got {short(cond)}")
        out[name] = {c: _number(where, f"{key} {c}", v) for c, v in cond.items()}
    return out


def check_template(sp: Spec) -> None:
    """The spec's own template loads, or an InputError naming the spec, its key and where a path was looked for."""
    if sp.template_setting is None:
        return
    try:
        load(sp.template)
    except InputError as exc:
        t = sp.template_setting
        folder = Path(sp.template).parent if isinstance(sp.template, Path) and not Path(t).is_absolute() else None
        raise InputError(f"{sp.where}: [settings] template = {t!r}: {exc}"
                         + (f" (a path is taken from {folder})" if folder else "")) from None
