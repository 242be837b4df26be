"""Command line for the sweeps: `sweep`, `tornado` and `monte-carlo` sub-commands of `python -m model`.

The main CLI calls `register(sub)` with its argparse sub-parsers and dispatches through
`HANDLERS` (command -> handler(args) -> exit code); bad input raises `InputError`.

    python -m model sweep --input gpu_price --range 20000,32000,7 --output capex_per_gpu_hour
    python -m model sweep --input serving_utilization --values 0.5,0.7,0.9 \\
        --col-input optimization_multiplier --col-values 1,2,4 --output cost_per_m_output_tokens --png grid.png
    python -m model tornado --output cost_per_m_output_tokens --pct 0.1 --top 15 --png tornado.png
    python -m model monte-carlo examples/monte_carlo.toml --n 1000000 --seed 1 --png mc.png
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .registry import INPUTS, OUTPUTS, suggest
from .validate import parse_sets

__all__ = ["HANDLERS", "cmd_monte_carlo", "cmd_sweep", "cmd_tornado", "plot_monte_carlo", "plot_one_way",
           "plot_tornado", "plot_two_way", "register"]

PROGRESS_FROM = 200_000  # Monte Carlo runs this large show a progress bar (on a terminal)


# --------------------------------------------------------------------------------------
# argument parsing
# --------------------------------------------------------------------------------------

def _float(text: str, what: str) -> float:
    try:
        return float(text.strip().replace("_", ""))
    except ValueError:
        raise InputError(f"{what}: {text.strip()!r} is not a number") from None


def parse_list(text: str, what: str) -> list[float]:
    """'a,b,c' as floats."""
    items = [t for t in text.split(",") if t.strip()]
    if not items:
        raise InputError(f"{what}: expected comma-separated numbers, got {text!r}")
    return [_float(t, what) for t in items]


def parse_range(text: str, what: str) -> tuple[float, float, int]:
    """'lo,hi,n' (n ≥ 2 evenly spaced values)."""
    parts = text.split(",")
    if len(parts) != 3:
        raise InputError(f"{what}: expected lo,hi,n, got {text!r}")
    lo, hi, n = (_float(p, what) for p in parts)
    if not float(n).is_integer() or n < 2:
        raise InputError(f"{what}: n = {parts[2].strip()!r} must be a whole number ≥ 2")
    return lo, hi, int(n)


def _count(text: str) -> int:
    """A whole number of draws: 100000, 100_000 or 1e5."""
    try:
        v = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not v.is_integer() or v < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number ≥ 1")
    return int(v)


def _common(p: argparse.ArgumentParser, template: bool = True) -> None:
    if template:
        p.add_argument("--template", default=None, help="bundled template name or path to a .toml (default seed)")
        p.add_argument("--set", action="append", metavar="NAME=VALUE", help="override an input (repeatable)")
    p.add_argument("--json", action="store_true", help="JSON on stdout, for scripts")
    p.add_argument("--png", metavar="PATH", help="also write a chart (PNG)")


def register(sub) -> None:
    """Add `sweep`, `tornado` and `monte-carlo` to argparse sub-parsers."""
    s = sub.add_parser("sweep", help="one-way or two-way sensitivity table",
                       description="One input (rows) or two (rows x columns) moved over given values; every "
                                   "other input from the template and --set. One vectorised evaluation.")
    s.add_argument("--input", required=True, metavar="NAME", help="input to sweep (the rows)")
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--values", metavar="A,B,C", help="the input's values")
    g.add_argument("--range", metavar="LO,HI,N", help="N evenly spaced values from LO to HI")
    s.add_argument("--col-input", metavar="NAME", help="second input (the columns): a two-way grid of one output")
    gc = s.add_mutually_exclusive_group()
    gc.add_argument("--col-values", metavar="A,B,C", help="the second input's values")
    gc.add_argument("--col-range", metavar="LO,HI,N", help="N evenly spaced values of the second input")
    s.add_argument("--output", action="append", metavar="NAME",
                   help="output to show (repeatable; default: every output that reads the input; "
                        "exactly one for a two-way grid)")
    _common(s)

    t = sub.add_parser("tornado", help="one output's swing as each input moves alone",
                       description="Each input moved down and up by --pct (clipped into its domain; integer "
                                   "inputs rounded) with the others at base; ranked by |swing|. The four share_* "
                                   "inputs are left out: one share cannot move alone, they must sum to 1.")
    t.add_argument("--output", required=True, metavar="NAME", help="the output")
    t.add_argument("--pct", type=float, default=0.1, help="relative move, 0 < pct < 1 (default 0.1 = ±10%%)")
    t.add_argument("--mode", choices=("pct", "range"), default="pct",
                   help="range: inputs with a closed finite domain move across all of it, the others by --pct")
    t.add_argument("--input", action="append", metavar="NAME", help="move only these inputs (repeatable)")
    t.add_argument("--top", type=int, default=15, help="rows to show (default 15; 0 = all)")
    _common(t)

    m = sub.add_parser("monte-carlo", help="draw inputs from distributions, summarise outputs",
                       description="Inputs drawn as a TOML spec says (see examples/monte_carlo.toml); mean, sd, "
                                   "P5/P50/P95 (numpy.percentile, linear) and threshold probabilities per output.")
    m.add_argument("spec", metavar="SPEC.toml", help="the spec file")
    m.add_argument("--n", type=_count, default=None, help="number of draws (default: the spec's, else 100000)")
    m.add_argument("--seed", type=int, default=None, help="random seed (default: the spec's, else 0)")
    m.add_argument("--output", action="append", metavar="NAME", help="outputs to report (repeatable; default: spec)")
    m.add_argument("--template", default=None, help="template (default: the spec's, else seed)")
    m.add_argument("--set", action="append", metavar="NAME=VALUE", help="fix an input for every draw (repeatable)")
    m.add_argument("--csv", metavar="PATH", help="write every draw (inputs and outputs) to a CSV file")
    m.add_argument("--no-progress", action="store_true", help="no progress bar")
    _common(m, template=False)


# --------------------------------------------------------------------------------------
# formatting
# --------------------------------------------------------------------------------------

def _fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return "n/a"
        return f"{v:,.6g}" if abs(v) < 1e6 else f"{v:,.0f}"
    return str(v)


def _table(rows: list[list], header: list[str], right: set[int] | None = None) -> str:
    right = set(range(1, len(header))) if right is None else right
    cells = [[str(h) for h in header], *[[_fmt(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def fmt_row(r: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths,
                                                                                               strict=True)))

    return "\n".join([fmt_row(cells[0]), "  ".join("-" * w for w in widths), *map(fmt_row, cells[1:])])


def _jsonable(v):
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def _unit(name: str) -> str:
    unit = OUTPUTS[name].unit if name in OUTPUTS else INPUTS[name].unit
    return unit


def _axis_label(name: str, percent_ticks: bool = True) -> str:
    """'Label [unit]'; a '%' quantity is a fraction: its axis shows percent ticks, else says 'fraction'."""
    node = OUTPUTS.get(name) or INPUTS[name]
    unit = node.unit
    if unit == "%" and not percent_ticks:
        unit = "fraction, 1 = 100%"
    return f"{node.label} [{unit}]" if unit else node.label


def _percent_axis(axis, name: str) -> None:
    from matplotlib.ticker import PercentFormatter

    if _unit(name) == "%":
        axis.set_major_formatter(PercentFormatter(1.0))


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: str | Path) -> Path:
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise InputError(f"--png {str(path)!r}: folder {str(path.parent)!r} does not exist")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    _plt().close(fig)
    return path


def _where(args) -> str:
    t = args.template or "seed"
    sets = ", ".join(args.set or [])
    return f"template {t}" + (f", {sets}" if sets else "")


# --------------------------------------------------------------------------------------
# charts
# --------------------------------------------------------------------------------------

def plot_one_way(frame: pd.DataFrame, path: str | Path, max_outputs: int = 8) -> Path:
    """Lines of each output against the swept input; one panel per output unit."""
    plt = _plt()
    name = frame.index.name
    cols = list(frame.columns)[:max_outputs]
    units = list(dict.fromkeys(OUTPUTS[c].unit for c in cols))
    fig, axes = plt.subplots(len(units), 1, figsize=(8, 2.8 * len(units) + 0.8), squeeze=False, sharex=True,
                             layout="constrained")
    for ax, unit in zip(axes[:, 0], units, strict=True):
        group = [c for c in cols if OUTPUTS[c].unit == unit]
        for c in group:
            ax.plot(frame.index, frame[c], marker="o", ms=3, label=OUTPUTS[c].label)
        ax.set_ylabel(f"[{unit}]")
        _percent_axis(ax.yaxis, group[0])
        ax.grid(alpha=0.3)
        if len(group) > 1:
            ax.legend(fontsize=8)
        else:
            ax.set_title(OUTPUTS[group[0]].label, fontsize=9)
    axes[-1, 0].set_xlabel(_axis_label(name))
    _percent_axis(axes[-1, 0].xaxis, name)
    more = f" (first {max_outputs} of {frame.shape[1]} outputs)" if frame.shape[1] > max_outputs else ""
    fig.suptitle(f"One-way sweep of {INPUTS[name].label}{more}")
    return _save(fig, path)


def plot_two_way(frame: pd.DataFrame, path: str | Path) -> Path:
    """A heat map of the output over the two inputs, annotated when the grid is small."""
    plt = _plt()
    output = frame.attrs["output"]
    rows, cols = frame.index, frame.columns
    fig, ax = plt.subplots(figsize=(1.1 * len(cols) + 3.5, 0.5 * len(rows) + 2.5))
    im = ax.imshow(frame.to_numpy(), aspect="auto", cmap="viridis", origin="lower")
    ax.set_xticks(range(len(cols)), [_fmt(float(c)) for c in cols], rotation=45 if len(cols) > 6 else 0)
    ax.set_yticks(range(len(rows)), [_fmt(float(r)) for r in rows])
    ax.set_xlabel(_axis_label(cols.name, percent_ticks=False))
    ax.set_ylabel(_axis_label(rows.name, percent_ticks=False))
    if frame.size <= 144:
        values = frame.to_numpy()
        mid = np.nanmean(values)
        for i in range(len(rows)):
            for j in range(len(cols)):
                ax.text(j, i, f"{values[i, j]:.4g}", ha="center", va="center", fontsize=8,
                        color="white" if values[i, j] < mid else "black")
    bar = fig.colorbar(im, ax=ax)
    bar.set_label(_axis_label(output, percent_ticks=False))
    ax.set_title(f"{OUTPUTS[output].label} by {INPUTS[rows.name].label} and {INPUTS[cols.name].label}")
    return _save(fig, path)


def plot_tornado(frame: pd.DataFrame, path: str | Path) -> Path:
    """Horizontal bars from the base output to the output at each input's low and high value."""
    plt = _plt()
    output = frame.attrs["output"]
    base = frame.attrs["base_output"]
    f = frame.iloc[::-1]  # largest swing on top
    fig, ax = plt.subplots(figsize=(9, 0.38 * len(f) + 1.6))
    y = np.arange(len(f))
    ax.barh(y, f["output_at_low"] - base, left=base, color="#4477aa", label="input at low value")
    ax.barh(y, f["output_at_high"] - base, left=base, color="#ee6677", label="input at high value")
    ax.axvline(base, color="black", lw=0.8)
    ax.set_yticks(y, [f"{r.input} ({_fmt(r.low_value)} – {_fmt(r.high_value)})" for r in f.itertuples()],
                  fontsize=8)
    ax.set_xlabel(_axis_label(output))
    ax.set_ylabel("input (low – high value)")
    _percent_axis(ax.xaxis, output)
    how = f"±{frame.attrs['pct']:.0%}" if frame.attrs.get("mode") == "pct" else "ranges"
    ax.set_title(f"Tornado: {OUTPUTS[output].label} ({how}; base {_fmt(base)} {OUTPUTS[output].unit})")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


