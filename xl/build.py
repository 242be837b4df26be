"""Assemble the scenarios, write the workbook to a temporary file, then move it into place."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import model
from model.templates import bundled, load, resolve_path

from .writer import Builder, BuildResult, Scenario


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
    names = [s.name for s in scenarios]
    if chosen.path is not None and selected_path.resolve().parent != model.templates.TEMPLATE_DIR:
        name = chosen.name
        while name in names:
            name += "*"
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
    """Write the workbook. It is written to a temporary file in the target folder and renamed
    into place only when complete, so a failed or interrupted build leaves any previous file intact."""
    out = Path(out)
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists; pass --overwrite to replace it")
    scen, selected = scenarios or scenarios_for(template, overrides)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}-", suffix=".xlsx.tmp", dir=out.parent)
    os.close(fd)
    try:
        result = Builder(scen, selected, udf_sheet=udf_sheet).build(tmp)
        if backup and out.exists():
            shutil.copy2(out, out.with_suffix(out.suffix + ".bak"))
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    result.path = str(out)
    return result
