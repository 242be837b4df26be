"""E2 buy vs rent GPUs. Its `wacc` is an input of its own, not F1's wacc_from_structure."""

from .. import xp
from ..registry import line

S = "E2"


@line(S, "$/GPU-h", "Depreciation per hour", "buy_gpu_price/(buy_useful_life_years*hours_per_year)")
def buy_depreciation_per_hour(buy_gpu_price, buy_useful_life_years, hours_per_year):
    """buy_gpu_price / (buy_useful_life_years · hours_per_year)"""
    return buy_gpu_price / (buy_useful_life_years * hours_per_year)


@line(S, "$/GPU-h", "Cost to own per hour", "buy_depreciation_per_hour+buy_opex_per_gpu_hour")
def buy_cost_per_hour(buy_depreciation_per_hour, buy_opex_per_gpu_hour):
    """buy_depreciation_per_hour + buy_opex_per_gpu_hour"""
    return buy_depreciation_per_hour + buy_opex_per_gpu_hour


@line(S, "$/yr", "Annual capital charge", "buy_gpu_price*wacc")
def annual_capital_charge(buy_gpu_price, wacc):
    """buy_gpu_price · wacc"""
    return buy_gpu_price * wacc


@line(S, "$/GPU-h", "Capital charge per hour", "annual_capital_charge/hours_per_year")
def capital_charge_per_hour(annual_capital_charge, hours_per_year):
    """annual_capital_charge / hours_per_year"""
    return annual_capital_charge / hours_per_year


@line(S, "$/GPU-h", "Cost to own incl. capital", "buy_cost_per_hour+capital_charge_per_hour")
def buy_cost_per_hour_with_capital(buy_cost_per_hour, capital_charge_per_hour):
    """buy_cost_per_hour + capital_charge_per_hour"""
    return buy_cost_per_hour + capital_charge_per_hour


@line(S, "%", "Breakeven utilization", "buy_cost_per_hour/rent_price_per_gpu_hour")
def breakeven_utilization(buy_cost_per_hour, rent_price_per_gpu_hour):
    """buy_cost_per_hour / rent_price_per_gpu_hour"""
    return buy_cost_per_hour / rent_price_per_gpu_hour


@line(S, "%", "Breakeven utilization with WACC", "buy_cost_per_hour_with_capital/rent_price_per_gpu_hour")
def breakeven_utilization_wacc(buy_cost_per_hour_with_capital, rent_price_per_gpu_hour):
    """buy_cost_per_hour_with_capital / rent_price_per_gpu_hour"""
    return buy_cost_per_hour_with_capital / rent_price_per_gpu_hour


@line(S, "%", "Breakeven utilization, all equity",
      "(buy_cost_per_hour+buy_gpu_price*cost_of_equity/hours_per_year)/rent_price_per_gpu_hour")
def breakeven_utilization_equity(buy_cost_per_hour, buy_gpu_price, cost_of_equity, hours_per_year,
                                 rent_price_per_gpu_hour):
    """(buy_cost_per_hour + buy_gpu_price · cost_of_equity / hours_per_year) / rent_price_per_gpu_hour"""
    return (buy_cost_per_hour + buy_gpu_price * cost_of_equity / hours_per_year) / rent_price_per_gpu_hour


@line(S, "$", "Residual value, bull", "buy_gpu_price*residual_bull")
def residual_value_bull(buy_gpu_price, residual_bull):
    """buy_gpu_price · residual_bull"""
    return buy_gpu_price * residual_bull


@line(S, "$", "Residual value, base", "buy_gpu_price*residual_base")
def residual_value_base(buy_gpu_price, residual_base):
    """buy_gpu_price · residual_base"""
    return buy_gpu_price * residual_base


@line(S, "$", "Residual value, bear", "buy_gpu_price*residual_bear")
def residual_value_bear(buy_gpu_price, residual_bear):
    """buy_gpu_price · residual_bear"""
    return buy_gpu_price * residual_bear


@line(S, "$", "Residual value, live case",
      "CHOOSE(residual_case,residual_value_bull,residual_value_base,residual_value_bear)")
def residual_value(residual_case, residual_value_bull, residual_value_base, residual_value_bear):
    """the residual value picked by residual_case (1 bull, 2 base, 3 bear)"""
    return xp.where(residual_case == 1, residual_value_bull,
                    xp.where(residual_case == 2, residual_value_base, residual_value_bear))


def crf(rate, years):
    """Capital recovery factor r / (1 − (1 + r)^−n); 1/n when r < 1e-9."""
    exact = xp.div(rate, 1 - (1 + rate) ** -years)
    return xp.where(rate < 1e-9, 1 / years, exact)


def annuity_factor(rate, years):
    """Annuity factor (1 − (1 + r)^−n) / r; n when r < 1e-9."""
    exact = xp.div(1 - (1 + rate) ** -years, rate)
    return xp.where(rate < 1e-9, years, exact)


@line(S, "$/GPU-h", "Economic cost per hour",
      "(buy_gpu_price-residual_value/(1+wacc)^buy_useful_life_years)*PMT(wacc,buy_useful_life_years,-1)"
      "/hours_per_year+buy_opex_per_gpu_hour")
def economic_cost_per_hour(buy_gpu_price, residual_value, wacc, buy_useful_life_years, hours_per_year,
                           buy_opex_per_gpu_hour):
    """(buy_gpu_price − residual_value / (1 + wacc)^L) · CRF(wacc, L) / hours_per_year + buy_opex_per_gpu_hour,
    L = buy_useful_life_years"""
    return ((buy_gpu_price - residual_value / (1 + wacc) ** buy_useful_life_years)
            * crf(wacc, buy_useful_life_years) / hours_per_year + buy_opex_per_gpu_hour)


@line(S, "%", "Breakeven utilization, economic", "economic_cost_per_hour/rent_price_per_gpu_hour")
def breakeven_utilization_economic(economic_cost_per_hour, rent_price_per_gpu_hour):
    """economic_cost_per_hour / rent_price_per_gpu_hour"""
    return economic_cost_per_hour / rent_price_per_gpu_hour


@line(S, "GPUs", "Optimal owned GPUs",
      "IF(breakeven_utilization_wacc>=1,0,MAX(0,demand_mean_gpus+demand_sd_gpus*NORMSINV(1-breakeven_utilization_wacc)))")
def optimal_owned_gpus(breakeven_utilization_wacc, demand_mean_gpus, demand_sd_gpus):
    """max(0, demand_mean_gpus + demand_sd_gpus · NORMSINV(1 − breakeven_utilization_wacc)); 0 when breakeven ≥ 1"""
    with xp.errstate(breakeven_utilization_wacc):
        z = xp.normsinv(1 - xp.minimum(breakeven_utilization_wacc, 1.0))
        owned = xp.maximum(0.0, demand_mean_gpus + demand_sd_gpus * z)
    return xp.where(breakeven_utilization_wacc >= 1, 0.0, owned)
