"""Scenarios from an Excel workbook (.xlsx, .xlsm): its first visible worksheet read as a CSV, a header of input
names (the first row with anything in it), then a row per scenario; a first column named scenario (or without a name)
labels the rows. Values are those Excel stored when it last saved the file: a formula's result, where a spreadsheet
calculated it. Every problem is an InputError naming the cell: its input, scenario, row and sheet.

And the results back to a workbook (`evaluate --xlsx`): the CSV's columns on a sheet, their units on another.
"""

from __future__ import annotations

import datetime as dt
import zipfile
import zlib
from pathlib import Path

import numpy as np

from model.errors import InputError
from model.registry import INPUTS
from model.validate import short
from xl.stored import NOT_CALCULATED, holds_formula

from .scenarios import check_header

MAX_ROWS = 1_048_575  # a sheet's rows below its header
# cells of the results sheet: ~40 bytes each in its XML, which the zip holds without ZIP64 up to 2 GB (a ZIP64
# workbook of several GB that LibreOffice may call corrupt and Excel takes minutes to open helps no one)
MAX_CELLS = 40_000_000
MAX_UNPACKED = 2_000_000_000  # bytes: Excel's 1,048,576 rows of a dozen inputs unpack to well under this
ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA")


def _open(path: Path, where: str, values: bool = True):
    import openpyxl

    if not path.is_file():  # a folder, or nothing there: not "not a workbook"
        raise InputError(f"{where}: {'a folder' if path.is_dir() else 'file not found'}")
    if not zipfile.is_zipfile(path):
        raise InputError(f"{where}: not an .xlsx workbook (an old .xls, or text named .xlsx? save it from Excel as "
                         "an Excel Workbook, .xlsx)")
    with zipfile.ZipFile(path) as z:
        unpacked = sum(i.file_size for i in z.infolist())
    if unpacked > MAX_UNPACKED:
        raise InputError(f"{where}: unpacks to {unpacked / 1e6:,.0f} MB, more than a sheet of scenarios can; "
                         "refusing to open it")
    try:  # read-only: rows are parsed as they are read, not held
        return openpyxl.load_workbook(path, read_only=True, data_only=values)
    except Exception as e:  # noqa: BLE001 - openpyxl's parse alone: a chart sheet raises AttributeError, an
        if isinstance(e, MemoryError):  # encrypted part RuntimeError; any failure here is the file's
            raise
        raise InputError(f"{where}: cannot read it as an .xlsx workbook ({str(e).strip() or type(e).__name__})") \
            from None


