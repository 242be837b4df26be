"""Tables of hand-calculated cases, one table per section of MODEL.md (D1 .. F3).

Every expected value is written out as arithmetic on the inputs (MODEL.md's formulas
evaluated by hand) or is a figure of the source document (claim ids C01..C48).
Nothing here calls a line function to produce an expectation.

Constants used below: 8760 hours per year, 730 hours per month, 1e6 tokens per million,
3600 seconds per hour.
"""

from __future__ import annotations

import decimal
import math
from statistics import NormalDist

import numpy as np
import pytest

import model

NAN = float("nan")
H, M = 8760, 730

# ---------------------------------------------------------------- seed, by hand
# D1 seed lines
CAPEX = 25000 / (3 * 8760)                 # gpu_price / (depreciation_years * hours_per_year)
POWER = 0.7 * 1.2 * 0.035                  # gpu_power_kw * pue * power_price_kwh
DC = 150 * 0.7 / 730                       # dc_rate_kw_month * gpu_power_kw / hours_per_month
NET = 2600 / (3 * 8760)                    # network_capex_per_gpu / (network_life_years * hours_per_year)
OPS = 0.10
TOTAL = CAPEX + POWER + DC + NET + OPS     # ~1.3235, C01 says ~1.33
CASH = POWER + DC + OPS

# coreweave template: gpu_price 28900, pue 1.0, power 0.10, dc 260, ops 0.12
CW_TOTAL = 28900 / (3 * 8760) + 0.7 * 1.0 * 0.10 + 260 * 0.7 / 730 + 2600 / (3 * 8760) + 0.12

# D2 seed: 8B in BF16 on one 80 GB GPU, batch 64, KV 0.125 GB
BW = 3.35 * 1000 * 0.8                     # GB/s achieved per GPU = 2680
FL = 989 * 1000 * 0.5                      # GFLOP/s achieved per GPU = 494500
STEP = max((16 + 64 * 0.125) / BW, 2 * 8 * 64 / FL)   # memory bound: 24 / 2680 s
DECODE = 64 / STEP                         # = 64 * 2680 / 24 = 7146.67 tokens/s
PREFILL = FL / (2 * 8)                     # = 30906.25 tokens/s
COST_OUT = TOTAL * 1e6 / (DECODE * 3600 * 0.85)
COST_IN = TOTAL * 1e6 / (PREFILL * 3600 * 0.85)

# D2, 405B (C11 overrides: kv 0.53, batch 16): 810 GB over 80*0.9 = 72 GB -> n = ceil(11.25) = 12 GPUs
# for the weights; 12 > 8 GPUs per node, so whole nodes: 8 * ceil(12/8) = 16 GPUs per replica
STEP_405 = max((810 + 16 * 0.53) / (16 * BW), 2 * 405 * 16 / (16 * FL))
DECODE_405 = 16 / STEP_405
PREFILL_405 = 16 * FL / (2 * 405)

# D3 seed: blended price factor 0.1*0.5 + 0.4*1 + 0.3*(1-0.4) + 0.2*(1-0.5)
BPF = 0.1 * 0.5 + 0.4 * 1.0 + 0.3 * 0.6 + 0.2 * 0.5   # = 0.73
EFF_IN = 0.06 * (1 - 0.3 * 0.5) * BPF
EFF_OUT = 0.18 * BPF
OTR = 3600 * 0.85 / (1 / DECODE + 3 / PREFILL)        # visible output tokens per replica-hour
REV = OTR * (EFF_OUT + 3 * EFF_IN) / 1e6              # token revenue per replica-hour
OTR_K1 = 3600 * 0.85 / (2 / DECODE + 3 / PREFILL)     # one reasoning token per output token
REV_K1 = OTR_K1 * (2 * EFF_OUT + 3 * EFF_IN) / 1e6
# 405B on a 16-GPU replica (C11's overrides): the replica's revenue spread over its 16 GPUs
C11 = {"model_params_b": 405, "kv_gb_per_sequence": 0.53, "batch_size": 16}
REV_405 = 3600 * 0.85 / (1 / DECODE_405 + 3 / PREFILL_405) * (EFF_OUT + 3 * EFF_IN) / 1e6

# F1 seed wacc: 0.5 * 0.25 + 0.5 * 0.08 * (1 - 0.21) = 0.125 + 0.0316
WACC = 0.5 * 0.25 + 0.5 * 0.08 * (1 - 0.21)   # = 0.1566

# E2 with the source's own E2 figures (SRC_E2: gpu_price 28000, depreciation_years 5, rent 2.50, ops 0.1886)
SRC_E2 = {"gpu_price": 28000, "depreciation_years": 5, "rental_price_per_gpu_hour": 2.5, "ops_per_gpu_hour": 0.1886}
WACC12 = {"equity_share": 1, "cost_of_equity": 0.12}
TOTAL_E2 = 28000 / (5 * 8760) + POWER + DC + NET + 0.1886   # ~1.10 (C48)

# F2 seed
RU, RC = 0.043 + 0.04, 0.043 + 0.025
DS_U, DS_C = 150e6 / 1.5, 400e6 / 1.5
CAP_U = DS_U * (1 - (1 + RU) ** -5) / RU
CAP_C = DS_C * (1 - (1 + RC) ** -12) / RC


def check(inputs: dict, output: str, expected: float, template: str = "seed", rel: float = 1e-9) -> None:
    got = model.evaluate(inputs, template)[output]
    assert isinstance(got, float)
    if isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(got), f"{output} = {got}, expected nan"
    else:
        assert got == pytest.approx(expected, rel=rel, abs=1e-12), f"{output}: {got} vs {expected}"


# ---------------------------------------------------------------- D1 cost stack
# (case, template, overrides, output, expected by hand)
D1_CASES = [
    ("capex seed (C08 ~0.95)", "seed", {}, "capex_per_gpu_hour", 25000 / (3 * 8760)),
    ("capex 5 years (C09 ~0.57)", "seed", {"depreciation_years": 5}, "capex_per_gpu_hour", 25000 / (5 * 8760)),
    ("power seed", "seed", {}, "power_per_gpu_hour", 0.7 * 1.2 * 0.035),
    ("power 700 W at $0.10 (C05 0.07)", "seed", {"pue": 1, "power_price_kwh": 0.10}, "power_per_gpu_hour", 0.07),
    ("power zero draw", "seed", {"gpu_power_kw": 0}, "power_per_gpu_hour", 0.0),
    ("datacenter seed", "seed", {}, "datacenter_per_gpu_hour", 150 * 0.7 / 730),
    ("datacenter zero draw", "seed", {"gpu_power_kw": 0}, "datacenter_per_gpu_hour", 0.0),
    ("network seed", "seed", {}, "network_per_gpu_hour", 2600 / (3 * 8760)),
    ("total seed (C01 ~1.33)", "seed", {}, "total_cost_per_gpu_hour", TOTAL),
    ("total coreweave (C03 ~1.64)", "coreweave", {}, "total_cost_per_gpu_hour", CW_TOTAL),
    ("total all zero but capex", "seed",
     {"gpu_power_kw": 0, "network_capex_per_gpu": 0, "ops_per_gpu_hour": 0}, "total_cost_per_gpu_hour", CAPEX),
    ("sold hour at utilization 1", "seed", {}, "cost_per_sold_gpu_hour", TOTAL),
    ("sold hour at utilization 0.5", "seed", {"gpu_utilization": 0.5}, "cost_per_sold_gpu_hour", TOTAL / 0.5),
    ("margin seed (C02 ~40%)", "seed", {}, "rental_gross_margin", 1 - TOTAL / 2.2),
    ("margin coreweave", "coreweave", {}, "rental_gross_margin", 1 - CW_TOTAL / 2.2),
    ("margin utilization 0.8", "seed", {"gpu_utilization": 0.8}, "rental_gross_margin", 1 - TOTAL / 0.8 / 2.2),
    ("cash cost seed", "seed", {}, "cash_cost_per_gpu_hour", CASH),
    ("payback seed", "seed", {}, "gpu_payback_years", (25000 + 2600) / ((2.2 * 1.0 - CASH) * 8760)),
    ("payback utilization 0.5", "seed", {"gpu_utilization": 0.5}, "gpu_payback_years",
     (25000 + 2600) / ((2.2 * 0.5 - CASH) * 8760)),
    ("payback nan: price below cash cost", "seed", {"rental_price_per_gpu_hour": 0.2}, "gpu_payback_years", NAN),
    ("payback nan: cash margin exactly 0", "seed",
     {"gpu_power_kw": 0, "ops_per_gpu_hour": 0.5, "rental_price_per_gpu_hour": 0.5}, "gpu_payback_years", NAN),
    ("fleet power seed", "seed", {}, "fleet_annual_power_cost", 10000 * 0.7 * 1.2 * 0.035 * 8760),
    ("fleet power at $0.10, PUE 1 (C06 ~6.1M)", "seed", {"pue": 1, "power_price_kwh": 0.10},
     "fleet_annual_power_cost", 10000 * 0.7 * 0.10 * 8760),
    ("fleet power, one GPU", "seed", {"fleet_gpus": 1}, "fleet_annual_power_cost", 1 * 0.7 * 1.2 * 0.035 * 8760),
    ("failures seed", "seed", {}, "expected_failures_per_year", 10000 * 0.03),
    ("failures at 2% (C07 200)", "seed", {"annual_failure_rate": 0.02}, "expected_failures_per_year", 200.0),
    ("failures at 5% (C07 500)", "seed", {"annual_failure_rate": 0.05}, "expected_failures_per_year", 500.0),
    ("failures rate 1", "seed", {"annual_failure_rate": 1}, "expected_failures_per_year", 10000.0),
]


