"""D3 pricing structures, with the reserved contract as a yearly block."""

from .. import xp
from ..registry import Row, block, line

S = "D3"


@line(S, "×", "Price factor: enterprise", "1-enterprise_discount")
def price_factor_enterprise(enterprise_discount):
    """1 − enterprise_discount"""
    return 1 - enterprise_discount


@line(S, "×", "Price factor: batch", "1-batch_discount")
def price_factor_batch(batch_discount):
    """1 − batch_discount"""
    return 1 - batch_discount


@line(S, "%", "Segment shares total", "share_hobbyist+share_growth+share_enterprise+share_batch")
def segment_share_total(share_hobbyist, share_growth, share_enterprise, share_batch):
    """share_hobbyist + share_growth + share_enterprise + share_batch (must be 1)"""
    return share_hobbyist + share_growth + share_enterprise + share_batch


@line(S, "×", "Blended price factor",
      "share_hobbyist*price_factor_hobbyist+share_growth*price_factor_growth"
      "+share_enterprise*price_factor_enterprise+share_batch*price_factor_batch")
def blended_price_factor(share_hobbyist, price_factor_hobbyist, share_growth, price_factor_growth,
                         share_enterprise, price_factor_enterprise, share_batch, price_factor_batch):
    """Σ share × price factor over hobbyist, growth, enterprise, batch"""
    return (share_hobbyist * price_factor_hobbyist + share_growth * price_factor_growth
            + share_enterprise * price_factor_enterprise + share_batch * price_factor_batch)


@line(S, "$/M tokens", "Effective input price",
      "price_input_per_m*(1-cached_input_share*cached_input_discount)*blended_price_factor")
def effective_input_price_per_m(price_input_per_m, cached_input_share, cached_input_discount, blended_price_factor):
    """price_input_per_m · (1 − cached_input_share · cached_input_discount) · blended_price_factor"""
    return price_input_per_m * (1 - cached_input_share * cached_input_discount) * blended_price_factor


@line(S, "$/M tokens", "Effective output price", "price_output_per_m*blended_price_factor")
def effective_output_price_per_m(price_output_per_m, blended_price_factor):
    """price_output_per_m · blended_price_factor"""
    return price_output_per_m * blended_price_factor


@line(S, "tokens/h", "Output tokens per replica-hour",
      "seconds_per_hour*serving_utilization/((1+reasoning_tokens_per_output_token)/decode_tokens_per_sec"
      "+input_tokens_per_output_token/prefill_tokens_per_sec)")
def output_tokens_per_replica_hour(seconds_per_hour, serving_utilization, reasoning_tokens_per_output_token,
                                   decode_tokens_per_sec, input_tokens_per_output_token, prefill_tokens_per_sec):
    """3600 · serving_utilization / ((1 + k) / decode_tokens_per_sec + r / prefill_tokens_per_sec)"""
    k, r = reasoning_tokens_per_output_token, input_tokens_per_output_token
    return seconds_per_hour * serving_utilization / ((1 + k) / decode_tokens_per_sec + r / prefill_tokens_per_sec)


@line(S, "$/h", "Token revenue per replica-hour",
      "output_tokens_per_replica_hour*((1+reasoning_tokens_per_output_token)*effective_output_price_per_m"
      "+input_tokens_per_output_token*effective_input_price_per_m)/tokens_per_million")
def token_revenue_per_replica_hour(output_tokens_per_replica_hour, reasoning_tokens_per_output_token,
                                   effective_output_price_per_m, input_tokens_per_output_token,
                                   effective_input_price_per_m, tokens_per_million):
    """output_tokens_per_replica_hour · ((1 + k) · effective_output_price + r · effective_input_price) / 1e6"""
    k, r = reasoning_tokens_per_output_token, input_tokens_per_output_token
    return output_tokens_per_replica_hour * ((1 + k) * effective_output_price_per_m
                                             + r * effective_input_price_per_m) / tokens_per_million


