"""F2 contracted revenue and DSCR, with debt sculpting as a yearly block."""

from .. import xp
from ..registry import Row, block, line
from .buy_rent import annuity_factor

S = "F2"


@line(S, "$/yr", "Max debt service, uncontracted", "cfads_uncontracted/target_dscr")
def max_debt_service_uncontracted(cfads_uncontracted, target_dscr):
    """cfads_uncontracted / target_dscr"""
    return cfads_uncontracted / target_dscr


@line(S, "$/yr", "Max debt service, contracted", "cfads_contracted/target_dscr")
def max_debt_service_contracted(cfads_contracted, target_dscr):
    """cfads_contracted / target_dscr"""
    return cfads_contracted / target_dscr


@line(S, "%", "Interest rate, uncontracted", "base_rate+spread_uncontracted")
def rate_uncontracted(base_rate, spread_uncontracted):
    """base_rate + spread_uncontracted"""
    return base_rate + spread_uncontracted


@line(S, "%", "Interest rate, contracted", "base_rate+spread_contracted")
def rate_contracted(base_rate, spread_contracted):
    """base_rate + spread_contracted"""
    return base_rate + spread_contracted


@line(S, "$", "Debt capacity, uncontracted",
      "PV(rate_uncontracted,tenor_uncontracted_years,-max_debt_service_uncontracted)")
def debt_capacity_uncontracted(max_debt_service_uncontracted, rate_uncontracted, tenor_uncontracted_years):
    """max_debt_service_uncontracted · AF(rate_uncontracted, tenor_uncontracted_years)"""
    return max_debt_service_uncontracted * annuity_factor(rate_uncontracted, tenor_uncontracted_years)


@line(S, "$", "Debt capacity, contracted",
      "PV(rate_contracted,tenor_contracted_years,-max_debt_service_contracted)")
def debt_capacity_contracted(max_debt_service_contracted, rate_contracted, tenor_contracted_years):
    """max_debt_service_contracted · AF(rate_contracted, tenor_contracted_years)"""
    return max_debt_service_contracted * annuity_factor(rate_contracted, tenor_contracted_years)


@line(S, "×", "Debt capacity ratio", "debt_capacity_contracted/debt_capacity_uncontracted")
def debt_capacity_ratio(debt_capacity_contracted, debt_capacity_uncontracted):
    """debt_capacity_contracted / debt_capacity_uncontracted"""
    return debt_capacity_contracted / debt_capacity_uncontracted


@line(S, "$/yr", "Interest savings from contracts", "debt_amount*(spread_uncontracted-spread_contracted)")
def interest_savings_contracted(debt_amount, spread_uncontracted, spread_contracted):
    """debt_amount · (spread_uncontracted − spread_contracted)"""
    return debt_amount * (spread_uncontracted - spread_contracted)


@line(S, "$/yr", "Commitment discount given up",
      "fleet_gpus*hours_per_year*gpu_utilization*rental_price_per_gpu_hour*reserved_discount")
def commitment_discount_per_year(fleet_gpus, hours_per_year, gpu_utilization, rental_price_per_gpu_hour,
                                 reserved_discount):
    """fleet_gpus · hours_per_year · gpu_utilization · rental_price_per_gpu_hour · reserved_discount"""
    return fleet_gpus * hours_per_year * gpu_utilization * rental_price_per_gpu_hour * reserved_discount


@line(S, "$/yr", "Financing saving from contracts",
      "(debt_capacity_contracted-debt_capacity_uncontracted)*(cost_of_equity-after_tax_cost_of_debt)")
def commitment_financing_saving_per_year(debt_capacity_contracted, debt_capacity_uncontracted, cost_of_equity,
                                         after_tax_cost_of_debt):
    """(debt_capacity_contracted − debt_capacity_uncontracted) · (cost_of_equity − after_tax_cost_of_debt)"""
    return (debt_capacity_contracted - debt_capacity_uncontracted) * (cost_of_equity - after_tax_cost_of_debt)


