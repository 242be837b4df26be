"""Carry an analyst's edits from a workbook built earlier into a new build, or out to TOML."""

from __future__ import annotations

import re
import sys
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import get_column_letter, range_boundaries

import model
from model.errors import InputError
from model.registry import INPUTS, suggest
from model.templates import bundled, load
from model.validate import check_value

from .atomic import check_target, write_text
from .book import OVERRIDDEN, Scenario
from .output import write_workbook
from .sheets.inputs import (
    AXES,
    AXES_HEAD,
    AXES_TITLE,
    INPUTS_FIXED_COLUMNS,
    INPUTS_HEADER_ROW,
    SELECTOR_LABEL,
    SELECTOR_LABEL_REF,
    SELECTOR_REF,
    SOURCE_HEADER,
    TEMPLATE_COL0,
)
from .stored import NOT_CALCULATED, holds_formula

HEADER_ROW = INPUTS_HEADER_ROW + 1  # 1-based, as openpyxl counts
OLD_SELECTOR = "C6"  # where workbooks built before December 2026 kept the scenario selector: on the Cover


MAX_UNCOMPRESSED = 200_000_000  # bytes: our workbooks are well under 1 MB; beyond this, a zip bomb
CONTROL = re.compile(r"_x(00[01][0-9A-Fa-f]|007[Ff])_")  # how xlsx stores control characters in text


def unescape(text: str) -> str:
    """Control characters back from their xlsx form (_x0007_); openpyxl leaves them escaped."""
    return CONTROL.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


@dataclass
class EditedInputs:
    path: Path
    columns: dict[str, dict[str, float]]  # template column -> input -> value
    notes: dict[str, str]  # input -> the Source note cell (every column's note, "; name: "-joined)
    selected: str
    unknown: list[str] = field(default_factory=list)  # names in the file this version no longer has
    missing: list[str] = field(default_factory=list)  # inputs this version has that the file lacks
    axes: dict[str, list[float]] = field(default_factory=dict)  # sensitivity axis -> values in the file
    sheets: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # input -> its row on the Inputs sheet (1-based)


def _open(path: Path, what: str):
    import openpyxl

    if path.is_dir():
        raise InputError(f"{what} {str(path)!r} is a folder; give an .xlsx workbook")
    if path.exists() and not path.is_file():
        raise InputError(f"{what} {str(path)!r} is not a regular file; give an .xlsx workbook")
    if not path.is_file():
        raise InputError(f"{what} {str(path)!r}: file not found")
    def size() -> int:
        with zipfile.ZipFile(path) as z:
            return sum(i.file_size for i in z.infolist())

    unpacked = _parsed(size, path, what)  # not a zip, unreadable
    if unpacked > MAX_UNCOMPRESSED:
        raise InputError(f"{what} {str(path)!r}: unpacks to {unpacked / 1e6:,.0f} MB; a workbook of this model is "
                         f"under {MAX_UNCOMPRESSED / 1e6:,.0f} MB, refusing to open it")
    # read-only: sheets are parsed only when read, and only Inputs and Cover are (_parsed around those reads too)
    return _parsed(lambda: openpyxl.load_workbook(path, data_only=True, read_only=True), path, what)


def _columns(header: list, path: Path, what: str) -> tuple[list[str], int]:
    if tuple(header[:TEMPLATE_COL0]) != INPUTS_FIXED_COLUMNS or SOURCE_HEADER not in header:
        raise InputError(f"{what} {str(path)!r}: the Inputs sheet does not have the layout of our workbooks "
                         f"(row {HEADER_ROW} should start Input, Name, Unit, Domain, Min, Max, Live value)")
    last = header.index(SOURCE_HEADER)
    names = [unescape(str(h)).strip() if h is not None else "" for h in header[TEMPLATE_COL0:last]]
    # "seed (overridden)": the header says --set changed the column; the template is still "seed"
    names = [n[:-len(OVERRIDDEN)].strip() if n.endswith(OVERRIDDEN) else n for n in names]
    if not names:
        raise InputError(f"{what} {str(path)!r}: no template columns on the Inputs sheet")
    seen: dict[str, str] = {}
    for i, n in enumerate(names):
        cell = f"Inputs!{get_column_letter(TEMPLATE_COL0 + i + 1)}{HEADER_ROW}"
        if not n:
            raise InputError(f"{what} {path.name}, {cell}: a template column has an empty header; name it")
        if n.casefold() in seen:
            raise InputError(f"{what} {path.name}, {cell}: template column {n!r} appears twice (as {seen[n.casefold()]!r}"
                             "; names are compared ignoring case); rename one")
        seen[n.casefold()] = n
    return names, last


