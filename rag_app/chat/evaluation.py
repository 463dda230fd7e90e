"""Score retrieval and answers against a file of gold questions, through the app's own paths.

RAG mode asks each question as the chat page does (``start_answer`` and ``stream_answer``), so
the numbers describe what support staff get. Prompt-only mode asks the same model with no
sources at all: the baseline that shows what retrieval adds. ``answering.metrics`` does the
scoring; the question file's format is described in ``evaluation/__init__.py``.
"""

import json
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from answering.condense import standalone_query
from answering.grounding import is_decline
from answering.llm import LLMUnavailable
from answering.metrics import QuestionResult, Span, facts_given, hit_at_k, summarize
from answering.prompt import PromptStyle, build_prompt_only_messages
from rag_app.chat import llm_settings, services
from rag_app.chat.models import Answer
from rag_app.chat.prompting import Prompting, adapter_ref
from rag_app.chat.retrieval import retrieve, search_terms_for
from rag_app.documents.models import READ_EVERY_COLLECTION, Collection, Document

# "rag" answers as the chat page does, with the collection's own prompt style and adapter;
# "rag:<style>" with that style and no adapter, "rag:adapter" with the collection's style and
# attached adapter: the comparison's approaches, each differing from another in one thing.
APPROACHES = ("prompt-only", "rag:zero-shot", "rag:few-shot", "rag:chain-of-thought", "rag:adapter")
MODES = ("rag", *APPROACHES)


def approaches(collection: Collection) -> list[str]:
    """The approaches a comparison of the collection runs: all, the adapter only when one is attached."""
    attached = collection.attached_adapter is not None
    return [approach for approach in APPROACHES if attached or approach != "rag:adapter"]


EVALUATION_USERNAME = "evaluation"
# Prompt-only mode retrieves nothing, so these are unmeasured there rather than zero.
_RETRIEVAL_METRICS = ("hit_at_k", "hit_at_1", "mrr", "recall_at_k")


class EvaluationError(Exception):
    """The questions or the collection cannot be evaluated as asked; the message says why."""


def load_questions(path: str | Path) -> list[dict]:
    """Read a JSON Lines file of questions, filling in ``must_contain``, ``answer`` and ``pdf`` when absent.

    Raise EvaluationError naming the line of the first malformed question. Blank lines are skipped.
    """
    questions: list[dict] = []
    seen: set[str] = set()
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise EvaluationError(f"Cannot read {path}: {error.strerror}.") from error
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as error:
            raise EvaluationError(f"{path}, line {number}: not valid JSON ({error.msg}).") from error
        try:
            question = _question(raw)
        except ValueError as error:
            raise EvaluationError(f"{path}, line {number}: {error}") from error
        if question["id"] in seen:
            raise EvaluationError(f"{path}, line {number}: the id {question['id']!r} is used twice.")
        seen.add(question["id"])
        questions.append(question)
    if not questions:
        raise EvaluationError(f"{path} holds no questions.")
    return questions


def evaluation_user():
    """Return the user that evaluation answers are recorded under, creating it on first use.

    Its own user keeps evaluation answers apart from real ones in the audit; it is not staff and
    cannot log in. It reads every collection, restricted ones too: runs are started by admins
    who can read the collection, and its answers stay visible only to the collection's readers.
    """
    user, created = get_user_model().objects.get_or_create(username=EVALUATION_USERNAME)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    app_label, codename = READ_EVERY_COLLECTION.split(".")
    user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


