"""Evaluation: one code path for one scenario and for a million."""

from __future__ import annotations

import functools
import math
import numbers
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from . import (
    graph,
    lines,  # noqa: F401  (registers the outputs)
    machine,
    xp,
)
from .errors import InputError
from .registry import BLOCKS, CHECKS, INPUTS, OUTPUTS, unknown
from .templates import bundled, load
from .validate import check_cross, check_value, index_text, short

if TYPE_CHECKING:
    import pandas as pd


ORDER = tuple(n for n in graph.order() if n not in CHECKS)


CHUNK = 16384  # scenarios per pass over the graph: a pass's working set stays near the CPU caches
THREADS = min(machine.cores(), 4)  # chunks evaluated at once: numpy releases the GIL inside each operation
PARALLEL_CHECKS = 1 << 20  # input values from which resolve_inputs validates them on THREADS threads


def from_pandas(inputs: object) -> object:
    """A pandas DataFrame as its columns (an input per column, a scenario per row), a Series as one scenario (an
    input per index label); anything else as it is. pandas is not imported here: without it, nothing is a frame."""
    import sys

    pd = sys.modules.get("pandas")
    if pd is None or not isinstance(inputs, (pd.DataFrame, pd.Series)):
        return inputs
    kind = "DataFrame" if isinstance(inputs, pd.DataFrame) else "Series"
    labels = inputs.columns if kind == "DataFrame" else inputs.index
    if kind == "DataFrame" and not len(labels):
        raise InputError("inputs = a DataFrame without columns: expected a column per input")
    if kind == "Series" and not any(str(x) in INPUTS for x in labels[:100]) and (
            inputs.name in INPUTS or not any(isinstance(x, str) for x in labels[:100])):  # a column, not a scenario
        shown = short(list(labels[:3]))[:-1] + (", …]" if len(labels) > 3 else "]")
        name = f" named {inputs.name}" if inputs.name in INPUTS else f" indexed {shown}"
        raise InputError(f"inputs = a Series{name}: a Series is one scenario (an input per index label); for a "
                         f"column of scenarios give {{name: s}} or a DataFrame")
    twice = labels[labels.duplicated()]
    if len(twice):  # df[c] would be a frame, s[c] a Series: which value is meant?
        where = "column" if kind == "DataFrame" else "index label"
        raise InputError(f"inputs = a {kind}: {where} {', '.join(sorted({str(x) for x in twice}))} appears more "
                         f"than once; give each input once")
    if kind == "Series":
        return dict(zip(labels, inputs.to_numpy(dtype=object)))
    return {c: inputs[c].to_numpy() for c in labels}


def resolve_inputs(inputs: Mapping | None = None, template: str | Path = "seed") -> dict:
    """Template values overridden by `inputs`, each validated; returns name -> float or array. `inputs` is a
    mapping of input name to value, or a pandas DataFrame (a column per input, a row per scenario: outputs come
    back as arrays in its row order) or Series (one scenario)."""
    values: dict = dict(load(template).values)
    inputs = from_pandas(inputs)
    if inputs is not None and not isinstance(inputs, Mapping):
        what = short(inputs) if type(inputs).__module__ == "builtins" else f"an object of type {type(inputs).__name__}"
        hint = f" (a template? template={inputs!r})" if isinstance(inputs, str) and inputs in bundled() else ""
        raise InputError(f"inputs = {what}: expected a mapping of input name to value (a dict), or a pandas "
                         f"DataFrame (a column per input) or Series" + hint)
    given = list((inputs or {}).items())  # check_value names an unknown input: the first bad one, in order
    if sum(getattr(v, "size", 0) for _, v in given) < PARALLEL_CHECKS:
        checked = [check_value(name, value) for name, value in given]
    else:  # a million scenarios: each check is a few passes over an array, which numpy makes without the GIL
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(THREADS) as pool:  # map raises the first failure in input order
            checked = list(pool.map(check_value, *zip(*given)))
    values.update(zip((name for name, _ in given), checked))
    check_cross(values)
    return values


