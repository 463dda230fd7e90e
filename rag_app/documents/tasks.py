"""Celery tasks for documents: ids in, a service call, done."""

import logging

import httpx
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError

from ingestion.store import StoreUnavailable
from rag_app.documents import ingest, vectors
from rag_app.documents.models import Document

logger = logging.getLogger(__name__)

# Errors that say a service is briefly away, not that the file is bad.
TRANSIENT_ERRORS = (StoreUnavailable, httpx.TransportError, OperationalError, InterfaceError)
MAX_RETRIES = 5


@shared_task(
    name="documents.ingest_document",
    bind=True,
    acks_late=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=settings.INGEST_SOFT_TIME_LIMIT,
    time_limit=settings.INGEST_SOFT_TIME_LIMIT + 60,
)
def ingest_document_task(self, document_id: int) -> None:
    try:
        ingest.ingest_document(document_id, vectors.server_client)
    except TRANSIENT_ERRORS as error:
        vectors.forget_server_client()
        if self.request.retries >= MAX_RETRIES:
            _fail(document_id, f"Gave up after {MAX_RETRIES + 1} attempts because a service was unreachable: {error}")
            return
        countdown = min(5 * 2**self.request.retries, 300)
        ingest.note_retry(document_id, error, countdown)
        raise self.retry(exc=error, countdown=countdown) from error
    except SoftTimeLimitExceeded:
        minutes = settings.INGEST_SOFT_TIME_LIMIT // 60
        _fail(document_id, f"Ingestion took longer than {minutes} minutes and was stopped. Try splitting the file.")
    except Exception as error:
        logger.exception("Ingestion of document %s failed", document_id)
        _fail(document_id, f"Unexpected error while ingesting ({type(error).__name__}: {error}).")


def _fail(document_id: int, reason: str) -> None:
    document = Document.objects.filter(pk=document_id).first()
    if document is not None:
        ingest.fail_outside_a_run(document, reason)
