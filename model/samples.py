"""Random valid scenarios for benchmarks and tests: every input drawn within its domain.

Bounded domains are drawn uniformly over all of it (integers among their integers), unbounded ones over
seed/4 .. seed×4; the four segment shares are normalised to sum to 1; `hbm_usable_fraction` ≤ 0.95 and
`kv_gb_per_sequence` ≤ `hbm_capacity_gb`/20 so that the model always fits.

>>> import model
>>> from model.samples import random_inputs
>>> model.evaluate(random_inputs(3, seed=1))["project_irr"].shape
(3,)
"""

from __future__ import annotations

import numpy as np

from .registry import INPUTS
from .validate import SHARES


def random_inputs(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """n full input sets, every input drawn within its domain (see the module docstring)."""
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for name, spec in INPUTS.items():
        d = spec.domain
        if name == "measured_decode_tokens_per_sec":
            lo, hi = 0.0, 20000.0
        elif d.lo is not None and d.hi is not None:
            lo, hi = d.lo, d.hi
        else:
            base = spec.default
            lo = max(d.lo if d.lo is not None else -4 * abs(base), base / 4)
            hi = max(base * 4, lo + 1)
        if d.integer:
            out[name] = rng.integers(int(lo), int(hi) + 1, n).astype(float)
        elif d.lo_open and lo == d.lo:
            out[name] = hi - (hi - lo) * rng.random(n)  # (lo, hi]
        else:
            out[name] = lo + (hi - lo) * rng.random(n)  # [lo, hi)
    raw = rng.uniform(0.01, 1.0, (len(SHARES), n))
    raw /= raw.sum(axis=0)
    for i, s in enumerate(SHARES):
        out[s] = raw[i]
    out["hbm_usable_fraction"] = rng.uniform(0.05, 0.95, n)
    out["kv_gb_per_sequence"] = out["hbm_capacity_gb"] / 20 * rng.uniform(0.01, 1.0, n)
    return out
