"""The built workbook as a function of its defined names (the `formulas` engine) equals model/.

The workbook is compiled once: inputs are the input names, outputs every output name and the
cell of each of model/'s checks on the Checks sheet. Hypothesis draws input sets across the
domains (edges included); each output must equal model.evaluate to 1e-9 relative, and #N/A
exactly where the model gives nan; each check must equal model.checks.evaluate_checks. Unlike
LibreOffice and Excel, whose = compares to about 15 digits, `formulas` compares floats exactly,
so the checks' ROUND(…, 9) and the GPU counts' ROUND guards are tested here, on the float-noise rows.
"""

from __future__ import annotations

import formulas
import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from wbtools import check_cells, defined_cells, fits, inputs_strategy, mismatches

import model
import xl
from model.checks import evaluate_checks
from model.registry import CHECKS, INPUTS, OUTPUTS


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    path = tmp_path_factory.mktemp("wb") / "wb.xlsx"
    xl.build(path)
    xm = formulas.ExcelModel().loads(str(path)).finish()
    key = f"'[{path.name}]'!"
    checks = check_cells(openpyxl.load_workbook(path)["Checks"])
    func = xm.compile(inputs=[key + n.upper() for n in INPUTS],
                      outputs=[key + n.upper() for n in OUTPUTS]
                      + [f"'[{path.name}]CHECKS'!{checks[n]}" for n in CHECKS])  # in CHECKS' order, as run reads them
    cells, forms = defined_cells(path)
    return func, cells, forms


def run(compiled, values: dict) -> dict:
    """Every output by name, then every check by name (1 or 0), as the compiled workbook gives them."""
    func, _, _ = compiled
    res = func(*[values[n] for n in INPUTS])
    out = {}
    for name, r in zip([*OUTPUTS, *CHECKS], res, strict=True):
        v = r.value[0, 0] if hasattr(r, "value") else r
        out[name] = str(v) if not isinstance(v, (int, float)) else v
    return out


def check(compiled, values: dict) -> None:
    expected = model.evaluate(values)
    got = run(compiled, values)
    bad = mismatches(expected, got, 1e-9, compiled[1], compiled[2])
    assert not bad, "\n".join(bad)
    checks = evaluate_checks(model.resolve_inputs(values))
    assert {n: got[n] for n in CHECKS} == checks, {n: (checks[n], got[n]) for n in CHECKS if got[n] != checks[n]}


def test_seed(compiled):
    check(compiled, model.load("seed").values)


@pytest.mark.parametrize("template", ["coreweave", "h200"])
def test_templates(compiled, template):
    check(compiled, model.load(template).values)


# degenerate rows: rate 0, growth equal to the rate, utilization 1, zero debt, the last residual case
EDGE_CASES = [
    {"equity_share": 1.0, "cost_of_equity": 0.0, "base_rate": 0.0, "spread_contracted": 0.0,
     "spread_uncontracted": 0.0},  # wacc 0 and debt at 0%
    {"cfads_growth": 0.068, "tenor_contracted_years": 30, "contract_years": 10},
    {"gpu_utilization": 1.0, "serving_utilization": 1.0, "debt_amount": 0.0, "residual_case": 3},
    {"rental_price_per_gpu_hour": 0.2},  # cash margin negative: payback #N/A
    {"price_factor_hobbyist": 0.0, "price_factor_growth": 0.0, "reserved_discount": 1.0, "batch_discount": 1.0},
    {"measured_decode_tokens_per_sec": 5000.0, "optimization_multiplier": 3.0},
    {"model_params_b": 405.0, "kv_gb_per_sequence": 0.53, "batch_size": 16},
    {"rental_price_per_gpu_hour": 0.5},  # breakeven above 1: optimal owned GPUs 0; project IRR undefined
    {"equipment_ltv": 0.0, "contracted_share": 1.0, "economic_life_years": 15, "fleet_debt_tenor_years": 15},
    {"equipment_ltv": 1.0, "target_dscr": 1.0, "tax_rate": 0.0, "gpus_per_node": 6, "model_params_b": 170.0},
    {"economic_life_years": 1, "fleet_debt_tenor_years": 1, "depreciation_years": 0.5, "residual_case": 1},
    {"tenor_contracted_years": 1, "tenor_uncontracted_years": 30, "cfads_growth": -0.5},
    # all debt (the capacity, 2.8× capex, capped at LTV 1): no equity in year 0, the equity multiple #N/A
    {"equipment_ltv": 1.0, "target_dscr": 1.0, "contracted_share": 1.0, "contract_years": 10,
     "economic_life_years": 15, "fleet_debt_tenor_years": 15, "market_price_decline_per_year": 0.0},
    # float noise at a boundary, each kept off it by a ROUND(…, 9): 98.7·2 / (141·0.7) is 2.0000000000000004 (2 GPUs,
    # not 3); (141 − 15) / 0.14 is 899.9999999999999 (a batch of 900, not 899); the shares add to 0.9999999999999999
    {"model_params_b": 98.7, "hbm_capacity_gb": 141.0, "hbm_usable_fraction": 0.7},
    {"hbm_capacity_gb": 141.0, "model_params_b": 7.5, "kv_gb_per_sequence": 0.14, "batch_size": 1024},
    {"share_hobbyist": 0.7, "share_growth": 0.1, "share_enterprise": 0.1, "share_batch": 0.1},
]


