"""The audit of the source document's claims C01..C48 (MODEL.md, "Seed claims to audit")."""

from __future__ import annotations

import math

import pytest

import model
from model.claims import audit

# MODEL.md's claim table, written out: id, section, kind, output, stated (≈ X or (lo, hi)),
# and the cases as (template, overrides).
SEED = [("seed", {})]
# SRC_E2 and WACC12 as MODEL.md defines them
SRC_E2 = {"gpu_price": 28000, "depreciation_years": 5, "rental_price_per_gpu_hour": 2.50, "ops_per_gpu_hour": 0.1886}
WACC12 = {"equity_share": 1, "cost_of_equity": 0.12}
P28 = [("seed", {"gpu_price": 28000})]
CLAIMS = [
    ("C01", "D1", "calibrated", "total_cost_per_gpu_hour", 1.33, SEED),
    ("C02", "D1", "calibrated", "rental_gross_margin", 0.40, SEED),
    ("C03", "D1", "calibrated", "total_cost_per_gpu_hour", 1.64, [("coreweave", {})]),
    ("C04", "D1", "arithmetic", "rental_gross_margin", 0.34, [("coreweave", {})]),
    ("C05", "D1", "arithmetic", "power_per_gpu_hour", 0.07, [("seed", {"pue": 1, "power_price_kwh": 0.10})]),
    ("C06", "D1", "arithmetic", "fleet_annual_power_cost", 6.1e6, [("seed", {"pue": 1, "power_price_kwh": 0.10})]),
    ("C07", "D1", "arithmetic", "expected_failures_per_year", (200, 500),
     [("seed", {"annual_failure_rate": 0.02}), ("seed", {"annual_failure_rate": 0.05})]),
    ("C08", "E2", "arithmetic", "capex_per_gpu_hour", 0.95, SEED),
    ("C09", "E2", "arithmetic", "capex_per_gpu_hour", 0.57, [("seed", {"depreciation_years": 5})]),
    ("C10", "D2", "model", "cost_per_m_output_tokens", (0.03, 0.05), SEED),
    ("C11", "D2", "model", "cost_per_m_output_tokens", (0.50, 1.00),
     [("seed", {"model_params_b": 405, "kv_gb_per_sequence": 0.53, "batch_size": 16})]),
    ("C12", "D2", "arithmetic", "weight_gb", 16, SEED),
    ("C13", "D2", "arithmetic", "weight_gb", 810, [("seed", {"model_params_b": 405})]),
    ("C14", "D2", "model", "gpus_per_replica", (8, 16), [("seed", {"model_params_b": 405})]),
    ("C15", "D3", "model", "output_input_cost_ratio", (2, 4), SEED),
    ("C16", "D3", "arithmetic", "price_decline_total_factor", 50, SEED),
    ("C17", "E1", "calibrated", "managed_gross_margin", (0.55, 0.70), SEED),
    ("C18", "E1", "calibrated", "pooled_utilization", (0.80, 0.90), SEED),
    ("C19", "E2", "calibrated", "breakeven_utilization", 0.44, [("seed", SRC_E2)]),
    ("C20", "E2", "calibrated", "breakeven_utilization_wacc", 0.59, [("seed", {**SRC_E2, **WACC12})]),
    ("C21", "E2", "calibrated", "breakeven_utilization_wacc", 0.76,
     [("seed", {**SRC_E2, "equity_share": 1, "cost_of_equity": 0.25})]),
    ("C22", "E2", "arithmetic", "annual_capital_charge", 3360, [("seed", {"gpu_price": 28000, **WACC12})]),
    ("C23", "E2", "arithmetic", "capital_charge_per_hour", 0.38, [("seed", {"gpu_price": 28000, **WACC12})]),
    ("C24", "E2", "calibrated", "cost_per_hour_with_capital", 1.48, [("seed", {**SRC_E2, **WACC12})]),
    ("C25", "E2", "arithmetic", "residual_value_bull", 11000, P28),
    ("C26", "E2", "arithmetic", "residual_value_base", 5500, P28),
    ("C27", "E2", "arithmetic", "residual_value_bear", 1400, P28),
    ("C28", "E3", "arithmetic", "electricity_cost_per_kw_month_grid", 72, SEED),
    ("C29", "E3", "arithmetic", "electricity_cost_per_kw_month_own", 22, SEED),
    ("C30", "E3", "arithmetic", "energy_advantage_per_kw_month", 50, SEED),
    ("C31", "E3", "arithmetic", "annual_energy_savings", 60e6, SEED),
    ("C32", "E3", "arithmetic", "power_share_of_facility_price", (0.45, 0.50), SEED),
    ("C33", "D1", "arithmetic", "pue_improvement_annual_savings", 600e3, SEED),
    ("C34", "E3", "arithmetic", "cooling_overhead_mw_difference", 30, SEED),
    ("C35", "E3", "arithmetic", "annual_cooling_cost_difference", 15e6, SEED),
    ("C36", "E3", "arithmetic", "built_power_mw", 200, SEED),
    ("C37", "F1", "arithmetic", "after_tax_cost_of_debt", 0.063, SEED),
    ("C38", "F1", "arithmetic", "annual_tax_shield", 84e6, SEED),
    ("C39", "F1", "arithmetic", "equity_debt_cost_ratio", (3, 4), SEED),
    ("C40", "E2", "arithmetic", "rate_shock_annual_cost", (30e6, 40e6),
     [("seed", {"rate_shock_bps": 300}), ("seed", {"rate_shock_bps": 400})]),
    ("C41", "F2", "arithmetic", "max_debt_service_uncontracted", 100e6, SEED),
    ("C42", "F2", "model", "debt_capacity_uncontracted", (1.0e9, 1.5e9), SEED),
    ("C43", "F2", "arithmetic", "max_debt_service_contracted", 267e6, SEED),
    ("C44", "F2", "model", "debt_capacity_contracted", (3e9, 4e9), SEED),
    ("C45", "F2", "model", "debt_capacity_ratio", (3, 4), SEED),
    ("C46", "F2", "arithmetic", "interest_savings_contracted", 75e6, SEED),
    ("C47", "D3", "arithmetic", "price_decline_annual_factor", 10, SEED),
    ("C48", "E2", "calibrated", "total_cost_per_gpu_hour", 1.10, [("seed", SRC_E2)]),
]
TABLE = {c[0]: c for c in CLAIMS}


