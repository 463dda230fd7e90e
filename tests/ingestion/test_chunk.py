import random
from itertools import pairwise

import pytest

from ingestion.chunk import split_pages
from ingestion.sections import Heading
from ingestion.types import Page

WORDS = ["pump", "valve", "pressure", "gauge", "filter", "hose", "motor", "seal", "gasket", "intake", "outlet"]


def count_words(text: str) -> int:
    return len(text.split())


def sentences_for(page: int, amount: int, rng: random.Random) -> list[str]:
    return [
        f"Step {page}-{index} tells you to check the "
        + " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 40)))
        + "."
        for index in range(amount)
    ]


@pytest.fixture(scope="module")
def manual():
    """Return pages with known sentences, and those sentences, for a ten-page manual."""
    rng = random.Random(7)
    pages, sentences = [], []
    for number in range(1, 11):
        page_sentences = sentences_for(number, rng.randint(3, 12), rng)
        sentences += page_sentences
        paragraphs = [" ".join(page_sentences[i : i + 3]) for i in range(0, len(page_sentences), 3)]
        pages.append(Page(number, "\n\n".join(paragraphs)))
    return pages, sentences


@pytest.fixture(scope="module")
def manual_chunks(manual, count_tokens):
    pages, _ = manual
    return split_pages(pages, count_tokens)


def test_no_chunk_exceeds_the_token_limit(manual_chunks, count_tokens):
    assert len(manual_chunks) > 5
    assert all(count_tokens(chunk.text) <= 200 for chunk in manual_chunks)


def test_token_counts_are_the_real_counts(manual_chunks, count_tokens):
    assert [chunk.token_count for chunk in manual_chunks] == [count_tokens(chunk.text) for chunk in manual_chunks]


def test_every_sentence_appears_in_some_chunk(manual, manual_chunks):
    _, sentences = manual

    missing = [s for s in sentences if not any(s in chunk.text for chunk in manual_chunks)]

    assert missing == []


def test_ordinals_count_from_zero(manual_chunks):
    assert [chunk.ordinal for chunk in manual_chunks] == list(range(len(manual_chunks)))


def test_offsets_point_at_the_chunk_text_on_its_pages(manual, count_tokens):
    pages, _ = manual
    # One heading on page 1 makes the whole manual one section, so chunks run across pages.
    chunks = split_pages(pages, count_tokens, headings=[Heading(0, 0, ("Steps",))])
    assert any(chunk.page_start < chunk.page_end for chunk in chunks)
    for chunk in chunks:
        first, last = pages[chunk.page_start - 1].text, pages[chunk.page_end - 1].text
        if chunk.page_start == chunk.page_end:
            assert chunk.text == first[chunk.char_start : chunk.char_end]
        else:
            assert chunk.text.startswith(first[chunk.char_start :])
            assert chunk.text.endswith(last[: chunk.char_end])


def test_without_headings_chunks_never_run_across_pages(count_tokens):
    pages = [
        Page(7, "The lid opens to the left."),
        Page(8, "Fill the tank to the line."),
        Page(9, "Close the lid before starting."),
    ]

    chunks = split_pages(pages, count_tokens)

    assert [(chunk.page_start, chunk.page_end, chunk.text) for chunk in chunks] == [
        (page.number, page.number, page.text) for page in pages
    ]


def test_a_section_runs_on_across_a_page_break(count_tokens):
    pages = [
        Page(7, "Intro text about the pump.\n\n4.2 Filling the tank"),
        Page(8, "Fill the tank to the line."),
        Page(9, "Close the lid before starting."),
    ]
    headings = [Heading(0, 28, ("4 Pump", "4.2 Filling the tank")), Heading(2, 0, ("4 Pump", "4.3 Starting"))]

    chunks = split_pages(pages, count_tokens, headings=headings)

    assert [(chunk.page_start, chunk.page_end, chunk.text, chunk.section) for chunk in chunks] == [
        (7, 7, "Intro text about the pump.", ""),
        (7, 8, "4.2 Filling the tank\n\nFill the tank to the line.", "4 Pump \u203a 4.2 Filling the tank"),
        (9, 9, "Close the lid before starting.", "4 Pump \u203a 4.3 Starting"),
    ]


def test_a_new_heading_starts_a_new_chunk_without_overlap(count_tokens):
    first = " ".join(f"The valve opens at step {i}." for i in range(5))
    second = " ".join(f"The gauge reads {i} bar." for i in range(5))
    page = Page(1, f"{first}\n\nGauges\n\n{second}")

    chunks = split_pages([page], count_tokens, headings=[Heading(0, len(first) + 2, ("Gauges",))])

    assert [chunk.text for chunk in chunks] == [first, f"Gauges\n\n{second}"]
    assert [chunk.section for chunk in chunks] == ["", "Gauges"]


