"""`sweep`, `tornado` and `monte-carlo`: tables of model.sweeps, charts by cli/plots.py.

Handlers take parsed arguments and return an exit code; bad input raises `InputError`.

    python -m model sweep --input gpu_price --range 20000,32000,7 --output capex_per_gpu_hour
    python -m model sweep --input serving_utilization --values 0.5,0.7,0.9 \\
        --col-input optimization_multiplier --col-values 1,2,4 --output cost_per_m_output_tokens --png grid.png
    python -m model tornado --output cost_per_m_output_tokens --pct 0.1 --top 15 --png tornado.png
    python -m model tornado --output cost_per_m_visible_output_tokens --range reasoning_tokens_per_output_token=0,2
    python -m model monte-carlo examples/monte_carlo.toml --n 1000000 --seed 1 --png mc.png
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import TYPE_CHECKING

from model.errors import InputError
from model.registry import INPUTS, OUTPUTS, unknown
from model.validate import named_pairs, parse_sets

from . import fmt
from .commands import check_outputs

if TYPE_CHECKING:
    import pandas as pd

PROGRESS_FROM = 200_000  # Monte Carlo runs this large show a progress bar (on a terminal)
MAX_POINTS = 100_000  # values of one swept input
MAX_CELLS = 1_000_000  # cells of a two-way grid
MAX_DRAWS = 20_000_000  # Monte Carlo draws: every draw keeps its inputs and outputs in memory
BYTES_PER_VALUE = 16  # a float64 column, and the DataFrame's copy of it


# --------------------------------------------------------------------------------------
# numbers on the command line
# --------------------------------------------------------------------------------------

def _float(text: str, what: str) -> float:
    t = text.strip().replace("_", "")
    try:
        v = float(t)
    except ValueError:
        raise InputError(f"{what}: {text.strip()[:40]!r} is not a number") from None
    if v != v or v in (float("inf"), float("-inf")):
        raise InputError(f"{what}: {text.strip()[:40]!r} is not a finite number")
    return v


def parse_list(text: str, what: str, limit: int = MAX_POINTS) -> list[float]:
    """'a,b,c' as floats; an empty item ('1,,3', a trailing comma) is refused rather than dropped."""
    items = text.split(",")
    if not text.strip():
        raise InputError(f"{what}: expected comma-separated numbers, got {text!r}")
    for i, t in enumerate(items, start=1):
        if not t.strip():
            raise InputError(f"{what}: item {i} of {len(items)} is empty in {text[:60]!r}; expected comma-separated "
                             f"numbers")
    if len(items) > limit:
        raise InputError(f"{what}: {len(items):,} values; at most {limit:,}")
    return [_float(t, what) for t in items]


def parse_range(text: str, what: str, limit: int = MAX_POINTS) -> tuple[float, float, int]:
    """'lo,hi,n' (2 ≤ n ≤ limit evenly spaced values)."""
    parts = text.split(",")
    if len(parts) != 3:
        raise InputError(f"{what}: expected lo,hi,n, got {text[:60]!r}")
    lo, hi, n = (_float(p, what) for p in parts)
    if not n.is_integer() or not 2 <= n <= limit:
        raise InputError(f"{what}: n = {parts[2].strip()[:40]!r} must be a whole number from 2 to {limit:,}")
    return lo, hi, int(n)


def _count(text: str) -> int:
    """A whole number of draws: 100000, 100_000 or 1e5."""
    t = text.strip().replace("_", "")
    try:
        v = int(t) if t.isdigit() and len(t) < 30 else float(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a number") from None
    if v != v or v in (float("inf"), float("-inf")) or not float(v).is_integer() or v < 1:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} must be a whole number ≥ 1 (at most {MAX_DRAWS:,})")
    return int(v)


def _seed(text: str) -> int:
    try:
        v = int(text.strip().replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number") from None
    if not 0 <= v < 2**128:
        raise argparse.ArgumentTypeError(f"{text[:40]!r}: a seed is a whole number from 0 to 2**128 - 1")
    return v


def _input(name: str, what: str) -> str:
    if name not in INPUTS:
        raise InputError(f"{what}: {unknown(name, 'input')}")
    return name


def _files(args: argparse.Namespace) -> None:
    """Refuse output files that cannot or may not be written before any work is done."""
    if not (args.png or getattr(args, "csv", None)):
        return  # the atomic writer only where a file is written
    from xl.atomic import check_target

    from .plots import SUFFIXES

    if args.png:
        check_target(args.png, "--png", args.overwrite, SUFFIXES)
    if getattr(args, "csv", None):
        check_target(args.csv, "--csv", args.overwrite, (".csv",))


def _where(args: argparse.Namespace) -> str:
    sets = ", ".join(args.set or [])
    return f"template {args.template or 'seed'}" + (f", {sets}" if sets else "")


def _note(path, args: argparse.Namespace) -> None:
    print(f"wrote {path}", file=sys.stderr if args.json else sys.stdout)


# --------------------------------------------------------------------------------------
# handlers
# --------------------------------------------------------------------------------------

def cmd_sweep(args: argparse.Namespace) -> int:
    from model import sweeps

    base = parse_sets(args.set)
    template = args.template or "seed"
    _input(args.input, "--input")
    check_outputs(args.output)
    for swept in (args.input, args.col_input):  # the sweep's values would silently replace the --set
        if swept in base:
            raise InputError(f"--set {swept}={base[swept]:g}: {swept} is swept (--input/--col-input); drop one")
    _files(args)
    kw = {"values": parse_list(args.values, "--values")} if args.values is not None else \
        dict(zip(("lo", "hi", "n"), parse_range(args.range, "--range")))
    if args.col_input is None:
        if args.col_values is not None or args.col_range is not None:
            raise InputError("--col-values/--col-range need --col-input")
        outputs = args.output or [o for o in OUTPUTS if args.input in sweeps.depends_on(o)]
        if not outputs:
            raise InputError(f"no output reads {args.input}; name one with --output")
        frame = sweeps.one_way(args.input, outputs=outputs, template=template, inputs=base, **kw)
        if args.json:
            print(fmt.dumps({"input": args.input, "unit": INPUTS[args.input].unit, "template": template, "set": base,
                             "values": list(frame.index), "outputs": {c: {"unit": OUTPUTS[c].unit, "values": frame[c]
                                                                          .tolist()} for c in frame.columns}}))
        else:
            print(f"One-way sweep of {args.input} [{INPUTS[args.input].unit}] ({_where(args)})\n")
            print(_one_way_table(frame))
        if args.png:
            from .plots import plot_one_way

            _note(plot_one_way(frame, args.png, overwrite=args.overwrite), args)
        return 0
    if args.col_values is None and args.col_range is None:
        raise InputError("--col-input needs --col-values or --col-range")
    if not args.output or len(args.output) != 1:
        raise InputError("a two-way sweep shows one output: give exactly one --output")
    _input(args.col_input, "--col-input")
    rows = kw["values"] if args.values is not None else sweeps._values(args.input, None, kw["lo"], kw["hi"], kw["n"])
    if args.col_values is not None:
        cols = parse_list(args.col_values, "--col-values")
    else:
        cols = sweeps._values(args.col_input, None, *parse_range(args.col_range, "--col-range"))
    if len(rows) * len(cols) > MAX_CELLS:
        raise InputError(f"two-way sweep: {len(rows):,} × {len(cols):,} cells; at most {MAX_CELLS:,}")
    out = args.output[0]
    frame = sweeps.two_way(args.input, rows, args.col_input, cols, out, template, base)
    unit = OUTPUTS[out].unit
    if args.json:
        print(fmt.dumps({"output": out, "unit": unit, "row_input": args.input, "col_input": args.col_input,
                         "template": template, "set": base, "rows": list(frame.index), "cols": list(frame.columns),
                         "grid": frame.to_numpy()}))
    else:
        ri, ci = INPUTS[args.input].unit, INPUTS[args.col_input].unit
        print(f"{out} [{unit}]: rows {args.input} [{ri}], columns {args.col_input} [{ci}] ({_where(args)})\n")
        header = [f"{args.input} \\ {args.col_input}", *fmt.axis(list(frame.columns), ci)]
        print(fmt.table([[i, *(fmt.value(v, unit) for v in r)]
                         for i, r in zip(fmt.axis(list(frame.index), ri), frame.to_numpy())], header))
    if args.png:
        from .plots import plot_two_way

        _note(plot_two_way(frame, args.png, overwrite=args.overwrite), args)
    return 0


def _one_way_table(frame: pd.DataFrame) -> str:
    """Values as rows when there are few outputs, else outputs as rows (the narrower table)."""
    name = frame.index.name
    unit = INPUTS[name].unit
    if frame.shape[1] <= 3 or frame.shape[1] < frame.shape[0]:
        header = [name, *[f"{c} [{OUTPUTS[c].unit}]" for c in frame.columns]]
        return fmt.table([[i, *(fmt.value(v, OUTPUTS[c].unit) for c, v in zip(frame.columns, r))]
                          for i, r in zip(fmt.axis(list(frame.index), unit), frame.to_numpy())], header)
    header = ["output", "unit", *[f"{name}={v}" for v in fmt.axis(list(frame.index), unit)]]
    return fmt.table([[c, OUTPUTS[c].unit, *(fmt.value(v, OUTPUTS[c].unit) for v in frame[c].to_numpy())]
                      for c in frame.columns], header, right=set(range(2, len(header))))


def parse_ranges(pairs: list[str] | None) -> dict[str, tuple[float, float]]:
    """`--range name=low,high` pairs of the tornado; the domain and low ≤ high are sweeps.tornado's to check."""
    out: dict[str, tuple[float, float]] = {}
    for name, text in named_pairs(pairs, "--range", "name=low,high"):
        ends, domain = text.split(","), f"allowed domain of {name}: {INPUTS[name].domain.text()}"
        if len(ends) != 2:
            raise InputError(f"--range {name}={text!r}: expected two numbers, low,high ({domain})")
        try:
            out[name] = (_float(ends[0], f"--range {name} low"), _float(ends[1], f"--range {name} high"))
        except InputError as exc:
            raise InputError(f"{exc}; {domain}") from None
    return out


