"""Every input of MODEL.md: name, domain, unit, label, description.

The seed values live in one place, the bundled `seed` template (with their sources);
`load_seed_defaults` below copies them into the registry.
"""

from .registry import INPUTS, add_inputs

add_inputs("D1", [
    ("gpu_price", ">0", "$", "GPU price incl. server share", "Purchase price of one GPU including its share of the server"),
    ("depreciation_years", ">0", "years", "Depreciation life", "Straight-line depreciation life of the GPU"),
    ("gpu_power_kw", "≥0", "kW", "GPU power draw", "IT power per GPU under load, including its share of the server"),
    ("pue", "≥1", "×", "PUE", "Power usage effectiveness of the facility"),
    ("power_price_kwh", "≥0", "$/kWh", "Electricity price", "Price of electricity paid by the operator"),
    ("dc_rate_kw_month", "≥0", "$/kW/month", "Data center rate", "Facility cost excluding energy, per kW of IT load per month"),
    ("network_capex_per_gpu", "≥0", "$", "Network capex per GPU", "Networking and storage capital spend per GPU"),
    ("network_life_years", ">0", "years", "Network amortisation life", "Years over which network capex is amortised"),
    ("ops_per_gpu_hour", "≥0", "$/GPU-h", "Operations per GPU-hour", "Operations and platform cost per GPU-hour"),
    ("rental_price_per_gpu_hour", ">0", "$/GPU-h", "Market GPU-hour price", "Market price of a GPU-hour today: what the operator sells at and a buyer would rent at"),
    ("gpu_utilization", "(0,1]", "%", "GPU utilization", "Share of hours sold"),
    ("fleet_gpus", "≥1", "GPUs", "Fleet size", "Number of GPUs in the fleet"),
    ("annual_failure_rate", "[0,1]", "%/yr", "Annual failure rate", "GPU failures per GPU-year"),
])

add_inputs("D2", [
    ("model_params_b", ">0", "B params", "Model size", "Model size in billions of parameters"),
    ("bytes_per_param", ">0", "bytes", "Bytes per parameter", "2 for FP16/BF16, 1 for FP8, 0.5 for INT4"),
    ("hbm_capacity_gb", ">0", "GB", "HBM capacity", "Memory per GPU"),
    ("hbm_usable_fraction", "(0,1]", "%", "Usable HBM for weights", "Share of memory usable for weights when sizing a replica"),
    ("hbm_bandwidth_tb_s", ">0", "TB/s", "HBM bandwidth", "Memory bandwidth per GPU"),
    ("memory_efficiency", "(0,1]", "%", "Memory efficiency", "Achieved share of memory bandwidth"),
    ("peak_tflops", ">0", "TFLOP/s", "Peak compute", "Dense BF16 peak per GPU"),
    ("mfu", "(0,1]", "%", "Model FLOP utilization", "Achieved share of peak compute"),
    ("batch_size", "integer 1..4096", "sequences", "Batch size", "Concurrent sequences the server is configured for"),
    ("gpus_per_node", "integer 1..64", "GPUs", "GPUs per node", "GPUs in one server; a replica uses a power of two of GPUs within a node, whole nodes beyond"),
    ("kv_gb_per_sequence", ">0", "GB", "KV cache per sequence", "KV cache per sequence at average context"),
    ("optimization_multiplier", ">0", "×", "Optimization multiplier", "Serving-stack speed-up applied to roofline estimates (not to a measured figure)"),
    ("measured_decode_tokens_per_sec", "≥0", "tokens/s", "Measured decode rate", "Measured decode tokens/s per replica; 0 uses the roofline estimate"),
    ("serving_utilization", "(0,1]", "%", "Serving utilization", "Share of replica time doing useful work"),
    ("input_tokens_per_output_token", "≥0", "ratio", "Input per output token", "Prompt tokens per completion token"),
    ("reasoning_tokens_per_output_token", "≥0", "ratio", "Reasoning per output token", "Hidden reasoning tokens per visible output token"),
])

