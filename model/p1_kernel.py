"""P1's outputs in one pass per scenario, compiled by numba (imported only through `model.fused`).

The same arithmetic as `model.lines.project_arrays` (`operations_arrays`, `financing_arrays`; the lines of
`model.lines.project` that sum their rows) and `model.finance._irr_arrays`, operation for operation and in the
same order; the decline powers are the numpy path's own rows (`decline_powers`, passed in). A 0/1 flag switches
a term off as the plain-float path does (the term is not computed: 0 even where it would be infinite, where
numpy's ×0 gives nan), and a scenario's years after its economic life are skipped (zeros). No yearly row is
kept: a scenario's sixteen years live in small buffers, which is what makes this faster than numpy's
years × scenarios arrays (bench/run.py).

Arrays are scenario-major (a scenario's values adjacent: a few memory streams, not one per row): the columns of
`X` are `model.fused.PARAMS`, the columns of `out` are `model.fused.PRODUCTS` (the last one: Σ rent_pv, which
`model.fused.run` turns into the levelized rent), in those orders; `D` is scenarios × years.
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


@_inline
def _horner_d(G, last, x):
    """p = Σ G_t x^t and dp = Σ t G_t x^(t−1), from the last year down."""
    p = 0.0
    dp = 0.0
    for t in range(last, -1, -1):
        dp = dp * x + p
        p = p * x + G[t]
    return p, dp


# Two scenarios' flows side by side: two independent chains in one loop, which the CPU runs at once (each chain
# waits on its own multiply-add). From `last`, the later of the two last years: a flow's zeros after its own last
# year leave its sums at exactly 0 (0·x + 0), so each is what _horner gives it alone.
@_inline
def _horner2(G1, G2, last, x1, x2):
    p1 = 0.0
    p2 = 0.0
    for t in range(last, -1, -1):
        p1 = p1 * x1 + G1[t]
        p2 = p2 * x2 + G2[t]
    return p1, p2


@_inline
def _horner2_d(G1, G2, last, x1, x2):
    p1 = dp1 = p2 = dp2 = 0.0
    for t in range(last, -1, -1):
        dp1 = dp1 * x1 + p1
        p1 = p1 * x1 + G1[t]
        dp2 = dp2 * x2 + p2
        p2 = p2 * x2 + G2[t]
    return p1, dp1, p2, dp2


@_inline
def _start(G):
    """(defined, last year with a non-zero flow, the sign at u = IRR_U_LOW, NPV at both ends of the range): one
    sign change in the flows and a root inside, or not defined."""
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
        return False, last, 0.0, 0.0, 0.0
    f_lo, f_hi = _horner(G, last, X_LO), _horner(G, last, X_HI)
    s_lo, s_hi = _sign(f_lo), _sign(f_hi)
    if s_lo != s_lo:
        s_lo = 0.0
    if s_hi != s_hi:
        s_hi = 0.0
    return s_lo != 0 and s_lo != s_hi, last, s_lo, f_lo, f_hi


@_inline
def _grid_step(p, s, im, il, ih, fa, fb):
    """The grid bracket after NPV p at grid point im: the root is above where the sign is still s."""
    if _sign(p) == s:
        return im, ih, p, fb
    return il, im, fa, p


@_inline
def _first_guess(ug, il, ih, fa, fb):
    """Regula falsi inside the grid cell (its middle if that falls outside): u, lo, hi."""
    lo, hi = ug[il], ug[ih]
    u = lo - fa * (hi - lo) / (fb - fa)
    if not (u > lo and u < hi):
        u = (lo + hi) * 0.5
    return u, lo, hi


@_inline
def _newton(u, lo, hi, p, dp, x, s, older, prev, was_newton):
    """One safeguarded Newton step in u from NPV p and its derivative dp at x = e^−u: (u, lo, hi, older, prev,
    was_newton, done)."""
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
    mid = (lo + hi) * 0.5
    if not newton:
        nxt = mid
    older, prev = prev, abs(nxt - u)
    at_root = p == 0
    done = small or quad or at_root or mid == lo or mid == hi
    if at_root:
        nxt = u
    return nxt, lo, hi, older, prev, newton, done


@_inline
def _step(G, last, u, lo, hi, s, older, prev, was_newton):
    """One Newton iteration of G's IRR at u: NPV and its derivative there, then _newton."""
    x = math.exp(-u)
    p, dp = _horner_d(G, last, x)
    return _newton(u, lo, hi, p, dp, x, s, older, prev, was_newton)


