"""Analyst workflow: regenerate without losing edits, export templates, refuse bad input, never corrupt a file."""

from __future__ import annotations

import hashlib
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

import model
import xl
from xl.carry import read_inputs

ROOT = Path(__file__).resolve().parent.parent


def run(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def cell_of(ws, name: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == name)


def edit(path: Path) -> None:
    """Edit as a user would: several template columns changed, another scenario selected."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Inputs"]
    ws.cell(cell_of(ws, "gpu_price"), 9).value = 31000  # coreweave column (I)
    ws.cell(cell_of(ws, "pue"), 10).value = 1.35  # h200 column (J)
    ws.cell(cell_of(ws, "batch_size"), 10).value = 128
    ws.cell(cell_of(ws, "cost_of_equity"), 8).value = 0.09  # seed column (H)
    wb["Inputs"]["G3"] = 3  # h200: the third template column
    wb.save(path)


def test_from_carries_every_edit(tmp_path):
    src = tmp_path / "book.xlsx"
    xl.build(src)
    edit(src)
    before = src.read_bytes()
    proc = run("build_workbook.py", "--from", str(src))
    assert proc.returncode == 0, proc.stderr
    assert "coreweave: gpu_price = 31000" in proc.stdout
    assert "h200: pue = 1.35" in proc.stdout and "seed: cost_of_equity = 0.09" in proc.stdout
    assert (tmp_path / "book.xlsx.bak").read_bytes() == before
    again = read_inputs(src)
    assert again.selected == "h200"
    assert again.columns["coreweave"]["gpu_price"] == 31000
    assert again.columns["h200"]["pue"] == 1.35 and again.columns["h200"]["batch_size"] == 128
    assert again.columns["seed"]["cost_of_equity"] == 0.09
    # stored outputs equal the model on the edited h200 inputs (h200: hbm 141 GB, 4.8 TB/s, pue 1.35, batch 128)
    from xl.libreoffice import read_names

    got = read_names(src)
    want = model.evaluate({"pue": 1.35, "batch_size": 128}, template="h200")
    for name in ("power_per_gpu_hour", "cost_per_m_output_tokens", "breakeven_utilization_wacc"):
        assert got[name] == pytest.approx(want[name], rel=1e-12)
    assert got["power_per_gpu_hour"] == pytest.approx(0.7 * 1.35 * 0.035, rel=1e-12)


def test_export_round_trip(tmp_path):
    src = tmp_path / "book.xlsx"
    xl.build(src)
    edit(src)
    toml = tmp_path / "mine.toml"
    proc = run("-m", "model", "export-inputs", str(src), "-o", str(toml))
    assert proc.returncode == 0, proc.stderr
    t = model.load(toml)
    edited = read_inputs(src).columns["h200"]
    assert t.values == edited  # nothing lost
    assert t.values["pue"] == 1.35 and t.values["hbm_capacity_gb"] == 141
    out = tmp_path / "from_toml.xlsx"
    proc = run("build_workbook.py", "--template", str(toml), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    from xl.libreoffice import read_names

    assert read_names(out)["power_per_gpu_hour"] == pytest.approx(0.7 * 1.35 * 0.035, rel=1e-12)


def _renamed(src: Path, name: str, new_name: str) -> Path:
    """A built workbook whose Inputs row of `name` is named `new_name` in column B (an older version's input, or a
    slip of the keyboard)."""
    xl.build(src)
    wb = openpyxl.load_workbook(src)
    ws = wb["Inputs"]
    ws.cell(cell_of(ws, name), 2).value = new_name
    wb.save(src)
    return src


def test_a_renamed_row_and_an_uncalculated_formula_say_what_they_are(tmp_path):
    """A name typed in other letter case is named as such, by --from and by export-inputs (whose template lacked
    the row's value without a word); a formula saved by a program that does not calculate is not "empty"."""
    src = _renamed(tmp_path / "book.xlsx", "gpu_price", "GPU_PRICE")
    proc = run("build_workbook.py", "--from", str(src), "--out", str(tmp_path / "new.xlsx"))
    assert proc.returncode == 0, proc.stderr
    assert ("not carried: 'GPU_PRICE' is no longer an input of this version (did you mean gpu_price? names are "
            "lower case)") in proc.stderr
    proc = run("-m", "model", "export-inputs", str(src), "-o", str(tmp_path / "x.toml"))
    assert proc.returncode == 0, proc.stderr
    assert "warning: not exported: 'GPU_PRICE' is no longer an input of this version (did you mean gpu_price?" \
        in proc.stderr
    wb = openpyxl.load_workbook(src)  # openpyxl writes a formula without its value, as pandas would
    ws = wb["Inputs"]
    row = cell_of(ws, "pue")
    ws.cell(row, 8).value = "=1.2+0.1"
    wb.save(src)
    proc = run("-m", "model", "export-inputs", str(src), "-o", str(tmp_path / "y.toml"))
    assert proc.returncode == 2 and not (tmp_path / "y.toml").exists()
    assert f"Inputs!H{row} (seed column): pue is a formula without a stored result (saved by a program that does " \
           "not calculate" in proc.stderr


def test_names_swapped_in_column_b_are_refused(tmp_path):
    """Column B names the row this reader takes; the formulas read the defined names. Two names swapped in column B
    (the sheet unprotected) exported gpu_price = 1.2 and pue = 25000 without a word; now the file is refused, and
    an export or a rebuild writes nothing."""
    src = _renamed(tmp_path / "book.xlsx", "gpu_price", "pue")
    wb = openpyxl.load_workbook(src)
    ws = wb["Inputs"]
    price_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "pue")  # gpu_price's row first
    pue_row = next(r for r in range(price_row + 1, ws.max_row + 1) if ws.cell(r, 2).value == "pue")
    ws.cell(pue_row, 2).value = "gpu_price"
    wb.save(src)
    kept = src.read_bytes()
    proc = run("-m", "model", "export-inputs", str(src), "-o", str(tmp_path / "x.toml"))
    assert proc.returncode == 2 and not (tmp_path / "x.toml").exists()
    assert (f"Inputs!B{price_row} names pue, but the workbook's defined name pue is on row {pue_row}: column B was "
            "edited") in proc.stderr
    proc = run("build_workbook.py", "--from", str(src))
    assert proc.returncode == 2 and src.read_bytes() == kept and "column B was edited" in proc.stderr


def test_unknown_input_in_old_workbook_is_reported(tmp_path):
    src = _renamed(tmp_path / "old.xlsx", "ops_per_gpu_hour", "legacy_input_gone")
    proc = run("build_workbook.py", "--from", str(src), "--out", str(tmp_path / "new.xlsx"))
    assert proc.returncode == 0, proc.stderr
    assert "warning: not carried: 'legacy_input_gone' is no longer an input" in proc.stderr
    assert "new input 'ops_per_gpu_hour'" in proc.stdout
    # export-inputs says so too, and the exported template's note records where the value came from
    toml = tmp_path / "old.toml"
    proc = run("-m", "model", "export-inputs", str(src), "-o", str(toml))
    assert proc.returncode == 0, proc.stderr
    assert "new input 'ops_per_gpu_hour'" in proc.stdout
    assert 'ops_per_gpu_hour = { value = 0.1, source = "not in old.xlsx: the seed template\'s value" }' in \
        toml.read_text(encoding="utf-8")


def test_existing_output_needs_overwrite(tmp_path):
    out = tmp_path / "wb.xlsx"
    assert run("build_workbook.py", "--out", str(out)).returncode == 0
    h = digest(out)
    proc = run("build_workbook.py", "--out", str(out), "--set", "pue=1.3")
    assert proc.returncode == 2 and "--overwrite" in proc.stderr
    assert digest(out) == h
    assert run("build_workbook.py", "--out", str(out), "--set", "pue=1.3", "--overwrite").returncode == 0
    assert digest(out) != h


def _bad_toml(tmp_path: Path, text: str) -> str:
    p = tmp_path / "bad.toml"
    p.write_text(text)
    return str(p)


def _not_xlsx(tmp_path: Path) -> str:
    p = tmp_path / "fake.xlsx"
    p.write_text("this is not a zip")
    return str(p)


def _truncated(tmp_path: Path) -> str:
    good = tmp_path / "good.xlsx"
    xl.build(good)
    p = tmp_path / "truncated.xlsx"
    p.write_bytes(good.read_bytes()[:5000])
    return str(p)


def _sheet_xml_edited(tmp_path: Path, edit) -> str:
    """A built workbook whose Inputs sheet's XML is rewritten by `edit` (bytes -> bytes), the zip itself sound:
    openpyxl reads a sheet only when asked, after the workbook has opened."""
    good = tmp_path / "good.xlsx"
    xl.build(good)
    p = tmp_path / "sheet_xml.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zout:
        inputs = _inputs_part(zin)
        for item in zin.infolist():
            data = zin.read(item)
            zout.writestr(item, edit(data) if item.filename == inputs else data)
    return str(p)


def _inputs_part(z: zipfile.ZipFile) -> str:
    """The Inputs sheet's part name, from workbook.xml and its relationships."""
    book = z.read("xl/workbook.xml").decode()
    rid = re.search(r'<sheet name="Inputs" sheetId="\d+" r:id="(rId\d+)"', book).group(1)
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    return "xl/" + re.search(rf'Id="{rid}" Type="[^"]+" Target="([^"]+)"', rels).group(1)


def _foreign(tmp_path: Path) -> str:
    p = tmp_path / "foreign.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.save(p)
    return str(p)


def _edited_cell(tmp_path: Path, name: str, column: int, value) -> str:
    """A built workbook with one template cell of input `name` overwritten (column 8 = seed)."""
    p = tmp_path / f"edited_{name}.xlsx"
    xl.build(p)
    wb = openpyxl.load_workbook(p)
    ws = wb["Inputs"]
    ws.cell(cell_of(ws, name), column).value = value
    wb.save(p)
    return str(p)


# (arguments builder, text the message must contain)
MALFORMED = [
    (lambda t: ["--set", "gpu_prise=1"], "gpu_prise"),
    (lambda t: ["--set", "pue=abc"], "allowed domain of pue: ≥1"),
    (lambda t: ["--set", "pue=0.5"], "≥1"),
    (lambda t: ["--set", "gpu_utilization=0"], "(0, 1]"),
    (lambda t: ["--set", "batch_size=2.5"], "integer 1..4096"),
    (lambda t: ["--set", "batch_size=5000"], "integer 1..4096"),
    (lambda t: ["--set", "share_batch=0.5"], "sum to 1"),
    (lambda t: ["--set", "kv_gb_per_sequence=100"], "does not fit"),
    (lambda t: ["--set", "nonsense"], "name=value"),
    (lambda t: ["--set", "cost_of_equity=nan"], "cost_of_equity"),
    (lambda t: ["--set", "cost_of_equity=inf"], "cost_of_equity"),
    (lambda t: ["--set", "wacc=0.1"], "output"),
    (lambda t: ["--set", "rent_price_per_gpu_hour=2"], "removed in MODEL.md v2: use rental_price_per_gpu_hour"),
    (lambda t: ["--set", "contract_years=0"], "integer 1..10"),
    (lambda t: ["--template", "nosuch"], "unknown template"),
    (lambda t: ["--template", ""], "got ''"),  # not taken as the default seed
    (lambda t: ["--template", str(t / "missing.toml")], "not found"),
    (lambda t: ["--template", _bad_toml(t, "[inputs]\npue = = 1\n")], "line 2"),
    (lambda t: ["--template", _bad_toml(t, "[inputs]\npeu = 1.2\n")], "peu"),
    (lambda t: ["--template", _bad_toml(t, "[inputs]\npue = 0.2\n")], "≥1"),
    (lambda t: ["--template", _bad_toml(t, "[inputs]\npue = \"1.2\"\n")], "not a number"),
    (lambda t: ["--template", _bad_toml(t, "[inputs]\npue = { val = 1.2 }\n")], "pue"),
    (lambda t: ["--template", _bad_toml(t, "[stuff]\na = 1\n")], "unknown table"),
    # a template's texts: a control character would be written raw into a formula's cached text (a file Excel
    # and openpyxl refuse); an empty name heads no column; "(overridden)" is what --set adds and --from strips
    (lambda t: ["--template", _bad_toml(t, '[template]\nname = "a\\u0001b"\n')], "control character '\\x01'"),
    (lambda t: ["--template", _bad_toml(t, '[template]\nname = "  "\n')], "empty; it heads the template's column"),
    (lambda t: ["--template", _bad_toml(t, "[template]\nname = 5\n")], "name = 5: expected text in quotes"),
    (lambda t: ["--template", _bad_toml(t, "[template]\ndescription = [1]\n")], "description = [1]: expected text"),
    (lambda t: ["--template", _bad_toml(t, "[inputs]\npue = { value = 1.2, source = 5 }\n")],
     "source of pue = 5: expected text"),
    (lambda t: ["--template", _bad_toml(t, '[template]\nname = "coreweave (overridden)"\n')],
     "ends with '(overridden)'"),
    (lambda t: ["--template", _bad_toml(t, "[template]\nbase = \"coreweave\"\n")],
     "unknown key(s) ['base'] in [template]; allowed: name, description"),
    (lambda t: ["--from", str(t / "nofile.xlsx")], "not found"),
    (lambda t: ["--from", ""], "--from: an empty value"),  # an unset shell variable: not a build from scratch
    (lambda t: ["--from", str(t)], "is a folder"),
    (lambda t: ["--template", "/dev/null"], "is not a regular file"),  # said "not found"
    (lambda t: ["--from", _not_xlsx(t)], "not a readable .xlsx"),
    (lambda t: ["--from", _truncated(t)], "not a readable .xlsx"),
    (lambda t: ["--from", _foreign(t)], "not a workbook built by build_workbook.py"),
    # a sheet corrupt inside a sound zip: cut short, a shared string that is not there, text in a number cell
    (lambda t: ["--from", _sheet_xml_edited(t, lambda b: b[:len(b) // 2])], "not a readable .xlsx"),
    (lambda t: ["--from", _sheet_xml_edited(t, lambda b: re.sub(rb'(t="s"><v>)\d+', rb"\g<1>999999", b, count=1))],
     "not a readable .xlsx"),
    (lambda t: ["--from", _sheet_xml_edited(t, lambda b: re.sub(rb'(<c r="H\d+" s="\d+"><v>)[^<]+', rb"\g<1>abc", b,
                                                                count=1))], "not a readable .xlsx"),
    (lambda t: ["--from", _edited_cell(t, "pue", 2, "gpu_price")],  # column B: pue's row now names gpu_price
     "input gpu_price is named on two rows of the Inputs sheet"),
    (lambda t: ["--from", _edited_cell(t, "pue", 8, "high")], "pue"),
    (lambda t: ["--from", _edited_cell(t, "gpu_utilization", 9, 1.5)], "(0, 1]"),
]


@pytest.mark.parametrize("case", range(len(MALFORMED)))
def test_malformed_input_exit_2_and_nothing_written(tmp_path, case):
    make, needle = MALFORMED[case]
    args = make(tmp_path)
    out = tmp_path / "out.xlsx"
    before = {p: digest(p) for p in tmp_path.iterdir() if p.is_file()}
    extra = [] if "--from" in args else ["--out", str(out)]
    if "--from" in args:
        extra = ["--out", str(out)]
    proc = run("build_workbook.py", *args, *extra)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert needle in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()
    after = {p: digest(p) for p in tmp_path.iterdir() if p.is_file()}
    assert after == before  # nothing created or changed (no temporary files left either)


def test_killed_build_leaves_previous_file_intact(tmp_path):
    out = tmp_path / "wb.xlsx"
    xl.build(out)
    h = digest(out)
    for delay in (0.2, 0.5, 0.8):
        proc = subprocess.Popen([sys.executable, "build_workbook.py", "--out", str(out), "--overwrite",
                                 "--set", "pue=1.4"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if digest(out) != h:  # the build won the race: the new file must be complete
            assert read_inputs(out).columns["seed"]["pue"] == 1.4
            h = digest(out)
        else:
            openpyxl.load_workbook(out)  # still a valid workbook
    # a killed process cannot clean up; its temporary file is named for the target and the process
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "wb.xlsx"]
    assert all(n.startswith(".wb.xlsx.tmp-") and n.rsplit("-", 1)[1].isdigit() for n in leftovers), leftovers
    stale = tmp_path / ".wb.xlsx.tmp-999999999"  # a pid no process has
    stale.write_bytes(b"half a workbook")
    assert run("build_workbook.py", "--out", str(out), "--overwrite").returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wb.xlsx"]  # the next run removed them


def test_template_text_starting_with_formula_chars_stays_text(tmp_path):
    t = tmp_path / "inj.toml"
    t.write_text('[template]\nname = "=1+2"\ndescription = "@evil"\n[inputs]\n'
                 'pue = { value = 1.3, source = "=HYPERLINK(\\"http://x\\")" }\n'
                 'gpu_price = { value = 26000, source = "-5 dollars" }\n')
    out = tmp_path / "inj.xlsx"
    xl.build(out, t)
    wb = openpyxl.load_workbook(out)
    ws = wb["Inputs"]
    col = get_column_letter(8 + len(model.bundled()))  # after the bundled templates' columns, from H
    assert ws[f"{col}4"].value == "=1+2" and ws[f"{col}4"].data_type == "s"
    notes = [c.value for c in ws[get_column_letter(9 + len(model.bundled()))] if isinstance(c.value, str)]  # beside it
    assert any(n.startswith("=HYPERLINK") or "=HYPERLINK" in n for n in notes)
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and "HYPERLINK" in c.value:
                assert c.data_type == "s"
    assert wb["Inputs"]["G3"].value == len(model.bundled()) + 1  # by position; Cover!C7 shows the header (INDEX)


def test_sheets_protected_inputs_unlocked(tmp_path):
    out = tmp_path / "p.xlsx"
    xl.build(out)
    wb = openpyxl.load_workbook(out)
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
        assert not ws.protection.password
    ws = wb["Inputs"]
    r = cell_of(ws, "gpu_price")
    assert ws.cell(r, 8).protection.locked is False  # template input
    assert ws.cell(r, 7).protection.locked is not False  # live formula
    assert wb["Inputs"]["G3"].protection.locked is False  # the scenario selector
