"""Exhibits laid out beside a section's line items, each with the chart that reads it.

An exhibit is a small object: `section` (where it is laid out; None for one that reads cells laid out
elsewhere), `write(book, ws, sheet, r) -> next row` that lays it out and keeps its ranges, and
`chart(book)` that returns the XlsxWriter chart over them. The Charts sheet places the charts.
"""

from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from model.exhibits import BUY_RENT, Curve
from model.graph import chain
from model.registry import BLOCKS, INPUTS, OUTPUTS

from .book import LINKS, YEAR_COL0, Book
from .formula import substitute

C0 = YEAR_COL0  # exhibits lay their points out in the year columns
COST_STACK = ("capex_per_gpu_hour", "power_per_gpu_hour", "datacenter_per_gpu_hour", "network_per_gpu_hour",
              "ops_per_gpu_hour")
YEAR_ROW_OF = {"fleet_financing": "fleet_operations"}  # a block without a year row reads this one's
CHART_SIZE = {"width": 640, "height": 360}
BREAKEVEN = ("Breakeven", "Breakeven above 100%: renting costs less at any utilization")  # own-vs-rent marker


def _chart(b: Book, kind: dict, title: str, legend: bool = True):
    ch = b.wb.add_chart(kind)
    ch.set_title({"name": title})
    ch.set_legend({"position": "bottom"} if legend else {"none": True})
    ch.set_size(CHART_SIZE)
    return ch


def axis_header(b: Book, ws, r: int, label: str, unit: str, key: str, copies: bool = False) -> None:
    """An exhibit's axis row; `copies`: the rows below recompute named lines (COPY_HEAD over their names)."""
    st = b.st
    ws.write(r, 0, label, st.text)
    if copies:
        ws.write(r, 1, COPY_HEAD, st.note)
    ws.write(r, 2, unit, st.unit)
    for i, ref in enumerate(b.axis_cells[key]):
        b.formula(ws, r, C0 + i, ref, st.value(unit), b.axis_values[key][i])


# over an exhibit's rows, which recompute named lines per template or axis point (their names in italics)
COPY_HEAD = "names below: recomputed"


class CostByTemplate:
    """The cost stack of every template side by side (the seed's cost waterfall)."""

    section = "D1"

    def write(self, b: Book, ws, sheet: str, r: int) -> int:
        st = b.st
        n_t = len(b.scenarios)
        b.section_row(ws, r, "Cost stack by template", C0 + n_t)
        r += 1
        ws.write(r, 0, "Template", st.text)
        ws.write(r, 1, COPY_HEAD, st.note)
        for i, s in enumerate(b.scenarios):
            head = xl_rowcol_to_cell(b.header_row, b.t_col0 + i, row_abs=True, col_abs=True)
            b.formula(ws, r, C0 + i, f"Inputs!{head}", st.text_right, s.header)  # over right-aligned numbers
        self.sheet, self.header, self.n = sheet, r, n_t
        r += 1
        lines = [n for n in chain("total_cost_per_gpu_hour", INPUTS) if n != "total_cost_per_gpu_hour"]
        rows: dict[str, int] = {}
        per_t = [w.outputs for w in b.walks]
        for name in [*lines, *LINKS["total_cost_per_gpu_hour"], "total_cost_per_gpu_hour"]:
            spec = OUTPUTS.get(name) or INPUTS[name]
            b.line_head(ws, r, spec.label, name, spec.unit, copy=True)
            rows[name] = r
            for i, s in enumerate(b.scenarios):
                col = xl_col_to_name(C0 + i)
                if name in INPUTS:
                    text, val = b.template_cell(name, i), s.values[name]
                else:
                    def ref(nm, i=i, col=col):
                        if nm in rows:
                            return f"{col}{rows[nm] + 1}"
                        return b.template_cell(nm, i) if nm in INPUTS else None
                    text, val = substitute(OUTPUTS[name].excel, ref), per_t[i][name]
                b.formula(ws, r, C0 + i, text, st.value(spec.unit), val)
            r += 1
        self.rows = rows
        return r

    def chart(self, b: Book):
        sheet, hdr, n = self.sheet, self.header, self.n
        cats = [sheet, hdr, C0, hdr, C0 + n - 1]
        ch = _chart(b, {"type": "column", "subtype": "stacked"}, "Cost per GPU-hour by template")
        for name in COST_STACK:
            rr = self.rows[name]
            spec = OUTPUTS.get(name) or INPUTS[name]
            ch.add_series({"name": spec.label, "categories": cats, "values": [sheet, rr, C0, rr, C0 + n - 1],
                           "data_labels": {"value": False}})
        ch.set_y_axis({"name": "$ per GPU-hour", "num_format": "$0.00", "min": 0})
        ch.set_x_axis({"name": "Template"})
        return ch


