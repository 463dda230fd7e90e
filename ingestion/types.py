"""Small value types passed between the pipeline stages."""

from dataclasses import dataclass

# Joins the headings of a section path ("Plot > Data > Separator", with a guillemet) wherever written.
SECTION_SEPARATOR = " \u203a "


@dataclass(frozen=True)
class Page:
    """Text of one page (PDF) or section (text, Markdown, HTML); numbers start at 1."""

    number: int
    text: str
    unreadable: bool = False  # a damaged PDF page, skipped with empty text


@dataclass(frozen=True)
class ChunkText:
    """A piece of a document sized for the embedding model, with its page span, offsets and section.

    ``char_start`` is an offset into the text of its first page, ``char_end`` into its last.
    """

    ordinal: int
    text: str
    page_start: int
    page_end: int
    char_start: int
    char_end: int
    token_count: int
    section: str = ""  # heading path, outermost first, joined by SECTION_SEPARATOR
    searchable: bool = True  # False on contents and index pages, which retrieval leaves out


class IngestError(Exception):
    """A permanent problem with a file; ``reason`` is shown to the person who uploaded it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
