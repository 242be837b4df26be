"""P1 fused (model.fused, model.p1_kernel): the compiled pass that many scenarios take when numba is installed
gives the hand-calculated P1 cases, the plain-float path's numbers and the numpy path's numbers; it stands in for
exactly the nodes that read P1's blocks, and steps aside when rows or checks are asked for. The tests ask for
it with fused=True (small arrays would otherwise take the numpy path)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from test_model_cases import P1_CASES, P1_DEGENERATE
from test_model_properties import N, _same, array_inputs

import model
from model import fused, graph, samples
from model.registry import BLOCKS, CHECKS, OUTPUTS

pytest.importorskip("numba")
# with AIE_NUMBA=0 every fused=True below would quietly compare numpy with numpy; with numba installed and
# enabled, a kernel that fails to load fails test_arrays_run_fused_here instead of skipping
pytestmark = pytest.mark.skipif(not fused.ENABLED, reason="AIE_NUMBA=0: compiled P1 turned off")
ROOT = Path(__file__).resolve().parent.parent
IRRS = {"project_irr", "equity_irr"}


def agree(a: float, b: float, name: str) -> bool:
    """Both nan, or equal to rounding: the float path raises its powers with Python's float ** (numpy's on
    arrays: a few ulps apart, which cancellation in CFADS can raise to ~1e-13) and finds its IRRs by another
    iteration (within 1e-9, as MODEL.md asks)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if name in IRRS:
        return abs(a - b) <= 1e-9
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def test_arrays_run_fused_here():
    assert fused.available(fused.MIN_SCENARIOS) and fused.available(1, True)
    assert not fused.available(fused.MIN_SCENARIOS - 1) and not fused.available(10**6, False)
    assert graph.fused_plan(graph.needed(frozenset(["equity_irr"]))) is not None


def test_params_are_what_the_replaced_nodes_read():
    # the kernel unpacks X in PARAMS' order; a line that starts reading another name must reach the kernel too
    assert set(fused.PARAMS) == fused.reads_outside()
    assert len(set(fused.PARAMS)) == len(fused.PARAMS)


def test_products_are_every_output_that_reads_a_p1_block():
    readers = {n for n, o in OUTPUTS.items() if any(p in fused.BLOCKS for p in o.params)}
    assert readers | {"fleet_debt"} == set(fused.PRODUCTS)
    assert set(fused.BLOCKS) <= set(BLOCKS)


def test_checks_or_rows_keep_the_line_functions():
    # a check that reads P1's rows needs the rows: no fusion for that evaluation order
    only = graph.needed(frozenset(["project_irr", "fleet_corkscrew_closes"]))
    assert "fleet_corkscrew_closes" in CHECKS
    assert graph.fused_plan(only) is None
    # outputs outside P1's products: nothing to fuse
    assert graph.fused_plan(graph.needed(frozenset(["cost_per_m_output_tokens"]))) is None


def test_plan_orders_the_fused_node_after_its_params_and_before_its_readers():
    from model.core import ORDER

    walk, nodes = graph.fused_plan(ORDER)  # every output: what evaluate() walks
    assert not set(walk) & fused.REPLACED and walk.count(fused.NAME) == 1
    at = walk.index(fused.NAME)
    assert all(walk.index(p) < at for p in fused.PARAMS if p in walk)
    for i, n in enumerate(walk):
        if any(p in fused.PRODUCTS for p in nodes[n].params):
            assert i > at, n  # fleet_gearing, economic_cost_per_hour, ... come after the fused node


@pytest.mark.parametrize("case,inputs,output,expected", P1_CASES, ids=[c[0] for c in P1_CASES])
def test_hand_cases_on_arrays(case, inputs, output, expected):
    # test_model_cases' P1 table, by hand, each case as an array of 3 identical scenarios (the fused path)
    arrays = {k: np.full(3, float(v)) for k, v in inputs.items()} or {"gpu_price": np.full(3, 25000.0)}
    got = model.evaluate(arrays, fused=True)[output]
    assert isinstance(got, np.ndarray) and got.shape == (3,)
    for g in got:
        if isinstance(expected, float) and math.isnan(expected):
            assert math.isnan(g), f"{case}: {output} = {g}, expected nan"
        else:
            assert g == pytest.approx(expected, rel=1e-9, abs=1e-12), f"{case}: {output} = {g}, expected {expected}"


