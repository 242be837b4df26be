"""P1's two yearly blocks on arrays: years × scenarios at once (model/lines/project.py holds the blocks, their rows
and the plain-float path that reads as MODEL.md; this is the same arithmetic, operation for operation, in numpy).

The 0/1 flags once per block, a flag leading a product multiplying the rest computed once per scenario (×1 and ×0
are exact), the discount factors carried year to year, the years after the chunk's longest economic life left as
zeros, and every row of a block in one buffer that the next chunk reuses once nothing holds it (`xp.scratch`).
"""

from .. import xp
from ..finance import irr_search, sign_rows
from .project import DEBT, OPERATIONS, YEARS, _Rows


def _carry(base, first: int, out, np):
    """base^(t − first) for t = 0..n−1 (1 up to t = first) by repeated multiplication into `out` (years first)."""
    out[:first + 1] = 1.0
    for t in range(first + 1, len(out)):
        np.multiply(out[t - 1], base, out=out[t])
    return out


def decline_powers(decline_rate, out) -> object:
    """out[t] = (1 − decline_rate)^(t−1) for t ≥ 1 (out[0] = 1), each a power as `decline ** (t − 1)` computes it
    (not carried: cfads can cancel and show the last bits); out is years × scenarios. The compiled P1
    (model/fused.py) reads the same rows."""
    import numpy as np

    decline = 1 - decline_rate
    out[0] = 1.0
    for t in range(1, len(out)):
        e = t - 1
        if e <= 1:
            out[t] = 1.0 if e == 0 else decline
        elif e == 2:
            np.square(decline, out=out[t])
        else:
            np.power(decline, float(e), out=out[t])
    return out


def _frozen_zeros(shape, np):
    z = np.zeros(shape)
    z.flags.writeable = False
    return z


class _YearRows(list):
    """One row of a block on arrays: a list of years (arrays of scenarios), the first len(`array`) of them views of
    `array` (years × scenarios), the rest zeros. The financing block reads `array` instead of stacking the years."""

    array: object = None


def _year_rows(array, pad: list) -> _YearRows:
    rows = _YearRows(list(array) + pad)
    rows.array = array
    return rows


