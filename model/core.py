"""Evaluation: one code path for one scenario and for a million."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from . import (
    graph,
    lines,  # noqa: F401  (registers the outputs)
)
from .errors import InputError
from .registry import BLOCKS, CHECKS, INPUTS, OUTPUTS, unknown
from .templates import load
from .validate import check_cross, check_value

if TYPE_CHECKING:
    import pandas as pd


ORDER = tuple(n for n in graph.order() if n not in CHECKS)


def resolve_inputs(inputs: Mapping | None = None, template: str | Path = "seed") -> dict:
    """Template values overridden by `inputs`, each validated; returns name -> float or array."""
    values: dict = dict(load(template).values)
    for name, value in (inputs or {}).items():
        if name not in INPUTS:
            raise InputError(unknown(name))
        values[name] = check_value(name, value)
    check_cross(values)
    return values


_ALL_OUTPUTS = ORDER


def compute(values: Mapping, outputs: tuple[str, ...] | None = None) -> dict:
    """Every output (or just `outputs`, evaluating only what they read) from validated input values."""
    scalar = graph.is_scalar_set(values)
    if outputs is not None:
        ctx = graph.context(values, only=graph.needed(frozenset(outputs)), scalar=scalar)
        if scalar:
            return {name: float(ctx[name]) for name in outputs}
        import numpy as np

        shape = np.broadcast_shapes(*(np.shape(v) for v in values.values()))
        return {name: np.broadcast_to(ctx[name], shape).astype(float) for name in outputs}
    ctx = graph.context(values, only=_ALL_OUTPUTS, scalar=scalar)
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
    last), revenue, cash_costs, ebitda, replacement_capex, tax_depreciation, unlevered_tax, cfads, sale_cash,
    project_cash_flow, debt (drawdown, debt_service, opening, interest, principal, closing), dscr (nan without
    debt service), levered_tax, equity_cash_flow, with present values and the IRR helper rows. Years past the
    economic life are 0."""
    _, ctx = _block_rows("fleet_financing", inputs, template)
    ctx["fleet_financing"] = BLOCKS["fleet_financing"].func(*(ctx[p] for p in BLOCKS["fleet_financing"].params))
    return _frame({**ctx["fleet_operations"], **ctx["fleet_financing"]}).drop(columns="period")
