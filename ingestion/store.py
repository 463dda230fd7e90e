"""Keep chunk vectors in Chroma, one Chroma collection per Manualist collection.

Chroma is not process-safe: every process of a running app reaches one Chroma server over
HTTP. The embedded client is for single-process commands only, and takes an exclusive lock
on the data folder that the app's Chroma server also holds, so the two never share files.
"""

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from ingestion.config import StoreConfig

LOCK_NAME = "manualist.lock"
_CONNECT_TIMEOUT_S = 3


class StoreUnavailable(Exception):
    """Chroma cannot be reached or opened right now; the work may be retried later."""


@dataclass(frozen=True)
class VectorRecord:
    """One chunk's vector and the metadata retrieval filters on."""

    id: str
    vector: list[float]
    metadata: dict


def open_client(config: StoreConfig):
    """Return an HTTP client when a server URL is set, else an embedded client under a lock."""
    import chromadb
    import httpx
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if config.chroma_url:
        url = urlparse(config.chroma_url)
        try:
            # The client's own first request has no time limit, so a hung server is caught first.
            heartbeat = f"{config.chroma_url.rstrip('/')}/api/v2/heartbeat"
            httpx.get(heartbeat, timeout=_CONNECT_TIMEOUT_S).raise_for_status()
            client = chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 80),
                ssl=url.scheme == "https",
                settings=settings,
            )
        except Exception as error:
            raise StoreUnavailable(f"The Chroma server at {config.chroma_url} is not answering ({error}).") from error
        bound_requests(client, config.request_timeout_s)
        return client
    hold_data_lock(Path(config.chroma_path))
    return chromadb.PersistentClient(path=config.chroma_path, settings=settings)


def bound_requests(client, seconds: float) -> None:
    """Give every request of an HTTP client a time limit: chromadb 1.5 builds its session with none.

    Clients with the same settings share one session, so this bounds them all; it fails loudly
    if a chromadb upgrade moves the session, rather than leaving requests unbounded.
    """
    import httpx

    session = client._server._session
    session.timeout = httpx.Timeout(seconds, connect=_CONNECT_TIMEOUT_S)


_held_locks: dict[str, int] = {}


def hold_data_lock(chroma_path: Path) -> int:
    """Lock the Chroma folder for this process's lifetime and return the lock's file descriptor.

    Raise StoreUnavailable if another process holds it. A child given the descriptor keeps
    the lock alive as long as it runs.
    """
    key = str(chroma_path.resolve())
    if key in _held_locks:
        return _held_locks[key]
    chroma_path.mkdir(parents=True, exist_ok=True)
    fd = os.open(chroma_path / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        os.close(fd)
        raise StoreUnavailable(
            f"The Chroma data in {chroma_path} is in use by another process (is the app running?). "
            "Point CHROMA_URL at its Chroma server instead."
        ) from error
    _held_locks[key] = fd
    return fd


def get_collection(client, name: str, embedding_model: str):
    """Return the named Chroma collection, created with cosine distance on first use."""
    return client.get_or_create_collection(
        name=name,
        configuration={"hnsw": {"space": "cosine"}},
        metadata={"embedding_model": embedding_model},
        embedding_function=None,
    )


def upsert_vectors(client, collection, records: list[VectorRecord], on_batch=None) -> None:
    """Write records in batches under the client's maximum batch size; ids make it idempotent."""
    batch_size = max(1, min(client.get_max_batch_size(), 1000))
    for start in range(0, len(records), batch_size):
        batch = records[start : start + batch_size]
        collection.upsert(
            ids=[record.id for record in batch],
            embeddings=[record.vector for record in batch],
            metadatas=[record.metadata for record in batch],
        )
        if on_batch:
            on_batch(start + len(batch), len(records))


def matching_ids(collection, wanted: list[tuple[str, str]]) -> set[str]:
    """Return the ids among ``wanted`` (id, text digest) already stored with that same digest."""
    digests = dict(wanted)
    found: set[str] = set()
    ids = list(digests)
    for start in range(0, len(ids), 1000):
        stored = collection.get(ids=ids[start : start + 1000], include=["metadatas"])
        found.update(
            vector_id
            for vector_id, meta in zip(stored["ids"], stored["metadatas"], strict=True)
            if (meta or {}).get("text_sha") == digests[vector_id]
        )
    return found


def delete_document_vectors(collection, document_id: int, except_generation: int | None = None) -> None:
    """Delete a document's vectors, keeping one generation when given (the one just written)."""
    where: dict = {"document_id": document_id}
    if except_generation is not None:
        where = {"$and": [where, {"generation": {"$ne": except_generation}}]}
    collection.delete(where=where)


def delete_generation_vectors(collection, document_id: int, generation: int) -> None:
    """Delete the vectors of one generation, to undo a write that failed before it was committed."""
    collection.delete(where={"$and": [{"document_id": document_id}, {"generation": generation}]})


def document_vector_ids(collection, document_id: int) -> list[str]:
    return collection.get(where={"document_id": document_id}, include=[])["ids"]
