"""Tie the sentences of an answer to the numbered passages that support them.

Small models cite sources that were never given, or cite nothing at all. Markers that
point to no passage are removed; when the model gave no valid marker, each sentence that
closely matches a passage sentence gets one attached, so every citation shown can be
checked against the manual.
"""

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np

from answering.grounding import BACKTICKED
from answering.types import Passage
from ingestion.sentences import stop_ends_sentence

EmbedFn = Callable[[list[str]], list[list[float]]]

# Both measured with all-MiniLM-L6-v2 on manual-style sentences (tests/ingestion/test_citations.py).
# Paraphrases of a passage sentence score 0.69 and up and share 60% or more of their content
# words with it; different claims on the same subject score up to 0.68 but share 40% at most.
ATTACH_THRESHOLD = 0.6
MIN_WORD_COVERAGE = 0.5

# One marker: [3], [1, 2], [1;2], or a range such as [1-3] written with a hyphen or a dash.
_MARKER = r"\[\s*\d+(?:\s*[-\u2013\u2014]\s*\d+)?(?:\s*[,;]\s*\d+(?:\s*[-\u2013\u2014]\s*\d+)?)*\s*\]"
_MARKER_RUN = re.compile(rf"(?P<lead>[ \t]*)(?P<run>{_MARKER}(?:[ \t]*{_MARKER})*)(?P<trail>[ \t]*)")
_ANY_MARKER = re.compile(_MARKER)
_NUMBER_OR_RANGE = re.compile(r"(\d+)(?:\s*[-\u2013\u2014]\s*(\d+))?")
_CLOSING_PUNCTUATION = ".,;:!?)]}"

# A block is a paragraph or a list item; sentences never run across blocks.
_BLOCK_BREAK = re.compile(r"\n\s*\n|\n(?=[ \t]*(?:[-*\u2022]|\d{1,3}[.)])[ \t])")
_LIST_MARK = re.compile(r"\s*(?:[-*\u2022]|\d{1,3}[.)])[ \t]+")
# A sentence ends at ".", "!" or "?", then closing quotes and any citation markers, then
# space; the code checks that what follows starts like a sentence.
_SENTENCE_END = re.compile(rf"[.!?]+[\"')\]\u2019\u201d]*(?:\s*{_MARKER})*(\s+)")
_SENTENCE_OPENERS = "\"'(\u2018\u201c"
_CLAUSE_BREAK = re.compile(r"[,;:]\s+")
_WORD = re.compile(r"[a-z0-9](?:[a-z0-9/.'-]*[a-z0-9])?")
# Words that carry no claim of their own, left out when comparing a claim's wording.
# fmt: off
_FUNCTION_WORDS = frozenset({
    "a", "an", "the", "to", "of", "and", "or", "in", "on", "at", "for", "with", "by", "from", "is", "are", "was",
    "were", "be", "been", "being", "it", "its", "this", "that", "these", "those", "you", "your", "i", "we", "they",
    "he", "she", "do", "does", "did", "not", "no", "yes", "can", "should", "must", "will", "would", "may", "might",
    "when", "while", "if", "then", "than", "as", "into", "up", "out", "about", "after", "before", "only", "just",
    "also", "so", "very", "what", "which", "who", "how", "why", "where", "there", "here", "has", "have", "had",
    "any", "all", "some", "each", "every",
})
# fmt: on
_FINAL_PUNCTUATION = re.compile(r"[.!?:;]+[\"')\u2019\u201d]*$")
# A word that names something in a manual: letters joined by "-", "_", "." or "/" (an option, a
# file, a path), or four or more capitals (an environment variable).
_NAME_SHAPED = re.compile(r"\b[A-Za-z][\w]*(?:[-_./][\w]+)+\b|\b[A-Z][A-Z0-9_]{3,}\b")
# Shorter quotes ("-d", "on", "10") stand in too many passages to name one.
_MIN_LITERAL_CHARS = 4


@dataclass(frozen=True)
class Citation:
    """One answer sentence backed by one passage, with the passage sentence to highlight.

    ``attached`` is True when the marker was added after generation by similarity, False
    when the model wrote it.
    """

    n: int
    passage: Passage
    attached: bool
    claim: str
    support: str
    score: float


@dataclass(frozen=True)
class _Sentence:
    start: int
    end: int
    claim: str
    numbers: tuple[int, ...]


def split_sentences(text: str) -> list[str]:
    """Return the sentences of a text, each keeping the citation markers that follow it."""
    return [text[start:end] for start, end in _sentence_spans(text)]


def clean_markers(answer: str, valid_numbers: Collection[int]) -> str:
    """Return the answer with only markers that name a given source, written as ``[n]`` each.

    ``[1, 9]``, ``[1][9]`` and ``[1-9]`` keep the valid numbers among them; a marker left
    with none is removed with the space before it.
    """
    valid = sorted(set(valid_numbers))
    return _MARKER_RUN.sub(lambda match: _rewrite_run(match, valid), answer)


