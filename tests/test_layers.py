"""Layers: model/ is pure (no workbook, plotting or CLI code); cli/ sits above model/ and xl/."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("xl", "udfs", "cli", "matplotlib", "openpyxl", "xlsxwriter", "formulas")


def test_import_model_loads_no_workbook_plotting_or_cli_module():
    code = ("import json, sys, model; model.evaluate()\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    loaded = set(json.loads(p.stdout))
    assert loaded.isdisjoint(FORBIDDEN), loaded & set(FORBIDDEN)


def test_a_build_imports_no_numpy(tmp_path):
    # one scenario on plain floats: a build needs neither numpy nor pandas, numba or scipy (~0.1 s of its start)
    code = ("import json, runpy, sys\n"
            f"sys.argv = ['build_workbook.py', '--out', {str(tmp_path / 'b.xlsx')!r}]\n"
            "try:\n    runpy.run_path('build_workbook.py', run_name='__main__')\nexcept SystemExit as e:\n"
            "    assert not e.code, e.code\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    loaded = set(json.loads(p.stdout.splitlines()[-1]))
    assert loaded.isdisjoint({"numpy", "pandas", "numba", "scipy"}), loaded & {"numpy", "pandas", "numba", "scipy"}
    assert (tmp_path / "b.xlsx").stat().st_size > 0


def test_model_sources_import_nothing_above_it():
    """Only model/__main__.py (run as a script, never on `import model`) may reach the CLI."""
    for path in (ROOT / "model").rglob("*.py"):
        if path.name == "__main__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            for n in names:
                assert n.split(".")[0] not in FORBIDDEN, f"{path.relative_to(ROOT)} imports {n}"


def test_only_cli_plots_imports_matplotlib():
    importing = re.compile(r"^\s*(import|from)\s+matplotlib\b", re.M)  # an import, not the name in a message
    for path in [*ROOT.glob("cli/*.py"), *ROOT.glob("xl/*.py")]:
        if importing.search(path.read_text(encoding="utf-8")):
            assert path.name == "plots.py", path


def test_console_scripts_point_at_cli():
    import tomllib

    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert conf["project"]["scripts"] == {"aie": "cli:main", "aie-build": "cli.build:main"}
    assert "cli*" in conf["tool"]["setuptools"]["packages"]["find"]["include"]
