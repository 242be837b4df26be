"""The Scenarios sheet: the headline outputs of every template side by side, and the returns across the
contracted share, all live formulas. Each template (and each contracted share) is evaluated on the
"Scenario calc" sheet: the line items and yearly blocks the headlines need, laid out over that template's
input cells (xl/sheets/layout.py)."""

from __future__ import annotations

from xlsxwriter.utility import xl_rowcol_to_cell

from model.registry import INPUTS, OUTPUTS

from ..book import YEAR_COL0, Book, agree, agree_excel
from ..exhibits import C0, _chart
from .layout import lay_out

SHEET, CALC = "Scenarios", "Scenario calc"
HEADLINES = ("total_cost_per_gpu_hour", "rental_gross_margin", "cost_per_m_output_tokens",
             "breakeven_utilization_economic", "wacc", "project_npv", "project_irr", "equity_irr", "fleet_debt",
             "fleet_min_dscr")
SHARE_KEY = "contracted_share"
RETURNS = ("equity_irr", "project_npv", "fleet_debt", "fleet_debt_rate")


def _ref(cells: dict, name: str) -> str:
    """An output's cell on the calc sheet, or its defined name when it does not move with the mapping."""
    return f"'{CALC}'!{cells[name]}" if name in cells else name



def _cell(r: int, c: int) -> str:
    return xl_rowcol_to_cell(r, c, row_abs=True, col_abs=True)


def _row(r: int, c0: int, c1: int) -> str:
    return f"{_cell(r, c0)}:{_cell(r, c1)}"


def _reconcile(b: Book, label: str, r0: int, r1: int, col: int, flags: list[int], note: str) -> None:
    """One check on the Checks sheet over a column of per-row flags."""
    b.extra_checks.append((label, f"IF(MIN('{SHEET}'!{_cell(r0, col)}:{_cell(r1, col)})=1,1,0)", min(flags), note))


def _across(b: Book, ws, r: int, name: str, layouts: list) -> None:
    """Output `name` on row r: its label, name and unit, then its cell in each laid-out copy of the model."""
    o = OUTPUTS[name]
    b.line_head(ws, r, o.label, name, o.unit, copy=True)
    fmt = b.st.output(name, o.unit, *(vals[name] for _, vals in layouts))
    for i, (cells, vals) in enumerate(layouts):
        b.formula(ws, r, C0 + i, _ref(cells, name), fmt, vals[name])

