"""Reorder retrieved chunks with a local cross-encoder, which reads the question and a chunk together.

Dense and keyword search score each chunk without looking at the question and the chunk side
by side; a cross-encoder does, so it ranks a short list of candidates better. The model is
loaded once per process and per path, like the embedding model.
"""

import threading
from dataclasses import replace
from functools import cache
from pathlib import Path

from answering.retrieve import Hit

_load_lock = threading.Lock()


def load_reranker(path: str | Path):
    """Return the process-wide CrossEncoder stored in the local folder ``path``, never downloading."""
    with _load_lock:
        return _load(str(path))


@cache
def _load(path: str):
    from sentence_transformers import CrossEncoder

    return CrossEncoder(path, device="cpu", local_files_only=True)


def rerank(query: str, hits: list[Hit], texts: dict[str, str], reranker, top_k: int) -> list[Hit]:
    """Return the top_k hits ordered by the cross-encoder's score for (query, chunk text).

    Each hit keeps its cosine ``score``, because the relevance threshold is defined in cosine
    terms and cross-encoder scores have no fixed scale; the cross-encoder's score is recorded
    as ``rerank_score``. Hits without text (a stale vector) are dropped: they cannot be served.
    """
    candidates = [hit for hit in hits if hit.vector_id in texts]
    if not candidates:
        return []
    scores = reranker.predict([(query, texts[hit.vector_id]) for hit in candidates])
    scored = [replace(hit, rerank_score=float(score)) for hit, score in zip(candidates, scores, strict=True)]
    scored.sort(key=lambda hit: hit.rerank_score, reverse=True)
    return scored[:top_k]
