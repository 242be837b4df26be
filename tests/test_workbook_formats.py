"""Number formats by what a number is, and sheets whose charts can be selected."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

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
    ("fleet_gpus", "#,##0;"),  # a count: whole GPUs
    ("economic_life_years", "0"),  # an integer input: whole years
    ("gpu_payback_years", "0.0"),  # a computed duration: one decimal
])
def test_formats(built, name, fmt):
    _, wb = built
    assert _named(wb, name).number_format.startswith(fmt), _named(wb, name).number_format


def test_money_has_a_zero_section():
    for unit in ("$", "$/yr", "$/GPU", "$/GPU-h", "$m", "GPUs"):
        assert number_format(unit).endswith(';"–"'), unit


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
    """Years without debt service hold the sentinel (1e9) in the helper row the minimum DSCR reads: shown "none",
    not 1000000000.00×, wherever the row is laid out (Project, Scenario calc)."""
    _, wb = built
    seen = 0
    for sheet in ("Project", "Scenario calc"):
        ws = wb[sheet]
        for r in range(1, ws.max_row + 1):
            if ws.cell(r, 2).value == "dscr_or_sentinel":
                assert ws.cell(r, 6).number_format == '[>=1000000000]"none";0.00"×"', (sheet, r)
                seen += 1
    assert seen >= 2
