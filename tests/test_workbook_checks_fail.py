"""Every check on the Checks sheet can fail: a workbook broken for each (an input set outside what Python
accepts, or a formula cell edited as a user might), recalculated by LibreOffice and by Gnumeric, fails that
check, the master check, and flags the Cover's headlines. Gnumeric, as Excel, counts no TRUE in a SUMPRODUCT
(LibreOffice and `formulas` count it as 1): a check that counts comparisons without its `*1` passes there."""

from __future__ import annotations

import shutil

import openpyxl
import pytest
from wbtools import gnumeric

import model
import xl
from model.registry import BLOCKS, CHECKS
from xl.libreoffice import recalculate_many

ENGINES = {"libreoffice": "soffice", "gnumeric": "ssconvert"}  # engine -> the program it needs
pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style")  # Gnumeric's files
needs_libreoffice = pytest.mark.skipif(shutil.which("soffice") is None,
                                       reason="LibreOffice not installed (bash .ci/setup)")


def _row(ws, col: int, value: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, col).value == value)


def _named(wb, name: str):
    sheet, ref = next(iter(wb.defined_names[name].destinations))
    return wb[sheet][ref.replace("$", "")]


def _block_cell(wb, block: str, key: str, t: int):
    """Year t's cell of a block row, found by the row's name in column B of its section's sheet."""
    sheet = {"fleet_operations": "Project", "fleet_financing": "Project", "sculpting": "DSCR"}[block]
    ws = wb[sheet]
    rows = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == key]
    assert len(rows) == 1, (block, key, rows)
    return ws.cell(rows[0], 6 + t)


def _plus(cell, extra: str) -> None:
    cell.value = f"=({cell.value[1:]}){extra}"


def _copy(wb, label: str, point: int, after: str | None = None):
    """The Scenario calc cell that the Scenarios sheet shows for `label` at column `point` (0: F), in the block
    headed `after` if given (the seed's contracted share 0.5 is the share axis's point 2)."""
    ws = wb["Scenarios"]
    start = _row(ws, 1, after) if after else 1
    r = next(r for r in range(start, ws.max_row + 1) if ws.cell(r, 1).value == label)
    sheet, ref = ws.cell(r, 6 + point).value[1:].split("!")
    return wb[sheet.strip("'")][ref.replace("$", "")]


def _calc(wb, title: str, key: str, t: int):
    """Year t's cell of block row `key` in the Scenario calc copy headed `title` (column A)."""
    ws = wb["Scenario calc"]
    start = _row(ws, 1, title)
    return ws.cell(next(r for r in range(start, ws.max_row + 1) if ws.cell(r, 2).value == key), 6 + t)


def _input(wb, name: str, value: float, col: int = 8) -> None:
    ws = wb["Inputs"]
    ws.cell(_row(ws, 2, name), col).value = value


