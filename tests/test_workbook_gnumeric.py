"""A third engine: Gnumeric's ssconvert recalculates the workbook (it is not one we build for or tune against)
and every named output equals `model.evaluate`, the master check holds. LibreOffice and `formulas` are the
engines of the other workbook tests; a formula that only they read the same way would show up here.

ssconvert keeps stored values unless asked (`--recalc`); the stale-selector case proves it recalculates:
the scenario number (Inputs!G3) is changed in the file's XML, every stored value left as the seed's."""

from __future__ import annotations

import re
import shutil
import zipfile

import numpy as np
import openpyxl
import pytest
from wbtools import defined_cells, gnumeric, mismatches

import model
import xl
from model.samples import random_inputs
from xl.libreoffice import read_names

pytestmark = [pytest.mark.skipif(shutil.which("ssconvert") is None, reason="Gnumeric not installed (bash .ci/setup)"),
              pytest.mark.filterwarnings("ignore:Workbook contains no default style")]  # Gnumeric's file


def _random_sets(n: int) -> list[dict]:
    draws = random_inputs(n, seed=11)
    return [{k: float(np.asarray(v)[i]) for k, v in draws.items()} for i in range(n)]


CASES = [("seed", {}), ("h100-market", {}), *((f"random{i}", s) for i, s in enumerate(_random_sets(3)))]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_gnumeric_equals_model(tmp_path, case):
    name, sets = case
    template = name if not sets else "seed"
    src = tmp_path / "w.xlsx"
    xl.build(src, template, sets)
    got = read_names(gnumeric(src, tmp_path / "g.xlsx"))
    expected = model.evaluate({**model.load(template).values, **sets})
    cells, forms = defined_cells(src)
    bad = mismatches(expected, got, 1e-9, cells, forms)
    assert not bad, "\n".join(bad)
    cover = openpyxl.load_workbook(tmp_path / "g.xlsx", data_only=True)["Cover"]
    assert cover["C8"].value == 1, "master check"


def test_gnumeric_recalculates_a_stale_file(tmp_path):
    src = tmp_path / "w.xlsx"
    xl.build(src)
    stale = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(stale, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":  # Inputs: scenario number (G3) 1 -> 2 (coreweave)
                text, n = re.subn(r'(<c r="G3"[^>]*><v>)1(</v>)', r"\g<1>2\g<2>", data.decode(), count=1)
                assert n == 1
                data = text.encode()
            zout.writestr(item, data)
    got = read_names(gnumeric(stale, tmp_path / "g.xlsx"))
    expected = model.evaluate(template="coreweave")
    assert expected["total_cost_per_gpu_hour"] != model.evaluate()["total_cost_per_gpu_hour"]
    bad = mismatches(expected, got, 1e-9)
    assert not bad, "\n".join(bad)
