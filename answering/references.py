"""Follow a manual's own pointers: a section that sends the reader to another yields its place to it.

Manuals describe a feature in an overview and configure it elsewhere, and the overview says so:
"See Configuring replication traffic integrity checking for information on how to enable it."
Both sections share the feature's words, so search often ranks the overview first, while the
answer a support agent needs is in the section it points to. After retrieval, the top hits'
sections are read for such pointers ("See <a heading of the same manual>") to a section on the
same subject (the two headings share a word): a pointed-to section already among the hits moves
in front of the section pointing to it, and one that search missed is brought in right after
it, with its own similarity score. Pointers to other subjects are asides ("Dealing with hard
drive failure" points to "DRBD meta data"), and so are page pointers in a command reference
("see set style (p. 204)"): on the real-manual set following either moved right first hits down.
"""

import re
from collections.abc import Iterable
from typing import Protocol

from answering.retrieve import ChunkSource, Hit
from ingestion.types import SECTION_SEPARATOR

# Only the first hits' pointers are followed: further down, a pointer is more often an aside.
REFERENCE_DEPTH = 3
# Shorter headings ("Plot", "Help") start too many sentences after "see" by chance.
MIN_HEADING_CHARS = 12

_NUMBERING = re.compile(r"^(?:(?:Chapter|Appendix|Section|Part)\s+)?(?:\d+(?:\.\d+)*\.?|[A-Z](?:\.\d+)*\.)\s+")
_POINTER = re.compile(r"\bsee\s+(?:also\s+)?(?:the\s+)?(?:section\s+)?", re.IGNORECASE)
_LONGEST_POINTED_TEXT = 160
_WORD = re.compile(r"[^\W\d_]{4,}")
# Words that headings share without sharing a subject: "Configuring X" and "Configuring Y".
_HEADING_VERBS = frozenset({"using", "configuring", "configuration", "enabling", "disabling", "setting", "settings"})
_HEADING_FILLERS = frozenset({"working", "managing", "with", "about", "from", "into", "your", "other", "more", "when"})


class SectionLookup(Protocol):
    """What following pointers needs to read from where the chunks are kept."""

    def section_text(self, document_id: int, section: str) -> str:
        """Return the whole text of one section of a document."""

    def sections(self, document_id: int) -> list[str]:
        """Return the section paths of a document's searchable chunks."""

    def entry(self, document_id: int, section: str, like: Hit) -> tuple[Hit, ChunkSource] | None:
        """Return the first searchable chunk of a section as a hit scored against the query, or None."""


def heading_of(section: str) -> str:
    """Return a section path's last heading without its number: "Configuring I/O error handling"."""
    return _NUMBERING.sub("", section.rsplit(SECTION_SEPARATOR.strip(), 1)[-1].strip()).strip()


def referenced_sections(text: str, sections: Iterable[str]) -> list[str]:
    """Return the sections ``text`` sends the reader to with "See <heading>", in the order it does.

    The longest heading that the words after "see" start with wins, so "See Configuring the
    rate of synchronization" names that section, not one called "Configuring the rate".
    """
    by_heading: dict[str, str] = {}
    for section in sections:
        heading = heading_of(section).casefold()
        if len(heading) >= MIN_HEADING_CHARS:
            by_heading.setdefault(heading, section)
    found: list[str] = []
    for pointer in _POINTER.finditer(text):
        pointed = " ".join(text[pointer.end() : pointer.end() + _LONGEST_POINTED_TEXT].split()).casefold()
        named = [heading for heading in by_heading if pointed.startswith(heading) and _ends_word(pointed, heading)]
        if named and by_heading[max(named, key=len)] not in found:
            found.append(by_heading[max(named, key=len)])
    return found


def same_topic(section: str, other: str) -> bool:
    """Tell whether two sections' headings share a word of their subject ("flushes", "verification").

    An overview that points to the section configuring its own feature defers to it; a pointer
    to another subject ("Dealing with hard drive failure" to "DRBD meta data") is an aside.
    """
    return bool(_subject_words(section) & _subject_words(other))


def _subject_words(section: str) -> set[str]:
    return {
        word for word in _WORD.findall(heading_of(section).casefold()) if word not in _HEADING_VERBS | _HEADING_FILLERS
    }


def _ends_word(text: str, prefix: str) -> bool:
    return len(text) == len(prefix) or not text[len(prefix)].isalnum()


def follow_references(hits: list[Hit], sources: dict[str, ChunkSource], lookup: SectionLookup, top_k: int) -> list[Hit]:
    """Reorder ``hits`` (one per section, best first) by the pointers of the first REFERENCE_DEPTH ones.

    A later hit in a section that an earlier one points to moves in front of it; when no hit
    is in the first pointed-to section, that section's first chunk is inserted after the hit
    pointing to it, and ``sources`` gains its text. A hit moved or brought in this way is not
    followed in turn. Returns top_k hits at most.
    """
    ranked = list(hits)
    read: set[str] = set()
    for position in range(min(REFERENCE_DEPTH, len(ranked))):
        hit = ranked[position]
        section = sources[hit.vector_id].section
        if hit.vector_id in read or not section:
            continue
        read.add(hit.vector_id)
        text = lookup.section_text(hit.document_id, section)
        pointed = [
            other
            for other in referenced_sections(text, lookup.sections(hit.document_id))
            if other != section and same_topic(section, other)
        ]
        if not pointed:
            continue
        found = [
            index
            for index, other in enumerate(ranked)
            if other.document_id == hit.document_id and sources[other.vector_id].section in pointed
        ]
        later = [index for index in found if index > position]
        if later:
            moved = ranked.pop(later[0])
            ranked.insert(position, moved)
            read.add(moved.vector_id)
            continue
        if found:
            continue
        entry = lookup.entry(hit.document_id, pointed[0], hit)
        if entry is not None:
            added, source = entry
            sources[added.vector_id] = source
            ranked.insert(position + 1, added)
            read.add(added.vector_id)
    return ranked[:top_k]
