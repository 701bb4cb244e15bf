"""A one-page PDF label written by hand (PDF 1.4, Helvetica text): what a sandbox hands out where the real platform
prints a label. Written here rather than with a PDF library so that the demo room needs no dependency for a
few lines of text, and the bytes are the same on every run."""

from __future__ import annotations

from collections.abc import Sequence

POINTS_PER_MM = 72 / 25.4


def label_pdf(width_mm: float, height_mm: float, lines: Sequence[str]) -> bytes:
    """A page of ``width_mm`` x ``height_mm`` with ``lines`` of text from the top (Latin-1 only, the rest as ?)."""
    width, height = width_mm * POINTS_PER_MM, height_mm * POINTS_PER_MM
    size = max(4.0, min(8.0, (height - 4) / max(1, len(lines)) - 1))
    text = " ".join(
        f"1 0 0 1 3 {height - (index + 1) * (size + 1):.2f} Tm ({_escaped(line)}) Tj"
        for index, line in enumerate(lines)
    )
    content = f"BT /F1 {size:.2f} Tf {text} ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width:.2f} {height:.2f}] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>".encode(),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _escaped(line: str) -> str:
    latin = line.encode("latin-1", errors="replace").decode("latin-1")
    return latin.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
