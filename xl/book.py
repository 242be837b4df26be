"""The state every sheet writer shares: the workbook, its styles, where each name lives, the stored values.

Every formula is written with the value `model/` computes for it, so the file shows
correct numbers where nothing recalculates; Excel and LibreOffice recalculate on open.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet, convert_column_args

import model
from model import xp
from model.registry import BLOCKS, CHECKS, OUTPUTS, block_rows

from .formula import RANGE_RE, row_formula
from .styles import TAB, Styles

YEAR_COL0 = 5  # first year column of a block (F)
# inputs a total adds as they are: shown as link rows just above it (section sheets, Scenario calc, the cost stack
# by template), so that the stack foots from visible lines
LINKS = {"total_cost_per_gpu_hour": ("ops_per_gpu_hour",)}
OVERRIDDEN = " (overridden)"  # appended to a template's column header when --set changed one of its inputs


# Printing: a sheet runs to as many pages across as keep 10-pt text at 6 pt or more (it printed at 3.5-5 pt on one
# page wide), its first column repeated on each. LibreOffice prints a column of width w about 7.0-7.25·w points wide
# at 100% (measured on every sheet here; the upper end, so that a set scale never spills a column onto one more
# page); Excel's columns are narrower, so its scale comes out larger.
DEFAULT_WIDTH = 8.43  # Excel's default column width, in characters
PRINT_PT_PER_WIDTH = 7.25
MIN_PRINT_SCALE = 0.6
PAPER = {"A4": (9, 842.0), "A3": (8, 1191.0)}  # XlsxWriter's paper code, the landscape width in points
PRINT_MARGINS_PT = 2 * 0.7 * 72  # XlsxWriter's default left and right margins, 0.7 in each


def _pages(wide: list[float], capacity: float, repeat: float) -> tuple[int, bool]:
    """Pages across for columns `wide` points wide, each page holding `capacity` points, the pages after the first
    starting with `repeat` points of repeated column (a column is never split, as the engines print them), and
    whether every page holds its columns (a column wider than a page overflows it whatever the count)."""
    pages, used, fits = 1, 0.0, True
    for w in wide:
        if used + w > capacity and used > (repeat if pages > 1 else 0.0):
            pages, used = pages + 1, repeat
        used += w
        fits = fits and used <= capacity
    return pages, fits


def pages_across(widths: list[float], paper: str = "A4", repeat_first: bool = True,
                 most: int | None = None) -> tuple[int, int]:
    """How many landscape pages across print columns of these widths at MIN_PRINT_SCALE or more (or `most`), the
    first column repeated on each page after the first, and the largest scale in percent (at most 100) at which
    they fit that many pages."""
    wide = [PRINT_PT_PER_WIDTH * w for w in widths]
    printable = PAPER[paper][1] - PRINT_MARGINS_PT
    repeat = wide[0] if repeat_first and len(wide) > 1 else 0.0
    n, _ = _pages(wide, printable / MIN_PRINT_SCALE, repeat)
    n = n if most is None else min(n, most)

    def holds(s: int) -> bool:  # the columns on n pages at s%, none cut
        pages, fits = _pages(wide, printable * 100 / s, repeat)
        return pages <= n and fits

    return n, next((s for s in range(100, 9, -1) if holds(s)), 10)  # 10%: the least a page set-up takes


def r9(x: float) -> float:
    """Excel's ROUND(x, 9), for the stored results of the checks."""
    return xp.round_(float(x), 9)


def agree_excel(copy: str, live: str, relative: bool = False) -> str:
    """A writer-level check that a copy of a number equals the live one: ROUND of the difference (relative: over
    the live value's size, at least 1) to 9 decimals is 0; an error in the live cell passes (its own check's
    business), an error in the copy alone fails."""
    diff = f"({copy}-{live})/MAX(1,ABS({live}))" if relative else f"{copy}-{live}"
    return f"IFERROR(IF(ROUND({diff},9)=0,1,0),IFERROR({live}*0,1))"


def agree(copy: float, live: float, relative: bool = False) -> int:
    """agree_excel's result on the model's values (an undefined value, nan, is the workbook's #N/A)."""
    if live != live:
        return 1
    return int(copy == copy and r9((copy - live) / (max(1.0, abs(live)) if relative else 1.0)) == 0)


