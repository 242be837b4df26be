"""Hostile input at the command line and the file layer: exit status 2, one line naming the
problem and what is allowed, and nothing already on disk changed or left behind."""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import openpyxl
import pytest

import model
import xl
from xl import atomic, carry

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "examples" / "monte_carlo.toml"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    cmd = [sys.executable, *(["-m", "model"] if args[0] != "build_workbook.py" else [str(ROOT / args[0])]),
           *(args if args[0] != "build_workbook.py" else args[1:])]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300, env=ENV)


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir") for p in folder.iterdir()}


def refused(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for f in fragments:
        assert f in lines[0], (f, lines[0])


# --------------------------------------------------------------------------------------
# output files refused before anything is written
# --------------------------------------------------------------------------------------

def _workbook(folder: Path) -> Path:
    p = folder / "victim.xlsx"
    xl.build(p)
    return p


CASES = [  # (arguments given the folder, fragments of the one line)
    (lambda t: ["monte-carlo", str(SPEC), "--n", "200", "--csv", str(t / "victim.xlsx")],
     ["--csv", "victim.xlsx", "must end .csv"]),
    (lambda t: ["monte-carlo", str(SPEC), "--n", "200", "--csv", str(t / "old.csv")], ["old.csv", "--overwrite"]),
    (lambda t: ["tornado", "--output", "capex_per_gpu_hour", "--png", str(t / "plots")],
     ["--png", "plots", "is a folder"]),
    (lambda t: ["tornado", "--output", "capex_per_gpu_hour", "--png", str(t / "x.unknownext")],
     ["x.unknownext", ".png or .svg or .pdf"]),
    (lambda t: ["tornado", "--output", "capex_per_gpu_hour", "--png", str(t / "old.png")], ["old.png", "--overwrite"]),
    (lambda t: ["tornado", "--output", "capex_per_gpu_hour", "--png", str(t / "nofolder" / "a.png")],
     ["nofolder", "does not exist"]),
    (lambda t: ["build_workbook.py", "--out", str(t / "plots")], ["--out", "is a folder"]),
    (lambda t: ["build_workbook.py", "--out", str(t / "nofolder" / "a.xlsx")], ["nofolder", "does not exist"]),
    (lambda t: ["build_workbook.py", "--out", str(t / "victim.xlsx")], ["victim.xlsx", "--overwrite"]),
    (lambda t: ["export-inputs", str(t / "victim.xlsx"), "-o", str(t / "old.csv")], ["export-inputs -o", ".toml"]),
    (lambda t: ["export-inputs", str(t / "old.csv"), "-o", str(t / "new.toml")], ["export-inputs", "not a readable"]),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_output_refused_and_nothing_changed(tmp_path, case):
    make, fragments = CASES[case]
    _workbook(tmp_path)
    (tmp_path / "plots").mkdir()
    (tmp_path / "old.csv").write_text("a,b\n1,2\n")
    (tmp_path / "old.png").write_bytes(b"not really a png")
    before = snapshot(tmp_path)
    proc = run(*make(tmp_path))
    refused(proc, *fragments)
    assert "--from" not in proc.stderr
    assert snapshot(tmp_path) == before
    assert snapshot(tmp_path / "plots") == {}


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        refused(run("build_workbook.py", "--out", str(ro / "a.xlsx")), "not writable")
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)


# --------------------------------------------------------------------------------------
# numbers and names on the command line
# --------------------------------------------------------------------------------------

BIG = "9" * 400
ARGS = [
    # an empty value (an unset shell variable) was taken as no option: --csv printed, --column took the selected
    (["evaluate", "--scenarios", str(SPEC), "--csv", ""], ["--csv: an empty value"]),
    (["export-inputs", str(SPEC), "-o", "x.toml", "--column", ""], ["--column: an empty value"]),
    (["export-inputs", "", "-o", "x.toml"], ["workbook: an empty value"]),
    (["monte-carlo", str(SPEC), "--png", ""], ["--png: an empty value"]),
    (["sweep", "--input", "gpu_price", "--values", ""], ["--values", "expected comma-separated numbers"]),
    (["sweep", "--input", "gpu_price", "--range", "1,2,1e9"], ["--range", "from 2 to 100,000"]),
    (["sweep", "--input", "gpu_price", "--values", BIG], ["--values", "not a finite number"]),
    (["monte-carlo", str(SPEC), "--n", "1e11"], ["--n 100,000,000,000", "GB of memory", "at most 20,000,000"]),
    (["monte-carlo", str(SPEC), "--n", BIG], ["--n", "at most 20,000,000"]),
    (["monte-carlo", str(SPEC), "--seed", BIG], ["--seed", "2**128 - 1"]),
    (["evaluate", "--set", f"gpu_price={BIG}"], ["gpu_price", ">0"]),
    (["sweep", "--input", "cost_per_m_output_tokens", "--values", "1"],
     ["--input", "'cost_per_m_output_tokens'", "it is an output, not an input"]),
    (["sweep", "--input", "gpu_price", "--values", "1", "--col-input", "wacc_public", "--col-values", "1",
      "--output", "capex_per_gpu_hour"], ["--col-input", "it is an output"]),
    (["evaluate", "--no-such-flag"], ["unrecognized arguments: --no-such-flag"]),
]


@pytest.mark.parametrize("argv, fragments", ARGS, ids=range(len(ARGS)))
def test_bad_numbers_and_names(argv, fragments):
    refused(run(*argv), *fragments)


def test_broken_pipe_is_quiet():
    # 800 KB of output, far more than a pipe holds, so the writer is still writing when the reader goes away
    p = subprocess.Popen([sys.executable, "-m", "model", "sweep", "--input", "gpu_price", "--range", "1000,100000,20000",
                          "--output", "capex_per_gpu_hour"], cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read()
    p.wait(timeout=120)
    assert err == b""
    assert p.returncode == 1


# --------------------------------------------------------------------------------------
# the atomic writer
# --------------------------------------------------------------------------------------

def test_disk_full_leaves_nothing(tmp_path, monkeypatch):
    out = tmp_path / "t.toml"

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "write", full)
    with pytest.raises(atomic.OutputError) as e:
        atomic.write_text(out, "x = 1\n", "export-inputs -o")
    monkeypatch.undo()
    assert str(e.value) == f"export-inputs -o {str(out)!r}: the disk is full; nothing written"
    assert list(tmp_path.iterdir()) == []


def test_disk_full_during_a_build_keeps_the_old_workbook(tmp_path, monkeypatch):
    """XlsxWriter wraps the OSError of a full disk in its own FileCreateError (no OSError): the build says the
    disk is full, in one line, and the workbook already there is untouched, with no temporary file beside it."""
    import xlsxwriter.workbook

    import xl

    out = tmp_path / "w.xlsx"
    xl.build(out)
    before = out.read_bytes()

    class Full(xlsxwriter.workbook.ZipFile):
        def writestr(self, *a, **k):  # in_memory: every part goes through writestr
            raise OSError(errno.ENOSPC, "No space left on device")

        write = writestr

    monkeypatch.setattr(xlsxwriter.workbook, "ZipFile", Full)
    with pytest.raises(atomic.OutputError) as e:
        xl.build(out, overwrite=True)
    monkeypatch.undo()
    assert str(e.value) == f"workbook {str(out)!r}: the disk is full; nothing written"
    assert out.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["w.xlsx"]


def test_new_file_respects_umask_and_existing_keeps_mode(tmp_path):
    old = os.umask(0o027)
    try:
        new = atomic.write_text(tmp_path / "a.toml", "a = 1\n", "-o")
    finally:
        os.umask(old)
    assert stat.S_IMODE(new.stat().st_mode) == 0o640
    keep = tmp_path / "b.toml"
    keep.write_text("b = 1\n")
    keep.chmod(0o604)
    atomic.write_text(keep, "b = 2\n", "-o", overwrite=True)
    assert keep.read_text() == "b = 2\n" and stat.S_IMODE(keep.stat().st_mode) == 0o604


def test_symlink_target_updated(tmp_path):
    real = tmp_path / "real.toml"
    real.write_text("a = 1\n")
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    with pytest.raises(atomic.OutputError, match="--overwrite"):
        atomic.write_text(link, "a = 2\n", "-o")
    atomic.write_text(link, "a = 2\n", "-o", overwrite=True)
    assert link.is_symlink() and real.read_text() == "a = 2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.toml", "real.toml"]


