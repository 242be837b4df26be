"""P1's outputs in one pass per scenario, compiled by numba (imported only through `model.fused`).

The same arithmetic as `model.lines.project` (`_operations_arrays`, `_financing_arrays`, the lines that sum
their rows) and `model.finance._irr_arrays`, operation for operation and in the same order; the decline powers
are the numpy path's own rows (`decline_powers`, passed in). A 0/1 flag switches a term off as the plain-float
path does (the term is not computed: 0 even where it would be infinite, where numpy's ×0 gives nan), and a
scenario's years after its economic life are skipped (zeros). No yearly row is kept: a scenario's sixteen years
live in small buffers, which is what makes this faster than numpy's years × scenarios arrays (bench/run.py).

Rows of `X` are `model.fused.PARAMS`, rows of `out` are `model.fused.PRODUCTS` (the last one: Σ rent_pv, which
`model.fused.run` turns into the levelized rent), in those orders.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .finance import _MAX_ITER as MAX_ITER
from .finance import _QUAD as QUAD
from .finance import _TOL as TOL
from .finance import IRR_U_HIGH, IRR_U_LOW
from .lines.project import YEARS

X_LO, X_HI = math.exp(-IRR_U_LOW), math.exp(-IRR_U_HIGH)  # as model.finance._irr_arrays


def _jit(func):
    """Compiled once and cached by numba (beside this file, else in the user's cache folder or NUMBA_CACHE_DIR);
    where no folder is writable, compiled in each process instead (~3 s) rather than not at all."""
    try:
        return njit(cache=True, nogil=True, error_model="numpy")(func)
    except RuntimeError:  # numba: "cannot cache function ...: no locator available"
        return njit(nogil=True, error_model="numpy")(func)


_inline = njit(inline="always", error_model="numpy")


@_inline
def _max(a, b):
    """np.maximum: nan when either is nan."""
    if a != a or b != b:
        return a + b
    return a if a >= b else b


@_inline
def _min(a, b):
    """np.minimum: nan when either is nan."""
    if a != a or b != b:
        return a + b
    return a if a <= b else b


@_inline
def _sign(v):
    """np.sign: nan for nan."""
    if v > 0:
        return 1.0
    if v < 0:
        return -1.0
    if v == 0:
        return 0.0
    return v


@_inline
def _horner(G, last, x):
    p = 0.0
    for t in range(last, -1, -1):
        p = p * x + G[t]
    return p


@_jit
def irr(G, xg, ug):
    """model.finance._irr_arrays for one scenario's flows G (16 years): one sign change or nan, the grid bracket
    (`ug`, its x = e^−u in `xg`), regula falsi, then safeguarded Newton in u = ln(1 + r) with the same stops."""
    prev = 0.0
    flips = 0
    last = 0
    for t in range(G.size):
        cf = G[t]
        s = 1.0 if cf > 0 else (-1.0 if cf < 0 else prev)
        if s != prev and prev != 0 and cf != 0:
            flips += 1
        prev = s
        if cf != 0:
            last = t
    if flips != 1:
        return np.nan
    f_lo, f_hi = _horner(G, last, X_LO), _horner(G, last, X_HI)
    s_lo, s_hi = _sign(f_lo), _sign(f_hi)
    if s_lo != s_lo:
        s_lo = 0.0
    if s_hi != s_hi:
        s_hi = 0.0
    if not (s_lo != 0 and s_lo != s_hi):
        return np.nan
    s = s_lo
    il, ih, fa, fb = 0, ug.size - 1, f_lo, f_hi
    while ih - il > 1:
        im = (il + ih) // 2
        p = _horner(G, last, xg[im])
        if _sign(p) == s:
            il, fa = im, p
        else:
            ih, fb = im, p
    lo, hi = ug[il], ug[ih]
    u = lo - fa * (hi - lo) / (fb - fa)
    if not (u > lo and u < hi):
        u = (lo + hi) * 0.5
    older = prev = hi - lo
    was_newton = False
    for _ in range(MAX_ITER):
        x = math.exp(-u)
        p = 0.0
        dp = 0.0
        for t in range(last, -1, -1):
            dp = dp * x + p
            p = p * x + G[t]
        if _sign(p) == s:
            lo = u
        else:
            hi = u
        dp = dp * x
        step = p / dp
        nxt = u + step
        step = abs(step)
        usable = math.isfinite(dp) and dp != 0  # an overflowed derivative gives a zero step far from the root
        small = usable and step <= TOL
        newton = small or (usable and nxt > lo and nxt < hi and step <= 0.5 * older)
        quad = newton and was_newton and step * step * step <= QUAD * prev * prev
        was_newton = newton
        mid = (lo + hi) * 0.5
        if not newton:
            nxt = mid
        older, prev = prev, abs(nxt - u)
        at_root = p == 0
        done = small or quad or at_root or mid == lo or mid == hi
        if at_root:
            nxt = u
        u = nxt
        if done:
            break
    return math.expm1(u)


@_jit
def p1_outputs(X, D, out, want, xg, ug):
    """Each scenario (column) of X: operations, debt sized on CFADS, financing, then the P1 outputs into out (the
    rows `want` marks; the others nan, and what only they need is skipped). D[t] = (1 − decline)^(t−1)."""
    L, contract_years, tenor, fleet, share, reserved, util, rental = X[0], X[1], X[2], X[3], X[4], X[5], X[6], X[7]
    hours, cash_cost, afr, gpu_price, dep_years, net_capex = X[9], X[10], X[11], X[12], X[13], X[14]
    net_years, tax_rate, proceeds, book, capex, wacc, dscr_target, rate = (X[15], X[16], X[17], X[18], X[19], X[20],
                                                                           X[21], X[22])
    ltv, coe, sentinel = X[23], X[24], X[25]  # X[8], the decline rate, comes in as D
    cf = np.zeros(YEARS)  # project cash flow
    eq = np.zeros(YEARS)  # equity cash flow
    cfads_ = np.zeros(YEARS)
    operating_ = np.zeros(YEARS)  # EBITDA − replacement capex
    dep_ = np.zeros(YEARS)
    sale_ = np.zeros(YEARS)
    debt_ = np.zeros(YEARS)
    ds = np.zeros(YEARS)
    w_min_dscr, w_project_npv, w_project_irr, w_equity_npv = want[2], want[5], want[6], want[7]
    w_equity_irr, w_multiple, w_rent = want[8], want[9], want[10]
    w_pv = w_project_npv or w_rent
    need_fin = w_min_dscr or w_equity_npv or w_equity_irr or w_multiple  # the debt and equity years
    need_ops = need_fin or want[0] or want[1] or want[3] or want[4] or w_project_npv or w_project_irr
    out[:] = np.nan
    for i in range(X.shape[1]):
        Li = L[i]
        T = _min(tenor[i], Li)
        ny = 1  # year 0 and the years 1..L (the rest are zeros)
        while ny < YEARS and ny <= Li:
            ny += 1
        if not need_ops:  # the levelized rent alone (E2's lines): Σ market price / (1 + wacc)^t, t = 1..L
            W, w1, rent_total = 1.0, 1 + wacc[i], 0.0
            for t in range(1, ny):
                W *= w1
                rent_total += rental[i] * D[t, i] / W
            out[10, i] = rent_total
            continue
        k_cost = fleet[i] * hours[i] * cash_cost[i]
        k_repl = fleet[i] * afr[i] * gpu_price[i]
        k_sale = proceeds[i] - tax_rate[i] * _max(0.0, proceeds[i] - book[i])
        fs = fleet[i] * share[i]
        gpu_per_year, net_per_year = 1.0 * gpu_price[i] / dep_years[i], 1.0 * net_capex[i] / net_years[i]
        r1, w1, e1 = 1 + rate[i], 1 + wacc[i], 1 + coe[i]
        R = W = 1.0
        capacity = revenue_total = ebitda_total = project_npv = rent_total = 0.0
        for t in range(YEARS):
            if t >= ny:
                cf[t] = eq[t] = cfads_[t] = operating_[t] = dep_[t] = sale_[t] = debt_[t] = ds[t] = 0.0
                continue
            if t >= 1:
                R *= r1
                if w_pv:
                    W *= w1
            market = revenue = ebitda = operating = depreciation = cfads = 0.0
            if 1 <= t and t <= Li:  # the operating flag: off in year 0
                contract = 1.0 if t <= contract_years[i] else 0.0
                Dt = D[t, i]
                market = rental[i] * Dt
                contracted = contract * fs
                rest = (fleet[i] - contracted) * util[i] * market
                revenue = (contracted * reserved[i] + rest) * hours[i]
                ebitda = revenue - k_cost
                replacement = k_repl * Dt
                c1 = _max(_min(dep_years[i] - t + 1, 1.0), 0.0)  # the share of a year depreciated
                c2 = _max(_min(net_years[i] - t + 1, 1.0), 0.0)
                f1 = gpu_per_year if c1 == 1.0 else c1 * gpu_price[i] / dep_years[i]  # 1 · a / b = a / b exactly
                f2 = net_per_year if c2 == 1.0 else c2 * net_capex[i] / net_years[i]
                depreciation = (f1 + f2) * fleet[i]
                operating = ebitda - replacement
                cfads = operating - _max(operating - depreciation, 0.0) * tax_rate[i]
            debt = 1.0 if 1 <= t and t <= T else 0.0
            sale = k_sale if t == Li else 0.0
            flow = cfads + sale
            if t == 0:
                flow -= capex[i]
            cf[t], cfads_[t], operating_[t], dep_[t], sale_[t], debt_[t] = flow, cfads, operating, depreciation, sale, debt
            if debt:
                capacity += _max(cfads, 0.0) / dscr_target[i] / R
            revenue_total += revenue
            ebitda_total += ebitda
            if w_project_npv:
                project_npv += flow / W
            if w_rent:
                rent_total += market / W
        # fleet_debt, then the sculpted debt service, its present value from the last year back, equity
        fleet_debt = _min(capacity, ltv[i] * capex[i])
        equity_npv = returned = 0.0
        low = sentinel[i]
        if need_fin:
            scale = fleet_debt / capacity if capacity > 0 else 0.0
            for t in range(ny):
                ds[t] = _max(cfads_[t], 0.0) / dscr_target[i] * scale if debt_[t] else 0.0
            pv = 0.0
            for t in range(ny - 1, -1, -1):
                pv = (ds[t] + pv) / r1
                interest = pv * rate[i] if debt_[t] else 0.0
                levered_tax = _max(operating_[t] - dep_[t] - interest, 0.0) * tax_rate[i]
                eq[t] = operating_[t] - levered_tax - ds[t] + sale_[t]
            eq[0] -= capex[i] - fleet_debt
            E = 1.0
            for t in range(ny):  # the years after hold zeros (equity) and the sentinel (no debt service)
                if t >= 1:
                    returned += eq[t]
                if w_equity_npv:
                    if t >= 1:
                        E *= e1
                    equity_npv += eq[t] / E
                if w_min_dscr:
                    v = cfads_[t] / ds[t] if ds[t] > 0 else sentinel[i]
                    low = v if t == 0 else _min(low, v)
            if ny < YEARS:
                low = _min(low, sentinel[i])
        invested = capex[i] - fleet_debt
        out[0, i] = capacity
        out[1, i] = fleet_debt
        out[2, i] = low if fleet_debt > 0 and w_min_dscr else np.nan
        out[3, i] = revenue_total
        out[4, i] = np.nan if revenue_total == 0 else ebitda_total / revenue_total
        out[5, i] = project_npv if w_project_npv else np.nan
        out[6, i] = irr(cf, xg, ug) if w_project_irr else np.nan
        out[7, i] = equity_npv if w_equity_npv else np.nan
        out[8, i] = irr(eq, xg, ug) if w_equity_irr else np.nan
        out[9, i] = np.nan if invested == 0 or not w_multiple else returned / invested
        out[10, i] = rent_total if w_rent else np.nan
