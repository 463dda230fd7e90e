"""Ingest one document in the worker: claim it, run the pipeline, commit its chunks.

Safe to run twice for the same document: only a queued document can be claimed, and its
claim comes with a lease the worker renews while it works (the sweeper requeues a document
whose lease lapsed); vectors are written under deterministic ids, and chunk rows are replaced
in one transaction that also checks the document was not re-queued or deleted meanwhile.
"""

import datetime
import logging
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ingestion import embed
from ingestion.pipeline import IngestResult, discard_generation, ingest_file, retire_older_generations
from ingestion.store import StoreUnavailable
from ingestion.types import IngestError
from rag_app.documents import pipeline_settings, vectors
from rag_app.documents.models import Chunk, Document
from rag_app.evaluations.services import schedule_guard

logger = logging.getLogger(__name__)

# Percent of the progress bar each stage fills: embedding is the slow part.
_STAGE_RANGES = {"parsing": (0, 25), "embedding": (25, 90), "storing": (90, 99)}
_STAGE_LABELS = {"parsing": "Reading page", "embedding": "Embedding chunk", "storing": "Storing vector"}


class _ProgressWriter:
    """Write progress to the document row at most a few times a second."""

    def __init__(self, document_id: int, generation: int, listener=None):
        """``listener(percent, detail)`` sees every update, unthrottled (the ingest command's bar)."""
        self.document_id = document_id
        self.generation = generation
        self.listener = listener
        self.last_percent = -1
        self.last_write = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        low, high = _STAGE_RANGES[stage]
        percent = low + (high - low) * done // max(total, 1)
        detail = f"{_STAGE_LABELS[stage]} {done} of {total}"
        if self.listener:
            self.listener(percent, detail)
        now = time.monotonic()
        if percent == self.last_percent or (now - self.last_write < 0.3 and done < total):
            return
        self.last_percent, self.last_write = percent, now
        status = Document.Status.PARSING if stage == "parsing" else Document.Status.EMBEDDING
        Document.objects.filter(pk=self.document_id, generation=self.generation, status__in=Document.WORKING).update(
            status=status, progress=percent, stage_detail=detail
        )


def claim(document_id: int) -> Document | None:
    """Take a queued document for ingestion, with a lease; None when there is nothing to do.

    A document whose worker died is put back in the queue by the sweeper once its lease
    lapses, so a task redelivered meanwhile finds nothing to claim.
    """
    claimed = Document.objects.filter(pk=document_id, status=Document.Status.QUEUED).update(
        status=Document.Status.PARSING,
        progress=0,
        stage_detail="Starting",
        error_reason="",
        lease_expires_at=lease_deadline(),
    )
    if not claimed:
        return None
    return Document.objects.select_related("collection").get(pk=document_id)


def lease_deadline() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=settings.INGEST_LEASE_SECONDS)