def rule(value: float, stated) -> bool:
    """MODEL.md's verdict rule: ≈ X within 5%; [lo, hi] within 0.98·lo .. 1.02·hi."""
    if isinstance(stated, tuple):
        return 0.98 * stated[0] <= value <= 1.02 * stated[1]
    return abs(value / stated - 1) <= 0.05


@pytest.fixture(scope="module")
def records():
    return {r["id"]: r for r in audit()}


def test_48_records_with_their_keys(records):
    assert list(records) == [f"C{i:02d}" for i in range(1, 49)]
    for r in records.values():
        assert {"id", "section", "kind", "output", "stated", "values", "holds"} <= set(r)


@pytest.mark.parametrize("cid", list(TABLE))
def test_record_matches_model_md(records, cid):
    _, section, kind, output, stated, cases = TABLE[cid]
    r = records[cid]
    assert (r["section"], r["kind"], r["output"]) == (section, kind, output)
    assert r["stated"] == (list(stated) if isinstance(stated, tuple) else stated)
    # the values are the outputs under MODEL.md's overrides, and the verdict is MODEL.md's rule
    assert len(r["values"]) == len(cases)
    for v, (template, overrides) in zip(r["values"], cases, strict=True):
        assert v == pytest.approx(model.evaluate(overrides, template)[output], rel=1e-12)
    assert r["holds"] == all(rule(v, stated) for v in r["values"])


# Verdicts checked with values computed by hand: (id, value(s) by hand, holds)
CW_TOTAL = 28900 / (3 * 8760) + 0.7 * 1.0 * 0.10 + 260 * 0.7 / 730 + 2600 / (3 * 8760) + 0.12
SEED_TOTAL = 25000 / (3 * 8760) + 0.7 * 1.2 * 0.035 + 150 * 0.7 / 730 + 2600 / (3 * 8760) + 0.10
DECODE = 64 / ((16 + 64 * 0.125) / (3.35 * 1000 * 0.8))
PREFILL = 989 * 1000 * 0.5 / (2 * 8)
AF_U = (1 - 1.083 ** -5) / 0.083
AF_C = (1 - 1.068 ** -12) / 0.068
# the source's E2 stack: $0.639 depreciation + $0.029 power + $0.144 facility + $0.099 network + $0.1886 operations
SRC_TOTAL = 28000 / (5 * 8760) + 0.7 * 1.2 * 0.035 + 150 * 0.7 / 730 + 2600 / (3 * 8760) + 0.1886
HAND = [
    ("C01", [SEED_TOTAL], True),                                     # 1.3235 vs 1.33
    ("C04", [1 - CW_TOTAL / 2.2], False),                            # 0.2555 vs 0.34: the source's own table
    ("C05", [0.7 * 0.10], True),
    ("C06", [10000 * 0.7 * 0.10 * 8760], True),                      # 6.132M vs 6.1M
    ("C07", [10000 * 0.02, 10000 * 0.05], True),
    ("C08", [25000 / (3 * 8760)], True),                             # 0.9513 vs 0.95
    ("C10", [SEED_TOTAL * 1e6 / (DECODE * 3600 * 0.85)], False),     # 0.0605 > 1.02 * 0.05
    ("C15", [PREFILL / DECODE], False),                              # 4.32 > 1.02 * 4
    ("C22", [28000 * 0.12], True),
    ("C28", [730 * 0.10], True),                                     # 73 vs 72
    ("C33", [100 * 1000 * 0.1 * 8760 * 0.10], False),                # 8.76e6 vs 600e3
    ("C35", [100 * 1000 * 0.3 * 8760 * 0.10], False),                # 26.28e6 vs 15e6
    ("C37", [0.08 * (1 - 0.21)], True),
    ("C40", [1e9 * 300 / 1e4, 1e9 * 400 / 1e4], True),
    ("C42", [150e6 / 1.5 * AF_U], False),                            # 0.396e9 < 0.98e9
    ("C44", [400e6 / 1.5 * AF_C], False),                            # 2.14e9 < 2.94e9
    ("C45", [(400e6 / 1.5 * AF_C) / (150e6 / 1.5 * AF_U)], False),   # 5.40 > 4.08
    ("C47", [50 ** (1 / 2.5)], False),                               # 4.78 vs 10
    ("C19", [SRC_TOTAL / 2.50], True),                               # 0.4400 vs 0.44
    ("C20", [(SRC_TOTAL + 28000 * 0.12 / 8760) / 2.50], True),       # 0.5934 vs 0.59
    ("C21", [(SRC_TOTAL + 28000 * 0.25 / 8760) / 2.50], True),       # 0.7597 vs 0.76
    ("C24", [SRC_TOTAL + 28000 * 0.12 / 8760], True),                # 1.4836 vs 1.48
    ("C25", [28000 * 0.40], True),                                   # 11,200 vs 11,000
    ("C48", [SRC_TOTAL], True),                                      # 1.1000 vs 1.10
]


