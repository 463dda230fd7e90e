"""Tidy extracted text so chunks hold the words of the manual and little else."""

import math
import re

# NBSP and the other Unicode spaces look like a space to a reader, so treat them as one.
_ODD_SPACE = re.compile(r"[\t\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# Control characters (newline kept) and invisible marks: soft hyphens, zero-width chars, BOMs.
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200d\u2060\ufeff]")
_SPACE_RUN = re.compile(r" {2,}")
_BLANK_RUN = re.compile(r"\n{3,}")
_LINE_END_HYPHEN = re.compile(r"(?<=\w)-\n(?=\w)")
_DIGITS = re.compile(r"\d+")

# A running line sits within this many non-empty lines of a page's top or bottom.
_EDGE_LINES = 2
_MIN_PAGES_FOR_RUNNING_LINES = 3
_RUNNING_SHARE = 0.5


def clean_text(text: str) -> str:
    """Return ``text`` with odd whitespace normalised and line-end hyphenation joined."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = _INVISIBLE.sub("", _ODD_SPACE.sub(" ", text))
    lines = (_SPACE_RUN.sub(" ", line).strip() for line in text.split("\n"))
    text = _LINE_END_HYPHEN.sub(_join_hyphenated, "\n".join(lines))
    return _BLANK_RUN.sub("\n\n", text).strip()


def drop_running_lines(pages: list[str]) -> list[str]:
    """Remove headers and footers that repeat near the top or bottom of many pages.

    Numbers are ignored when comparing, so "Page 3 of 40" repeats like any other footer. Leave
    documents under three pages alone: two pages are too few to tell a footer from content.
    """
    if len(pages) < _MIN_PAGES_FOR_RUNNING_LINES:
        return pages
    edges = [_edge_keys(page) for page in pages]
    seen: dict[str, int] = {}
    for keys in edges:
        for key in set(keys.values()):
            seen[key] = seen.get(key, 0) + 1
    needed = math.ceil(_RUNNING_SHARE * len(pages))
    running = {key for key, count in seen.items() if count >= needed}
    return [_drop_lines(page, keys, running) for page, keys in zip(pages, edges, strict=True)]


def _join_hyphenated(match: re.Match) -> str:
    """Join a word split across lines, but keep hyphens in names like "Wi-Fi" or "X-ray"."""
    before, after = match.string[match.start() - 1], match.string[match.end()]
    return "" if before.islower() and after.islower() else match.group()


def _edge_keys(page: str) -> dict[int, str]:
    """Map the line numbers of a page's first and last non-empty lines to comparison keys."""
    lines = page.split("\n")
    filled = [number for number, line in enumerate(lines) if line.strip()]
    edge = filled[:_EDGE_LINES] + filled[-_EDGE_LINES:]
    return {number: _running_key(lines[number]) for number in edge}


def _running_key(line: str) -> str:
    """Return a line without its numbers, so "gnuplot 5.4 111" and "112 gnuplot 5.4" compare equal.

    Books put the page number outside, left on even pages and right on odd ones; a line that is
    only a number keys as "#".
    """
    return " ".join(_DIGITS.sub(" ", line).split()).casefold() or "#"


def _drop_lines(page: str, keys: dict[int, str], running: set[str]) -> str:
    """Return ``page`` without the edge lines whose key is a running line."""
    lines = page.split("\n")
    kept = [line for number, line in enumerate(lines) if keys.get(number) not in running]
    return _BLANK_RUN.sub("\n\n", "\n".join(kept)).strip()
