"""The UDFs through xlwings' own machinery, as the Office.js add-in (xlwings Server) and
xlwings Lite run them.

xlwings picks its `func`/`arg`/`ret` decorators when it is first imported: they only
record metadata with XLWINGS_ON_SERVER=true, and that code path (xlwings.pro) needs a
licence key. So everything here runs in ONE fresh interpreter with both variables set
(XLWINGS_LICENSE_KEY=noncommercial, PolyForm Noncommercial 1.0.0), leaving this test
session untouched. The child calls `xlwings.server.custom_functions_meta(udfs)` and
`xlwings.server.custom_functions_call(payload, udfs)` with payloads shaped exactly as the
add-in's JavaScript sends them (keys func_name, args, caller_address, content_language,
version, runtime; every argument a 2-D array, null for an omitted argument or empty cell)
and reports results and exceptions as JSON.
"""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import xlwings

import udfs

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import asyncio, json, os, sys
assert "xlwings" not in sys.modules
import xlwings
import xlwings.server
import udfs

cases = json.load(sys.stdin)
out = {"on_server": xlwings.on_server,
       "registered": sorted(n for n in dir(udfs) if hasattr(getattr(udfs, n), "__xlfunc__")),
       "meta": xlwings.server.custom_functions_meta(udfs),
       "results": {}}
for key, payload in cases.items():
    try:
        value = asyncio.run(xlwings.server.custom_functions_call(payload, udfs))
        out["results"][key] = {"value": value}
    except Exception as e:
        # xlwings Server's exception handler sends str(e) for an XlwingsError (shown with #VALUE!)
        # and a generic text for anything else
        out["results"][key] = {"error": type(e).__name__, "message": str(e),
                               "xlwings_error": isinstance(e, xlwings.XlwingsError)}
print(json.dumps(out))
"""


def payload(func_name, *args, runtime="1.4"):
    """The body the add-in's custom-functions JavaScript posts for one call."""
    return {
        "func_name": func_name,
        "args": list(args),
        "caller_address": "Office.js[Book1.xlsx]Sheet1!B2",
        "content_language": "en-US",
        "version": xlwings.__version__,
        "runtime": runtime,
    }


def cell(x):
    return [[x]]


def row(*xs):
    return [list(xs)]


def col(*xs):
    return [[x] for x in xs]


ERR_DIV0 = {"type": "Error", "basicType": "Error", "errorType": "Div0", "basicValue": "#DIV/0!"}
SEED = (25000, 3, 0.7, 1.2, 0.035, 150, 2600, 3, 0.10)
SEED_COST = 25000 / (3 * 8760) + 0.7 * 1.2 * 0.035 + 150 * 0.7 / 730 + 2600 / (3 * 8760) + 0.10
DECODE = (8, 2, 1, 64, 0.125, 3.35, 0.8, 989, 0.5)

GOOD = {
    "gpu_hour_cost": (payload("aie_gpu_hour_cost", *map(cell, SEED)), SEED_COST),
    "cost_per_m_tokens": (payload("aie_cost_per_m_tokens", cell(2.0), cell(1000), cell(0.5)),
                          2e6 / (1000 * 3600 * 0.5)),
    "decode": (payload("aie_decode_tokens_per_sec", *map(cell, DECODE)), udfs.aie_decode_tokens_per_sec(*DECODE)),
    "breakeven_omitted": (payload("aie_breakeven_utilization", cell(1.02), cell(2.5), None, None), 1.02 / 2.5),
    "breakeven_empty_cells": (payload("aie_breakeven_utilization", cell(1.02), cell(2.5), cell(None), cell("")),
                              1.02 / 2.5),
    "breakeven_capital": (payload("aie_breakeven_utilization", cell(1.02), cell(2.5), cell(28000), cell(0.12)),
                          (1.02 + 28000 * 0.12 / 8760) / 2.5),
    "pooled": (payload("aie_pooled_utilization", cell(1000), cell(1), cell(2.33), cell(0.01)),
               1 / (1 + 2.33 * math.sqrt((1 + 999 * 0.01) / 1000))),
    "pooled_omitted": (payload("aie_pooled_utilization", cell(1000), cell(1), cell(2.33), None),
                       1 / (1 + 2.33 * math.sqrt((1 + 999 * 0.01) / 1000))),
    "debt_capacity": (payload("aie_debt_capacity", cell(150e6), cell(1.5), cell(0.083), cell(5)),
                      100e6 * (1 - 1.083 ** -5) / 0.083),
    "wacc": (payload("aie_wacc", cell(0.5), cell(0.25), cell(0.08), cell(0.21)), 0.125 + 0.5 * 0.08 * 0.79),
    "output_seed": (payload("aie_output", cell("total_cost_per_gpu_hour"), None, None), SEED_COST),
    "output_column": (payload("aie_output", cell("power_per_gpu_hour"), col("pue", "power_price_kwh"), col(1, 0.1)),
                      0.7 * 1 * 0.1),
    "output_row_blanks": (payload("aie_output", cell("capex_per_gpu_hour"), row("depreciation_years", ""),
                                  row(5, None)), 25000 / (5 * 8760)),
}