@pytest.mark.parametrize("cid,values,holds", HAND, ids=[h[0] for h in HAND])
def test_verdicts_by_hand(records, cid, values, holds):
    r = records[cid]
    assert r["values"] == pytest.approx(values, rel=1e-9)
    assert r["holds"] is holds


def test_failing_claims_are_exactly_these(records):
    # every failure above is checked by hand; the other 38 hold
    assert sorted(k for k, r in records.items() if not r["holds"]) == \
        ["C04", "C10", "C11", "C15", "C33", "C35", "C42", "C44", "C45", "C47"]


def test_solve_value_makes_the_failing_case_hold(records):
    failing = [r for r in records.values() if not r["holds"]]
    assert failing
    for r in failing:
        assert r["solve_value"] is not None, r["id"]
        _, _, _, output, stated, cases = TABLE[r["id"]]
        name = r["solve_input"]
        assert name in model.INPUTS
        for template, overrides in cases:
            value = model.evaluate({**overrides, name: r["solve_value"]}, template)[output]
            assert rule(value, stated), (r["id"], name, r["solve_value"], value)
        if model.INPUTS[name].domain.integer:
            assert float(r["solve_value"]).is_integer()


# Solved values by hand: (id, input, value)
SOLVED = [
    # 0.1 PUE at 100 MW saves 600K/yr at this electricity price
    ("C33", "grid_power_price_kwh", 600000 / (100 * 1000 * 0.1 * 8760)),
    ("C35", "grid_power_price_kwh", 15e6 / (100 * 1000 * 0.3 * 8760)),
    # 50x over y years is 10x a year when y = ln 50 / ln 10
    ("C47", "price_decline_years", math.log(50) / math.log(10)),
    # margin 1 - cost/price = 0.34
    ("C04", "rental_price_per_gpu_hour", CW_TOTAL / (1 - 0.34)),
    # cost falls as 1/multiplier: to the nearer bound 0.05, and to 1.00 for the 405B case
    ("C10", "optimization_multiplier", SEED_TOTAL * 1e6 / (DECODE * 3600 * 0.85) / 0.05),
    ("C11", "optimization_multiplier",
     12 * SEED_TOTAL * 1e6 / (16 / ((810 + 16 * 0.53) / (12 * 3350 * 0.8)) * 3600 * 0.85) / 1.00),
    # the ratio is prefill/decode and prefill is proportional to mfu (decode stays memory bound): ratio 4
    ("C15", "mfu", 0.5 * 4 / (PREFILL / DECODE)),
]


@pytest.mark.parametrize("cid,name,value", SOLVED, ids=[s[0] for s in SOLVED])
def test_solved_values_by_hand(records, cid, name, value):
    r = records[cid]
    assert r["solve_input"] == name
    assert r["solve_value"] == pytest.approx(value, rel=1e-6)


def _af(r, n):
    return (1 - (1 + r) ** -n) / r


def test_integer_solves_by_hand(records):
    # C42: 1e8 * AF(8.3%, n) >= 0.98e9 first at n = 22
    assert 1e8 * _af(0.083, 21) < 0.98e9 <= 1e8 * _af(0.083, 22)
    assert (records["C42"]["solve_input"], records["C42"]["solve_value"]) == ("tenor_uncontracted_years", 22)
    # C44: 266.67M * AF(6.8%, n) >= 2.94e9 first at n = 22
    assert 400e6 / 1.5 * _af(0.068, 21) < 2.94e9 <= 400e6 / 1.5 * _af(0.068, 22)
    assert (records["C44"]["solve_input"], records["C44"]["solve_value"]) == ("tenor_contracted_years", 22)
    # C45: the ratio falls to 1.02 * 4 first at a contracted tenor of 8 (searching down from 12)
    cap_u = 1e8 * _af(0.083, 5)
    assert 400e6 / 1.5 * _af(0.068, 9) / cap_u > 4.08 >= 400e6 / 1.5 * _af(0.068, 8) / cap_u
    assert (records["C45"]["solve_input"], records["C45"]["solve_value"]) == ("tenor_contracted_years", 8)
