"""Answer questions: record the question, retrieve, generate with streaming, resolve citations.

``stream_answer`` is a generator of events for the browser; whatever happens to the stream
(finished, stopped by the user, failed) the Answer row ends up recording it.
"""

import logging
import time
from collections.abc import Iterator
from dataclasses import asdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from answering.citations import Citation, resolve_citations
from answering.condense import standalone_query
from answering.evidence import select_evidence
from answering.grounding import invented_literals, invented_paths, is_decline, unsupported_names
from answering.llm import GenerationParams, LLMUnavailable, StopReason
from answering.prompt import CHAIN_OF_THOUGHT, build_messages, prompt_version
from answering.reasoning import ReasoningSplitter
from answering.types import Passage
from ingestion import embed
from ingestion.store import StoreUnavailable
from rag_app.chat import line, llm_settings
from rag_app.chat.access import record_access
from rag_app.chat.models import Answer, AnswerSource, Conversation, Feedback
from rag_app.chat.prompting import Prompting, prompting_for
from rag_app.chat.retrieval import retrieve, search_terms_for
from rag_app.documents import pipeline_settings
from rag_app.documents.models import Chunk, Collection

logger = logging.getLogger(__name__)

# Room kept in the context for the chat template's role markers around the messages.
_CHAT_FORMAT_TOKENS = 32

# The checks that can turn an answer into "not in the manuals", by the names ANSWER_CHECKS takes:
# the question's distinctive terms before the model is asked, then the answer's backing.
TERMS_CHECK = "terms"
BACKING_CHECKS = ("quotes", "paths", "names")
CHECKS = (TERMS_CHECK, *BACKING_CHECKS)


def check_enabled(check: str) -> bool:
    return check in settings.ANSWER_CHECKS


def start_answer(
    user,
    question: str,
    collection_ids: list[int],
    conversation: Conversation | None = None,
    *,
    earlier_questions: tuple[str, ...] = (),
) -> Answer:
    """Validate and record a new question; raise ValidationError or PermissionDenied.

    ``earlier_questions`` are a new conversation's questions asked before this one elsewhere
    (an API client sends its whole history): the last one helps a follow-up's search, as the
    previous question of a conversation does.
    """
    question = question.strip()
    if not question:
        raise ValidationError("Type a question first.")
    collections = list(Collection.objects.readable_by(user).filter(pk__in=collection_ids))
    if not collections or len(collections) != len(set(collection_ids)):
        raise PermissionDenied("Choose one or more collections you can read.")
    with transaction.atomic():
        if conversation is None:
            conversation = Conversation.objects.create(user=user, title=question[:200])
        elif conversation.user_id != user.pk:
            raise PermissionDenied("This conversation belongs to someone else.")
        previous = _joinable_previous_question(conversation, collections) or [
            earlier for earlier in earlier_questions[-1:] if earlier.strip()
        ]
        conversation.collections.set(collections)
        answer = Answer.objects.create(
            conversation=conversation,
            user=user,
            question=question,
            retrieval_query=standalone_query(previous, question),
        )
        answer.collections.set(collections)
        record_access(answer, collections)
        conversation.save(update_fields=["updated_at"])
    return answer


def _joinable_previous_question(conversation: Conversation, collections: list[Collection]) -> list[str]:
    """Return the previous question for a follow-up to lean on, or nothing when it drew on other collections.

    The joined query is recorded with the new answer, which the readers of the new collections
    see: text asked over a collection outside them (a restricted one, or a deleted one) stays out.
    """
    last = conversation.answers.order_by("-created_at", "-pk").first()
    if last is None:
        return []
    drew_on = set(last.access.values_list("collection_id", flat=True))
    if not drew_on or not drew_on <= {collection.pk for collection in collections}:
        return []
    return [last.question]


