"""The Sensitivity sheet: two-way grids of live formulas (no data tables)."""

from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name

from model.registry import INPUTS, OUTPUTS

from ..book import Book, r9
from ..formula import inline

GRIDS = (
    ("Cost per M output tokens ($) by serving utilization (rows) × optimization multiplier (columns)",
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
    ws.set_column(1, 12, 12)
    ws.freeze_panes(3, 0)
    ws.print_area(0, 0, r, 12)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def grid(b: Book, ws, r: int, title: str, target: str, row_key: str, col_key: str) -> int:
    st = b.st
    rows_v, cols_v = b.axis_values[row_key], b.axis_values[col_key]
    b.section_row(ws, r, title, len(cols_v) + 1)
    r += 1
    ws.write(r, 0, f"{INPUTS[row_key].label} ↓ / {INPUTS[col_key].label} →", st.note)
    for j, ref in enumerate(b.axis_cells[col_key]):
        b.formula(ws, r, 2 + j, ref, st.value(INPUTS[col_key].unit), cols_v[j])
    head = r
    points = b.along([{row_key: rv, col_key: cv} for rv in rows_v for cv in cols_v], (target,))
    unit = OUTPUTS[target].unit
    fmt = st.never if target.startswith("breakeven_") else st.value(unit)  # a breakeven ≥ 100% is never reached
    first = r + 1
    for i, ref in enumerate(b.axis_cells[row_key]):
        r += 1
        b.formula(ws, r, 1, ref, st.value(INPUTS[row_key].unit), rows_v[i])
        for j in range(len(cols_v)):
            rref = f"$B{r + 1}"
            cref = f"{xl_col_to_name(2 + j)}${head + 1}"
            b.formula(ws, r, 2 + j, inline(target, {row_key: rref, col_key: cref}), fmt,
                      points[i * len(cols_v) + j][target])
    last_col = 1 + len(cols_v)
    # colour scale (low green, high red: costs and breakevens are better low); the base case's row and
    # column (axis value = live input) outlined
    ws.conditional_format(first, 2, r, last_col, {"type": "3_color_scale", "min_color": "#63BE7B",
                                                  "mid_color": "#FFEB84", "max_color": "#F8696B"})
    ws.conditional_format(first, 1, r, 1, {"type": "formula", "criteria": f"=ROUND($B{first + 1}-{row_key},9)=0",
                                           "format": st.base_case})
    ws.conditional_format(head, 2, head, last_col, {"type": "formula",
                                                    "criteria": f"=ROUND(C${head + 1}-{col_key},9)=0",
                                                    "format": st.base_case})
    # writer-level check: the grid's base point (both axis values equal to the live inputs) is the headline;
    # vacuous (1) when the live inputs are not on the axes
    grid_rng = f"Sensitivity!$C${first + 1}:${xl_col_to_name(last_col)}${r + 1}"
    rows_rng = f"Sensitivity!$B${first + 1}:$B${r + 1}"
    cols_rng = f"Sensitivity!$C${head + 1}:${xl_col_to_name(last_col)}${head + 1}"
    text = (f"IFERROR(IF(ROUND(INDEX({grid_rng},MATCH({row_key},{rows_rng},0),MATCH({col_key},{cols_rng},0))"
            f"-{target},9)=0,1,0),1)")
    rv, cv = b.base[row_key], b.base[col_key]
    ok = 1
    if rv in rows_v and cv in cols_v:
        got = points[rows_v.index(rv) * len(cols_v) + cols_v.index(cv)][target]
        ok = int(r9(got - b.values[target]) == 0) if got == got else 1
    b.extra_checks.append((f"Sensitivity base point = {OUTPUTS[target].label}", text, ok,
                           f"the grid at ({row_key}, {col_key}) = the live inputs equals {target}; 1 when they "
                           "are not on the axes"))
    ws.write(r + 1, 0, "Outlined: the axis value equal to the live input (the base case); "
                       "breakevens at or above 100% show as never.", st.note)
    return r + 2
