"""One fresh process of bench/run.py's evaluate measurements (run as a subprocess: first calls are first).

    python bench/evaluate_child.py time N [SOURCE]    # floor, evaluate first call and warm, subsets, scalar rate
    python bench/evaluate_child.py first N [SOURCE]   # floor and evaluate's first call only
    python bench/evaluate_child.py memory N [SOURCE]  # tracemalloc peak of evaluate (all outputs incl. P1): first, second
    python bench/evaluate_child.py kernel N           # load the compiled P1 (compile and cache it if need be)

SOURCE: the random scenarios' seed (default 0), or a .npz/.csv file of scenarios (bench/run.py's `scenarios`).

AIE_NUMBA=0 in the environment measures the numpy path (no compiled P1); NUMBA_CACHE_DIR set to an empty folder
measures a first call that compiles the kernel.

Prints one JSON object."""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
from run import scalar_scenarios, scenarios  # noqa: E402

import model  # noqa: E402
from model.registry import OUTPUTS  # noqa: E402

SUBSET = ["cost_per_m_output_tokens", "rental_gross_margin", "project_irr", "equity_irr"]
NO_P1 = [o for o in OUTPUTS if OUTPUTS[o].section != "P1"]


def floor(arrays: dict, n: int, n_out: int) -> float:
    """Read each input once, write each output once (fresh arrays: their page faults included)."""
    t0 = time.perf_counter()
    acc = 0.0
    for v in arrays.values():
        acc += float(np.add.reduce(v))
    outs = []
    for _ in range(n_out):
        o = np.empty(n)
        o.fill(acc)
        outs.append(o)
    return time.perf_counter() - t0


def engine(n: int) -> dict:
    """Whether P1 ran compiled (model.fused) in an evaluation of n scenarios, with which numba, and from how many
    scenarios evaluate compiles it (fewer: numpy, numba's load would not pay)."""
    fused = model.graph.fuses(model.ORDER, n)
    return {"fused": fused, "numba": getattr(sys.modules.get("numba"), "__version__", None),
            "min_scenarios": model.fused.MIN_SCENARIOS, "numba_enabled": model.fused.ENABLED,
            "numba_installed": find_spec("numba") is not None}


def first(n: int, source: str = "0", arrays: dict | None = None) -> dict:
    """The floor, then evaluate's first call in this process (all outputs)."""
    arrays = scenarios(n, source) if arrays is None else arrays
    n = len(next(iter(arrays.values())))
    r: dict = {"n": n, "inputs": len(arrays), "outputs": len(OUTPUTS)}
    r["floor_all_s"] = floor(arrays, n, len(OUTPUTS))
    t0 = time.perf_counter()
    model.evaluate(arrays)
    r["first_all_s"] = time.perf_counter() - t0
    r["first_over_floor"] = r["first_all_s"] / r["floor_all_s"]
    return {**r, **engine(n)}


def timing(n: int, source: str = "0", repeat: int = 3) -> dict:
    arrays = scenarios(n, source)
    n = len(next(iter(arrays.values())))
    r = first(n, source, arrays)
    cases = {"all": None, "all_no_p1": NO_P1, "subset": SUBSET, "subset_no_p1": SUBSET[:2]}
    for name, outs in cases.items():
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            model.evaluate(arrays, outputs=outs)
            times.append(time.perf_counter() - t0)
        r[f"warm_{name}_s"] = statistics.median(times)
        r[f"warm_{name}_per_s"] = n / statistics.median(times)
    r["floor_subset_s"] = floor(arrays, n, len(SUBSET))
    scen = scalar_scenarios(2000, source)
    model.evaluate(scen[0])
    t0 = time.perf_counter()
    for s in scen:
        model.evaluate(s)
    r["scalar_per_s"] = len(scen) / (time.perf_counter() - t0)
    r["ru_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return r


def kernel(n: int, source: str = "0") -> dict:
    """numba's on-disk cache made warm: the compiled P1 loaded, or compiled and cached if this is the first use
    since an install (what the first evaluation after an install pays once)."""
    t0 = time.perf_counter()
    fused = model.fused.available()
    return {"kernel_s": time.perf_counter() - t0, "fused": fused,
            "numba": getattr(sys.modules.get("numba"), "__version__", None)}


def _peak(arrays: dict) -> tuple[dict, int]:
    """One evaluate of all outputs, and the peak of what Python allocated during it (tracemalloc), in bytes."""
    import tracemalloc

    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    res = model.evaluate(arrays)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return res, peak


def memory(n: int, source: str = "0") -> dict:
    """The peak of one evaluate of all outputs: the first call in this process (numba's import and the kernel's
    load allocate ~45 MB of their own), then a second call (the evaluation alone: its outputs, chunk buffers and
    lines). Either ratio to inputs + outputs carries a fixed part, so it falls as n grows."""
    arrays = scenarios(n, source)
    n = len(next(iter(arrays.values())))  # a file's own count
    in_bytes = sum(v.nbytes for v in arrays.values())
    res, peak = _peak(arrays)
    out_bytes = sum(v.nbytes for v in res.values())
    del res
    _, warm = _peak(arrays)
    io = in_bytes + out_bytes
    return {"n": n, "input_mb": in_bytes / 1e6, "output_mb": out_bytes / 1e6,
            "evaluate_peak_mb": peak / 1e6, "peak_incl_inputs_over_io": (peak + in_bytes) / io,
            "evaluate_peak_warm_mb": warm / 1e6, "warm_peak_incl_inputs_over_io": (warm + in_bytes) / io,
            "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


if __name__ == "__main__":
    what, n = sys.argv[1], int(float(sys.argv[2]))
    source = sys.argv[3] if len(sys.argv) > 3 else "0"
    print(json.dumps({"time": timing, "first": first, "memory": memory, "kernel": kernel}[what](n, source)))