def stream_answer(
    answer: Answer,
    params: GenerationParams | None = None,
    *,
    arrived: float | None = None,
    prompting: Prompting | None = None,
) -> Iterator[dict]:
    """Yield ``{"type": "token", "text"}`` events while generating, then one ``{"type": "done"}``.

    Skips the model entirely when retrieval finds nothing relevant or the question names
    things the manuals never mention. ``params`` replaces the configured sampling settings,
    so an audit can replay an answer as it was generated. ``arrived`` (a perf_counter time)
    is when the reader asked: timings count from there, time in line included. ``prompting``
    replaces the collections' own prompt style and adapter (an evaluation comparing them).
    """
    started = arrived if arrived is not None else time.perf_counter()
    params = params or llm_settings.generation_params()
    answer.generation_params = asdict(params)
    collections = list(answer.collections.all())
    try:
        model = llm_settings.chat_model()
        answer.model_info = asdict(model.info)
        general = any(collection.allow_general_knowledge for collection in collections)
        chat = model.info.chat_template
        prompting = prompting or prompting_for(collections)
        answer.prompt_style = prompting.style.resolved(chat)
        answer.prompt_version = prompt_version(prompting.style, chat=chat, allow_general_knowledge=general)
        if prompting.adapter:
            answer.adapter_name, answer.adapter_sha256 = prompting.adapter.name, prompting.adapter.sha256
        without_sources = build_messages(
            answer.question, [], allow_general_knowledge=general, chat=chat, style=prompting.style
        )
        overhead = sum(model.count_tokens(message["content"]) for message in without_sources)
        room = model.context_size - params.max_tokens - overhead - _CHAT_FORMAT_TOKENS
        # Every source token costs prompt time before the first answer token, so sources are capped too.
        budget = min(room, settings.RETRIEVAL_CONTEXT_TOKENS)
        # A replay searches with the terms its original recorded.
        recorded = answer.search_terms
        found = retrieve(
            answer.retrieval_query,
            collections,
            budget,
            model.count_tokens,
            terms_from=answer.question,
            expand=(lambda _query: recorded) if recorded else (lambda query: search_terms_for(query, model)),
        )
        answer.search_terms = found.search_terms
    except Exception as error:
        # The LLM server or Chroma down (or anything else) before the first token: record it, never hang.
        if not isinstance(error, (LLMUnavailable, StoreUnavailable)):
            logger.exception("Answer %s failed before generating", answer.pk)
        answer.error = str(error) or type(error).__name__
        answer.status = Answer.Status.FAILED
        answer.total_ms = _ms_since(started)
        _save(answer, [], [])
        yield {"type": "done"}
        return
    answer.retrieval_ms = found.milliseconds
    reason = _no_answer_reason(found, general)
    if reason:
        _finish_no_answer(answer, found.passages, reason, started)
        yield {"type": "done"}
        return

    reasoning = ReasoningSplitter() if answer.prompt_style == CHAIN_OF_THOUGHT else None
    generation, announced = None, False
    try:
        # Selection counts tokens on the LLM server, so a server that dies here fails the answer too.
        answer.prompt = build_messages(
            answer.question, _evidence(answer, found, model), allow_general_knowledge=general, chat=chat,
            style=prompting.style,
        )  # fmt: skip
        generation = model.generate(answer.prompt, params, adapter=prompting.adapter)
        for piece in generation:
            visible = reasoning.feed(piece) if reasoning else piece
            if not visible:
                if not announced:
                    # Once, so the reader knows the model is at work while it reasons unseen.
                    announced = True
                    yield {"type": "reasoning"}
                continue
            if answer.ttft_ms is None:
                answer.ttft_ms = _ms_since(started)
            yield {"type": "token", "text": visible}
        rest = reasoning.finish() if reasoning else ""
        if rest:
            answer.ttft_ms = answer.ttft_ms or _ms_since(started)
            yield {"type": "token", "text": rest}
    except GeneratorExit:
        answer.stop_reason = StopReason.STOPPED
        _finish_generation(answer, found.passages, _text(generation), started, Answer.Status.STOPPED, model, reasoning)
        raise
    except Exception as error:
        # Whatever broke (the LLM server died or hung, a bug), the answer must not stay "streaming".
        if not isinstance(error, LLMUnavailable):
            logger.exception("Answer %s failed while generating", answer.pk)
        answer.error = str(error) or type(error).__name__
        answer.stop_reason = StopReason.ERROR
        _finish_generation(answer, found.passages, _text(generation), started, Answer.Status.FAILED, model, reasoning)
        yield {"type": "done"}
        return
    answer.stop_reason = generation.stop_reason
    _finish_generation(
        answer,
        found.passages,
        generation.text,
        started,
        Answer.Status.COMPLETE,
        model,
        reasoning,
        grounded_only=not general,
    )
    yield {"type": "done"}