@pytest.mark.parametrize("case,template,inputs,output,expected", D1_CASES, ids=[c[0] for c in D1_CASES])
def test_d1(case, template, inputs, output, expected):
    check(inputs, output, expected, template)


# ---------------------------------------------------------------- D2 throughput
# (case, template, overrides, output, expected by hand)
D2_CASES = [
    ("weights 8B (C12 16 GB)", "seed", {}, "weight_gb", 16.0),
    ("weights 405B (C13 810 GB)", "seed", {"model_params_b": 405}, "weight_gb", 810.0),
    ("weights 8B INT4", "seed", {"bytes_per_param": 0.5}, "weight_gb", 4.0),
    ("gpus 8B", "seed", {}, "gpus_per_replica", 1.0),
    ("min gpus 8B: ceil(16/72) = 1", "seed", {}, "min_gpus_for_weights", 1.0),
    ("min gpus 405B: ceil(810/72) = ceil(11.25)", "seed", {"model_params_b": 405}, "min_gpus_for_weights", 12.0),
    ("min gpus tiny model is still 1", "seed", {"model_params_b": 0.001}, "min_gpus_for_weights", 1.0),
    # 98.7*2 / (141*0.7) is exactly 2 but 2.0000000000000004 in floats: rounding keeps it 2
    ("min gpus ceiling ignores float noise", "seed",
     {"model_params_b": 98.7, "hbm_capacity_gb": 141, "hbm_usable_fraction": 0.7}, "min_gpus_for_weights", 2.0),
    ("gpus ceiling ignores float noise", "seed",
     {"model_params_b": 98.7, "hbm_capacity_gb": 141, "hbm_usable_fraction": 0.7}, "gpus_per_replica", 2.0),
    # n = 12 > g = 8: whole nodes, 8 * ceil(12/8) = 16 (C14: 8..16)
    ("gpus 405B BF16 on 8-GPU nodes: 8*ceil(12/8)", "seed", {"model_params_b": 405}, "gpus_per_replica", 16.0),
    # 810 / (141*0.9 = 126.9) = 6.38 -> n = 7 <= 8: min(8, 2^ceil(log2 7) = 8) = 8
    ("gpus 405B on 141 GB: n = ceil(810/126.9) = 7", "h200", {"model_params_b": 405}, "min_gpus_for_weights", 7.0),
    ("gpus 405B on 141 GB: 7 -> 2^3 = 8", "h200", {"model_params_b": 405}, "gpus_per_replica", 8.0),
    ("gpus tiny model is still 1", "seed", {"model_params_b": 0.001}, "gpus_per_replica", 1.0),
    # 170B BF16 = 340 GB / 72 = 4.72 -> n = 5 <= 6: min(6, 2^ceil(log2 5) = 8) = 6
    ("min gpus 170B: ceil(340/72) = 5", "seed", {"model_params_b": 170, "gpus_per_node": 6},
     "min_gpus_for_weights", 5.0),
    ("gpus 5 on 6-GPU nodes: min(6, 2^3) = 6", "seed", {"model_params_b": 170, "gpus_per_node": 6},
     "gpus_per_replica", 6.0),
    # 100B BF16 = 200 GB / 72 = 2.78 -> n = 3 <= 8: min(8, 2^2) = 4
    ("min gpus 100B: ceil(200/72) = 3", "seed", {"model_params_b": 100}, "min_gpus_for_weights", 3.0),
    ("gpus 3 on 8-GPU nodes: min(8, 2^2) = 4", "seed", {"model_params_b": 100}, "gpus_per_replica", 4.0),
    # 700B BF16 = 1400 GB / 72 = 19.44 -> n = 20 > 8: 8 * ceil(20/8) = 24
    ("min gpus 700B: ceil(1400/72) = 20", "seed", {"model_params_b": 700}, "min_gpus_for_weights", 20.0),
    ("gpus 20 on 8-GPU nodes: 8*ceil(20/8) = 24", "seed", {"model_params_b": 700}, "gpus_per_replica", 24.0),
    # one-GPU nodes: n = 12 > 1, 1 * ceil(12/1) = 12
    ("gpus 405B on 1-GPU nodes: 1*ceil(12/1) = 12", "seed", {"model_params_b": 405, "gpus_per_node": 1},
     "gpus_per_replica", 12.0),
    # n = 8 = g: min(8, 2^3) = 8 (exactly one node); 576 GB / 72 = 8
    ("gpus n = g = 8: one node", "seed", {"model_params_b": 288}, "gpus_per_replica", 8.0),
    ("max batch seed: floor(64/0.125)", "seed", {}, "max_batch_by_memory", 512.0),
    # (141 - 15) / 0.14 is exactly 900 but 899.9999999999999 in floats
    ("max batch floor ignores float noise", "h200", {"model_params_b": 7.5, "kv_gb_per_sequence": 0.14},
     "max_batch_by_memory", 900.0),
    # 16 GPUs hold 16*80 = 1280 GB: floor((1280 - 810)/0.53) = floor(886.79)
    ("max batch 405B: floor((1280-810)/0.53)", "seed", {"model_params_b": 405, "kv_gb_per_sequence": 0.53},
     "max_batch_by_memory", 886.0),
    ("effective batch seed", "seed", {}, "effective_batch", 64.0),
    ("effective batch capped by memory", "seed", {"kv_gb_per_sequence": 1.0, "batch_size": 4096},
     "effective_batch", 64.0),
    ("effective batch 1", "seed", {"batch_size": 1}, "effective_batch", 1.0),
    ("step seed (memory bound)", "seed", {}, "decode_step_seconds", 24 / 2680),
    ("step compute bound", "seed", {"kv_gb_per_sequence": 0.01, "batch_size": 4096}, "decode_step_seconds",
     2 * 8 * 4096 / FL),
    ("decode seed", "seed", {}, "decode_tokens_per_sec", 64 * 2680 / 24),
    ("decode batch 1", "seed", {"batch_size": 1}, "decode_tokens_per_sec", 1 / ((16 + 0.125) / 2680)),
    ("decode compute bound = prefill rate", "seed", {"kv_gb_per_sequence": 0.01, "batch_size": 4096},
     "decode_tokens_per_sec", 494500 / 16),
    ("decode multiplier 2", "seed", {"optimization_multiplier": 2}, "decode_tokens_per_sec", 2 * DECODE),
    ("decode measured overrides roofline", "seed", {"measured_decode_tokens_per_sec": 1000},
     "decode_tokens_per_sec", 1000.0),
    ("decode measured ignores multiplier", "seed",
     {"measured_decode_tokens_per_sec": 1000, "optimization_multiplier": 3}, "decode_tokens_per_sec", 1000.0),
    ("decode 405B, 16 GPUs", "seed", {"model_params_b": 405, "kv_gb_per_sequence": 0.53, "batch_size": 16},
     "decode_tokens_per_sec", DECODE_405),
    ("decode h200 7.5B batch 256", "h200", {"model_params_b": 7.5, "batch_size": 256}, "decode_tokens_per_sec",
     256 / ((15 + 256 * 0.134) / (4.8 * 1000 * 0.68))),
    ("prefill seed", "seed", {}, "prefill_tokens_per_sec", 989 * 1000 * 0.5 / 16),
    ("prefill multiplier 3 (also with a measured decode)", "seed",
     {"optimization_multiplier": 3, "measured_decode_tokens_per_sec": 1000}, "prefill_tokens_per_sec", 3 * PREFILL),
    ("prefill 405B", "seed", {"model_params_b": 405}, "prefill_tokens_per_sec", PREFILL_405),
    ("replica cost seed", "seed", {}, "replica_cost_per_hour", TOTAL),
    ("replica cost 405B = 16 GPUs", "seed", {"model_params_b": 405}, "replica_cost_per_hour", 16 * TOTAL),
    ("cost per M output seed", "seed", {}, "cost_per_m_output_tokens", COST_OUT),
    ("cost per M output, utilization 1", "seed", {"serving_utilization": 1},
     "cost_per_m_output_tokens", TOTAL * 1e6 / (DECODE * 3600)),
    ("cost per M output, multiplier 2", "seed", {"optimization_multiplier": 2}, "cost_per_m_output_tokens",
     COST_OUT / 2),
    ("cost per M output, measured 1000 tok/s", "seed",
     {"measured_decode_tokens_per_sec": 1000, "optimization_multiplier": 4},
     "cost_per_m_output_tokens", TOTAL * 1e6 / (1000 * 3600 * 0.85)),
    ("cost per M output 405B (C11 overrides)", "seed",
     {"model_params_b": 405, "kv_gb_per_sequence": 0.53, "batch_size": 16},
     "cost_per_m_output_tokens", 16 * TOTAL * 1e6 / (DECODE_405 * 3600 * 0.85)),
    ("cost per M input seed", "seed", {}, "cost_per_m_input_tokens", COST_IN),
    ("output/input ratio seed", "seed", {}, "output_input_cost_ratio", PREFILL / DECODE),
    ("visible output, no reasoning", "seed", {}, "cost_per_m_visible_output_tokens", COST_OUT),
    ("visible output, 2 reasoning tokens", "seed", {"reasoning_tokens_per_output_token": 2},
     "cost_per_m_visible_output_tokens", 3 * COST_OUT),
    ("reasoning does not change cost per decoded token", "seed", {"reasoning_tokens_per_output_token": 2},
     "cost_per_m_output_tokens", COST_OUT),
    ("blended seed r=3", "seed", {}, "blended_cost_per_m_tokens", (3 * COST_IN + COST_OUT) / 4),
    ("blended r=0 is output cost", "seed", {"input_tokens_per_output_token": 0}, "blended_cost_per_m_tokens",
     COST_OUT),
]


