"""A run that restarts after a dead worker embeds only what the dead one had not stored."""

import pytest

from ingestion import embed, pipeline
from ingestion.config import ChunkConfig, EmbedConfig
from rag_app.documents import vectors
from tests.faults.conftest import make_long_manual

pytestmark = pytest.mark.slow


class WorkerDied(Exception):
    """Stands for the kill -9 the fault suite does for real: the run stops mid-embedding."""


def _run(path, client, progress=None):
    return pipeline.ingest_file(
        path, "pdf", client=client, collection="resume-test", document_id=7, generation=1,
        embed_config=EmbedConfig(), chunk_config=ChunkConfig(), title="Pump settings", progress=progress,
    )  # fmt: skip


def test_a_restarted_run_embeds_only_the_chunks_not_stored(chroma_server, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "STORE_EVERY", 32)
    path = make_long_manual(tmp_path / "pump-settings.pdf", pages=60)
    client = vectors.server_client()

    def die_in_the_second_round(stage, done, total):
        # The first 32 chunks are embedded and stored; the second 32 are embedded, then the worker dies.
        if stage == "embedding" and done > 32:
            raise WorkerDied

    with pytest.raises(WorkerDied):
        _run(path, client, die_in_the_second_round)

    embedded = []
    real_embed = embed.embed_texts
    monkeypatch.setattr(
        embed, "embed_texts", lambda texts, *a, **k: embedded.extend(texts) or real_embed(texts, *a, **k)
    )
    result = _run(path, client)
    searchable = [chunk for chunk in result.chunks if chunk.searchable]
    assert len(searchable) > 32
    assert len(embedded) == len(searchable) - 32
    stored = client.get_collection("resume-test").get(where={"document_id": 7}, include=[])["ids"]
    assert sorted(stored) == sorted(pipeline.vector_id(7, 1, chunk.ordinal) for chunk in searchable)
