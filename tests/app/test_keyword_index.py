"""The BM25 index follows ingest, re-ingest and delete, and comes back after a restart."""

import pytest

from ingestion import store
from rag_app.chat import keyword_indexes
from rag_app.documents import ingest, services, vectors
from rag_app.documents.models import Collection, Document
from tests.app.conftest import MANUAL_PAGES, ingest_now
from tests.pdfs import make_pdf

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


def test_contents_pages_are_kept_but_never_searched(chroma_server, tmp_path):
    collection = Collection.objects.create(name="Router X200")
    contents = "Contents\n" + "\n".join(f"Topic {n} . . . . . . . . {n + 2}" for n in range(10))
    document = ingest_now(collection, make_pdf(tmp_path / "router-guide.pdf", [contents, *MANUAL_PAGES]))

    contents_chunk = document.chunks.get(page_start=1)
    searchable = set(document.chunks.filter(searchable=True).values_list("vector_id", flat=True))
    assert not contents_chunk.searchable
    assert len(searchable) >= 3
    assert set(keyword_indexes.keyword_index(collection).ids) == searchable
    chroma = store.get_collection(vectors.server_client(), collection.vector_collection, "all-MiniLM-L6-v2")
    assert set(store.document_vector_ids(chroma, document.pk)) == searchable


def test_chunks_are_keyword_indexed_under_their_document_title(chroma_server, tmp_path):
    collection = Collection.objects.create(name="Router X200")
    document = ingest_now(collection, make_pdf(tmp_path / "router-guide.pdf", MANUAL_PAGES))

    # "guide" is only in the title the upload got from its file name, not in any page.
    assert not document.chunks.filter(text__icontains="guide").exists()
    assert keyword_indexes.keyword_index(collection).search("guide", 3)
