"""Chunked evaluation gives the same numbers as one pass; evaluate(outputs=[...]) equals the full result's
entries; Monte Carlo in chunks and blocks gives the same samples and percentiles; the array IRR agrees with
the scalar one. No timings here: bench/run.py measures speed."""

from __future__ import annotations

import math

import numpy as np
import pytest

import model
from model import samples
from model.registry import OUTPUTS


def random_inputs(n: int, seed: int) -> dict[str, np.ndarray]:
    return samples.random_inputs(n, seed)


def same(a: np.ndarray, b: np.ndarray) -> bool:
    return np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize(("n", "chunk"), [(1000, 7), (1000, 333), (1000, 1000), (1001, 64), (1, 1), (1, 5), (5, 2)])
def test_chunked_equals_one_pass(n, chunk):
    x = random_inputs(n, seed=n + chunk)
    whole = model.evaluate(x, chunk=None)
    parts = model.evaluate(x, chunk=chunk)
    assert list(parts) == list(OUTPUTS)
    for name in OUTPUTS:
        assert parts[name].shape == (n,) and parts[name].dtype == float, name
        assert same(parts[name], whole[name]), name


def test_chunked_with_scalars_and_one_array():
    prices = np.linspace(15000, 40000, 101)
    whole = model.evaluate({"gpu_price": prices}, chunk=None)
    parts = model.evaluate({"gpu_price": prices}, chunk=10)
    for name in OUTPUTS:
        assert parts[name].shape == (101,)
        assert same(parts[name], whole[name]), name


def test_chunked_error_names_the_index_in_the_whole_array():
    kv = np.full(50, 0.5)
    kv[37] = 1e6  # does not fit
    with pytest.raises(model.InputError) as one:
        model.evaluate({"kv_gb_per_sequence": kv}, chunk=None)
    with pytest.raises(model.InputError) as many:
        model.evaluate({"kv_gb_per_sequence": kv}, chunk=8)
    assert "at index 37" in str(one.value)
    assert str(many.value) == str(one.value)


def test_a_grid_is_chunked_as_its_cells_with_its_shape_and_indices(monkeypatch):
    # prices down the rows, utilizations across: capex = gpu_price / (depreciation_years · 8760), by hand;
    # 40 × 30 = 1,200 cells in chunks of 7; a cell that does not fit is named (row, column), as in one pass
    prices = np.linspace(15000, 40000, 40)[:, None]
    util = np.linspace(0.3, 1.0, 30)[None, :]
    whole = model.evaluate({"gpu_price": prices, "gpu_utilization": util}, chunk=None)
    passes, context = [], model.graph.context
    monkeypatch.setattr(model.graph, "context", lambda v, **kw: passes.append(
        {np.shape(x) for x in v.values()}) or context(v, **kw))
    parts = model.evaluate({"gpu_price": prices, "gpu_utilization": util}, chunk=7, threads=3)
    assert len(passes) == math.ceil(1200 / 7) and all(p <= {(), (7,), (1200 % 7,)} for p in passes)
    np.testing.assert_allclose(parts["capex_per_gpu_hour"], np.broadcast_to(prices / (3 * 8760), (40, 30)),
                               rtol=1e-14)
    for name in OUTPUTS:
        assert parts[name].shape == (40, 30) and parts[name].flags.c_contiguous, name
        assert whole[name].flags.c_contiguous, name  # one pass too, though some lines come out in Fortran order
        assert same(parts[name], whole[name]), name
    kv = np.full((6, 5), 0.5)
    kv[4, 2] = 1e6
    with pytest.raises(model.InputError) as one:
        model.evaluate({"kv_gb_per_sequence": kv, "gpu_price": prices[:6]}, chunk=None)
    with pytest.raises(model.InputError) as many:
        model.evaluate({"kv_gb_per_sequence": kv, "gpu_price": prices[:6]}, chunk=4)
    assert "at index (4, 2)" in str(one.value) and str(many.value) == str(one.value)
    # the cell in the grid, whichever input decides the fit: a row of KV sizes against a column of prices
    kv_row = np.full(5, 0.5)
    kv_row[2] = 1e6
    for chunk in (None, 4):
        with pytest.raises(model.InputError, match=r"at index \(0, 2\):"):
            model.evaluate({"kv_gb_per_sequence": kv_row, "gpu_price": prices[:6]}, chunk=chunk)


