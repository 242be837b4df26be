"""The Monte Carlo run: draw the spec's inputs, evaluate in chunks, summarise."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..core import resolve_inputs
from ..errors import InputError
from ..registry import INPUTS, OUTPUTS
from ..validate import SHARES
from ._common import check_base, check_outputs, depends_on, run, scenario_hint
from .mc_spec import Spec, _number, _parse_thresholds, _positive_int, load_spec


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
                res = run(values, sp.template)
            except InputError as exc:
                raise InputError(f"{sp.where}: {scenario_hint(str(exc), lambda i, s=start: f'draw {s + i}')}") \
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