def output_names(outputs: str | Iterable[str] | None) -> tuple[str, ...]:
    """The outputs asked for, checked and without repeats: every output for None, one for a name."""
    if outputs is None:
        return tuple(OUTPUTS)
    if isinstance(outputs, str):
        outputs = (outputs,)
    if not isinstance(outputs, Iterable):
        raise InputError(f"outputs = {short(outputs)}: expected an output name or a list of them")
    names = tuple(dict.fromkeys(outputs))
    for name in names:
        if name not in OUTPUTS:
            raise InputError(unknown(name, "output"))
    return names


def _shift_index(exc: InputError, offset: int, shape: tuple[int, ...]) -> InputError:
    """The same error with a chunk's 'at index i' turned into the index in the whole broadcast `shape`
    (chunks are slices of its cells in C order: '(2, 5)' for a grid, as one pass would say), of the same type."""
    import numpy as np

    def whole(m: re.Match) -> str:
        return "at index " + index_text(tuple(int(i) for i in np.unravel_index(int(m.group(1)) + offset, shape)))

    return type(exc)(re.sub(r"at index (\d+)", whole, str(exc), count=1))


def _whole(n: object) -> bool:
    """A whole number ≥ 1: int or numpy integer, not bool (numpy's bools are no Integral)."""
    return isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1


def _plain_bool(value: object) -> object:
    """numpy's True_ / False_ as True / False; anything else as it is (for the caller to check)."""
    if getattr(getattr(value, "dtype", None), "kind", None) == "b" and getattr(value, "ndim", None) == 0:
        return bool(value)
    return value


def _check_room(size: int, outputs: int) -> None:
    """Refuse, before allocating, outputs that would not fit in this machine's memory (a broadcast of two long
    axes, say): an InputError saying what was asked for, rather than numpy's MemoryError or the OOM killer."""
    need = size * outputs * 8
    if need < 1 << 26:  # 64 MB: no machine to worry about, and no files read for a small call
        return
    have = machine.memory_limit()
    if have is not None and need > have:  # not known (Windows): numpy says it
        raise InputError(f"evaluate: {size:,} scenarios × {outputs} outputs need {need / 1e9:,.1f} GB for the "
                         f"outputs alone; {have / 1e9:,.1f} GB of memory is available here (the machine's, or "
                         "its container's limit): ask for fewer outputs (outputs=[...]; --output on the command "
                         "line) or evaluate the scenarios in parts")


