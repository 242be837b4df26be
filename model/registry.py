"""The one registry: every constant, input and output of MODEL.md, written once.

Python evaluation (`model.evaluate`), the workbook rows (`xl/`) and the UDFs
(`udfs/`) all read these lists; nothing else restates a name.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .finance import IRR_U_LOW

if TYPE_CHECKING:
    import numpy as np

# Sections in MODEL.md order: code -> (workbook sheet, title).
SECTIONS: dict[str, tuple[str, str]] = {
    "D1": ("Cost stack", "D1 Cost stack per GPU-hour"),
    "D2": ("Throughput", "D2 Throughput as margin"),
    "D3": ("Pricing", "D3 Pricing structures"),
    "E1": ("Managed vs rental", "E1 Managed inference vs GPU rental"),
    "E2": ("Buy vs rent", "E2 Buy vs rent GPUs"),
    "E3": ("Data center", "E3 Data center economics"),
    "F1": ("Capital", "F1 Equity vs debt"),
    "F2": ("DSCR", "F2 Contracted revenue and DSCR"),
    "F3": ("Stages", "F3 Capital structure by stage"),
    "P1": ("Project", "P1 Fleet project by year"),
}


@dataclass(frozen=True)
class Domain:
    """A closed, open or half-open interval, optionally integer-only."""

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    integer: bool = False

    def text(self) -> str:
        if self.integer:
            return f"integer {_num(self.lo)}..{_num(self.hi)}"
        if self.hi is None:
            return f"{'>' if self.lo_open else '≥'}{_num(self.lo)}"
        left = "(" if self.lo_open else "["
        right = ")" if self.hi_open else "]"
        return f"{left}{_num(self.lo)}, {_num(self.hi)}{right}"

    def contains(self, v: float) -> bool:
        """One plain float inside the domain (no numpy: the scalar path is called a lot)."""
        if not math.isfinite(v):
            return False
        if self.lo is not None and (v <= self.lo if self.lo_open else v < self.lo):
            return False
        if self.hi is not None and (v >= self.hi if self.hi_open else v > self.hi):
            return False
        return not (self.integer and not float(v).is_integer())

    def contains_all(self, x: np.ndarray) -> bool:
        """Fast path for large arrays: every element inside (two reductions instead of masks)."""
        import numpy as np

        if x.size == 0:
            return True
        lo, hi = float(np.min(x)), float(np.max(x))
        if not (np.isfinite(lo) and np.isfinite(hi)):
            return False
        if self.lo is not None and (lo <= self.lo if self.lo_open else lo < self.lo):
            return False
        if self.hi is not None and (hi >= self.hi if self.hi_open else hi > self.hi):
            return False
        return not (self.integer and np.any(np.floor(x) != x))

    def violations(self, x: np.ndarray) -> np.ndarray:
        """Boolean mask of elements outside the domain (NaN and ±inf included)."""
        import numpy as np

        bad = ~np.isfinite(x)
        with np.errstate(invalid="ignore"):
            if self.lo is not None:
                bad |= (x <= self.lo) if self.lo_open else (x < self.lo)
            if self.hi is not None:
                bad |= (x >= self.hi) if self.hi_open else (x > self.hi)
            if self.integer:
                bad |= np.floor(x) != x
        return bad


def _num(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def parse_domain(text: str) -> Domain:
    """Read MODEL.md's domain notation: '>0', '≥1', '[0,1]', '(0,1]', 'integer 1..30'."""
    t = text.replace(" ", "")
    if t.startswith("integer"):
        lo, hi = t[len("integer"):].split("..")
        return Domain(float(lo), float(hi), integer=True)
    if t.startswith(">"):
        return Domain(float(t[1:]), lo_open=True)
    if t.startswith("≥"):
        return Domain(float(t[1:]))
    lo, hi = t[1:-1].split(",")
    return Domain(float(lo), float(hi), lo_open=t[0] == "(", hi_open=t[-1] == ")")


