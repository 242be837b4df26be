"""Hostile input to the sweeps and Monte Carlo (model/sweeps/): each must end in one InputError
whose message names the thing and the allowed range -- never a traceback from numpy or Python,
an OverflowError, a RuntimeWarning, or a silent run that eats all memory."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from model import InputError, sweeps


@pytest.fixture(autouse=True)
def warnings_are_errors():
    # an overflow that numpy only warns about is a failure here, not noise
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def message(call) -> str:
    with pytest.raises(InputError) as e:
        call()
    text = str(e.value)
    assert "\n" not in text and "Traceback" not in text
    return text


# --------------------------------------------------------------------------------------
# sweeps
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("values", ["", [], (), np.array([])])
def test_empty_sweep_values(values):
    assert message(lambda: sweeps.one_way("gpu_price", values)) == \
        f"sweep of gpu_price: values = {values!r}: expected a non-empty list of numbers"


def test_range_with_a_billion_points_is_refused_before_allocating():
    msg = message(lambda: sweeps.one_way("gpu_price", lo=1, hi=2, n=10**9))
    assert msg == "sweep of gpu_price: n = 1000000000: allowed an integer from 2 to 1,000,000"


def test_too_many_explicit_values():
    msg = message(lambda: sweeps.one_way("gpu_price", np.ones(1_000_001)))
    assert msg == "sweep of gpu_price: 1,000,001 values; allowed at most 1,000,000"


def test_two_way_grid_too_large():
    msg = message(lambda: sweeps.two_way("gpu_price", np.arange(1, 2001), "pue", np.linspace(1, 2, 501),
                                         "capex_per_gpu_hour"))
    assert msg == "two-way sweep: 2,000 × 501 = 1,002,000 cells; allowed at most 1,000,000"


@pytest.mark.parametrize("value, fragment", [
    (np.array([1.2, "a"], dtype=object), "base input: pue = array([1.2, 'a'], dtype=object) is not a number"),
    (np.array(1.2, dtype=object), "base input: pue = array(1.2, dtype=object) is not a number"),
    ([[1.2, 1.3], [1.4]], "base input: pue = [[1.2, 1.3], [1.4]] is not a number or array of numbers"),
    (np.ones((3, 2)), "base input pue must be a single number in a sweep, got an array of shape (3, 2)"),
    (10**400, "base input: pue = 1000000000"),
])
def test_bad_base_inputs(value, fragment):
    for call in (lambda: sweeps.one_way("gpu_price", [1, 2], inputs={"pue": value}),
                 lambda: sweeps.two_way("gpu_price", [1, 2], "wacc", [0.1], "capex_per_gpu_hour",
                                        inputs={"pue": value}),
                 lambda: sweeps.tornado("capex_per_gpu_hour", base={"pue": value})):
        assert fragment in message(call)


def test_base_inputs_not_a_mapping():
    msg = message(lambda: sweeps.one_way("gpu_price", [1, 2], inputs=[("pue", 1.2, 3)]))
    assert msg == "base inputs = [('pue', 1.2, 3)]: expected a mapping of input name to number"


@pytest.mark.parametrize("values", [np.array([1, None], dtype=object), [[1, 2], [3]]])
def test_sweep_values_of_object_dtype_or_ragged(values):
    assert message(lambda: sweeps.one_way("gpu_price", values)).startswith("sweep: gpu_price = ")
