#!/usr/bin/env python
"""Speed and scale: how long the workbook takes to build, compile and recalculate, and how fast
the Python model and the UDFs run.

    python bench/run.py                      # full sizes (a few minutes, most of it LibreOffice and formulas)
    python bench/run.py --quick              # smaller sizes, for a smoke run
    python bench/run.py --skip-libreoffice   # without the LibreOffice recalculation
    python bench/run.py --seed 7             # other random scenarios (default 0)
    python bench/run.py --inputs mine.npz    # your scenarios (.npz, .csv or .xlsx, a column per input)

Prints a table and the same numbers as JSON on stdout, and writes them to bench/results.json
(--out to change; --quick and --only-evaluate write only to --out). Nothing here asserts a time: it measures and
reports.

What is measured (median of repeats where it says so):
 1. build: `xl.build` of the workbook (what `python build_workbook.py` does) to a temporary file,
    median of 3; and a bare XlsxWriter script writing the same number of formula cells, each
    with a cached value, median of 3 -- their ratio is the cost of the layout, styles,
    validation and charts over the raw cell writing.
 2. formulas: `formulas.ExcelModel().loads(path).finish()` and `.compile(inputs=[every input
    name], outputs=[every output name])`, once each.
 3. formulas: time per evaluation of the compiled workbook (median over repeats, seed inputs).
 4. LibreOffice: `xl.libreoffice.recalculate` (headless convert with forced recalculation),
    median of 3 (1 with --quick); it includes starting soffice.
 5. model.evaluate: scalar throughput (scenarios/s over 2,000 calls, each a random full input
    set) and vectorised throughput (1,000,000 scenarios in one call, every input drawn at random
    within its domain; median of 5 calls after a first one; the first and the best are reported
    too: the spread is mostly page faults on fresh large arrays), and their ratio.
 6. UDF latency: `udfs.functions.aie_gpu_hour_cost(...)` called plainly, and through
    `xlwings.server.custom_functions_call` (as the Office.js add-in's payload arrives) in a
    subprocess with XLWINGS_ON_SERVER=true and XLWINGS_LICENSE_KEY=noncommercial set before
    xlwings is imported.

Random inputs for 5: a bounded domain is drawn uniformly over all of it (integers uniformly
among its integers; an open end excluded); an unbounded one over seed/4 .. seed*4 (kept inside
the domain; measured_decode_tokens_per_sec over 0..20,000); the four segment shares are drawn
then normalised to sum to 1; and so that the model fits, hbm_usable_fraction is drawn in
[0.05, 0.95] and kv_gb_per_sequence ≤ hbm_capacity_gb/20 (then at least one sequence always fits
next to the weights).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

SEED_GPU_HOUR = (25000, 3, 0.7, 1.2, 0.035, 150, 2600, 3, 0.10)


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------

def _version(dist: str) -> str | None:
    """An installed distribution's version, without importing it: the evaluate children measure numba's import,
    and --only-evaluate runs without formulas or xlwings."""
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numpy
    import pandas

    from model.core import THREADS  # the chunks evaluate runs at once: the cores this process may use, at most 4

    return {"platform": platform.platform(), "cpu": cpu, "cores": os.cpu_count(), "threads": THREADS,
            "python": platform.python_version(), "numpy": numpy.__version__, "pandas": pandas.__version__,
            "formulas": _version("formulas"), "xlwings": _version("xlwings"), "numba": _version("numba")}


def timed(fn, repeat: int) -> tuple[float, list[float], object]:
    """Median wall time of `repeat` calls, all times, the last result."""
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, result


def random_inputs(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """n full input sets, every input drawn within its domain (model/samples.py)."""
    from model.samples import random_inputs as draw

    return draw(n, seed)


def scenarios(n: int, source: str = "0") -> dict[str, np.ndarray]:
    """The scenarios of the vectorised measurements: n random ones drawn with seed `source` (digits), or every
    scenario in the file `source` (.npz: an array per input name; .csv or .xlsx: a header of input names, a row
    per scenario); inputs the file leaves out take the seed template's value. model.evaluate validates the values."""
    if source.isdigit():
        return random_inputs(n, seed=int(source))
    import model

    given = scenario_file(source)
    m = len(next(iter(given.values())))
    seed = model.load("seed").values
    return {name: given[name] if name in given else np.full(m, float(seed[name])) for name in model.INPUTS}