def plot_monte_carlo(result, path: str | Path, max_outputs: int = 6) -> Path:
    """A histogram per output with P5, P50, P95 (and any threshold) marked."""
    plt = _plt()
    names = list(result.summary.index)[:max_outputs]
    ncols = 1 if len(names) == 1 else 2
    nrows = math.ceil(len(names) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(6.5 * ncols, 3.6 * nrows), squeeze=False, layout="constrained")
    for ax, name in zip(axes.flat, names, strict=False):
        x = result.samples[name].to_numpy()
        x = x[~np.isnan(x)]
        s = result.summary.loc[name]
        ax.hist(x, bins=80, color="#88aacc", edgecolor="none")
        for q, style in (("p5", ":"), ("p50", "-"), ("p95", ":")):
            ax.axvline(s[q], color="black", ls=style, lw=1.2, label=f"{q.upper()} = {_fmt(s[q])}")
        for cond in ("below", "above"):
            if not math.isnan(s[cond]):
                ax.axvline(s[cond], color="#cc3311", ls="--", lw=1.2,
                           label=f"P({'<' if cond == 'below' else '>'} {_fmt(s[cond])}) = {s['p_' + cond]:.1%}")
        ax.set_xlabel(_axis_label(name))
        ax.set_ylabel("draws")
        _percent_axis(ax.xaxis, name)
        ax.set_title(OUTPUTS[name].label, fontsize=10)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    fig.suptitle(f"Monte Carlo: {result.n:,} draws, seed {result.spec.seed}")
    return _save(fig, path)