def resolve_citations(
    answer: str,
    passages: Sequence[Passage],
    embed_fn: EmbedFn,
    attach_threshold: float = ATTACH_THRESHOLD,
) -> tuple[str, list[Citation]]:
    """Return the answer with valid markers only, and its citations in order of appearance.

    When the model cited nothing valid, attach a marker to each sentence whose closest
    passage sentence scores at least ``attach_threshold``. ``embed_fn`` must return
    normalised vectors; it is called once, and not at all when there is nothing to compare.
    """
    by_number = {passage.number: passage for passage in passages}
    text = clean_markers(answer, by_number)
    sentences = _answer_sentences(text)
    if any(sentence.numbers for sentence in sentences):
        return text, _given_citations(sentences, by_number, embed_fn)
    return _attach_citations(text, sentences, passages, embed_fn, attach_threshold)


def _given_citations(sentences: list[_Sentence], by_number: dict[int, Passage], embed_fn: EmbedFn) -> list[Citation]:
    """Return a citation for each (sentence, number) pair the model wrote."""
    pairs: list[tuple[str, int]] = []
    claim = ""
    for sentence in sentences:
        # A marker alone on its line cites the sentence before it.
        claim = sentence.claim or claim
        if claim:
            pairs += [(claim, n) for n in sentence.numbers]
    pairs = list(dict.fromkeys(pairs))
    claims = list(dict.fromkeys(claim for claim, _ in pairs))
    cited = [by_number[n] for n in dict.fromkeys(n for _, n in pairs)]
    support = SupportMatcher(claims, cited, embed_fn)
    citations = []
    for claim, n in pairs:
        text, score = support.best_in(claims.index(claim), by_number[n])
        citations.append(Citation(n, by_number[n], attached=False, claim=claim, support=text, score=score))
    return citations


def _attach_citations(
    text: str, sentences: list[_Sentence], passages: Sequence[Passage], embed_fn: EmbedFn, threshold: float
) -> tuple[str, list[Citation]]:
    """Return the answer with a marker after each well-supported sentence, and those citations."""
    claimed = [sentence for sentence in sentences if sentence.claim]
    support = SupportMatcher([sentence.claim for sentence in claimed], passages, embed_fn)
    citations, insertions = [], []
    for index, sentence in enumerate(claimed):
        found = support.best_anywhere(index)
        if found is None:
            continue
        passage, support_text, score = found
        # Similarity alone cannot tell a paraphrase from a different claim on the same subject
        # ("Press the power button to turn on the pump" against the pump's reset steps), so the
        # passage sentence must also contain most of the claim's words.
        if score < threshold or word_coverage(sentence.claim, support_text) < MIN_WORD_COVERAGE:
            quoting = passages_quoted(sentence.claim, passages)
            if not quoting:
                continue
            # Passages come best-ranked first; the similarity of the loose wording, measured as the
            # tie-breaker instead, chose a wrong page more often.
            passage = quoting[0]
            support_text, score = support.best_in(index, passage)
        citations.append(
            Citation(passage.number, passage, attached=True, claim=sentence.claim, support=support_text, score=score)
        )
        insertions.append((_marker_position(text, sentence), f" [{passage.number}]"))
    for position, marker in reversed(insertions):
        text = text[:position] + marker + text[position:]
    return text, citations


def passages_quoted(claim: str, passages: Sequence[Passage]) -> list[Passage]:
    """Return the passages that hold the most of what the claim quotes, in their order; none when none does.

    What a claim quotes is each span in backticks and each word shaped like a name in a manual
    (``allow-two-primaries``, ``drbd.conf``, ``GNUTERM``): the prompt asks for commands, options and
    values exactly as an excerpt writes them, so an excerpt that holds one is its source even
    when the sentence around it is worded too freely for the similarity rule.
    """
    literals = [literal.casefold() for literal in _literals(claim)]
    texts = [passage.text.casefold() for passage in passages]
    counts = [sum(literal in text for literal in literals) for text in texts]
    most = max(counts, default=0)
    return [passage for passage, count in zip(passages, counts, strict=True) if most and count == most]


def _literals(claim: str) -> list[str]:
    quoted = [span.strip() for span in BACKTICKED.findall(claim)]
    named = _NAME_SHAPED.findall(BACKTICKED.sub(" ", claim))
    return [literal for literal in dict.fromkeys(quoted + named) if len(literal) >= _MIN_LITERAL_CHARS]


class SupportMatcher:
    """Compare claims with every sentence of some passages, embedding all texts in one call.

    A sentence is scored by its best match among itself and its longer clauses: an answer
    often copies one clause of a long manual sentence, which the whole sentence dilutes.
    """

    def __init__(self, claims: list[str], passages: Sequence[Passage], embed_fn: EmbedFn):
        self._candidates = [
            (passage, sentence, piece)
            for passage in passages
            for sentence in split_sentences(passage.text)
            for piece in _pieces(sentence)
        ]
        if not claims or not self._candidates:
            self._scores = np.zeros((len(claims), 0))
            return
        vectors = np.asarray(embed_fn(claims + [piece for _, _, piece in self._candidates]), dtype=float)
        self._scores = vectors[: len(claims)] @ vectors[len(claims) :].T

    def best_in(self, claim_index: int, passage: Passage) -> tuple[str, float]:
        """Return the passage's sentence closest to the claim, or ("", 0.0) when it has none."""
        columns = [i for i, (owner, _, _) in enumerate(self._candidates) if owner.number == passage.number]
        if not columns:
            return "", 0.0
        best = max(columns, key=lambda i: self._scores[claim_index, i])
        return self._candidates[best][1], float(self._scores[claim_index, best])

    def best_anywhere(self, claim_index: int) -> tuple[Passage, str, float] | None:
        """Return the passage sentence closest to the claim, or None when there are no passages."""
        if not self._candidates:
            return None
        best = int(np.argmax(self._scores[claim_index]))
        passage, sentence, _ = self._candidates[best]
        return passage, sentence, float(self._scores[claim_index, best])


