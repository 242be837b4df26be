"""E3 data center economics."""

from ..registry import line

S = "E3"


@line(S, "$/kW/month", "Grid electricity per kW-month", "hours_per_month*grid_power_price_kwh")
def electricity_cost_per_kw_month_grid(hours_per_month, grid_power_price_kwh):
    """hours_per_month · grid_power_price_kwh"""
    return hours_per_month * grid_power_price_kwh


@line(S, "$/kW/month", "Own electricity per kW-month", "hours_per_month*own_power_price_kwh")
def electricity_cost_per_kw_month_own(hours_per_month, own_power_price_kwh):
    """hours_per_month · own_power_price_kwh"""
    return hours_per_month * own_power_price_kwh


@line(S, "$/kW/month", "Energy advantage per kW-month",
      "electricity_cost_per_kw_month_grid-electricity_cost_per_kw_month_own")
def energy_advantage_per_kw_month(electricity_cost_per_kw_month_grid, electricity_cost_per_kw_month_own):
    """electricity_cost_per_kw_month_grid − electricity_cost_per_kw_month_own"""
    return electricity_cost_per_kw_month_grid - electricity_cost_per_kw_month_own


@line(S, "$/yr", "Annual energy savings", "facility_it_mw*1000*energy_advantage_per_kw_month*12")
def annual_energy_savings(facility_it_mw, energy_advantage_per_kw_month):
    """facility_it_mw · 1000 · energy_advantage_per_kw_month · 12"""
    return facility_it_mw * 1000 * energy_advantage_per_kw_month * 12


@line(S, "%", "Power share of facility price", "electricity_cost_per_kw_month_grid/facility_price_kw_month")
def power_share_of_facility_price(electricity_cost_per_kw_month_grid, facility_price_kw_month):
    """electricity_cost_per_kw_month_grid / facility_price_kw_month"""
    return electricity_cost_per_kw_month_grid / facility_price_kw_month


@line(S, "MW", "Cooling overhead, air", "facility_it_mw*(pue_air-1)")
def cooling_overhead_mw_air(facility_it_mw, pue_air):
    """facility_it_mw · (pue_air − 1)"""
    return facility_it_mw * (pue_air - 1)


@line(S, "MW", "Cooling overhead, liquid", "facility_it_mw*(pue_liquid-1)")
def cooling_overhead_mw_liquid(facility_it_mw, pue_liquid):
    """facility_it_mw · (pue_liquid − 1)"""
    return facility_it_mw * (pue_liquid - 1)


@line(S, "MW", "Cooling overhead, air − liquid", "cooling_overhead_mw_air-cooling_overhead_mw_liquid")
def cooling_overhead_mw_difference(cooling_overhead_mw_air, cooling_overhead_mw_liquid):
    """cooling_overhead_mw_air − cooling_overhead_mw_liquid"""
    return cooling_overhead_mw_air - cooling_overhead_mw_liquid


@line(S, "$/yr", "Annual cooling cost difference",
      "facility_it_mw*1000*(pue_air-pue_liquid)*hours_per_year*grid_power_price_kwh")
def annual_cooling_cost_difference(facility_it_mw, pue_air, pue_liquid, hours_per_year, grid_power_price_kwh):
    """facility_it_mw · 1000 · (pue_air − pue_liquid) · hours_per_year · grid_power_price_kwh"""
    return facility_it_mw * 1000 * (pue_air - pue_liquid) * hours_per_year * grid_power_price_kwh


@line(S, "$/yr", "PUE improvement savings",
      "facility_it_mw*1000*pue_improvement*hours_per_year*grid_power_price_kwh")
def pue_improvement_annual_savings(facility_it_mw, pue_improvement, hours_per_year, grid_power_price_kwh):
    """facility_it_mw · 1000 · pue_improvement · hours_per_year · grid_power_price_kwh"""
    return facility_it_mw * 1000 * pue_improvement * hours_per_year * grid_power_price_kwh


@line(S, "×", "Rack density, H100 / legacy", "rack_kw_h100/rack_kw_legacy")
def rack_density_ratio_h100(rack_kw_h100, rack_kw_legacy):
    """rack_kw_h100 / rack_kw_legacy"""
    return rack_kw_h100 / rack_kw_legacy


@line(S, "×", "Rack density, NVL72 / legacy", "rack_kw_nvl72/rack_kw_legacy")
def rack_density_ratio_nvl72(rack_kw_nvl72, rack_kw_legacy):
    """rack_kw_nvl72 / rack_kw_legacy"""
    return rack_kw_nvl72 / rack_kw_legacy


@line(S, "MW", "Built power", "facility_it_mw*redundancy_factor")
def built_power_mw(facility_it_mw, redundancy_factor):
    """facility_it_mw · redundancy_factor"""
    return facility_it_mw * redundancy_factor
