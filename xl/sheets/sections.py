"""A section's sheet: its line items (one named cell each), its yearly blocks, then its exhibits."""

from __future__ import annotations

from model.registry import BLOCKS, INPUTS, OUTPUTS, SECTIONS

from ..book import LINKS, YEAR_COL0, Book


def write_section(b: Book, sec: str, exhibits: list, pending: list) -> None:
    """Outputs that read a block go to `pending`: written once every block has its cells."""
    sheet, title = SECTIONS[sec]
    ws = b.sheet(sheet, "calc")
    st = b.st
    ws.write(0, 0, title, st.title)
    ws.write(1, 0, "Every line is a formula over named cells; definitions on the Definitions sheet.", st.subtitle)
    for c, h in enumerate(["Line item", "Name", "Unit", "Value", "Definition"]):
        ws.write(3, c, h, st.header_num if h == "Value" else st.header)
    r = 4
    for name, o in OUTPUTS.items():
        if o.section != sec:
            continue
        for link in LINKS.get(name, ()):
            link_row(b, ws, r, link)
            r += 1
        if o.block:
            pending.append((ws, sheet, r, name, o))
        else:
            output_row(b, ws, sheet, r, name, o, o.excel)
        r += 1
    max_col = 4
    blocks = [blk for blk in BLOCKS.values() if blk.section == sec]
    header = 3  # the frozen header row, printed atop every page
    if sec == "P1":  # FAST layout: the two blocks' rows grouped under section headers
        from .project import write_grouped_blocks

        header = r + 1  # the Project sheet's own year row, atop its blocks
        r = write_grouped_blocks(b, ws, sheet, header, blocks)
    else:
        for blk in blocks:
            r = write_block(b, ws, sheet, r + 1, blk)
    if blocks:
        max_col = max(max_col, YEAR_COL0 + max(blk.years for blk in blocks))
        year_header(b, ws, 3, blocks[0])  # the frozen header row: the years stay in view
    for ex in exhibits:
        if ex.section == sec:
            r = ex.write(b, ws, sheet, r + 1)
    max_col = max(max_col, ws.dim_colmax or 0)
    ws.set_column(0, 0, 36)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 2, 11)
    ws.set_column(3, 3, 16)
    ws.set_column(4, 4, DEFINITION_WIDTH)
    ws.set_column(5, 5 + 30, 13)
    ws.freeze_panes(4, 2)
    b.print_layout(ws, r, max_col, "A3" if sec == "P1" else "A4", header=header)  # A3: the project's 16 years


DEFINITION_WIDTH = 40  # column E: each line's definition, wrapped (its run-on was cut where a printed page ended)


def output_row(b: Book, ws, sheet: str, r: int, name: str, o, excel: str) -> None:
    st = b.st
    b.line_head(ws, r, o.label, name, o.unit)
    b.formula(ws, r, 3, excel, st.output(name, o.unit, b.values[name]), b.values[name])
    b.name_cell(name, sheet, r, 3)
    b.wrapped(ws, r, 4, o.formula.replace("\n", " "), DEFINITION_WIDTH)


def year_header(b: Book, ws, r: int, blk) -> None:
    """The block's years on row r over its columns ("Year 3"), read from its year row: no constant outside the
    Inputs sheet."""
    from xlsxwriter.utility import xl_col_to_name

    row = b.block_rows[blk.name]["year"]
    for t, year in enumerate(b.block_values[blk.name]["year"]):
        b.formula(ws, r, YEAR_COL0 + t, f"{xl_col_to_name(YEAR_COL0 + t)}${row}", b.st.year_header, year)


def link_row(b: Book, ws, r: int, name: str) -> None:
    """An input as it is, read from the Inputs sheet (a link: the input itself stays on Inputs)."""
    i = INPUTS[name]
    b.line_head(ws, r, i.label, name, i.unit, copy=True)
    b.formula(ws, r, 3, name, b.st.money(i.unit, b.base[name]), b.base[name])
    ws.write_string(r, 4, "input, from the Inputs sheet", b.st.note)


def write_pending(b: Book, pending: list) -> None:
    for ws, sheet, row, name, o in pending:
        output_row(b, ws, sheet, row, name, o, b.resolve_ranges(o.excel))


def write_block(b: Book, ws, sheet: str, r: int, blk) -> int:
    st = b.st
    b.section_row(ws, r, blk.title, YEAR_COL0 + blk.years)
    r += 1
    rows = {row.key: r + 1 + i for i, row in enumerate(blk.rows)}  # 1-based Excel rows
    b.block_rows[blk.name] = rows
    b.block_sheet[blk.name] = sheet
    vals = b.block_values[blk.name]
    cell = b.block_cell(sheet)
    for i, row in enumerate(blk.rows):
        rr = r + i
        b.line_head(ws, rr, row.label, row.key, row.unit)
        fmt = st.for_row(row, *vals[row.key])
        b.year_row(ws, rr, row.excel, blk.name, cell, fmt, vals[row.key][:blk.years], gap=row.gap)
    return r + len(blk.rows)
