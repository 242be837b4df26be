"""Time one AIE_EVALUATE call on 10,000 scenario rows against 10,000 single AIE_OUTPUT calls,
both through xlwings' own custom_functions_call (as xlwings Server and Lite run them).

    PYTHONPATH=. python bench/udf_evaluate.py [rows]
"""

import os
import sys

os.environ["XLWINGS_ON_SERVER"] = "true"  # before xlwings is first imported
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import asyncio  # noqa: E402
import time  # noqa: E402

import xlwings  # noqa: E402
import xlwings.server  # noqa: E402

import udfs  # noqa: E402


def payload(func_name, *args):
    return {"func_name": func_name, "args": list(args), "caller_address": "Office.js[Book1.xlsx]Sheet1!B2",
            "content_language": "en-US", "version": xlwings.__version__, "runtime": "1.4"}


def call(p):
    return asyncio.run(xlwings.server.custom_functions_call(p, udfs))


def main(n: int = 10_000) -> None:
    prices = [20000 + 10 * i % 15000 for i in range(n)]
    table = [["gpu_price"], *([p] for p in prices)]
    t0 = time.perf_counter()
    out = call(payload("aie_evaluate", table, [["total_cost_per_gpu_hour"]], None))
    t_eval = time.perf_counter() - t0
    assert len(out) == n
    t0 = time.perf_counter()
    for p in prices:
        call(payload("aie_output", [["total_cost_per_gpu_hour"]], [["gpu_price"]], [[p]], None))
    t_single = time.perf_counter() - t0
    print(f"AIE_EVALUATE, one call on {n:,} rows: {t_eval:.3f} s")
    print(f"AIE_OUTPUT, {n:,} single calls:      {t_single:.3f} s ({t_single / n * 1e3:.2f} ms per call)")
    print(f"ratio: {t_single / t_eval:.0f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
