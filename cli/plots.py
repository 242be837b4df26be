"""Charts of the sweeps, tornado and Monte Carlo: the only module that imports matplotlib (lazily)."""

from __future__ import annotations

import functools
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from model.registry import INPUTS, OUTPUTS

from . import fmt

SUFFIXES = (".png", ".svg", ".pdf")  # what --png accepts: the chart's format is the extension


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


def _save(fig, path: str | Path, overwrite: bool = False) -> Path:
    """Through the atomic writer; the format is the file name's extension (checked before any work)."""
    from xl.atomic import write_atomic

    fmt_ = Path(path).suffix.lower().lstrip(".")

    def draw(tmp) -> None:
        try:
            fig.savefig(tmp, format=fmt_, dpi=110, bbox_inches="tight")
        except (ValueError, OverflowError) as exc:  # a tick locator on 1e308: arange cannot compute a length
            from xl.atomic import OutputError

            raise OutputError(f"--png {str(path)!r}: cannot draw these values ({exc}); the table above has them") \
                from None

    try:
        return write_atomic(path, draw, "--png", overwrite, suffixes=SUFFIXES)[0]
    finally:
        _plt().close(fig)


def _chart(plot):
    """A chart function run without warnings (numpy's and matplotlib's on an all-undefined grid or an empty
    histogram: the table printed before has the numbers)."""

    @functools.wraps(plot)
    def draw(*args, **kwargs) -> Path:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return plot(*args, **kwargs)

    return draw


# --------------------------------------------------------------------------------------
# charts
# --------------------------------------------------------------------------------------

@_chart
def plot_one_way(frame: pd.DataFrame, path: str | Path, max_outputs: int = 8, overwrite: bool = False) -> Path:
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
    return _save(fig, path, overwrite)


@_chart
def plot_two_way(frame: pd.DataFrame, path: str | Path, overwrite: bool = False) -> Path:
    """A heat map of the output over the two inputs, annotated when the grid is small."""
    plt = _plt()
    output = frame.attrs["output"]
    rows, cols = frame.index, frame.columns
    fig, ax = plt.subplots(figsize=(1.1 * len(cols) + 3.5, 0.5 * len(rows) + 2.5))
    im = ax.imshow(frame.to_numpy(), aspect="auto", cmap="viridis", origin="lower")
    ax.set_xticks(range(len(cols)), [fmt.value(float(c)) for c in cols], rotation=45 if len(cols) > 6 else 0)
    ax.set_yticks(range(len(rows)), [fmt.value(float(r)) for r in rows])
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
    return _save(fig, path, overwrite)


@_chart
def plot_tornado(frame: pd.DataFrame, path: str | Path, overwrite: bool = False) -> Path:
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
    ax.set_yticks(y, [f"{r.input} ({fmt.value(r.low_value)} – {fmt.value(r.high_value)})" for r in f.itertuples()],
                  fontsize=8)
    ax.set_xlabel(_axis_label(output))
    ax.set_ylabel("input (low – high value)")
    _percent_axis(ax.xaxis, output)
    how = f"±{frame.attrs['pct']:.0%}" if frame.attrs.get("mode") == "pct" else "ranges"
    ax.set_title(f"Tornado: {OUTPUTS[output].label} ({how}; base {fmt.value(base)} {OUTPUTS[output].unit})")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path, overwrite)


@_chart
def plot_monte_carlo(result, path: str | Path, max_outputs: int = 6, overwrite: bool = False) -> Path:
    """A histogram per output with P5, P50, P95 (and any threshold) marked."""
    plt = _plt()
    names = list(result.summary.index)[:max_outputs]
    ncols = 1 if len(names) == 1 else 2
    nrows = math.ceil(len(names) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(6.5 * ncols, 3.6 * nrows), squeeze=False, layout="constrained")
    for ax, name in zip(axes.flat, names, strict=False):
        x = result.samples[name].to_numpy()
        infinite = int(np.isinf(x).sum())  # an overflow at an extreme draw: no bin holds it, the title counts it
        x = x[np.isfinite(x)]
        s = result.summary.loc[name]
        ax.hist(x, bins=80, color="#88aacc", edgecolor="none")
        for q, style in (("p5", ":"), ("p50", "-"), ("p95", ":")):
            if math.isfinite(s[q]):
                ax.axvline(s[q], color="black", ls=style, lw=1.2, label=f"{q.upper()} = {fmt.value(s[q])}")
        for cond in ("below", "above"):
            if math.isfinite(s[cond]):
                ax.axvline(s[cond], color="#cc3311", ls="--", lw=1.2,
                           label=f"P({'<' if cond == 'below' else '>'} {fmt.value(s[cond])}) = {s['p_' + cond]:.1%}")
        ax.set_xlabel(_axis_label(name))
        ax.set_ylabel("draws")
        _percent_axis(ax.xaxis, name)
        ax.set_title(OUTPUTS[name].label + (f" ({infinite:,} infinite draws not shown)" if infinite else ""),
                     fontsize=10)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    fig.suptitle(f"Monte Carlo: {result.n:,} draws, seed {result.spec.seed}")
    return _save(fig, path, overwrite)
