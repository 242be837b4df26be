"""Packaging of the UDFs: `import udfs` pulls in no heavy library, and a wheel built from the
project, installed on its own (no repository, no data files), serves every template."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "scipy", "openpyxl", "xlsxwriter", "formulas", "matplotlib")

BLOCKED = r"""
import importlib.abc, json, sys
HEAVY = @HEAVY@
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HEAVY:
            raise ImportError(f"blocked: {name}")
sys.meta_path.insert(0, Block())
import udfs, aie_udfs
print(json.dumps({"loaded": [m for m in HEAVY if m in sys.modules],
                  "value": udfs.aie_output("project_irr"),
                  "project": len(udfs.aie_project()), "classic": aie_udfs.AIE_WACC(0.5, 0.25, 0.08, 0.21)}))
""".replace("@HEAVY@", repr(HEAVY))

AFTER_XLWINGS = r"""
import json, sys
import xlwings  # imports pandas and matplotlib itself when they are installed
before = set(sys.modules)
import udfs
udfs.aie_output("total_cost_per_gpu_hour"); udfs.aie_project(); udfs.aie_evaluate([["pue"], [1.2]], "weight_gb")
new = set(sys.modules) - before
print(json.dumps(sorted(m for m in new if m.split(".")[0] in @HEAVY@)))
""".replace("@HEAVY@", repr(HEAVY))


def _run(code, env=None, cwd=ROOT):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    env.pop("XLWINGS_ON_SERVER", None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_udfs_work_without_heavy_libraries():
    out = _run(BLOCKED)
    assert out["loaded"] == []
    assert out["value"] == pytest.approx(0.09227337748827989, rel=1e-12)
    assert out["project"] > 30
    assert out["classic"] == pytest.approx(0.1566)


def test_import_udfs_adds_no_heavy_module():
    assert _run(AFTER_XLWINGS) == []


def test_wheel_without_data_files_serves_every_template(tmp_path):
    wheels, target, work = tmp_path / "wheels", tmp_path / "site", tmp_path / "elsewhere"
    work.mkdir()
    # built from a copy: setuptools writes build/ and rewrites *.egg-info in the tree it builds (the repository's
    # egg-info is what importlib.metadata reads while another test file builds a workbook), and never empties
    # build/lib (a module deleted from the source would still be in the wheel)
    source = tmp_path / "source"
    top = shutil.ignore_patterns(".git", ".venv", "venv", ".tox", "build", "dist", "out", ".*_cache", ".hypothesis",
                                 "*.xlsx", "*.bak")  # the checkout's own, at its top only: a package may hold an out/
    anywhere = shutil.ignore_patterns("*.egg-info", "__pycache__")
    shutil.copytree(ROOT, source, symlinks=True, ignore=lambda folder, names: anywhere(folder, names) | (
        top(folder, names) if Path(folder) == ROOT else set()))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                            "-w", str(wheels), str(source)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    wheel = next(wheels.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "aie_udfs.py" in names
    assert not any(".data/" in n for n in names)  # no data files: the templates are package data
    assert any(n.startswith("model/bundled_templates/") and n.endswith(".toml") for n in names)
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                              str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    code = r"""
import json, model, udfs, aie_udfs
assert model.__file__.startswith(@TARGET@), model.__file__
print(json.dumps({t: udfs.aie_output("total_cost_per_gpu_hour", None, None, t) for t in model.bundled()}))
""".replace("@TARGET@", repr(str(target)))
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("XLWINGS_ON_SERVER", None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=work,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    # every template of the source tree, served from the wheel
    assert sorted(out) == sorted(p.stem for p in (ROOT / "model" / "bundled_templates").glob("*.toml"))
    assert {"seed", "coreweave"} <= set(out)
    assert out["seed"] == pytest.approx(1.3234639269406394, rel=1e-12)
    assert out["coreweave"] == pytest.approx(1.6379452054794523, rel=1e-12)
    # the same wheel imported as a zip (on sys.path as it is): the templates are not files there, yet they load
    code = r"""
import json, sys
sys.path.insert(0, @WHEEL@)
import model
assert model.__file__.startswith(@WHEEL@), model.__file__
print(json.dumps({t: model.evaluate(template=t)["total_cost_per_gpu_hour"] for t in model.bundled()}))
""".replace("@WHEEL@", repr(str(wheel)))
    env.pop("PYTHONPATH")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=work,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    zipped = json.loads(proc.stdout)
    assert zipped["seed"] == pytest.approx(1.3234639269406394, rel=1e-12) and set(zipped) == set(out)


WITHOUT_XLWINGS = r"""
import importlib.abc, json, sys
class Absent(importlib.abc.MetaPathFinder):  # as Python says of a package that is not installed
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "xlwings":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Absent())
import model
cost = model.evaluate()["total_cost_per_gpu_hour"]
try:
    import udfs
except ModuleNotFoundError as exc:
    print(json.dumps({"cost": cost, "error": str(exc), "name": exc.name}))
"""


def test_udfs_without_xlwings_name_the_extra():
    """Without the 'udfs' extra the model still evaluates, and `import udfs` says in one line what to install."""
    out = _run(WITHOUT_XLWINGS)
    assert out["cost"] == pytest.approx(1.3234639269406394, rel=1e-12)
    assert out["name"] == "xlwings"
    assert "'udfs' extra" in out["error"] and "pip install 'ai-inference-economics[udfs]'" in out["error"]