def test_levelized_rent_by_hand_on_arrays():
    # seed: 2.20 $/GPU-h falling 30% a year for 3 years at wacc 15.66%:
    # PV = 2.2/1.1566 + 2.2·0.7/1.1566² + 2.2·0.49/1.1566³; CRF = 0.1566 / (1 − 1.1566^−3); rent = CRF · PV
    pv = 2.2 / 1.1566 + 2.2 * 0.7 / 1.1566 ** 2 + 2.2 * 0.49 / 1.1566 ** 3
    crf = 0.1566 / (1 - 1.1566 ** -3)
    got = model.evaluate({"gpu_price": np.full(2, 25000.0)}, outputs=["rent_levelized_per_gpu_hour"], fused=True)
    assert got["rent_levelized_per_gpu_hour"] == pytest.approx(np.full(2, crf * pv), rel=1e-12)
    # by hand: PV = 1.90213 + 1.15121 + 0.69674 = 3.75008; 1.1566³ = 1.54721, CRF = 0.1566 / 0.353674 = 0.442781
    assert crf * pv == pytest.approx(0.442781 * 3.75008, rel=1e-5)  # 1.6605 $/GPU-h flat, for 2.20 falling


def test_two_sign_changes_on_arrays():
    # test_model_cases.test_p1_two_sign_changes_irr_is_nan by hand: flows -27600, +8419.656, -2208.324
    inputs = {"fleet_gpus": 1, "economic_life_years": 2, "contract_years": 1, "contracted_share": 1,
              "market_price_decline_per_year": 0.99, "residual_base": 0}
    res = model.evaluate({k: np.full(2, float(v)) for k, v in inputs.items()}, fused=True)
    assert np.isnan(res["project_irr"]).all()
    assert res["project_npv"] == pytest.approx(np.full(2, -27600 + 8419.656 / 1.1566 - 2208.324 / 1.1566 ** 2),
                                               rel=1e-9)
    assert res["fleet_debt_capacity"] == pytest.approx(np.full(2, 8419.656 / 1.5 / 1.0755), rel=1e-9)


# Degenerate and boundary scenarios (test_model_cases.P1_DEGENERATE), compared scenario by scenario with the
# plain-float path (model/lines/project.py's _operations_floats / _financing_floats and model.finance.irr).
DEGENERATE = P1_DEGENERATE


def test_degenerate_rows_match_the_float_path():
    names = sorted({k for row in DEGENERATE for k in row})
    seed = model.resolve_inputs({})
    arrays = {k: np.array([row.get(k, seed[k]) for row in DEGENERATE], dtype=float) for k in names}
    res = model.evaluate(arrays, fused=True)
    for i, row in enumerate(DEGENERATE):
        one = model.evaluate(row)
        for name in OUTPUTS:
            a, b = float(res[name][i]), one[name]
            assert agree(a, b, name), f"{row}: {name} fused {a!r} vs floats {b!r}"


def test_random_scenarios_match_the_float_path():
    x = samples.random_inputs(300, seed=5)
    res = model.evaluate(x, fused=True)
    defined = 0
    for i in range(300):
        one = model.evaluate({k: float(v[i]) for k, v in x.items()})
        for name in OUTPUTS:
            a, b = float(res[name][i]), one[name]
            assert agree(a, b, name), f"scenario {i}: {name} fused {a!r} vs floats {b!r}"
        defined += not math.isnan(one["equity_irr"])
    assert defined > 30  # the IRR comparison covers defined IRRs


def test_random_scenarios_match_the_numpy_path():
    # the same operations in the same order on the same decline powers and CRF: the same bits, but for the
    # IRRs, whose Newton steps take e^−u from libm in the kernel and from numpy on arrays (last bits)
    x = samples.random_inputs(5000, seed=9)
    fast = model.evaluate(x, fused=True)
    slow = model.evaluate(x, fused=False)
    for name in OUTPUTS:
        a, b = fast[name], slow[name]
        assert np.array_equal(np.isnan(a), np.isnan(b)), name
        ok = np.isnan(b) | (a == b)
        if name in IRRS:  # measured: 9e-16 at most on 20,000 scenarios, 7e-15 for roots near 10^4
            ok |= np.abs(a - b) <= 1e-14 + 1e-13 * np.abs(a)
        bad = np.flatnonzero(~ok)
        assert not bad.size, f"{name}[{bad[0]}]: fused {a[bad[0]]!r} vs numpy {b[bad[0]]!r}"