# --------------------------------------------------------------------------------------
# handlers
# --------------------------------------------------------------------------------------

def _note_png(path: Path, as_json: bool) -> None:
    print(f"wrote {path}", file=sys.stderr if as_json else sys.stdout)


def cmd_sweep(args) -> int:
    from . import sweeps

    base = parse_sets(args.set)
    template = args.template or "seed"
    if args.input not in INPUTS:
        raise InputError(f"--input: unknown input {args.input!r}{suggest(args.input)}")
    kw = {"values": parse_list(args.values, "--values")} if args.values else \
        dict(zip(("lo", "hi", "n"), parse_range(args.range, "--range"), strict=True))
    if args.col_input is None:
        if args.col_values or args.col_range:
            raise InputError("--col-values/--col-range need --col-input")
        outputs = args.output or [o for o in OUTPUTS if args.input in sweeps.depends_on(o)]
        if not outputs:
            raise InputError(f"no output reads {args.input}; name one with --output")
        frame = sweeps.one_way(args.input, outputs=outputs, template=template, inputs=base, **kw)
        if args.json:
            print(json.dumps({"input": args.input, "unit": INPUTS[args.input].unit, "template": template,
                              "set": base, "values": [float(v) for v in frame.index],
                              "outputs": {c: {"unit": OUTPUTS[c].unit, "values": [_jsonable(v) for v in frame[c]]}
                                          for c in frame.columns}}, indent=1))
        else:
            print(f"One-way sweep of {args.input} [{INPUTS[args.input].unit}] ({_where(args)})\n")
            print(_one_way_table(frame))
        if args.png:
            _note_png(plot_one_way(frame, args.png), args.json)
        return 0
    if not (args.col_values or args.col_range):
        raise InputError("--col-input needs --col-values or --col-range")
    if not args.output or len(args.output) != 1:
        raise InputError("a two-way sweep shows one output: give exactly one --output")
    if args.col_input not in INPUTS:
        raise InputError(f"--col-input: unknown input {args.col_input!r}{suggest(args.col_input)}")
    rows = kw["values"] if args.values else sweeps._values(args.input, None, kw["lo"], kw["hi"], kw["n"])
    if args.col_values:
        cols = parse_list(args.col_values, "--col-values")
    else:
        cols = sweeps._values(args.col_input, None, *parse_range(args.col_range, "--col-range"))
    frame = sweeps.two_way(args.input, rows, args.col_input, cols, args.output[0], template, base)
    out = args.output[0]
    if args.json:
        print(json.dumps({"output": out, "unit": OUTPUTS[out].unit, "row_input": args.input,
                          "col_input": args.col_input, "template": template, "set": base,
                          "rows": [float(v) for v in frame.index], "cols": [float(v) for v in frame.columns],
                          "grid": [[_jsonable(v) for v in r] for r in frame.to_numpy()]}, indent=1))
    else:
        print(f"{out} [{OUTPUTS[out].unit}]: rows {args.input} [{INPUTS[args.input].unit}], columns "
              f"{args.col_input} [{INPUTS[args.col_input].unit}] ({_where(args)})\n")
        header = [f"{args.input} \\ {args.col_input}", *[_fmt(float(c)) for c in frame.columns]]
        print(_table([[_fmt(float(i)), *r] for i, r in zip(frame.index, frame.to_numpy(), strict=True)], header))
    if args.png:
        _note_png(plot_two_way(frame, args.png), args.json)
    return 0


