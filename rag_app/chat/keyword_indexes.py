"""Per-collection BM25 indexes, built from the database's chunk rows and kept in step with them.

The database is the source of truth, so every process (web threads, workers, commands)
builds the same index from it and rebuilds when the collection's chunks change: ingesting,
re-ingesting and deleting all change the row count or the newest chunk id. Nothing is
stored on disk, so a restart simply rebuilds on first use.
"""

import threading

from django.db.models import Count, Max

from answering.keyword import KeywordIndex
from ingestion.indexed_text import indexed_text
from rag_app.documents.models import Chunk, Collection

_lock = threading.Lock()
_cache: dict[int, tuple[tuple, KeywordIndex]] = {}


def keyword_index(collection: Collection) -> KeywordIndex:
    """Return the collection's BM25 index of searchable served chunks, rebuilt when they changed.

    Chunks are indexed as they were embedded, headed by their document title and section.
    """
    chunks = Chunk.objects.served().filter(document__collection=collection, searchable=True)
    fingerprint = tuple(chunks.aggregate(count=Count("id"), newest=Max("id")).values())
    with _lock:
        cached = _cache.get(collection.pk)
        if cached and cached[0] == fingerprint:
            return cached[1]
        rows = list(chunks.order_by("id").values_list("vector_id", "document__title", "section", "text"))
        index = KeywordIndex([row[0] for row in rows], [indexed_text(*row[1:]) for row in rows])
        _cache[collection.pk] = (fingerprint, index)
        return index
