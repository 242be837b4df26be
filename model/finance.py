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
    for t in range(1, len(flows)):
        np.copyto(S[t], S[t - 1], where=S[t] == 0)
    X[0] = 0.0
    # a sign that differs from a non-zero previous one is ±1, so its year's flow is non-zero
    np.logical_and(S[:-1] != 0, S[1:] != S[:-1], out=X[1:], casting="unsafe")
    return list(S), list(X)


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
_MAX_ITER = 100  # safeguarded iterations: bisection alone halves a 39-wide bracket to 1e-15 in 55


@functools.cache
def _grid():
    """u = ln(1 + r) where an array IRR's first bracket is searched: the bracket's ends, every 0.2 from
    −10 (r = −0.99995) to 3 (r = 19), then coarser."""
    import numpy as np

    inner = [round(-10 + 0.2 * i, 10) for i in range(66)] + [3.5, 4.0, 5.0, 6.0, 7.0]
    return np.array([IRR_U_LOW, -24.0, -19.0, -16.0, -14.0, -12.5, -11.0, *inner, IRR_U_HIGH])


def _irr_arrays(flows: list, flips):
    """The array path of `irr`: the same bracket and rule for undefined, then per scenario a safeguarded
    Newton iteration in u (a Newton step that leaves the bracket is replaced by bisection), from a guess
    like the workbook's, on the scenarios with a root only, each stopping when its own step falls below
    _TOL (elementwise: the numbers do not depend on how scenarios are grouped)."""
    import numpy as np

    shape = np.broadcast_shapes(*(np.shape(f) for f in flows), np.shape(flips))
    T = len(flows)
    F = np.empty((T,) + shape)
    for t, f in enumerate(flows):
        F[t] = f
    F = F.reshape(T, -1)
    x_lo, x_hi = math.exp(-IRR_U_LOW), math.exp(-IRR_U_HIGH)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        f_lo, f_hi = F[-1].copy(), F[-1].copy()
        for cf in F[-2::-1]:  # the same Horner sums as the scalar path's
            f_lo *= x_lo
            f_lo += cf
            f_hi *= x_hi
            f_hi += cf
        s_lo, s_hi = np.sign(f_lo), np.sign(f_hi)
        s_lo[np.isnan(f_lo)] = 0.0
        s_hi[np.isnan(f_hi)] = 0.0
        defined = (np.broadcast_to(flips, shape).reshape(-1) == 1) & (s_lo != 0) & (s_lo != s_hi)
        rate = np.full(F.shape[1], np.nan)
        idx = np.flatnonzero(defined)
        G = F[:, idx]
        s = s_lo[idx]
        k = idx.size
        lo, hi = np.full(k, IRR_U_LOW), np.full(k, IRR_U_HIGH)
        # a first bracket: binary search over a fixed grid of u (Horner, no derivative), then regula falsi
        # inside the grid cell for the first guess
        ug = _grid()
        il, ih = np.zeros(k, dtype=np.intp), np.full(k, ug.size - 1, dtype=np.intp)
        fa, fb = f_lo[idx], f_hi[idx]
        p, x = np.empty(k), np.empty(k)
        while True:
            open_ = ih - il > 1
            if not open_.any():
                break
            im = (il + ih) // 2
            np.exp(np.negative(ug[im], out=x), out=x)
            np.copyto(p, G[-1])
            for cf in G[-2::-1]:
                p *= x
                p += cf
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
        p, dp, x, step = (np.empty(k) for _ in range(4))
        older = prev = hi - lo  # the last two step sizes
        for _ in range(_MAX_ITER):
            if not k:
                break
            np.exp(np.negative(u, out=x), out=x)
            np.copyto(p, G[-1])
            dp.fill(0.0)
            for cf in G[-2::-1]:
                dp *= x
                dp += p
                p *= x
                p += cf
            # f = p, f' = −x·dp; the root is where f changes sign from the side of u = IRR_U_LOW
            same = np.sign(p) == s
            np.copyto(lo, u, where=same)
            np.copyto(hi, u, where=~same)
            dp *= x
            np.divide(p, dp, out=step)  # u_next = u − f/f' = u + p/(x·dp)
            nxt = u + step
            # Newton when it stays inside the bracket and at least halves the step before last (else it
            # crawls, as far left where the last year's term dominates): bisection otherwise
            small = np.abs(step) <= _TOL  # converged: take this last Newton step and stop
            newton = small | ((nxt > lo) & (nxt < hi) & (np.abs(step) <= 0.5 * older))
            mid = (lo + hi) * 0.5
            np.copyto(nxt, mid, where=~newton)
            older, prev = prev, np.abs(nxt - u)
            done = small | (p == 0) | (mid == lo) | (mid == hi)
            np.copyto(nxt, u, where=p == 0)
            u = nxt
            if done.any():
                fin = np.flatnonzero(done)
                rate[idx[fin]] = np.expm1(u[fin])
                keep = ~done
                idx, G, s, lo, hi, u = idx[keep], G[:, keep], s[keep], lo[keep], hi[keep], u[keep]
                older, prev = older[keep], prev[keep]
                k = idx.size
                p, dp, x, step = (np.empty(k) for _ in range(4))
        if k:  # not converged in _MAX_ITER (not met in practice): the last iterate
            rate[idx] = np.expm1(u)
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
        if df != 0:
            nxt = u - xp.div(f, df)
            if lo < nxt < hi:
                u = nxt
    return math.expm1(u)
