"""The Scenarios sheet: every template's headline outputs and the returns across the contracted share,
recalculated by LibreOffice, equal model.evaluate of that template (or that contracted share)."""

from __future__ import annotations

import shutil

import openpyxl
import pytest
from wbtools import close

import model
import xl
from xl.libreoffice import recalculate
from xl.sheets.scenarios import HEADLINES, RETURNS, SHEET

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed (bash .ci/setup)")


def _table(ws, first: str) -> dict[str, dict[str, object]]:
    """The table whose header row has `first` in column A or B, down to the next blank row:
    row name (column B) -> {column header -> value}."""
    out: dict[str, dict[str, object]] = {}
    header = None
    for row in ws.iter_rows(min_row=1):
        if header is None:
            if first in (row[0].value, row[1].value):
                header = [c.value for c in row]
                out[row[1].value] = {h: c.value for h, c in zip(header, row) if h is not None}
            continue
        if not isinstance(row[1].value, str):
            break
        out[row[1].value] = {h: c.value for h, c in zip(header, row) if h is not None}
    return out


@pytest.fixture(scope="module")
def sheets(tmp_path_factory):
    d = tmp_path_factory.mktemp("scen")
    xl.build(d / "scen.xlsx", "seed", {"contracted_share": 0.4})
    lo = recalculate(d / "scen.xlsx", d / "lo")
    return (openpyxl.load_workbook(d / "scen.xlsx", data_only=True)[SHEET],
            openpyxl.load_workbook(lo, data_only=True)[SHEET])


@pytest.mark.parametrize("which", ["stored", "libreoffice"])
def test_every_template_equals_model(sheets, which):
    table = _table(sheets[which == "libreoffice"], "Line item")
    names = model.templates.bundled()
    bad = []
    for name in names:
        values = model.load(name).values
        if name == "seed":
            values = {**values, "contracted_share": 0.4}  # the selected template carries the --set
        exp = model.evaluate(values)
        for h in HEADLINES:
            head = f"{name} (overridden)" if name == "seed" else name  # the --set marks the seed column
            if not close(exp[h], table[h][head], h, 1e-9):
                bad.append(f"{name}.{h}: expected {exp[h]!r}, got {table[h][name]!r}")
        assert len(names) > 1
    live = model.evaluate({**model.load("seed").values, "contracted_share": 0.4})
    for h in HEADLINES:
        if not close(live[h], table[h]["Selected (live)"], h, 1e-9):
            bad.append(f"selected.{h}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("which", ["stored", "libreoffice"])
def test_returns_by_contracted_share(sheets, which):
    ws = sheets[which == "libreoffice"]
    table = _table(ws, "contracted_share")
    seed = model.load("seed").values
    axis = table["contracted_share"]
    shares = [v for v in axis.values() if isinstance(v, (int, float))]
    assert shares == [0, 0.25, 0.5, 0.75, 1]
    for k, x in [(k, v) for k, v in axis.items() if isinstance(v, (int, float))]:
        exp = model.evaluate({**seed, "contracted_share": x})
        for name in RETURNS:
            assert close(exp[name], table[name][k], name, 1e-9), (name, x, exp[name], table[name][k])
    # hand check: with nothing contracted, the debt is priced at base rate + the uncontracted spread
    k0 = next(k for k, v in axis.items() if v == 0)
    assert table["fleet_debt_rate"][k0] == pytest.approx(seed["base_rate"] + seed["spread_uncontracted"], rel=1e-12)


def test_the_check_columns_are_printed(sheets):
    """The print area runs to the last column with a header (the per-row checks beside the live values): the
    printout left them out."""
    from openpyxl.utils import column_index_from_string

    ws = sheets[0]
    last = column_index_from_string(ws.print_area.split(":")[-1].strip("$").rstrip("0123456789").strip("$"))
    headers = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "(1 = OK)" in c.value]
    assert len(headers) == 2 and all(c.column <= last for c in headers), (ws.print_area, [c.coordinate for c in headers])
