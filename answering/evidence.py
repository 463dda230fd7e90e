"""Choose, from the retrieved passages, the sentences that bear on the question, within a token budget.

Every prompt token costs time before the first answer token (about 100 tokens a second on two
cores), and a small model given five whole passages often repeats the sentence around a fact
instead of the fact. So the model is given less: each passage's sentences are scored against the
question by meaning (the embedder's cosine) and by the question's rarer words, and the best ones
are kept with the sentence before and after them, passage by passage in retrieval's order up to
each one's share of the budget, then anywhere until it is spent. A sentence that
runs over code lines or table rows keeps them with it (they hold no full stop of their own), and
one too long to be a sentence is cut at line ends instead. Passages keep their numbers, so the
model cites them as the chat page shows them; a passage with nothing kept is left out.
"""

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from answering.citations import content_words, split_sentences
from answering.types import Passage

EmbedFn = Callable[[list[str]], list[list[float]]]

# How much the question's words count beside the cosine (0 to 1 each). Equal weight: the embedder
# finds a sentence that says the same in other words, the words find the option or file named.
LEXICAL_WEIGHT = 1.0
# A passage retrieval ranked higher is likelier to hold the answer: its sentences get this
# share of the passage's own retrieval score on top of their own.
PASSAGE_WEIGHT = 0.3
# Each passage's share of the budget by rank (the last share serves every later passage), scaled
# to the passages there are; a share one passage does not need passes to the next. Without
# shares, sentences of lower passages that share the question's words crowded out the first
# passage, which holds a gold page four times in five: on the dev set answers then cited
# excerpts [2] to [5] for facts of [1] (citation precision 0.89 → 0.61).
RANK_SHARES = (0.4, 0.2, 0.15, 0.1)
# A sentence longer than this (in characters, about 75 tokens) is most often code or a table run
# together: it is cut at line ends into pieces no longer than this.
MAX_UNIT_CHARS = 300
# Words of this length or more match on their first letters ("checking", "checksum" are not
# the same, but "encrypted" and "encryption" are).
_STEM_CHARS = 6
_GAP = "\n…\n"
# A unit of fewer words (a page number, a lone heading word) is kept only beside a chosen one.
_MIN_SEED_WORDS = 3


@dataclass(frozen=True)
class _Unit:
    passage: int  # index into the passages
    position: int  # order inside its passage
    start: int
    end: int
    text: str


def select_evidence(
    question: str,
    passages: Sequence[Passage],
    embed_fn: EmbedFn,
    count_tokens: Callable[[str], int],
    token_budget: int,
    search_terms: str = "",
) -> list[Passage]:
    """Return the passages cut down to their best sentences, best passages' numbering kept.

    ``embed_fn`` must return normalised vectors; it is called once. ``search_terms`` (the
    model's guesses at the manual's words) count as question words at half weight. Passages
    that fit the budget whole are returned unchanged, and so is everything when the budget is
    0 or less (selection off).
    """
    if token_budget <= 0 or not passages:
        return list(passages)
    units = [unit for index, passage in enumerate(passages) for unit in _units(index, passage.text)]
    costs = [count_tokens(unit.text) for unit in units]
    if sum(costs) <= token_budget:
        return list(passages)
    scores = _scores(question, search_terms, units, passages, embed_fn)
    chosen = _choose(units, costs, scores, token_budget, len(passages))
    return _cut(passages, units, chosen)


