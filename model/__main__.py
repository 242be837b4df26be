"""Command line: python -m model {evaluate,claims,inputs,export-inputs,...} --help"""

from __future__ import annotations

import argparse
import json
import math
import sys

from .errors import InputError
from .validate import parse_sets


def _fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float) and math.isnan(v):
        return "n/a"
    if isinstance(v, float):
        return f"{v:,.6g}" if abs(v) < 1e6 else f"{v:,.0f}"
    return str(v)


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths)), line]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(out)


def cmd_evaluate(args) -> int:
    from .core import evaluate
    from .registry import OUTPUTS, SECTIONS

    res = evaluate(parse_sets(args.set), args.template)
    if args.json:
        print(json.dumps({k: (None if math.isnan(v) else v) for k, v in res.items()}, indent=1))
        return 0
    for sec, (_, title) in SECTIONS.items():
        rows = [[o.label, n, _fmt(res[n]), o.unit] for n, o in OUTPUTS.items() if o.section == sec]
        print(f"\n{title}\n" + _table(rows, ["output", "name", "value", "unit"]))
    return 0


def cmd_claims(args) -> int:
    from .claims import audit

    recs = audit()
    if args.json:
        print(json.dumps(recs, indent=1))
        return 0
    rows = []
    for r in recs:
        stated = f"[{_fmt(r['stated'][0])}, {_fmt(r['stated'][1])}]" if isinstance(r["stated"], list) \
            else f"≈ {_fmt(r['stated'])}"
        solve = "" if r["holds"] else f"{r['solve_input']} = {_fmt(r['solve_value'])}"
        rows.append([r["id"], r["section"], r["kind"], r["output"], stated,
                     ", ".join(_fmt(v) for v in r["values"]), "holds" if r["holds"] else "FAILS", solve])
    print(_table(rows, ["id", "sec", "kind", "output", "stated", "model", "verdict", "would hold at"]))
    n_ok = sum(r["holds"] for r in recs)
    print(f"\n{n_ok} of {len(recs)} claims hold")
    return 0


def cmd_inputs(args) -> int:
    from .registry import INPUTS
    from .templates import load

    t = load(args.template)
    rows = [[i.section, n, _fmt(t.values[n]), i.unit, i.domain.text(), i.label] for n, i in INPUTS.items()]
    if args.json:
        print(json.dumps({r[1]: {"section": r[0], "value": t.values[r[1]], "unit": r[3], "domain": r[4],
                                 "label": r[5]} for r in rows}, indent=1))
        return 0
    print(_table(rows, ["sec", "name", "value", "unit", "domain", "label"]))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m model", description="The economics of AI inference, in Python.")
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("evaluate", help="every output for one scenario")
    e.add_argument("--template", default="seed", help="bundled template name or path to a .toml (default seed)")
    e.add_argument("--set", action="append", metavar="NAME=VALUE", help="override an input (repeatable)")
    e.add_argument("--json", action="store_true", help="JSON for scripts")
    c = sub.add_parser("claims", help="audit the source document's claims C01-C48")
    c.add_argument("--json", action="store_true")
    i = sub.add_parser("inputs", help="every input with its domain and value")
    i.add_argument("--template", default="seed")
    i.add_argument("--json", action="store_true")
    from . import cli_extra

    cli_extra.register(sub)
    args = p.parse_args(argv)
    handlers = {"evaluate": cmd_evaluate, "claims": cmd_claims, "inputs": cmd_inputs, **cli_extra.HANDLERS}
    try:
        return handlers[args.cmd](args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