class Sweep:
    """An output across an axis: one row per line item between the axis input and the target."""

    def __init__(self, section: str, title: str, key: str, target: str, log: bool = False):
        self.section, self.title, self.key, self.target, self.log = section, title, key, target, log

    def write(self, b: Book, ws, sheet: str, r: int) -> int:
        st = b.st
        key = self.key
        n = len(b.axis_values[key])
        b.section_row(ws, r, self.title, C0 + n)
        r += 1
        inp = INPUTS[key]
        axis_header(b, ws, r, inp.label, inp.unit, key, copies=True)
        rows = {key: r}
        steps = chain(self.target, [key])
        points = b.along([{key: v} for v in b.axis_values[key]], tuple(steps))
        r += 1
        for name in steps:
            o = OUTPUTS[name]
            b.line_head(ws, r, o.label, name, o.unit, copy=True)
            rows[name] = r
            for i in range(n):
                col = xl_col_to_name(C0 + i)
                text = substitute(o.excel, lambda nm, col=col: f"{col}{rows[nm] + 1}" if nm in rows else None)
                b.formula(ws, r, C0 + i, text, st.value(o.unit), points[i][name])
            r += 1
        self.sheet, self.rows, self.n = sheet, rows, n
        return r

    def chart(self, b: Book):
        sheet, rows, last = self.sheet, self.rows, C0 + self.n - 1
        o = OUTPUTS[self.target]
        ch = _chart(b, {"type": "line"}, f"{o.label} by {INPUTS[self.key].label.lower()}", legend=False)
        ch.add_series({"name": o.label, "categories": [sheet, rows[self.key], C0, rows[self.key], last],
                       "values": [sheet, rows[self.target], C0, rows[self.target], last], "marker": {"type": "circle"}})
        ch.set_x_axis({"name": INPUTS[self.key].label})
        y = {"name": f"{o.unit}", "num_format": "$0.000"}
        ch.set_y_axis({**y, "log_base": 10} if self.log else {**y, "min": 0})
        return ch


