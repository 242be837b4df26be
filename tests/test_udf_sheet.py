"""The --udf-sheet workbook evaluated by `formulas` with the UDFs' Python bodies registered as
custom functions: the UDF column equals the formula column, which equals model/."""

from __future__ import annotations

import formulas
import numpy as np
import pytest

import model
import udfs
import xl
from xl.udf_sheet import CALLS


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
                                                  ("h200", {"batch_size": 128, "wacc": 0.0})])
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
