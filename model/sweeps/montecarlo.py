"""The Monte Carlo run: draw the spec's inputs, evaluate in chunks, summarise."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import graph
from ..core import resolve_inputs
from ..errors import InputError
from ..registry import INPUTS, OUTPUTS
from ..validate import SHARES
from ._common import check_base, check_outputs, depends_on, run, scenario_hint
from .mc_spec import Draw, Spec, _number, _parse_thresholds, _positive_int, check_template, load_spec


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


PILOT = 100_000  # draws of the fixed pilot sample that measures how much of a distribution a domain holds
MIN_MASS = 1e-3  # a domain holding less is refused for truncation: it would be nearly all redrawing
ROUND = 1 << 20  # most candidates drawn in one round of redrawing (8 MB)
BLOCK = 1 << 20  # draws made at a time (input by input, spec order): memory stays bounded whatever n


def _domain_mass(d: Draw, dom) -> float:
    """Share of `d`'s draws inside the domain, from a fixed pilot sample: a property of the
    distribution, not of this run (with n = 1, one draw outside says nothing)."""
    return 1.0 - float(dom.violations(d.sample(np.random.default_rng(0), PILOT)).mean())


def _draw(spec: Spec, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Every drawn input's n values (spec order); out-of-domain draws are an error or, with
    truncate = true, replaced by draws inside (rejection sampling)."""
    drawn: dict[str, np.ndarray] = {}
    for d in spec.draws:
        dom = INPUTS[d.name].domain
        x = d.sample(rng, n)
        bad = dom.violations(x)
        if bad.any():
            head = f"{spec.where}: [inputs.{d.name}] {d.describe()}"
            if not d.truncate:
                k = int(bad.sum())
                raise InputError(f"{head} drew {k:,} of {n:,} values outside the domain of {d.name} {dom.text()} "
                                 f"(e.g. {float(x[np.argmax(bad)])!r}); narrow the distribution or set truncate = true "
                                 "to redraw them")
            mass = _domain_mass(d, dom)
            if mass < MIN_MASS:
                raise InputError(f"{head}: only {mass:.3%} of its draws (pilot sample of {PILOT:,}) fall in the domain "
                                 f"of {d.name} {dom.text()}; truncate = true needs at least {MIN_MASS:.1%}")
            x = _redraw(d, dom, rng, x, np.flatnonzero(bad), mass, head)
        drawn[d.name] = x
    return drawn


def _redraw(d: Draw, dom, rng: np.random.Generator, x: np.ndarray, idx: np.ndarray, mass: float,
            head: str) -> np.ndarray:
    """Fill positions `idx` of `x` with draws inside the domain, in rounds of enough candidates for
    the domain's `mass` (rounds, not a loop over draws)."""
    budget = 100 * idx.size / mass + 10 * ROUND  # ~100× what a right mass needs
    while idx.size:
        m = min(ROUND, math.ceil(1.2 * idx.size / mass) + 16)
        budget -= m
        if budget < 0:  # the pilot overrated the mass: stop rather than loop for ever
            raise InputError(f"{head}: too few draws fall in the domain {dom.text()} to truncate to it")
        cand = d.sample(rng, m)
        cand = cand[~dom.violations(cand)][: idx.size]
        x[idx[: cand.size]] = cand
        idx = idx[cand.size:]
    return x


