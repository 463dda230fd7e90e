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
    # Texts per forward pass, sorted by length. Measured with MiniLM on the DRBD guide's 412 chunks
    # (two AMD EPYC cores): 32 took 22 s, 16 took 14.4 s, 8 took 13.5 s, 4 took 13.2 s. Past 8 the
    # attention tensors (batch x 12 heads x 256 x 256) outgrow the CPU's caches.
    batch_size: int = 8


@dataclass(frozen=True)
class ChunkConfig:
    """Chunk size and overlap, in the embedding model's own tokens, and how big one document may be."""

    max_tokens: int = 200
    overlap_tokens: int = 30
    max_pages: int = 5000
    max_chunks: int = 30000