def operations_arrays(L, contract_years, tenor, fleet, share, reserved, util, rental, decline_rate, hours, cash_cost,
                      afr, gpu_price, dep_years, net_capex, net_years, tax_rate, proceeds, book, capex, wacc, dscr,
                      rate, keep_rows=False):
    import numpy as np

    args = (L, contract_years, tenor, fleet, share, reserved, util, rental, decline_rate, hours, cash_cost, afr,
            gpu_price, dep_years, net_capex, net_years, tax_rate, proceeds, book, capex, wacc, dscr, rate)
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    # years after the longest economic life in these scenarios hold zeros (flags, signs aside)
    n = int(min(YEARS, max(np.max(L), 0) + 1)) if np.size(L) else YEARS
    tf = np.arange(YEARS, dtype=float).reshape((YEARS,) + (1,) * len(shape))
    T = np.minimum(tenor, L)

    # one allocation for the flags and one for the rest, reused from chunk to chunk: a chunk's rows are tens
    # of MB, and fresh arrays of that size cost more in page faults than in arithmetic
    life_f, contract_f, debt_f, last_f = flags = xp.scratch("P1.flags", (4, YEARS) + shape)
    for f, end in ((life_f, L), (contract_f, contract_years), (debt_f, T)):
        f[0] = 0.0
        np.less_equal(tf[1:], end, out=f[1:], casting="unsafe")
    np.equal(tf, L, out=last_f, casting="unsafe")
    del flags
    life, contract, debt, tc = life_f[:n], contract_f[:n], debt_f[:n], tf[:n]
    (D, W, R, market, contracted, rest, revenue, cash_costs, ebitda, replacement, depreciation, scratch,
     unlevered_tax, cfads, sale, cash_flow, project_pv, abs_flow, capacity_pv, rent_pv) = xp.scratch(
        "P1.operations", (20, n) + shape)
    decline_powers(decline_rate, D)
    _carry(1 + rate, 0, R, np)
    k_cost = fleet * hours * cash_cost
    k_repl = fleet * afr * gpu_price
    k_sale = proceeds - tax_rate * np.maximum(0.0, proceeds - book)

    # flags are 0 or 1, so products with them are exact in any order: each flag multiplies once
    np.multiply(rental, D, out=market)
    market *= life
    np.multiply(life, contract, out=contracted)
    contracted *= fleet * share
    np.subtract(fleet, contracted, out=rest)
    rest *= util
    rest *= market
    np.multiply(contracted, reserved, out=revenue)
    revenue += rest
    revenue *= hours  # 0 outside the life already: contracted and market are
    np.multiply(life, k_cost, out=cash_costs)
    np.subtract(revenue, cash_costs, out=ebitda)
    np.multiply(k_repl, D, out=replacement)
    replacement *= life

    def year_share(years, f):  # MAX(0,MIN(1,years−[year]+1)): the share of a full year's depreciation
        np.subtract(years, tc, out=f)
        f += 1
        np.minimum(f, 1.0, out=f)
        np.maximum(f, 0.0, out=f)
        return f

    def straight(years, amount, f):
        year_share(years, f)
        f *= amount
        f /= years
        return f

    straight(dep_years, gpu_price, depreciation)
    depreciation += straight(net_years, net_capex, scratch)
    depreciation *= fleet
    depreciation *= life
    operating = np.subtract(ebitda, replacement, out=scratch)  # EBITDA − replacement: taxed, then CFADS
    np.subtract(operating, depreciation, out=unlevered_tax)
    np.maximum(unlevered_tax, 0.0, out=unlevered_tax)
    unlevered_tax *= tax_rate
    np.subtract(operating, unlevered_tax, out=cfads)
    np.multiply(last_f[:n], k_sale, out=sale)
    np.add(cfads, sale, out=cash_flow)
    cash_flow[0] -= capex
    np.maximum(cfads, 0.0, out=capacity_pv)
    capacity_pv /= dscr
    capacity_pv /= R
    capacity_pv *= debt

    zero = _frozen_zeros(shape, np)
    pad = [zero] * (YEARS - n)
    rows = {"period": [t + 1.0 for t in range(YEARS)], "year": [float(t) for t in range(YEARS)],
            "start": [1.0] + [0.0] * (YEARS - 1)}
    for key, v in (("life", life_f), ("contract", contract_f), ("debt", debt_f), ("last", last_f)):
        rows[key] = _year_rows(v, [])
    for key, v in (("market_price", market), ("contracted_gpus", contracted), ("revenue", revenue),
                   ("cash_costs", cash_costs), ("ebitda", ebitda), ("replacement_capex", replacement),
                   ("tax_depreciation", depreciation), ("unlevered_tax", unlevered_tax), ("cfads", cfads),
                   ("sale_cash", sale), ("project_cash_flow", cash_flow), ("capacity_pv", capacity_pv)):
        rows[key] = _year_rows(v, pad)

    def at_wacc():
        _carry(1 + wacc, 0, W, np)
        np.divide(cash_flow, W, out=project_pv)
        np.divide(market, W, out=rent_pv)
        return {"project_pv": _year_rows(project_pv, pad), "rent_pv": _year_rows(rent_pv, pad)}

    def signs():
        s, f = sign_rows(cash_flow, "P1.project_sign")
        return {"project_sign": s + [s[-1]] * (YEARS - n), "project_flip": f + pad}

    def shares():  # the year shares that tax_depreciation read (computed inline above, without the rows)
        made = {}
        for key, years in (("gpu_depreciation_share", dep_years), ("network_depreciation_share", net_years)):
            f = year_share(years, np.empty((n,) + shape))
            f *= life
            made[key] = _year_rows(f, pad)
        return made

    def search():
        return {"project_irr_search": irr_search(out["project_cash_flow"], out["project_sign"][-1])}

    later = {"project_pv": at_wacc, "rent_pv": at_wacc, "project_sign": signs, "project_flip": signs,
             "project_irr_search": search,
             "gpu_depreciation_share": shares, "network_depreciation_share": shares,
             "capex": lambda: {"capex": [np.broadcast_to(capex, shape) + 0.0] + [zero] * (YEARS - 1)},
             "project_abs_flow": lambda: {"project_abs_flow": _year_rows(np.absolute(cash_flow, out=abs_flow), pad)}}
    out = _Rows(rows, later)
    return out.complete(OPERATIONS) if keep_rows else out


