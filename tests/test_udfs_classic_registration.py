"""The classic add-in's own registration: xlwings' classic decorators (xlwings/udfs.py: xlfunc, xlarg, xlret)
applied to every function as Excel's Import Functions does, then each argument read through xlwings'
`conversion.read` as `call_udf` reads a value Excel passes. xlwings/udfs.py imports the Windows COM modules
at its top; empty stand-ins let it import on Linux (nothing of COM is called here). Classic xlwings takes an
argument's annotation for a converter: a `Literal` one (the Office.js enums) broke every call of AIE_OUTPUT,
AIE_EVALUATE, AIE_PROJECT and AIE_INPUTS ("AttributeError: reader")."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent("""
    import os, sys, types
    os.environ.pop("XLWINGS_ON_SERVER", None)
    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        sys.modules[name] = types.ModuleType(name)
    sys.modules["win32com.client"].Dispatch = None
    sys.modules["pythoncom"].CoInitialize = lambda: None  # a thread pool's initializer, never run here
    import xlwings
    import xlwings.udfs as classic
    from xlwings import conversion
    xlwings.func, xlwings.arg, xlwings.ret = classic.xlfunc, classic.xlarg, classic.xlret
    import udfs, aie_udfs

    def read(value, options):
        # classic reads with the "excel" engine, absent off Windows; the converter (where Literal failed) is
        # chosen before the engine is looked at
        return conversion.read(None, value, options, engine_name="remote")
    assert not udfs.edge.ENUMS  # the classic decorators: no enums
    # one value per argument, as Excel passes it to a classic UDF (a 2-D tuple for a range, a plain value else)
    sample = {"output_name": "project_irr", "template": "coreweave", "input_names": (("gpu_price",),),
              "input_values": ((30000.0,),), "inputs_table": (("gpu_price",), (30000.0,)),
              "output_names": (("project_irr",),), "headers": True}
    for excel_name in udfs.EXCEL_NAMES.values():
        f = getattr(aie_udfs, excel_name)
        info = f.__xlfunc__
        assert info["name"] == excel_name
        for a in info["args"]:
            read(sample.get(a["name"], 1.0), a["options"])  # raised AttributeError: reader
    args = [read(sample[a["name"]], a["options"]) for a in aie_udfs.AIE_OUTPUT.__xlfunc__["args"]]
    import model
    want = model.evaluate({"gpu_price": 30000.0}, "coreweave")["project_irr"]
    got = aie_udfs.AIE_OUTPUT(*args)
    assert abs(got - want) < 1e-12, (got, want)
    print("ok", len(udfs.EXCEL_NAMES))
""")


def test_classic_registration_reads_every_argument(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
           "XLWINGS_LICENSE_KEY": "noncommercial"}  # for the "remote" engine the reads run under
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.startswith("ok")
