"""Further commands of `python -m model`: export-inputs, and the sweeps of model/cli_sweeps.py."""

from __future__ import annotations

import sys


def cmd_export_inputs(args) -> int:
    from xl.carry import export_toml

    try:
        out = export_toml(args.workbook, args.output, args.column, overwrite=args.overwrite)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out}; load it with --template {out}")
    return 0


HANDLERS: dict = {"export-inputs": cmd_export_inputs}


def register(sub) -> None:
    """Add the extra sub-commands to the argparse sub-parsers."""
    e = sub.add_parser("export-inputs", help="write an edited workbook's inputs as a TOML template")
    e.add_argument("workbook", help="a workbook built by build_workbook.py and edited in Excel or LibreOffice")
    e.add_argument("-o", "--output", required=True, help="the .toml file to write")
    e.add_argument("--column", help="template column to export (default: the scenario selected on the Cover)")
    e.add_argument("--overwrite", action="store_true", help="replace an existing .toml")
    try:
        from . import cli_sweeps
    except ImportError:  # sweeps are optional until their module lands
        return
    cli_sweeps.register(sub)
    HANDLERS.update(cli_sweeps.HANDLERS)