def evaluate(
    questions: list[dict],
    collection: Collection,
    *,
    k: int = 5,
    mode: str = "rag",
    retrieval_only: bool = False,
    user,
    on_question: Callable[[int, int], None] | None = None,
) -> dict:
    """Ask every question and return ``summarize``'s numbers with ``n``, ``mode`` and ``details``.

    ``details`` holds one dict per question, in order. RAG mode records an Answer per question
    under ``user``; with ``retrieval_only`` it records nothing and the answer metrics are None.
    Retrieval returns RETRIEVAL_TOP_K hits, as the chat page does, so a larger ``k`` scores no
    more than those. Prompt-only mode leaves the retrieval metrics and citation precision None.
    ``on_question(done, total)`` is called after each question.

    Raise EvaluationError for an unknown mode or a collection without the questions' manuals,
    PermissionDenied when ``user`` cannot read the collection, and LLMUnavailable when the model
    fails.
    """
    if mode not in MODES:
        raise EvaluationError(f"Unknown mode {mode!r}: choose one of {', '.join(MODES)}.")
    if mode == "prompt-only" and retrieval_only:
        raise EvaluationError("Prompt-only mode retrieves nothing, so it cannot run retrieval-only.")
    if mode != "prompt-only":
        names = _document_names(questions, collection, user)
        ask = partial(
            _ask_with_retrieval,
            collection=collection,
            names=names,
            user=user,
            retrieval_only=retrieval_only,
            prompting=_prompting(mode, collection),
        )
    else:
        ask = _ask_without_retrieval
    records, details = [], []
    for done, question in enumerate(questions, start=1):
        record = ask(question)
        records.append(record)
        details.append(_detail(question, record, None if mode == "prompt-only" else k))
        if on_question:
            on_question(done, len(questions))
    summary = summarize(records, k)
    if mode != "prompt-only" and not retrieval_only:
        summary["checks"] = check_counts(records)
        summary["with_checks"] = check_effects(records, k)
    if mode == "prompt-only":
        summary.update(dict.fromkeys(_RETRIEVAL_METRICS))
    return {**summary, "mode": mode, "details": details}


def _prompting(mode: str, collection: Collection) -> Prompting | None:
    """Return the prompting a mode fixes, or None for plain "rag" (the collection's own)."""
    if mode == "rag":
        return None
    style = mode.removeprefix("rag:")
    if style != "adapter":
        return Prompting(style=PromptStyle(style, collection.prompt.examples), adapter=None)
    adapter = collection.attached_adapter
    if adapter is None:
        raise EvaluationError(f"The collection {collection} has no attached adapter to evaluate.")
    return Prompting(style=collection.prompt, adapter=adapter_ref(adapter))


def _question(raw) -> dict:
    """Check one parsed line and return it with defaults; raise ValueError saying what is wrong."""
    if not isinstance(raw, dict):
        raise ValueError("expected a JSON object.")
    for field in ("id", "question"):
        if not isinstance(raw.get(field), str) or not raw[field].strip():
            raise ValueError(f"{field!r} must be a non-empty string.")
    if not isinstance(raw.get("answerable"), bool):
        raise ValueError("'answerable' must be true or false.")
    question = {"pdf": "", "gold_pages": [], "must_contain": [], "answer": "", **raw}
    pages = question["gold_pages"]
    if not isinstance(pages, list) or not all(isinstance(p, int) and not isinstance(p, bool) and p > 0 for p in pages):
        raise ValueError("'gold_pages' must be a list of page numbers from 1.")
    if question["answerable"] and not (pages and isinstance(question["pdf"], str) and question["pdf"]):
        raise ValueError("an answerable question needs 'pdf' and at least one of 'gold_pages'.")
    if not question["answerable"] and pages:
        raise ValueError("an unanswerable question cannot have 'gold_pages'.")
    if not isinstance(question["must_contain"], list) or not all(isinstance(t, str) for t in question["must_contain"]):
        raise ValueError("'must_contain' must be a list of strings.")
    if not isinstance(question["answer"], str):
        raise ValueError("'answer' must be a string.")
    return question


