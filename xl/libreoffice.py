"""Recalculate a workbook in LibreOffice Calc (headless, forced recalculation) and read it back."""

from __future__ import annotations

import os
import shutil
import signal
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
        proc = _run(cmd, timeout)
    results = [out_dir / (Path(src).stem + suffix) for src in srcs]
    if proc.returncode != 0 or not all(r.exists() for r in results):
        raise RuntimeError(f"LibreOffice failed ({proc.returncode}): {proc.stdout} {proc.stderr}")
    return results


def _run(cmd: list[str], timeout: float) -> subprocess.CompletedProcess:
    """`cmd` in a process group of its own, ended whole on a timeout: soffice's oosplash starts soffice.bin as its
    child, and killing oosplash alone (what subprocess.run does) leaves soffice.bin converting on, a core busy and
    its profile deleted under it. Raises subprocess.TimeoutExpired as subprocess.run would."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # POSIX: a session and group led by proc; elsewhere ignored
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException:  # a timeout, or Ctrl-C, which no longer reaches a group of its own
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (AttributeError, ProcessLookupError):  # Windows (the process alone, as subprocess.run); all gone
            proc.kill()
        proc.wait()  # not communicate(): a descendant that left the group could hold the pipes open
        proc.stdout.close()
        proc.stderr.close()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


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