@dataclass(frozen=True)
class Constant:
    name: str
    value: float
    unit: str
    label: str
    excel: str | None = None  # where the constant follows from another (the workbook writes the formula)


@dataclass
class Input:
    name: str
    label: str
    unit: str
    domain: Domain
    section: str
    description: str
    default: float = math.nan  # the seed value, read from the bundled seed template (model/inputs.py)

    @property
    def integer(self) -> bool:
        return self.domain.integer


@dataclass
class Output:
    name: str
    label: str
    unit: str
    section: str
    func: Callable
    params: tuple[str, ...]
    excel: str  # formula text over defined names, without the leading '='
    formula: str = field(default="")  # MODEL.md's definition (the docstring)
    block: str | None = None  # yearly block the output summarises, if any


@dataclass(frozen=True)
class Row:
    """One row of a yearly block; `excel` is the formula for every year column.

    In `excel`, `[key]` is the same year's cell of row `key`, `[key<]` the previous
    year's (the column before the first year is blank, i.e. 0), `[key>]` the next year's,
    `[key:end]` this year's to the last year's, `[key:all]` the whole row, `[key@end]` the
    last year's cell (xl/formula.py).

    `helper`: a row that only serves other formulas (an IRR's sign rows and search, a check's absolute
    flows, a chart's sentinel), not a line of the schedule: grouped apart on the Project sheet and left out
    of the command line's table (the rows themselves are computed and laid out all the same).
    `gap`: a check's gap row, 0 wherever the schedule holds: the workbook shows a gap that rounds to 0 cents
    (float noise) as "–", not as a red "-$0".
    """

    key: str
    label: str
    unit: str
    excel: str
    helper: bool = False
    gap: bool = False


@dataclass
class Block:
    """A yearly time series laid out for `years` columns, switched by timing flags."""

    name: str
    section: str
    title: str
    years: int
    rows: tuple[Row, ...]
    func: Callable  # (**params, keep_rows) -> dict of summaries and, if asked, rows (years last)
    params: tuple[str, ...]


@dataclass
class Check:
    """A workbook check: a Python body and its Excel text over the same names; 1 = OK, 0 = failed."""

    name: str
    label: str
    section: str
    func: Callable
    params: tuple[str, ...]
    excel: str  # over defined names and block ranges; must give 1 or 0
    description: str


CONSTANTS: dict[str, Constant] = {
    c.name: c
    for c in (
        Constant("hours_per_year", 8760, "hours", "Hours per year"),
        Constant("hours_per_month", 730, "hours", "Hours per month (hours per year / 12)", "hours_per_year/12"),
        Constant("tokens_per_million", 1e6, "tokens", "Tokens per million"),
        Constant("seconds_per_hour", 3600, "seconds", "Seconds per hour"),
        # MODEL.md's D3: the four segment shares sum to 1 within this (Python refuses the input, the workbook's check
        # fails: one bound for both)
        Constant("share_tolerance", 1e-9, "ratio", "Tolerance of the segment shares' sum"),
        Constant("irr_guess_1", 0.1, "%", "IRR guess 1"),
        Constant("irr_guess_2", -0.5, "%", "IRR guess 2"),
        Constant("irr_guess_3", -0.9, "%", "IRR guess 3"),
        # MODEL.md's agreement of Python and the workbook: the checks take an IRR for a root within it (LibreOffice's
        # IRR stops when Newton's step falls below 1e-7; near −100% its last bits are off by ~1e-10)
        Constant("irr_tolerance", 1e-7, "%", "IRR tolerance (the checks' test of an IRR)"),
        # Python's IRR search starts at 1 + r = e^−30 (model/finance.py): a root below is undefined, in the
        # workbook too (its sixth guess reaches further)
        Constant("irr_floor", math.exp(IRR_U_LOW), "ratio", "Lowest 1 + IRR defined (e^−30)"),
        # the minimum DSCR is exact below it: a DSCR is target_dscr · capacity / debt, 1e9 at an LTV of 1e-9, 1e16
        # at 1e-16 (at 1e9, such a minimum read 1e9); 1e300 leaves only LTVs in the denormals
        Constant("dscr_sentinel", 1e300, "×", "DSCR placeholder in years without debt service"),
    )
}

