"""Evaluation machinery: evaluating only what an output reads gives the same number; the plain-float
path and the numpy path agree where IEEE rules matter (x/0, overflow)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_model_cases import P1_DEGENERATE

import model
from model.registry import OUTPUTS


@pytest.mark.parametrize("template", ["seed", "coreweave", "h200"])
def test_subset_equals_full(template):
    values = model.resolve_inputs({}, template)
    full = model.compute(values)
    for name in OUTPUTS:
        got = model.compute(values, (name,))[name]
        assert got == full[name] or (math.isnan(got) and math.isnan(full[name])), name


def test_subset_with_arrays():
    values = model.resolve_inputs({"batch_size": np.array([1.0, 64.0, 4096.0])})
    full = model.compute(values)
    sub = model.compute(values, ("cost_per_m_output_tokens", "reserved_swap_npv_per_gpu"))
    np.testing.assert_array_equal(sub["cost_per_m_output_tokens"], full["cost_per_m_output_tokens"])
    assert sub["reserved_swap_npv_per_gpu"].shape == (3,)


def test_context_on_arrays_walks_every_output_and_leaves_the_one_scenario_checks_out():
    # the checks test one scenario (a truth value): a walk over every node on arrays once raised ValueError in D2
    from model import graph
    from model.registry import CHECKS

    values = model.resolve_inputs({"kv_gb_per_sequence": np.array([0.125, 0.25])})
    ctx = graph.context(values, until="fleet_operations")
    assert ctx["effective_batch"].tolist() == [64.0, 64.0]
    full = graph.context(values)
    assert not set(CHECKS) & set(full) and set(OUTPUTS) <= set(full)
    assert set(CHECKS) <= set(graph.context(model.resolve_inputs()))  # one scenario: the checks run too


# cases where a plain float would raise (0/0, x/0, overflow) and numpy gives inf or nan
EDGES = [
    {"rental_price_per_gpu_hour": 0.27323561643835614},  # cash margin exactly 0: payback undefined
    # all-equity at a zero cost of equity: wacc = 0 (and every debt rate 0)
    {"equity_share": 1.0, "cost_of_equity": 0.0, "base_rate": 0.0, "spread_contracted": 0.0, "spread_uncontracted": 0.0},
    {"price_then_per_m": 1e300, "price_now_per_m": 1e-300, "price_decline_years": 0.1},  # overflow to inf
]


@pytest.mark.parametrize("overrides", EDGES)
def test_scalar_path_matches_array_path_at_ieee_edges(overrides):
    scalar = model.evaluate(overrides)
    arrays = model.evaluate({k: np.array([v]) for k, v in overrides.items()})
    for name in OUTPUTS:
        a, b = scalar[name], float(arrays[name][0])
        # the IEEE outcome (nan, ±inf, finite) must be the same on both paths; finite values agree to
        # rounding (the array path carries yearly factors, the scalar path raises powers: sums differ in ulps)
        assert (math.isnan(a) and math.isnan(b)) or a == b or (
            math.isfinite(a) and math.isfinite(b) and math.isclose(a, b, rel_tol=1e-12)), (name, a, b)


def test_payback_undefined_at_zero_margin():
    # cash cost at seed: 0.7*1.2*0.035 + 150*0.7/730 + 0.10; a price equal to it leaves no margin
    cash = 0.7 * 1.2 * 0.035 + 150 * 0.7 / 730 + 0.10
    assert math.isnan(model.evaluate({"rental_price_per_gpu_hour": cash})["gpu_payback_years"])


# P1's rows on arrays (model/lines/project_arrays.py) against the plain-float rows (model/lines/project.py, whose
# rows the hand cases of test_model_cases.py check), scenario by scenario and row by row, helper rows included: the
# seed and test_model_cases.P1_DEGENERATE, then random scenarios. The outputs are compared elsewhere; the rows only
# some outputs read (drawdown, invested, corkscrew and bridge gaps, present values, the IRR search) are compared here.
P1_ROW_CASES = [{}, *P1_DEGENERATE]


def _array_rows(arrays: dict, n: int) -> dict:
    from model import graph
    from model.registry import BLOCKS

    ctx = graph.context(model.resolve_inputs(arrays), until="fleet_financing")
    fin = BLOCKS["fleet_financing"]
    ctx["fleet_financing"] = fin.func(*(ctx[p] for p in fin.params), keep_rows=True)
    return {r.key: np.stack([np.broadcast_to(np.asarray(v, dtype=float), (n,)) for v in ctx[b][r.key]])
            for b in ("fleet_operations", "fleet_financing") for r in BLOCKS[b].rows}  # years × scenarios


def _rows_agree(scenarios: list[dict]) -> None:
    seed = model.resolve_inputs({})
    names = sorted({k for row in scenarios for k in row})
    arrays = {k: np.array([row.get(k, seed[k]) for row in scenarios], dtype=float) for k in names}
    if not arrays:  # the seed alone
        arrays = {"gpu_price": np.array([seed["gpu_price"]] * len(scenarios))}
    rows = _array_rows(arrays, len(scenarios))
    for i, row in enumerate(scenarios):
        sched = model.project_schedule(row)
        scale = max(1.0, float(sched["opening"].abs().max()), abs(float(sched.loc[0, "project_cash_flow"])))
        for key, got in rows.items():
            if key == "period":  # not in the schedule: the workbook's column counter, 1..16 (year + 1)
                assert got[:, i].tolist() == list(range(1, 17))
                continue
            want = (sched.index if key == "year" else sched[key]).to_numpy(dtype=float)
            close = np.isclose(got[:, i], want, rtol=1e-9, atol=1e-12 * scale, equal_nan=True)
            where = row if len(row) <= 6 else f"scenario {i}"
            assert close.all(), (f"{where}: {key} year {int(np.argmin(close))}: arrays {got[:, i].tolist()} "
                                 f"vs floats {want.tolist()}")


def test_every_p1_row_on_arrays_equals_the_plain_float_row():
    _rows_agree(P1_ROW_CASES)


def test_every_p1_row_on_arrays_equals_the_plain_float_row_on_random_scenarios():
    from model import samples

    x = samples.random_inputs(60, seed=11)
    _rows_agree([{k: float(v[i]) for k, v in x.items()} for i in range(60)])


def test_sign_rows_on_a_list_of_arrays_by_hand():
    from model.finance import sign_rows

    # three scenarios by year: [-5, 0, 3, 2, -1] (the docstring's), [5, -1, 2, nan, 4] (nan carries the sign on),
    # all zero (no sign at all)
    flows = [np.array([-5.0, 5.0, 0.0]), np.array([0.0, -1.0, 0.0]), np.array([3.0, 2.0, 0.0]),
             np.array([2.0, np.nan, 0.0]), np.array([-1.0, 4.0, 0.0])]
    signs, flips = sign_rows(flows, "test.sign_rows")
    assert np.array(signs).T.tolist() == [[-1, -1, 1, 1, -1], [1, -1, 1, 1, 1], [0, 0, 0, 0, 0]]
    assert np.array(flips).T.tolist() == [[0, 0, 1, 0, 1], [0, 1, 1, 0, 0], [0, 0, 0, 0, 0]]


def test_p1_timing_rows_on_floats_by_hand():
    from model import graph
    from model.registry import BLOCKS

    ops = BLOCKS["fleet_operations"]
    ctx = graph.context(model.resolve_inputs({"economic_life_years": 4, "contract_years": 2,
                                              "fleet_debt_tenor_years": 3}), until="fleet_operations")
    rows = ops.func(*(ctx[p] for p in ops.params), keep_rows=True)
    assert rows["period"] == [float(t) for t in range(1, 17)] and rows["year"] == [float(t) for t in range(16)]
    assert rows["start"] == [1.0] + [0.0] * 15
    assert rows["life"] == [0.0] + [1.0] * 4 + [0.0] * 11
    assert rows["contract"] == [0.0, 1.0, 1.0] + [0.0] * 13
    assert rows["debt"] == [0.0] + [1.0] * 3 + [0.0] * 12
    assert rows["last"] == [0.0] * 4 + [1.0] + [0.0] * 11
