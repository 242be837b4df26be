"""Structure and model-lint of the built workbook: the rules of the finance standards, read from the file."""

from __future__ import annotations

import re
import zipfile
from collections import defaultdict

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from wbtools import ALLOWED_FUNCTIONS, ALLOWED_LITERALS

import model
import xl
from model.registry import BLOCKS, CHECKS, CONSTANTS, CONTROLS, INPUTS, OUTPUTS, names
from xl.book import pages_across
from xl.sheets.inputs import SELECTOR_CELL


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("s") / "wb.xlsx"
    xl.build(path, udf_sheet=False)
    return path, openpyxl.load_workbook(path)


def formulas_of(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.data_type == "f":
                    yield ws.title, c


STRING_RE = re.compile(r'"[^"]*"')
SHEET_RE = re.compile(r"'[^']*'!|\b[A-Za-z_][A-Za-z0-9_ ]*!")
# a number that is no part of a name or a reference (F12, $F$3, rack_kw_h100), in any notation (1E+15, 1e-9)
NUMBER_RE = re.compile(r"(?<![A-Za-z0-9_.$])(\d+\.?\d*(?:[eE][-+]?\d+)?)(?![A-Za-z0-9_.(])")
FUNCTION_RE = re.compile(r"(?<![A-Za-z0-9_.])([A-Za-z_][A-Za-z0-9._]*)\(")


def literals(formula: str) -> list[float]:
    text = SHEET_RE.sub("", STRING_RE.sub("", formula))
    return [float(m) for m in NUMBER_RE.findall(text)]


def test_literal_extractor_can_fail():
    assert literals("=gpu_price*1.2+rack_kw_h100+F12") == [1.2]
    assert literals("=ROUND(x,9)+'Cost stack'!$F$3*1000") == [9.0, 1000.0]
    assert literals('=x*1e6+y/1E+15-z*2.5e-9+"7"') == [1e6, 1e15, 2.5e-9]
    assert FUNCTION_RE.findall("=round(x,9)+_xlfn.NORM.S.INV(p)+Sheet1!A1") == ["round", "_xlfn.NORM.S.INV"]


def test_defined_names_equal_registry(built):
    path, wb = built
    got = {n for n in wb.defined_names}
    assert got == set(names())
    assert set(names()) == {*CONSTANTS, *INPUTS, *OUTPUTS, *CONTROLS}
    for n, dn in wb.defined_names.items():
        dests = list(dn.destinations)
        assert len(dests) == 1, n
        assert ":" not in dests[0][1], f"{n} points to a range"


def _names_read(excel: str) -> set[str]:
    """The registry names an Excel text reads: names outside strings and [row] references, and the blocks of
    [block.row] references (a row of its own block, [row], is no other name)."""
    known = {*INPUTS, *OUTPUTS, *CONSTANTS, *CONTROLS}
    text = re.sub(r'"[^"]*"', " ", excel)
    blocks = set(re.findall(r"\[([a-z_][a-z0-9_]*)\.", text)) & set(BLOCKS)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    return set(re.findall(r"(?<![A-Za-z0-9_.])[a-z_][a-z0-9_]*(?![A-Za-z0-9_(])", text)) & known | blocks


def test_excel_reads_what_the_function_reads():
    """A line's, a row's or a check's Excel text reads its function's parameters (the graph's edges) and
    constants, and beyond them only inputs those parameters already read. Where a copy of the model is laid out
    (Scenario calc), a name it reads stays the named model's unless the graph says the copy recomputes it: an
    output (or another block's row) read but not a parameter would silently be the named model's (LLCR read
    sculpted_debt_capacity so)."""
    from model.graph import upstream_inputs

    def extra(excel: str, params) -> set[str]:
        upstream = set().union(*(upstream_inputs(p) for p in params)) if params else set()
        return _names_read(excel) - set(params) - set(CONSTANTS) - upstream

    assert _names_read("IF([x:]>0,POWER(gpu_price,1/economic_life_years),\"wacc\")+hours_per_year") == {
        "gpu_price", "economic_life_years", "hours_per_year"}
    assert _names_read("[cfads]+[fleet_operations.ebitda@1:]-[sculpting.pv_cfads]") == {"fleet_operations", "sculpting"}
    bad = {n: extra(o.excel, o.params) for n, o in OUTPUTS.items()}
    bad |= {f"{b.name}.{row.key}": extra(row.excel, b.params) for b in BLOCKS.values() for row in b.rows}
    bad |= {n: extra(c.excel, c.params) for n, c in CHECKS.items()}
    assert not {k: v for k, v in bad.items() if v}


def test_no_sheet_scoped_names(built):
    _, wb = built
    for ws in wb.worksheets:
        user = [n for n in ws.defined_names if not n.startswith("_xlnm")]
        assert not user, (ws.title, user)


def test_literal_numbers_and_functions(built):
    _, wb = built
    bad_lit, bad_fn = [], []
    for sheet, c in formulas_of(wb):
        for v in literals(c.value):
            if v not in ALLOWED_LITERALS:
                bad_lit.append(f"{sheet}!{c.coordinate}: {c.value} ({v})")
        for fn in FUNCTION_RE.findall(STRING_RE.sub("", c.value)):
            if fn not in ALLOWED_FUNCTIONS:
                bad_fn.append(f"{sheet}!{c.coordinate}: {fn}")
    assert not bad_lit, "\n".join(bad_lit[:20])
    assert not bad_fn, "\n".join(bad_fn[:20])


def test_no_volatile_external_or_macro(built):
    path, wb = built
    volatile = {"NOW", "TODAY", "RAND", "RANDBETWEEN", "OFFSET", "INDIRECT", "CELL", "INFO"}
    for _, c in formulas_of(wb):
        assert not volatile & set(re.findall(r"([A-Z]+)\(", c.value)), c.value
        assert "[" not in c.value, f"external reference in {c.value}"
    with zipfile.ZipFile(path) as z:
        listing = z.namelist()
    assert not [n for n in listing if "externalLink" in n or "vbaProject" in n]


def test_inputs_only_on_inputs_sheet(built):
    """Every number typed into a cell lives on the Inputs sheet; elsewhere only formulas and text."""
    _, wb = built
    stray = []
    for ws in wb.worksheets:
        if ws.title == "Inputs":
            continue
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, (int, float)) and not isinstance(c.value, bool):
                    stray.append(f"{ws.title}!{c.coordinate} = {c.value}")
    assert not stray, stray[:20]


