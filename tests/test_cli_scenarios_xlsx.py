"""`aie evaluate --scenarios FILE.xlsx`: an Excel sheet of scenarios, read as a CSV is (a header of input names, a row
per scenario, labels in a first column named scenario or unnamed), from the values Excel stored when it saved; and
`--xlsx PATH`, the results as a workbook. Expected values by hand: capex per GPU-hour = gpu_price / (3 years · 8,760
h), so $26,280 gives exactly 1.0."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import zipfile

import openpyxl
import pytest
import xlsxwriter

from cli import main

CAPEX = "capex_per_gpu_hour"


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _sheet(path, rows: list[list], title: str = "Deals", formulas: dict | None = None):
    """A workbook as openpyxl saves it: no stored results for formulas (openpyxl does not calculate)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    for ref, text in (formulas or {}).items():
        ws[ref] = text
    wb.save(path)
    return path


def test_a_sheet_of_scenarios_as_excel_saves_it(tmp_path, capsys):
    # XlsxWriter stores a formula's result as Excel does; a blank row and a row of notes (a label alone) are no
    # scenarios, a number stored as text is a number, the labels name the rows of the results
    path = tmp_path / "deals.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Deals")
    ws.write_row(0, 0, ["scenario", "gpu_price", "gpu_utilization"])
    ws.write_row(1, 0, ["base", 26280, 1.0])
    ws.write_row(3, 0, ["double"])
    ws.write_formula(3, 1, "=2*26280", None, 52560)
    ws.write(3, 2, 0.5)
    ws.write(4, 0, "a note under the table")
    ws.write_row(5, 0, ["as text", "13140", 0.9])
    wb.close()
    assert main(["evaluate", "--scenarios", str(path), "--output", CAPEX]) == 0
    rows = _rows(capsys.readouterr().out)
    assert [(r["scenario"], r["gpu_price"], float(r[CAPEX])) for r in rows] == [
        ("base", "26280.0", 1.0), ("double", "52560.0", 2.0), ("as text", "13140.0", 0.5)]


def test_pandas_to_excel_with_and_without_its_index(tmp_path, capsys):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"gpu_price": [26280.0, 52560.0], "pue": [1.2, 1.3]}, index=["a", "b"])
    df.to_excel(tmp_path / "i.xlsx")  # the index: a first column without a name, as in a CSV
    df.to_excel(tmp_path / "n.xlsx", index=False)
    assert main(["evaluate", "--scenarios", str(tmp_path / "i.xlsx"), "--output", CAPEX]) == 0
    assert [(r["scenario"], float(r[CAPEX])) for r in _rows(capsys.readouterr().out)] == [("a", 1.0), ("b", 2.0)]
    assert main(["evaluate", "--scenarios", str(tmp_path / "n.xlsx"), "--output", CAPEX]) == 0
    assert [(r["scenario"], float(r[CAPEX])) for r in _rows(capsys.readouterr().out)] == [("0", 1.0), ("1", 2.0)]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed (bash .ci/setup)")
def test_formulas_as_libreoffice_calculated_them(tmp_path, capsys):
    # openpyxl writes the formulas without results; LibreOffice calculates and stores them: 13140 · 2 = 26280
    from xl.libreoffice import recalculate

    src = _sheet(tmp_path / "f.xlsx", [["gpu_price"]], formulas={"A2": "=13140*2", "A3": "=A2*2"})
    assert main(["evaluate", "--scenarios", str(src)]) == 2
    assert "formulas without a stored result" in capsys.readouterr().err
    done = recalculate(src, tmp_path / "lo")
    assert main(["evaluate", "--scenarios", str(done), "--output", CAPEX]) == 0
    assert [float(r[CAPEX]) for r in _rows(capsys.readouterr().out)] == [1.0, 2.0]


