"""Further commands of `python -m model` (export-inputs, sweeps); each adds itself here."""

from __future__ import annotations

HANDLERS: dict = {}


def register(sub) -> None:
    """Add the extra sub-commands to the argparse sub-parsers."""
