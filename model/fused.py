"""P1 fused: on many scenarios, the fleet project's outputs from one compiled pass per scenario (numba), instead of
numpy's years × scenarios rows. Optional: without numba (``pip install -e ".[fast]"``), with AIE_NUMBA=0 (or
ENABLED = False), or for fewer than MIN_SCENARIOS scenarios (not worth importing numba: ~0.5 s once per process),
the line functions run on arrays as they are (P1's blocks: model/lines/project_arrays.py);
`evaluate(..., fused=True/False)` decides for one call. The choice is made once per call, for all its chunks; Monte
Carlo makes it once for all its draws. One scenario on plain floats never comes here.

The fused node stands in the evaluation order (`plan`) for the two P1 blocks and every output that reads them
(PRODUCTS), when no other node reads a block (rows or checks asked for: no fusion). It reads PARAMS, the names
the replaced nodes read from outside, and computes with `model.p1_kernel` what the line functions compute: the
same operations in the same order, on the numpy path's decline powers, with its CRF: the numpy path's bits, but
for the IRRs' last bits (exponentials from libm); tests/test_fused.py compares scenario by scenario.
"""

from __future__ import annotations

import functools
import os
import threading
import warnings
from collections.abc import Callable, Iterable
from importlib.util import find_spec

from . import registry as R
from . import xp
from .lines.project import YEARS

NAME = "P1.fused"
BLOCKS = ("fleet_operations", "fleet_financing")
# kernel columns of X (model.p1_kernel.p1_outputs unpacks them in this order)
PARAMS = ("economic_life_years", "contract_years", "fleet_debt_tenor_years", "fleet_gpus", "contracted_share",
          "reserved_contract_price_per_hour", "gpu_utilization", "rental_price_per_gpu_hour",
          "market_price_decline_per_year", "hours_per_year", "cash_cost_per_gpu_hour", "annual_failure_rate",
          "gpu_price", "depreciation_years", "network_capex_per_gpu", "network_life_years", "tax_rate",
          "fleet_sale_proceeds", "fleet_book_value_at_sale", "fleet_capex", "wacc", "target_dscr", "fleet_debt_rate",
          "equipment_ltv", "cost_of_equity", "dscr_sentinel")
# kernel columns of out, in this order
PRODUCTS = ("fleet_debt_capacity", "fleet_debt", "fleet_min_dscr", "fleet_revenue_total", "fleet_ebitda_margin",
            "project_npv", "project_irr", "equity_npv", "equity_irr", "equity_multiple", "rent_levelized_per_gpu_hour")
REPLACED = frozenset(BLOCKS + PRODUCTS)
# AIE_NUMBA=0 (read when model is imported) turns compiled P1 off, fused=True included
ENABLED = os.environ.get("AIE_NUMBA", "1").strip().lower() not in ("0", "false", "no", "off")
MIN_SCENARIOS = 4096


class Node:
    """The fused node as the graph walks it: params and a function returning {product: array}."""

    params = PARAMS

    def __init__(self, wanted: frozenset):
        self.wanted = wanted

    def func(self, *args):
        return run(dict(zip(PARAMS, args)), self.wanted)


def plan(only: tuple[str, ...], graph_nodes: dict) -> tuple[tuple, dict] | None:
    """`only` (an evaluation order) with the fused node in place of REPLACED, topologically sorted, and the node
    map to walk it with; None when fusion does not apply (no P1 product asked for, or another node reads a block)."""
    if not any(n in REPLACED for n in only):
        return None
    for n in only:
        if n not in REPLACED and any(p in BLOCKS for p in graph_nodes[n].params):
            return None  # a check or row reader needs the rows themselves
    node = Node(frozenset(n for n in only if n in PRODUCTS))
    nodes = {n: graph_nodes[n] for n in only if n not in REPLACED}
    nodes[NAME] = node
    reads = {n: tuple(NAME if p in REPLACED else p for p in nodes[n].params) for n in nodes}
    done: list[str] = []
    seen: set[str] = set()

    def visit(n: str) -> None:
        if n in seen or n not in nodes:
            return
        seen.add(n)
        for p in reads[n]:
            visit(p)
        done.append(n)

    for n in only:
        visit(NAME if n in REPLACED else n)
    return tuple(done), nodes


_lock = threading.Lock()