def test_same_formula_across_each_yearly_row(built):
    """Relative to its column, every yearly row holds one formula (R1C1-style comparison)."""
    _, wb = built

    def relative(formula: str, col: int) -> str:
        def repl(m):
            dollar, letters, row = m.group(1), m.group(2), m.group(3)
            if dollar:
                return m.group(0)
            from openpyxl.utils import column_index_from_string

            return f"C[{column_index_from_string(letters) - col}]R{row}"

        return re.sub(r"(\$?)\b([A-Z]{1,3})(\$?\d+)\b", repl, formula)

    checked = 0
    for b in BLOCKS.values():
        ws = wb[next(s for s, _ in [(b_sheet, 0) for b_sheet in [_sheet_of(b)]])]
        for r in range(1, ws.max_row + 1):
            if ws.cell(r, 1).value not in {row.label for row in b.rows}:
                continue
            forms = {relative(ws.cell(r, 6 + t).value, 6 + t) for t in range(b.years)}
            assert len(forms) == 1, (b.name, r, forms)
            checked += 1
    assert checked >= sum(len(b.rows) for b in BLOCKS.values())


def _sheet_of(block) -> str:
    from model.registry import SECTIONS

    return SECTIONS[block.section][0]


def test_timing_flags_not_ifs_on_dates(built):
    """Yearly rows are switched by a flag row; the only IF on the year is the flag itself."""
    _, wb = built
    for b in BLOCKS.values():
        flag_rows = [row for row in b.rows if row.unit == "flag"]
        assert flag_rows, b.name
        for row in b.rows:
            if row.unit != "flag":
                assert "[year]<=" not in row.excel and "[year]=" not in row.excel, row


def test_every_name_used(built):
    """Constants, inputs and the scenario selector are read by some formula; outputs and the selected template's
    name (the Cover's) are read or are results."""
    _, wb = built
    text = " ".join(c.value.lower() for _, c in formulas_of(wb))
    unused = [n for n in (*CONSTANTS, *INPUTS, "scenario_number") if not re.search(rf"(?<![a-z0-9_]){n}(?![a-z0-9_])", text)]
    assert not unused, unused


