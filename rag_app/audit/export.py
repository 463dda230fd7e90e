"""Export recorded answers, with what they were built from, as JSON or CSV.

JSON is the complete record: one object per answer with nested lists. CSV is for reading in a
spreadsheet, so each answer is one row and each list becomes one readable cell, entries joined
by "; " (citations read ``manual.pdf p.3 [1]``). Reach for the JSON when a tool needs every field.
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.utils import timezone

from rag_app.audit.filters import with_related
from rag_app.chat.models import Answer, AnswerSource

CSV_COLUMNS = [
    "id", "created_at", "user", "collections", "question", "retrieval_query", "answer", "status",
    "no_answer", "no_answer_reason", "model_file_name", "model_backend", "model_quantization", "model_sha256",
    "wait_ms", "retrieval_ms", "ttft_ms", "total_ms", "tokens_per_s", "citations", "retrieved", "marks", "feedback",
]  # fmt: skip

# A spreadsheet runs a cell starting with one of these as a formula; questions are typed by users.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def answer_records(answers: QuerySet[Answer]) -> Iterator[dict]:
    """Yield one JSON-ready record per answer, in the queryset's order, with a fixed number of queries per 500."""
    for answer in with_related(answers).iterator(chunk_size=500):
        sources = list(answer.sources.all())
        yield {
            "id": answer.pk,
            "created_at": _iso(answer.created_at),
            "user": answer.user.get_username() if answer.user else None,
            "collections": [collection.name for collection in answer.collections.all()],
            "question": answer.question,
            "retrieval_query": answer.retrieval_query,
            "answer": answer.text,
            "status": answer.status,
            "no_answer": answer.no_answer,
            "no_answer_reason": answer.no_answer_reason,
            "model": {key: answer.model_info.get(key) for key in ("file_name", "backend", "quantization", "sha256")},
            "prompt": {"style": answer.prompt_style, "version": answer.prompt_version, "reasoning": answer.reasoning},
            "adapter": {"name": answer.adapter_name, "sha256": answer.adapter_sha256} if answer.adapter_name else None,
            "timings": {
                "wait_ms": answer.wait_ms,
                "retrieval_ms": answer.retrieval_ms,
                "ttft_ms": answer.ttft_ms,
                "total_ms": answer.total_ms,
                "tokens_per_s": answer.tokens_per_s,
            },
            "citations": [_source(source) for source in sources if source.cited],
            "retrieved": [{**_source(source), "rank": source.rank, "cited": source.cited} for source in sources],
            "marks": [
                {
                    "verdict": mark.verdict,
                    "comment": mark.comment,
                    "auditor": mark.auditor.get_username() if mark.auditor else None,
                    "created_at": _iso(mark.created_at),
                }
                for mark in answer.marks.all()
            ],
            "feedback": [
                {
                    "helpful": feedback.helpful,
                    "comment": feedback.comment,
                    "user": feedback.user.get_username(),
                    "created_at": _iso(feedback.created_at),
                }
                for feedback in answer.feedback.all()
            ],
        }


def _source(source: AnswerSource) -> dict:
    # A passage may merge neighbouring chunks; the first vector id is the chunk it is filed under.
    return {
        "n": source.number,
        "document": source.document_name,
        "page_start": source.page_start,
        "page_end": source.page_end,
        "score": source.score,
        "attached": source.attached,
        "chunk_id": source.chunk_ids[0] if source.chunk_ids else None,
    }


def _iso(moment) -> str:
    return timezone.localtime(moment).isoformat()


def to_json(records: Iterable[dict]) -> str:
    """Return the records as one JSON list."""
    return json.dumps(list(records), ensure_ascii=False, indent=2)


def to_csv(records: Iterable[dict]) -> str:
    """Return the records as CSV text, one row per answer, lists in readable "; "-joined cells."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for record in records:
        writer.writerow({column: _cell(value) for column, value in _flat(record).items()})
    return buffer.getvalue()


def _flat(record: dict) -> dict:
    return {
        **{key: value for key, value in record.items() if key in CSV_COLUMNS},
        "collections": "; ".join(record["collections"]),
        **{f"model_{key}": value for key, value in record["model"].items()},
        **record["timings"],
        "citations": "; ".join(f"{_pages(source)} [{source['n']}]" for source in record["citations"]),
        "retrieved": "; ".join(
            f"#{source['rank']} {_pages(source)} [{source['n']}] score {source['score']:.2f}"
            + (" cited" if source["cited"] else "")
            for source in record["retrieved"]
        ),
        "marks": "; ".join(
            f"{mark['verdict']} by {mark['auditor'] or 'a removed user'}"
            + (f": {mark['comment']}" if mark["comment"] else "")
            for mark in record["marks"]
        ),
        "feedback": "; ".join(
            f"{'up' if item['helpful'] else 'down'} by {item['user']}"
            + (f": {item['comment']}" if item["comment"] else "")
            for item in record["feedback"]
        ),
    }


def _pages(source: dict) -> str:
    if source["page_end"] == source["page_start"]:
        return f"{source['document']} p.{source['page_start']}"
    return f"{source['document']} pp.{source['page_start']}-{source['page_end']}"


def _cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
