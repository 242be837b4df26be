"""How every command shows a number: by its unit, for people. JSON stays raw numbers (nan/inf -> null)."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping, Sequence

COUNT_UNITS = {"GPUs", "sequences", "GPUs/yr", "customers"}
MILLION = 1e6
HUGE = 1e15  # from here on, numbers as 1.234e+15 (no table needs a trillion dollars' every digit)


def _is(v: object, builtin: type | tuple[type, ...], numpy_type: str) -> bool:
    """isinstance(v, builtin) or of numpy's `numpy_type`, without importing numpy: if nothing imported it, v
    cannot be a numpy value (a workbook build never imports numpy, and starts faster for it)."""
    np = sys.modules.get("numpy")
    return isinstance(v, builtin) or (np is not None and isinstance(v, getattr(np, numpy_type)))


def _plain(v: float, min_dp: int = 0, strip: bool = True) -> str:
    """About 4 significant digits without exponents; thousands grouped and whole above 1,000."""
    a = abs(v)
    if a >= HUGE:
        return f"{v:.4g}"
    if a >= 1000:
        return f"{v:,.0f}"
    if a == 0:
        return "0" if strip else f"{0:.{min_dp}f}"
    dp = min(max(min_dp, 3 - math.floor(math.log10(a))), 8)
    text = f"{v:,.{dp}f}"
    if strip and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def value(v: object, unit: str = "") -> str:
    """One value as text for its unit: 39.8 %, $ 1.323, $ 2,140.8 m, 941 (GPUs), 1.50×."""
    if v is None:
        return "—"
    if _is(v, bool, "bool_"):
        return str(bool(v))
    if _is(v, int, "integer") and not (unit in ("%", "%/yr") or unit.startswith(("$", "×"))):
        return f"{int(v):,}"  # a count or whole years as written; money and multiples by their unit, as floats
    if not (_is(v, (float, int), "floating") or _is(v, int, "integer")):
        return str(v)
    try:
        v = float(v)
    except OverflowError:  # an integer beyond the float range: its digits, grouped
        return f"{int(v):,}"
    if math.isnan(v):
        return "n/a"
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if abs(v) >= HUGE and unit not in ("%", "%/yr"):  # an extreme input's result: 300 digits for 1e308
        return ("$ " if unit.startswith("$") else "") + f"{v:.4g}" + ("×" if unit.startswith("×") else "")
    if unit in ("%", "%/yr"):
        pct = v * 100
        if abs(pct) >= HUGE:  # an extreme input's result, past any rate's range
            return f"{pct:.4g} %" if math.isfinite(pct) else f"{v:.4g} (a fraction)"
        return f"{pct:,.2f} %"  # to the basis point, as the workbook shows rates: 7.55 %, 13.00 %
    if unit.startswith("$"):
        if abs(v) >= MILLION:
            return f"$ {v / MILLION:,.1f} m"
        return "$ " + _plain(v, min_dp=2, strip=False)
    if unit in COUNT_UNITS:
        return f"{round(v):,}"
    if unit.startswith("×"):
        return f"{v:,.2f}×"
    return _plain(v)


def axis(values: Sequence[float], unit: str = "") -> list[str]:
    """A sweep's axis labels: `value` for each, or, where that shows two different values alike (1.004 and
    1.006 both as 1.00×), the fewest decimals, the same for all, that tell every pair apart."""
    labels = [value(v, unit) for v in values]
    distinct = len({"nan" if v != v else v for v in values})  # nan != nan: counted once
    if len(set(labels)) == distinct:
        return labels
    scale, before, after = (100.0, "", " %") if unit in ("%", "%/yr") else \
        (1.0, "$ ", "") if unit.startswith("$") else (1.0, "", "×") if unit.startswith("×") else (1.0, "", "")
    for decimals in range(18):
        labels = [value(v, unit) if v != v else f"{before}{float(v) * scale:,.{decimals}f}{after}" for v in values]
        if len(set(labels)) == distinct:
            break
    return labels


def table(rows: Sequence[Sequence[object]], header: Sequence[str], right: set[int] | None = None) -> str:
    """Columns padded to width; `right` (default: all but the first) right-aligned. Cells are shown
    with str() unless already text: format them with `value` first."""
    right = set(range(1, len(header))) if right is None else right
    cells = [[str(h) for h in header], *[[c if isinstance(c, str) else value(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(r: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths), *map(line, cells[1:])])


def jsonable(v: object) -> object:
    """Plain JSON types, recursively; nan and ±inf become None (JSON has no such numbers)."""
    if isinstance(v, Mapping):
        return {str(k): jsonable(x) for k, x in v.items()}
    if _is(v, (list, tuple), "ndarray"):
        return [jsonable(x) for x in v]
    if _is(v, bool, "bool_"):
        return bool(v)
    if _is(v, int, "integer"):
        return int(v)
    if _is(v, float, "floating"):
        v = float(v)
        return (v + 0.0) if math.isfinite(v) else None  # + 0.0: -0.0 (an input of -0.0 passes through) as 0.0
    return v


def dumps(data: object) -> str:
    """JSON for scripts: never NaN or Infinity (null instead), which strict parsers refuse."""
    return json.dumps(jsonable(data), indent=1, ensure_ascii=False, allow_nan=False)
