"""Upload through the web view, ingest on a real Celery worker (Redis), store in a real Chroma server."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rag_app.documents import vectors
from rag_app.documents.models import Chunk, Document
from tests.app.conftest import MANUAL_PAGES
from tests.conftest import wait_for
from tests.pdfs import make_encrypted_pdf, make_image_only_pdf, make_pdf, make_truncated_pdf

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _upload(client, collection, path):
    answer = client.post(
        reverse("rag-documents-upload"),
        {"collection": collection.pk, "files": [SimpleUploadedFile(path.name, path.read_bytes())]},
        headers={"accept": "application/json"},
    ).json()
    assert answer["rejected"] == [], answer
    return Document.objects.get(pk=answer["accepted"][0]["id"])


def _settled(document):
    document.refresh_from_db()
    return document.status in (Document.Status.READY, Document.Status.FAILED) and document


def _ingested(document):
    """Wait until the worker has finished with the document, either way."""
    return wait_for(lambda: _settled(document))


def _vectors_of(document):
    collection = vectors.server_client().get_collection(document.collection.vector_collection)
    return collection.get(where={"document_id": document.pk}, include=["metadatas"])


def test_uploaded_pdf_becomes_ready_with_page_numbered_vectors(celery_worker, admin_client, collection, manual_pdf):
    document = _ingested(_upload(admin_client, collection, manual_pdf))

    assert document.status == Document.Status.READY, document.error_reason
    assert document.page_count == 3
    assert document.progress == 100
    chunks = list(document.chunks.all())
    stored = _vectors_of(document)
    assert sorted(stored["ids"]) == sorted(chunk.vector_id for chunk in chunks)
    pages_by_id = {id_: meta["page_start"] for id_, meta in zip(stored["ids"], stored["metadatas"], strict=True)}
    reset_chunk = next(chunk for chunk in chunks if "reset button" in chunk.text)
    assert reset_chunk.page_start <= 2 <= reset_chunk.page_end
    assert pages_by_id[reset_chunk.vector_id] == reset_chunk.page_start


def test_reingest_leaves_exactly_one_set_and_delete_removes_everything(
    celery_worker, admin_client, collection, manual_pdf
):
    document = _ingested(_upload(admin_client, collection, manual_pdf))
    first_ids = set(document.chunks.values_list("vector_id", flat=True))

    admin_client.post(reverse("rag-document-reingest", args=[document.pk]))
    document.refresh_from_db()
    assert document.generation == 2
    document = _ingested(document)

    chunk_ids = set(document.chunks.values_list("vector_id", flat=True))
    stored = _vectors_of(document)
    assert len(chunk_ids) == len(first_ids)
    assert set(stored["ids"]) == chunk_ids
    assert {meta["generation"] for meta in stored["metadatas"]} == {2}

    stored_file = document.file.path
    admin_client.post(reverse("rag-document-delete", args=[document.pk]))
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not Chunk.objects.filter(document_id=document.pk).exists()
    assert _vectors_of(document)["ids"] == []
    assert wait_for(lambda: not os.path.exists(stored_file), timeout=5)


@pytest.mark.parametrize(
    ("maker", "expected"),
    [
        (make_encrypted_pdf, "password-protected"),
        (make_truncated_pdf, "incomplete"),
        (make_image_only_pdf, "OCR"),
    ],
    ids=["encrypted", "truncated", "scanned"],
)
def test_bad_pdfs_fail_with_a_reason_and_leave_other_documents_alone(
    celery_worker, admin_client, collection, manual_pdf, tmp_path, maker, expected
):
    good = _ingested(_upload(admin_client, collection, manual_pdf))
    good_ids = sorted(_vectors_of(good)["ids"])
    bad_path = tmp_path / "bad.pdf"
    maker(bad_path)

    bad = _ingested(_upload(admin_client, collection, bad_path))

    assert bad.status == Document.Status.FAILED
    assert expected in bad.error_reason
    assert not bad.chunks.exists()
    assert _vectors_of(bad)["ids"] == []
    good.refresh_from_db()
    assert good.status == Document.Status.READY
    assert sorted(_vectors_of(good)["ids"]) == good_ids


def test_corrupt_pdf_fails_with_a_reason(celery_worker, admin_client, collection, tmp_path):
    path = tmp_path / "corrupt.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    bad = _ingested(_upload(admin_client, collection, path))
    assert bad.status == Document.Status.FAILED
    assert "damaged" in bad.error_reason or "not a valid PDF" in bad.error_reason
    assert _vectors_of(bad)["ids"] == []


def test_a_longer_manual_reports_pages_in_order(celery_worker, admin_client, collection, tmp_path):
    path = tmp_path / "long.pdf"
    make_pdf(path, [f"Section {n}. " + MANUAL_PAGES[n % 3] for n in range(1, 13)])
    document = _ingested(_upload(admin_client, collection, path))
    assert document.page_count == 12
    spans = list(document.chunks.values_list("page_start", "page_end"))
    assert spans == sorted(spans)
    assert spans[-1][1] == 12