@_jit
def _solve(G, last, s, fa, fb, xg, ug):
    """G's IRR once _start has found it defined: the grid bracket, regula falsi, then Newton steps."""
    il, ih = 0, ug.size - 1
    while ih - il > 1:
        im = (il + ih) // 2
        il, ih, fa, fb = _grid_step(_horner(G, last, xg[im]), s, im, il, ih, fa, fb)
    u, lo, hi = _first_guess(ug, il, ih, fa, fb)
    older = prev = hi - lo
    was_newton = False
    for _ in range(MAX_ITER):
        u, lo, hi, older, prev, was_newton, done = _step(G, last, u, lo, hi, s, older, prev, was_newton)
        if done:
            break
    return math.expm1(u)


@_jit
def irr(G, xg, ug):
    """model.finance._irr_arrays for one scenario's flows G (16 years): one sign change or nan, the grid bracket
    (`ug`, its x = e^−u in `xg`), regula falsi, then safeguarded Newton in u = ln(1 + r) with the same stops."""
    ok, last, s, fa, fb = _start(G)
    return _solve(G, last, s, fa, fb, xg, ug) if ok else np.nan


@_jit
def irr2(G1, G2, xg, ug):
    """(irr(G1), irr(G2)) to the bit, the two solved in step: where both are open, one loop evaluates both
    (project and equity flows of one scenario: about the time of one)."""
    ok1, last1, s1, fa1, fb1 = _start(G1)
    ok2, last2, s2, fa2, fb2 = _start(G2)
    if not (ok1 and ok2):
        return (_solve(G1, last1, s1, fa1, fb1, xg, ug) if ok1 else np.nan,
                _solve(G2, last2, s2, fa2, fb2, xg, ug) if ok2 else np.nan)
    last = max(last1, last2)
    il1 = il2 = 0
    ih1 = ih2 = ug.size - 1
    while ih1 - il1 > 1 or ih2 - il2 > 1:
        if ih1 - il1 > 1 and ih2 - il2 > 1:
            im1, im2 = (il1 + ih1) // 2, (il2 + ih2) // 2
            p1, p2 = _horner2(G1, G2, last, xg[im1], xg[im2])
            il1, ih1, fa1, fb1 = _grid_step(p1, s1, im1, il1, ih1, fa1, fb1)
            il2, ih2, fa2, fb2 = _grid_step(p2, s2, im2, il2, ih2, fa2, fb2)
        elif ih1 - il1 > 1:
            im1 = (il1 + ih1) // 2
            il1, ih1, fa1, fb1 = _grid_step(_horner(G1, last1, xg[im1]), s1, im1, il1, ih1, fa1, fb1)
        else:
            im2 = (il2 + ih2) // 2
            il2, ih2, fa2, fb2 = _grid_step(_horner(G2, last2, xg[im2]), s2, im2, il2, ih2, fa2, fb2)
    u1, lo1, hi1 = _first_guess(ug, il1, ih1, fa1, fb1)
    u2, lo2, hi2 = _first_guess(ug, il2, ih2, fa2, fb2)
    older1 = prev1 = hi1 - lo1
    older2 = prev2 = hi2 - lo2
    newton1 = newton2 = done1 = done2 = False
    n1 = n2 = 0  # Newton iterations so far: each stops at MAX_ITER, as irr does
    while not (done1 and done2):
        if not done1 and not done2:
            x1, x2 = math.exp(-u1), math.exp(-u2)
            p1, dp1, p2, dp2 = _horner2_d(G1, G2, last, x1, x2)
            u1, lo1, hi1, older1, prev1, newton1, done1 = _newton(u1, lo1, hi1, p1, dp1, x1, s1, older1, prev1,
                                                                  newton1)
            u2, lo2, hi2, older2, prev2, newton2, done2 = _newton(u2, lo2, hi2, p2, dp2, x2, s2, older2, prev2,
                                                                  newton2)
            n1 += 1
            n2 += 1
        elif not done1:
            u1, lo1, hi1, older1, prev1, newton1, done1 = _step(G1, last1, u1, lo1, hi1, s1, older1, prev1, newton1)
            n1 += 1
        else:
            u2, lo2, hi2, older2, prev2, newton2, done2 = _step(G2, last2, u2, lo2, hi2, s2, older2, prev2, newton2)
            n2 += 1
        done1 = done1 or n1 == MAX_ITER
        done2 = done2 or n2 == MAX_ITER
    return math.expm1(u1), math.expm1(u2)


