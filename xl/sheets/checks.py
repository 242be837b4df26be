"""The Checks sheet: the registered checks (model/checks.py) and every template's inputs within domain."""

from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name

from model.registry import CHECKS, INPUTS
from model.validate import SHARE_TOLERANCE, SHARES

from ..book import Book
from .inputs import bound_cells

TEXT_WIDTH = 100  # column C: what each check tests, wrapped; the domain table's input labels
T0 = 3  # the domain table's first template column (D)


def _describe(b: Book, ws, r: int, text: str) -> None:
    """What a check tests, wrapped in column C at the top of its row (the label beside it is at the top too)."""
    b.wrapped(ws, r, 2, text, TEXT_WIDTH, b.st.note_wrap)


def write_checks(b: Book) -> None:
    ws = b.sheet("Checks", "checks")
    st = b.st
    ws.write(0, 0, "Checks", st.title)
    ws.write(1, 0, "1 = OK, 0 = failed. The master check on the Cover is the minimum of all checks (0 if one shows "
                   "an error).", st.subtitle)
    for c, h in enumerate(["Check", "Result", "What it tests"]):
        ws.write(3, c, h, st.header)
    # the stored result of each check is its Python body on the model's values, so a file that is not
    # recalculated tells the truth too
    results = b.check_results
    r = 4
    b.check_cells = []
    b.check_values = []
    for name, c in CHECKS.items():
        ws.write(r, 0, c.label, st.text_top)
        b.formula(ws, r, 1, b.resolve_ranges(c.excel), st.check, int(results[name]))
        b.check_values.append(int(results[name]))
        _describe(b, ws, r, c.description)
        b.check_cells.append(f"Checks!$B${r + 1}")
        r += 1
    for label, text, value, note in b.extra_checks:
        ws.write(r, 0, label, st.text_top)
        b.formula(ws, r, 1, text, st.check, value)
        b.check_values.append(value)
        _describe(b, ws, r, note)
        b.check_cells.append(f"Checks!$B${r + 1}")
        r += 1
    # the selection is a template column: a whole number from 1 whose column has a template's name (INDEX past
    # the last column is #REF!, text fails INT: both 0)
    ws.write(r, 0, "Selected scenario is a template column", st.text)
    sel = (f"IFERROR(IF(AND(INT(scenario_number)=scenario_number,scenario_number>=1,"
           f"INDEX({b.template_header},1,scenario_number)<>\"\"),1,0),0)")
    b.formula(ws, r, 1, sel, st.check, 1)
    b.check_values.append(1)
    _describe(b, ws, r, "scenario_number is a whole number from 1 to the number of template columns")
    b.check_cells.append(f"Checks!$B${r + 1}")
    r += 1
    # every template's inputs within domain and shares summing to 1
    r += 1
    n_t = len(b.scenarios)
    b.section_row(ws, r, "Inputs within their domains, by template (1 = every input OK)", T0 - 1 + n_t)
    r += 1
    summary_row = r
    ws.write(r, 0, "All inputs in domain", st.text)
    r += 1
    shares_row = r
    ws.write(r, 0, "Segment shares sum to 1", st.text)
    r += 1
    ws.write(r, 0, "Input", st.header)
    ws.write(r, 1, "Domain", st.header)
    ws.write(r, 2, "Label", st.header)
    for i, s in enumerate(b.scenarios):
        ws.write_string(r, T0 + i, s.name, st.header_center)
    r += 1
    first = r
    for name, spec in INPUTS.items():
        ws.write(r, 0, name, st.name)
        ws.write(r, 1, spec.domain.text(), st.unit)
        ws.write(r, 2, spec.label, st.note)
        for i in range(n_t):
            b.formula(ws, r, T0 + i, domain_formula(b, name, i), st.check, 1)
        r += 1
    for i, s in enumerate(b.scenarios):
        col = xl_col_to_name(T0 + i)
        b.formula(ws, summary_row, T0 + i, f"IF(MIN({col}{first + 1}:{col}{r}),1,0)", st.check, 1)
        shares = "+".join(b.template_cell(n, i) for n in SHARES)
        # the registered shares check (its tolerance, its body) on each template's own cells
        shares_ok = CHECKS["segment_shares_sum_to_one"].func(sum(s.values[n] for n in SHARES), SHARE_TOLERANCE)
        shares_excel = CHECKS["segment_shares_sum_to_one"].excel.replace("segment_share_total", f"({shares})")
        b.formula(ws, shares_row, T0 + i, shares_excel, st.check, shares_ok)
        b.check_values += [1, shares_ok]  # every template was validated against the domains
        ws.write_string(summary_row - 1, T0 + i, s.name, st.header_center)  # over centred OKs
        b.check_cells.append(f"Checks!${col}${summary_row + 1}")
        b.check_cells.append(f"Checks!${col}${shares_row + 1}")
    b.master = min(b.check_values)
    ws.set_column(0, 0, 48)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, TEXT_WIDTH)
    ws.set_column(T0, T0 - 1 + n_t, 14)
    ws.freeze_panes(4, 1)
    b.print_layout(ws, r, T0 - 1 + n_t, header=3)


def domain_formula(b: Book, name: str, i: int) -> str:
    dom = INPUTS[name].domain
    x = b.template_cell(name, i)
    mn, mx = (f"Inputs!{cell}" for cell in bound_cells(b.input_rows[name]))
    # a number: text fails x*1=x, and a cleared cell (which reads as 0 and passes that) fails x&""<>""
    conds = [f"IFERROR({x}*1={x},FALSE)", f'{x}&""<>""']
    if dom.lo is not None:
        conds.append(f"{x}{'>' if dom.lo_open else '>='}{mn}")
    if dom.hi is not None:
        conds.append(f"{x}{'<' if dom.hi_open else '<='}{mx}")
    if dom.integer:
        conds.append(f"INT({x})={x}")
    return f"IF(AND({','.join(conds)}),1,0)"
