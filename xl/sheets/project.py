"""The Project sheet (P1) in FAST layout: years across (year 0, then 1..15), timing flags on top, one
formula per row copied across, the rows of both P1 blocks grouped revenue → costs → EBITDA → tax → CFADS
→ debt → cash flows under section headers. The P1 line items (NPV, IRRs, debt) sit above as the summary.

Rows may sit anywhere: a block row's formula finds the rows it reads by key, in either block.
"""

from __future__ import annotations

from model.registry import BLOCKS

from ..book import YEAR_COL0, Book
from .sections import year_header

OPS, FIN = "fleet_operations", "fleet_financing"

# (header, [(block, key), ...]); rows not named here go to the helpers group at the bottom. Headers are
# numbered: never the same text as a row's label
GROUPS = (
    ("Timing flags (1 = on)", [(OPS, k) for k in ("period", "year", "start", "life", "contract", "debt", "last")]),
    ("1 Revenue", [(OPS, "market_price"), (OPS, "contracted_gpus"), (OPS, "revenue")]),
    ("2 Costs", [(OPS, "cash_costs")]),
    ("3 EBITDA", [(OPS, "ebitda")]),
    ("4 Replacement capex and unlevered tax", [(OPS, "replacement_capex"), (OPS, "gpu_depreciation_share"),
                                                 (OPS, "network_depreciation_share"), (OPS, "tax_depreciation"),
                                                 (OPS, "unlevered_tax")]),
    ("5 CFADS", [(OPS, "cfads")]),
    ("6 Debt: sizing and service", [(OPS, "capacity_pv"), (FIN, "debt_service")]),
    ("7 Debt corkscrew", [(FIN, k) for k in ("opening", "drawdown", "interest", "principal", "closing",
                                            "corkscrew_gap")]),
    ("8 Coverage", [(FIN, "dscr")]),
    ("9 Project cash flow", [(OPS, "sale_cash"), (OPS, "capex"), (OPS, "project_cash_flow"), (OPS, "project_pv")]),
    ("10 Equity cash flow", [(FIN, "levered_tax"), (FIN, "equity_invested"), (FIN, "equity_cash_flow"),
                              (FIN, "bridge_gap"), (FIN, "equity_pv")]),
    ("11 Market rent for buy vs rent (E2 levelizes it)", [(OPS, "rent_pv")]),
)
HELPERS = "Helpers (IRR sign changes and search, check and chart rows)"
BIG = {"$": "$m"}  # whole-fleet sums in $ millions


def layout(blocks: list) -> list[tuple[str, list[tuple[str, object]]]]:
    """The groups with their Row objects; every row of `blocks` exactly once: the schedule's rows in GROUPS,
    the rows marked `helper` in the registry under HELPERS."""
    by_key = {(b.name, row.key): row for b in blocks for row in b.rows}
    groups, seen = [], set()
    for title, keys in GROUPS:
        rows = [(blk, by_key[(blk, k)]) for blk, k in keys if (blk, k) in by_key]
        seen.update((blk, row.key) for blk, row in rows)
        if rows:
            groups.append((title, rows))
    rest = [(blk, row) for (blk, _), row in by_key.items() if (blk, row.key) not in seen]
    lost = [f"{blk}.{row.key}" for blk, row in rest if not row.helper]
    if lost:  # a new line of the schedule must be placed where an analyst reads it, not among the helpers
        raise RuntimeError(f"Project sheet: rows in no group of GROUPS: {', '.join(lost)} (or mark them helper)")
    if rest:
        groups.append((HELPERS, rest))
    return groups


def write_grouped_blocks(b: Book, ws, sheet: str, r: int, blocks: list) -> int:
    st = b.st
    years = max(blk.years for blk in blocks)
    last = YEAR_COL0 + years - 1
    # year header: the FAST column heading, one per column
    ws.write(r, 0, "Year", st.header)
    for c in range(1, YEAR_COL0):
        ws.write_blank(r, c, None, st.header)
    head = r
    r += 1
    groups = layout(blocks)
    # rows first (formulas may read rows further down), then the formulas
    rr = r
    for blk in blocks:
        b.block_rows[blk.name] = {}
        b.block_sheet[blk.name] = sheet
    placed = []
    for _, rows in groups:
        rr += 1  # header
        for blk, row in rows:
            b.block_rows[blk][row.key] = rr + 1
            placed.append((blk, row, rr))
            rr += 1
    cell = b.block_cell(sheet)
    year_header(b, ws, head, next(blk for blk in blocks if "year" in b.block_rows[blk.name]))
    for title, rows in groups:
        b.section_row(ws, r, title, last)
        r += 1 + len(rows)
    for blk, row, rr_ in placed:
        n = BLOCKS[blk].years
        vals = b.block_values[blk][row.key]
        unit = BIG.get(row.unit, row.unit)
        b.line_head(ws, rr_, row.label, row.key, row.unit)  # the cell holds dollars; "$m" is only how it shows
        if row.helper:  # grouped (outline level 1) but shown: headlines read them (FAST: nothing
            ws.set_row(rr_, None, None, {"level": 1})  # hidden); the - in the margin folds them
        fmt = st.for_row(row, unit=unit)
        b.year_row(ws, rr_, row.excel, blk, cell, fmt, vals[:n], gap=row.gap)
    ws.set_column(YEAR_COL0, last, 11)
    return rr

