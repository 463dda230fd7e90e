"""The app's own API: list collections, upload a manual, read its status, ask a question.

Each endpoint is a thin shell over the same services the pages use, with the same checks:
the key's user needs the role (admin to upload, staff to ask) and reads only its collections.
"""

import time

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import File, Router, UploadedFile
from ninja.errors import HttpError
from ninja.responses import Status

from rag_app.api.asking import ASK_PERMISSION, AskRefused, collections_named, take_turn
from rag_app.api.schemas import AnswerOut, AskIn, CollectionOut, DocumentOut, ErrorOut
from rag_app.chat.models import Answer
from rag_app.chat.summary import answer_summary
from rag_app.documents import services as documents
from rag_app.documents.models import Collection, Document

router = Router()

UPLOAD_PERMISSION = "documents.add_document"


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise HttpError(403, "This key's user lacks the role for this (ask an admin).")


def document_out(document: Document) -> dict:
    return {
        "id": document.pk,
        "collection": document.collection.name,
        "name": document.original_name,
        "title": document.title,
        "status": document.status,
        "progress": document.progress,
        "pages": document.page_count,
        "chunks": document.chunk_count if document.is_ready else None,
        "error": document.error_reason,
        "note": document.ready_note,
    }


@router.get("/collections", response=list[CollectionOut], summary="Collections this key's user can read")
def list_collections(request):
    return [
        {"id": c.pk, "name": c.name, "description": c.description, "documents": c.documents.count()}
        for c in Collection.objects.readable_by(request.user)
    ]


@router.post(
    "/collections/{name}/documents",
    response={201: DocumentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Upload a manual into a collection; it is ingested in the background",
)
def upload_document(request, name: str, file: File[UploadedFile]):
    _require(request, UPLOAD_PERMISSION)
    collection = get_object_or_404(Collection.objects.readable_by(request.user), name=name)
    try:
        document = documents.add_document(collection, file, file.name or "upload", request.user)
    except documents.UploadRejected as error:
        return Status(400, {"detail": error.reason})
    return Status(201, document_out(document))


@router.get("/documents/{document_id}", response={200: DocumentOut, 404: ErrorOut}, summary="A manual's status")
def document_status(request, document_id: int):
    readable = Collection.objects.readable_by(request.user)
    document = get_object_or_404(Document.objects.select_related("collection"), pk=document_id, collection__in=readable)
    return document_out(document)


@router.post(
    "/ask",
    response={200: AnswerOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    summary="Ask a question; the answer comes with its citations (document, pages, passage, score)",
)
def ask(request, body: AskIn):
    _require(request, ASK_PERMISSION)
    arrived, arrived_at = time.perf_counter(), timezone.now()
    try:
        collections = collections_named(request.user, body.collections)
        answer = take_turn(request.user, body.question, collections, arrived, arrived_at).finish()
    except AskRefused as error:
        return Status(error.status, {"detail": error.reason})
    return answer_summary(answer)


@router.get("/answers/{answer_id}", response={200: AnswerOut, 404: ErrorOut}, summary="One of your answers")
def answer_detail(request, answer_id: int):
    return answer_summary(get_object_or_404(Answer, pk=answer_id, user=request.user))
