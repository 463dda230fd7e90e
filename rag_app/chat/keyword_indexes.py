"""Per-collection BM25 indexes, built from the database's chunk rows and kept in step with them.

The database is the source of truth, so every process (web threads, workers, commands)
builds the same index from it and rebuilds when the collection's chunks change: ingesting,
re-ingesting and deleting all change which documents are served, or when. Nothing is
stored on disk, so a restart simply rebuilds on first use.
"""

import threading

from answering.keyword import KeywordIndex
from ingestion.indexed_text import indexed_text
from rag_app.documents.models import Chunk, Collection, Document

_lock = threading.Lock()
_cache: dict[int, tuple[tuple, KeywordIndex]] = {}


def keyword_index(collection: Collection) -> KeywordIndex:
    """Return the collection's BM25 index of searchable served chunks, rebuilt when they changed.

    Chunks are indexed as they were embedded, headed by their document title and section.
    """
    fingerprint = _served_documents(collection)
    chunks = Chunk.objects.served().filter(document__collection=collection, searchable=True)
    with _lock:
        cached = _cache.get(collection.pk)
        if cached and cached[0] == fingerprint:
            return cached[1]
        rows = list(chunks.order_by("id").values_list("vector_id", "document__title", "section", "text"))
        index = KeywordIndex([row[0] for row in rows], [indexed_text(*row[1:]) for row in rows])
        _cache[collection.pk] = (fingerprint, index)
        return index


def _served_documents(collection: Collection) -> tuple:
    """What the served chunks depend on, read from the few document rows rather than the many chunk rows.

    A collection's served chunks change only when an ingestion completes (it stamps
    ``ingested_at`` as it swaps the chunks) or a document is deleted.
    """
    served = Document.objects.filter(collection=collection, ingested_at__isnull=False).order_by("pk")
    return tuple(served.values_list("pk", "ingested_at"))