def test_input_cells_styled_and_validated(built):
    _, wb = built
    ws = wb["Inputs"]
    dv_cells = set()
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            dv_cells.add(rng.coord.replace("$", ""))
        assert dv.errorTitle and dv.error, dv.sqref
        if str(dv.sqref) != SELECTOR_CELL.replace("$", ""):  # an input's bounds: its row's Min and Max cells
            bounds = [f for f in (dv.formula1, dv.formula2) if f is not None]
            assert bounds and all(re.search(r"\$[EF]\$\d+", f) and not literals(f) for f in bounds), (dv.sqref, bounds)
    names_rows = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Name"]  # the axes groups
    rows = [r for r in range(1, names_rows[0]) if ws.cell(r, 2).value in INPUTS]
    assert len(rows) == len(INPUTS)
    # the axes block: every point an input cell (blue on pale, validated by its input's domain), each axis in
    # columns B..G (left of the template columns, which start at H)
    n_axes = 0
    for names_row, end in zip(names_rows, [*names_rows[1:], ws.max_row + 2]):
        axes = [c for c in range(2, ws.max_column + 1) if ws.cell(names_row, c).value in INPUTS]
        assert axes and max(axes) <= 7
        n_axes += len(axes)
        for c in axes:
            assert ws.cell(names_row + 2, c).value == INPUTS[ws.cell(names_row, c).value].domain.text()
            pts = [r for r in range(names_row + 4, end - 1) if ws.cell(r, c).value is not None]
            assert len(pts) >= 5 and ws.cell(names_row + 3, 1).value == "Base case (live)"
            for r in pts:
                cell = ws.cell(r, c)
                assert cell.coordinate in dv_cells and cell.font.color.rgb.endswith("0000FF"), cell.coordinate
    assert n_axes >= 7
    for r in rows:
        for col in range(8, 11):
            c = ws.cell(r, col)
            assert f"{get_column_letter(col)}{r}" in dv_cells, c.coordinate
            assert c.font.color.rgb.endswith("0000FF"), c.coordinate
            assert c.fill.fgColor.rgb.endswith("FFF2CC"), c.coordinate
        name = ws.cell(r, 2).value
        assert ws.cell(r, 4).value == INPUTS[name].domain.text()


def test_every_chart_range_non_empty(built):
    path, wb = built
    refs = []
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        for n in charts:
            refs += re.findall(r"<c:f>([^<]+)</c:f>", z.read(n).decode())
    # 5 + the fleet project (P1): operations, debt balance, equity; returns by share (2)
    assert len(charts) == 10, "a new exhibit's chart: count it here"
    assert refs
    values = openpyxl.load_workbook(path, data_only=True)
    for ref in refs:
        sheet, rng = ref.rsplit("!", 1)
        sheet = sheet.strip("'")
        cells = values[sheet][rng.replace("$", "")]
        flat = [c for row in (cells if isinstance(cells, tuple) else ((cells,),)) for c in
                (row if isinstance(row, tuple) else (row,))]
        assert any(c.value not in (None, "") for c in flat), ref


