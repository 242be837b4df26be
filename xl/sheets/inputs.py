"""The Inputs sheet: one column per template, the live column, constants, and the axes of the exhibits."""

from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from model.exhibits import BUY_RENT
from model.registry import CONSTANTS, INPUTS, SECTIONS

from ..book import Book
from ..styles import display_unit

# Layout (0-based), shared with xl/carry.py which reads edited workbooks back
INPUTS_HEADER_ROW = 3
SOURCE_WIDTH = 70  # the Source note column: notes wrapped within it (they ran past the printed page)
INPUTS_FIXED_COLUMNS = ("Input", "Name", "Unit", "Domain", "Min", "Max", "Live value")
TEMPLATE_COL0 = len(INPUTS_FIXED_COLUMNS)  # first template column (H)
SOURCE_HEADER = "Source note"
MIN_COL, MAX_COL = 4, 5  # an input row's domain bounds (E, F): the Checks sheet and the data validation read them
AXES_TITLE = "Sensitivity and chart axes"
SELECTOR_ROW, SELECTOR_COL = 2, 6  # the scenario NUMBER (the template column's position): G3, over "Live value"
SELECTOR_CELL = xl_rowcol_to_cell(SELECTOR_ROW, SELECTOR_COL, row_abs=True, col_abs=True)  # $G$3, as names read it
SELECTOR_REF, SELECTOR_LABEL_REF = xl_rowcol_to_cell(SELECTOR_ROW, SELECTOR_COL), xl_rowcol_to_cell(SELECTOR_ROW, 0)
SELECTOR_LABEL = "Scenario number (template column)"
AXES_HEAD = ("Axis", "Name", "Unit", "Domain", "Base case (live)")  # column A of the axes block's head rows

# Axes of the sensitivity grids and chart sweeps: (key, label, input whose domain applies, values)
AXES = (
    ("serving_utilization", "Serving utilization", "serving_utilization", [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]),
    ("optimization_multiplier", "Optimization multiplier", "optimization_multiplier", [1, 1.5, 2, 3, 4, 5]),
    ("rental_price_per_gpu_hour", "Market GPU-hour price", "rental_price_per_gpu_hour", [1.5, 2.0, 2.5, 3.0, 3.5, 4.0]),
    ("cost_of_equity", "Cost of equity", "cost_of_equity", [0.10, 0.15, 0.20, 0.25, 0.30, 0.40]),
    ("batch_size", "Batch size", "batch_size", [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]),
    ("contracted_share", "Contracted share (returns)", "contracted_share", [0, 0.25, 0.5, 0.75, 1]),
    (BUY_RENT.axis, "GPU utilization (buy vs rent)", BUY_RENT.axis, list(BUY_RENT.points)),
)


def write_inputs(b: Book, ws) -> None:
    st = b.st
    n_t = len(b.scenarios)
    b.t_col0 = TEMPLATE_COL0
    last_t = b.t_col0 + n_t - 1
    src_col = last_t + 1
    ws.write(0, 0, "Inputs", st.title)
    ws.write(1, 0, "Blue cells on a pale fill are inputs: one column per template. The live value (column G) "
                   f"takes the template whose column number is in {SELECTOR_REF}. Data validation "
                   "enforces each domain.", st.subtitle)
    write_selector(b, ws)
    heads = [*INPUTS_FIXED_COLUMNS, *(s.header for s in b.scenarios),
             SOURCE_HEADER]
    b.header_row = INPUTS_HEADER_ROW
    for c, h in enumerate(heads):  # over numbers (min, max, live value, templates): right, as the numbers
        ws.write_string(b.header_row, c, h, st.header_num if 4 <= c < len(heads) - 1 else st.header)
    ws.set_row(b.header_row, 27)  # two lines: room for "<template> (overridden)"
    b.template_header = (f"Inputs!${xl_col_to_name(b.t_col0)}${b.header_row + 1}:"
                         f"${xl_col_to_name(last_t)}${b.header_row + 1}")
    r = b.header_row + 1
    ws.write(r, 0, "Constants", st.section)
    r += 1
    for c in CONSTANTS.values():
        b.line_head(ws, r, c.label, c.name, c.unit)
        if c.excel:  # one source per fact: 730 is 8760 / 12 (a calculation: black, not a typed constant's grey)
            b.formula(ws, r, 6, c.excel, st.value(c.unit), c.value)
        else:  # the DSCR sentinel as 1E+300, not ### in a column of rates and hours; irr_tolerance as 1E-07, not 0.00%
            big_or_tiny = abs(c.value) >= 1e9 or 0 < abs(c.value) < 1e-4
            ws.write_number(r, 6, c.value, st.const_big if big_or_tiny else st.value(c.unit, "const"))
        b.name_cell(c.name, "Inputs", r, 6)
        r += 1
    for sec, (_, title) in SECTIONS.items():
        r += 1
        b.section_row(ws, r, title, src_col)
        r += 1
        for name, spec in INPUTS.items():
            if spec.section != sec:
                continue
            _input_row(b, ws, r, name, spec, last_t, src_col)
            r += 1
    r, groups = write_axes(b, ws, r + 1, src_col)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 32)
    ws.set_column(2, 3, 12)
    ws.set_column(4, 5, 8)
    ws.set_column(6, last_t + 6, 13)
    ws.set_column(src_col, src_col, SOURCE_WIDTH)
    ws.freeze_panes(b.header_row + 1, 2)
    # the axes on pages of their own, a group of them a page (the second group's last points ran onto another)
    b.print_layout(ws, r, src_col, breaks=groups, header=b.header_row)


