"""An answer given before a re-ingestion keeps pointing at the page it cited, with the passage it quoted."""

import pytest
from django.contrib.auth import get_user_model
from pypdf import PdfReader

from rag_app.chat.models import Answer, AnswerSource, Conversation
from rag_app.documents import ingest, services, vectors
from rag_app.documents.models import Chunk
from tests.app.conftest import ingest_now
from tests.pdfs import make_pdf

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PAGES = [
    "Unpacking. Remove the pump from its box and keep the foam inserts for transport.",
    "Priming. Fill the pump housing with water through the vent screw before the first start.",
    "Cleaning. Rinse the intake filter under running water every three months.",
]


def _answer_citing(chunk: Chunk) -> AnswerSource:
    user = get_user_model().objects.create_user("agent")
    conversation = Conversation.objects.create(user=user, title="Priming")
    answer = Answer.objects.create(
        conversation=conversation, user=user, question="How do I prime it?", retrieval_query="prime",
        text="Fill the housing through the vent screw [1].", status=Answer.Status.COMPLETE,
    )  # fmt: skip
    return AnswerSource.objects.create(
        answer=answer, number=1, rank=1, chunk=chunk, chunk_ids=[chunk.vector_id], document=chunk.document,
        document_title=chunk.document.title, document_name=chunk.document.original_name,
        page_start=chunk.page_start, page_end=chunk.page_end, score=0.7, text=chunk.text, cited=True,
    )  # fmt: skip


def test_an_old_answer_keeps_its_cited_page_after_the_document_is_re_ingested(
    chroma_server, collection, tmp_path, monkeypatch
):
    path = make_pdf(tmp_path / "pump.pdf", PAGES)
    document = ingest_now(collection, path)
    cited = _answer_citing(Chunk.objects.get(document=document, text__contains="vent screw"))
    monkeypatch.setattr(services, "dispatch", lambda document_id: True)

    services.reingest_document(document)
    ingest.ingest_document(document.pk, vectors.server_client)

    cited.refresh_from_db()
    assert not Chunk.objects.filter(vector_id=cited.chunk_ids[0]).exists(), "the old chunk rows were replaced"
    assert (cited.document_id, cited.page_start, cited.page_end, cited.cited) == (document.pk, 2, 2, True)
    assert cited.file_url.endswith(f"/documents/{document.pk}/file/#page=2")
    assert "vent screw" in cited.text
    page = PdfReader(document.file.path).pages[cited.page_start - 1].extract_text()
    assert "vent screw" in page
