"""Tell what kind of file an upload is from its first bytes, not from its name."""

import codecs
import re
from pathlib import PurePath

from ingestion.types import IngestError

_ACCEPTED = "Upload a PDF, plain text, Markdown or HTML file."

# Readers accept a PDF header anywhere in the first kilobyte, after junk some tools prepend.
_PDF_WINDOW = 1024

# Byte patterns matched at the start of the file, for formats people upload by mistake.
_SIGNATURES = (
    (rb"\x89PNG\r\n\x1a\n", "a PNG image"),
    (rb"\xff\xd8\xff", "a JPEG image"),
    (rb"GIF8[79]a", "a GIF image"),
    (rb"PK\x03\x04", "a ZIP archive or an Office document (Word, Excel, PowerPoint)"),
    (rb"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document (Word, Excel, PowerPoint)"),
    (rb"\x7fELF", "a program (executable file)"),
    # A text file may well start with "MZ"; a Windows program has NUL bytes in its header.
    (rb"MZ[^\x00]{0,60}\x00", "a Windows program (executable file)"),
    (rb"\x1f\x8b", "a gzip-compressed archive"),
    (rb"\{\\rtf", "an RTF document"),
)

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

_MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}

_HTML_START = ("<!doctype html", "<html")
_HTML_TAG = re.compile(r"<(?:html|head|body)[\s>]", re.IGNORECASE)
_HTML_WINDOW = 1024

# Tab, newline, carriage return and form feed (a page break) are normal in text files.
_CONTROL_BYTE = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_MAX_CONTROL_SHARE = 0.01


def detect_kind(head: bytes, filename: str) -> str:
    """Return "pdf", "html", "markdown" or "text" for a file starting with ``head``.

    Raise IngestError naming the detected format when the file is something else. The name
    only decides between Markdown and plain text, because people rename files freely.
    """
    if looks_like_pdf(head):
        return "pdf"
    for magic, description in _SIGNATURES:
        if re.match(magic, head):
            raise IngestError(f"This file looks like {description}, not a manual. {_ACCEPTED}")
    if head.startswith(_UTF16_BOMS):
        raise IngestError("This text file is saved as UTF-16. Save it as UTF-8 and upload it again.")
    text = _decode_text(head)
    if _HTML_TAG.search(text[:_HTML_WINDOW]) or text.lstrip().lower().startswith(_HTML_START):
        return "html"
    if PurePath(filename).suffix.lower() in _MARKDOWN_SUFFIXES:
        return "markdown"
    return "text"


def looks_like_pdf(head: bytes) -> bool:
    """Return True when a PDF reader would take a file starting with ``head`` for a PDF."""
    return b"%PDF-" in head[:_PDF_WINDOW]


def _decode_text(head: bytes) -> str:
    """Decode ``head`` as UTF-8 text, or raise IngestError when it is binary or another encoding."""
    # In UTF-8 every byte below 0x80 is its ASCII character, so control bytes are control chars.
    if b"\x00" in head or len(_CONTROL_BYTE.findall(head)) > _MAX_CONTROL_SHARE * len(head):
        raise IngestError(f"This file does not look like a PDF or a text file. {_ACCEPTED}")
    # An incremental decoder tolerates a character cut in half at the end of the head.
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError:
        raise IngestError("This text file is not saved as UTF-8. Save it as UTF-8 and upload it again.") from None
