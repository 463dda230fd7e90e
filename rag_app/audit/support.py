"""Check each sentence of a recorded answer against the passages the model was given.

The matcher is the one that attaches citations after generation (answering/citations.py), so
the audit page and the chat agree on what counts as support.
"""

from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from answering.citations import (
    ATTACH_THRESHOLD,
    MIN_WORD_COVERAGE,
    SupportMatcher,
    clean_markers,
    split_sentences,
    word_coverage,
)
from ingestion import embed
from rag_app.chat.models import Answer, AnswerSource
from rag_app.documents import pipeline_settings

# Measured with the bundled all-MiniLM-L6-v2 on the sentences of tests/ingestion/test_citations.py:
# paraphrases of a manual sentence score 0.69 to 1.00 and share 60% or more of its content words;
# claims the manuals do not make on the same subject score up to 0.68 (sharing 40% at most) and
# unrelated sentences 0.25 at most. Similarity alone would need a cut between 0.68 and 0.69, too
# thin to trust, so a sentence counts as supported by the rule that attaches citations: a score
# of at least 0.6 and at least half of its content words found in the passage sentence.
SUPPORT_THRESHOLD = ATTACH_THRESHOLD
SUPPORT_WORD_COVERAGE = MIN_WORD_COVERAGE


@dataclass(frozen=True)
class SentenceSupport:
    """One answer sentence, the passage sentence closest to it, and whether that supports it.

    ``source`` is None only when the answer was given no passages.
    """

    sentence: str
    source: AnswerSource | None
    support: str
    score: float
    coverage: float
    supported: bool


def sentence_support(answer: Answer) -> list[SentenceSupport]:
    """Return the support found for each sentence of the answer; empty for no-answers."""
    if answer.no_answer:
        return []
    sentences = [sentence for sentence in map(_plain, split_sentences(answer.text)) if sentence]
    if not sentences:
        return []
    sources = {source.number: source for source in answer.sources.all()}
    config = pipeline_settings.embed_config()
    matcher = SupportMatcher(
        sentences, [source.as_passage() for source in sources.values()], lambda texts: embed.embed_texts(texts, config)
    )
    rows = []
    for index, sentence in enumerate(sentences):
        found = matcher.best_anywhere(index)
        if found is None:
            rows.append(SentenceSupport(sentence, None, "", 0.0, 0.0, supported=False))
            continue
        passage, support, score = found
        coverage = word_coverage(sentence, support)
        supported = score >= SUPPORT_THRESHOLD and coverage >= SUPPORT_WORD_COVERAGE
        rows.append(SentenceSupport(sentence, sources[passage.number], support, score, coverage, supported))
    return rows


def highlighted_sources(answer: Answer, supports: list[SentenceSupport]) -> list[tuple[AnswerSource, SafeString]]:
    """Return each passage with the sentences that support the answer marked.

    A passage's marks are the sentence its citation pointed to and every sentence found to
    support an answer sentence.
    """
    marked: dict[int, set[str]] = {}
    for row in supports:
        if row.supported:
            marked.setdefault(row.source.pk, set()).add(row.support)
    for source in answer.sources.all():
        if source.support:
            marked.setdefault(source.pk, set()).add(source.support)
    return [(source, _highlight(source.text, marked.get(source.pk, set()))) for source in answer.sources.all()]


def _plain(sentence: str) -> str:
    """Return the sentence as read: no citation markers, on one line."""
    return " ".join(clean_markers(sentence, ()).split())


def _highlight(text: str, sentences: set[str]) -> SafeString:
    """Escape the text and wrap each occurrence of the given sentences in <mark>."""
    spans = sorted((text.find(sentence), sentence) for sentence in sentences if sentence in text)
    pieces, position = [], 0
    for start, sentence in spans:
        if start < position:
            continue
        pieces += [escape(text[position:start]), format_html("<mark>{}</mark>", sentence)]
        position = start + len(sentence)
    pieces.append(escape(text[position:]))
    # Safe: every piece was escaped or built by format_html.
    return mark_safe("".join(pieces))
