"""The smallest valid PDF a sandbox can answer with where a platform sends a file (labels, acts): one page per
item, a few lines of ASCII text each. Written by hand so that the sandboxes (shipped in the package for the demo)
pull in no PDF library of their own; any reader (pypdf, a browser) opens it."""

from __future__ import annotations

from collections.abc import Sequence

MM = 72 / 25.4
LABEL_SIZE = (58 * MM, 40 * MM)
A4 = (210 * MM, 297 * MM)


def text_pdf(pages: Sequence[Sequence[str]], size: tuple[float, float] = LABEL_SIZE) -> bytes:
    """A PDF with one page per entry of ``pages``, each entry its lines of text (Helvetica, 8 pt)."""
    width, height = size
    font = 3 + 2 * len(pages)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(len(pages))), len(pages)),
    ]
    for i, lines in enumerate(pages):
        text = b"".join(
            b"BT /F1 8 Tf 6 %.2f Td (%s) Tj ET\n" % (height - 12 - 10 * row, _escaped(line))
            for row, line in enumerate(lines)
        )
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Contents %d 0 R"
            b" /Resources << /Font << /F1 %d 0 R >> >> >>" % (width, height, 4 + 2 * i, font)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _escaped(line: str) -> bytes:
    raw = line.encode("ascii", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
