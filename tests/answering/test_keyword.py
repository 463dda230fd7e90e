"""BM25 and dense search each find what the other misses; fusion finds both."""

import pytest

from answering.keyword import KeywordIndex, reciprocal_rank_fusion, tokenize
from answering.retrieve import hybrid_search, search
from ingestion import embed, store
from ingestion.config import EmbedConfig, StoreConfig

CHUNKS = {
    "c-code": "Code E-014: call your installer.",
    "c-error": "Error E-041 appears on the screen when the water pressure is too low.",
    "c-para": "If the house gets chilly at night, raise the comfort temperature on the room panel.",
    "c-filler1": "The display shows the outdoor temperature, the flow temperature and the time.",
    "c-filler2": "Parameters are grouped by menu: installer parameters need the service code.",
    "c-filler3": "The unit logs every alarm with its time so the installer can review it later.",
    "c-filler4": "Clean the outdoor unit's fins each spring with a soft brush.",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    client = store.open_client(StoreConfig(chroma_path=str(tmp_path_factory.mktemp("chroma"))))
    config = EmbedConfig()
    ids = list(CHUNKS)
    vectors = embed.embed_texts(list(CHUNKS.values()), config)
    records = [
        store.VectorRecord(id_, vector, {"document_id": 1, "ordinal": n, "page_start": n + 1, "page_end": n + 1})
        for n, (id_, vector) in enumerate(zip(ids, vectors, strict=True))
    ]
    store.upsert_vectors(client, store.get_collection(client, "hybrid-test", "minilm"), records)
    return client, config, KeywordIndex(ids, list(CHUNKS.values()))


def _dense(corpus, question, k=1):
    client, config, _ = corpus
    return [hit.vector_id for hit in search(client, embed.embed_texts([question], config)[0], ["hybrid-test"], k)]


def test_tokens_keep_codes_whole_and_in_parts():
    assert tokenize("Set P-17 and boost_mode.") == ["set", "p-17", "p", "17", "boost_mode", "boost", "mode"]


def test_bm25_finds_an_exact_option_name_that_dense_search_misses(corpus):
    question = "what does error E-014 on the screen mean?"
    assert _dense(corpus, question) == ["c-error"]
    assert [found for found, _ in corpus[2].search(question, 1)] == ["c-code"]


def test_dense_search_finds_a_paraphrase_that_bm25_misses(corpus):
    question = "customer feels cold in the evening, what can they change?"
    assert _dense(corpus, question) == ["c-para"]
    assert "c-para" not in [found for found, _ in corpus[2].search(question, 1)]


def test_fusion_finds_both(corpus):
    client, config, index = corpus
    for question, wanted in [
        ("what does error E-014 on the screen mean?", "c-code"),
        ("customer feels cold in the evening?", "c-para"),
    ]:
        vector = embed.embed_texts([question], config)[0]
        hits = hybrid_search(client, vector, question, {"hybrid-test": index}, top_k=2)
        assert wanted in [hit.vector_id for hit in hits]
        assert all(-1 <= hit.score <= 1 for hit in hits)


def test_a_keyword_query_with_the_manuals_words_brings_in_what_the_question_alone_misses(corpus):
    client, config, index = corpus
    question = "what does the code on the screen mean?"
    vector = embed.embed_texts([question], config)[0]

    plain = hybrid_search(client, vector, question, {"hybrid-test": index}, top_k=1, candidates=1)
    widened = hybrid_search(
        client, vector, question, {"hybrid-test": index}, top_k=2, candidates=1, keyword_query=f"{question} E-014"
    )

    assert "c-code" not in [hit.vector_id for hit in plain]
    assert "c-code" in [hit.vector_id for hit in widened]


def test_fusion_weights_let_one_ranking_count_for_more():
    assert reciprocal_rank_fusion([["a", "b"], ["b", "a"]], weights=[2.0, 1.0])[0] == "a"
    assert reciprocal_rank_fusion([["a", "b"], ["b", "a"]], weights=[1.0, 2.0])[0] == "b"


def test_reciprocal_rank_fusion_rewards_agreement():
    assert reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "d"]])[:2] == ["b", "c"]
