"""BM25 keyword search over chunk text: finds option names, error codes and numbers that
dense embeddings blur ("E-041", "boost_mode", "P-17").
"""

import re
from collections.abc import Sequence

_TOKEN = re.compile(r"[a-z0-9]+(?:[-_.][a-z0-9]+)*")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "should",
        "the",
        "this",
        "to",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)


def tokenize(text: str) -> list[str]:
    """Lowercase words; a code like "E-041" counts whole and by its parts ("e", "041")."""
    tokens = []
    for token in _TOKEN.findall(text.lower()):
        if token in _STOPWORDS:
            continue
        tokens.append(token)
        parts = re.split(r"[-_.]", token)
        if len(parts) > 1:
            tokens.extend(part for part in parts if part and part not in _STOPWORDS)
    return tokens


class KeywordIndex:
    """An in-memory BM25 index of chunk texts, addressed by chunk (vector) id."""

    def __init__(self, ids: Sequence[str], texts: Sequence[str]):
        import bm25s

        self.ids = list(ids)
        self._bm25 = bm25s.BM25()
        if self.ids:
            # bm25s needs at least one token per document to build its vocabulary.
            self._bm25.index([tokenize(text) or ["_"] for text in texts], show_progress=False)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Return up to k (id, score) pairs with a positive BM25 score, best first."""
        tokens = tokenize(query)
        if not self.ids or not tokens:
            return []
        found = self._bm25.retrieve([tokens], k=min(k, len(self.ids)), show_progress=False, n_threads=1)
        return [
            (self.ids[int(position)], float(score))
            for position, score in zip(found.documents[0], found.scores[0], strict=True)
            if score > 0
        ]


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], k: int = 60, weights: Sequence[float] | None = None
) -> list[str]:
    """Merge ranked id lists: each list adds weight / (k + rank) to an id's score; best first.

    k=60 is the constant from the original RRF paper; it keeps one list's top hit from
    drowning out ids that both lists rank well. ``weights`` (one per list, 1 by default)
    let one list count for more.
    """
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores, key=lambda item: scores[item], reverse=True)
