"""Build the ingestion package's small config objects from Django settings."""

from django.conf import settings

from ingestion.config import ChunkConfig, EmbedConfig, StoreConfig


def embed_config() -> EmbedConfig:
    return EmbedConfig(
        model_path=settings.EMBEDDING_MODEL_PATH,
        batch_size=settings.EMBEDDING_BATCH_SIZE,
        bfloat16=settings.EMBEDDING_BFLOAT16,
    )


def chunk_config() -> ChunkConfig:
    return ChunkConfig(
        max_tokens=settings.CHUNK_TOKENS,
        overlap_tokens=settings.CHUNK_OVERLAP_TOKENS,
        max_pages=settings.MAX_DOCUMENT_PAGES,
        max_chunks=settings.MAX_DOCUMENT_CHUNKS,
    )


def server_store_config() -> StoreConfig:
    """The shared Chroma server every process of the running app uses."""
    return StoreConfig(chroma_url=settings.CHROMA_URL, request_timeout_s=settings.CHROMA_TIMEOUT)


def embedded_store_config() -> StoreConfig:
    """The embedded Chroma for single-process commands when no server answers."""
    return StoreConfig(chroma_path=str(settings.CHROMA_PATH))
