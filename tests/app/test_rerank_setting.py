"""With RERANKER_MODEL_PATH set, retrieval keeps the candidates the cross-encoder ranks best."""

import pytest

from answering.rerank import load_reranker
from rag_app.chat.retrieval import RERANK_CANDIDATES_PER_HIT, retrieve
from rag_app.documents.models import Chunk
from tests.cross_encoder import save_tiny_cross_encoder

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUESTION = "How often should I replace the inlet filter?"


def test_retrieval_orders_hits_by_the_reranker_when_it_is_set(pump_manual, settings, tmp_path):
    settings.RERANKER_MODEL_PATH = ""
    settings.RETRIEVAL_TOP_K = 2 * RERANK_CANDIDATES_PER_HIT
    candidates = retrieve(QUESTION, [pump_manual.collection], 1000, len).hits
    settings.RETRIEVAL_TOP_K = 2
    settings.RERANKER_MODEL_PATH = str(save_tiny_cross_encoder(tmp_path))
    texts = dict(Chunk.objects.filter(document=pump_manual).values_list("vector_id", "text"))
    scores = load_reranker(settings.RERANKER_MODEL_PATH).predict(
        [(QUESTION, texts[hit.vector_id]) for hit in candidates]
    )
    expected = [hit.vector_id for _, hit in sorted(zip(scores, candidates, strict=True), key=lambda pair: -pair[0])]

    # The tiny model ranks differently from search, so the test shows that reranking happened.
    assert expected[:2] != [hit.vector_id for hit in candidates[:2]]

    found = retrieve(QUESTION, [pump_manual.collection], 1000, len)

    assert [hit.vector_id for hit in found.hits] == expected[:2]
    assert {hit.vector_id: hit.score for hit in found.hits} == {
        hit.vector_id: hit.score for hit in candidates if hit.vector_id in expected[:2]
    }