def test_levelized_rent_near_the_crf_switch_as_numpy():
    # the compiled path takes the numpy path's CRF (numpy's expm1 and log1p), so the two agree exactly near the
    # switch to 1/L, as everywhere
    x = {"equity_share": np.full(3, 1.0), "cost_of_equity": np.array([1e-9, 3e-9, 1e-6]),
         "economic_life_years": np.full(3, 11.0)}
    outs = ["rent_levelized_per_gpu_hour", "economic_cost_per_hour"]
    fast, slow = model.evaluate(x, outputs=outs, fused=True), model.evaluate(x, outputs=outs, fused=False)
    for name in outs:
        assert np.array_equal(fast[name], slow[name]), name


def test_irr_with_an_overflowing_derivative():
    # a GPU at 1.7e308 $: Horner's derivative overflows to inf, whose Newton step is 0 wherever the iterate is;
    # neither path may take that for convergence. The root, by mpmath at 50 digits (a reviewer's check):
    # -0.4996257358 (the arrays stopped at -0.5034146962 before the fix, the floats at -0.4996255055)
    x = {"gpu_price": 1.7e308, "fleet_gpus": 1.0}
    for fuse in (True, False):
        got = model.evaluate({k: np.full(2, v) for k, v in x.items()}, outputs=["project_irr"], fused=fuse)
        assert got["project_irr"] == pytest.approx(np.full(2, -0.4996257358), abs=1e-10), fuse
    assert model.evaluate(x, outputs=["project_irr"])["project_irr"] == pytest.approx(-0.4996257358, abs=1e-10)


def test_switched_off_terms_are_zero_as_on_floats():
    # a flag of 0 switches a term off as the float path does, even an infinite one (gpu_price / 1e-300 years):
    # numpy's rows multiply by the flag and get 0 · inf = nan in year 0
    x = {"depreciation_years": 1e-300}
    one = model.evaluate(x)
    arr = model.evaluate({k: np.full(2, v) for k, v in x.items()}, fused=True)
    for name in fused.PRODUCTS:
        assert agree(float(arr[name][0]), one[name], name), (name, arr[name][0], one[name])
    assert math.isfinite(one["fleet_debt_capacity"]) and one["fleet_min_dscr"] == pytest.approx(1.5)


def test_numbers_do_not_depend_on_batching():
    # fused, a scenario evaluated alone (a 1-element array), in a chunk, or among thousands: the same bits
    x = samples.random_inputs(3000, seed=2)
    whole = model.evaluate(x, outputs=sorted(fused.PRODUCTS), fused=True)
    parts = model.evaluate(x, outputs=sorted(fused.PRODUCTS), chunk=97, threads=2, fused=True)
    for i in (0, 1234, 2999):
        alone = model.evaluate({k: v[i:i + 1] for k, v in x.items()}, outputs=["equity_irr", "project_npv"],
                               fused=True)
        for name in ("equity_irr", "project_npv"):
            assert np.array_equal(alone[name], whole[name][i:i + 1], equal_nan=True), name
    for name in fused.PRODUCTS:
        assert np.array_equal(parts[name], whole[name], equal_nan=True), name


def test_irr_asked_for_or_not_changes_nothing_else():
    x = samples.random_inputs(500, seed=4)
    with_irr = model.evaluate(x, outputs=["equity_irr", "equity_npv", "fleet_min_dscr"], fused=True)
    without = model.evaluate(x, outputs=["equity_npv", "fleet_min_dscr"], fused=True)
    for name in ("equity_npv", "fleet_min_dscr"):
        assert np.array_equal(with_irr[name], without[name], equal_nan=True), name


