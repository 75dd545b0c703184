"""Documents the demo makes itself: a one-page PDF written out by hand (no real
document is ever copied into the demo). The page says, in plain ASCII, what the
document stands for; the Chinese title is in the PDF's metadata (UTF-16, as the PDF
format allows for text strings)."""

from __future__ import annotations

from collections.abc import Sequence


def _pdf_text(value: str) -> bytes:
    """A PDF text string: ASCII as a literal, anything else as UTF-16BE with its BOM."""
    if value.isascii():
        escaped = value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return f"({escaped})".encode("ascii")
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def minimal_pdf(title: str, lines: Sequence[str]) -> bytes:
    """A valid one-page PDF (A4) showing ``lines`` (ASCII) in Helvetica, titled
    ``title`` in its metadata."""
    shown = [line.encode("ascii", errors="replace").decode("ascii") for line in lines]
    ops = ["BT", "/F1 14 Tf", "56 780 Td", "18 TL"]
    for line in shown:
        ops.append(_pdf_text(line).decode("ascii") + " Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Title " + _pdf_text(title) + b" /Producer (workflow demo) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)
