"""The workbook prints: LibreOffice converts it to PDF (every sheet, with its print set-up)."""

from __future__ import annotations

import pytest

import xl
from xl.libreoffice import soffice, to_pdf

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice not installed")


def test_pdf_conversion_succeeds(tmp_path):
    src = tmp_path / "book.xlsx"
    xl.build(src)
    pdf = to_pdf(src, tmp_path / "pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 50_000
