"""Sweeps, tornado and Monte Carlo (model/sweeps/) and their commands (cli/sweeps.py).

Expected values come from MODEL.md's formulas worked by hand here, from closed-form
distribution facts, or from an independent simulation written in this file (its own numpy
seed, its own draws, the output computed by hand) -- never from the code under test.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from cli import sweeps as cli_sweeps
from model import InputError, sweeps
from model.registry import INPUTS, OUTPUTS

ROOT = Path(__file__).resolve().parent.parent
H = 8760
SHARES = ("share_hobbyist", "share_growth", "share_enterprise", "share_batch")

# seed D1 figures by hand
SEED_TOTAL = 25000 / (3 * H) + 0.7 * 1.2 * 0.035 + 150 * 0.7 / 730 + 2600 / (3 * H) + 0.10
# seed D2 by hand: weight 16 GB on one 80 GB GPU, batch 64, memory-bound decode step
SEED_TPS = 64 / max((16 + 64 * 0.125) / (3.35 * 1000 * 0.8), 2 * 8 * 64 / (989 * 1000 * 0.5))


def cost_per_m_output(total=SEED_TOTAL, tps=SEED_TPS, u=0.85, m=1.0):
    return total * 1e6 / (tps * m * 3600 * u)


def total_cost(gpu_price=25000.0, power_price=0.035, depreciation=3.0):
    return gpu_price / (depreciation * H) + 0.7 * 1.2 * power_price + 150 * 0.7 / 730 + 2600 / (3 * H) + 0.10


@pytest.fixture
def calls(monkeypatch):
    """Count the model.evaluate calls the sweeps make (each must be one vectorised call)."""
    seen = []
    real = sweeps.evaluate

    def counting(inputs=None, template="seed", **kw):
        seen.append({k: np.shape(v) for k, v in (inputs or {}).items()})
        return real(inputs, template, **kw)

    monkeypatch.setattr(sweeps, "evaluate", counting)
    return seen


# --------------------------------------------------------------------------------------
# one-way and two-way
# --------------------------------------------------------------------------------------

def test_one_way_capex_is_price_over_hours(calls):
    values = [10000, 20000, 25000, 40000]
    frame = sweeps.one_way("gpu_price", values, outputs=["capex_per_gpu_hour", "power_per_gpu_hour"])
    assert frame.index.name == "gpu_price"
    assert list(frame.index) == values
    assert list(frame.columns) == ["capex_per_gpu_hour", "power_per_gpu_hour"]
    np.testing.assert_allclose(frame["capex_per_gpu_hour"], np.array(values) / (3 * H), rtol=1e-12)
    np.testing.assert_allclose(frame["power_per_gpu_hour"], 0.7 * 1.2 * 0.035, rtol=1e-12)
    assert len(calls) == 1 and calls[0]["gpu_price"] == (4,)


def test_one_way_range_defaults_and_base_inputs():
    frame = sweeps.one_way("depreciation_years", lo=2, hi=6, n=5, inputs={"gpu_price": 30000})
    assert list(frame.columns) == list(OUTPUTS)
    np.testing.assert_allclose(frame.index, [2, 3, 4, 5, 6])
    np.testing.assert_allclose(frame["capex_per_gpu_hour"], 30000 / (np.array([2, 3, 4, 5, 6]) * H), rtol=1e-12)


def test_one_way_integer_range_is_rounded_and_deduplicated():
    frame = sweeps.one_way("contract_years", lo=1, hi=4, n=7, outputs="reserved_contract_price_per_hour")
    assert list(frame.index) == [1, 2, 3, 4]


@pytest.mark.parametrize("kwargs, fragment", [
    ({"input": "gpu_prise", "values": [1]}, "unknown input 'gpu_prise'"),
    ({"input": "capex_per_gpu_hour", "values": [1]}, "it is an output"),
    ({"input": "gpu_price", "values": [1], "outputs": ["nope"]}, "unknown output 'nope'"),
    ({"input": "gpu_price", "values": [-1, 5]}, "gpu_price[0] = -1.0 is outside its domain"),
    ({"input": "batch_size", "values": [1, 2.5]}, "integer 1..4096"),
    ({"input": "share_batch", "values": [0.1]}, "must sum to 1"),
    ({"input": "gpu_price", "lo": 3, "hi": 1, "n": 3}, "must be below hi"),
    ({"input": "gpu_price", "lo": 1, "hi": 3, "n": 1}, "n = 1"),
    ({"input": "gpu_price", "values": [1], "lo": 1}, "not both"),
    ({"input": "gpu_price"}, "give values"),
    # a swept value whose model does not fit is named by its value (it said "at index 1"), as two_way names a cell
    ({"input": "kv_gb_per_sequence", "values": [0.1, 1e6], "outputs": "wacc"},
     "one-way sweep: the model does not fit in memory for kv_gb_per_sequence = 1000000:"),
])
def test_one_way_bad_input(kwargs, fragment):
    with pytest.raises(InputError) as e:
        sweeps.one_way(**kwargs)
    assert fragment in str(e.value)


def test_two_way_cost_scales_inversely_with_utilization_and_speedup(calls):
    us = [0.3, 0.5, 0.85, 1.0]
    ms = [1, 2, 4]
    grid = sweeps.two_way("serving_utilization", us, "optimization_multiplier", ms, "cost_per_m_output_tokens")
    assert grid.shape == (4, 3)
    assert grid.index.name == "serving_utilization" and grid.columns.name == "optimization_multiplier"
    base = cost_per_m_output()
    for u in us:
        for m in ms:
            assert grid.loc[u, m] == pytest.approx(base * (0.85 / u) * (1.0 / m), rel=1e-12)
            assert grid.loc[u, m] == pytest.approx(cost_per_m_output(u=u, m=m), rel=1e-12)
    assert len(calls) == 1  # the 12 cells as one vector, row by row (evaluate chunks one-dimensional arrays)
    assert calls[0]["serving_utilization"] == (12,) and calls[0]["optimization_multiplier"] == (12,)


def test_two_way_grid_larger_than_a_chunk_keeps_its_layout(calls):
    # 150 × 120 = 18,000 cells, more than one chunk of 16,384: capex = gpu_price / (depreciation_years · 8760)
    prices = np.linspace(10000, 40000, 150)
    years = np.linspace(1, 7, 120)
    grid = sweeps.two_way("gpu_price", prices, "depreciation_years", years, "capex_per_gpu_hour")
    np.testing.assert_allclose(grid.to_numpy(), prices[:, None] / (years[None, :] * H), rtol=1e-14)
    assert len(calls) == 1 and calls[0]["gpu_price"] == (18000,)


def test_two_way_cell_that_does_not_fit_is_named_by_its_row_and_column():
    # one sequence's KV cache of 500 GB on an 80 GB GPU: not one sequence fits, whatever the price
    with pytest.raises(InputError) as e:
        sweeps.two_way("kv_gb_per_sequence", [0.125, 500], "gpu_price", [20000, 30000], "cost_per_m_output_tokens")
    assert str(e.value).startswith("two-way sweep: the model does not fit in memory for kv_gb_per_sequence = 500, "
                                   "gpu_price = 20000: effective_batch = 0")


def test_two_way_bad_input():
    with pytest.raises(InputError, match="both gpu_price"):
        sweeps.two_way("gpu_price", [1], "gpu_price", [2], "capex_per_gpu_hour")
    with pytest.raises(InputError, match="unknown output"):
        sweeps.two_way("gpu_price", [1], "pue", [2], "capex")


# --------------------------------------------------------------------------------------
# tornado
# --------------------------------------------------------------------------------------

def test_tornado_capex_swings_by_hand(calls):
    t = sweeps.tornado("capex_per_gpu_hour", pct=0.1)
    assert len(calls) == 1
    assert list(t.columns[:7]) == ["input", "base_value", "low_value", "high_value", "output_at_low",
                                   "output_at_high", "swing"]
    assert set(t["input"]) == set(INPUTS) - set(SHARES)  # shares cannot move alone
    assert list(t["input"][:2]) == ["depreciation_years", "gpu_price"]
    dep = t.set_index("input").loc["depreciation_years"]
    assert (dep.low_value, dep.high_value) == pytest.approx((2.7, 3.3))
    assert dep.swing == pytest.approx(-25000 / H * (1 / 2.7 - 1 / 3.3), rel=1e-12)
    price = t.set_index("input").loc["gpu_price"]
    assert price.swing == pytest.approx(2 * 0.1 * 25000 / (3 * H), rel=1e-12)
    assert (t["swing"].iloc[2:] == 0).all()  # nothing else feeds capex_per_gpu_hour
    assert t.attrs["base_output"] == pytest.approx(25000 / (3 * H), rel=1e-12)
    assert list(t.index) == list(range(1, len(t) + 1))


def test_tornado_clips_moves_into_the_domain():
    t = sweeps.tornado("cost_per_sold_gpu_hour", inputs=["gpu_utilization", "pue", "batch_size", "contract_years"],
                       pct=0.1, base={"pue": 1.05}).set_index("input")
    util = t.loc["gpu_utilization"]
    assert (util.low_value, util.high_value) == pytest.approx((0.9, 1.0))  # 1.0 + 10% clipped to 1
    total = total_cost() + 0.7 * (1.05 - 1.2) * 0.035
    assert util.output_at_high == pytest.approx(total, rel=1e-12)
    assert util.swing == pytest.approx(total - total / 0.9, rel=1e-12)
    assert t.loc["pue"].low_value == 1.0  # 1.05 - 10% clipped to the domain's ≥1
    assert (t.loc["batch_size"].low_value, t.loc["batch_size"].high_value) == (58, 70)  # rounded integers
    assert t.loc["contract_years"].swing == 0  # 3 ± 10% rounds back to 3
    assert t.loc["batch_size"].swing == 0  # batch size does not enter the GPU-hour cost
    # which moves were shortened: 1.1 and 0.945 clipped, 57.6 and 70.4 rounded, 2.7 and 3.3 rounded to 3
    assert t["clipped"].to_dict() == {"gpu_utilization": True, "pue": True, "batch_size": True,
                                      "contract_years": True}
    # ±50%: 12,500 and 37,500; batch 32 and 96, whole already; 1.5 and 4.5 years rounded to 2 and 5
    half = sweeps.tornado("cost_per_sold_gpu_hour", inputs=["gpu_price", "batch_size", "economic_life_years"],
                          pct=0.5).set_index("input")
    assert half["clipped"].to_dict() == {"gpu_price": False, "batch_size": False, "economic_life_years": True}


def test_cli_tornado_says_which_moves_were_clipped(capsys):
    """The table's header says ±10%; where the domain stopped a move (utilization 1 + 10%, pue 1.05 − 10%) the
    note below the table names the input; a full move is not named, nor a move of an input the output does not
    read (batch size, rounded to whole numbers, has no bar to shorten)."""
    assert run_cli(["tornado", "--output", "cost_per_sold_gpu_hour", "--input", "gpu_utilization", "--input", "pue",
                    "--input", "gpu_price", "--input", "batch_size", "--set", "pue=1.05"]) == 0
    note = capsys.readouterr().out.strip().splitlines()[-1]
    clipped = note.split("; ")[-1]
    assert clipped.endswith("moved less than ±10% at one end or both: clipped into their domains, or rounded to a "
                            "whole number"), note
    assert set(clipped.split(" moved")[0].split(", ")) == {"gpu_utilization", "pue"}, note


def test_tornado_range_mode_and_explicit_ranges():
    t = sweeps.tornado("residual_value", inputs=["residual_case", "gpu_price", "residual_base"], mode="range",
                       ranges={"gpu_price": (20000, 30000)}).set_index("input")
    case = t.loc["residual_case"]
    assert (case.low_value, case.high_value, case.basis) == (1, 3, "domain")
    assert case.swing == pytest.approx(25000 * (0.05 - 0.40))  # bull -> bear at the seed's $25K
    price = t.loc["gpu_price"]
    assert price.basis == "range" and price.swing == pytest.approx(10000 * 0.20)
    assert t.loc["residual_base"].swing == pytest.approx(25000 * 1.0)  # [0, 1]


def test_tornado_ranks_a_move_that_leaves_the_output_undefined_by_its_defined_end():
    # payback = (gpu_price + network) / ((rental · utilization − cash cost) · hours), undefined where the bracket
    # is ≤ 0: rental at $0.10 is below the seed's cash cost (~$0.27), so that end is n/a; its other end ($4.40)
    # moves payback from 1.64 to 27,600 / ((4.40 − 0.273) · 8,760) = 0.76 years, 0.87 below the base, more than
    # gpu_price's 20,000 → 30,000 swing of 10,000 / ((2.20 − 0.273) · 8,760) = 0.59: rental ranks first, not last
    t = sweeps.tornado("gpu_payback_years", inputs=["gpu_price", "rental_price_per_gpu_hour", "pue"],
                       ranges={"gpu_price": (20000, 30000), "rental_price_per_gpu_hour": (0.1, 4.4)})
    assert list(t["input"]) == ["rental_price_per_gpu_hour", "gpu_price", "pue"]
    rental = t.iloc[0]
    assert np.isnan(rental.output_at_low) and np.isnan(rental.swing)
    assert t.attrs["base_output"] - rental.output_at_high == pytest.approx(0.87, abs=0.01)
    assert t.iloc[1].swing == pytest.approx(0.59, abs=0.01)


def test_cli_tornado_counts_the_undefined_ends(capsys):
    # rental 0.30 at utilization 0.95: 0.285 $/h, just above the seed's cash cost (~0.273); utilization 10% lower,
    # 0.2565, is below it: payback n/a at that end, the other end (1.0: 0.30) ranks it above gpu_price (±10%)
    sets = ["--set", "rental_price_per_gpu_hour=0.3", "--set", "gpu_utilization=0.95"]
    assert run_cli(["tornado", "--output", "gpu_payback_years", "--input", "gpu_price", *sets]) == 0
    assert "undefined" not in capsys.readouterr().out
    assert run_cli(["tornado", "--output", "gpu_payback_years", "--input", "gpu_price", "--input", "gpu_utilization",
                    *sets]) == 0
    out = capsys.readouterr().out
    ranked = [w[1] for w in (line.split() for line in out.splitlines()) if len(w) > 1 and w[0] in ("1", "2")]
    assert ranked == ["gpu_utilization", "gpu_price"]
    assert ("0 of 2 have swing 0 (within 1e-12 of the base); 1 leaves gpu_payback_years undefined (n/a) at one end, "
            "ranked by") in out
    # rental 0.26 at utilization 1: the base itself is n/a (0.26 < cash cost); rental +10% (0.286) is defined at its
    # high end, and ranks before the inputs whose moves leave payback n/a at both ends, whatever their order
    assert run_cli(["tornado", "--output", "gpu_payback_years", "--input", "gpu_price", "--input",
                    "rental_price_per_gpu_hour", "--input", "pue", "--set", "rental_price_per_gpu_hour=0.26",
                    "--set", "gpu_utilization=1"]) == 0
    out = capsys.readouterr().out
    ranked = [w[1] for w in (line.split() for line in out.splitlines()) if len(w) > 1 and w[0] in ("1", "2", "3")]
    assert ranked == ["rental_price_per_gpu_hour", "gpu_price", "pue"]
    assert "3 leave it undefined at both ends or at one, with the base undefined too, ranked after the rest" in out


@pytest.mark.parametrize("kwargs, fragment", [
    ({"output": "capex_per_gpu_hour", "inputs": ["share_batch"]}, "must sum to 1"),
    ({"output": "capex_per_gpu_hour", "pct": 1.5}, "allowed (0, 1)"),
    ({"output": "capex_per_gpu_hour", "pct": 0}, "allowed (0, 1)"),
    ({"output": "capex_per_gpu_hour", "mode": "wide"}, "mode 'wide'"),
    ({"output": "gpu_price"}, "it is an input"),
    ({"output": "capex_per_gpu_hour", "inputs": ["nope"]}, "unknown input 'nope'"),
    ({"output": "capex_per_gpu_hour", "ranges": {"gpu_price": (3, 1)}}, "above high"),
    # text unpacked as low '1', high '2'; an array made numpy's "truth value is ambiguous"
    ({"output": "capex_per_gpu_hour", "ranges": {"gpu_price": "12"}}, "expected (low, high), got '12'"),
    ({"output": "capex_per_gpu_hour", "ranges": {"gpu_price": (np.array([1.0, 2.0]), 3.0)}},
     "low and high must be single numbers"),
])
def test_tornado_bad_input(kwargs, fragment):
    with pytest.raises(InputError) as e:
        sweeps.tornado(**kwargs)
    assert fragment in str(e.value)


def test_tornado_names_the_move_that_does_not_fit():
    with pytest.raises(InputError) as e:
        sweeps.tornado("weight_gb", inputs=["kv_gb_per_sequence"], mode="range", base={"kv_gb_per_sequence": 60},
                       ranges={"kv_gb_per_sequence": (60, 70)})
    assert "does not fit" in str(e.value) and "kv_gb_per_sequence at its high" in str(e.value)


# --------------------------------------------------------------------------------------
# Monte Carlo
# --------------------------------------------------------------------------------------

def test_monte_carlo_uniform_price_percentiles_and_threshold(calls):
    lo, hi = 20000.0, 30000.0
    spec = {"settings": {"n": 100_000, "seed": 3, "outputs": ["capex_per_gpu_hour"]},
            "inputs": {"gpu_price": {"dist": "uniform", "low": lo, "high": hi}},
            "thresholds": {"capex_per_gpu_hour": {"below": 22000 / (3 * H), "above": 29000 / (3 * H)}}}
    r = sweeps.monte_carlo(spec)
    assert len(calls) == 1 and calls[0]["gpu_price"] == (100_000,)
    s = r.summary.loc["capex_per_gpu_hour"]
    # quantile q of U(lo, hi) is lo + q (hi - lo); capex is price / (3 · 8760); SE of a quantile here ≈ 7 $
    for q, col in ((0.05, "p5"), (0.5, "p50"), (0.95, "p95")):
        assert s[col] == pytest.approx((lo + q * (hi - lo)) / (3 * H), abs=40 / (3 * H))
    assert s["mean"] == pytest.approx(25000 / (3 * H), abs=40 / (3 * H))
    assert s["sd"] == pytest.approx((hi - lo) / math.sqrt(12) / (3 * H), rel=0.01)
    # linear CDF: P(price < 22000) = 0.2, P(price > 29000) = 0.1; binomial SE ≤ 0.0013
    assert s["p_below"] == pytest.approx(0.2, abs=0.006)
    assert s["p_above"] == pytest.approx(0.1, abs=0.006)
    probs = r.probabilities.set_index("condition")["probability"]
    assert probs["below"] == s["p_below"] and probs["above"] == s["p_above"]
    assert r.samples.shape == (100_000, 2)
    np.testing.assert_allclose(r.samples["capex_per_gpu_hour"], r.samples["gpu_price"] / (3 * H), rtol=1e-12)


def test_monte_carlo_matches_an_independent_simulation():
    spec = {"settings": {"n": 200_000, "seed": 11},
            "inputs": {"gpu_price": {"dist": "triangular", "low": 20000, "mode": 25000, "high": 32000},
                       "serving_utilization": {"dist": "uniform", "low": 0.6, "high": 0.95},
                       "power_price_kwh": {"dist": "normal", "mean": 0.05, "sd": 0.01, "truncate": True}}}
    r = sweeps.monte_carlo(spec, outputs=["total_cost_per_gpu_hour", "cost_per_m_output_tokens"])
    rng = np.random.default_rng(987654)  # a different seed and four times the draws
    n = 800_000
    price = rng.triangular(20000, 25000, 32000, n)
    util = rng.uniform(0.6, 0.95, n)
    power = rng.normal(0.05, 0.01, n)
    power = power[power >= 0][: n // 2]  # (a negative draw has probability 3e-7)
    total = total_cost(price[: power.size], power)
    cost = cost_per_m_output(total=total, u=util[: power.size])
    for name, ref in (("total_cost_per_gpu_hour", total), ("cost_per_m_output_tokens", cost)):
        s = r.summary.loc[name]
        for q, col in ((5, "p5"), (50, "p50"), (95, "p95")):
            assert s[col] == pytest.approx(np.percentile(ref, q), rel=0.01), (name, col)
        assert s["mean"] == pytest.approx(ref.mean(), rel=0.01)
        assert s["sd"] == pytest.approx(ref.std(), rel=0.03)
        assert s["undefined"] == 0


def test_monte_carlo_truncation_redraws_instead_of_clipping():
    # N(0.01, 0.01) truncated at 0 has mean mu + sd·φ(1)/Φ(1) = 0.012876; clipping would give 0.010833
    spec = {"settings": {"n": 100_000, "seed": 5, "outputs": ["power_per_gpu_hour"]},
            "inputs": {"power_price_kwh": {"dist": "normal", "mean": 0.01, "sd": 0.01, "truncate": True}}}
    x = sweeps.monte_carlo(spec).samples["power_price_kwh"]
    assert x.min() >= 0 and (x == 0).sum() == 0
    phi, big_phi = math.exp(-0.5) / math.sqrt(2 * math.pi), 0.5 * (1 + math.erf(1 / math.sqrt(2)))
    assert x.mean() == pytest.approx(0.01 + 0.01 * phi / big_phi, abs=2e-4)


def test_monte_carlo_out_of_domain_draw_is_an_error():
    spec = {"inputs": {"power_price_kwh": {"dist": "normal", "mean": 0.01, "sd": 0.01}}}
    with pytest.raises(InputError) as e:
        sweeps.monte_carlo(spec, n=1000)
    msg = str(e.value)
    assert "[inputs.power_price_kwh]" in msg and "normal(mean=0.01, sd=0.01)" in msg and "≥0" in msg
    assert "truncate = true" in msg


def test_monte_carlo_choice_reproducible_and_chunk_independent(calls):
    spec = {"settings": {"n": 50_000, "seed": 7, "outputs": ["residual_value"]},
            "inputs": {"residual_case": {"dist": "choice", "values": [1, 2, 3], "weights": [1, 2, 1]},
                       "gpu_price": {"dist": "uniform", "low": 20000, "high": 30000}}}
    a = sweeps.monte_carlo(spec)
    b = sweeps.monte_carlo(spec, chunk=7_000)
    assert len(calls) == 1 + math.ceil(50_000 / 7_000)
    assert a.samples.equals(b.samples)
    freq = a.samples["residual_case"].value_counts(normalize=True)
    assert freq[2.0] == pytest.approx(0.5, abs=0.01) and freq[1.0] == pytest.approx(0.25, abs=0.01)
    factor = a.samples["residual_case"].map({1.0: 0.40, 2.0: 0.20, 3.0: 0.05})
    np.testing.assert_allclose(a.samples["residual_value"], a.samples["gpu_price"] * factor, rtol=1e-12)
    c = sweeps.monte_carlo(spec, seed=8)
    assert not a.samples.equals(c.samples)


def test_monte_carlo_normalized_shares_and_fixed():
    spec = {"settings": {"n": 5000, "seed": 1, "normalize_shares": True, "outputs": ["segment_share_total"]},
            "inputs": {"share_batch": {"dist": "uniform", "low": 0.0, "high": 0.8}},
            "fixed": {"gpu_price": 30000}}
    r = sweeps.monte_carlo(spec, outputs=["segment_share_total", "capex_per_gpu_hour"])
    total = sum(r.samples[s] for s in SHARES)
    np.testing.assert_allclose(total, 1.0, atol=1e-12)
    np.testing.assert_allclose(r.samples["segment_share_total"], 1.0, atol=1e-9)
    assert r.summary.loc["capex_per_gpu_hour", "mean"] == pytest.approx(30000 / (3 * H))


def test_monte_carlo_default_outputs_are_those_reading_the_drawn_inputs():
    r = sweeps.monte_carlo({"inputs": {"cost_of_equity": {"dist": "uniform", "low": 0.05, "high": 0.2}}}, n=100)
    names = set(r.summary.index)
    # cost_of_equity sets wacc (F1), which E2, D3's swap and P1's project NPV read; equity flows use it directly
    assert {"wacc", "equity_debt_cost_ratio", "annual_capital_charge", "breakeven_utilization_wacc",
            "optimal_owned_gpus", "reserved_swap_npv_per_gpu", "project_npv", "equity_npv"} <= names
    # the D1 stack and F3's stage WACCs (coe_<stage>) do not read it
    assert names.isdisjoint({"capex_per_gpu_hour", "total_cost_per_gpu_hour", "wacc_public", "wacc_series_a"})


def test_monte_carlo_undefined_outputs_are_counted_not_averaged():
    spec = {"inputs": {"rental_price_per_gpu_hour": {"dist": "uniform", "low": 0.1, "high": 1.1}},
            "thresholds": {"gpu_payback_years": {"above": 0}}}
    r = sweeps.monte_carlo(spec, n=20_000, seed=2, outputs=["gpu_payback_years"])
    s = r.summary.loc["gpu_payback_years"]
    # payback is undefined when price · 1.0 ≤ cash cost; the cash cost at seed is:
    cash = 0.7 * 1.2 * 0.035 + 150 * 0.7 / 730 + 0.10
    assert s["undefined"] == pytest.approx((cash - 0.1) / 1.0, abs=0.015)
    assert s["p_above"] == pytest.approx(1 - s["undefined"])
    assert not math.isnan(s["p50"])


def test_example_spec_runs():
    r = sweeps.monte_carlo(ROOT / "examples" / "monte_carlo.toml", n=2000)
    assert r.spec.seed == 1
    assert list(r.summary.index) == ["total_cost_per_gpu_hour", "rental_gross_margin", "cost_per_m_output_tokens",
                                     "managed_gross_margin"]
    assert len(r.probabilities) == 2
    assert set(r.samples["batch_size"].unique()) <= {32, 64, 128}


BAD_SPECS = [
    ("[inputs.gpu_prise]\ndist = 'uniform'\nlow = 1\nhigh = 2\n", ["[inputs.gpu_prise]", "unknown input",
                                                                     "did you mean gpu_price"]),
    ("[inputs.gpu_price]\ndist = 'beta'\nlow = 1\nhigh = 2\n", ["[inputs.gpu_price]", "unknown dist 'beta'"]),
    ("[inputs.gpu_price]\nlow = 1\nhigh = 2\n", ["[inputs.gpu_price]", "missing dist"]),
    ("[inputs.gpu_price]\ndist = 'triangular'\nlow = 1\nhigh = 2\n", ["[inputs.gpu_price]", "missing: mode"]),
    ("[inputs.gpu_price]\ndist = 'uniform'\nlow = 3\nhigh = 2\n", ["low = 3.0 must be below high = 2.0"]),
    ("[inputs.gpu_price]\ndist = 'uniform'\nlow = 1\nhigh = 2\nhgih = 3\n", ["unknown parameter(s) hgih"]),
    ("[inputs.gpu_price]\ndist = 'triangular'\nlow = 1\nmode = 5\nhigh = 2\n", ["mode = 5.0 must lie within"]),
    ("[inputs.gpu_price]\ndist = 'normal'\nmean = 1\nsd = -1\n", ["sd = -1.0 must be > 0"]),
    ("[inputs.gpu_price]\ndist = 'uniform'\nlow = 'a'\nhigh = 2\n", ["low = 'a' is not a number"]),
    ("[inputs.gpu_price]\ndist = 'uniform'\nlow = 1\nhigh = inf\n", ["high = inf is not a finite number"]),
    ("[inputs.batch_size]\ndist = 'uniform'\nlow = 1\nhigh = 9\n", ["takes integers", "choice"]),
    ("[inputs.share_batch]\ndist = 'uniform'\nlow = 0\nhigh = 1\n", ["normalize_shares"]),
    ("[settings]\noutputs = ['capex']\n", ["[settings] outputs", "unknown output 'capex'"]),
    ("[settings]\nn = 0\n", ["[settings] n = 0 must be ≥ 1"]),
    ("[settings]\nsamples = 5\n", ["[settings]: unknown key(s) ['samples']"]),
    ("[thresholds]\ncapex = { below = 1 }\n", ["[thresholds] capex", "unknown output"]),
    ("[thresholds]\ncapex_per_gpu_hour = { under = 1 }\n", ["[thresholds] capex_per_gpu_hour", "below"]),
    ("[input.gpu_price]\ndist = 'uniform'\n", ["unknown table(s) ['input']"]),
    ("[inputs.gpu_price\ndist = 'uniform'\n", ["broken TOML"]),
    ("[fixed]\npue = 0.5\n", ["[fixed] key 'pue'", "outside its domain"]),
    ("[inputs.gpu_price]\ndist = 'uniform'\nlow = 1\nhigh = 2\n[fixed]\ngpu_price = 3\n", ["also drawn"]),
    ("[inputs.residual_case]\ndist = 'choice'\nvalues = [1, 4]\n", ["residual_case[1] = 4.0 is outside its domain"]),
    ("[settings]\nn = 10\n", ["no [inputs.NAME] distributions"]),
]


@pytest.mark.parametrize("text, fragments", BAD_SPECS)
def test_bad_specs_name_the_file_and_key(tmp_path, text, fragments):
    path = tmp_path / "spec.toml"
    path.write_text(text)
    with pytest.raises(InputError) as e:
        sweeps.monte_carlo(path)
    msg = str(e.value)
    assert f"monte-carlo spec {path}" in msg
    for f in fragments:
        assert f in msg, (f, msg)


def test_missing_spec_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        sweeps.monte_carlo(tmp_path / "nope.toml")


def test_draws_that_do_not_fit_name_the_draw():
    spec = {"inputs": {"kv_gb_per_sequence": {"dist": "uniform", "low": 0.1, "high": 100}}}
    with pytest.raises(InputError) as e:
        sweeps.monte_carlo(spec, n=1000, chunk=300)
    assert "does not fit" in str(e.value) and "draw " in str(e.value)


# --------------------------------------------------------------------------------------
# command line (handlers through a parser built from cli_sweeps.register)
# --------------------------------------------------------------------------------------

def run_cli(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="test")
    sub = p.add_subparsers(dest="cmd", required=True)
    cli_sweeps.register(sub)
    args = p.parse_args(argv)
    return cli_sweeps.HANDLERS[args.cmd](args)


def is_png(path: Path) -> bool:
    data = path.read_bytes()
    return len(data) > 1000 and data[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_one_way_table_and_png(tmp_path, capsys):
    png = tmp_path / "one.png"
    assert run_cli(["sweep", "--input", "gpu_price", "--values", "20000,25_000,30000", "--output",
                    "capex_per_gpu_hour", "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "capex_per_gpu_hour [$/GPU-h]" in out and "$ 0.9513" in out  # 25000 / (3 * 8760) = 0.951294
    assert is_png(png)


def test_cli_png_of_values_no_axis_can_draw_says_so_and_leaves_nothing(tmp_path, capsys):
    # one value of 1e308: matplotlib's tick locator failed (ValueError: arange) after the table, in a traceback
    from cli import main

    png = tmp_path / "one.png"
    assert main(["sweep", "--input", "gpu_price", "--values", "1e308", "--output", "capex_per_gpu_hour",
                 "--png", str(png)]) == 2
    err = capsys.readouterr().err
    assert f"--png '{png}': cannot draw these values" in err and len(err.strip().splitlines()) == 1, err
    assert list(tmp_path.iterdir()) == []  # no chart, no temporary file
    # a grid whose every cell is undefined (payback never comes at a 1-cent rent) draws without numpy's warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert run_cli(["sweep", "--input", "rental_price_per_gpu_hour", "--values", "0.01,0.02", "--col-input",
                        "pue", "--col-values", "1.2,1.3", "--output", "gpu_payback_years", "--png", str(png)]) == 0
    assert is_png(png)


def test_cli_sweep_axis_shows_each_value_apart(capsys):
    # pue 1, 1.0025, 1.005, 1.0075, 1.01 all showed as 1.00× or 1.01×: the labels take as many decimals as it takes
    assert run_cli(["sweep", "--input", "pue", "--range", "1,1.01,5", "--output", "power_per_gpu_hour"]) == 0
    labels = [line.split()[0] for line in capsys.readouterr().out.splitlines()[4:]]
    # the floats nearest 1.0025 and 1.0075 lie just below and just above them
    assert labels == ["1.000×", "1.002×", "1.005×", "1.008×", "1.010×"]
    assert run_cli(["sweep", "--input", "gpu_utilization", "--values", "0.8501,0.8504", "--col-input", "pue",
                    "--col-values", "1.2,1.3", "--output", "cost_per_sold_gpu_hour"]) == 0
    out = capsys.readouterr().out
    assert "85.01 %" in out and "85.04 %" in out and "1.20×" in out  # the columns were distinct already


def test_cli_one_way_json_defaults_to_outputs_reading_the_input(capsys):
    assert run_cli(["sweep", "--input", "gpu_price", "--range", "20000,30000,3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["values"] == [20000, 25000, 30000]
    assert "capex_per_gpu_hour" in data["outputs"] and "weight_gb" not in data["outputs"]
    assert data["outputs"]["capex_per_gpu_hour"]["values"][1] == pytest.approx(25000 / (3 * H))


def test_cli_two_way_json_and_png(tmp_path, capsys):
    png = tmp_path / "grid.png"
    assert run_cli(["sweep", "--input", "serving_utilization", "--values", "0.5,1", "--col-input",
                    "optimization_multiplier", "--col-range", "1,3,3", "--output", "cost_per_m_output_tokens",
                    "--json", "--png", str(png)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cols"] == [1, 2, 3]
    assert data["grid"][1][2] == pytest.approx(cost_per_m_output(u=1.0, m=3.0), rel=1e-12)
    assert is_png(png)


def test_cli_tornado_table_json_png(tmp_path, capsys):
    png = tmp_path / "tornado.png"
    assert run_cli(["tornado", "--output", "capex_per_gpu_hour", "--top", "3", "--png", str(png)]) == 0
    out = capsys.readouterr().out
    # 108 inputs less the four segment shares = 104 moved; all but gpu_price and depreciation_years leave capex flat
    moved = len(INPUTS) - 4
    assert "depreciation_years" in out and "gpu_price" in out and f"{moved - 2} of {moved} have swing 0" in out
    assert "each input moved alone ±10% (template seed)" in out  # it said ±0.1
    assert is_png(png)
    assert run_cli(["tornado", "--output", "capex_per_gpu_hour", "--top", "2", "--json",
                    "--set", "gpu_price=30000"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["input"] for r in data["rows"]] == ["depreciation_years", "gpu_price"]
    assert data["rows"][1]["swing"] == pytest.approx(2 * 0.1 * 30000 / (3 * H))


def test_cli_tornado_given_ranges(capsys):
    # capex per GPU-hour = gpu_price / (3 years · 8,760 h): $20,000 → $30,000 swings it by 10,000 / 26,280 = $0.3805
    assert run_cli(["tornado", "--output", "capex_per_gpu_hour", "--input", "gpu_price", "--input", "pue",
                    "--range", "gpu_price=20_000,30000", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ranges"] == {"gpu_price": [20000, 30000]}
    price = data["rows"][0]
    assert (price["input"], price["low_value"], price["high_value"], price["basis"]) == ("gpu_price", 20000, 30000,
                                                                                         "range")
    assert price["swing"] == pytest.approx(10000 / (3 * H), rel=1e-12)
    assert data["rows"][1]["basis"] == "±0.1"  # pue: no range given
    # a base of 0 (no reasoning tokens in the seed): ±10% of 0 is 0, a given range moves it; 0 is the base case
    argv = ["tornado", "--output", "cost_per_m_visible_output_tokens", "--input", "reasoning_tokens_per_output_token"]
    assert run_cli([*argv, "--json"]) == 0
    (still,) = json.loads(capsys.readouterr().out)["rows"]
    assert (still["low_value"], still["high_value"], still["swing"]) == (0, 0, 0)
    assert run_cli([*argv, "--range", "reasoning_tokens_per_output_token=0,2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (moved,) = data["rows"]
    assert (moved["low_value"], moved["high_value"]) == (0, 2)
    assert moved["output_at_low"] == data["base_output"]
    # MODEL.md: cost per M visible tokens = cost per M output tokens (k does not enter it) · (1 + k): k = 2 triples it
    assert moved["output_at_high"] == pytest.approx(3 * data["base_output"], rel=1e-12)
    assert run_cli([*argv, "--range", "reasoning_tokens_per_output_token=0,2"]) == 0
    out = capsys.readouterr().out
    assert "moved alone ±10%; reasoning_tokens_per_output_token over the given range (template seed)" in out
    assert "outside" not in out  # 0 is the range's low end
    assert run_cli([*argv, "--range", "reasoning_tokens_per_output_token=0.5,2"]) == 0
    assert "the base lies outside the given range of reasoning_tokens_per_output_token" in capsys.readouterr().out


def test_cli_monte_carlo_table_json_png_csv(tmp_path, capsys):
    png, csv = tmp_path / "mc.png", tmp_path / "mc.csv"
    spec = ROOT / "examples" / "monte_carlo.toml"
    assert run_cli(["monte-carlo", str(spec), "--n", "5e3", "--seed", "4", "--png", str(png), "--csv", str(csv)]) == 0
    out = capsys.readouterr().out
    assert "5,000 draws, seed 4" in out and "P95" in out and "rental_gross_margin" in out
    assert is_png(png)
    assert len(csv.read_text().splitlines()) == 5001
    assert run_cli(["monte-carlo", str(spec), "--n", "3000", "--output", "capex_per_gpu_hour", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["n"] == 3000 and list(data["summary"]) == ["capex_per_gpu_hour", "rental_gross_margin",
                                                           "cost_per_m_output_tokens"]  # + threshold outputs


def test_cli_monte_carlo_png_with_infinite_draws(tmp_path, capsys):
    """A draw at the edge of a domain can overflow an output (a serving utilization of 1e-320: cost per token
    inf); the histogram leaves those draws out and says how many, where matplotlib used to refuse the range."""
    spec, png = tmp_path / "edge.toml", tmp_path / "edge.png"
    spec.write_text('[inputs.serving_utilization]\ndist = "choice"\nvalues = [1e-320, 0.5]\n', encoding="utf-8")
    argv = ["monte-carlo", str(spec), "--n", "400", "--seed", "1", "--output", "cost_per_m_output_tokens"]
    assert run_cli([*argv, "--json"]) == 0
    p95 = json.loads(capsys.readouterr().out)["summary"]["cost_per_m_output_tokens"]["p95"]
    assert p95 is None or p95 > 1e300  # the infinite half of the draws: JSON has no inf
    assert run_cli([*argv, "--png", str(png)]) == 0
    assert is_png(png)


@pytest.mark.parametrize("argv, fragment", [
    (["sweep", "--input", "gpu_price", "--values", "1,x"], "'x' is not a number"),
    (["sweep", "--input", "gpu_price", "--range", "1,2"], "expected lo,hi,n"),
    (["sweep", "--input", "gpu_price", "--values", "1,2", "--col-input", "pue", "--col-values", "1,2"],
     "exactly one --output"),
    (["sweep", "--input", "gpu_price", "--values", "1", "--set", "pue=0.5"], "pue"),
    # an empty item was dropped, and a --set of the swept input ignored (the title still showed it)
    (["sweep", "--input", "gpu_price", "--values", "1,,3"], "item 2 of 3 is empty in '1,,3'"),
    (["sweep", "--input", "gpu_price", "--values", "1,2,"], "item 3 of 3 is empty"),
    (["sweep", "--input", "gpu_price", "--values", "1,2", "--set", "gpu_price=4"],
     "--set gpu_price=4: gpu_price is swept (--input/--col-input); drop one"),
    (["sweep", "--input", "pue", "--values", "1.2,1.3", "--col-input", "gpu_price", "--col-values", "1,2",
      "--output", "capex_per_gpu_hour", "--set", "gpu_price=4"], "--set gpu_price=4: gpu_price is swept"),
    (["tornado", "--output", "capex_per_gpu_hour", "--pct", "2"], "allowed (0, 1)"),
    (["tornado", "--output", "nope"], "--output: unknown output 'nope'"),  # named the option as --input's do
    (["tornado", "--output", "project_irr", "--output", "equity_irr"], "give exactly one --output"),  # kept the last
    (["sweep", "--input", "gpu_price", "--values", "1,2", "--output", "GPU_Price"],
     "--output: unknown output 'GPU_Price' (it is an input, not an output)"),
    (["monte-carlo", "no_such_spec.toml"], "file not found"),
    # the tornado's --range NAME=LOW,HIGH: its own shape here, the domain and the order in sweeps.tornado
    (["tornado", "--output", "capex_per_gpu_hour", "--range", "gpu_price"], "--range 'gpu_price': expected name=low,high"),
    (["tornado", "--output", "capex_per_gpu_hour", "--range", "gpu_pric=1,2"], "unknown input 'gpu_pric'"),
    (["tornado", "--output", "capex_per_gpu_hour", "--range", "gpu_price=1"],
     "--range gpu_price='1': expected two numbers, low,high (allowed domain of gpu_price: >0)"),
    (["tornado", "--output", "capex_per_gpu_hour", "--range", "gpu_price=1,2,3"], "expected two numbers"),
    (["tornado", "--output", "capex_per_gpu_hour", "--range", "gpu_price=a,2"],
     "--range gpu_price low: 'a' is not a number; allowed domain of gpu_price: >0"),
    (["tornado", "--output", "capex_per_gpu_hour", "--range", "gpu_price=1,inf"], "high: 'inf' is not a finite"),
    (["tornado", "--output", "capex_per_gpu_hour", "--range", "gpu_price=1,2", "--range", "gpu_price=3,4"],
     "--range gpu_price: given twice"),
    (["tornado", "--output", "capex_per_gpu_hour", "--range", "gpu_price=3,2"], "low 3.0 is above high 2.0"),
    (["tornado", "--output", "capex_per_gpu_hour", "--range", "gpu_price=-1,2"],
     "gpu_price = -1.0 is outside its domain; allowed domain of gpu_price: >0"),
    (["tornado", "--output", "capex_per_gpu_hour", "--range", "economic_life_years=1.5,3"], "integer 1..15"),
    (["tornado", "--output", "capex_per_gpu_hour", "--range", "share_batch=0.1,0.2"], "must sum to 1"),
    # a range of an input that --input leaves out was ignored
    (["tornado", "--output", "capex_per_gpu_hour", "--input", "pue", "--range", "gpu_price=1,2"],
     "gpu_price is not among the inputs moved (pue)"),
])
def test_cli_bad_input_raises_input_error(argv, fragment):
    with pytest.raises(InputError) as e:
        run_cli(argv)
    assert fragment in str(e.value)


def test_python_dash_m_model_when_wired(tmp_path):
    """Through `python -m model`."""
    png = tmp_path / "t.png"
    proc = subprocess.run([sys.executable, "-m", "model", "tornado", "--output", "capex_per_gpu_hour", "--png",
                           str(png)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert is_png(png)
    bad = subprocess.run([sys.executable, "-m", "model", "sweep", "--input", "share_batch", "--values", "0.5"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 2 and "must sum to 1" in bad.stderr


def test_monte_carlo_without_tqdm(monkeypatch):
    # tqdm came only with the workbook extra's formulas: without it, an automatic bar (None) is left out; a bar
    # asked for says what is missing
    monkeypatch.setitem(sys.modules, "tqdm", None)
    r = sweeps.monte_carlo(ROOT / "examples" / "monte_carlo.toml", n=500, seed=1, progress=None)
    assert r.n == 500
    with pytest.raises(InputError, match=r"a progress bar \(--progress, progress=True\) needs tqdm"):
        sweeps.monte_carlo(ROOT / "examples" / "monte_carlo.toml", n=500, seed=1, progress=True)


def test_monte_carlo_spec_template_path_is_the_specs_folders(tmp_path, monkeypatch):
    # examples/monte_carlo.toml: a template path is relative to the spec's file. A missing one fell back to a file
    # of that name in the working directory, silently; now it is an error naming the spec, the key and the folder
    spec_dir = tmp_path / "specs"
    spec_dir.mkdir()
    spec = spec_dir / "s.toml"
    spec.write_text('[settings]\ntemplate = "mine.toml"\nn = 10\n[inputs.gpu_price]\ndist = "uniform"\n'
                    'low = 20000\nhigh = 30000\n', encoding="utf-8")
    (tmp_path / "mine.toml").write_text("[inputs]\npue = 1.5\n", encoding="utf-8")  # the cwd's, not the spec's
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=r"s.toml: \[settings\] template = 'mine.toml': template file .*specs.mine.toml"
                                         r"' not found \(a path is taken from .*specs\)"):
        sweeps.monte_carlo(spec, progress=False)
    # a template given to the run replaces the spec's, which is then not read at all
    r = sweeps.monte_carlo(spec, template="seed", outputs=["power_per_gpu_hour"], progress=False)
    assert np.allclose(r.samples["power_per_gpu_hour"], 0.7 * 1.2 * 0.035, rtol=1e-12)  # seed's pue 1.2
    (spec_dir / "mine.toml").write_text("[inputs]\npue = 1.25\n", encoding="utf-8")
    r = sweeps.monte_carlo(spec, outputs=["power_per_gpu_hour"], progress=False)
    # gpu_power_kw 0.7 × pue 1.25 (the spec folder's template, not the cwd's 1.5) × $0.035/kWh, in every draw
    assert np.allclose(r.samples["power_per_gpu_hour"], 0.7 * 1.25 * 0.035, rtol=1e-12)
    spec.write_text('[settings]\ntemplate = "nope"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"s.toml: \[settings\] template = 'nope': unknown template 'nope'"):
        sweeps.monte_carlo(spec, progress=False)


def test_cli_tornado_counts_solver_noise_as_no_swing(capsys):
    """An IRR does not depend on the fleet's size, yet its solver moves by ~1e-16 when fleet_gpus moves: that swing
    is counted with the zeros (it was shown as 0.00 % but left out of the count), and the count shows with --top 0."""
    assert run_cli(["tornado", "--output", "project_irr", "--top", "0", "--json"]) == 0
    rows = {r["input"]: r["swing"] for r in json.loads(capsys.readouterr().out)["rows"]}
    assert rows["fleet_gpus"] != 0 and abs(rows["fleet_gpus"]) < 1e-12
    moving = sum(abs(v) > 1e-9 for v in rows.values())  # a clear gap: no swing lies between 1e-12 and 1e-9
    assert run_cli(["tornado", "--output", "project_irr", "--top", "0"]) == 0
    assert f"{len(rows) - moving} of {len(rows)} have swing 0" in capsys.readouterr().out