def template_columns(b: Book) -> str:
    """What each scenario number selects: "1 = seed; 2 = coreweave; ..." (the selector's prompt, and the notes
    beside it and on the Cover)."""
    return "; ".join(f"{i + 1} = {s.name}" for i, s in enumerate(b.scenarios))


def write_selector(b: Book, ws) -> None:
    """The scenario selector, an input like any other: the column number of the live template. Selection by
    position: a name typed by a user is never matched (MATCH ignores case and reads * ? ~ as wildcards); the
    name shown beside it is the header at that position."""
    st = b.st
    n = len(b.scenarios)
    listing = template_columns(b)
    ws.write_string(SELECTOR_ROW, 0, SELECTOR_LABEL, st.text)
    ws.write_number(SELECTOR_ROW, SELECTOR_COL, b.selected + 1, st.selector)
    ws.data_validation(SELECTOR_ROW, SELECTOR_COL, SELECTOR_ROW, SELECTOR_COL,
                       {"validate": "integer", "criteria": "between", "minimum": 1, "maximum": n,
                        "input_title": "Scenario", "input_message": listing[:255], "error_title": "Unknown template",
                        "error_message": f"A template column number, 1 to {n}"})
    ws.write_string(SELECTOR_ROW, TEMPLATE_COL0, f"Template columns: {listing}"[:32_000], st.note)
    b.wb.define_name("scenario_number", f"=Inputs!{SELECTOR_CELL}")


def write_axes(b: Book, ws, r: int, src_col: int) -> tuple[int, list[int]]:
    """The axes of the sensitivity grids, exhibit sweeps and returns by share: a block of its own below the
    inputs, one axis per column in columns B..G (left of the template columns and the source notes; more axes
    than fit go to a second group below). Head rows: label, name, unit, domain, the live input (the base case);
    then the points. Returns the last row and the rows that start a printed page: the block, each later group."""
    starts = [r]
    b.section_row(ws, r, f"{AXES_TITLE}: inputs of the Sensitivity grids, the exhibit sweeps and the returns by "
                         "contracted share; the base case is the live input (outlined where a point equals it)",
                  src_col)
    per = TEMPLATE_COL0 - 1  # columns B..G
    for g in range(0, len(AXES), per):
        if g:
            starts.append(r + 2)
        r = _axes_group(b, ws, r + (1 if g == 0 else 2), AXES[g:g + per])  # a blank row between groups
    b.axis_values = {k: [float(x) for x in v] for k, _, _, v in AXES}
    return r, starts


def _axes_group(b: Book, ws, r: int, axes: tuple) -> int:
    """Head rows and points of some axes from row r; returns the group's last row."""
    st = b.st
    ws.set_row(r, 27)  # two lines of wrapped axis labels
    ws.set_row(r + 1, 40)  # and of the axes' names
    for i, head in enumerate(AXES_HEAD):
        ws.write_string(r + i, 0, head, st.header if i == 0 else st.text_top)
    for j, (key, label, inp, vals) in enumerate(axes):
        c, unit = 1 + j, INPUTS[inp].unit
        ws.write_string(r, c, label, st.header)
        ws.write_string(r + 1, c, key, st.name_wrap)
        ws.write_string(r + 2, c, unit, st.unit)
        ws.write_string(r + 3, c, INPUTS[inp].domain.text(), st.unit)
        b.formula(ws, r + 4, c, inp, st.value(unit, "live"), b.base[inp])
        refs = []
        for i, v in enumerate(vals):
            ws.write_number(r + 5 + i, c, v, st.value(unit, "input"))
            validate(ws, r + 5 + i, c, inp, b.input_rows[inp])
            refs.append(f"Inputs!{xl_rowcol_to_cell(r + 5 + i, c, row_abs=True, col_abs=True)}")
        b.axis_cells[key] = refs
        first, last = xl_rowcol_to_cell(r + 5, c), xl_rowcol_to_cell(r + 4 + len(vals), c)
        base = xl_rowcol_to_cell(r + 4, c, row_abs=True)
        ws.conditional_format(f"{first}:{last}", {"type": "formula", "criteria": f"=ROUND({first}-{base},9)=0",
                                                  "format": st.base_case})
    longest = max(len(v) for *_, v in axes)
    for i in range(longest):
        ws.write_string(r + 5 + i, 0, f"Point {i + 1}", st.text)
    return r + 4 + longest


