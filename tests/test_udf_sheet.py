"""The --udf-sheet workbook evaluated by `formulas` with the UDFs' Python bodies registered as
custom functions: the UDF column equals the formula column, which equals model/."""

from __future__ import annotations

from pathlib import Path

import formulas
import numpy as np
import pytest

import model
import udfs
import xl
from xl.udf_sheet import CALLS, TABLES


def test_every_aie_function_is_registered():
    # the decorator makes the list: a function written without it would be exported nowhere
    from udfs import functions

    public = {n for n, f in vars(functions).items() if n.startswith("aie_") and callable(f)}
    assert public == set(udfs.UDFS), f"{sorted(public - set(udfs.UDFS))}: decorate with @_udf"


def test_every_udf_is_on_the_sheet_or_spills_a_table():
    called = {call.split("(")[0] for call, _, _ in CALLS}
    missing = set(udfs.UDFS) - called - set(TABLES)
    assert not missing, f"{sorted(missing)}: add a call to xl/udf_sheet.py's CALLS (or to TABLES if it spills a table)"
    assert called | set(TABLES) == set(udfs.UDFS) and not called & set(TABLES)


def _plain(x):
    """formulas hands ranges (Ranges objects or arrays): give the UDF Excel-like nested lists."""
    if hasattr(x, "value") and not isinstance(x, np.ndarray):
        x = x.value
    if isinstance(x, np.ndarray):
        return [[(None if str(v) == "empty" else (v.item() if hasattr(v, "item") else v)) for v in row]
                for row in np.atleast_2d(x)]
    return x


def _register():
    funcs = formulas.get_functions()
    for name in udfs.UDFS:
        f = getattr(udfs, name)
        funcs[name.upper()] = lambda *a, f=f: f(*[_plain(x) for x in a])


@pytest.mark.parametrize("template, overrides", [("seed", {}), ("coreweave", {"gpu_utilization": 0.7}),
                                                  ("h200", {"batch_size": 128, "cost_of_equity": 0.1})])
def test_udf_column_equals_formulas_equals_model(tmp_path, template, overrides):
    _register()
    path = tmp_path / "udf.xlsx"
    xl.build(path, template, overrides, udf_sheet=True)
    xm = formulas.ExcelModel().loads(str(path)).finish()
    sol = xm.calculate()
    sheet = f"'[{path.name}]UDF CHECK'!"
    expected = model.evaluate(overrides, template)
    for r, (_, native, _) in enumerate(CALLS, start=5):
        udf = sol[f"{sheet}C{r}"].value[0, 0]
        nat = sol[f"{sheet}D{r}"].value[0, 0]
        ok = sol[f"{sheet}E{r}"].value[0, 0]
        want = expected[native] if native in expected else \
            expected["effective_batch"] / expected["decode_step_seconds"]
        assert float(udf) == pytest.approx(float(nat), rel=1e-12), (r, native, udf, nat)
        assert float(nat) == pytest.approx(want, rel=1e-9), (r, native)
        assert ok == 1


def test_formula_names_per_runtime():
    from xl.udf_sheet import RUNTIMES, excel_name

    assert excel_name("aie_output") == excel_name("aie_output", "lite") == "AIE_OUTPUT"
    assert excel_name("aie_output", "server") == "XLWINGS.AIE_OUTPUT"
    assert excel_name("aie_output", "server-dev") == "XLWINGS_DEV.AIE_OUTPUT"
    assert excel_name("aie_wacc", "server", namespace="aie") == "AIE.AIE_WACC"
    assert excel_name("aie_wacc", "server", namespace="") == "AIE_WACC"
    assert set(RUNTIMES) == {"classic", "lite", "server", "server-dev"}
    with pytest.raises(ValueError, match="unknown UDF runtime"):
        excel_name("aie_output", "vba")


def test_server_sheet_uses_the_namespace(tmp_path):
    import openpyxl

    path = tmp_path / "udf_server.xlsx"
    xl.build(path, "seed", {}, udf_sheet="server-dev")
    ws = openpyxl.load_workbook(path)["UDF check"]
    formulas_ = [str(ws.cell(r, 3).value) for r in range(5, 5 + len(CALLS))]
    assert all(f.startswith("=XLWINGS_DEV.AIE_") for f in formulas_), formulas_


def test_cli_udf_sheet_takes_the_runtime(tmp_path):
    import subprocess
    import sys

    import openpyxl

    out = tmp_path / "u.xlsx"
    subprocess.run([sys.executable, "build_workbook.py", "--out", str(out), "--udf-sheet", "server-dev"], check=True,
                   capture_output=True, cwd=Path(__file__).resolve().parent.parent)
    ws = openpyxl.load_workbook(out)["UDF check"]
    formulas = [c.value for c in ws["C"] if isinstance(c.value, str) and c.value.startswith("=")]
    assert formulas and all(f.startswith("=XLWINGS_DEV.AIE_") for f in formulas)