def test_yearly_charts_cover_every_year_a_scenario_can_have(built):
    """A chart's ranges are fixed when it is written, while the economic life and the tenor are inputs the user may
    change in the workbook (the seed: 3 years, tenor 12): the yearly charts run over every column of their block,
    Project to U (year 15), DSCR to AI (year 30); the fleet P&L chart's axis is free to go below 0 (loss years)."""
    path, _ = built
    with zipfile.ZipFile(path) as z:
        xml = {n: z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")}
    yearly = {n: x for n, x in xml.items() if re.search(r"<c:f>(Project|DSCR)!", x)}
    assert len(yearly) == 4
    for n, x in yearly.items():
        for ref in re.findall(r"<c:f>((?:Project|DSCR)![^<]+)</c:f>", x):
            assert ref.endswith(("$U$" if ref.startswith("Project") else "$AI$") + ref.rsplit("$", 1)[1]), (n, ref)
    pnl = next(x for x in yearly.values() if "CFADS" in x)
    assert '<c:min val="0"/>' not in pnl


def test_secondary_axes_share_the_primary_zero(built):
    """A chart with a second value axis pins both to start at 0 (so their zeros sit level); charts whose values
    can turn negative (returns by contracted share) use one axis each instead."""
    path, _ = built
    with zipfile.ZipFile(path) as z:
        for n in [n for n in z.namelist() if n.startswith("xl/charts/chart")]:
            xml = z.read(n).decode()
            # vertical value axes (a scatter chart's x axis is a value axis too, at the bottom)
            axes = [a for a in re.findall(r"<c:valAx>.*?</c:valAx>", xml, re.S) if re.search(r'<c:axPos val="[lr]"/>', a)]
            if len(axes) > 1:
                assert all('<c:min val="0"/>' in a for a in axes), n


def test_units_column_and_number_formats(built):
    _, wb = built
    for name, o in OUTPUTS.items():
        sheet, cell = _cell_of(wb, name)
        ws = wb[sheet]
        c = ws[cell]
        assert ws.cell(c.row, 3).value == o.unit, name
        assert c.number_format != "General", name


def test_project_rows_state_the_unit_their_cells_hold(built):
    """The fleet's sums are displayed in $ millions ("154.2m") but hold dollars: the unit column says "$" (it said
    "$ m", off by 10^6 for anyone reading or linking the cell)."""
    _, wb = built
    ws = wb["Project"]
    rows = {row.key: row.unit for blk in ("fleet_operations", "fleet_financing") for row in BLOCKS[blk].rows}
    seen = 0
    for r in range(1, ws.max_row + 1):
        key = ws.cell(r, 2).value
        if key in rows and ws.cell(r, 7).data_type == "f":
            assert ws.cell(r, 3).value == rows[key], (r, key, ws.cell(r, 3).value)
            seen += 1
    assert seen >= 30
    assert ws["G33"].value.startswith("=") and ws.cell(33, 3).value == "$"  # revenue, shown as $154.2m


def test_project_helper_rows_are_the_registrys_and_folded(built):
    """The rows the registry marks helper, and only they, sit under the Helpers heading at outline level 1 (the
    margin's − folds them); a row of the schedule left out of the sheet's groups stops the build, rather than
    landing among the helpers unnoticed."""
    from model.registry import Row
    from xl.sheets.project import HELPERS, layout

    _, wb = built
    ws = wb["Project"]
    helpers = {row.key for blk in ("fleet_operations", "fleet_financing") for row in BLOCKS[blk].rows if row.helper}
    assert {"project_sign", "equity_irr_search", "dscr_or_sentinel"} <= helpers and "corkscrew_gap" not in helpers
    start = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == HELPERS)
    below = {ws.cell(r, 2).value: r for r in range(start + 1, ws.max_row + 1) if ws.cell(r, 2).value}
    assert set(below) == helpers
    assert all(ws.row_dimensions[r].outline_level == 1 for r in below.values())
    assert ws.row_dimensions[start - 1].outline_level == 0  # the last row of the schedule above stays put

    class Fake:
        name, rows = "fleet_operations", (Row("new_line", "A new line", "$", "0"),)
    with pytest.raises(RuntimeError, match="fleet_operations.new_line"):
        layout([Fake])


def test_a_dscr_off_the_term_is_na_in_grey(built):
    """MODEL.md leaves a year's DSCR undefined without debt service: #N/A in the cell, greyed by a rule for #N/A
    alone (another error stays black) over the year columns of the DSCR rows (F2 and P1, and the P1 copies of
    Scenario calc), and of no other row: the effective batch's #N/A (a model that does not fit) stays black."""
    _, wb = built
    greyed, dscr_rows = set(), set()
    for ws in wb.worksheets:
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                if rule.type == "expression" and rule.formula[0].startswith("ISNA("):
                    assert rule.formula == [f"ISNA({str(cf.sqref).split(':')[0]})"], (ws.title, cf.sqref)
                    assert rule.dxf.font.color.rgb == "FFA6A6A6", (ws.title, cf.sqref)
                    greyed.add((ws.title, str(cf.sqref)))
        for r in range(1, ws.max_row + 1):
            if ws.cell(r, 2).value == "dscr" and ws.cell(r, 6).data_type == "f":
                last = get_column_letter(max(c.column for c in ws[r] if c.data_type == "f"))
                dscr_rows.add((ws.title, f"F{r}:{last}{r}"))
    assert {t for t, _ in dscr_rows} == {"DSCR", "Project", "Scenario calc"}
    assert ("Project", "F57:U57") in dscr_rows  # years 0..15
    assert greyed == dscr_rows


