"""Finance helpers shared by line items: IRR by MODEL.md's rule, for one scenario or many.

>>> round(irr([-100.0, 60.0, 60.0], 1.0), 10)    # textbook: 60/(1+r) + 60/(1+r)^2 = 100
0.1306623863
>>> irr([-100.0, 60.0, -60.0], 2.0)               # two sign changes: undefined
nan
"""

from __future__ import annotations

import functools
import math

from . import xp

IRR_U_LOW, IRR_U_HIGH = -30.0, math.log(10001.0)  # u = ln(1 + r): r from −1 + 1e-13 to 10000
_BISECT, _NEWTON = 24, 5


def sign_rows(flows: list, key: str = "sign_rows") -> tuple[list, list]:
    """The IRR helper rows of a cash flow row: sign_t = IF(cf_t>0,1,IF(cf_t<0,−1,sign_{t−1})) (0 before year 0) and
    flip_t = IF(AND(cf_t<>0,sign_{t−1}<>0,sign_t<>sign_{t−1}),1,0). Floats give float rows; arrays (or one
    years × scenarios array) give arrays, their memory reused by `key` (xp.scratch).

    >>> sign_rows([-5.0, 0.0, 3.0, 2.0, -1.0])
    ([-1.0, -1.0, 1.0, 1.0, -1.0], [0.0, 0.0, 1.0, 0.0, 1.0])
    """
    if all(isinstance(f, float) for f in flows):
        signs, flips, prev = [], [], 0.0
        for cf in flows:
            sign = 1.0 if cf > 0 else (-1.0 if cf < 0 else prev)
            flips.append(1.0 if (sign != prev and prev != 0 and cf != 0) else 0.0)
            signs.append(sign)
            prev = sign
        return signs, flips
    import numpy as np

    if isinstance(flows, np.ndarray):  # years × scenarios already
        F = flows
    else:
        shape = np.broadcast_shapes(*(np.shape(f) for f in flows))
        F = np.empty((len(flows),) + shape)
        for t, f in enumerate(flows):
            F[t] = f
    S, X = xp.scratch(key, (2,) + F.shape)
    np.sign(F, out=S)
    S[np.isnan(F)] = 0.0  # neither > 0 nor < 0: the sign carries on
    # carried as sign(2·sign_t + sign_{t−1}): a non-zero sign_t outweighs the previous one, a zero keeps it
    # (arithmetic on ±1 and 0: exact, and far faster than a masked copy)
    for t in range(1, len(F)):
        S[t] += S[t]
        S[t] += S[t - 1]
        np.sign(S[t], out=S[t])
    X[0] = 0.0
    # a flip is a sign opposite to a non-zero previous one: carried signs are ±1 from then on, so the product is −1
    np.multiply(S[1:], S[:-1], out=X[1:])
    np.less(X[1:], 0.0, out=X[1:], casting="unsafe")
    return list(S), list(X)


def irr_search(flows: list, last_sign: object) -> list:
    """The workbook's last IRR guess: a bisection on z = 1/(2 + r) over (0, 1), i.e. r over (−1, ∞), a step per
    year column: r_t = 1/(1/(2 + r_{t−1}) + s_t·2^−(t+2)) − 2 from r_{−1} = 0 (z = 1/2), where s_t = −1 when
    NPV(r_{t−1}, flows) has the sign of the last non-zero flow (`last_sign`: the root's z lies below), else +1.
    After 16 columns z is within 2^−17 of the root's: IRR() started there finds the root where MODEL.md's four
    guesses may not (losses every year, one small positive year), on every model scenario measured; within 1e-5 of
    −100% (IRRs the model's random scenarios do not reach) LibreOffice's Newton may stop short of it or fail.
    Python's IRR does not read it.

    >>> [round(r, 10) for r in irr_search([-1.0, 2.0], 1.0)]  # the root: r = 1 (z = 1/3)
    [2.0, 0.6666666667]
    """
    r = 0.0
    out = []
    for t in range(len(flows)):
        npv, _ = _npv_u(flows, xp.log1p(r))  # NPV(r, flows)·(1 + r): only its sign is read
        step = 2.0 ** -(t + 2)
        r = 1 / (1 / (2 + r) + xp.where(npv * last_sign > 0, -step, step)) - 2
        out.append(r)
    return out


def sign_flips(flips: list) -> object:
    """The number of sign changes of a cash flow row, from its flip helper row (1 where the sign changed)."""
    return xp.total(flips)


def _npv_u(flows: list, u) -> tuple:
    """NPV of `flows` at r = e^u − 1 and its derivative in u (Horner in x = e^−u)."""
    x = xp.exp(-u) if not isinstance(u, float) else math.exp(-u)
    p, dp = flows[-1], 0.0
    for cf in flows[-2::-1]:
        dp = dp * x + p
        p = p * x + cf
    return p, -x * dp


def _fsign(v: float) -> float:
    return 1.0 if v > 0 else (-1.0 if v < 0 else 0.0)


