"""evaluate, claims, inputs, project and export-inputs."""

from __future__ import annotations

import argparse
import math
import sys

from model.errors import InputError
from model.validate import parse_sets

from . import fmt


def cmd_evaluate(args: argparse.Namespace) -> int:
    from model import evaluate
    from model.registry import OUTPUTS, SECTIONS

    names = _output_names(args.output)
    if args.scenarios is not None:  # "" (an unset shell variable) is refused, not read as no file
        return _evaluate_file(args, names)
    if args.csv or args.xlsx or args.overwrite:
        given = "--csv" if args.csv else "--xlsx" if args.xlsx else "--overwrite"
        raise InputError(f"{given}: only with --scenarios FILE (one scenario is shown as a table, or as --json)")
    res = evaluate(parse_sets(args.set), args.template, outputs=names)
    if args.json:
        print(fmt.dumps(res))
        return 0
    for sec, (_, title) in SECTIONS.items():
        rows = [[o.label, n, fmt.value(res[n], o.unit), o.unit] for n, o in OUTPUTS.items()
                if o.section == sec and n in res]
        if rows:
            print(f"\n{title}\n" + fmt.table(rows, ["output", "name", "value", "unit"], right={2}))
    return 0


def check_outputs(names: str | list[str] | None) -> None:
    """Each --output an output name, refused with the option named (as --input is)."""
    from model.registry import OUTPUTS, unknown

    for name in [names] if isinstance(names, str) else names or []:
        if name not in OUTPUTS:
            where = " (`python -m model reference` lists the outputs)"  # no close name to offer
            raise InputError(f"--output: {unknown(name, 'output', otherwise=where) if name else 'an empty name'}")


def _output_names(given: list[str] | None) -> list[str] | None:
    """--output, repeatable and comma-separated, each an output name; without repeats."""
    if not given:
        return None
    names = [n.strip() for item in given for n in item.split(",")]
    check_outputs(names)
    return list(dict.fromkeys(names))


ROWS_PER_WRITE = 1 << 16  # rows formatted at a time: a million rows of text are never held at once


def _evaluate_file(args: argparse.Namespace, names: list[str] | None) -> int:
    """Every scenario of a .csv/.xlsx/.npz file in one evaluation (chunked): CSV (the file's own columns, then the
    outputs; undefined results empty) on stdout or to --csv, a workbook to --xlsx, or JSON on stdout."""
    import os

    from model import evaluate

    from .scenarios import located, read_labelled

    if args.csv and args.xlsx:
        raise InputError("--xlsx: not with --csv (one file of results: CSV or a workbook)")
    to, option = (args.xlsx, "--xlsx") if args.xlsx else (args.csv, "--csv")
    if args.json and (to or args.overwrite):
        raise InputError(f"{option if to else '--overwrite'}: not with --json (JSON goes to stdout; --csv writes CSV, "
                         "--xlsx a workbook)")
    if args.overwrite and not to:
        raise InputError("--overwrite: only with --csv PATH or --xlsx PATH")
    if to:
        from pathlib import Path

        from xl.atomic import check_target

        check_target(to, option, args.overwrite, (option.replace("--", "."),))  # before the work
        target, source = Path(to), Path(args.scenarios)
        if target.exists() and source.exists() and os.path.samefile(target, source):
            raise InputError(f"{option} {to}: is the --scenarios file itself; write the results elsewhere")
    notes: list[str] = []
    given, labels = read_labelled(args.scenarios, notes=notes)
    if notes:  # a deal whose values were left out would vanish from the results unsaid
        listed = ", ".join(map(repr, notes[:5])) + (f" and {len(notes) - 5:,} more" if len(notes) > 5 else "")
        print(f"note: {len(notes):,} labelled row{'s' * (len(notes) > 1)} without input values, read as notes, "
              f"not scenarios: {listed}", file=sys.stderr)
    n = len(next(iter(given.values())))
    if args.xlsx:
        from model.registry import OUTPUTS

        from .scenarios_xlsx import MAX_CELLS, MAX_ROWS

        if n > MAX_ROWS:  # before the work
            raise InputError(f"--xlsx {args.xlsx}: {n:,} scenarios are more than a sheet's {MAX_ROWS:,} rows; "
                             "write them with --csv")
        cells = n * (1 + len(given) + len(names or OUTPUTS))
        if cells > MAX_CELLS:
            raise InputError(f"--xlsx {args.xlsx}: {n:,} scenarios × {cells // n} columns are {cells:,} cells, more "
                             f"than a workbook of results holds here ({MAX_CELLS:,}); ask for fewer --output, or "
                             "write them with --csv")
    sets = parse_sets(args.set)
    both = [n for n in sets if n in given]
    if both:
        raise InputError(f"--set {both[0]}: also a column of --scenarios {args.scenarios}; give it in one place")
    if args.xlsx:
        import xlsxwriter  # noqa: F401  (the workbook's writer: a missing one is said before the work, not after)
    elif not args.json:
        import pandas  # noqa: F401  (the CSV writer's: a missing one is said before the work, not after)
    try:
        res = evaluate({**sets, **given}, args.template, outputs=names)
    except InputError as exc:  # 'gpu_utilization[2]': where that scenario is in the file
        raise located(exc, args.scenarios, labels) from None
    if args.json:
        head = {"template": args.template, "set": sets, "scenarios": n}
        _json_columns(sys.stdout, head if labels is None else {**head, "labels": labels},
                      {"inputs": given, "outputs": res})
        return 0

    def write(f) -> None:
        import numpy as np
        import pandas as pd

        columns = {**given, **res}
        for start in range(0, n, ROWS_PER_WRITE):
            stop = min(start + ROWS_PER_WRITE, n)
            rows = np.arange(start, stop) if labels is None else labels[start:stop]  # the file's own labels
            part = pd.DataFrame({k: v[start:stop] for k, v in columns.items()}, index=rows)
            part.to_csv(f, header=start == 0, index_label="scenario", lineterminator="\n")

    if not to:
        write(sys.stdout)
        return 0
    from xl.atomic import write_atomic

    shown = f"template {args.template}" + (f", {', '.join(args.set)}" if args.set else "")

    def to_file(tmp) -> None:
        if args.xlsx:
            from .scenarios_xlsx import write_xlsx

            write_xlsx(tmp, given, res, labels, {"scenarios": str(args.scenarios), "other inputs": shown})
            return
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            write(f)

    path, _ = write_atomic(to, to_file, option, args.overwrite, (option.replace("--", "."),))
    print(f"wrote {path}: {n:,} scenarios, {len(given)} input columns and {len(res)} outputs ({shown} for the "
          "other inputs)")
    return 0


