"""The workbook: `python build_workbook.py` / `aie-build` [--template T] [--set name=value ...] [--from EDITED.xlsx]."""

from __future__ import annotations

import argparse
import sys
import time

from model.errors import InputError

from .app import Parser, invoked_as, run

DEFAULT_OUT = "ai_inference_economics.xlsx"
MAX_CELL_TEXT = 32_767  # characters one workbook cell holds (Excel truncates or refuses longer text)


def check_text(scenarios) -> None:
    """Refuse template text a workbook cell cannot hold, rather than writing it cut short."""
    for s in scenarios:
        for name, note in [("template name", s.name), ("description", s.description), *s.sources.items()]:
            if isinstance(note, str) and len(note) > MAX_CELL_TEXT:
                raise InputError(f"template {s.name[:40]!r}: the source note of {name} has {len(note):,} characters; "
                                 f"a workbook cell holds at most {MAX_CELL_TEXT:,}")


def cmd_build(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    import xl
    from model.validate import parse_sets
    from xl.atomic import check_target
    from xl.output import write_workbook

    overrides = parse_sets(args.set)
    if args.from_ and args.template is not None:
        raise InputError(f"--template {args.template} with --from: the edited workbook's scenarios and its selected "
                         f"scenario are carried over as they are; select another in its Inputs!G3, or build without "
                         f"--from")
    if args.from_:
        from xl.carry import build_from, print_carried

        carried = build_from(args.from_, args.out, overrides, udf_sheet=args.udf_sheet, overwrite=args.overwrite)
        print_carried(carried, args.from_)
        result = carried.result
    else:
        out = args.out or DEFAULT_OUT
        check_target(out, "--out", args.overwrite, (".xlsx",))  # before the work
        scenarios = xl.scenarios_for("seed" if args.template is None else args.template, overrides)
        check_text(scenarios[0])
        result, _ = write_workbook(out, scenarios, args.udf_sheet, args.overwrite)
    from model.registry import OUTPUTS

    from . import fmt

    print(f"wrote {result.path} in {time.perf_counter() - t0:.2f} s")
    print(f"sheets: {', '.join(result.sheets)}")
    print(f"formulas: {result.formulas}")
    print(f"master check: {'OK' if result.master_check else 'FAILED'}")
    for k, v in result.headlines.items():
        unit = OUTPUTS[k].unit
        shown = fmt.value(v, unit)
        # money, shares and multiples carry their unit in the text already; counts and rates per unit do not
        suffix = "" if unit in ("$", "%", "×") else f"  {unit}"
        print(f"  {OUTPUTS[k].label:<36} {shown:>16}{suffix}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = Parser(prog=invoked_as("python build_workbook.py"),
               description="Write ai_inference_economics.xlsx, every number a live formula.")
    p.add_argument("--out", default=None,
                   help=f"output .xlsx (default {DEFAULT_OUT}; with --from, the edited file itself, kept as .bak)")
    p.add_argument("--template", default=None,
                   help="selected template: bundled name or path to a .toml (default seed; not with --from)")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help="override an input of the selected template")
    p.add_argument("--udf-sheet", nargs="?", const="classic", default=None,
                   choices=("classic", "lite", "server", "server-dev"),
                   help="add a sheet calling every UDF that returns one value next to the formulas, with the names that "
                        "runtime needs "
                        "(classic add-in and Lite: AIE_OUTPUT; server: XLWINGS.AIE_OUTPUT; server-dev: XLWINGS_DEV.)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.add_argument("--from", dest="from_", metavar="EDITED.xlsx",
                   help="carry every input edit (and the selected scenario) over from a workbook built earlier")
    return run(cmd_build, p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
