"""Small value types passed between the pipeline stages."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    """Text of one page (PDF) or section (text, Markdown, HTML); numbers start at 1."""

    number: int
    text: str


@dataclass(frozen=True)
class ChunkText:
    """A piece of a document sized for the embedding model, with its page span and offsets."""

    ordinal: int
    text: str
    page_start: int
    page_end: int
    char_start: int
    char_end: int
    token_count: int


class IngestError(Exception):
    """A permanent problem with a file; ``reason`` is shown to the person who uploaded it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