def _one_way_table(frame: pd.DataFrame) -> str:
    """Values as rows when there are few outputs, else outputs as rows (the narrower table)."""
    name = frame.index.name
    if frame.shape[1] <= 3 or frame.shape[1] < frame.shape[0]:
        header = [name, *[f"{c} [{OUTPUTS[c].unit}]" for c in frame.columns]]
        return _table([[_fmt(float(i)), *r] for i, r in zip(frame.index, frame.to_numpy(), strict=True)], header)
    header = ["output", "unit", *[f"{name}={_fmt(float(v))}" for v in frame.index]]
    return _table([[c, OUTPUTS[c].unit, *frame[c].to_numpy()] for c in frame.columns], header, right=None)


def cmd_tornado(args) -> int:
    from . import sweeps

    if args.top < 0:
        raise InputError(f"--top {args.top}: must be ≥ 0 (0 = all)")
    base = parse_sets(args.set)
    template = args.template or "seed"
    frame = sweeps.tornado(args.output, inputs=args.input, pct=args.pct, mode=args.mode, template=template,
                           base=base)
    shown = frame if args.top == 0 else frame.head(args.top)
    out = frame.attrs["output"]
    if args.json:
        print(json.dumps({"output": out, "unit": OUTPUTS[out].unit, "base_output": _jsonable(frame.attrs[
            "base_output"]), "pct": args.pct, "mode": args.mode, "template": template, "set": base,
            "rows": [{k: _jsonable(v) for k, v in r.items()} | {"rank": int(i)}
                     for i, r in zip(shown.index, shown.to_dict("records"), strict=True)]}, indent=1))
    else:
        how = f"±{args.pct:g}" if args.mode == "pct" else f"ranges (else ±{args.pct:g})"
        print(f"Tornado of {out} [{OUTPUTS[out].unit}], base {_fmt(frame.attrs['base_output'])}, each input moved "
              f"{how} alone ({_where(args)})\n")
        rows = [[i, r.input, INPUTS[r.input].unit, r.low_value, r.high_value, r.output_at_low, r.output_at_high,
                 r.swing] for i, r in zip(shown.index, shown.itertuples(), strict=True)]
        print(_table(rows, ["#", "input", "unit", "low", "high", "output at low", "output at high", "swing"],
                     right={0, 3, 4, 5, 6, 7}))
        if len(shown) < len(frame):
            print(f"\n{len(frame) - len(shown)} more inputs (--top 0 shows all); "
                  f"{int((frame['swing'] == 0).sum())} of {len(frame)} have swing 0")
    if args.png:
        _note_png(plot_tornado(shown, args.png), args.json)
    return 0


