"""`udfs` in a fresh virtual environment holding only numpy and xlwings (what xlwings Lite or a lean
add-in install has): it imports and every function answers, with values worked by hand."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent("""
    import sys
    import udfs
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in
                   ("pandas", "scipy", "openpyxl", "xlsxwriter", "formulas", "matplotlib"))
    assert not heavy, heavy
    # seed: 25000/(3·8760) + 0.7·1.2·0.035 + 150·0.7/730 + 2600/(3·8760) + 0.10
    total = 25000 / (3 * 8760) + 0.7 * 1.2 * 0.035 + 150 * 0.7 / 730 + 2600 / (3 * 8760) + 0.10
    assert abs(udfs.aie_gpu_hour_cost(25000, 3, 0.7, 1.2, 0.035, 150, 2600, 3, 0.1) / total - 1) < 1e-12
    assert abs(udfs.aie_output("total_cost_per_gpu_hour") / total - 1) < 1e-12
    assert abs(udfs.aie_output("project_irr") - 0.0922733775) < 1e-9
    for name in udfs.aie_templates()[1:]:
        assert udfs.aie_output("wacc", None, None, name[0]) > 0
    assert udfs.aie_wacc(0.5, 0.25, 0.08, 0.21) == 0.5 * 0.25 + 0.5 * 0.08 * 0.79
    table = udfs.aie_evaluate([["gpu_utilization"], [0.5], [1.0]], [["rental_gross_margin"]])
    assert abs(table[1][0] - (1 - total / 1.0 / 2.2)) < 1e-12
    # every output of one table, optimal_owned_gpus (NORMSINV on arrays) included: the vectorised path needs no
    # scipy; the scalar path (AIE_OUTPUT, the standard library) gives the same number
    names = [o[0] for o in udfs.aie_outputs()[1:]]
    table = udfs.aie_evaluate([["gpu_utilization"], [0.5], [0.9]], [names])
    k = names.index("optimal_owned_gpus")
    assert table[1][k] == udfs.aie_output("optimal_owned_gpus", [["gpu_utilization"]], [[0.9]])
    assert not any(m.split(".")[0] == "scipy" for m in sys.modules)
    assert len(udfs.aie_project()) > 20 and len(udfs.aie_inputs()) > 100 and len(udfs.aie_outputs()) > 100
    print("ok")
""")


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    where = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    py = where / "bin" / "python"
    pip = subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "numpy", "xlwings"],
                         capture_output=True, text=True)
    if pip.returncode != 0:
        pytest.skip(f"cannot install numpy and xlwings into a fresh venv here: {pip.stderr.strip()[-300:]}")
    return py


def test_udfs_in_a_venv_with_only_numpy_and_xlwings(venv, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    run = subprocess.run([str(venv), "-c", SCRIPT], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"
