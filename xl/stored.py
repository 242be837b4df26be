"""A second look at a saved workbook, on an error only: whether a cell whose value is empty holds a formula, one
saved without its result by a program that does not calculate (openpyxl, pandas). openpyxl alone, no XlsxWriter:
the scenario reader (cli/scenarios_xlsx.py) and the edited-workbook reader (xl/carry.py) both ask."""

from __future__ import annotations

from pathlib import Path

NOT_CALCULATED = ("a formula without a stored result (saved by a program that does not calculate: open and save it "
                  "in Excel or LibreOffice)")


def holds_formula(path: str | Path, sheet: str, row: int, col: int | None = None) -> bool:
    """Whether cell (row, col) of `sheet`, from 1, holds a formula (col None: any cell from `row` down). False
    where the file cannot be read again: the value is empty all the same."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
        try:
            ws = wb[sheet]
            ws.reset_dimensions()  # a stray formatted cell far out would pad every row read
            rows = ws.iter_rows(min_row=row, max_row=None if col is None else row, min_col=col, max_col=col,
                                values_only=True)
            return any(isinstance(v, str) and v.startswith("=") for cells in rows for v in cells)
        finally:
            wb.close()
    except Exception:  # noqa: BLE001 - only the message depends on it
        return False
