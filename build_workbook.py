#!/usr/bin/env python
"""Write the formula-driven workbook: python build_workbook.py [--template T] [--set name=value ...]"""

from __future__ import annotations

import argparse
import sys
import time

DEFAULT_OUT = "ai_inference_economics.xlsx"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Write ai_inference_economics.xlsx, every number a live formula.")
    p.add_argument("--out", default=None,
                   help=f"output path (default {DEFAULT_OUT}; with --from, the edited file itself, kept as .bak)")
    p.add_argument("--template", default="seed", help="selected template: bundled name or path to a .toml")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help="override an input of the selected template")
    p.add_argument("--udf-sheet", action="store_true", help="add a sheet calling every UDF next to the formulas")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.add_argument("--from", dest="from_", metavar="EDITED.xlsx",
                   help="carry every input edit (and the selected scenario) over from a workbook built earlier")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    import xl
    from model import InputError
    from model.validate import parse_sets

    try:
        overrides = parse_sets(args.set)
        if args.from_:
            from xl.carry import build_from

            result = build_from(args.from_, args.out, overrides, udf_sheet=args.udf_sheet,
                                overwrite=args.overwrite)
        else:
            result = xl.build(args.out or DEFAULT_OUT, args.template, overrides, udf_sheet=args.udf_sheet,
                              overwrite=args.overwrite)
    except (InputError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    dt = time.perf_counter() - t0
    print(f"wrote {result.path} in {dt:.2f} s")
    print(f"sheets: {', '.join(result.sheets)}")
    print(f"formulas: {result.formulas}")
    print(f"master check: {'OK' if result.master_check else 'FAILED'}")
    from model.registry import OUTPUTS

    for k, v in result.headlines.items():
        print(f"  {OUTPUTS[k].label:<36} {v:>16,.4f} {OUTPUTS[k].unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
