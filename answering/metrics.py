"""Score retrieval and answers against gold data, so changes to the pipeline can be measured.

A retrieved or cited chunk is a ``Span``: (document name, first page, last page). A span finds a
gold page when it belongs to the gold document and its page range contains that page.
"""

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

Span = tuple[str, int, int]

_DECIMALS = 4


@dataclass(frozen=True)
class QuestionResult:
    """What the pipeline did with one evaluation question, next to what it should have done.

    ``answer`` and ``no_answer`` are None when generation was skipped; the timings are None when
    they were not measured.
    """

    answerable: bool
    retrieved: Sequence[Span]  # ranked, best first
    gold_pdf: str
    gold_pages: Sequence[int]
    answer: str | None
    no_answer: bool | None
    reference: str
    must_contain: Sequence[str]
    cited: Sequence[Span]
    retrieval_ms: float | None
    total_ms: float | None
    ttft_ms: float | None = None
    stop_reason: str = ""  # see answering.llm.StopReason; "" when nothing was generated
    completion_tokens: int | None = None  # tokens the model wrote, reasoning included
    given: str | None = None  # what the model read besides the question; None when not recorded
    prompt_tokens: int | None = None
    checks: Sequence[str] = ()  # the app's checks that refuse or withdraw this answer, enabled or not


def hit_at_k(retrieved: Sequence[Span], gold_pdf: str, gold_pages: Iterable[int], k: int) -> bool:
    """Return whether any of the top ``k`` retrieved spans finds a gold page."""
    pages = set(gold_pages)
    return any(_finds(span, gold_pdf, pages) for span in retrieved[:k])


def reciprocal_rank(retrieved: Sequence[Span], gold_pdf: str, gold_pages: Iterable[int]) -> float:
    """Return 1/rank of the first retrieved span that finds a gold page, or 0.0 when none does."""
    pages = set(gold_pages)
    for rank, span in enumerate(retrieved, start=1):
        if _finds(span, gold_pdf, pages):
            return 1 / rank
    return 0.0


def recall_at_k(retrieved: Sequence[Span], gold_pdf: str, gold_pages: Iterable[int], k: int) -> float:
    """Return the share of the distinct gold pages that the top ``k`` retrieved spans find.

    Raise ValueError when there are no gold pages: an unanswerable question has nothing to recall.
    """
    pages = set(gold_pages)
    if not pages:
        raise ValueError("Recall needs at least one gold page.")
    found = {page for page in pages for span in retrieved[:k] if _finds(span, gold_pdf, {page})}
    return len(found) / len(pages)


def rouge_l(candidate: str, reference: str) -> float:
    """Return ROUGE-L F1 as Google's rouge-score package computes it (no stemming).

    Using the reference implementation keeps the numbers comparable with published ones.
    Return 0.0 when either text has no words.
    """
    return _rouge_scorer().score(reference, candidate)["rougeL"].fmeasure


def bleu(candidate: str, reference: str) -> float:
    """Return sentence BLEU as sacrebleu computes it (13a tokens, lowercased, exponential smoothing), 0 to 1.

    sacrebleu is the reference implementation, so the scores compare with published ones.
    Return 0.0 when either text has no words.
    """
    import sacrebleu

    if not candidate.split() or not reference.split():
        return 0.0
    return sacrebleu.sentence_bleu(candidate, [reference], lowercase=True).score / 100


@cache
def _rouge_scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)


def contains_all(answer: str, must_contain: Iterable[str]) -> bool:
    """Return whether ``answer`` contains every string of ``must_contain``, ignoring case."""
    folded = answer.casefold()
    return all(text.casefold() in folded for text in must_contain)


def key_fact_recall(answer: str, must_contain: Sequence[str]) -> float | None:
    """Return the share of ``must_contain`` strings found in ``answer``, ignoring case; None when there are none.

    Unlike ``contains_all`` it gives credit for an answer that states some of the facts.
    """
    if not must_contain:
        return None
    folded = answer.casefold()
    return sum(text.casefold() in folded for text in must_contain) / len(must_contain)


_MARKER = re.compile(r"\[\d+\]")


def facts_given(given: str, must_contain: Sequence[str]) -> list[str]:
    """Return the key strings that the text the model was given contains, ignoring case."""
    folded = given.casefold()
    return [text for text in must_contain if text.casefold() in folded]


def fact_conversion(records: Sequence[QuestionResult]) -> tuple[float | None, float | None]:
    """Return the share of key strings the model was given, and the share of those its answers state.

    The first is what retrieval and evidence selection lose, the second what generation loses.
    Both pool the key strings of every answerable question with a recorded prompt (a question
    refused before the model was asked was given nothing); None when there are none.
    """
    wanted = given = stated = 0
    for record in records:
        if not record.answerable or record.given is None or record.answer is None:
            continue
        held = facts_given(record.given, record.must_contain)
        wanted += len(record.must_contain)
        given += len(held)
        stated += sum(text.casefold() in record.answer.casefold() for text in held)
    return (given / wanted if wanted else None), (stated / given if given else None)


