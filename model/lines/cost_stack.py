"""D1 cost stack per GPU-hour."""

from .. import xp
from ..registry import line

S = "D1"


@line(S, "$/GPU-h", "GPU capex per hour", "gpu_price/(depreciation_years*hours_per_year)")
def capex_per_gpu_hour(gpu_price, depreciation_years, hours_per_year):
    """gpu_price / (depreciation_years · hours_per_year)"""
    return gpu_price / (depreciation_years * hours_per_year)


@line(S, "$/GPU-h", "Power per hour", "gpu_power_kw*pue*power_price_kwh")
def power_per_gpu_hour(gpu_power_kw, pue, power_price_kwh):
    """gpu_power_kw · pue · power_price_kwh"""
    return gpu_power_kw * pue * power_price_kwh


@line(S, "$/GPU-h", "Data center per hour", "dc_rate_kw_month*gpu_power_kw/hours_per_month")
def datacenter_per_gpu_hour(dc_rate_kw_month, gpu_power_kw, hours_per_month):
    """dc_rate_kw_month · gpu_power_kw / hours_per_month"""
    return dc_rate_kw_month * gpu_power_kw / hours_per_month


@line(S, "$/GPU-h", "Network per hour", "network_capex_per_gpu/(network_life_years*hours_per_year)")
def network_per_gpu_hour(network_capex_per_gpu, network_life_years, hours_per_year):
    """network_capex_per_gpu / (network_life_years · hours_per_year)"""
    return network_capex_per_gpu / (network_life_years * hours_per_year)


@line(S, "$/GPU-h", "Total cost per GPU-hour",
      "capex_per_gpu_hour+power_per_gpu_hour+datacenter_per_gpu_hour+network_per_gpu_hour+ops_per_gpu_hour")
def total_cost_per_gpu_hour(capex_per_gpu_hour, power_per_gpu_hour, datacenter_per_gpu_hour,
                            network_per_gpu_hour, ops_per_gpu_hour):
    """capex + power + data center + network + ops_per_gpu_hour"""
    return (capex_per_gpu_hour + power_per_gpu_hour + datacenter_per_gpu_hour
            + network_per_gpu_hour + ops_per_gpu_hour)


@line(S, "$/GPU-h", "Cost per sold GPU-hour", "total_cost_per_gpu_hour/gpu_utilization")
def cost_per_sold_gpu_hour(total_cost_per_gpu_hour, gpu_utilization):
    """total_cost_per_gpu_hour / gpu_utilization"""
    return total_cost_per_gpu_hour / gpu_utilization


@line(S, "%", "Rental gross margin", "1-cost_per_sold_gpu_hour/rental_price_per_gpu_hour")
def rental_gross_margin(cost_per_sold_gpu_hour, rental_price_per_gpu_hour):
    """1 − cost_per_sold_gpu_hour / rental_price_per_gpu_hour"""
    return 1 - cost_per_sold_gpu_hour / rental_price_per_gpu_hour


@line(S, "$/GPU-h", "Cash cost per GPU-hour", "power_per_gpu_hour+datacenter_per_gpu_hour+ops_per_gpu_hour")
def cash_cost_per_gpu_hour(power_per_gpu_hour, datacenter_per_gpu_hour, ops_per_gpu_hour):
    """power_per_gpu_hour + datacenter_per_gpu_hour + ops_per_gpu_hour"""
    return power_per_gpu_hour + datacenter_per_gpu_hour + ops_per_gpu_hour


@line(S, "years", "GPU payback, simple (today's price, pre-tax)",
      "IF(rental_price_per_gpu_hour*gpu_utilization-cash_cost_per_gpu_hour<=0,NA(),"
      "(gpu_price+network_capex_per_gpu)/((rental_price_per_gpu_hour*gpu_utilization-cash_cost_per_gpu_hour)*hours_per_year))")
def gpu_payback_years(gpu_price, network_capex_per_gpu, rental_price_per_gpu_hour, gpu_utilization,
                      cash_cost_per_gpu_hour, hours_per_year):
    """(gpu_price + network_capex_per_gpu) / ((rental_price · gpu_utilization − cash_cost) · hours_per_year);
    undefined (nan) when the bracket is not positive"""
    margin = rental_price_per_gpu_hour * gpu_utilization - cash_cost_per_gpu_hour
    payback = xp.div(gpu_price + network_capex_per_gpu, margin * hours_per_year)
    return xp.where(margin > 0, payback, xp.nan)


@line(S, "$/yr", "Fleet annual power cost", "fleet_gpus*gpu_power_kw*pue*power_price_kwh*hours_per_year")
def fleet_annual_power_cost(fleet_gpus, gpu_power_kw, pue, power_price_kwh, hours_per_year):
    """fleet_gpus · gpu_power_kw · pue · power_price_kwh · hours_per_year"""
    return fleet_gpus * gpu_power_kw * pue * power_price_kwh * hours_per_year


@line(S, "GPUs/yr", "Expected failures per year", "fleet_gpus*annual_failure_rate")
def expected_failures_per_year(fleet_gpus, annual_failure_rate):
    """fleet_gpus · annual_failure_rate"""
    return fleet_gpus * annual_failure_rate
