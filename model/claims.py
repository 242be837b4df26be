"""Audit of the source document's numeric claims (C01–C48 of MODEL.md).

Each claim is evaluated in one or more override cases; "≈ X" holds when
|value / X − 1| ≤ 5%, a range [lo, hi] when 0.98·lo ≤ value ≤ 1.02·hi, and a
claim with several cases holds only when every case does.

Where a claim fails, the audit solves for the value of one input, chosen per claim
(the `solve` column below, the lever an analyst would question first), at which the
failing case would hold: for "≈ X" the value that makes the output equal X; for a
range, the value that brings it to the nearer bound. Integer inputs are searched over
their integers (the smallest change that makes the claim hold).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from .core import evaluate
from .registry import INPUTS, OUTPUTS

APPROX_TOL = 0.05
RANGE_LO, RANGE_HI = 0.98, 1.02


@dataclass(frozen=True)
class Claim:
    id: str
    section: str
    kind: str  # arithmetic | calibrated | model
    text: str
    output: str
    stated: float | tuple[float, float]
    cases: tuple[tuple[str, dict], ...]  # (template, overrides)
    solve: str  # the input solved for when the claim fails


SEED: tuple[tuple[str, dict], ...] = (("seed", {}),)
# The source's own E2 figures (MODEL.md): a $28K GPU over 5 years rented at $2.50, and $0.1886/h of operations that
# makes its "$1.10/h fully loaded" out of the D1 stack; WACC12 is capital at exactly 12%.
SRC_E2 = {"gpu_price": 28000, "depreciation_years": 5, "rental_price_per_gpu_hour": 2.50, "ops_per_gpu_hour": 0.1886}
WACC12 = {"equity_share": 1, "cost_of_equity": 0.12}
CW: tuple[tuple[str, dict], ...] = (("coreweave", {}),)


def _c(id_, section, kind, text, output, stated, solve, cases=SEED):
    return Claim(id_, section, kind, text, output, stated, tuple(cases), solve)


# id, section, kind, claim, output, stated (≈ X or (lo, hi)), input solved for on failure, cases
CLAIMS: tuple[Claim, ...] = (
    _c("C01", "D1", "calibrated", "first operator's cost ≈ $1.33/GPU-h", "total_cost_per_gpu_hour", 1.33, "gpu_price"),
    _c("C02", "D1", "calibrated", "first operator's gross margin ≈ 40%", "rental_gross_margin", 0.40,
       "rental_price_per_gpu_hour"),
    _c("C03", "D1", "calibrated", "second operator's cost ≈ $1.64/GPU-h", "total_cost_per_gpu_hour", 1.64,
       "gpu_price", CW),
    _c("C04", "D1", "arithmetic", "second operator's gross margin ≈ 34%", "rental_gross_margin", 0.34,
       "rental_price_per_gpu_hour", CW),
    _c("C05", "D1", "arithmetic", "700 W at $0.10/kWh ≈ $0.07/h", "power_per_gpu_hour", 0.07, "gpu_power_kw",
       [("seed", {"pue": 1, "power_price_kwh": 0.10})]),
    _c("C06", "D1", "arithmetic", "10,000 such GPUs ≈ $6.1M/yr", "fleet_annual_power_cost", 6.1e6, "fleet_gpus",
       [("seed", {"pue": 1, "power_price_kwh": 0.10})]),
    _c("C07", "D1", "arithmetic", "10,000 GPUs at 2–5% fail 200–500 a year", "expected_failures_per_year",
       (200, 500), "fleet_gpus",
       [("seed", {"annual_failure_rate": 0.02}), ("seed", {"annual_failure_rate": 0.05})]),
    _c("C08", "E2", "arithmetic", "$25K over 3 years ≈ $0.95/h", "capex_per_gpu_hour", 0.95, "gpu_price"),
    _c("C09", "E2", "arithmetic", "over 5 years ≈ $0.57/h", "capex_per_gpu_hour", 0.57, "gpu_price",
       [("seed", {"depreciation_years": 5})]),
    _c("C10", "D2", "model", "8B costs $0.03–0.05 per M tokens", "cost_per_m_output_tokens", (0.03, 0.05),
       "optimization_multiplier"),
    _c("C11", "D2", "model", "405B costs $0.50–1.00 per M tokens", "cost_per_m_output_tokens", (0.50, 1.00),
       "optimization_multiplier",
       [("seed", {"model_params_b": 405, "kv_gb_per_sequence": 0.53, "batch_size": 16})]),
    _c("C12", "D2", "arithmetic", "8B reads ≈ 16 GB of weights per token", "weight_gb", 16, "bytes_per_param"),
    _c("C13", "D2", "arithmetic", "405B reads ≈ 810 GB", "weight_gb", 810, "bytes_per_param",
       [("seed", {"model_params_b": 405})]),
    _c("C14", "D2", "model", "405B needs 8–16 GPUs", "gpus_per_replica", (8, 16), "hbm_capacity_gb",
       [("seed", {"model_params_b": 405})]),
    _c("C15", "D3", "model", "output tokens cost 2–4× input tokens", "output_input_cost_ratio", (2, 4), "mfu"),
    _c("C16", "D3", "arithmetic", "$20 → $0.40 is ≈ 50×", "price_decline_total_factor", 50, "price_now_per_m"),
    _c("C17", "E1", "calibrated", "managed inference gross margin 55–70%", "managed_gross_margin", (0.55, 0.70),
       "price_output_per_m"),
    _c("C18", "E1", "calibrated", "pooling reaches 80–90% utilization", "pooled_utilization", (0.80, 0.90),
       "customers"),
    _c("C19", "E2", "calibrated", "breakeven ≈ 44% before cost of capital", "breakeven_utilization", 0.44,
       "ops_per_gpu_hour", [("seed", SRC_E2)]),
    _c("C20", "E2", "calibrated", "≈ 59% after a 12% WACC", "breakeven_utilization_wacc", 0.59, "cost_of_equity",
       [("seed", {**SRC_E2, **WACC12})]),
    _c("C21", "E2", "calibrated", "≈ 76% when funded entirely with equity at 25%", "breakeven_utilization_wacc",
       0.76, "cost_of_equity", [("seed", {**SRC_E2, "equity_share": 1, "cost_of_equity": 0.25})]),
    _c("C22", "E2", "arithmetic", "12% on $28K ≈ $3,360/yr", "annual_capital_charge", 3360, "cost_of_equity",
       [("seed", {"gpu_price": 28000, **WACC12})]),
    _c("C23", "E2", "arithmetic", "that adds ≈ $0.38/h", "capital_charge_per_hour", 0.38, "cost_of_equity",
       [("seed", {"gpu_price": 28000, **WACC12})]),
    _c("C24", "E2", "calibrated", "fully loaded ≈ $1.48/h", "cost_per_hour_with_capital", 1.48,
       "ops_per_gpu_hour", [("seed", {**SRC_E2, **WACC12})]),
    _c("C25", "E2", "arithmetic", "bull residual ≈ $11K", "residual_value_bull", 11000, "residual_bull",
       [("seed", {"gpu_price": 28000})]),
    _c("C26", "E2", "arithmetic", "base residual ≈ $5.5K", "residual_value_base", 5500, "residual_base",
       [("seed", {"gpu_price": 28000})]),
    _c("C27", "E2", "arithmetic", "bear residual ≈ $1.4K", "residual_value_bear", 1400, "residual_bear",
       [("seed", {"gpu_price": 28000})]),
    _c("C28", "E3", "arithmetic", "1 kW for a month at $0.10 ≈ $72", "electricity_cost_per_kw_month_grid", 72,
       "grid_power_price_kwh"),
    _c("C29", "E3", "arithmetic", "at $0.03 ≈ $22", "electricity_cost_per_kw_month_own", 22, "own_power_price_kwh"),
    _c("C30", "E3", "arithmetic", "advantage ≈ $50/kW/month", "energy_advantage_per_kw_month", 50,
       "own_power_price_kwh"),
    _c("C31", "E3", "arithmetic", "≈ $60M/yr at 100 MW", "annual_energy_savings", 60e6, "facility_it_mw"),
    _c("C32", "E3", "arithmetic", "power is nearly half of $150/kW/month: 45–50%", "power_share_of_facility_price",
       (0.45, 0.50), "facility_price_kw_month"),
    _c("C33", "D1", "arithmetic", "0.1 PUE at 100 MW saves ≈ $600K/yr", "pue_improvement_annual_savings", 600e3,
       "grid_power_price_kwh"),
    _c("C34", "E3", "arithmetic", "air vs liquid at 100 MW ≈ 30 MW extra", "cooling_overhead_mw_difference", 30,
       "pue_air"),
    _c("C35", "E3", "arithmetic", "… ≈ $15M/yr at grid rates", "annual_cooling_cost_difference", 15e6,
       "grid_power_price_kwh"),
    _c("C36", "E3", "arithmetic", "2N: 100 provisioned ≈ 200 built", "built_power_mw", 200, "redundancy_factor"),
    _c("C37", "F1", "arithmetic", "8% after 21% tax ≈ 6.3%", "after_tax_cost_of_debt", 0.063, "tax_rate"),
    _c("C38", "F1", "arithmetic", "$5B at 8% shields ≈ $84M/yr", "annual_tax_shield", 84e6, "tax_rate"),
    _c("C39", "F1", "arithmetic", "equity costs 3–4× debt", "equity_debt_cost_ratio", (3, 4), "cost_of_equity"),
    _c("C40", "E2", "arithmetic", "300–400 bps on $1B costs $30–40M/yr", "rate_shock_annual_cost", (30e6, 40e6),
       "financing_amount",
       [("seed", {"rate_shock_bps": 300}), ("seed", {"rate_shock_bps": 400})]),
    _c("C41", "F2", "arithmetic", "$150M CFADS at 1.5× ≈ $100M/yr debt service", "max_debt_service_uncontracted",
       100e6, "target_dscr"),
    _c("C42", "F2", "model", "… supports $1.0–1.5B of debt", "debt_capacity_uncontracted", (1.0e9, 1.5e9),
       "tenor_uncontracted_years"),
    _c("C43", "F2", "arithmetic", "$400M CFADS ≈ $267M/yr debt service", "max_debt_service_contracted", 267e6,
       "target_dscr"),
    _c("C44", "F2", "model", "… supports $3–4B of debt", "debt_capacity_contracted", (3e9, 4e9),
       "tenor_contracted_years"),
    _c("C45", "F2", "model", "contracts give 3–4× debt capacity", "debt_capacity_ratio", (3, 4),
       "tenor_contracted_years"),
    _c("C46", "F2", "arithmetic", "150 bps on $5B ≈ $75M/yr", "interest_savings_contracted", 75e6,
       "spread_contracted"),
    _c("C47", "D3", "arithmetic", "frontier prices fall ≈ 10× a year", "price_decline_annual_factor", 10,
       "price_decline_years"),
    _c("C48", "E2", "calibrated", "buying costs ≈ $1.10/h fully loaded", "total_cost_per_gpu_hour", 1.10,
       "ops_per_gpu_hour", [("seed", SRC_E2)]),
)

# Claims that fail because the source's own numbers do not combine to what it states: the audit says so in words.
SOURCE_DISAGREES: dict[str, str] = {
    "C04": "its $1.64/GPU-h cost at its $2.20 price is a 25.5% margin, not 34%",
    "C33": "0.1 of PUE at 100 MW is 10 MW, 87,600 MWh a year: about $8.8M at $0.10/kWh, not $600K",
    "C35": "30 MW for a year at $0.10/kWh is about $26M, not $15M",
    "C42": "$100M a year of debt service over its 5-year tenor at 8.3% repays about $0.40B, not $1.0–1.5B",
    "C44": "$267M a year of debt service over its 12-year tenor at 6.8% repays about $2.1B, not $3–4B",
    "C47": "its 50× fall in 2.5 years is about 4.8× a year, not 10×",
}


def holds(value: float, stated: float | tuple[float, float]) -> bool:
    """The verdict rule of MODEL.md."""
    if value is None or not np.isfinite(value):
        return False
    if isinstance(stated, tuple):
        lo, hi = stated
        return RANGE_LO * lo <= value <= RANGE_HI * hi
    return abs(value / stated - 1) <= APPROX_TOL


def _target(value: float, stated) -> float:
    if isinstance(stated, tuple):
        lo, hi = stated
        return lo if value < lo else hi
    return float(stated)


def _value(claim: Claim, template: str, overrides: dict, x: float | None = None) -> float:
    inputs = dict(overrides)
    if x is not None:
        inputs[claim.solve] = x
    return float(evaluate(inputs, template)[claim.output])


def _solve(claim: Claim, template: str, overrides: dict, value: float) -> float | None:
    """The value of claim.solve at which this case holds; None if none is found in the input's domain."""
    spec = INPUTS[claim.solve]
    dom = spec.domain
    base = float(overrides.get(claim.solve, _value_of_input(template, claim.solve)))

    def safe(x: float) -> float | None:
        try:
            return _value(claim, template, overrides, x)
        except ValueError:  # outside a domain or the model no longer fits
            return None

    if dom.integer:
        lo, hi = int(dom.lo), int(dom.hi)
        for step in range(0, hi - lo + 1):
            for x in (base - step, base + step):
                if lo <= x <= hi:
                    v = safe(float(x))
                    if v is not None and holds(v, claim.stated):
                        return float(x)
        return None
    target = _target(value, claim.stated)
    grid = [base * f for f in np.geomspace(1e-4, 1e4, 161)] if base > 0 else list(np.linspace(0, 10, 201))
    if dom.lo is not None:
        grid.append(dom.lo + (1e-9 if dom.lo_open else 0.0))
    if dom.hi is not None:
        grid.append(dom.hi - (1e-9 if dom.hi_open else 0.0))
    grid = sorted({x for x in grid if not dom.violations(np.asarray(x))})
    # bracket the root nearest the current value
    points = [(x, safe(x)) for x in grid]
    points = [(x, v - target) for x, v in points if v is not None and np.isfinite(v)]
    best = None
    for (x0, f0), (x1, f1) in zip(points, points[1:]):
        if f0 == 0:
            cand = x0
        elif f0 * f1 < 0:
            cand = brentq(lambda x: _value(claim, template, overrides, x) - target, x0, x1, xtol=1e-12, rtol=1e-12)
        else:
            continue
        if best is None or abs(cand - base) < abs(best - base):
            best = cand
    if best is not None and not holds(_value(claim, template, overrides, best), claim.stated):
        # a step function (integer outputs): nudge to the side where it holds
        for x in (best * (1 + 1e-9), best * (1 - 1e-9)):
            v = safe(x)
            if v is not None and holds(v, claim.stated):
                return x
        return None
    return best