def _pieces(sentence: str) -> list[str]:
    """Return the sentence and, when it has several, its clauses of four words or more."""
    clauses = [clause.strip() for clause in _CLAUSE_BREAK.split(sentence)]
    return [sentence, *(clause for clause in clauses if len(clause.split()) >= 4 and len(clauses) > 1)]


def word_coverage(claim: str, support: str) -> float:
    """Return the share of the claim's content words that also occur in the support sentence."""
    claim_words = content_words(claim)
    if not claim_words:
        return 0.0
    return len(claim_words & content_words(support)) / len(claim_words)


def content_words(text: str) -> set[str]:
    """Return the words of a text that carry a claim, plural "s" dropped, for comparing wordings."""
    words = {word.removesuffix("s") if len(word) > 3 else word for word in _WORD.findall(text.lower())}
    return words - _FUNCTION_WORDS


def _answer_sentences(text: str) -> list[_Sentence]:
    """Return each sentence of the answer with its claim and the source numbers it cites."""
    sentences = []
    for start, end in _sentence_spans(text):
        piece = text[start:end]
        markers = [marker[0] for marker in _ANY_MARKER.finditer(piece) if not _in_code(piece, marker.start())]
        numbers = [int(n) for marker in markers for n in re.findall(r"\d+", marker)]
        sentences.append(_Sentence(start, end, _claim(piece), tuple(dict.fromkeys(numbers))))
    return sentences


def _claim(sentence: str) -> str:
    """Return the sentence without markers, on one line, with no space left before punctuation."""
    text = " ".join(_ANY_MARKER.sub(lambda m: m[0] if _in_code(sentence, m.start()) else "", sentence).split())
    return re.sub(r"\s+([.,;:!?])", r"\1", text)


def _in_code(text: str, position: int) -> bool:
    """Tell whether ``position`` lies inside backticks on its line, where "[2,2]" is code, not a citation."""
    return text.count("`", text.rfind("\n", 0, position) + 1, position) % 2 == 1


def _marker_position(text: str, sentence: _Sentence) -> int:
    """Return where a marker goes: before the sentence's final punctuation, else at its end."""
    final = _FINAL_PUNCTUATION.search(text, sentence.start, sentence.end)
    return final.start() if final else sentence.end


def _rewrite_run(match: re.Match, valid: list[int]) -> str:
    """Return adjacent markers as ``[n]`` for each valid number, or what should replace them."""
    if _in_code(match.string, match.start("run")):
        return match[0]
    numbers: list[int] = []
    for first, last in _NUMBER_OR_RANGE.findall(match["run"]):
        low, high = sorted((int(first), int(last or first)))
        numbers += [n for n in valid if low <= n <= high]
    if numbers:
        return match["lead"] + "".join(f"[{n}]" for n in dict.fromkeys(numbers)) + match["trail"]
    before, after = match.string[: match.start()], match.string[match.end() :]
    if not before or before.endswith("\n") or not after or after[0] == "\n" or after[0] in _CLOSING_PUNCTUATION:
        return ""
    # Keep the words on either side of a removed marker apart.
    return " " if match["lead"] or match["trail"] else ""


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return the offsets of each sentence, so markers can be inserted into the original text."""
    spans = []
    for start, end in _blocks(text):
        for match in _SENTENCE_END.finditer(text, start, end):
            if _ends_sentence(text, start, match):
                spans.append((start, match.start(1)))
                start = match.end(1)
        if text[start:end].strip():
            spans.append((start, end))
    return spans


def _blocks(text: str) -> list[tuple[int, int]]:
    """Return the offsets of each paragraph or list item, without list marks or outer space."""
    blocks = []
    start = 0
    for match in [*_BLOCK_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        mark = _LIST_MARK.match(text, start, end)
        content_start = mark.end() if mark else start
        piece = text[content_start:end]
        if piece.strip():
            left = content_start + len(piece) - len(piece.lstrip())
            blocks.append((left, left + len(piece.strip())))
        start = match.end() if match else end
    return blocks


def _ends_sentence(text: str, start: int, match: re.Match) -> bool:
    """Tell whether a candidate full stop really ends a sentence."""
    following = text[match.end(1)]
    opens = following.isupper() or following.isdigit() or following in _SENTENCE_OPENERS
    return stop_ends_sentence(text, start, match.start(), opens)