def _units(index: int, text: str) -> list[_Unit]:
    """Split a passage into sentences, cutting over-long ones at line ends, with their offsets.

    A sentence that opens in lower case continues the one before it (a page break or a blank
    line inside a sentence), and so does a piece of fewer than _MIN_SEED_WORDS words ("56)).", the end of
    a cross-reference cut at "(p."): each is joined to the piece before.
    """
    spans: list[tuple[int, int]] = []
    cursor = 0
    for sentence in split_sentences(text):
        start = text.find(sentence, cursor)
        if start < 0:
            continue
        cursor = start + len(sentence)
        for number, (piece_start, piece_end) in enumerate(_pieces(text, start, cursor)):
            piece = text[piece_start:piece_end].strip()
            if not piece:
                continue
            continues = number == 0 and piece[0].islower()
            if spans and (continues or len(piece.split()) < _MIN_SEED_WORDS):
                spans[-1] = (spans[-1][0], piece_end)
            else:
                spans.append((piece_start, piece_end))
    return [_Unit(index, position, start, end, text[start:end].strip()) for position, (start, end) in enumerate(spans)]


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Return (start, end) of the sentence, or of line groups of at most MAX_UNIT_CHARS when it is longer.

    A single line longer than that stays whole: cutting inside a line would cut a command.
    """
    pieces, piece_start, last_break = [], start, start
    for match in re.finditer(r"\n", text[start:end]):
        line_end = start + match.start()
        if line_end - piece_start > MAX_UNIT_CHARS and last_break > piece_start:
            pieces.append((piece_start, last_break))
            piece_start = last_break + 1
        last_break = line_end
    if end - piece_start > MAX_UNIT_CHARS and last_break > piece_start:
        pieces.append((piece_start, last_break))
        piece_start = last_break + 1
    pieces.append((piece_start, end))
    return pieces


def _scores(question: str, search_terms: str, units: list[_Unit], passages: Sequence[Passage], embed_fn: EmbedFn):
    """Score each unit: cosine to the question, plus its share of the question's words by rarity, plus a rank prior."""
    vectors = np.asarray(embed_fn([question, *(unit.text for unit in units)]), dtype=np.float32)
    cosines = vectors[1:] @ vectors[0]
    unit_words = [_stems(unit.text) for unit in units]
    frequency: dict[str, int] = {}
    for words in unit_words:
        for word in words:
            frequency[word] = frequency.get(word, 0) + 1
    wanted = {word: 1.0 for word in _stems(search_terms)} | {word: 2.0 for word in _stems(question)}
    # A word no unit has says nothing about which unit answers; it still counts in the total,
    # so a unit with every word the excerpts share is not taken for one with every word asked.
    weights = {word: weight * math.log(1 + len(units) / frequency.get(word, 1)) for word, weight in wanted.items()}
    total = sum(weights.values()) or 1.0
    lexical = np.array([sum(weights[word] for word in words if word in weights) / total for words in unit_words])
    prior = np.array([passages[unit.passage].score for unit in units])
    return cosines + LEXICAL_WEIGHT * lexical + PASSAGE_WEIGHT * prior


def _stems(text: str) -> set[str]:
    return {word[:_STEM_CHARS] for word in content_words(text)}


def _choose(units: list[_Unit], costs: list[int], scores, token_budget: int, passages: int) -> set[int]:
    """Take the best units, each with its neighbours in the same passage, while they fit the budget.

    Passages are served in retrieval's order, each up to its share of the budget (RANK_SHARES)
    plus what the passages before it left unspent: retrieval ranked the passages with the
    model's search terms and the whole passage in view, which a sentence's own score cannot
    match, so the first passage keeps the most of its text. What is left after every passage
    had its turn goes to the best units anywhere.
    """
    chosen: set[int] = set()
    spent = 0
    order = [int(index) for index in np.argsort(-scores, kind="stable")]
    shares = [RANK_SHARES[min(passage, len(RANK_SHARES) - 1)] for passage in range(passages)]
    allowance = 0.0
    for passage in range(passages):
        allowance += token_budget * shares[passage] / sum(shares)
        mine = [index for index in order if units[index].passage == passage]
        spent = _take(units, costs, mine, chosen, spent, min(allowance, token_budget))
    _take(units, costs, order, chosen, spent, token_budget)
    return chosen


def _take(units: list[_Unit], costs: list[int], order: list[int], chosen: set[int], spent: int, limit: float) -> int:
    """Add units of ``order`` with their neighbours to ``chosen`` while the total stays within ``limit``."""
    for best in order:
        if best in chosen or len(units[best].text.split()) < _MIN_SEED_WORDS:
            continue
        group = [best, *(n for n in (best - 1, best + 1) if _same_passage(units, best, n) and n not in chosen)]
        for size in (len(group), 1):
            cost = sum(costs[index] for index in group[:size])
            if spent + cost <= limit:
                chosen.update(group[:size])
                spent += cost
                break
    return spent


def _same_passage(units: list[_Unit], index: int, other: int) -> bool:
    return 0 <= other < len(units) and units[other].passage == units[index].passage


def _cut(passages: Sequence[Passage], units: list[_Unit], chosen: set[int]) -> list[Passage]:
    """Rebuild each passage from its chosen units in their order, marking gaps with an ellipsis line."""
    kept = []
    for index, passage in enumerate(passages):
        runs: list[list[_Unit]] = []
        for number in sorted(chosen):
            unit = units[number]
            if unit.passage != index:
                continue
            if runs and runs[-1][-1].position + 1 == unit.position:
                runs[-1].append(unit)
            else:
                runs.append([unit])
        if runs:
            text = _GAP.join(passage.text[run[0].start : run[-1].end].strip() for run in runs)
            kept.append(replace(passage, text=text))
    return kept
