"""The optional UDF sheet: every UDF that returns one value, called on the live inputs beside the native formula.

An analyst who installed the add-in sees at once that the functions agree with the
workbook. Without the add-in the UDF column shows #NAME? (Excel) or Err (LibreOffice);
the sheet is therefore not part of the master check.
"""

from __future__ import annotations

import math

from model.registry import INPUTS, OUTPUTS

# (UDF call over defined names, native formula, label); arguments follow MODEL.md's UDF table
CALLS = (
    ("aie_gpu_hour_cost(gpu_price,depreciation_years,gpu_power_kw,pue,power_price_kwh,dc_rate_kw_month,"
     "network_capex_per_gpu,network_life_years,ops_per_gpu_hour)", "total_cost_per_gpu_hour", "$/GPU-h"),
    ("aie_cost_per_m_tokens(replica_cost_per_hour,decode_tokens_per_sec,serving_utilization)",
     "cost_per_m_output_tokens", "$/M tokens"),
    ("aie_decode_tokens_per_sec(model_params_b,bytes_per_param,gpus_per_replica,effective_batch,kv_gb_per_sequence,"
     "hbm_bandwidth_tb_s,memory_efficiency,peak_tflops,mfu,hbm_capacity_gb)", "effective_batch/decode_step_seconds",
     "tokens/s"),
    ("aie_breakeven_utilization(total_cost_per_gpu_hour,rental_price_per_gpu_hour,gpu_price,wacc)",
     "breakeven_utilization_wacc", "%"),
    ("aie_pooled_utilization(customers,demand_cv,service_z,demand_correlation)", "pooled_utilization", "%"),
    ("aie_debt_capacity(cfads_contracted,target_dscr,rate_contracted,tenor_contracted_years)",
     "debt_capacity_contracted", "$"),
    ("aie_wacc(equity_share,cost_of_equity,cost_of_debt,tax_rate)", "wacc", "%"),
    ("aie_output(\"managed_gross_margin\",{names},{values})", "managed_gross_margin", "%"),
    ("aie_output(\"sculpted_debt_capacity\",{names},{values})", "sculpted_debt_capacity", "$"),
    ("aie_output(\"project_irr\",{names},{values})", "project_irr", "%"),
)
# The UDFs that spill a table (a schedule, scenarios, the lists): not one value to set beside a native cell;
# tests/test_udfs*.py check them. A new UDF goes into CALLS or here (tests/test_udf_sheet.py holds to that).
TABLES = ("aie_sculpt", "aie_evaluate", "aie_project", "aie_inputs", "aie_outputs", "aie_templates")

# The name prefix each runtime's formulas need: classic registers AIE_OUTPUT itself (VBA functions of the
# aie_udfs module); xlwings Lite shows plain names; xlwings Server puts its functions under the namespace of
# its manifest, XLWINGS in production and XLWINGS_DEV in development (udfs/README.md).
RUNTIMES = {"classic": "", "lite": "", "server": "XLWINGS.", "server-dev": "XLWINGS_DEV."}


def excel_name(function: str, runtime: str = "classic", namespace: str | None = None) -> str:
    """`function` (aie_output) as a formula of `runtime` writes it: AIE_OUTPUT, XLWINGS.AIE_OUTPUT, ...
    `namespace` overrides the runtime's prefix (a manifest with another namespace)."""
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown UDF runtime {runtime!r}; allowed: {', '.join(RUNTIMES)}")
    prefix = RUNTIMES[runtime] if namespace is None else (f"{namespace.upper()}." if namespace else "")
    return prefix + function.upper()


def _python_value(call: str, ctx: dict, names: list[str]) -> object:
    """The UDF's own Python result for the stored value (an error shows as #VALUE!)."""
    import re

    import udfs

    fname, args = call.split("(", 1)
    args = args.rstrip(")")
    func = getattr(udfs, fname)
    try:
        if fname == "aie_output":
            out = re.match(r'"(\w+)"', args).group(1)
            v = func(out, [[n] for n in names], [[ctx[n]] for n in names])
        else:
            v = func(*[_eval(a, ctx) for a in args.split(",")])
    except Exception:
        return "#VALUE!"
    return "#N/A" if isinstance(v, float) and math.isnan(v) else v


def _eval(expr: str, ctx: dict) -> float:
    if "/" in expr:
        a, b = expr.split("/")
        return ctx[a] / ctx[b]
    return ctx[expr]


def write_udf_sheet(b, runtime: str | None = None, namespace: str | None = None) -> None:
    """Called by the Builder with itself: adds the 'UDF check' sheet, its formulas named for `runtime`
    (classic | lite | server | server-dev; default: the Builder's `udf_sheet` when it is one of those
    names, else classic)."""
    if runtime is None:
        runtime = b.udf_sheet if isinstance(getattr(b, "udf_sheet", None), str) else "classic"
    excel_name("aie_output", runtime, namespace)  # an unknown runtime fails before the sheet is added
    ws = b.sheet("UDF check", "udf")
    st = b.st
    ctx = {**b.scenarios[b.selected].values, **b.values}
    ws.write(0, 0, "UDF check", st.title)
    ws.write(1, 0, f"Each xlwings UDF (udfs/) on the live inputs beside the workbook's own formula, named for the "
                   f"{runtime} runtime. Needs the add-in (see udfs/README.md); without it the UDF column shows #NAME?.",
             st.subtitle)
    for c, h in enumerate(["UDF", "Unit", "UDF result", "Formula result", "Agree (1 = yes)"]):
        ws.write(3, c, h, st.header)
    # the input list aie_output reads: names as text, values linked to the live inputs
    names = list(INPUTS)
    first = 4 + len(CALLS) + 3
    ws.write(first - 1, 0, "Inputs passed to aie_output", st.section)
    for i, n in enumerate(names):
        ws.write_string(first + i, 0, n, st.name)
        b.formula(ws, first + i, 1, n, st.value(INPUTS[n].unit), ctx[n])
    rng_names = f"$A${first + 1}:$A${first + len(names)}"
    rng_values = f"$B${first + 1}:$B${first + len(names)}"
    for r, (call, native, unit) in enumerate(CALLS, start=4):
        fname = call.split("(")[0]
        text = excel_name(fname, runtime, namespace) + call[len(fname):].format(names=rng_names, values=rng_values)
        ws.write_string(r, 0, excel_name(fname, runtime, namespace), st.name)
        ws.write(r, 1, unit, st.unit)
        b.formula(ws, r, 2, text, st.value(unit), _python_value(call, ctx, names))
        nat = _eval(native, ctx) if native not in OUTPUTS else b.values[native]
        b.formula(ws, r, 3, native, st.value(unit), nat)
        b.formula(ws, r, 4, f"IF(ROUND((C{r + 1}-D{r + 1})/MAX(ABS(D{r + 1}),1),9)=0,1,0)", st.check, 1)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 12)
    ws.set_column(2, 4, 18)
    ws.freeze_panes(4, 1)
    b.print_layout(ws, first + len(names), 4, header=3)
