"""An oversized upload is refused without being written to disk past the limit."""

import os

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from rag_app.documents.uploads import SizeCappedUploadHandler

MB = 1024 * 1024


def test_the_handler_stops_writing_once_a_file_passes_the_limit(settings):
    settings.MAX_UPLOAD_MB = 1
    handler = SizeCappedUploadHandler(RequestFactory().post("/"))
    handler.new_file("files", "huge.pdf", "application/pdf", 3 * MB)
    on_disk = []
    for start in range(0, 3 * MB, 64 * 1024):
        handler.receive_data_chunk(b"x" * 64 * 1024, start)
        on_disk.append(os.path.getsize(handler.file.temporary_file_path()))
    upload = handler.file_complete(3 * MB)
    assert max(on_disk) <= MB
    assert on_disk[-1] == 0
    assert upload.size == 3 * MB


def test_an_oversized_upload_is_refused_with_its_size(admin_client, collection, settings):
    settings.MAX_UPLOAD_MB = 1
    upload = SimpleUploadedFile("huge.txt", b"word " * (MB // 2))
    response = admin_client.post(
        reverse("rag-documents-upload"),
        {"collection": collection.pk, "files": [upload]},
        HTTP_ACCEPT="application/json",
    )
    assert response.json()["rejected"][0]["reason"] == "huge.txt is 2.5 MB, over the 1 MB limit for one manual."
    assert not collection.documents.exists()