SCULPT = {
    "sculpt_column": payload("aie_sculpt", col(100, 100, 100), cell(1.25), cell(0.05)),
    "sculpt_row": payload("aie_sculpt", row(100, 100, 100), cell(1.25), cell(0.05)),
    "sculpt_trailing_blanks": payload("aie_sculpt", col(100, 100, 100, None, ""), cell(1.25), cell(0.05)),
}

NOT_AVAILABLE = {
    "payback_undefined": payload("aie_output", cell("gpu_payback_years"), cell("rental_price_per_gpu_hour"),
                                 cell(0.1)),
    "payback_undefined_old_runtime": payload("aie_output", cell("gpu_payback_years"),
                                             cell("rental_price_per_gpu_hour"), cell(0.1), runtime="1.2"),
}

BAD = {  # key -> (payload, fragments the message must contain)
    "text": (payload("aie_gpu_hour_cost", cell("abc"), *map(cell, SEED[1:])),
             ["aie_gpu_hour_cost: gpu_price = 'abc' is text, not a number", "allowed domain of gpu_price: >0"]),
    "empty_cell": (payload("aie_gpu_hour_cost", cell(None), *map(cell, SEED[1:])), ["gpu_price is missing"]),
    "empty_string_cell": (payload("aie_gpu_hour_cost", cell(""), *map(cell, SEED[1:])), ["gpu_price is missing"]),
    "omitted_required": (payload("aie_gpu_hour_cost", None, *map(cell, SEED[1:])), ["gpu_price is missing", ">0"]),
    "error_cell": (payload("aie_gpu_hour_cost", cell(ERR_DIV0), *map(cell, SEED[1:])),
                   ["gpu_price is the Excel error #DIV/0!"]),
    "logical": (payload("aie_wacc", cell(True), cell(0.25), cell(0.08), cell(0.21)),
                ["equity_share = TRUE is a logical value"]),
    "out_of_domain": (payload("aie_gpu_hour_cost", *map(cell, SEED[:3]), cell(0.9), *map(cell, SEED[4:])),
                      ["pue = 0.9 is outside its domain; allowed domain of pue: ≥1"]),
    "range_for_scalar": (payload("aie_wacc", row(0.5, 0.6), cell(0.25), cell(0.08), cell(0.21)),
                         ["equity_share must be a single cell, got a range of 2 cells"]),
    "not_integer": (payload("aie_debt_capacity", cell(150e6), cell(1.5), cell(0.083), cell(5.5)),
                    ["tenor_years = 5.5 is outside its domain; allowed domain of tenor_years: integer 1..30"]),
    "gpus_zero": (payload("aie_decode_tokens_per_sec", *map(cell, DECODE[:2]), cell(0), *map(cell, DECODE[3:])),
                  ["gpus = 0.0 is outside its domain; allowed domain of gpus: integer 1..4096"]),
    "utilization_zero": (payload("aie_cost_per_m_tokens", cell(2.0), cell(1000), cell(0)),
                         ["utilization = 0.0", "(0, 1]"]),
    "unknown_output": (payload("aie_output", cell("no_such_output"), None, None), ["unknown output 'no_such_output'"]),
    "unknown_input": (payload("aie_output", cell("weight_gb"), cell("model_size"), cell(70)),
                      ["unknown input 'model_size'"]),
    "output_bad_value": (payload("aie_output", cell("weight_gb"), col("pue", "model_params_b"), col(1.1, -70)),
                         ["model_params_b = -70.0 is outside its domain; allowed domain of model_params_b: >0"]),
    "output_mismatch": (payload("aie_output", cell("weight_gb"), col("pue", "model_params_b"), cell(1.1)),
                        ["input_names has 2 cells but input_values has 1"]),
    "shares": (payload("aie_output", cell("weight_gb"), cell("share_batch"), cell(0.5)), ["must sum to 1"]),
    "does_not_fit": (payload("aie_output", cell("weight_gb"), cell("kv_gb_per_sequence"), cell(100)),
                     ["does not fit in memory"]),
    "sculpt_block": (payload("aie_sculpt", [[1, 2], [3, 4]], cell(1.5), cell(0.05)),
                     ["cfads must be a single row or column"]),
    "sculpt_negative": (payload("aie_sculpt", col(100, -1), cell(1.5), cell(0.05)),
                        ["cfads (year 2) = -1.0 is outside its domain"]),
    "sculpt_too_long": (payload("aie_sculpt", col(*[1.0] * 31), cell(1.5), cell(0.05)),
                        ["cfads has 31 values; allowed: 1..30 years"]),
}


