"""Make the PDFs that tests upload, so every file's content is known and nothing is downloaded."""

from io import BytesIO
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import EncryptionMethod
from pypdf import PdfWriter


def make_pdf(path: Path, pages: list[str], header: str | None = None, footer: str | None = None) -> Path:
    """Write a PDF with one page per string, optional running header and footer.

    ``header`` and ``footer`` may hold ``{page}`` and ``{total}``, as in "Page {page} of {total}".
    """
    path.write_bytes(_pdf_bytes(pages, header, footer))
    return path


def make_encrypted_pdf(path: Path, user_password: str = "secret", aes: bool = False) -> Path:
    """Write a PDF that needs ``user_password`` to open; an empty one restricts only editing.

    RC4 is the default because reading it needs no extra package; AES needs ``cryptography``.
    """
    method = EncryptionMethod.AES_256 if aes else EncryptionMethod.RC4
    pdf = _new_pdf()
    pdf.set_encryption(owner_password="owner-secret", user_password=user_password, encryption_method=method)
    pdf.add_page()
    pdf.multi_cell(0, 6, "The pump must be primed before first use.")
    path.write_bytes(bytes(pdf.output()))
    return path


def make_truncated_pdf(path: Path) -> Path:
    """Write the first half of a valid PDF, as left by an interrupted download."""
    whole = _pdf_bytes([f"Page {number} explains step {number}." for number in range(1, 6)])
    path.write_bytes(whole[: len(whole) // 2])
    return path


def make_image_only_pdf(path: Path) -> Path:
    """Write a two-page PDF with drawings and no text, like a scan without OCR."""
    pdf = _new_pdf()
    for _ in range(2):
        pdf.add_page()
        pdf.set_fill_color(90, 90, 90)
        pdf.rect(20, 20, 120, 80, style="F")
    path.write_bytes(bytes(pdf.output()))
    return path


def make_corrupt_pdf(path: Path) -> Path:
    """Write a PDF header and end marker around bytes that are not a PDF body."""
    garbage = bytes(range(256)).replace(b"%", b"-") * 16
    path.write_bytes(b"%PDF-1.7\n" + garbage + b"\n%%EOF\n")
    return path


def make_pageless_pdf(path: Path) -> Path:
    """Write a well-formed PDF that has no pages."""
    buffer = BytesIO()
    PdfWriter().write(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def _pdf_bytes(pages: list[str], header: str | None = None, footer: str | None = None) -> bytes:
    """Return the bytes of a PDF with one page per string."""
    pdf = _new_pdf()
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        pdf.add_page()
        if header:
            pdf.cell(0, 8, header.format(page=number, total=total), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(6)
        pdf.multi_cell(0, 6, text)
        if footer:
            pdf.set_y(-20)
            pdf.cell(0, 8, footer.format(page=number, total=total))
    return bytes(pdf.output())


def _new_pdf() -> FPDF:
    """Return an empty PDF whose pages never break on their own, so page numbers stay known."""
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=11)
    return pdf