@pytest.mark.parametrize("case,template,inputs,output,expected", D2_CASES, ids=[c[0] for c in D2_CASES])
def test_d2(case, template, inputs, output, expected):
    check(inputs, output, expected, template)


# The H200 measurement quoted in MODEL.md: tokens/s decoded at each batch size.
H200_MEASURED = [(1, 205), (8, 1505), (32, 5173), (64, 8815), (128, 12078), (256, 16533)]


@pytest.mark.parametrize("batch,measured", H200_MEASURED)
def test_h200_roofline_within_10_percent_of_measurement(batch, measured):
    got = model.evaluate({"model_params_b": 7.5, "batch_size": batch}, "h200")["decode_tokens_per_sec"]
    assert abs(got / measured - 1) <= 0.10, f"batch {batch}: model {got:.0f} vs measured {measured}"


# ---------------------------------------------------------------- D3 pricing
def _swap(price, rental, decline, rate, years, util=1.0):
    """reserved swap NPV by hand: sum over t of (fixed - util * market_t) * 8760 / (1 + rate)^t."""
    return sum((price - util * rental * (1 - decline) ** (t - 1)) * 8760 / (1 + rate) ** t
               for t in range(1, years + 1))


FREE_TIER = {"share_hobbyist": 1, "share_growth": 0, "share_enterprise": 0, "share_batch": 0,
             "price_factor_hobbyist": 0}
ALL_ENTERPRISE_FREE = {"share_hobbyist": 0, "share_growth": 0, "share_enterprise": 1, "share_batch": 0,
                       "enterprise_discount": 1}
WACC0 = {"equity_share": 1, "cost_of_equity": 0}   # wacc = 1 * 0 = 0

# (case, template, overrides, output, expected by hand)
D3_CASES = [
    ("enterprise factor: 1 - 0.4", "seed", {}, "price_factor_enterprise", 0.6),
    ("enterprise factor: 1 - 0.25", "seed", {"enterprise_discount": 0.25}, "price_factor_enterprise", 0.75),
    ("enterprise factor, no discount", "seed", {"enterprise_discount": 0}, "price_factor_enterprise", 1.0),
    ("reserved discount does not touch tokens", "seed", {"reserved_discount": 0.9}, "blended_price_factor", 0.73),
    ("blended factor, enterprise 25% off", "seed", {"enterprise_discount": 0.25}, "blended_price_factor",
     0.1 * 0.5 + 0.4 * 1.0 + 0.3 * 0.75 + 0.2 * 0.5),
    ("batch factor", "seed", {}, "price_factor_batch", 0.5),
    ("share total", "seed", {}, "segment_share_total", 1.0),
    ("blended factor seed", "seed", {}, "blended_price_factor", 0.73),
    ("blended factor all growth", "seed",
     {"share_hobbyist": 0, "share_growth": 1, "share_enterprise": 0, "share_batch": 0}, "blended_price_factor", 1.0),
    ("blended factor free tier", "seed", FREE_TIER, "blended_price_factor", 0.0),
    ("effective input seed", "seed", {}, "effective_input_price_per_m", 0.06 * (1 - 0.3 * 0.5) * 0.73),
    ("effective input, no cache", "seed", {"cached_input_share": 0}, "effective_input_price_per_m", 0.06 * 0.73),
    ("effective output seed", "seed", {}, "effective_output_price_per_m", 0.18 * 0.73),
    ("output tokens per replica-hour", "seed", {}, "output_tokens_per_replica_hour", OTR),
    ("output tokens, no input", "seed", {"input_tokens_per_output_token": 0}, "output_tokens_per_replica_hour",
     3600 * 0.85 * DECODE),
    ("output tokens, 1 reasoning token", "seed", {"reasoning_tokens_per_output_token": 1},
     "output_tokens_per_replica_hour", OTR_K1),
    ("token revenue seed", "seed", {}, "token_revenue_per_replica_hour", REV),
    ("token revenue, reasoning billed as output", "seed", {"reasoning_tokens_per_output_token": 1},
     "token_revenue_per_replica_hour", REV_K1),
    ("token revenue free tier", "seed", FREE_TIER, "token_revenue_per_replica_hour", 0.0),
    ("managed revenue per GPU seed", "seed", {}, "managed_revenue_per_gpu_hour", REV),
    ("managed revenue per GPU, 405B on 16 GPUs", "seed", C11, "managed_revenue_per_gpu_hour", REV_405 / 16),
    ("managed margin, 405B on 16 GPUs", "seed", C11, "managed_gross_margin", 1 - 16 * TOTAL / REV_405),
    ("managed margin seed (C17 0.55-0.70)", "seed", {}, "managed_gross_margin", 1 - TOTAL / REV),
    ("managed margin nan: free tier", "seed", FREE_TIER, "managed_gross_margin", NAN),
    ("managed margin nan: all enterprise at 100% off", "seed", ALL_ENTERPRISE_FREE, "managed_gross_margin", NAN),
    ("managed revenue 0 when nothing is paid", "seed", FREE_TIER, "managed_revenue_per_gpu_hour", 0.0),
    ("reserved price", "seed", {}, "reserved_contract_price_per_hour", 2.2 * 0.6),
    # discounted at F1's wacc = 0.1566
    ("swap NPV seed (3 years)", "seed", {}, "reserved_swap_npv_per_gpu",
     (1.32 - 2.2) * 8760 / 1.1566 + (1.32 - 2.2 * 0.7) * 8760 / 1.1566 ** 2 + (1.32 - 2.2 * 0.49) * 8760 / 1.1566 ** 3),
    ("swap NPV 1 year", "seed", {"contract_years": 1}, "reserved_swap_npv_per_gpu", (1.32 - 2.2) * 8760 / 1.1566),
    ("swap NPV 10 years", "seed", {"contract_years": 10}, "reserved_swap_npv_per_gpu",
     _swap(1.32, 2.2, 0.3, WACC, 10)),
    # only half the market hours would have sold: the swap gives up 0.5 * 2.2 = 1.1 per hour, not 2.2
    ("swap NPV 1 year, utilization 0.5", "seed", {"contract_years": 1, "gpu_utilization": 0.5},
     "reserved_swap_npv_per_gpu", (1.32 - 0.5 * 2.2) * 8760 / 1.1566),
    ("swap NPV 3 years, utilization 0.8", "seed", {"gpu_utilization": 0.8}, "reserved_swap_npv_per_gpu",
     _swap(1.32, 2.2, 0.3, 0.1566, 3, util=0.8)),
    ("swap NPV, wacc all equity at 10%", "seed", {"equity_share": 1, "cost_of_equity": 0.10},
     "reserved_swap_npv_per_gpu", _swap(1.32, 2.2, 0.3, 0.10, 3)),
    ("swap NPV rate 0, no decline", "seed",
     {**WACC0, "market_price_decline_per_year": 0, "contract_years": 10},
     "reserved_swap_npv_per_gpu", (1.32 - 2.2) * 8760 * 10),
    ("swap NPV no discount, no decline", "seed", {"reserved_discount": 0, "market_price_decline_per_year": 0},
     "reserved_swap_npv_per_gpu", 0.0),
    ("decline total (C16 50x)", "seed", {}, "price_decline_total_factor", 50.0),
    ("decline annual (C47 vs 10x)", "seed", {}, "price_decline_annual_factor", 50 ** (1 / 2.5)),
    ("decline annual over 1 year", "seed", {"price_decline_years": 1}, "price_decline_annual_factor", 50.0),
    ("decline annual, no change", "seed", {"price_now_per_m": 20}, "price_decline_annual_factor", 1.0),
]


@pytest.mark.parametrize("case,template,inputs,output,expected", D3_CASES, ids=[c[0] for c in D3_CASES])
def test_d3(case, template, inputs, output, expected):
    check(inputs, output, expected, template)


# ---------------------------------------------------------------- E1 managed vs rental
# (case, template, overrides, output, expected by hand)
E1_CASES = [
    ("rental revenue seed", "seed", {}, "rental_revenue_per_gpu_hour", 2.2),
    ("rental revenue utilization 0.5", "seed", {"gpu_utilization": 0.5}, "rental_revenue_per_gpu_hour", 1.1),
    ("managed vs rental seed", "seed", {}, "managed_vs_rental_revenue_ratio", REV / 2.2),
    ("managed vs rental, free tier", "seed", FREE_TIER, "managed_vs_rental_revenue_ratio", 0.0),
    ("single customer seed", "seed", {}, "single_customer_utilization", 1 / (1 + 2.33 * 1.0)),
    ("single customer, no variance", "seed", {"demand_cv": 0}, "single_customer_utilization", 1.0),
    ("pooled seed (C18 0.80-0.90)", "seed", {}, "pooled_utilization",
     1 / (1 + 2.33 * math.sqrt((1 + 999 * 0.01) / 1000))),
    ("pooled, 1 customer = single", "seed", {"customers": 1}, "pooled_utilization", 1 / 3.33),
    ("pooled, fully correlated = single", "seed", {"demand_correlation": 1}, "pooled_utilization", 1 / 3.33),
    ("pooled, independent 100 customers", "seed", {"customers": 100, "demand_correlation": 0},
     "pooled_utilization", 1 / (1 + 2.33 * 0.1)),
    ("pooled, no headroom", "seed", {"service_z": 0}, "pooled_utilization", 1.0),
]


