"""The Charts sheet: every exhibit's chart, placed on a grid computed from the chart size."""

from __future__ import annotations

from ..book import Book
from ..exhibits import CHART_SIZE

PER_ROW = 2
ROW_PX, COL_PX = 20, 64  # default row height and column width in pixels
TOP = 3


def place(k: int) -> tuple[int, int]:
    """(row, column) of the k-th chart: PER_ROW across, a gap of one row or column between."""
    rows = -(-CHART_SIZE["height"] // ROW_PX) + 1
    cols = -(-CHART_SIZE["width"] // COL_PX) + 1
    return TOP + (k // PER_ROW) * rows, (k % PER_ROW) * cols


def write_charts(b: Book, exhibits: list) -> None:
    ws = b.sheet("Charts", "charts")
    st = b.st
    ws.write(0, 0, "Charts", st.title)
    ws.write(1, 0, "All series read live formula ranges of the model sheets.", st.subtitle)
    charts = []
    for ex in exhibits:  # an exhibit gives one chart or a tuple of them
        ch = ex.chart(b)
        charts += ch if isinstance(ch, tuple) else [ch]
    for k, ch in enumerate(charts):
        ws.insert_chart(*place(k), ch)
    last_row, _ = place(len(charts) - 1)
    # two rows of charts a page, broken between rows, not through a chart (all on one page: 3.4-pt axis labels)
    per_page = 2 * PER_ROW
    b.print_layout(ws, last_row + place(PER_ROW)[0] - TOP, PER_ROW * place(1)[1] - 1, repeat_first=False,
                   breaks=[place(k)[0] - 1 for k in range(per_page, len(charts), per_page)], most=1)
