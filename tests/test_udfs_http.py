"""The UDFs through a real xlwings Server over HTTP, as the Office.js add-in calls them.

udfs/README.md's server steps as a new user runs them (tests/xlserver.py: ``xlwings-server init``,
``from udfs import *``, the licence key in ``.env``, the app under uvicorn on a free localhost port).

Each call is the JSON body that xlwings Server's ``custom-functions-code.js`` posts to
``/xlwings/custom-functions-call``: the function name it posts is read from that served
JavaScript, and every argument has the shape the served metadata declares (a 2-D array for a
"matrix" parameter, a string for a "scalar" string one, null when omitted). Results are
compared with `model.evaluate` and the plain-Python functions; bad input must come back as
HTTP 400 with the message (the add-in shows ``#VALUE!`` with it as the tooltip).

Skipped unless xlwings-server is installed (it is not a dependency of this project).
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import xlwings
from xlserver import serve

import model
import udfs

# find_spec, not an import: importing xlwings_server sets XLWINGS_ON_SERVER=true (and more) in os.environ
pytestmark = pytest.mark.skipif(importlib.util.find_spec("xlwings_server") is None,
                                reason="xlwings-server is not installed (pip install xlwings-server)")

STARTUP_TIMEOUT = 25.0  # seconds for `init` plus server start-up (numpy, the model, xlwings)

NA = {"type": "Error", "errorType": "NotAvailable"}
NUM = {"type": "Error", "errorType": "Num"}
ERR_DIV0 = {"type": "Error", "basicType": "Error", "errorType": "Div0", "basicValue": "#DIV/0!"}


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def _post(url: str, body: dict) -> tuple[int, str]:
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(tmp_path_factory.mktemp("xlwings_server") / "aieserver", STARTUP_TIMEOUT) as base:
        yield base


@pytest.fixture(scope="module")
def meta(server: str) -> dict[str, dict]:
    status, text = _get(f"{server}/xlwings/custom-functions-meta")
    assert status == 200
    return {f["id"]: f for f in json.loads(text)["functions"]}


@pytest.fixture(scope="module")
def posted_names(server: str) -> dict[str, str]:
    """Excel id -> the func_name the add-in's JavaScript posts for it (from the served code)."""
    status, js = _get(f"{server}/xlwings/custom-functions-code")
    assert status == 200
    pairs = re.findall(r'funcName: "(\w+)",.*?CustomFunctions\.associate\("(\w+)"', js, re.S)
    return {excel: posted for posted, excel in pairs}


class Caller:
    """Posts one custom-function call as the add-in does; arguments are checked against the metadata."""

    def __init__(self, base: str, meta: dict[str, dict], posted_names: dict[str, str]) -> None:
        self.base, self.meta, self.posted_names = base, meta, posted_names

    def body(self, excel_name: str, *args: Any) -> dict:
        params = self.meta[excel_name]["parameters"]
        assert len(args) <= len(params), excel_name
        for p, a in zip(params, args):  # the shapes Office.js sends for these parameter declarations
            if a is None:
                assert p.get("optional", False), (excel_name, p["name"], "required argument omitted")
            elif p["dimensionality"] == "matrix":
                assert isinstance(a, list) and a and all(isinstance(r, list) and len(r) == len(a[0]) for r in a), \
                    (excel_name, p["name"], a)
            else:
                assert p["type"] == "string" and isinstance(a, str), (excel_name, p["name"], a)
        return {
            "client": "Office.js",
            "func_name": self.posted_names[excel_name],
            "args": list(args),
            "caller_address": "[Book1.xlsx]Sheet1!B2",
            "session_id": "0123456789abcdef",
            "culture_info_name": "en-US",
            "date_format": "M/d/yyyy",
            "version": xlwings.__version__,
            "runtime": "1.4",
        }

    def __call__(self, excel_name: str, *args: Any) -> tuple[int, Any]:
        """(200, the cell values) or (status, the error text)."""
        status, text = _post(f"{self.base}/xlwings/custom-functions-call", self.body(excel_name, *args))
        return (status, json.loads(text)["result"]) if status == 200 else (status, text)


@pytest.fixture(scope="module")
def call(server: str, meta: dict[str, dict], posted_names: dict[str, str]) -> Caller:
    return Caller(server, meta, posted_names)


def cell(x: Any) -> list[list[Any]]:
    return [[x]]


def col(*xs: Any) -> list[list[Any]]:
    return [[x] for x in xs]


def row(*xs: Any) -> list[list[Any]]:
    return [list(xs)]