def test_threads_give_the_same_numbers():
    x = random_inputs(3000, seed=7)
    one = model.evaluate(x, chunk=250, threads=1)
    many = model.evaluate(x, chunk=250, threads=3)
    for name in OUTPUTS:
        assert same(many[name], one[name]), name


def test_threaded_error_names_the_first_bad_scenario():
    """Chunks finish in any order; the error is always the first bad scenario's."""
    kv = np.full(2000, 0.5)
    kv[[1990, 37, 1500]] = 1e6  # three scenarios that do not fit, in three chunks
    for _ in range(5):
        with pytest.raises(model.InputError, match="at index 37"):
            model.evaluate({"kv_gb_per_sequence": kv}, chunk=16, threads=4)


def test_large_inputs_checked_on_threads_report_the_first_bad_input():
    """From core.PARALLEL_CHECKS values the inputs are checked on threads; the error is still the first bad
    input's, in the order given, as one by one."""
    from model import core

    n = core.PARALLEL_CHECKS // 2 + 1  # two inputs: past the threshold together
    price, tax = np.full(n, 30000.0), np.full(n, 0.2)
    price[n - 1], tax[3] = -5.0, 1.5
    for order in ((("gpu_price", price), ("tax_rate", tax)), (("tax_rate", tax), ("gpu_price", price))):
        first = order[0][0]
        with pytest.raises(model.InputError, match=rf"^{first}\[") as big:
            model.resolve_inputs(dict(order))
        with pytest.raises(model.InputError) as small:
            model.resolve_inputs({k: v[:10] if k == "tax_rate" else v[n - 10:] for k, v in order})
        assert str(big.value).split("]")[1] == str(small.value).split("]")[1]  # the same value and domain text
    good = model.resolve_inputs({"gpu_price": np.full(n, 30000.0), "tax_rate": np.full(n, 0.2)})
    assert good["gpu_price"].shape == (n,) and good["tax_rate"][0] == 0.2


@pytest.mark.parametrize("outputs", [["project_irr"], ["capex_per_gpu_hour", "wacc"], ["token_revenue_per_replica_hour"]])
def test_a_model_that_does_not_fit_is_bad_input_whatever_is_asked_for(outputs):
    # MODEL.md: the model must fit (effective_batch ≥ 1), bad input like a segment share that does not add up;
    # the workbook fails its master check whichever line one reads. One scenario, and the scenario among others
    with pytest.raises(model.InputError, match="does not fit in memory"):
        model.evaluate({"kv_gb_per_sequence": 1e6}, outputs=outputs)
    kv = np.full(20, 0.5)
    kv[13] = 1e6
    with pytest.raises(model.InputError, match="does not fit in memory.*index 13"):
        model.evaluate({"kv_gb_per_sequence": kv}, outputs=outputs)
    assert set(model.evaluate({"kv_gb_per_sequence": 0.5}, outputs=outputs)) == set(outputs)


@pytest.mark.parametrize("big", [False, True])
def test_an_unknown_name_is_reported_in_its_place(big):
    # a bad value before an unknown name is the error, and the other way round, one scenario or a million
    from model import core

    n = core.PARALLEL_CHECKS if big else 1
    bad = np.full(n, -5.0) if big else -5.0
    with pytest.raises(model.InputError, match=r"^gpu_price"):
        model.resolve_inputs({"gpu_price": bad, "gpu_prize": 1.0})
    with pytest.raises(model.InputError, match="unknown input 'gpu_prize'"):
        model.resolve_inputs({"gpu_prize": 1.0, "gpu_price": bad})


# one scenario too: a call that works on a float must not fail on an array because of these arguments
@pytest.mark.parametrize("price", [np.linspace(1e4, 4e4, 40), 25000.0])
@pytest.mark.parametrize("threads", [0, -1, 1.5, True])
def test_bad_threads(threads, price):
    with pytest.raises(model.InputError, match=r"threads = .*: expected a whole number ≥ 1"):
        model.evaluate({"gpu_price": price}, chunk=8, threads=threads)


@pytest.mark.parametrize("price", [np.array([20000.0, 30000.0]), 25000.0])
@pytest.mark.parametrize("chunk", [0, -1, 2.5, True])
def test_bad_chunk(chunk, price):
    with pytest.raises(model.InputError, match=r"chunk = .*: expected a whole number ≥ 1"):
        model.evaluate({"gpu_price": price}, chunk=chunk)


SUBSET = ["cost_per_m_output_tokens", "rental_gross_margin", "project_irr", "equity_irr"]


@pytest.mark.parametrize("outputs", [SUBSET, ["capex_per_gpu_hour"], ["equity_multiple", "fleet_min_dscr"],
                                     list(OUTPUTS)])