@pytest.fixture(scope="module")
def server():
    cases = {k: p for k, (p, _) in GOOD.items()} | SCULPT | NOT_AVAILABLE | {k: p for k, (p, _) in BAD.items()}
    env = {**os.environ, "XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", CHILD], input=json.dumps(cases), capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_server_mode_registers_every_udf(server):
    assert server["on_server"] is True
    assert set(udfs.UDFS) <= set(server["registered"])
    assert {n for n in server["registered"] if n.startswith("aie_")} == set(udfs.UDFS)


def test_meta_lists_every_udf_with_its_arguments(server):
    import inspect

    meta = {f["id"]: f for f in server["meta"]["functions"]}
    assert set(meta) == {n.upper() for n in udfs.UDFS}
    assert server["meta"]["allowErrorForDataTypeAny"] is True
    for name in udfs.UDFS:
        f = meta[name.upper()]
        fn = getattr(udfs, name)
        sig = inspect.signature(fn)
        assert f["name"] == name.upper()
        assert f["description"] == fn.__doc__
        assert [p["name"] for p in f["parameters"]] == list(sig.parameters)
        for p in f["parameters"]:
            param = sig.parameters[p["name"]]
            assert p.get("optional", False) == (param.default is not inspect.Parameter.empty)
            assert not p["description"].startswith("Positional argument")  # documented, not xlwings' filler
            assert p["dimensionality"] == "matrix"
    assert "allowed: >0" in next(p for p in meta["AIE_GPU_HOUR_COST"]["parameters"]
                                 if p["name"] == "gpu_price")["description"]
    assert "allowed: ≥0" in next(p for p in meta["AIE_BREAKEVEN_UTILIZATION"]["parameters"]
                                 if p["name"] == "gpu_price")["description"]


@pytest.mark.parametrize("key", list(GOOD))
def test_calls_return_the_right_values(server, key):
    result = server["results"][key]
    assert "value" in result, result
    value = result["value"]
    assert isinstance(value, list) and len(value) == 1 and len(value[0]) == 1  # one cell
    assert value[0][0] == pytest.approx(GOOD[key][1], rel=1e-12)


def test_sculpt_spills_a_table_with_a_header(server):
    expected = udfs.aie_sculpt([100, 100, 100], 1.25, 0.05)
    for key in SCULPT:
        result = server["results"][key]
        assert result == {"value": expected}, key
    table = expected
    assert table[0] == ["year", "cfads", "debt_service", "opening", "interest", "principal", "closing"]
    assert [r[2] for r in table[1:]] == [80.0, 80.0, 80.0]
    assert table[-1][-1] == pytest.approx(0, abs=1e-9)


def test_undefined_output_is_na(server):
    assert server["results"]["payback_undefined"] == {"value": [[{"type": "Error", "errorType": "NotAvailable"}]]}
    assert server["results"]["payback_undefined_old_runtime"] == {"value": [["#N/A"]]}


@pytest.mark.parametrize("key", list(BAD))
def test_bad_arguments_give_an_excel_error_with_a_message(server, key):
    result = server["results"][key]
    assert "error" in result, f"{key}: expected an error, got {result}"
    assert result["xlwings_error"], result  # xlwings Server shows str(e) with #VALUE!; Lite likewise
    assert result["error"] == "UDFError"
    assert "Traceback" not in result["message"]
    for fragment in BAD[key][1]:
        assert fragment in result["message"], (fragment, result["message"])