def test_second_writer_to_a_new_name_refuses(tmp_path):
    out = tmp_path / "wb.toml"

    def racing(tmp: Path) -> None:  # another process creates the name while we write
        tmp.write_text("mine\n")
        out.write_text("theirs\n")

    with pytest.raises(atomic.OutputError, match="created meanwhile by another process"):
        atomic.write_atomic(out, racing, "--out")
    assert out.read_text() == "theirs\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wb.toml"]


def test_sigterm_removes_the_temporary_file(tmp_path):
    out = tmp_path / "slow.toml"
    code = ("import sys, time\nfrom xl.atomic import write_atomic\n"
            "def slow(tmp):\n    tmp.write_text('half')\n    print('writing', flush=True)\n    time.sleep(60)\n"
            "write_atomic(sys.argv[1], slow, '-o')\n")
    p = subprocess.Popen([sys.executable, "-c", code, str(out)], cwd=ROOT, env=ENV, stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline() == "writing\n"
    assert [x.name for x in tmp_path.iterdir()] == [f".slow.toml.tmp-{p.pid}"]
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=60) == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------------------
# export-inputs and --from
# --------------------------------------------------------------------------------------

NOTE = "bell\u0007 tab\t quote\" back\\slash 😀 ünïcödé"


def _user_template(folder: Path, note: str = NOTE) -> Path:
    t = folder / "mine.toml"
    t.write_text('[template]\nname = "mine"\ndescription = "a user template"\n[inputs]\n'
                 f'pue = {{ value = 1.3, source = {carry.toml_string(note)} }}\n', encoding="utf-8")
    return t


