"""An answer as plain data: what `ask --json` prints and what the API returns."""

from rag_app.chat.models import Answer, AnswerSource


def source_summary(source: AnswerSource) -> dict:
    """One passage: where it is (document, pages, a link that opens the page), its text and score."""
    return {
        "n": source.number,
        "document": source.document_name,
        "document_id": source.document_id,
        "page_start": source.page_start,
        "page_end": source.page_end,
        "passage": source.text,
        "score": round(source.score, 4),
        "chunk_id": source.chunk_ids[0] if source.chunk_ids else "",
        "attached": source.attached,
        "file_url": source.file_url,
    }


def answer_summary(answer: Answer) -> dict:
    """The answer, its status and error, the cited and the retrieved passages, and its timings."""
    sources = list(answer.sources.all())
    return {
        "id": answer.pk,
        "question": answer.question,
        "answer": answer.text,
        "status": answer.status,
        "error": answer.error,
        "stop_reason": answer.stop_reason,
        "no_answer": answer.no_answer,
        "no_answer_reason": answer.no_answer_reason,
        "citations": [source_summary(source) for source in sources if source.cited],
        "retrieved": [source_summary(source) for source in sorted(sources, key=lambda s: s.rank)],
        "timings": {
            "wait_ms": answer.wait_ms,
            "retrieval_ms": answer.retrieval_ms,
            "ttft_ms": answer.ttft_ms,
            "total_ms": answer.total_ms,
            "tokens_per_s": answer.tokens_per_s,
        },
    }