_TOL = 1e-10  # |Newton step| in u at which an array IRR stops (the step is still taken)
# or when two Newton steps in a row show quadratic convergence and predict the error after this step,
# |step|³ / |previous step|², below this (one iteration fewer for most scenarios)
_QUAD = 1e-13
_MAX_ITER = 100  # safeguarded iterations: bisection alone halves a 39-wide bracket to 1e-15 in 55


@functools.cache
def _grid():
    """u = ln(1 + r) where an array IRR's first bracket is searched: the bracket's ends, every 0.2 from
    −10 (r = −0.99995) to 3 (r = 19), then coarser."""
    import numpy as np

    inner = [round(-10 + 0.2 * i, 10) for i in range(66)] + [3.5, 4.0, 5.0, 6.0, 7.0]
    return np.array([IRR_U_LOW, -24.0, -19.0, -16.0, -14.0, -12.5, -11.0, *inner, IRR_U_HIGH])


def _reach(last, T: int, np) -> object:
    """reach[t]: how many scenarios (ordered by `last`, latest first) have a non-zero flow in year t or after."""
    return np.cumsum(np.bincount(last, minlength=T)[::-1])[::-1]


def _horner(G, reach, x, p, dp=None) -> None:
    """p = Σ_t G_t x^t (and dp = Σ_t t G_t x^(t−1) when given) by Horner from the last year down, year t on the
    first reach[t] scenarios only: the others' terms are 0·x + 0 = 0 there, so each scenario's sums are the same
    as over every year (and as the scalar path's), for about half the work when economic lives differ."""
    p.fill(0.0)
    if dp is not None:
        dp.fill(0.0)
    for t in range(G.shape[0] - 1, -1, -1):
        j = int(reach[t])
        if not j:
            continue
        pj, xj = p[:j], x[:j]
        if dp is not None:
            dj = dp[:j]
            dj *= xj
            dj += pj
        pj *= xj
        pj += G[t, :j]