@line(S, "$/yr", "Commitment net benefit",
      "commitment_financing_saving_per_year-commitment_discount_per_year")
def commitment_net_benefit_per_year(commitment_financing_saving_per_year, commitment_discount_per_year):
    """commitment_financing_saving_per_year − commitment_discount_per_year"""
    return commitment_financing_saving_per_year - commitment_discount_per_year


SCULPT_YEARS = 30


@block(S, "Debt sculpted to the target DSCR", SCULPT_YEARS, [
    Row("year", "Year", "year", "[year<]+1"),
    Row("flag", "Loan-term flag", "flag", "IF([year]<=tenor_contracted_years,1,0)"),
    Row("first", "First-year flag", "flag", "IF([year]=1,1,0)"),
    Row("cfads", "CFADS", "$", "[flag]*cfads_contracted*(1+cfads_growth)^([year]-1)"),
    Row("debt_service", "Debt service", "$", "[cfads]/target_dscr"),
    Row("discount", "Discount factor", "×", "1/(1+rate_contracted)^[year]"),
    Row("pv_debt_service", "PV of debt service", "$", "[debt_service]*[discount]"),
    Row("pv_cfads", "PV of CFADS", "$", "[cfads]*[discount]"),
    Row("opening", "Opening balance", "$", "[closing<]+[first]*sculpted_debt_capacity"),
    Row("interest", "Interest", "$", "[opening]*rate_contracted"),
    Row("principal", "Principal", "$", "[debt_service]-[interest]"),
    Row("closing", "Closing balance", "$", "[opening]-[principal]"),
    Row("dscr", "DSCR", "×", "IF([flag]=1,[cfads]/[debt_service],0)"),
    Row("dscr_gap", "DSCR gap to target (check)", "×", "[flag]*ABS([dscr]-target_dscr)"),
])
def sculpting(cfads_contracted, cfads_growth, target_dscr, rate_contracted, tenor_contracted_years,
              keep_rows=False):
    """Year t ≤ tenor: CFADS_t = cfads_contracted · (1 + g)^(t−1), DS_t = CFADS_t / target_dscr;
    capacity = Σ DS_t / (1 + r)^t; corkscrew: opening, interest = opening · r, principal = DS − interest, closing."""
    if keep_rows:
        return _sculpting_rows(cfads_contracted, cfads_growth, target_dscr, rate_contracted, tenor_contracted_years)
    # The same year-by-year sums with the fewest array operations (this runs on a million scenarios):
    # growth and discount factors are carried from year to year instead of raised to a power.
    grow, disc = 1 + cfads_growth, 1 / (1 + rate_contracted)
    g_t, d_t = 1.0, disc
    pv_factor = 0.0  # Σ flag_t (1 + g)^(t−1) / (1 + r)^t
    carried = 0.0  # Σ flag_t (1 + g)^(t−1) (1 + r)^(30−t): debt service carried to year 30
    for t in range(1, SCULPT_YEARS + 1):
        f_t = g_t * (tenor_contracted_years >= t)
        pv_factor = pv_factor + f_t * d_t
        carried = carried * (1 + rate_contracted) + f_t
        g_t, d_t = g_t * grow, d_t * disc
    pv_cfads = cfads_contracted * pv_factor
    capacity = pv_cfads / target_dscr
    # corkscrew: after the tenor the balance only accrues interest, so the year-30 balance
    # discounted back (30 − tenor) years is the closing balance at the tenor
    closing_30 = capacity * (1 + rate_contracted) ** SCULPT_YEARS - cfads_contracted / target_dscr * carried
    closing_at_tenor = closing_30 / (1 + rate_contracted) ** (SCULPT_YEARS - tenor_contracted_years)
    return {"capacity": capacity, "closing_at_tenor": closing_at_tenor, "pv_cfads": pv_cfads}


SCHEDULE_COLUMNS = ("year", "cfads", "debt_service", "opening", "interest", "principal", "closing")


