"""The workbook prints: LibreOffice converts it to PDF (every sheet, with its print set-up), and the text on every
page is legible: each sheet runs to as many pages across as keep its 10-pt text at 6 pt or more (on one page wide,
the widest printed at 3.4-5 pt)."""

from __future__ import annotations

import re
from collections import Counter

import pypdf
import pytest

import xl
from xl.libreoffice import soffice, to_pdf

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed")


def _sheet(text: str) -> str:
    """The sheet a page's text is from: the footer's centre, which pypdf reads first ('book.xlsx Project Page 32
    of 89')."""
    footer = re.fullmatch(r"\S+ (.+) Page \d+ of \d+", text.splitlines()[0])
    assert footer, text.splitlines()[0]
    return footer[1]


def _pages(pdf) -> list[tuple[str, float, float]]:
    """(sheet, the size in points of most of the page's proportional text, page width in points) for each page:
    the 10-pt text (labels, values, notes; titles and the footer are few characters, the 8- and 9-pt names and
    formulas are monospaced)."""
    out = []
    for page in pypdf.PdfReader(pdf).pages:
        sizes: Counter = Counter()

        def visit(text, cm, tm, font, size, sizes=sizes):
            if text.strip() and "Mono" not in str((font or {}).get("/BaseFont", "")):
                # the size as printed: the font's size scaled by the text and page matrices
                sizes[round(size * (tm[2] ** 2 + tm[3] ** 2) ** 0.5 * (cm[2] ** 2 + cm[3] ** 2) ** 0.5, 1)] += len(text)

        sheet = _sheet(page.extract_text(visitor_text=visit))
        out.append((sheet, sizes.most_common(1)[0][0], float(page.mediabox.width)))
    return out


@pytest.fixture(scope="module")
def seed_pdf(tmp_path_factory):
    """The seed workbook, printed."""
    tmp = tmp_path_factory.mktemp("pdf")
    xl.build(tmp / "book.xlsx")
    return to_pdf(tmp / "book.xlsx", tmp / "pdf")


def test_pdf_conversion_succeeds_and_every_page_is_legible(seed_pdf):
    pdf = seed_pdf
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 50_000
    pages = _pages(pdf)
    # 6 pt, less the rounding of the scale to whole percents; the charts two across a page, at 55%
    small = [(i + 1, sheet, size) for i, (sheet, size, _) in enumerate(pages)
             if size < (5.4 if sheet == "Charts" else 5.9)]
    assert not small, f"pages whose 10-pt text prints below 6 pt (page, sheet, size): {small}"
    assert 60 <= len(pages) <= 110, len(pages)  # legible, not a ream: 36 pages at 3.4-7.5 pt before
    counts = Counter(sheet for sheet, _, _ in pages)
    assert counts["Cover"] == 1 and counts["Charts"] == 3, counts  # the ten charts four a page, none cut
    widths = {sheet: w for sheet, _, w in pages}
    assert widths["Project"] == pytest.approx(1190.55, abs=1) and widths["Inputs"] == pytest.approx(841.9, abs=1)  # A3, A4


def _grid_breakevens(text: str) -> list[tuple[float, bool]]:
    """The Sensitivity page's breakevens (one decimal, as the grid prints them; its axes print two) and whether each
    is marked (never)."""
    return [(float(m[1]), bool(m[2])) for m in re.finditer(r"(?<![\d.])(\d+\.\d)%( \(never\))?", text)]


def test_a_breakeven_at_or_above_100_percent_prints_its_number_marked_never(seed_pdf):
    """The Sensitivity grid of breakevens prints every value, as the Cover and the command line do; those the
    operator never reaches (≥ 100%) carry "(never)". At seed, a $1.50 market price puts its row at 104-132%."""
    text = "\n".join(t for t in (p.extract_text() for p in pypdf.PdfReader(seed_pdf).pages) if _sheet(t) == "Sensitivity")
    shown = _grid_breakevens(text)
    assert len(shown) == 49 and "###" not in text, text  # the 7 × 7 grid, every cell legible
    assert [v for v, marked in shown if marked] and all(marked == (v >= 100) for v, marked in shown), shown
    assert text.count("(never)") == sum(marked for _, marked in shown) + 1  # and the note below the grid


def test_a_gap_of_float_noise_prints_a_dash_and_a_cent_prints(tmp_path):
    """A check's gap row shows "–" where the gap rounds to 0 cents, and its amount from a cent on. The Project's debt
    corkscrew given a gap of 1e-5 (noise; LibreOffice, as Excel, shows a difference within ~1e-15 of its terms as 0,
    so its own recalculation leaves none here: the stored values carry Python's) prints no "-$0"; the DSCR sheet's
    given one of 2 cents prints "-$0", as any other negative amount."""
    import openpyxl

    src = tmp_path / "book.xlsx"
    xl.build(src)
    wb = openpyxl.load_workbook(src)
    for sheet, add in (("Project", "+1E-5"), ("DSCR", "+0.02")):  # closing balance of the 3rd year column
        ws = wb[sheet]
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "closing")
        ws.cell(row, 8).value = f"=({ws.cell(row, 8).value[1:]}){add}"
    wb.save(src)
    pdf = to_pdf(src, tmp_path / "pdf")
    shown: dict[str, bool] = {}
    for page in pypdf.PdfReader(pdf).pages:
        text = page.extract_text()
        sheet = _sheet(text)
        shown[sheet] = shown.get(sheet, False) or bool(re.search(r"-\$0(\.0m)?(?![\d.,])", text))
    assert (shown["Project"], shown["DSCR"]) == (False, True), shown


def test_the_scenarios_breakevens_carry_the_same_mark(seed_pdf):
    """The Scenarios sheet's breakeven row (every template side by side) marks those at or above 100% (never), as
    the grid does: at seed, the seed's 94.53% plain, coreweave's and h100-market's (115-128%) marked."""
    text = "\n".join(t for t in (p.extract_text() for p in pypdf.PdfReader(seed_pdf).pages) if _sheet(t) == "Scenarios")
    rows = "\n".join(line for line in text.splitlines() if "(never)" in line)  # the row, on the pages it runs over
    shown = [(float(m[1]), bool(m[2])) for m in re.finditer(r"(?<![\d.])(\d+\.\d\d)%( \(never\))?", rows)]
    assert any(marked for _, marked in shown) and not all(marked for _, marked in shown), shown
    assert all(marked == (v >= 100) for v, marked in shown), shown
