"""Shared helpers for the workbook tests: input strategies, comparison with a clear report."""

from __future__ import annotations

import math
import subprocess

from hypothesis import strategies as st

import model
from model.registry import CHECKS, INPUTS, OUTPUTS

SHARES = ("share_hobbyist", "share_growth", "share_enterprise", "share_batch")
from model.registry import EXCEL_FUNCTIONS as ALLOWED_FUNCTIONS  # noqa: E402,F401  (one list, in model/)
from model.registry import EXCEL_LITERALS as ALLOWED_LITERALS  # noqa: E402,F401

SPECIAL_RANGES = {"measured_decode_tokens_per_sec": (0.0, 20000.0)}


def _range(name: str) -> tuple[float, float]:
    """A sampling range inside the domain: the whole of a bounded domain, seed/4..seed*4 otherwise."""
    if name in SPECIAL_RANGES:
        return SPECIAL_RANGES[name]
    spec = INPUTS[name]
    d, seed = spec.domain, spec.default
    lo = d.lo if d.lo is not None else -abs(seed) * 4
    if d.hi is not None:
        hi = d.hi
    else:
        hi = max(seed * 4, lo + 1)
        lo = max(lo, seed / 4) if seed > 0 else lo
    return lo, hi


def input_strategy(name: str) -> st.SearchStrategy:
    spec = INPUTS[name]
    d = spec.domain
    lo, hi = _range(name)
    if d.integer:
        return st.integers(int(lo), int(hi)).map(float)
    edges = [x for x in (d.lo, d.hi) if x is not None]
    edges = [x for x in edges if not ((x == d.lo and d.lo_open) or (x == d.hi and d.hi_open))]
    inner = st.floats(lo, hi, exclude_min=d.lo_open and lo == d.lo, exclude_max=d.hi_open and hi == d.hi,
                      allow_nan=False, allow_infinity=False, allow_subnormal=False)
    # no tiny magnitudes: 1e-300 of a divisor overflows to inf in Python and #NUM! in a spreadsheet
    inner = inner.map(lambda x: x if x == 0 or abs(x) > 1e-6 else 0.0)
    if edges:
        return st.one_of(st.sampled_from(edges), inner, inner, inner)
    return inner


@st.composite
def inputs_strategy(draw) -> dict:
    """A full, valid input set: shares normalised to 1, and the model fits in memory."""
    values = {n: draw(input_strategy(n)) for n in INPUTS}
    raw = [draw(st.floats(0.01, 1.0)) for _ in SHARES]
    total = sum(raw)
    for n, r in zip(SHARES, raw):
        values[n] = r / total
    values["share_batch"] = 1.0 - sum(values[n] for n in SHARES[:3])
    if values["share_batch"] < 0:
        values["share_batch"] = 0.0
    # keep the KV cache small enough that at least one sequence fits
    values["kv_gb_per_sequence"] = min(values["kv_gb_per_sequence"], values["hbm_capacity_gb"] / 20)
    values["hbm_usable_fraction"] = min(values["hbm_usable_fraction"], 0.95)
    return values


def fits(values: dict) -> bool:
    try:
        model.evaluate(values)
    except model.InputError:
        return False
    return True


# A sum of yearly flows can cancel to about 0 (an NPV near break-even): its float noise is on the scale of
# the flows, not of the sum, so it is compared on that scale (the fleet's capex: year 0's outflow)
SUM_SCALE = {"project_npv": "fleet_capex", "equity_npv": "fleet_capex"}


def close(expected: float, got, name: str, rel: float, scale: float | None = None) -> bool:
    """Compare one output; nan must meet #N/A. `scale`: compare on max(|expected|, scale) instead of
    |expected| (a sum that cancels to about 0 carries the noise of its terms)."""
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(got, str) and got.strip().upper() in ("#N/A", "N/A") or \
            (hasattr(got, "__str__") and str(got).upper() == "#N/A")
    try:
        g = float(got)
    except (TypeError, ValueError):
        return False
    if scale:
        return abs(g - expected) <= rel * max(abs(scale), abs(expected))
    return abs(g - expected) <= rel * max(abs(expected), 1e-12) or abs(g - expected) <= 1e-12


def mismatches(expected: dict, got: dict, rel: float, cells: dict | None = None, formulas: dict | None = None) -> list:
    bad = []
    for name in OUTPUTS:
        scale = abs(expected[SUM_SCALE[name]]) if name in SUM_SCALE else None
        if not close(expected[name], got.get(name), name, rel, scale):
            where = (cells or {}).get(name, "?")
            bad.append(f"{name} @ {where}: formula {(formulas or {}).get(name, '?')!r}: "
                       f"expected {expected[name]!r}, got {got.get(name)!r}")
    return bad


def defined_cells(path) -> tuple[dict, dict]:
    """name -> 'Sheet'!A1 and name -> formula text, read with openpyxl."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    cells, forms = {}, {}
    for name, dn in wb.defined_names.items():
        dests = list(dn.destinations)
        if len(dests) == 1:
            sheet, ref = dests[0]
            cells[name] = f"'{sheet}'!{ref}"
            forms[name] = wb[sheet][ref.replace("$", "")].value
    return cells, forms


def gnumeric(src, dst):
    """`src` recalculated by Gnumeric's ssconvert (`--recalc`: it keeps stored values otherwise) into `dst`."""
    proc = subprocess.run(["ssconvert", "--recalc", str(src), str(dst)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and dst.exists(), proc.stderr[-2000:]
    return dst


def check_cells(ws) -> dict[str, str]:
    """model/'s checks on a Checks sheet (openpyxl): name -> the cell of its result, column B of the row its label
    heads in the first table (the templates' table below repeats some labels); every check must be there."""
    names = {c.label: name for name, c in CHECKS.items()}
    found: dict[str, str] = {}
    for row in ws.iter_rows(max_col=1):
        if row[0].value in names and names[row[0].value] not in found:
            found[names[row[0].value]] = f"B{row[0].row}"
    assert set(found) == set(CHECKS), set(CHECKS) - set(found)
    return found