def test_a_name_in_upright_type_is_on_its_named_cells_row(built):
    """Column B names the line of each row. Upright, the row holds that defined name's cell; a row that recomputes
    the line for a template or an axis point, or links to it, shows the name in italics (a reviewer traced
    'Scenario calc'!B21, cost_per_m_output_tokens, to a copy: the named cell is Throughput!D14)."""
    _, wb = built
    where = {}
    for n, dn in wb.defined_names.items():
        sheet, ref = next(iter(dn.destinations))
        where[n] = (sheet, int(re.sub(r"[A-Z$]", "", ref.split(":")[0])))
    upright = italic = 0
    for ws in wb.worksheets:
        for r in range(1, ws.max_row + 1):
            cell = ws.cell(r, 2)
            if cell.value not in where:
                continue
            if cell.font.i:
                italic += 1
                assert where[cell.value] != (ws.title, r), (ws.title, r, cell.value)  # the named cell: upright
            else:
                upright += 1
                assert where[cell.value] == (ws.title, r), (ws.title, r, cell.value, where[cell.value])
    assert upright > 200 and italic > 100, (upright, italic)


def _cell_of(wb, name):
    dn = wb.defined_names[name]
    sheet, ref = next(iter(dn.destinations))
    return sheet, ref.replace("$", "")


def test_frozen_panes_and_print_areas(built):
    _, wb = built
    for ws in wb.worksheets:
        if ws.title not in ("Cover", "Charts"):
            assert ws.freeze_panes, ws.title
        assert ws.print_area, ws.title


_ = defaultdict


def test_the_cost_stack_foots_from_the_rows_above_its_total(built):
    """total_cost_per_gpu_hour adds named terms (one of them an input): each term is a row directly above the total,
    on the Cost stack sheet and in every template's copy on Scenario calc, so the rows above add up to it (a
    reviewer found the input term missing: four visible rows that did not sum to the fifth)."""
    _, wb = built
    terms = re.findall(r"[a-z_]+", OUTPUTS["total_cost_per_gpu_hour"].excel)
    seen = 0
    for sheet in ("Cost stack", "Scenario calc"):
        ws = wb[sheet]
        for r in range(1, ws.max_row + 1):
            if ws.cell(r, 2).value != "total_cost_per_gpu_hour" or not str(ws.cell(r, 4).value).startswith("="):
                continue
            seen += 1
            above = [ws.cell(k, 2).value for k in range(r - len(terms), r)]
            assert sorted(above) == sorted(terms), (sheet, r, above)
            link = ws.cell(r - terms[::-1].index("ops_per_gpu_hour") - 1, 4).value  # a link, not a typed copy
            assert link == "=ops_per_gpu_hour" or link.startswith("=Inputs!"), (sheet, r, link)
            if sheet == "Scenario calc":  # the total adds the rows above it, cell by cell
                cells = re.findall(r"\$D\$(\d+)", ws.cell(r, 4).value)
                assert sorted(int(c) for c in cells) == list(range(r - len(terms), r)), ws.cell(r, 4).value
    assert seen == 1 + len(model.bundled())  # the Cost stack's and each template's


def test_yearly_sheets_show_each_columns_year_in_the_frozen_header(built):
    """The panes freeze below row 4; the year rows scroll away, so row 4 reads each year column's year from its
    block's year row (a reviewer could not tell the years apart at the DSCR rows)."""
    _, wb = built
    for sheet in ("Project", "DSCR", "Pricing"):
        ws = wb[sheet]
        assert ws.freeze_panes == "C5", (sheet, ws.freeze_panes)
        year_row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 2).value == "year")
        heads = [ws.cell(4, c).value for c in range(6, ws.max_column + 1) if ws.cell(4, c).value]
        assert heads and heads == [f"={get_column_letter(c)}${year_row}" for c in range(6, 6 + len(heads))], sheet
        assert ws.cell(4, 6).number_format == '"Year "0'


