"""Recalculate a workbook in LibreOffice Calc (headless, forced recalculation) and read it back."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def recalculate(src: str | Path, out_dir: str | Path, timeout: int = 180) -> Path:
    """Open `src` in LibreOffice with 'always recalculate', save as xlsx into out_dir; return the path.

    Each call uses its own profile directory, so concurrent runs do not collide."""
    return convert(src, out_dir, "xlsx:Calc MS Excel 2007 XML", ".xlsx", timeout)


def recalculate_many(srcs: list, out_dir: str | Path, timeout: int = 600) -> list[Path]:
    """Several workbooks recalculated in one LibreOffice start (the start dominates a small file's time)."""
    return convert_many(srcs, out_dir, "xlsx:Calc MS Excel 2007 XML", ".xlsx", timeout)


def to_pdf(src: str | Path, out_dir: str | Path, timeout: int = 180) -> Path:
    """`src` recalculated and printed to PDF (every sheet, with its print set-up) into out_dir."""
    return convert(src, out_dir, "pdf", ".pdf", timeout)


def convert(src: str | Path, out_dir: str | Path, target: str, suffix: str, timeout: int = 180) -> Path:
    """soffice --convert-to `target` with a fresh profile that always recalculates."""
    return convert_many([src], out_dir, target, suffix, timeout)[0]


def convert_many(srcs: list, out_dir: str | Path, target: str, suffix: str, timeout: int = 180) -> list[Path]:
    """soffice --convert-to `target` of every file in `srcs` (distinct stems), one fresh profile that always
    recalculates."""
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed; run: bash .ci/setup")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as prof:
        user = Path(prof) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(XCU)
        cmd = [exe, f"-env:UserInstallation=file://{prof}", "--headless", "--norestore", "--nologo",
               "--convert-to", target, "--outdir", str(out_dir), *map(str, srcs)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    results = [out_dir / (Path(src).stem + suffix) for src in srcs]
    if proc.returncode != 0 or not all(r.exists() for r in results):
        raise RuntimeError(f"LibreOffice failed ({proc.returncode}): {proc.stdout} {proc.stderr}")
    return results


def read_names(path: str | Path) -> dict[str, object]:
    """Value of every workbook-scoped single-cell defined name, as stored in the file."""
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True, read_only=False)
    out = {}
    for name, dn in wb.defined_names.items():
        dests = list(dn.destinations)
        if len(dests) != 1:
            continue
        sheet, ref = dests[0]
        out[name] = wb[sheet][ref.replace("$", "")].value
    return out