def scenario_file(source: str) -> dict[str, np.ndarray]:
    """The inputs a file of scenarios gives (`scenarios` fills in the rest), one value per scenario each: read
    as `aie evaluate --scenarios` reads it; a problem stops the run."""
    import model
    from cli.scenarios import read

    try:
        return read(source, "--inputs")
    except model.InputError as exc:
        raise SystemExit(str(exc)) from None


def scalar_scenarios(k: int, source: str = "0") -> list[dict[str, float]]:
    """Up to k single scenarios of plain floats for the scalar rate: drawn with the seed after `source`'s, or
    the first k of its file."""
    arrays = scenarios(k, str(int(source) + 1) if source.isdigit() else source)
    k = min(k, len(next(iter(arrays.values()))))
    return [{name: float(v[i]) for name, v in arrays.items()} for i in range(k)]


# --------------------------------------------------------------------------------------
# the measurements
# --------------------------------------------------------------------------------------

def bench_build(tmp: Path, repeat: int) -> dict:
    import xl

    path = tmp / "bench_build.xlsx"
    t, times, result = timed(lambda: xl.build(path), repeat)
    n_formulas = result.formulas

    def bare() -> None:
        import xlsxwriter

        wb = xlsxwriter.Workbook(str(tmp / "bare.xlsx"))
        ws = wb.add_worksheet("F")
        for i in range(n_formulas):
            r, c = divmod(i, 50)
            ws.write_formula(r, c, f"=A1+{i}", None, float(i))
        wb.close()

    t_bare, times_bare, _ = timed(bare, repeat)
    # whole processes, as a user runs them: interpreter start-up and imports included
    script = tmp / "bare_script.py"
    script.write_text(
        "import sys, xlsxwriter\n"
        "wb = xlsxwriter.Workbook(sys.argv[1])\nws = wb.add_worksheet('F')\n"
        f"for i in range({n_formulas}):\n"
        "    r, c = divmod(i, 50)\n    ws.write_formula(r, c, f'=A1+{i}', None, float(i))\nwb.close()\n")

    def run(cmd: list[str]) -> None:
        subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)

    t_proc, times_proc, _ = timed(lambda: run([sys.executable, "build_workbook.py", "--out",
                                              str(tmp / "proc.xlsx"), "--overwrite"]), repeat)
    t_bare_proc, times_bare_proc, _ = timed(lambda: run([sys.executable, str(script), str(tmp / "bare2.xlsx")]),
                                            repeat)
    return {"build_s": t, "build_runs_s": times, "repeat": repeat, "formula_cells": n_formulas,
            "sheets": len(result.sheets),
            "bare_xlsxwriter_s": t_bare, "bare_runs_s": times_bare, "build_over_bare": t / t_bare,
            "process_build_s": t_proc, "process_build_runs_s": times_proc,
            "process_bare_s": t_bare_proc, "process_bare_runs_s": times_bare_proc,
            "process_build_over_bare": t_proc / t_bare_proc,
            "file_bytes": path.stat().st_size, "path": path}


def bench_formulas(path: Path, evals: int) -> dict:
    import formulas

    from model.registry import INPUTS, OUTPUTS
    from model.templates import load

    t0 = time.perf_counter()
    xm = formulas.ExcelModel().loads(str(path))
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    xm.finish()
    t_finish = time.perf_counter() - t0
    key = f"'[{path.name}]'!"
    t0 = time.perf_counter()
    func = xm.compile(inputs=[key + n.upper() for n in INPUTS], outputs=[key + n.upper() for n in OUTPUTS])
    t_compile = time.perf_counter() - t0
    seed = load("seed").values
    args = [seed[n] for n in INPUTS]
    t_eval, times, res = timed(lambda: func(*args), evals)
    first = res[list(OUTPUTS).index("total_cost_per_gpu_hour")]
    value = float(first.value[0, 0]) if hasattr(first, "value") else float(first)
    return {"load_s": t_load, "finish_s": t_finish, "load_finish_s": t_load + t_finish, "compile_s": t_compile,
            "eval_s": t_eval, "evals": evals, "eval_min_s": min(times),
            "check_total_cost_per_gpu_hour": value}