def _input_row(b: Book, ws, r: int, name: str, spec, last_t: int, src_col: int) -> None:
    st = b.st
    dom = spec.domain
    b.line_head(ws, r, spec.label, name, spec.unit)
    ws.write(r, 3, dom.text(), st.unit)
    if dom.lo is not None:
        ws.write_number(r, MIN_COL, dom.lo, st.value(spec.unit, "const"))
    if dom.hi is not None:
        ws.write_number(r, MAX_COL, dom.hi, st.value(spec.unit, "const"))
    first = xl_rowcol_to_cell(r, b.t_col0)
    last = xl_rowcol_to_cell(r, last_t)
    shown = display_unit(spec.unit, *(s.values[name] for s in b.scenarios))
    if dom.integer and spec.unit == "years":  # a whole number of years: as an integer
        shown = "year"
    b.formula(ws, r, 6, f"INDEX({first}:{last},1,scenario_number)", st.value(shown, "live"), b.base[name])
    b.name_cell(name, "Inputs", r, 6)
    notes = []
    for i, s in enumerate(b.scenarios):
        if name in s.overrides:
            ws.write_number(r, b.t_col0 + i, float(s.values[name]), st.value(shown, "overridden"))
            ws.write_comment(r, b.t_col0 + i, f"--set: template value {s.overrides[name]:g}",
                             {"author": "build_workbook"})
        else:
            ws.write_number(r, b.t_col0 + i, float(s.values[name]), st.value(shown, "input"))
        validate(ws, r, b.t_col0 + i, name, r)
        src = s.sources.get(name, "")
        if src and not src.startswith("seed: ") and (i == 0 or src):
            notes.append(src if i == 0 else f"{s.name}: {src}")
    b.wrapped(ws, r, src_col, "; ".join(notes), SOURCE_WIDTH)
    b.input_rows[name] = r


def bound_cells(row: int) -> tuple[str, str]:
    """An input row's Min and Max cells, absolute (unqualified: on the Inputs sheet)."""
    return (xl_rowcol_to_cell(row, MIN_COL, row_abs=True, col_abs=True),
            xl_rowcol_to_cell(row, MAX_COL, row_abs=True, col_abs=True))


def validate(ws, r: int, c: int, name: str, bounds: int) -> None:
    """Excel's data validation of an input cell (r, c) by its domain, whose bounds it reads from the Min and Max
    cells (columns E and F) of row `bounds`, the input's own row: one source for the Checks sheet and for this."""
    dom = INPUTS[name].domain
    msg = f"{name}: allowed {dom.text()}"
    common = {"input_title": name[:32], "input_message": f"Allowed: {dom.text()}"[:255],
              "error_title": "Outside the domain", "error_message": msg[:255], "error_type": "stop",
              "ignore_blank": False}  # an input wants a number (the Checks sheet fails a cleared one too)
    mn, mx = bound_cells(bounds)
    if dom.integer:
        ws.data_validation(r, c, r, c, {"validate": "integer", "criteria": "between",
                                        "minimum": f"={mn}", "maximum": f"={mx}", **common})
    elif dom.hi is None:
        crit = ">" if dom.lo_open else ">="
        ws.data_validation(r, c, r, c, {"validate": "decimal", "criteria": crit, "value": f"={mn}", **common})
    elif not dom.lo_open and not dom.hi_open:
        ws.data_validation(r, c, r, c, {"validate": "decimal", "criteria": "between",
                                        "minimum": f"={mn}", "maximum": f"={mx}", **common})
    else:
        cell = xl_rowcol_to_cell(r, c)
        lo = f"{cell}{'>' if dom.lo_open else '>='}{mn}"
        hi = f"{cell}{'<' if dom.hi_open else '<='}{mx}"
        ws.data_validation(r, c, r, c, {"validate": "custom", "value": f"=AND(ISNUMBER({cell}),{lo},{hi})",
                                        **common})