@pytest.mark.parametrize("case,template,inputs,output,expected", E1_CASES, ids=[c[0] for c in E1_CASES])
def test_e1(case, template, inputs, output, expected):
    check(inputs, output, expected, template)


# ---------------------------------------------------------------- E2 buy vs rent
def _crf(rate, life):
    """capital recovery factor by hand: r / (1 - (1+r)^-L), 1/L at r = 0."""
    return 1 / life if rate == 0 else rate / (1 - (1 + rate) ** -life)


def _rent_lev(rental, decline, rate, life):
    """levelized rent by hand: CRF(r, L) * sum over t of rental * (1 - decline)^(t-1) / (1 + r)^t."""
    return _crf(rate, life) * sum(rental * (1 - decline) ** (t - 1) / (1 + rate) ** t for t in range(1, life + 1))


def _econ(price, network, residual, rate, life, failure, rent_lev, rental, cash):
    """economic cost per hour by hand, MODEL.md E2."""
    return ((price + network - residual / (1 + rate) ** life) * _crf(rate, life)
            + failure * price * rent_lev / rental) / 8760 + cash


# seed: L = 3, wacc 0.1566, rent 2.2 falling 30%/yr, GPU 25000 + network 2600, base residual 0.2 * 25000
CRF3 = 0.1566 / (1 - 1.1566 ** -3)
RENT_LEV = CRF3 * (2.2 / 1.1566 + 2.2 * 0.7 / 1.1566 ** 2 + 2.2 * 0.49 / 1.1566 ** 3)
ECON = ((25000 + 2600 - 5000 / 1.1566 ** 3) * CRF3 + 0.03 * 25000 * RENT_LEV / 2.2) / 8760 + CASH
B_ECON = ECON / RENT_LEV

# breakeven_utilization_economic = 0.5 exactly: wacc 0, no decline, no failures, no residual, no cash costs,
# no network; GPU 26280 over 3 years = 26280 / 3 / 8760 = 1.0 per hour against a rent of 2.0; NORMSINV(0.5) = 0
HALF = {**WACC0, "market_price_decline_per_year": 0, "annual_failure_rate": 0, "residual_base": 0,
        "gpu_power_kw": 0, "ops_per_gpu_hour": 0, "network_capex_per_gpu": 0, "gpu_price": 26280,
        "rental_price_per_gpu_hour": 2.0}
# owning costs nothing: wacc 0, full resale (25000 - 25000 = 0), no failures, no cash costs, no network
FREE_OWN = {**WACC0, "residual_base": 1, "annual_failure_rate": 0, "gpu_power_kw": 0, "ops_per_gpu_hour": 0,
            "network_capex_per_gpu": 0}

# (case, template, overrides, output, expected by hand)
E2_CASES = [
    ("breakeven seed: book cost / rent", "seed", {}, "breakeven_utilization", TOTAL / 2.2),
    ("breakeven (C19 ~44%)", "seed", SRC_E2, "breakeven_utilization", TOTAL_E2 / 2.5),
    ("breakeven ignores utilization", "seed", {"gpu_utilization": 0.5}, "breakeven_utilization", TOTAL / 2.2),
    ("cost to own (C48 ~1.10)", "seed", SRC_E2, "total_cost_per_gpu_hour", TOTAL_E2),
    ("capital charge seed: 25000 * 0.1566", "seed", {}, "annual_capital_charge", 25000 * 0.1566),
    ("capital charge (C22 3360)", "seed", {"gpu_price": 28000, **WACC12}, "annual_capital_charge", 3360.0),
    ("capital charge wacc 0", "seed", WACC0, "annual_capital_charge", 0.0),
    ("capital per hour seed", "seed", {}, "capital_charge_per_hour", 25000 * 0.1566 / 8760),
    ("capital per hour (C23 ~0.38)", "seed", {"gpu_price": 28000, **WACC12}, "capital_charge_per_hour",
     3360 / 8760),
    ("cost with capital seed", "seed", {}, "cost_per_hour_with_capital", TOTAL + 25000 * 0.1566 / 8760),
    ("cost with capital (C24 ~1.48)", "seed", {**SRC_E2, **WACC12}, "cost_per_hour_with_capital",
     TOTAL_E2 + 3360 / 8760),
    ("breakeven wacc seed", "seed", {}, "breakeven_utilization_wacc", (TOTAL + 25000 * 0.1566 / 8760) / 2.2),
    ("breakeven wacc (C20 ~59%)", "seed", {**SRC_E2, **WACC12}, "breakeven_utilization_wacc",
     (TOTAL_E2 + 3360 / 8760) / 2.5),
    ("breakeven all equity at 25% (C21 ~76%)", "seed", {**SRC_E2, "equity_share": 1, "cost_of_equity": 0.25},
     "breakeven_utilization_wacc", (TOTAL_E2 + 28000 * 0.25 / 8760) / 2.5),
    ("breakeven wacc 0 = breakeven", "seed", WACC0, "breakeven_utilization_wacc", TOTAL / 2.2),
    ("residual bull seed", "seed", {}, "residual_value_bull", 25000 * 0.40),
    ("residual base seed", "seed", {}, "residual_value_base", 25000 * 0.20),
    ("residual bear seed", "seed", {}, "residual_value_bear", 25000 * 0.05),
    ("residual bull (C25 ~11K)", "seed", {"gpu_price": 28000}, "residual_value_bull", 28000 * 0.40),
    ("residual base (C26 ~5.5K)", "seed", {"gpu_price": 28000}, "residual_value_base", 28000 * 0.20),
    ("residual bear (C27 ~1.4K)", "seed", {"gpu_price": 28000}, "residual_value_bear", 28000 * 0.05),
    ("residual case 1 = bull", "seed", {"residual_case": 1}, "residual_value", 10000.0),
    ("residual case 2 = base", "seed", {"residual_case": 2}, "residual_value", 5000.0),
    ("residual case 3 = bear", "seed", {"residual_case": 3}, "residual_value", 1250.0),
    ("rent levelized seed", "seed", {}, "rent_levelized_per_gpu_hour", RENT_LEV),
    ("rent levelized, 1 year = today's rent", "seed", {"economic_life_years": 1}, "rent_levelized_per_gpu_hour",
     (1 + 0.1566) * 2.2 / 1.1566),
    ("rent levelized, no decline = rent", "seed", {"market_price_decline_per_year": 0},
     "rent_levelized_per_gpu_hour", 2.2),
    ("rent levelized, wacc 0 = average rent", "seed", WACC0, "rent_levelized_per_gpu_hour",
     (2.2 + 2.2 * 0.7 + 2.2 * 0.49) / 3),
    ("rent levelized, 5 years", "seed", {"economic_life_years": 5}, "rent_levelized_per_gpu_hour",
     _rent_lev(2.2, 0.3, 0.1566, 5)),
    ("economic seed", "seed", {}, "economic_cost_per_hour", ECON),
    ("economic seed via helper", "seed", {}, "economic_cost_per_hour",
     _econ(25000, 2600, 5000, WACC, 3, 0.03, RENT_LEV, 2.2, CASH)),
    ("economic bull", "seed", {"residual_case": 1}, "economic_cost_per_hour",
     ((25000 + 2600 - 10000 / 1.1566 ** 3) * CRF3 + 0.03 * 25000 * RENT_LEV / 2.2) / 8760 + CASH),
    ("economic bear", "seed", {"residual_case": 3}, "economic_cost_per_hour",
     ((25000 + 2600 - 1250 / 1.1566 ** 3) * CRF3 + 0.03 * 25000 * RENT_LEV / 2.2) / 8760 + CASH),
    # L = 1: CRF = 1.1566, levelized rent = 2.2, so ((27600 - 5000/1.1566) * 1.1566 + 0.03*25000) / 8760 + cash
    ("economic 1-year life", "seed", {"economic_life_years": 1}, "economic_cost_per_hour",
     ((25000 + 2600) * 1.1566 - 5000 + 0.03 * 25000) / 8760 + CASH),
    ("economic wacc 0: CRF = 1/L", "seed", WACC0, "economic_cost_per_hour",
     ((27600 - 5000) / 3 + 0.03 * 25000 * ((2.2 + 1.54 + 1.078) / 3) / 2.2) / 8760 + CASH),
    # wacc 0, no resale, no failures: 27600 / 3 / 8760 + cash = capex + network + cash = the D1 total
    ("economic wacc 0, no residual, no failures = D1 total", "seed",
     {**WACC0, "residual_base": 0, "annual_failure_rate": 0}, "economic_cost_per_hour", TOTAL),
    ("economic breakeven seed", "seed", {}, "breakeven_utilization_economic", ECON / RENT_LEV),
    ("economic breakeven 0.5", "seed", HALF, "breakeven_utilization_economic", 1.0 / 2.0),
    ("economic breakeven 0 when owning is free", "seed", FREE_OWN, "breakeven_utilization_economic", 0.0),
    ("owned GPUs seed", "seed", {}, "optimal_owned_gpus", 1000 - 250 * NormalDist().inv_cdf(B_ECON)),
    ("owned GPUs at breakeven 0.5 = mean", "seed", HALF, "optimal_owned_gpus", 1000.0),
    ("owned GPUs 0 when breakeven >= 1", "seed", {"rental_price_per_gpu_hour": 1.0}, "optimal_owned_gpus", 0.0),
    ("owned GPUs floored at 0", "seed", {"demand_mean_gpus": 0}, "optimal_owned_gpus", 0.0),
    ("owned GPUs, no volatility = mean", "seed", {"demand_sd_gpus": 0}, "optimal_owned_gpus", 1000.0),
    ("owned GPUs nan when owning is free", "seed", FREE_OWN, "optimal_owned_gpus", NAN),
]


