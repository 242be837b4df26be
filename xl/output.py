"""Write a workbook through the one atomic writer (xl/atomic.py): refuse, back up, replace."""

from __future__ import annotations

from pathlib import Path

from .atomic import write_atomic
from .book import BuildResult, Scenario


def write_workbook(out: str | Path, scenarios: tuple[list[Scenario], int], udf_sheet: bool = False,
                   overwrite: bool = False, backup: bool = False, what: str = "--out") -> tuple[BuildResult, Path | None]:
    """Build straight into the writer's temporary file (no second temporary of its own), then move it
    into place. Returns the build's result (its path the file written) and the backup made, if any."""
    from .assemble import Builder

    scen, selected = scenarios
    built: list[BuildResult] = []
    path, made = write_atomic(out, lambda tmp: built.append(Builder(scen, selected, udf_sheet=udf_sheet).build(str(tmp))),
                              what, overwrite, (".xlsx",), backup=backup)
    built[0].path = str(path)
    return built[0], made
