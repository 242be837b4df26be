"""`aie evaluate --scenarios FILE`: every scenario of a .csv/.npz in one evaluation, as CSV or JSON (an .xlsx:
test_cli_scenarios_xlsx.py)."""

from __future__ import annotations

import csv
import io
import json
import math
import os

import numpy as np
import pytest

import model
from cli import main

# seed by hand: cash cost = 0.7·1.2·0.035 + 150·0.7/730 + 0.10 = 0.2732356...; payback = (gpu_price + 2600) /
# ((rental price · utilization − cash cost) · 8760); capex = gpu_price / (depreciation_years · 8760)
CASH = 0.7 * 1.2 * 0.035 + 150 * 0.7 / 730 + 0.10

# gpu_price, depreciation_years, rental_price_per_gpu_hour, gpu_utilization -> capex_per_gpu_hour, gpu_payback_years
CASES = [
    (25000, 3, 2.2, 1.0, 25000 / (3 * 8760), 27600 / ((2.2 - CASH) * 8760)),      # the seed's own row
    (30000, 5, 2.2, 0.5, 30000 / (5 * 8760), 32600 / ((1.1 - CASH) * 8760)),      # half the hours sold
    (25000, 3, 0.25, 1.0, 25000 / (3 * 8760), math.nan),                           # price below cash cost: undefined
]


