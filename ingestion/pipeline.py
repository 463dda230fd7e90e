"""Run parse -> chunk -> embed -> store for one file; the caller records rows and progress.

Vectors are written under deterministic ids for (document, generation, ordinal), so running
the same generation twice overwrites instead of duplicating. The caller commits the chunk
rows, then calls ``retire_older_generations``; if it cannot commit, ``discard_generation``
removes what this run wrote, leaving the previous generation untouched.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ingestion import embed, store
from ingestion.chunk import split_pages
from ingestion.config import ChunkConfig, EmbedConfig
from ingestion.parse import parse_file
from ingestion.types import ChunkText, IngestError, Page

Progress = Callable[[str, int, int], None]


@dataclass
class IngestResult:
    """What one run produced, with seconds spent per stage."""

    pages: list[Page]
    chunks: list[ChunkText]
    vector_ids: list[str]
    seconds: dict[str, float] = field(default_factory=dict)


def vector_id(document_id: int, generation: int, ordinal: int) -> str:
    return f"d{document_id}-g{generation}-c{ordinal}"


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
    progress: Progress | None = None,
) -> IngestResult:
    """Parse, chunk, embed and store one file; raise IngestError for a file that cannot be used."""
    report = progress or (lambda stage, done, total: None)
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    pages = parse_file(path, kind, on_page=lambda done, total: report("parsing", done, total))
    seconds["parse"] = time.perf_counter() - started

    started = time.perf_counter()
    chunks = split_pages(
        pages,
        embed.token_counter(embed_config),
        max_tokens=min(chunk_config.max_tokens, embed.max_sequence_tokens(embed_config) - 2),
        overlap_tokens=chunk_config.overlap_tokens,
    )
    seconds["chunk"] = time.perf_counter() - started
    if not chunks:
        raise IngestError("No text could be read from this file.")

    started = time.perf_counter()
    vectors = embed.embed_texts(
        [chunk.text for chunk in chunks],
        embed_config,
        on_batch=lambda done, total: report("embedding", done, total),
    )
    seconds["embed"] = time.perf_counter() - started

    started = time.perf_counter()
    records = [
        store.VectorRecord(
            id=vector_id(document_id, generation, chunk.ordinal),
            vector=vector,
            metadata={
                "document_id": document_id,
                "generation": generation,
                "ordinal": chunk.ordinal,
                "page_start": chunk.page_start,
                "page_end": chunk.page_end,
            },
        )
        for chunk, vector in zip(chunks, vectors, strict=True)
    ]
    target = store.get_collection(client, collection, embed.model_name(embed_config))
    store.upsert_vectors(client, target, records, on_batch=lambda done, total: report("storing", done, total))
    seconds["store"] = time.perf_counter() - started

    return IngestResult(pages=pages, chunks=chunks, vector_ids=[r.id for r in records], seconds=seconds)


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