def _irr_arrays(flows: list, flips):
    """The array path of `irr`: the same bracket and rule for undefined, then per scenario a safeguarded
    Newton iteration in u (a Newton step that leaves the bracket is replaced by bisection), on the scenarios
    with a root only, each stopping when its own step falls below _TOL (elementwise: the numbers do not depend
    on how scenarios are grouped or ordered). Scenarios are ordered by their last non-zero year (`_horner`)."""
    import numpy as np

    shape = np.broadcast_shapes(*(np.shape(f) for f in flows), np.shape(flips))
    T, m = len(flows), math.prod(shape)
    rate = np.full(m, np.nan)
    # only flows with exactly one sign change can have an IRR: gather those (often a minority) year by year
    idx = np.flatnonzero(np.broadcast_to(flips, shape).reshape(-1) == 1)
    k = idx.size
    G = np.empty((T, k))
    for t, f in enumerate(flows):
        np.take(np.broadcast_to(f, shape).reshape(-1), idx, out=G[t])
    x_lo, x_hi = math.exp(-IRR_U_LOW), math.exp(-IRR_U_HIGH)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # each scenario's last year with a non-zero flow (0 when none): the largest t·(flow_t ≠ 0); int16: up to
        # 32,767 years (int8 wrapped past 127) and still a radix sort below
        if T > np.iinfo(np.int16).max:
            raise ValueError(f"irr: {T} periods; at most {np.iinfo(np.int16).max}")
        last = np.max(np.not_equal(G, 0.0) * np.arange(T, dtype=np.int16)[:, None], axis=0, initial=0)
        order = np.argsort(-last, kind="stable")
        idx, last = idx[order], last[order].astype(np.intp)
        for t in range(T):
            G[t] = G[t, order]
        reach = _reach(last, T, np)
        f_lo, f_hi = np.empty(k), np.empty(k)
        _horner(G, reach, np.full(k, x_lo), f_lo)  # the same Horner sums as the scalar path's
        _horner(G, reach, np.full(k, x_hi), f_hi)
        s_lo, s_hi = np.sign(f_lo), np.sign(f_hi)
        s_lo[np.isnan(f_lo)] = 0.0
        s_hi[np.isnan(f_hi)] = 0.0
        defined = (s_lo != 0) & (s_lo != s_hi)
        if not defined.all():
            sel = np.flatnonzero(defined)
            idx, G, last, s_lo, f_lo, f_hi = idx[sel], G[:, sel], last[sel], s_lo[sel], f_lo[sel], f_hi[sel]
            reach = _reach(last, T, np)
        s = s_lo
        k = idx.size
        # a first bracket: binary search over a fixed grid of u (Horner, no derivative), then regula falsi
        # inside the grid cell for the first guess
        ug = _grid()
        il, ih = np.zeros(k, dtype=np.intp), np.full(k, ug.size - 1, dtype=np.intp)
        fa, fb = f_lo, f_hi
        p, x = np.empty(k), np.empty(k)
        while True:
            open_ = ih - il > 1
            if not open_.any():
                break
            im = (il + ih) // 2
            np.exp(np.negative(ug[im], out=x), out=x)
            _horner(G, reach, x, p)
            same = (np.sign(p) == s) & open_
            other = ~same & open_
            np.copyto(il, im, where=same)
            np.copyto(fa, p, where=same)
            np.copyto(ih, im, where=other)
            np.copyto(fb, p, where=other)
        lo, hi = ug[il], ug[ih]
        u = lo - fa * (hi - lo) / (fb - fa)
        ok = (u > lo) & (u < hi)
        u = np.where(ok, u, (lo + hi) * 0.5)
        p, dp, x = (np.empty(k) for _ in range(3))
        older = prev = hi - lo  # the last two step sizes
        alive = np.ones(k, dtype=bool)  # not converged yet; the others are recorded and left to idle
        was_newton = np.zeros(k, dtype=bool)
        for _ in range(_MAX_ITER):
            if not k:
                break
            np.exp(np.negative(u, out=x), out=x)
            _horner(G, reach, x, p, dp)
            # f = p, f' = −x·dp; the root is where f changes sign from the side of u = IRR_U_LOW
            same = np.sign(p) == s
            np.copyto(lo, u, where=same)
            np.copyto(hi, u, where=~same)
            dp *= x
            step = np.divide(p, dp)  # u_next = u − f/f' = u + p/(x·dp)
            nxt = u + step
            # Newton when it stays inside the bracket and at least halves the step before last (else it
            # crawls, as far left where the last year's term dominates): bisection otherwise; never with an
            # overflowed derivative (its step is 0 wherever the iterate is)
            np.abs(step, out=step)
            usable = np.isfinite(dp) & (dp != 0)
            small = (step <= _TOL) & usable  # converged: take this last Newton step and stop
            newton = small | (usable & (nxt > lo) & (nxt < hi) & (step <= 0.5 * older))
            quad = newton & was_newton & (step * step * step <= _QUAD * prev * prev)
            was_newton = newton
            mid = (lo + hi) * 0.5
            np.copyto(nxt, mid, where=~newton)
            older, prev = prev, np.abs(nxt - u)
            at_root = p == 0
            done = (small | quad | at_root | (mid == lo) | (mid == hi)) & alive
            np.copyto(nxt, u, where=at_root)
            u = nxt
            if done.any():
                fin = np.flatnonzero(done)
                rate[idx[fin]] = np.expm1(u[fin])
                alive &= ~done
                n_alive = int(np.count_nonzero(alive))
                if n_alive * 4 <= k * 3:  # drop the converged once a quarter idles (a gather of every year)
                    keep = np.flatnonzero(alive)
                    idx, G, s, lo, hi, u = idx[keep], G[:, keep], s[keep], lo[keep], hi[keep], u[keep]
                    older, prev, last, was_newton = older[keep], prev[keep], last[keep], was_newton[keep]
                    reach = _reach(last, T, np)
                    k = n_alive
                    alive = np.ones(k, dtype=bool)
                    p, dp, x = (np.empty(k) for _ in range(3))
        if k and alive.any():  # not converged in _MAX_ITER (not met in practice): the last iterate
            rate[idx[alive]] = np.expm1(u[alive])
    return rate.reshape(shape) if shape else float(rate[0])


def irr(flows: list, flips) -> object:
    """The rate r in (−1, 10000) with Σ_t flows_t / (1 + r)^t = 0, when the non-zero flows change sign exactly once
    (`flips` = 1: the root is then unique); nan otherwise or when the root lies outside. `flows` is a list of years,
    each a float or an array of scenarios. A bracketed bisection in u = ln(1 + r), polished by Newton steps that
    stay inside the bracket (floats); arrays take `_irr_arrays`, the same rule solved faster."""
    if not (isinstance(flips, float) and all(isinstance(f, float) for f in flows)):
        return _irr_arrays(flows, flips)
    lo, hi = IRR_U_LOW, IRR_U_HIGH
    f_lo, _ = _npv_u(flows, lo)
    f_hi, _ = _npv_u(flows, hi)
    s_lo = _fsign(f_lo)
    if not (flips == 1 and s_lo != 0 and s_lo != _fsign(f_hi)):
        return xp.nan
    for _ in range(_BISECT):
        mid = (lo + hi) / 2
        f_mid, _ = _npv_u(flows, mid)
        if _fsign(f_mid) == s_lo:
            lo = mid
        else:
            hi = mid
    u = (lo + hi) / 2
    for _ in range(_NEWTON):
        f, df = _npv_u(flows, u)
        if not math.isfinite(df):  # an overflowed derivative: bisection to the last bit instead of Newton
            while lo < (mid := (lo + hi) / 2) < hi:
                f_mid, _ = _npv_u(flows, mid)
                if _fsign(f_mid) == s_lo:
                    lo = mid
                else:
                    hi = mid
            return math.expm1((lo + hi) / 2)
        if df != 0:
            nxt = u - xp.div(f, df)
            if lo < nxt < hi:
                u = nxt
    return math.expm1(u)