def bench_libreoffice(path: Path, tmp: Path, repeat: int) -> dict:
    from xl import libreoffice

    if libreoffice.soffice() is None:
        return {"skipped": "soffice not found"}
    out_dir = tmp / "lo"
    t, times, result = timed(lambda: libreoffice.recalculate(path, out_dir), repeat)
    names = libreoffice.read_names(result)
    return {"recalc_s": t, "runs_s": times, "repeat": repeat,
            "check_total_cost_per_gpu_hour": names.get("total_cost_per_gpu_hour")}


def _minflt() -> int | None:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    except ImportError:  # not on Windows
        return None


def bench_evaluate(n_scalar: int, n_vector: int, repeat: int, source: str = "0") -> dict:
    import model

    arrays = scenarios(n_vector, source)
    n_vector = len(next(iter(arrays.values())))
    scen = scalar_scenarios(n_scalar, source)
    n_scalar = len(scen)
    model.evaluate(scen[0])  # warm caches (template load, imports)
    t0 = time.perf_counter()
    for s in scen:
        model.evaluate(s)
    t_scalar = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = model.evaluate(arrays)
    t_first = time.perf_counter() - t0
    t_vector, vector_runs, _ = timed(lambda: model.evaluate(arrays), repeat)
    nan_share = float(np.mean(np.isnan(res["gpu_payback_years"])))
    scalar_rate = n_scalar / t_scalar
    vector_rate = n_vector / t_vector
    return {"scalar_calls": n_scalar, "scalar_s": t_scalar, "scalar_per_s": scalar_rate,
            "scalar_us_per_call": 1e6 * t_scalar / n_scalar, "vector_scenarios": n_vector, "vector_s": t_vector,
            "vector_first_call_s": t_first, "vector_runs_s": vector_runs, "vector_repeat": repeat,
            "vector_best_s": min(vector_runs), "minor_page_faults": _minflt(),
            "vector_per_s": vector_rate, "vector_over_scalar": vector_rate / scalar_rate,
            "payback_undefined_share": nan_share}


def bench_evaluate_fresh(n: int, source: str = "0") -> dict:
    """bench/evaluate_child.py in fresh processes: the floor (read each input once, write each output once),
    evaluate's first call and warm calls (all outputs, without P1, the 4-output subset, the subset without the
    IRRs), the scalar rate; the same on the numpy path (AIE_NUMBA=0: P1 not compiled); with numba, a first call
    that compiles the kernel (an empty NUMBA_CACHE_DIR); then, in another process, the tracemalloc peak of one
    evaluate of all outputs."""

    def child(what: str, **env: str) -> dict:
        proc = subprocess.run([sys.executable, str(ROOT / "bench" / "evaluate_child.py"), what, str(n), source],
                              capture_output=True, text=True, cwd=ROOT, timeout=1800, env={**os.environ, **env})
        return json.loads(proc.stdout) if proc.returncode == 0 else {"error": proc.stderr.strip()[-300:]}

    # fresh processes, but numba's on-disk cache warm, as for every process after the first since an install
    # (that first one compiles the kernel: `kernel` says how long it took here, `first_compiling` measures it)
    out = {"kernel": child("kernel")}
    out["time"] = child("time")
    if out["time"].get("fused"):
        out["time_numpy"] = child("time", AIE_NUMBA="0")
        with tempfile.TemporaryDirectory() as cache:
            out["first_compiling"] = child("first", NUMBA_CACHE_DIR=cache)
    out["memory"] = child("memory")
    return out


