"""Bad input of every kind raises model.InputError (a ValueError) naming the input and its domain."""

from __future__ import annotations

import math

import numpy as np
import pytest

import model

# Domains of MODEL.md's input table, written out by hand (spaces dropped for the comparison).
DOMAINS = {
    ">0": ["gpu_price", "depreciation_years", "network_life_years", "rental_price_per_gpu_hour", "model_params_b",
           "bytes_per_param", "hbm_capacity_gb", "hbm_bandwidth_tb_s", "peak_tflops", "kv_gb_per_sequence",
           "optimization_multiplier", "price_output_per_m", "price_then_per_m", "price_now_per_m",
           "facility_price_kw_month", "rack_kw_legacy", "cfads_uncontracted", "cfads_contracted",
           "project_equity"],
    "≥0": ["gpu_power_kw", "power_price_kwh", "dc_rate_kw_month", "network_capex_per_gpu", "ops_per_gpu_hour",
           "measured_decode_tokens_per_sec", "input_tokens_per_output_token",
           "reasoning_tokens_per_output_token", "price_input_per_m", "price_factor_hobbyist", "price_factor_growth",
           "demand_cv", "service_z", "demand_mean_gpus", "demand_sd_gpus", "facility_it_mw",
           "grid_power_price_kwh", "own_power_price_kwh", "pue_improvement", "rack_kw_h100", "rack_kw_nvl72",
           "debt_amount", "financing_amount", "rate_shock_bps", "coe_series_a", "coe_series_b", "coe_series_cd",
           "coe_pre_ipo", "coe_public", "cod_series_a", "cod_series_b", "cod_series_cd", "cod_pre_ipo",
           "cod_public", "last_equity_round", "gpu_purchase_amount", "project_debt"],
    "≥1": ["pue", "customers", "pue_air", "pue_liquid", "redundancy_factor", "fleet_gpus", "target_dscr"],
    "(0,1]": ["gpu_utilization", "hbm_usable_fraction", "memory_efficiency", "mfu", "serving_utilization"],
    "[0,1]": ["annual_failure_rate", "cached_input_share", "cached_input_discount", "share_hobbyist", "share_growth",
              "share_enterprise", "share_batch", "reserved_discount", "batch_discount", "enterprise_discount",
              "demand_correlation", "contracted_share", "residual_bull", "residual_base", "residual_bear", "tax_rate",
              "equity_share", "base_rate", "spread_uncontracted", "spread_contracted", "equity_share_series_a",
              "equity_share_series_b", "equity_share_series_cd", "equity_share_pre_ipo", "equity_share_public",
              "venture_debt_fraction", "equipment_ltv"],
    "integer1..4096": ["batch_size"],
    "integer1..64": ["gpus_per_node"],
    "integer1..15": ["economic_life_years", "fleet_debt_tenor_years"],
    "integer1..10": ["contract_years"],
    "integer1..3": ["residual_case"],
    "integer1..30": ["tenor_uncontracted_years", "tenor_contracted_years"],
    "[0,0.99]": ["market_price_decline_per_year"],
    "≥0.1": ["price_decline_years"],
    "[0,2]": ["cost_of_equity"],
    "(0,2]": ["cost_of_debt"],
    "[-0.5,1]": ["cfads_growth"],
}
EXPECTED_DOMAIN = {name: dom for dom, names in DOMAINS.items() for name in names}


def test_registered_domains_match_model_md():
    new = sorted(set(model.INPUTS) - set(EXPECTED_DOMAIN))
    assert not new, f"{new}: write each new input's domain into DOMAINS above (MODEL.md's table, by hand)"
    assert set(EXPECTED_DOMAIN) == set(model.INPUTS)
    got = {n: i.domain.text().replace(" ", "") for n, i in model.INPUTS.items()}
    assert got == EXPECTED_DOMAIN


def raises(inputs: dict, *fragments: str, template="seed") -> str:
    with pytest.raises(model.InputError) as info:
        model.evaluate(inputs, template)
    msg = str(info.value)
    assert isinstance(info.value, ValueError)
    for f in fragments:
        assert f in msg, f"{f!r} not in {msg!r}"
    return msg


def dom(name: str) -> str:
    return model.INPUTS[name].domain.text()


# ---------------------------------------------------------------- names and types

def test_unknown_name_has_did_you_mean():
    msg = raises({"gpu_prise": 1}, "gpu_prise", "did you mean", "gpu_price")
    assert "\n" not in msg


def test_output_name_given_as_input():
    raises({"total_cost_per_gpu_hour": 1.0}, "total_cost_per_gpu_hour")


@pytest.mark.parametrize("name,replacement", [
    ("buy_gpu_price", "gpu_price"), ("rent_price_per_gpu_hour", "rental_price_per_gpu_hour"),
    ("buy_useful_life_years", "economic_life_years"), ("buy_opex_per_gpu_hour", "ops_per_gpu_hour"),
    ("discount_rate", "wacc")])