class CurveExhibit:
    """Lines of a model/exhibits.py curve across its axis (the Python value stored, the Excel text written)."""

    def __init__(self, section: str, curve: Curve):
        self.section, self.curve = section, curve

    def write(self, b: Book, ws, sheet: str, r: int) -> int:
        st = b.st
        cv = self.curve
        n = len(b.axis_values[cv.axis])
        b.section_row(ws, r, cv.title, C0 + n)
        r += 1
        axis_header(b, ws, r, cv.axis_label, cv.axis_unit, cv.axis)
        self.axis_row, self.rows = r, []
        for ln in cv.lines:
            r += 1
            ws.write(r, 0, ln.label, st.text)
            ws.write(r, 2, ln.unit, st.unit)
            for i, x in enumerate(b.axis_values[cv.axis]):
                ref = f"{xl_col_to_name(C0 + i)}{self.axis_row + 1}"
                text = substitute(ln.excel, lambda nm, ref=ref: ref if nm == "axis" else None)
                b.formula(ws, r, C0 + i, text, st.value(ln.unit), ln.value(b.values, x))
            self.rows.append(r)
        # the chart's axis ends at 100%: a breakeven above it (owning never pays) would drop its marker silently,
        # so the marker's name, shown in the legend, says so
        r += 1
        ws.write(r, 0, "Breakeven marker's name (the chart's legend)", st.text)
        ws.write(r, 2, "text", st.unit)
        below = b.values["breakeven_utilization_economic"] <= 1
        b.formula(ws, r, C0, f'IF(breakeven_utilization_economic<=1,"{BREAKEVEN[0]}","{BREAKEVEN[1]}")', st.text,
                  BREAKEVEN[0] if below else BREAKEVEN[1])
        self.sheet, self.n, self.name_cell = sheet, n, (r, C0)
        return r + 1

    def chart(self, b: Book):
        sheet, ax, last = self.sheet, self.axis_row, C0 + self.n - 1
        own, rent = self.rows
        ch = _chart(b, {"type": "scatter", "subtype": "smooth"}, "Cost per used GPU-hour: own vs rent")
        xr = [sheet, ax, C0, ax, last]
        ch.add_series({"name": "Own (economic cost)", "categories": xr, "values": [sheet, own, C0, own, last]})
        ch.add_series({"name": "Rent (levelized)", "categories": xr, "values": [sheet, rent, C0, rent, last]})
        be_sheet, be_cell = b.cells["breakeven_utilization_economic"]
        rp_sheet, rp_cell = b.cells["rent_levelized_per_gpu_hour"]
        ch.add_series({"name": [sheet, *self.name_cell], "categories": f"='{be_sheet}'!{be_cell}",
                       "values": f"='{rp_sheet}'!{rp_cell}", "marker": {"type": "diamond", "size": 10},
                       "line": {"none": True}, "data_labels": {"series_name": True, "position": "above"}})
        ch.set_x_axis({"name": "GPU utilization", "num_format": "0%", "min": 0, "max": 1})
        # log scale: a used hour at 10% utilization costs ten times one at 100%, which on a linear axis pressed
        # the decision region (50-100%) into the bottom tenth of the chart
        ch.set_y_axis({"name": "$ per used GPU-hour (log scale)", "num_format": "$0.00", "log_base": 10,
                       "minor_gridlines": {"visible": True, "line": {"color": "#E7E6E6"}}})  # read $2-$9
        return ch


class StageTable:
    """Capital structure and WACC by stage, laid out for a chart."""

    section = "F3"

    def write(self, b: Book, ws, sheet: str, r: int) -> int:
        from model.inputs import STAGE_LABELS, STAGES

        st = b.st
        b.section_row(ws, r, "Capital structure by stage", C0 + len(STAGES))
        r += 1
        ws.write(r, 0, "Stage", st.text)
        for i, s in enumerate(STAGES):
            ws.write(r, C0 + i, STAGE_LABELS[s], st.header_num)
        head = r
        vals = b.base
        spec = [("Equity share", "%", lambda s: f"equity_share_{s}", lambda s: vals[f"equity_share_{s}"]),
                ("Debt share", "%", lambda s: f"1-equity_share_{s}", lambda s: 1 - vals[f"equity_share_{s}"]),
                ("WACC", "%", lambda s: f"wacc_{s}", lambda s: b.values[f"wacc_{s}"])]
        for label, unit, text, value in spec:
            r += 1
            ws.write(r, 0, label, st.text)
            ws.write(r, 2, unit, st.unit)
            for i, s in enumerate(STAGES):
                b.formula(ws, r, C0 + i, text(s), st.value(unit), value(s))
        self.sheet, self.head, self.n = sheet, head, len(STAGES)
        return r + 1

    def chart(self, b: Book):
        sheet, head, last = self.sheet, self.head, C0 + self.n - 1
        eq, debt, wacc_r = head + 1, head + 2, head + 3
        cats = [sheet, head, C0, head, last]
        # plain stacked (the shares add up to 1 already): LibreOffice applies a percent stacking to the combined line
        # too, and drew WACC flat at 100%
        ch = _chart(b, {"type": "column", "subtype": "stacked"}, "Capital structure and WACC by stage")
        ch.add_series({"name": "Equity share", "categories": cats, "values": [sheet, eq, C0, eq, last]})
        ch.add_series({"name": "Debt share", "categories": cats, "values": [sheet, debt, C0, debt, last]})
        line = b.wb.add_chart({"type": "line"})
        line.add_series({"name": "WACC (right axis)", "categories": cats, "values": [sheet, wacc_r, C0, wacc_r, last],
                         "y2_axis": True, "marker": {"type": "circle"}})
        ch.combine(line)
        ch.set_y_axis({"name": "Share of capital", "num_format": "0%", "min": 0, "max": 1})  # zero with WACC's
        line.set_y2_axis({"name": "WACC", "num_format": "0%", "min": 0})
        ch.set_x_axis({"name": "Stage"})
        return ch