def test_without_numba_the_line_functions_run():
    # AIE_NUMBA=0 in a fresh process: no numba import, the numpy path, the same numbers to rounding
    code = ("import sys, numpy as np, model; from model import fused, samples; "
            "x = samples.random_inputs(50, seed=1); "
            "r = model.evaluate(x, outputs=['equity_irr', 'project_npv'], fused=True); "
            "assert not fused.available(10**6, True); assert 'numba' not in sys.modules; "
            "np.save(sys.argv[1], np.stack([r['equity_irr'], r['project_npv']]))")
    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"aie-fused-{os.getpid()}.npy"
    env = {**os.environ, "AIE_NUMBA": "0", "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env, cwd=ROOT)
    try:
        slow = np.load(out)
    finally:
        out.unlink(missing_ok=True)
    fast = model.evaluate(samples.random_inputs(50, seed=1), outputs=["equity_irr", "project_npv"], fused=True)
    ok = np.isnan(slow[0]) & np.isnan(fast["equity_irr"]) | (np.abs(slow[0] - fast["equity_irr"]) <= 1e-9)
    assert ok.all()
    assert np.allclose(slow[1], fast["project_npv"], rtol=1e-12, atol=0)


def test_the_first_load_runs_beside_the_outputs_first_writes():
    # a fresh process: the first chunked evaluation that wants the kernel loads it in a second thread while this
    # one writes its outputs for the first time (their page faults); a warm call runs nothing beside; both give
    # the same bits
    code = ("import sys, numpy as np, model; from model import fused, samples; "
            "x = samples.random_inputs(20000, seed=3); seen = []; load = fused.load_during\n"
            "def spy(n, f, tasks):\n"
            "    load(n, f, (seen.append(t) or t for t in tasks))\n"
            "fused.load_during = spy; names = ['equity_irr', 'fleet_debt', 'total_cost_per_gpu_hour']\n"
            "a = model.evaluate(x, outputs=names, chunk=4096); first = len(seen)\n"
            "b = model.evaluate(x, outputs=names, chunk=4096)\n"
            "same = all(np.array_equal(a[k], b[k], equal_nan=True) for k in names)\n"
            "print(first, len(seen), fused.available(20000), same)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    first, total, loaded, same = out.stdout.split()
    assert 1 <= int(first) <= 3 and int(total) == int(first)  # at most one task per output; none when warm
    assert loaded == "True" and same == "True"


def test_two_irrs_in_step_are_each_alone():
    # p1_kernel.irr2 solves a scenario's project and equity IRRs in one loop: each must be irr's own bits, for
    # flows of different lengths (the shorter one's zeros), one or both undefined, zeros inside, −0.0, inf, nan
    from model import p1_kernel

    _, xg, ug = fused._kernel()
    rng = np.random.default_rng(5)

    def flows() -> np.ndarray:
        G = np.zeros(16)
        last = int(rng.integers(0, 16))
        G[1:last + 1] = rng.uniform(0.0, 1.0, last) * 10 ** rng.uniform(-3, 3)
        G[0] = -10 ** rng.uniform(-2, 4)
        k = rng.integers(0, 16)
        G[k] = rng.choice([0.0, -0.0, G[k], G[k], G[k], np.inf, -np.inf, np.nan, 1e308, -G[k]])
        return G

    pairs = 0
    for _ in range(4000):
        G1, G2 = flows(), flows()
        both = p1_kernel.irr2(G1, G2, xg, ug)
        alone = (p1_kernel.irr(G1, xg, ug), p1_kernel.irr(G2, xg, ug))
        assert np.array_equal(both, alone, equal_nan=True), (G1, G2, both, alone)
        pairs += all(math.isfinite(r) for r in alone)
    assert pairs > 500, pairs  # many pairs take the shared loop to its end


def test_outputs_are_arrays_of_their_own():
    # the kernel's buffers serve the next call: what evaluate returns is neither a view of them (a later call
    # would write into it wherever the buffer's reference count read low) nor strided through them
    x1, x2 = samples.random_inputs(300, seed=21), samples.random_inputs(300, seed=22)
    first = model.evaluate(x1, outputs=sorted(fused.PRODUCTS), fused=True)
    kept = {k: v.copy() for k, v in first.items()}
    model.evaluate(x2, outputs=sorted(fused.PRODUCTS), fused=True)
    for name, v in first.items():
        assert v.flags.c_contiguous and v.flags.owndata, name
        assert np.array_equal(v, kept[name], equal_nan=True), name


def test_fused_false_builds_the_rows():
    only = graph.needed(frozenset(["equity_irr"]))
    values = model.resolve_inputs({"gpu_price": np.array([25000.0, 30000.0])})
    assert "fleet_financing" in graph.context(values, only=only, fuse=False)  # the rows were built
    ctx = graph.context(values, only=only, fuse=True)
    assert "fleet_financing" not in ctx and fused.NAME in ctx


def test_the_size_decides_by_default():
    # below MIN_SCENARIOS the numpy path's bits, from it the compiled path's (the two differ in a few ulps)
    x = samples.random_inputs(fused.MIN_SCENARIOS, seed=6)
    small = {k: v[:-1] for k, v in x.items()}
    outs = ["project_npv", "equity_irr"]
    for values, path in ((small, False), (x, True)):
        auto, chosen = model.evaluate(values, outputs=outs), model.evaluate(values, outputs=outs, fused=path)
        for name in outs:
            assert np.array_equal(auto[name], chosen[name], equal_nan=True), (name, path)
    fast, slow = model.evaluate(x, outputs=outs, fused=True), model.evaluate(x, outputs=outs, fused=False)
    # else this test could not tell the paths apart (the IRRs' last bits differ in ~15% of defined scenarios)
    assert not all(np.array_equal(fast[n], slow[n], equal_nan=True) for n in outs)


def test_numpy_booleans_are_booleans():
    x = {"gpu_price": np.array([1e4, 2e4])}
    a = model.evaluate(x, outputs=["equity_irr"], fused=np.True_)["equity_irr"]
    b = model.evaluate(x, outputs=["equity_irr"], fused=True)["equity_irr"]
    assert np.array_equal(a, b, equal_nan=True)
    model.evaluate(x, outputs=["equity_irr"], fused=np.False_)


@pytest.mark.parametrize("bad", ["yes", 1, 0.0, [True], np.array([True, False])])
def test_fused_must_be_a_boolean(bad):
    with pytest.raises(model.InputError, match="fused"):
        model.evaluate({"gpu_price": np.array([1e4, 2e4])}, fused=bad)


def test_ieee_edges_fused_as_on_floats():
    # test_model_core's edge sets (x/0, 0/0, overflow to inf): the same outcome, nan, ±inf or a finite number
    from test_model_core import EDGES

    for overrides in EDGES:
        scalar = model.evaluate(overrides)
        arrays = model.evaluate({k: np.array([v]) for k, v in overrides.items()}, fused=True)
        for name in fused.PRODUCTS:
            a, b = scalar[name], float(arrays[name][0])
            assert (math.isnan(a) and math.isnan(b)) or a == b or (
                math.isfinite(a) and math.isfinite(b) and agree(a, b, name)), (overrides, name, a, b)


def test_numba_only_for_p1():
    # 10,000 scenarios of a cost line (no P1 output) do not import numba: a UDF server or a sweep of costs
    # stays lean (numba's objects also slow every later full garbage collection a little); P1 outputs do
    code = ("import sys, numpy as np, model; p = np.linspace(2e4, 4e4, 10000); "
            "model.evaluate({'gpu_price': p}, outputs=['total_cost_per_gpu_hour']); a = 'numba' in sys.modules; "
            "model.evaluate({'gpu_price': p}, outputs=['equity_irr']); print(a, 'numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.stdout.split() == ["False", "True"]


def test_each_output_alone_as_in_the_full_evaluation():
    # the kernel skips what unasked-for outputs need (financing, IRRs, present values; all but the market
    # prices when only the levelized rent is read): each output that goes through it, asked for alone or with
    # others, has the full evaluation's bits
    x = samples.random_inputs(2000, seed=8)
    full = model.evaluate(x, fused=True)
    through = [n for n in OUTPUTS if n in fused.PRODUCTS or graph.fused_plan(graph.needed(frozenset([n])))]
    assert "economic_cost_per_hour" in through and "fleet_gearing" in through
    for name in through:
        alone = model.evaluate(x, outputs=[name], fused=True)[name]
        assert np.array_equal(alone, full[name], equal_nan=True), name
    pair = model.evaluate(x, outputs=["rent_levelized_per_gpu_hour", "fleet_revenue_total"], fused=True)
    for name, v in pair.items():
        assert np.array_equal(v, full[name], equal_nan=True), name


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                                  HealthCheck.data_too_large])
@given(values=array_inputs())
def test_fused_equals_floats_at_the_domains_edges(values):
    # test_model_properties' strategy (every input over its domain, its closed ends included), compiled P1 this
    # time; the same comparison with the float path, scenario by scenario
    res = model.evaluate(values, fused=True)
    for i in range(N):
        one = model.evaluate({k: float(v[i]) for k, v in values.items()})
        for name, v in one.items():
            assert _same(float(res[name][i]), v, name), f"{name}[{i}]: fused {res[name][i]!r} vs floats {v!r}"