@pytest.mark.parametrize("case,template,inputs,output,expected", E2_CASES, ids=[c[0] for c in E2_CASES])
def test_e2(case, template, inputs, output, expected):
    check(inputs, output, expected, template)


# ---------------------------------------------------------------- E3 data center
# (case, template, overrides, output, expected by hand)
E3_CASES = [
    ("grid per kW-month (C28 ~72)", "seed", {}, "electricity_cost_per_kw_month_grid", 730 * 0.10),
    ("own per kW-month (C29 ~22)", "seed", {}, "electricity_cost_per_kw_month_own", 730 * 0.03),
    ("advantage (C30 ~50)", "seed", {}, "energy_advantage_per_kw_month", 730 * (0.10 - 0.03)),
    ("annual savings (C31 ~60M)", "seed", {}, "annual_energy_savings", 100 * 1000 * 730 * 0.07 * 12),
    ("annual savings, no facility", "seed", {"facility_it_mw": 0}, "annual_energy_savings", 0.0),
    ("power share (C32 0.45-0.50)", "seed", {}, "power_share_of_facility_price", 73 / 150),
    ("cooling air", "seed", {}, "cooling_overhead_mw_air", 40.0),
    ("cooling liquid", "seed", {}, "cooling_overhead_mw_liquid", 10.0),
    ("cooling difference (C34 ~30)", "seed", {}, "cooling_overhead_mw_difference", 30.0),
    ("cooling difference, same PUE", "seed", {"pue_air": 1, "pue_liquid": 1}, "cooling_overhead_mw_difference", 0.0),
    ("cooling cost difference (C35 vs 15M)", "seed", {}, "annual_cooling_cost_difference",
     100 * 1000 * 0.3 * 8760 * 0.10),
    ("PUE improvement (C33 vs 600K)", "seed", {}, "pue_improvement_annual_savings", 100 * 1000 * 0.1 * 8760 * 0.10),
    ("PUE improvement 0", "seed", {"pue_improvement": 0}, "pue_improvement_annual_savings", 0.0),
    ("rack density H100", "seed", {}, "rack_density_ratio_h100", 55 / 3),
    ("rack density NVL72", "seed", {}, "rack_density_ratio_nvl72", 130 / 3),
    ("built power 2N (C36 200)", "seed", {}, "built_power_mw", 200.0),
    ("built power N", "seed", {"redundancy_factor": 1}, "built_power_mw", 100.0),
]


@pytest.mark.parametrize("case,template,inputs,output,expected", E3_CASES, ids=[c[0] for c in E3_CASES])
def test_e3(case, template, inputs, output, expected):
    check(inputs, output, expected, template)


# ---------------------------------------------------------------- F1 equity vs debt
# (case, template, overrides, output, expected by hand)
F1_CASES = [
    ("after-tax cod (C37 ~6.3%)", "seed", {}, "after_tax_cost_of_debt", 0.08 * (1 - 0.21)),
    ("after-tax cod, no tax", "seed", {"tax_rate": 0}, "after_tax_cost_of_debt", 0.08),
    ("tax shield (C38 84M)", "seed", {}, "annual_tax_shield", 5e9 * 0.08 * 0.21),
    ("tax shield, zero debt", "seed", {"debt_amount": 0}, "annual_tax_shield", 0.0),
    ("wacc seed", "seed", {}, "wacc", 0.5 * 0.25 + 0.5 * 0.08 * 0.79),
    ("wacc all equity", "seed", {"equity_share": 1}, "wacc", 0.25),
    ("wacc all debt", "seed", {"equity_share": 0}, "wacc", 0.08 * 0.79),
    ("wacc WACC12", "seed", WACC12, "wacc", 0.12),
    ("wacc 0", "seed", WACC0, "wacc", 0.0),
    ("equity/debt ratio (C39 3-4x)", "seed", {}, "equity_debt_cost_ratio", 0.25 / 0.08),
    ("rate shock", "seed", {}, "rate_shock_annual_cost", 1e9 * 350 / 10000),
    ("rate shock 300 bps (C40 30M)", "seed", {"rate_shock_bps": 300}, "rate_shock_annual_cost", 30e6),
    ("rate shock 0", "seed", {"rate_shock_bps": 0}, "rate_shock_annual_cost", 0.0),
]


@pytest.mark.parametrize("case,template,inputs,output,expected", F1_CASES, ids=[c[0] for c in F1_CASES])
def test_f1(case, template, inputs, output, expected):
    check(inputs, output, expected, template)


# ---------------------------------------------------------------- F2 contracted revenue and DSCR
RATE0 = {"base_rate": 0, "spread_uncontracted": 0, "spread_contracted": 0}

# (case, template, overrides, output, expected by hand)
F2_CASES = [
    ("max DS uncontracted (C41 100M)", "seed", {}, "max_debt_service_uncontracted", 150e6 / 1.5),
    ("max DS contracted (C43 ~267M)", "seed", {}, "max_debt_service_contracted", 400e6 / 1.5),
    ("rate uncontracted", "seed", {}, "rate_uncontracted", 0.043 + 0.04),
    ("rate contracted", "seed", {}, "rate_contracted", 0.043 + 0.025),
    ("capacity uncontracted", "seed", {}, "debt_capacity_uncontracted", CAP_U),
    ("capacity contracted", "seed", {}, "debt_capacity_contracted", CAP_C),
    ("capacity ratio", "seed", {}, "debt_capacity_ratio", CAP_C / CAP_U),
    ("capacity rate 0: AF = n (uncontracted)", "seed", RATE0, "debt_capacity_uncontracted", 100e6 * 5),
    ("capacity rate 0: AF = n (contracted)", "seed", RATE0, "debt_capacity_contracted", 400e6 / 1.5 * 12),
    ("capacity rate 0 ratio", "seed", RATE0, "debt_capacity_ratio", (400e6 / 1.5 * 12) / 500e6),
    ("capacity tenor 1", "seed", {"tenor_uncontracted_years": 1}, "debt_capacity_uncontracted", 100e6 / 1.083),
    ("capacity tenor 30", "seed", {"tenor_contracted_years": 30}, "debt_capacity_contracted",
     DS_C * (1 - 1.068 ** -30) / 0.068),
    ("interest savings (C46 75M)", "seed", {}, "interest_savings_contracted", 5e9 * 0.015),
    ("interest savings, zero debt", "seed", {"debt_amount": 0}, "interest_savings_contracted", 0.0),
    ("sculpted, growth 0 = annuity capacity", "seed", {}, "sculpted_debt_capacity", CAP_C),
    ("sculpted, growth 5%", "seed", {"cfads_growth": 0.05}, "sculpted_debt_capacity",
     sum(DS_C * 1.05 ** (t - 1) / 1.068 ** t for t in range(1, 13))),
    # growth equal to the rate: every year's PV is DS_1 / (1 + r), no singularity
    ("sculpted, growth = rate", "seed", {"cfads_growth": 0.068}, "sculpted_debt_capacity", 12 * DS_C / 1.068),
    ("sculpted, shrinking 50%/yr", "seed", {"cfads_growth": -0.5}, "sculpted_debt_capacity",
     sum(DS_C * 0.5 ** (t - 1) / 1.068 ** t for t in range(1, 13))),
    ("sculpted, tenor 1", "seed", {"tenor_contracted_years": 1, "cfads_growth": 0.3}, "sculpted_debt_capacity",
     DS_C / 1.068),
    ("sculpted, rate 0, growth 10%, 3 years", "seed", {**RATE0, "cfads_growth": 0.1, "tenor_contracted_years": 3},
     "sculpted_debt_capacity", DS_C * (1 + 1.1 + 1.21)),
    ("llcr seed = target", "seed", {}, "llcr", 1.5),
    ("llcr growth = rate", "seed", {"cfads_growth": 0.068}, "llcr", 1.5),
    ("llcr growth 100%, dscr 2", "seed", {"cfads_growth": 1, "target_dscr": 2}, "llcr", 2.0),
]


@pytest.mark.parametrize("case,template,inputs,output,expected", F2_CASES, ids=[c[0] for c in F2_CASES])
def test_f2(case, template, inputs, output, expected):
    check(inputs, output, expected, template)


@pytest.mark.parametrize("inputs", [{}, {"cfads_growth": 0.068}, {"cfads_growth": -0.5, "tenor_contracted_years": 30},
                                    {"tenor_contracted_years": 1}, {"cfads_growth": 1, "tenor_contracted_years": 30}])
