"""A cross-encoder reorders hits by its own scores, keeping cosine scores for the threshold."""

import pytest

from answering.rerank import load_reranker, rerank
from answering.retrieve import Hit
from tests.cross_encoder import save_tiny_cross_encoder

TEXTS = {
    "c0": "Replace the inlet filter every 200 operating hours.",
    "c1": "The motor is covered by a warranty of three years.",
    "c2": "If the red fault lamp flashes twice, the motor has overheated.",
    "c3": "Open the vent screw until water flows out.",
}
QUERY = "How often should I replace the inlet filter?"


@pytest.fixture(scope="module")
def reranker(tmp_path_factory):
    return load_reranker(save_tiny_cross_encoder(tmp_path_factory.mktemp("cross-encoder")))


def _hits():
    return [Hit(vector_id, 0.9 - n / 10, "c", 1, n, n + 1, n + 1) for n, vector_id in enumerate(TEXTS)]


def test_hits_are_ordered_by_the_cross_encoder_scores(reranker):
    hits = _hits()
    scores = reranker.predict([(QUERY, TEXTS[hit.vector_id]) for hit in hits])
    expected = [hit.vector_id for _, hit in sorted(zip(scores, hits, strict=True), key=lambda pair: -pair[0])]

    reranked = rerank(QUERY, hits, TEXTS, reranker, top_k=4)

    assert [hit.vector_id for hit in reranked] == expected
    assert [hit.rerank_score for hit in reranked] == pytest.approx(sorted(scores, reverse=True))


def test_reranking_keeps_each_hits_cosine_score(reranker):
    cosine = {hit.vector_id: hit.score for hit in _hits()}

    reranked = rerank(QUERY, _hits(), TEXTS, reranker, top_k=4)

    assert {hit.vector_id: hit.score for hit in reranked} == cosine


def test_reranking_keeps_only_top_k(reranker):
    full = rerank(QUERY, _hits(), TEXTS, reranker, top_k=4)

    assert rerank(QUERY, _hits(), TEXTS, reranker, top_k=2) == full[:2]


def test_hits_without_text_are_dropped(reranker):
    texts = {vector_id: text for vector_id, text in TEXTS.items() if vector_id != "c1"}

    reranked = rerank(QUERY, _hits(), texts, reranker, top_k=4)

    assert sorted(hit.vector_id for hit in reranked) == ["c0", "c2", "c3"]


def test_the_reranker_is_loaded_once_per_path(tmp_path_factory):
    path = save_tiny_cross_encoder(tmp_path_factory.mktemp("cross-encoder"))

    assert load_reranker(path) is load_reranker(str(path))