def _memory_limit() -> int:
    """Bytes the samples may take: half the machine's memory (8 GB assumed where it cannot be read)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows)
        return 4 << 30


def _gb(nbytes: float) -> str:
    return f"{nbytes / 1e9:,.1f} GB"


def _check_memory(sp: Spec, columns: int) -> None:
    """Fail before drawing when the samples cannot fit: n × columns float64s, held twice (the
    arrays and the samples table)."""
    per_draw = 8 * columns * 2
    limit = _memory_limit()
    if sp.n * per_draw > limit:
        raise InputError(f"{sp.where}: n = {sp.n:,} draws need about {_gb(sp.n * per_draw)} of memory ({columns} "
                         f"columns × 8 bytes, twice); half this machine's memory is {_gb(limit)}: allowed n ≤ "
                         f"{limit // per_draw:,}")


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
                progress: bool | None = False, keep_inputs: bool | None = None) -> MonteCarloResult:
    """Draw the spec's inputs, evaluate, summarise. Arguments given here override the spec's [settings].

    * Draws come from ``numpy.random.default_rng(seed)``, input by input in spec order, in blocks of
      BLOCK = 1,048,576 draws (all n at once when n ≤ BLOCK), so the samples do not depend on `chunk`.
      Only the requested outputs (and, with `keep_inputs`, the drawn inputs) are kept: memory is
      n × kept columns × 8 bytes plus one block. keep_inputs None: kept when n ≤ BLOCK. Out-of-domain draws raise
      `InputError` naming the input, distribution and domain, unless the input's spec has
      ``truncate = true`` (then they are redrawn: the distribution truncated to the domain; refused
      when a fixed 100,000-draw pilot sample puts under 0.1% of the mass in the domain).
    * n is refused up front when its samples would not fit in half the machine's memory.
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
        if sp.seed < 0:  # as a spec's [settings] seed (numpy's own message named neither)
            raise InputError(f"monte-carlo seed = {sp.seed} must be ≥ 0")
    if chunk is not None:
        sp.chunk = _positive_int("monte-carlo", "chunk", chunk)
    if template is not None:
        sp.template, sp.template_setting = template, None
    check_template(sp)
    if outputs is not None:
        sp.outputs = check_outputs(outputs)
    if thresholds is not None:
        sp.thresholds = {**sp.thresholds, **_parse_thresholds("monte-carlo thresholds", thresholds)}
    fixed = {**sp.fixed, **check_base(inputs)}
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

    _check_memory(sp, len(drawn_names) + len(names) + (len(SHARES) if sp.normalize_shares else 0))
    base_values = resolve_inputs(fixed, sp.template)  # validates the fixed values and the template once
    rng = np.random.default_rng(sp.seed)
    keep = sp.n <= BLOCK if keep_inputs is None else bool(keep_inputs)
    columns = {o: np.empty(sp.n) for o in names}
    kept: dict[str, np.ndarray] = {}
    bar = None
    if progress or progress is None:
        try:
            from tqdm import tqdm
        except ModuleNotFoundError:
            if progress:  # asked for: say what is missing; on its own (None) a run goes on without a bar
                raise InputError("monte-carlo: a progress bar (--progress, progress=True) needs tqdm (the 'sweeps' "
                                 "extra: pip install tqdm)") from None
            tqdm = None
        if tqdm is not None:
            bar = tqdm(total=sp.n, unit="draws", unit_scale=True, desc="monte-carlo", leave=False,
                       disable=None if progress is None else False)
    fuse = graph.fuses(graph.needed(frozenset(names)), sp.n)  # once for every chunk: samples independent of `chunk`
    try:
        for first in range(0, sp.n, BLOCK):  # blocks of draws (memory), each evaluated in chunks
            last = min(first + BLOCK, sp.n)
            drawn = _draw(sp, rng, last - first)
            if sp.normalize_shares:
                _normalize_shares(drawn, base_values, sp.where)  # all four shares become per-draw arrays
            if keep:
                for k, v in drawn.items():
                    kept.setdefault(k, np.empty(sp.n))[first:last] = v
            for start in range(0, last - first, sp.chunk):
                stop = min(start + sp.chunk, last - first)
                values = {**fixed, **{k: v[start:stop] for k, v in drawn.items()}}
                try:
                    res = run(values, sp.template, names, fuse)
                except InputError as exc:
                    raise InputError(f"{sp.where}: "
                                     f"{scenario_hint(str(exc), lambda i, s=first + start: f'draw {s + i}')}") \
                        from None
                for o in names:
                    columns[o][first + start:first + stop] = res[o]
                if bar is not None:
                    bar.update(stop - start)
            del drawn
    finally:
        if bar is not None:
            bar.close()
    samples = pd.DataFrame({**kept, **columns}, copy=False)
    summary, probs = _summarise(columns, sp.thresholds)
    summary.attrs.update(n=sp.n, seed=sp.seed, template=str(sp.template))
    return MonteCarloResult(summary, samples, probs, sp)


def _stats(x: np.ndarray) -> dict[str, float]:
    """mean, sd (ddof = 1), p5, p50, p95 of x, computed on x scaled by a power of two to |x| ≤ 1:
    exact in binary (the same numbers as unscaled), but sums and squares of draws near 1e308
    cannot overflow."""
    top = float(np.max(np.abs(x)))
    e = math.frexp(top)[1] if math.isfinite(top) else 0
    y = np.ldexp(x, -e)
    with np.errstate(over="ignore", invalid="ignore"):  # inf outputs give inf/nan statistics, not warnings
        p5, p50, p95 = np.percentile(y, [5, 50, 95])
        sd = float(np.ldexp(y.std(ddof=1), e)) if y.size > 1 else math.nan
        return {"mean": float(np.ldexp(y.mean(), e)), "sd": sd, "p5": float(np.ldexp(p5, e)),
                "p50": float(np.ldexp(p50, e)), "p95": float(np.ldexp(p95, e))}


def _summarise(columns: Mapping[str, np.ndarray], thresholds: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    prob_rows = []
    for name, x in columns.items():
        defined = x[~np.isnan(x)]
        n = x.size
        row = {"output": name, "unit": OUTPUTS[name].unit}
        if defined.size:
            row.update(_stats(defined))
        else:
            row.update(mean=math.nan, sd=math.nan, p5=math.nan, p50=math.nan, p95=math.nan)
        row["undefined"] = (n - defined.size) / n  # 3920/20000 is 0.196, where 1 - 16080/20000 is 0.19599999999999995
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
