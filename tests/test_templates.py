"""The bundled templates: seed holds MODEL.md's defaults, coreweave and h200 differ only where MODEL.md says."""

from __future__ import annotations

import model

# MODEL.md's input table, "seed default" column, written out (108 inputs).
SEED = {
    "gpu_price": 25000, "depreciation_years": 3, "gpu_power_kw": 0.7, "pue": 1.2, "power_price_kwh": 0.035,
    "dc_rate_kw_month": 150, "network_capex_per_gpu": 2600, "network_life_years": 3, "ops_per_gpu_hour": 0.10,
    "rental_price_per_gpu_hour": 2.20, "gpu_utilization": 1.0, "fleet_gpus": 10000, "annual_failure_rate": 0.03,
    "model_params_b": 8, "bytes_per_param": 2, "hbm_capacity_gb": 80, "hbm_usable_fraction": 0.9,
    "hbm_bandwidth_tb_s": 3.35, "memory_efficiency": 0.8, "peak_tflops": 989, "mfu": 0.5, "batch_size": 64,
    "kv_gb_per_sequence": 0.125, "optimization_multiplier": 1.0, "measured_decode_tokens_per_sec": 0,
    "serving_utilization": 0.85, "input_tokens_per_output_token": 3, "reasoning_tokens_per_output_token": 0,
    "price_input_per_m": 0.06, "price_output_per_m": 0.18, "cached_input_share": 0.3,
    "cached_input_discount": 0.5, "share_hobbyist": 0.1, "share_growth": 0.4, "share_enterprise": 0.3,
    "share_batch": 0.2, "price_factor_hobbyist": 0.5, "price_factor_growth": 1.0, "reserved_discount": 0.4,
    "batch_discount": 0.5, "contract_years": 3, "market_price_decline_per_year": 0.3, "enterprise_discount": 0.4,
    "price_then_per_m": 20, "price_now_per_m": 0.40, "price_decline_years": 2.5, "customers": 1000,
    "demand_cv": 1.0, "service_z": 2.33, "demand_correlation": 0.01, "gpus_per_node": 8,
    "economic_life_years": 3, "contracted_share": 0.5, "fleet_debt_tenor_years": 3,
    "cost_of_equity": 0.25, "residual_bull": 0.40, "residual_base": 0.20, "residual_bear": 0.05,
    "residual_case": 2, "demand_mean_gpus": 1000, "demand_sd_gpus": 250, "facility_it_mw": 100,
    "grid_power_price_kwh": 0.10, "own_power_price_kwh": 0.03, "facility_price_kw_month": 150, "pue_air": 1.4,
    "pue_liquid": 1.1, "pue_improvement": 0.1, "rack_kw_legacy": 3, "rack_kw_h100": 55, "rack_kw_nvl72": 130,
    "redundancy_factor": 2, "cost_of_debt": 0.08, "tax_rate": 0.21, "debt_amount": 5e9, "equity_share": 0.5,
    "financing_amount": 1e9, "rate_shock_bps": 350, "cfads_uncontracted": 150e6, "cfads_contracted": 400e6,
    "target_dscr": 1.5, "base_rate": 0.043, "spread_uncontracted": 0.04, "spread_contracted": 0.025,
    "tenor_uncontracted_years": 5, "tenor_contracted_years": 12, "cfads_growth": 0.0, "coe_series_a": 0.75,
    "coe_series_b": 0.40, "coe_series_cd": 0.20, "coe_pre_ipo": 0.16, "coe_public": 0.125, "cod_series_a": 0.25,
    "cod_series_b": 0.135, "cod_series_cd": 0.10, "cod_pre_ipo": 0.075, "cod_public": 0.055,
    "equity_share_series_a": 0.975, "equity_share_series_b": 0.85, "equity_share_series_cd": 0.70,
    "equity_share_pre_ipo": 0.50, "equity_share_public": 0.60, "last_equity_round": 50e6,
    "venture_debt_fraction": 0.25, "gpu_purchase_amount": 100e6, "equipment_ltv": 0.8, "project_debt": 9.6e9,
    "project_equity": 5e9,
}

# MODEL.md, Conventions: what each bundled template changes relative to seed.
COREWEAVE = {"gpu_price": 28900, "pue": 1.0, "power_price_kwh": 0.10, "dc_rate_kw_month": 260, "ops_per_gpu_hour": 0.12}
H200 = {"hbm_capacity_gb": 141, "hbm_bandwidth_tb_s": 4.8, "memory_efficiency": 0.68, "kv_gb_per_sequence": 0.134}


def test_bundled_templates_listed():
    names = model.bundled()
    assert names[:3] == ["seed", "coreweave", "h200"]


def test_seed_equals_model_md_defaults():
    t = model.load("seed")
    new = sorted(set(model.INPUTS) - set(SEED))
    assert not new, f"{new}: write each new input's seed value into SEED above (by hand, from MODEL.md), and its count"
    assert len(SEED) == 108
    assert set(t.values) == set(SEED) == set(model.INPUTS)
    assert {k: float(v) for k, v in SEED.items()} == t.values


def test_registry_defaults_equal_seed():
    assert {n: i.default for n, i in model.INPUTS.items()} == {k: float(v) for k, v in SEED.items()}


def test_every_seed_entry_has_a_source_note():
    t = model.load("seed")
    missing = [k for k in model.INPUTS if not t.sources.get(k, "").strip()]
    assert not missing
    assert t.own == frozenset(model.INPUTS)


def _diff(name: str) -> dict:
    seed, other = model.load("seed").values, model.load(name).values
    assert set(other) == set(seed)
    return {k: v for k, v in other.items() if v != seed[k]}


def test_coreweave_differs_from_seed_exactly_in_five_inputs():
    assert _diff("coreweave") == COREWEAVE


def test_h200_differs_from_seed_exactly_in_four_inputs():
    assert _diff("h200") == H200


def test_templates_name_themselves_and_note_their_own_sources():
    for name, own in (("coreweave", COREWEAVE), ("h200", H200)):
        t = model.load(name)
        assert t.name == name
        assert t.own == frozenset(own)
        assert all(t.sources[k].strip() for k in own)


def test_bundled_templates_evaluate_without_nan():
    import math

    for name in model.bundled():
        res = model.evaluate(template=name)
        assert not [k for k, v in res.items() if math.isnan(v)], name


def test_load_returns_a_copy():
    t = model.load("seed")
    t.values["gpu_price"] = 1.0
    assert model.load("seed").values["gpu_price"] == 25000