def cmd_tornado(args: argparse.Namespace) -> int:
    from model import sweeps

    if args.top < 0:
        raise InputError(f"--top {args.top}: must be ≥ 0 (0 = all)")
    if len(args.output) != 1:  # argparse would keep the last one silently
        raise InputError(f"a tornado ranks the inputs for one output: give exactly one --output (got "
                         f"{', '.join(map(repr, args.output))})")
    args.output = args.output[0]
    base = parse_sets(args.set)
    ranges = parse_ranges(args.range)
    template = args.template or "seed"
    check_outputs(args.output)
    _files(args)
    frame = sweeps.tornado(args.output, inputs=args.input, pct=args.pct, mode=args.mode, template=template,
                           base=base, ranges=ranges)
    shown = frame if args.top == 0 else frame.head(args.top)
    out = frame.attrs["output"]
    unit = OUTPUTS[out].unit
    if args.json:
        print(fmt.dumps({"output": out, "unit": unit, "base_output": frame.attrs["base_output"], "pct": args.pct,
                         "mode": args.mode, "ranges": ranges, "template": template, "set": base,
                         "rows": [r | {"rank": int(i)} for i, r in zip(shown.index, shown.to_dict("records"))]}))
    else:
        pct = f"±{args.pct * 100:g}%"
        how = pct if args.mode == "pct" else f"over its range (else {pct})"
        if ranges:
            how += f"; {', '.join(ranges)} over the given range{'s' if len(ranges) > 1 else ''}"
        print(f"Tornado of {out} [{unit}], base {fmt.value(frame.attrs['base_output'], unit)}, each input moved "
              f"alone {how} ({_where(args)})\n")
        rows = []
        for i, r in zip(shown.index, shown.itertuples()):
            iu = INPUTS[r.input].unit
            rows.append([str(i), r.input, iu, fmt.value(r.low_value, iu), fmt.value(r.high_value, iu),
                         *(fmt.value(v, unit) for v in (r.output_at_low, r.output_at_high, r.swing))])
        print(fmt.table(rows, ["#", "input", "unit", "low", "high", "output at low", "output at high", "swing"],
                        right={0, 3, 4, 5, 6, 7}))
        lo, hi = frame["output_at_low"].isna(), frame["output_at_high"].isna()
        base_na = math.isnan(frame.attrs["base_output"])
        one = int(((lo ^ hi) & (not base_na)).sum())  # ranked by the other end's move from the base
        last = int((lo | hi).sum()) - one  # undefined at both ends, or at one with the base undefined: ranked last
        # an IRR solved to 1e-13 moves by ~1e-16 when an input it does not read moves: a swing of 0 too
        flat = frame["swing"].abs() <= 1e-12 * max(1.0, abs(frame.attrs["base_output"]))
        notes = [f"{int(flat.sum())} of {len(frame)} have swing 0 (within 1e-12 of the base)"]
        if one:
            notes.append(f"{one} {'leaves' if one == 1 else 'leave'} {out} undefined (n/a) at one end, ranked by the "
                         f"other end's move from the base")
        if last:
            notes.append(f"{last} {'leaves' if last == 1 else 'leave'} it undefined at both ends"
                         + (" or at one, with the base undefined too, ranked after the rest" if base_na else
                            ", ranked last"))
        outside = [r.input for r in frame.itertuples() if r.basis == "range" and not r.low_value <= r.base_value
                   <= r.high_value]
        if outside:  # both ends of the bar on one side of the base: meant, perhaps, but worth saying
            notes.append(f"the base lies outside the given range of {', '.join(outside)}")
        # a ±pct move stopped at the domain's edge (utilization 1 moves down only): a shorter bar, said so (of the
        # bars shown; an input whose output does not move has no bar to shorten)
        clipped = [r.input for r, still in zip(shown.itertuples(), flat[shown.index]) if r.clipped and not still]
        if clipped:
            notes.append(f"{', '.join(clipped)} moved less than {pct} at one end or both: clipped into "
                         f"{'its' if len(clipped) == 1 else 'their'} domain{'' if len(clipped) == 1 else 's'}, "
                         "or rounded to a whole number")
        if len(shown) < len(frame) or one or last or flat.any() or outside or clipped:
            more = f"{len(frame) - len(shown)} more inputs (--top 0 shows all); " if len(shown) < len(frame) else ""
            print(f"\n{more}{'; '.join(notes)}")
    if args.png:
        from .plots import plot_tornado

        _note(plot_tornado(shown, args.png, overwrite=args.overwrite), args)
    return 0


