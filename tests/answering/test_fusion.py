"""Score fusion keeps how far apart the scores are; one hit per section leaves room for other sections
and is scored on the pages search found it on."""

from answering.retrieve import ChunkSource, Hit, fuse_scores, one_per_section, with_pages_beside


def test_a_chunk_far_closer_in_meaning_stays_first_against_the_keyword_favourite():
    cosines = {"close": 0.80, "keyword": 0.40}
    keyword = {"keyword": 12.0, "close": 1.0}

    assert fuse_scores(cosines, keyword, keyword_weight=0.2) == ["close", "keyword"]


def test_an_exact_keyword_match_lifts_a_chunk_among_near_equal_cosines():
    cosines = {"a": 0.52, "b": 0.51, "c": 0.50}
    keyword = {"c": 8.0}

    assert fuse_scores(cosines, keyword, keyword_weight=0.1)[0] == "c"


def test_without_keyword_hits_the_cosine_decides_and_a_zero_weight_ignores_bm25():
    cosines = {"a": 0.3, "b": 0.6}

    assert fuse_scores(cosines, {}, keyword_weight=0.5) == ["b", "a"]
    assert fuse_scores(cosines, {"a": 5.0}, keyword_weight=0.0) == ["b", "a"]


def _hit(ordinal, page, document=1):
    return Hit(f"d{document}-c{ordinal}", 0.5, "c", document, ordinal, page, page)


def _source(section):
    return ChunkSource("text", "Manual", "manual.pdf", section)


def test_only_the_best_hit_of_each_section_is_kept_in_rank_order():
    hits = [_hit(3, 15), _hit(4, 15), _hit(9, 55), _hit(2, 14), _hit(10, 55)]
    sources = {
        "d1-c3": _source("Features / Integrity"),
        "d1-c4": _source("Features / Integrity"),
        "d1-c9": _source("Configuring / Integrity"),
        "d1-c2": _source("Features / Verification"),
        "d1-c10": _source("Configuring / Integrity"),
    }

    kept = one_per_section(hits, sources, top_k=5)

    assert [hit.vector_id for hit in kept] == ["d1-c3", "d1-c9", "d1-c2"]


def test_the_same_section_name_in_two_documents_counts_twice():
    hits = [_hit(1, 3, document=1), _hit(1, 3, document=2)]
    sources = {hit.vector_id: _source("Installation") for hit in hits}

    assert len(one_per_section(hits, sources, top_k=5)) == 2


def test_without_sections_the_page_counts_as_the_section():
    hits = [_hit(1, 7), _hit(2, 7), _hit(3, 8)]
    sources = {hit.vector_id: _source("") for hit in hits}

    assert [hit.vector_id for hit in one_per_section(hits, sources, top_k=5)] == ["d1-c1", "d1-c3"]


def test_stale_vectors_are_dropped_and_at_most_top_k_hits_are_kept():
    hits = [_hit(n, n) for n in range(6)]
    sources = {hit.vector_id: _source("") for hit in hits[1:]}

    assert [hit.vector_id for hit in one_per_section(hits, sources, top_k=3)] == ["d1-c1", "d1-c2", "d1-c3"]


def _spanning(ordinal, first, last, document=1):
    return Hit(f"d{document}-c{ordinal}", 0.5, "c", document, ordinal, first, last)


def test_a_kept_hit_covers_the_pages_of_the_chunk_found_right_before_it_in_its_section():
    # The section runs from page 25 onto 26: its page-26 lines rank first, the statement asked for second.
    candidates = [_spanning(118, 26, 26), _spanning(117, 25, 26), _spanning(140, 34, 34)]
    sources = {hit.vector_id: _source("4.2 Preparing your network") for hit in candidates[:2]}
    sources["d1-c140"] = _source("5.1 Checking status")

    kept = one_per_section(candidates, sources, top_k=5)
    widened = with_pages_beside(kept, candidates, sources)

    assert [(hit.vector_id, hit.page_start, hit.page_end) for hit in kept] == [("d1-c118", 26, 26), ("d1-c140", 34, 34)]
    assert [(hit.vector_id, hit.page_start, hit.page_end) for hit in widened] == [
        ("d1-c118", 25, 26),
        ("d1-c140", 34, 34),
    ]
    assert [hit.score for hit in widened] == [hit.score for hit in kept]


def test_the_chunk_after_counts_too_but_not_one_two_chunks_away_nor_another_section_or_document():
    kept = [_spanning(10, 40, 40)]
    candidates = [
        *kept,
        _spanning(11, 41, 41),
        _spanning(8, 38, 38),
        _spanning(9, 39, 39, document=2),
    ]
    sources = {hit.vector_id: _source("Samples") for hit in candidates}

    assert [(hit.page_start, hit.page_end) for hit in with_pages_beside(kept, candidates, sources)] == [(40, 41)]

    sources["d1-c11"] = _source("Size")
    assert [(hit.page_start, hit.page_end) for hit in with_pages_beside(kept, candidates, sources)] == [(40, 40)]


def test_without_sections_a_chunk_on_another_page_does_not_widen_a_hit():
    candidates = [_hit(1, 7), _hit(2, 8)]
    sources = {hit.vector_id: _source("") for hit in candidates}

    [widened] = with_pages_beside(candidates[:1], candidates, sources)

    assert (widened.page_start, widened.page_end) == (7, 7)
