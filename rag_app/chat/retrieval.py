"""Retrieve passages for a question from the collections a user chose, with the database's chunk text."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, reduce
from operator import or_

from django.conf import settings
from django.db.models import Q

from answering.grounding import missing_terms
from answering.llm import OpenAICompatibleModel
from answering.references import follow_references
from answering.rerank import load_reranker, rerank
from answering.retrieve import (
    SECTION_CANDIDATES_PER_HIT,
    ChunkSource,
    Hit,
    Neighbour,
    build_passages,
    fetch_hits,
    hybrid_search,
    one_per_section,
    search,
    with_pages_beside,
)
from answering.search_terms import search_terms
from answering.types import Passage
from ingestion import embed
from ingestion.store import StoreUnavailable
from rag_app.chat.keyword_indexes import keyword_index
from rag_app.chat.section_lookup import ChunkSections
from rag_app.documents import pipeline_settings, vectors
from rag_app.documents.models import Chunk, Collection

# How many candidates per kept hit the cross-encoder reads: enough to lift a chunk that
# dense or keyword search ranked low, few enough to stay fast on a CPU.
RERANK_CANDIDATES_PER_HIT = 4


@dataclass
class Retrieval:
    """Passages for the prompt, the ranked hits they came from, and why there may be none."""

    passages: list[Passage]
    hits: list[Hit]
    best_score: float | None
    missing_terms: list[str]
    milliseconds: float
    search_terms: str = ""


def search_terms_for(query: str, model: OpenAICompatibleModel) -> str:
    """Return the chat model's guesses at the manuals' words for ``query``, or "" where they are off.

    They only feed keyword search, so they are skipped without hybrid search, and for base
    models, which continue a text instead of following an instruction. The same query asked
    again (an evaluation scores retrieval, then answers) reuses the guesses.
    """
    if not (settings.RETRIEVAL_SEARCH_TERMS and settings.RETRIEVAL_HYBRID and model.info.chat_template):
        return ""
    return _cached_search_terms(query, model)


@lru_cache(maxsize=256)
def _cached_search_terms(query: str, model: OpenAICompatibleModel) -> str:
    return search_terms(model, query)


def retrieve(
    query: str,
    collections: list[Collection],
    token_budget: int,
    count_tokens,
    terms_from: str = "",
    expand: Callable[[str], str] | None = None,
) -> Retrieval:
    """Search the collections for the query and keep what fits ``token_budget`` LLM tokens.

    The best hit of each section is kept (``one_per_section``), RETRIEVAL_TOP_K at most; with
    RETRIEVAL_FOLLOW_REFERENCES the sections the first hits point to ("See Configuring ...") go
    before them or are brought in (``follow_references``). With RERANKER_MODEL_PATH set, a
    cross-encoder first reorders RERANK_CANDIDATES_PER_HIT times as many candidates.
    The hits returned cover, with their pages, the chunks of their section that search found
    right beside them (``with_pages_beside``): the pages retrieval is scored on.
    Distinctive terms are checked in ``terms_from`` (the user's own question) when given, so a
    term from an earlier turn folded into the query cannot refuse a later question.
    ``expand(query)`` returns search terms to add to the keyword query (see
    ``search_terms_for``); it is not called for a question the distinctive-terms check refuses,
    and its time is not counted as retrieval time.
    """
    missing = missing_terms(terms_from or query, lambda term: _term_in_collections(term, collections))
    search_terms = expand(query) if expand and not missing else ""
    started = time.perf_counter()
    top_k = settings.RETRIEVAL_TOP_K
    reranker = load_reranker(settings.RERANKER_MODEL_PATH) if settings.RERANKER_MODEL_PATH else None
    per_hit = RERANK_CANDIDATES_PER_HIT if reranker else SECTION_CANDIDATES_PER_HIT
    query_vector = embed.embed_texts([query], pipeline_settings.embed_config())[0]
    candidates = top_k * per_hit
    hits = _searching(lambda client: _ranked_hits(client, query, query_vector, collections, candidates, search_terms))
    sources = _chunk_sources([hit.vector_id for hit in hits])
    if reranker:
        texts = {vector_id: source.text for vector_id, source in sources.items()}
        hits = rerank(query, hits, texts, reranker, len(hits))
    candidates, hits = hits, one_per_section(hits, sources, top_k)
    if settings.RETRIEVAL_FOLLOW_REFERENCES:
        hits = follow_references(hits, sources, ChunkSections(_chunk_scorer(query_vector)), top_k)
    passages = build_passages(
        hits,
        sources,
        min_score=settings.RETRIEVAL_MIN_SCORE,
        count_tokens=count_tokens,
        token_budget=token_budget,
        neighbours=_neighbours(hits),
    )
    return Retrieval(
        passages=passages,
        hits=with_pages_beside(hits, candidates, sources),
        best_score=max((hit.score for hit in hits), default=None),
        missing_terms=missing,
        milliseconds=(time.perf_counter() - started) * 1000,
        search_terms=search_terms,
    )


def _searching(use: Callable):
    """Return ``use(client)`` on the Chroma server's client; raise StoreUnavailable when it fails.

    Chroma failing mid-search (a reset connection, a timeout on a hung server) is named as
    such, so the reader and the audit see the search failed, not the model.
    """
    client = vectors.server_client()
    try:
        return use(client)
    except StoreUnavailable:
        vectors.forget_server_client()
        raise
    except Exception as error:
        vectors.forget_server_client()
        raise StoreUnavailable(
            f"The search index (the Chroma server) failed during the search ({type(error).__name__}: {error}). "
            "Ask again in a moment; if it keeps failing, tell an admin."
        ) from error


def _chunk_scorer(query_vector: list[float]) -> Callable[[str, str], Hit | None]:
    """Return a function scoring one chunk against the query in Chroma; failures raise StoreUnavailable."""

    def score(vector_id: str, collection: str) -> Hit | None:
        found = _searching(lambda client: fetch_hits(client, query_vector, [vector_id], {vector_id: collection}))
        return found.get(vector_id)

    return score


def _ranked_hits(client, query, query_vector, collections, top_k: int, search_terms: str) -> list[Hit]:
    """Return the top_k hits, fused with keyword search when RETRIEVAL_HYBRID is on."""
    if settings.RETRIEVAL_HYBRID:
        indexes = {collection.vector_collection: keyword_index(collection) for collection in collections}
        keyword_query = f"{query} {search_terms}" if search_terms else None
        return hybrid_search(client, query_vector, query, indexes, top_k, keyword_query=keyword_query)
    return search(client, query_vector, [collection.vector_collection for collection in collections], top_k)


def _neighbours(hits: list[Hit]) -> dict[tuple[int, int], Neighbour]:
    """Load the searchable chunks just before and after each hit, of served documents, in one query."""
    if not hits:
        return {}
    wanted = reduce(
        or_,
        (
            Q(document_id=hit.document_id, ordinal=ordinal)
            for hit in hits
            for ordinal in (hit.ordinal - 1, hit.ordinal + 1)
            if ordinal >= 0
        ),
    )
    chunks = (
        Chunk.objects.served()
        .filter(wanted, searchable=True)
        .values_list("document_id", "ordinal", "vector_id", "section", "page_start", "page_end", "text")
    )
    return {(row[0], row[1]): Neighbour(*row[2:]) for row in chunks}


def _chunk_sources(vector_ids: list[str]) -> dict[str, ChunkSource]:
    """Chunk text from the database, of served documents only: vectors without chunk rows are never served."""
    chunks = Chunk.objects.served().filter(vector_id__in=vector_ids).select_related("document")
    return {
        chunk.vector_id: ChunkSource(
            text=chunk.text,
            document_title=chunk.document.title,
            document_name=chunk.document.original_name,
            section=chunk.section,
        )
        for chunk in chunks
    }


def _term_in_collections(term: str, collections: list[Collection]) -> bool:
    return Chunk.objects.served().filter(document__collection__in=collections).mentions(term)
