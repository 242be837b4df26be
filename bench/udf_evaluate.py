"""One AIE_EVALUATE call on 10,000 scenario rows against 10,000 single AIE_OUTPUT calls (the issue's
target: ≥100× faster), with the body the Office.js add-in posts for each call.

1. In process: xlwings' own ``xlwings.server.custom_functions_call`` (what xlwings Server and Lite
   run), one event loop, every single call timed.
2. Over HTTP, when xlwings-server is installed: a project laid out as udfs/README.md's server
   steps say (``xlwings-server init``, ``from udfs import *``, the licence key in ``.env``), its app
   under uvicorn on a free localhost port, plain HTTP, one kept-alive connection. AIE_EVALUATE on
   all rows in one POST; `sample` single AIE_OUTPUT POSTs, extrapolated to `rows` calls.

    PYTHONPATH=. python bench/udf_evaluate.py [rows] [--sample 500] [--no-http] [--pyodide-probe]

xlwings 0.37.8 reads every argument cell through ``xlwings.utils.is_jsnull``, which tries
``from pyodide.ffi import JsNull`` each time; outside Pyodide that import fails, uncached, at some
90 µs a cell. ``import udfs`` replaces the check by ``False`` where pyodide is absent (no JsNull
exists there); --pyodide-probe puts xlwings' own check back, to measure what it costs (in process
only). Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import os

os.environ["XLWINGS_ON_SERVER"] = "true"  # before xlwings is first imported
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import http.client  # noqa: E402
import importlib.metadata  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import xlwings  # noqa: E402
import xlwings.server  # noqa: E402
import xlwings.utils  # noqa: E402

XLWINGS_IS_JSNULL = xlwings.utils.is_jsnull  # xlwings' own check, before udfs replaces it

import udfs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from xlserver import serve  # noqa: E402  (the server as udfs/README.md lays it out; shared with the tests)

OUTPUT = "total_cost_per_gpu_hour"


def payload(func_name: str, *args: Any) -> dict:
    """The body custom-functions-code.js (xlwings Server 1.20) posts: matrix parameters as 2-D arrays,
    enum (string) parameters as strings, null for an omitted argument."""
    return {"client": "Office.js", "func_name": func_name, "args": list(args),
            "caller_address": "[Book1.xlsx]Sheet1!B2", "session_id": "bench", "culture_info_name": "en-US",
            "date_format": "M/d/yyyy", "version": xlwings.__version__, "runtime": "1.4"}


def prices(n: int) -> list[float]:
    return [20000.0 + (10 * i) % 15000 for i in range(n)]


def evaluate_payload(n: int) -> dict:
    return payload("aie_evaluate", [["gpu_price"], *([p] for p in prices(n))], [[OUTPUT]], None)


def output_payload(price: float) -> dict:
    return payload("aie_output", OUTPUT, [["gpu_price"]], [[price]], None)


# --------------------------------------------------------------------------------------
# In process
# --------------------------------------------------------------------------------------
async def _in_process(n: int) -> tuple[float, float]:
    call = xlwings.server.custom_functions_call
    await call(output_payload(25000.0), udfs)  # warm-up (imports, first compute)
    t_eval = []
    for _ in range(3):
        t0 = time.perf_counter()
        out = await call(evaluate_payload(n), udfs)
        t_eval.append(time.perf_counter() - t0)
    assert len(out) == n
    t0 = time.perf_counter()
    for p in prices(n):
        await call(output_payload(p), udfs)
    return statistics.median(t_eval), time.perf_counter() - t0


# --------------------------------------------------------------------------------------
# Over HTTP
# --------------------------------------------------------------------------------------
def _post(conn: http.client.HTTPConnection, body: dict) -> Any:
    conn.request("POST", "/xlwings/custom-functions-call", json.dumps(body), {"Content-Type": "application/json"})
    r = conn.getresponse()
    text = r.read()
    if r.status != 200:
        raise RuntimeError(f"HTTP {r.status}: {text.decode()}")
    return json.loads(text)["result"]


def _over_http(n: int, sample: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp) / "aieserver", timeout=30.0, quiet=True) as base:
        conn = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=120)
        _post(conn, output_payload(25000.0))  # warm-up
        t_eval = []
        for _ in range(3):
            t0 = time.perf_counter()
            out = _post(conn, evaluate_payload(n))
            t_eval.append(time.perf_counter() - t0)
        assert len(out) == n
        t0 = time.perf_counter()
        for p in prices(sample):
            _post(conn, output_payload(p))
        t_single = time.perf_counter() - t0
        conn.close()
    return statistics.median(t_eval), t_single


def report(label: str, n: int, t_eval: float, t_single: float, calls: int) -> None:
    per_call = t_single / calls
    total = per_call * n
    extrapolated = f" ({calls:,} timed, ×{n / calls:g})" if calls != n else ""
    print(f"{label}")
    print(f"  AIE_EVALUATE, one call on {n:,} rows: {t_eval:8.3f} s")
    print(f"  AIE_OUTPUT, {n:,} single calls:     {total:8.3f} s{extrapolated}, {per_call * 1e3:.2f} ms per call")
    print(f"  ratio: {total / t_eval:,.0f}x")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("rows", nargs="?", type=int, default=10_000, help="scenario rows (default 10,000)")
    ap.add_argument("--sample", type=int, default=500, help="single calls timed over HTTP (default 500)")
    ap.add_argument("--no-http", action="store_true", help="in process only")
    ap.add_argument("--pyodide-probe", action="store_true",
                    help="in process only, with xlwings' per-cell pyodide import put back (see above)")
    a = ap.parse_args(argv)
    if a.pyodide_probe:
        xlwings.utils.is_jsnull = XLWINGS_IS_JSNULL
        a.no_http = True
    t_eval, t_single = asyncio.run(_in_process(a.rows))
    report("in process, xlwings.server.custom_functions_call:", a.rows, t_eval, t_single, a.rows)
    if a.no_http:
        return
    if importlib.util.find_spec("xlwings_server") is None:
        print("over HTTP: skipped (xlwings-server is not installed)")
        return
    sample = min(a.sample, a.rows)
    t_eval, t_single = _over_http(a.rows, sample)
    version = importlib.metadata.version("xlwings-server")
    report(f"over HTTP, xlwings Server {version} (uvicorn, localhost, one kept-alive connection):", a.rows, t_eval,
           t_single, sample)


if __name__ == "__main__":
    main()
