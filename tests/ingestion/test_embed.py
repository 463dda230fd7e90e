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


def test_bfloat16_is_native_only_with_avx512_bf16_or_amx_flags():
    assert embed.native_bfloat16("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16\n")
    assert embed.native_bfloat16("flags\t\t: fpu avx2 amx_bf16 amx_tile amx_int8\n")
    assert not embed.native_bfloat16("flags\t\t: fpu sse2 avx2 avx512f avx512bw\n")
    assert not embed.native_bfloat16("model name\t: some CPU that says avx512_bf16 in its name\n")


def test_the_configured_precision_wins_over_the_cpus():
    assert embed.uses_bfloat16(EmbedConfig(bfloat16=True))
    assert not embed.uses_bfloat16(EmbedConfig(bfloat16=False))
    assert embed.uses_bfloat16(EmbedConfig()) == embed.native_bfloat16()


@pytest.mark.slow
def test_bfloat16_vectors_are_float32_vectors_to_four_decimals_of_cosine():
    # Emulated where the CPU lacks bfloat16: slower, the same numbers.
    in_bfloat16 = embed.embed_texts(TEXTS, EmbedConfig(bfloat16=True))
    in_float32 = embed.embed_texts(TEXTS, EmbedConfig(bfloat16=False))

    for half, full in zip(in_bfloat16, in_float32, strict=True):
        assert all(isinstance(value, float) for value in half)
        assert abs(sum(value * value for value in half) - 1) < 1e-4
        assert 0.9999 < sum(a * b for a, b in zip(half, full, strict=True)) < 1.0001
        assert half != full