def _check_draws(n: int, spec, outputs: list[str] | None) -> None:
    """Refuse a run whose draws would not fit in memory, saying how much it would need."""
    from model import sweeps

    drawn = {d.name for d in spec.draws}
    names = outputs or spec.outputs or [o for o in OUTPUTS if sweeps.depends_on(o) & drawn]
    columns = len(drawn) + len(names) + len(spec.thresholds)
    if n > MAX_DRAWS:
        need = n * columns * BYTES_PER_VALUE
        raise InputError(f"--n {n:,}: would need about {need / 1e9:,.1f} GB of memory ({columns} columns × "
                         f"{BYTES_PER_VALUE} bytes per draw); at most {MAX_DRAWS:,} draws")


def cmd_monte_carlo(args: argparse.Namespace) -> int:
    from model import sweeps

    fixed = parse_sets(args.set)
    spec = sweeps.load_spec(args.spec)
    n = args.n if args.n is not None else spec.n
    check_outputs(args.output)
    _check_draws(n, spec, args.output)
    _files(args)
    # the bar (stderr): with --progress always, else on a terminal for large runs; never with --no-progress
    if args.no_progress:
        progress = False
    elif args.progress:
        progress = True
    else:
        progress = None if n >= PROGRESS_FROM else False
    result = sweeps.monte_carlo(args.spec, n=args.n, seed=args.seed, outputs=args.output, template=args.template,
                                inputs=fixed, progress=progress, keep_inputs=True if args.csv else None)
    s = result.summary
    if args.json:
        print(fmt.dumps({"spec": str(args.spec), "n": result.n, "seed": result.spec.seed,
                         "template": str(result.spec.template), "set": fixed,
                         "inputs": {d.name: {"dist": d.dist, **d.params, "truncate": d.truncate} for d in result.spec.draws},
                         "summary": s.to_dict("index"), "probabilities": result.probabilities.to_dict("records")}))
    else:
        print(f"Monte Carlo: {result.n:,} draws, seed {result.spec.seed}, template {result.spec.template}"
              f"{', ' + ', '.join(args.set) if args.set else ''}")
        print("drawn: " + "; ".join(f"{d.name} ~ {d.describe()}{' truncated' if d.truncate else ''}"
                                    for d in result.spec.draws) + "\n")
        undefined = bool(s["undefined"].any())
        rows = [[o, r["unit"], *(fmt.value(r[k], r["unit"]) for k in ("mean", "sd", "p5", "p50", "p95"))]
                + ([fmt.value(r["undefined"], "%")] if undefined else []) for o, r in s.iterrows()]
        header = ["output", "unit", "mean", "sd", "P5", "P50", "P95"] + (["undefined"] if undefined else [])
        print(fmt.table(rows, header, right=set(range(2, len(header)))))
        if len(result.probabilities):
            print("\n" + fmt.table([[r.output, f"{'<' if r.condition == 'below' else '>'} "
                                     f"{fmt.value(r.threshold, OUTPUTS[r.output].unit)}", f"{r.probability * 100:.4f} %"]
                                    for r in result.probabilities.itertuples()],
                                   ["output", "condition", "probability"], right={2}))
        print("\npercentiles: numpy.percentile (linear interpolation); sd: sample (ddof=1)" + (
            "; mean, sd, percentiles and probabilities are over the draws where the output is defined: an undefined "
            "one (no payback, no IRR: often the worst draws) counts on neither side of a threshold" if undefined
            else ""))
    if args.csv:
        from xl.atomic import write_atomic

        path, _ = write_atomic(args.csv, lambda tmp: result.samples.to_csv(tmp, index_label="draw"), "--csv",
                               args.overwrite, (".csv",))
        _note(path, args)
    if args.png:
        from .plots import plot_monte_carlo

        _note(plot_monte_carlo(result, args.png, overwrite=args.overwrite), args)
    return 0