@_jit
def p1_outputs(X, D, out, want, xg, ug):
    """Each scenario (row) of X: operations, debt sized on CFADS, financing, then the P1 outputs into its row of out
    (the columns `want` marks; the others nan, and what only they need is skipped). D[i, t] = (1 − decline)^(t−1)."""
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
    for i in range(X.shape[0]):
        x = X[i]  # this scenario's PARAMS (x[8], the decline rate, comes in as D[i])
        Li, contract_years, tenor, fleet, share, reserved, util, rental = x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]
        hours, cash_cost, afr, gpu_price, dep_years, net_capex = x[9], x[10], x[11], x[12], x[13], x[14]
        net_years, tax_rate, proceeds, book, capex, wacc, dscr_target = x[15], x[16], x[17], x[18], x[19], x[20], x[21]
        rate, ltv, coe, sentinel = x[22], x[23], x[24], x[25]
        T = _min(tenor, Li)
        ny = 1  # year 0 and the years 1..L (the rest are zeros)
        while ny < YEARS and ny <= Li:
            ny += 1
        if not need_ops:  # the levelized rent alone (E2's lines): Σ market price / (1 + wacc)^t, t = 1..L
            W, w1, rent_total = 1.0, 1 + wacc, 0.0
            for t in range(1, ny):
                W *= w1
                rent_total += rental * D[i, t] / W
            out[i, 10] = rent_total
            continue
        k_cost = fleet * hours * cash_cost
        k_repl = fleet * afr * gpu_price
        k_sale = proceeds - tax_rate * _max(0.0, proceeds - book)
        fs = fleet * share
        gpu_per_year, net_per_year = 1.0 * gpu_price / dep_years, 1.0 * net_capex / net_years
        r1, w1, e1 = 1 + rate, 1 + wacc, 1 + coe
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
                contract = 1.0 if t <= contract_years else 0.0
                Dt = D[i, t]
                market = rental * Dt
                contracted = contract * fs
                rest = (fleet - contracted) * util * market
                revenue = (contracted * reserved + rest) * hours
                ebitda = revenue - k_cost
                replacement = k_repl * Dt
                c1 = _max(_min(dep_years - t + 1, 1.0), 0.0)  # the share of a year depreciated
                c2 = _max(_min(net_years - t + 1, 1.0), 0.0)
                f1 = gpu_per_year if c1 == 1.0 else c1 * gpu_price / dep_years  # 1 · a / b = a / b exactly
                f2 = net_per_year if c2 == 1.0 else c2 * net_capex / net_years
                depreciation = (f1 + f2) * fleet
                operating = ebitda - replacement
                cfads = operating - _max(operating - depreciation, 0.0) * tax_rate
            debt = 1.0 if 1 <= t and t <= T else 0.0
            sale = k_sale if t == Li else 0.0
            flow = cfads + sale
            if t == 0:
                flow -= capex
            cf[t], cfads_[t], operating_[t], dep_[t], sale_[t], debt_[t] = flow, cfads, operating, depreciation, sale, debt
            if debt:
                capacity += _max(cfads, 0.0) / dscr_target / R
            revenue_total += revenue
            ebitda_total += ebitda
            if w_project_npv:
                project_npv += flow / W
            if w_rent:
                rent_total += market / W
        # fleet_debt, then the sculpted debt service, its present value from the last year back, equity
        fleet_debt = _min(capacity, ltv * capex)
        equity_npv = returned = 0.0
        low = sentinel
        if need_fin:
            scale = fleet_debt / capacity if capacity > 0 else 0.0
            for t in range(ny):
                ds[t] = _max(cfads_[t], 0.0) / dscr_target * scale if debt_[t] else 0.0
            pv = 0.0
            for t in range(ny - 1, -1, -1):
                pv = (ds[t] + pv) / r1
                interest = pv * rate if debt_[t] else 0.0
                levered_tax = _max(operating_[t] - dep_[t] - interest, 0.0) * tax_rate
                eq[t] = operating_[t] - levered_tax - ds[t] + sale_[t]
            eq[0] -= capex - fleet_debt
            E = 1.0
            for t in range(ny):  # the years after hold zeros (equity) and the sentinel (no debt service)
                if t >= 1:
                    returned += eq[t]
                if w_equity_npv:
                    if t >= 1:
                        E *= e1
                    equity_npv += eq[t] / E
                if w_min_dscr:
                    v = cfads_[t] / ds[t] if ds[t] > 0 else sentinel
                    low = v if t == 0 else _min(low, v)
            if ny < YEARS:
                low = _min(low, sentinel)
        invested = capex - fleet_debt
        out[i, 0] = capacity
        out[i, 1] = fleet_debt
        out[i, 2] = low if fleet_debt > 0 and w_min_dscr else np.nan
        out[i, 3] = revenue_total
        out[i, 4] = np.nan if revenue_total == 0 else ebitda_total / revenue_total
        out[i, 5] = project_npv if w_project_npv else np.nan
        if w_project_irr and w_equity_irr:
            out[i, 6], out[i, 8] = irr2(cf, eq, xg, ug)
        else:
            out[i, 6] = irr(cf, xg, ug) if w_project_irr else np.nan
            out[i, 8] = irr(eq, xg, ug) if w_equity_irr else np.nan
        out[i, 7] = equity_npv if w_equity_npv else np.nan
        out[i, 9] = np.nan if invested == 0 or not w_multiple else returned / invested
        out[i, 10] = rent_total if w_rent else np.nan
