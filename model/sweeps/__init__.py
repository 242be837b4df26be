"""Analyst sweeps over the model: one-way and two-way tables, tornado charts, Monte Carlo.

Every function here builds its scenarios as numpy arrays and evaluates them with ONE
vectorised `model.evaluate` call (Monte Carlo: one call per chunk of draws, to bound
memory), never with a Python loop over scenarios. Inputs not varied come from the
template (default ``seed``) overridden by `inputs`; bad input raises `InputError`.

>>> from model import sweeps
>>> frame = sweeps.one_way("gpu_price", [24000, 30000], outputs="capex_per_gpu_hour")
>>> frame["capex_per_gpu_hour"].round(4).tolist()
[0.9132, 1.1416]
>>> t = sweeps.tornado("capex_per_gpu_hour", pct=0.1)
>>> t["input"].head(2).tolist(), round(float(t["swing"].iloc[1]), 4)
(['depreciation_years', 'gpu_price'], 0.1903)

Modules: `grid` (one-way, two-way), `tornado`, `mc_spec` (Monte Carlo spec: distributions,
TOML loading, validation), `montecarlo` (the run and its result), `_common` (name and base
checks shared by all). Choices worth knowing (each repeated in the function that makes it):

* Tornado moves each input by ±pct of its base value, clipped into its domain (a
  `gpu_utilization` of 1.0 moved +10% stays 1.0); integer inputs are rounded to the
  nearest integer, so a move that rounds back to the base shows swing 0. The four
  ``share_*`` inputs are excluded: moving one segment share alone breaks the rule that
  the shares sum to 1, so there is no valid one-at-a-time move to show.
* Monte Carlo never clips silently. A draw outside its input's domain is an error naming
  the input, the distribution and the domain, unless that input's spec says
  ``truncate = true``: then such draws are redrawn (rejection sampling, i.e. the
  distribution truncated to the domain, no point mass at the edge).
* Percentiles use ``numpy.percentile``'s default ("linear" interpolation between order
  statistics, type 7 of Hyndman & Fan); sd is the sample standard deviation (ddof = 1).
"""

from __future__ import annotations

from ..core import evaluate as evaluate  # the one seam every sweep evaluates through (tests patch it)
from ._common import depends_on
from .grid import _values as _values  # the CLI builds its ranges with it
from .grid import one_way, two_way
from .mc_spec import DISTRIBUTIONS, load_spec
from .montecarlo import MonteCarloResult, monte_carlo
from .tornado import tornado

__all__ = [
    "DISTRIBUTIONS", "MonteCarloResult", "depends_on", "load_spec", "monte_carlo", "one_way", "tornado",
    "two_way",
]
