"""One-way and two-way sweeps: each one vectorised `evaluate` call over the swept values."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..registry import INPUTS
from ..validate import check_value, short
from ._common import MAX_SCENARIOS, check_base, check_input, check_outputs, no_shares, run, scenario_hint


def _values(name: str, values: Sequence[float] | np.ndarray | None, lo: float | None, hi: float | None,
            n: int | None) -> np.ndarray:
    """The swept values: given explicitly, or `n` evenly spaced from lo to hi (integers rounded, deduplicated)."""
    if values is not None:
        if lo is not None or hi is not None or n is not None:
            raise InputError(f"sweep of {name}: give either values or lo/hi/n, not both")
        count = values.size if isinstance(values, np.ndarray) else len(values) if isinstance(values, list | tuple) \
            else None
        if isinstance(values, str | bytes) or count == 0:
            raise InputError(f"sweep of {name}: values = {short(values)}: expected a non-empty list of numbers")
        if count is not None and count > MAX_SCENARIOS:  # before check_value copies them
            raise InputError(f"sweep of {name}: {count:,} values; allowed at most {MAX_SCENARIOS:,}")
        arr = np.atleast_1d(np.asarray(check_value(name, values, where="sweep"), dtype=float))
    else:
        if lo is None or hi is None or n is None:
            raise InputError(f"sweep of {name}: give values, or lo, hi and n")
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 2 <= n <= MAX_SCENARIOS:
            raise InputError(f"sweep of {name}: n = {short(n)}: allowed an integer from 2 to {MAX_SCENARIOS:,}")
        lo = check_value(name, lo, where="sweep lo")
        hi = check_value(name, hi, where="sweep hi")
        if not lo < hi:
            raise InputError(f"sweep of {name}: lo = {lo!r} must be below hi = {hi!r}")
        arr = np.linspace(lo, hi, int(n))
        if INPUTS[name].integer:
            arr = np.unique(np.round(arr))
    if arr.ndim != 1 or arr.size == 0:
        raise InputError(f"sweep of {name}: values must be a non-empty list of numbers")
    return arr


def one_way(input: str, values: Sequence[float] | np.ndarray | None = None, *, lo: float | None = None,
            hi: float | None = None, n: int | None = None, outputs: str | Iterable[str] | None = None,
            template: str | Path = "seed", inputs: Mapping | None = None) -> pd.DataFrame:
    """Outputs as one input moves, every other input held at its template value (or `inputs`).

    Give the swept values explicitly, or `lo`, `hi` and `n` for n evenly spaced values
    (an integer input's values are rounded and duplicates dropped). Returns a DataFrame
    indexed by the input's values (index name = the input), one column per output
    (default: every output). One vectorised `evaluate` call.
    """
    check_input(input)
    no_shares(input, "one-way sweep")
    names = check_outputs(outputs)
    base = check_base(inputs)
    arr = _values(input, values, lo, hi, n)
    try:
        res = run({**base, input: arr}, template, names)
    except InputError as exc:  # "at index 1" as the swept value
        raise InputError(f"one-way sweep: {scenario_hint(str(exc), lambda i: f'{input} = {arr[i]:.15g}')}") from None
    frame = pd.DataFrame({o: res[o] for o in names}, index=pd.Index(arr, name=input))
    frame.columns.name = "output"
    frame.attrs.update(kind="one_way", input=input, template=str(template))
    return frame


def two_way(row_input: str, row_values: Sequence[float] | np.ndarray, col_input: str,
            col_values: Sequence[float] | np.ndarray, output: str, template: str | Path = "seed",
            inputs: Mapping | None = None) -> pd.DataFrame:
    """A grid of one output over two inputs: rows are `row_input`'s values, columns `col_input`'s.

    The grid's cells go to one vectorised `evaluate` call as one vector (row by row), which evaluate takes
    a chunk at a time, computing only what the output reads.
    """
    check_input(row_input)
    check_input(col_input)
    if row_input == col_input:
        raise InputError(f"two-way sweep: row and column input are both {row_input}")
    no_shares(row_input, "two-way sweep")
    no_shares(col_input, "two-way sweep")
    (name,) = check_outputs([output]) if isinstance(output, str) else (None,)
    if name is None:
        raise InputError(f"two-way sweep takes one output, got {short(output)}")
    base = check_base(inputs)
    rows = _values(row_input, row_values, None, None, None)
    cols = _values(col_input, col_values, None, None, None)
    if rows.size * cols.size > MAX_SCENARIOS:
        raise InputError(f"two-way sweep: {rows.size:,} × {cols.size:,} = {rows.size * cols.size:,} cells; allowed at "
                         f"most {MAX_SCENARIOS:,}")
    # the cells as one vector, row by row (evaluate would take a rows × 1, 1 × columns broadcast in chunks too;
    # a flat index is what scenario_hint turns into the cell's row and column values)
    cells = {row_input: np.repeat(rows, cols.size), col_input: np.tile(cols, rows.size)}

    def which(i: int) -> str:
        return f"{row_input} = {rows[i // cols.size]:.15g}, {col_input} = {cols[i % cols.size]:.15g}"

    try:
        res = run({**base, **cells}, template, [name])
    except InputError as exc:
        raise InputError(f"two-way sweep: {scenario_hint(str(exc), which)}") from None
    frame = pd.DataFrame(res[name].reshape(rows.size, cols.size), index=pd.Index(rows, name=row_input),
                         columns=pd.Index(cols, name=col_input))
    frame.attrs.update(kind="two_way", output=name, row_input=row_input, col_input=col_input,
                       template=str(template))
    return frame