def is_bare_marker(answer: str) -> bool:
    """Return whether ``answer`` says nothing but citation markers ("[2]"), which helps nobody."""
    return bool(_MARKER.search(answer)) and not re.sub(r"[\W_]+", "", _MARKER.sub("", answer))


def citation_precision(cited: Sequence[Span], gold_pdf: str, gold_pages: Iterable[int]) -> float | None:
    """Return the share of cited spans that find a gold page; None when nothing was cited."""
    if not cited:
        return None
    pages = set(gold_pages)
    return sum(_finds(span, gold_pdf, pages) for span in cited) / len(cited)


def percentile(values: Iterable[float], p: float) -> float | None:
    """Return the ``p``-th percentile (0-100), interpolated linearly as numpy.percentile does.

    Return None for no values.
    """
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * p / 100
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def summarize(records: Sequence[QuestionResult], k: int) -> dict[str, float | int | None]:
    """Return the evaluation's headline numbers, each rounded to four decimals.

    Retrieval metrics cover answerable questions only, since an unanswerable one has no gold page.
    ``key_fact_recall`` (share of key strings present), ``must_contain_rate`` (all present),
    ``rouge_l`` and ``bleu`` cover answerable questions that got an answer,
    refusals included, and are None when generation was skipped. ``facts_in_prompt`` and
    ``fact_conversion`` are ``fact_conversion``'s two shares. ``citation_precision`` covers
    answerable questions whose answer cited something; citations given for unanswerable questions
    show up as a low ``no_answer_accuracy`` instead. ``bare_marker_rate`` and ``looping_rate`` cover
    every answer the model generated. A metric with no question to average is None.
    """
    answerable = [record for record in records if record.answerable]
    unanswerable = [record for record in records if not record.answerable]
    answered = [record for record in answerable if record.answer is not None]
    retrieval_ms = [record.retrieval_ms for record in records if record.retrieval_ms is not None]
    total_ms = [record.total_ms for record in records if record.total_ms is not None]
    ttft_ms = [record.ttft_ms for record in records if record.ttft_ms is not None]
    generated = [record for record in records if record.stop_reason]
    in_prompt, conversion = fact_conversion(records)
    summary = {
        "hit_at_k": _mean(hit_at_k(r.retrieved, r.gold_pdf, r.gold_pages, k) for r in answerable),
        "hit_at_1": _mean(hit_at_k(r.retrieved, r.gold_pdf, r.gold_pages, 1) for r in answerable),
        "mrr": _mean(reciprocal_rank(r.retrieved, r.gold_pdf, r.gold_pages) for r in answerable),
        "recall_at_k": _mean(recall_at_k(r.retrieved, r.gold_pdf, r.gold_pages, k) for r in answerable),
        "no_answer_accuracy": _mean(r.no_answer for r in unanswerable if r.no_answer is not None),
        "false_refusal_rate": _mean(r.no_answer for r in answerable if r.no_answer is not None),
        "key_fact_recall": _mean(key_fact_recall(r.answer, r.must_contain) for r in answered if r.must_contain),
        "must_contain_rate": _mean(contains_all(r.answer, r.must_contain) for r in answered),
        "facts_in_prompt": in_prompt,
        "fact_conversion": conversion,
        "bare_marker_rate": _mean(is_bare_marker(r.answer) for r in generated),
        "looping_rate": _mean(r.stop_reason == "repetition" for r in generated),
        "rouge_l": _mean(rouge_l(r.answer, r.reference) for r in answered),
        "bleu": _mean(bleu(r.answer, r.reference) for r in answered),
        "citation_precision": _mean(citation_precision(r.cited, r.gold_pdf, r.gold_pages) for r in answered if r.cited),
        "tokens_per_answer": _mean(r.completion_tokens for r in generated if r.completion_tokens is not None),
        "retrieval_ms_p50": percentile(retrieval_ms, 50),
        "retrieval_ms_p95": percentile(retrieval_ms, 95),
        "prompt_tokens_p50": percentile([r.prompt_tokens for r in generated if r.prompt_tokens], 50),
        "ttft_ms_p50": percentile(ttft_ms, 50),
        "ttft_ms_p95": percentile(ttft_ms, 95),
        "total_ms_p50": percentile(total_ms, 50),
        "total_ms_p95": percentile(total_ms, 95),
    }
    rounded = {name: None if value is None else round(value, _DECIMALS) for name, value in summary.items()}
    return {**rounded, "n": len(records)}


def _finds(span: Span, gold_pdf: str, gold_pages: set[int]) -> bool:
    """Return whether ``span`` lies in the gold document and its pages include a gold page."""
    document, first, last = span
    return document == gold_pdf and any(first <= page <= last for page in gold_pages)


def _mean(values: Iterable[float]) -> float | None:
    """Return the mean, or None when there is nothing to average."""
    listed = list(values)
    return sum(listed) / len(listed) if listed else None
