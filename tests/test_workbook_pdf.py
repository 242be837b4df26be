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


def test_pdf_conversion_succeeds_and_every_page_is_legible(tmp_path):
    src = tmp_path / "book.xlsx"
    xl.build(src)
    pdf = to_pdf(src, tmp_path / "pdf")
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