NOTE_PER_WIDTH = 1.3  # characters of 10-pt italic prose per unit of column width (words wrap early; 1.4 fit
# in LibreOffice's wider fallback fonts)
CODE_PER_WIDTH = 0.95  # characters of a 9-pt monospace formula per unit (no spaces to wrap at; fallback fonts)


def text_lines(text: str, width: float, per_width: float = NOTE_PER_WIDTH) -> int:
    """The lines `text` wraps to in a column `width` wide (an estimate on the safe side)."""
    return max(1, -(-len(text) // int(width * per_width)))


def fit_row(ws, r: int, lines: int) -> None:
    """Row r tall enough for `lines` lines of wrapped text (no engine sizes a row when it opens a file)."""
    if lines > 1:
        ws.set_row(r, 13 * lines + 2)


def clean(v):
    """A value XlsxWriter can store as a formula's cached result."""
    if v is None:
        return 0
    if isinstance(v, str):
        return v
    v = float(v) + 0.0  # -0.0 + 0.0 is 0.0: no negative zero stored
    if math.isinf(v):  # an overflow (extreme inputs within their domains): what Excel shows for it; an "inf"
        return "#NUM!"  # in the file is no number to Excel, which would offer to repair the file
    return "#N/A" if math.isnan(v) else v


class ExactWorksheet(Worksheet):
    """A worksheet whose numbers read back exactly (`aie evaluate --xlsx` writes its results on one)."""

    def _xml_number_element(self, number, attributes=()) -> None:
        """A number cell with the shortest text that reads back to the same double (XlsxWriter writes 16
        significant digits: 0.30000000000000004 would become 0.3, and the largest float would overflow to inf)."""
        attr = "".join(f' {key}="{self._escape_attributes(value)}"' for key, value in attributes)
        text = repr(float(number))
        self.fh.write(f"<c{attr}><v>{text[:-2] if text.endswith('.0') else text}</v></c>")


class PlainWorksheet(ExactWorksheet):
    """A worksheet that skips XlsxWriter's rewriting of post-2007 function names, and keeps its column widths
    (`widths`, for the print set-up: how many pages across keep the text legible).

    Our formulas use only functions every engine computes (Excel 2007, LibreOffice 7.4,
    `formulas`; tests/test_workbook_structure.py enforces the list), none of which needs an
    `_xlfn.` prefix, so the ~60 regular-expression passes per formula are pure cost.
    """

    def __init__(self) -> None:
        super().__init__()
        self.widths: dict[int, float] = {}

    @convert_column_args  # "A:D" as XlsxWriter's own method takes it
    def set_column(self, first_col: int, last_col: int, width: float | None = None, cell_format=None,
                   options: dict | None = None):
        for c in range(first_col, last_col + 1):
            self.widths[c] = DEFAULT_WIDTH if width is None else width
        return super().set_column(first_col, last_col, width, cell_format, options)

    def _prepare_formula(self, formula, expand_future_functions=False):
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula


@dataclass
class Scenario:
    name: str
    values: dict
    sources: dict = field(default_factory=dict)
    description: str = ""
    overrides: dict = field(default_factory=dict)  # --set: name -> the template's own value

    @property
    def header(self) -> str:
        """The template's column header on the Inputs sheet: its name, marked when --set changed an input."""
        return self.name + (OVERRIDDEN if self.overrides else "")


@dataclass
class BuildResult:
    path: str
    sheets: list[str]
    formulas: int
    master_check: bool
    headlines: dict


class Walk(NamedTuple):
    """One scenario's evaluation as the workbook stores it: its outputs, its block rows (block -> key -> years) and
    its checks (name -> 1 or 0), all from one walk of the model."""

    outputs: dict[str, float]
    rows: dict[str, dict[str, list]]
    checks: dict[str, int]


class Book:
    """One workbook being written: sheets add cells here and read each other's through it."""

    def __init__(self, path: str, scenarios: list[Scenario], selected: int, udf_sheet: bool | str = False):
        self.scenarios = scenarios
        self.selected = selected
        self.udf_sheet = udf_sheet
        self.n_formulas = 0
        self.cells: dict[str, tuple[str, str]] = {}  # name -> (sheet, absolute cell)
        self.block_rows: dict[str, dict[str, int]] = {}  # block -> row key -> 1-based row
        self.block_sheet: dict[str, str] = {}
        self.walks = [self.walk(s.values) for s in scenarios]  # each template's, once (Scenario calc, exhibits)
        self.values, self.block_values, self.check_results = self.walks[selected]
        self.sheets: list[str] = []
        self.extra_checks: list[tuple[str, str, int, str]] = []  # writer-level checks: label, Excel, value, note
        self.ranges: dict[str, object] = {}  # exhibit name -> what its chart reads
        # strings_to_formulas off and write_string for template text: a name or note starting with
        # = + - @ stays text, never a formula
        self.wb = xlsxwriter.Workbook(path, {"in_memory": True, "strings_to_numbers": False,
                                             "strings_to_formulas": False, "strings_to_urls": False})
        self.wb.set_properties({"title": "AI inference economics", "subject": "Formula-driven model",
                                "comments": "Generated by build_workbook.py; every number is a live formula"})
        self.st = Styles(self.wb)
        # set by the Inputs sheet
        self.input_rows: dict[str, int] = {}
        self.t_col0 = 0
        self.header_row = 0
        self.template_header = ""
        self.axis_cells: dict[str, list[str]] = {}
        self.axis_values: dict[str, list[float]] = {}

    @property
    def base(self) -> dict:
        return self.scenarios[self.selected].values

    @staticmethod
    def walk(values: dict) -> Walk:
        """One scenario's outputs (as model.compute gives them), block rows and checks, from one walk."""
        from model.graph import context

        ctx = context(values)
        rows = {b.name: block_rows(b.func(*(ctx[p] for p in b.params), keep_rows=True)) for b in BLOCKS.values()}
        return Walk({o: float(ctx[o]) for o in OUTPUTS}, rows, {c: int(ctx[c]) for c in CHECKS})

    def formula(self, ws, row: int, col: int, text: str, fmt, value) -> None:
        ws.write_formula(row, col, "=" + text, fmt, clean(value))
        self.n_formulas += 1

    def year_row(self, ws, row: int, excel: str, block: str, cell, fmt, values: list, gap: bool = False) -> None:
        """A block row's formula in each year column. A row that is #N/A by definition in some years (a DSCR
        without debt service) shows that #N/A in grey (any other error stays black); a row that holds the DSCR
        sentinel there reads "none"; a check's `gap` row reads "–" where the gap rounds to 0 cents."""
        years = len(values)
        for t in range(years):
            self.formula(ws, row, YEAR_COL0 + t, row_formula(excel, block, cell, t, years), fmt, values[t])
        span, corner = (row, YEAR_COL0, row, YEAR_COL0 + years - 1), xl_rowcol_to_cell(row, YEAR_COL0)
        if "NA()" in excel:
            ws.conditional_format(*span, {"type": "formula", "criteria": f"=ISNA({corner})",
                                          "format": self.st.not_applicable})
        if "dscr_sentinel" in excel:
            ws.conditional_format(*span, {"type": "cell", "criteria": ">=", "value": "dscr_sentinel",
                                          "format": self.st.none})
        if gap:  # float noise (1e-8 of $100m) is no gap: not a red "-$0"
            ws.conditional_format(*span, {"type": "formula", "criteria": f"=ROUND({corner},2)=0",
                                          "format": self.st.no_gap})

    def name_cell(self, name: str, sheet: str, row: int, col: int) -> None:
        cell = xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)
        self.wb.define_name(name, f"='{sheet}'!{cell}")
        self.cells[name] = (sheet, cell)

    def along(self, changes: list[dict], outputs: tuple[str, ...]) -> list[dict]:
        """`outputs` of the selected scenario with each set of changes: one plain-float evaluation of just
        what they read, per point (a few dozen points; cheaper than importing numpy for one vectorised call)."""
        return [model.compute({**self.base, **c}, outputs) for c in changes]

    def sheet(self, title: str, kind: str):
        ws = self.wb.add_worksheet(title, worksheet_class=PlainWorksheet)
        ws.set_tab_color(TAB[kind])
        ws.hide_gridlines(2)
        # no password: protection guards formulas against slips; input cells are unlocked
        # objects unprotected: charts can be selected, copied and resized
        ws.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True,
                        "select_unlocked_cells": True, "objects": True})
        ws.set_footer("&L&F&C&A&RPage &P of &N")  # file, sheet, page
        ws.set_paper(9)  # A4
        self.sheets.append(title)
        return ws

    @staticmethod
    def print_layout(ws, last_row: int, last_col: int, paper: str = "A4", repeat_first: bool = True,
                     breaks: list[int] | None = None, most: int | None = None, tall: int = 0,
                     header: int | None = None) -> None:
        """Print rows 0..last_row and columns 0..last_col landscape on `paper`, as many pages across as keep the
        text legible (pages_across), the first column repeated on each; as many pages down as it takes, a band of
        rows across all its pages before the next (a line item reads on through its years). With page `breaks`
        (rows that start a page) the scale is set rather than fitted: Excel ignores manual breaks under fit-to.
        `most`: at most that many pages across, whatever the scale (the charts: one, so that none is cut); `tall`:
        that many pages down at most (0: as many as it takes); `header`: a row printed atop every page (the frozen
        header row: the years or the column heads)."""
        widths = [ws.widths.get(c, DEFAULT_WIDTH) for c in range(last_col + 1)]
        ws.set_paper(PAPER[paper][0])
        ws.set_landscape()
        ws.print_area(0, 0, last_row, last_col)
        across, scale = pages_across(widths, paper, repeat_first, most)
        if breaks:
            ws.set_print_scale(scale)
            ws.set_h_pagebreaks(breaks)
        else:
            ws.fit_to_pages(across, tall)
        ws.print_across()
        if header is not None:
            ws.repeat_rows(header)
        if repeat_first and last_col > 0:
            ws.repeat_columns(0, 0)

    def line_head(self, ws, r: int, label: str, name: str, unit: str, copy: bool = False) -> None:
        """The three leading cells of a line: label, name, unit (in their styles); `copy`: the named cell is not on
        this row (a template's or an axis point's recomputation, a link), so the name is in italics."""
        ws.write(r, 0, label, self.st.text)
        ws.write(r, 1, name, self.st.name_copy if copy else self.st.name)
        ws.write(r, 2, unit, self.st.unit)

    def wrapped(self, ws, r: int, c: int, text: str, width: float, fmt=None) -> None:
        """A note wrapped in column c (`width` as set_column has it; `fmt` a wrapping format, by default at the
        bottom like the cells beside it), its row made tall enough: no engine sizes a row on opening, and text
        running on over the next columns is cut where a printed page ends."""
        ws.write_string(r, c, text, fmt or self.st.note_wrap_low)
        fit_row(ws, r, text_lines(text, width))

    def section_row(self, ws, r: int, title: str, last_col: int) -> None:
        """A section header across columns 0..last_col."""
        ws.write(r, 0, title, self.st.section)
        for c in range(1, last_col + 1):
            ws.write_blank(r, c, None, self.st.section)

    def template_cell(self, name: str, i: int) -> str:
        """Absolute reference to template i's value of input `name` on the Inputs sheet."""
        return f"Inputs!{xl_rowcol_to_cell(self.input_rows[name], self.t_col0 + i, row_abs=True, col_abs=True)}"

    def block_cell(self, sheet: str):
        """A reference to year t's cell of row `key` of a block, from a formula on `sheet`."""

        def cell(block: str, key: str, t: int, absolute: bool = False) -> str:
            ref = xl_rowcol_to_cell(self.block_rows[block][key] - 1, YEAR_COL0 + t, row_abs=absolute,
                                    col_abs=absolute)
            other = self.block_sheet[block]
            return ref if other == sheet else f"'{other}'!{ref}"

        return cell

    def resolve_ranges(self, excel: str) -> str:
        """A summary formula's [block.key:] / [block.key@t] / [block.key@t:] as ranges of the laid-out block."""

        def repl(m):
            block, key, first, ranged = m.group(1), m.group(2), m.group(4), m.group(5)
            b = BLOCKS[block]
            row = self.block_rows[block][key]
            sheet = self.block_sheet[block]
            start = YEAR_COL0 + int(first or 0)
            if first is not None and not ranged:
                return f"'{sheet}'!${xl_col_to_name(start)}${row}"
            return f"'{sheet}'!${xl_col_to_name(start)}${row}:${xl_col_to_name(YEAR_COL0 + b.years - 1)}${row}"

        return RANGE_RE.sub(repl, excel)