def _sheet(wb, where: str):
    """The first visible worksheet (a hidden one holds what its author put away; a chart sheet holds no cells)."""
    shown = [ws for ws in wb.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
    if not shown:
        raise InputError(f"{where}: no visible worksheet in it (the scenarios are read from the first one)")
    ws = shown[0]
    ws.reset_dimensions()  # a stray formatted cell at XFD1048576 would pad every row read to 16,384 cells
    return ws


def _header(ws, where: str) -> tuple[list[str], int, bool]:
    """The first row with anything in it, as names (trailing empty cells dropped), its row number, and whether its
    first column labels the rows."""
    for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = list(row)
        while cells and _blank(cells[-1]):
            cells.pop()
        if not cells:
            continue
        for c, v in enumerate(cells, start=1):
            if v is not None and not isinstance(v, str):
                raise InputError(f"{where}: cell {_cell(c, r)} of the header is {v!r}, not an input name (sheet "
                                 f"{ws.title!r})")
        names = [(v or "").strip() for v in cells]
        return names, r, check_header(names, where, lambda c, r=r: f"cell {_cell(c, r)}", f" (sheet {ws.title!r})")
    raise InputError(f"{where}: no inputs in it (sheet {ws.title!r} is empty)")


def _cell(col: int, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


def _blank(v: object) -> bool:
    """An empty cell, or one of spaces only."""
    return v is None or (isinstance(v, str) and not v.strip())


def _number(v: object) -> float | None:
    """A cell's value as a number, None where it is none (empty, text, a date, TRUE, an error)."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            x = float(v.strip().replace("_", ""))  # a number stored as text (Excel's green triangle)
        except ValueError:
            return None
        return None if x != x else x  # "nan" is text
    return None


def _what(v: object) -> str:
    if _blank(v):
        return "empty"
    if isinstance(v, bool):
        return "TRUE/FALSE, not a number"
    if isinstance(v, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        return "a date or time, not a number"
    if isinstance(v, str) and v.strip() in ERRORS:
        return "an Excel error value, not a number"
    return "not a number"


def read_xlsx(path: Path, where: str, notes: list[str] | None = None) -> tuple[dict[str, np.ndarray], list[str] | None]:
    """The inputs of the first visible worksheet, one float per scenario each, and the rows' labels where it has
    them (a label on a row without values goes to `notes`: a row of notes, no scenario)."""
    try:
        return _read(path, where, notes)
    except (SyntaxError, KeyError, EOFError, ValueError, zipfile.BadZipFile, zlib.error, RuntimeError,
            NotImplementedError) as exc:  # a damaged part (XML, zip, zlib), an encrypted or Deflate64 one
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{where}: cannot read it as an .xlsx workbook ({type(exc).__name__}: "
                         f"{str(exc).strip()[:80]})") from None


def _read(path: Path, where: str, notes: list[str] | None) -> tuple[dict[str, np.ndarray], list[str] | None]:
    wb = _open(path, where)
    try:
        ws = _sheet(wb, where)
        names, head, index = _header(ws, where)
        width = len(names)
        columns: list[list[float]] = [[] for _ in names[index:]]
        labels: list[str] = []
        for r, row in enumerate(ws.iter_rows(min_row=head + 1, values_only=True), start=head + 1):
            cells = list(row[:width]) + [None] * (width - len(row))
            beyond = next((c for c, v in enumerate(row[width:], start=width + 1) if not _blank(v)), None)
            values = cells[index:]
            if all(map(_blank, values)):
                if beyond is None:  # an empty row, or a label alone (a row of notes): no scenario, as in a CSV
                    if index and cells[0] is not None and str(cells[0]).strip() and notes is not None:
                        notes.append(str(cells[0]).strip())
                    continue
            if beyond is not None:
                raise InputError(f"{where}: cell {_cell(beyond, r)} has a value right of the header's last name "
                                 f"(sheet {ws.title!r})")
            label = "" if not index or cells[0] is None else str(cells[0]).strip()
            for j, v in enumerate(values):
                x = _number(v)
                if x is None or not np.isfinite(x):
                    name, i = names[index + j], len(labels)
                    shown = str(v) if isinstance(v, (dt.date, dt.time, dt.timedelta)) else short("" if v is None else v)
                    what = _what(v) if x is None else "infinite"
                    if v is None and holds_formula(path, ws.title, r, index + j + 1):
                        what = NOT_CALCULATED
                    place = f"scenario {label!r}, " if index else ""
                    raise InputError(f"{where}: {name}[{i}] = {shown} is {what} ({place}cell "
                                     f"{_cell(index + j + 1, r)} of sheet {ws.title!r}); allowed domain of {name}: "
                                     f"{INPUTS[name].domain.text()}")
                columns[j].append(x)
            labels.append(label)
    finally:
        wb.close()
    if not labels and holds_formula(path, ws.title, head + 1):
        raise InputError(f"{where}: no scenarios in it with stored values: the rows below the header hold formulas "
                         "without a stored result (saved by a program that does not calculate: open and save it in "
                         "Excel or LibreOffice)")
    given = {name: np.array(col, dtype=float) for name, col in zip(names[index:], columns)}
    return given, (labels if index and any(labels) else None)


def row_of(path: Path, i: int) -> str | None:
    """Where scenario i (from 0) is: 'row 7 of sheet 'Deals'' (read again, on an error only)."""
    try:
        wb = _open(path, "")
        try:
            ws = _sheet(wb, "")
            names, head, index = _header(ws, "")
            k = -1
            for r, row in enumerate(ws.iter_rows(min_row=head + 1, values_only=True), start=head + 1):
                if not all(map(_blank, row[index:len(names)])):
                    k += 1
                    if k == i:
                        return f"row {r} of sheet {ws.title!r}"
        finally:
            wb.close()
    except (InputError, OSError, ValueError, KeyError):
        return None
    return None


def write_xlsx(path: Path, given: dict, res: dict, labels: list[str] | None, about: dict[str, str]) -> None:
    """Sheet Scenarios: a header (scenario, the file's inputs, the outputs), then a row per scenario (each number
    the shortest text that reads back to the same float, as in the CSV); an undefined result is an empty cell, an
    infinite one the text inf, as in the CSV. Sheet Columns: each column's kind, unit and label, then where the
    values came from (`about`)."""
    import tempfile

    from xlsxwriter.exceptions import FileCreateError, FileSizeError

    from xl.atomic import OutputError

    with tempfile.TemporaryDirectory(prefix="aie-xlsx-") as rows_dir:  # XlsxWriter's row files: gone on any exit
        try:
            _write_xlsx(path, given, res, labels, about, rows_dir)
        except (FileCreateError, FileSizeError) as exc:  # not OSErrors: a full disk shows up as FileCreateError
            raise OutputError(f"--xlsx: {exc}") from None


def _write_xlsx(path: Path, given: dict, res: dict, labels: list[str] | None, about: dict[str, str],
                rows_dir: str) -> None:
    import math

    import xlsxwriter

    from model.registry import OUTPUTS
    from xl.book import ExactWorksheet

    # row by row (constant_memory): a million rows in bounded memory, streamed to files in rows_dir
    wb = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": rows_dir})
    bold = wb.add_format({"bold": True, "bottom": 1})
    ws = wb.add_worksheet("Scenarios", worksheet_class=ExactWorksheet)  # 17 digits where needed, as the CSV
    names = [*given, *res]
    ws.write_row(0, 0, ["scenario", *names], bold)
    ws.freeze_panes(1, 1)
    ws.set_column(0, len(names), 14)
    columns = [*given.values(), *res.values()]
    n = len(columns[0])
    step = 1 << 14
    for start in range(0, n, step):
        block = np.column_stack([np.asarray(c[start:start + step], dtype=float) for c in columns]).tolist()
        for k, row in enumerate(block):
            r = start + k + 1
            if labels is None:
                ws.write_number(r, 0, start + k)
            else:
                ws.write_string(r, 0, labels[start + k])
            for j, v in enumerate(row, start=1):
                if math.isfinite(v):
                    ws.write_number(r, j, v)
                elif v == v:
                    ws.write_string(r, j, "inf" if v > 0 else "-inf")
    about_ws = wb.add_worksheet("Columns")
    about_ws.write_row(0, 0, ["column", "kind", "unit", "label"], bold)
    for i, name in enumerate(names, start=1):  # write_string: text is text, never a formula (a file named =A1)
        spec = INPUTS[name] if name in given else OUTPUTS[name]
        for j, text in enumerate((name, "input" if name in given else "output", spec.unit, spec.label)):
            about_ws.write_string(i, j, text)
    r = len(names) + 2
    for key, text in about.items():
        about_ws.write_string(r, 0, key)
        about_ws.write_string(r, 1, text)
        r += 1
    about_ws.set_column(0, 0, 34)
    about_ws.set_column(3, 3, 60)
    wb.close()
