"""bench/run.py measures on random scenarios (`--seed`) or on the user's own (`--inputs` .npz, .csv or .xlsx): the file
is read as given, left-out inputs take the seed template's values, and a bad file stops with its reason before
anything is measured. No timings here."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

import model

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from run import scenarios  # noqa: E402


def test_random_scenarios_by_seed():
    a, b, c = scenarios(5, "3"), scenarios(5, "3"), scenarios(5, "4")
    assert set(a) == set(model.INPUTS) and all(v.shape == (5,) for v in a.values())
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["gpu_price"], c["gpu_price"])


def test_npz_and_csv_as_given_the_rest_from_the_seed(tmp_path):
    seed = model.load("seed").values
    price, life = np.array([20000.0, 30000.0, 41000.0]), np.array([1.0, 6.0, 15.0])
    np.savez(tmp_path / "s.npz", gpu_price=price, economic_life_years=life)
    (tmp_path / "s.csv").write_text("gpu_price,economic_life_years\n20000,1\n30000,6\n41000,15\n", encoding="utf-8")
    for name in ("s.npz", "s.csv"):
        x = scenarios(10**6, str(tmp_path / name))  # the file decides how many
        assert set(x) == set(model.INPUTS)
        assert np.array_equal(x["gpu_price"], price) and np.array_equal(x["economic_life_years"], life)
        assert np.array_equal(x["tax_rate"], np.full(3, seed["tax_rate"]))
        r = model.evaluate(x, outputs=["capex_per_gpu_hour"])
        assert r["capex_per_gpu_hour"].shape == (3,)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("bad.npz", {"gpu_price": [1.0, 2.0], "gpu_prize": [1.0, 2.0]}, "unknown input .gpu_prize. \\(did you mean gpu_price\\?\\)"),
    ("bad.npz", {"gpu_price": [1.0, 2.0], "tax_rate": [0.1, 0.2, 0.3]}, "the same count"),
    ("bad.npz", {"gpu_price": [[1.0, 2.0]]}, "one value per scenario"),
    ("bad.csv", "gpu_price,tax_rat\n1,2\n", "unknown input .tax_rat. \\(did you mean tax_rate"),
    ("bad.txt", "gpu_price\n1\n", "expected a .csv, .xlsx or .npz file"),
    ("missing.npz", None, "cannot read it"),
    ("bad.csv", "gpu_price,tax_rate\n", "no scenarios in it"),
    ("bad.npz", {}, "no inputs in it"),
    ("bad.csv", "gpu_price,tax_rate\n20000,0.2\n\n30000,abc\n", r"tax_rate\[1\] = 'abc' is not a number"),
    ("bad.csv", "gpu_price,tax_rate\n20000,0.2\n30000\n", r"tax_rate\[1\] = '' is empty"),
    ("bad.csv", "gpu_price,tax_rate\n20000,NA\n", r"tax_rate\[0\] = 'NA' is not a number"),
    ("bad.csv", "gpu_price,tax_rate\n20000,True\n", r"tax_rate\[0\] = 'True' is not a number"),
    ("bad.csv", "gpu_price,tax_rate,\n20000,0.2,\n", "column 3 of the header has no name"),
    ("bad.csv", "gpu_price,gpu_price\n1,2\n", "gpu_price more than once in the header"),
    ("bad.csv", "gpu_price,tax_rate\n20000,0.2,7\n", "the first row has more values than the header"),
    ("bad.csv", "gpu_price,tax_rate\n20000,0.2\n1,2,3\n", "line 3 of the file has 3 values; the header has 2 names"),
    ("bad.csv", ",\n\ngpu_price,tax_rate\n20000,0.2\n1,2,3\n", "line 5 of the file has 3 values"),
    ("bad.csv", "notes,gpu_price\nbase case,1\n", "unknown input 'notes'"),  # the name first, not 'not a number'
    ("bad.csv", "gpu_price;tax_rate\n1;0.2\n", "separated by ';'"),
    ("bad.csv", "gpu_price,tax_rate\n20000,abc\n", r"tax_rate\[0\] = 'abc' is not a number .*domain of tax_rate: \[0, 1\]"),
    ("bad.npz", {"residual_case": [True]}, "residual_case holds true/false values, not numbers"),
    ("bad.npz", {"gpu_price": [1 + 2j]}, "gpu_price holds complex values, not numbers"),
    ("bad.npz", {"gpu_price": np.array(["2020-01-01"], dtype="datetime64[D]")}, "gpu_price holds date values"),
    ("bad.npz", {"gpu_price": ["25000"]}, "gpu_price holds text values, not numbers"),
    ("text.npz", "gpu_price\n1\n", "not an .npz archive"),
    ("member.npz", "zip", "its member gpu_price is not an array"),  # a zip whose member is not a .npy
    ("bad.csv", '"' + "x" * 200_000 + '"\ngpu_price\n1\n', r"cannot read it \(field larger than field limit"),
    ("bad.csv", "gpu_price,tax_rate,,\n1,0.2,,\n", "column 3 of the header has no name"),  # not "  more than once"
    ("bad.csv", ",gpu_price,\n0,1,\n", "column 3 of the header has no name"),
    ("bad.csv", "", "cannot read it"),
])
def test_a_bad_file_says_what_is_wrong(tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, dict):
        np.savez(path, **{k: np.array(v) for k, v in content.items()})  # {}: an archive with nothing in it
    elif content == "zip":
        import zipfile

        with zipfile.ZipFile(path, "w") as z:
            z.writestr("gpu_price.npy", b"hello")
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit, match=message) as exc:
        scenarios(10, str(path))
    assert str(path) in str(exc.value)


def test_rows_of_empty_cells_are_skipped_as_blank_lines_are(tmp_path):
    # Excel writes a formatted empty row as ",": above the header, between and after the scenarios it is no
    # scenario (it used to stop the run as "gpu_price[2] = '' is empty"); one empty cell in a row still does
    path = tmp_path / "e.csv"
    path.write_text("gpu_price,tax_rate\r\n20000,0.2\r\n,\r\n30000,0.3\r\n, \r\n", encoding="utf-8")
    x = scenarios(0, str(path))
    assert np.array_equal(x["gpu_price"], [20000.0, 30000.0]) and np.array_equal(x["tax_rate"], [0.2, 0.3])
    path.write_text("gpu_price,tax_rate\n20000,0.2\n30000,\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"tax_rate\[1\] = '' is empty"):
        scenarios(0, str(path))


def test_csv_numbers_as_written(tmp_path):
    # 17 significant digits round-trip exactly; a column pandas keeps as text because of a number too large for
    # an integer is still numbers; a blank line before the header, CRLF, quotes and spaces are fine
    path = tmp_path / "n.csv"
    path.write_text('\r\ngpu_price, "tax_rate"\r\n0.30000000000000004,0.1\r\n1e23,2.2250738585072014e-308\r\n'
                    '123456789012345678901234,"0.5"\r\n', encoding="utf-8")
    x = scenarios(0, str(path))
    assert np.array_equal(x["gpu_price"], [0.30000000000000004, 1e23, 123456789012345678901234.0])
    assert np.array_equal(x["tax_rate"], [0.1, 2.2250738585072014e-308, 0.5])


def _refused(capsys, argv: list[str], message: str) -> None:
    """bench/run.py stops with exit status 2 (bad input, as every command of the project), saying `message`."""
    from run import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert re.search(message, capsys.readouterr().err), message


def test_a_csv_saved_by_excel_reads_and_bad_values_stop_the_run(tmp_path, capsys):
    # Excel's "CSV UTF-8" starts with a byte order mark; a value outside its domain stops bench/run.py before
    # it measures anything, naming the input, the scenario and the domain

    bom = tmp_path / "excel.csv"
    bom.write_bytes("\ufeffgpu_price,tax_rate\n20000,0.2\n30000,0.3\n".encode())
    x = scenarios(0, str(bom))
    assert np.array_equal(x["gpu_price"], [20000.0, 30000.0]) and np.array_equal(x["tax_rate"], [0.2, 0.3])
    bad = tmp_path / "bad.csv"
    bad.write_text("gpu_price,tax_rate\n20000,0.2\n30000,1.5\n", encoding="utf-8")
    _refused(capsys, ["--only-evaluate", "--inputs", str(bad), "--out", str(tmp_path / "r.json")],
             r"tax_rate\[1\] = 1.5 is outside its domain; .*\[0, 1\]")
    assert not (tmp_path / "r.json").exists()


def test_a_csv_is_parsed_once_and_measured_from_an_npz_copy(tmp_path, monkeypatch):
    # the measuring processes get an .npz copy of the validated scenarios (a million-row CSV takes ~15 s to parse
    # in each); the report still names the CSV, and the copy is gone once the run ends
    import run

    csv = tmp_path / "s.csv"
    csv.write_text("gpu_price,tax_rate\n20000,0.2\n30000,0.3\n41000,0.25\n", encoding="utf-8")
    seen = {}

    def measure(args, source, run_source, left_out=0):
        seen.update(source=source, run_source=run_source, x=scenarios(0, run_source))
        if run_source.endswith(".npz"):
            with np.load(run_source) as f:
                seen["npz"] = sorted(f.files)
        return 0

    monkeypatch.setattr(run, "_run", measure)
    assert run.main(["--only-evaluate", "--inputs", str(csv)]) == 0
    assert seen["source"] == str(csv.resolve()) and seen["run_source"].endswith(".npz")
    assert seen["npz"] == ["gpu_price", "tax_rate"]  # the CSV's own columns: the seed fills the rest in each process
    assert not Path(seen["run_source"]).exists()
    assert np.array_equal(seen["x"]["gpu_price"], [20000.0, 30000.0, 41000.0])
    assert np.array_equal(seen["x"]["tax_rate"], [0.2, 0.3, 0.25])
    assert np.array_equal(seen["x"]["hbm_capacity_gb"], np.full(3, model.load("seed").values["hbm_capacity_gb"]))
    # an .npz is read as it is; a folder with no room for the copy leaves the CSV to be read again
    npz = tmp_path / "s.npz"
    np.savez(npz, gpu_price=np.array([20000.0]))
    assert run.main(["--only-evaluate", "--inputs", str(npz)]) == 0 and seen["run_source"] == str(npz.resolve())
    assert run._as_npz(seen["x"], tmp_path / "no such folder", "s.csv") == "s.csv"


@pytest.fixture
def rooted(tmp_path, monkeypatch):
    """bench/run.py without its table, its ROOT in tmp_path: where results.json would go is never the repository's
    (a regression must not damage the file README's ranges cite); returns the module and that results.json."""
    import run

    monkeypatch.setattr(run, "table", lambda report: "")
    monkeypatch.setattr(run, "ROOT", tmp_path)
    (tmp_path / "bench").mkdir()
    return run, tmp_path / "bench" / "results.json"


def test_only_evaluate_writes_the_json_where_out_says_and_leaves_results_json_alone(tmp_path, monkeypatch, rooted):
    # --out used to be ignored with --only-evaluate; a partial run must not replace a full run's results.json
    import json

    run, results = rooted
    monkeypatch.setattr(run, "bench_evaluate_fresh", lambda n, source: {"n": n, "source": source})
    out = tmp_path / "r.json"
    assert run.main(["--only-evaluate", "--quick", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["evaluate_fresh"] == {"n": 100_000, "source": "0"}
    assert run.main(["--only-evaluate", "--quick"]) == 0
    assert not results.exists()


def test_quick_writes_the_json_where_out_says_and_leaves_results_json_alone(tmp_path, monkeypatch, rooted):
    # a smoke run's smaller sizes replaced the full run's results.json, which README's ranges cite
    import json

    run, results = rooted
    for name in ("bench_formulas", "bench_evaluate", "bench_evaluate_fresh", "bench_udf"):
        monkeypatch.setattr(run, name, lambda *a, name=name, **k: {"stub": name})
    monkeypatch.setattr(run, "bench_build", lambda tmp, repeat: {"path": tmp / "x.xlsx", "repeat": repeat})
    assert run.main(["--quick", "--skip-libreoffice"]) == 0
    assert not results.exists()
    out = tmp_path / "q.json"
    assert run.main(["--quick", "--skip-libreoffice", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["quick"] is True and report["build"] == {"repeat": 1} and report["udf"] == {"stub": "bench_udf"}


def test_a_csv_written_by_pandas_with_its_index_reads(tmp_path):
    # pandas' to_csv writes its index as a first column without a name; evaluate --scenarios writes a `scenario`
    # column first: either labels the rows and is read past, where it used to stop the run ("no name")
    import pandas as pd

    path = tmp_path / "p.csv"
    pd.DataFrame({"gpu_price": [20000.0, 30000.0], "tax_rate": [0.2, 0.3]}, index=[7, 9]).to_csv(path)
    x = scenarios(0, str(path))
    assert np.array_equal(x["gpu_price"], [20000.0, 30000.0]) and np.array_equal(x["tax_rate"], [0.2, 0.3])
    path.write_text("scenario,gpu_price\n0,25000\n1,26280\n", encoding="utf-8")
    assert np.array_equal(scenarios(0, str(path))["gpu_price"], [25000.0, 26280.0])
    path.write_text("gpu_price,,tax_rate\n1,2,0.3\n", encoding="utf-8")  # a nameless column elsewhere: refused
    with pytest.raises(SystemExit, match="column 2 of the header has no name"):
        scenarios(0, str(path))


def test_out_is_checked_before_the_run_and_never_replaces_another_file(tmp_path, capsys, monkeypatch):
    # --out once replaced any file, the --inputs file itself included (an .npz became the JSON report), made
    # missing folders, and a folder failed only after the whole run, in a traceback
    import run

    monkeypatch.setattr(run, "bench_evaluate_fresh", lambda n, source: pytest.fail("measured before refusing"))
    npz = tmp_path / "mine.npz"
    np.savez(npz, gpu_price=np.array([20000.0]))
    kept = npz.read_bytes()
    for out, message in ((npz, "the file name must end .json"), (tmp_path / "notes.md", "must end .json"),
                         (tmp_path, "is a folder"), (tmp_path / "no" / "r.json", "does not exist")):
        _refused(capsys, ["--only-evaluate", "--inputs", str(npz), "--out", str(out)], message)
    assert npz.read_bytes() == kept and not (tmp_path / "no").exists()
    done = tmp_path / "r.json"
    done.write_text("{}", encoding="utf-8")
    _refused(capsys, ["--only-evaluate", "--out", str(done)], "exists; pass --overwrite")
    assert done.read_text(encoding="utf-8") == "{}"
    _refused(capsys, ["--only-evaluate", "--inputs", ""], "--inputs is empty")
    monkeypatch.setattr(run, "bench_evaluate_fresh", lambda n, source: {"n": n})
    monkeypatch.setattr(run, "table", lambda report: "")
    assert run.main(["--only-evaluate", "--quick", "--out", str(done), "--overwrite"]) == 0
    assert '"evaluate_fresh"' in done.read_text(encoding="utf-8")


def test_scenarios_that_do_not_fit_are_left_out_and_counted(tmp_path, monkeypatch, capsys):
    # random draws over whole domains include models that do not fit in GPU memory, which model.evaluate refuses;
    # the run used to stop there. Now they are left out and counted: scenario 1's sequence of 500 GB KV cache
    # does not fit an 80 GB GPU at all (effective_batch 0); scenarios 0 and 2 do
    import json

    import run

    csv = tmp_path / "s.csv"
    csv.write_text("kv_gb_per_sequence,gpu_price\n0.125,20000\n500,30000\n0.25,40000\n", encoding="utf-8")
    seen = {}

    def measure(args, source, run_source, left_out=0):
        seen.update(left_out=left_out, x=scenarios(0, run_source))
        return 0

    monkeypatch.setattr(run, "_run", measure)
    assert run.main(["--only-evaluate", "--inputs", str(csv)]) == 0
    assert seen["left_out"] == 1
    assert np.array_equal(seen["x"]["gpu_price"], [20000.0, 40000.0])
    assert np.array_equal(seen["x"]["kv_gb_per_sequence"], [0.125, 0.25])
    # the count is in the report and its table
    monkeypatch.undo()
    monkeypatch.setattr(run, "bench_evaluate_fresh", lambda n, source: {"n": n})
    out = tmp_path / "r.json"
    assert run.main(["--only-evaluate", "--inputs", str(csv), "--out", str(out)]) == 0
    assert json.loads(out.read_text())["scenarios_left_out"] == 1
    assert "1 left out: they do not fit in GPU memory" in run.table(json.loads(out.read_text()))
    # none that fits: the run stops
    csv.write_text("kv_gb_per_sequence\n500\n", encoding="utf-8")
    _refused(capsys, ["--only-evaluate", "--inputs", str(csv)], "no scenario in it fits in GPU memory")