class YearlyChart:
    """Rows of laid-out yearly blocks by year. `series`: (block, key, label, "column" | "line"); all on one
    value axis (same unit), which starts at 0 unless a series can go negative. The x axis runs from `first_year`
    over every column of the block: a chart's ranges are fixed when it is written, and the term (economic life,
    tenor) is an input the user may change in the workbook; the flags zero the years after it."""

    section = None  # reads blocks the section sheets laid out

    def __init__(self, title: str, series: tuple, y_name: str, first_year: int = 0, negative: bool = False):
        self.title, self.series, self.y_name = title, series, y_name
        self.first_year, self.negative = first_year, negative

    def write(self, b: Book, ws, sheet: str, r: int) -> int:
        return r

    def years(self, b: Book) -> tuple[int, int]:
        return C0 + self.first_year, C0 + BLOCKS[self.series[0][0]].years - 1

    def chart(self, b: Book):
        c0, c1 = self.years(b)
        blk0 = YEAR_ROW_OF.get(self.series[0][0], self.series[0][0])
        sheet, yr = b.block_sheet[blk0], b.block_rows[blk0]["year"] - 1
        cats = [sheet, yr, c0, yr, c1]
        kinds = [k for *_, k in self.series]
        ch = _chart(b, {"type": kinds[0]}, self.title)
        other = None
        for blk, key, label, kind in self.series:
            row = b.block_rows[blk][key] - 1
            spec = {"name": label, "categories": cats, "values": [b.block_sheet[blk], row, c0, row, c1]}
            if kind == "line":
                spec["marker"] = {"type": "circle", "size": 4}
            if kind == kinds[0]:
                ch.add_series(spec)
            else:
                other = other or b.wb.add_chart({"type": kind})
                other.add_series(spec)
        if other:
            ch.combine(other)
        ch.set_x_axis({"name": "Year", "label_position": "low"})
        ch.set_y_axis({"name": self.y_name, "num_format": '$#,##0,,"m"', **({} if self.negative else {"min": 0})})
        return ch


def exhibits() -> list:
    """The exhibits in chart order (fresh objects: they keep the ranges of one build)."""
    return [
        CostByTemplate(),
        CurveExhibit("E2", BUY_RENT),
        StageTable(),
        YearlyChart("Sculpted debt: balance and debt service", (
            ("sculpting", "opening", "Opening balance", "column"),  # year 1 opens at the debt drawn
            ("sculpting", "debt_service", "Debt service", "line")), "$ (balance; service per year)"),
        YearlyChart("Fleet project: revenue, EBITDA, CFADS and debt service", (  # EBITDA and CFADS can be < 0
            ("fleet_operations", "revenue", "Revenue", "column"),
            ("fleet_operations", "ebitda", "EBITDA", "column"),
            ("fleet_operations", "cfads", "CFADS", "column"),
            ("fleet_financing", "debt_service", "Debt service", "line")), "$ per year", first_year=1, negative=True),
        YearlyChart("Fleet debt balance", (
            ("fleet_financing", "closing", "Closing balance", "column"),), "$"),
        YearlyChart("Fleet equity cash flows", (
            ("fleet_financing", "equity_cash_flow", "Equity cash flow", "column"),), "$ per year", negative=True),
        Sweep("D2", "Cost per M output tokens across batch size", "batch_size", "cost_per_m_output_tokens", log=True),
    ]
