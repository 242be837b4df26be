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


def _pages(pdf) -> list[tuple[str, float, float]]:
    """(sheet, the size in points of most of the page's proportional text, page width in points) for each page:
    the 10-pt text (labels, values, notes; titles and the footer are few characters, the 8- and 9-pt names and
    formulas are monospaced). The sheet's name is the footer's centre, which pypdf reads first: 'book.xlsx Project
    Page 32 of 89'."""
    out = []
    for page in pypdf.PdfReader(pdf).pages:
        sizes: Counter = Counter()

        def visit(text, cm, tm, font, size, sizes=sizes):
            if text.strip() and "Mono" not in str((font or {}).get("/BaseFont", "")):
                # the size as printed: the font's size scaled by the text and page matrices
                sizes[round(size * (tm[2] ** 2 + tm[3] ** 2) ** 0.5 * (cm[2] ** 2 + cm[3] ** 2) ** 0.5, 1)] += len(text)

        text = page.extract_text(visitor_text=visit)
        footer = re.fullmatch(r"\S+ (.+) Page \d+ of \d+", text.splitlines()[0])
        assert footer, text.splitlines()[0]
        out.append((footer[1], sizes.most_common(1)[0][0], float(page.mediabox.width)))
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
    # a check's gap row at float noise (1e-8 of $100m) prints "–", not a red "-$0" (a conditional format)
    noise = [i + 1 for i, page in enumerate(pypdf.PdfReader(pdf).pages)
             if re.search(r"-\$0(\.0m)?(?![\d.,])", page.extract_text())]
    assert not noise, f"pages showing -$0: {noise}"
    widths = {sheet: w for sheet, _, w in pages}
    assert widths["Project"] == pytest.approx(1190.55, abs=1) and widths["Inputs"] == pytest.approx(841.9, abs=1)  # A3, A4