def cmd_monte_carlo(args) -> int:
    from . import sweeps

    fixed = parse_sets(args.set)
    spec = sweeps.load_spec(args.spec)
    n = args.n if args.n is not None else spec.n
    progress = None if (n >= PROGRESS_FROM and not args.no_progress) else False
    result = sweeps.monte_carlo(args.spec, n=args.n, seed=args.seed, outputs=args.output, template=args.template,
                                inputs=fixed, progress=progress)
    s = result.summary
    if args.json:
        print(json.dumps({"spec": str(args.spec), "n": result.n, "seed": result.spec.seed,
                          "template": str(result.spec.template), "set": fixed,
                          "inputs": {d.name: {"dist": d.dist, **d.params, "truncate": d.truncate}
                                     for d in result.spec.draws},
                          "summary": {o: {k: _jsonable(v) for k, v in row.items()} for o, row in
                                      s.to_dict("index").items()},
                          "probabilities": [{k: _jsonable(v) for k, v in r.items()}
                                            for r in result.probabilities.to_dict("records")]}, indent=1))
    else:
        print(f"Monte Carlo: {result.n:,} draws, seed {result.spec.seed}, template {result.spec.template}"
              f"{', ' + ', '.join(args.set) if args.set else ''}")
        print("drawn: " + "; ".join(f"{d.name} ~ {d.describe()}{' truncated' if d.truncate else ''}"
                                    for d in result.spec.draws) + "\n")
        rows = [[o, r["unit"], r["mean"], r["sd"], r["p5"], r["p50"], r["p95"]]
                + ([f"{r['undefined']:.2%}"] if s["undefined"].any() else []) for o, r in s.iterrows()]
        header = ["output", "unit", "mean", "sd", "P5", "P50", "P95"] + (["undefined"] if s["undefined"].any() else [])
        print(_table(rows, header, right=set(range(2, len(header)))))
        if len(result.probabilities):
            print("\n" + _table([[r.output, f"{'<' if r.condition == 'below' else '>'} {_fmt(r.threshold)}",
                                  f"{r.probability:.4%}"] for r in result.probabilities.itertuples()],
                                ["output", "condition", "probability"], right={2}))
        print("\npercentiles: numpy.percentile (linear interpolation); sd: sample (ddof=1)")
    if args.csv:
        result.samples.to_csv(args.csv, index_label="draw")
        print(f"wrote {args.csv}", file=sys.stderr if args.json else sys.stdout)
    if args.png:
        _note_png(plot_monte_carlo(result, args.png), args.json)
    return 0


HANDLERS = {"sweep": cmd_sweep, "tornado": cmd_tornado, "monte-carlo": cmd_monte_carlo}
