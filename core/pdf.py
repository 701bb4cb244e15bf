"""PDFs for the warehouse: the platforms' labels made into one file for a 58x40 mm label printer, and a table to
print on A4 (the pick list).

The platforms give labels as PDF pages of their own size, or as PNG or SVG pictures: every one becomes one
58x40 mm page, fitted whole (turned a quarter when that prints it larger), so several orders' labels print in
one go. fpdf2 places the pictures; pypdf reads the platforms' PDFs and writes the result.

Our own texts are Uzbek (Latin, with its oʻ and gʻ) and Russian: their font is Noto Sans, shipped as a pip
package (fontpkg-noto-sans, OFL) so no system font is needed; no pip package ships DejaVu without a whole
document processor beside it. It is a variable font, embedded as its default (regular) instance: asking fpdf2
for another instance (bold) costs some 10 s of font work per document, so headings are shaded, not bold."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from io import BytesIO

import fontpkg_noto_sans
from fpdf import FPDF
from fpdf.fonts import FontFace
from pypdf import PageObject, PdfReader, PdfWriter, Transformation

from core.errors import ValidationError

LABEL_WIDTH_MM, LABEL_HEIGHT_MM = 58.0, 40.0
_POINTS_PER_MM = 72 / 25.4
PICTURES = ("image/png", "image/jpeg", "image/svg+xml")
FONT = "NotoSans"
_FONT_FILE = fontpkg_noto_sans.ROOT / "files" / "NotoSans[wdth,wght].ttf"
# A table's column is as wide as its longest text up to this many characters; a longer text wraps within it.
_WIDEST_COLUMN_CHARS = 40


@dataclass(frozen=True)
class Printable:
    """A file to print as it came: its bytes and its media type (application/pdf, or one of PICTURES)."""

    content: bytes
    media_type: str


def labels_pdf(documents: Sequence[Printable]) -> bytes:
    """One PDF, a 58x40 mm page per label page, in the order given."""
    return _merged(documents, fit_pdfs=True)


def papers_pdf(documents: Sequence[Printable]) -> bytes:
    """One PDF of a hand-over's papers: a platform's PDF (an act) keeps its pages' size, a picture (a supply's
    QR code) goes on a label page."""
    return _merged(documents, fit_pdfs=False)


def _merged(documents: Sequence[Printable], *, fit_pdfs: bool) -> bytes:
    if not documents:
        raise ValidationError("there is nothing to print", "documents")
    writer = PdfWriter()
    width, height = LABEL_WIDTH_MM * _POINTS_PER_MM, LABEL_HEIGHT_MM * _POINTS_PER_MM
    for document in documents:
        for page in _pages(document):
            if fit_pdfs or document.media_type != "application/pdf":
                _fit(writer.add_blank_page(width, height), page, width, height)
            else:
                writer.add_page(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _pages(document: Printable) -> Iterator[PageObject]:
    if document.media_type == "application/pdf":
        yield from PdfReader(BytesIO(document.content)).pages
    elif document.media_type in PICTURES:
        yield from PdfReader(BytesIO(_picture_page(document.content))).pages
    else:
        raise ValidationError(f"a label cannot be printed from {document.media_type}", "media_type")


def _picture_page(content: bytes) -> bytes:
    """A picture on a label-sized page of its own, as large as it fits."""
    pdf = FPDF(unit="mm", format=(LABEL_WIDTH_MM, LABEL_HEIGHT_MM))
    pdf.set_margin(0)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.image(BytesIO(content), x=0, y=0, w=LABEL_WIDTH_MM, h=LABEL_HEIGHT_MM, keep_aspect_ratio=True)
    return bytes(pdf.output())


def _fit(target: PageObject, page: PageObject, width: float, height: float) -> None:
    """Draw `page` on `target`, scaled to fit whole and centred; a portrait page on a landscape label is turned."""
    box = page.mediabox
    page_width, page_height = float(box.width), float(box.height)
    turn = (page_height > page_width) != (height > width)
    # Moved to the origin first; turned a quarter anticlockwise (x, y) -> (-y, x), then moved back into view.
    placed = Transformation().translate(-float(box.left), -float(box.bottom))
    if turn:
        placed = placed.rotate(90).translate(page_height, 0)
        page_width, page_height = page_height, page_width
    scale = min(width / page_width, height / page_height)
    placed = placed.scale(scale, scale).translate((width - page_width * scale) / 2, (height - page_height * scale) / 2)
    target.merge_transformed_page(page, placed)


def _document() -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.add_font(FONT, "", _FONT_FILE)
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(True, margin=10)
    return pdf


def table_pdf(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    """One table under its title; columns share the width by their longest text, the header repeats on each
    page, a long text wraps within its cell."""
    pdf = _document()
    pdf.add_page()
    pdf.set_font(FONT, "", 14)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, "", 9)
    widths = [  # in characters, and two more for the cell's padding, so a heading never breaks mid-word
        2 + min(_WIDEST_COLUMN_CHARS, max(len(line) for text in column for line in text.split("\n")))
        for column in zip(columns, *rows, strict=True)
    ]
    with pdf.table(
        col_widths=tuple(widths),
        headings_style=FontFace(fill_color=(210, 210, 210)),
        line_height=4.5,
        repeat_headings=1,
    ) as table:
        for values in (columns, *rows):
            line = table.row()
            for value in values:
                line.cell(value)
    return bytes(pdf.output())
