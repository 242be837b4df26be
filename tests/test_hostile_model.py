"""Hostile input at the model's edge: templates named or shaped oddly, arrays that do not fit together.

Each case asserts the one-line InputError (naming the thing and what is allowed) and, where a
file in the working directory could hijack a bundled template, that the bundled one is used.
"""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import model

SEED_TOTAL = 25000 / (3 * 8760) + 0.7 * 1.2 * 0.035 + 150 * 0.7 / 730 + 2600 / (3 * 8760) + 0.10
CW_TOTAL = 28900 / (3 * 8760) + 0.7 * 1.0 * 0.10 + 260 * 0.7 / 730 + 2600 / (3 * 8760) + 0.12


def test_files_in_the_working_directory_never_shadow_bundled_templates(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seed").write_text("not toml at all [[[")
    (tmp_path / "h200").write_text("[inputs]\ngpu_price = 1\n")
    (tmp_path / "coreweave").mkdir()
    assert model.evaluate()["total_cost_per_gpu_hour"] == pytest.approx(SEED_TOTAL, rel=1e-12)
    assert model.evaluate(template="coreweave")["total_cost_per_gpu_hour"] == pytest.approx(CW_TOTAL, rel=1e-12)
    assert model.load("h200").values["gpu_price"] == 25000  # the bundled h200 inherits the seed's price


@pytest.mark.parametrize("template", [None, "", 3.5, "nope"])
def test_template_that_is_not_a_name_or_path(template):
    with pytest.raises(model.InputError, match="bundled"):
        model.evaluate(template=template)


def test_folder_given_as_template(tmp_path):
    (tmp_path / "x.toml").mkdir()
    with pytest.raises(model.InputError, match="is a folder; give a .toml file"):
        model.evaluate(template=tmp_path / "x.toml")


@pytest.mark.parametrize("text,message", [
    ("gpu_price = [1, 2]", "gpu_price = [1, 2] is not a number; allowed domain of gpu_price: >0"),
    ("gpu_price = []", "gpu_price = [] is not a number; allowed domain of gpu_price: >0"),
    ("gpu_price = true", "gpu_price = True is not a number"),
    ("gpu_price = \"25000\"", "gpu_price = '25000' is not a number"),
    ("gpu_price = " + "9" * 400, "is too large for a number; allowed domain of gpu_price: >0"),
    ("gpu_price = { value = [1] }", "gpu_price = [1] is not a number"),
])
def test_template_values_must_be_single_numbers(tmp_path, text, message):
    path = tmp_path / "t.toml"
    path.write_text("[inputs]\n" + text + "\n")
    with pytest.raises(model.InputError) as exc:
        model.evaluate(template=path)
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_utf8_bom_is_read(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf[inputs]\ngpu_price = 30000\n")
    assert model.evaluate(template=path)["capex_per_gpu_hour"] == pytest.approx(30000 / (3 * 8760), rel=1e-12)


def test_removed_v1_input_names_its_replacement():
    with pytest.raises(model.InputError, match=r"unknown input 'buy_gpu_price' \(removed in MODEL.md v2: use gpu_price\)"):
        model.evaluate({"buy_gpu_price": 28000})
    with pytest.raises(model.InputError, match=r"'rent_price_per_gpu_hour' \(removed in MODEL.md v2: use rental_price"):
        model.evaluate({"rent_price_per_gpu_hour": 2.5})


@pytest.mark.parametrize("inputs,message", [
    ({"gpu_price": np.ones(3) * 25000, "pue": np.ones(4) * 1.2}, "do not broadcast together: gpu_price (3,), pue (4,)"),
    ({"gpu_price": np.array([25000, "x"], dtype=object)}, "is not a number; allowed domain of gpu_price: >0"),
    ({"gpu_price": np.array([])}, "gpu_price = array([], dtype=float64) is empty: expected a number or at least one"),
    ({"gpu_price": 10 ** 400}, "is too large for a number; allowed domain of gpu_price: >0"),
    ({"gpu_price": 10 ** 5000}, "gpu_price = <an integer of more than 4300 digits> is too large for a number"),
])
def test_arrays_that_do_not_fit(inputs, message):
    with pytest.raises(model.InputError) as exc:
        model.evaluate(inputs)
    assert message in str(exc.value)


@pytest.mark.parametrize("inputs,message", [
    ([("pue", 1.2)], "inputs = [('pue', 1.2)]: expected a mapping of input name to value (a dict), or a pandas "
                     "DataFrame (a column per input) or Series"),
    ("pue", "inputs = 'pue': expected a mapping"),
    (np.array([1.2]), "inputs = an object of type ndarray: expected a mapping"),
    # a pandas frame whose labels repeat: which of the two is the input?
    (pd.DataFrame([[1.2, 1.3]], columns=["pue", "pue"]), "inputs = a DataFrame: column pue appears more than once"),
    (pd.Series([1.2, 1.3], index=["pue", "pue"]), "inputs = a Series: index label pue appears more than once"),
    (pd.DataFrame({"pew": [1.2]}), "unknown input 'pew' (did you mean pue?)"),
    (pd.DataFrame({"pue": [1.2, None]}), "pue[1] = nan (a missing value) is outside its domain; allowed domain of pue: ≥1"),
    (pd.DataFrame({"pue": ["x"]}), "is not a number; allowed domain of pue: ≥1"),
    (pd.Series({"pue": "1.2"}), "pue = '1.2' is not a number"),
    (pd.Series({"pue": pd.NA}), "pue = <NA> (a missing value) is not a number"),  # pandas' NA, not a float nan
    (pd.DataFrame(), "inputs = a DataFrame without columns: expected a column per input"),  # was the seed's base case
    # a column passed as inputs: a million scenarios' labels were counted label by label (minutes), then "unknown
    # input 0"
    (pd.Series(np.full(1_000_000, 0.5), name="gpu_utilization"),
     "inputs = a Series named gpu_utilization: a Series is one scenario (an input per index label); for a column of "
     "scenarios give {name: s} or a DataFrame"),
    (pd.Series(np.full(1_000_000, 0.5)), "inputs = a Series indexed [0, 1, 2, …]: a Series is one scenario"),
    (pd.DataFrame([[1.2]], columns=pd.MultiIndex.from_tuples([("a", "pue")])), "unknown input ('a', 'pue')"),
])
def test_inputs_that_are_not_a_mapping(inputs, message):
    # a list of pairs raised AttributeError, a Series or DataFrame pandas' "truth value is ambiguous" (before they
    # were read as scenarios)
    with pytest.raises(model.InputError) as exc:
        model.evaluate(inputs)
    assert message in str(exc.value)


# a list or an object array (a pandas column of objects) is read element by element: the first that is not a number
# is named with its place; numbers held as objects are numbers (pue 1.2 and 1.3: power 0.7 · pue · 0.035 $/kWh)
@pytest.mark.parametrize("value,message", [
    ([1.2, None], "pue[1] = None (a missing value) is not a number; allowed domain of pue: ≥1"),
    ([1.2, True], "pue[1] = True is not a number"),  # numpy alone made it 1.0
    ([[1.2], [True]], "pue[1, 0] = True is not a number"),
    (pd.Series([1.2, pd.NA], dtype=object), "pue[1] = <NA> (a missing value) is not a number"),
    (np.array([1.2, "1.3"], dtype=object), "pue[1] = '1.3' is not a number"),
    ([1.2, 10**400], ("pue[1] = 1000000000", "... is too large for a number")),  # 401 digits, cut
    ([[1.2, 1.3], [1.4]], "pue = [[1.2, 1.3], [1.4]] is not a number or array of numbers"),
    # numpy counts a time span as an integer (astype(float): its count of days) and reads array(True) as 1.0
    ([np.timedelta64(2, "D")], "pue[0] = np.timedelta64(2,'D') is not a number"),
    (np.array([1.2, np.timedelta64(2, "D")], dtype=object), "pue[1] = np.timedelta64(2,'D') is not a number"),
    ([1.2, np.array(True)], "pue[1] = array(True) is not a number"),
    (np.array([1.2, 1.3], dtype=object), None),
    ((1.2, 1.3), None),
    ([1.2, np.float64(1.3)], None),
])
def test_lists_and_object_arrays_element_by_element(value, message):
    if message is None:
        got = model.evaluate({"pue": value}, outputs=["power_per_gpu_hour"])["power_per_gpu_hour"]
        assert got.tolist() == pytest.approx([0.7 * 1.2 * 0.035, 0.7 * 1.3 * 0.035], rel=1e-15)
        return
    with pytest.raises(model.InputError) as e:
        model.evaluate({"pue": value})
    assert all(m in str(e.value) for m in ((message,) if isinstance(message, str) else message)), str(e.value)


def test_a_dataframe_is_a_scenario_per_row_and_a_series_one_scenario():
    # capex per GPU-hour = gpu_price / (3 years · 8,760 h); the rows in the frame's order, whatever its index
    df = pd.DataFrame({"gpu_price": [26280, 52560, 13140], "pue": [1.2, 1.3, 1.4]}, index=["b", "a", "c"])
    got = model.evaluate(df, outputs=["capex_per_gpu_hour", "power_per_gpu_hour"])
    assert got["capex_per_gpu_hour"].tolist() == [1.0, 2.0, 0.5]
    assert got["power_per_gpu_hour"].shape == (3,)
    one = model.evaluate(df.loc["a"], outputs=["capex_per_gpu_hour"])["capex_per_gpu_hour"]
    assert one == 2.0 and isinstance(one, float)
    class Deals(pd.DataFrame):  # a subclass is a DataFrame too
        pass
    assert model.evaluate(Deals(df), outputs=["capex_per_gpu_hour"])["capex_per_gpu_hour"].tolist() == [1.0, 2.0, 0.5]
    # the frame is its columns as arrays, to the bit
    plain = model.evaluate({c: df[c].to_numpy() for c in df}, outputs=["cost_per_m_output_tokens", "equity_irr"])
    framed = model.evaluate(df, outputs=["cost_per_m_output_tokens", "equity_irr"])
    assert all(np.array_equal(plain[k], framed[k], equal_nan=True) for k in plain)


def test_outputs_that_would_not_fit_in_memory_are_refused_before_allocating():
    # 100,000 × 100,000 cells broadcast from two small arrays: 10^10 scenarios × 8 bytes = 80 GB an output, 8.56 TB
    # for the 107 outputs of today (numpy's MemoryError, or the OOM killer, before); one output of 1,000 × 1,000 runs
    grid = {"gpu_price": np.full((100_000, 1), 30000.0), "pue": np.full((1, 100_000), 1.2)}
    n = len(model.OUTPUTS)
    with pytest.raises(model.InputError, match=rf"10,000,000,000 scenarios × {n} outputs need {80 * n:,}.0 GB .* fewer outputs"):
        model.evaluate(grid)
    small = {"gpu_price": np.full((1000, 1), 30000.0), "pue": np.full((1, 1000), 1.2)}
    assert model.evaluate(small, outputs=["power_per_gpu_hour"])["power_per_gpu_hour"].shape == (1000, 1000)


def test_numpy_integers_for_chunk_and_threads():
    x = {"gpu_price": np.linspace(2e4, 3e4, 10)}
    got = model.evaluate(x, outputs=["capex_per_gpu_hour"], chunk=np.int64(4), threads=np.int32(2))
    assert np.array_equal(got["capex_per_gpu_hour"], x["gpu_price"] / (3 * 8760))


def test_schedule_years_and_monte_carlo_seed_checked():
    # all_years="no" returned all thirty years (a truthy string); seed=-1 raised numpy's ValueError
    with pytest.raises(model.InputError, match=r"all_years = 'no': expected True or False"):
        model.sculpting_schedule(all_years="no")
    assert len(model.sculpting_schedule(all_years=False)) == 12 and len(model.sculpting_schedule(all_years=True)) == 30
    from model import sweeps

    with pytest.raises(model.InputError, match=r"monte-carlo seed = -1 must be ≥ 0"):
        sweeps.monte_carlo(Path(__file__).resolve().parent.parent / "examples" / "monte_carlo.toml", n=10, seed=-1,
                           progress=False)


def test_templates_from_a_zip_survive_a_forked_child(tmp_path):
    # imported from a zip, the bundled templates are copied to a temporary folder removed at exit: by the process
    # that made it only (a forked worker exiting took the parent's templates with it)
    import subprocess
    import sys
    import zipfile

    root = Path(__file__).resolve().parent.parent
    zipped = tmp_path / "model.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        for f in (root / "model").rglob("*"):
            if f.is_file() and "__pycache__" not in f.parts:
                z.write(f, f.relative_to(root).as_posix())
    code = f"""import os, sys
sys.path.insert(0, {str(zipped)!r})
import model
assert model.__file__.startswith({str(zipped)!r}), model.__file__
pid = os.fork()
if pid == 0:
    sys.exit(0)
os.waitpid(pid, 0)
print(model.load("h200").values["hbm_capacity_gb"])
"""
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stdout.split() == ["141.0"], p.stderr


def test_a_containers_memory_limit_counts_where_it_is_smaller(tmp_path, monkeypatch):
    # in a container sysconf reports the host's memory; the limit of the process's cgroup, or of one above it, is
    # where the OOM killer acts (v1: the memory controller's tree; v2: the unified tree, "max" for none)
    from model import machine

    proc = tmp_path / "cgroup"
    monkeypatch.setattr(machine, "PROC_CGROUP", str(proc))
    monkeypatch.setattr(machine, "CGROUP_ROOT", str(tmp_path / "fs"))
    host = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert machine.memory_limit() == host  # no /proc/self/cgroup: the machine's memory
    proc.write_text("4:memory:/jobs/42\n3:cpu,cpuacct:/jobs/42\n0::/slice/run\n")
    v1 = tmp_path / "fs" / "memory" / "jobs" / "42"
    v1.mkdir(parents=True)
    (v1 / "memory.limit_in_bytes").write_text("9223372036854771712\n")  # the process's own: no limit
    assert machine.memory_limit() == host
    (v1.parent / "memory.limit_in_bytes").write_text("3221225472\n")  # its parent's: 3 GiB
    assert machine.memory_limit() == min(host, 3221225472)
    v2 = tmp_path / "fs" / "slice" / "run"
    v2.mkdir(parents=True)
    (tmp_path / "fs" / "cgroup.controllers").write_text("memory\n")
    (v2 / "memory.max").write_text("max\n")
    (v2.parent / "memory.max").write_text("2147483648\n")  # 2 GiB above the v2 cgroup
    assert machine.memory_limit() == min(host, 2147483648)
    # 300,000,000 scenarios of one output: 2.4 GB, more than the 2 GiB limit (refused before anything is allocated)
    x = {"gpu_price": np.full((30_000, 1), 30000.0), "pue": np.full((1, 10_000), 1.2)}
    with pytest.raises(model.InputError, match=r"300,000,000 scenarios × 1 outputs need 2.4 GB .* 2.1 GB of memory "
                                               r"is available here \(the machine's, or its container's limit\)"):
        model.evaluate(x, outputs=["power_per_gpu_hour"])


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="CPU affinity is Linux's")
def test_threads_follow_the_cores_this_process_may_use():
    # a container limited to one CPU (a CPU set) still reports the host's cores in os.cpu_count()
    import subprocess
    import sys

    code = "import os; os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]}); import model.core as c; " \
           "print(c.THREADS)"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       cwd=Path(__file__).resolve().parent.parent)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "1"


def test_threads_follow_a_containers_cpu_quota(tmp_path, monkeypatch):
    # docker --cpus sets a quota, not a CPU set: the cores stay visible, but more threads than the quota only
    # queue; v2 writes "quota period" in cpu.max ("max" for none), v1 cpu.cfs_quota_us (-1 for none)
    from model import machine

    proc = tmp_path / "cgroup"
    monkeypatch.setattr(machine, "PROC_CGROUP", str(proc))
    monkeypatch.setattr(machine, "CGROUP_ROOT", str(tmp_path / "fs"))
    monkeypatch.setattr(machine.os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    assert machine.cores() == 16  # no /proc/self/cgroup: the CPU set
    proc.write_text("3:cpu,cpuacct:/jobs/42\n0::/slice/run\n")
    v1 = tmp_path / "fs" / "cpu,cpuacct" / "jobs" / "42"
    v1.mkdir(parents=True)
    (v1 / "cpu.cfs_quota_us").write_text("-1\n")  # the process's own: none
    (v1 / "cpu.cfs_period_us").write_text("100000\n")
    assert machine.cores() == 16
    (v1.parent / "cpu.cfs_quota_us").write_text("600000\n")  # its parent's: 6 cores
    (v1.parent / "cpu.cfs_period_us").write_text("100000\n")
    assert machine.cores() == 6
    v2 = tmp_path / "fs" / "slice" / "run"
    v2.mkdir(parents=True)
    (tmp_path / "fs" / "cgroup.controllers").write_text("cpu memory\n")
    (v2 / "cpu.max").write_text("max 100000\n")
    (v2.parent / "cpu.max").write_text("150000 100000\n")  # 1.5 cores above the v2 cgroup: two threads
    assert machine.cores() == 2
    (v2 / "cpu.max").write_text("50000 100000\n")  # half a core: one thread, never none
    assert machine.cores() == 1


def test_a_model_that_does_not_fit_is_its_own_kind_of_input_error_in_any_chunk():
    # bench --inputs leaves such scenarios out and stops on any other bad value: it tells them apart by type, which
    # the chunked path kept only as InputError when it renumbered the index; scenario 40,000 lies in chunk 3
    kv = np.full(50_000, 0.125)
    kv[40_000] = 500.0  # one sequence's KV cache larger than the whole 80 GB GPU: effective_batch 0
    with pytest.raises(model.NotFitting, match="does not fit in memory at index 40000"):
        model.evaluate({"kv_gb_per_sequence": kv}, outputs=["effective_batch"])
    with pytest.raises(model.InputError) as exc:  # a value outside its domain is not that kind
        model.evaluate({"tax_rate": np.array([0.2, 1.5])})
    assert not isinstance(exc.value, model.NotFitting)


def test_masked_elements_are_missing_values_not_what_lies_beneath():
    # np.asarray of a masked array reads the values under the mask: the masked 1 was evaluated as a GPU price
    masked = np.ma.masked_array([30000.0, 1.0], mask=[0, 1])
    with pytest.raises(model.InputError, match=r"gpu_price\[1\] is masked \(a missing value\); fill it or leave that "
                                               r"scenario out; allowed domain of gpu_price: >0"):
        model.evaluate({"gpu_price": masked}, outputs=["capex_per_gpu_hour"])
    unmasked = model.evaluate({"gpu_price": np.ma.masked_array([30000.0, 20000.0], mask=[0, 0])},
                              outputs=["capex_per_gpu_hour"])
    assert unmasked["capex_per_gpu_hour"][1] == pytest.approx(20000 / 3 / 8760)  # a $20,000 GPU over 3 years


def test_a_template_name_too_long_for_the_file_system_is_unknown():
    # a bare name was looked up as a file: 5,000 characters raised "File name too long" with our folder's path
    with pytest.raises(model.InputError, match=r"unknown template 'a{120}'… \(5,000 characters\); bundled templates: "
                                               "seed"):
        model.load("a" * 5000)
    with pytest.raises(model.InputError, match=r"template file './a{118}'… \(5,007 characters\): File name too long"):
        model.load("./" + "a" * 5000 + ".toml")


def test_a_long_name_or_cell_is_cut_in_the_one_line_message(tmp_path, capsys):
    # a 100,000-character unknown name and a 200,000-character cell were echoed whole, 100-200 KB on one line
    with pytest.raises(model.InputError) as exc:
        model.evaluate({"z" * 100_000: 1.0})
    assert "unknown input 'zzzz" in str(exc.value) and "… (100,000 characters)" in str(exc.value)
    assert len(str(exc.value)) < 300
    from cli import main

    path = tmp_path / "long.csv"
    path.write_text("gpu_price\n" + "x" * 200_000 + "\n", encoding="utf-8")
    assert main(["evaluate", "--scenarios", str(path), "--output", "wacc"]) == 2
    err = capsys.readouterr().err
    assert "gpu_price[0] = 'xxxx" in err and "is not a number" in err and len(err) < 500
