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
]


@pytest.mark.parametrize("overrides", EXTREMES, ids=range(len(EXTREMES)))
def test_checks_hold_on_extreme_valid_inputs(overrides):
    results = evaluate_checks(model.resolve_inputs(overrides))
    assert results == {name: 1 for name in CHECKS}


def test_every_registered_check_can_fail():
    """Each body on values built to break it (the model itself never produces them)."""
    ok_ops = {"fleet_operations": {"project_cash_flow": [-100.0, 60.0, 60.0]}}
    broken = {
        "segment_shares_sum_to_one": {"segment_share_total": 0.9},
        "model_fits": {"effective_batch": 0.0},
        "sculpting_corkscrew_closes": {"sculpting": {"rows": {"corkscrew_gap": [0.0, 1.0], "opening": [100.0, 50.0]}}},
        "fleet_corkscrew_closes": {"fleet_financing": {"corkscrew_gap": [0.0, -1.0], "opening": [0.0, 80.0]},
                                   "fleet_capex": 100.0},
        "fleet_debt_within_ltv": {"fleet_debt": 81.0, "equipment_ltv": 0.8, "fleet_capex": 100.0},
        "fleet_dscr_at_target": {"fleet_debt": 1.0, "fleet_min_dscr": 1.4, "target_dscr": 1.5},
        "project_npv_zero_at_irr": {**ok_ops, "project_irr": 0.2},
        "equity_npv_zero_at_irr": {"fleet_financing": {"equity_cash_flow": [-100.0, 60.0, 60.0]}, "equity_irr": 0.2},
        "cfads_within_ebitda": {"fleet_operations": {"cfads": [0.0, 5.0, 7.0], "ebitda": [0.0, 5.0, 6.0]}},
        # capex 100 = drawn 60 + equity 30: 10 short
        "sources_equal_uses": {"fleet_operations": {"capex": [100.0, 0.0]},
                               "fleet_financing": {"drawdown": [60.0, 0.0], "equity_cash_flow": [-30.0, 5.0]},
                               "fleet_capex": 100.0},
        "equity_bridge_closes": {"fleet_financing": {"bridge_gap": [0.0, 1e-6, 0.0]}, "fleet_capex": 100.0},
    }
    assert set(broken) == set(CHECKS), "a new check needs a case here"
    for name, args in broken.items():
        assert CHECKS[name].func(**args) == 0, name
    assert CHECKS["cfads_within_ebitda"].func({"cfads": [0.0, 5.0, 6.0], "ebitda": [0.0, 5.0, 6.0]}) == 1
    assert CHECKS["sources_equal_uses"].func({"capex": [100.0, 0.0]}, {"drawdown": [60.0, 0.0],
                                                                      "equity_cash_flow": [-40.0, 5.0]}, 100.0) == 1
    assert CHECKS["equity_bridge_closes"].func({"bridge_gap": [0.0, 1e-8, -1e-8]}, 100.0) == 1  # float noise
    # and the same bodies pass on the right values: -100 + 60/1.130662386 + 60/1.130662386² = 0
    assert CHECKS["project_npv_zero_at_irr"].func(**ok_ops, project_irr=0.1306623862918075) == 1
    assert CHECKS["equity_npv_zero_at_irr"].func({"equity_cash_flow": [-100.0, 60.0, 60.0]},
                                                 equity_irr=0.1306623862918075) == 1
    assert CHECKS["equity_npv_zero_at_irr"].func({"equity_cash_flow": [-100.0, 60.0, 60.0]},
                                                 equity_irr=float("nan")) == 1  # no IRR: nothing to test
    assert CHECKS["fleet_dscr_at_target"].func(fleet_debt=0.0, fleet_min_dscr=float("nan"), target_dscr=1.5) == 1
