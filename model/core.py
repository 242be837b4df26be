"""Evaluation: one code path for one scenario and for a million."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from . import lines  # noqa: F401  (registers the outputs)
from .errors import InputError
from .registry import BLOCKS, CONSTANTS, INPUTS, OUTPUTS, suggest
from .templates import load
from .validate import check_cross, check_fit, check_value

if TYPE_CHECKING:
    import pandas as pd


def _order() -> list[str]:
    """Outputs and blocks in dependency order, MODEL.md order where free (from the signatures)."""
    nodes = {**{n: o.params for n, o in OUTPUTS.items()}, **{n: b.params for n, b in BLOCKS.items()}}
    known = set(nodes) | set(INPUTS) | set(CONSTANTS)
    done: list[str] = []
    seen: set[str] = set()

    def visit(n: str, stack: tuple[str, ...]) -> None:
        if n in seen or n not in nodes:
            return
        if n in stack:
            raise RuntimeError(f"circular definition: {' -> '.join(stack + (n,))}")
        for p in nodes[n]:
            if p not in known:
                raise RuntimeError(f"{n} reads unknown name {p!r}")
            visit(p, stack + (n,))
        seen.add(n)
        done.append(n)

    for n in nodes:
        visit(n, ())
    return done


ORDER = _order()


def resolve_inputs(inputs: Mapping | None = None, template: str | Path = "seed") -> dict:
    """Template values overridden by `inputs`, each validated; returns name -> float or array."""
    values: dict = dict(load(template).values)
    for name, value in (inputs or {}).items():
        if name not in INPUTS:
            extra = " (it is an output, not an input)" if name in OUTPUTS else suggest(name)
            raise InputError(f"unknown input {name!r}{extra}")
        values[name] = check_value(name, value)
    check_cross(values)
    return values


_CONSTANT_VALUES = {n: float(c.value) for n, c in CONSTANTS.items()}


def _is_scalar_set(values: Mapping) -> bool:
    return all(isinstance(v, float) for v in values.values())


@functools.cache
def _needed(targets: frozenset[str]) -> tuple[str, ...]:
    """The nodes (outputs and blocks) the targets read, in evaluation order."""
    nodes = {**OUTPUTS, **BLOCKS}
    need: set[str] = set()
    stack = list(targets)
    while stack:
        n = stack.pop()
        if n in need or n not in nodes:
            continue
        need.add(n)
        stack.extend(nodes[n].params)
    if "max_batch_by_memory" in need or "effective_batch" in need:
        need.add("effective_batch")  # the fit check always runs where throughput is involved
    return tuple(n for n in ORDER if n in need)


def _context(values: Mapping, until: str | None = None, only: tuple[str, ...] | None = None,
             scalar: bool | None = None) -> dict:
    """Constants, inputs and every node in dependency order (stopping before `until`).

    One scenario runs on plain floats (no numpy import); arrays run on numpy. A node that
    meets a float exception (x/0 outside xp.div, an overflow) is recomputed on numpy
    scalars, whose IEEE rules give inf or nan as the array path does."""
    ctx: dict = {**_CONSTANT_VALUES, **values}
    if scalar is None:
        scalar = _is_scalar_set(values)
    if not scalar:
        import numpy as np

        errs = np.errstate(divide="ignore", invalid="ignore", over="ignore")
        errs.__enter__()
    try:
        for name in ORDER if only is None else only:
            if name == until:
                break
            node = OUTPUTS.get(name) or BLOCKS[name]
            args = [ctx[p] for p in node.params]
            try:
                ctx[name] = node.func(*args)
            except (ArithmeticError, ValueError):
                if not scalar:
                    raise
                import numpy as np

                with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                    res = node.func(*(np.float64(a) if isinstance(a, float) else a for a in args))
                ctx[name] = float(res) if isinstance(res, np.generic) else res
            if name == "effective_batch":
                check_fit(ctx[name], values)
    finally:
        if not scalar:
            errs.__exit__(None, None, None)
    return ctx


def compute(values: Mapping, outputs: tuple[str, ...] | None = None) -> dict:
    """Every output (or just `outputs`, evaluating only what they read) from validated input values."""
    scalar = _is_scalar_set(values)
    if outputs is not None:
        ctx = _context(values, only=_needed(frozenset(outputs)), scalar=scalar)
        if scalar:
            return {name: float(ctx[name]) for name in outputs}
        import numpy as np

        shape = np.broadcast_shapes(*(np.shape(v) for v in values.values()))
        return {name: np.broadcast_to(ctx[name], shape).astype(float) for name in outputs}
    ctx = _context(values, scalar=scalar)
    if scalar:
        return {name: float(ctx[name]) for name in OUTPUTS}
    import numpy as np

    shape = np.broadcast_shapes(*(np.shape(v) for v in values.values()))
    out = {}
    for name in OUTPUTS:
        v = ctx[name]
        out[name] = v if np.shape(v) == shape else np.broadcast_to(v, shape).astype(float)
    return out


def evaluate(inputs: Mapping | None = None, template: str | Path = "seed") -> dict:
    """Every output of MODEL.md, under its name.

    `template` is a bundled name (``seed``, ``coreweave``, ``h200``) or a path to a TOML
    file; `inputs` overrides its values. Any input may be a numpy array: arrays broadcast
    and every output comes back with the broadcast shape (floats when all are scalars).
    Undefined outputs are nan. Bad input raises `InputError`.
    """
    return compute(resolve_inputs(inputs, template))


def _schedule(block: str, inputs: Mapping | None, template: str | Path, all_years: bool, term: str):
    import pandas as pd  # imported here: a workbook build does not need it

    values = resolve_inputs(inputs, template)
    if not _is_scalar_set(values):
        raise InputError("schedules take scalar inputs only; use evaluate() for arrays")
    import numpy as np

    ctx = _context(values, until=block)
    node = BLOCKS[block]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rows = node.func(*(np.float64(ctx[p]) for p in node.params), keep_rows=True)["rows"]
    frame = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in rows.items()})
    frame["year"] = frame["year"].astype(int)
    frame = frame.set_index("year")
    return frame if all_years else frame.loc[frame.index <= int(values[term])]


def reserved_contract_schedule(inputs: Mapping | None = None, template: str | Path = "seed",
                               all_years: bool = False) -> pd.DataFrame:
    """The reserved contract by year as a DataFrame indexed by contract year.

    Columns: flag (1 in term), market ($/GPU-h market price), net ($ per GPU per year, fixed
    received minus market given up), discount (factor), pv ($ per GPU). Years 1..contract_years,
    or all ten laid-out years with `all_years=True`. `pv` sums to reserved_swap_npv_per_gpu.
    """
    return _schedule("reserved_contract", inputs, template, all_years, "contract_years")


def sculpting_schedule(inputs: Mapping | None = None, template: str | Path = "seed",
                       all_years: bool = False) -> pd.DataFrame:
    """The sculpted debt schedule by year as a DataFrame indexed by year.

    Columns: flag, first, cfads, debt_service, discount, pv_debt_service, pv_cfads, opening,
    interest, principal, closing, dscr. Years 1..tenor_contracted_years, or all thirty with
    `all_years=True`. Opening in year 1 is sculpted_debt_capacity; closing in the last year is
    sculpted_closing_balance (≈ 0); dscr equals target_dscr in every year of the term.
    """
    return _schedule("sculpting", inputs, template, all_years, "tenor_contracted_years")