def test_input_removed_in_v2_names_its_replacement(name, replacement):
    msg = raises({name: 1.0}, name, "removed in MODEL.md v2: use", replacement)
    assert model.registry.unknown(name) in msg  # the registry's one message, unchanged


def test_wacc_given_as_input_is_an_output_now():
    # wacc was an input in v1; in v2 equity_share, cost_of_equity, cost_of_debt and tax_rate set it
    raises({"wacc": 0.1}, "wacc", "output")


# (case, input, bad value)
NOT_A_NUMBER = [
    ("text", "gpu_price", "abc"),
    ("numeric text is still text", "gpu_price", "25000"),
    ("bool True", "gpu_utilization", True),
    ("bool False", "fleet_gpus", False),
    ("numpy bool", "fleet_gpus", np.bool_(True)),
    ("None", "pue", None),
    ("dict", "pue", {"value": 1.2}),
    ("array of text", "pue", np.array(["1.2", "1.3"])),
    ("numpy timedelta (one of numpy's integers)", "gpu_price", np.timedelta64(1, "D")),  # was a TypeError
    ("numpy datetime", "gpu_price", np.datetime64("2020-01-01")),
]


@pytest.mark.parametrize("case,name,value", NOT_A_NUMBER, ids=[c[0] for c in NOT_A_NUMBER])
def test_not_a_number(case, name, value):
    raises({name: value}, name, dom(name))


# ---------------------------------------------------------------- out of domain, per domain shape
# (input, bad value, domain text of MODEL.md)
OUT_OF_DOMAIN = [
    ("gpu_price", math.nan, ">0"),
    ("gpu_price", math.inf, ">0"),
    ("gpu_power_kw", -math.inf, "≥0"),
    ("gpu_price", 0, ">0"),
    ("gpu_price", -1, ">0"),
    ("gpu_power_kw", -1e-9, "≥0"),
    ("pue", 0.99, "≥1"),
    ("customers", 0, "≥1"),
    ("gpu_utilization", 0, "(0, 1]"),
    ("gpu_utilization", 1.01, "(0, 1]"),
    ("annual_failure_rate", -0.01, "[0, 1]"),
    ("annual_failure_rate", 1.01, "[0, 1]"),
    ("market_price_decline_per_year", 0.995, "[0, 0.99]"),
    ("price_decline_years", 0.05, "≥0.1"),
    ("cost_of_equity", 2.5, "[0, 2]"),
    ("cost_of_debt", 0, "(0, 2]"),
    ("cfads_growth", -0.6, "[-0.5, 1]"),
    ("cfads_growth", 1.1, "[-0.5, 1]"),
    ("batch_size", 2.5, "integer 1..4096"),
    ("batch_size", 0, "integer 1..4096"),
    ("batch_size", 4097, "integer 1..4096"),
    ("contract_years", 11, "integer 1..10"),
    ("residual_case", 4, "integer 1..3"),
    ("residual_case", 1.5, "integer 1..3"),
    ("tenor_contracted_years", 31, "integer 1..30"),
    ("tenor_uncontracted_years", 0, "integer 1..30"),
    ("fleet_gpus", 0.5, "≥1"),
    ("target_dscr", 0.99, "≥1"),
    ("gpus_per_node", 65, "integer 1..64"),
    ("gpus_per_node", 0, "integer 1..64"),
    ("economic_life_years", 16, "integer 1..15"),
    ("economic_life_years", 0, "integer 1..15"),
    ("fleet_debt_tenor_years", 2.5, "integer 1..15"),
    ("contracted_share", 1.01, "[0, 1]"),
    ("enterprise_discount", -0.01, "[0, 1]"),
]


@pytest.mark.parametrize("name,value,domain", OUT_OF_DOMAIN)
def test_out_of_domain(name, value, domain):
    raises({name: value}, name, domain)


@pytest.mark.parametrize("name,value", [("gpu_price", -1), ("batch_size", 2.5), ("gpu_utilization", 1.01)])
def test_message_names_the_value(name, value):
    raises({name: value}, repr(float(value)))


def test_domain_edges_are_accepted():
    # closed ends are inside the domain
    res = model.evaluate({"gpu_utilization": 1, "pue": 1, "gpu_power_kw": 0, "annual_failure_rate": 1,
                          "market_price_decline_per_year": 0.99, "price_decline_years": 0.1, "cost_of_equity": 2,
                          "cost_of_debt": 2, "cfads_growth": -0.5, "batch_size": 4096, "contract_years": 10,
                          "tenor_contracted_years": 30, "customers": 1, "equity_share": 1,
                          "target_dscr": 1, "contracted_share": 1, "enterprise_discount": 1,
                          "economic_life_years": 15, "fleet_debt_tenor_years": 15, "gpus_per_node": 64})
    assert res["expected_failures_per_year"] == 10000 * 1.0


def test_array_with_one_bad_element_names_its_index():
    raises({"gpu_price": np.array([20000.0, 25000.0, -3.0, 1.0])}, "gpu_price[2]", "-3.0", ">0")