INPUTS: dict[str, Input] = {}
OUTPUTS: dict[str, Output] = {}
BLOCKS: dict[str, Block] = {}
CHECKS: dict[str, Check] = {}


def add_inputs(section: str, rows: list[tuple]) -> None:
    """Register inputs given as (name, domain text, unit, label, description)."""
    for name, dom, unit, label, description in rows:
        if name in INPUTS or name in CONSTANTS:
            raise ValueError(f"duplicate input name {name!r}")
        INPUTS[name] = Input(name, label, unit, parse_domain(dom), section, description)


# What a formula may use: functions every engine computes alike (Excel 2007+, LibreOffice 7.4, `formulas`) and
# literal numbers beyond which a quantity must be a named cell (FAST / ICAEW practice)
EXCEL_FUNCTIONS = frozenset({
    "SUM", "SUMPRODUCT", "MIN", "MAX", "ROUND", "ROUNDUP", "ROUNDDOWN", "IF", "IFERROR", "AND", "OR", "INDEX",
    "MATCH", "CHOOSE", "PV", "PMT", "FV", "NPV", "POWER", "SQRT", "LN", "EXP", "ABS", "MOD", "CEILING", "FLOOR",
    "INT", "NORMSINV", "NA", "IRR", "LOG"})
EXCEL_LITERALS = frozenset({0.0, 1.0, 2.0, 9.0, 12.0, 1000.0, 10000.0})
_FUNC_RE = re.compile(r"\b([A-Z][A-Z0-9.]*)\(")
_NUM_RE = re.compile(r"(?<![A-Za-z0-9_$.])(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)(?![A-Za-z0-9_(])")


def check_excel(where: str, excel: str) -> None:
    """A formula may use only EXCEL_FUNCTIONS and EXCEL_LITERALS; checked when a line, row or check registers."""
    bad = sorted(set(_FUNC_RE.findall(excel)) - EXCEL_FUNCTIONS)
    if bad:
        raise ValueError(f"{where}: Excel function(s) {bad} not in model.registry.EXCEL_FUNCTIONS")
    text = re.sub(r"\[[^\]]*\]", "", excel)  # row references carry year offsets, not literals
    lits = sorted({float(x) for x in _NUM_RE.findall(text)} - EXCEL_LITERALS)
    if lits:
        raise ValueError(f"{where}: literal number(s) {lits} in a formula; name them as constants")


def _one_line(func: Callable) -> str:
    """A function's docstring as one line: it is shown in a cell, a table row, a tooltip."""
    return " ".join((inspect.getdoc(func) or "").split())


def line(section: str, unit: str, label: str, excel: str, block: str | None = None):
    """Register a function as the output named like it; its parameters are the names it reads."""

    def register(func: Callable) -> Callable:
        name = func.__name__
        check_excel(name, excel)
        if name in OUTPUTS or name in INPUTS:
            raise ValueError(f"duplicate output name {name!r}")
        params = tuple(inspect.signature(func).parameters)
        OUTPUTS[name] = Output(name, label, unit, section, func, params, excel, _one_line(func), block)
        return func

    return register


def block(section: str, title: str, years: int, rows: list[Row]):
    """Register a yearly block; its function's parameters (bar `keep_rows`) are the names it reads."""

    def register(func: Callable) -> Callable:
        params = tuple(p for p in inspect.signature(func).parameters if p != "keep_rows")
        for row in rows:
            check_excel(f"{func.__name__}.{row.key}", row.excel)
        if func.__name__ in BLOCKS or func.__name__ in INPUTS or func.__name__ in OUTPUTS:
            raise ValueError(f"duplicate block name {func.__name__!r}")
        BLOCKS[func.__name__] = Block(func.__name__, section, title, years, tuple(rows), func, params)
        return func

    return register


