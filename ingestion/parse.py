"""Turn an uploaded file into cleaned pages of text, or explain why it cannot be read."""

import logging
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError, LimitReachedError

from ingestion.clean import clean_text, drop_running_lines
from ingestion.types import IngestError, Page

ProgressCallback = Callable[[int, int], None]

# PDF writers end the file with %%EOF; a file cut short in transfer lacks it near the end.
_EOF_WINDOW = 2048
_DETAIL_CHARS = 120
# A page has meaningful text when it holds at least one word of two or more letters.
_WORD = re.compile(r"[^\W\d_]{2}")

# Limits a manual stays well within; past them a file is data or a trap (see MAX_DOCUMENT_PAGES).
DEFAULT_MAX_PAGES = 5000
MAX_LINE_CHARS = 20_000
# Text-free pages drawing this much are no scan (images live outside the content stream).
_BOMB_BYTES = 100_000_000

_MARKDOWN_HEADING = re.compile(r"#{1,2} ")
_MARKDOWN_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


def parse_file(
    path: str | Path, kind: str, on_page: ProgressCallback | None = None, max_pages: int = DEFAULT_MAX_PAGES
) -> list[Page]:
    """Return the pages of a file of ``kind`` ("pdf", "html", "markdown" or "text").

    PDFs give one Page per page, numbered as printed, with empty text for blank pages and for
    damaged pages (marked ``unreadable``). Text gives one Page per form-feed page, Markdown
    and HTML one per top-level section. Call ``on_page(done, total)`` after each page. Raise
    IngestError when the file cannot be used, or has more than ``max_pages`` pages.
    """
    if kind == "pdf":
        return _parse_pdf(Path(path), on_page, max_pages)
    text = _read_utf8(Path(path))
    _check_lines(text)
    if kind == "markdown":
        sections = _split_markdown(text)
    elif kind == "html":
        sections = _split_html(text)
    elif kind == "text":
        # Counted before splitting: two million form feeds must not become two million strings.
        _check_page_count(text.count("\f") + 1, max_pages, "pages (form feeds)")
        sections = text.split("\f")
    else:
        raise ValueError(f"Unknown kind of file: {kind!r}")
    _check_page_count(len(sections), max_pages, "sections (headings)")
    texts = []
    for done, section in enumerate(sections, start=1):
        texts.append(clean_text(section))
        if on_page:
            on_page(done, len(sections))
    if kind == "text":
        texts = drop_running_lines(texts)
    if not any(texts):
        raise IngestError("The file is empty. Upload a file that contains the manual's text.")
    return [Page(number, text) for number, text in enumerate(texts, start=1)]


def _check_page_count(count: int, max_pages: int, what: str) -> None:
    if count > max_pages:
        raise IngestError(
            f"This file has {count:,} {what}, more than the {max_pages:,} one manual may have "
            "(MAX_DOCUMENT_PAGES). Split it into parts, or ask an admin to raise the limit."
        )


def _check_lines(text: str) -> None:
    """Refuse text with a line no manual has: data or an encoded file, which would make one endless chunk."""
    longest = max((len(line) for line in text.splitlines()), default=0)
    if longest > MAX_LINE_CHARS:
        raise IngestError(
            f"This file has a line of {longest:,} characters; a manual's lines hold a few hundred at most. "
            "It looks like data or an encoded file rather than a manual."
        )


def _parse_pdf(path: Path, on_page: ProgressCallback | None, max_pages: int) -> list[Page]:
    """Extract and clean the text of every page of a PDF."""
    _check_complete(path)
    raw, unreadable, unpacked = _extract_pdf(path, on_page, max_pages)
    texts = drop_running_lines([clean_text(text) for text in raw])
    if not any(_WORD.search(text) for text in texts) and unpacked > _BOMB_BYTES:
        raise IngestError(
            f"This PDF's pages unpack to {unpacked / 1e6:,.0f} MB of drawing instructions and no text; it looks "
            "built to exhaust the server (a decompression bomb), not like a manual. It was not read."
        )
    if not any(_WORD.search(text) for text in texts):
        raise IngestError(
            "This PDF has no text layer; it looks like a scanned document. Scanned PDFs need "
            "OCR, which Manualist does not support. Upload a PDF with selectable text."
        )
    return [Page(number, text, number in unreadable) for number, text in enumerate(texts, start=1)]


def _check_complete(path: Path) -> None:
    """Raise IngestError when the PDF was cut short, before a parser gives a vaguer error."""
    with path.open("rb") as file:
        file.seek(max(path.stat().st_size - _EOF_WINDOW, 0))
        tail = file.read()
    if b"%%EOF" not in tail:
        raise IngestError(
            "This PDF is incomplete; it may have been cut off while downloading or uploading. "
            "Upload the complete file again."
        )