def test_f2_sculpted_schedule_closes_at_zero(inputs):
    # closing after the last term year is 0 by definition; opening - principal - closing = 0 every year
    sched = model.sculpting_schedule(inputs)
    cap = model.evaluate(inputs)["sculpted_debt_capacity"]
    assert sched["closing"].iloc[-1] == 0
    assert sched["opening"].iloc[0] == pytest.approx(cap, rel=1e-12)
    gap = sched["opening"] - sched["principal"] - sched["closing"]
    assert (gap.abs() <= 1e-9 * cap).all()


def test_f2_sculpting_schedule_by_hand():
    # growth 0, 12 years at 6.8%: DS = 400e6/1.5 each year; opening(1) = capacity; corkscrew by hand
    sched = model.sculpting_schedule()
    assert list(sched.index) == list(range(1, 13))
    bal = CAP_C
    for year in range(1, 13):
        row = sched.loc[year]
        assert row["opening"] == pytest.approx(bal, rel=1e-9)
        assert row["interest"] == pytest.approx(bal * 0.068, rel=1e-9)
        assert row["debt_service"] == pytest.approx(DS_C, rel=1e-12)
        assert row["principal"] == pytest.approx(DS_C - bal * 0.068, rel=1e-9)
        bal = bal * 1.068 - DS_C
        assert row["closing"] == pytest.approx(bal, rel=1e-9, abs=1e-6 * CAP_C)
        assert row["dscr"] == pytest.approx(1.5, rel=1e-12)
    assert len(model.sculpting_schedule(all_years=True)) == 30


def test_d3_reserved_contract_schedule_by_hand():
    sched = model.reserved_contract_schedule()
    assert list(sched.index) == [1, 2, 3]
    for t, market in [(1, 2.2), (2, 2.2 * 0.7), (3, 2.2 * 0.49)]:
        assert sched.loc[t, "market"] == pytest.approx(market, rel=1e-12)
        assert sched.loc[t, "net"] == pytest.approx((1.32 - 1.0 * market) * 8760, rel=1e-9)
        assert sched.loc[t, "pv"] == pytest.approx((1.32 - market) * 8760 / 1.1566 ** t, rel=1e-9)
    assert len(model.reserved_contract_schedule(all_years=True)) == 10


# ---------------------------------------------------------------- F3 stages
def _w(eq, coe, cod, tax=0.21):
    return eq * coe + (1 - eq) * cod * (1 - tax)


# (case, template, overrides, output, expected by hand)
F3_CASES = [
    ("wacc series A", "seed", {}, "wacc_series_a", _w(0.975, 0.75, 0.25)),
    ("wacc series B", "seed", {}, "wacc_series_b", _w(0.85, 0.40, 0.135)),
    ("wacc series C/D", "seed", {}, "wacc_series_cd", _w(0.70, 0.20, 0.10)),
    ("wacc pre-IPO", "seed", {}, "wacc_pre_ipo", _w(0.50, 0.16, 0.075)),
    ("wacc public", "seed", {}, "wacc_public", _w(0.60, 0.125, 0.055)),
    ("wacc public, no tax", "seed", {"tax_rate": 0}, "wacc_public", 0.6 * 0.125 + 0.4 * 0.055),
    ("wacc series A all equity", "seed", {"equity_share_series_a": 1}, "wacc_series_a", 0.75),
    ("venture debt", "seed", {}, "venture_debt_capacity", 50e6 * 0.25),
    ("equipment financing", "seed", {}, "equipment_financing_capacity", 100e6 * 0.8),
    ("project debt share", "seed", {}, "project_debt_share", 9.6e9 / (9.6e9 + 5e9)),
    ("project debt share, no debt", "seed", {"project_debt": 0}, "project_debt_share", 0.0),
]


@pytest.mark.parametrize("case,template,inputs,output,expected", F3_CASES, ids=[c[0] for c in F3_CASES])
def test_f3(case, template, inputs, output, expected):
    check(inputs, output, expected, template)


# ---------------------------------------------------------------- P1 fleet project
# One GPU for one year (life 1, tenor 1, contract 1), everything else seed. By hand:
#   contracted GPUs 1 * 0.5 = 0.5 at 2.2 * (1 - 0.4) = 1.32; the other 0.5 at 1.0 * 2.2 (year-1 market price)
P1_ONE = {"fleet_gpus": 1, "economic_life_years": 1, "fleet_debt_tenor_years": 1, "contract_years": 1}
ALL_DEBT = {"equipment_ltv": 1.0, "target_dscr": 1.0, "contracted_share": 1.0, "contract_years": 10,
            "economic_life_years": 15, "fleet_debt_tenor_years": 15, "market_price_decline_per_year": 0.0}
REV1 = 8760 * (0.5 * 1.32 + 0.5 * 1.0 * 2.2)                  # = 8760 * 1.76 = 15417.6
COSTS1 = 8760 * 0.7 * 1.2 * 0.035 + 150 * 0.7 * 12 + 8760 * 0.10   # power 257.544 + facility 1260 + ops 876
EBITDA1 = REV1 - COSTS1                                        # = 13024.056
REPL1 = 1 * 0.03 * 25000 * (1 - 0.3) ** 0                      # = 750
TAXDEP1 = 1 * (25000 * 1 / 3 + 2600 * 1 / 3)                   # = 9200 (year 1 of 3 for GPU and network)
UTAX1 = 0.21 * (EBITDA1 - REPL1 - TAXDEP1)                     # = 0.21 * 3074.056 = 645.55176
CFADS1 = EBITDA1 - REPL1 - UTAX1                               # = 11628.50424
PROCEEDS1 = 1 * 25000 * 0.20                                   # = 5000
BOOK1 = 1 * (25000 * (1 - 1 / 3) + 2600 * (1 - 1 / 3))         # = 18400 > 5000: a loss, no tax, no credit
SALE1 = PROCEEDS1                                              # = 5000
CAPEX1 = 1 * (25000 + 2600)                                    # = 27600
PCF1 = CFADS1 + SALE1                                          # = 16628.50424
RATE1 = 0.043 + 0.04 - 0.5 * 1 / 1 * (0.04 - 0.025)            # = 0.0755 (contract covers the whole tenor)
CAP1 = CFADS1 / 1.5 / (1 + RATE1)                              # debt capacity, below 0.8 * 27600 = 22080
DS1 = CFADS1 / 1.5                                             # sculpted at the target DSCR
INT1 = CAP1 * RATE1
LTAX1 = 0.21 * (EBITDA1 - REPL1 - TAXDEP1 - INT1)
ECF0 = -(CAPEX1 - CAP1)
ECF1 = EBITDA1 - REPL1 - LTAX1 - DS1 + SALE1


def test_p1_one_year_schedule_by_hand():
    sched = model.project_schedule(P1_ONE)
    y1 = sched.loc[1]
    assert sched.loc[0, "project_cash_flow"] == pytest.approx(-27600, rel=1e-12)
    assert y1["market_price"] == pytest.approx(2.2, rel=1e-12)
    assert y1["contracted_gpus"] == pytest.approx(0.5, rel=1e-12)
    assert y1["revenue"] == pytest.approx(15417.6, rel=1e-12)
    assert y1["revenue"] == pytest.approx(REV1, rel=1e-12)
    assert y1["cash_costs"] == pytest.approx(2393.544, rel=1e-12)
    assert y1["cash_costs"] == pytest.approx(COSTS1, rel=1e-12)
    assert y1["ebitda"] == pytest.approx(13024.056, rel=1e-12)
    assert y1["replacement_capex"] == pytest.approx(750, rel=1e-12)
    assert y1["tax_depreciation"] == pytest.approx(9200, rel=1e-12)
    assert y1["unlevered_tax"] == pytest.approx(645.55176, rel=1e-9)
    assert y1["cfads"] == pytest.approx(11628.50424, rel=1e-9)
    assert y1["sale_cash"] == pytest.approx(5000, rel=1e-12)
    assert y1["project_cash_flow"] == pytest.approx(16628.50424, rel=1e-9)
    assert y1["debt_service"] == pytest.approx(DS1, rel=1e-9)
    assert y1["opening"] == pytest.approx(CAP1, rel=1e-9)
    assert y1["interest"] == pytest.approx(INT1, rel=1e-9)
    assert y1["principal"] == pytest.approx(DS1 - INT1, rel=1e-9)
    assert y1["closing"] == 0
    assert y1["dscr"] == pytest.approx(1.5, rel=1e-9)
    assert y1["levered_tax"] == pytest.approx(LTAX1, rel=1e-9)
    assert sched.loc[0, "equity_cash_flow"] == pytest.approx(ECF0, rel=1e-9)
    assert sched.loc[0, "equity_invested"] == pytest.approx(CAPEX1 - CAP1, rel=1e-9)  # a row of its own
    assert y1["equity_invested"] == 0
    assert y1["equity_cash_flow"] == pytest.approx(ECF1, rel=1e-9)
    # after the life everything is switched off and shows 0, DSCR nan
    later = sched.loc[2:]
    for col in ["revenue", "cash_costs", "ebitda", "cfads", "sale_cash", "project_cash_flow", "debt_service",
                "equity_cash_flow"]:
        assert (later[col] == 0).all(), col
    assert later["dscr"].isna().all()


