"""The workbook writer: layout and looks from the registry; no finance of its own.

Every formula is written with the value `model/` computes for it, so the file shows
correct numbers where nothing recalculates; Excel and LibreOffice recalculate on open.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

import model
from model import xp
from model.checks import evaluate_checks
from model.registry import BLOCKS, CHECKS, CONSTANTS, INPUTS, OUTPUTS, SECTIONS, block_rows
from model.validate import SHARES

from .formula import chain, inline, row_formula, substitute
from .styles import TAB, Styles

SELECTOR_CELL = "$C$6"  # on Cover
# Layout of the Inputs sheet (0-based), shared with xl/carry.py which reads edited workbooks back
INPUTS_HEADER_ROW = 3
INPUTS_FIXED_COLUMNS = ("Input", "Name", "Unit", "Domain", "Min", "Max", "Live value")
TEMPLATE_COL0 = len(INPUTS_FIXED_COLUMNS)  # first template column (H)
SOURCE_HEADER = "Source note"

# Axes of the sensitivity grids and chart sweeps: (key, label, input whose domain applies, values)
AXES = (
    ("serving_utilization", "Serving utilization", "serving_utilization", [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]),
    ("optimization_multiplier", "Optimization multiplier", "optimization_multiplier", [1, 1.5, 2, 3, 4, 5]),
    ("rental_price_per_gpu_hour", "Market GPU-hour price", "rental_price_per_gpu_hour", [1.5, 2.0, 2.5, 3.0, 3.5, 4.0]),
    ("cost_of_equity", "Cost of equity", "cost_of_equity", [0.10, 0.15, 0.20, 0.25, 0.30, 0.40]),
    ("batch_size", "Batch size", "batch_size", [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]),
    ("gpu_utilization", "GPU utilization (buy vs rent)", "gpu_utilization",
     [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]),
)

HEADLINES = ("total_cost_per_gpu_hour", "rental_gross_margin", "cost_per_m_output_tokens", "managed_gross_margin",
             "breakeven_utilization_economic", "optimal_owned_gpus", "wacc", "project_npv", "project_irr",
             "equity_irr", "fleet_debt", "fleet_min_dscr")

COST_STACK = ("capex_per_gpu_hour", "power_per_gpu_hour", "datacenter_per_gpu_hour", "network_per_gpu_hour",
              "ops_per_gpu_hour")


def _r9(x: float) -> float:
    """Excel's ROUND(x, 9), for the stored results of the checks."""
    return xp.round_(float(x), 9)


def _clean(v):
    """A value XlsxWriter can store as a formula's cached result."""
    if v is None:
        return 0
    if isinstance(v, str):
        return v
    v = float(v)
    return "#N/A" if math.isnan(v) else v


class PlainWorksheet(Worksheet):
    """A worksheet that skips XlsxWriter's rewriting of post-2007 function names.

    Our formulas use only functions every engine computes (Excel 2007, LibreOffice 7.4,
    `formulas`; tests/test_workbook_structure.py enforces the list), none of which needs an
    `_xlfn.` prefix, so the ~60 regular-expression passes per formula are pure cost.
    """

    def _prepare_formula(self, formula, expand_future_functions=False):
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula


@dataclass
class Scenario:
    name: str
    values: dict
    sources: dict = field(default_factory=dict)
    description: str = ""


@dataclass
class BuildResult:
    path: str
    sheets: list[str]
    formulas: int
    master_check: bool
    headlines: dict