def _json_columns(f, head: dict, groups: dict) -> None:
    """JSON of `head` and groups of equally long columns, written a slice of values at a time (fmt.dumps of a
    million scenarios' columns would hold ~150 bytes per value at once); undefined or infinite values null."""
    import json

    def number(x: float) -> str:
        return repr(x + 0.0) if math.isfinite(x) else "null"  # + 0.0: -0.0 as 0.0, as fmt.dumps writes it

    f.write("{\n" + "".join(f" {json.dumps(k)}: {json.dumps(fmt.jsonable(v))},\n" for k, v in head.items()))
    for gi, (group, columns) in enumerate(groups.items()):
        f.write(f" {json.dumps(group)}: {{\n")
        for ci, (name, column) in enumerate(columns.items()):
            f.write(f"  {json.dumps(name)}: [")
            flat = column.reshape(-1)
            for start in range(0, len(flat), ROWS_PER_WRITE):
                f.write((", " if start else "") + ", ".join(map(number, flat[start:start + ROWS_PER_WRITE].tolist())))
            f.write("]" + ("," if ci < len(columns) - 1 else "") + "\n")
        f.write(" }" + ("," if gi < len(groups) - 1 else "") + "\n")
    f.write("}\n")


def cmd_claims(args: argparse.Namespace) -> int:
    from model.claims import audit
    from model.registry import OUTPUTS

    recs = audit()
    if args.json:
        print(fmt.dumps(recs))
        return 0
    rows = []
    for r in recs:
        unit = OUTPUTS[r["output"]].unit if r["output"] in OUTPUTS else ""
        s = r["stated"]
        stated = f"[{fmt.value(s[0], unit)}, {fmt.value(s[1], unit)}]" if isinstance(s, list) else f"≈ {fmt.value(s, unit)}"
        solve = "" if r["holds"] else f"{r['solve_input']} = {fmt.value(r['solve_value'])}"
        rows.append([r["id"], r["section"], r["kind"], r["output"], stated,
                     ", ".join(fmt.value(v, unit) for v in r["values"]), "holds" if r["holds"] else "FAILS", solve])
    print(fmt.table(rows, ["id", "sec", "kind", "output", "stated", "model", "verdict", "would hold at"], right=set()))
    print(f"\n{sum(r['holds'] for r in recs)} of {len(recs)} claims hold")
    # what a claim was evaluated with beyond the seed: its model value is for those inputs, not the seed's
    cased = [r for r in recs if any(c not in ("", "seed") for c in r["cases"])]
    if cased:
        print("\nInputs a claim is evaluated with (the rest as seed; one set per value):")
        for r in cased:
            print(f"{r['id']}: {'; '.join(c or 'seed' for c in r['cases'])}")
    disagree = [r for r in recs if r["source_disagrees"]]
    if disagree:
        print()
    for r in disagree:
        print(f"{r['id']}: {r['source_disagrees']}")
    return 0


