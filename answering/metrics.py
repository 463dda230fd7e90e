"""Score retrieval and answers against gold data, so changes to the pipeline can be measured.

A retrieved or cited chunk is a ``Span``: (document name, first page, last page). A span finds a
gold page when it belongs to the gold document and its page range contains that page.
"""

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Span = tuple[str, int, int]

# Runs of letters, digits and underscores, so "E-041" and "1.5" give two tokens each, alike in
# answer and reference.
_TOKEN = re.compile(r"\w+")
_BLEU_MAX_N = 4
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
    """Return ROUGE-L: the F1 of precision and recall of the longest common subsequence of words.

    Words are lowercase tokens. Return 0.0 when either text has no words.
    """
    candidate_tokens, reference_tokens = _tokens(candidate), _tokens(reference)
    common = _lcs_length(candidate_tokens, reference_tokens)
    if not common:
        return 0.0
    precision, recall = common / len(candidate_tokens), common / len(reference_tokens)
    return 2 * precision * recall / (precision + recall)


def bleu(candidate: str, reference: str) -> float:
    """Return sentence BLEU-4 on lowercase word tokens, smoothed as BLEU+1 (Lin and Och, 2004).

    Unsmoothed sentence BLEU is 0 whenever some n-gram order has no match, which is the rule for
    one-sentence answers. BLEU+1 (method 2 of Chen and Cherry, 2014) adds one to both the matched
    and the total count of 2-, 3- and 4-grams; unigram precision stays unsmoothed, so an answer that
    shares no word with the reference scores 0. The geometric mean of the four clipped precisions,
    equally weighted, is multiplied by the brevity penalty exp(1 - r/c) when the candidate has
    fewer tokens (c) than the reference (r). Return 0.0 when either text has no words.
    """
    candidate_tokens, reference_tokens = _tokens(candidate), _tokens(reference)
    if not candidate_tokens or not reference_tokens:
        return 0.0
    log_precision = 0.0
    for n in range(1, _BLEU_MAX_N + 1):
        candidate_ngrams = _ngrams(candidate_tokens, n)
        matched = sum((candidate_ngrams & _ngrams(reference_tokens, n)).values())
        total = sum(candidate_ngrams.values())
        if n > 1:
            matched, total = matched + 1, total + 1
        if not matched:
            return 0.0
        log_precision += math.log(matched / total) / _BLEU_MAX_N
    brevity = min(1.0, math.exp(1 - len(reference_tokens) / len(candidate_tokens)))
    return brevity * math.exp(log_precision)


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
    refusals included, and are None when generation was skipped. ``citation_precision`` covers
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
    summary = {
        "hit_at_k": _mean(hit_at_k(r.retrieved, r.gold_pdf, r.gold_pages, k) for r in answerable),
        "mrr": _mean(reciprocal_rank(r.retrieved, r.gold_pdf, r.gold_pages) for r in answerable),
        "recall_at_k": _mean(recall_at_k(r.retrieved, r.gold_pdf, r.gold_pages, k) for r in answerable),
        "no_answer_accuracy": _mean(r.no_answer for r in unanswerable if r.no_answer is not None),
        "false_refusal_rate": _mean(r.no_answer for r in answerable if r.no_answer is not None),
        "key_fact_recall": _mean(key_fact_recall(r.answer, r.must_contain) for r in answered if r.must_contain),
        "must_contain_rate": _mean(contains_all(r.answer, r.must_contain) for r in answered),
        "bare_marker_rate": _mean(is_bare_marker(r.answer) for r in generated),
        "looping_rate": _mean(r.stop_reason == "repetition" for r in generated),
        "rouge_l": _mean(rouge_l(r.answer, r.reference) for r in answered),
        "bleu": _mean(bleu(r.answer, r.reference) for r in answered),
        "citation_precision": _mean(citation_precision(r.cited, r.gold_pdf, r.gold_pages) for r in answered if r.cited),
        "retrieval_ms_p50": percentile(retrieval_ms, 50),
        "retrieval_ms_p95": percentile(retrieval_ms, 95),
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


def _tokens(text: str) -> list[str]:
    """Return the lowercase word tokens of ``text``."""
    return _TOKEN.findall(text.casefold())


def _lcs_length(first: list[str], second: list[str]) -> int:
    """Return the length of the longest common subsequence, keeping one table row at a time."""
    previous = [0] * (len(second) + 1)
    for token in first:
        current = [0]
        for index, other in enumerate(second):
            current.append(previous[index] + 1 if token == other else max(previous[index + 1], current[index]))
        previous = current
    return previous[-1]


def _ngrams(tokens: list[str], n: int) -> Counter:
    """Count the n-grams of ``tokens``."""
    return Counter(tuple(tokens[start : start + n]) for start in range(len(tokens) - n + 1))


def _mean(values: Iterable[float]) -> float | None:
    """Return the mean, or None when there is nothing to average."""
    listed = list(values)
    return sum(listed) / len(listed) if listed else None