# Degenerate and boundary P1 scenarios, one per row (overrides on seed), for the tests that compare the array
# paths (numpy, compiled) with the plain-float path scenario by scenario (test_model_core, test_fused):
# zero debt, the LTV cap, shares 0 and 1, rates 0, lives 1 and 15, a tenor longer than the life, a fractional
# depreciation year, utilization 1, no decline, tax 0 and 1, a high DSCR target, a steep decline, no residual.
P1_DEGENERATE = [
    {"equipment_ltv": 0.0},
    {"equipment_ltv": 1.0, "target_dscr": 1.0},
    {"contracted_share": 0.0},
    {"contracted_share": 1.0, "contract_years": 10, "economic_life_years": 15, "fleet_debt_tenor_years": 15},
    {"base_rate": 0.0, "spread_contracted": 0.0, "spread_uncontracted": 0.0, "equity_share": 1.0,
     "cost_of_equity": 0.0},
    {"economic_life_years": 1, "fleet_debt_tenor_years": 15},
    {"economic_life_years": 15, "depreciation_years": 2.5, "network_life_years": 7.25},
    {"gpu_utilization": 1.0, "market_price_decline_per_year": 0.0},
    {"tax_rate": 0.0},
    {"tax_rate": 1.0},
    {"target_dscr": 1e6},
    {"market_price_decline_per_year": 0.99, "economic_life_years": 15, "contract_years": 1},
    {"residual_base": 0.0, "economic_life_years": 8},
]

# (case, overrides, output, expected by hand)
P1_CASES = [
    ("capex", P1_ONE, "fleet_capex", 27600.0),
    ("debt rate", P1_ONE, "fleet_debt_rate", 0.0755),
    ("debt capacity", P1_ONE, "fleet_debt_capacity", 11628.50424 / 1.5 / 1.0755),
    ("debt = capacity (below LTV)", P1_ONE, "fleet_debt", CAP1),
    ("gearing", P1_ONE, "fleet_gearing", CAP1 / 27600),
    ("sale proceeds", P1_ONE, "fleet_sale_proceeds", 5000.0),
    ("book at sale", P1_ONE, "fleet_book_value_at_sale", 18400.0),
    ("min dscr = target", P1_ONE, "fleet_min_dscr", 1.5),
    ("revenue total", P1_ONE, "fleet_revenue_total", 15417.6),
    ("ebitda margin", P1_ONE, "fleet_ebitda_margin", 13024.056 / 15417.6),
    ("project npv at wacc", P1_ONE, "project_npv", -27600 + 16628.50424 / 1.1566),
    # one period: -27600 + 16628.50424 / (1 + r) = 0
    ("project irr", P1_ONE, "project_irr", 16628.50424 / 27600 - 1),
    ("equity npv at 25%", P1_ONE, "equity_npv", ECF0 + ECF1 / 1.25),
    ("equity irr", P1_ONE, "equity_irr", ECF1 / -ECF0 - 1),
    ("equity multiple", P1_ONE, "equity_multiple", ECF1 / (27600 - CAP1)),
    # no debt (LTV 0): the equity flows are the project flows
    ("no debt: min dscr nan", {**P1_ONE, "equipment_ltv": 0}, "fleet_min_dscr", NAN),
    ("no debt: equity irr = project irr", {**P1_ONE, "equipment_ltv": 0}, "equity_irr", 16628.50424 / 27600 - 1),
    ("no debt: equity multiple", {**P1_ONE, "equipment_ltv": 0}, "equity_multiple", 16628.50424 / 27600),
    # all debt: 15 years fully contracted at DSCR 1 carry well over capex, and LTV 1 caps the loan at capex:
    # nothing invested in year 0, so no equity multiple (and no equity IRR)
    ("all debt: debt = capex", ALL_DEBT, "fleet_debt", 10000 * (25000 + 2600)),
    ("all debt: equity multiple undefined", ALL_DEBT, "equity_multiple", NAN),
    # LTV 0.1 caps the loan: debt 2760, debt service scaled by 2760 / capacity = 2760 * 1.0755
    ("LTV cap: debt = 0.1 * capex", {**P1_ONE, "equipment_ltv": 0.1}, "fleet_debt", 0.1 * 27600),
    ("LTV cap: min dscr above target", {**P1_ONE, "equipment_ltv": 0.1}, "fleet_min_dscr",
     11628.50424 / (2760 * 1.0755)),
    ("LTV cap seed: debt = 0.1 * 276e6", {"equipment_ltv": 0.1}, "fleet_debt", 0.1 * 10000 * (25000 + 2600)),
    # a minimum DSCR above 1e9, the sentinel of years without debt service until session 15 (then 1e15, then 1e300)
    ("LTV 1e-11: min dscr 3.9e10", {**P1_ONE, "equipment_ltv": 1e-11}, "fleet_min_dscr",
     11628.50424 / (27600e-11 * 1.0755)),
    ("LTV 1e-17: min dscr 3.9e16", {**P1_ONE, "equipment_ltv": 1e-17}, "fleet_min_dscr",
     11628.50424 / (27600e-17 * 1.0755)),
    ("target dscr 2e9 (debt at capacity)", {"target_dscr": 2e9}, "fleet_min_dscr", 2e9),
    ("seed capex", {}, "fleet_capex", 10000 * (25000 + 2600)),
    # seed: T = min(3, 3) = 3, the 3-year contract covers it all: 0.083 - 0.5 * 3/3 * 0.015
    ("seed debt rate", {}, "fleet_debt_rate", 0.043 + 0.04 - 0.5 * 0.015),
    # tenor 3, contract 1: lenders credit 1/3 of the spread cut
    ("debt rate, contract covers 1 of 3 years", {"contract_years": 1}, "fleet_debt_rate",
     0.083 - 0.5 * 1 / 3 * 0.015),
    ("debt rate, uncontracted", {"contracted_share": 0}, "fleet_debt_rate", 0.083),
    # sale above book: life 3 = book life 3 (GPU and network fully depreciated), tax 0.21 * proceeds
    ("sale above book: book 0", {"fleet_gpus": 1}, "fleet_book_value_at_sale", 0.0),
    ("sale above book: proceeds", {"fleet_gpus": 1}, "fleet_sale_proceeds", 5000.0),
    # life 2 of 3, bull: book 27600 / 3 = 9200 < proceeds 10000, tax 0.21 * 800
    ("partial gain: book", {"fleet_gpus": 1, "economic_life_years": 2, "residual_case": 1},
     "fleet_book_value_at_sale", 25000 / 3 + 2600 / 3),
]


@pytest.mark.parametrize("case,inputs,output,expected", P1_CASES, ids=[c[0] for c in P1_CASES])
def test_p1(case, inputs, output, expected):
    check(inputs, output, expected)


def test_p1_sale_above_book_pays_tax_on_gain():
    sched = model.project_schedule({"fleet_gpus": 1})
    assert sched.loc[1, "sale_cash"] == 0 and sched.loc[2, "sale_cash"] == 0
    assert sched.loc[3, "sale_cash"] == pytest.approx(5000 - 0.21 * (5000 - 0), rel=1e-12)   # = 3950
    sched = model.project_schedule({"fleet_gpus": 1, "economic_life_years": 2, "residual_case": 1})
    assert sched.loc[2, "sale_cash"] == pytest.approx(10000 - 0.21 * (10000 - 9200), rel=1e-9)   # = 9832


def test_p1_sale_below_book_pays_no_tax_and_gets_no_credit():
    # life 1, book life 3: book 18400 > proceeds 5000; sale cash is the proceeds exactly
    sched = model.project_schedule(P1_ONE)
    assert sched.loc[1, "sale_cash"] == 5000.0
    res = model.evaluate({**P1_ONE, "fleet_gpus": 7})
    assert res["fleet_book_value_at_sale"] == pytest.approx(7 * (25000 * 2 / 3 + 2600 * 2 / 3), rel=1e-12)
    assert res["fleet_sale_proceeds"] == pytest.approx(7 * 5000, rel=1e-12)


def test_p1_two_sign_changes_irr_is_nan():
    # life 2, contract 1, all contracted, market falls 99%, no residual. Year 1: revenue 8760 * 1.32 = 11563.2,
    # EBITDA 11563.2 - 2393.544 = 9169.656, replacement 750, taxable 9169.656 - 750 - 9200 < 0 -> no tax,
    # CFADS 8419.656. Year 2: revenue 8760 * 2.2 * 0.01 = 192.72, EBITDA -2200.824, replacement 750 * 0.01 = 7.5,
    # CFADS -2208.324. Flows -27600, +8419.656, -2208.324: two sign changes.
    inputs = {"fleet_gpus": 1, "economic_life_years": 2, "contract_years": 1, "contracted_share": 1,
              "market_price_decline_per_year": 0.99, "residual_base": 0}
    sched = model.project_schedule(inputs)
    assert sched.loc[1, "project_cash_flow"] == pytest.approx(8760 * 1.32 - 2393.544 - 750, rel=1e-9)
    assert sched.loc[2, "project_cash_flow"] == pytest.approx(8760 * 2.2 * 0.01 - 2393.544 - 750 * 0.01, rel=1e-9)
    res = model.evaluate(inputs)
    assert math.isnan(res["project_irr"])
    assert res["project_npv"] == pytest.approx(-27600 + 8419.656 / 1.1566 - 2208.324 / 1.1566 ** 2, rel=1e-9)
    # T = min(3, 2) = 2, the 1-year contract covers half of it: 0.083 - 1 * 1/2 * 0.015
    assert res["fleet_debt_rate"] == pytest.approx(0.083 - 0.0075, rel=1e-12)
    # year 2 has no CFADS, so no debt service and no DSCR; year 1 is at the target
    assert res["fleet_debt_capacity"] == pytest.approx(8419.656 / 1.5 / 1.0755, rel=1e-9)
    assert res["fleet_min_dscr"] == pytest.approx(1.5, rel=1e-9)


