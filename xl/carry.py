"""Carry an analyst's edits from a workbook built earlier into a new build, or out to TOML."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import model
from model.errors import InputError
from model.registry import INPUTS
from model.templates import bundled, load
from model.validate import check_value

from .build import build
from .writer import INPUTS_FIXED_COLUMNS, INPUTS_HEADER_ROW, SELECTOR_CELL, SOURCE_HEADER, TEMPLATE_COL0, Scenario

HEADER_ROW = INPUTS_HEADER_ROW + 1  # 1-based, as openpyxl counts


@dataclass
class EditedInputs:
    path: Path
    columns: dict[str, dict[str, float]]  # template column -> input -> value
    notes: dict[str, str]
    selected: str
    unknown: list[str] = field(default_factory=list)  # names in the file this version no longer has
    missing: list[str] = field(default_factory=list)  # inputs this version has that the file lacks


def read_inputs(path: str | Path) -> EditedInputs:
    """Every template column's input values and the selected scenario of one of our workbooks."""
    import openpyxl

    path = Path(path)
    if not path.is_file():
        raise InputError(f"--from {str(path)!r}: file not found")
    try:
        wb = openpyxl.load_workbook(path, data_only=True, read_only=False)
    except Exception as exc:  # a corrupt zip, not an xlsx, unreadable
        raise InputError(f"--from {str(path)!r}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    if "Inputs" not in wb.sheetnames or "Cover" not in wb.sheetnames:
        raise InputError(f"--from {str(path)!r}: not a workbook built by build_workbook.py "
                         "(it needs an Inputs and a Cover sheet)")
    ws = wb["Inputs"]
    header = [c.value for c in ws[HEADER_ROW]]
    if tuple(header[:TEMPLATE_COL0]) != INPUTS_FIXED_COLUMNS or SOURCE_HEADER not in header:
        raise InputError(f"--from {str(path)!r}: the Inputs sheet does not have the layout of our workbooks "
                         f"(row {HEADER_ROW} should start Input, Name, Unit, Domain, Min, Max, Live value)")
    last = header.index(SOURCE_HEADER)
    names = [str(h) for h in header[TEMPLATE_COL0:last]]
    if not names:
        raise InputError(f"--from {str(path)!r}: no template columns on the Inputs sheet")
    columns: dict[str, dict[str, float]] = {n: {} for n in names}
    notes: dict[str, str] = {}
    unknown: list[str] = []
    for row in ws.iter_rows(min_row=HEADER_ROW + 1):
        name = row[1].value
        if not isinstance(name, str) or not name or name.startswith("axis:") or name in model.CONSTANTS:
            continue
        if name not in INPUTS:
            if any(isinstance(row[TEMPLATE_COL0 + i].value, (int, float)) for i in range(len(names))):
                unknown.append(name)
            continue
        for i, col in enumerate(names):
            cell = row[TEMPLATE_COL0 + i]
            where = f"--from {path.name}, Inputs!{cell.coordinate} ({col} column)"
            if cell.value is None:
                raise InputError(f"{where}: {name} is empty; allowed domain of {name}: {INPUTS[name].domain.text()}")
            columns[col][name] = check_value(name, cell.value, where=where)
        note = row[last].value
        if isinstance(note, str) and note:
            notes[name] = note
    selected = wb["Cover"][SELECTOR_CELL.replace("$", "")].value
    if selected not in names:
        raise InputError(f"--from {str(path)!r}: the Cover's selected template {selected!r} is not one of the "
                         f"template columns {names}")
    present = set().union(*(set(v) for v in columns.values()))
    missing = [n for n in INPUTS if n not in present]
    return EditedInputs(path, columns, notes, str(selected), unknown, missing)


def _base_values(column: str) -> dict[str, float]:
    return dict(load(column).values) if column in bundled() else dict(load("seed").values)


def scenarios_from(edited: EditedInputs, overrides: dict | None = None) -> tuple[list[Scenario], int, list[str]]:
    """Scenarios carrying every edit; returns them, the selected index and a report of differences."""
    scenarios, report = [], []
    for col, values in edited.columns.items():
        base = _base_values(col)
        sources = load(col).sources if col in bundled() else {}
        merged = {**base, **values}
        for name, v in values.items():
            if v != base[name]:
                report.append(f"{col}: {name} = {v:g} (template: {base[name]:g})")
        scenarios.append(Scenario(col, merged, sources))
    selected = list(edited.columns).index(edited.selected)
    if overrides:
        scenarios[selected].values = {**scenarios[selected].values, **overrides}
    for s in scenarios:
        try:
            model.compute(model.resolve_inputs(s.values, "seed"))
        except InputError as exc:
            raise InputError(f"--from {edited.path.name}, {s.name} column: {exc}") from None
    return scenarios, selected, report


def build_from(src: str | Path, out: str | Path | None, overrides: dict | None = None, udf_sheet: bool = False,
               overwrite: bool = False):
    """Rebuild `src` with the current code, keeping every input edit and the selected scenario."""
    edited = read_inputs(src)
    scenarios, selected, report = scenarios_from(edited, overrides)
    in_place = out is None or Path(out).resolve() == Path(src).resolve()
    target = Path(src) if in_place else Path(out)
    if not in_place and target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass --overwrite to replace it")
    result = build(target, scenarios=(scenarios, selected), udf_sheet=udf_sheet, overwrite=True, backup=in_place)
    print(f"carried over from {src}: selected scenario {edited.selected!r}")
    for line in report or ["no input differs from its template"]:
        print(f"  {line}")
    for name in edited.unknown:
        print(f"  not carried: {name!r} is no longer an input of this version")
    for name in edited.missing:
        print(f"  new input {name!r}: not in {Path(src).name}, template value used")
    if in_place:
        print(f"previous file kept as {target}.bak")
    return result


def _toml_value(v: float) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


def export_toml(src: str | Path, out: str | Path, column: str | None = None, overwrite: bool = False) -> Path:
    """Write one template column (default: the selected scenario) of an edited workbook as a full TOML template."""
    edited = read_inputs(src)
    col = column or edited.selected
    if col not in edited.columns:
        raise InputError(f"export-inputs: no template column {col!r} in {src}; columns: {list(edited.columns)}")
    values = {**_base_values(col), **edited.columns[col]}
    out = Path(out)
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists; pass --overwrite to replace it")
    lines = [f"# Exported from {Path(src).name}, template column {col!r}.", "",
             "[template]", f"name = {json.dumps(col)}", f"description = {json.dumps('exported from ' + Path(src).name)}",
             "", "[inputs]"]
    for name in INPUTS:
        note = edited.notes.get(name, "")
        lines.append(f"{name} = {{ value = {_toml_value(values[name])}, source = {json.dumps(note)} }}")
    text = "\n".join(lines) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}-", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
