"""The command line: python -m model {evaluate, claims, inputs}."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import model

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "model", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_evaluate_table():
    p = run("evaluate")
    assert p.returncode == 0, p.stderr
    for name in ("total_cost_per_gpu_hour", "cost_per_m_output_tokens", "sculpted_debt_capacity", "wacc_public"):
        assert name in p.stdout
    row = {ln.split("  ")[0].strip(): ln for ln in p.stdout.splitlines()}
    # seed by hand: 25000/(3*8760) + 0.7*1.2*0.035 + 150*0.7/730 + 2600/(3*8760) + 0.10 = 1.32346
    assert "$ 1.323" in row["Total cost per GPU-hour"]
    assert "39.84 %" in row["Rental gross margin"]  # 1 - 1.32346/2.2
    assert "$ 2,140.8 m" in row["Sculpted debt capacity"]
    # wacc = 0.5*0.25 + 0.5*0.08*(1-0.21) = 0.1566; L = 3; CRF = w/(1-(1+w)^-3);
    # levelized rent = CRF * sum_t 2.2*0.7^(t-1)/(1+w)^t = 1.66045; cash cost 0.273236;
    # economic cost = ((25000+2600-5000/(1+w)^3)*CRF + 0.03*25000*1.66045/2.2)/8760 + 0.273236 = 1.56957;
    # b = 1.56957/1.66045 = 0.945265; 1000 - 250*NORMSINV(b) = 599.86 GPUs, shown whole
    assert " 600 " in row["Optimal owned GPUs"] + " "
    assert "4.32×" in row["Output / input cost ratio"]


@pytest.mark.parametrize("value, unit, text", [
    (0.39842, "%", "39.84 %"),  # to the basis point, as the workbook
    (0.0632, "%", "6.32 %"),
    (1.0, "%", "100.00 %"),
    (2_140_811_106.45, "$", "$ 2,140.8 m"),
    (-7008.0, "$/GPU", "$ -7,008"),
    (1.3234639, "$/GPU-h", "$ 1.323"),
    (0.0605184, "$/M tokens", "$ 0.06052"),
    (73.0, "$/kW/month", "$ 73.00"),
    (941.097, "GPUs", "941"),
    (300.0, "GPUs/yr", "300"),
    (1.5, "×", "1.50×"),
    (16.0, "GB", "16"),
    (0.008955, "s", "0.008955"),
    (12_911_767.3, "tokens/h", "12,911,767"),
    (float("nan"), "$", "n/a"),
    (float("inf"), "×", "∞"),
    # whole numbers, as a claim's stated figure or a TOML value is written: money and multiples keep their unit
    # (claims showed "≈ 3,360" beside the model's "$ 3,360"), counts and years stay as written
    (72, "$/kW/month", "$ 72.00"),
    (2_000_000, "$", "$ 2.0 m"),
    (50, "×", "50.00×"),
    (64, "sequences", "64"),
    (np.int64(3), "years", "3"),
    (np.int64(3360), "$", "$ 3,360"),  # numpy's whole numbers too (they printed as 3360)
    (np.int32(50), "×", "50.00×"),
    # an extreme input's result: a few significant digits, not the 300 digits of 1e308
    (1e308, "$", "$ 1e+308"),
    (-2.5e17, "$/GPU-h", "$ -2.5e+17"),
    (3e20, "×", "3e+20×"),
    (1e20, "%", "1e+22 %"),
    (1e308, "%", "1e+308 (a fraction)"),
    (1e300, "tokens/h", "1e+300"),
])
def test_format_by_unit(value, unit, text):
    from cli import fmt

    assert fmt.value(value, unit) == text


def test_json_has_no_nan_or_infinity():
    from cli import fmt

    assert fmt.dumps({"a": float("nan"), "b": [float("inf"), 1.5]}) == '{\n "a": null,\n "b": [\n  null,\n  1.5\n ]\n}'


def test_evaluate_json():
    p = run("evaluate", "--json")
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout)
    assert set(res) == set(model.OUTPUTS)
    # 25000 / (3 * 8760)
    assert res["capex_per_gpu_hour"] == pytest.approx(25000 / (3 * 8760), rel=1e-12)


def test_evaluate_template_and_set():
    p = run("evaluate", "--template", "coreweave", "--set", "gpu_utilization=0.7", "--json")
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout)
    # coreweave: 28900/(3*8760) + 0.7*1.0*0.10 + 260*0.7/730 + 2600/(3*8760) + 0.12, sold at 70% utilization
    total = 28900 / (3 * 8760) + 0.7 * 1.0 * 0.10 + 260 * 0.7 / 730 + 2600 / (3 * 8760) + 0.12
    assert res["total_cost_per_gpu_hour"] == pytest.approx(total, rel=1e-12)
    assert res["cost_per_sold_gpu_hour"] == pytest.approx(total / 0.7, rel=1e-12)
    assert res["rental_gross_margin"] == pytest.approx(1 - total / 0.7 / 2.2, rel=1e-12)
    assert res["rental_revenue_per_gpu_hour"] == pytest.approx(2.2 * 0.7, rel=1e-12)


def test_evaluate_json_nan_is_null():
    p = run("evaluate", "--set", "rental_price_per_gpu_hour=0.1", "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["gpu_payback_years"] is None


def test_claims_json():
    p = run("claims", "--json")
    assert p.returncode == 0, p.stderr
    recs = json.loads(p.stdout)
    assert [r["id"] for r in recs] == [f"C{i:02d}" for i in range(1, 49)]
    c08 = recs[7]
    assert c08["values"][0] == pytest.approx(25000 / (3 * 8760), rel=1e-12) and c08["holds"] is True
    c33 = recs[32]
    assert c33["holds"] is False
    assert c33["solve_value"] == pytest.approx(600000 / (100 * 1000 * 0.1 * 8760), rel=1e-6)


def test_claims_table():
    p = run("claims")
    assert p.returncode == 0, p.stderr
    assert "C48" in p.stdout and "FAILS" in p.stdout
    assert "38 of 48 claims hold" in p.stdout
    # the table's model values are for each claim's own inputs, listed below it (C11 is not seed's $0.06)
    assert "\nC11: model_params_b 405, kv_gb_per_sequence 0.53, batch_size 16\n" in p.stdout
    assert "\nC01: " not in p.stdout.split("claims hold")[1]  # a claim on seed's inputs is not listed


def test_inputs():
    p = run("inputs")
    assert p.returncode == 0, p.stderr
    for name in model.INPUTS:
        assert name in p.stdout
    assert "integer 1..4096" in p.stdout


def test_inputs_json_for_a_template():
    p = run("inputs", "--template", "h200", "--json")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["hbm_capacity_gb"]["value"] == 141
    assert data["gpu_utilization"]["domain"] == "(0, 1]"


# (bad --set, fragments the one-line message must contain)
BAD_SETS = [
    ("gpu_prise=1", ["gpu_prise", "did you mean", "gpu_price"]),
    ("gpu_price=abc", ["gpu_price", "abc", ">0"]),
    ("gpu_price=-5", ["gpu_price", "-5", ">0"]),
    ("gpu_utilization=1.5", ["gpu_utilization", "(0, 1]"]),
    ("batch_size=2.5", ["batch_size", "integer 1..4096"]),
    ("pue=nan", ["pue", "≥1"]),
    ("gpu_price", ["gpu_price"]),
    ("GPU_PRICE=3", ["unknown input 'GPU_PRICE'", "did you mean gpu_price? names are lower case"]),
    ("gpu_pric=1", ["did you mean gpu_price, gpu_power_kw?"]),  # not gpus_per_replica, an output
    ("Capex_Per_Gpu_Hour=1", ["unknown input 'Capex_Per_Gpu_Hour' (it is an output, not an input)"]),
    ("gpu_price=25000.123456 gpu_price=2e5", ["--set gpu_price: given twice ('gpu_price=25000.123456' and "
                                              "'gpu_price=2e5'); give it once"]),  # the last won, silently
]


@pytest.mark.parametrize("pair,fragments", BAD_SETS, ids=[b[0] for b in BAD_SETS])
def test_bad_set_exits_2_with_one_line(pair, fragments):
    p = run("evaluate", *(a for one in pair.split(" ") for a in ("--set", one)))
    assert p.returncode == 2
    assert p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    for f in fragments:
        assert f in lines[0], (f, lines[0])


# a single-value option given twice: argparse kept the last one, silently (a second --csv wrote there alone)
TWICE = [
    (["evaluate", "--template", "seed", "--template", "coreweave"], "--template given twice ('seed' and 'coreweave')"),
    (["tornado", "--output", "wacc", "--top", "3", "--top", "4"], "--top given twice (3 and 4)"),
    (["export-inputs", "{tmp}/book.xlsx", "-o", "{tmp}/a.toml", "--output", "{tmp}/b.toml"], "--output given twice"),
]


@pytest.mark.parametrize("argv,fragment", TWICE, ids=[t[0][0] for t in TWICE])
def test_a_single_value_option_given_twice_exits_2(argv, fragment, tmp_path):
    p = run(*(a.format(tmp=tmp_path) for a in argv))
    assert p.returncode == 2 and p.stdout == "" and list(tmp_path.iterdir()) == []
    assert fragment in p.stderr and "give it once" in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_bad_template_exits_2():
    p = run("evaluate", "--template", "no_such_template")
    assert p.returncode == 2
    assert "no_such_template" in p.stderr and "Traceback" not in p.stderr


def test_model_does_not_fit_exits_2():
    p = run("evaluate", "--set", "kv_gb_per_sequence=100")
    assert p.returncode == 2
    assert "effective_batch" in p.stderr and "Traceback" not in p.stderr


def test_project_table_years_as_columns(monkeypatch, capsys):
    """The table layout, on a schedule written here (model.project_schedule may not exist yet)."""
    import pandas as pd

    import cli

    frame = pd.DataFrame({"revenue": [0.0, 250e6, 262.5e6], "dscr": [float("nan"), 1.35, 1.4]},
                         index=pd.Index([0, 1, 2], name="year"))
    monkeypatch.setattr(model, "project_schedule", lambda inputs=None, template="seed": frame, raising=False)
    assert cli.main(["project"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].split() == ["year", "unit", "0", "1", "2"]
    assert lines[4].split() == ["revenue", "$", "m", "0.0", "250.0", "262.5"]
    assert lines[5].split() == ["dscr", "×", "1.35×", "1.40×"]


def test_project_table_to_the_sale_one_format_per_row(monkeypatch, capsys):
    """Years after the sale are left out unless --all-years; a row keeps its decimals (0.697 beside 2.200, not
    0.6967 beside 2.2); a rounding to zero reads 0, never -0; the registry's helper rows stay out, the check rows
    (corkscrew_gap, bridge_gap) are shown alike."""
    import pandas as pd

    import cli

    frame = pd.DataFrame({"life": [0.0, 1, 1, 0], "market_price": [0.0, 2.2, 0.6967, 0],
                          "bridge_gap": [0.0, -1e-9, 0, 0], "corkscrew_gap": [0.0, 0, 0, 0],
                          "project_sign": [-1.0, 1, 1, 1], "equity_pv": [-107.5e6, 33.1e6, -0.01, 0]},
                         index=pd.Index([0, 1, 2, 3], name="year"))
    monkeypatch.setattr(model, "project_schedule", lambda inputs=None, template="seed": frame, raising=False)
    assert cli.main(["project"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].split() == ["year", "unit", "0", "1", "2"]
    body = {ln.split()[0]: ln.split()[2:] for ln in lines[4:] if ln.strip()}
    assert body["market_price"] == ["0.000", "2.200", "0.697"]
    assert body["bridge_gap"] == ["0", "0", "0"] and body["corkscrew_gap"] == ["0", "0", "0"]
    assert body["equity_pv"] == ["m", "-107.5", "33.1", "0.0"]
    assert "project_sign" not in body
    # money rows: a row of zeros beside rows in $ m is in $ m too; a row of five figures keeps its dollars
    frame["levered_tax"], frame["interest"] = [0.0, 0, 0, 0], [0.0, 15139.4, 14493, 0]
    assert cli.main(["project"]) == 0
    body = {ln.split()[0]: ln.split()[2:] for ln in capsys.readouterr().out.splitlines()[4:] if ln.strip()}
    assert body["levered_tax"] == ["m", "0.0", "0.0", "0.0"]
    assert body["interest"] == ["0", "15,139", "14,493"]
    assert cli.main(["project", "--all-years"]) == 0
    assert capsys.readouterr().out.splitlines()[2].split() == ["year", "unit", "0", "1", "2", "3"]


def test_project_command():
    if not hasattr(model, "project_schedule"):
        pytest.skip("model.project_schedule is not in this version of model/ yet")
    p = run("project", "--json", "--set", "gpu_price=30000")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["years"] == list(range(16)) and data["set"] == {"gpu_price": 30000} and data["template"] == "seed"
    assert {"revenue", "cfads", "debt_service", "dscr", "equity_cash_flow"} <= set(data["rows"])
    assert "NaN" not in p.stdout and "Infinity" not in p.stdout


def _without(modules: list[str], *argv: str) -> subprocess.CompletedProcess:
    """The CLI in a process where `modules` cannot be imported, as on an install without the extras."""
    code = (f"import sys\nfor m in {modules!r}: sys.modules[m] = None\n"
            f"from cli import main\nsys.exit(main({list(argv)!r}))")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


OPTIONAL = ["pandas", "scipy", "matplotlib", "tqdm", "xlsxwriter", "openpyxl", "formulas", "xlwings", "numba"]


def test_base_install_evaluates_and_names_the_extra_a_command_needs():
    # numpy alone (pip install ai-inference-economics): evaluate and --help work; a sweep says which extra it needs,
    # in one line, where it used to end in a ModuleNotFoundError traceback (pandas was imported for --help too)
    assert _without(OPTIONAL, "--help").returncode == 0
    p = _without(OPTIONAL, "evaluate", "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["capex_per_gpu_hour"] == pytest.approx(25000 / (3 * 8760), rel=1e-12)
    p = _without(OPTIONAL, "sweep", "--input", "gpu_price", "--values", "20000,30000")
    assert p.returncode == 2 and "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert "needs pandas, which the project's 'sweeps' extra installs" in p.stderr
    # the sweeps extra without the workbook's: a sweep runs (xl only for --csv / --png files)
    p = _without(["xlsxwriter", "openpyxl", "formulas"], "sweep", "--input", "gpu_price", "--values", "20000,30000",
                 "--output", "capex_per_gpu_hour")
    assert p.returncode == 0, p.stderr
    p = _without(["xlsxwriter"], "export-inputs", "x.xlsx", "-o", "x.toml")
    assert p.returncode == 2 and "needs xlsxwriter, which the project's 'workbook' extra installs" in p.stderr


def test_json_writes_negative_zero_as_zero():
    # an input of -0.0 passes through to outputs as -0.0; scripts reading "-0.0" would see a sign that is not there
    from cli import fmt

    assert fmt.dumps({"x": -0.0, "y": [np.float64(-0.0)]}) == '{\n "x": 0.0,\n "y": [\n  0.0\n ]\n}'


def test_a_missing_submodule_is_a_bug_not_an_install():
    # pandas installed but pandas.nonexistent missing: a traceback (a bug to report), not "install the sweeps extra"
    import argparse

    from cli.app import run

    def handler(args):
        import pandas.nonexistent_submodule  # noqa: F401

    with pytest.raises(ModuleNotFoundError):
        run(handler, argparse.Namespace())


def test_usage_lines_name_the_command_that_ran():
    aie = subprocess.run([sys.executable, "-c", "import sys; sys.argv = ['/usr/bin/aie', '--help']; from cli import main; "
                          "main()"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert aie.stdout.startswith("usage: aie ")
    assert run("--help").stdout.startswith("usage: python -m model ")


def test_model_sweeps_after_a_bare_import():
    code = "import model; print(model.sweeps.one_way.__name__, model.sweeps.tornado.__name__)"
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.stdout.split() == ["one_way", "tornado"], p.stderr
