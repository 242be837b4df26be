"""The handful of elementwise functions the line items use, for plain floats and numpy arrays alike.

One scenario is evaluated with plain Python floats (no numpy import: a workbook build
stays fast); a million at once with numpy arrays. Each function dispatches on its
arguments and follows numpy's semantics for floats too (IEEE division: x/0 is ±inf or
nan, never an exception), so both paths give the same numbers.
"""

from __future__ import annotations

import math
import sys
from contextlib import nullcontext
from statistics import NormalDist

nan = math.nan
inf = math.inf


def _np(*xs):
    """numpy, if any argument is a numpy object (numpy is then imported already), else None."""
    np = sys.modules.get("numpy")
    if np is None:
        return None
    for x in xs:
        if type(x) is not float and isinstance(x, (np.ndarray, np.generic)):  # plain floats: the common case
            return np
    return None


def where(cond, a, b):
    np = _np(cond, a, b)
    if np is not None:
        return np.where(cond, a, b)
    return a if cond else b


def maximum(a, b):
    np = _np(a, b)
    if np is not None:
        return np.maximum(a, b)
    return nan if a != a or b != b else float(a if a >= b else b)


def minimum(a, b):
    np = _np(a, b)
    if np is not None:
        return np.minimum(a, b)
    return nan if a != a or b != b else float(a if a <= b else b)


def round_(x, decimals: int):
    """numpy's rounding (scale, round half to even, unscale), also for floats."""
    np = _np(x)
    if np is not None:
        return np.round(x, decimals)
    if not math.isfinite(x):
        return x
    scale = 10.0 ** decimals
    y = x * scale
    return float(round(y)) / scale if math.isfinite(y) else x


def ceil(x):
    np = _np(x)
    if np is not None:
        return np.ceil(x)
    return float(math.ceil(x)) if math.isfinite(x) else x


def floor(x):
    np = _np(x)
    if np is not None:
        return np.floor(x)
    return float(math.floor(x)) if math.isfinite(x) else x


def sqrt(x):
    np = _np(x)
    if np is not None:
        return np.sqrt(x)
    return math.sqrt(x) if x >= 0 else nan


def log2(x):
    np = _np(x)
    if np is not None:
        return np.log2(x)
    return math.log2(x) if x > 0 else (-inf if x == 0 else nan)


def exp(x):
    np = _np(x)
    if np is not None:
        return np.exp(x)
    try:
        return math.exp(x)
    except OverflowError:
        return inf


def total(values):
    """Σ of a year row (a list of per-year floats or arrays), added in year order as Excel's SUM does."""
    out = 0.0
    for v in values:
        out = out + v
    return out


def absolute(x):
    np = _np(x)
    if np is not None:
        return np.abs(x)
    return abs(x)


def div(a, b):
    """a / b with IEEE semantics for floats too (b = 0 gives ±inf, or nan for 0/0)."""
    np = _np(a, b)
    if np is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.true_divide(a, b)
    if b != 0:
        return a / b
    if a != a or a == 0:
        return nan
    return math.copysign(inf, a) * math.copysign(1.0, b)


def errstate(*args):
    """numpy's errstate when arrays are about, else nothing to do."""
    np = _np(*args)
    if np is not None:
        return np.errstate(divide="ignore", invalid="ignore", over="ignore")
    return nullcontext()


_SCRATCH: dict = {}
_SCRATCH_MAX = 1 << 27  # bytes: larger buffers are not kept


def scratch(key: str, shape: tuple, zero: bool = False):
    """An uninitialised float array of `shape` (zeros with `zero`), reused from the last call with the same `key`
    when nothing else holds it any more (no view of it alive: its reference count tells). A yearly block's rows
    for a chunk are tens of MB; fresh memory of that size costs more in page faults than the arithmetic.
    `release_scratch` drops them (compute does, after its chunks)."""
    import numpy as np

    buf = _SCRATCH.get(key)
    # three references when free: the dict, `buf` and getrefcount's argument
    if buf is None or buf.shape != shape or sys.getrefcount(buf) > 3:
        buf = np.zeros(shape) if zero else np.empty(shape)
        if buf.nbytes <= _SCRATCH_MAX:
            _SCRATCH[key] = buf
        return buf
    if zero:
        buf.fill(0.0)
    return buf


def release_scratch() -> None:
    _SCRATCH.clear()


def normsinv(p):
    """Inverse standard normal CDF (Excel's NORMSINV), ±inf at 0 and 1.

    Floats use the standard library (AS241, full double precision); arrays scipy.special.ndtri,
    the same function vectorised (they agree to a few ulps). Arrays of any size take ndtri, so that
    a chunked evaluation gives the same numbers whatever the chunk."""
    np = _np(p)
    inv = NormalDist().inv_cdf

    def one(x: float) -> float:
        if 0 < x < 1:
            return inv(x)
        return -inf if x == 0 else (inf if x == 1 else nan)

    if np is None:
        return one(p)
    from scipy.special import ndtri

    return ndtri(np.asarray(p, dtype=float))
