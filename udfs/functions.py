"""The Excel functions of MODEL.md's UDF table (v2), as thin wrappers over `model/`.

Every number comes from the model: its line functions chained by `model.graph.solve`,
`model.core.compute` for whole scenarios (one vectorised call for a table) and the P1
block functions for the yearly schedule. Each function here is one `@_udf`: the decorator
(udfs/edge.py) reads the Excel-shaped arguments' descriptions, turns bad input into an Excel
error and registers the function in UDFS.
"""

from __future__ import annotations

import re

import model
from model import graph
from model.core import compute, resolve_inputs
from model.errors import InputError
from model.lines.dscr import sculpt_schedule
from model.registry import BLOCKS, INPUTS, OUTPUTS, SECTIONS

from .edge import (
    _REGISTERED,
    _TEMPLATES,
    SCULPT_HEADER,
    OutputName,
    TemplateName,
    UDFError,
    _blank,
    _flag,
    _flatten,
    _float,
    _input_name,
    _is_number,
    _not_number,
    _number,
    _output_name,
    _overrides,
    _rows,
    _template,
    _text,
    _udf,
    _vector,
)


# --------------------------------------------------------------------------------------
# The model's line functions, chained
# --------------------------------------------------------------------------------------
def _compute(name: str, known: dict) -> float:
    """Value of output `name` from the model's line functions, with `known` inputs and outputs taken as
    given (e.g. ``effective_batch`` set to the batch size, which bypasses the memory cap)."""
    import numpy as np

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        value = graph.solve(name, {k: np.float64(v) for k, v in known.items()})
    return float(np.asarray(value, dtype=float))


# --------------------------------------------------------------------------------------
# The UDFs
# --------------------------------------------------------------------------------------
@_udf
def aie_gpu_hour_cost(gpu_price, depreciation_years, gpu_power_kw, pue, power_price_kwh, dc_rate_kw_month,
                      network_capex_per_gpu, network_life_years, ops_per_gpu_hour):
    """Total cost of one GPU-hour, $ (total_cost_per_gpu_hour): capex + power + data center + network + operations."""
    udf = "aie_gpu_hour_cost"
    known = {n: _number(udf, n, v) for n, v in zip(
        ("gpu_price", "depreciation_years", "gpu_power_kw", "pue", "power_price_kwh", "dc_rate_kw_month",
         "network_capex_per_gpu", "network_life_years", "ops_per_gpu_hour"),
        (gpu_price, depreciation_years, gpu_power_kw, pue, power_price_kwh, dc_rate_kw_month,
         network_capex_per_gpu, network_life_years, ops_per_gpu_hour), strict=True)}
    return _compute("total_cost_per_gpu_hour", known)


@_udf
def aie_cost_per_m_tokens(hourly_cost, tokens_per_sec, utilization):
    """Cost of a million tokens, $: hourly_cost * 1e6 / (tokens_per_sec * 3600 * utilization)."""
    udf = "aie_cost_per_m_tokens"
    known = {
        "replica_cost_per_hour": _number(udf, "hourly_cost", hourly_cost),
        "decode_tokens_per_sec": _number(udf, "tokens_per_sec", tokens_per_sec),
        "serving_utilization": _number(udf, "utilization", utilization),
    }
    return _compute("cost_per_m_output_tokens", known)