def test_a_bare_heading_joins_the_section_after_it(count_tokens):
    body = " ".join(f"Wire terminal {i} to the relay." for i in range(6))
    page = Page(1, f"5 Wiring\n\n5.1 Relays\n\n{body}")

    headings = [Heading(0, 0, ("5 Wiring",)), Heading(0, 10, ("5 Wiring", "5.1 Relays"))]

    [chunk] = split_pages([page], count_tokens, headings=headings)

    assert chunk.text == page.text
    assert chunk.section == "5 Wiring \u203a 5.1 Relays"


def test_contents_pages_are_chunked_apart_and_not_searchable(count_tokens):
    pages = [Page(1, "Contents\nSafety 3\nWiring 4"), Page(2, "Safety first. Switch the mains off.")]

    chunks = split_pages(pages, count_tokens, navigation={0})

    assert [(chunk.page_start, chunk.page_end, chunk.searchable) for chunk in chunks] == [(1, 1, False), (2, 2, True)]


def test_each_chunk_starts_with_sentences_that_end_the_previous_one(count_tokens):
    rng = random.Random(3)
    sentences = [f"Check the {rng.choice(WORDS)} number {i}." for i in range(80)]
    pages = [Page(1, " ".join(sentences))]

    chunks = split_pages(pages, count_tokens, max_tokens=60, overlap_tokens=20)

    assert len(chunks) > 3
    for previous, chunk in pairwise(chunks):
        first = next(s for s in sentences if chunk.text.startswith(s))
        repeated = previous.text[previous.text.index(first) :]
        assert chunk.text.startswith(repeated)
        assert 0 < count_tokens(repeated) <= 20


def test_it_repeats_nothing_when_overlap_is_zero(count_tokens):
    sentences = [f"Turn the dial to position {i}." for i in range(60)]

    chunks = split_pages([Page(1, " ".join(sentences))], count_tokens, 50, overlap_tokens=0)

    assert len(chunks) > 3
    assert sum(chunk.text.count("Turn the dial") for chunk in chunks) == len(sentences)


def test_it_skips_empty_pages():
    pages = [Page(1, ""), Page(2, "Only this page has text."), Page(3, "")]

    [chunk] = split_pages(pages, count_words)

    assert (chunk.page_start, chunk.page_end, chunk.text) == (2, 2, "Only this page has text.")


def test_it_splits_a_long_sentence_between_words(count_tokens):
    words = [f"part{i}" for i in range(600)]

    chunks = split_pages([Page(1, " ".join(words))], count_tokens, overlap_tokens=0)

    assert len(chunks) > 2
    assert all(chunk.token_count <= 200 for chunk in chunks)
    assert [word for chunk in chunks for word in chunk.text.split()] == words


def test_it_splits_a_giant_word_by_characters(count_tokens):
    giant = "-".join(["ab"] * 400)
    page = Page(1, f"Serial: {giant} ends here.")

    chunks = split_pages([page], count_tokens)

    assert len(chunks) >= 3
    assert all(count_tokens(chunk.text) <= 200 for chunk in chunks)
    assert giant in "".join(chunk.text for chunk in chunks)


def test_it_does_not_end_sentences_at_common_abbreviations():
    text = (
        "Wipe the lens gently, e.g. Microfiber cloths work. "
        "See Fig. 3 for the cleaning steps. Then close the lid again slowly."
    )

    chunks = split_pages([Page(1, text)], count_words, max_tokens=10, overlap_tokens=0)

    assert [chunk.text for chunk in chunks] == [
        "Wipe the lens gently, e.g. Microfiber cloths work.",
        "See Fig. 3 for the cleaning steps.",
        "Then close the lid again slowly.",
    ]


def test_it_rechecks_chunks_whose_joined_text_counts_more_than_their_parts():
    def count_with_costly_page_breaks(text: str) -> int:
        return len(text.split()) + 5 * text.count("\n\n")

    pages = [Page(number, "One two three four.") for number in range(1, 7)]

    chunks = split_pages(pages, count_with_costly_page_breaks, max_tokens=10, overlap_tokens=0)

    assert all(count_with_costly_page_breaks(chunk.text) <= 10 for chunk in chunks)
    assert [chunk.page_start for chunk in chunks] == [1, 2, 3, 4, 5, 6]


def test_it_counts_each_sentence_about_once(manual):
    pages, sentences = manual
    calls = []

    def counting(text: str) -> int:
        calls.append(text)
        return count_words(text)

    chunks = split_pages(pages, counting)

    assert len(calls) <= len(sentences) + 2 * len(chunks)
