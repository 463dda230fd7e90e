"""Recorded answers to audit: exact rows for the filters, and one answer from the real chat path."""

import datetime
from types import SimpleNamespace

import pytest

from rag_app.chat import services
from rag_app.chat.models import Answer, AnswerSource, AuditMark, Conversation, Feedback
from rag_app.documents.models import Collection, Document
from tests.app.conftest import collection, pump_manual  # noqa: F401


def _document(owner: Collection, name: str) -> Document:
    return Document.objects.create(
        collection=owner, file=f"manuals/{name}", original_name=name, title=name.removesuffix(".pdf").title(),
        sha256=name.ljust(64, "0"), size_bytes=1000, kind="pdf", page_count=5, status=Document.Status.READY,
    )  # fmt: skip


def record_answer(user, over: Collection, question, text, created_at, sources=(), **fields) -> Answer:
    """Record an answer as the chat would have, at a chosen time; ``sources`` are (document, page, cited)."""
    conversation = Conversation.objects.create(user=user, title=question)
    answer = Answer.objects.create(
        conversation=conversation, user=user, question=question, retrieval_query=question, text=text,
        status=Answer.Status.NO_ANSWER if fields.get("no_answer") else Answer.Status.COMPLETE, **fields,
    )  # fmt: skip
    answer.collections.set([over])
    # created_at is auto_now_add, so it can only be chosen after the row exists.
    Answer.objects.filter(pk=answer.pk).update(created_at=created_at)
    for number, (document, page, cited) in enumerate(sources, 1):
        AnswerSource.objects.create(
            answer=answer, number=number, rank=number, chunk_ids=[f"{document.pk}-{page}"], document=document,
            document_title=document.title, document_name=document.original_name, page_start=page, page_end=page,
            score=round(0.8 - number / 10, 2), text=f"Page {page} of {document.title}.", cited=cited,
        )  # fmt: skip
    answer.refresh_from_db()
    return answer


def utc(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2025, 3, day, hour, minute, tzinfo=datetime.UTC)


@pytest.fixture
def recorded(role_user):
    """Three answers by two users over two collections, each filter singling out some, plus one replay.

    first:  alice, Router R-9, 1 March, "reset" in the question, router p.2 cited and p.3 retrieved, thumbs up,
            approved by the auditor.
    second: bob, Dryer D-10, 2 March 23:30 UTC, "lint" only in the answer, dryer p.5 cited, thumbs down.
    third:  alice, Dryer D-10, 5 March, not in the manuals, dryer p.1 retrieved but not cited, no feedback.
    """
    alice, bob = role_user("staff", "alice"), role_user("staff", "bob")
    auditor = role_user("auditor")
    router, dryer = Collection.objects.create(name="Router R-9"), Collection.objects.create(name="Dryer D-10")
    router_pdf, dryer_pdf = _document(router, "router-r9.pdf"), _document(dryer, "dryer-d10.pdf")
    first = record_answer(
        alice, router, "How do I reset the router?", "Hold the reset button for twelve seconds [1].", utc(1, 10),
        sources=[(router_pdf, 2, True), (router_pdf, 3, False)],
        model_info={"file_name": "gemma.gguf", "backend": "llama.cpp", "quantization": "Q4_K_M", "sha256": "abc"},
        retrieval_ms=12.5, ttft_ms=100.0, total_ms=1100.0, completion_tokens=50,
    )  # fmt: skip
    second = record_answer(
        bob, dryer, "Why does the dryer stop mid-cycle?", "The Lint screen is blocked; clean it [1].", utc(2, 23, 30),
        sources=[(dryer_pdf, 5, True)],
    )  # fmt: skip
    third = record_answer(
        alice, dryer, "Can the dryer print shipping labels?", "That is not in the manuals.", utc(5, 9),
        sources=[(dryer_pdf, 1, False)], no_answer=True, no_answer_reason="The manuals never mention: labels",
    )  # fmt: skip
    replay = record_answer(alice, router, first.question, first.text, utc(6, 9), replay_of=first)
    Feedback.objects.create(answer=first, user=alice, helpful=True, comment="Worked first time")
    Feedback.objects.create(answer=second, user=bob, helpful=False)
    AuditMark.objects.create(
        answer=first, auditor=auditor, verdict=AuditMark.Verdict.APPROVED, comment="Page 2 says so"
    )
    return SimpleNamespace(
        first=first, second=second, third=third, replay=replay, alice=alice, bob=bob, auditor=auditor,
        router=router, dryer=dryer, router_pdf=router_pdf, dryer_pdf=dryer_pdf,
    )  # fmt: skip


@pytest.fixture
def chat_answer(pump_manual, role_user):  # noqa: F811
    """An answer recorded by the real chat path: retrieval from Chroma and the bundled model through llama.cpp."""
    answer = services.start_answer(
        role_user("staff", "carol"), "How often should I replace the inlet filter?", [pump_manual.collection_id]
    )
    for _ in services.stream_answer(answer):
        pass
    answer.refresh_from_db()
    assert answer.status == Answer.Status.COMPLETE, answer.error
    return answer
