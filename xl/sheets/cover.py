"""The Cover: the selected scenario, the master check, the headline outputs, the contents."""

from __future__ import annotations

from datetime import UTC, datetime

from model.registry import INPUTS, OUTPUTS, SECTIONS

from ..book import Book
from .inputs import SELECTOR_REF, template_columns

SELECTED_NAME_CELL = "$C$7"  # the selected template's name, read from the header by position

HEADLINES = ("total_cost_per_gpu_hour", "rental_gross_margin", "cost_per_m_output_tokens", "managed_gross_margin",
             "breakeven_utilization_economic", "optimal_owned_gpus", "wacc", "project_npv", "project_irr",
             "equity_irr", "fleet_debt", "fleet_min_dscr")


def write_cover(b: Book, ws) -> None:
    st = b.st
    ws.write(0, 1, "The economics of AI inference", st.title)
    ws.write(1, 1, "From a GPU-hour to a balance sheet: cost stack, throughput, pricing, business models "
                   "and capital structure, as live formulas.", st.subtitle)
    ws.write(3, 1, "Scenario", st.section)
    # the selector is an input, so it lives on Inputs; the Cover shows it and links there
    ws.write(5, 1, "Scenario number (template column)", st.text)
    b.formula(ws, 5, 2, "scenario_number", st.text, b.selected + 1)
    ws.write_url(5, 4, f"internal:Inputs!{SELECTOR_REF}", st.link, f"change it on Inputs, cell {SELECTOR_REF}")
    ws.write_string(4, 1, f"Template columns: {template_columns(b)}"[:32_000], st.note)
    ws.write(6, 1, "Selected template", st.text)
    b.formula(ws, 6, 2, f"INDEX({b.template_header},1,scenario_number)", st.text, b.scenarios[b.selected].header)
    b.wb.define_name("selected_scenario", f"=Cover!{SELECTED_NAME_CELL}")
    ws.write(7, 1, "Master check", st.text)
    # an error in a check (text pasted over an input, past its validation) reads as a failure, not as #VALUE!
    b.formula(ws, 7, 2, f"IFERROR(MIN({','.join(b.check_cells)}),0)", st.master, b.master)
    ws.write(9, 1, "Headline outputs", st.section)
    ws.write(9, 2, None, st.section)
    ws.write(9, 3, None, st.section)
    r = 10
    for name in HEADLINES:
        o = OUTPUTS[name]
        ws.write(r, 1, o.label, st.text)
        b.formula(ws, r, 2, name, st.output(name, o.unit, b.values[name]), b.values[name])
        ws.write(r, 3, o.unit, st.unit)
        r += 1
    # every headline flagged while the master check fails
    ws.conditional_format(10, 2, r - 1, 2, {"type": "formula", "criteria": "=$C$8<>1", "format": st.flagged})
    ws.write(r, 1, "Headlines on a red fill: a check has failed (see Checks); red figures alone are negative.",
             st.note)
    r += 1
    r = about(b, ws, r)
    ws.set_column(0, 0, 2)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 2, 18)
    ws.set_column(3, 3, 14)
    ws.set_column(4, 4, 70)
    ws.activate()
    b.print_layout(ws, r, 4, repeat_first=False, most=1, tall=1)  # one page (~6.2 pt); column A: a margin


# what each sheet is (section sheets: their MODEL.md section title)
SHEET_NOTES = {
    "Inputs": "Every input: the scenario selector (G3), a column per template, the live column, the axes of the exhibits",
    "Sensitivity": "Two-way grids of live formulas around the live scenario",
    "Scenarios": "Every template's headline outputs side by side; returns across the contracted share",
    "Scenario calc": "The line items the Scenarios sheet reads, laid out once per template and per contracted share",
    "Charts": "Every chart, over live ranges of the model sheets",
    "Checks": "Integrity checks (1 = OK); the master check above is their minimum (0 if one shows an error)",
    "Definitions": "Every name: unit, section, definition and Excel formula, generated from the model's registry",
}


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as _v

    try:
        return _v("ai-inference-economics")
    except PackageNotFoundError:
        return "dev"


def about(b: Book, ws, r: int) -> int:
    """The file explains itself: version, build time, the template, every --set, what each sheet is."""
    st = b.st
    sel = b.scenarios[b.selected]
    ws.write(r, 1, "About this file", st.section)
    for c in (2, 3, 4):
        ws.write_blank(r, c, None, st.section)
    rows = [("Model version", version()),
            ("Built (UTC)", datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")),
            ("Template (as built)", sel.name),
            ("Its description", sel.description or "–"),
            # two short lines: the cell's text runs on over D:E, unwrapped, to the print edge
            ("Reading the sheets", "blue on a pale fill: an input (on the Inputs sheet only); black: a formula"),
            ("", "a name in column B upright: its defined cell is on the row; italic: the row recomputes it")]
    for label, text in rows:
        r += 1
        ws.write(r, 1, label, st.text)
        ws.write_string(r, 2, str(text), st.note)
    r += 2
    # a record of the build, not live: the selector (Inputs!G3) may since show another template
    ws.write(r, 1, "Overrides at build (--set)", st.header)
    for c, h in enumerate(("Template value", "Built with", "Unit"), start=2):
        ws.write(r, c, h, st.header_num if c < 4 else st.header_pad)
    if not sel.overrides:
        r += 1
        ws.write(r, 1, "none: every input is the template's", st.note)
    for name, tv in sel.overrides.items():
        r += 1
        ws.write_string(r, 1, name, st.name)
        fmt = st.money(INPUTS[name].unit, tv, sel.values[name])
        ws.write_number(r, 2, tv, fmt)
        ws.write_number(r, 3, float(sel.values[name]), fmt)
        ws.write(r, 4, INPUTS[name].unit, st.unit_pad)
    r += 2
    ws.write(r, 1, "Sheet", st.header)
    ws.write(r, 2, "What it is", st.header)
    for c in (3, 4):
        ws.write_blank(r, c, None, st.header)
    titles = {sheet: title for sheet, title in SECTIONS.values()}
    for s in b.sheets[1:]:
        r += 1
        ws.write_url(r, 1, f"internal:'{s}'!A1", st.link, s)
        ws.write_string(r, 2, SHEET_NOTES.get(s) or titles.get(s) or "UDF formulas (add-in) beside the model", st.note)
    return r + 1