@functools.cache
def _kernel():
    """The compiled kernel (compiled or loaded from numba's cache on first use), or None without numba."""
    try:
        import numpy as np

        from . import p1_kernel
        from .finance import _grid

        ug = _grid()
        xg = np.exp(np.negative(ug))  # the grid's x as the numpy path computes them
        X, D = np.ones((1, len(PARAMS))), np.ones((1, YEARS))
        p1_kernel.p1_outputs(X, D, np.empty((1, len(PRODUCTS))), np.ones(len(PRODUCTS), dtype=bool), xg, ug)  # compile
    except ImportError as exc:
        if find_spec("numba") is not None:  # installed, yet not importable (say, against a newer numpy)
            warnings.warn(f"model.fused: numba is installed but does not import ({exc}); using numpy", stacklevel=2)
        return None
    except Exception as exc:  # a numba that cannot compile here: numpy does the work
        warnings.warn(f"model.fused: numba could not compile the P1 kernel ({exc}); using numpy", stacklevel=2)
        return None
    return p1_kernel.p1_outputs, xg, ug


def _wanted(n: int | None, fused: bool | None) -> bool:
    return ENABLED and fused is not False and (fused is True or n is None or n >= MIN_SCENARIOS)


def available(n: int | None = None, fused: bool | None = None) -> bool:
    """Whether an evaluation of n scenarios runs P1 fused: `fused` True or False decides (True only where
    numba is installed); None fuses from MIN_SCENARIOS scenarios (n None: any). The first True imports numba
    and loads the kernel."""
    if not _wanted(n, fused):
        return False
    with _lock:  # one thread compiles; the others wait for it
        return _kernel() is not None


def load_during(n: int, fused: bool | None, tasks: Iterable[Callable[[], object]]) -> None:
    """Where this evaluation will want the kernel and no thread has loaded it yet, load it (numba's import and
    the cached kernel: ~0.4 s) in a second thread while `tasks` run in this one, until the kernel is ready:
    work the evaluation must do anyway and that leaves the interpreter free, as the page faults of its fresh
    outputs. Numbers do not change: the decision to fuse is still made afterwards, once, by `available`."""
    if not _wanted(n, fused) or _kernel.cache_info().currsize or find_spec("numba") is None:
        return

    def load() -> None:
        try:
            available(n, fused)
        except BaseException:  # noqa: BLE001 - a warning turned error, say: raised again where available runs next
            pass

    loader = threading.Thread(target=load, name="aie-numba-load", daemon=True)
    loader.start()
    for task in tasks:
        if not loader.is_alive():
            break
        task()
    loader.join()


def run(values: dict, wanted: frozenset) -> dict:
    """The `wanted` PRODUCTS from PARAMS' values (floats or arrays of one broadcast shape), each an array of its
    own (the kernel's buffers are reused by the next call). The decline powers and the levelized rent's capital
    recovery factor come from the numpy path's own functions, so that the last bits are numpy's."""
    import numpy as np

    from .lines.buy_rent import crf
    from .lines.project_arrays import decline_powers

    kernel, xg, ug = _kernel()
    shape = np.broadcast_shapes(*(np.shape(v) for v in values.values()))
    m = int(np.prod(shape))
    # scenario-major for the kernel; buffers kept per thread from chunk to chunk (fresh memory costs page faults)
    X = xp.scratch("fused.X", (m, len(PARAMS)))
    for j, name in enumerate(PARAMS):
        X[:, j] = np.broadcast_to(values[name], shape).reshape(-1)
    decline = X[:, PARAMS.index("market_price_decline_per_year")]
    L = X[:, PARAMS.index("economic_life_years")]
    longest = float(np.max(L)) if m else 0.0
    n = min(YEARS, int(longest) + 1) if np.isfinite(longest) else YEARS  # the kernel reads years ≤ each life
    rows = decline_powers(decline, xp.scratch("fused.D_rows", (n, m)))  # years × scenarios, as the numpy path
    D = xp.scratch("fused.D", (m, YEARS))
    D[:, :n] = rows.T
    del rows
    out = xp.scratch("fused.out", (m, len(PRODUCTS)))
    kernel(X, D, out, np.array([name in wanted for name in PRODUCTS]), xg, ug)
    res = {name: out[:, j].reshape(shape) for j, name in enumerate(PRODUCTS) if name in wanted}
    if "rent_levelized_per_gpu_hour" in wanted:  # the kernel's column is Σ rent_pv
        res["rent_levelized_per_gpu_hour"] = crf(values["wacc"], values["economic_life_years"]) * res[
            "rent_levelized_per_gpu_hour"]
    return {name: v.copy() if v.base is not None else v for name, v in res.items()}


def reads_outside() -> frozenset:
    """The names the replaced nodes read from outside them: what PARAMS must be (tests/test_fused.py)."""
    nodes = {**R.OUTPUTS, **R.BLOCKS}
    return frozenset(p for n in REPLACED for p in nodes[n].params if p not in REPLACED and p != "keep_rows")