HANDLERS = {"sweep": cmd_sweep, "tornado": cmd_tornado, "monte-carlo": cmd_monte_carlo}


# --------------------------------------------------------------------------------------
# arguments
# --------------------------------------------------------------------------------------

def _common(p: argparse.ArgumentParser, template: bool = True) -> None:
    if template:
        p.add_argument("--template", default=None, help="bundled template name or path to a .toml (default seed)")
        p.add_argument("--set", action="append", metavar="NAME=VALUE", help="override an input (repeatable)")
    p.add_argument("--json", action="store_true", help="JSON on stdout, for scripts (undefined numbers are null)")
    p.add_argument("--png", metavar="PATH", help="also write a chart (.png, .svg or .pdf)")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")


def register(sub) -> None:
    """Add `sweep`, `tornado` and `monte-carlo` to argparse sub-parsers."""
    s = sub.add_parser("sweep", help="one-way or two-way sensitivity table",
                       description="One input (rows) or two (rows x columns) moved over given values; every "
                                   "other input from the template and --set. One vectorised evaluation.")
    s.add_argument("--input", required=True, metavar="NAME", help="input to sweep (the rows)")
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--values", metavar="A,B,C", help="the input's values")
    g.add_argument("--range", metavar="LO,HI,N",
                   help=f"N evenly spaced values from LO to HI (N ≤ {MAX_POINTS:,}; for an integer input rounded to "
                        f"whole numbers, halves to even, repeats dropped: fewer rows than N where LO..HI is short)")
    s.add_argument("--col-input", metavar="NAME", help="second input (the columns): a two-way grid of one output")
    gc = s.add_mutually_exclusive_group()
    gc.add_argument("--col-values", metavar="A,B,C", help="the second input's values")
    gc.add_argument("--col-range", metavar="LO,HI,N", help="N evenly spaced values of the second input (rounded "
                                                            "and without repeats for an integer input, as --range)")
    s.add_argument("--output", action="append", metavar="NAME",
                   help="output to show (repeatable; default: every output that reads the input; "
                        "exactly one for a two-way grid)")
    _common(s)

    t = sub.add_parser("tornado", help="one output's swing as each input moves alone",
                       description="Each input moved down and up by --pct (clipped into its domain; integer "
                                   "inputs rounded) with the others at base; ranked by |swing|. The four share_* "
                                   "inputs are left out: one share cannot move alone, they must sum to 1.")
    t.add_argument("--output", required=True, action="append", metavar="NAME", help="the output (one)")
    t.add_argument("--pct", type=float, default=0.1, help="relative move, 0 < pct < 1 (default 0.1 = ±10%%)")
    t.add_argument("--mode", choices=("pct", "range"), default="pct",
                   help="range: inputs with a closed finite domain move across all of it, the others by --pct")
    t.add_argument("--input", action="append", metavar="NAME", help="move only these inputs (repeatable)")
    t.add_argument("--range", action="append", metavar="NAME=LOW,HIGH",
                   help="move NAME from LOW to HIGH instead, in either mode (repeatable): the way to move an input "
                        "whose base is 0")
    t.add_argument("--top", type=int, default=15, help="rows to show (default 15; 0 = all)")
    _common(t)

    m = sub.add_parser("monte-carlo", help="draw inputs from distributions, summarise outputs",
                       description="Inputs drawn as a TOML spec says (see examples/monte_carlo.toml); mean, sd, "
                                   "P5/P50/P95 (numpy.percentile, linear) and threshold probabilities per output.")
    m.add_argument("spec", metavar="SPEC.toml", help="the spec file")
    m.add_argument("--n", type=_count, default=None,
                   help=f"number of draws (default: the spec's, else 100000; at most {MAX_DRAWS:,})")
    m.add_argument("--seed", type=_seed, default=None, help="random seed (default: the spec's, else 0)")
    m.add_argument("--output", action="append", metavar="NAME", help="outputs to report (repeatable; default: spec)")
    m.add_argument("--template", default=None, help="template (default: the spec's, else seed)")
    m.add_argument("--set", action="append", metavar="NAME=VALUE", help="fix an input for every draw (repeatable)")
    m.add_argument("--csv", metavar="PATH", help="write every draw (inputs and outputs) to a .csv file")
    pg = m.add_mutually_exclusive_group()
    pg.add_argument("--progress", action="store_true", help="progress bar on stderr even when it is not a terminal")
    pg.add_argument("--no-progress", action="store_true", help="no progress bar")
    _common(m, template=False)
