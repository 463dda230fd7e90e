"""What admins do to manuals: add, re-ingest and delete them, and create collections."""

import hashlib
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction

from ingestion import embed
from ingestion.detect import detect_kind
from ingestion.pipeline import remove_document
from ingestion.types import IngestError
from rag_app.documents import pipeline_settings, vectors
from rag_app.documents.models import Collection, Document
from rag_app.documents.tasks import ingest_document_task

_SNIFF_BYTES = 8192


class UploadRejected(Exception):
    """A file was refused before anything was stored; ``existing`` is set for duplicates."""

    def __init__(self, reason: str, existing: Document | None = None):
        super().__init__(reason)
        self.reason = reason
        self.existing = existing


def create_collection(name: str, description: str = "") -> Collection:
    collection, _ = Collection.objects.get_or_create(name=name.strip(), defaults={"description": description})
    return collection


def add_document(collection: Collection, file: File, original_name: str, user=None, *, enqueue=True) -> Document:
    """Store a file as a queued document, or raise UploadRejected with the reason.

    With ``enqueue`` the ingestion task is sent once the transaction commits; commands that
    ingest in-process pass False.
    """
    name = Path(original_name).name or "manual"
    _check_size(name, file.size)
    digest, head = _hash_and_head(file)
    try:
        kind = detect_kind(head, name)
    except IngestError as error:
        raise UploadRejected(f"{name}: {error.reason}") from error
    existing = collection.documents.filter(sha256=digest).first()
    if existing:
        raise UploadRejected(f"{name} is already in {collection.name} as “{existing.title}”.", existing)
    document = Document(
        collection=collection,
        original_name=name[:255],
        title=_title_from_name(name),
        sha256=digest,
        size_bytes=file.size,
        kind=kind,
        uploaded_by=user,
    )
    file.seek(0)
    document.file.save(name, file, save=False)
    try:
        with transaction.atomic():
            document.save()
            if enqueue:
                ingest_document_task.delay_on_commit(document.pk)
    except IntegrityError as error:
        document.file.delete(save=False)
        existing = collection.documents.filter(sha256=digest).first()
        raise UploadRejected(f"{name} is already in {collection.name}.", existing) from error
    return document


def _check_size(name: str, size: int) -> None:
    if size == 0:
        raise UploadRejected(f"{name} is empty: there is nothing to read.")
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    if size > limit:
        raise UploadRejected(
            f"{name} is {size / 1024 / 1024:.1f} MB, over the {settings.MAX_UPLOAD_MB} MB limit for one manual."
        )


def _hash_and_head(file: File) -> tuple[str, bytes]:
    """Hash the whole file in chunks and keep its first bytes for type detection."""
    digest = hashlib.sha256()
    head = b""
    file.seek(0)
    for block in file.chunks():
        if len(head) < _SNIFF_BYTES:
            head += block[: _SNIFF_BYTES - len(head)]
        digest.update(block)
    return digest.hexdigest(), head


def _title_from_name(name: str) -> str:
    stem = Path(name).stem.replace("_", " ").replace("-", " ").strip()
    return " ".join(stem.split())[:255] or name


def reingest_document(document: Document) -> None:
    """Queue a fresh ingestion; a run still going on for the old generation is discarded."""
    with transaction.atomic():
        Document.objects.filter(pk=document.pk).update(
            generation=document.generation + 1,
            status=Document.Status.QUEUED,
            progress=0,
            stage_detail="Queued for re-ingestion",
            error_reason="",
        )
        ingest_document_task.delay_on_commit(document.pk)


def delete_document(document: Document) -> None:
    """Delete the document's vectors, rows and stored file; raise StoreUnavailable if Chroma is down."""
    client = vectors.server_client()
    model = embed.model_name(pipeline_settings.embed_config())
    remove_document(client, document.collection.vector_collection, document.pk, model)
    stored = document.file.name
    storage = document.file.storage
    with transaction.atomic():
        document.delete()
        transaction.on_commit(lambda: storage.delete(stored))


def delete_collection(collection: Collection) -> None:
    """Delete a collection with its documents, vectors and stored files; raise StoreUnavailable if Chroma is down."""
    client = vectors.server_client()
    try:
        client.delete_collection(collection.vector_collection)
    except Exception as error:
        # A collection that never had a document ingested has no Chroma collection.
        if "does not exist" not in str(error) and type(error).__name__ != "NotFoundError":
            raise
    files = [(document.file.storage, document.file.name) for document in collection.documents.all()]
    with transaction.atomic():
        collection.delete()
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in files])