def test_evaluate_outputs_equals_full_entries(outputs):
    x = random_inputs(777, seed=5)
    full = model.evaluate(x)
    sub = model.evaluate(x, outputs=outputs, chunk=100)
    assert list(sub) == outputs
    for name in outputs:
        assert same(sub[name], full[name]), name
    one = {k: float(v[3]) for k, v in x.items()}
    scalar_full = model.evaluate(one)
    scalar_sub = model.evaluate(one, outputs=outputs)
    for name in outputs:
        a, b = scalar_sub[name], scalar_full[name]
        assert isinstance(a, float) and (a == b or (math.isnan(a) and math.isnan(b))), name


def test_evaluate_unknown_output():
    with pytest.raises(model.InputError):
        model.evaluate(outputs=["no_such_output"])


def test_array_irr_matches_scalar_irr():
    x = random_inputs(400, seed=11)
    res = model.evaluate(x, outputs=["project_irr", "equity_irr"], chunk=64)
    defined = 0
    for i in range(400):
        one = model.evaluate({k: float(v[i]) for k, v in x.items()}, outputs=["project_irr", "equity_irr"])
        for name, v in one.items():
            a = float(res[name][i])
            assert (math.isnan(a) and math.isnan(v)) or abs(a - v) <= 1e-9, (name, i, a, v)
            defined += not math.isnan(v)
    assert defined > 50  # the comparison covers defined IRRs, not only undefined ones


def test_finance_irr_textbook_arrays():
    from model.finance import irr

    flows = [np.array([-100.0, -100.0, 100.0, -100.0]), np.array([60.0, 60.0, -60.0, 0.0]),
             np.array([60.0, -60.0, -60.0, 0.0])]
    flips = np.array([1.0, 2.0, 1.0, 0.0])
    r = irr(flows, flips)
    assert r[0] == pytest.approx(0.1306623863, abs=1e-10)
    assert math.isnan(r[1]) and math.isnan(r[3])
    assert r[2] == pytest.approx(irr([100.0, -60.0, -60.0], 1.0), abs=1e-12)


MC_SPEC = {"settings": {"n": 30_000, "seed": 4, "outputs": ["equity_irr", "cost_per_m_output_tokens"]},
           "inputs": {"gpu_price": {"dist": "triangular", "low": 20000, "mode": 25000, "high": 32000},
                      "rental_price_per_gpu_hour": {"dist": "uniform", "low": 1.5, "high": 3.5},
                      "serving_utilization": {"dist": "uniform", "low": 0.6, "high": 0.95}}}


def test_monte_carlo_chunks_give_the_same_percentiles():
    from model import sweeps

    one = sweeps.monte_carlo(MC_SPEC, chunk=30_000)
    many = sweeps.monte_carlo(MC_SPEC, chunk=4_099)
    assert one.samples.equals(many.samples)
    assert one.summary.equals(many.summary)


def test_monte_carlo_blocks_bound_memory_and_keep_the_statistics(monkeypatch):
    from model import sweeps
    from model.sweeps import montecarlo

    whole = sweeps.monte_carlo(MC_SPEC, chunk=5_000)
    monkeypatch.setattr(montecarlo, "BLOCK", 7_000)  # draws in blocks of 7,000: other samples, same law
    blocks = sweeps.monte_carlo(MC_SPEC, chunk=3_000)
    assert list(blocks.samples.columns) == ["equity_irr", "cost_per_m_output_tokens"]  # inputs not kept
    again = sweeps.monte_carlo(MC_SPEC, chunk=5_000, keep_inputs=True)
    assert again.samples[["equity_irr", "cost_per_m_output_tokens"]].equals(blocks.samples)
    assert list(again.samples.columns)[:3] == ["gpu_price", "rental_price_per_gpu_hour", "serving_utilization"]
    # the drawn inputs still give the kept outputs
    check = model.evaluate({k: again.samples[k].to_numpy() for k in ("gpu_price", "rental_price_per_gpu_hour",
                                                                      "serving_utilization")},
                           outputs=["cost_per_m_output_tokens"])
    assert np.array_equal(check["cost_per_m_output_tokens"], again.samples["cost_per_m_output_tokens"].to_numpy())
    for name in ("equity_irr", "cost_per_m_output_tokens"):
        a, b = whole.summary.loc[name], blocks.summary.loc[name]
        assert b["p50"] == pytest.approx(a["p50"], rel=0.05), name
