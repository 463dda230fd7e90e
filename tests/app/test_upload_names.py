"""File names that the file system or Django would choke on are shortened, cleaned or reported."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rag_app.documents import services


@pytest.mark.parametrize(
    ("original", "stored"),
    [
        ("..", "manual"),
        ("", "manual"),
        ("a/b/../guide.txt", "guide.txt"),
        ("C:\\manuals\\guide.txt", "guide.txt"),
        ("\x00gu\tide.md", "guide.md"),
    ],
)
def test_a_name_is_cleaned_to_its_last_printable_part(original, stored):
    assert services.stored_name(original) == stored


def test_a_long_unicode_name_is_shortened_by_bytes_keeping_its_suffix(collection):
    name = "説" * 246 + ".pdf"
    assert len(name.encode()) == 742
    document = services.add_document(collection, ContentFile(b"Press start.\n", name="x"), name, enqueue=False)
    assert document.original_name.endswith(".pdf")
    assert len(document.original_name.encode()) <= services.MAX_NAME_BYTES
    assert document.file.storage.exists(document.file.name)


def test_every_file_of_an_upload_is_accounted_for(admin_client, collection, monkeypatch):
    monkeypatch.setattr(services, "dispatch", lambda document_id: True)
    files = [SimpleUploadedFile("説" * 246 + ".txt", b"First manual.\n"), SimpleUploadedFile("b.txt", b"Second.\n")]
    sent_names = [files[0].name, files[1].name, ".."]
    response = admin_client.post(
        reverse("rag-documents-upload"),
        {"collection": collection.pk, "files": files, "names": sent_names},
        HTTP_ACCEPT="application/json",
    )
    answer = response.json()
    assert response.status_code == 200
    assert len(answer["accepted"]) == 2
    assert answer["rejected"] == [{"name": "..", "reason": "“..” was not received: rename it and upload it again."}]
