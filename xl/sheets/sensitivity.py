"""The Sensitivity sheet: two-way grids of live formulas (no data tables)."""

from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name

from model.registry import INPUTS, OUTPUTS

from ..book import Book, agree, agree_excel
from ..formula import inline
from ..styles import marks_never

GRIDS = (
    ("Cost per M output tokens ($/M tokens) by serving utilization (rows) × optimization multiplier (columns)",
     "cost_per_m_output_tokens", "serving_utilization", "optimization_multiplier"),
    ("Breakeven utilization with WACC by market GPU-hour price ($/GPU-h, rows) × cost of equity (columns)",
     "breakeven_utilization_wacc", "rental_price_per_gpu_hour", "cost_of_equity"),
)


def write_sensitivity(b: Book) -> None:
    ws = b.sheet("Sensitivity", "sensitivity")
    st = b.st
    ws.write(0, 0, "Sensitivity", st.title)
    ws.write(1, 0, "Two-way grids of live formulas (no data tables): each cell recomputes its line item with "
                   "the row and column values; everything else comes from the live inputs.", st.subtitle)
    r = 1
    for title, target, row_key, col_key in GRIDS:
        r = grid(b, ws, r + 2, title, target, row_key, col_key)
    ws.set_column(0, 0, 30)
    last = ws.dim_colmax  # the grids' last column: the page is not scaled for empty columns
    ws.set_column(1, last, 14)  # "115.5% (never)"
    ws.freeze_panes(3, 0)
    b.print_layout(ws, r, last)


def grid(b: Book, ws, r: int, title: str, target: str, row_key: str, col_key: str) -> int:
    """One two-way grid: the base case (the live inputs) as its first row and column, then the axis points."""
    st = b.st
    rows_v, cols_v = [b.base[row_key], *b.axis_values[row_key]], [b.base[col_key], *b.axis_values[col_key]]
    rows_ref, cols_ref = [row_key, *b.axis_cells[row_key]], [col_key, *b.axis_cells[col_key]]
    last_col = 1 + len(cols_v)
    b.section_row(ws, r, title, last_col)
    r += 1
    ws.write(r, 0, f"{INPUTS[row_key].label} ↓ / {INPUTS[col_key].label} →", st.note)
    for j, ref in enumerate(cols_ref):
        b.formula(ws, r, 2 + j, ref, st.value(INPUTS[col_key].unit, "live" if j == 0 else "calc"), cols_v[j])
    head = r
    points = b.along([{row_key: rv, col_key: cv} for rv in rows_v for cv in cols_v], (target,))
    unit = OUTPUTS[target].unit
    fmt = st.breakeven if marks_never(target) else st.value(unit)
    first = r + 1
    for i, ref in enumerate(rows_ref):
        r += 1
        ws.write(r, 0, "Base case (live inputs)" if i == 0 else None, st.text)
        b.formula(ws, r, 1, ref, st.value(INPUTS[row_key].unit, "live" if i == 0 else "calc"), rows_v[i])
        for j in range(len(cols_v)):
            rref = f"$B{r + 1}"
            cref = f"{xl_col_to_name(2 + j)}${head + 1}"
            b.formula(ws, r, 2 + j, inline(target, {row_key: rref, col_key: cref}), fmt,
                      points[i * len(cols_v) + j][target])
    # colour scale over the axis points (low green, high red: costs and breakevens are better low); the base
    # row and column shaded, an axis point equal to the live input outlined
    ws.conditional_format(first + 1, 3, r, last_col, {"type": "3_color_scale", "min_color": "#63BE7B",
                                                      "mid_color": "#FFEB84", "max_color": "#F8696B"})
    ws.conditional_format(first, 1, first, last_col, {"type": "no_blanks", "format": st.base_line})
    ws.conditional_format(first, 2, r, 2, {"type": "no_blanks", "format": st.base_line})
    ws.conditional_format(first + 1, 1, r, 1, {"type": "formula", "format": st.base_case,
                                               "criteria": f"=ROUND($B{first + 2}-$B${first + 1},9)=0"})
    ws.conditional_format(head, 3, head, last_col, {"type": "formula", "format": st.base_case,
                                                    "criteria": f"=ROUND(D${head + 1}-$C${head + 1},9)=0"})
    # writer-level check: the grid's base point, recomputed inline with the live inputs, is the headline
    # (an error in both counts as equal: the headline's own error is another check's business)
    base = f"Sensitivity!$C${first + 1}"
    text = agree_excel(base, target)
    ok = agree(points[0][target], b.values[target])
    b.extra_checks.append((f"Sensitivity base point = {OUTPUTS[target].label}", text, ok,
                           f"the grid's base case ({row_key}, {col_key} at their live values) equals {target}"))
    never = (" A breakeven at or above 100% is marked (never): owning costs more than renting at any utilization."
             if fmt is st.breakeven else "")
    ws.write(r + 1, 0, "First row and column (shaded): the base case, the live inputs; an axis point equal to "
                       f"it is outlined.{never}", st.note)
    return r + 2
