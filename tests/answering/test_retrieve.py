"""Hits become numbered passages: threshold, stale vectors, same-page merging, token budget."""

from answering.retrieve import ChunkSource, Hit, Neighbour, build_passages


def _hit(ordinal, score, page, document=1):
    return Hit(f"d{document}-g1-c{ordinal}", score, "c", document, ordinal, page, page)


def _sources(*hits, text="{id} text."):
    return {hit.vector_id: ChunkSource(text.format(id=hit.vector_id), "Pump manual", "pump.pdf") for hit in hits}


def _words(text):
    return len(text.split())


def test_hits_under_the_threshold_are_dropped():
    hits = [_hit(0, 0.8, 1), _hit(5, 0.2, 3)]
    passages = build_passages(hits, _sources(*hits), min_score=0.3, count_tokens=_words, token_budget=1000)
    assert [p.chunk_ids for p in passages] == [("d1-g1-c0",)]


def test_vectors_without_a_chunk_row_are_never_served():
    hits = [_hit(0, 0.9, 1), _hit(4, 0.8, 2)]
    passages = build_passages(hits, _sources(hits[1]), min_score=0.3, count_tokens=_words, token_budget=1000)
    assert [p.chunk_ids for p in passages] == [("d1-g1-c4",)]


def test_neighbouring_chunks_of_one_page_merge_into_one_passage():
    hits = [_hit(3, 0.9, 2), _hit(2, 0.7, 2), _hit(7, 0.6, 4)]
    passages = build_passages(hits, _sources(*hits), min_score=0.3, count_tokens=_words, token_budget=1000)
    assert [(p.number, p.chunk_ids, p.page_start, p.score) for p in passages] == [
        (1, ("d1-g1-c2", "d1-g1-c3"), 2, 0.9),
        (2, ("d1-g1-c7",), 4, 0.6),
    ]


def test_without_sections_neighbouring_chunks_on_different_pages_stay_apart():
    hits = [_hit(3, 0.9, 2), _hit(4, 0.8, 3)]
    passages = build_passages(hits, _sources(*hits), min_score=0.3, count_tokens=_words, token_budget=1000)
    assert [p.page_start for p in passages] == [2, 3]


def test_neighbouring_chunks_of_one_section_merge_across_pages_but_not_across_sections():
    hits = [_hit(3, 0.9, 2), _hit(4, 0.8, 3), _hit(5, 0.7, 3)]
    sections = {"d1-g1-c3": "Wiring", "d1-g1-c4": "Wiring", "d1-g1-c5": "Relays"}
    sources = {key: ChunkSource(f"{key} text.", "T", "t.pdf", section=section) for key, section in sections.items()}
    passages = build_passages(hits, sources, min_score=0.3, count_tokens=_words, token_budget=1000)
    assert [(p.chunk_ids, p.page_start, p.page_end, p.section) for p in passages] == [
        (("d1-g1-c3", "d1-g1-c4"), 2, 3, "Wiring"),
        (("d1-g1-c5",), 3, 3, "Relays"),
    ]


def test_overlap_between_merged_chunks_is_not_repeated():
    hits = [_hit(0, 0.9, 1), _hit(1, 0.8, 1)]
    sources = {
        "d1-g1-c0": ChunkSource("Open the valve. Wait ten seconds.", "T", "t.pdf"),
        "d1-g1-c1": ChunkSource("Wait ten seconds. Close the valve.", "T", "t.pdf"),
    }
    [passage] = build_passages(hits, sources, min_score=0.3, count_tokens=_words, token_budget=1000)
    assert passage.text == "Open the valve. Wait ten seconds. Close the valve."


def test_passages_stop_at_the_token_budget_best_first():
    hits = [_hit(0, 0.9, 1), _hit(5, 0.8, 3), _hit(9, 0.7, 5)]
    sources = _sources(*hits, text="{id} " + "word " * 30)
    passages = build_passages(hits, sources, min_score=0.3, count_tokens=_words, token_budget=100)
    assert [p.chunk_ids[0] for p in passages] == ["d1-g1-c0", "d1-g1-c5"]


def _pump_text(ordinal):
    return {
        0: "Open the valve. Wait ten seconds.",
        1: "Wait ten seconds. Close the valve.",
        2: "Close the valve. Start the pump.",
    }[ordinal]


def _neighbour(ordinal, page=2, section=""):
    return {(1, ordinal): Neighbour(f"d1-g1-c{ordinal}", section, page, page, _pump_text(ordinal))}


def test_a_hit_gets_its_same_page_neighbours_without_the_overlap():
    hits = [_hit(1, 0.9, 2)]
    sources = {"d1-g1-c1": ChunkSource(_pump_text(1), "T", "t.pdf")}
    [passage] = build_passages(
        hits,
        sources,
        min_score=0.3,
        count_tokens=_words,
        token_budget=1000,
        neighbours=_neighbour(0) | _neighbour(2),
    )
    assert passage.text == "Open the valve. Wait ten seconds. Close the valve. Start the pump."
    assert passage.chunk_ids == ("d1-g1-c0", "d1-g1-c1", "d1-g1-c2")


def test_without_sections_a_neighbour_on_another_page_is_not_added():
    hits = [_hit(1, 0.9, 2)]
    sources = {"d1-g1-c1": ChunkSource(_pump_text(1), "T", "t.pdf")}
    [passage] = build_passages(
        hits, sources, min_score=0.3, count_tokens=_words, token_budget=1000, neighbours=_neighbour(2, page=3)
    )
    assert passage.chunk_ids == ("d1-g1-c1",)


def test_a_neighbour_in_the_same_section_on_the_next_page_is_added_and_cited():
    hits = [_hit(1, 0.9, 2)]
    sources = {"d1-g1-c1": ChunkSource(_pump_text(1), "T", "t.pdf", section="Pump > Start")}
    neighbours = _neighbour(2, page=3, section="Pump > Start") | _neighbour(0, section="Pump > Prime")
    [passage] = build_passages(
        hits, sources, min_score=0.3, count_tokens=_words, token_budget=1000, neighbours=neighbours
    )
    assert passage.chunk_ids == ("d1-g1-c1", "d1-g1-c2")
    # The citation covers the page the added neighbour's text is from.
    assert (passage.page_start, passage.page_end, passage.section) == (2, 3, "Pump > Start")


def test_neighbours_are_added_only_while_the_budget_allows():
    hits = [_hit(1, 0.9, 2)]
    sources = {"d1-g1-c1": ChunkSource(_pump_text(1), "T", "t.pdf")}
    # The passage costs 6 words + 16; each neighbour adds 3 words after the overlap is removed.
    [passage] = build_passages(
        hits,
        sources,
        min_score=0.3,
        count_tokens=_words,
        token_budget=25,
        neighbours=_neighbour(0) | _neighbour(2),
    )
    assert passage.chunk_ids == ("d1-g1-c0", "d1-g1-c1")


def test_a_hit_whose_text_a_better_passage_contains_is_dropped():
    hits = [_hit(0, 0.9, 1), _hit(4, 0.8, 6, document=2)]
    sources = {
        "d1-g1-c0": ChunkSource("Open the valve. Wait ten seconds.", "T", "t.pdf"),
        "d2-g1-c4": ChunkSource("Wait ten seconds.", "Copy", "copy.pdf"),
    }
    passages = build_passages(hits, sources, min_score=0.3, count_tokens=_words, token_budget=1000)
    assert [p.chunk_ids for p in passages] == [("d1-g1-c0",)]