def _evidence(answer: Answer, found, model) -> list[Passage]:
    """Return the passages cut to the sentences that bear on the question, as the model will read them."""
    config = pipeline_settings.embed_config()
    return select_evidence(
        answer.question,
        found.passages,
        lambda texts: embed.embed_texts(texts, config),
        model.count_tokens,
        settings.EVIDENCE_TOKENS,
        search_terms=found.search_terms,
    )


def fail_answer(answer: Answer, reason: str) -> None:
    """Record that ``answer`` could not be generated at all, and why."""
    answer.status = Answer.Status.FAILED
    answer.error = reason
    answer.save(update_fields=["status", "error"])


def stop_waiting_answer(answer: Answer, waited_ms: float) -> None:
    """Record that the reader left (or the stream broke) while the answer waited in line."""
    answer.status = Answer.Status.STOPPED
    answer.stop_reason = StopReason.STOPPED
    answer.error = "The reader left while the question waited in line for the model."
    answer.wait_ms = answer.total_ms = waited_ms
    answer.save(update_fields=["status", "stop_reason", "error", "wait_ms", "total_ms"])


def fail_interrupted_answers() -> int:
    """Mark every answer still "streaming" as failed and empty the line for the model; return how many.

    Call it only when no process can be generating (the app is starting, or its web
    server was just restarted): those answers lost the process that was writing them.
    """
    line.clear()
    return Answer.objects.filter(status=Answer.Status.STREAMING).update(
        status=Answer.Status.FAILED,
        stop_reason=StopReason.ERROR,
        error="The app stopped while this answer was being written. Ask again.",
    )


def _no_answer_reason(found, allow_general_knowledge: bool) -> str:
    if allow_general_knowledge:
        return ""
    if found.missing_terms and check_enabled(TERMS_CHECK):
        return "The manuals never mention: " + ", ".join(found.missing_terms)
    if not found.passages:
        best = "none" if found.best_score is None else f"{found.best_score:.2f}"
        return f"No passage reached the relevance threshold {settings.RETRIEVAL_MIN_SCORE} (best: {best})."
    return ""


def _finish_no_answer(answer: Answer, passages: list[Passage], reason: str, started: float) -> None:
    answer.no_answer = True
    answer.no_answer_reason = reason[:300]
    answer.status = Answer.Status.NO_ANSWER
    answer.text = settings.NO_ANSWER_MESSAGE
    answer.total_ms = _ms_since(started)
    _save(answer, passages, [])


def _text(generation) -> str:
    """What the model wrote so far; nothing when generation never started (the adapter was refused)."""
    return generation.text if generation else ""


def _finish_generation(
    answer, passages, raw: str, started: float, status: str, model, reasoning=None, grounded_only=False
) -> None:
    """Record the generated answer; a decline, or an answer its passages cannot back, becomes no answer.

    Passages are checked for backing only with ``grounded_only`` (collections that do not
    allow general knowledge).

    ``raw_text`` keeps everything the model wrote; a chain-of-thought answer's reasoning goes
    to ``reasoning`` and only its final answer is read for a decline and citations.
    """
    answer.raw_text = raw
    if reasoning:
        reasoning.finish()
        answer.reasoning = reasoning.reasoning
        raw = reasoning.answer
    answer.total_ms = _ms_since(started)
    try:
        answer.completion_tokens = model.count_tokens(answer.raw_text) if answer.raw_text else 0
        answer.prompt_tokens = sum(model.count_tokens(message["content"]) for message in answer.prompt)
    except LLMUnavailable:
        # The server that died mid-answer cannot count either; the counts stay unknown.
        pass
    answer.status = status
    citations: list[Citation] = []
    complete = status == Answer.Status.COMPLETE
    withdrawn = ""
    if complete and is_decline(raw):
        withdrawn = "The model found no answer in the sources."
    elif complete and grounded_only:
        withdrawn = _unbacked_reason(raw, answer.question, passages)
    if withdrawn:
        answer.no_answer = True
        answer.no_answer_reason = withdrawn[:300]
        answer.text = settings.NO_ANSWER_MESSAGE
        answer.status = Answer.Status.NO_ANSWER
    elif raw.strip():
        config = pipeline_settings.embed_config()
        answer.text, citations = resolve_citations(
            raw.strip(), passages, lambda texts: embed.embed_texts(texts, config)
        )
    _save(answer, passages, citations)


