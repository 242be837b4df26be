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
    # seed values written out by hand (model.evaluate() at the seed)
    "output_project_irr": (payload("aie_output", cell("project_irr"), None, None), 0.09227337748827989),
    "output_fleet_debt": (payload("aie_output", cell("fleet_debt"), None, None), 168454320.01240575),
    "output_breakeven_economic": (payload("aie_output", cell("breakeven_utilization_economic"), None, None),
                                  0.9452645051078871),
    "output_template": (payload("aie_output", cell("total_cost_per_gpu_hour"), None, None, cell("coreweave")),
                        28900 / (3 * 8760) + 0.7 * 0.10 + 260 * 0.7 / 730 + 2600 / (3 * 8760) + 0.12),
    "output_template_empty": (payload("aie_output", cell("total_cost_per_gpu_hour"), None, None, cell(None)),
                              SEED_COST),
    "decode_capacity": (payload("aie_decode_tokens_per_sec", *map(cell, DECODE), cell(141)),
                        udfs.aie_decode_tokens_per_sec(*DECODE)),
}

SCULPT = {
    "sculpt_column": payload("aie_sculpt", col(100, 100, 100), cell(1.25), cell(0.05)),
    "sculpt_trailing_blanks": payload("aie_sculpt", col(100, 100, 100, None, ""), cell(1.25), cell(0.05)),
}
SCULPT_ROW = {
    "sculpt_row": payload("aie_sculpt", row(100, 100, 100), cell(1.25), cell(0.05), None),
    "sculpt_row_blanks": payload("aie_sculpt", row(100, 100, 100, None), cell(1.25), cell(0.05), cell(True)),
}
TABLE = [["gpu_price", "pue", "model_params_b"], [25000, 1.2, 8], [30000, 1.0, None], [None, None, None]]
SCENARIOS = [{"gpu_price": 25000.0, "pue": 1.2, "model_params_b": 8.0}, {"gpu_price": 30000.0, "pue": 1.0}]
OUTS = ["total_cost_per_gpu_hour", "project_irr", "gpu_payback_years"]
TABLES = {
    "evaluate": payload("aie_evaluate", [r[:2] for r in TABLE], [OUTS], None),
    "evaluate_column_names": payload("aie_evaluate", [r[:2] for r in TABLE], [[o] for o in OUTS], cell("h200")),
    "project": payload("aie_project", None, None, None, None),
    "project_override": payload("aie_project", col("fleet_gpus", "contracted_share"), col(2000, 0), None,
                                cell(False)),
    "inputs": payload("aie_inputs", cell("h200")),
    "inputs_default": payload("aie_inputs", None),
    "outputs": payload("aie_outputs"),
    "templates": payload("aie_templates"),
    "evaluate_na": payload("aie_evaluate", [["rental_price_per_gpu_hour"], [0.1], [2.2]],
                           cell("gpu_payback_years"), None),
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
    "sculpt_headers_text": (payload("aie_sculpt", col(100), cell(1.5), cell(0.05), cell("yes")),
                            ["headers = 'yes' is not TRUE or FALSE"]),
    "decode_does_not_fit": (payload("aie_decode_tokens_per_sec", cell(405), *map(cell, DECODE[1:]), cell(80)),
                            ["does not fit in memory", "1 GPUs x 80 GB"]),
    "removed_v1_input": (payload("aie_output", cell("weight_gb"), cell("rent_price_per_gpu_hour"), cell(2)),
                         ["unknown input 'rent_price_per_gpu_hour'", "removed in MODEL.md v2"]),
    "unknown_template": (payload("aie_output", cell("weight_gb"), None, None, cell("../../etc/passwd")),
                         ["is not a bundled template", "seed"]),
    "evaluate_bad_cell": (payload("aie_evaluate", [["pue"], [1.2], ["abc"]], cell("weight_gb"), None),
                          ["pue in scenario row 2 = 'abc' is text"]),
    "evaluate_out_of_domain": (payload("aie_evaluate", [["pue"], [1.2], [0.5]], cell("weight_gb"), None),
                               ["scenario row 2", "pue = 0.5 is outside its domain"]),
    "evaluate_error_cell": (payload("aie_evaluate", [["pue"], [ERR_DIV0]], cell("weight_gb"), None),
                            ["pue in scenario row 1 is the Excel error #DIV/0!"]),
    "evaluate_bool": (payload("aie_evaluate", [["pue"], [True]], cell("weight_gb"), None),
                      ["TRUE is a logical value"]),
    "evaluate_no_rows": (payload("aie_evaluate", [["pue"]], cell("weight_gb"), None), ["at least one scenario"]),
    "evaluate_unknown_output": (payload("aie_evaluate", [["pue"], [1.2]], row("weight_gb", "wieght_gb"), None),
                                ["unknown output 'wieght_gb'", "weight_gb"]),
    "evaluate_unknown_input": (payload("aie_evaluate", [["pue", "gpu_prise"], [1.2, 1]], cell("weight_gb"), None),
                               ["unknown input 'gpu_prise'"]),
    "evaluate_shares": (payload("aie_evaluate", [["share_batch"], [0.2], [0.5]], cell("weight_gb"), None),
                        ["scenario row 2", "must sum to 1"]),
    "project_bad": (payload("aie_project", cell("fleet_gpus"), cell(0), None, None),
                    ["fleet_gpus = 0.0 is outside its domain"]),
    "inputs_bad_template": (payload("aie_inputs", cell(3)), ["template = 3 is not a bundled template"]),
}


