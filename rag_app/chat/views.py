"""Chat pages: ask a question, stream the answer, read past conversations."""

import json
import time

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from rag_app.chat import line, services
from rag_app.chat.models import Answer, Conversation
from rag_app.chat.turns import answer_in_turn
from rag_app.documents.models import Collection

USE_CHAT = "chat.use_chat"


@require_GET
@permission_required(USE_CHAT, raise_exception=True)
def chat_page(request, pk=None):
    conversation = get_object_or_404(Conversation, pk=pk, user=request.user) if pk else None
    collections = Collection.objects.readable_by(request.user)
    chosen = set(conversation.collections.values_list("pk", flat=True)) if conversation else set()
    return render(
        request,
        "chat/chat.html",
        {
            "conversation": conversation,
            "answers": conversation.answers.prefetch_related("sources", "feedback") if conversation else [],
            "conversations": request.user.conversations.all()[:50],
            "collections": collections,
            "chosen": chosen or {c.pk for c in collections[:1]},
        },
    )


@require_POST
@permission_required(USE_CHAT, raise_exception=True)
def ask(request):
    """Record the question, then stream server-sent events: meta, tokens, done."""
    try:
        collection_ids = [_row_id(value, "collections") for value in request.POST.getlist("collections")]
        conversation_id = request.POST.get("conversation")
        conversation_id = _row_id(conversation_id, "conversation") if conversation_id else None
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    arrived, arrived_at = time.perf_counter(), timezone.now()
    conversation = None
    if conversation_id:
        conversation = get_object_or_404(Conversation, pk=conversation_id, user=request.user)
    try:
        answer = services.start_answer(request.user, request.POST.get("question", ""), collection_ids, conversation)
    except (ValidationError, PermissionDenied) as error:
        return HttpResponseBadRequest(" ".join(getattr(error, "messages", [str(error)])))
    try:
        ticket = line.join(answer, arrived_at)
    except line.LineRefused as error:
        services.fail_answer(answer, error.reason)
        return HttpResponse(error.reason, status=error.status, content_type="text/plain; charset=utf-8")
    response = StreamingHttpResponse(_events(answer, ticket, arrived), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


# The largest id a database column holds (a signed 64-bit integer).
_MAX_ROW_ID = 2**63 - 1


def _row_id(value: str, field: str) -> int:
    """Parse a database id sent by a form; raise ValueError with a message for anything else."""
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= _MAX_ROW_ID:
        raise ValueError(f"{field} must be the number of an existing {field.rstrip('s')}, not {value[:40]!r}.")
    return int(value)


def _events(answer: Answer, ticket, arrived: float):
    """Server-sent events: the answer's ids, then its place in line, its turn and its own events."""
    meta = {"type": "meta", "answer": answer.pk, "conversation": answer.conversation_id}
    yield f"data: {json.dumps(meta)}\n\n"
    for event in answer_in_turn(answer, ticket, arrived):
        yield f"data: {json.dumps(event)}\n\n"


@require_GET
@permission_required(USE_CHAT, raise_exception=True)
def answer_fragment(request, pk):
    """One finished answer as HTML, swapped in when its stream ends."""
    answer = get_object_or_404(
        Answer.objects.prefetch_related("sources", "feedback"), pk=pk, conversation__user=request.user
    )
    return render(request, "chat/_answer.html", {"answer": answer})


@require_POST
@permission_required(USE_CHAT, raise_exception=True)
def feedback(request, pk):
    """Thumbs up or down, with an optional comment; answers with the refreshed answer."""
    answer = get_object_or_404(Answer, pk=pk, conversation__user=request.user)
    helpful = request.POST.get("helpful")
    if helpful not in {"1", "0"}:
        return HttpResponseBadRequest("Say whether the answer helped (helpful=1 or 0).")
    services.give_feedback(answer, request.user, helpful == "1", request.POST.get("comment", ""))
    if request.headers.get("x-requested-with") == "fetch":
        return render(request, "chat/_answer.html", {"answer": answer})
    return redirect(f"{answer.conversation.get_absolute_url()}#answer-{answer.pk}")
