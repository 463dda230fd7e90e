"""Retrieval quality and speed on real manuals: what each step of the app's indexing buys over a naive pipeline.

Rows, each indexed and searched in this process on an embedded Chroma in a temporary folder:

- naive: pypdf page text cut into 1000-character windows with 200 overlap, dense search (the
  pipeline tutorials teach), with the same embedding model: the baseline for the ratios;
- page chunks: the app's sentence-aware chunks, one page at a time, hybrid search (dense and BM25
  fused): the app before chunks knew their sections;
- + sections: chunks follow the PDF outline and run on across page breaks;
- + title and headings: the manual's title and the section path are embedded and keyword-indexed
  with each chunk;
- + no contents/index: the app as it ingests (``ingest_file``): contents and index pages left out;
- + score fusion: cosine and BM25 scores fused (``retrieve.fuse_scores``) instead of their ranks;
  every row above fuses ranks (reciprocal rank fusion, k 60);
- + one hit per section: the best chunk of each section kept (``retrieve.one_per_section``);
- + references followed: a first hit's section that says "See <section on its subject>" yields
  its place to that section (``references.follow_references``);
- + pages found beside a hit: each kept hit's pages widened over the chunks of its section that
  search found right before and after it (``retrieve.with_pages_beside``): the app's search
  without a model (``evaluate --retrieval-only``);
- + search terms: the chat model's guesses at the manual's words added to the BM25 query, as the
  chat page does (only with ``--llm-url``, an OpenAI-compatible server with a chat model; its
  latency includes generating the terms).

Then the app's search with each fusion setting (with the search terms when ``--llm-url`` is given,
generated once per question). The questions are ``evaluation/real_questions.jsonl``
on the manuals ``python -m evaluation.real_manuals`` installs; ``--sample`` uses the generated
sample manual instead. Run:

    python bench/retrieval.py [--k 5] [--sample] [--llm-url http://127.0.0.1:8002]
"""

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from answering.keyword import KeywordIndex
from answering.llm import LLMConfig, load_chat_model
from answering.metrics import QuestionResult, summarize
from answering.references import follow_references
from answering.retrieve import (
    RRF_FUSION,
    SECTION_CANDIDATES_PER_HIT,
    ChunkSource,
    Hit,
    fetch_hits,
    hybrid_search,
    one_per_section,
    search,
    with_pages_beside,
)
from answering.search_terms import search_terms
from evaluation import SAMPLE_QUESTIONS
from evaluation.real_manuals import REAL_QUESTIONS, write_real_manuals
from evaluation.sample_manual import MANUAL_NAME, write_sample_manual
from ingestion import embed, store
from ingestion.chunk import split_pages
from ingestion.config import ChunkConfig, EmbedConfig, StoreConfig
from ingestion.indexed_text import indexed_text
from ingestion.outline import pdf_outline
from ingestion.parse import parse_file
from ingestion.pipeline import ingest_file
from ingestion.sections import find_headings
from ingestion.types import ChunkText

WINDOW_CHARS = 1000
OVERLAP_CHARS = 200

Retriever = Callable[[str], list[Hit]]


@dataclass
class Index:
    """One way of indexing the manuals: its Chroma collection, its BM25 index, and which file each document is."""

    collection: str
    keywords: KeywordIndex
    files: dict[int, str]
    chunks: int
    sources: dict[str, ChunkSource]
    # Each section's chunks in reading order, by (document id, section path): what pointers need.
    sections: dict[tuple[int, str], list[str]] = field(default_factory=dict)


