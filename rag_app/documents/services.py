"""What admins do to manuals: add, re-ingest and delete them, and create collections."""

import hashlib
from functools import partial
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction

from ingestion import embed
from ingestion.detect import detect_kind
from ingestion.pipeline import remove_document
from ingestion.types import IngestError
from rag_app.documents import pipeline_settings, vectors
from rag_app.documents.dispatch import dispatch
from rag_app.documents.models import Collection, Document

_SNIFF_BYTES = 8192
# Bytes of UTF-8 a stored file name may hold, well under the 255 of common file systems.
MAX_NAME_BYTES = 150
_MAX_SUFFIX_BYTES = 16


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

    With ``enqueue`` the ingestion task is sent once the transaction commits (or, with the
    broker away, later by the sweeper); commands that ingest in-process pass False.
    """
    name = stored_name(original_name)
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
    try:
        document.file.save(name, file, save=False)
    except OSError as error:
        # A full disk, say: this file is refused with the reason, the other files go on.
        raise UploadRejected(f"{name} could not be stored ({error.strerror or error}).") from error
    try:
        with transaction.atomic():
            document.save()
            if enqueue:
                transaction.on_commit(partial(dispatch, document.pk))
    except IntegrityError as error:
        document.file.delete(save=False)
        existing = collection.documents.filter(sha256=digest).first()
        raise UploadRejected(f"{name} is already in {collection.name}.", existing) from error
    return document


def stored_name(original: str) -> str:
    """Return a file name safe to store and show: the last path part, printable, its suffix kept.

    Shortened to MAX_NAME_BYTES of UTF-8, since file systems count bytes (255 per name) and a
    name of 246 "説" is 742; a name of only dots (".."), or of nothing, becomes "manual".
    """
    base = PurePosixPath(original.replace("\\", "/")).name
    name = "".join(char for char in base if char.isprintable()).strip()
    if not name.strip("."):
        return "manual"
    suffix = PurePosixPath(name).suffix
    if len(suffix.encode()) > _MAX_SUFFIX_BYTES:
        suffix = ""
    stem = name[: len(name) - len(suffix)]
    while len((stem + suffix).encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return (stem.rstrip() or "manual") + suffix


def unreceived_names(sent: list[str], received: list[str]) -> list[str]:
    """Return the names the page said it sent that no received file carries.

    Django drops a part whose file name is empty after cleaning (such as ".."), so without this
    such a file would vanish without a word.
    """
    left = list(received)
    missing = []
    for name in sent:
        if name in left:
            left.remove(name)
        elif PurePosixPath(name.replace("\\", "/")).name in left:
            left.remove(PurePosixPath(name.replace("\\", "/")).name)
        else:
            missing.append(name[:200])
    return missing


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
            lease_expires_at=None,
            interruptions=0,
            dispatched_at=None,
        )
        transaction.on_commit(partial(dispatch, document.pk))


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
