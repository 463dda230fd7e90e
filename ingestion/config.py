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
    """Which sentence-transformers model embeds chunks, in what batch size and precision."""

    model_path: str = ""
    # Texts per forward pass, sorted by length. Measured with MiniLM on the DRBD guide's 412 chunks
    # (two AMD EPYC cores): 32 took 22 s, 16 took 14.4 s, 8 took 13.5 s, 4 took 13.2 s. Past 8 the
    # attention tensors (batch x 12 heads x 256 x 256) outgrow the CPU's caches.
    batch_size: int = 8
    # Compute in bfloat16 (float32 where it matters: torch's autocast). None: where the CPU does
    # bfloat16 matrix products itself (AVX-512 BF16 or AMX), since elsewhere they are emulated and
    # slower. On the DRBD guide's 412 chunks (AMD EPYC Zen 4, two cores) 8.4 s against 14.3 s, every
    # vector within cosine 0.99997 of its float32 self.
    bfloat16: bool | None = None


@dataclass(frozen=True)
class ChunkConfig:
    """Chunk size and overlap, in the embedding model's own tokens, and how big one document may be."""

    max_tokens: int = 200
    overlap_tokens: int = 30
    max_pages: int = 5000
    max_chunks: int = 30000