def financing_arrays(ops, debt_, capacity, r, dscr_target, tax_rate, capex, coe, sentinel, keep_rows=False):
    import numpy as np

    shape = np.broadcast_shapes(*(np.shape(a) for a in (debt_, capacity, r, dscr_target, tax_rate, capex, coe)),
                                *(np.shape(v) for v in ops["cfads"]))
    if isinstance(ops["cfads"], _YearRows) and ops["cfads"].array.shape[1:] == shape:
        n = len(ops["cfads"].array)  # the operations block's years: zeros after them

        def stack(key, out):
            return ops[key].array[:n]
    else:  # operations on floats, financing on arrays
        # the years after the last non-zero operations year (of any scenario) hold zeros
        n = YEARS
        while n > 1 and ops["cfads"][n - 1] is ops["cfads"][YEARS - 1] and not np.any(ops["cfads"][n - 1]) \
                and not np.any(ops["sale_cash"][n - 1]) and not np.any(ops["debt"][n - 1]):
            n -= 1

        def stack(key, out):
            for t in range(n):
                out[t] = ops[key][t]
            return out

    (cfads_, debt_f, ds, opening, interest, principal, closing, gap, dscr, dscr_or, equity, levered_tax, equity_pv,
     scratch) = xp.scratch("P1.financing", (14, n) + shape)
    cfads = stack("cfads", cfads_)
    debt = stack("debt", debt_f)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(capacity > 0, np.true_divide(debt_, capacity), 0.0)
    np.maximum(cfads, 0.0, out=ds)
    ds /= dscr_target
    ds *= scale
    ds *= debt
    r1 = 1 + r
    pv = xp.scratch("P1.pv", (n + 1,) + shape)  # NPV(r, DS_t..), built from the last year back
    pv[n] = 0.0
    for t in range(n - 1, -1, -1):
        np.add(ds[t], pv[t + 1], out=pv[t])
        pv[t] /= r1
    np.multiply(pv[:n], debt, out=opening)
    np.multiply(opening, r, out=interest)
    np.subtract(stack("ebitda", equity), stack("replacement_capex", scratch), out=equity)  # operating
    np.subtract(equity, stack("tax_depreciation", scratch), out=levered_tax)
    levered_tax -= interest
    np.maximum(levered_tax, 0.0, out=levered_tax)
    levered_tax *= tax_rate
    equity -= levered_tax
    equity -= ds
    equity += stack("sale_cash", scratch)
    equity[0] -= capex - debt_

    zero = _frozen_zeros(shape, np)
    pad = [zero] * (YEARS - n)
    rows = {key: _year_rows(v, pad) for key, v in (("debt_service", ds), ("opening", opening), ("interest", interest),
                                                    ("levered_tax", levered_tax), ("equity_cash_flow", equity))}

    def drawdown():
        return {"drawdown": [np.broadcast_to(debt_, shape).astype(float)] + [zero] * (YEARS - 1)}

    def invested():
        return {"equity_invested": [np.broadcast_to(capex - debt_, shape).astype(float)] + [zero] * (YEARS - 1)}

    def corkscrew():
        np.subtract(ds, interest, out=principal)
        closing[:-1] = opening[1:]
        closing[-1] = 0.0  # the opening of year n: beyond the debt (or the years)
        np.copyto(gap, opening)
        gap[0] += debt_
        np.subtract(gap, principal, out=gap)
        np.subtract(gap, closing, out=gap)
        return {"principal": _year_rows(principal, pad), "closing": _year_rows(closing, pad),
                "corkscrew_gap": _year_rows(gap, pad)}

    def cover():
        none = ~(ds > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(cfads, ds, out=dscr)
        np.copyto(dscr_or, dscr)
        dscr[none] = np.nan
        dscr_or[none] = sentinel
        nan_row = np.full(shape, np.nan)
        nan_row.flags.writeable = False
        sentinel_row = np.full(shape, sentinel)
        sentinel_row.flags.writeable = False
        return {"dscr": list(dscr) + [nan_row] * (YEARS - n),
                "dscr_or_sentinel": list(dscr_or) + [sentinel_row] * (YEARS - n)}

    def bridge():  # in the workbook's order of operations, so that both show the same float noise
        inner = np.subtract(stack("project_cash_flow", scratch), ds)  # a new array: stack may be a view
        inner[0] += debt_
        inner -= levered_tax - stack("unlevered_tax", scratch)
        return {"bridge_gap": _year_rows(np.subtract(equity, inner, out=inner), pad)}

    def at_cost_of_equity():
        return {"equity_pv": _year_rows(np.divide(equity, _carry(1 + coe, 0, scratch, np), out=equity_pv), pad)}

    def signs():
        s, f = sign_rows(equity, "P1.equity_sign")
        return {"equity_sign": s + [s[-1]] * (YEARS - n), "equity_flip": f + pad}

    def search():
        return {"equity_irr_search": irr_search(out["equity_cash_flow"], out["equity_sign"][-1])}

    later = {"drawdown": drawdown, "principal": corkscrew, "closing": corkscrew, "corkscrew_gap": corkscrew,
             "equity_irr_search": search,
             "equity_abs_flow": lambda: {"equity_abs_flow": _year_rows(np.absolute(equity), pad)},
             "dscr": cover, "dscr_or_sentinel": cover, "equity_pv": at_cost_of_equity, "equity_sign": signs,
             "bridge_gap": bridge, "equity_invested": invested,
             "equity_flip": signs}
    out = _Rows(rows, later)
    return out.complete(DEBT) if keep_rows else out
