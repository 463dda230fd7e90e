"""Retrieve passages for a question from the collections a user chose, with the database's chunk text."""

import time
from dataclasses import dataclass

from django.conf import settings

from ingestion import embed
from ingestion.grounding import missing_terms
from ingestion.retrieve import ChunkSource, Hit, build_passages, hybrid_search, search
from ingestion.types import Passage
from rag_app.chat.keyword_indexes import keyword_index
from rag_app.documents import pipeline_settings, vectors
from rag_app.documents.models import Chunk, Collection, Document


@dataclass
class Retrieval:
    """Passages for the prompt, the ranked hits they came from, and why there may be none."""

    passages: list[Passage]
    hits: list[Hit]
    best_score: float | None
    missing_terms: list[str]
    milliseconds: float


def retrieve(
    query: str, collections: list[Collection], token_budget: int, count_tokens, terms_from: str = ""
) -> Retrieval:
    """Search the collections for the query and keep what fits ``token_budget`` LLM tokens.

    Distinctive terms are checked in ``terms_from`` (the user's own question) when given, so
    a term from an earlier turn folded into the query cannot refuse a later question.
    """
    started = time.perf_counter()
    config = pipeline_settings.embed_config()
    query_vector = embed.embed_texts([query], config)[0]
    client = vectors.server_client()
    if settings.RETRIEVAL_HYBRID:
        indexes = {collection.vector_collection: keyword_index(collection) for collection in collections}
        hits = hybrid_search(client, query_vector, query, indexes, settings.RETRIEVAL_TOP_K)
    else:
        names = [collection.vector_collection for collection in collections]
        hits = search(client, query_vector, names, settings.RETRIEVAL_TOP_K)
    passages = build_passages(
        hits,
        _chunk_sources([hit.vector_id for hit in hits]),
        min_score=settings.RETRIEVAL_MIN_SCORE,
        count_tokens=count_tokens,
        token_budget=token_budget,
    )
    missing = missing_terms(terms_from or query, lambda term: _term_in_collections(term, collections))
    return Retrieval(
        passages=passages,
        hits=hits,
        best_score=hits[0].score if hits else None,
        missing_terms=missing,
        milliseconds=(time.perf_counter() - started) * 1000,
    )


def _chunk_sources(vector_ids: list[str]) -> dict[str, ChunkSource]:
    """Chunk text from the database, for ready documents only: stale vectors are never served."""
    chunks = Chunk.objects.filter(vector_id__in=vector_ids, document__status=Document.Status.READY).select_related(
        "document"
    )
    return {
        chunk.vector_id: ChunkSource(
            text=chunk.text, document_title=chunk.document.title, document_name=chunk.document.original_name
        )
        for chunk in chunks
    }


def _term_in_collections(term: str, collections: list[Collection]) -> bool:
    return Chunk.objects.filter(
        document__collection__in=collections,
        document__status=Document.Status.READY,
        text__icontains=term,
    ).exists()
