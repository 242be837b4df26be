"""The formula-driven workbook: `xl.build(...)` writes it, `build_workbook.py` is its command line."""

from .build import build, scenarios_for

__all__ = ["build", "scenarios_for"]
