"""Number formats by what a number is, and sheets whose charts can be selected."""

from __future__ import annotations

import zipfile
from collections import Counter

import openpyxl
import pytest

import model
import xl
from xl.styles import display_unit, number_format


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    p = tmp_path_factory.mktemp("fmt") / "fmt.xlsx"
    xl.build(p)
    return p, openpyxl.load_workbook(p)


def _named(wb, name):
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return wb[sheet][ref.replace("$", "")]


def test_display_unit():
    assert display_unit("$", 25000.0) == "$"  # a GPU's price stays in dollars
    assert display_unit("$", 25000.0, -2.5e9) == "$m"  # a fleet's debt in millions
    assert display_unit("$/yr", float("nan")) == "$/yr"
    assert display_unit("%", 5e6) == "%"


@pytest.mark.parametrize("name, fmt", [
    ("fleet_debt", '$#,##0.0,,"m"'),  # the seed's fleet debt: billions, in $ millions
    ("project_npv", '$#,##0.0,,"m"'),
    ("gpu_price", "$#,##0;"),  # $25,000 per GPU: whole dollars
    ("total_cost_per_gpu_hour", "$#,##0.000"),
    ("fleet_min_dscr", '0.00"×"'),
    ("wacc", "0.00%"),  # to the basis point (fleet_debt_rate 7.55% read 7.5%)
    ("fleet_debt_rate", "0.00%"),
    ("fleet_gpus", "#,##0"),  # a count: whole GPUs
    ("economic_life_years", "0"),  # an integer input: whole years
    ("gpu_payback_years", "0.0"),  # a computed duration: one decimal
])
def test_formats(built, name, fmt):
    _, wb = built
    assert _named(wb, name).number_format.startswith(fmt), _named(wb, name).number_format


def test_money_has_a_zero_section():
    for unit in ("$", "$/yr", "$/GPU", "$/GPU-h", "$m"):
        assert number_format(unit).endswith(';"–"'), unit
    assert number_format("GPUs") == "#,##0"  # 0 optimal owned GPUs reads 0 ("own none"), not a dash


def test_yearly_rates_and_multiples_show_a_dash_past_their_term(built):
    """A year past a term is exactly 0 (tests/test_workbook_timelines.py): its money reads "–", and so do its
    rates and multiples (they read 0.00% and 0.00× beside the dashes, a reviewer noted); scalar outputs keep
    a zero as 0.00%."""
    from model.registry import BLOCKS, SECTIONS

    _, wb = built
    seen = 0
    for block in BLOCKS.values():
        ws = wb[SECTIONS[block.section][0]]
        units = {row.key: row.unit for row in block.rows if row.unit in ("%", "×", "GPUs")}
        for r in range(1, ws.max_row + 1):
            key = ws.cell(r, 2).value
            if key in units and ws.cell(r, 7).data_type == "f" and "dscr_sentinel" not in str(ws.cell(r, 7).value):
                assert ws.cell(r, 7).number_format.endswith(';"–"'), (ws.title, r, key, ws.cell(r, 7).number_format)
                seen += 1
    assert seen >= 5
    assert _named(wb, "wacc").number_format == "0.00%"


def test_charts_selectable(built):
    path, _ = built
    with zipfile.ZipFile(path) as z:
        charts = z.read("xl/worksheets/sheet" + str(_index(z, "Charts")) + ".xml").decode()
    assert "<sheetProtection" in charts and 'objects="1"' not in charts


def _index(z, title: str) -> int:
    import re

    book = z.read("xl/workbook.xml").decode()
    names = re.findall(r'<sheet name="([^"]+)"', book)
    return names.index(title) + 1


def test_the_dscr_sentinel_reads_none(built):
    """Years without debt service hold the sentinel (1e300) in the helper row the minimum DSCR reads: shown "none",
    not 1E+300×, wherever the row is laid out (Project, Scenario calc): a conditional format from the named constant
    (a number format's condition would have to write 1e300 out, past its 255 characters)."""
    _, wb = built
    seen = 0
    for sheet in ("Project", "Scenario calc"):
        ws = wb[sheet]
        rules = {str(cf.sqref): rule for cf in ws.conditional_formatting for rule in cf.rules}
        for r in range(1, ws.max_row + 1):
            if ws.cell(r, 2).value == "dscr_or_sentinel":
                rule = rules[f"F{r}:U{r}"]
                assert (rule.type, rule.operator, rule.formula) == ("cellIs", "greaterThanOrEqual", ["dscr_sentinel"])
                assert rule.dxf.numFmt.formatCode == '"none"', (sheet, r)
                seen += 1
    assert seen >= 2
    # the constant itself, on Inputs: 1E+300, not ### in the column of rates
    (sheet, ref), = wb.defined_names["dscr_sentinel"].destinations
    cell = wb[sheet][ref.replace("$", "")]
    assert (cell.value, cell.number_format) == (1e300, "0E+00")
    # and the IRR's tolerance and floor as 1E-07 and 9E-14, not 0.00% and 0.00
    for name, value in (("irr_tolerance", 1e-7), ("irr_floor", 9.357622968840175e-14)):
        (sheet, ref), = wb.defined_names[name].destinations
        cell = wb[sheet][ref.replace("$", "")]
        assert (cell.value, cell.number_format) == (value, "0E+00"), name


def test_a_gap_row_at_zero_cents_reads_a_dash(built):
    """A check's gap row (0 wherever its schedule holds) shows "–" where the gap rounds to 0 cents: float noise of
    −7e-9 is no gap, and a red "-$0" would read as one; a gap of a cent or more keeps its amount. On every sheet
    the row is laid out (DSCR, Project, each copy on Scenario calc)."""
    from model.registry import BLOCKS

    _, wb = built
    gaps = {row.key for b in BLOCKS.values() for row in b.rows if row.gap}
    assert gaps == {"corkscrew_gap", "bridge_gap"}
    seen = Counter()
    for ws in wb.worksheets:
        rules = {str(cf.sqref).split(":")[0]: rule for cf in ws.conditional_formatting for rule in cf.rules}
        for r in range(1, ws.max_row + 1):
            if ws.cell(r, 2).value in gaps:
                rule = rules[f"F{r}"]
                assert (rule.type, rule.formula, rule.dxf.numFmt.formatCode) == (
                    "expression", [f"ROUND(F{r},2)=0"], '"–"'), (ws.title, r)
                seen[ws.title] += 1
    # both gaps in each template's copy and in each of the five contracted-share points' copies
    assert seen == {"DSCR": 1, "Project": 2, "Scenario calc": 2 * (len(model.bundled()) + 5)}, seen


def test_an_overflow_is_stored_as_num_not_inf(tmp_path):
    """Inputs at the edge of their domains can overflow a line (gpu_price 1e308: capex per hour, then the fleet's
    sums are inf in Python). A cached "inf" is no number in OOXML (Excel offers to repair the file); Excel's own
    result for an overflow is #NUM!, stored as an error value."""
    import zipfile

    import openpyxl

    import xl

    out = tmp_path / "big.xlsx"
    xl.build(out, "seed", {"gpu_price": 1e308})
    with zipfile.ZipFile(out) as z:
        sheets = [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert not any(b"<v>inf</v>" in x or b"<v>-inf</v>" in x for x in sheets)
    values = [c.value for ws in openpyxl.load_workbook(out, data_only=True).worksheets for row in ws.iter_rows()
              for c in row]
    assert "#NUM!" in values

