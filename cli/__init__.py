"""The command line, above model/ and xl/ (model never imports it).

`aie` / `python -m model`: evaluate, claims, inputs, project, export-inputs, sweep, tornado,
monte-carlo. `aie-build` / `python build_workbook.py`: the workbook.
"""

from .app import main

__all__ = ["main"]