@_udf
def aie_decode_tokens_per_sec(model_params_b, bytes_per_param, gpus, batch_size, kv_gb_per_sequence,
                              hbm_bandwidth_tb_s, memory_efficiency, peak_tflops, mfu, hbm_capacity_gb=None):
    """Decode tokens/s of one replica of `gpus` GPUs at `batch_size` (roofline, batch not capped by memory);
    given hbm_capacity_gb (beyond MODEL.md's nine arguments), an error when the weights and one sequence's KV cache
    do not fit in gpus * hbm_capacity_gb."""
    udf = "aie_decode_tokens_per_sec"
    names = ("model_params_b", "bytes_per_param", "gpus", "batch_size", "kv_gb_per_sequence", "hbm_bandwidth_tb_s",
             "memory_efficiency", "peak_tflops", "mfu")
    v = {n: _number(udf, n, x) for n, x in zip(names, (
        model_params_b, bytes_per_param, gpus, batch_size, kv_gb_per_sequence, hbm_bandwidth_tb_s,
        memory_efficiency, peak_tflops, mfu), strict=True)}
    # MODEL.md's fit rule (effective_batch >= 1: max_batch_by_memory on these GPUs, all of the memory) where the
    # memory is known; its nine arguments leave it out, so without it no GPU's capacity is assumed
    hbm = _number(udf, "hbm_capacity_gb", hbm_capacity_gb, default=None)
    known = {"gpus_per_replica": v["gpus"], "hbm_capacity_gb": hbm, "model_params_b": v["model_params_b"],
             "bytes_per_param": v["bytes_per_param"], "kv_gb_per_sequence": v["kv_gb_per_sequence"]}
    if hbm is not None and not _compute("max_batch_by_memory", known) >= 1:
        weight = v["model_params_b"] * v["bytes_per_param"]
        raise UDFError(f"{udf}: the model does not fit in memory: {weight:g} GB of weights + "
                       f"{v['kv_gb_per_sequence']:g} GB of KV for one sequence > {v['gpus']:g} GPUs x {hbm:g} GB "
                       "(hbm_capacity_gb); use more GPUs")
    known = {**{n: v[n] for n in names if n not in ("gpus", "batch_size")},
             "gpus_per_replica": v["gpus"], "effective_batch": v["batch_size"],
             "measured_decode_tokens_per_sec": 0.0, "optimization_multiplier": 1.0}
    return _compute("decode_tokens_per_sec", known)


@_udf
def aie_breakeven_utilization(own_cost_per_hour, rent_price_per_hour, gpu_price=0, capital_rate=0):
    """Utilization above which owning beats renting: (own_cost_per_hour + gpu_price * capital_rate / 8760) / rent."""
    udf = "aie_breakeven_utilization"
    known = {
        "total_cost_per_gpu_hour": _number(udf, "own_cost_per_hour", own_cost_per_hour),
        "rental_price_per_gpu_hour": _number(udf, "rent_price_per_hour", rent_price_per_hour),
        "gpu_price": _number(udf, "gpu_price", gpu_price, default=0.0),
        "wacc": _number(udf, "capital_rate", capital_rate, default=0.0),
    }
    return _compute("breakeven_utilization_wacc", known)


@_udf
def aie_pooled_utilization(customers, demand_cv, service_z, demand_correlation=0.01):
    """Utilization a pooled fleet reaches (pooled_utilization): 1 / (1 + z * cv * sqrt((1 + (n - 1) * rho) / n))."""
    udf = "aie_pooled_utilization"
    known = {
        "customers": _number(udf, "customers", customers),
        "demand_cv": _number(udf, "demand_cv", demand_cv),
        "service_z": _number(udf, "service_z", service_z),
        "demand_correlation": _number(udf, "demand_correlation", demand_correlation, default=0.01),
    }
    return _compute("pooled_utilization", known)


@_udf
def aie_debt_capacity(cfads, target_dscr, rate, tenor_years):
    """Debt a level CFADS supports: cfads / target_dscr * annuity factor(rate, tenor_years), $."""
    udf = "aie_debt_capacity"
    known = {
        "cfads_contracted": _number(udf, "cfads", cfads),
        "target_dscr": _number(udf, "target_dscr", target_dscr),
        "rate_contracted": _number(udf, "rate", rate),
        "tenor_contracted_years": _number(udf, "tenor_years", tenor_years),
    }
    return _compute("debt_capacity_contracted", known)


@_udf
def aie_sculpt(cfads, target_dscr, rate, headers=True):
    """Debt sculpted to target_dscr for a row or column of yearly CFADS: year, cfads, debt_service, opening,
    interest, principal, closing; years run the way cfads runs (a row gives years across columns)."""
    udf = "aie_sculpt"
    flows, across = _vector(udf, "cfads", cfads, BLOCKS["sculpting"].years)
    rows = sculpt_schedule(flows, _number(udf, "target_dscr", target_dscr), _number(udf, "rate", rate))
    table = [[float(rows[k][i]) for k in SCULPT_HEADER] for i in range(len(flows))]
    if _flag(udf, "headers", headers, True):
        table = [list(SCULPT_HEADER), *table]
    return [list(r) for r in zip(*table, strict=True)] if across else table