def test_no_chart_is_percent_stacked(built):
    """LibreOffice applies a percent stacking to a combined line series too: the WACC line by stage was drawn
    flat at 100%. The capital shares add up to 1 already: plain stacked columns."""
    path, _ = built
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert charts
        assert not [n for n in charts if b"percentStacked" in z.read(n)]


# columns' widths (characters), paper, first column repeated, at most -> (pages across, scale %); by hand at 7.25 pt
# per unit of width, 741.2 pt printable across A4 landscape (1090.0 on A3), 6 pt from 10 pt text at least (60%)
PAGES_ACROSS = [
    ([10] * 10, "A4", True, None, (1, 100)),  # 725 pt: one page at 100% (102% would do)
    # 217.5 + 20 × 72.5 = 1667.5 pt; at 60% a page holds 1235.3: 14 columns, then 6 beside the repeated one;
    # ten and ten fill 942.5 pt, so 74,120 / 942.5 = 78.6%: 78% (at 79% the second page needs 1015 of 938)
    ([30] + [10] * 20, "A4", True, None, (2, 78)),
    ([30] + [10] * 20, "A3", True, None, (1, 65)),  # at 60% an A3 page holds 1817 pt: one page, 109,020 / 1667.5
    ([30] + [10] * 20, "A4", True, 1, (1, 44)),  # at most one page: 74,120 / 1667.5 = 44.4%
    # nothing repeated: the first 9 columns (870 pt) and the last 12 (870): 74,120 / 870 = 85.2%
    ([30] + [10] * 20, "A4", False, None, (2, 85)),
    ([200], "A4", True, None, (1, 51)),  # one column wider than a page (1450 pt): 74,120 / 1450 = 51.1%, not 100%
    # repeated beside each later page, the 1450-pt column leaves those pages 72.5 pt at 48% (1544 pt): all three
    # columns then fit two pages; at 51% the second page would need 1522.5 of 1453
    ([200, 10, 10], "A4", True, None, (3, 48)),
]


@pytest.mark.parametrize(("widths", "paper", "repeat", "most", "expected"), PAGES_ACROSS)
def test_pages_across(widths, paper, repeat, most, expected):
    assert pages_across(widths, paper, repeat, most) == expected


def test_print_setup(built):
    """How each sheet prints, as Excel's Page Setup reads the file: landscape on A4 (the Project on A3), pages across
    before down, the first column repeated where a sheet runs across pages, the frozen header row atop each page;
    the Cover on one page; manual breaks (the charts a pair of rows a page, the Inputs' axes a group a page) with a
    set scale, because Excel ignores manual breaks under fit-to."""
    _, wb = built
    for ws in wb.worksheets:
        ps, fit = ws.page_setup, ws.sheet_properties.pageSetUpPr
        assert (ps.orientation, ps.pageOrder) == ("landscape", "overThenDown"), ws.title
        assert ps.paperSize == (8 if ws.title == "Project" else 9), ws.title
        assert bool(fit and fit.fitToPage) == (not ws.row_breaks.brk), ws.title  # fitted, or breaks and a scale
        if ws.row_breaks.brk:
            assert 50 <= ps.scale <= 100, ws.title
        elif ws.title != "Cover":
            assert ps.fitToHeight == 0, ws.title  # as many pages down as it takes
        if ws.title not in ("Cover", "Charts"):
            assert ws.print_title_cols == "$A:$A", ws.title
    for title in ("Inputs", "Cost stack", "DSCR", "Stages", "Scenarios", "Checks", "Definitions"):
        ws = wb[title]
        head = int(ws.print_title_rows.split(":")[0].strip("$"))
        assert ws.freeze_panes and int(ws.freeze_panes.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) == head + 1, title
    cover = wb["Cover"].page_setup
    assert (cover.fitToWidth, cover.fitToHeight) in ((None, None), (1, 1))  # 1 × 1 (1 is the default, left out)
    charts = wb["Charts"]
    assert len(charts.row_breaks.brk) == -(-len(charts._charts) // 4) - 1  # two rows of two charts a page
    inputs = wb["Inputs"]
    assert [inputs.cell(b.id + 1, 1).value.split(":")[0] for b in inputs.row_breaks.brk] \
        == ["Sensitivity and chart axes", "Axis"]  # the axes' block, then its second group
