"""The Definitions sheet: every name of the model with its unit, section, definition and Excel text, generated
from the registry (the same data as model/reference.py's docs/model.md)."""

from __future__ import annotations

from model.registry import BLOCKS, CHECKS, CONSTANTS, INPUTS, OUTPUTS, SECTIONS

from ..book import CODE_PER_WIDTH, Book, fit_row, text_lines

COLUMNS = ("Name", "Kind", "Label", "Unit", "Section", "Definition", "Excel")
WIDTHS = (46, 10, 40, 10, 34, 60, 60)  # A: fleet_operations.network_depreciation_share whole


def rows() -> list[tuple[str, ...]]:
    def sec(s: str) -> str:
        return SECTIONS[s][1] if s in SECTIONS else s  # its title starts with its code: "D1 Cost stack per GPU-hour"

    out = [(c.name, "constant", c.label, c.unit, "", f"= {c.value:g}", "") for c in CONSTANTS.values()]
    out += [(i.name, "input", i.label, i.unit, sec(i.section), f"{i.description} (allowed: {i.domain.text()})", "")
            for i in INPUTS.values()]
    out += [(o.name, "output", o.label, o.unit, sec(o.section), " ".join(o.formula.split()), "=" + o.excel)
            for o in OUTPUTS.values()]
    for b in BLOCKS.values():
        out += [(f"{b.name}.{r.key}", "yearly row", r.label, r.unit, sec(b.section), f"{b.title}, each year",
                 "=" + r.excel) for r in b.rows]
    out += [(c.name, "check", c.label, "1 = OK", sec(c.section), c.description, "=" + c.excel)
            for c in CHECKS.values()]
    return out


def write_definitions(b: Book) -> None:
    ws = b.sheet("Definitions", "checks")
    st = b.st
    ws.write(0, 0, "Definitions", st.title)
    ws.write(1, 0, "Every name in the workbook, generated from the model's registry. In the Excel column, "
                   "[key] is the same year's cell of a yearly row, [key<] the previous year's, [key>] the next "
                   "year's, [block.key:] the whole row.", st.subtitle)
    for c, h in enumerate(COLUMNS):
        ws.write(3, c, h, st.header)
    r = 3
    # the definition and the Excel text wrap within their columns, each row as tall as its longer one (no engine
    # sizes a row on opening; text running on was cut at the printed page's edge)
    styles = (st.name_top, st.text_top, st.text_top, st.text_top, st.text_top, st.note_wrap, st.code_wrap)
    for row in rows():
        r += 1
        for c, text in enumerate(row):
            ws.write_string(r, c, text, styles[c])
        fit_row(ws, r, max(text_lines(row[5], WIDTHS[5]), text_lines(row[6], WIDTHS[6], CODE_PER_WIDTH)))
    ws.autofilter(3, 0, r, len(COLUMNS) - 1)
    for c, w in enumerate(WIDTHS):
        ws.set_column(c, c, w)
    ws.freeze_panes(4, 1)
    b.print_layout(ws, r, len(COLUMNS) - 1, header=3)
