"""Split pages into chunks that fit the embedding model, keeping sentences whole."""

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence, Set
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter

from ingestion.sections import Heading
from ingestion.sentences import stop_ends_sentence
from ingestion.types import SECTION_SEPARATOR, ChunkText, Page

TokenCounter = Callable[[str], int]

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# A sentence ends at ".", "!" or "?" (and closing quotes) followed by space and a new sentence;
# the code then checks that the new sentence starts with a capital letter or a digit.
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]\u2019\u201d]*(\s+)[\"'(\[\u2018\u201c]?(?=\w)")
_WORD = re.compile(r"\S+")
_PAGE_BREAK = "\n\n"
# A section whose only line is at most this much longer than its title is a bare heading
# (numbering and punctuation differ between the outline and the page).
_HEADING_SLACK_CHARS = 8


@dataclass(frozen=True)
class _Unit:
    """A sentence, or a piece of an overlong one, as offsets into one page's text."""

    page: int
    start: int
    end: int
    tokens: int


def make_token_counter(tokenizer) -> TokenCounter:
    """Return a counter of a HuggingFace tokenizer's tokens, leaving out special tokens."""

    def count(text: str) -> int:
        # Counting texts longer than the model reads is the point, so skip the warning about it.
        return len(tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    return count


def split_pages(
    pages: Sequence[Page],
    tokenizer_count: TokenCounter,
    max_tokens: int = 200,
    overlap_tokens: int = 30,
    headings: Sequence[Heading] = (),
    navigation: Set[int] = frozenset(),
) -> list[ChunkText]:
    """Return chunks of whole sentences of at most ``max_tokens`` tokens each.

    The embedding model silently truncates long input, so no chunk may exceed the limit: an
    overlong sentence is cut at spaces, an overlong word anywhere. Each chunk after the first
    of a section repeats up to ``overlap_tokens`` tokens of sentences from the end of the one
    before, so a thought cut at a boundary can still be found.

    Chunks follow sections: a new heading starts a new chunk, and a section runs on across a
    page break, so a heading at the foot of one page stays with the text on the next (text
    outside any known section stays within its page). A
    heading with no text of its own under it joins the section after it. Each
    chunk records its heading path. Pages whose index is in ``navigation`` (contents, index)
    are chunked on their own and marked not searchable.
    """
    starts = sorted((heading.page_index, heading.offset, heading.path) for heading in headings)
    units = [
        unit
        for index, page in enumerate(pages)
        for sentence in _sentences(page.text)
        for unit in _units(index, page.text, sentence, tokenizer_count, max_tokens)
    ]
    chunks = []
    for section in _sections(units, starts, pages, navigation):
        for group in _pack(section.units, max_tokens, overlap_tokens):
            for fitted, text, tokens in _fit(group, pages, tokenizer_count, max_tokens):
                first, last = fitted[0], fitted[-1]
                chunks.append(
                    ChunkText(
                        ordinal=len(chunks),
                        text=text,
                        page_start=pages[first.page].number,
                        page_end=pages[last.page].number,
                        char_start=first.start,
                        char_end=last.end,
                        token_count=tokens,
                        section=SECTION_SEPARATOR.join(section.path),
                        searchable=not section.navigation,
                    )
                )
    return chunks


@dataclass
class _Section:
    """The units of one section (or of a run of navigation pages), with its heading path."""

    key: tuple[int, int]
    path: tuple[str, ...]
    navigation: bool
    units: list[_Unit]

    def is_bare_heading(self, pages: Sequence[Page]) -> bool:
        """Tell a section that holds nothing but its heading line."""
        if not self.path or len(self.units) != 1:
            return False
        unit = self.units[0]
        return unit.end - unit.start <= len(self.path[-1]) + _HEADING_SLACK_CHARS


def _sections(
    units: list[_Unit], starts: list[tuple[int, int, tuple[str, ...]]], pages: Sequence[Page], navigation: Set[int]
) -> list[_Section]:
    """Group units by the heading in effect where each begins; a bare heading joins the section after it.

    Text before the first heading, or in a document without headings, is grouped page by page:
    with nothing to say where a topic ends, a chunk had better cite one page.
    """
    sections: list[_Section] = []
    positions = [(page, offset) for page, offset, _ in starts]
    for unit in units:
        at = bisect_right(positions, (unit.page, unit.start)) - 1
        key, path = ((at, -1), starts[at][2]) if at >= 0 else ((-1, unit.page), ())
        is_navigation = unit.page in navigation
        current = sections[-1] if sections else None
        if current and current.navigation == is_navigation and (current.key == key or is_navigation):
            current.units.append(unit)
        elif current and current.navigation == is_navigation and current.is_bare_heading(pages):
            # A chapter title followed at once by its first section's heading.
            current.units.append(unit)
            current.key, current.path = key, path
        else:
            sections.append(_Section(key, path, is_navigation, [unit]))
    return sections


def _sentences(text: str) -> Iterator[tuple[int, int]]:
    """Yield the (start, end) offsets of each sentence, paragraph by paragraph."""
    for start, end in _paragraphs(text):
        for match in _SENTENCE_END.finditer(text, start, end):
            if _ends_sentence(text, start, match):
                yield start, match.start(1)
                start = match.end(1)
        yield start, end


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """Yield the offsets of the text between blank lines, without surrounding whitespace."""
    start = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[start:end]
        if piece.strip():
            yield start + len(piece) - len(piece.lstrip()), end - len(piece) + len(piece.rstrip())
        start = match.end() if match else end


def _ends_sentence(text: str, start: int, match: re.Match) -> bool:
    """Tell whether a candidate full stop really ends a sentence."""
    following = text[match.end()]
    opens = following.isupper() or following.isdigit()
    return stop_ends_sentence(text, start, match.start(), opens)


def _units(page: int, text: str, span: tuple[int, int], count: TokenCounter, max_tokens: int) -> Iterator[_Unit]:
    """Yield a sentence as one unit, or as several when it is longer than ``max_tokens``."""
    start, end = span
    tokens = count(text[start:end])
    if tokens <= max_tokens:
        yield _Unit(page, start, end, tokens)
        return
    words = list(_WORD.finditer(text, start, end))
    starts, ends = [word.start() for word in words], [word.end() for word in words]
    yield from _split_long(page, text, starts, ends, count, max_tokens)


def _split_long(
    page: int,
    text: str,
    starts: Sequence[int],
    ends: Sequence[int],
    count: TokenCounter,
    max_tokens: int,
) -> Iterator[_Unit]:
    """Cut text into units at the given atoms (words or characters), each within the limit."""
    first = 0
    while first < len(starts):
        size, tokens = _longest_fit(text, starts, ends, first, count, max_tokens)
        start, end = starts[first], ends[first + size - 1]
        if tokens > max_tokens and end - start > 1:
            # A single word over the limit (a long part number, a URL) is cut by characters.
            yield from _split_long(page, text, range(start, end), range(start + 1, end + 1), count, max_tokens)
        else:
            yield _Unit(page, start, end, tokens)
        first += size


def _longest_fit(
    text: str,
    starts: Sequence[int],
    ends: Sequence[int],
    first: int,
    count: TokenCounter,
    max_tokens: int,
) -> tuple[int, int]:
    """Return how many atoms from ``first`` on fit in ``max_tokens``, and their token count.

    Gallop, then bisect, so every probe is a short string even inside a huge paragraph.
    Return one atom, with its count, when even that one is over the limit.
    """

    def measure(size: int) -> int:
        return count(text[starts[first] : ends[first + size - 1]])

    good, good_tokens = 1, measure(1)
    bad = len(starts) - first + 1
    galloping = True
    while bad - good > 1 and good_tokens <= max_tokens:
        probe = min(good * 2, bad - 1) if galloping else (good + bad) // 2
        probe_tokens = measure(probe)
        if probe_tokens <= max_tokens:
            good, good_tokens = probe, probe_tokens
        else:
            bad, galloping = probe, False
    return good, good_tokens


def _pack(units: list[_Unit], max_tokens: int, overlap_tokens: int) -> list[list[_Unit]]:
    """Group units greedily by their summed counts, starting each group with an overlap."""
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    total = 0
    for unit in units:
        if current and total + unit.tokens > max_tokens:
            groups.append(current)
            current = _tail(current, min(overlap_tokens, max_tokens - unit.tokens))
            total = sum(kept.tokens for kept in current)
        current.append(unit)
        total += unit.tokens
    if current:
        groups.append(current)
    return groups


def _tail(units: list[_Unit], budget: int) -> list[_Unit]:
    """Return the trailing units that fit in ``budget`` tokens, to repeat in the next chunk."""
    taken = total = 0
    for unit in reversed(units):
        if total + unit.tokens > budget:
            break
        total += unit.tokens
        taken += 1
    return units[len(units) - taken :]


def _fit(
    units: list[_Unit], pages: Sequence[Page], count: TokenCounter, max_tokens: int
) -> Iterator[tuple[list[_Unit], str, int]]:
    """Yield runs of units with their joined text and its true count, each within the limit.

    Summed unit counts can be off by a token or two where units meet, so check the real text
    and move trailing units to a following run when it is over.
    """
    while units:
        size = len(units)
        text = _join(units, pages)
        tokens = count(text)
        while tokens > max_tokens and size > 1:
            size -= 1
            text = _join(units[:size], pages)
            tokens = count(text)
        yield units[:size], text, tokens
        units = units[size:]


def _join(units: list[_Unit], pages: Sequence[Page]) -> str:
    """Return the original text the units cover, with a blank line where a page turns."""
    parts = []
    for page, run in groupby(units, key=attrgetter("page")):
        run = list(run)
        parts.append(pages[page].text[run[0].start : run[-1].end])
    return _PAGE_BREAK.join(parts)