def test_2d_array_bad_element_names_its_index():
    msg = raises({"batch_size": np.array([[1, 2], [3, 2.5]])}, "batch_size", "integer 1..4096")
    assert "batch_size[1, 1] = 2.5" in msg  # numpy's own index notation


def test_array_with_nan_element():
    raises({"pue": [1.1, math.nan]}, "pue[1]", "≥1")


# ---------------------------------------------------------------- checks spanning several inputs

def test_shares_not_summing_to_one():
    msg = raises({"share_batch": 0.3}, "share_hobbyist", "share_batch", "sum to 1")
    assert "1.1" in msg


def test_shares_sum_within_1e_9_is_accepted():
    model.evaluate({"share_batch": 0.2 + 5e-10})
    raises({"share_batch": 0.2 + 5e-9}, "sum to 1")


def test_shares_array_one_bad_element():
    raises({"share_batch": np.array([0.2, 0.25])}, "sum to 1", "index 1")


def test_model_does_not_fit_kv_too_large():
    # max batch = floor((80 - 16) / 100) = 0 < 1
    raises({"kv_gb_per_sequence": 100}, "effective_batch", "kv_gb_per_sequence")


def test_model_does_not_fit_no_memory_left():
    # 40B in BF16 = 80 GB on one 80 GB GPU with all of it usable: 1 GPU, nothing left for the KV cache
    raises({"model_params_b": 40, "hbm_usable_fraction": 1}, "effective_batch")


def test_model_does_not_fit_in_one_array_element():
    raises({"kv_gb_per_sequence": np.array([0.125, 100.0])}, "effective_batch", "index 1")


# ---------------------------------------------------------------- templates

def test_unknown_template_name():
    with pytest.raises(model.InputError, match="no_such_template"):
        model.evaluate(template="no_such_template")
    with pytest.raises(model.InputError, match="no_such_template"):
        model.load("no_such_template")


def test_template_path_missing(tmp_path):
    path = tmp_path / "missing.toml"
    with pytest.raises(model.InputError, match="missing.toml"):
        model.evaluate(template=path)


def _write(tmp_path, text: str, name: str = "t.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_broken_toml_names_the_line(tmp_path):
    p = _write(tmp_path, "[inputs]\ngpu_price = 30000\npue = = 1.2\n")
    with pytest.raises(model.InputError) as info:
        model.load(p)
    msg = str(info.value)
    assert str(p) in msg and "line 3" in msg


def test_template_unknown_key(tmp_path):
    p = _write(tmp_path, "[inputs]\ngpu_prise = 30000\n")
    with pytest.raises(model.InputError) as info:
        model.load(p)
    msg = str(info.value)
    assert str(p) in msg and "gpu_prise" in msg and "gpu_price" in msg


@pytest.mark.parametrize("key,value", [("gpu_price", "-5"), ("gpu_utilization", "1.5"), ("batch_size", "2.5"),
                                       ("pue", '{ value = 0.5, source = "too good" }'),
                                       ("gpu_price", '"abc"'), ("gpu_price", "true")])
def test_template_out_of_domain_value(tmp_path, key, value):
    p = _write(tmp_path, f"[inputs]\n{key} = {value}\n")
    with pytest.raises(model.InputError) as info:
        model.evaluate(template=p)
    msg = str(info.value)
    assert str(p) in msg and key in msg and dom(key) in msg


def test_template_shares_not_summing(tmp_path):
    p = _write(tmp_path, "[inputs]\nshare_batch = 0.5\n")
    with pytest.raises(model.InputError) as info:
        model.load(p)
    assert str(p) in str(info.value) and "sum to 1" in str(info.value)


def test_template_unknown_table(tmp_path):
    p = _write(tmp_path, "[outputs]\nx = 1\n")
    with pytest.raises(model.InputError, match="outputs"):
        model.load(p)


def test_partial_template_inherits_seed(tmp_path):
    p = _write(tmp_path, '[template]\nname = "mine"\n\n[inputs]\ngpu_price = { value = 30000, source = "quote" }\n'
                         "pue = 1.1\n")
    t = model.load(p)
    seed = model.load("seed")
    assert t.name == "mine"
    assert t.values["gpu_price"] == 30000 and t.values["pue"] == 1.1
    assert {k: v for k, v in t.values.items() if k not in ("gpu_price", "pue")} == \
        {k: v for k, v in seed.values.items() if k not in ("gpu_price", "pue")}
    res = model.evaluate(template=p)
    assert res["capex_per_gpu_hour"] == pytest.approx(30000 / (3 * 8760), rel=1e-12)
    assert res["power_per_gpu_hour"] == pytest.approx(0.7 * 1.1 * 0.035, rel=1e-12)
    # inputs override the template
    res = model.evaluate({"gpu_price": 20000}, template=str(p))
    assert res["capex_per_gpu_hour"] == pytest.approx(20000 / (3 * 8760), rel=1e-12)
