"""Finance helpers shared by line items: IRR by MODEL.md's rule, for one scenario or many.

>>> round(irr([-100.0, 60.0, 60.0], 1.0), 10)    # textbook: 60/(1+r) + 60/(1+r)^2 = 100
0.1306623863
>>> irr([-100.0, 60.0, -60.0], 2.0)               # two sign changes: undefined
nan
"""

from __future__ import annotations

import math

from . import xp

IRR_U_LOW, IRR_U_HIGH = -30.0, math.log(10001.0)  # u = ln(1 + r): r from −1 + 1e-13 to 10000
_BISECT, _NEWTON = 24, 5


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


def _sign(v):
    return xp.where(v > 0, 1.0, xp.where(v < 0, -1.0, 0.0))


def irr(flows: list, flips) -> object:
    """The rate r in (−1, 10000) with Σ_t flows_t / (1 + r)^t = 0, when the non-zero flows change sign exactly once
    (`flips` = 1: the root is then unique); nan otherwise or when the root lies outside. `flows` is a list of years,
    each a float or an array of scenarios. A bracketed bisection in u = ln(1 + r), polished by Newton steps that
    stay inside the bracket."""
    lo, hi = IRR_U_LOW, IRR_U_HIGH
    f_lo, _ = _npv_u(flows, lo)
    f_hi, _ = _npv_u(flows, hi)
    s_lo = _sign(f_lo)
    defined = (flips == 1) & (s_lo != 0) & (s_lo != _sign(f_hi))
    with xp.errstate(f_lo, flips):
        for _ in range(_BISECT):
            mid = (lo + hi) / 2
            f_mid, _ = _npv_u(flows, mid)
            same = _sign(f_mid) == s_lo
            lo, hi = xp.where(same, mid, lo), xp.where(same, hi, mid)
        u = (lo + hi) / 2
        for _ in range(_NEWTON):
            f, df = _npv_u(flows, u)
            step = xp.div(f, df)
            nxt = u - xp.where(df != 0, step, 0.0)
            inside = (nxt > lo) & (nxt < hi)
            u = xp.where(inside, nxt, u)
        rate = xp.exp(u) - 1 if not isinstance(u, float) else math.expm1(u)
    return xp.where(defined, rate, xp.nan)
