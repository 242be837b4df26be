"""Numbers survive the workbook file exactly: build with 17-significant-digit and near-maximum values,
export the inputs back to TOML, and read the same doubles (XlsxWriter alone writes 16 digits)."""

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_build_then_export_is_exact(tmp_path):
    book, toml = tmp_path / "rt.xlsx", tmp_path / "rt.toml"
    subprocess.run([sys.executable, "build_workbook.py", "--out", str(book), "--set", "pue=1.2000000000000002",
                    "--set", "demand_mean_gpus=1.7976931348623157e308"], cwd=ROOT, check=True, capture_output=True)
    sheets = zipfile.ZipFile(book)
    xml = "".join(sheets.read(n).decode() for n in sheets.namelist() if n.startswith("xl/worksheets/sheet"))
    assert "<v>1.2000000000000002</v>" in xml and "<v>1.7976931348623157e+308</v>" in xml
    subprocess.run([sys.executable, "-m", "model", "export-inputs", str(book), "-o", str(toml)], cwd=ROOT, check=True,
                   capture_output=True)
    inputs = tomllib.loads(toml.read_text(encoding="utf-8"))["inputs"]
    assert inputs["pue"]["value"] == 1.2000000000000002
    assert inputs["demand_mean_gpus"]["value"] == 1.7976931348623157e308