add_inputs("D3", [
    ("price_input_per_m", "≥0", "$/M tokens", "List price, input", "List price per million input tokens"),
    ("price_output_per_m", ">0", "$/M tokens", "List price, output", "List price per million output tokens"),
    ("cached_input_share", "[0,1]", "%", "Cached input share", "Share of input tokens served from prefix cache"),
    ("cached_input_discount", "[0,1]", "%", "Cached input discount", "Discount on cached input tokens"),
    ("share_hobbyist", "[0,1]", "%", "Volume share: hobbyist", "Token volume share of the hobbyist segment"),
    ("share_growth", "[0,1]", "%", "Volume share: growth", "Token volume share of the growth segment"),
    ("share_enterprise", "[0,1]", "%", "Volume share: enterprise", "Token volume share of the enterprise segment"),
    ("share_batch", "[0,1]", "%", "Volume share: batch", "Token volume share of the batch segment"),
    ("price_factor_hobbyist", "≥0", "×", "Price factor: hobbyist", "Realised / list price for hobbyists (free tier)"),
    ("price_factor_growth", "≥0", "×", "Price factor: growth", "Realised / list price for growth customers"),
    ("enterprise_discount", "[0,1]", "%", "Enterprise discount", "Discount on token prices for the enterprise segment"),
    ("reserved_discount", "[0,1]", "%", "Reserved discount", "Discount of a reserved GPU-hour contract below the market price"),
    ("batch_discount", "[0,1]", "%", "Batch discount", "Discount for the batch segment"),
    ("contract_years", "integer 1..10", "years", "Reserved contract term", "Term of the reserved contract"),
    ("market_price_decline_per_year", "[0,0.99]", "%/yr", "Market price decline", "Yearly fall of the market GPU-hour price"),
    ("price_then_per_m", ">0", "$/M tokens", "Price then", "Earlier observed price of a capability"),
    ("price_now_per_m", ">0", "$/M tokens", "Price now", "Later observed price of the same capability"),
    ("price_decline_years", "≥0.1", "years", "Years between prices", "Years between the two observed prices"),
])

add_inputs("E1", [
    ("customers", "≥1", "customers", "Customers pooled", "Customers pooled on one fleet"),
    ("demand_cv", "≥0", "ratio", "Demand CV", "Each customer's demand standard deviation / mean"),
    ("service_z", "≥0", "σ", "Service headroom z", "Headroom in standard deviations (2.33 ≈ 99% of peaks served)"),
    ("demand_correlation", "[0,1]", "ratio", "Demand correlation", "Pairwise correlation of customers' demand"),
])

add_inputs("E2", [
    ("economic_life_years", "integer 1..15", "years", "Economic life", "Years a GPU earns before it is sold at its residual value"),
    ("residual_bull", "[0,1]", "%", "Residual, bull", "Resale value at end of life / price, bull case"),
    ("residual_base", "[0,1]", "%", "Residual, base", "Resale value at end of life / price, base case"),
    ("residual_bear", "[0,1]", "%", "Residual, bear", "Resale value at end of life / price, bear case"),
    ("residual_case", "integer 1..3", "case", "Residual case", "Live residual case: 1 bull, 2 base, 3 bear"),
    ("demand_mean_gpus", "≥0", "GPUs", "Demand mean", "Mean GPU demand (normally distributed)"),
    ("demand_sd_gpus", "≥0", "GPUs", "Demand standard deviation", "Standard deviation of GPU demand"),
])

add_inputs("E3", [
    ("facility_it_mw", "≥0", "MW", "Facility IT load", "IT load of the facility"),
    ("grid_power_price_kwh", "≥0", "$/kWh", "Grid power price", "Grid electricity price"),
    ("own_power_price_kwh", "≥0", "$/kWh", "Own power price", "The operator's own (e.g. stranded) energy price"),
    ("facility_price_kw_month", ">0", "$/kW/month", "Colocation price", "Colocation price per kW per month, energy included"),
    ("pue_air", "≥1", "×", "PUE, air cooled", "PUE with air cooling"),
    ("pue_liquid", "≥1", "×", "PUE, liquid cooled", "PUE with liquid cooling"),
    ("pue_improvement", "≥0", "ratio", "PUE improvement", "A PUE reduction to value (1.4 to 1.3: 0.1)"),
    ("rack_kw_legacy", ">0", "kW/rack", "Rack power, legacy", "Power per legacy rack"),
    ("rack_kw_h100", "≥0", "kW/rack", "Rack power, H100", "Power per H100 rack"),
    ("rack_kw_nvl72", "≥0", "kW/rack", "Rack power, NVL72", "Power per GB200 NVL72 rack"),
    ("redundancy_factor", "≥1", "×", "Redundancy factor", "Built / provisioned power (2 = 2N)"),
])

