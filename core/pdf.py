"""PDFs for the warehouse: a table to print on A4 (the pick list).

Texts are Uzbek (Latin, with its oʻ and gʻ) and Russian: the font is Noto Sans, shipped as a pip package
(fontpkg-noto-sans, OFL) so no system font is needed; no pip package ships DejaVu without a whole document
processor beside it. It is a variable font: fpdf2 takes its regular and bold instances."""

from __future__ import annotations

from collections.abc import Sequence

import fontpkg_noto_sans
from fpdf import FPDF
from fpdf.fonts import FontFace

FONT = "NotoSans"
_FONT_FILE = fontpkg_noto_sans.ROOT / "files" / "NotoSans[wdth,wght].ttf"
# A column is as wide as its longest text up to this many characters; a longer text wraps within it.
_WIDEST_COLUMN_CHARS = 40


def _document() -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.add_font(FONT, "", _FONT_FILE, variations={"wght": 400})
    pdf.add_font(FONT, "B", _FONT_FILE, variations={"wght": 700})
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(True, margin=10)
    return pdf


def table_pdf(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    """One table under its title; columns share the width by their longest text, the header repeats on each
    page, a long text wraps within its cell."""
    pdf = _document()
    pdf.add_page()
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, "", 9)
    widths = [
        max(4, min(_WIDEST_COLUMN_CHARS, max(len(line) for text in column for line in text.split("\n"))))
        for column in zip(columns, *rows, strict=True)
    ]
    with pdf.table(
        col_widths=tuple(widths),
        headings_style=FontFace(emphasis="BOLD"),
        line_height=4.5,
        repeat_headings=1,
    ) as table:
        for values in (columns, *rows):
            line = table.row()
            for value in values:
                line.cell(value)
    return bytes(pdf.output())
