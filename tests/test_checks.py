"""The registered checks (model/checks.py): they hold on every valid input, including extreme rates and
terms where float noise used to fail the master check, and each can fail.

A check's Excel text is tested against LibreOffice with the rest of the workbook; here its Python body.
"""

import pytest

import model
from model.checks import evaluate_checks
from model.registry import CHECKS

# extreme but valid inputs: rates at the top of their domains, the longest terms, steep growth
EXTREMES = [
    {"base_rate": 1.0, "spread_contracted": 1.0, "spread_uncontracted": 1.0, "tenor_contracted_years": 30,
     "cfads_growth": 1.0},
    {"base_rate": 0.0, "spread_contracted": 0.0, "spread_uncontracted": 0.0, "tenor_contracted_years": 30,
     "cfads_growth": -0.5},
    {"base_rate": 1.0, "spread_uncontracted": 1.0, "economic_life_years": 15, "fleet_debt_tenor_years": 15,
     "cost_of_equity": 2.0, "cost_of_debt": 2.0, "market_price_decline_per_year": 0.0},
    {"economic_life_years": 15, "fleet_debt_tenor_years": 15, "market_price_decline_per_year": 0.99,
     "rental_price_per_gpu_hour": 100.0, "target_dscr": 1.0, "equipment_ltv": 1.0},
    {"equipment_ltv": 0.0},  # no debt
    {"rental_price_per_gpu_hour": 0.01},  # losses every year: no CFADS, no debt, no IRR
    # a fleet bought for a cent whose flows run to millions: the bridge's float noise (1.5e-8) is 1.5e-6 of the capex
    {"gpu_price": 1e-6, "network_capex_per_gpu": 0.0, "gpu_power_kw": 0.0, "dc_rate_kw_month": 0.0,
     "ops_per_gpu_hour": 0.0},
    # a 1-year fleet returning about a millionth of its cost: IRRs of −99.9999%
    {"economic_life_years": 1, "fleet_debt_tenor_years": 1, "residual_base": 0.0, "equipment_ltv": 0.0,
     "annual_failure_rate": 0.0, "rental_price_per_gpu_hour": 0.341548},
]


@pytest.mark.parametrize("overrides", EXTREMES, ids=range(len(EXTREMES)))
def test_checks_hold_on_extreme_valid_inputs(overrides):
    results = evaluate_checks(model.resolve_inputs(overrides))
    assert results == {name: 1 for name in CHECKS}