def compute(values: Mapping, outputs: Iterable[str] | None = None, chunk: int | None = CHUNK,
            threads: int | None = None, fused: bool | None = None) -> dict:
    """Every output (or just `outputs`, evaluating only what they read) from validated input values.

    Plain floats in, plain floats out (numpy is not imported). Arrays broadcast; a broadcast shape of more
    than `chunk` scenarios is evaluated `chunk` scenarios at a time into preallocated outputs (a grid of
    several dimensions as its cells in C order; elementwise, so the numbers do not depend on `chunk`; None:
    all in one pass), `threads` chunks at once (default THREADS; each chunk writes its own slice, so the
    numbers do not depend on it).
    `fused`: P1 compiled (model.fused) for this call where numba is installed and AIE_NUMBA is not 0 (else
    numpy, silently); None: from fused.MIN_SCENARIOS scenarios; False: numpy."""
    names = output_names(outputs)
    fused = _plain_bool(fused)
    if not (fused is None or isinstance(fused, bool)):
        raise InputError(f"fused = {short(fused)}: expected True, False or None (compiled P1 where numba is installed)")
    # the model must fit whatever is asked for (MODEL.md: bad input, as a segment share that does not add up)
    only = ORDER if outputs is None else graph.needed(frozenset(names) | {"effective_batch"})
    # checked for one scenario too: a call that works on a float must not fail on an array for its arguments
    if chunk is not None and not _whole(chunk):
        raise InputError(f"chunk = {chunk!r}: expected a whole number ≥ 1 (scenarios per pass) or None")
    threads = THREADS if threads is None else threads
    if not _whole(threads):
        raise InputError(f"threads = {threads!r}: expected a whole number ≥ 1 (chunks evaluated at once)")
    chunk, threads = None if chunk is None else int(chunk), int(threads)  # np.int64(4) as 4
    if graph.is_scalar_set(values):
        ctx = graph.context(values, only=only, scalar=True, keep=frozenset(names))
        return {name: float(ctx[name]) for name in names}
    import numpy as np

    shape = np.broadcast_shapes(*(np.shape(v) for v in values.values()))
    size = math.prod(shape)
    _check_room(size, len(names))
    chunked = chunk is not None and size > chunk  # a shape () is one scenario
    if chunked:
        out = {name: np.empty(size) for name in names}
        # numba's first load (if this call wants it) runs beside the page faults of the outputs' first writes
        graph.load_during(only, size, fused, (functools.partial(a.fill, np.nan) for a in out.values()))
    fuse = graph.fuses(only, size, fused)  # once for every chunk of this call
    if not chunked:
        ctx = graph.context(values, only=only, scalar=False, keep=frozenset(names), fuse=fuse)
        out = {}
        for name in names:
            v = ctx[name]
            # C order always (a line on transposed inputs can come out in Fortran order), as the chunked path
            out[name] = v if np.shape(v) == shape and getattr(v, "dtype", None) == np.float64 \
                and v.flags.c_contiguous else np.broadcast_to(v, shape).astype(float, order="C")
        return out
    if len(shape) > 1:  # a grid: its cells in one vector (inputs of fewer cells broadcast: a copy of each)
        values = {k: np.broadcast_to(v, shape).reshape(-1) if np.ndim(v) else v for k, v in values.items()}
    arrays = [k for k, v in values.items() if np.ndim(v) and np.shape(v)[0] == size]
    keep = frozenset(names)

    def one(start: int) -> None:
        stop = min(start + chunk, size)
        part = dict(values)
        for k in arrays:
            part[k] = values[k][start:stop]
        try:
            ctx = graph.context(part, only=only, scalar=False, keep=keep, fuse=fuse)
        except InputError as exc:
            raise _shift_index(exc, start, shape) from None
        for name in names:
            out[name][start:stop] = ctx[name]

    starts = range(0, size, chunk)
    if threads == 1 or len(starts) == 1:
        for start in starts:
            one(start)
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(threads, len(starts))) as pool:
            done = [pool.submit(one, start) for start in starts]
            for f in done:  # in scenario order: the first bad scenario's error is the one raised
                f.result()
            # each worker's scratch buffers go with its thread
    xp.release_scratch()
    return {name: a.reshape(shape) for name, a in out.items()}


def evaluate(inputs: Mapping | None = None, template: str | Path = "seed", outputs: Iterable[str] | None = None,
             chunk: int | None = CHUNK, threads: int | None = None, fused: bool | None = None) -> dict:
    """Every output of MODEL.md, under its name (or only `outputs`, computing just what they read).

    `template` is a bundled name (``seed``, ``coreweave``, ``h200``, ``h100-market``) or a path to a TOML
    file; `inputs` overrides its values. Any input may be a numpy array: arrays broadcast
    and every output comes back with the broadcast shape (floats when all are scalars). A pandas DataFrame
    is a column per input and a row per scenario (outputs: arrays in its row order,
    ``pd.DataFrame(result, index=df.index)``); a Series is one scenario.
    Many scenarios (any broadcast shape) are evaluated `chunk` scenarios at a time, `threads` chunks at once
    (default: the cores, at most 4); the numbers do not depend on either. Where numba is installed, P1 runs
    compiled on 4,096 scenarios or more (model/fused.py; the numpy path's numbers, IRRs to their last bits);
    `fused=True`/`False` decides for this call (True still needs numba, and AIE_NUMBA not 0).
    Undefined outputs are nan. Bad input raises `InputError`.
    """
    names = output_names(outputs)  # an unknown output name fails before any work
    return compute(resolve_inputs(inputs, template), None if outputs is None else names, chunk, threads, fused)


