"""The handful of elementwise functions the line items use, for plain floats and numpy arrays alike.

One scenario is evaluated with plain Python floats (no numpy import: a workbook build
stays fast); a million at once with numpy arrays. Each function dispatches on its
arguments and follows numpy's semantics for floats too (IEEE division: x/0 is ±inf or
nan, never an exception), so both paths give the same numbers.
"""

from __future__ import annotations

import math
import sys
import threading
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


def expm1(x):
    """e^x − 1, exact near 0."""
    np = _np(x)
    if np is not None:
        return np.expm1(x)
    try:
        return math.expm1(x)
    except OverflowError:
        return inf


def log1p(x):
    """ln(1 + x), exact near 0; nan below −1 (−inf at −1) as numpy."""
    np = _np(x)
    if np is not None:
        return np.log1p(x)
    return math.log1p(x) if x > -1 else (-inf if x == -1 else nan)


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


_SCRATCH = threading.local()  # one set of buffers per thread: chunks may be evaluated in parallel
_SCRATCH_MAX = 1 << 27  # bytes: larger buffers are not kept


def _buffers() -> dict:
    d = getattr(_SCRATCH, "d", None)
    if d is None:
        d = _SCRATCH.d = {}
    return d


def scratch(key: str, shape: tuple, zero: bool = False):
    """An uninitialised float array of `shape` (zeros with `zero`), reused from the last call with the same `key`
    when nothing else holds it any more (no view of it alive: its reference count tells). A yearly block's rows
    for a chunk are tens of MB; fresh memory of that size costs more in page faults than the arithmetic.
    `release_scratch` drops them (compute does, after its chunks)."""
    import numpy as np

    buffers = _buffers()
    buf = buffers.get(key)
    # three references when free: the dict, `buf` and getrefcount's argument
    if buf is None or buf.shape != shape or sys.getrefcount(buf) > 3:
        buf = np.zeros(shape) if zero else np.empty(shape)
        if buf.nbytes <= _SCRATCH_MAX:
            buffers[key] = buf
        return buf
    if zero:
        buf.fill(0.0)
    return buf


def release_scratch() -> None:
    """Drop this thread's buffers."""
    _buffers().clear()


# AS241 (Wichura 1988), as the standard library's NormalDist.inv_cdf evaluates it: numerator and denominator
# coefficients, highest power first, for |p − 0.5| ≤ 0.425, then the tails with r = sqrt(−ln(min(p, 1 − p)))
# up to 5 and beyond
_AS241 = (
    ((2.5090809287301226727e+3, 3.3430575583588128105e+4, 6.7265770927008700853e+4, 4.5921953931549871457e+4,
      1.3731693765509461125e+4, 1.9715909503065514427e+3, 1.3314166789178437745e+2, 3.3871328727963666080e+0),
     (5.2264952788528545610e+3, 2.8729085735721942674e+4, 3.9307895800092710610e+4, 2.1213794301586595867e+4,
      5.3941960214247511077e+3, 6.8718700749205790830e+2, 4.2313330701600911252e+1, 1.0)),
    ((7.7454501427834140764e-4, 2.2723844989269184583e-2, 2.4178072517745061177e-1, 1.2704582524523683826e+0,
      3.6478483247632046050e+0, 5.7694972214606914055e+0, 4.6303378461565452959e+0, 1.4234371107496835773e+0),
     (1.0507500716444168432e-9, 5.4759380849953449460e-4, 1.5198666563616457197e-2, 1.4810397642748007459e-1,
      6.8976733498510000455e-1, 1.6763848301838038494e+0, 2.0531916266377588219e+0, 1.0)),
    ((2.0103343992922881327e-7, 2.7115555687434875782e-5, 1.2426609473880784386e-3, 2.6532189526576123093e-2,
      2.9656057182850489123e-1, 1.7848265399172913358e+0, 5.4637849111641143699e+0, 6.6579046435011037772e+0),
     (2.0442631033899397856e-15, 1.4215117583164458887e-7, 1.8463183175100546818e-5, 7.8686913114561325910e-4,
      1.4875361290850614853e-2, 1.3692988092273580531e-1, 5.9983220655588793769e-1, 1.0)),
)


def _poly(coefs: tuple, r, out=None):
    """Horner, highest power first, in the same order of operations as the standard library's AS241 (arrays; into
    `out`, which must not be `r`)."""
    v = sys.modules["numpy"].multiply(r, coefs[0], out=out)
    v += coefs[1]
    for c in coefs[2:]:
        v *= r
        v += c
    return v


def normsinv(p):
    """Inverse standard normal CDF (Excel's NORMSINV), ±inf at 0 and 1, nan outside [0, 1].

    Floats use the standard library (AS241, full double precision); arrays the same algorithm in numpy (they agree
    within a few ulps, 1e-15: only log and sqrt may round differently), elementwise, so a chunked evaluation gives the same
    numbers whatever the chunk (and no scipy import: it costs a first evaluation about a third of a second)."""
    np = _np(p)
    inv = NormalDist().inv_cdf

    def one(x: float) -> float:
        if 0 < x < 1:
            return inv(x)
        return -inf if x == 0 else (inf if x == 1 else nan)

    if np is None:
        return one(p)
    shape = np.shape(p)
    p = np.array(p, dtype=float, ndmin=1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # every branch on the whole array, chosen by masks, in a few buffers: many short-lived temporaries here
        # made the allocator hand memory back and fault it in again, chunk after chunk
        (num, den), near, far = _AS241
        q = p - 0.5
        r = np.multiply(q, q)
        np.subtract(0.180625, r, out=r)
        x = _poly(num, r)
        x *= q
        d = _poly(den, r)
        x /= d
        tail = np.abs(q) > 0.425
        if tail.any():
            negative = q < 0.0
            np.subtract(1.0, p, out=r)
            np.copyto(r, p, where=q <= 0.0)
            np.log(r, out=r)
            np.negative(r, out=r)
            np.sqrt(r, out=r)  # sqrt(−ln(min(p, 1 − p)))
            t = np.subtract(r, 1.6, out=q)
            y = _poly(near[0], t, out=d)
            z = _poly(near[1], t)
            y /= z
            beyond = r > 5.0
            if beyond.any():
                np.subtract(r, 5.0, out=t)
                f = _poly(far[0], t, out=z)
                f /= _poly(far[1], t)
                np.copyto(y, f, where=beyond)
            np.negative(y, out=y, where=negative)
            np.copyto(x, y, where=tail)
        np.copyto(x, nan, where=~((p > 0) & (p < 1)))
        np.copyto(x, -inf, where=p == 0)
        np.copyto(x, inf, where=p == 1)
    return x.reshape(shape) if shape else x[0]
