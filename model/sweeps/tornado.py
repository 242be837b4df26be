"""Tornado: one output's swing as each input moves alone from a low to a high value."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..core import resolve_inputs
from ..errors import InputError
from ..registry import INPUTS
from ..validate import SHARES, check_value, short
from ._common import check_base, check_input, check_outputs, no_shares, run, scenario_hint


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

    `ranges` (either mode) gives explicit (low, high) pairs for some inputs (of `inputs`, where given): the
    way to move an input whose base is 0, which ±pct leaves where it is.

    Returns one row per input, ranked by |swing|, with columns input, base_value, low_value,
    high_value, output_at_low, output_at_high, swing (= output_at_high − output_at_low, so its
    sign shows the direction), basis, clipped (a ±pct move that the domain or the rounding to a whole
    number shortened at either end: utilization 1 moves down only). An input the output does not read has swing 0. Where the
    output is undefined (nan) at one end, the swing is nan and the input ranks by its defined end's
    distance from the base output (a move that makes the output undefined is a driver, not a
    non-event); with the base undefined too, it ranks after the rest, and undefined at both ends,
    last. ``attrs["base_output"]`` holds the output at the base case. All 2 × len(inputs)
    scenarios are one vectorised `evaluate` call.
    """
    (name,) = check_outputs([output]) if isinstance(output, str) else (None,)
    if name is None:
        raise InputError(f"tornado takes one output, got {short(output)}")
    if mode not in ("pct", "range"):
        raise InputError(f"tornado mode {short(mode)}: allowed 'pct' or 'range'")
    if isinstance(pct, bool) or not isinstance(pct, numbers.Real) or not 0 < pct < 1:
        raise InputError(f"tornado pct = {short(pct)}: allowed (0, 1), e.g. 0.1 for ±10%")
    overrides = check_base(base)
    if inputs is None:
        moved = [n for n in INPUTS if n not in SHARES]
    else:
        moved = []
        for n in [inputs] if isinstance(inputs, str) else inputs:
            check_input(n)
            no_shares(n, "tornado")
            if n not in moved:
                moved.append(n)
        if not moved:
            raise InputError("tornado: no inputs to move")
    ranges = dict(ranges or {})
    for n, pair in ranges.items():
        check_input(n)
        no_shares(n, "tornado")
        if inputs is not None and n not in moved:  # it used to be ignored, silently
            raise InputError(f"tornado range of {n}: {n} is not among the inputs moved ({', '.join(moved)}); "
                             f"add it to them (inputs=, --input)")
        try:
            if isinstance(pair, (str, bytes)):  # "12" would unpack as low '1', high '2'
                raise TypeError
            lo, hi = pair
        except (TypeError, ValueError):
            raise InputError(f"tornado range of {n}: expected (low, high), got {short(pair)}") from None
        lo, hi = check_value(n, lo, where="tornado range"), check_value(n, hi, where="tornado range")
        if np.ndim(lo) or np.ndim(hi):
            raise InputError(f"tornado range of {n}: low and high must be single numbers, got {short(pair)}")
        if lo > hi:
            raise InputError(f"tornado range of {n}: low {lo!r} is above high {hi!r}")
        ranges[n] = (lo, hi)
    values = resolve_inputs(overrides, template)
    base_vals = np.array([values[n] for n in moved], dtype=float)
    low, high, clipped = _pct_moves(moved, base_vals, pct)
    basis = np.array([f"±{pct:g}"] * len(moved), dtype=object)
    for i, n in enumerate(moved):
        d = INPUTS[n].domain
        if n in ranges:
            low[i], high[i] = ranges[n]
            basis[i], clipped[i] = "range", False
        elif mode == "range" and d.lo is not None and d.hi is not None and not d.lo_open and not d.hi_open:
            low[i], high[i] = d.lo, d.hi
            basis[i], clipped[i] = "domain", False
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
        res = run({**overrides, **arrays}, template, [name])
    except InputError as exc:
        raise InputError(f"tornado: {scenario_hint(str(exc), which)}") from None
    out = np.broadcast_to(res[name], (2 * k + 1,))
    at_low, at_high, base_out = out[0:2 * k:2], out[1:2 * k:2], float(out[-1])
    frame = pd.DataFrame({"input": moved, "base_value": base_vals, "low_value": low, "high_value": high,
                          "output_at_low": at_low, "output_at_high": at_high, "swing": at_high - at_low,
                          "basis": basis, "clipped": clipped})
    order = np.lexsort((np.arange(k), -_rank_key(at_low, at_high, base_out)))
    frame = frame.iloc[order].reset_index(drop=True)
    frame.index = pd.RangeIndex(1, k + 1, name="rank")
    frame.attrs.update(kind="tornado", output=name, base_output=base_out, pct=float(pct), mode=mode,
                       template=str(template))
    return frame


def _rank_key(at_low: np.ndarray, at_high: np.ndarray, base: float) -> np.ndarray:
    """|swing| where both ends are defined; |defined end − base| where one is and the base is; then, the base
    undefined, the inputs with one end defined (−0.5); last those undefined at both ends (−1)."""
    one_end = np.fmax(np.abs(at_low - base), np.abs(at_high - base))  # fmax: the defined one (nan: base undefined)
    both = np.abs(at_high - at_low)
    key = np.where(np.isnan(both), one_end, both)
    return np.where(np.isnan(key), np.where(np.isnan(at_low) & np.isnan(at_high), -1.0, -0.5), key)


def _pct_moves(moved: list[str], base_vals: np.ndarray, pct: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each input's low and high at ±pct, into its domain, and whether that changed either end (clipped)."""
    low = np.empty_like(base_vals)
    high = np.empty_like(base_vals)
    clipped = np.zeros(len(moved), dtype=bool)
    for i, n in enumerate(moved):  # per input, not per scenario: the domain differs by input
        ends = np.array([base_vals[i] * (1 - pct), base_vals[i] * (1 + pct)])
        a, b = _into_domain(n, ends, base_vals[i])
        low[i], high[i] = min(a, b), max(a, b)
        clipped[i] = (a, b) != tuple(ends)
    return low, high, clipped