def _parsed(read, path: Path, what: str):
    """`read()`, a read of the file: a corrupt zip, not an xlsx, or (openpyxl parses a sheet's XML only when it is
    read, in read-only mode) a sheet corrupt inside a sound zip: cut short, a shared string that does not exist,
    text in a number cell. Any failure is the file's: one message."""
    try:
        return read()
    except Exception as exc:
        raise InputError(f"{what} {str(path)!r}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None


def read_inputs(path: str | Path, what: str = "--from") -> EditedInputs:
    """Every template column's input values and the selected scenario of one of our workbooks.
    `what` names the source in messages (the option or command that gave the path)."""
    path = Path(path)
    with warnings.catch_warnings():  # openpyxl's notes on files from other tools ("no default style") are no news
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        return _read_inputs(path, what)


def _read_inputs(path: Path, what: str) -> EditedInputs:
    wb = _open(path, what)
    try:
        if "Inputs" not in wb.sheetnames or "Cover" not in wb.sheetnames:
            raise InputError(f"{what} {str(path)!r}: not a workbook built by build_workbook.py "
                             "(it needs an Inputs and a Cover sheet)")
        rows = _parsed(lambda: list(wb["Inputs"].iter_rows(min_row=HEADER_ROW, values_only=True)), path, what)
        names, last = _columns(list(rows[0]) if rows else [], path, what)
        edited = EditedInputs(path, {n: {} for n in names}, {}, "", sheets=list(wb.sheetnames))
        for r, row in enumerate(rows[1:], start=HEADER_ROW + 1):
            row = list(row) + [None] * (last + 1 - len(row))
            if isinstance(row[0], str) and row[0].startswith(AXES_TITLE) and _read_axes(edited, rows[r - HEADER_ROW + 1:]):
                break
            _read_row(edited, row, r, names, last, what)
        _names_where_defined(edited, _parsed(lambda: wb.defined_names, path, what), what)
        where, selected = f"Inputs!{SELECTOR_REF}", _parsed(lambda: wb["Inputs"][SELECTOR_REF].value, path, what)
        if _parsed(lambda: wb["Inputs"][SELECTOR_LABEL_REF].value, path, what) != SELECTOR_LABEL:  # built before the
            # selector moved to Inputs: it was on the Cover, number or name
            where, selected = f"Cover!{OLD_SELECTOR}", _parsed(lambda: wb["Cover"][OLD_SELECTOR].value, path, what)
        elif selected is None:
            raise InputError(f"{what} {str(path)!r}: the scenario number in {where} is empty; type the template "
                             f"column's number (1 to {len(names)})")
        elif isinstance(selected, str):  # the workbook fails its selector check on text ('2 too: INT("2")<>"2")
            raise InputError(f"{what} {str(path)!r}: the scenario number in {where}, {selected!r}, is text; type "
                             f"the template column's number (1 to {len(names)}) as a number")
    finally:
        wb.close()
    if isinstance(selected, (int, float)) and not isinstance(selected, bool):  # a position
        if selected != int(selected) or not 1 <= selected <= len(names):
            raise InputError(f"{what} {str(path)!r}: the scenario number in {where}, {selected!r}, is not a "
                             f"template column (1 to {len(names)})")
        selected = names[int(selected) - 1]
    if selected not in names:
        raise InputError(f"{what} {str(path)!r}: the selected template in {where}, {selected!r}, is not one of the "
                         f"template columns {names}")
    edited.selected = str(selected)
    present = set().union(*(set(v) for v in edited.columns.values()))
    edited.missing = [n for n in INPUTS if n not in present]
    return edited


def _names_where_defined(edited: EditedInputs, defined, what: str) -> None:
    """Each input's row, as column B names it, holds the cell its defined name points to: the formulas read the
    defined names, this reader column B. A name edited in column B (two swapped, say: the sheet unprotected) would
    carry one input's values to another, unseen."""
    for name, r in edited.rows.items():
        dn = defined.get(name)
        rows = {range_boundaries(ref)[1] for sheet, ref in (dn.destinations if dn is not None else ())
                if sheet == "Inputs"}
        if rows and r not in rows:
            raise InputError(f"{what} {edited.path.name}: Inputs!B{r} names {name}, but the workbook's defined name "
                             f"{name} is on row {min(rows)}: column B was edited (the formulas read the defined "
                             "names); put the names back")


def _read_axes(edited: EditedInputs, rows: list) -> bool:
    """The axes block: groups of head rows (Axis, Name, ...) with one axis per column, each followed by its
    Point rows. False when the rows below the title are the earlier layout (one axis per row, read by
    _read_row)."""
    if not rows or rows[0][0] != AXES_HEAD[0]:
        return False
    keys = {key for key, *_ in AXES}
    i = 0
    while i < len(rows):
        if rows[i][0] != AXES_HEAD[0] or i + 1 >= len(rows):
            i += 1
            continue
        names, j = list(rows[i + 1]), i + len(AXES_HEAD)
        body = []
        while j < len(rows) and isinstance(rows[j][0], str) and rows[j][0].startswith("Point"):
            body.append(rows[j])
            j += 1
        for c, name in enumerate(names[1:], start=1):
            if isinstance(name, str) and name.strip() in keys:
                edited.axes[name.strip()] = [row[c] for row in body if c < len(row)
                                             and isinstance(row[c], (int, float)) and not isinstance(row[c], bool)]
        i = j
    return True


def _read_row(edited: EditedInputs, row: list, r: int, names: list[str], last: int, what: str) -> None:
    name = row[1]
    if not isinstance(name, str) or not name or name in model.CONSTANTS:
        return
    values = row[TEMPLATE_COL0:TEMPLATE_COL0 + len(names)]
    if name.startswith("axis:"):
        # an axis may run past the template columns, to the Source note column and beyond
        edited.axes[name[5:].strip()] = [v for v in row[TEMPLATE_COL0:] if isinstance(v, (int, float))]
        return
    if name not in INPUTS:
        if any(isinstance(v, (int, float)) for v in values):
            edited.unknown.append(name)
        return
    if name in edited.rows:  # a Name cell edited into another input's: which row's values are meant is unknown
        raise InputError(f"{what} {edited.path.name}: input {name} is named on two rows of the Inputs sheet, "
                         f"{edited.rows[name]} and {r}; each input has one row (column B is its name)")
    edited.rows[name] = r
    for i, (col, v) in enumerate(zip(names, values)):
        where = f"{what} {edited.path.name}, Inputs!{get_column_letter(TEMPLATE_COL0 + i + 1)}{r} ({col} column)"
        if v is None:
            what = NOT_CALCULATED if holds_formula(edited.path, "Inputs", r, TEMPLATE_COL0 + i + 1) else "empty"
            raise InputError(f"{where}: {name} is {what}; allowed domain of {name}: {INPUTS[name].domain.text()}")
        edited.columns[col][name] = check_value(name, v, where=where)
    note = row[last]
    if isinstance(note, str) and note:
        edited.notes[name] = unescape(note)


def column_notes(edited: EditedInputs, column: str) -> dict[str, str]:
    """One template column's own source notes, split out of the joined Source note cells (the first
    column's note comes first, unprefixed; every other column's as "; <column>: note")."""
    cols = list(edited.columns)
    out = {}
    for name, text in edited.notes.items():
        starts = []
        for c in cols[1:]:
            if text.startswith(f"{c}: "):
                starts.append((0, c))
            elif (i := text.find(f"; {c}: ")) >= 0:
                starts.append((i + 2, c))
        starts.sort()
        bounds = [(0, cols[0], 0)] if not starts or starts[0][0] > 0 else []
        bounds += [(i, c, len(c) + 2) for i, c in starts]
        for k, (i, c, skip) in enumerate(bounds):
            end = bounds[k + 1][0] - 2 if k + 1 < len(bounds) else len(text)
            if c == column and text[i + skip:end]:
                out[name] = text[i + skip:end]
    return out


def _base_values(column: str) -> dict[str, float]:
    return dict(load(column).values) if column in bundled() else dict(load("seed").values)


def scenarios_from(edited: EditedInputs, overrides: dict | None = None) -> tuple[list[Scenario], int, list[str]]:
    """Scenarios carrying every edit; returns them, the selected index and a report of differences."""
    scenarios, report = [], []
    for col, values in edited.columns.items():
        base = _base_values(col)
        # a bundled template's notes come from its file; a user template's only live in the workbook
        sources = load(col).sources if col in bundled() else column_notes(edited, col)
        merged = {**base, **values}
        for name, v in values.items():
            if v != base[name]:
                report.append(f"{col}: {name} = {v:g} (template: {base[name]:g})")
        scenarios.append(Scenario(col, merged, sources))
    selected = list(edited.columns).index(edited.selected)
    if overrides:
        sel = scenarios[selected]
        sel.overrides = {k: float(sel.values[k]) for k in overrides if k in sel.values}
        sel.values = {**sel.values, **overrides}
    for s in scenarios:
        check_column(s.values, f"--from {edited.path.name}, {s.name} column")
    return scenarios, selected, report


def check_column(values: dict, where: str) -> None:
    """A full input set as model/ would take it (each domain, the segment shares, the fit), or an InputError
    saying `where`: what --from builds and export-inputs writes must load again as a template."""
    try:
        model.compute(model.resolve_inputs(values, "seed"), outputs=["effective_batch"])
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


@dataclass
class Carried:
    result: object  # xl.book.BuildResult
    edited: EditedInputs
    report: list[str]  # inputs that differ from their template
    warnings: list[str]  # what could not be carried, by name
    backup: Path | None


def retired(name: str) -> str:
    """What --from and export-inputs say of a row whose name is no input of this version."""
    return f"{name!r} is no longer an input of this version{suggest(name)}"


def not_carried(edited: EditedInputs, sheets: list[str]) -> list[str]:
    """Edits a rebuild cannot keep: inputs this version lacks, edited sensitivity axes, sheets the user added."""
    out = [f"not carried: {retired(name)}" for name in edited.unknown]
    axes = {key: [float(v) for v in vals] for key, _, _, vals in AXES}
    for key, values in edited.axes.items():
        if key in axes and [float(v) for v in values] != axes[key]:
            out.append(f"not carried: sensitivity axis {key!r} was edited ({', '.join(f'{v:g}' for v in values)}); "
                       f"the rebuild uses {', '.join(f'{v:g}' for v in axes[key])}")
    out += [f"not carried: sheet {name!r} (added by hand; the rebuild writes only its own sheets)"
            for name in edited.sheets if name not in sheets]
    return out


def build_from(src: str | Path, out: str | Path | None, overrides: dict | None = None, udf_sheet: bool = False,
               overwrite: bool = False) -> Carried:
    """Rebuild `src` with the current code, keeping every input edit and the selected scenario.
    In place (out None or src), the previous file is kept as a numbered backup (.bak, .bak.1, ...)."""
    in_place = out is None or Path(out).resolve() == Path(src).resolve()
    target = Path(src) if in_place else Path(out)
    check_target(target, "--from" if in_place else "--out", overwrite or in_place, (".xlsx",))
    edited = read_inputs(src)
    scenarios, selected, report = scenarios_from(edited, overrides)
    result, backup = write_workbook(target, (scenarios, selected), udf_sheet, overwrite or in_place, backup=in_place)
    return Carried(result, edited, report, not_carried(edited, list(result.sheets)), backup)


def print_carried(c: Carried, src: str | Path) -> None:
    """The carry-over report on stdout; what could not be carried as warnings on stderr."""
    print(f"carried over from {src}: selected scenario {c.edited.selected!r}")
    for line in c.report or ["no input differs from its template"]:
        print(f"  {line}")
    for name in c.edited.missing:
        print(f"  new input {name!r}: not in {Path(src).name}, template value used")
    for line in c.warnings:
        print(f"warning: {line}", file=sys.stderr)
    if c.backup is not None:
        print(f"previous file kept as {c.backup}")


def toml_string(text: str) -> str:
    """A TOML basic string: real UTF-8, only quote, backslash and control characters escaped."""
    def esc(ch: str) -> str:
        if ch in '"\\':
            return "\\" + ch
        if ch in "\n\t\r":
            return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}[ch]
        if ord(ch) < 0x20 or ord(ch) == 0x7F:
            return f"\\u{ord(ch):04X}"
        return ch

    return '"' + "".join(esc(c) for c in text) + '"'


