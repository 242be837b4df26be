"""The formula-driven workbook: `xl.build(out, template, overrides)` writes it and `xl.scenarios_for(template,
overrides)` gives the scenarios it lays out; `build_workbook.py` is the command line.

Loaded on first use (PEP 562), so that the workbook-free helpers beside it (`xl.atomic`, the one atomic writer
of CSVs and charts too, and `xl.libreoffice`) import without XlsxWriter, which only the workbook extra installs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["build", "scenarios_for"]

if TYPE_CHECKING:
    from .assemble import build, scenarios_for


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import assemble

        return getattr(assemble, name)
    raise AttributeError(f"module 'xl' has no attribute {name!r}")