def test_export_exact_values_and_utf8_notes(tmp_path):
    src = tmp_path / "book.xlsx"
    xl.build(src, _user_template(tmp_path))
    edited = carry.read_inputs(src)
    assert carry.column_notes(edited, "mine")["pue"] == NOTE  # control character unescaped
    edited.columns["mine"]["gpu_utilization"] = 0.30000000000000004
    edited.columns["mine"]["gpu_price"] = 1.7976931348623157e308
    text = carry.template_toml(edited, "mine")
    assert "gpu_utilization = { value = 0.30000000000000004," in text
    assert "😀" in text and "\\u0007" in text and "_x0007_" not in text
    out = tmp_path / "mine_again.toml"
    out.write_text(text, encoding="utf-8")
    back = tomllib.loads(out.read_text(encoding="utf-8"))["inputs"]
    assert back["gpu_utilization"]["value"] == 0.30000000000000004
    assert back["gpu_price"]["value"] == 1.7976931348623157e308
    assert back["pue"] == {"value": 1.3, "source": NOTE}


def test_user_template_notes_survive_from(tmp_path):
    src = tmp_path / "book.xlsx"
    xl.build(src, _user_template(tmp_path))
    proc = run("build_workbook.py", "--from", str(src))
    assert proc.returncode == 0, proc.stderr
    assert carry.column_notes(carry.read_inputs(src), "mine")["pue"] == NOTE
    out = tmp_path / "mine.out.toml"
    assert run("export-inputs", str(src), "-o", str(out), "--column", "mine").returncode == 0
    assert model.load(out).sources["pue"] == NOTE


def test_long_note_refused(tmp_path):
    t = _user_template(tmp_path, "x" * 32_768)
    out = tmp_path / "long.xlsx"
    refused(run("build_workbook.py", "--template", str(t), "--out", str(out)), "32,768 characters", "at most 32,767")
    assert not out.exists()


def test_numbered_backups_never_overwritten(tmp_path):
    src = tmp_path / "book.xlsx"
    xl.build(src)
    first = src.read_bytes()
    assert run("build_workbook.py", "--from", str(src), "--set", "pue=1.3").returncode == 0
    second = src.read_bytes()
    proc = run("build_workbook.py", "--from", str(src), "--set", "pue=1.4")
    assert proc.returncode == 0, proc.stderr
    assert f"previous file kept as {src}.bak.1" in proc.stdout
    assert (tmp_path / "book.xlsx.bak").read_bytes() == first
    assert (tmp_path / "book.xlsx.bak.1").read_bytes() == second


def test_template_with_from_refused_before_anything_is_written(tmp_path):
    # --from carries the edited workbook's scenarios and selection; a --template beside it was silently ignored
    src = tmp_path / "book.xlsx"
    xl.build(src)
    before = snapshot(tmp_path)
    refused(run("build_workbook.py", "--from", str(src), "--template", "h200"), "--template h200 with --from",
            "select another in its Inputs!G3")
    assert snapshot(tmp_path) == before


def _edit(src: Path, change) -> Path:
    wb = openpyxl.load_workbook(src)
    change(wb)
    wb.save(src)
    return src


@pytest.mark.parametrize("header, fragment", [("SEED", "template column 'SEED' appears twice"),
                                              (None, "empty header")])
def test_bad_template_headers_refused(tmp_path, header, fragment):
    def change(wb):
        wb["Inputs"].cell(carry.HEADER_ROW, 9).value = header  # the coreweave column

    src = _edit(_workbook(tmp_path), change)
    out = tmp_path / "new.xlsx"
    before = snapshot(tmp_path)
    refused(run("build_workbook.py", "--from", str(src), "--out", str(out)), fragment, "Inputs!I")
    assert snapshot(tmp_path) == before