def block_rows(result: dict) -> dict:
    """The yearly rows of a block's result: blocks with summaries return them under "rows", the others are rows."""
    return result["rows"] if "rows" in result else result


def check(section: str, label: str, excel: str):
    """Register a check; the function returns 1 (OK) or 0 (failed) over the names it reads, and
    `excel` is the same test over defined names (block rows as `[block.key:]` ranges)."""

    def register(func: Callable) -> Callable:
        name = func.__name__
        if name in CHECKS or name in OUTPUTS or name in INPUTS:
            raise ValueError(f"duplicate check name {name!r}")
        check_excel(name, excel)
        params = tuple(inspect.signature(func).parameters)
        CHECKS[name] = Check(name, label, section, func, params, excel, _one_line(func))
        return func

    return register


# Workbook controls: the scenario selector (an input on the Inputs sheet) and the template it picks.
CONTROLS: dict[str, str] = {
    "selected_scenario": "name of the template the selector picks (shown on the Cover)",
    "scenario_number": "the scenario selector: position of the live template among the Inputs columns",
}


def names() -> list[str]:
    """Every workbook-scoped defined name: constants, inputs, outputs, controls."""
    return [*CONSTANTS, *INPUTS, *OUTPUTS, *CONTROLS]


# Inputs of MODEL.md v1 that v2 removed, with what replaces each (for the error message)
REMOVED: dict[str, str] = {
    "buy_gpu_price": "gpu_price",
    "buy_useful_life_years": "depreciation_years (book life) and economic_life_years (years until sale)",
    "buy_opex_per_gpu_hour": "the D1 cost stack (gpu_power_kw, pue, power_price_kwh, dc_rate_kw_month, ops_per_gpu_hour)",
    "rent_price_per_gpu_hour": "rental_price_per_gpu_hour",
    "wacc": "the output wacc, set by equity_share, cost_of_equity, cost_of_debt and tax_rate",
    "discount_rate": "the output wacc, set by equity_share, cost_of_equity, cost_of_debt and tax_rate",
}


def suggest(name: str, kind: str = "input") -> str:
    """A did-you-mean hint for an unknown name: close names of the same kind only (an output offered for an
    input would be refused in turn); the name in other letter case first."""
    import difflib

    pool = INPUTS if kind == "input" else OUTPUTS
    same = [n for n in pool if n.casefold() == name.casefold()]
    if same:
        return f" (did you mean {same[0]}? names are lower case)"
    close = difflib.get_close_matches(name.casefold(), list(pool), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def unknown(name: object, kind: str = "input", otherwise: str = "") -> str:
    """The one message for a name that is not a `kind` ("input" or "output"): says when it is the
    other kind, when MODEL.md v2 removed it (and what replaces it), else offers close names, else `otherwise`."""
    text = str(name)
    low = text.casefold()  # names are lower case: GPU_Price is still an input, not a typo
    if kind == "input" and low in REMOVED:
        extra = f" (removed in MODEL.md v2: use {REMOVED[low]})"
    elif kind == "input" and low in OUTPUTS:
        extra = " (it is an output, not an input)"
    elif kind == "output" and low in INPUTS:
        extra = " (it is an input, not an output)"
    else:
        extra = suggest(text, kind) or otherwise
    return f"unknown {kind} {quoted(name)}{extra}"


def quoted(name: object, width: int = 120) -> str:
    """A name as messages quote it: whole up to `width` characters, else its start and its length (a name pasted
    from a 100,000-character cell stays one readable line)."""
    text = str(name)
    return repr(name) if len(text) <= width else repr(text[:width]) + f"… ({len(text):,} characters)"