class Builder:
    def __init__(self, scenarios: list[Scenario], selected: int, udf_sheet: bool = False):
        self.scenarios = scenarios
        self.selected = selected
        self.udf_sheet = udf_sheet
        self.n_formulas = 0
        self.cells: dict[str, tuple[str, str]] = {}  # name -> (sheet, absolute cell)
        self.block_rows: dict[str, dict[str, int]] = {}  # block -> row key -> 1-based row
        self.block_sheet: dict[str, str] = {}
        self.values = model.compute(scenarios[selected].values)
        self.block_values = self._block_values(scenarios[selected].values)
        self.checks: list[tuple[str, str, str]] = []  # (label, formula, description)

    # ---------- helpers
    def formula(self, ws, row: int, col: int, text: str, fmt, value) -> None:
        ws.write_formula(row, col, "=" + text, fmt, _clean(value))
        self.n_formulas += 1

    def name_cell(self, name: str, sheet: str, row: int, col: int) -> None:
        cell = xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)
        self.wb.define_name(name, f"='{sheet}'!{cell}")
        self.cells[name] = (sheet, cell)

    def _block_values(self, values: dict) -> dict:
        from model.graph import context

        ctx = context(values)
        return {b.name: block_rows(b.func(*(ctx[p] for p in b.params), keep_rows=True)) for b in BLOCKS.values()}

    def along(self, changes: list[dict], outputs: tuple[str, ...]) -> list[dict]:
        """`outputs` of the selected scenario with each set of changes: one plain-float evaluation of just
        what they read, per point (a few dozen points; cheaper than importing numpy for one vectorised call)."""
        base = self.scenarios[self.selected].values
        return [model.compute({**base, **c}, outputs) for c in changes]

    def sheet(self, title: str, kind: str):
        ws = self.wb.add_worksheet(title, worksheet_class=PlainWorksheet)
        ws.set_tab_color(TAB[kind])
        ws.hide_gridlines(2)
        # no password: protection guards formulas against slips; input cells are unlocked
        ws.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True,
                        "select_unlocked_cells": True})
        self.sheets.append(title)
        return ws

    # ---------- build
    def build(self, path: str) -> BuildResult:
        # strings_to_formulas off and write_string for template text: a name or note starting with
        # = + - @ stays text, never a formula
        self.wb = xlsxwriter.Workbook(path, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                             "strings_to_urls": False})
        self.wb.set_properties({"title": "AI inference economics", "subject": "Formula-driven model",
                                "comments": "Generated by build_workbook.py; every number is a live formula"})
        self.st = Styles(self.wb)
        self.sheets: list[str] = []
        self.cover = self.sheet("Cover", "cover")
        self.inputs_ws = self.sheet("Inputs", "inputs")
        self.write_inputs()
        self.pending: list[tuple] = []  # outputs that read a block: written once every block has its cells
        for sec in SECTIONS:
            self.write_section(sec)
        for ws, sheet, row, name, o in self.pending:
            self._output_row(ws, sheet, row, name, o, self.resolve_ranges(o.excel))
        self.write_sensitivity()
        self.write_charts()
        self.write_checks()
        if self.udf_sheet:
            from .udf_sheet import write_udf_sheet

            write_udf_sheet(self)
        self.write_cover()
        self.wb.close()
        return BuildResult(path, self.sheets, self.n_formulas, self.master == 1,
                           {h: self.values[h] for h in HEADLINES})

    # ---------- Inputs
    def write_inputs(self) -> None:
        ws, st = self.inputs_ws, self.st
        n_t = len(self.scenarios)
        self.t_col0 = TEMPLATE_COL0
        last_t = self.t_col0 + n_t - 1
        src_col = last_t + 1
        ws.write(0, 0, "Inputs", st.title)
        ws.write(1, 0, "Blue cells on a pale fill are inputs: one column per template. The live value (column G) "
                       "takes the template chosen on the Cover. Data validation enforces each domain.", st.subtitle)
        heads = [*INPUTS_FIXED_COLUMNS, *(s.name for s in self.scenarios), SOURCE_HEADER]
        self.header_row = INPUTS_HEADER_ROW
        for c, h in enumerate(heads):
            ws.write_string(self.header_row, c, h, st.header)
        self.template_header = (f"Inputs!${xl_col_to_name(self.t_col0)}${self.header_row + 1}:"
                                f"${xl_col_to_name(last_t)}${self.header_row + 1}")
        r = self.header_row + 1
        ws.write(r, 0, "Constants", st.section)
        r += 1
        for c in CONSTANTS.values():
            ws.write(r, 0, c.label, st.text)
            ws.write(r, 1, c.name, st.name)
            ws.write(r, 2, c.unit, st.unit)
            ws.write_number(r, 6, c.value, st.value(c.unit, "const"))
            self.name_cell(c.name, "Inputs", r, 6)
            r += 1
        self.input_rows: dict[str, int] = {}
        for sec, (_, title) in SECTIONS.items():
            r += 1
            ws.write(r, 0, title, st.section)
            for c in range(1, src_col + 1):
                ws.write_blank(r, c, None, st.section)
            r += 1
            for name, spec in INPUTS.items():
                if spec.section != sec:
                    continue
                self._input_row(ws, r, name, spec, last_t, src_col)
                r += 1
        # axes for the sensitivity grids and chart sweeps
        r += 1
        ws.write(r, 0, "Sensitivity and chart axes", st.section)
        for c in range(1, src_col + 1):
            ws.write_blank(r, c, None, st.section)
        r += 1
        self.axis_cells: dict[str, list[str]] = {}
        for key, label, inp, vals in AXES:
            ws.write(r, 0, label, st.text)
            ws.write(r, 1, f"axis: {key}", st.name)
            ws.write(r, 2, INPUTS[inp].unit, st.unit)
            ws.write(r, 3, INPUTS[inp].domain.text(), st.unit)
            refs = []
            for i, v in enumerate(vals):
                ws.write_number(r, self.t_col0 + i, v, st.value(INPUTS[inp].unit, "input"))
                self._validate(ws, r, self.t_col0 + i, inp)
                refs.append(f"Inputs!{xl_rowcol_to_cell(r, self.t_col0 + i, row_abs=True, col_abs=True)}")
            self.axis_cells[key] = refs
            r += 1
        self.axis_values = {k: [float(x) for x in v] for k, _, _, v in AXES}
        ws.set_column(0, 0, 34)
        ws.set_column(1, 1, 32)
        ws.set_column(2, 3, 12)
        ws.set_column(4, 5, 8)
        ws.set_column(6, last_t + 6, 13)
        ws.set_column(src_col, src_col, 70)
        ws.freeze_panes(self.header_row + 1, 2)
        ws.print_area(0, 0, r, src_col)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(self.header_row)

    def _input_row(self, ws, r: int, name: str, spec, last_t: int, src_col: int) -> None:
        st = self.st
        dom = spec.domain
        ws.write(r, 0, spec.label, st.text)
        ws.write(r, 1, name, st.name)
        ws.write(r, 2, spec.unit, st.unit)
        ws.write(r, 3, dom.text(), st.unit)
        if dom.lo is not None:
            ws.write_number(r, 4, dom.lo, st.value(spec.unit, "const"))
        if dom.hi is not None:
            ws.write_number(r, 5, dom.hi, st.value(spec.unit, "const"))
        first = xl_rowcol_to_cell(r, self.t_col0)
        last = xl_rowcol_to_cell(r, last_t)
        sel = self.scenarios[self.selected].values[name]
        self.formula(ws, r, 6, f"INDEX({first}:{last},1,scenario_number)", st.value(spec.unit, "live"), sel)
        self.name_cell(name, "Inputs", r, 6)
        notes = []
        for i, s in enumerate(self.scenarios):
            ws.write_number(r, self.t_col0 + i, float(s.values[name]), st.value(spec.unit, "input"))
            self._validate(ws, r, self.t_col0 + i, name)
            src = s.sources.get(name, "")
            if src and not src.startswith("seed: ") and (i == 0 or src):
                notes.append(src if i == 0 else f"{s.name}: {src}")
        ws.write_string(r, src_col, "; ".join(notes), st.note)
        self.input_rows[name] = r

    def _validate(self, ws, r: int, c: int, name: str) -> None:
        dom = INPUTS[name].domain
        msg = f"{name}: allowed {dom.text()}"
        common = {"input_title": name[:32], "input_message": f"Allowed: {dom.text()}"[:255],
                  "error_title": "Outside the domain", "error_message": msg[:255], "error_type": "stop"}
        if dom.integer:
            ws.data_validation(r, c, r, c, {"validate": "integer", "criteria": "between",
                                            "minimum": int(dom.lo), "maximum": int(dom.hi), **common})
        elif dom.hi is None:
            crit = ">" if dom.lo_open else ">="
            ws.data_validation(r, c, r, c, {"validate": "decimal", "criteria": crit, "value": dom.lo, **common})
        elif not dom.lo_open and not dom.hi_open:
            ws.data_validation(r, c, r, c, {"validate": "decimal", "criteria": "between",
                                            "minimum": dom.lo, "maximum": dom.hi, **common})
        else:
            cell = xl_rowcol_to_cell(r, c)
            lo = f"{cell}>{dom.lo:g}" if dom.lo_open else f"{cell}>={dom.lo:g}"
            hi = f"{cell}<{dom.hi:g}" if dom.hi_open else f"{cell}<={dom.hi:g}"
            ws.data_validation(r, c, r, c, {"validate": "custom", "value": f"=AND(ISNUMBER({cell}),{lo},{hi})",
                                            **common})

    def template_cell(self, name: str, i: int) -> str:
        """Absolute reference to template i's value of input `name` on the Inputs sheet."""
        return f"Inputs!{xl_rowcol_to_cell(self.input_rows[name], self.t_col0 + i, row_abs=True, col_abs=True)}"

    # ---------- section sheets
    def write_section(self, sec: str) -> None:
        sheet, title = SECTIONS[sec]
        ws = self.sheet(sheet, "calc")
        st = self.st
        ws.write(0, 0, title, st.title)
        ws.write(1, 0, "Every line is a formula over named cells; definitions as in MODEL.md.", st.subtitle)
        for c, h in enumerate(["Line item", "Name", "Unit", "Value", "Definition"]):
            ws.write(3, c, h, st.header)
        r = 4
        for name, o in OUTPUTS.items():
            if o.section != sec:
                continue
            if o.block:
                self.pending.append((ws, sheet, r, name, o))
            else:
                self._output_row(ws, sheet, r, name, o, o.excel)
            r += 1
        max_col = 4
        for b in BLOCKS.values():
            if b.section == sec:
                r = self.write_block(ws, sheet, r + 1, b)
                max_col = max(max_col, 5 + b.years)
        extra = {"D1": self.write_cost_by_template, "D2": self.write_batch_sweep, "E2": self.write_buy_rent_sweep,
                 "F3": self.write_stage_table}.get(sec)
        if extra:
            r = extra(ws, sheet, r + 1)
        max_col = max(max_col, ws.dim_colmax or 0)
        ws.set_column(0, 0, 36)
        ws.set_column(1, 1, 34)
        ws.set_column(2, 2, 11)
        ws.set_column(3, 3, 16)
        ws.set_column(4, 4, 12)
        ws.set_column(5, 5 + 30, 13)
        ws.freeze_panes(4, 2)
        ws.print_area(0, 0, r, max_col)
        ws.set_landscape()
        # a 30-year block would shrink to illegible on one page: let it run to a few pages across
        ws.fit_to_pages(max(1, (max_col + 14) // 15), 0)
        ws.repeat_columns(0, 0)

    def _output_row(self, ws, sheet: str, r: int, name: str, o, excel: str) -> None:
        st = self.st
        ws.write(r, 0, o.label, st.text)
        ws.write(r, 1, name, st.name)
        ws.write(r, 2, o.unit, st.unit)
        self.formula(ws, r, 3, excel, st.value(o.unit), self.values[name])
        self.name_cell(name, sheet, r, 3)
        ws.write_string(r, 4, o.formula.replace("\n", " "), st.note)

    def write_block(self, ws, sheet: str, r: int, b) -> int:
        st = self.st
        ws.write(r, 0, b.title, st.section)
        for c in range(1, 5 + b.years + 1):
            ws.write_blank(r, c, None, st.section)
        r += 1
        rows = {row.key: r + 1 + i for i, row in enumerate(b.rows)}  # 1-based Excel rows
        self.block_rows[b.name] = rows
        self.block_sheet[b.name] = sheet
        vals = self.block_values[b.name]
        for i, row in enumerate(b.rows):
            rr = r + i
            ws.write(rr, 0, row.label, st.text)
            ws.write(rr, 1, row.key, st.name)
            ws.write(rr, 2, row.unit, st.unit)
            for t in range(b.years):
                self.formula(ws, rr, 5 + t, row_formula(row.excel, b.name, self.block_cell(sheet), t, b.years),
                             st.value(row.unit), vals[row.key][t])
        return r + len(b.rows)

    def block_cell(self, sheet: str):
        """A reference to year t's cell of row `key` of a block, from a formula on `sheet`."""

        def cell(block: str, key: str, t: int, absolute: bool = False) -> str:
            ref = xl_rowcol_to_cell(self.block_rows[block][key] - 1, 5 + t, row_abs=absolute, col_abs=absolute)
            other = self.block_sheet[block]
            return ref if other == sheet else f"'{other}'!{ref}"

        return cell

    def resolve_ranges(self, excel: str) -> str:
        from .formula import RANGE_RE

        def repl(m):
            block, key, first, ranged = m.group(1), m.group(2), m.group(4), m.group(5)
            b = BLOCKS[block]
            row = self.block_rows[block][key]
            sheet = self.block_sheet[block]
            start = 5 + int(first or 0)
            if first is not None and not ranged:
                return f"'{sheet}'!${xl_col_to_name(start)}${row}"
            return f"'{sheet}'!${xl_col_to_name(start)}${row}:${xl_col_to_name(4 + b.years)}${row}"

        return RANGE_RE.sub(repl, excel)

    # ---------- blocks for charts and sweeps
    def _axis_header(self, ws, r: int, label: str, unit: str, key: str) -> None:
        st = self.st
        ws.write(r, 0, label, st.text)
        ws.write(r, 2, unit, st.unit)
        for i, ref in enumerate(self.axis_cells[key]):
            self.formula(ws, r, 5 + i, ref, st.value(unit), self.axis_values[key][i])

    def write_sweep(self, ws, r: int, title: str, key: str, target: str) -> tuple[int, dict[str, int]]:
        """Target output across an axis: one row per line item between the axis input and the target."""
        st = self.st
        n = len(self.axis_values[key])
        ws.write(r, 0, title, st.section)
        for c in range(1, 5 + n + 1):
            ws.write_blank(r, c, None, st.section)
        r += 1
        inp = INPUTS[key]
        self._axis_header(ws, r, inp.label, inp.unit, key)
        rows = {key: r}
        steps = chain(target, [key])
        points = self.along([{key: v} for v in self.axis_values[key]], tuple(steps))
        vals = {name: [p[name] for p in points] for name in steps}
        r += 1
        for name in steps:
            o = OUTPUTS[name]
            ws.write(r, 0, o.label, st.text)
            ws.write(r, 1, name, st.name)
            ws.write(r, 2, o.unit, st.unit)
            rows[name] = r
            for i in range(n):
                col = xl_col_to_name(5 + i)
                text = substitute(o.excel, lambda nm, col=col: f"{col}{rows[nm] + 1}" if nm in rows else None)
                self.formula(ws, r, 5 + i, text, st.value(o.unit), vals[name][i])
            r += 1
        return r, rows

    def write_cost_by_template(self, ws, sheet: str, r: int) -> int:
        """The cost stack of every template side by side (the seed's cost waterfall)."""
        st = self.st
        ws.write(r, 0, "Cost stack by template", st.section)
        for c in range(1, 5 + len(self.scenarios) + 1):
            ws.write_blank(r, c, None, st.section)
        r += 1
        ws.write(r, 0, "Template", st.text)
        for i, s in enumerate(self.scenarios):
            head = xl_rowcol_to_cell(self.header_row, self.t_col0 + i, row_abs=True, col_abs=True)
            self.formula(ws, r, 5 + i, f"Inputs!{head}", st.text, s.name)
        self.cost_chart_header = r
        r += 1
        lines = [n for n in chain("total_cost_per_gpu_hour", INPUTS) if n != "total_cost_per_gpu_hour"]
        rows: dict[str, int] = {}
        per_t = [model.compute(s.values) for s in self.scenarios]
        self.cost_chart_rows = {}
        for name in [*lines, "ops_per_gpu_hour", "total_cost_per_gpu_hour"]:
            spec = OUTPUTS.get(name) or INPUTS[name]
            ws.write(r, 0, spec.label, st.text)
            ws.write(r, 1, name, st.name)
            ws.write(r, 2, spec.unit, st.unit)
            rows[name] = r
            for i, s in enumerate(self.scenarios):
                col = xl_col_to_name(5 + i)
                if name in INPUTS:
                    text, val = self.template_cell(name, i), s.values[name]
                else:
                    def ref(nm, i=i, col=col):
                        if nm in rows:
                            return f"{col}{rows[nm] + 1}"
                        return self.template_cell(nm, i) if nm in INPUTS else None
                    text, val = substitute(OUTPUTS[name].excel, ref), per_t[i][name]
                self.formula(ws, r, 5 + i, text, st.value(spec.unit), val)
            self.cost_chart_rows[name] = r
            r += 1
        return r

    def write_batch_sweep(self, ws, sheet: str, r: int) -> int:
        r, rows = self.write_sweep(ws, r, "Cost per M output tokens across batch size", "batch_size",
                                   "cost_per_m_output_tokens")
        self.batch_sweep = (sheet, rows)
        return r

    def write_buy_rent_sweep(self, ws, sheet: str, r: int) -> int:
        """Economic cost per used GPU-hour of owning vs the levelized market rent, across utilization."""
        st = self.st
        key = "gpu_utilization"
        n = len(self.axis_values[key])
        ws.write(r, 0, "Owning vs renting per used GPU-hour", st.section)
        for c in range(1, 5 + n + 1):
            ws.write_blank(r, c, None, st.section)
        r += 1
        self._axis_header(ws, r, "GPU utilization", "%", key)
        axis_row = r
        u = self.axis_values[key]
        own = [self.values["economic_cost_per_hour"] / x for x in u]
        r += 1
        ws.write(r, 0, "Owning (economic cost) per used hour", st.text)
        ws.write(r, 2, "$/GPU-h", st.unit)
        for i in range(n):
            col = xl_col_to_name(5 + i)
            self.formula(ws, r, 5 + i, f"economic_cost_per_hour/{col}{axis_row + 1}", st.value("$/GPU-h"), own[i])
        r += 1
        ws.write(r, 0, "Renting (levelized market rent) per used hour", st.text)
        ws.write(r, 2, "$/GPU-h", st.unit)
        for i in range(n):
            self.formula(ws, r, 5 + i, "rent_levelized_per_gpu_hour", st.value("$/GPU-h"),
                         self.values["rent_levelized_per_gpu_hour"])
        self.buy_rent_sweep = (sheet, axis_row, axis_row + 1, axis_row + 2, n)
        return r + 1

    def write_stage_table(self, ws, sheet: str, r: int) -> int:
        """Capital structure and WACC by stage, laid out for a chart."""
        from model.inputs import STAGE_LABELS, STAGES

        st = self.st
        ws.write(r, 0, "Capital structure by stage", st.section)
        for c in range(1, 5 + len(STAGES) + 1):
            ws.write_blank(r, c, None, st.section)
        r += 1
        ws.write(r, 0, "Stage", st.text)
        for i, s in enumerate(STAGES):
            ws.write(r, 5 + i, STAGE_LABELS[s], st.header)
        head = r
        vals = self.scenarios[self.selected].values
        spec = [("Equity share", "%", lambda s: f"equity_share_{s}", lambda s: vals[f"equity_share_{s}"]),
                ("Debt share", "%", lambda s: f"1-equity_share_{s}", lambda s: 1 - vals[f"equity_share_{s}"]),
                ("WACC", "%", lambda s: f"wacc_{s}", lambda s: self.values[f"wacc_{s}"])]
        for label, unit, text, value in spec:
            r += 1
            ws.write(r, 0, label, st.text)
            ws.write(r, 2, unit, st.unit)
            for i, s in enumerate(STAGES):
                self.formula(ws, r, 5 + i, text(s), st.value(unit), value(s))
        self.stage_table = (sheet, head, head + 1, head + 2, head + 3, len(STAGES))
        return r + 1

    # ---------- Sensitivity
    def write_sensitivity(self) -> None:
        ws = self.sheet("Sensitivity", "sensitivity")
        st = self.st
        ws.write(0, 0, "Sensitivity", st.title)
        ws.write(1, 0, "Two-way grids of live formulas (no data tables): each cell recomputes its line item with "
                       "the row and column values; everything else comes from the live inputs.", st.subtitle)
        r = 3
        r = self._grid(ws, r, "Cost per M output tokens ($) by serving utilization (rows) × optimization "
                              "multiplier (columns)", "cost_per_m_output_tokens", "serving_utilization",
                       "optimization_multiplier")
        r = self._grid(ws, r + 2, "Breakeven utilization with WACC by market GPU-hour price ($/GPU-h, rows) × cost "
                                  "of equity (columns)", "breakeven_utilization_wacc", "rental_price_per_gpu_hour",
                       "cost_of_equity")
        ws.set_column(0, 0, 30)
        ws.set_column(1, 12, 12)
        ws.freeze_panes(3, 0)
        ws.print_area(0, 0, r, 12)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)

    def _grid(self, ws, r: int, title: str, target: str, row_key: str, col_key: str) -> int:
        st = self.st
        ws.write(r, 0, title, st.section)
        rows_v, cols_v = self.axis_values[row_key], self.axis_values[col_key]
        for c in range(1, len(cols_v) + 2):
            ws.write_blank(r, c, None, st.section)
        r += 1
        ws.write(r, 0, f"{INPUTS[row_key].label} ↓ / {INPUTS[col_key].label} →", st.note)
        for j, ref in enumerate(self.axis_cells[col_key]):
            self.formula(ws, r, 2 + j, ref, st.value(INPUTS[col_key].unit), cols_v[j])
        head = r
        points = self.along([{row_key: rv, col_key: cv} for rv in rows_v for cv in cols_v], (target,))
        grid = [[points[i * len(cols_v) + j][target] for j in range(len(cols_v))] for i in range(len(rows_v))]
        unit = OUTPUTS[target].unit
        for i, ref in enumerate(self.axis_cells[row_key]):
            r += 1
            self.formula(ws, r, 1, ref, st.value(INPUTS[row_key].unit), rows_v[i])
            for j in range(len(cols_v)):
                rref = f"$B{r + 1}"
                cref = f"{xl_col_to_name(2 + j)}${head + 1}"
                self.formula(ws, r, 2 + j, inline(target, {row_key: rref, col_key: cref}), st.value(unit),
                             grid[i][j])
        return r + 1

    # ---------- Charts
    def write_charts(self) -> None:
        ws = self.sheet("Charts", "charts")
        st = self.st
        ws.write(0, 0, "Charts", st.title)
        ws.write(1, 0, "All series read live formula ranges of the model sheets.", st.subtitle)
        wb = self.wb
        n_t = len(self.scenarios)
        # 1 cost stack by template
        sheet = "Cost stack"
        hdr = self.cost_chart_header
        cats = [sheet, hdr, 5, hdr, 4 + n_t]
        ch = wb.add_chart({"type": "column", "subtype": "stacked"})
        for name in COST_STACK:
            rr = self.cost_chart_rows[name]
            spec = OUTPUTS.get(name) or INPUTS[name]
            ch.add_series({"name": spec.label, "categories": cats, "values": [sheet, rr, 5, rr, 4 + n_t],
                           "data_labels": {"value": False}})
        ch.set_title({"name": "Cost per GPU-hour by template"})
        ch.set_y_axis({"name": "$ per GPU-hour", "num_format": "$0.00"})
        ch.set_x_axis({"name": "Template"})
        ch.set_legend({"position": "bottom"})
        ch.set_size({"width": 640, "height": 360})
        ws.insert_chart(3, 0, ch)
        # 2 buy vs rent across utilization
        sheet, ax, own, rent, n = self.buy_rent_sweep
        ch = wb.add_chart({"type": "scatter", "subtype": "straight"})
        xr = [sheet, ax, 5, ax, 4 + n]
        ch.add_series({"name": "Own (economic cost)", "categories": xr, "values": [sheet, own, 5, own, 4 + n]})
        ch.add_series({"name": "Rent (levelized)", "categories": xr, "values": [sheet, rent, 5, rent, 4 + n]})
        be_sheet, be_cell = self.cells["breakeven_utilization_economic"]
        rp_sheet, rp_cell = self.cells["rent_levelized_per_gpu_hour"]
        ch.add_series({"name": "Breakeven", "categories": f"='{be_sheet}'!{be_cell}",
                       "values": f"='{rp_sheet}'!{rp_cell}", "marker": {"type": "diamond", "size": 10},
                       "line": {"none": True}, "data_labels": {"series_name": True, "position": "above"}})
        ch.set_title({"name": "Cost per used GPU-hour: own vs rent"})
        ch.set_x_axis({"name": "GPU utilization", "num_format": "0%", "min": 0, "max": 1})
        ch.set_y_axis({"name": "$ per used GPU-hour", "num_format": "$0.00"})
        ch.set_legend({"position": "bottom"})
        ch.set_size({"width": 640, "height": 360})
        ws.insert_chart(3, 11, ch)
        # 3 capital structure and WACC by stage
        sheet, head, eq, debt, wacc_r, n = self.stage_table
        cats = [sheet, head, 5, head, 4 + n]
        ch = wb.add_chart({"type": "column", "subtype": "percent_stacked"})
        ch.add_series({"name": "Equity share", "categories": cats, "values": [sheet, eq, 5, eq, 4 + n]})
        ch.add_series({"name": "Debt share", "categories": cats, "values": [sheet, debt, 5, debt, 4 + n]})
        line = wb.add_chart({"type": "line"})
        line.add_series({"name": "WACC (right axis)", "categories": cats, "values": [sheet, wacc_r, 5, wacc_r, 4 + n],
                         "y2_axis": True, "marker": {"type": "circle"}})
        ch.combine(line)
        ch.set_title({"name": "Capital structure and WACC by stage"})
        ch.set_y_axis({"name": "Share of capital", "num_format": "0%"})
        line.set_y2_axis({"name": "WACC", "num_format": "0%"})
        ch.set_x_axis({"name": "Stage"})
        ch.set_legend({"position": "bottom"})
        ch.set_size({"width": 640, "height": 360})
        ws.insert_chart(22, 0, ch)
        # 4 sculpted debt balance and debt service
        sheet = self.block_sheet["sculpting"]
        rows = self.block_rows["sculpting"]
        years = BLOCKS["sculpting"].years
        yr = rows["year"] - 1
        ch = wb.add_chart({"type": "column"})
        ch.add_series({"name": "Closing balance", "categories": [sheet, yr, 5, yr, 4 + years],
                       "values": [sheet, rows["closing"] - 1, 5, rows["closing"] - 1, 4 + years]})
        line = wb.add_chart({"type": "line"})
        line.add_series({"name": "Debt service (right axis)", "categories": [sheet, yr, 5, yr, 4 + years],
                         "values": [sheet, rows["debt_service"] - 1, 5, rows["debt_service"] - 1, 4 + years],
                         "y2_axis": True})
        ch.combine(line)
        ch.set_title({"name": "Sculpted debt: balance and debt service"})
        ch.set_x_axis({"name": "Year"})
        ch.set_y_axis({"name": "Closing balance, $", "num_format": '$#,##0,,"M"'})
        line.set_y2_axis({"name": "Debt service, $ per year", "num_format": '$#,##0,,"M"'})
        ch.set_legend({"position": "bottom"})
        ch.set_size({"width": 640, "height": 360})
        ws.insert_chart(22, 11, ch)
        # 5 cost per M tokens across batch size
        sheet, rows = self.batch_sweep
        n = len(self.axis_values["batch_size"])
        ch = wb.add_chart({"type": "line"})
        ch.add_series({"name": "Cost per M output tokens",
                       "categories": [sheet, rows["batch_size"], 5, rows["batch_size"], 4 + n],
                       "values": [sheet, rows["cost_per_m_output_tokens"], 5, rows["cost_per_m_output_tokens"],
                                  4 + n], "marker": {"type": "circle"}})
        ch.set_title({"name": "Cost per M output tokens by batch size"})
        ch.set_x_axis({"name": "Batch size (sequences)"})
        ch.set_y_axis({"name": "$ per M output tokens", "num_format": "$0.000", "log_base": 10})
        ch.set_legend({"none": True})
        ch.set_size({"width": 640, "height": 360})
        ws.insert_chart(41, 0, ch)
        ws.print_area(0, 0, 60, 21)
        ws.set_landscape()
        ws.fit_to_pages(1, 1)

    # ---------- Checks
    def write_checks(self) -> None:
        ws = self.sheet("Checks", "checks")
        st = self.st
        ws.write(0, 0, "Checks", st.title)
        ws.write(1, 0, "1 = OK, 0 = failed. The master check on the Cover is the minimum of all checks.",
                 st.subtitle)
        for c, h in enumerate(["Check", "Result", "What it tests"]):
            ws.write(3, c, h, st.header)
        # the stored result of each check is its Python body on the model's values, so a file that is not
        # recalculated tells the truth too
        results = evaluate_checks(self.scenarios[self.selected].values)
        checks = [(c.label, self.resolve_ranges(c.excel), c.description, results[name]) for name, c in CHECKS.items()]
        r = 4
        self.check_cells = []
        self.check_values: list[int] = []
        for label, text, desc, ok in checks:
            ws.write(r, 0, label, st.text)
            self.formula(ws, r, 1, text, st.check, int(ok))
            self.check_values.append(int(ok))
            ws.write(r, 2, desc, st.note)
            self.check_cells.append(f"Checks!$B${r + 1}")
            r += 1
        # every template's inputs within domain and shares summing to 1
        r += 1
        ws.write(r, 0, "Inputs within their domains, by template (1 = every input OK)", st.section)
        n_t = len(self.scenarios)
        for c in range(1, 3 + n_t):
            ws.write_blank(r, c, None, st.section)
        r += 1
        summary_row = r
        ws.write(r, 0, "All inputs in domain", st.text)
        r += 1
        shares_row = r
        ws.write(r, 0, "Segment shares sum to 1", st.text)
        r += 1
        ws.write(r, 0, "Input", st.header)
        ws.write(r, 1, "Domain", st.header)
        for i, s in enumerate(self.scenarios):
            ws.write_string(r, 2 + i, s.name, st.header)
        r += 1
        first = r
        for name, spec in INPUTS.items():
            ws.write(r, 0, name, st.name)
            ws.write(r, 1, spec.domain.text(), st.unit)
            for i in range(n_t):
                self.formula(ws, r, 2 + i, self._domain_formula(name, i), st.check, 1)
            r += 1
        for i, s in enumerate(self.scenarios):
            col = xl_col_to_name(2 + i)
            self.formula(ws, summary_row, 2 + i, f"IF(MIN({col}{first + 1}:{col}{r}),1,0)", st.check, 1)
            shares = "+".join(self.template_cell(n, i) for n in SHARES)
            shares_ok = int(_r9(sum(s.values[n] for n in SHARES)) == 1)
            self.formula(ws, shares_row, 2 + i, f"IF(ROUND({shares},9)=1,1,0)", st.check, shares_ok)
            self.check_values += [1, shares_ok]  # every template was validated against the domains
            ws.write_string(summary_row - 1, 2 + i, s.name, st.header)
            self.check_cells.append(f"Checks!${col}${summary_row + 1}")
            self.check_cells.append(f"Checks!${col}${shares_row + 1}")
        self.master = min(self.check_values)
        ws.set_column(0, 0, 40)
        ws.set_column(1, 1, 14)
        ws.set_column(2, 2 + n_t, 14)
        ws.freeze_panes(4, 1)
        ws.print_area(0, 0, r, 2 + n_t)
        ws.fit_to_pages(1, 0)

    def _domain_formula(self, name: str, i: int) -> str:
        dom = INPUTS[name].domain
        x = self.template_cell(name, i)
        r = self.input_rows[name] + 1
        mn, mx = f"Inputs!$E${r}", f"Inputs!$F${r}"
        conds = [f"IFERROR({x}*1={x},FALSE)"]
        if dom.lo is not None:
            conds.append(f"{x}{'>' if dom.lo_open else '>='}{mn}")
        if dom.hi is not None:
            conds.append(f"{x}{'<' if dom.hi_open else '<='}{mx}")
        if dom.integer:
            conds.append(f"INT({x})={x}")
        return f"IF(AND({','.join(conds)}),1,0)"

    # ---------- Cover
    def write_cover(self) -> None:
        ws, st = self.cover, self.st
        ws.write(0, 1, "The economics of AI inference", st.title)
        ws.write(1, 1, "From a GPU-hour to a balance sheet: cost stack, throughput, pricing, business models "
                       "and capital structure, as live formulas.", st.subtitle)
        ws.write(3, 1, "Scenario", st.section)
        ws.write(5, 1, "Selected template", st.text)
        sel = self.scenarios[self.selected].name
        ws.write_string(5, 2, sel, st.selector)
        ws.data_validation(5, 2, 5, 2, {"validate": "list", "source": "=" + self.template_header,
                                        "input_title": "Scenario", "input_message": "Pick a template column",
                                        "error_title": "Unknown template",
                                        "error_message": "Choose one of the template names on the Inputs sheet"})
        ws.write(6, 1, "Scenario number", st.text)
        self.formula(ws, 6, 2, f"MATCH(selected_scenario,{self.template_header},0)", st.value("case"),
                     self.selected + 1)
        self.wb.define_name("selected_scenario", f"=Cover!{SELECTOR_CELL}")
        self.wb.define_name("scenario_number", "=Cover!$C$7")
        ws.write(7, 1, "Master check", st.text)
        self.formula(ws, 7, 2, f"MIN({','.join(self.check_cells)})", st.master, self.master)
        ws.write(9, 1, "Headline outputs", st.section)
        ws.write(9, 2, None, st.section)
        ws.write(9, 3, None, st.section)
        r = 10
        for name in HEADLINES:
            o = OUTPUTS[name]
            ws.write(r, 1, o.label, st.text)
            self.formula(ws, r, 2, name, st.value(o.unit), self.values[name])
            ws.write(r, 3, o.unit, st.unit)
            r += 1
        r += 1
        ws.write(r, 1, "Contents", st.section)
        ws.write(r, 2, None, st.section)
        ws.write(r, 3, None, st.section)
        r += 1
        for s in self.sheets[1:]:
            ws.write_url(r, 1, f"internal:'{s}'!A1", st.link, s)
            r += 1
        ws.set_column(0, 0, 2)
        ws.set_column(1, 1, 34)
        ws.set_column(2, 2, 18)
        ws.set_column(3, 3, 14)
        ws.activate()
        ws.print_area(0, 0, r, 3)
        ws.fit_to_pages(1, 1)