def test_irr_textbook():
    from model.finance import irr
    # -100 + 60/x + 60/x^2 = 0 with x = 1 + r: 100 x^2 - 60 x - 60 = 0, x = (60 + sqrt(60^2 + 4*100*60)) / (2*100)
    expected = (60 + math.sqrt(60 ** 2 + 4 * 100 * 60)) / (2 * 100) - 1
    assert expected == pytest.approx(0.130662386, rel=1e-8)
    assert irr([-100.0, 60.0, 60.0], 1) == pytest.approx(expected, rel=1e-9)
    # one period: -100 + 110 / (1 + r) = 0 -> r = 0.1
    assert irr([-100.0, 110.0], 1) == pytest.approx(0.1, rel=1e-9)
    # -100, +230, -132 changes sign twice (roots 10% and 20%): undefined
    assert math.isnan(irr([-100.0, 230.0, -132.0], 2))


# The workbook's IRR search row (its last guess): a bisection on z = 1/(2 + r) from z = 1/2, a step of 2^−(t+2) in
# year column t, down when NPV at the current rate has the last flow's sign. Flows −1, +2: r = 1, z = 1/3 =
# 0.010101…b, so z runs 1/4, 3/8, 5/16, 11/32, 21/64 and r = 1/z − 2 runs 2, 2/3, 6/5, 10/11, 22/21.
# Flows −1, 0, +1 (r = 0 exactly, z = 1/2): NPV(0) = 0 is not the last flow's sign, so z rises to 3/4 first, then
# falls back towards 1/2. No flows at all: NPV is 0 everywhere, z climbs towards 1 (the IRR is #N/A anyway).
SEARCH_CASES = [
    # flows,             last sign, first five r_t
    ([-1.0, 2.0],        1.0,       [2.0, 2 / 3, 6 / 5, 10 / 11, 22 / 21]),
    ([2.0, -1.0],        -1.0,      [-2 / 3, -2 / 5, -6 / 11, -10 / 21, -22 / 43]),  # r = −1/2: z = 2/3 = 0.1010…b
    ([-1.0, 0.0, 1.0],   1.0,       [-2 / 3, -2 / 5, -2 / 9, -2 / 17, -2 / 33]),  # z 3/4, 5/8, 9/16, … → 1/2
    ([0.0] * 5,          0.0,       [1 / (3 / 4) - 2, 1 / (7 / 8) - 2, 1 / (15 / 16) - 2, 1 / (31 / 32) - 2,
                                     1 / (63 / 64) - 2]),
]


@pytest.mark.parametrize("flows, last, first", SEARCH_CASES)
def test_irr_search_row_by_hand(flows, last, first):
    import numpy as np

    from model.finance import irr_search

    padded = flows + [0.0] * (16 - len(flows))
    got = irr_search(padded, last)
    assert got[:5] == pytest.approx(first, rel=1e-12)
    arrays = irr_search([np.array([cf, cf]) for cf in padded], np.array([last, last]))
    assert [float(a[1]) for a in arrays] == got  # arrays: the same bits


def test_irr_search_ends_within_two_to_the_minus_17_of_the_root():
    from model.finance import irr_search

    # −100 + 60/(1 + r) + 60/(1 + r)^2 = 0: r = 0.130662386 (test_irr_textbook); z = 1/(2 + r)
    r = (60 + math.sqrt(60 ** 2 + 4 * 100 * 60)) / (2 * 100) - 1
    last = irr_search([-100.0, 60.0, 60.0] + [0.0] * 13, 1.0)[-1]
    assert abs(1 / (2 + last) - 1 / (2 + r)) <= 2 ** -17


@pytest.mark.parametrize("years", [128, 129, 300])
def test_irr_long_annuity_arrays_and_floats(years):
    """A perpetuity-like annuity: -100 now, then 5 a year for years-1 years; r solves 100 = 5·(1 − (1+r)^−(n)) / r
    with n = years − 1, close to 5% (the perpetuity) and below it. The array path read the last year in int8 and
    stopped at year 127."""
    import numpy as np

    from model.finance import irr

    n = years - 1

    def npv(r):
        return -100.0 + 5.0 * (1 - (1 + r) ** -n) / r

    lo, hi = 0.01, 0.05  # npv(lo) > 0 > npv(hi): bisection by hand, independent of model.finance
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if npv(mid) > 0 else (lo, mid)
    flows = [-100.0] + [5.0] * n
    assert irr(flows, 1) == pytest.approx(lo, abs=1e-9)
    got = irr([np.array([f, f]) for f in flows], np.array([1, 1]))
    assert got == pytest.approx([lo, lo], abs=1e-9)


def test_only_documented_outputs_are_nan_at_seed():
    res = model.evaluate()
    assert not [k for k, v in res.items() if math.isnan(v)]


@pytest.mark.parametrize("years", [1.0, 11.0, 15.0])
@pytest.mark.parametrize("rate", [1e-9, 1.0000001e-9, 3e-8, 1e-6, 0.08, 5.0])
def test_crf_and_annuity_factor_to_every_digit(rate, years):
    # r / (1 − (1 + r)^−n) and its inverse in 60-digit decimal arithmetic. Just above the switch at 1e-9 the
    # formula written as it reads keeps ~8 digits (1 − (1 + r)^−n cancels); one scenario and an array keep all
    from model.lines.buy_rent import annuity_factor, crf

    D = decimal.Decimal
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        one_minus = 1 - (1 + D(rate)) ** -D(years)
        want = {crf: float(D(rate) / one_minus), annuity_factor: float(one_minus / D(rate))}
    for f, expected in want.items():
        for got in (f(rate, years), float(f(np.array([rate]), np.array([years]))[0])):
            assert abs(got - expected) <= 2e-15 * expected, (f.__name__, got, expected)  # a few ulps


def test_levelized_rent_one_scenario_as_in_an_array_near_the_switch():
    # wacc from 1.1e-9 to 1e-7 (cost of equity 0, a sliver of debt): the levelized rent of each scenario alone and
    # in an array agree to rounding (they differed by up to 1e-8 while the CRF cancelled)
    debt_cost = np.geomspace(0.0184, 1.67, 40)
    x = {"equity_share": 0.99999, "cost_of_equity": 0.0, "tax_rate": 0.994, "economic_life_years": 13.0}
    names = ["rent_levelized_per_gpu_hour", "economic_cost_per_hour", "wacc"]
    arr = model.evaluate({**x, "cost_of_debt": debt_cost}, outputs=names)
    assert 1e-9 < arr["wacc"].min() < 1.2e-9 and 9e-8 < arr["wacc"].max() < 1.1e-7
    for i, c in enumerate(debt_cost):
        one = model.evaluate({**x, "cost_of_debt": float(c)}, outputs=names)
        for name in names:
            assert abs(arr[name][i] - one[name]) <= 1e-14 * abs(one[name]), (name, one["wacc"])


# depreciation shares by year, by hand: book lives 2.5 (GPU) and 4 (network) years inside a 5-year life:
# 1 within the book life, the half year in year 3, 0 after it and in years 0 and 6 (outside the life)
DEP_CASE = {"economic_life_years": 5, "depreciation_years": 2.5, "network_life_years": 4}
GPU_SHARES = [0, 1, 1, 0.5, 0, 0, 0]
NET_SHARES = [0, 1, 1, 1, 1, 0, 0]


def test_depreciation_shares_of_the_year_by_hand():
    base = model.resolve_inputs(DEP_CASE)
    sched = model.project_schedule(DEP_CASE)
    assert sched["gpu_depreciation_share"].tolist()[:7] == GPU_SHARES
    assert sched["network_depreciation_share"].tolist()[:7] == NET_SHARES
    fleet, gpu, net = base["fleet_gpus"], base["gpu_price"], base["network_capex_per_gpu"]
    assert sched.loc[3, "tax_depreciation"] == pytest.approx(fleet * (gpu * 0.5 / 2.5 + net / 4), rel=1e-15)
    assert sched.loc[5, "tax_depreciation"] == 0
    # the same rows on arrays (two scenarios: this one, and one with a 3-year GPU book life)
    from model import graph
    from model.registry import BLOCKS

    values = model.resolve_inputs({**DEP_CASE, "depreciation_years": np.array([2.5, 3.0])})
    ctx = graph.context(values, until="fleet_operations")
    node = BLOCKS["fleet_operations"]
    rows = node.func(*(ctx[p] for p in node.params), keep_rows=True)
    assert [float(v[0]) for v in rows["gpu_depreciation_share"]][:7] == GPU_SHARES
    assert [float(v[1]) for v in rows["gpu_depreciation_share"]][:7] == [0, 1, 1, 1, 0, 0, 0]
    assert [float(v[0]) for v in rows["network_depreciation_share"]][:7] == NET_SHARES
    assert float(rows["tax_depreciation"][3][0]) == pytest.approx(fleet * (gpu * 0.5 / 2.5 + net / 4), rel=1e-15)