def test_the_first_visible_worksheet_however_far_its_formatting_runs(tmp_path, capsys):
    # a hidden first sheet holds what its author put away: the visible one is read; a cell formatted at the sheet's
    # far corner made openpyxl pad each row read to 16,384 cells (a one-row sheet did not finish in minutes)
    path = tmp_path / "deals.xlsx"
    wb = openpyxl.Workbook()
    old = wb.active
    old.title, old.sheet_state = "Old", "hidden"
    old.append(["gpu_price"])
    old.append([99999])
    ws = wb.create_sheet("Deals")
    for row in (["scenario", "gpu_price"], ["a", 26280], ["b", None], ["c", 52560]):
        ws.append(row)
    ws.cell(1048576, 16384).number_format = "0.00"
    wb.active = 1
    wb.save(path)
    assert main(["evaluate", "--scenarios", str(path), "--output", CAPEX]) == 0
    out = capsys.readouterr()
    assert [(r["scenario"], float(r[CAPEX])) for r in _rows(out.out)] == [("a", 1.0), ("c", 2.0)]
    # b has a label and no value: a row of notes, as in a CSV, and said so (a deal left blank vanished unsaid)
    assert out.err == "note: 1 labelled row without input values, read as notes, not scenarios: 'b'\n"


def test_a_csv_row_of_notes_is_said_too(tmp_path, capsys):
    path = tmp_path / "deals.csv"
    path.write_text("scenario,gpu_price\na,26280\nb,\nc,\nc2,52560\n", encoding="utf-8")
    assert main(["evaluate", "--scenarios", str(path), "--output", CAPEX]) == 0
    out = capsys.readouterr()
    assert [r["scenario"] for r in _rows(out.out)] == ["a", "c2"]
    assert out.err == "note: 2 labelled rows without input values, read as notes, not scenarios: 'b', 'c'\n"


def _damaged_sheet(path):
    _sheet(path, [["gpu_price"], [26280]])
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet][:len(parts[sheet]) // 2]
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)