def _value_of_input(template: str, name: str) -> float:
    from .templates import load

    return load(template).values[name]


def _case_text(template: str, overrides: dict) -> str:
    parts = [] if template == "seed" else [f"template {template}"]
    parts += [f"{k} {v:g}" for k, v in overrides.items()]
    return ", ".join(parts) or "seed"


def audit(solve: bool = True) -> list[dict]:
    """One record per claim: id, section, kind, output, stated, values, holds, and on failure the solve."""
    records = []
    for c in CLAIMS:
        values = [_value(c, t, o) for t, o in c.cases]
        ok = [holds(v, c.stated) for v in values]
        rec = {
            "id": c.id, "section": c.section, "kind": c.kind, "claim": c.text, "output": c.output,
            "unit": OUTPUTS[c.output].unit,
            "stated": list(c.stated) if isinstance(c.stated, tuple) else c.stated,
            "cases": [_case_text(t, o) for t, o in c.cases],
            "values": values, "holds": all(ok),
            "solve_input": c.solve, "solve_value": None,
            "source_disagrees": None if all(ok) or c.id not in SOURCE_DISAGREES
            else f"the source's figures disagree: {SOURCE_DISAGREES[c.id]}",
        }
        if not rec["holds"] and solve:
            i = ok.index(False)
            t, o = c.cases[i]
            rec["solve_value"] = _solve(c, t, o, values[i])
        records.append(rec)
    return records