def test_export_refuses_a_column_that_would_not_load(tmp_path):
    # share_batch edited to 0.5 in the seed column: the shares sum to 1.3, which --from refuses; export-inputs wrote
    # the column as a template that then failed to load. It refuses it too now, and writes nothing; the other
    # columns still export
    def change(wb):
        ws = wb["Inputs"]
        row = next(r for r in range(carry.HEADER_ROW + 1, ws.max_row + 1) if ws.cell(r, 2).value == "share_batch")
        ws.cell(row, carry.TEMPLATE_COL0 + 1).value = 0.5  # the seed column

    src = _edit(_workbook(tmp_path), change)
    out = tmp_path / "seed.toml"
    before = snapshot(tmp_path)
    refused(run("export-inputs", str(src), "-o", str(out), "--column", "seed"), "seed column", "segment shares",
            "must sum to 1")
    assert snapshot(tmp_path) == before
    assert run("export-inputs", str(src), "-o", str(tmp_path / "h200.toml"), "--column", "h200").returncode == 0
    assert model.load(tmp_path / "h200.toml").values == model.load("h200").values


def test_uncarried_edits_are_warned_by_name(tmp_path):
    def change(wb):
        wb.create_sheet("My notes")["A1"] = "hand-written"
        ws = wb["Inputs"]
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "serving_utilization"
                   and ws.cell(r, 1).value == "Name")  # the axes block's Name row
        ws.cell(row + 4, 2).value = 0.123  # Point 1 of the first axis (below Name, Unit, Domain, Base case)

    src = _edit(_workbook(tmp_path), change)
    proc = run("build_workbook.py", "--from", str(src), "--out", str(tmp_path / "new.xlsx"))
    assert proc.returncode == 0, proc.stderr
    assert "warning: not carried: sheet 'My notes'" in proc.stderr
    assert "warning: not carried: sensitivity axis" in proc.stderr and "0.123" in proc.stderr


def test_zip_bomb_refused(tmp_path, monkeypatch):
    src = _workbook(tmp_path)
    monkeypatch.setattr(carry, "MAX_UNCOMPRESSED", 1000)  # our workbook stands in for an absurd one
    with pytest.raises(model.InputError, match=r"unpacks to .* MB.*refusing to open it"):
        carry.read_inputs(src)


# the scenario selector (Inputs!G3) as a user may leave it -> the one line --from gives (None: carried, and the
# template it selects); a workbook built before the selector moved kept it on the Cover (C6), without a label in A3
N_TEMPLATES = len(model.bundled())
SELECTOR_CASES = [
    ({"G3": 3}, None, "h200"),
    ({"G3": 0}, f"the scenario number in Inputs!G3, 0, is not a template column (1 to {N_TEMPLATES})", None),
    ({"G3": 2.5}, "the scenario number in Inputs!G3, 2.5, is not a template column", None),
    ({"G3": None}, "the scenario number in Inputs!G3 is empty", None),  # was sent to the Cover's formula cell
    # text, a number's included, fails the workbook's own selector check (INT("2")<>"2"): refused as it is there
    ({"G3": "2"}, "the scenario number in Inputs!G3, '2', is text; type the template column's number "
                  f"(1 to {N_TEMPLATES})", None),
    ({"G3": "nan"}, "the scenario number in Inputs!G3, 'nan', is text", None),  # float("nan") once crashed here
    ({"G3": "coreweave"}, "the scenario number in Inputs!G3, 'coreweave', is text", None),
    ({"G3": None, "A3": None, "Cover!C6": 2}, None, "coreweave"),  # the layout before: the Cover's number
    ({"G3": None, "A3": None, "Cover!C6": "h100-market"}, None, "h100-market"),  # older still: the name
]


@pytest.mark.parametrize(("cells", "fragment", "selected"), SELECTOR_CASES)
def test_the_scenario_selector_as_carried(tmp_path, cells, fragment, selected):
    def change(wb):
        for ref, value in cells.items():
            sheet, cell = ref.split("!") if "!" in ref else ("Inputs", ref)
            wb[sheet][cell].value = value

    src = _edit(_workbook(tmp_path), change)
    if fragment:
        with pytest.raises(model.InputError) as exc:
            carry.read_inputs(src)
        assert fragment in str(exc.value) and "victim.xlsx" in str(exc.value)
    else:
        assert carry.read_inputs(src).selected == selected