@pytest.mark.parametrize("overrides", EDGE_CASES)
def test_edges(compiled, overrides):
    check(compiled, {**model.load("seed").values, **overrides})


@settings(max_examples=200, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(values=inputs_strategy())
def test_random_inputs(compiled, values):
    from hypothesis import assume

    assume(fits(values))
    check(compiled, values)


def test_changing_an_input_moves_the_output(compiled):
    """The compiled workbook is live: doubling the GPU price raises capex per hour accordingly."""
    seed = model.load("seed").values
    a = run(compiled, seed)["capex_per_gpu_hour"]
    b = run(compiled, {**seed, "gpu_price": 50000.0})["capex_per_gpu_hour"]
    assert a == pytest.approx(25000 / (3 * 8760), rel=1e-12)
    assert b == pytest.approx(50000 / (3 * 8760), rel=1e-12)


_ = st  # strategies re-exported for readers of this module


def test_the_domain_check_wants_a_number_in_formulas(tmp_path):
    """The Checks sheet's domain test of an input, as xl/sheets/checks.py writes it, in the `formulas` engine: a
    number inside the domain passes (0 included where the domain allows it); a cleared cell, text and numeric
    text fail (LibreOffice: tests/test_workbook_checks_fail.py)."""
    from types import SimpleNamespace

    import xlsxwriter

    from xl.book import Book
    from xl.sheets.checks import domain_formula

    cases = [(0.05, 1), (0.0, 1), (None, 0), ("abc", 0), ("0.05", 0), (-1.0, 0)]  # power_price_kwh: ≥0
    path = tmp_path / "domain.xlsx"
    wb = xlsxwriter.Workbook(path)
    inputs, checks = wb.add_worksheet("Inputs"), wb.add_worksheet("Checks")
    for i, (value, _) in enumerate(cases):
        r = 2 * i + 1  # the input's row (0-based): its Min in E, its value in H
        stub = SimpleNamespace(input_rows={"power_price_kwh": r}, t_col0=7)
        stub.template_cell = lambda name, j, stub=stub: Book.template_cell(stub, name, j)
        inputs.write_number(r, 4, 0.0)
        if isinstance(value, str):
            inputs.write_string(r, 7, value)
        elif value is not None:
            inputs.write_number(r, 7, value)
        checks.write_formula(i, 0, "=" + domain_formula(stub, "power_price_kwh", 0))
    wb.close()
    sol = formulas.ExcelModel().loads(str(path)).finish().calculate()
    got = [int(sol[f"'[{path.name}]CHECKS'!A{i + 1}"].value[0, 0]) for i in range(len(cases))]
    assert got == [want for _, want in cases], list(zip(cases, got))