def _document_names(questions: list[dict], collection: Collection, user) -> dict[int, str]:
    """Return the file name of each ready document by id, after checking the evaluation can find them."""
    if not Collection.objects.readable_by(user).filter(pk=collection.pk).exists():
        raise PermissionDenied(f"The user {user} cannot read the collection {collection}.")
    names = dict(collection.documents.filter(status=Document.Status.READY).values_list("pk", "original_name"))
    missing = sorted({question["pdf"] for question in questions if question["answerable"]} - set(names.values()))
    if missing:
        raise EvaluationError(f"The collection {collection} has no ready document named {', '.join(missing)}.")
    return names


def _ask_with_retrieval(
    question: dict,
    collection: Collection,
    names: dict[int, str],
    user,
    retrieval_only: bool,
    prompting: Prompting | None = None,
) -> QuestionResult:
    """Score retrieval from the ranked hits, then answer through the chat path unless ``retrieval_only``."""
    # Only the ranked hits are scored here, so no passage has to fit a prompt. Retrieval-only
    # runs without the model, so without its search terms; the chat path guesses the same ones.
    query = standalone_query([], question["question"])
    expand = None if retrieval_only else (lambda text: search_terms_for(text, llm_settings.chat_model()))
    found = retrieve(query, [collection], token_budget=0, count_tokens=len, expand=expand)
    retrieved = [(names.get(hit.document_id, ""), hit.page_start, hit.page_end) for hit in found.hits]
    if retrieval_only:
        return _result(question, retrieved, None, None, [], found.milliseconds, None)
    answer = services.start_answer(user, question["question"], [collection.pk])
    for _event in services.stream_answer(answer, prompting=prompting):
        pass
    answer.refresh_from_db()
    if answer.status == Answer.Status.FAILED:
        raise LLMUnavailable(answer.error)
    cited = [(s.document_name, s.page_start, s.page_end) for s in answer.sources.filter(cited=True).order_by("rank")]
    fired = _checks_fired(answer, found)
    return _result(
        question,
        retrieved,
        answer.text,
        answer.no_answer,
        cited,
        answer.retrieval_ms,
        answer.total_ms,
        ttft_ms=answer.ttft_ms,
        stop_reason=answer.stop_reason,
        completion_tokens=answer.completion_tokens,
        given=_given_text(answer),
        prompt_tokens=answer.prompt_tokens,
        checks=fired,
    )


def _given_text(answer: Answer) -> str:
    """Return the excerpts the model read: its last turn without the question; "" when it was not asked.

    The instructions and few-shot examples stay out, so a key string that only the system
    prompt happens to hold ("default", "file") does not count as given.
    """
    return answer.prompt[-1]["content"].replace(answer.question, "") if answer.prompt else ""


def _checks_fired(answer: Answer, found) -> list[str]:
    """Return the checks that refuse this question or withdraw its answer, whether enabled or not."""
    fired = [services.TERMS_CHECK] if found.missing_terms else []
    if answer.raw_text and not is_decline(answer.raw_text):
        passages = [source.as_passage() for source in answer.sources.order_by("rank")]
        fired += list(services.unbacked_reasons(answer.raw_text, answer.question, passages))
    return fired


def check_counts(records: list[QuestionResult]) -> dict[str, dict[str, int]]:
    """Count, for each check, the answerable and unanswerable questions it refuses or withdraws.

    A check fires on an answerable question wrongly (the manual holds the answer); on an
    unanswerable one rightly. ``facts_stated`` counts the key strings that the answers it fires
    on state: with the check off (ANSWER_CHECKS), what it would cost.
    """
    counts = {check: {"answerable": 0, "unanswerable": 0, "facts_stated": 0} for check in services.CHECKS}
    for record in records:
        for check in record.checks:
            counts[check]["answerable" if record.answerable else "unanswerable"] += 1
            if record.answerable and record.answer:
                counts[check]["facts_stated"] += len(facts_given(record.answer, record.must_contain))
    return counts


# The numbers that say what a check buys and costs.
CHECK_EFFECT_METRICS = (
    "key_fact_recall",
    "must_contain_rate",
    "fact_conversion",
    "false_refusal_rate",
    "no_answer_accuracy",
    "citation_precision",
)