def unbacked_reasons(raw: str, question: str, passages: list[Passage]) -> dict[str, str]:
    """Return, by check name, why each backing check finds the answer unsupported; empty when none does.

    Every check is run, enabled or not, so an evaluation can count what each would withdraw.
    """
    texts = [passage.text for passage in passages]
    # What the customer wrote is no invention either: quotes and paths may come from the question.
    grounds = [*texts, question]
    manuals = Chunk.objects.served().filter(document_id__in={passage.document_id for passage in passages})
    reasons = {}
    invented = invented_literals(raw, grounds, manuals.mentions)
    if invented:
        reasons["quotes"] = (
            f"The answer quoted {', '.join(invented)}, which neither the passages nor their manuals contain."
        )
    paths = invented_paths(raw, grounds)
    if paths:
        reasons["paths"] = f"The answer gives the path {', '.join(paths)}, which no passage contains."
    unnamed = unsupported_names(question, raw, manuals.mentions)
    if unnamed:
        reasons["names"] = f"The answer speaks of {', '.join(unnamed)}, which the passages' manuals never name."
    return reasons


def _unbacked_reason(raw: str, question: str, passages: list[Passage]) -> str:
    """Say why the passages cannot back the answer, by the first enabled check that says so, or return ""."""
    reasons = unbacked_reasons(raw, question, passages)
    return next((reasons[check] for check in BACKING_CHECKS if check in reasons and check_enabled(check)), "")


def _save(answer: Answer, passages: list[Passage], citations: list[Citation]) -> None:
    first_citation = {}
    for citation in citations:
        first_citation.setdefault(citation.n, citation)
    chunks = Chunk.objects.in_bulk([passage.chunk_ids[0] for passage in passages], field_name="vector_id")
    with transaction.atomic():
        answer.save()
        AnswerSource.objects.filter(answer=answer).delete()
        AnswerSource.objects.bulk_create(
            [
                _source_row(answer, passage, rank, chunks.get(passage.chunk_ids[0]), first_citation.get(passage.number))
                for rank, passage in enumerate(passages, 1)
            ]
        )


def _source_row(answer: Answer, passage: Passage, rank: int, chunk, citation: Citation | None) -> AnswerSource:
    return AnswerSource(
        answer=answer,
        number=passage.number,
        rank=rank,
        chunk=chunk,
        chunk_ids=list(passage.chunk_ids),
        document_id=passage.document_id if chunk else None,
        document_title=passage.document_title,
        document_name=passage.document_name,
        page_start=passage.page_start,
        page_end=passage.page_end,
        score=passage.score,
        text=passage.text,
        cited=citation is not None,
        attached=bool(citation and citation.attached),
        claim=citation.claim if citation else "",
        support=citation.support if citation else "",
    )


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def give_feedback(answer: Answer, user, helpful: bool, comment: str = "") -> Feedback:
    """Record or replace the user's thumbs up or down on an answer they can see."""
    if answer.conversation.user_id != user.pk:
        raise PermissionDenied("You can only rate your own answers.")
    feedback, _ = Feedback.objects.update_or_create(
        answer=answer, user=user, defaults={"helpful": helpful, "comment": comment.strip()[:2000]}
    )
    return feedback