def _extract_pdf(path: Path, on_page: ProgressCallback | None, max_pages: int) -> tuple[list[str], set[int], int]:
    """Return each page's raw text, the numbers of damaged pages and the bytes textless pages unpacked to.

    A damaged page is skipped with empty text, so one bad page does not lose the manual; a
    PDF whose every page is damaged is refused as damaged. Raise IngestError for unusable PDFs.
    """
    # pypdf raises many exception types on damaged files, not only its own PdfReadError.
    try:
        reader = PdfReader(path)
        # Owner-password-only PDFs restrict editing but open with an empty user password.
        locked = reader.is_encrypted and not reader.decrypt("")
        total = 0 if locked else len(reader.pages)
    except DependencyError:
        # A missing package (cryptography, for AES) is our fault, not a problem with the file.
        raise
    except Exception as error:
        raise _damaged(error) from error
    if locked:
        raise IngestError("This PDF is password-protected. Remove the password and upload it again.")
    if total == 0:
        raise IngestError("The file is empty: this PDF has no pages.")
    _check_page_count(total, max_pages, "pages")
    texts, unreadable, problems, unpacked = [], set(), [], 0
    with _PypdfProblems() as logged:
        for number in range(total):
            logged.clear()
            try:
                text = reader.pages[number].extract_text()
            except Exception as error:
                text, problem = "", error
            else:
                # pypdf logs some damage (a stream that will not unpack) and returns no text.
                problem = logged[0] if logged and not text.strip() else None
            texts.append(text)
            if not text.strip() and problem is None:
                unpacked += _content_bytes(reader.pages[number])
            if problem is not None:
                unreadable.add(number + 1)
                problems.append(problem)
            if on_page:
                on_page(number + 1, total)
    if len(unreadable) == total:
        raise _unreadable(problems[0])
    return texts, unreadable, unpacked


def _content_bytes(page) -> int:
    """Bytes a page's content stream unpacked to; pypdf keeps them from extraction, so this is cheap."""
    contents = page.get_contents()
    return len(contents.get_data()) if contents is not None else 0


class _PypdfProblems(list):
    """Collect the warnings pypdf logs while the block runs, as messages."""

    def __enter__(self):
        self._handler = logging.Handler(logging.WARNING)
        self._handler.emit = lambda record: self.append(record.getMessage())
        logging.getLogger("pypdf").addHandler(self._handler)
        return self

    def __exit__(self, *exc):
        logging.getLogger("pypdf").removeHandler(self._handler)


def _unreadable(problem: Exception | str) -> IngestError:
    """Say why no page of a PDF could be read: built to unpack past the safety limit, or damaged."""
    if isinstance(problem, LimitReachedError):
        return IngestError(
            "This PDF's pages unpack to more data than the safety limit for one page allows; it may be "
            "built to exhaust the server (a decompression bomb). It was not read."
        )
    return _damaged(problem if isinstance(problem, Exception) else ValueError(problem))


def _damaged(error: Exception) -> IngestError:
    """Describe a pypdf failure in a sentence, keeping a short technical detail for support."""
    lines = str(error).strip().splitlines()
    detail = lines[0] if lines else type(error).__name__
    if len(detail) > _DETAIL_CHARS:
        detail = detail[: _DETAIL_CHARS - 1] + "…"
    return IngestError(f"The file is damaged or is not a valid PDF ({detail}).")


def _read_utf8(path: Path) -> str:
    """Return the file's text, raising IngestError when it is not UTF-8."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IngestError("This text file is not saved as UTF-8. Save it as UTF-8 and upload it again.") from None


def _split_markdown(text: str) -> list[str]:
    """Split Markdown before each "# " or "## " heading that is not inside a fenced code block."""
    sections: list[list[str]] = [[]]
    fence = None
    for line in text.splitlines(keepends=True):
        marker = _MARKDOWN_FENCE.match(line)
        if marker and fence is None:
            fence = marker.group(1)[0]
        elif marker and marker.group(1)[0] == fence:
            fence = None
        elif fence is None and _MARKDOWN_HEADING.match(line):
            sections.append([])
        sections[-1].append(line)
    return [section for section in map("".join, sections) if section.strip()]


def _split_html(text: str) -> list[str]:
    """Split HTML into the visible text of each <h1>/<h2> section."""
    reader = _HtmlText()
    reader.feed(text)
    reader.close()
    return [section for section in map("".join, reader.sections) if section.strip()]


class _HtmlText(HTMLParser):
    """Collect visible text, one list of pieces per section, with blocks on their own lines."""

    _HIDDEN = frozenset({"script", "style", "noscript", "template", "title"})
    _SECTION = frozenset({"h1", "h2"})
    _PARAGRAPH = frozenset(
        {"p", "div", "section", "article", "main", "header", "footer", "nav", "aside", "address", "form"}
        | {"h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr", "figure", "details"}
        | {"ul", "ol", "dl", "table"}
    )
    _LINE = frozenset({"br", "caption", "dd", "dt", "figcaption", "li", "tr"})
    _CELL = frozenset({"td", "th"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[list[str]] = [[]]
        self._hidden_depth = 0
        self._pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self._HIDDEN:
            self._hidden_depth += 1
        elif tag in self._SECTION and not self._hidden_depth:
            self.sections.append([])
        if tag == "pre":
            self._pre_depth += 1
        # Only opening tags break lines, so "</li><li>" stays one line break, not two.
        if tag in self._LINE:
            self._append("\n")
        self._break_paragraph(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden_depth = max(self._hidden_depth - 1, 0)
        if tag == "pre":
            self._pre_depth = max(self._pre_depth - 1, 0)
        self._break_paragraph(tag)

    def handle_data(self, data: str) -> None:
        # Outside <pre>, source line breaks and indentation are just spaces to a browser.
        self._append(data if self._pre_depth else re.sub(r"\s+", " ", data))

    def _break_paragraph(self, tag: str) -> None:
        if tag in self._PARAGRAPH:
            self._append("\n\n")
        elif tag in self._CELL:
            self._append(" ")

    def _append(self, text: str) -> None:
        if not self._hidden_depth:
            self.sections[-1].append(text)