def excel(value: Any) -> Any:
    """A plain-Python result as the server writes it: nan -> #N/A, ±inf -> #NUM!."""
    if isinstance(value, list):
        return [excel(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return NA
    if isinstance(value, float) and math.isinf(value):
        return NUM
    return value


def assert_cells(got: Any, want: Any, rel: float = 1e-9) -> None:
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            assert_cells(g, w, rel)
    elif isinstance(want, float):
        assert got == pytest.approx(want, rel=rel, abs=1e-9)
    else:
        assert got == want


# --------------------------------------------------------------------------------------
# The server as udfs/README.md describes it
# --------------------------------------------------------------------------------------
def test_every_udf_is_served_with_its_metadata(meta: dict[str, dict], posted_names: dict[str, str]) -> None:
    excel_names = {n.upper() for n in udfs.UDFS}
    assert excel_names <= set(meta) and excel_names <= set(posted_names)
    for name in udfs.UDFS:
        assert posted_names[name.upper()] == name  # the add-in posts the Python name, Excel shows the upper-case one
        f = meta[name.upper()]
        assert f["description"] == getattr(udfs, name).__doc__
        assert not f.get("options", {}).get("volatile", False)


def test_manifest_namespace_is_xlwings_dev(server: str) -> None:
    """XLWINGS_ENVIRONMENT="dev" (init's .env): =XLWINGS_DEV.AIE_OUTPUT(...)."""
    status, manifest = _get(f"{server}/manifest")
    assert status == 200
    assert '<bt:String id="Functions.Namespace" DefaultValue="XLWINGS_DEV" />' in manifest


# --------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------
SEED_COST = 25000 / (3 * 8760) + 0.7 * 1.2 * 0.035 + 150 * 0.7 / 730 + 2600 / (3 * 8760) + 0.10
GPU_HOUR = (25000, 3, 0.7, 1.2, 0.035, 150, 2600, 3, 0.10)
DECODE = (8, 2, 1, 64, 0.125, 3.35, 0.8, 989, 0.5)

SCALARS = {  # key -> (Excel name, args, expected single cell)
    "gpu_hour_cost": ("AIE_GPU_HOUR_COST", [cell(x) for x in GPU_HOUR], SEED_COST),
    "cost_per_m_tokens": ("AIE_COST_PER_M_TOKENS", [cell(2.0), cell(1000), cell(0.5)], 2e6 / (1000 * 3600 * 0.5)),
    "decode": ("AIE_DECODE_TOKENS_PER_SEC", [cell(x) for x in DECODE], udfs.aie_decode_tokens_per_sec(*DECODE)),
    "decode_capacity": ("AIE_DECODE_TOKENS_PER_SEC", [*(cell(x) for x in DECODE), cell(141)],
                        udfs.aie_decode_tokens_per_sec(*DECODE, 141)),
    "breakeven_omitted": ("AIE_BREAKEVEN_UTILIZATION", [cell(1.02), cell(2.5), None, None], 1.02 / 2.5),
    "breakeven_empty_cells": ("AIE_BREAKEVEN_UTILIZATION", [cell(1.02), cell(2.5), cell(None), cell("")], 1.02 / 2.5),
    "breakeven_capital": ("AIE_BREAKEVEN_UTILIZATION", [cell(1.02), cell(2.5), cell(28000), cell(0.12)],
                          (1.02 + 28000 * 0.12 / 8760) / 2.5),
    "pooled": ("AIE_POOLED_UTILIZATION", [cell(1000), cell(1), cell(2.33), None],
               1 / (1 + 2.33 * math.sqrt((1 + 999 * 0.01) / 1000))),
    "debt_capacity": ("AIE_DEBT_CAPACITY", [cell(150e6), cell(1.5), cell(0.083), cell(5)],
                      100e6 * (1 - 1.083 ** -5) / 0.083),
    "wacc": ("AIE_WACC", [cell(0.5), cell(0.25), cell(0.08), cell(0.21)], 0.125 + 0.5 * 0.08 * 0.79),
    "output_seed": ("AIE_OUTPUT", ["project_irr"], model.evaluate()["project_irr"]),
    "output_template": ("AIE_OUTPUT", ["total_cost_per_gpu_hour", None, None, "coreweave"],
                        model.evaluate(template="coreweave")["total_cost_per_gpu_hour"]),
    "output_template_empty_cell": ("AIE_OUTPUT", ["total_cost_per_gpu_hour", None, None, ""], SEED_COST),
    "output_row_with_blanks": ("AIE_OUTPUT", ["capex_per_gpu_hour", row("depreciation_years", ""), row(5, None)],
                               25000 / (5 * 8760)),
    "output_payback_undefined": ("AIE_OUTPUT", ["gpu_payback_years", cell("rental_price_per_gpu_hour"), cell(0.1)],
                                 math.nan),
}


@pytest.mark.parametrize("key", list(SCALARS))
def test_single_cell_results(call: Caller, key: str) -> None:
    name, args, want = SCALARS[key]
    status, got = call(name, *args)
    assert status == 200, got
    assert_cells(got, [[excel(want)]], rel=1e-12)


OVERRIDES = {"gpu_price": 30000.0, "pue": 1.3, "fleet_gpus": 2048.0, "rental_price_per_gpu_hour": 2.4}


def test_every_output_agrees_with_model_evaluate(call: Caller) -> None:
    """AIE_OUTPUT for each of the model's outputs, inputs overridden by a column of names and one of values."""
    want = model.evaluate(OVERRIDES, "h200")
    names, values = col(*OVERRIDES), col(*OVERRIDES.values())
    for name in model.OUTPUTS:
        status, got = call("AIE_OUTPUT", name, names, values, "h200")
        assert status == 200, (name, got)
        assert_cells(got, [[excel(float(want[name]))]])


TABLE = [["gpu_price", "pue", "gpu_utilization", None],
         [25000, 1.2, 0.7, None],
         [31000.5, 1.05, 0.55, ""],
         [None, None, None, None]]
SCENARIOS = [{"gpu_price": 25000.0, "pue": 1.2, "gpu_utilization": 0.7},
             {"gpu_price": 31000.5, "pue": 1.05, "gpu_utilization": 0.55}]


def test_evaluate_table_agrees_with_model_evaluate(call: Caller) -> None:
    """AIE_EVALUATE: a header row and two scenarios, with a blank trailing row and column (the unused end of a
    fixed range, null and "" cells), every output as a row of names; then output names as a column."""
    outs = list(model.OUTPUTS)  # optimal_owned_gpus included: NORMSINV on arrays needs no scipy
    status, got = call("AIE_EVALUATE", TABLE, row(*outs), "coreweave")
    assert status == 200, got
    assert_cells(got, [[excel(float(model.evaluate(s, "coreweave")[o])) for o in outs] for s in SCENARIOS])
    outs = ["total_cost_per_gpu_hour", "project_irr"]
    status, got = call("AIE_EVALUATE", [r[:2] for r in TABLE[:3]], col(*outs))
    assert status == 200, got
    assert_cells(got, [[excel(float(model.evaluate({k: s[k] for k in ("gpu_price", "pue")})[o])) for o in outs]
                       for s in SCENARIOS])


def test_sculpt_spills_a_table(call: Caller) -> None:
    want = udfs.aie_sculpt([100, 120, 90], 1.25, 0.05)
    status, got = call("AIE_SCULPT", col(100, 120, 90, None, ""), cell(1.25), cell(0.05))
    assert status == 200, got
    assert_cells(got, excel(want), rel=1e-12)
    status, got = call("AIE_SCULPT", row(100, 120, 90), cell(1.25), cell(0.05), cell(False))
    assert status == 200, got
    assert_cells(got, excel([list(r) for r in zip(*udfs.aie_sculpt([100, 120, 90], 1.25, 0.05, False))]), rel=1e-12)


def test_project_schedule(call: Caller) -> None:
    status, got = call("AIE_PROJECT")
    assert status == 200, got
    assert_cells(got, excel(udfs.aie_project()), rel=1e-12)
    assert got[0] == ["year", *range(16)]
    status, got = call("AIE_PROJECT", col("fleet_gpus", "contracted_share"), col(2000, 0), "h100-market", cell(False))
    assert status == 200, got
    assert_cells(got, excel(udfs.aie_project(["fleet_gpus", "contracted_share"], [2000, 0], "h100-market", False)),
                 rel=1e-12)


def test_discovery_tables(call: Caller) -> None:
    for name, args, want in (("AIE_INPUTS", ["h200"], udfs.aie_inputs("h200")),
                             ("AIE_INPUTS", [], udfs.aie_inputs()),
                             ("AIE_OUTPUTS", [], udfs.aie_outputs()),
                             ("AIE_TEMPLATES", [], udfs.aie_templates())):
        status, got = call(name, *args)
        assert status == 200, got
        assert got == want, name
    status, got = call("AIE_TEMPLATES")
    assert [r[0] for r in got[1:]] == model.bundled()


# --------------------------------------------------------------------------------------
# Bad input: HTTP 400 with the message (#VALUE! and its tooltip in Excel), never a number or a traceback
# --------------------------------------------------------------------------------------
BAD = {  # key -> (Excel name, args, fragments of the message)
    "text": ("AIE_GPU_HOUR_COST", [cell("abc"), *(cell(x) for x in GPU_HOUR[1:])],
             ["aie_gpu_hour_cost: gpu_price = 'abc' is text, not a number", "allowed domain of gpu_price: >0"]),
    "empty_cell": ("AIE_GPU_HOUR_COST", [cell(None), *(cell(x) for x in GPU_HOUR[1:])], ["gpu_price is missing"]),
    "empty_string_cell": ("AIE_GPU_HOUR_COST", [cell(""), *(cell(x) for x in GPU_HOUR[1:])], ["gpu_price is missing"]),
    "error_cell": ("AIE_GPU_HOUR_COST", [cell(ERR_DIV0), *(cell(x) for x in GPU_HOUR[1:])],
                   ["gpu_price is the Excel error #DIV/0!"]),
    "logical": ("AIE_WACC", [cell(True), cell(0.25), cell(0.08), cell(0.21)],
                ["equity_share = TRUE is a logical value"]),
    "out_of_domain": ("AIE_GPU_HOUR_COST", [*(cell(x) for x in GPU_HOUR[:3]), cell(0.9),
                                            *(cell(x) for x in GPU_HOUR[4:])],
                      ["pue = 0.9 is outside its domain; allowed domain of pue: ≥1"]),
    "range_for_scalar": ("AIE_WACC", [row(0.5, 0.6), cell(0.25), cell(0.08), cell(0.21)],
                         ["equity_share must be a single cell, got a range of 2 cells"]),
    "not_integer": ("AIE_DEBT_CAPACITY", [cell(150e6), cell(1.5), cell(0.083), cell(5.5)],
                    ["tenor_years = 5.5 is outside its domain"]),
    "decode_does_not_fit": ("AIE_DECODE_TOKENS_PER_SEC", [cell(405), *(cell(x) for x in DECODE[1:]), cell(80)],
                            ["does not fit in memory"]),
    "unknown_output": ("AIE_OUTPUT", ["no_such_output"], ["unknown output 'no_such_output'"]),
    "empty_output_name": ("AIE_OUTPUT", [""], ["output_name is missing"]),
    "unknown_input": ("AIE_OUTPUT", ["weight_gb", cell("model_size"), cell(70)], ["unknown input 'model_size'"]),
    "output_mismatch": ("AIE_OUTPUT", ["weight_gb", col("pue", "model_params_b"), cell(1.1)],
                        ["input_names has 2 cells but input_values has 1"]),
    "unknown_template": ("AIE_OUTPUT", ["weight_gb", None, None, "../../etc/passwd"], ["is not a bundled template"]),
    "number_as_template": ("AIE_INPUTS", ["3"], ["'3' is not a bundled template"]),
    "sculpt_block": ("AIE_SCULPT", [[[1, 2], [3, 4]], cell(1.5), cell(0.05)], ["cfads must be a single row or column"]),
    "sculpt_headers_text": ("AIE_SCULPT", [col(100), cell(1.5), cell(0.05), cell("yes")],
                            ["headers = 'yes' is not TRUE or FALSE"]),
    "evaluate_bad_cell": ("AIE_EVALUATE", [[["pue"], [1.2], ["abc"]], cell("weight_gb")],
                          ["pue in scenario row 2 = 'abc' is text"]),
    "evaluate_error_cell": ("AIE_EVALUATE", [[["pue"], [ERR_DIV0]], cell("weight_gb")],
                            ["pue in scenario row 1 is the Excel error #DIV/0!"]),
    "evaluate_bool": ("AIE_EVALUATE", [[["pue"], [True]], cell("weight_gb")], ["TRUE is a logical value"]),
    "evaluate_out_of_domain": ("AIE_EVALUATE", [[["pue"], [1.2], [0.5]], cell("weight_gb")],
                               ["scenario row 2", "pue = 0.5 is outside its domain"]),
    "evaluate_unknown_output": ("AIE_EVALUATE", [[["pue"], [1.2]], row("weight_gb", "wieght_gb")],
                                ["unknown output 'wieght_gb'"]),
    "project_bad": ("AIE_PROJECT", [cell("fleet_gpus"), cell(0)], ["fleet_gpus = 0.0 is outside its domain"]),
}


@pytest.mark.parametrize("key", list(BAD))
def test_bad_input_is_an_error_with_a_message(call: Caller, key: str) -> None:
    name, args, fragments = BAD[key]
    status, text = call(name, *args)
    assert status == 400, (key, status, text)  # an XlwingsError: not retried by the add-in, shown as #VALUE!
    assert "Traceback" not in text
    for fragment in fragments:
        assert fragment in text, (fragment, text)