def _block_rows(block: str, inputs: Mapping | None, template: str | Path) -> tuple[dict, dict]:
    """Validated scalar inputs and every computed node up to `block`, with the block's rows kept."""
    values = resolve_inputs(inputs, template)
    if not graph.is_scalar_set(values):
        raise InputError("schedules take scalar inputs only; use evaluate() for arrays")
    ctx = graph.context(values, until=block)
    node = BLOCKS[block]
    result = node.func(*(ctx[p] for p in node.params), keep_rows=True)
    ctx[block] = result
    return values, ctx


def _frame(rows: dict, index: str = "year"):
    import pandas as pd  # imported here: a workbook build does not need it

    frame = pd.DataFrame({k: [float(x) for x in v] for k, v in rows.items()})
    frame[index] = frame[index].astype(int)
    return frame.set_index(index)


def _schedule(block: str, inputs: Mapping | None, template: str | Path, all_years: bool, term: str):
    all_years = _plain_bool(all_years)
    if not isinstance(all_years, bool):  # "no" would be truthy: every year
        raise InputError(f"all_years = {short(all_years)}: expected True or False")
    values, ctx = _block_rows(block, inputs, template)
    frame = _frame(ctx[block]["rows"])
    return frame if all_years else frame.loc[frame.index <= int(values[term])]


def reserved_contract_schedule(inputs: Mapping | None = None, template: str | Path = "seed",
                               all_years: bool = False) -> pd.DataFrame:
    """The reserved contract by year as a DataFrame indexed by contract year.

    Columns: flag (1 in term), market ($/GPU-h market price), net ($ per GPU per year, fixed
    received minus the market hours given up), discount (factor at wacc), pv ($ per GPU). Years
    1..contract_years, or all ten laid-out years with `all_years=True`. `pv` sums to reserved_swap_npv_per_gpu.
    """
    return _schedule("reserved_contract", inputs, template, all_years, "contract_years")


def sculpting_schedule(inputs: Mapping | None = None, template: str | Path = "seed",
                       all_years: bool = False) -> pd.DataFrame:
    """The sculpted debt schedule by year as a DataFrame indexed by year.

    Columns: flag, cfads, debt_service, discount, pv_debt_service, pv_cfads, opening, interest, principal,
    closing, corkscrew_gap, dscr. Years 1..tenor_contracted_years, or all thirty with `all_years=True`.
    Opening in year 1 is sculpted_debt_capacity; the balance closes at 0 after the last year; dscr equals
    target_dscr in every year of the term (nan after it).
    """
    return _schedule("sculpting", inputs, template, all_years, "tenor_contracted_years")


def project_schedule(inputs: Mapping | None = None, template: str | Path = "seed") -> pd.DataFrame:
    """P1, the fleet project by year (0..15) as a DataFrame indexed by year: flags (start, life, contract, debt,
    last), revenue, cash_costs, ebitda, replacement_capex, the shares of a full year's GPU and network
    depreciation taken, tax_depreciation, unlevered_tax, cfads, sale_cash, project_cash_flow, debt (drawdown,
    debt_service, opening, interest, principal, closing), dscr (nan without debt service), levered_tax,
    equity_cash_flow, with present values and the IRR helper rows. Years past the economic life are 0, but for
    the IRR helpers: the sign rows carry the last sign, the search rows bisect across all sixteen columns."""
    _, ctx = _block_rows("fleet_financing", inputs, template)
    # by the blocks' rows, not the dicts' keys: a row made on first read (the IRR search) is not a key yet
    return _frame({r.key: ctx[b][r.key] for b in ("fleet_operations", "fleet_financing")
                   for r in BLOCKS[b].rows}).drop(columns="period")
