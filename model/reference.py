"""The model reference (docs/model.md), generated from the registry: every input and output by section.

`python -m model reference > docs/model.md` regenerates it; tests/test_docs.py fails when it is stale.
"""

from __future__ import annotations

from .registry import BLOCKS, CHECKS, CONSTANTS, INPUTS, OUTPUTS, SECTIONS


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _num(v: float) -> str:
    # whole numbers of a million and more with thousands separators, but not the DSCR sentinel's 301 digits
    return f"{v:,.0f}" if 1e6 <= abs(v) < 1e16 and v == int(v) else f"{v:g}"


def _table(title: str, header: list[str], rows: list[list[str]]) -> list[str]:
    """A titled Markdown table, or nothing when there are no rows."""
    if not rows:
        return []
    return [f"### {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(r) + " |" for r in rows), ""]


def render() -> str:
    """The whole reference as Markdown."""
    out = ["# Model reference", "",
           "Generated from the registry (`model/inputs.py`, `model/lines/`, `model/checks.py`); do not edit by hand.",
           "Every name is a Python key, a TOML key and a workbook-defined name. Seed values come from the bundled",
           "`seed` template. Undefined results are `nan` in Python and `#N/A` in the workbook.", "",
           "## Constants", "", "| name | value | unit |", "|---|---|---|"]
    out += [f"| `{c.name}` | {_num(c.value)} | {c.unit} |" for c in CONSTANTS.values()]
    for sec, (sheet, title) in SECTIONS.items():
        out += ["", f"## {title}", "", f"Workbook sheet: *{sheet}*.", ""]
        out += _table("Inputs", ["name", "unit", "domain", "seed", "meaning"],
                      [[f"`{i.name}`", i.unit, _cell(i.domain.text()), _num(i.default), _cell(i.description)]
                       for i in INPUTS.values() if i.section == sec])
        out += _table("Outputs", ["name", "unit", "definition", "Excel"],
                      [[f"`{o.name}`", o.unit, _cell(o.formula), f"`{_cell(o.excel)}`"]
                       for o in OUTPUTS.values() if o.section == sec])
        for b in (b for b in BLOCKS.values() if b.section == sec):
            out += _table(f"Yearly block `{b.name}`: {b.title} ({b.years} years)\n\n{_cell(b.func.__doc__ or '')}",
                          ["row", "unit", "Excel, each year"],
                          [[f"`{r.key}` {_cell(r.label)}", r.unit, f"`{_cell(r.excel)}`"] for r in b.rows])
        out += _table("Checks", ["name", "what it tests", "Excel (1 = OK)"],
                      [[f"`{c.name}`", _cell(c.description), f"`{_cell(c.excel)}`"]
                       for c in CHECKS.values() if c.section == sec])
    return "\n".join(out).rstrip() + "\n"
