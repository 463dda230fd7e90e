"""The BM25 index follows ingest, re-ingest and delete, and comes back after a restart."""

import pytest

from rag_app.chat import keyword_indexes
from rag_app.documents import ingest, services, vectors
from rag_app.documents.models import Document

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _indexed_ids(collection):
    return sorted(keyword_indexes.keyword_index(collection).ids)


def _chunk_ids(document):
    return sorted(document.chunks.values_list("vector_id", flat=True))


def test_index_holds_the_ready_chunks_after_ingest(pump_manual):
    assert _indexed_ids(pump_manual.collection) == _chunk_ids(pump_manual)


def test_index_follows_a_reingest(pump_manual):
    before = _indexed_ids(pump_manual.collection)
    Document.objects.filter(pk=pump_manual.pk).update(generation=2, status=Document.Status.QUEUED)
    ingest.ingest_document(pump_manual.pk, vectors.server_client)

    after = _indexed_ids(pump_manual.collection)
    assert after == _chunk_ids(pump_manual)
    assert set(after).isdisjoint(before)


def test_index_forgets_a_deleted_document(pump_manual):
    collection = pump_manual.collection
    services.delete_document(pump_manual)
    assert _indexed_ids(collection) == []


def test_index_is_rebuilt_the_same_after_a_restart(pump_manual):
    before = keyword_indexes.keyword_index(pump_manual.collection).search("inlet filter", 3)
    keyword_indexes._cache.clear()  # A new process starts with an empty cache.
    assert keyword_indexes.keyword_index(pump_manual.collection).search("inlet filter", 3) == before
    assert before and before[0][0] in _chunk_ids(pump_manual)
