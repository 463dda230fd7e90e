"""An OpenAI-compatible chat endpoint over the manuals, so existing clients and tools can ask them.

The model name chooses the collections: one collection's name, or several joined by "+".
The answer's text keeps its [n] markers, and the response carries the sources they point to
as a ``citations`` list (document, pages, passage, score, a link to the page); a stream sends
them in its last chunk. Streamed text is the model's own; the answer as checked (a quote the
manuals do not contain turns it into "not in the manuals") is the last chunk's ``manualist``.
"""

import json
import time
from collections.abc import Iterator

from django.http import JsonResponse, StreamingHttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema

from rag_app.api.asking import ASK_PERMISSION, AskRefused, Turn, collections_named, take_turn
from rag_app.chat.models import Answer
from rag_app.chat.summary import answer_summary
from rag_app.documents.models import Collection

router = Router()

MODEL_SEPARATOR = "+"


class Message(Schema):
    role: str
    content: str | list[dict] | None = None


class ChatCompletionIn(Schema):
    model: str = Field(description='A collection\'s name, or several joined by "+".')
    messages: list[Message]
    stream: bool = False


def openai_error(message: str, status: int, kind: str = "invalid_request_error") -> JsonResponse:
    """An error in the shape OpenAI clients read: they raise it with this message."""
    return JsonResponse({"error": {"message": message, "type": kind, "code": status}}, status=status)


def _text_of(message: Message) -> str:
    if isinstance(message.content, list):
        return "".join(part.get("text", "") for part in message.content if part.get("type") == "text")
    return message.content or ""


def _questions(messages: list[Message]) -> list[str]:
    return [text for text in (_text_of(m).strip() for m in messages if m.role == "user") if text]


def _model_collections(user, model: str) -> list[Collection]:
    readable = Collection.objects.readable_by(user)
    if readable.filter(name=model).exists():
        return collections_named(user, [model])
    return collections_named(user, model.split(MODEL_SEPARATOR))


@router.get("/models", summary="The collections this key's user can ask, as models")
def list_models(request):
    collections = Collection.objects.readable_by(request.user)
    return {
        "object": "list",
        "data": [
            {"id": c.name, "object": "model", "created": int(c.created_at.timestamp()), "owned_by": "manualist"}
            for c in collections
        ],
    }


@router.post("/chat/completions", summary="Answer the last user message from the model's collections")
def chat_completions(request, body: ChatCompletionIn):
    if not request.user.has_perm(ASK_PERMISSION):
        return openai_error("This key's user lacks the role to ask (ask an admin).", 403, "permission_error")
    arrived, arrived_at = time.perf_counter(), timezone.now()
    questions = _questions(body.messages)
    if not questions:
        return openai_error("Send at least one user message with text.", 400)
    try:
        collections = _model_collections(request.user, body.model)
        turn = take_turn(
            request.user, questions[-1], collections, arrived, arrived_at, earlier_questions=tuple(questions[:-1])
        )
    except AskRefused as error:
        kind = {404: "not_found_error", 429: "rate_limit_error", 503: "server_error"}.get(error.status)
        return openai_error(error.reason, error.status, kind or "invalid_request_error")
    if body.stream:
        response = StreamingHttpResponse(_chunks(turn, body.model), content_type="text/event-stream")
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"
        return response
    answer = turn.finish()
    if answer.status == Answer.Status.FAILED:
        return openai_error(answer.error or "The answer failed.", 503, "server_error")
    return JsonResponse(_completion(answer, body.model))


def _finish_reason(answer: Answer) -> str:
    return "length" if answer.stop_reason == "length" else "stop"


def _extras(answer: Answer) -> dict:
    summary = answer_summary(answer)
    return {
        "citations": summary["citations"],
        "manualist": {
            "answer_id": answer.pk,
            "status": answer.status,
            "answer": answer.text,
            "no_answer": answer.no_answer,
            "no_answer_reason": answer.no_answer_reason,
            "error": answer.error,
            "retrieved": summary["retrieved"],
            "timings": summary["timings"],
        },
    }


def _completion(answer: Answer, model: str) -> dict:
    prompt, completion = answer.prompt_tokens or 0, answer.completion_tokens or 0
    return {
        "id": f"chatcmpl-manualist-{answer.pk}",
        "object": "chat.completion",
        "created": int(answer.created_at.timestamp()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer.text},
                "finish_reason": _finish_reason(answer),
            }
        ],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        **_extras(answer),
    }


def _chunks(turn: Turn, model: str) -> Iterator[str]:
    """Server-sent chunks: the role, the text as it is written, then the citations; ``[DONE]`` last."""
    answer = turn.answer
    base = {"id": f"chatcmpl-manualist-{answer.pk}", "object": "chat.completion.chunk", "model": model}
    base["created"] = int(answer.created_at.timestamp())

    def chunk(delta: dict, finish_reason: str | None = None, **extra) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
        return f"data: {json.dumps({**base, 'choices': [choice], **extra})}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    streamed = []
    for event in turn.events:
        if event["type"] == "queue":
            # A comment line keeps the connection open while the question waits; clients skip it.
            yield f": waiting, {event['ahead']} ahead, about {event['wait_s']} s\n\n"
        elif event["type"] == "reasoning":
            # A chain-of-thought prompt's reasoning stays in the audit record; say the model is at work.
            yield ": reasoning\n\n"
        elif event["type"] == "token":
            streamed.append(event["text"])
            yield chunk({"content": event["text"]})
    answer.refresh_from_db()
    if answer.status == Answer.Status.FAILED:
        message = answer.error or "The answer failed."
        yield f"data: {json.dumps({'error': {'message': message, 'type': 'server_error', 'code': 503}})}\n\n"
        return
    written = "".join(streamed).strip()
    # Markers matched to claims after the text was written are appended, and a refusal is
    # written whole: send what the reader has not seen.
    rest = answer.text[len(written) :] if answer.text.startswith(written) else ""
    yield chunk({"content": rest} if rest else {}, _finish_reason(answer), **_extras(answer))
    yield "data: [DONE]\n\n"