def _toml_value(v: float) -> str:
    """Exact: an integer as written, else repr (17 significant digits round-trip every float)."""
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


def export_toml(src: str | Path, out: str | Path, column: str | None = None,
                overwrite: bool = False) -> tuple[Path, EditedInputs]:
    """Write one template column (default: the selected scenario) of an edited workbook as a full TOML template;
    returns the file and what was read: its `missing` inputs (an older version's workbook lacks them; written with
    the template's values) and its `unknown` names (rows whose name is no input of this version: not exported)."""
    what = "export-inputs"
    check_target(out, f"{what} -o", overwrite, (".toml",))
    edited = read_inputs(src, what)
    col = column or edited.selected
    if col not in edited.columns:
        raise InputError(f"{what} --column: no template column {col!r} in {Path(src).name}; "
                         f"columns: {', '.join(edited.columns)}")
    check_column({**_base_values(col), **edited.columns[col]}, f"{what} {edited.path.name}, {col} column")
    return write_text(out, template_toml(edited, col), f"{what} -o", overwrite, (".toml",)), edited


def template_toml(edited: EditedInputs, col: str) -> str:
    """One template column as a full TOML template, exact: values round-trip, notes are UTF-8 text."""
    values = {**_base_values(col), **edited.columns[col]}
    notes = column_notes(edited, col)
    src = edited.path.name
    lines = [f"# Exported from {toml_string(src)}, template column {toml_string(col)}.", "",
             "[template]", f"name = {toml_string(col)}", f"description = {toml_string('exported from ' + src)}",
             "", "[inputs]"]
    base = col if col in bundled() else "seed"
    for name in INPUTS:
        note = notes.get(name, "") if name not in edited.missing else f"not in {src}: the {base} template's value"
        lines.append(f"{name} = {{ value = {_toml_value(values[name])}, source = {toml_string(note)} }}")
    return "\n".join(lines) + "\n"
