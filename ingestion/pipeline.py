"""Run parse -> chunk -> embed -> store for one file; the caller records rows and progress.

Vectors are written under deterministic ids for (document, generation, ordinal), so running
the same generation twice overwrites instead of duplicating, and a run that restarts after a
dead worker embeds only the chunks whose vectors (of the same text) are not stored yet. The caller commits the chunk
rows, then calls ``retire_older_generations``; if it cannot commit, ``discard_generation``
removes what this run wrote, leaving the previous generation untouched.
"""

import dataclasses
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ingestion import embed, store
from ingestion.chunk import split_pages
from ingestion.config import ChunkConfig, EmbedConfig
from ingestion.indexed_text import indexed_text
from ingestion.outline import pdf_outline
from ingestion.parse import parse_file
from ingestion.sections import find_headings, navigation_pages
from ingestion.types import ChunkText, IngestError, Page

Progress = Callable[[str, int, int], None]

# Chunks embedded, then stored, at a time: what a dead worker had stored is not embedded again.
STORE_EVERY = 256


@dataclass
class IngestResult:
    """What one run produced, with seconds spent per stage."""

    pages: list[Page]
    chunks: list[ChunkText]
    vector_ids: list[str]  # one per chunk; chunks that are not searchable have no vector stored
    seconds: dict[str, float] = field(default_factory=dict)


def vector_id(document_id: int, generation: int, ordinal: int) -> str:
    return f"d{document_id}-g{generation}-c{ordinal}"


def text_digest(text: str) -> str:
    """A short digest of what a vector embeds, so a resumed run keeps only vectors of the same text."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def ingest_file(
    path: Path,
    kind: str,
    *,
    client,
    collection: str,
    document_id: int,
    generation: int,
    embed_config: EmbedConfig,
    chunk_config: ChunkConfig,
    title: str = "",
    progress: Progress | None = None,
) -> IngestResult:
    """Parse, chunk, embed and store one file; raise IngestError for a file that cannot be used.

    Chunks are embedded with ``title`` and their section path in front (see ``indexed_text``).
    Contents and index pages are chunked and returned but get no vector.
    """
    report = progress or (lambda stage, done, total: None)
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    pages = parse_file(
        path, kind, on_page=lambda done, total: report("parsing", done, total), max_pages=chunk_config.max_pages
    )
    seconds["parse"] = time.perf_counter() - started

    started = time.perf_counter()
    outline = pdf_outline(path) if kind == "pdf" else []
    chunks = split_pages(
        pages,
        embed.token_counter(embed_config),
        max_tokens=min(chunk_config.max_tokens, embed.max_sequence_tokens(embed_config) - 2),
        overlap_tokens=chunk_config.overlap_tokens,
        headings=find_headings(pages, kind, outline),
        navigation=navigation_pages(pages, outline),
    )
    seconds["chunk"] = time.perf_counter() - started
    if len(chunks) > chunk_config.max_chunks:
        raise IngestError(
            f"This file makes {len(chunks):,} passages, more than the {chunk_config.max_chunks:,} one manual may "
            "have (MAX_DOCUMENT_CHUNKS). Split it into parts, or ask an admin to raise the limit."
        )
    searchable = [chunk for chunk in chunks if chunk.searchable]
    if not searchable:
        raise IngestError("No text could be read from this file.")

    target = store.get_collection(client, collection, embed.model_name(embed_config))
    texts = {chunk.ordinal: indexed_text(title, chunk.section, chunk.text) for chunk in searchable}
    records = {
        chunk.ordinal: store.VectorRecord(
            id=vector_id(document_id, generation, chunk.ordinal),
            vector=[],
            metadata={
                "document_id": document_id,
                "generation": generation,
                "ordinal": chunk.ordinal,
                "page_start": chunk.page_start,
                "page_end": chunk.page_end,
                "text_sha": text_digest(texts[chunk.ordinal]),
            },
        )
        for chunk in searchable
    }
    # A run cut off by a dead worker stored what it had embedded: those vectors stand.
    stored = store.matching_ids(target, [(record.id, record.metadata["text_sha"]) for record in records.values()])
    todo = [chunk for chunk in searchable if records[chunk.ordinal].id not in stored]
    seconds["embed"] = seconds["store"] = 0.0
    for start in range(0, len(todo), STORE_EVERY):
        batch = todo[start : start + STORE_EVERY]
        started = time.perf_counter()
        done_before = len(stored) + start
        vectors = embed.embed_texts(
            [texts[chunk.ordinal] for chunk in batch],
            embed_config,
            on_batch=lambda done, _total, before=done_before: report("embedding", before + done, len(searchable)),
        )
        seconds["embed"] += time.perf_counter() - started
        started = time.perf_counter()
        store.upsert_vectors(
            client,
            target,
            [
                dataclasses.replace(records[chunk.ordinal], vector=vector)
                for chunk, vector in zip(batch, vectors, strict=True)
            ],
        )
        seconds["store"] += time.perf_counter() - started
    report("storing", len(searchable), len(searchable))

    vector_ids = [vector_id(document_id, generation, chunk.ordinal) for chunk in chunks]
    return IngestResult(pages=pages, chunks=chunks, vector_ids=vector_ids, seconds=seconds)


def retire_older_generations(client, collection: str, document_id: int, generation: int, embedding_model: str):
    """Delete every vector of the document except the generation just committed."""
    target = store.get_collection(client, collection, embedding_model)
    store.delete_document_vectors(target, document_id, except_generation=generation)


def discard_generation(client, collection: str, document_id: int, generation: int, embedding_model: str):
    """Remove the vectors a failed run wrote, so no half-ingested document stays searchable."""
    target = store.get_collection(client, collection, embedding_model)
    store.delete_generation_vectors(target, document_id, generation)


def remove_document(client, collection: str, document_id: int, embedding_model: str):
    """Delete all of a document's vectors."""
    target = store.get_collection(client, collection, embedding_model)
    store.delete_document_vectors(target, document_id)
