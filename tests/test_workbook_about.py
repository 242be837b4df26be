"""The file explains itself: version, build time, template description and every --set on the Cover, overridden
input cells marked on the Inputs sheet, an About block per sheet, a Definitions sheet from the registry."""

from __future__ import annotations

from datetime import UTC, datetime

import openpyxl
import pytest

import xl
from model.registry import CHECKS, INPUTS, OUTPUTS


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    p = tmp_path_factory.mktemp("about") / "about.xlsx"
    xl.build(p, "seed", {"gpu_price": 30000, "contracted_share": 0.4})
    return openpyxl.load_workbook(p)


def _cover(wb) -> dict:
    ws = wb["Cover"]
    return {ws.cell(r, 2).value: [ws.cell(r, c).value for c in (3, 4)] for r in range(1, ws.max_row + 1)}


def test_cover_states_version_time_template_and_overrides(book):
    cover = _cover(book)
    assert cover["Model version"][0] not in (None, "")
    built = datetime.strptime(cover["Built (UTC)"][0], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - built).total_seconds()) < 3600
    assert cover["Template (as built)"][0] == "seed"
    assert cover["Its description"][0] == ("Defaults from the source document's figures; where its own stated results "
                                           "differ, `python -m model claims` shows which and why")
    assert "Overrides at build (--set)" in cover  # a record of the build: the selector may since show another
    # the seed's gpu_price is 25000 and its contracted share 0.5 (model/bundled_templates/seed.toml)
    assert cover["gpu_price"] == [25000, 30000]
    assert cover["contracted_share"] == [0.5, 0.4]


def test_override_unit_column_set_apart_from_built_with(book):
    # "Built with" is right-aligned in D and "Unit" starts column E: without an indent they read "Built withUnit"
    ws = book["Cover"]
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "Overrides at build (--set)")
    assert (ws.cell(head, 4).value, ws.cell(head, 5).value) == ("Built with", "Unit")
    assert ws.cell(head, 4).alignment.horizontal == "right"
    gpu = next(r for r in range(head, ws.max_row + 1) if ws.cell(r, 2).value == "gpu_price")
    for cell in (ws.cell(head, 5), ws.cell(gpu, 5)):
        assert cell.alignment.horizontal in (None, "general", "left") and cell.alignment.indent >= 1, cell.coordinate
    assert ws.cell(gpu, 5).value == "$"


def test_about_block_lists_every_visible_sheet(book):
    cover = _cover(book)
    visible = [ws.title for ws in book.worksheets if ws.sheet_state == "visible" and ws.title != "Cover"]
    for s in visible:
        assert s in cover and cover[s][0], s
    assert "Scenario calc" in cover  # a calculation sheet like the others: FAST models hide none
    assert all(ws.sheet_state == "visible" for ws in book.worksheets)


def test_overridden_input_cells_marked(book):
    ws = book["Inputs"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "gpu_price")
    cell = ws.cell(row, 8)  # the seed column (H)
    assert cell.value == 30000
    assert cell.comment.text == "--set: template value 25000"
    assert cell.fill.fgColor.rgb.endswith("F8CBAD")
    assert ws["H4"].value == "seed (overridden)" and ws["I4"].value == "coreweave"  # the column header says so
    other = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "gpu_utilization")
    assert ws.cell(other, 8).comment is None


def test_definitions_sheet_from_registry(book):
    ws = book["Definitions"]
    names = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(2, 8)] for r in range(5, ws.max_row + 1)}
    assert set(INPUTS) | set(OUTPUTS) | set(CHECKS) <= set(names)
    kind, label, unit, _, _, excel = names["total_cost_per_gpu_hour"]
    assert (kind, unit, excel) == ("output", "$/GPU-h", "=" + OUTPUTS["total_cost_per_gpu_hour"].excel)
    assert names["gpu_price"][0] == "input"
    for sheet in book.worksheets:
        for row in sheet.iter_rows(max_row=3):
            for c in row:
                assert "MODEL.md" not in str(c.value or ""), (sheet.title, c.coordinate)


def test_overridden_header_reads_back_as_the_template(tmp_path):
    """--from reads "seed (overridden)" as the seed column (its values carry the --set edits)."""
    from xl.carry import read_inputs

    p = tmp_path / "o.xlsx"
    xl.build(p, "seed", {"gpu_price": 30000})
    edited = read_inputs(p)
    assert list(edited.columns)[0] == "seed" and edited.selected == "seed"
    assert edited.columns["seed"]["gpu_price"] == 30000