UDF_CHILD = r"""
import asyncio, json, sys, time
t0 = time.perf_counter()
assert "xlwings" not in sys.modules
import xlwings, xlwings.server
import udfs
t_import = time.perf_counter() - t0
n = int(sys.argv[1])
payload = json.loads(sys.argv[2])
value = asyncio.run(xlwings.server.custom_functions_call(payload, udfs))  # warm-up
async def many():
    times = []
    for _ in range(n):
        t = time.perf_counter()
        await xlwings.server.custom_functions_call(payload, udfs)
        times.append(time.perf_counter() - t)
    return times
times = asyncio.run(many())
times.sort()
print(json.dumps({"on_server": xlwings.on_server, "import_s": t_import, "value": value,
                  "median_s": times[len(times) // 2], "min_s": times[0], "calls": n}))
"""


def bench_udf(calls: int) -> dict:
    from udfs.functions import aie_gpu_hour_cost

    aie_gpu_hour_cost(*SEED_GPU_HOUR)
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        value = aie_gpu_hour_cost(*SEED_GPU_HOUR)
        times.append(time.perf_counter() - t0)
    plain = {"median_s": statistics.median(times), "min_s": min(times), "calls": calls, "value": value}
    import xlwings

    payload = {"func_name": "aie_gpu_hour_cost", "args": [[[x]] for x in SEED_GPU_HOUR],
               "caller_address": "Office.js[Book1.xlsx]Sheet1!B2", "content_language": "en-US",
               "version": xlwings.__version__, "runtime": "1.4"}
    env = {**os.environ, "XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", UDF_CHILD, str(calls), json.dumps(payload)], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=300)
    t_proc = time.perf_counter() - t0
    if proc.returncode != 0:
        server = {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    else:
        server = json.loads(proc.stdout)
        server["subprocess_s"] = t_proc
    return {"plain": plain, "server": server}


# --------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------

def _t(s: float | None) -> str:
    if s is None:
        return "—"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.1f} µs"


