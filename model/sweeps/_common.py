"""Checks shared by every sweep: input and output names, base overrides, shares, scenario hints."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

import numpy as np

from .. import graph
from ..core import from_pandas, output_names
from ..errors import InputError
from ..registry import INPUTS, unknown
from ..validate import SHARES, check_value, short

# Scenarios one sweep may evaluate at once (one-way values, two-way rows × columns). evaluate takes them a
# chunk at a time, but returns what is asked for whole: a one-way sweep of every output keeps 107 numbers
# (~0.9 kB) per scenario, so 10^6 is ~0.9 GB.
MAX_SCENARIOS = 1_000_000


def run(inputs: Mapping, template, outputs=None, fused: bool | None = None) -> dict:
    """`model.evaluate`, looked up on the package at call time so that patching
    `model.sweeps.evaluate` (the tests count calls) sees every sweep's calls; with `outputs`, only
    what they read is computed; `fused` as evaluate's."""
    from . import evaluate

    kw = {} if fused is None else {"fused": fused}
    if outputs is None:
        return evaluate(inputs, template, **kw)
    return evaluate(inputs, template, outputs=outputs, **kw)


def check_input(name: str) -> str:
    if not isinstance(name, str) or name not in INPUTS:
        raise InputError(unknown(name, "input"))
    return name


def check_outputs(outputs: str | Iterable[str] | None) -> list[str]:
    """The outputs a sweep reports (model.core.output_names), at least one."""
    out = list(output_names(outputs))
    if not out:
        raise InputError("no outputs asked for")
    return out


def check_base(inputs: Mapping | None) -> dict:
    """Base overrides must be scalars: the sweep itself supplies the arrays."""
    if inputs is None:
        return {}
    inputs = from_pandas(inputs)  # a Series: one scenario (a DataFrame's columns are arrays: refused below)
    if not isinstance(inputs, Mapping):
        raise InputError(f"base inputs = {short(inputs)}: expected a mapping of input name to number")
    base = dict(inputs)
    for name, value in base.items():
        check_input(name)
        # check_value first: it turns ragged lists, object arrays and huge ints into InputError
        arr = check_value(name, value, where="base input")
        if np.ndim(arr) != 0:
            raise InputError(f"base input {name} must be a single number in a sweep, got an array of shape "
                             f"{np.shape(arr)}")
    return base


def no_shares(name: str, what: str) -> None:
    if name in SHARES:
        raise InputError(f"{what}: {name} cannot be varied alone: the four segment shares "
                         f"({', '.join(SHARES)}) must sum to 1; set all four with inputs/--set instead")


def depends_on(name: str) -> frozenset[str]:
    """The inputs an output (or block) reads, directly or through other outputs."""
    return graph.upstream_inputs(name)


def scenario_hint(message: str, describe: Callable[[int], str]) -> str:
    """Replace the model's 'at index i' (or 'name[i]') by what scenario i is."""
    m = re.search(r"at index (\d+)", message)
    if m:
        return message.replace(m.group(0), f"for {describe(int(m.group(1)))}")
    m = re.search(r"(\w+)\[(\d+)\]", message)
    if m:
        return f"{message} (scenario {describe(int(m.group(2)))})"
    return message
