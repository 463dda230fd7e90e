import pytest

from ingestion.detect import detect_kind
from ingestion.types import IngestError

PDF_HEAD = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"


def reason_for(head: bytes, filename: str) -> str:
    with pytest.raises(IngestError) as caught:
        detect_kind(head, filename)
    return caught.value.reason


def test_it_detects_pdf_named_txt_from_its_content():
    assert detect_kind(PDF_HEAD, "manual.txt") == "pdf"


def test_it_detects_pdf_header_after_leading_junk():
    assert detect_kind(b"\r\n\x00junk\n" + PDF_HEAD, "manual") == "pdf"


def test_it_rejects_png_renamed_to_pdf_naming_the_format():
    reason = reason_for(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "manual.pdf")

    assert "PNG image" in reason
    assert "Upload a PDF, plain text, Markdown or HTML file" in reason


@pytest.mark.parametrize(
    ("head", "named"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG image"),
        (b"GIF89a\x01\x00\x01\x00", "GIF image"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Office document"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "old Office document"),
        (b"\x7fELF\x02\x01\x01\x00", "program"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "Windows program"),
        (b"\x1f\x8b\x08\x00\x00\x00", "gzip"),
        (b"{\\rtf1\\ansi\\deff0", "RTF document"),
    ],
)
def test_it_names_formats_uploaded_by_mistake(head, named):
    assert named in reason_for(head, "manual.pdf")


def test_it_rejects_unknown_binary_with_a_generic_reason():
    reason = reason_for(bytes(range(256)) * 4, "manual.txt")

    assert reason.startswith("This file does not look like a PDF or a text file.")


def test_it_accepts_text_that_happens_to_start_with_mz():
    assert detect_kind(b"MZ-300 blender: quick start guide\n", "guide.txt") == "text"


def test_it_detects_html_from_a_doctype_despite_a_txt_name():
    head = b"\xef\xbb\xbf\n  <!DOCTYPE html>\n<html><head><title>X200</title></head>"

    assert detect_kind(head, "manual.txt") == "html"


def test_it_detects_html_from_a_body_tag_after_a_comment():
    head = b"<!-- exported by HelpWriter -->\n<body>\n<p>Press the power button.</p>"

    assert detect_kind(head, "manual") == "html"


@pytest.mark.parametrize(
    ("filename", "kind"),
    [("guide.md", "markdown"), ("guide.MARKDOWN", "markdown"), ("guide.txt", "text"), ("guide", "text")],
)
def test_it_uses_the_extension_only_to_tell_markdown_from_text(filename, kind):
    assert detect_kind(b"# Quick start\n\nPress the power button.\n", filename) == kind


def test_it_accepts_utf8_text_with_a_bom():
    assert detect_kind(b"\xef\xbb\xbfCaf\xc3\xa9 machine manual\n", "manual.txt") == "text"


def test_it_accepts_a_character_cut_in_half_at_the_end_of_the_head():
    head = ("Temperature: 90 °C. " * 100).encode()

    assert detect_kind(head[:-1], "manual.txt") == "text"


def test_it_rejects_text_that_is_not_utf8_with_reason():
    reason = reason_for("Café machine manual, température 90 °C\n".encode("latin-1"), "manual.txt")

    assert reason == "This text file is not saved as UTF-8. Save it as UTF-8 and upload it again."


def test_it_rejects_utf16_text_with_reason():
    reason = reason_for("Manual\n".encode("utf-16"), "manual.txt")

    assert "UTF-16" in reason
    assert "Save it as UTF-8" in reason