def table(r: dict) -> str:
    m = r["machine"]
    rows: list[tuple[str, str, str]] = []
    b = r.get("build")
    if b:
        rows += [("1 build", f"xl.build (workbook), median of {b['repeat']}", _t(b["build_s"])),
                 ("", f"bare XlsxWriter, {b['formula_cells']:,} formula cells with values, median of {b['repeat']}",
                  _t(b["bare_xlsxwriter_s"])),
                 ("", "ratio build / bare", f"{b['build_over_bare']:.1f}×"),
                 ("", f"python build_workbook.py (whole process), median of {b['repeat']}",
                  _t(b["process_build_s"])),
                 ("", "python bare_script.py (whole process, same formula count)", _t(b["process_bare_s"])),
                 ("", "ratio process / bare process", f"{b['process_build_over_bare']:.1f}×")]
    f = r.get("formulas")
    if f:
        rows += [("2 formulas", "ExcelModel().loads(path).finish()", _t(f["load_finish_s"])),
                 ("", "compile(inputs, outputs)", _t(f["compile_s"])),
                 ("3 formulas", f"one evaluation of the compiled workbook, median of {f['evals']}",
                  _t(f["eval_s"]))]
    lo = r.get("libreoffice")
    if lo:
        rows += [("4 LibreOffice", f"recalculate (headless, forced), median of {lo.get('repeat', 0)}",
                  _t(lo["recalc_s"]) if "recalc_s" in lo else f"skipped: {lo['skipped']}")]
    e = r.get("evaluate")
    if e:
        rows += [("5 evaluate", f"scalar: {e['scalar_calls']:,} calls",
                  f"{_t(e['scalar_s'])} = {e['scalar_per_s']:,.0f} scenarios/s"),
                 ("", f"vectorised: {e['vector_scenarios']:,} random scenarios in one call, median of "
                      f"{e['vector_repeat']} (best {_t(e['vector_best_s'])}, first call {_t(e['vector_first_call_s'])})",
                  f"{_t(e['vector_s'])} = {e['vector_per_s']:,.0f} scenarios/s"),
                 ("", "ratio vectorised / scalar", f"{e['vector_over_scalar']:,.0f}×")]
    fr = r.get("evaluate_fresh")
    if fr and "error" not in fr.get("time", {"error": 1}):
        t, mem = fr["time"], fr.get("memory", {})
        n = t["n"]
        rows += [("5b fresh", f"floor: read {t['inputs']} inputs once, write {t['outputs']} outputs once, {n:,}",
                  _t(t["floor_all_s"])),
                 ("", f"evaluate, all outputs incl. P1, first call in the process ({t['first_over_floor']:.1f}× floor, "
                      f"{t['first_all_s'] / t['warm_all_s']:.1f}× the warm call"
                      f"{'; numba loaded from its warm disk cache' if t.get('fused') else ''})",
                  _t(t["first_all_s"])),
                 ("", "evaluate warm: all outputs / all without P1",
                  f"{t['warm_all_per_s']:,.0f} / {t['warm_all_no_p1_per_s']:,.0f} scenarios/s"),
                 ("", "evaluate warm: 4-output subset / its 2 outputs outside P1",
                  f"{t['warm_subset_per_s']:,.0f} / {t['warm_subset_no_p1_per_s']:,.0f} scenarios/s"),
                 ("", "scalar evaluate", f"{t['scalar_per_s']:,.0f} scenarios/s"),
                 ("", "P1 on arrays", _p1_engine(t))]
        if n < 1_000_000:
            rows += [("", "note: the targets are set at 1,000,000 scenarios; with fewer, fixed costs (numba's load, "
                          "~0.4 s; ~90 MB of imports and chunk buffers) weigh more against a smaller floor", "")]
        tn, fc = fr.get("time_numpy", {}), fr.get("first_compiling", {})
        if "warm_all_per_s" in tn:
            rows += [("", f"numpy path (AIE_NUMBA=0): first call ({tn['first_over_floor']:.1f}× its floor "
                          f"{_t(tn['floor_all_s'])}) / warm all / warm subset",
                      f"{_t(tn['first_all_s'])} / {tn['warm_all_per_s']:,.0f} / {tn['warm_subset_per_s']:,.0f} "
                      "scenarios/s")]
        k = fr.get("kernel", {})
        if k.get("fused"):
            rows += [("", "before these processes: one that loads the compiled P1 (compiles and caches it on the "
                          "first run after an install)", _t(k["kernel_s"]))]
        if "first_all_s" in fc:
            rows += [("", f"first call with an empty numba cache (compiles the kernel; floor {_t(fc['floor_all_s'])})",
                      _t(fc["first_all_s"]))]
        if "evaluate_peak_mb" in mem:
            rows += [("", f"peak memory of evaluate (tracemalloc), first call in the process (imports included), "
                          f"inputs {mem['input_mb']:,.0f} MB + outputs {mem['output_mb']:,.0f} MB",
                      f"{mem['evaluate_peak_mb']:,.0f} MB; (peak + inputs) / (inputs + outputs) = "
                      f"{mem['peak_incl_inputs_over_io']:.2f}")]
        if "evaluate_peak_warm_mb" in mem:
            rows += [("", "peak memory of evaluate, a second call (the evaluation alone)",
                      f"{mem['evaluate_peak_warm_mb']:,.0f} MB; (peak + inputs) / (inputs + outputs) = "
                      f"{mem['warm_peak_incl_inputs_over_io']:.2f}")]
    u = r.get("udf")
    if u:
        s = u["server"]
        rows += [("6 UDF", "aie_gpu_hour_cost, plain Python call", _t(u["plain"]["median_s"])),
                 ("", "through xlwings.server.custom_functions_call",
                  _t(s["median_s"]) if "median_s" in s else f"error: {s.get('error')}")]
    w = [max((len(x[i]) for x in rows), default=4) for i in range(3)]
    head = (f"machine: {m['cpu']}, {m['cores']} cores ({m.get('threads', '?')} chunks at once); {m['platform']}; "
            f"Python {m['python']}"
            f"{' (--quick sizes)' if r['quick'] else ''}")
    src = r.get("scenarios", "0")
    where = f"random scenarios, seed {src}" if src.isdigit() else f"scenarios of {src}"
    if r.get("scenarios_left_out"):
        where += f" ({r['scenarios_left_out']:,} left out: they do not fit in GPU memory)"
    lines = [head, f"inputs: {where}", f"{'step'.ljust(w[0])}  {'what'.ljust(w[1])}  time",
             f"{'-' * w[0]}  {'-' * w[1]}  {'-' * w[2]}"]
    lines += [f"{a.ljust(w[0])}  {b_.ljust(w[1])}  {c}" for a, b_, c in rows]
    return "\n".join(lines)


