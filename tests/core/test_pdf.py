"""Labels of several orders print as one PDF, one 58x40 mm page per label, whatever file each platform gave."""

from __future__ import annotations

from io import BytesIO

import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader

from core.errors import ValidationError
from core.pdf import Printable, labels_pdf, papers_pdf

LABEL = (pytest.approx(58 * 72 / 25.4, abs=0.01), pytest.approx(40 * 72 / 25.4, abs=0.01))
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="58mm" height="40mm" viewBox="0 0 58 40">'
    b'<rect width="20" height="10"/></svg>'
)


def _pdf_label(text: str, width_mm: float, height_mm: float) -> bytes:
    pdf = FPDF(unit="mm", format=(width_mm, height_mm))
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.text(5, 10, text)
    return bytes(pdf.output())


def _png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (580, 400), "white").save(out, "PNG")
    return out.getvalue()


def _sizes(pdf: bytes) -> list[tuple[float, float]]:
    return [(float(page.mediabox.width), float(page.mediabox.height)) for page in PdfReader(BytesIO(pdf)).pages]


def test_labels_of_every_kind_become_one_label_page_each_in_order() -> None:
    made = labels_pdf(
        [
            Printable(_pdf_label("OZON-123", 75, 120), "application/pdf"),  # portrait: turned to fit
            Printable(_png(), "image/png"),
            Printable(SVG, "image/svg+xml"),
            Printable(_pdf_label("OZON-456", 58, 40), "application/pdf"),
        ]
    )
    reader = PdfReader(BytesIO(made))
    assert _sizes(made) == [LABEL] * 4
    assert "OZON-123" in reader.pages[0].extract_text()
    assert "OZON-456" in reader.pages[3].extract_text()


def test_hand_over_papers_keep_an_acts_size_and_put_a_qr_code_on_a_label() -> None:
    made = papers_pdf([Printable(_pdf_label("ACT", 210, 297), "application/pdf"), Printable(_png(), "image/png")])
    assert _sizes(made) == [(pytest.approx(595.28, abs=0.01), pytest.approx(841.89, abs=0.01)), LABEL]


def test_a_file_that_is_no_label_is_refused() -> None:
    with pytest.raises(ValidationError):
        labels_pdf([Printable(b"<html/>", "text/html")])
    with pytest.raises(ValidationError):
        labels_pdf([])