# check label (column A of the Checks sheet) -> how to break it
BREAKS = {
    "Segment shares sum to 1": lambda wb: _input(wb, "share_hobbyist", 0.9),
    "Model fits in GPU memory": lambda wb: _input(wb, "kv_gb_per_sequence", 100.0),
    "Sculpted debt corkscrew closes every year": lambda wb: _plus(_block_cell(wb, "sculpting", "closing", 2),
                                                                    "+sculpted_debt_capacity/1000"),
    "Fleet debt corkscrew closes every year":
        lambda wb: _plus(_block_cell(wb, "fleet_financing", "closing", 2), "+fleet_capex/1000"),
    "Fleet debt within the equipment LTV": lambda wb: _plus(_named(wb, "fleet_debt"), "+fleet_capex"),
    "Every year's DSCR at or above the target": lambda wb: setattr(_named(wb, "fleet_min_dscr"), "value",
                                                                   "=target_dscr/2"),
    "Project NPV at the project IRR is 0": lambda wb: _plus(_named(wb, "project_irr"), "+1/1000"),
    "Equity NPV at the equity IRR is 0": lambda wb: _plus(_named(wb, "equity_irr"), "+1/1000"),
    # every IRR guess failing, as an engine's IRR might: #N/A where the flows define a rate (the NPV checks pass it)
    "Project IRR shown where its flows define one": lambda wb: setattr(_named(wb, "project_irr"), "value", "=NA()"),
    "Equity IRR shown where its flows define one": lambda wb: setattr(_named(wb, "equity_irr"), "value", "=NA()"),
    "Sources equal uses in year 0": lambda wb: _plus(_block_cell(wb, "fleet_operations", "capex", 0), "*2"),
    "Project to equity cash flow bridge closes every year":
        lambda wb: _plus(_block_cell(wb, "fleet_financing", "equity_cash_flow", 2), "+fleet_capex/1000"),
    "CFADS never above EBITDA": lambda wb: setattr(_block_cell(wb, "fleet_operations", "cfads", 3), "value",
                                                   "=" + _block_cell(wb, "fleet_operations", "ebitda", 3).coordinate
                                                   + "+1"),
    # the grids' first row and column are the live inputs, on any axis: the headline edited, the base point not
    "Sensitivity base point = Cost per M output tokens": lambda wb: _plus(_named(wb, "cost_per_m_output_tokens"),
                                                                          "*2"),
    "Sensitivity base point = Breakeven utilization with WACC":
        lambda wb: _plus(_named(wb, "breakeven_utilization_wacc"), "/2"),
    "Selected scenario is a template column": lambda wb: setattr(wb["Inputs"]["G3"], "value", 1.5),
    # the Scenarios sheet reads copies of the model laid out on Scenario calc: a copy edited, the named model not
    "Scenarios: selected template = live":
        lambda wb: _plus(_copy(wb, "Total cost per GPU-hour", 0), "*2"),  # the seed, the selected template
    "Scenarios: returns at live share = live":
        lambda wb: _plus(_copy(wb, "Fleet debt", 2, after="Returns by contracted share (live scenario)"), "/2"),
    "All inputs in domain": lambda wb: _input(wb, "gpu_utilization", 2.0, col=9),  # coreweave's column
    # a copy of the model that no Scenarios cell compares with the named model: coreweave's (not selected)
    "Scenario calc, template 2 (coreweave): its checks pass":
        lambda wb: _plus(_calc(wb, "Template 2: coreweave", "closing", 2), "+fleet_capex/1000"),
}

# The gap checks again, from the other side and in the first year column: a gap of either sign in any year fails
# (the breaks above all add, in a later year); then other ways to fail a check. case -> (check label, how to break it)
MORE_BREAKS = {
    "sculpted corkscrew, positive gap in year 1": ("Sculpted debt corkscrew closes every year", lambda wb: _plus(
        _block_cell(wb, "sculpting", "closing", 0), "-sculpted_debt_capacity/1000")),
    "fleet corkscrew, positive gap in year 0": ("Fleet debt corkscrew closes every year", lambda wb: _plus(
        _block_cell(wb, "fleet_financing", "closing", 0), "-fleet_capex/1000")),
    "bridge, negative gap in year 0": ("Project to equity cash flow bridge closes every year", lambda wb: _plus(
        _block_cell(wb, "fleet_financing", "equity_cash_flow", 0), "-fleet_capex/1000")),
    # a contracted share's copy; the selector past the last template column, and on a column without a name
    "copy at a contracted share, bridge gap in year 2": ("Scenario calc, contracted share point 1: its checks pass",
                                                         lambda wb: _plus(_calc(
        wb, "Contracted share, point 1 (live inputs otherwise)", "equity_cash_flow", 2), "+fleet_capex/1000")),
    "selector past the last template column": ("Selected scenario is a template column",
                                               lambda wb: setattr(wb["Inputs"]["G3"], "value", len(model.bundled()) + 1)),
    "selector on a column without a template's name": ("Selected scenario is a template column",
                                                        lambda wb: setattr(wb["Inputs"]["H4"], "value", None)),
}


def test_every_check_listed():
    labels = {c.label for c in CHECKS.values()}
    assert labels <= set(BREAKS), "a new check needs a way to break it here"
    assert "fleet_operations" in BLOCKS


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """The built workbook, then one broken copy per case: (folder, paths, case names)."""
    d = tmp_path_factory.mktemp("broken")
    xl.build(d / "base.xlsx")
    srcs = []
    cases = {**BREAKS, **{case: brk for case, (_, brk) in MORE_BREAKS.items()}}
    for i, brk in enumerate(cases.values()):
        wb = openpyxl.load_workbook(d / "base.xlsx")
        brk(wb)
        wb.save(d / f"b{i}.xlsx")
        srcs.append(d / f"b{i}.xlsx")
    return d, [d / "base.xlsx", *srcs], list(cases)


