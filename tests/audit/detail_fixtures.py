"""Fixtures for the audit detail, replay and gap tests; import them by name into a test module."""

from pathlib import Path

import pytest
from django.db.models import F

from rag_app.chat import services
from rag_app.chat.models import Answer, AnswerSource, Conversation
from rag_app.documents import ingest, vectors
from rag_app.documents.models import Document
from tests.app.conftest import PUMP_PAGES, pump_manual  # noqa: F401
from tests.pdfs import make_pdf


def ask(user, collection, question: str) -> Answer:
    """Answer a question through the real chat path and return the recorded answer."""
    answer = services.start_answer(user, question, [collection.pk])
    for _event in services.stream_answer(answer):
        pass
    answer.refresh_from_db()
    return answer


def rewrite_manual(document: Document, pages: list[str]) -> None:
    """Replace the manual's file with new pages and ingest it again, as a re-upload would."""
    make_pdf(Path(document.file.path), pages)
    Document.objects.filter(pk=document.pk).update(generation=F("generation") + 1, status=Document.Status.QUEUED)
    ingest.ingest_document(document.pk, vectors.server_client)
    document.refresh_from_db()
    assert document.is_ready, document.error_reason


def record_answer(user, collection, question: str, text: str = "", **fields) -> Answer:
    """Record an answer row directly, for the logic that needs exact text rather than the model's."""
    conversation = Conversation.objects.create(user=user, title=question)
    status = Answer.Status.NO_ANSWER if fields.get("no_answer") else Answer.Status.COMPLETE
    answer = Answer.objects.create(
        conversation=conversation, user=user, question=question, retrieval_query=question, text=text, status=status,
        **fields,
    )  # fmt: skip
    answer.collections.set([collection])
    return answer


def add_source(answer: Answer, number: int, page: int, text: str, document: Document | None = None, **fields):
    """Record a passage given for an answer; without a document it stands for a deleted manual."""
    name = document.original_name if document else "pump-manual.pdf"
    return AnswerSource.objects.create(
        answer=answer, number=number, rank=number, document=document, document_title=name.removesuffix(".pdf"),
        document_name=name, page_start=page, page_end=page, score=0.7, text=text, **fields,
    )  # fmt: skip


@pytest.fixture
def auditor(role_user):
    return role_user("auditor")


@pytest.fixture
def auditor_client(client, auditor):
    client.force_login(auditor)
    return client


@pytest.fixture
def staff_user(role_user):
    return role_user("staff", "sam")


@pytest.fixture
def filter_answer(pump_manual, staff_user):  # noqa: F811
    """The inlet-filter question answered by the bundled model over the pump manual."""
    answer = ask(staff_user, pump_manual.collection, "How often should I replace the inlet filter?")
    assert answer.status == Answer.Status.COMPLETE, answer.error
    return answer


CHANGED_PUMP_PAGES = [
    *PUMP_PAGES[:2],
    "Maintenance. Replace the inlet filter every 500 operating hours. Rinse the filter basket with clean water "
    "once a month.",
    *PUMP_PAGES[3:],
]