@_udf
def aie_wacc(equity_share, cost_of_equity, cost_of_debt, tax_rate):
    """Weighted average cost of capital (wacc): E * coe + (1 - E) * cod * (1 - tax)."""
    udf = "aie_wacc"
    known = {n: _number(udf, n, v) for n, v in zip(
        ("equity_share", "cost_of_equity", "cost_of_debt", "tax_rate"),
        (equity_share, cost_of_equity, cost_of_debt, tax_rate), strict=True)}
    return _compute("wacc", known)


@_udf
def aie_output(output_name: OutputName, input_names=None, input_values=None, template: TemplateName = "seed"):
    """Any output of the model, from a bundled template with the inputs named in input_names set to input_values."""
    udf = "aie_output"
    name = _output_name(udf, _text(udf, "output_name", output_name))
    values = resolve_inputs(_overrides(udf, input_names, input_values), _template(udf, template))
    # effective_batch too: the model must fit, whatever the output (as model.evaluate checks)
    return float(compute(values, (name, "effective_batch"))[name])


def _up_to_last(items: list, empty) -> tuple[list, int | None]:
    """`items` without the empty ones at the end (the unused end of a fixed range), and the 1-based position of an
    empty one before the last filled one (None if none): results would no longer line up with their rows or names."""
    end = len(items)
    while end and empty(items[end - 1]):
        end -= 1
    kept = items[:end]
    return kept, next((i for i, x in enumerate(kept, start=1) if empty(x)), None)


def _table_inputs(udf: str, table) -> dict[str, list[float]]:
    """A header row of input names and one scenario per row -> name -> column of floats.
    Empty rows at the end (the unused end of a fixed range) and empty columns are skipped; an empty row between
    scenarios is refused, as the result's rows would no longer line up with the table's."""
    rows = _rows(table)
    if not rows:  # an empty list: no header row either
        raise UDFError(f"{udf}: inputs_table needs a header row of input names and at least one scenario row")
    width = max(len(r) for r in rows)
    rows = [r + [None] * (width - len(r)) for r in rows]
    header = rows[0]
    body, gap = _up_to_last(rows[1:], lambda r: all(_blank(c) for c in r))
    if not body:
        raise UDFError(f"{udf}: inputs_table needs a header row of input names and at least one scenario row")
    if gap:
        raise UDFError(f"{udf}: inputs_table scenario row {gap} is empty, above the last scenario row: fill it or "
                       f"remove it (one result row per scenario row; empty rows only at the end)")
    columns: dict[str, list[float]] = {}
    for j, n in enumerate(header):
        cells = [r[j] for r in body]
        if _blank(n):
            if all(_blank(c) for c in cells):
                continue
            raise UDFError(f"{udf}: inputs_table column {j + 1} has values but no input name in its header")
        name = _input_name(udf, n, f"inputs_table header column {j + 1}")
        if name in columns:
            raise UDFError(f"{udf}: input {name!r} is given twice in the header")
        allowed = f"allowed domain of {name}: {INPUTS[name].domain.text()}"
        col = []
        for i, c in enumerate(cells, start=1):
            if _blank(c):
                raise UDFError(f"{udf}: {name} in scenario row {i} is empty; {allowed}")
            if not _is_number(c):
                raise _not_number(f"{udf}: {name} in scenario row {i}", c, allowed)
            col.append(_float(f"{udf}: {name} in scenario row {i}", c, allowed))
        columns[name] = col
    if not columns:
        raise UDFError(f"{udf}: inputs_table has no input names in its header row")
    return columns


