"""Embedding in batches sorted by length gives each text its own vector, in the caller's order."""

import pytest

from ingestion import embed
from ingestion.config import EmbedConfig

TEXTS = [
    "Replication uses TCP port 7789 by default; each resource needs a port of its own. " * 6,
    "Contents",
    "To resynchronise at full speed once, without editing the configuration, use a temporary sync rate.",
    "Index",
    "The heat pump defrosts automatically when the outdoor coil ices up. " * 3,
]


@pytest.mark.slow
def test_vectors_come_back_in_the_callers_order_and_match_one_at_a_time():
    config = EmbedConfig(batch_size=2)
    reported = []

    batched = embed.embed_texts(TEXTS, config, on_batch=lambda done, total: reported.append((done, total)))
    alone = [embed.embed_texts([text], config)[0] for text in TEXTS]

    for together, single in zip(batched, alone, strict=True):
        assert sum(a * b for a, b in zip(together, single, strict=True)) > 0.9999
    assert reported == [(2, 5), (4, 5), (5, 5)]
