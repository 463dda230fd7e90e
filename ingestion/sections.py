"""Find where a manual's sections begin, so chunks can follow sections and say which one they are from.

A PDF's outline names its sections exactly; each bookmark is placed where its title appears on
its page. Without an outline, numbered headings ("6.2 Boost mode") are taken from the text;
Markdown and HTML pages already start at their headings. Table-of-contents and index pages are
found too: their dot leaders and page numbers match many questions and answer none.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingestion.outline import OutlineEntry
from ingestion.types import Page

_NAVIGATION_TITLE = re.compile(r"(table of )?contents|index|list of (figures|tables|examples)", re.IGNORECASE)
_NUMBERED_HEADING = re.compile(r"(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+([A-Z][^\n]{1,78})")
_MARKDOWN_HEADING = re.compile(r"(#{1,6})\s+(.+)")
_PAGE_REFERENCE = re.compile(r"(\.{3,}|\s|,)\s*\d{1,5}(\s*[-\u2013]\s*\d{1,5})?$")
_DOT_LEADER = re.compile(r"(\. ?){3,}\s*\d{1,5}$")
_INDEX_LINE = re.compile(r",\s*\d{1,5}(\s*[-\u2013]\s*\d{1,5})?(,\s*\d{1,5})*$")
_NAVIGATION_HEADER = re.compile(r"\b(table of )?contents\b|^index\b", re.IGNORECASE)
_NAVIGATION_LEVELS = 2
_MAX_HEADING_WORDS = 12
_MIN_REFERENCE_LINES = 6
_REFERENCE_SHARE = 0.5
_MARKER_SHARE = 0.3


@dataclass(frozen=True)
class Heading:
    """Where a section begins (page index and offset in that page's text) and its heading path."""

    page_index: int
    offset: int
    path: tuple[str, ...]


def find_headings(pages: Sequence[Page], kind: str, outline: Sequence[OutlineEntry] = ()) -> list[Heading]:
    """Return the document's section starts in reading order, from its outline when it has one."""
    if outline:
        return _outline_headings(pages, outline)
    if kind in ("markdown", "html"):
        return _first_line_headings(pages, kind)
    return _numbered_headings(pages)


def navigation_pages(pages: Sequence[Page], outline: Sequence[OutlineEntry] = ()) -> set[int]:
    """Return the indexes of table-of-contents and index pages, by their bookmark or by their look."""
    found = {index for index, page in enumerate(pages) if _looks_like_navigation(page.text)}
    for position, entry in enumerate(outline):
        # Deeper down, "Index" is a topic like any other (gnuplot's "plot ... index" keyword).
        if entry.level > _NAVIGATION_LEVELS or not _NAVIGATION_TITLE.fullmatch(entry.title):
            continue
        following = (later.page_index for later in outline[position + 1 :] if later.level <= entry.level)
        end = next((page for page in following if page > entry.page_index), len(pages))
        found.update(range(entry.page_index, end))
    return found


def _outline_headings(pages: Sequence[Page], outline: Sequence[OutlineEntry]) -> list[Heading]:
    """Place each bookmark where its title appears on its page, else at the top of the page."""
    headings: list[Heading] = []
    trail: list[str] = []
    for entry in outline:
        if entry.page_index >= len(pages):
            continue
        del trail[entry.level - 1 :]
        trail.extend([""] * (entry.level - 1 - len(trail)))
        trail.append(entry.title)
        earlier = [heading.offset for heading in headings if heading.page_index == entry.page_index]
        offset = _find_title(pages[entry.page_index].text, entry.title, max(earlier, default=0))
        headings.append(Heading(entry.page_index, offset, tuple(part for part in trail if part)))
    return headings


def _find_title(text: str, title: str, start: int) -> int:
    """Return where ``title`` begins in ``text`` at or after ``start``; ``start`` when it is not there.

    Words may be split across lines or lose their spaces in extraction, so any run of
    whitespace (or none) may stand between them. A heading starts a line, so a match there is
    preferred over the same words inside a sentence.
    """
    words = [re.escape(word) for word in title.split()]
    if not words:
        return start
    pattern = r"\s*".join(words)
    match = re.compile(rf"(?m)^{pattern}", re.IGNORECASE).search(text, start) or re.compile(
        pattern, re.IGNORECASE
    ).search(text, start)
    return match.start() if match else start


def _first_line_headings(pages: Sequence[Page], kind: str) -> list[Heading]:
    """Markdown and HTML pages are sections that begin with their heading line."""
    headings = []
    for index, page in enumerate(pages):
        first = page.text.partition("\n")[0].strip()
        if kind == "markdown":
            match = _MARKDOWN_HEADING.fullmatch(first)
            first = match.group(2).strip(" #") if match else ""
        if first and len(first.split()) <= _MAX_HEADING_WORDS:
            headings.append(Heading(index, 0, (first,)))
    return headings


def _numbered_headings(pages: Sequence[Page]) -> list[Heading]:
    """Take lines such as "6.2 Boost mode" as headings when their numbers keep increasing.

    A numbered list inside section 6.2 restarts at 1, so requiring each number to follow the
    last heading's keeps list items and table rows out.
    """
    headings: list[Heading] = []
    last: tuple[int, ...] = ()
    titles: dict[tuple[int, ...], str] = {}
    navigation = navigation_pages(pages)
    for index, page in enumerate(pages):
        if index in navigation:
            continue
        for line in re.finditer(r"[^\n]+", page.text):
            match = _NUMBERED_HEADING.fullmatch(line.group().strip())
            if not match or not _is_title(match.group(2)):
                continue
            number = tuple(int(part) for part in match.group(1).split("."))
            if number <= last:
                continue
            last = number
            titles[number] = f"{match.group(1)} {match.group(2).strip()}"
            path = tuple(titles[number[:depth]] for depth in range(1, len(number) + 1) if number[:depth] in titles)
            headings.append(Heading(index, line.start(), path))
    return headings


def _is_title(text: str) -> bool:
    """Tell a heading's words from a sentence or a table row that happens to start with a number."""
    text = text.strip()
    ends_like_prose = text.endswith((".", ",", ":", ";")) or text[-1].isdigit()
    return len(text.split()) <= _MAX_HEADING_WORDS and not ends_like_prose


def _looks_like_navigation(text: str) -> bool:
    """Tell a table-of-contents or index page: most lines end in page numbers, with leaders or commas."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    references = [line for line in lines if _PAGE_REFERENCE.search(line)]
    if len(references) < _MIN_REFERENCE_LINES or len(references) < _REFERENCE_SHARE * len(lines):
        return False
    marked = sum(1 for line in references if _DOT_LEADER.search(line) or _INDEX_LINE.search(line))
    # The title, or a running header such as "CONTENTS gnuplot 5.4 5", within the first lines.
    titled = any(_NAVIGATION_HEADER.search(line) for line in lines[:2])
    return titled or marked >= _MARKER_SHARE * len(lines)
