"""The pick list's table PDF: Uzbek Latin and Cyrillic come out as written, and a long table goes on over pages
under its headings."""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader

from core.pdf import table_pdf


def test_a_long_table_repeats_its_headings_on_every_page_in_uzbek_and_russian() -> None:
    columns = ["Mahsulot", "Soni"]
    rows = [[f"Ko'ylak oʻgʻil bolalar uchun / Рубашка № {n}", str(n)] for n in range(70)]

    reader = PdfReader(BytesIO(table_pdf("Terish roʻyxati", columns, rows)))

    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) > 1
    assert all(page.split("\n")[0 if index else 1].startswith("Mahsulot") for index, page in enumerate(pages))
    assert "Terish roʻyxati" in pages[0] and "oʻgʻil bolalar uchun / Рубашка № 69" in pages[-1]
