"""E2 buy vs rent GPUs: owning costs the D1 cost stack every hour; renting costs the market price
for the hours used. Capital is charged at F1's `wacc`, the operator's hurdle rate."""

from .. import xp
from ..registry import line

S = "E2"


@line(S, "%", "Breakeven utilization (book cost)", "total_cost_per_gpu_hour/rental_price_per_gpu_hour")
def breakeven_utilization(total_cost_per_gpu_hour, rental_price_per_gpu_hour):
    """total_cost_per_gpu_hour / rental_price_per_gpu_hour (book cost, no charge for capital)"""
    return total_cost_per_gpu_hour / rental_price_per_gpu_hour


@line(S, "$/yr", "Annual capital charge", "gpu_price*wacc")
def annual_capital_charge(gpu_price, wacc):
    """gpu_price · wacc"""
    return gpu_price * wacc


@line(S, "$/GPU-h", "Capital charge per hour", "annual_capital_charge/hours_per_year")
def capital_charge_per_hour(annual_capital_charge, hours_per_year):
    """annual_capital_charge / hours_per_year"""
    return annual_capital_charge / hours_per_year


@line(S, "$/GPU-h", "Cost per hour incl. capital", "total_cost_per_gpu_hour+capital_charge_per_hour")
def cost_per_hour_with_capital(total_cost_per_gpu_hour, capital_charge_per_hour):
    """total_cost_per_gpu_hour + capital_charge_per_hour"""
    return total_cost_per_gpu_hour + capital_charge_per_hour


@line(S, "%", "Breakeven utilization with WACC", "cost_per_hour_with_capital/rental_price_per_gpu_hour")
def breakeven_utilization_wacc(cost_per_hour_with_capital, rental_price_per_gpu_hour):
    """cost_per_hour_with_capital / rental_price_per_gpu_hour"""
    return cost_per_hour_with_capital / rental_price_per_gpu_hour


@line(S, "$", "Residual value, bull", "gpu_price*residual_bull")
def residual_value_bull(gpu_price, residual_bull):
    """gpu_price · residual_bull"""
    return gpu_price * residual_bull


@line(S, "$", "Residual value, base", "gpu_price*residual_base")
def residual_value_base(gpu_price, residual_base):
    """gpu_price · residual_base"""
    return gpu_price * residual_base


@line(S, "$", "Residual value, bear", "gpu_price*residual_bear")
def residual_value_bear(gpu_price, residual_bear):
    """gpu_price · residual_bear"""
    return gpu_price * residual_bear


@line(S, "$", "Residual value, live case",
      "CHOOSE(residual_case,residual_value_bull,residual_value_base,residual_value_bear)")
def residual_value(residual_case, residual_value_bull, residual_value_base, residual_value_bear):
    """the residual value picked by residual_case (1 bull, 2 base, 3 bear), realised after economic_life_years"""
    return xp.where(residual_case == 1, residual_value_bull,
                    xp.where(residual_case == 2, residual_value_base, residual_value_bear))


def _one_minus_discount(rate, years):
    """1 − (1 + r)^−n as −expm1(−n · ln(1 + r)): the same number without the cancellation of 1 − (1 + r)^−n,
    which just above r = 1e-9 keeps only ~8 digits and would differ between any two ways of raising the power
    (Python's float ** and numpy's), so between one scenario and an array, by up to 1e-8."""
    return -xp.expm1(-years * xp.log1p(rate))


def crf(rate, years):
    """Capital recovery factor r / (1 − (1 + r)^−n); 1/n when r < 1e-9."""
    exact = xp.div(rate, _one_minus_discount(rate, years))
    return xp.where(rate < 1e-9, 1 / years, exact)


def annuity_factor(rate, years):
    """Annuity factor (1 − (1 + r)^−n) / r; n when r < 1e-9."""
    exact = xp.div(_one_minus_discount(rate, years), rate)
    return xp.where(rate < 1e-9, years, exact)


@line(S, "$/GPU-h", "Levelized market rent", "PMT(wacc,economic_life_years,-1)*SUM([fleet_operations.rent_pv:])",
      block="fleet_operations")
def rent_levelized_per_gpu_hour(wacc, economic_life_years, fleet_operations):
    """CRF(wacc, L) · Σ_{t=1..L} rental_price_per_gpu_hour · (1 − market_price_decline_per_year)^(t−1) / (1 + wacc)^t:
    the flat rent with the present value of the falling market rent over the economic life (P1's timeline)"""
    return crf(wacc, economic_life_years) * xp.total(fleet_operations["rent_pv"])


@line(S, "$/GPU-h", "Economic cost per hour",
      "((gpu_price+network_capex_per_gpu-residual_value/(1+wacc)^economic_life_years)*PMT(wacc,economic_life_years,-1)"
      "+annual_failure_rate*gpu_price*rent_levelized_per_gpu_hour/rental_price_per_gpu_hour)/hours_per_year"
      "+cash_cost_per_gpu_hour")
def economic_cost_per_hour(gpu_price, network_capex_per_gpu, residual_value, wacc, economic_life_years,
                           annual_failure_rate, rent_levelized_per_gpu_hour, rental_price_per_gpu_hour,
                           hours_per_year, cash_cost_per_gpu_hour):
    """((gpu_price + network_capex_per_gpu − residual_value / (1 + wacc)^L) · CRF(wacc, L)
    + annual_failure_rate · gpu_price · rent_levelized_per_gpu_hour / rental_price_per_gpu_hour) / hours_per_year
    + cash_cost_per_gpu_hour, L = economic_life_years: P1 per GPU-hour, pre-tax"""
    L = economic_life_years
    capital = (gpu_price + network_capex_per_gpu - residual_value / (1 + wacc) ** L) * crf(wacc, L)
    replacements = annual_failure_rate * gpu_price * rent_levelized_per_gpu_hour / rental_price_per_gpu_hour
    return (capital + replacements) / hours_per_year + cash_cost_per_gpu_hour


@line(S, "%", "Breakeven utilization, economic, pre-tax", "economic_cost_per_hour/rent_levelized_per_gpu_hour")
def breakeven_utilization_economic(economic_cost_per_hour, rent_levelized_per_gpu_hour):
    """economic_cost_per_hour / rent_levelized_per_gpu_hour: own when expected utilization is above it (pre-tax,
    at the market rent: no contracts, unlike P1)"""
    return economic_cost_per_hour / rent_levelized_per_gpu_hour


@line(S, "GPUs", "Optimal owned GPUs",
      "IF(breakeven_utilization_economic=0,NA(),IF(breakeven_utilization_economic>=1,0,"
      "MAX(0,demand_mean_gpus-demand_sd_gpus*NORMSINV(breakeven_utilization_economic))))")
def optimal_owned_gpus(breakeven_utilization_economic, demand_mean_gpus, demand_sd_gpus):
    """b = breakeven_utilization_economic: max(0, demand_mean_gpus − demand_sd_gpus · NORMSINV(b)) (P(demand > K) = b);
    0 when b ≥ 1; undefined (nan) when b = 0 (owning costs nothing: no finite optimum)"""
    b = breakeven_utilization_economic
    with xp.errstate(b):
        z = xp.normsinv(xp.minimum(xp.maximum(b, 0.0), 1.0))
        owned = xp.maximum(0.0, demand_mean_gpus - demand_sd_gpus * xp.where(demand_sd_gpus == 0, 0.0, z))
    return xp.where(b == 0, xp.nan, xp.where(b >= 1, 0.0, owned))