def check_effects(records: list[QuestionResult], k: int) -> dict[str, dict]:
    """Return the headline numbers as run, then as if each check, and all of them, had been on.

    A check that fires turns its answer into the no-answer message, as the chat path does, so a
    run with ANSWER_CHECKS empty measures every check's effect at once, without the model twice.
    """
    variants = {"as run": set(), **{check: {check} for check in services.CHECKS}, "all": set(services.CHECKS)}
    effects = {}
    for label, checks in variants.items():
        summary = summarize([_with_checks(record, checks) for record in records], k)
        effects[label] = {metric: summary[metric] for metric in CHECK_EFFECT_METRICS}
    return effects


def _with_checks(record: QuestionResult, checks: set[str]) -> QuestionResult:
    if record.answer is None or not checks.intersection(record.checks):
        return record
    return replace(record, answer=settings.NO_ANSWER_MESSAGE, no_answer=True, cited=())


def _ask_without_retrieval(question: dict) -> QuestionResult:
    """Answer with the chat model alone, reading a decline as the chat path does."""
    started = time.perf_counter()
    model = llm_settings.chat_model()
    messages = build_prompt_only_messages(question["question"], chat=model.info.chat_template)
    generation = model.generate(messages, llm_settings.generation_params())
    ttft_ms = None
    for _piece in generation:
        ttft_ms = ttft_ms or (time.perf_counter() - started) * 1000
    raw = generation.text.strip()
    milliseconds = (time.perf_counter() - started) * 1000
    declined = is_decline(raw)
    # A decline reads as the chat page's no-answer message, so both modes score the same text.
    text = settings.NO_ANSWER_MESSAGE if declined else raw
    tokens = model.count_tokens(raw) if raw else 0
    return _result(
        question,
        [],
        text,
        declined,
        [],
        None,
        milliseconds,
        ttft_ms=ttft_ms,
        stop_reason=generation.stop_reason,
        completion_tokens=tokens,
    )


def _result(
    question: dict,
    retrieved: list[Span],
    answer: str | None,
    no_answer: bool | None,
    cited: list[Span],
    retrieval_ms: float | None,
    total_ms: float | None,
    ttft_ms: float | None = None,
    stop_reason: str = "",
    completion_tokens: int | None = None,
    given: str | None = None,
    prompt_tokens: int | None = None,
    checks: list[str] | None = None,
) -> QuestionResult:
    return QuestionResult(
        answerable=question["answerable"],
        retrieved=retrieved,
        gold_pdf=question["pdf"],
        gold_pages=question["gold_pages"],
        answer=answer,
        no_answer=no_answer,
        reference=question["answer"],
        must_contain=question["must_contain"],
        cited=cited,
        retrieval_ms=retrieval_ms,
        total_ms=total_ms,
        ttft_ms=ttft_ms,
        stop_reason=stop_reason,
        completion_tokens=completion_tokens,
        given=given,
        prompt_tokens=prompt_tokens,
        checks=tuple(checks or ()),
    )


def _detail(question: dict, record: QuestionResult, k: int | None) -> dict:
    """Describe one question's outcome; ``hit`` is None when nothing was retrieved to score (or no gold)."""
    scored = k is not None and record.answerable
    return {
        "id": question["id"],
        "question": question["question"],
        "answerable": record.answerable,
        "retrieved": [list(span) for span in record.retrieved],
        "hit": hit_at_k(record.retrieved, record.gold_pdf, record.gold_pages, k) if scored else None,
        "answer": record.answer,
        "no_answer": record.no_answer,
        "cited": [list(span) for span in record.cited],
        "retrieval_ms": record.retrieval_ms,
        "ttft_ms": record.ttft_ms,
        "total_ms": record.total_ms,
        "stop_reason": record.stop_reason,
        "prompt_tokens": record.prompt_tokens,
        "facts_given": None if record.given is None else facts_given(record.given, record.must_contain),
        "checks": list(record.checks),
    }