@contextmanager
def leased(document: Document):
    """Renew the document's lease from a side thread while the block runs, so no long stage lets it lapse."""
    if connection.in_atomic_block:
        # Inside the caller's transaction no other process sees the document: no lease to keep.
        yield
        return
    stop = threading.Event()

    def renew():
        try:
            while not stop.wait(settings.INGEST_LEASE_SECONDS / 4):
                Document.objects.filter(
                    pk=document.pk, generation=document.generation, status__in=Document.WORKING
                ).update(lease_expires_at=lease_deadline())
        finally:
            connection.close()

    renewer = threading.Thread(target=renew, name=f"lease-{document.pk}", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()


def ingest_document(document_id: int, open_client, on_progress=None) -> Document | None:
    """Ingest a claimed document; mark it failed for a file that cannot be used.

    Transient errors (Chroma or the database unreachable) propagate so the caller can retry.
    Returns the document, or None when it was not claimable (done, deleted or failed already).
    """
    document = claim(document_id)
    if document is None:
        return None
    with leased(document):
        return _ingest_claimed(document, open_client, on_progress)


def _ingest_claimed(document: Document, open_client, on_progress) -> Document:
    client = open_client()
    embed_config = pipeline_settings.embed_config()
    try:
        result = ingest_file(
            Path(document.file.path),
            document.kind,
            client=client,
            collection=document.collection.vector_collection,
            document_id=document.pk,
            generation=document.generation,
            embed_config=embed_config,
            chunk_config=pipeline_settings.chunk_config(),
            title=document.title,
            progress=_ProgressWriter(document.pk, document.generation, on_progress),
        )
    except IngestError as error:
        fail_document(document, error.reason, client)
        return document
    model = embed.model_name(embed_config)
    if _commit(document, result):
        retire_older_generations(client, document.collection.vector_collection, document.pk, document.generation, model)
        schedule_guard(document.collection)
    else:
        discard_generation(client, document.collection.vector_collection, document.pk, document.generation, model)
    return document


def _commit(document: Document, result: IngestResult) -> bool:
    """Replace the document's chunk rows and mark it ready; False if it changed meanwhile."""
    with transaction.atomic():
        current = Document.objects.select_for_update().filter(pk=document.pk, generation=document.generation).first()
        if current is None:
            return False
        Chunk.objects.filter(document=current).delete()
        Chunk.objects.bulk_create(
            [
                Chunk(
                    document=current,
                    vector_id=vector_id,
                    ordinal=chunk.ordinal,
                    page_start=chunk.page_start,
                    page_end=chunk.page_end,
                    text=chunk.text,
                    char_start=chunk.char_start,
                    char_end=chunk.char_end,
                    token_count=chunk.token_count,
                    section=chunk.section[:500],
                    searchable=chunk.searchable,
                )
                for chunk, vector_id in zip(result.chunks, result.vector_ids, strict=True)
            ],
            batch_size=500,
        )
        current.status = Document.Status.READY
        current.lease_expires_at = None
        current.interruptions = 0
        current.progress = 100
        current.page_count = len(result.pages)
        current.chunk_count = len(result.chunks)
        current.stage_detail = f"{len(result.pages)} pages, {len(result.chunks)} chunks{_skipped(result.pages)}"
        current.error_reason = ""
        current.ingested_at = timezone.now()
        current.save()
    return True


def _skipped(pages) -> str:
    unreadable = [str(page.number) for page in pages if page.unreadable]
    if not unreadable:
        return ""
    listed = ", ".join(unreadable[:10]) + (" …" if len(unreadable) > 10 else "")
    many = len(unreadable) > 1
    return f"; damaged page{'s' if many else ''} {listed} could not be read and {'were' if many else 'was'} skipped"[
        :150
    ]


def fail_outside_a_run(document: Document, reason: str) -> None:
    """Fail a document from outside its ingest run (a time limit, a dead worker); Chroma may be down."""
    try:
        client = vectors.server_client()
    except StoreUnavailable:
        client = None
    fail_document(document, reason, client)


def fail_document(document: Document, reason: str, client=None) -> None:
    """Mark the document failed with a reason and remove any vectors this attempt wrote."""
    Document.objects.filter(pk=document.pk, generation=document.generation).update(
        status=Document.Status.FAILED, error_reason=reason, stage_detail="", lease_expires_at=None
    )
    if client is None:
        return
    try:
        discard_generation(
            client,
            document.collection.vector_collection,
            document.pk,
            document.generation,
            embed.model_name(pipeline_settings.embed_config()),
        )
    except Exception:
        # Vectors without chunk rows are never served; the next successful run retires them.
        logger.warning("Could not discard vectors of failed document %s", document.pk, exc_info=True)


def note_retry(document_id: int, error: Exception, countdown: int) -> None:
    """Queue the document for its retry and tell the admin why it waits, instead of a frozen progress bar."""
    Document.objects.filter(pk=document_id, status__in=Document.IN_PROGRESS).update(
        status=Document.Status.QUEUED,
        lease_expires_at=None,
        dispatched_at=timezone.now(),
        stage_detail=f"Waiting {countdown}s to retry: {error}"[:200],
    )