def _csv(tmp_path, rows=CASES):
    path = tmp_path / "s.csv"
    lines = ["gpu_price,depreciation_years,rental_price_per_gpu_hour,gpu_utilization"]
    lines += [",".join(repr(v) for v in r[:4]) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_csv_of_scenarios_gives_a_row_of_outputs_each(tmp_path, capsys):
    path = _csv(tmp_path)
    assert main(["evaluate", "--scenarios", str(path), "--output", "capex_per_gpu_hour,gpu_payback_years"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert list(rows[0]) == ["scenario", "gpu_price", "depreciation_years", "rental_price_per_gpu_hour",
                             "gpu_utilization", "capex_per_gpu_hour", "gpu_payback_years"]
    assert [r["scenario"] for r in rows] == ["0", "1", "2"]
    for row, case in zip(rows, CASES, strict=True):
        assert float(row["capex_per_gpu_hour"]) == pytest.approx(case[4], rel=1e-12)
        if math.isnan(case[5]):
            assert row["gpu_payback_years"] == ""  # undefined: an empty cell, as pandas and Excel read it
        else:
            assert float(row["gpu_payback_years"]) == pytest.approx(case[5], rel=1e-12)


def test_set_applies_to_every_row_and_may_not_repeat_a_column(tmp_path, capsys):
    path = _csv(tmp_path, CASES[:2])
    assert main(["evaluate", "--scenarios", str(path), "--set", "network_capex_per_gpu=0",
                 "--output", "gpu_payback_years"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert float(rows[0]["gpu_payback_years"]) == pytest.approx(25000 / ((2.2 - CASH) * 8760), rel=1e-12)
    assert float(rows[1]["gpu_payback_years"]) == pytest.approx(30000 / ((1.1 - CASH) * 8760), rel=1e-12)
    assert main(["evaluate", "--scenarios", str(path), "--set", "gpu_price=1"]) == 2
    assert "--set gpu_price: also a column of --scenarios" in capsys.readouterr().err


def test_an_npz_as_json_with_null_for_undefined(tmp_path, capsys):
    path = tmp_path / "s.npz"
    np.savez(path, rental_price_per_gpu_hour=np.array([2.2, 0.25]))
    assert main(["evaluate", "--scenarios", str(path), "--output", "gpu_payback_years", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["scenarios"] == 2 and data["inputs"] == {"rental_price_per_gpu_hour": [2.2, 0.25]}
    assert data["template"] == "seed" and data["set"] == {}
    assert data["outputs"]["gpu_payback_years"][0] == pytest.approx(27600 / ((2.2 - CASH) * 8760), rel=1e-12)
    assert data["outputs"]["gpu_payback_years"][1] is None


def test_csv_file_is_written_once_and_replaced_only_with_overwrite(tmp_path, capsys):
    src, out = _csv(tmp_path), tmp_path / "out.csv"
    assert main(["evaluate", "--scenarios", str(src), "--csv", str(out)]) == 0
    n = len(model.OUTPUTS)  # 107 today
    assert f"3 scenarios, 4 input columns and {n} outputs" in capsys.readouterr().out
    first = out.read_bytes()
    assert len(_rows(first.decode())) == 3 and len(_rows(first.decode())[0]) == 1 + 4 + n
    assert main(["evaluate", "--scenarios", str(src), "--csv", str(out), "--output", "wacc"]) == 2
    assert "exists" in capsys.readouterr().err and out.read_bytes() == first
    assert main(["evaluate", "--scenarios", str(src), "--csv", str(out), "--output", "wacc", "--overwrite"]) == 0
    assert list(_rows(out.read_text())[0]) == ["scenario", "gpu_price", "depreciation_years",
                                               "rental_price_per_gpu_hour", "gpu_utilization", "wacc"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


# argv (after evaluate) -> a fragment of the one-line error (exit status 2, nothing written)
BAD = [
    (["--output", "capex_per_gpu_hr"], "--output: unknown output 'capex_per_gpu_hr' (did you mean capex_per_gpu_hour"),
    (["--output", "gpu_price"], "it is an input, not an output"),
    (["--output", "llcr_fleet"], "--output: unknown output 'llcr_fleet' (`python -m model reference` lists the outputs)"),
    (["--output", "wacc,"], "--output: an empty name"),
    (["--csv", "x.csv"], "--csv: only with --scenarios FILE"),
    (["--scenarios", "{bad}"], "gpu_utilization[1] = 1.5 is outside its domain; allowed domain of gpu_utilization: "
                               "(0, 1]; line 3 of bad.csv"),
    (["--scenarios", "{text}"], "gpu_price[0] = 'abc' is not a number (line 2 of text.csv)"),
    # blank lines and Excel's empty rows are no scenarios, a quoted label may span lines: the error names the
    # scenario's label and the line its row ends on, where an analyst finds it
    (["--scenarios", "{labelled}"], "gpu_utilization[2] = 1.7 is outside its domain; allowed domain of "
                                    "gpu_utilization: (0, 1]; scenario 'c', line 7 of labelled.csv"),
    (["--scenarios", "{labelled_text}"], "gpu_price[1] = 'x' is not a number (scenario 'b\\nb', line 5 of "
                                         "labelled_text.csv)"),
    (["--scenarios", "{shares}"], "at index 1; they must sum to 1 (within 1e-9); line 3 of shares.csv"),
    (["--scenarios", "{bad}", "--csv", "{out}"], "gpu_utilization[1] = 1.5"),
    (["--scenarios", "{good}", "--csv", "{txt}"], "must end .csv"),
    (["--scenarios", "{good}", "--csv", "{out}", "--json"], "--csv: not with --json"),
    (["--scenarios", "{good}", "--overwrite"], "--overwrite: only with --csv PATH"),
    (["--scenarios", ""], "--scenarios: an empty path"),  # an unset shell variable: not one seed scenario
    (["--scenarios", "{good}", "--csv", "{good}", "--overwrite"], "is the --scenarios file itself"),
    (["--scenarios", "{huge}"], "gpu_price[1] = inf: infinite, written so or beyond the largest number "
                                "(±1.8e308; line 3 of huge.csv)"),
    (["--scenarios", "{pipe}"], "not a regular file (a pipe or a device cannot be read twice)"),  # used to hang
    (["--scenarios", "{labels_only}"], "no inputs in it (the header has only the labels' column)"),  # was KeyError
    # damaged archives were tracebacks (BadZipFile, zlib.error, EOFError, ...); a workbook renamed .npz listed its
    # parts as unknown inputs
    (["--scenarios", "{crc}"], "crc.npz: cannot read it, damaged? (BadZipFile: Bad CRC-32 for file 'gpu_price.npy')"),
    (["--scenarios", "{cut}"], "cut.npz: cannot read it"),
    (["--scenarios", "{book}"], "book.npz: not an .npz archive: no .npy array in it"),
]


def _damaged_npz(files: dict) -> None:
    """An archive with one byte of its array flipped (a bad CRC), one cut inside its array, a workbook renamed."""
    import zipfile

    np.savez(files["crc"], gpu_price=np.full(50, 30000.0))
    data = bytearray(files["crc"].read_bytes())
    files["cut"].write_bytes(bytes(data[:len(data) // 2]) + bytes(data[-22:]))  # the end record kept: still a zip
    data[data.find(b"\x93NUMPY") + 200] ^= 1
    files["crc"].write_bytes(bytes(data))
    with zipfile.ZipFile(files["book"], "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")


@pytest.mark.parametrize(("argv", "fragment"), BAD)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, argv, fragment):
    files = {"bad": tmp_path / "bad.csv", "text": tmp_path / "text.csv", "good": tmp_path / "good.csv",
             "out": tmp_path / "out.csv", "txt": tmp_path / "out.txt", "huge": tmp_path / "huge.csv",
             "pipe": tmp_path / "pipe.csv", "labelled": tmp_path / "labelled.csv",
             "labelled_text": tmp_path / "labelled_text.csv", "shares": tmp_path / "shares.csv",
             "labels_only": tmp_path / "labels_only.csv", "crc": tmp_path / "crc.npz", "cut": tmp_path / "cut.npz",
             "book": tmp_path / "book.npz"}
    _damaged_npz(files)
    files["labelled"].write_text("\nscenario,gpu_price,gpu_utilization\na,30000,0.5\n\nb,31000,0.6\n,,\n"
                                 "c,32000,1.7\n", encoding="utf-8")
    files["labelled_text"].write_text('scenario,gpu_price\na,30000\n,\n"b\nb",x\n', encoding="utf-8")
    files["labels_only"].write_text("scenario\na\nb\n", encoding="utf-8")
    files["shares"].write_text("share_hobbyist\n0.1\n0.9\n", encoding="utf-8")  # the seed's, then not
    files["huge"].write_text("gpu_price\n30000\n1e400\n", encoding="utf-8")  # beyond ±1.8e308: read as inf
    if hasattr(os, "mkfifo"):
        os.mkfifo(files["pipe"])
    elif "{pipe}" in argv:
        pytest.skip("named pipes are POSIX's")
    files["bad"].write_text("gpu_utilization\n0.5\n1.5\n", encoding="utf-8")
    files["text"].write_text("gpu_price\nabc\n", encoding="utf-8")
    files["good"].write_text("gpu_price\n1\n", encoding="utf-8")
    argv = [a.format(**{k: str(v) for k, v in files.items()}) for a in argv]
    assert main(["evaluate", *argv]) == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1
    assert not files["out"].exists() and not files["txt"].exists()
    assert files["good"].read_text() == "gpu_price\n1\n"  # the scenarios themselves never replaced


def test_one_scenario_with_output_shows_only_those(capsys):
    assert main(["evaluate", "--output", "capex_per_gpu_hour", "--output", "wacc", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["capex_per_gpu_hour", "wacc"]
    assert data["capex_per_gpu_hour"] == pytest.approx(25000 / (3 * 8760), rel=1e-12)


def test_each_row_is_the_scenario_evaluated_alone(tmp_path, capsys):
    # the batch (arrays, chunked; P1 compiled from 4,096 scenarios) and one scenario at a time (floats) agree:
    # 5,000 rows, rows 0, 2,500 and 4,999 checked against --set runs of the same inputs
    rng = np.random.default_rng(3)
    n = 5000
    cols = {"gpu_price": rng.uniform(15000, 40000, n), "gpu_utilization": rng.uniform(0.4, 1.0, n),
            "rental_price_per_gpu_hour": rng.uniform(1.0, 4.0, n), "base_rate": rng.uniform(0.0, 0.15, n),
            "fleet_debt_tenor_years": rng.integers(1, 16, n).astype(float)}
    path = tmp_path / "s.npz"
    np.savez(path, **cols)
    outs = "total_cost_per_gpu_hour,cost_per_m_output_tokens,project_irr,equity_irr,fleet_min_dscr"
    assert main(["evaluate", "--scenarios", str(path), "--output", outs, "--json"]) == 0
    batch = json.loads(capsys.readouterr().out)["outputs"]
    for i in (0, 2500, n - 1):
        sets = [a for k, v in cols.items() for a in ("--set", f"{k}={float(v[i])!r}")]
        assert main(["evaluate", *sets, "--output", outs, "--json"]) == 0
        alone = json.loads(capsys.readouterr().out)
        for name in outs.split(","):
            if alone[name] is None:
                assert batch[name][i] is None, (name, i)
            else:
                assert batch[name][i] == pytest.approx(alone[name], rel=1e-12, abs=1e-15), (name, i)


def test_without_pandas_an_npz_still_evaluates_and_csv_names_the_extra(tmp_path):
    # numpy alone (the base install): an .npz of scenarios as JSON works; CSV in or out needs pandas, said in one line
    import subprocess
    import sys
    from pathlib import Path

    npz = tmp_path / "s.npz"
    np.savez(npz, gpu_price=np.array([25000.0, 30000.0]))
    code = ("import sys\nsys.modules['pandas'] = None\nfrom cli import main\n"
            "sys.exit(main(sys.argv[1:]))")
    root = Path(__file__).resolve().parent.parent

    def run(*argv):
        return subprocess.run([sys.executable, "-c", code, *argv], cwd=root, capture_output=True, text=True,
                              timeout=120)

    p = run("evaluate", "--scenarios", str(npz), "--output", "capex_per_gpu_hour", "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["outputs"]["capex_per_gpu_hour"] == pytest.approx(
        [25000 / (3 * 8760), 30000 / (3 * 8760)], rel=1e-12)
    p = run("evaluate", "--scenarios", str(npz))
    assert p.returncode == 2 and "needs pandas, which the project's 'sweeps' extra installs" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    # reading a CSV needs pandas too: said so, not taken for a damaged file
    csv_in = tmp_path / "s.csv"
    csv_in.write_text("gpu_price\n25000\n", encoding="utf-8")
    p = run("evaluate", "--scenarios", str(csv_in), "--output", "capex_per_gpu_hour", "--json")
    assert p.returncode == 2 and "needs pandas, which the project's 'sweeps' extra installs" in p.stderr
    # and an .xlsx, openpyxl (the workbook extra)
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["gpu_price"])
    book.active.append([25000])
    book.save(tmp_path / "s.xlsx")
    code = code.replace("'pandas'", "'openpyxl'")
    p = run("evaluate", "--scenarios", str(tmp_path / "s.xlsx"), "--output", "capex_per_gpu_hour", "--json")
    assert p.returncode == 2 and "needs openpyxl, which the project's 'workbook' extra installs" in p.stderr, p.stderr


def test_the_files_row_labels_name_the_rows_of_the_results(tmp_path, capsys):
    # a first column named scenario (or unnamed, as pandas writes its index) labels the rows: the labels, not a
    # count, head the results' rows, so a blank row between them cannot shift a result onto the wrong name
    path = tmp_path / "l.csv"
    path.write_text("scenario,gpu_price\nbase,25000\n,\nhigh,30000\n", encoding="utf-8")
    assert main(["evaluate", "--scenarios", str(path), "--output", "capex_per_gpu_hour"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert [(r["scenario"], float(r["capex_per_gpu_hour"])) for r in rows] == [
        ("base", pytest.approx(25000 / (3 * 8760), rel=1e-12)), ("high", pytest.approx(30000 / (3 * 8760), rel=1e-12))]
    assert main(["evaluate", "--scenarios", str(path), "--output", "capex_per_gpu_hour", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["labels"] == ["base", "high"]
    path.write_text(",gpu_price\n7,25000\n9,30000\n", encoding="utf-8")  # pandas' index of a filtered frame
    assert main(["evaluate", "--scenarios", str(path), "--output", "capex_per_gpu_hour"]) == 0
    assert [r["scenario"] for r in _rows(capsys.readouterr().out)] == ["7", "9"]
    # labels that look like numbers stay as written (pandas read them as 7.0, 2.5, 1.2345678901234567e+19)
    path.write_text("scenario,gpu_price\n007,25000\n2.50,25000\n12345678901234567890,25000\n", encoding="utf-8")
    assert main(["evaluate", "--scenarios", str(path), "--output", "capex_per_gpu_hour"]) == 0
    assert [r["scenario"] for r in _rows(capsys.readouterr().out)] == ["007", "2.50", "12345678901234567890"]
    npz = tmp_path / "l.npz"  # an .npz's scenario array labels its rows the same way
    np.savez(npz, scenario=np.array(["base", "high"]), gpu_price=np.array([25000.0, 30000.0]))
    assert main(["evaluate", "--scenarios", str(npz), "--output", "capex_per_gpu_hour"]) == 0
    assert [r["scenario"] for r in _rows(capsys.readouterr().out)] == ["base", "high"]
    np.savez(npz, scenario=np.array(["base"]), gpu_price=np.array([25000.0, 30000.0]))
    assert main(["evaluate", "--scenarios", str(npz)]) == 2
    assert "1 scenario labels for 2 scenarios" in capsys.readouterr().err


def test_csv_to_a_file_needs_no_workbook_extra(tmp_path):
    # the atomic writer lives beside the workbook in xl/, whose package used to import XlsxWriter on the way: with
    # pandas but no XlsxWriter (the sweeps extra alone), --csv PATH named the workbook extra instead of writing
    import subprocess
    import sys
    from pathlib import Path

    out = tmp_path / "out.csv"
    code = ("import sys\nsys.modules['xlsxwriter'] = None\nfrom cli import main\n"
            "sys.exit(main(sys.argv[1:]))")
    p = subprocess.run([sys.executable, "-c", code, "evaluate", "--scenarios", str(_csv(tmp_path)), "--csv",
                        str(out), "--output", "capex_per_gpu_hour"], cwd=Path(__file__).resolve().parent.parent,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert [float(r["capex_per_gpu_hour"]) for r in _rows(out.read_text())] == pytest.approx(
        [r[4] for r in CASES], rel=1e-12)


def test_json_is_written_a_slice_at_a_time_and_stays_one_document(tmp_path, capsys, monkeypatch):
    # fmt.dumps of a million scenarios held ~150 bytes per value at once (17 GB); the columns now go out in
    # slices: slices of 2 rows over 5 scenarios must still make one valid document; -0.0 as 0, inf and nan as null
    from cli import commands

    monkeypatch.setattr(commands, "ROWS_PER_WRITE", 2)
    path = tmp_path / "s.npz"
    np.savez(path, gpu_price=np.array([25000.0, 30000.0, 1e23, 0.30000000000000004, 1.0]),
             rental_price_per_gpu_hour=np.array([2.2, 0.25, 2.2, 2.2, 2.2]))
    assert main(["evaluate", "--scenarios", str(path), "--set", "pue=1.25", "--output", "capex_per_gpu_hour",
                 "--output", "gpu_payback_years", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["set"] == {"pue": 1.25} and data["scenarios"] == 5
    assert data["inputs"]["gpu_price"] == [25000.0, 30000.0, 1e23, 0.30000000000000004, 1.0]
    assert data["outputs"]["capex_per_gpu_hour"] == pytest.approx(
        [x / (3 * 8760) for x in (25000.0, 30000.0, 1e23, 0.30000000000000004, 1.0)], rel=1e-15)
    assert data["outputs"]["gpu_payback_years"][1] is None
    out = io.StringIO()
    commands._json_columns(out, {"n": 3}, {"outputs": {"x": np.array([-0.0, np.inf, np.nan])}})
    assert json.loads(out.getvalue()) == {"n": 3, "outputs": {"x": [0.0, None, None]}}
    assert "-0.0" not in out.getvalue()


def test_an_error_about_something_else_is_not_given_a_scenarios_place(tmp_path, capsys):
    """Only an error naming a scenario ('gpu_utilization[1] = ', a fit or shares 'at index 1') gets its place in the
    file: a template whose path holds '[2]' is not scenario 2 (a reviewer saw 'scenario 2 of ...' appended)."""
    folder = tmp_path / "v[2]"
    folder.mkdir()
    template = folder / "mine.toml"
    template.write_text('[template]\nname = "mine"\ndescription = "bad"\n[inputs]\ngpu_utilization = 1.5\n',
                        encoding="utf-8")
    src = tmp_path / "s.csv"
    src.write_text("gpu_price\n1\n2\n3\n", encoding="utf-8")
    assert main(["evaluate", "--scenarios", str(src), "--template", str(template), "--output", "wacc"]) == 2
    err = capsys.readouterr().err
    assert "gpu_utilization" in err and "s.csv" not in err and len(err.strip().splitlines()) == 1, err


def test_a_local_file_named_like_an_address_is_read_from_disk(tmp_path, capsys, monkeypatch):
    # pandas took the relative path 'http:x.csv' for a web address and went to fetch it
    monkeypatch.chdir(tmp_path)
    (tmp_path / "http:x.csv").write_text("gpu_price\n26280\n", encoding="utf-8")
    assert main(["evaluate", "--scenarios", "http:x.csv", "--output", "capex_per_gpu_hour"]) == 0
    assert [float(r["capex_per_gpu_hour"]) for r in _rows(capsys.readouterr().out)] == [1.0]