@_udf
def aie_evaluate(inputs_table, output_names, template: TemplateName = "seed"):
    """Scenarios in one vectorised evaluation: a header row of input names and one scenario per row in,
    one row per scenario and one column per output name out."""
    import numpy as np

    udf = "aie_evaluate"
    tpl = _template(udf, template)
    columns = _table_inputs(udf, inputs_table)
    outs, gap = _up_to_last(_flatten(output_names), _blank)
    if not outs:
        raise UDFError(f"{udf}: output_names is missing (give a row or column of output names)")
    if gap:
        raise UDFError(f"{udf}: output_names cell {gap} is empty, before the last name: fill it or remove it "
                       f"(one result column per name; empty cells only at the end)")
    outs = [_output_name(udf, c, f"output_names cell {i}") for i, c in enumerate(outs, start=1)]
    n = len(next(iter(columns.values())))
    try:
        values = resolve_inputs({k: np.asarray(v) for k, v in columns.items()}, tpl)
        result = compute(values, (*outs, "effective_batch"))
    except InputError as exc:  # name a scenario row at fault, found without evaluating row by row
        for i in _rows_at_fault(columns, str(exc), n):
            try:
                compute(resolve_inputs({k: v[i] for k, v in columns.items()}, tpl), (*outs, "effective_batch"))
            except InputError as e:
                raise UDFError(f"{udf}: scenario row {i + 1}: {e}") from None
        raise
    cols = [np.broadcast_to(np.asarray(result[o], dtype=float), (n,)).tolist() for o in outs]
    return [list(r) for r in zip(*cols, strict=True)]


def _rows_at_fault(columns: dict[str, list[float]], message: str, n: int) -> list[int] | range:
    """The rows to check one by one for a table that failed as a whole: the first row with a value outside its
    domain (one vectorised pass per input), else the row the whole table's error names ('at index 7'), else
    every row (a million rows took minutes one by one)."""
    import numpy as np

    bad = np.zeros(n, dtype=bool)
    for name, column in columns.items():
        bad |= np.asarray(INPUTS[name].domain.violations(np.asarray(column, dtype=float)), dtype=bool)
    if bad.any():
        return [int(np.argmax(bad))]
    at = re.search(r"at index (\d+)", message)
    return [int(at.group(1))] if at else range(n)


PROJECT_BLOCKS = ("fleet_operations", "fleet_financing")


def project_rows(inputs: dict | None = None, template: str = "seed") -> dict[str, list[float]]:
    """P1's yearly rows (years 0..15) as name -> list of floats, the rows of `model.project_schedule` but for the
    registry's helper rows, computed by the block functions themselves (no pandas)."""
    values = resolve_inputs(inputs, template)
    ctx = graph.context(values, until=PROJECT_BLOCKS[-1])
    block = BLOCKS[PROJECT_BLOCKS[-1]]
    ctx[block.name] = block.func(*(ctx[p] for p in block.params), keep_rows=True)
    rows: dict[str, list[float]] = {}
    for b in PROJECT_BLOCKS:
        for r in BLOCKS[b].rows:  # the registry's helper rows (IRR signs and search, absolute flows) serve formulas
            if r.key != "period" and not r.helper:
                rows[r.key] = [float(x) for x in ctx[b][r.key]]
    return rows


@_udf
def aie_project(input_names=None, input_values=None, template: TemplateName = "seed", headers=True):
    """The P1 fleet project by year: years 0..15 across columns, one row per quantity (revenue, cfads,
    debt service, dscr, equity cash flow, ...)."""
    udf = "aie_project"
    rows = project_rows(_overrides(udf, input_names, input_values), _template(udf, template))
    years = rows.pop("year")
    if not _flag(udf, "headers", headers, True):  # the same rows, the years' row first, without the names
        return [[int(y) for y in years], *rows.values()]
    return [["year", *[int(y) for y in years]], *([k, *v] for k, v in rows.items())]


@_udf
def aie_inputs(template: TemplateName = "seed"):
    """Every model input: name, unit, domain and the template's value."""
    values = model.load(_template("aie_inputs", template)).values
    return [["name", "unit", "domain", "value"],
            *([n, i.unit, i.domain.text(), float(values[n])] for n, i in INPUTS.items())]


@_udf
def aie_outputs():
    """Every model output: name, unit, section and definition."""
    return [["name", "unit", "section", "definition"],
            *([n, o.unit, SECTIONS[o.section][1] if o.section in SECTIONS else o.section,
               " ".join((o.formula or o.label).split())] for n, o in OUTPUTS.items())]


@_udf
def aie_templates():
    """The bundled templates: name and description."""
    return [["name", "description"], *([t, " ".join(model.load(t).description.split())] for t in _TEMPLATES)]


UDFS = tuple(_REGISTERED)  # every @_udf above, in the order of this file (the order of udfs/README.md's table)
EXCEL_NAMES = {n: n.upper() for n in UDFS}
__all__ = ["EXCEL_NAMES", "UDFS", *UDFS]
