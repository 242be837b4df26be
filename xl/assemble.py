"""Assemble the scenarios and write the workbook, sheet by sheet, through the one atomic writer."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import model
from model.templates import bundled, load, resolve_path

from .book import OVERRIDDEN, Book, BuildResult, Scenario
from .exhibits import exhibits
from .sheets.charts import write_charts
from .sheets.checks import write_checks
from .sheets.cover import HEADLINES, write_cover
from .sheets.definitions import write_definitions
from .sheets.inputs import write_inputs
from .sheets.scenarios import write_scenarios
from .sheets.sections import write_pending, write_section
from .sheets.sensitivity import write_sensitivity

__all__ = ["Builder", "BuildResult", "Scenario", "build", "scenarios_for"]


class Builder:
    """Writes the sheets in their order; each sheet module reads and adds to the shared Book."""

    def __init__(self, scenarios: list[Scenario], selected: int, udf_sheet: bool | str = False):
        self.scenarios, self.selected, self.udf_sheet = scenarios, selected, udf_sheet

    def build(self, path: str) -> BuildResult:
        b = Book(path, self.scenarios, self.selected, self.udf_sheet)
        cover = b.sheet("Cover", "cover")  # first tab, written last (it lists the sheets and reads the checks)
        write_inputs(b, b.sheet("Inputs", "inputs"))
        shown = exhibits()
        pending: list = []
        from model.registry import SECTIONS

        for sec in SECTIONS:
            write_section(b, sec, shown, pending)
        write_pending(b, pending)
        write_sensitivity(b)
        shown.append(write_scenarios(b))
        write_charts(b, shown)
        write_checks(b)
        write_definitions(b)
        if self.udf_sheet:
            from .udf_sheet import write_udf_sheet

            write_udf_sheet(b)
        write_cover(b, cover)
        from xlsxwriter.exceptions import FileCreateError

        try:
            b.wb.close()
        except FileCreateError as exc:  # XlsxWriter wraps the OSError (a full disk): the atomic writer names it
            cause = exc.args[0] if exc.args else None
            raise cause if isinstance(cause, OSError) else OSError(str(exc)) from None
        return BuildResult(path, b.sheets, b.n_formulas, b.master == 1, {h: b.values[h] for h in HEADLINES})


def scenarios_for(template: str | Path = "seed", overrides: Mapping | None = None,
                  extra: list[Scenario] | None = None) -> tuple[list[Scenario], int]:
    """The bundled templates as columns (plus a user template given by path), the selected one
    carrying `overrides`. Every column is validated; returns (scenarios, selected index)."""
    scenarios: list[Scenario] = []
    for name in bundled():
        t = load(name)
        scenarios.append(Scenario(t.name, t.values, t.sources, t.description))
    selected_path = resolve_path(template)
    chosen = load(template)
    if chosen.name.endswith(OVERRIDDEN.strip()):  # what a column changed by --set is headed; --from strips it
        raise model.InputError(f"template {template}: name {chosen.name!r} ends with "
                               f"'{OVERRIDDEN.strip()}', which the workbook adds to a column changed by --set; "
                               "rename it")
    names = [s.name for s in scenarios]
    if chosen.path is not None and selected_path.resolve().parent != model.templates.TEMPLATE_DIR:
        # column names unique regardless of case: the user's copy of a bundled name is marked, never starred
        taken = {n.casefold() for n in names}
        name, k = chosen.name, 1
        while name.casefold() in taken:
            name = f"{chosen.name} (user{'' if k == 1 else f' {k}'})"
            k += 1
        scenarios.append(Scenario(name, chosen.values, chosen.sources, chosen.description))
        selected = len(scenarios) - 1
    else:
        selected = names.index(chosen.name) if chosen.name in names else names.index(Path(template).stem)
    for s in extra or []:
        if s.name in [x.name for x in scenarios]:
            idx = [x.name for x in scenarios].index(s.name)
            scenarios[idx] = s
        else:
            scenarios.append(s)
    sel = scenarios[selected]
    values = model.resolve_inputs(overrides or {}, template)
    if overrides:
        values = {**sel.values, **{k: values[k] for k in overrides}}
        model.resolve_inputs(values, "seed")  # cross-checks on the merged set
    sel.overrides = {k: float(sel.values[k]) for k in overrides or {} if k in sel.values}
    sel.values = values
    for s in scenarios:
        try:
            model.compute(model.resolve_inputs(s.values, "seed"))
        except model.InputError as exc:
            raise model.InputError(f"template {s.name}: {exc}") from None
    return scenarios, selected


def build(out: str | Path = "ai_inference_economics.xlsx", template: str | Path = "seed",
          overrides: Mapping | None = None, udf_sheet: bool = False, overwrite: bool = True,
          scenarios: tuple[list[Scenario], int] | None = None, backup: bool = False) -> BuildResult:
    """Write the workbook through xl/atomic.py: a temporary file beside `out`, renamed into place only
    when complete, so a failed or interrupted build leaves any previous file intact."""
    from .output import write_workbook

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result, _ = write_workbook(out, scenarios or scenarios_for(template, overrides), udf_sheet, overwrite, backup,
                               what="workbook")
    return result
