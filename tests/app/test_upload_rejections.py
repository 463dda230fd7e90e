"""Files refused at upload: nothing is stored, and the admin sees why."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rag_app.documents.models import Chunk, Collection, Document


def _upload(client, collection, name, content):
    return client.post(
        reverse("rag-documents-upload"),
        {"collection": collection.pk, "files": [SimpleUploadedFile(name, content)]},
        headers={"accept": "application/json"},
    ).json()


def test_it_rejects_an_empty_file(admin_client, collection):
    answer = _upload(admin_client, collection, "empty.pdf", b"")
    assert answer["accepted"] == []
    assert "empty" in answer["rejected"][0]["reason"]
    assert not Document.objects.exists()


def test_it_rejects_a_file_over_the_size_limit(admin_client, collection, settings):
    settings.MAX_UPLOAD_MB = 1
    answer = _upload(admin_client, collection, "big.txt", b"word " * 300_000)
    assert "over the 1 MB limit" in answer["rejected"][0]["reason"]
    assert not Document.objects.exists()


def test_it_rejects_an_image_named_like_a_pdf(admin_client, collection):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    answer = _upload(admin_client, collection, "manual.pdf", png)
    assert "PNG" in answer["rejected"][0]["reason"]
    assert not Document.objects.exists()


def test_it_detects_type_from_content_not_extension(admin_client, collection, manual_pdf):
    answer = _upload(admin_client, collection, "manual.txt", manual_pdf.read_bytes())
    assert answer["rejected"] == []
    assert Document.objects.get().kind == "pdf"


def test_it_rejects_the_same_file_twice_in_one_collection_with_a_link(admin_client, collection, manual_pdf):
    first = _upload(admin_client, collection, "x200.pdf", manual_pdf.read_bytes())
    second = _upload(admin_client, collection, "copy-of-x200.pdf", manual_pdf.read_bytes())
    assert len(first["accepted"]) == 1
    rejected = second["rejected"][0]
    assert "already in Router X200" in rejected["reason"]
    document = Document.objects.get()
    assert rejected["existing_url"].endswith(f"#document-{document.pk}")


def test_the_same_file_may_live_in_two_collections(admin_client, collection, manual_pdf):
    other = Collection.objects.create(name="Router X300")
    _upload(admin_client, collection, "manual.pdf", manual_pdf.read_bytes())
    answer = _upload(admin_client, other, "manual.pdf", manual_pdf.read_bytes())
    assert len(answer["accepted"]) == 1
    assert Document.objects.count() == 2
    assert not Chunk.objects.exists()


def test_a_rejected_file_leaves_other_documents_alone(admin_client, collection, manual_pdf):
    _upload(admin_client, collection, "x200.pdf", manual_pdf.read_bytes())
    before = list(Document.objects.values_list("pk", "sha256", "status"))
    _upload(admin_client, collection, "broken.pdf", b"")
    assert list(Document.objects.values_list("pk", "sha256", "status")) == before
