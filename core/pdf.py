"""PDFs for the warehouse: the platforms' labels made into one file for a 58x40 mm label printer.

The platforms give labels as PDF pages of their own size, or as PNG or SVG pictures: every one becomes one
58x40 mm page, fitted whole (turned a quarter when that prints it larger), so several orders' labels print in
one go. fpdf2 places the pictures; pypdf reads the platforms' PDFs and writes the result."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from io import BytesIO

from fpdf import FPDF
from pypdf import PageObject, PdfReader, PdfWriter, Transformation

from core.errors import ValidationError

LABEL_WIDTH_MM, LABEL_HEIGHT_MM = 58.0, 40.0
_POINTS_PER_MM = 72 / 25.4
PICTURES = ("image/png", "image/jpeg", "image/svg+xml")


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
