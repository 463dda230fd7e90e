"""Running ingestion again for the same document leaves exactly one set of chunks and vectors."""

import datetime
import os

import pytest
from django.core.files import File
from django.utils import timezone

from rag_app.documents import ingest, services, sweeper, vectors
from rag_app.documents.models import Document

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _add(collection, path):
    with path.open("rb") as handle:
        return services.add_document(collection, File(handle, name=path.name), path.name, enqueue=False)


def _vector_ids(document):
    collection = vectors.server_client().get_collection(document.collection.vector_collection)
    return sorted(collection.get(where={"document_id": document.pk}, include=[])["ids"])


def test_a_finished_document_is_not_ingested_twice(chroma_server, collection, manual_pdf):
    document = _add(collection, manual_pdf)
    assert ingest.ingest_document(document.pk, vectors.server_client) is not None
    assert ingest.ingest_document(document.pk, vectors.server_client) is None


def test_a_run_after_a_crash_leaves_one_set(chroma_server, collection, manual_pdf, monkeypatch):
    document = _add(collection, manual_pdf)
    ingest.ingest_document(document.pk, vectors.server_client)
    first = sorted(document.chunks.values_list("vector_id", flat=True))

    # A worker killed mid-ingest leaves the row in progress and its lease lapses; a redelivered
    # task claims nothing, the sweeper queues it again, and the next run claims it.
    lapsed = timezone.now() - datetime.timedelta(seconds=1)
    Document.objects.filter(pk=document.pk).update(
        status=Document.Status.EMBEDDING, progress=40, lease_expires_at=lapsed
    )
    assert ingest.ingest_document(document.pk, vectors.server_client) is None
    monkeypatch.setattr(sweeper, "dispatch", lambda document_id: True)
    assert sweeper.sweep().requeued == [document.pk]
    ingest.ingest_document(document.pk, vectors.server_client)

    document.refresh_from_db()
    assert document.status == Document.Status.READY
    assert sorted(document.chunks.values_list("vector_id", flat=True)) == first
    assert _vector_ids(document) == first


def test_a_run_overtaken_by_reingest_discards_its_own_vectors(chroma_server, collection, manual_pdf):
    document = _add(collection, manual_pdf)
    ingest.ingest_document(document.pk, vectors.server_client)
    old_ids = _vector_ids(document)

    # Queued for re-ingestion as generation 2 ...
    Document.objects.filter(pk=document.pk).update(status=Document.Status.QUEUED, generation=2)

    def requeue_midway():
        # ... and queued again (generation 3) while this run is still working.
        Document.objects.filter(pk=document.pk).update(generation=3)
        return vectors.server_client()

    ingest.ingest_document(document.pk, requeue_midway)

    assert _vector_ids(document) == old_ids
    assert sorted(document.chunks.values_list("vector_id", flat=True)) == old_ids


def test_deleting_a_collection_removes_its_vectors_rows_and_files(chroma_server, collection, manual_pdf):
    import chromadb.errors

    document = _add(collection, manual_pdf)
    ingest.ingest_document(document.pk, vectors.server_client)
    stored = document.file.path
    name = collection.vector_collection

    services.delete_collection(collection)

    assert not Document.objects.exists()
    assert not os.path.exists(stored)
    with pytest.raises(chromadb.errors.NotFoundError):
        vectors.server_client().get_collection(name)