def load_questions(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def title_of(pdf: Path) -> str:
    """The title the app gives an upload: its file name, as ``documents.services`` derives it."""
    return " ".join(pdf.stem.replace("_", " ").replace("-", " ").split())


def naive_windows(pdf: Path) -> list[ChunkText]:
    """Cut each pypdf page into fixed character windows, as the tutorial pipeline does."""
    from pypdf import PdfReader

    windows = []
    for number, page in enumerate(PdfReader(pdf).pages, start=1):
        text = page.extract_text() or ""
        for start in range(0, max(len(text) - OVERLAP_CHARS, 1), WINDOW_CHARS - OVERLAP_CHARS):
            piece = text[start : start + WINDOW_CHARS]
            windows.append(ChunkText(len(windows), piece, number, number, start, start + len(piece), 0))
    return windows


def page_chunks(pdf: Path, config: EmbedConfig) -> list[ChunkText]:
    """The app's chunks before sections: sentence-aware, never across a page."""
    count = embed.token_counter(config)
    chunks: list[ChunkText] = []
    for page in parse_file(pdf, "pdf"):
        chunks += [replace(chunk, ordinal=len(chunks) + n) for n, chunk in enumerate(split_pages([page], count))]
    return chunks


def section_chunks(pdf: Path, config: EmbedConfig) -> list[ChunkText]:
    """Chunks that follow the outline across pages, with every page searchable."""
    pages = parse_file(pdf, "pdf")
    return split_pages(pages, embed.token_counter(config), headings=find_headings(pages, "pdf", pdf_outline(pdf)))


def index_chunks(client, config: EmbedConfig, name: str, pdfs: list[Path], chunker, with_context: bool) -> Index:
    """Embed and store every manual's chunks from ``chunker``; index them for BM25 too."""
    target = store.get_collection(client, name, embed.model_name(config))
    ids, texts, files, sources = [], [], {}, {}
    for document_id, pdf in enumerate(pdfs, start=1):
        files[document_id] = pdf.name
        chunks = [chunk for chunk in chunker(pdf) if chunk.searchable]
        indexed = [indexed_text(title_of(pdf), c.section, c.text) if with_context else c.text for c in chunks]
        vectors = embed.embed_texts(indexed, config)
        records = [
            store.VectorRecord(
                id=f"{name}-d{document_id}-c{chunk.ordinal}", vector=vector, metadata=_metadata(document_id, chunk)
            )
            for chunk, vector in zip(chunks, vectors, strict=True)
        ]
        store.upsert_vectors(client, target, records)
        ids += [record.id for record in records]
        texts += indexed
        sources |= {record.id: _source(pdf, chunk) for record, chunk in zip(records, chunks, strict=True)}
    return Index(name, KeywordIndex(ids, texts), files, len(ids), sources)


def _source(pdf: Path, chunk: ChunkText) -> ChunkSource:
    return ChunkSource(chunk.text, title_of(pdf), pdf.name, chunk.section)


def _metadata(document_id: int, chunk: ChunkText) -> dict:
    return {
        "document_id": document_id,
        "ordinal": chunk.ordinal,
        "page_start": chunk.page_start,
        "page_end": chunk.page_end,
    }


def index_app(client, config: EmbedConfig, pdfs: list[Path]) -> Index:
    """Ingest the manuals exactly as the app does, and build the BM25 index the app would build."""
    ids, texts, files, sources, sections = [], [], {}, {}, {}
    for document_id, pdf in enumerate(pdfs, start=1):
        files[document_id] = pdf.name
        result = ingest_file(
            pdf, "pdf", client=client, collection="app", document_id=document_id, generation=1,
            embed_config=config, chunk_config=ChunkConfig(), title=title_of(pdf),
        )  # fmt: skip
        for vector_id, chunk in zip(result.vector_ids, result.chunks, strict=True):
            if chunk.searchable:
                ids.append(vector_id)
                texts.append(indexed_text(title_of(pdf), chunk.section, chunk.text))
                sources[vector_id] = _source(pdf, chunk)
                if chunk.section:
                    sections.setdefault((document_id, chunk.section), []).append(vector_id)
    return Index("app", KeywordIndex(ids, texts), files, len(ids), sources, sections)


class IndexSections:
    """``references.SectionLookup`` over a bench index, as ``rag_app.chat.section_lookup`` reads the database."""

    def __init__(self, client, index: Index, query_vector: list[float]):
        self._client, self._index, self._query_vector = client, index, query_vector

    def section_text(self, document_id: int, section: str) -> str:
        vector_ids = self._index.sections.get((document_id, section), [])
        return "\n".join(self._index.sources[vector_id].text for vector_id in vector_ids)

    def sections(self, document_id: int) -> list[str]:
        return [section for document, section in self._index.sections if document == document_id]

    def entry(self, document_id: int, section: str, like: Hit) -> tuple[Hit, ChunkSource] | None:
        first = self._index.sections[(document_id, section)][0]
        found = fetch_hits(self._client, self._query_vector, [first], {first: like.collection})
        return (found[first], self._index.sources[first]) if first in found else None


def hybrid_retriever(client, config: EmbedConfig, index: Index, k: int, **fusion) -> Retriever:
    return lambda question: hybrid_search(
        client, embed.embed_texts([question], config)[0], question, {index.collection: index.keywords}, k, **fusion
    )


def app_retriever(
    client, config: EmbedConfig, index: Index, k: int, terms=None, follow: bool = True, beside: bool = True, **fusion
) -> Retriever:
    """Search as the app does: hybrid search, one hit per section, pointers followed (unless not ``follow``),
    and each hit's pages widened over the chunks found beside it in its section (unless not ``beside``).

    ``terms(question)`` returns the words added to the BM25 query, as the chat path's search terms.
    """

    def retrieve(question: str) -> list[Hit]:
        keyword_query = f"{question} {terms(question)}" if terms else None
        vector = embed.embed_texts([question], config)[0]
        hits = hybrid_search(
            client, vector, question, {index.collection: index.keywords}, k * SECTION_CANDIDATES_PER_HIT,
            keyword_query=keyword_query, **fusion,
        )  # fmt: skip
        sources = dict(index.sources)
        candidates, hits = hits, one_per_section(hits, sources, k)
        if follow:
            hits = follow_references(hits, sources, IndexSections(client, index, vector), k)
        return with_pages_beside(hits, candidates, sources) if beside else hits

    return retrieve


def terms_from(llm_url: str) -> Callable[[str], str]:
    """Return the chat model's search terms for a question; the first call per question asks the model."""
    model = load_chat_model(LLMConfig(base_url=llm_url))
    return cache(lambda question: search_terms(model, question))


def dense_retriever(client, config: EmbedConfig, index: Index, k: int) -> Retriever:
    return lambda question: search(client, embed.embed_texts([question], config)[0], [index.collection], k)


def run(questions: list[dict], retrievers: dict[str, tuple[Retriever, Index]]) -> dict[str, list[QuestionResult]]:
    """Retrieve for each question with each retriever, timing each query end to end (embedding included).

    The retrievers take turns question by question, so a busy machine slows them alike.
    """
    results: dict[str, list[QuestionResult]] = {name: [] for name in retrievers}
    for question in questions:
        for name, (retriever, index) in retrievers.items():
            started = time.perf_counter()
            hits = retriever(question["question"])
            milliseconds = (time.perf_counter() - started) * 1000
            results[name].append(_record(question, hits, index, milliseconds))
    return results


def _record(question: dict, hits: list[Hit], index: Index, milliseconds: float) -> QuestionResult:
    return QuestionResult(
        answerable=question["answerable"],
        retrieved=[(index.files[hit.document_id], hit.page_start, hit.page_end) for hit in hits],
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


def hit_rate(records: list[QuestionResult], k: int) -> float:
    return summarize(records, k)["hit_at_k"]


def print_table(rows: dict[str, dict], k: int, baseline: dict) -> None:
    columns = [
        ("hit_at_k", f"hit@{k}", ".3f"),
        ("hit_at_1", "hit@1", ".3f"),
        ("mrr", "MRR", ".3f"),
        ("retrieval_ms_p50", "p50 ms", ".1f"),
    ]
    width = max(map(len, rows)) + 1
    print(" " * width + "".join(f"{heading:>9}" for _, heading, _ in columns) + f"{'hit/naive':>11}{'MRR/naive':>11}")
    for name, row in rows.items():
        cells = "".join(f"{row[key]:>9{spec}}" for key, _, spec in columns)
        ratios = f"{row['hit_at_k'] / baseline['hit_at_k']:>10.2f}x{row['mrr'] / baseline['mrr']:>10.2f}x"
        print(f"{name:{width}}{cells}{ratios}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=5, help="How many hits to retrieve and score.")
    parser.add_argument("--sample", action="store_true", help="Use the generated sample manual.")
    parser.add_argument("--llm-url", default="", help="OpenAI-compatible server for the search-terms row.")
    args = parser.parse_args()
    config = EmbedConfig()
    questions = load_questions(SAMPLE_QUESTIONS if args.sample else REAL_QUESTIONS)
    with tempfile.TemporaryDirectory() as tmp:
        if args.sample:
            pdfs = [Path(tmp) / MANUAL_NAME]
            write_sample_manual(pdfs[0])
        else:
            pdfs = write_real_manuals(Path(tmp) / "manuals")
        client = store.open_client(StoreConfig(chroma_path=str(Path(tmp) / "chroma")))
        naive = index_chunks(client, config, "naive", pdfs, naive_windows, with_context=False)
        pages = index_chunks(client, config, "pages", pdfs, lambda pdf: page_chunks(pdf, config), False)
        sections = index_chunks(client, config, "sections", pdfs, lambda pdf: section_chunks(pdf, config), False)
        titled = index_chunks(client, config, "titled", pdfs, lambda pdf: section_chunks(pdf, config), True)
        app = index_app(client, config, pdfs)
        rrf = FUSIONS["rank fusion (RRF, k 60)"]
        steps = {
            "naive (windows, dense)": (dense_retriever(client, config, naive, args.k), naive),
            "page chunks, hybrid": (hybrid_retriever(client, config, pages, args.k, **rrf), pages),
            "+ sections across pages": (hybrid_retriever(client, config, sections, args.k, **rrf), sections),
            "+ title and headings indexed": (hybrid_retriever(client, config, titled, args.k, **rrf), titled),
            "+ no contents/index": (hybrid_retriever(client, config, app, args.k, **rrf), app),
            "+ score fusion": (hybrid_retriever(client, config, app, args.k), app),
            "+ one hit per section": (app_retriever(client, config, app, args.k, follow=False, beside=False), app),
            "+ references followed": (app_retriever(client, config, app, args.k, beside=False), app),
            "+ pages found beside a hit (the app)": (app_retriever(client, config, app, args.k), app),
        }
        terms = terms_from(args.llm_url) if args.llm_url else None
        if terms:
            steps["+ search terms (the chat path)"] = (app_retriever(client, config, app, args.k, terms), app)
        steps["the app, dense only"] = (dense_retriever(client, config, app, args.k), app)
        fusions = {
            f"fusion: {label}": (app_retriever(client, config, app, args.k, terms, **fusion), app)
            for label, fusion in FUSIONS.items()
        }
        retrievers = steps | fusions
        # Load the model, BM25 and Chroma's index once before timing, as a warm server has them.
        for retriever, _ in retrievers.values():
            retriever("warm up")
        results = run(questions, retrievers)
    rows = {name: summarize(records, args.k) | {"hit_at_1": hit_rate(records, 1)} for name, records in results.items()}
    answerable = sum(question["answerable"] for question in questions)
    print(f"{', '.join(pdf.name for pdf in pdfs)}: chunks naive {naive.chunks}, page {pages.chunks}, app {app.chunks}")
    print(f"{len(questions)} questions, {answerable} answerable (retrieval metrics cover those)\n")
    print_table(rows, args.k, rows["naive (windows, dense)"])


# Fusion settings compared on the app's index; the first is the app's default.
FUSIONS: dict[str, dict] = {
    "scores, keyword 0.1, 20 each": {},
    "scores, keyword 0.15": {"keyword_weight": 0.15},
    "scores, keyword 0.2": {"keyword_weight": 0.2},
    "scores, keyword 0.3": {"keyword_weight": 0.3},
    "scores, 40 candidates each": {"candidates": 40},
    "rank fusion (RRF, k 60)": {"fusion": RRF_FUSION, "keyword_weight": 1.0},
    "rank fusion, keyword weight 0.5": {"fusion": RRF_FUSION, "keyword_weight": 0.5},
}


if __name__ == "__main__":
    main()