def _chart_sheet_first(path):
    """A chart sheet without a chart before the sheet of scenarios: openpyxl fails on it (AttributeError)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["gpu_price"])
    wb.active.append([30000])
    wb.create_chartsheet("Chart", 0)
    wb.save(path)


def _encrypted_member(path):
    """A workbook whose zip says its parts are encrypted (flag bit 0): zipfile wants a password (RuntimeError)."""
    _sheet(path, [["gpu_price"], [26280]])
    data = bytearray(path.read_bytes())
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):  # every local and central header: set the encryption flag
        i = data.find(sig)
        while i >= 0:
            data[i + (6 if sig == b"PK\x03\x04" else 8)] |= 1
            i = data.find(sig, i + 4)
    path.write_bytes(bytes(data))


def _zip_without_workbook(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("notes.txt", "not a workbook")


# file maker -> a fragment of the one-line error (exit status 2): each names the cell, sheet or file at fault
BAD = [
    (lambda p: _sheet(p, [["gpu_price"], ["abc"]]), "gpu_price[0] = 'abc' is not a number (cell A2 of sheet 'Deals'); "
                                                   "allowed domain of gpu_price: >0"),
    (lambda p: _sheet(p, [["gpu_price", "pue"], [26280, None]]), "pue[0] = '' is empty (cell B2 of sheet 'Deals')"),
    (lambda p: _sheet(p, [["gpu_price", "pue"], [26280]], formulas={"B2": "=1+1"}),
     "pue[0] = '' is a formula without a stored result (saved by a program that does not calculate"),
    (lambda p: _sheet(p, [["gpu_price"]], formulas={"A2": "=1+1"}), "no scenarios in it with stored values"),
    (lambda p: _sheet(p, [["gpu_price"], [dt.datetime(2026, 1, 1)]]), "is a date or time, not a number (cell A2"),
    (lambda p: _sheet(p, [["gpu_price"], [True]]), "gpu_price[0] = True is TRUE/FALSE, not a number"),
    (lambda p: _sheet(p, [["gpu_price"], ["#DIV/0!"]]), "'#DIV/0!' is an Excel error value, not a number"),
    (lambda p: _sheet(p, [["pue"], ["nan"]]), "pue[0] = 'nan' is not a number"),
    # the domain is model.evaluate's to check; the error then says where that scenario is: label, row, sheet
    (lambda p: _sheet(p, [["scenario", "gpu_utilization"], ["a", 0.5], [None, None], ["b", 1.5]]),
     "gpu_utilization[1] = 1.5 is outside its domain; allowed domain of gpu_utilization: (0, 1]; scenario 'b', row 4 "
     "of sheet 'Deals' of bad.xlsx"),
    (lambda p: _sheet(p, [["share_hobbyist"], [0.1], [0.9]]), "they must sum to 1 (within 1e-9); row 3 of sheet "
                                                              "'Deals' of bad.xlsx"),
    (lambda p: _sheet(p, [["gpu_price"], [26280, 3]]), "cell B2 has a value right of the header's last name"),
    (lambda p: _sheet(p, [["gpu_pric"], [1]]), "unknown input 'gpu_pric' (did you mean gpu_price"),
    (lambda p: _sheet(p, [["gpu_price", 3], [1, 2]]), "cell B1 of the header is 3, not an input name"),
    (lambda p: _sheet(p, [["gpu_price", None, "pue"], [1, 2, 3]]), "cell B1 of the header has no name"),
    (lambda p: _sheet(p, [["pue", "pue"], [1.2, 1.3]]), "pue more than once in the header"),
    (lambda p: _sheet(p, []), "no inputs in it (sheet 'Deals' is empty)"),
    (lambda p: _sheet(p, [["gpu_price"]]), "no scenarios in it"),
    (lambda p: p.write_text("gpu_price\n1\n", encoding="utf-8"), "not an .xlsx workbook (an old .xls, or text"),
    (_zip_without_workbook, "cannot read it as an .xlsx workbook"),
    (_damaged_sheet, "cannot read it as an .xlsx workbook (ParseError: "),  # was a traceback
    (_chart_sheet_first, "cannot read it as an .xlsx workbook"),  # were tracebacks: AttributeError, RuntimeError
    (_encrypted_member, "cannot read it as an .xlsx workbook"),
    (lambda p: _sheet(p, [["gpu_price"], [dt.timedelta(hours=3)]]), "gpu_price[0] = 3:00:00 is a date or time"),
    (lambda p: p.mkdir(), "a folder"),
    (lambda p: None, "file not found"),
]


@pytest.mark.parametrize(("make", "fragment"), BAD)
def test_bad_sheet_is_one_line_naming_the_cell(tmp_path, capsys, make, fragment):
    path = tmp_path / "bad.xlsx"
    make(path)
    out = tmp_path / "out.csv"
    assert main(["evaluate", "--scenarios", str(path), "--csv", str(out)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()


def test_results_as_a_workbook(tmp_path, capsys):
    # rental $0.25 is below the seed's cash cost (~$0.273): payback undefined, an empty cell as in the CSV; a serving
    # utilization of 1e-320 makes the cost per token infinite: the text inf, as the CSV writes it
    src = tmp_path / "s.csv"
    src.write_text("scenario,gpu_price,rental_price_per_gpu_hour,serving_utilization\nbase,26280,2.2,0.5\n"
                   "cheap,13140,0.25,1e-320\n", encoding="utf-8")
    out = tmp_path / "results.xlsx"
    argv = ["evaluate", "--scenarios", str(src), "--xlsx", str(out), "--output",
            "capex_per_gpu_hour,gpu_payback_years,cost_per_m_output_tokens", "--set", "pue=1.3"]
    assert main(argv) == 0
    assert "wrote" in capsys.readouterr().out
    wb = openpyxl.load_workbook(out)
    rows = list(wb["Scenarios"].iter_rows(values_only=True))
    assert rows[0] == ("scenario", "gpu_price", "rental_price_per_gpu_hour", "serving_utilization",
                       "capex_per_gpu_hour", "gpu_payback_years", "cost_per_m_output_tokens")
    assert rows[1][:5] == ("base", 26280, 2.2, 0.5, 1) and rows[1][5] > 0 and rows[1][6] > 0
    assert rows[2][:5] == ("cheap", 13140, 0.25, 1e-320, 0.5) and rows[2][5:] == (None, "inf")
    # every number as the CSV has it, to the last bit (XlsxWriter's own 16 digits made 2.2/26280·… differ in the 17th)
    assert main([*argv[:3], "--csv", str(tmp_path / "r.csv"), *argv[5:]]) == 0
    csv_rows = [line.split(",") for line in (tmp_path / "r.csv").read_text().splitlines()]
    assert [[float(x) if x not in ("", "inf") else x for x in r[1:]] for r in csv_rows[1:]] \
        == [[v if v is not None else "" for v in r[1:]] for r in rows[1:]]
    assert any(len(x.lstrip("0.").replace(".", "")) == 17 for r in csv_rows[1:] for x in r[1:])  # a 17th digit
    columns = {r[0]: r[1:] for r in wb["Columns"].iter_rows(values_only=True) if r[0]}
    assert columns["capex_per_gpu_hour"] == ("output", "$/GPU-h", "GPU capex per hour")
    assert columns["gpu_price"][:2] == ("input", "$")
    assert columns["other inputs"][0] == "template seed, pue=1.3"
    before = out.read_bytes()  # replaced only with --overwrite
    assert main(argv) == 2 and "--overwrite" in capsys.readouterr().err and out.read_bytes() == before
    assert main([*argv, "--overwrite", "--output", "wacc"]) == 0
    assert list(openpyxl.load_workbook(out)["Scenarios"].iter_rows(values_only=True))[0][-1] == "wacc"


@pytest.mark.parametrize(("extra", "fragment"), [
    (["--csv", "{dir}/r.csv"], "--xlsx: not with --csv"),
    (["--json"], "--xlsx: not with --json"),
    (["--xlsx-name", "{dir}/r.csv"], "--xlsx '{dir}/r.csv': the file name must end .xlsx"),
    (["--xlsx-name", "{dir}/s.xlsx", "--overwrite"], "is the --scenarios file itself"),
    (["--rows", "2"], "3 scenarios are more than a sheet's 2 rows; write them with --csv"),
])
def test_bad_results_workbook_is_refused_before_the_work(tmp_path, capsys, monkeypatch, extra, fragment):
    from cli import scenarios_xlsx

    src = _sheet(tmp_path / "s.xlsx", [["gpu_price"], [1], [2], [3]])
    target = f"{tmp_path}/r.xlsx"
    if extra[0] == "--rows":
        monkeypatch.setattr(scenarios_xlsx, "MAX_ROWS", int(extra[1]))
        extra = []
    elif extra[0] == "--xlsx-name":
        target, extra = extra[1].format(dir=tmp_path), extra[2:]
    argv = ["evaluate", "--scenarios", str(src), "--xlsx", target, *[a.format(dir=tmp_path) for a in extra]]
    before = src.read_bytes()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment.format(dir=tmp_path) in err and len(err.strip().splitlines()) == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.xlsx"] and src.read_bytes() == before


def test_results_workbook_limits_and_failures_leave_nothing(tmp_path, capsys, monkeypatch):
    import tempfile

    from cli import scenarios_xlsx

    src = tmp_path / "=A1.csv"  # a name that XlsxWriter's write() would have turned into a formula
    src.write_text("gpu_price\n26280\n52560\n", encoding="utf-8")
    rows_tmp = tmp_path / "tmp"
    rows_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(rows_tmp))  # where XlsxWriter's row files go
    out = tmp_path / "r.xlsx"
    argv = ["evaluate", "--scenarios", str(src), "--xlsx", str(out), "--output", CAPEX]
    assert main(argv) == 0
    capsys.readouterr()
    cell = openpyxl.load_workbook(out)["Columns"]["B5"]  # under the columns and a blank row: the scenarios file
    assert (cell.value, cell.data_type) == (str(src), "s")
    # 2 scenarios × 3 columns = 6 cells: refused before the work where a sheet of results holds fewer
    monkeypatch.setattr(scenarios_xlsx, "MAX_CELLS", 5)
    assert main([*argv[:4], str(tmp_path / "r2.xlsx"), *argv[5:]]) == 2
    assert "2 scenarios × 3 columns are 6 cells, more than a workbook of results holds here (5)" in (
        capsys.readouterr().err)
    monkeypatch.setattr(scenarios_xlsx, "MAX_CELLS", 40_000_000)
    # a part of the zip beyond its limit (2 GB, here 100 bytes): one line, and no file, no row files left
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 100)
    assert main([*argv[:4], str(tmp_path / "r3.xlsx"), *argv[5:]]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --xlsx: ") and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "r3.xlsx").exists() and list(rows_tmp.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["=A1.csv", "r.xlsx", "tmp"]
    # an unset shell variable: refused, not read as no file (the CSV went to stdout)
    assert main([*argv[:4], ""]) == 2
    assert "--xlsx" in capsys.readouterr().err


def test_one_scenario_has_no_results_file(capsys):
    assert main(["evaluate", "--xlsx", "r.xlsx"]) == 2
    assert "--xlsx: only with --scenarios FILE" in capsys.readouterr().err