def test_every_registered_check_can_fail():
    """Each body on values built to break it (the model itself never produces them)."""
    years = {"year": [0, 1, 2]}
    ok_ops = {"fleet_operations": {**years, "project_cash_flow": [-100.0, 60.0, 60.0]}, "irr_tolerance": 1e-7}
    broken = {
        "segment_shares_sum_to_one": {"segment_share_total": 0.9, "share_tolerance": 1e-9},
        "model_fits": {"effective_batch": 0.0},
        "sculpting_corkscrew_closes": {"sculpting": {"rows": {"corkscrew_gap": [0.0, 1.0], "opening": [100.0, 50.0]}}},
        "fleet_corkscrew_closes": {"fleet_financing": {"corkscrew_gap": [0.0, -1.0], "opening": [0.0, 80.0]},
                                   "fleet_capex": 100.0},
        "fleet_debt_within_ltv": {"fleet_debt": 81.0, "equipment_ltv": 0.8, "fleet_capex": 100.0},
        "fleet_dscr_at_target": {"fleet_debt": 1.0, "fleet_min_dscr": 1.4, "target_dscr": 1.5},
        # at 20%: NPV −100 + 50 + 41.667 = −8.333, slope 60/1.2² + 2·60/1.2³ = 111.11: Newton's step 0.075
        "project_npv_zero_at_irr": {**ok_ops, "project_irr": 0.2},
        "equity_npv_zero_at_irr": {"fleet_operations": years, "fleet_financing": {"equity_cash_flow": [-100.0, 60.0, 60.0]},
                                   "equity_irr": 0.2, "irr_tolerance": 1e-7},
        "cfads_within_ebitda": {"fleet_operations": {"cfads": [0.0, 5.0, 7.0], "ebitda": [0.0, 5.0, 6.0]}},
        # one sign change and a root at 13.07% (below): no rate shown where MODEL.md defines one
        "project_irr_shown": {"fleet_operations": {**years, "project_cash_flow": [-100.0, 60.0, 60.0],
                                                   "project_flip": [0.0, 1.0, 0.0], "project_abs_flow": [100.0, 60.0, 60.0]},
                              "project_irr": float("nan"), "irr_floor": 9.357622968840175e-14,
                              "economic_life_years": 2.0},
        "equity_irr_shown": {"fleet_operations": years,
                             "fleet_financing": {"equity_cash_flow": [-100.0, 60.0, 60.0], "equity_flip": [0.0, 1.0, 0.0],
                                                 "equity_abs_flow": [100.0, 60.0, 60.0]},
                             "equity_irr": float("nan"), "irr_floor": 9.357622968840175e-14, "economic_life_years": 2.0},
        # capex 100 = drawn 60 + equity 30: 10 short
        "sources_equal_uses": {"fleet_operations": {"capex": [100.0, 0.0]},
                               "fleet_financing": {"drawdown": [60.0, 0.0], "equity_cash_flow": [-30.0, 5.0]},
                               "fleet_capex": 100.0},
        "equity_bridge_closes": {"fleet_operations": {"project_abs_flow": [100.0, 40.0, 50.0]},
                                 "fleet_financing": {"bridge_gap": [0.0, 1e-6, 0.0], "equity_abs_flow": [30.0, 5.0, 9.0]},
                                 "fleet_capex": 100.0},
    }
    assert set(broken) == set(CHECKS), "a new check needs a case here"
    # the shares' check takes what validation takes: within 1e-9 of 1 (ROUND(total, 9) = 1 asked 5e-10 of it)
    shares = CHECKS["segment_shares_sum_to_one"].func
    assert [shares(t, 1e-9) for t in (1.0, 1 + 7e-10, 1 - 9e-10, 1 + 2e-9, 1 - 2e-9)] == [1, 1, 1, 0, 0]
    for name, args in broken.items():
        assert CHECKS[name].func(**args) == 0, name
    assert CHECKS["cfads_within_ebitda"].func({"cfads": [0.0, 5.0, 6.0], "ebitda": [0.0, 5.0, 6.0]}) == 1
    assert CHECKS["sources_equal_uses"].func({"capex": [100.0, 0.0]}, {"drawdown": [60.0, 0.0],
                                                                      "equity_cash_flow": [-40.0, 5.0]}, 100.0) == 1
    bridge = CHECKS["equity_bridge_closes"].func
    assert bridge({"project_abs_flow": [100.0, 50.0]}, {"bridge_gap": [1e-8, -1e-8], "equity_abs_flow": [30.0, 9.0]},
                  100.0) == 1  # float noise
    # a fleet bought for a cent whose flows run to $10m: a gap of 1.5e-8 is noise on the flows (1.5e-15 of them),
    # though 1.5e-6 of the capex
    assert bridge({"project_abs_flow": [0.01, 1e7]}, {"bridge_gap": [0.0, 1.5e-8], "equity_abs_flow": [0.01, 1e7]},
                  0.01) == 1
    # no rate is right where the flows define none: two sign changes; one, but a root below 1 + r = irr_floor
    # (-1 + 1e-14/(1 + r) = 0 at 1 + r = 1e-14), below the check's 2·irr_floor (1.5·irr_floor) or above r = 10000
    # (-1 + 20000/(1 + r): r = 19999); and a rate shown
    shown, floor, nan = CHECKS["project_irr_shown"].func, 9.357622968840175e-14, float("nan")
    for flows, flips in (([-100.0, 250.0, -154.0], [0.0, 1.0, 1.0]), ([-1.0, 1e-14], [0.0, 1.0]),
                         ([-1.0, 1.5 * floor], [0.0, 1.0]), ([-1.0, 20000.0], [0.0, 1.0])):
        ops = {"year": [0, 1, 2][:len(flows)], "project_cash_flow": flows, "project_flip": flips,
               "project_abs_flow": [abs(f) for f in flows]}
        assert shown(ops, nan, floor, len(flows) - 1.0) == 1, flows
    ok = {**years, "project_cash_flow": [-100.0, 60.0, 60.0], "project_flip": [0.0, 1.0, 0.0],
          "project_abs_flow": [100.0, 60.0, 60.0]}
    assert shown(ok, 0.1307, floor, 2.0) == 1
    # flows of 1e300 over 15 years: unscaled, the NPV at 1 + r = e^−30 is 1e300·e^450 and overflows (Excel: #NUM!,
    # a failed master check); scaled, the missing rate is still seen, and a rate shown passes
    big = {"year": list(range(16)), "project_cash_flow": [-1e300] + [2e299] * 15,
           "project_flip": [0.0, 1.0] + [0.0] * 14, "project_abs_flow": [1e300] + [2e299] * 15}
    assert (shown(big, nan, floor, 15.0), shown(big, 0.185, floor, 15.0)) == (0, 1)
    # and the same bodies pass on the right values: -100 + 60/1.130662386 + 60/1.130662386² = 0
    assert CHECKS["project_npv_zero_at_irr"].func(**ok_ops, project_irr=0.1306623862918075) == 1
    equity = CHECKS["equity_npv_zero_at_irr"].func
    flows = {"equity_cash_flow": [-100.0, 60.0, 60.0]}
    assert equity(years, flows, equity_irr=0.1306623862918075, irr_tolerance=1e-7) == 1
    assert equity(years, flows, equity_irr=float("nan"), irr_tolerance=1e-7) == 1  # no IRR: nothing to test
    # Newton's step is the distance to the root, to first order: 5e-8 off passes, 2e-7 off fails
    assert equity(years, flows, equity_irr=0.1306623862918075 + 5e-8, irr_tolerance=1e-7) == 1
    assert equity(years, flows, equity_irr=0.1306623862918075 + 2e-7, irr_tolerance=1e-7) == 0
    # a fleet returning a millionth of its cost after a year: the root is −0.999999. LibreOffice's IRR ends 1e-10
    # above it: NPV −1 + 1e-6/(1e-6 + 1e-10) = −1e-4, slope 1e-6/(1.0001e-6)² ≈ 999,800: a step of 1e-10, within
    # the tolerance (an NPV relative to the flows' present values, −1e-4 / 2, was not)
    tiny = {"year": [0, 1]}, {"equity_cash_flow": [-1.0, 1e-6]}
    assert equity(*tiny, equity_irr=-0.999999 + 1e-10, irr_tolerance=1e-7) == 1
    assert equity(*tiny, equity_irr=-0.999999 + 1e-6, irr_tolerance=1e-7) == 0  # 1 + r twice the root's
    assert CHECKS["fleet_dscr_at_target"].func(fleet_debt=0.0, fleet_min_dscr=float("nan"), target_dscr=1.5) == 1
