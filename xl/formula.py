"""Formula text: names in MODEL.md's line items become cells, or whole rows of a sweep.

Output formulas are written over defined names (`gpu_price/(...)`). To lay the same
line item out per template, or across an axis, the names that vary are substituted by
cell references; nothing is re-typed by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from model.graph import depends_on
from model.registry import OUTPUTS

# lower-case identifiers not followed by '(' are our names (functions are upper case)
NAME_RE = re.compile(r"(?<![A-Za-z0-9_$!.'\"])([a-z][a-z0-9_]*)(?![A-Za-z0-9_(])")
# In a block row's formula: [key] this year's cell of row `key` ([other_block.key] of another block), [key<] the
# previous year's, [key>] the next year's, [key:end] this year's to the last year's (a range), [key:all] the whole
# row and [key@end] the last year's cell (both absolute: the same in every column)
ROW_RE = re.compile(r"\[(?:(\w+)\.)?(\w+)(<|>|:end|:all|@end)?\]")
# In a summary output's formula: [block.key:] the whole row, [block.key@0] year 0's cell, [block.key@1:] from year 1
RANGE_RE = re.compile(r"\[(\w+)\.(\w+)(:|@(\d+)(:)?)\]")


def substitute(excel: str, mapping: Callable[[str], str | None]) -> str:
    """Replace each name for which `mapping` gives a reference; leave the others."""

    def repl(m: re.Match) -> str:
        ref = mapping(m.group(1))
        return m.group(0) if ref is None else ref

    return NAME_RE.sub(repl, excel)


def inline(target: str, refs: dict[str, str]) -> str:
    """`target`'s formula with the inputs in `refs` replaced by their references and every
    output that depends on them expanded in place (the rest stay defined names)."""
    o = OUTPUTS[target]
    if o.block:
        raise ValueError(f"{target} summarises a yearly block and cannot be inlined")

    def mapping(name: str) -> str | None:
        if name in refs:
            return refs[name]
        if name in OUTPUTS and depends_on(name, refs):
            return f"({inline(name, refs)})"
        return None

    return substitute(o.excel, mapping)


def row_formula(excel: str, block: str, cell: Callable[[str, str, int], str], t: int, years: int) -> str:
    """A block row's formula for year column t: `cell(block, key, t)` gives a cell's reference."""

    def repl(m: re.Match) -> str:
        other, key, shift = m.group(1) or block, m.group(2), m.group(3)
        if shift == ":end":
            return f"{cell(other, key, t)}:{cell(other, key, years - 1, absolute=True)}"
        if shift == ":all":
            return f"{cell(other, key, 0, absolute=True)}:{cell(other, key, years - 1, absolute=True)}"
        if shift == "@end":
            return cell(other, key, years - 1, absolute=True)
        return cell(other, key, t + {"<": -1, ">": 1}.get(shift or "", 0))

    return ROW_RE.sub(repl, excel)
