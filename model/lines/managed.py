"""E1 managed inference vs GPU rental."""

from .. import xp
from ..registry import line

S = "E1"


@line(S, "$/GPU-h", "Rental revenue per GPU-hour", "rental_price_per_gpu_hour*gpu_utilization")
def rental_revenue_per_gpu_hour(rental_price_per_gpu_hour, gpu_utilization):
    """rental_price_per_gpu_hour · gpu_utilization"""
    return rental_price_per_gpu_hour * gpu_utilization


@line(S, "×", "Managed / rental revenue", "managed_revenue_per_gpu_hour/rental_revenue_per_gpu_hour")
def managed_vs_rental_revenue_ratio(managed_revenue_per_gpu_hour, rental_revenue_per_gpu_hour):
    """managed_revenue_per_gpu_hour / rental_revenue_per_gpu_hour"""
    return managed_revenue_per_gpu_hour / rental_revenue_per_gpu_hour


@line(S, "%", "Single-customer utilization", "1/(1+service_z*demand_cv)")
def single_customer_utilization(service_z, demand_cv):
    """1 / (1 + service_z · demand_cv)"""
    return 1 / (1 + service_z * demand_cv)


@line(S, "%", "Pooled utilization",
      "1/(1+service_z*demand_cv*SQRT((1+(customers-1)*demand_correlation)/customers))")
def pooled_utilization(service_z, demand_cv, customers, demand_correlation):
    """1 / (1 + service_z · demand_cv · sqrt((1 + (customers − 1) · demand_correlation) / customers))"""
    return 1 / (1 + service_z * demand_cv * xp.sqrt((1 + (customers - 1) * demand_correlation) / customers))