@line(S, "$/GPU-h", "Managed revenue per GPU-hour", "token_revenue_per_replica_hour/gpus_per_replica")
def managed_revenue_per_gpu_hour(token_revenue_per_replica_hour, gpus_per_replica):
    """token_revenue_per_replica_hour / gpus_per_replica"""
    return token_revenue_per_replica_hour / gpus_per_replica


@line(S, "%", "Managed gross margin",
      "IF(token_revenue_per_replica_hour=0,NA(),1-replica_cost_per_hour/token_revenue_per_replica_hour)")
def managed_gross_margin(replica_cost_per_hour, token_revenue_per_replica_hour):
    """1 − replica_cost_per_hour / token_revenue_per_replica_hour; undefined (nan) when revenue is zero"""
    margin = 1 - xp.div(replica_cost_per_hour, token_revenue_per_replica_hour)
    return xp.where(token_revenue_per_replica_hour == 0, xp.nan, margin)


@line(S, "$/GPU-h", "Reserved contract price", "rental_price_per_gpu_hour*(1-reserved_discount)")
def reserved_contract_price_per_hour(rental_price_per_gpu_hour, reserved_discount):
    """rental_price_per_gpu_hour · (1 − reserved_discount)"""
    return rental_price_per_gpu_hour * (1 - reserved_discount)


@block(S, "Reserved contract as a fixed-for-floating swap, per GPU", 10, [
    Row("year", "Contract year", "year", "[year<]+1"),
    Row("flag", "In-term flag", "flag", "IF([year]<=contract_years,1,0)"),
    Row("market", "Market price", "$/GPU-h",
        "[flag]*rental_price_per_gpu_hour*(1-market_price_decline_per_year)^([year]-1)"),
    Row("net", "Fixed received minus market given up", "$/GPU",
        "[flag]*(reserved_contract_price_per_hour-gpu_utilization*[market])*hours_per_year"),
    Row("discount", "Discount factor at WACC", "×", "[flag]/(1+wacc)^[year]"),
    Row("pv", "Present value", "$/GPU", "[net]*[discount]"),
])
def reserved_contract(rental_price_per_gpu_hour, market_price_decline_per_year, reserved_contract_price_per_hour,
                      gpu_utilization, hours_per_year, wacc, contract_years, keep_rows=False):
    """Year t: flag = t ≤ contract_years; market = rental · (1 − decline)^(t−1);
    net = (reserved price − gpu_utilization · market) · hours_per_year; pv = flag · net / (1 + wacc)^t.
    The provider is paid for every contracted hour and gives up the hours the market would have bought."""
    rows = {k: [] for k in ("year", "flag", "market", "net", "discount", "pv")}
    npv = 0.0
    for t in range(1, 11):
        flag = xp.where(t <= contract_years, 1.0, 0.0)
        market = flag * rental_price_per_gpu_hour * (1 - market_price_decline_per_year) ** (t - 1)
        net = flag * (reserved_contract_price_per_hour - gpu_utilization * market) * hours_per_year
        discount = flag / (1 + wacc) ** t
        pv = net * discount
        npv = npv + pv
        for k, v in zip(rows, (t, flag, market, net, discount, pv)):
            rows[k].append(v)
    return {"npv": npv, "rows": rows}


@line(S, "$/GPU", "Reserved swap NPV per GPU", "SUM([reserved_contract.pv:])", block="reserved_contract")
def reserved_swap_npv_per_gpu(reserved_contract):
    """Σ_{t=1..contract_years} (reserved price − gpu_utilization · rental · (1 − decline)^(t−1)) · hours_per_year
    / (1 + wacc)^t"""
    return reserved_contract["npv"]


@line(S, "×", "Total price decline", "price_then_per_m/price_now_per_m")
def price_decline_total_factor(price_then_per_m, price_now_per_m):
    """price_then_per_m / price_now_per_m"""
    return price_then_per_m / price_now_per_m


@line(S, "×/yr", "Annual price decline", "price_decline_total_factor^(1/price_decline_years)")
def price_decline_annual_factor(price_decline_total_factor, price_decline_years):
    """price_decline_total_factor ^ (1 / price_decline_years)"""
    return price_decline_total_factor ** (1 / price_decline_years)
