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


@line(S, "$/yr", "Interest saved at the contracted spread", "debt_amount*(spread_uncontracted-spread_contracted)")
def interest_savings_contracted(debt_amount, spread_uncontracted, spread_contracted):
    """debt_amount · (spread_uncontracted − spread_contracted)"""
    return debt_amount * (spread_uncontracted - spread_contracted)


SCULPT_YEARS = 30


@block(S, "Debt sculpted to the target DSCR", SCULPT_YEARS, [
    Row("year", "Year", "year", "[year<]+1"),
    Row("flag", "Loan-term flag", "flag", "IF([year]<=tenor_contracted_years,1,0)"),
    Row("cfads", "CFADS", "$", "[flag]*cfads_contracted*(1+cfads_growth)^([year]-1)"),
    Row("debt_service", "Debt service", "$", "[cfads]/target_dscr"),
    Row("discount", "Discount factor", "×", "[flag]/(1+rate_contracted)^[year]"),
    Row("pv_debt_service", "PV of debt service", "$", "[debt_service]*[discount]"),
    Row("pv_cfads", "PV of CFADS", "$", "[cfads]*[discount]"),
    Row("opening", "Opening balance", "$", "[flag]*NPV(rate_contracted,[debt_service:end])"),
    Row("interest", "Interest", "$", "[opening]*rate_contracted"),
    Row("principal", "Principal", "$", "[debt_service]-[interest]"),
    Row("closing", "Closing balance", "$", "[opening>]"),
    Row("corkscrew_gap", "Opening − principal − closing (check)", "$", "[opening]-[principal]-[closing]", gap=True),
    Row("dscr", "DSCR", "×", "IF([flag]=1,[cfads]/[debt_service],NA())"),
])
def sculpting(cfads_contracted, cfads_growth, target_dscr, rate_contracted, tenor_contracted_years,
              keep_rows=False):
    """Year t ≤ tenor: CFADS_t = cfads_contracted · (1 + g)^(t−1), DS_t = CFADS_t / target_dscr;
    capacity = Σ DS_t / (1 + r)^t; corkscrew: opening_t = Σ_{s≥t} DS_s / (1 + r)^(s−t+1) (the present value of the
    debt service still to pay), interest = opening · r, principal = DS − interest, closing_t = opening_{t+1}."""
    if keep_rows or isinstance(rate_contracted, float):
        return _sculpting_rows(cfads_contracted, cfads_growth, target_dscr, rate_contracted, tenor_contracted_years)
    # arrays: the same sums with the fewest array operations (growth and discount carried year to year)
    grow, disc = 1 + cfads_growth, 1 / (1 + rate_contracted)
    g_t, d_t = 1.0, disc
    pv_factor = 0.0  # Σ flag_t (1 + g)^(t−1) / (1 + r)^t
    for t in range(1, SCULPT_YEARS + 1):
        pv_factor = pv_factor + g_t * d_t * (tenor_contracted_years >= t)
        g_t, d_t = g_t * grow, d_t * disc
    pv_cfads = cfads_contracted * pv_factor
    return {"capacity": pv_cfads / target_dscr, "pv_cfads": pv_cfads}


SCHEDULE_COLUMNS = ("year", "cfads", "debt_service", "opening", "interest", "principal", "closing")


def sculpt_schedule(cfads, target_dscr, rate) -> dict[str, list]:
    """Debt sculpted to `target_dscr` for a CFADS sequence (year 1 first; numbers or arrays):
    DS_t = CFADS_t / target_dscr, opening_t = Σ_{s≥t} DS_s / (1 + rate)^(s−t+1) (built backwards, stable at any
    rate), interest = opening · rate, principal = DS − interest, closing_t = opening_{t+1} (0 after the last year).
    Returns the columns of SCHEDULE_COLUMNS (plus `capacity` = opening_1) as lists by year."""
    ds = [cf / target_dscr for cf in cfads]
    n = len(ds)
    remaining = [0.0] * (n + 1)
    for t in range(n - 1, -1, -1):
        remaining[t] = (ds[t] + remaining[t + 1]) / (1 + rate)
    rows: dict[str, list] = {k: [] for k in SCHEDULE_COLUMNS}
    for t in range(n):
        interest = remaining[t] * rate
        values = (t + 1, cfads[t], ds[t], remaining[t], interest, ds[t] - interest, remaining[t + 1])
        for k, v in zip(rows, values, strict=True):
            rows[k].append(v)
    rows["capacity"] = [remaining[0]]
    return rows


def _sculpting_rows(cfads_contracted, cfads_growth, target_dscr, rate_contracted, tenor_contracted_years):
    """Every row of the block, year by year, exactly as the workbook lays it out."""
    years = range(1, SCULPT_YEARS + 1)
    flags = [xp.where(t <= tenor_contracted_years, 1.0, 0.0) for t in years]
    cfads = [flags[t - 1] * cfads_contracted * (1 + cfads_growth) ** (t - 1) for t in years]
    sched = sculpt_schedule(cfads, target_dscr, rate_contracted)
    ds = sched["debt_service"]
    disc = [f / (1 + rate_contracted) ** t for f, t in zip(flags, years)]
    opening = [f * o for f, o in zip(flags, sched["opening"])]
    rows = {
        "year": [float(t) for t in years], "flag": flags, "cfads": cfads, "debt_service": ds, "discount": disc,
        "pv_debt_service": [d * df for d, df in zip(ds, disc)], "pv_cfads": [cf * df for cf, df in zip(cfads, disc)],
        "opening": opening, "interest": [o * rate_contracted for o in opening],
    }
    rows["principal"] = [d - i for d, i in zip(ds, rows["interest"])]
    rows["closing"] = [*opening[1:], 0.0]
    rows["corkscrew_gap"] = [o - p - c for o, p, c in zip(opening, rows["principal"], rows["closing"])]
    rows["dscr"] = [xp.where(f == 1, xp.div(cf, d), xp.nan) for f, cf, d in zip(flags, cfads, ds)]
    return {"capacity": xp.total(rows["pv_debt_service"]), "pv_cfads": xp.total(rows["pv_cfads"]), "rows": rows}


@line(S, "$", "Sculpted debt capacity", "SUM([sculpting.pv_debt_service:])", block="sculpting")
def sculpted_debt_capacity(sculpting):
    """Σ_{t ≤ tenor} DS_t / (1 + rate_contracted)^t, DS_t = cfads_contracted · (1 + cfads_growth)^(t−1) / target_dscr"""
    return sculpting["capacity"]


@line(S, "×", "LLCR", "SUM([sculpting.pv_cfads:])/sculpted_debt_capacity", block="sculpting")
def llcr(sculpting, sculpted_debt_capacity):
    """Σ CFADS_t / (1 + rate_contracted)^t / sculpted_debt_capacity"""
    return sculpting["pv_cfads"] / sculpted_debt_capacity