def cmd_inputs(args: argparse.Namespace) -> int:
    from model.registry import INPUTS
    from model.templates import load

    t = load(args.template)
    if args.json:
        print(fmt.dumps({n: {"section": i.section, "value": t.values[n], "unit": i.unit, "domain": i.domain.text(),
                             "label": i.label} for n, i in INPUTS.items()}))
        return 0
    rows = [[i.section, n, fmt.value(t.values[n], i.unit), i.unit, i.domain.text(), i.label] for n, i in INPUTS.items()]
    print(fmt.table(rows, ["sec", "name", "value", "unit", "domain", "label"], right={2}))
    return 0


def _fixed(x, dp: int, scale: float = 1.0, suffix: str = "") -> list[str]:
    """A row's values with the same decimals; undefined empty; a rounding to zero shown as 0, never -0."""
    out = []
    for v in x:
        if v != v:
            out.append("")
            continue
        if abs(v / scale) >= fmt.HUGE:  # an extreme input's result: 300 digits for 1e308
            out.append(f"{v / scale:.4g}" + suffix)
            continue
        text = f"{v / scale:,.{dp}f}"
        out.append((text[1:] if text.startswith("-") and not text.strip("-0.,") else text) + suffix)
    return out


def project_table(frame, all_years: bool = False) -> str:
    """Years as columns (year 0 to the economic life's last, or all laid-out years), quantities as rows with
    the unit the registry gives each row and the same decimals along a row: money in $ millions when a row
    reaches a million (a row of zeros too, when another money row does: not "$ 0" among rows in $ m; a check's
    gap row stays in dollars), flags as 0/1; the registry's helper rows (IRR signs and search, check helpers) are
    left to --json/--csv."""
    from model.registry import BLOCKS

    registered = [r for b in ("fleet_operations", "fleet_financing") for r in BLOCKS[b].rows]
    units = {r.key: r.unit for r in registered}
    helpers = {r.key for r in registered if r.helper}
    gaps = {r.key for r in registered if r.gap}
    if not all_years and "life" in frame.columns:  # years after the sale are zeros by construction
        frame = frame.loc[frame.index <= max([0, *frame.index[frame["life"].to_numpy() == 1]])]

    arrays = {col: frame[col].to_numpy(dtype=float) for col in frame.columns}
    top = {col: float(abs(x[x == x]).max(initial=0)) for col, x in arrays.items()}  # a row's largest, nan aside
    millions = any(units.get(c) == "$" and c not in gaps and top[c] >= 1e6 for c in frame.columns)
    rows = []
    for col, x in arrays.items():
        if col in helpers:
            continue
        unit = units.get(col, "")
        if unit == "$" and col not in gaps and (top[col] >= 1e6 or (millions and top[col] == 0)):
            rows.append([col, "$ m", *_fixed(x, 1, 1e6)])
        elif unit == "$":
            rows.append([col, "$", *_fixed(x, 0)])
        elif unit == "flag":
            rows.append([col, "flag", *_fixed(x, 0)])
        elif unit in ("%", "%/yr"):
            rows.append([col, unit, *_fixed(x, 2, 0.01, " %")])
        elif unit.startswith("×"):
            rows.append([col, unit, *_fixed(x, 2, 1.0, "×")])
        elif top[col] < 1000 and not unit.endswith("GPUs"):  # prices: four significant digits on the row's largest
            big = top[col]
            rows.append([col, unit, *_fixed(x, min(max(2, 3 - math.floor(math.log10(big))) if big else 2, 6))])
        else:
            rows.append([col, unit, *_fixed(x, 0)])
    return fmt.table(rows, ["year", "unit", *[str(y) for y in frame.index]], right=set(range(2, len(frame.index) + 2)))