def write_scenarios(b: Book) -> ReturnsByShare:
    """Write the Scenarios sheet and its calc sheet; returns the exhibit charting the returns."""
    ws = b.sheet(SHEET, "sensitivity")
    calc = b.sheet(CALC, "calc")
    # visible, not hidden (FAST: no hidden sheets): a calculation sheet like the others, printed with them
    st = b.st
    calc.write(0, 0, "Scenario calc", st.title)  # the sentence below: a 16-pt one ran past the print edge
    calc.write(1, 0, "Each template's and each contracted share's line items, as live formulas over its own input "
                     "cells (read by the Scenarios sheet); column B, in italics, names the line a row recomputes (its "
                     "named cell is on the line's section sheet).", st.subtitle)
    r = 2
    per_template = []
    copy_checks = []  # (which copy, its check cells, their minimum): a row each on the Checks sheet
    for i, s in enumerate(b.scenarios):
        refs = {n: b.template_cell(n, i) for n in INPUTS}
        vals, rows, results = b.walks[i]
        r, cells, checks = lay_out(b, calc, r, f"Template {i + 1}: {s.name}", refs, HEADLINES,
                                   {**s.values, **vals, **results}, rows)
        per_template.append((cells, vals))
        copy_checks.append((f"template {i + 1} ({s.name})", checks))
        r += 1
    shares = b.axis_values[SHARE_KEY]
    per_share = []
    for j, ref in enumerate(b.axis_cells[SHARE_KEY]):
        v = {**b.base, SHARE_KEY: shares[j]}
        vals, rows, results = b.walk(v)
        r, cells, checks = lay_out(b, calc, r, f"Contracted share, point {j + 1} (live inputs otherwise)",
                                   {SHARE_KEY: ref}, RETURNS, {**v, **vals, **results}, rows)
        per_share.append((cells, vals))
        copy_checks.append((f"contracted share point {j + 1}", checks))
        r += 1
    calc.set_column(0, 0, 40)  # the longest label, a check's, in full
    calc.set_column(1, 1, 30)
    last = max(calc.dim_colmax, YEAR_COL0)  # the widest block laid out: the page is not scaled for empty columns
    calc.set_column(YEAR_COL0, last, 12)
    calc.freeze_panes(1, 2)
    b.print_layout(calc, r, last)
    for which, checks in copy_checks:  # every copy checked as the model is, in the master check
        if checks is not None:
            rng, ok = checks
            b.extra_checks.append((f"Scenario calc, {which}: its checks pass", f"IF(MIN('{CALC}'!{rng})=1,1,0)", ok,
                                   "the checks above that test what this copy of the model recomputes (its corkscrew, "
                                   "its bridge, its NPVs at its IRRs, ...), laid out below the copy on Scenario calc"))

    ws.write(0, 0, "Scenarios", st.title)
    ws.write(1, 0, "Every template's headline outputs side by side (live formulas over its Inputs column), and the "
                   "live scenario's returns across the contracted share.", st.subtitle)
    n = len(b.scenarios)
    r = 3
    b.section_row(ws, r, "Headline outputs by template", C0 + n)
    r += 1
    for c, h in enumerate(("Line item", "Name", "Unit")):
        ws.write(r, c, h, st.header)
    for i, s in enumerate(b.scenarios):
        head = xl_rowcol_to_cell(b.header_row, b.t_col0 + i, row_abs=True, col_abs=True)
        b.formula(ws, r, C0 + i, f"Inputs!{head}", st.header_num, s.header)
    ws.write(r, C0 + n, "Selected (live)", st.header_num)
    ws.set_row(r, 27)  # two lines: room for "<template> (overridden)"
    header = r
    ws.write(header, C0 + n + 1, "Selected = live (1 = OK)", st.header_num)
    flags = []
    for name in HEADLINES:
        r += 1
        _across(b, ws, r, name, per_template)
        o = OUTPUTS[name]
        b.formula(ws, r, C0 + n, name, st.output(name, o.unit, b.values[name], kind="live"), b.values[name])
        # the selected template's copy of the model (Scenario calc) against the named model: one source of truth
        ok = agree(per_template[b.selected][1][name], b.values[name], relative=True)
        copy = f"INDEX({_row(r, C0, C0 + n - 1)},1,scenario_number)"
        b.formula(ws, r, C0 + n + 1, agree_excel(copy, _cell(r, C0 + n), relative=True), st.check, ok)
        flags.append(ok)
    _reconcile(b, "Scenarios: selected template = live", header + 1, r, C0 + n + 1, flags,
               "the Scenario calc copy of the selected template gives every headline the named model gives")
    r += 2
    ex = ReturnsByShare()
    b.section_row(ws, r, "Returns by contracted share (live scenario)", C0 + len(shares))
    r += 1
    inp = INPUTS[SHARE_KEY]
    b.line_head(ws, r, inp.label, SHARE_KEY, inp.unit, copy=True)
    for j, ref in enumerate(b.axis_cells[SHARE_KEY]):
        b.formula(ws, r, C0 + j, ref, st.value(inp.unit), shares[j])
    ex.axis_row, ex.rows = r, {}
    m = len(shares)
    ws.write(r, C0 + m, "Live (the live share)", st.header_num)  # text: the axis row holds only axis points
    ws.set_row(r, 27)  # the two headers beside the axis wrap to two lines
    ws.write(r, C0 + m + 1, "At the live share = live (1 = OK)", st.header_num)
    axis = _row(r, C0, C0 + m - 1)
    at = [j for j, x in enumerate(shares) if x == b.base[SHARE_KEY]]  # as MATCH(…, 0): exact
    flags = []
    for name in RETURNS:
        r += 1
        _across(b, ws, r, name, per_share)
        ex.rows[name] = r
        o = OUTPUTS[name]
        b.formula(ws, r, C0 + m, name, st.output(name, o.unit, b.values[name], kind="live"), b.values[name])
        # the copy at the axis point equal to the live share, if there is one, against the named model
        ok = agree(per_share[at[0]][1][name], b.values[name], relative=True) if at else 1
        where = f"MATCH({SHARE_KEY},{axis},0)"
        copy = f"INDEX({_row(r, C0, C0 + m - 1)},1,{where})"
        b.formula(ws, r, C0 + m + 1, f"IF(IFERROR({where},0)=0,1,{agree_excel(copy, _cell(r, C0 + m), relative=True)})",
                  st.check, ok)
        flags.append(ok)
    _reconcile(b, "Scenarios: returns at live share = live", ex.axis_row + 1, r,
               C0 + m + 1, flags, "where an axis point equals the live contracted share, its copy of the model gives "
               "the named model's returns (1 when no point equals it: nothing to compare)")
    # P1 and F2 disagree on what contracts do for debt, by MODEL.md's design: said where the returns fall with the share
    for line in CONTRACTS_NOTE:
        r += 1
        ws.write_string(r, 0, line, st.note)
    ex.n = len(shares)
    ex.header = header
    ws.set_column(0, 0, 36)
    ws.set_column(1, 1, 30)
    ws.set_column(2, 2, 10)
    last = C0 + max(n, len(shares)) + 1  # the check columns beside the live ones: printed too
    ws.set_column(C0, last, 14)
    for c in {C0 + n + 1, C0 + len(shares) + 1}:  # the check columns: their heads on two lines, not three
        ws.set_column(c, c, 17)
    ws.freeze_panes(header + 1, 2)
    b.print_layout(ws, r, last, header=header)
    return ex


