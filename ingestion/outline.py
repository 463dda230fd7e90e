"""Read a PDF's outline (its bookmarks): the manual's own list of sections and the page each starts on."""

from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader


@dataclass(frozen=True)
class OutlineEntry:
    """One bookmark: its title, its depth (1 for a chapter) and the index of the page it opens."""

    title: str
    level: int
    page_index: int


def pdf_outline(path: str | Path) -> list[OutlineEntry]:
    """Return the PDF's bookmarks in reading order, or an empty list when it has none.

    The outline only helps chunking, so a damaged one, or a bookmark pointing nowhere, is
    skipped rather than failing the upload: the pages were already read without it.
    """
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            return []
        entries: list[OutlineEntry] = []
        _walk(reader, reader.outline, 1, entries)
    except Exception:
        return []
    return sorted(entries, key=lambda entry: entry.page_index)


def _walk(reader: PdfReader, items: list, level: int, entries: list[OutlineEntry]) -> None:
    """Flatten pypdf's nested outline, where a list after an entry holds that entry's children."""
    for item in items:
        if isinstance(item, list):
            _walk(reader, item, level + 1, entries)
            continue
        try:
            page_index = reader.get_destination_page_number(item)
        except Exception:
            continue
        title = " ".join(str(getattr(item, "title", "") or "").split())
        if title and page_index is not None and page_index >= 0:
            entries.append(OutlineEntry(title=title, level=level, page_index=page_index))