@pytest.fixture(scope="module")
def server():
    cases = ({k: p for k, (p, _) in GOOD.items()} | SCULPT | SCULPT_ROW | NOT_AVAILABLE | TABLES
             | {k: p for k, (p, _) in BAD.items()})
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
        assert "\n" not in f["description"] and "  " not in f["description"]  # the add-in shows one line
        assert f.get("helpUrl") == udfs.HELP_URL
        assert not f.get("options", {}).get("volatile", False)
        assert [p["name"] for p in f["parameters"]] == list(sig.parameters)
        for p in f["parameters"]:
            param = sig.parameters[p["name"]]
            assert p.get("optional", False) == (param.default is not inspect.Parameter.empty)
            assert not p["description"].startswith("Positional argument")  # documented, not xlwings' filler
            if "customEnumId" not in p:  # an enum (typing.Literal) parameter is a scalar with autocomplete
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


def test_output_names_autocomplete(server):
    """Output and template names are offered as Office.js enums (typing.Literal in the annotation)."""
    meta = {f["id"]: f for f in server["meta"]["functions"]}
    enums = {e["id"]: e for e in server["meta"].get("enums", [])}
    name = next(p for p in meta["AIE_OUTPUT"]["parameters"] if p["name"] == "output_name")
    template = next(p for p in meta["AIE_OUTPUT"]["parameters"] if p["name"] == "template")
    assert name["customEnumId"] == "AIE_OUTPUT.OUTPUT_NAME" and template["customEnumId"] == "AIE_OUTPUT.TEMPLATE"
    import model

    assert [v["stringValue"] for v in enums["AIE_OUTPUT.OUTPUT_NAME"]["values"]] == list(model.OUTPUTS)
    assert [v["stringValue"] for v in enums["AIE_OUTPUT.TEMPLATE"]["values"]] == model.bundled()


def test_sculpt_row_gives_years_across_columns(server):
    expected = [list(r) for r in zip(*udfs.aie_sculpt([100, 100, 100], 1.25, 0.05))]
    for key in SCULPT_ROW:
        assert server["results"][key] == {"value": expected}, key
    assert expected[0] == ["year", 1.0, 2.0, 3.0]


NA = {"type": "Error", "errorType": "NotAvailable"}


def test_evaluate_is_one_row_per_scenario_one_column_per_output(server):
    import model

    for key, template in (("evaluate", "seed"), ("evaluate_column_names", "h200")):
        value = server["results"][key]["value"]
        assert len(value) == 2 and all(len(r) == 3 for r in value)
        for row_, scenario in zip(value, SCENARIOS):
            expected = model.evaluate({k: v for k, v in scenario.items() if k != "model_params_b"}, template)
            for got, out in zip(row_, OUTS):
                if math.isnan(expected[out]):
                    assert got == NA
                else:
                    assert got == pytest.approx(expected[out], rel=1e-9)
    assert server["results"]["evaluate"]["value"][0][0] == pytest.approx(1.3234639269406394, rel=1e-12)
    assert server["results"]["evaluate"]["value"][0][1] == pytest.approx(0.09227337748827989, rel=1e-9)
    na = server["results"]["evaluate_na"]["value"]
    assert na[0] == [NA] and na[1][0] == pytest.approx(model.evaluate()["gpu_payback_years"], rel=1e-12)


def test_project_spills_the_p1_schedule(server):
    import model

    value = server["results"]["project"]["value"]
    sched = model.project_schedule()
    assert value[0] == ["year", *range(16)]
    labels = [r[0] for r in value[1:]]
    helpers = {r.key for b in ("fleet_operations", "fleet_financing") for r in model.registry.BLOCKS[b].rows if r.helper}
    assert labels == [c for c in sched.columns if c != "year" and c not in helpers]  # the helper rows left out
    assert "project_sign" in helpers and "project_irr_search" in helpers and "cfads" in labels
    for r in value[1:]:
        for t, got in enumerate(r[1:]):
            want = sched[r[0]].iloc[t]
            if math.isnan(want):
                assert got == NA, (r[0], t)
            else:
                assert got == pytest.approx(want, rel=1e-12, abs=1e-6), (r[0], t)
    debt = next(r for r in value if r[0] == "debt_service")
    assert sum(debt[1:]) > 0
    plain = server["results"]["project_override"]["value"]
    sched = model.project_schedule({"fleet_gpus": 2000, "contracted_share": 0})
    # without headers: the years' row, then the same rows in the same order
    assert len(plain) == len(labels) + 1 and all(len(r) == 16 for r in plain) and plain[0] == list(range(16))
    revenue = plain[1 + labels.index("revenue")]
    assert revenue == pytest.approx(sched["revenue"].tolist(), rel=1e-12)


def test_discovery_tables(server):
    import model

    inputs = server["results"]["inputs"]["value"]
    assert inputs[0] == ["name", "unit", "domain", "value"]
    assert [r[0] for r in inputs[1:]] == list(model.INPUTS)
    h200 = {r[0]: r for r in inputs[1:]}
    assert h200["hbm_capacity_gb"][3] == 141 and h200["pue"][2] == "≥1" and h200["batch_size"][2] == "integer 1..4096"
    seed = {r[0]: r[3] for r in server["results"]["inputs_default"]["value"][1:]}
    assert seed["hbm_capacity_gb"] == 80 and seed["gpu_price"] == 25000
    outputs = server["results"]["outputs"]["value"]
    assert outputs[0] == ["name", "unit", "section", "definition"]
    assert [r[0] for r in outputs[1:]] == list(model.OUTPUTS)
    assert all(isinstance(c, str) and c for r in outputs for c in r)
    templates = server["results"]["templates"]["value"]
    assert templates[0] == ["name", "description"]
    assert [r[0] for r in templates[1:]] == model.bundled()