CONTRACTS_NOTE = (
    "How the fleet project (P1) treats contracts: contracted and merchant CFADS are sized at the same target DSCR over",
    "the same tenor; a contract lowers the loan's spread (fleet_debt_rate) and sells all its GPUs' hours at the contract",
    "price, where merchant hours earn gpu_utilization × the market price. Where the contract earns less over its years",
    "(the seed template), CFADS, debt and returns fall as the share rises; where it earns more (h100-market), they rise;",
    "the LTV cap can hold the debt flat. The DSCR sheet (F2) sizes uncontracted debt on its own lower CFADS and shorter",
    "tenor (inputs): there, contracts add debt capacity.",
)


class ReturnsByShare:
    """The chart of the returns across the contracted share (laid out by write_scenarios)."""

    section = None

    def write(self, b: Book, ws, sheet: str, r: int) -> int:
        return r

    def chart(self, b: Book) -> tuple:
        """Two charts, one axis each: amounts and rates share no scale, and a second axis could not keep its
        zero level with the first's for every scenario (an equity IRR or an NPV can turn negative)."""
        ax, last = self.axis_row, C0 + self.n - 1
        cats = [SHEET, ax, C0, ax, last]
        money = _chart(b, {"type": "column"}, "Project NPV and fleet debt by contracted share")
        for name in ("project_npv", "fleet_debt"):
            rr = self.rows[name]
            money.add_series({"name": OUTPUTS[name].label, "categories": cats, "values": [SHEET, rr, C0, rr, last]})
        money.set_y_axis({"name": "$", "num_format": '$#,##0,,"m"'})
        rates = _chart(b, {"type": "line"}, "Equity IRR and debt rate by contracted share")
        for name in ("equity_irr", "fleet_debt_rate"):
            rr = self.rows[name]
            rates.add_series({"name": OUTPUTS[name].label, "categories": cats, "values": [SHEET, rr, C0, rr, last],
                              "marker": {"type": "circle"}})
        rates.set_y_axis({"name": "Rate", "num_format": "0%"})
        for ch in (money, rates):
            ch.set_x_axis({"name": INPUTS[SHARE_KEY].label, "num_format": "0%", "label_position": "low"})
        return money, rates