add_inputs("F1", [
    ("cost_of_debt", "(0,2]", "%", "Cost of debt", "Pre-tax interest rate"),
    ("cost_of_equity", "[0,2]", "%", "Cost of equity", "Required return on equity"),
    ("tax_rate", "[0,1]", "%", "Tax rate", "Corporate tax rate"),
    ("debt_amount", "≥0", "$", "Debt outstanding", "Debt outstanding"),
    ("equity_share", "[0,1]", "%", "Equity share", "Equity / (debt + equity) of the operator; sets wacc, the operator's hurdle rate"),
    ("financing_amount", "≥0", "$", "Debt-financed purchase", "A purchase financed with debt"),
    ("rate_shock_bps", "≥0", "bps", "Rate shock", "A rise in interest rates"),
])

add_inputs("F2", [
    ("cfads_uncontracted", ">0", "$/yr", "CFADS, uncontracted", "Cash flow available for debt service underwritten without a contract"),
    ("cfads_contracted", ">0", "$/yr", "CFADS, contracted", "Cash flow available for debt service underwritten with a long contract"),
    ("target_dscr", "≥1", "×", "Target DSCR", "Lender's minimum CFADS / debt service"),
    ("base_rate", "[0,1]", "%", "Base rate (SOFR)", "Floating base rate"),
    ("spread_uncontracted", "[0,1]", "%", "Spread, uncontracted", "Credit spread without a contract"),
    ("spread_contracted", "[0,1]", "%", "Spread, contracted", "Credit spread with a contract"),
    ("tenor_uncontracted_years", "integer 1..30", "years", "Tenor, uncontracted", "Loan term without a contract"),
    ("tenor_contracted_years", "integer 1..30", "years", "Tenor, contracted", "Loan term with a contract"),
    ("cfads_growth", "[-0.5,1]", "%/yr", "CFADS growth", "Yearly growth of contracted CFADS (for sculpting)"),
])

STAGES = ("series_a", "series_b", "series_cd", "pre_ipo", "public")
_STAGE_LABEL = {"series_a": "Series A", "series_b": "Series B", "series_cd": "Series C/D",
                "pre_ipo": "Pre-IPO", "public": "Public"}

add_inputs("F3", [
    *[(f"coe_{s}", "≥0", "%", f"Cost of equity, {_STAGE_LABEL[s]}", f"Cost of equity at {_STAGE_LABEL[s]}")
      for s in STAGES],
    *[(f"cod_{s}", "≥0", "%", f"Cost of debt, {_STAGE_LABEL[s]}", f"Cost of debt at {_STAGE_LABEL[s]}")
      for s in STAGES],
    *[(f"equity_share_{s}", "[0,1]", "%", f"Equity share, {_STAGE_LABEL[s]}", f"Equity share of capital at {_STAGE_LABEL[s]}")
      for s in STAGES],
    ("last_equity_round", "≥0", "$", "Last equity round", "Size of the last equity round"),
    ("venture_debt_fraction", "[0,1]", "%", "Venture debt fraction", "Venture debt as a share of the last round"),
    ("gpu_purchase_amount", "≥0", "$", "GPU purchase", "GPU purchase to finance"),
    ("equipment_ltv", "[0,1]", "%", "Equipment LTV", "Loan-to-value of equipment financing"),
    ("project_debt", "≥0", "$", "Project debt", "Debt of a project-financed campus"),
    ("project_equity", ">0", "$", "Project equity", "Equity of a project-financed campus"),
])

STAGE_LABELS = _STAGE_LABEL

add_inputs("P1", [
    ("contracted_share", "[0,1]", "%", "Contracted share", "Share of the fleet sold on take-or-pay reserved contracts for the first contract_years"),
    ("fleet_debt_tenor_years", "integer 1..15", "years", "Fleet debt tenor", "Tenor of the fleet's debt (capped at economic_life_years)"),
])


def load_seed_defaults() -> None:
    """Each input's default is its value in the bundled seed template (read raw: validation needs
    the registry complete first); a seed that misses an input is a packaging error."""
    import tomllib
    from importlib.resources import files

    raw = tomllib.loads((files("model") / "bundled_templates" / "seed.toml").read_text(encoding="utf-8"))["inputs"]
    missing = [n for n in INPUTS if n not in raw]
    if missing:
        raise RuntimeError(f"bundled seed template lacks inputs {missing}")
    for name, spec in INPUTS.items():
        entry = raw[name]
        spec.default = float(entry["value"] if isinstance(entry, dict) else entry)


load_seed_defaults()
