"""The dependency graph of the line items, walked in one place.

Nodes are outputs, yearly blocks and checks; their edges are the parameters of their
functions (the names they read). Every other module asks this one for the evaluation
order, the inputs an output reads, the chain between a varied input and an output,
and the evaluation context of a scenario.

>>> import model
>>> from model import graph
>>> sorted(graph.upstream_inputs("capex_per_gpu_hour"))
['depreciation_years', 'gpu_price']
>>> graph.chain("cost_per_sold_gpu_hour", ["gpu_price"])
['capex_per_gpu_hour', 'total_cost_per_gpu_hour', 'cost_per_sold_gpu_hour']
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

from . import fused
from . import registry as R
from .validate import check_fit


def nodes() -> dict:
    """Every computed node by name: outputs, blocks and checks."""
    return {**R.OUTPUTS, **R.BLOCKS, **R.CHECKS}


def _params(name: str) -> tuple[str, ...]:
    node = R.OUTPUTS.get(name) or R.BLOCKS.get(name) or R.CHECKS.get(name)
    return node.params if node is not None else ()


@functools.cache
def order() -> tuple[str, ...]:
    """Outputs, blocks and checks in dependency order; MODEL.md's section order where free."""
    graph = nodes()
    known = set(graph) | set(R.INPUTS) | set(R.CONSTANTS)
    rank = {s: i for i, s in enumerate(R.SECTIONS)}
    listed = sorted(graph, key=lambda n: rank.get(graph[n].section, len(rank)))  # stable within a section
    done: list[str] = []
    seen: set[str] = set()

    def visit(n: str, stack: tuple[str, ...]) -> None:
        if n in seen or n not in graph:
            return
        if n in stack:
            raise RuntimeError(f"circular definition: {' -> '.join(stack + (n,))}")
        for p in graph[n].params:
            if p not in known:
                raise RuntimeError(f"{n} reads unknown name {p!r}")
            visit(p, stack + (n,))
        seen.add(n)
        done.append(n)

    for n in listed:
        visit(n, ())
    return tuple(done)


@functools.cache
def upstream_inputs(name: str) -> frozenset[str]:
    """The inputs a node reads, directly or through other nodes (an input reads itself)."""
    if name in R.INPUTS:
        return frozenset([name])
    found: set[str] = set()
    for p in _params(name):
        found |= upstream_inputs(p)
    return frozenset(found)


def depends_on(name: str, varied: Iterable[str]) -> bool:
    """Whether node `name` reads any of `varied` (inputs), directly or through other nodes."""
    return not upstream_inputs(name).isdisjoint(varied)


def chain(target: str, varied: Iterable[str]) -> list[str]:
    """The outputs between the varied inputs and `target` that move with them, in evaluation
    order (target last); blocks are not part of a chain."""
    varied = set(varied)
    needed: set[str] = set()

    def walk(n: str) -> None:
        if n in needed or n not in R.OUTPUTS or not depends_on(n, varied):
            return
        needed.add(n)
        for p in R.OUTPUTS[n].params:
            walk(p)

    walk(target)
    return [n for n in order() if n in needed]


@functools.cache
def needed(targets: frozenset[str]) -> tuple[str, ...]:
    """The nodes the targets read (themselves included), in evaluation order."""
    graph = nodes()
    need: set[str] = set()
    stack = list(targets)
    while stack:
        n = stack.pop()
        if n in need or n not in graph:
            continue
        need.add(n)
        stack.extend(graph[n].params)
    if need & {"max_batch_by_memory", "effective_batch"}:
        need.add("effective_batch")  # the fit check always runs where throughput is involved
    return tuple(n for n in order() if n in need)


_CONSTANT_VALUES = {n: float(c.value) for n, c in R.CONSTANTS.items()}


def is_scalar_set(values: Mapping) -> bool:
    return all(isinstance(v, float) for v in values.values())


@functools.cache
def fused_plan(only: tuple[str, ...]) -> tuple[tuple[str, ...], dict] | None:
    """`only` with P1's blocks and their readers replaced by the fused node (model.fused), and the node map
    to walk it with; None when fusion does not apply."""
    return fused.plan(only, nodes())