def _p1_engine(t: dict) -> str:
    """How P1 ran on arrays in the fresh processes, and why numpy if it did."""
    if t.get("fused"):
        return f"compiled (model.fused, numba {t['numba']})"
    if not t.get("numba_installed", True):
        return "numpy (numba not installed: the fast extra)"
    if not t.get("numba_enabled", True):
        return "numpy (AIE_NUMBA=0)"
    if t["n"] < t.get("min_scenarios", 0):
        return (f"numpy: {t['n']:,} scenarios, fewer than the {t['min_scenarios']:,} from which evaluate compiles "
                "P1 (numba's load would not pay; fused=True compiles anyway)")
    return "numpy (numba is installed but could not compile P1)"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    p.add_argument("--skip-libreoffice", action="store_true", help="leave out the LibreOffice recalculation")
    p.add_argument("--out", help="JSON file to write (default bench/results.json for a full run; with "
                                 "--quick or --only-evaluate, written only where given)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    p.add_argument("--only-evaluate", action="store_true", help="only the fresh-process evaluate measurements (5b)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random scenarios (default 0)")
    p.add_argument("--inputs", help="scenarios from a file instead of random ones: .npz (an array per input name), "
                                    ".csv or .xlsx (a header of input names, a row per scenario); the rest from the "
                                    "seed")
    args = p.parse_args(argv)
    if args.seed < 0:
        p.error(f"--seed {args.seed}: expected a whole number ≥ 0")
    if args.inputs is not None and not args.inputs.strip():
        p.error("--inputs is empty: give a .npz, .csv or .xlsx file of scenarios, or leave it out (random ones)")
    if args.out is not None:  # before anything is measured (bench/results.json, the default, is always replaced)
        from xl.atomic import OutputError, check_target

        try:
            check_target(args.out, "--out", args.overwrite, (".json",))
        except OutputError as exc:
            p.error(str(exc))
    source = str(Path(args.inputs).resolve()) if args.inputs else str(args.seed)
    with tempfile.TemporaryDirectory(prefix="aie-bench-inputs-") as held:
        run_source, left_out = source, 0
        if args.inputs:  # a bad file stops here, before anything is measured: domains and shares
            try:
                given = scenario_file(source)
                given, left_out = _fitting(given, source)
            except SystemExit as exc:  # bad input: exit status 2, as every command of the project
                p.error(str(exc.code))
            if left_out or Path(source).suffix.lower() == ".csv":
                run_source = _as_npz(given, Path(held), source, required=bool(left_out))
            del given
        return _run(args, source, run_source, left_out)


def _fitting(given: dict, source: str) -> tuple[dict, int]:
    """The file's scenarios that fit in GPU memory, and how many do not. model.evaluate refuses a model that does
    not fit (MODEL.md: bad input); random draws over whole domains include some, and the run measures the rest
    rather than stopping. Any other bad value stops the run, naming it."""
    import model
    from model.graph import solve

    try:
        model.evaluate(given, outputs=["effective_batch"])  # the rest from the seed, as `scenarios` fills them
        return given, 0
    except model.NotFitting:
        pass
    except model.InputError as exc:
        raise SystemExit(f"--inputs {source}: {exc}") from None
    seed = model.load("seed").values
    with np.errstate(all="ignore"):  # every domain is checked: only the fit failed
        fits = np.asarray(solve("effective_batch", {**seed, **given})) >= 1
    if not fits.any():
        raise SystemExit(f"--inputs {source}: no scenario in it fits in GPU memory (effective_batch ≥ 1)")
    left_out = int((~fits).sum())
    print(f"--inputs {source}: {left_out:,} of {fits.size:,} scenarios do not fit in GPU memory "
          f"(effective_batch < 1), which model.evaluate refuses: measured on the other {int(fits.sum()):,}",
          file=sys.stderr)
    return {k: v[fits] for k, v in given.items()}, left_out


def _as_npz(arrays: dict, folder: Path, source: str, required: bool = False) -> str:
    """The inputs a file gives, saved as an .npz for the measuring processes: each of them loads it in under a
    second, where parsing a million-row CSV again takes ~15 s. The file itself where the folder has no room,
    unless `required` (scenarios left out: the file is not what is measured)."""
    path = folder / "scenarios.npz"
    try:
        np.savez(path, **arrays)
    except OSError as exc:
        path.unlink(missing_ok=True)
        if required:
            raise SystemExit(f"--inputs {source}: cannot save the scenarios that fit ({exc.strerror or exc})") from None
        print(f"--inputs {source}: read again in each process ({exc.strerror or exc} saving a copy as .npz)",
              file=sys.stderr)
        return source
    return str(path)


def _run(args: argparse.Namespace, source: str, run_source: str, left_out: int = 0) -> int:
    """The measurements on `run_source` (the scenarios' seed, or their file), reported as of `source` (with the
    count of its scenarios left out because they do not fit)."""
    if args.only_evaluate:
        n = 100_000 if args.quick else 1_000_000
        report = {"machine": machine(), "quick": args.quick, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                  "scenarios": source, "scenarios_left_out": left_out,
                  "evaluate_fresh": bench_evaluate_fresh(n, run_source)}
        print(table(report))
        text = json.dumps(report, indent=1, default=float)
        print(text)
        if args.out:  # a partial report does not replace results.json unless asked to
            _write(Path(args.out), text)
        return 0
    q = args.quick
    report: dict = {"machine": machine(), "quick": q, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "scenarios": source,
                    "scenarios_left_out": left_out}
    with tempfile.TemporaryDirectory(prefix="aie-bench-") as tmpdir:
        tmp = Path(tmpdir)
        print("1/6 build ...", file=sys.stderr)
        build = bench_build(tmp, repeat=1 if q else 3)
        path = build.pop("path")
        report["build"] = build
        print("2-3/6 formulas ...", file=sys.stderr)
        report["formulas"] = bench_formulas(path, evals=3 if q else 20)
        if not args.skip_libreoffice:
            print("4/6 LibreOffice ...", file=sys.stderr)
            report["libreoffice"] = bench_libreoffice(path, tmp, repeat=1 if q else 3)
        print("5/6 evaluate ...", file=sys.stderr)
        report["evaluate"] = bench_evaluate(n_scalar=300 if q else 2000, n_vector=100_000 if q else 1_000_000,
                                            repeat=1 if q else 5, source=run_source)
        print("5b/6 evaluate in fresh processes ...", file=sys.stderr)
        report["evaluate_fresh"] = bench_evaluate_fresh(100_000 if q else 1_000_000, run_source)
        print("6/6 UDF ...", file=sys.stderr)
        report["udf"] = bench_udf(calls=200 if q else 2000)
    print(table(report))
    print()
    text = json.dumps(report, indent=1, default=float)
    print(text)
    if args.out or not args.quick:  # a smoke run's smaller sizes do not replace a full run's results.json
        _write(Path(args.out) if args.out else ROOT / "bench" / "results.json", text)
    return 0


def _write(out: Path, text: str) -> None:
    """The report through the project's one writer (temporary file, then rename: never half-written)."""
    from xl.atomic import write_atomic

    write_atomic(out, lambda tmp: Path(tmp).write_text(text + "\n", encoding="utf-8"), "--out", overwrite=True)
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
