"""Retrieval quality and speed: the app's retrieval next to a naive baseline, on the sample manual.

The app: the ingestion pipeline's sentence-aware chunks, searched with hybrid search (dense and
BM25, fused), as the chat page does. The baseline: pypdf page text cut into 1000-character windows
with 200 overlap, dense search only, with the same embedding model. The app's chunks searched
dense-only show what hybrid search adds. Everything runs in this process, on an embedded Chroma in
a temporary folder. Run:

    python bench/retrieval.py [--k 5]
"""

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from answering.keyword import KeywordIndex
from answering.metrics import QuestionResult, summarize
from answering.retrieve import Hit, hybrid_search, search
from evaluation import SAMPLE_QUESTIONS
from evaluation.sample_manual import MANUAL_NAME, write_sample_manual
from ingestion import embed, store
from ingestion.config import ChunkConfig, EmbedConfig, StoreConfig
from ingestion.pipeline import ingest_file

APP_COLLECTION = "bench-app"
BASELINE_COLLECTION = "bench-baseline"
WINDOW_CHARS = 1000
OVERLAP_CHARS = 200
# Both indexes hold one document; its id only has to match the metadata retrieval reads.
DOCUMENT_ID = 1

Retriever = Callable[[str], list[Hit]]


@dataclass(frozen=True)
class AppIndex:
    """The sample manual as the app indexes it: vectors in Chroma, chunk texts by vector id, BM25."""

    texts: dict[str, str]
    keywords: KeywordIndex


def load_questions() -> list[dict]:
    return [json.loads(line) for line in SAMPLE_QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


def index_app(pdf: Path, client, config: EmbedConfig) -> AppIndex:
    """Ingest the manual with the app's pipeline and build the BM25 index the app would build."""
    result = ingest_file(
        pdf, "pdf", client=client, collection=APP_COLLECTION, document_id=DOCUMENT_ID, generation=1,
        embed_config=config, chunk_config=ChunkConfig(),
    )  # fmt: skip
    texts = {vector_id: chunk.text for vector_id, chunk in zip(result.vector_ids, result.chunks, strict=True)}
    return AppIndex(texts=texts, keywords=KeywordIndex(list(texts), list(texts.values())))


def index_baseline(pdf: Path, client, config: EmbedConfig) -> int:
    """Store the naive windows of each pypdf page, with the metadata ``search`` reads; return their count."""
    from pypdf import PdfReader

    windows = [
        (number, text[start : start + WINDOW_CHARS])
        for number, page in enumerate(PdfReader(pdf).pages, start=1)
        if (text := page.extract_text() or "")
        for start in range(0, max(len(text) - OVERLAP_CHARS, 1), WINDOW_CHARS - OVERLAP_CHARS)
    ]
    vectors = embed.embed_texts([text for _, text in windows], config)
    records = [
        store.VectorRecord(
            id=f"b{ordinal}",
            vector=vector,
            metadata={"document_id": DOCUMENT_ID, "ordinal": ordinal, "page_start": page, "page_end": page},
        )
        for ordinal, ((page, _), vector) in enumerate(zip(windows, vectors, strict=True))
    ]
    target = store.get_collection(client, BASELINE_COLLECTION, embed.model_name(config))
    store.upsert_vectors(client, target, records)
    return len(records)


def hybrid_retriever(client, config: EmbedConfig, index: AppIndex, k: int) -> Retriever:
    return lambda question: hybrid_search(
        client, embed.embed_texts([question], config)[0], question, {APP_COLLECTION: index.keywords}, k
    )


def dense_retriever(client, config: EmbedConfig, collection: str, k: int) -> Retriever:
    return lambda question: search(client, embed.embed_texts([question], config)[0], [collection], k)


def run(questions: list[dict], retrievers: dict[str, Retriever]) -> dict[str, list[QuestionResult]]:
    """Retrieve for each question with each retriever, timing each query end to end (embedding included).

    The retrievers take turns question by question, so a busy machine slows them alike.
    """
    results: dict[str, list[QuestionResult]] = {name: [] for name in retrievers}
    for question in questions:
        for name, retriever in retrievers.items():
            started = time.perf_counter()
            hits = retriever(question["question"])
            milliseconds = (time.perf_counter() - started) * 1000
            results[name].append(_record(question, hits, milliseconds))
    return results


def _record(question: dict, hits: list[Hit], milliseconds: float) -> QuestionResult:
    return QuestionResult(
        answerable=question["answerable"],
        retrieved=[(MANUAL_NAME, hit.page_start, hit.page_end) for hit in hits],
        gold_pdf=question["pdf"],
        gold_pages=question["gold_pages"],
        answer=None,
        no_answer=None,
        reference=question["answer"],
        must_contain=question["must_contain"],
        cited=[],
        retrieval_ms=milliseconds,
        total_ms=None,
    )


def print_table(rows: dict[str, dict], k: int) -> None:
    columns = [
        ("hit_at_k", f"hit@{k}", ".3f"),
        ("mrr", "MRR", ".3f"),
        ("recall_at_k", f"recall@{k}", ".3f"),
        ("retrieval_ms_p50", "p50 ms", ".1f"),
        ("retrieval_ms_p95", "p95 ms", ".1f"),
    ]
    print(f"{'':26}" + "".join(f"{heading:>11}" for _, heading, _ in columns))
    for name, row in rows.items():
        print(f"{name:26}" + "".join(f"{row[key]:>11{spec}}" for key, _, spec in columns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--k", type=int, default=5, help="How many hits to retrieve and score.")
    args = parser.parse_args()
    config = EmbedConfig()
    questions = load_questions()
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / MANUAL_NAME
        write_sample_manual(pdf)
        client = store.open_client(StoreConfig(chroma_path=str(Path(tmp) / "chroma")))
        index = index_app(pdf, client, config)
        windows = index_baseline(pdf, client, config)
        retrievers = {
            "app (chunks + hybrid)": hybrid_retriever(client, config, index, args.k),
            "app chunks, dense only": dense_retriever(client, config, APP_COLLECTION, args.k),
            "baseline (windows, dense)": dense_retriever(client, config, BASELINE_COLLECTION, args.k),
        }
        # Load the model, BM25 and Chroma's index once before timing, as a warm server has them.
        for retriever in retrievers.values():
            retriever("warm up")
        results = run(questions, retrievers)
    rows = {name: summarize(records, args.k) for name, records in results.items()}
    by_style = {
        style: {
            name: summarize([r for r, q in zip(records, questions, strict=True) if q["style"] == style], args.k)
            for name, records in results.items()
        }
        for style in ("keyword", "paraphrase")
    }
    answerable = sum(question["answerable"] for question in questions)
    print(f"{MANUAL_NAME}: {len(index.texts)} app chunks, {windows} baseline windows")
    print(f"{len(questions)} questions, {answerable} answerable (retrieval metrics cover those)\n")
    print_table(rows, args.k)
    for style, style_rows in by_style.items():
        count = sum(q["answerable"] for q in questions if q["style"] == style)
        print(f"\n{style} questions ({count} answerable)")
        print_table(style_rows, args.k)
    app, dense, baseline = rows.values()
    print()
    for label, key in (("hit", "hit_at_k"), ("MRR", "mrr"), ("recall", "recall_at_k")):
        print(f"{label} ratio: app/baseline {app[key] / baseline[key]:.2f}x, hybrid/dense {app[key] / dense[key]:.2f}x")
    print(f"p50 latency ratio app/baseline: {app['retrieval_ms_p50'] / baseline['retrieval_ms_p50']:.2f}x")


if __name__ == "__main__":
    main()