@pytest.fixture(scope="module", params=list(ENGINES))
def broken(request, sources):
    """The sources recalculated by one engine: (the unbroken workbook, case -> its broken workbook)."""
    if shutil.which(ENGINES[request.param]) is None:
        pytest.skip(f"{request.param} not installed (bash .ci/setup)")
    d, paths, cases = sources
    if request.param == "libreoffice":
        outs = recalculate_many(paths, d / "lo")
    else:
        (d / "gnumeric").mkdir(exist_ok=True)
        outs = [gnumeric(p, d / "gnumeric" / p.name) for p in paths]
    return outs[0], dict(zip(cases, outs[1:], strict=True))


def _results(path) -> dict[str, object]:
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb["Checks"]
    out = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(5, ws.max_row + 1)
           if isinstance(ws.cell(r, 2).value, (int, float))}
    row = _row(ws, 1, "All inputs in domain")
    out["All inputs in domain"] = min(ws.cell(row, c).value for c in range(4, 8))  # D:G, a template each
    return out | {"master": wb["Cover"]["C8"].value}


@needs_libreoffice
def test_base_point_is_the_live_case_off_the_axes(tmp_path):
    """Not vacuous: the seed's serving utilization (0.85) and market price (2.2) are on no axis point, yet the
    grids' base row and column hold them, and a base point that drifts from the headline fails the check."""
    xl.build(tmp_path / "on.xlsx", "seed", {"serving_utilization": 0.37})
    wb = openpyxl.load_workbook(tmp_path / "on.xlsx")
    ws = wb["Sensitivity"]
    base = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Base case (live inputs)")
    assert ws.cell(base, 2).value == "=serving_utilization"
    ws.cell(base, 2).value = "=serving_utilization+1/1000"  # the grid's base point off the live input
    wb.save(tmp_path / "off.xlsx")
    on, off = recalculate_many([tmp_path / "on.xlsx", tmp_path / "off.xlsx"], tmp_path / "lo")
    label = "Sensitivity base point = Cost per M output tokens"
    assert _results(on)[label] == 1 and _results(on)["master"] == 1
    assert _results(off)[label] == 0 and _results(off)["master"] == 0


def test_unbroken_workbook_passes(broken):
    base, _ = broken
    res = _results(base)
    assert set(BREAKS) <= set(res)
    assert all(v == 1 for v in res.values()), res


@pytest.mark.parametrize("label", list(BREAKS))
def test_check_fails(broken, label):
    _, outs = broken
    res = _results(outs[label])
    assert res[label] == 0, res
    assert res["master"] == 0


@pytest.mark.parametrize("case", list(MORE_BREAKS))
def test_check_fails_other_ways(broken, case):
    _, outs = broken
    label = MORE_BREAKS[case][0]
    res = _results(outs[case])
    assert res[label] == 0, res
    assert res["master"] == 0


def test_cover_headlines_flagged_when_master_fails(sources):
    """The Cover's headline cells carry a conditional format on the master check (C8)."""
    _, (base, *_), _ = sources
    ws = openpyxl.load_workbook(base)["Cover"]
    rules = [(str(rng.sqref), rule.formula) for rng in ws.conditional_formatting for rule in rng.rules]
    assert any(sq.startswith("C11:") and f == ["$C$8<>1"] for sq, f in rules), rules


@needs_libreoffice
def test_text_pasted_over_an_input_fails_the_master_check(tmp_path):
    """Pasting skips data validation: text in an input cell makes checks error (#VALUE!); the master check reads
    that as a failure (0, so the headlines turn red), not as an error that the red-headline rule cannot test."""
    xl.build(tmp_path / "base.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "base.xlsx")
    _input(wb, "gpu_price", "twenty thousand")
    wb.save(tmp_path / "text.xlsx")
    (out,) = recalculate_many([tmp_path / "text.xlsx"], tmp_path / "lo")
    assert openpyxl.load_workbook(out, data_only=True)["Cover"]["C8"].value == 0


@needs_libreoffice
def test_a_cleared_input_fails_the_domain_check(tmp_path):
    """A cleared input cell reads as 0 in every formula, and 0 is inside many domains (power price, network
    capex): the model would go on with 0 under a green master check. The domain check wants a number there."""
    xl.build(tmp_path / "base.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "base.xlsx")
    _input(wb, "power_price_kwh", None)  # the seed, the selected template
    wb.save(tmp_path / "blank.xlsx")
    (out,) = recalculate_many([tmp_path / "blank.xlsx"], tmp_path / "lo")
    res = _results(out)
    assert res["All inputs in domain"] == 0 and res["master"] == 0