def cmd_project(args: argparse.Namespace) -> int:
    import model

    if not hasattr(model, "project_schedule"):
        raise InputError("project: this version of model/ has no project_schedule yet")
    sets = parse_sets(args.set)
    frame = model.project_schedule(sets, template=args.template)
    if args.json:  # what it was run with, as the sweeps' JSON says it
        print(fmt.dumps({"template": args.template, "set": sets, "years": list(frame.index),
                         "rows": {c: frame[c].tolist() for c in frame.columns}}))
    elif args.csv:
        frame.to_csv(sys.stdout, index_label="year", lineterminator="\n")
    else:
        years = "all laid-out years" if args.all_years else "to the sale; --all-years for all laid-out years"
        print(f"P1 fleet project by year, {years} (template {args.template}"
              f"{', ' + ', '.join(args.set) if args.set else ''})\n")
        print(project_table(frame, args.all_years))
    return 0


def cmd_export_inputs(args: argparse.Namespace) -> int:
    from pathlib import Path

    from xl.carry import export_toml, retired

    out, edited = export_toml(args.workbook, args.output, args.column, overwrite=args.overwrite)
    print(f"wrote {out}; load it with --template {out}")
    for name in edited.missing:  # as --from reports them
        print(f"  new input {name!r}: not in {Path(args.workbook).name}, template value used (its note says so)")
    for name in edited.unknown:  # a row whose name was edited or retired: its values are not in the template
        print(f"warning: not exported: {retired(name)}", file=sys.stderr)
    return 0


def cmd_reference(args: argparse.Namespace) -> int:
    from model.reference import render

    sys.stdout.write(render())
    return 0


HANDLERS = {"reference": cmd_reference, "evaluate": cmd_evaluate, "claims": cmd_claims, "inputs": cmd_inputs,
            "project": cmd_project,
            "export-inputs": cmd_export_inputs}


def register(sub) -> None:
    e = sub.add_parser("evaluate", help="every output for one scenario, or for every scenario of a file")
    e.add_argument("--template", default="seed", help="bundled template name or path to a .toml (default seed)")
    e.add_argument("--set", action="append", metavar="NAME=VALUE", help="override an input (repeatable)")
    e.add_argument("--output", action="append", metavar="NAME",
                   help="only these outputs (repeatable, or comma-separated; default every output)")
    e.add_argument("--scenarios", metavar="FILE",
                   help="many scenarios at once: a .csv (a header of input names, a row per scenario), an .xlsx "
                        "laid out the same way (its first visible worksheet) or an .npz (an array per input name); "
                        "inputs it leaves out come from --template and --set; prints CSV (its columns, then the "
                        "outputs; undefined results empty)")
    e.add_argument("--csv", metavar="PATH", help="with --scenarios: write the CSV to this .csv file instead")
    e.add_argument("--xlsx", metavar="PATH",
                   help="with --scenarios: write the results to this .xlsx workbook instead (a sheet of scenarios, "
                        "a sheet of columns with their units; up to 1,048,575 scenarios and 40,000,000 cells)")
    e.add_argument("--overwrite", action="store_true", help="replace an existing --csv or --xlsx file")
    e.add_argument("--json", action="store_true", help="JSON for scripts (undefined results are null)")
    c = sub.add_parser("claims", help="audit the source document's claims C01-C48")
    c.add_argument("--json", action="store_true",
                   help="JSON for scripts: each claim, its stated figure, the model's values and whether it holds")
    i = sub.add_parser("inputs", help="every input with its domain and value")
    i.add_argument("--template", default="seed", help="bundled template name or path to a .toml (default seed)")
    i.add_argument("--json", action="store_true", help="JSON for scripts: each input's section, value, unit, domain and label")
    p = sub.add_parser("project", help="the P1 fleet project's yearly schedule (revenue ... DSCR, equity cash flow)")
    p.add_argument("--template", default="seed", help="bundled template name or path to a .toml (default seed)")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help="override an input (repeatable)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--json", action="store_true", help="JSON for scripts")
    how.add_argument("--csv", action="store_true", help="CSV on stdout (one row per year)")
    p.add_argument("--all-years", action="store_true",
                   help="the table with all sixteen laid-out years (default: year 0 to the economic life's last; "
                        "--json and --csv always have all)")
    sub.add_parser("reference", help="the model reference (docs/model.md) generated from the registry")
    x = sub.add_parser("export-inputs", help="write an edited workbook's inputs as a TOML template")
    x.add_argument("workbook", help="a workbook built by build_workbook.py and edited in Excel or LibreOffice")
    x.add_argument("-o", "--output", required=True, help="the .toml file to write")
    x.add_argument("--column", help="template column to export (default: the scenario selected in Inputs!G3)")
    x.add_argument("--overwrite", action="store_true", help="replace an existing .toml")
