"""A document being re-ingested keeps serving its previous passages until the new ones are complete."""

from django.core.files.base import ContentFile

from rag_app.chat.keyword_indexes import keyword_index
from rag_app.documents import services
from rag_app.documents.models import Chunk


def _ready_with_a_chunk(collection):
    document = services.add_document(
        collection, ContentFile(b"Prime the pump.\n", name="pump.txt"), "pump.txt", enqueue=False
    )
    Chunk.objects.create(
        document=document, vector_id=f"d{document.pk}-g1-c0", ordinal=0, page_start=1, page_end=1,
        text="Prime the pump before the first start.", char_start=0, char_end=38, token_count=8,
    )  # fmt: skip
    document.status, document.ingested_at = "ready", document.created_at
    document.save()
    return document


def test_a_re_ingested_document_still_serves_its_passages(collection, monkeypatch):
    document = _ready_with_a_chunk(collection)
    monkeypatch.setattr(services, "dispatch", lambda document_id: True)
    services.reingest_document(document)
    document.refresh_from_db()
    assert document.status == "queued"
    assert Chunk.objects.served().filter(document=document).count() == 1
    assert len(keyword_index(collection).search("prime pump", 5)) == 1


def test_a_document_never_ingested_serves_nothing(collection):
    document = services.add_document(collection, ContentFile(b"Prime it.\n", name="new.txt"), "new.txt", enqueue=False)
    Chunk.objects.create(
        document=document, vector_id="x", ordinal=0, page_start=1, page_end=1, text="Prime it.",
        char_start=0, char_end=9, token_count=3,
    )  # fmt: skip
    assert not Chunk.objects.served().filter(document=document).exists()
