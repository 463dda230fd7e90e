"""The sweeper requeues documents whose worker died, fails those that keep killing it, resends lost tasks."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from rag_app.documents import dispatch, services, sweeper
from rag_app.documents.models import Document


@pytest.fixture
def document(collection):
    return services.add_document(
        collection, ContentFile(b"Press start.\n", name="guide.txt"), "guide.txt", enqueue=False
    )


def _set(document, **fields):
    Document.objects.filter(pk=document.pk).update(**fields)
    document.refresh_from_db()
    return document


def _ago(seconds):
    return timezone.now() - datetime.timedelta(seconds=seconds)


@pytest.fixture
def sent(monkeypatch):
    """Record the documents dispatched instead of filling the broker's queue with them."""
    documents = []
    monkeypatch.setattr(dispatch.ingest_document_task, "apply_async", lambda args, **kwargs: documents.append(args[0]))
    return documents


def test_a_document_whose_lease_lapsed_is_queued_again_and_sent(document, sent):
    _set(document, status=Document.Status.EMBEDDING, lease_expires_at=_ago(1), updated_at=_ago(60))
    report = sweeper.sweep()
    document.refresh_from_db()
    assert report.requeued == [document.pk]
    assert (document.status, document.interruptions, document.stage_detail) == ("queued", 1, sweeper.RESTARTED)
    assert report.sent == sent == [document.pk]


def test_a_requeued_document_is_sent_at_the_next_sweep(document, sent):
    _set(document, status=Document.Status.QUEUED, dispatched_at=None)
    Document.objects.filter(pk=document.pk).update(updated_at=_ago(60))
    assert sweeper.sweep().sent == [document.pk] == sent
    document.refresh_from_db()
    assert document.dispatched_at is not None


def test_a_document_with_a_live_lease_is_left_alone(document, sent):
    _set(document, status=Document.Status.EMBEDDING, lease_expires_at=timezone.now() + datetime.timedelta(seconds=30))
    assert sweeper.sweep().requeued == []
    assert Document.objects.get(pk=document.pk).status == Document.Status.EMBEDDING


def test_at_start_up_every_document_being_read_is_taken_as_cut_off(document, sent):
    _set(document, status=Document.Status.PARSING, lease_expires_at=timezone.now() + datetime.timedelta(seconds=30))
    assert sweeper.sweep(no_worker_running=True).requeued == [document.pk]


def test_a_document_that_killed_the_worker_too_often_fails_with_the_reason(document, sent, settings):
    _set(
        document, status=Document.Status.EMBEDDING, lease_expires_at=_ago(1),
        interruptions=settings.MAX_INGEST_INTERRUPTIONS - 1,
    )  # fmt: skip
    assert sweeper.sweep().failed == [document.pk]
    document.refresh_from_db()
    assert document.status == Document.Status.FAILED
    assert document.error_reason == sweeper.interrupted_reason(settings.MAX_INGEST_INTERRUPTIONS)


def test_a_task_sent_long_ago_for_a_still_queued_document_is_sent_again(document, sent):
    _set(document, dispatched_at=_ago(3600))
    Document.objects.filter(pk=document.pk).update(updated_at=_ago(3600))
    assert sweeper.sweep().sent == [document.pk]


def test_a_task_just_sent_is_not_sent_again(document, sent):
    _set(document, dispatched_at=timezone.now())
    Document.objects.filter(pk=document.pk).update(updated_at=_ago(60))
    assert sweeper.sweep().sent == []


def test_stopping_the_app_queues_what_was_being_read_without_counting_it(document, sent):
    _set(document, status=Document.Status.EMBEDDING, lease_expires_at=timezone.now(), dispatched_at=timezone.now())
    assert sweeper.release_working() == 1
    document.refresh_from_db()
    assert (document.status, document.interruptions, document.dispatched_at) == ("queued", 0, None)
    assert document.stage_detail == sweeper.APP_STOPPED


def test_a_broker_that_cannot_be_reached_leaves_the_document_waiting_with_a_note(document, monkeypatch):
    from kombu.exceptions import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(dispatch.ingest_document_task, "apply_async", refuse)
    assert dispatch.dispatch(document.pk) is False
    document.refresh_from_db()
    assert (document.status, document.stage_detail, document.dispatched_at) == (
        "queued", dispatch.WAITING_FOR_BROKER, None
    )  # fmt: skip


def test_a_redelivered_task_for_a_document_being_read_claims_nothing(document):
    from rag_app.documents import ingest

    _set(document, status=Document.Status.EMBEDDING, lease_expires_at=timezone.now() + datetime.timedelta(seconds=30))
    assert ingest.claim(document.pk) is None
