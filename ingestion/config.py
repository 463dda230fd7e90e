"""Settings the pipeline needs, passed in by the caller so this package never reads Django."""

from dataclasses import dataclass


@dataclass(frozen=True)
class StoreConfig:
    """Where vectors live: a Chroma server URL, or an embedded database path for one process."""

    chroma_url: str = ""
    chroma_path: str = ""
    # Seconds one request to a Chroma server may take: a hung server fails the call, not the site.
    request_timeout_s: float = 30


@dataclass(frozen=True)
class EmbedConfig:
    """Which sentence-transformers model embeds chunks, and in what batch size."""

    model_path: str = ""
    batch_size: int = 32


@dataclass(frozen=True)
class ChunkConfig:
    """Chunk size and overlap, in the embedding model's own tokens, and how big one document may be."""

    max_tokens: int = 200
    overlap_tokens: int = 30
    max_pages: int = 5000
    max_chunks: int = 30000