def fuses(only: tuple[str, ...], n: int | None = None, fused_: bool | None = None) -> bool:
    """Whether an array evaluation of `only` over n scenarios runs P1 compiled: only when it reads a P1 output
    (numba is not imported otherwise), then as model.fused.available decides (`fused_`: evaluate's `fused=`)."""
    return fused_plan(only) is not None and fused.available(n, fused_)


def load_during(only: tuple[str, ...], n: int, fused_: bool | None, tasks: Iterable) -> None:
    """Before an array evaluation of `only` that may run P1 compiled: model.fused.load_during (the kernel's
    first load in a second thread while `tasks` run)."""
    if fused_plan(only) is not None:
        fused.load_during(n, fused_, tasks)


@functools.cache
def last_uses(only: tuple[str, ...], keep: frozenset[str], fuse: bool = False) -> dict[str, tuple[str, ...]]:
    """For an evaluation of `only` (in order; fused if `fuse`): after each node, the computed nodes nobody reads
    any more (not in `keep`), which an evaluation may drop to keep its working set small."""
    graph = nodes()
    if fuse and fused_plan(only) is not None:
        only, graph = fused_plan(only)
    last: dict[str, str] = {}
    for name in only:
        last.setdefault(name, name)
        for p in graph[name].params:
            if p in graph:
                last[p] = name
    drop: dict[str, list[str]] = {}
    for name, at in last.items():
        if name not in keep:
            drop.setdefault(at, []).append(name)
    return {k: tuple(v) for k, v in drop.items()}


def context(values: Mapping, until: str | None = None, only: tuple[str, ...] | None = None,
            scalar: bool | None = None, keep: frozenset[str] | None = None, fuse: bool = False) -> dict:
    """Constants, the validated input `values` and every node in dependency order (or just
    `only`; stopping before `until`; on arrays the workbook's checks, which test one scenario, left out):
    name -> value.

    One scenario runs on plain floats (no numpy import); arrays run on numpy. A node that
    meets a float exception (x/0 outside xp.div, an overflow) is recomputed on numpy
    scalars, whose IEEE rules give inf or nan as the array path does. With `keep` (and `only`),
    computed nodes outside `keep` are dropped once nothing else reads them (a smaller working set).
    With `fuse` (arrays and `only`), P1's blocks and their readers are one compiled node (model.fused)."""
    ctx: dict = {**_CONSTANT_VALUES, **values}
    if scalar is None:
        scalar = is_scalar_set(values)
    graph = nodes()
    # the workbook's checks test one scenario (model.checks.evaluate_checks): on arrays a walk over every node
    # leaves them out
    walk = (order() if scalar else tuple(n for n in order() if n not in R.CHECKS)) if only is None else only
    fuse = fuse and not scalar and only is not None and fuses(only)
    if fuse:
        walk, graph = fused_plan(only)
    drops = last_uses(only, keep, fuse) if keep is not None and only is not None else {}
    if not scalar:
        import numpy as np

        errs = np.errstate(divide="ignore", invalid="ignore", over="ignore")
        errs.__enter__()
    try:
        for name in walk:
            if name == until:
                break
            node = graph[name]
            args = [ctx[p] for p in node.params]
            try:
                ctx[name] = node.func(*args)
            except (ArithmeticError, ValueError):
                if not scalar:
                    raise
                import numpy as np

                with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                    res = node.func(*(np.float64(a) if isinstance(a, float) else a for a in args))
                ctx[name] = float(res) if isinstance(res, np.generic) else res
            if name == fused.NAME:
                ctx.update(ctx[name])
            if name == "effective_batch":
                check_fit(ctx[name], values)
            for d in drops.get(name, ()):
                del ctx[d]
    finally:
        if not scalar:
            errs.__exit__(None, None, None)
    return ctx


def solve(target: str, known: Mapping) -> object:
    """`target` from `known` values, which may include outputs taken as given (their own inputs are
    then not needed); every other node on the way is computed from its line function."""
    graph = nodes()
    need: set[str] = set()
    stack = [target]
    while stack:
        n = stack.pop()
        if n in need or n in known or n not in graph:
            continue
        need.add(n)
        stack.extend(graph[n].params)
    ctx: dict = {**{n: c.value for n, c in R.CONSTANTS.items()}, **known}  # read live: tests patch them
    for name in order():
        if name in need:
            ctx[name] = graph[name].func(*(ctx[p] for p in graph[name].params))
    return ctx[target]
