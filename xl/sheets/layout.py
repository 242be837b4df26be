"""Lay out the line items (and yearly blocks) some targets need, for a mapping input name -> cell.

Used to evaluate the model side by side (one layout per template, or per axis value) with live formulas:
every output and block that moves with the mapped inputs gets its own cell (outputs: one row each, the
value in column D; blocks: one row per block row, years across from column F), with the mapped inputs'
cells substituted for their names and these cells for the outputs and block rows they read. Whatever does
not move with the mapped inputs stays a defined name (or the main sheets' block cells). Below them, the
registered checks (model/checks.py) that test what the copy recomputes, on the copy's own cells: a copy of the
model is checked as the model is.
"""

from __future__ import annotations

import re

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from model.graph import depends_on, needed
from model.registry import BLOCKS, CHECKS, INPUTS, OUTPUTS

from ..book import LINKS, YEAR_COL0, Book
from ..formula import RANGE_RE, substitute

VALUE_COL = 3  # D: an output's cell
_BRACKETS = re.compile(r"(\[[^\]]*\])")


def _names(excel: str, mapping) -> str:
    """Substitute names outside [row references] only (a row key may spell like a name)."""
    return "".join(p if p.startswith("[") else substitute(p, mapping) for p in _BRACKETS.split(excel))


def _moving(targets: tuple[str, ...], refs: dict) -> list[str]:
    """The outputs and blocks `targets` need that move with the mapped inputs, in evaluation order."""
    return [n for n in needed(frozenset(targets)) if (n in OUTPUTS or n in BLOCKS) and depends_on(n, refs)]


def lay_out(b: Book, ws, r: int, title: str, refs: dict[str, str], targets: tuple[str, ...],
            values: dict, blocks: dict) -> tuple[int, dict[str, str], tuple[str, int] | None]:
    """Write on `ws` from row r the nodes `targets` need that depend on `refs` (input -> absolute reference).

    `values` are the mapped inputs' values and the model's outputs and checks for them, `blocks` its block rows
    (block -> key -> years), stored as the formulas' cached values. An output with LINKS (a total adding inputs as they are) has
    them as link rows just above it, as on its section's sheet. Returns (next row, {output name: absolute cell on
    ws (unqualified)}, (the absolute range of the copy's check cells, their minimum), or None if no check
    tests it)."""
    st = b.st
    nodes = _moving(targets, refs)
    # and the outputs that the checks of what the copy recomputes read (the minimum DSCR, an IRR), where it lays
    # out the blocks those checks read, and the output needs no other block (a minimum DSCR, not a yearly block)
    laid_blocks = {n for n in nodes if n in BLOCKS}

    def adds_no_block(output: str) -> bool:
        return {n for n in _moving(targets + (output,), refs) if n in BLOCKS} <= laid_blocks

    more = tuple(p for c in CHECKS.values() if depends_on(c.name, refs)
                 and all(q in laid_blocks or not depends_on(q, refs) for q in c.params if q in BLOCKS)
                 for p in c.params if p in OUTPUTS and adds_no_block(p))
    if more:
        nodes = _moving(targets + more, refs)
    scalars = [(item, item != n) for n in nodes if n in OUTPUTS for item in (*LINKS.get(n, ()), n)]  # (name, link)
    local_blocks = [n for n in nodes if n in BLOCKS]
    b.section_row(ws, r, title, YEAR_COL0 + max((BLOCKS[k].years for k in local_blocks), default=0) - 1)
    r += 1
    cells: dict[str, str] = {}
    linked: dict[str, str] = {}  # an input's link row: the formulas below read it there, as the total adds it
    for i, (n, link) in enumerate(scalars):
        (linked if link else cells)[n] = xl_rowcol_to_cell(r + i, VALUE_COL, row_abs=True, col_abs=True)
    rr = r + len(scalars)
    rows: dict[str, dict[str, int]] = {}  # block -> key -> 0-based row
    for blk in local_blocks:
        rr += 1  # the block's title
        rows[blk] = {row.key: rr + i for i, row in enumerate(BLOCKS[blk].rows)}
        rr += len(BLOCKS[blk].rows)
    main_cell = b.block_cell(ws.name)

    def cell(block: str, key: str, t: int, absolute: bool = False) -> str:
        if block in rows:
            return xl_rowcol_to_cell(rows[block][key], YEAR_COL0 + t, row_abs=absolute, col_abs=absolute)
        return main_cell(block, key, t, absolute)

    def mapping(name: str) -> str | None:
        return linked.get(name) or refs.get(name) or cells.get(name)

    def ranges(excel: str) -> str:
        def repl(m):
            block, key, first, ranged = m.group(1), m.group(2), m.group(4), m.group(5)
            if block not in rows:
                return b.resolve_ranges(m.group(0))
            row = rows[block][key] + 1
            start = YEAR_COL0 + int(first or 0)
            if first is not None and not ranged:
                return f"${xl_col_to_name(start)}${row}"
            last = YEAR_COL0 + BLOCKS[block].years - 1
            return f"${xl_col_to_name(start)}${row}:${xl_col_to_name(last)}${row}"

        return RANGE_RE.sub(repl, excel)

    for i, (n, link) in enumerate(scalars):
        o = INPUTS[n] if link else OUTPUTS[n]
        b.line_head(ws, r + i, o.label, n, o.unit, copy=True)
        excel = (refs.get(n) or n) if link else ranges(_names(o.excel, mapping))
        b.formula(ws, r + i, VALUE_COL, excel, st.money(o.unit, values[n]), values[n])
    for blk in local_blocks:
        spec = BLOCKS[blk]
        top = min(rows[blk].values()) - 1
        ws.write(top, 0, spec.title, st.section)
        for row in spec.rows:
            k = rows[blk][row.key]
            b.line_head(ws, k, row.label, row.key, row.unit, copy=True)
            text = _names(row.excel, mapping)
            fmt = st.for_row(row, *blocks[blk][row.key])
            b.year_row(ws, k, text, blk, cell, fmt, blocks[blk][row.key][:spec.years], gap=row.gap)
    # the checks that move with the mapped inputs and read only what this copy lays out (or what does not move)
    laid = set(cells) | set(rows) | set(refs) | set(linked)
    checks = [c for c in CHECKS if depends_on(c, refs)
              and all(p in laid or not depends_on(p, refs) for p in CHECKS[c].params)]
    if not checks:
        return rr + 1, cells, None
    ws.write(rr, 0, "Checks of this copy (1 = OK)", st.section)
    for i, c in enumerate(checks, start=rr + 1):
        b.line_head(ws, i, CHECKS[c].label, c, "1 = OK", copy=True)
        b.formula(ws, i, VALUE_COL, ranges(_names(CHECKS[c].excel, mapping)), st.check, values[c])
    first, last = (xl_rowcol_to_cell(i, VALUE_COL, row_abs=True, col_abs=True) for i in (rr + 1, rr + len(checks)))
    return rr + len(checks) + 2, cells, (f"{first}:{last}", min(values[c] for c in checks))
