"""Timelines masked everywhere: recalculated by LibreOffice with random terms, every yearly row shows exactly 0
(never -0) past its term. Timing rows (period, year, flags), the IRR sign helpers (they carry the last sign), the
IRR search rows (a bisection step per column, not a year's amount) and the DSCR rows (#N/A or a sentinel where
there is no debt service) are not amounts and are left out."""

from __future__ import annotations

import math
import random
import shutil

import openpyxl
import pytest

import xl
from model.registry import BLOCKS, SECTIONS
from xl.libreoffice import recalculate_many

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed (bash .ci/setup)")

NOT_AMOUNTS = {"period", "year", "flag", "start", "life", "contract", "debt", "last", "project_sign", "equity_sign",
               "project_flip", "equity_flip", "project_irr_search", "equity_irr_search", "dscr", "dscr_or_sentinel",
               "discount"}
YEAR_COL = 6  # F: year 0 of a block (year 1 for the reserved contract and sculpting blocks)


def _terms(v: dict) -> dict[str, int]:
    """Block -> the last year column index (0-based from F) that may be non-zero."""
    life = int(v["economic_life_years"])
    return {"reserved_contract": int(v["contract_years"]) - 1, "sculpting": int(v["tenor_contracted_years"]) - 1,
            "fleet_operations": life, "fleet_financing": life}


# rows with a shorter term than their block's: contracted GPUs within the contract, debt within its tenor
SHORTER = {"contracted_gpus": lambda v: min(int(v["contract_years"]), int(v["economic_life_years"])),
           "capacity_pv": lambda v: min(int(v["fleet_debt_tenor_years"]), int(v["economic_life_years"])),
           **{k: (lambda v: min(int(v["fleet_debt_tenor_years"]), int(v["economic_life_years"])))
              for k in ("debt_service", "opening", "interest", "principal")},
           "closing": lambda v: min(int(v["fleet_debt_tenor_years"]), int(v["economic_life_years"])) - 1}


def _cases(n: int) -> list[dict]:
    rnd = random.Random(20261130)
    return [{"contract_years": rnd.randint(1, 10), "tenor_contracted_years": rnd.randint(1, 30),
             "economic_life_years": rnd.randint(1, 15), "fleet_debt_tenor_years": rnd.randint(1, 15)}
            for _ in range(n)]


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    d = tmp_path_factory.mktemp("terms")
    cases = _cases(3)
    srcs = []
    for i, c in enumerate(cases):
        xl.build(d / f"t{i}.xlsx", "seed", c)
        srcs.append(d / f"t{i}.xlsx")
    return list(zip(cases, srcs, recalculate_many(srcs, d / "lo")))


def _rows(ws, block) -> dict[str, int]:
    """Row key -> 1-based row of `block` on its sheet: after the block's title on a section sheet."""
    start = 1
    if block.name not in ("fleet_operations", "fleet_financing"):
        start = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == block.title)
    keys = {row.key for row in block.rows}
    out: dict[str, int] = {}
    for r in range(start, ws.max_row + 1):
        k = ws.cell(r, 2).value
        if k in keys and k not in out:
            out[k] = r
    return out


@pytest.mark.parametrize("which", ["stored", "libreoffice"])
@pytest.mark.parametrize("i", range(3))
def test_nothing_past_a_term(recalculated, i, which):
    terms, src, lo = recalculated[i]
    path = lo if which == "libreoffice" else src
    wb = openpyxl.load_workbook(path, data_only=True)
    v = terms
    bad, checked = [], 0
    for block in BLOCKS.values():
        ws = wb[SECTIONS[block.section][0]]
        last = _terms(v)[block.name]
        rows = _rows(ws, block)
        assert set(rows) == {row.key for row in block.rows}, block.name
        for key, r in rows.items():
            if key in NOT_AMOUNTS:
                continue
            end = SHORTER[key](v) if key in SHORTER and block.name.startswith("fleet") else last
            for t in range(end + 1, block.years):
                x = ws.cell(r, YEAR_COL + t).value
                checked += 1
                if isinstance(x, (int, float)) and (x != 0 or math.copysign(1.0, x) < 0):
                    bad.append(f"{block.name}.{key} year col {t} (term to {end}): {x!r}")
                elif not isinstance(x, (int, float)):
                    bad.append(f"{block.name}.{key} year col {t}: not a number {x!r}")
    assert checked > 100  # the random terms leave years past them in every block
    assert not bad, f"terms {terms}:\n" + "\n".join(bad[:40])