def sculpt_schedule(cfads, target_dscr, rate) -> dict[str, list]:
    """Debt sculpted to `target_dscr` for a CFADS sequence (year 1 first; numbers or arrays):
    DS_t = CFADS_t / target_dscr, capacity = Σ DS_t / (1 + rate)^t, opening_1 = capacity,
    interest = opening · rate, principal = DS − interest, closing = opening − principal.
    Returns the columns of SCHEDULE_COLUMNS (plus `discount` and `capacity`) as lists by year."""
    ds = [cf / target_dscr for cf in cfads]
    disc = [1 / (1 + rate) ** t for t in range(1, len(ds) + 1)]
    capacity = 0.0
    for d, df in zip(ds, disc):
        capacity = capacity + d * df
    rows: dict[str, list] = {k: [] for k in (*SCHEDULE_COLUMNS, "discount")}
    closing = 0.0
    for t, (cf, d, df) in enumerate(zip(cfads, ds, disc), start=1):
        opening = closing + (capacity if t == 1 else 0.0)
        interest = opening * rate
        principal = d - interest
        closing = opening - principal
        for k, v in zip(rows, (t, cf, d, opening, interest, principal, closing, df)):
            rows[k].append(v)
    rows["capacity"] = [capacity]
    return rows


def _sculpting_rows(cfads_contracted, cfads_growth, target_dscr, rate_contracted, tenor_contracted_years):
    """Every row of the block, year by year, exactly as the workbook lays it out."""
    years = range(1, SCULPT_YEARS + 1)
    flags = [xp.where(t <= tenor_contracted_years, 1.0, 0.0) for t in years]
    cfads = [flags[t - 1] * cfads_contracted * (1 + cfads_growth) ** (t - 1) for t in years]
    sched = sculpt_schedule(cfads, target_dscr, rate_contracted)
    ds, disc = sched["debt_service"], sched["discount"]
    dscr = [xp.where(f == 1, xp.div(cf, d), 0.0) for f, cf, d in zip(flags, cfads, ds)]
    rows = {
        "year": list(years), "flag": flags, "first": [1.0 if t == 1 else 0.0 for t in years], "cfads": cfads,
        "debt_service": ds, "discount": disc, "pv_debt_service": [d * df for d, df in zip(ds, disc)],
        "pv_cfads": [cf * df for cf, df in zip(cfads, disc)],
        **{k: sched[k] for k in ("opening", "interest", "principal", "closing")},
        "dscr": dscr, "dscr_gap": [f * xp.absolute(x - target_dscr) for f, x in zip(flags, dscr)],
    }
    closing_at_tenor = 0.0
    for t, c in zip(years, sched["closing"]):
        closing_at_tenor = xp.where(t == tenor_contracted_years, c, closing_at_tenor)
    pv_cfads = 0.0
    for x in rows["pv_cfads"]:
        pv_cfads = pv_cfads + x
    return {"capacity": sched["capacity"][0], "closing_at_tenor": closing_at_tenor, "pv_cfads": pv_cfads,
            "rows": rows}


@line(S, "$", "Sculpted debt capacity", "SUM([sculpting.pv_debt_service:])", block="sculpting")
def sculpted_debt_capacity(sculpting):
    """Σ_{t ≤ tenor} DS_t / (1 + rate_contracted)^t, DS_t = cfads_contracted · (1 + cfads_growth)^(t−1) / target_dscr"""
    return sculpting["capacity"]


@line(S, "$", "Sculpted closing balance", "INDEX([sculpting.closing:],1,tenor_contracted_years)", block="sculpting")
def sculpted_closing_balance(sculpting):
    """closing balance of the corkscrew in year tenor_contracted_years (≈ 0: a check)"""
    return sculpting["closing_at_tenor"]


@line(S, "×", "LLCR", "SUM([sculpting.pv_cfads:])/sculpted_debt_capacity", block="sculpting")
def llcr(sculpting):
    """Σ CFADS_t / (1 + rate_contracted)^t / sculpted_debt_capacity"""
    return sculpting["pv_cfads"] / sculpting["capacity"]
