"""A found section that points to the section on its own subject yields its place to it."""

from answering.references import REFERENCE_DEPTH, follow_references, heading_of, referenced_sections, same_topic
from answering.retrieve import ChunkSource, Hit
from ingestion.types import SECTION_SEPARATOR


def path(*headings):
    return SECTION_SEPARATOR.join(headings)


OVERVIEW = path("Introduction", "Chapter 2. Features", "2.8. Replication traffic integrity checking")
CONFIGURING = path(
    "Working with DRBD", "Chapter 5. Common tasks", "5.14. Configuring replication traffic integrity checking"
)
FAILURE = path("Working with DRBD", "Chapter 6. Troubleshooting", "6.1. Dealing with hard drive failure")
META_DATA = path("Internals", "Chapter 16. DRBD Internals", "16.1. DRBD meta data")
RATE = path("Working with DRBD", "Chapter 5. Common tasks", "5.10. Configuring the rate of synchronization")
RATE_SHORT = path("Working with DRBD", "Chapter 5. Common tasks", "5.9. Configuring the rate")
OTHER = path("Working with DRBD", "Chapter 5. Common tasks", "5.2. Checking resource status")

TEXTS = {
    OVERVIEW: "DRBD checks messages with digests.\nSee Configuring replication traffic\nintegrity checking for how.",
    CONFIGURING: "Add data-integrity-alg to the net section.",
    FAILURE: "Replace the disk. See DRBD meta data for where the meta data lives.",
    META_DATA: "Meta data sits at the end of the device.",
    RATE: "Set resync-rate in the disk section.",
    OTHER: "Run drbdadm status.",
}
DOCUMENT = 1


class Sections:
    """The sections above, as a manual's chunks store them; each section's first chunk is ``<section>-first``."""

    def __init__(self, score=0.5):
        self.score = score
        self.entries_asked = []

    def section_text(self, document_id, section):
        return TEXTS[section]

    def sections(self, document_id):
        return list(TEXTS)

    def entry(self, document_id, section, like):
        self.entries_asked.append(section)
        hit = Hit(f"{section}-first", self.score, like.collection, document_id, 99, 55, 55)
        return hit, ChunkSource(TEXTS[section], "DRBD guide", "drbd.pdf", section)


def ranked(*sections):
    hits = [Hit(f"h{n}", 0.8 - n / 100, "c", DOCUMENT, n, n + 10, n + 10) for n, _ in enumerate(sections)]
    sources = {
        hit.vector_id: ChunkSource(TEXTS[s], "DRBD guide", "drbd.pdf", s) for hit, s in zip(hits, sections, strict=True)
    }
    return hits, sources


def sections_in_order(hits, sources):
    return [sources[hit.vector_id].section for hit in hits]


def test_heading_of_drops_the_path_and_the_number():
    assert heading_of(CONFIGURING) == "Configuring replication traffic integrity checking"
    assert heading_of(path("Guide", "Chapter 2. DRBD Features")) == "DRBD Features"
    assert heading_of(path("Guide", "A.1. Upgrading")) == "Upgrading"
    assert heading_of(path("Guide", "A quick start")) == "A quick start"


def test_a_pointer_is_read_across_a_line_break():
    assert referenced_sections(TEXTS[OVERVIEW], TEXTS) == [CONFIGURING]


def test_the_longest_heading_a_pointer_names_wins():
    text = "See Configuring the rate of synchronization for details."
    assert referenced_sections(text, [RATE_SHORT, RATE]) == [RATE]


def test_a_heading_must_end_where_a_word_ends():
    assert referenced_sections("See Configuring the rates table.", [RATE_SHORT]) == []


def test_short_headings_are_not_taken_for_pointers():
    assert referenced_sections("See plot for more.", [path("Commands", "Plot")]) == []


def test_headings_share_a_subject_when_they_share_a_word_other_than_a_verb():
    assert same_topic(OVERVIEW, CONFIGURING)
    assert not same_topic(FAILURE, META_DATA)
    assert not same_topic(RATE, path("Guide", "Configuring the network"))


def test_a_later_hit_in_the_pointed_to_section_moves_before_the_pointer():
    hits, sources = ranked(OVERVIEW, CONFIGURING, OTHER)

    followed = follow_references(hits, sources, Sections(), top_k=3)

    assert sections_in_order(followed, sources) == [CONFIGURING, OVERVIEW, OTHER]


def test_a_pointer_to_another_subject_moves_nothing():
    hits, sources = ranked(FAILURE, OTHER, META_DATA)
    sections = Sections()

    followed = follow_references(hits, sources, sections, top_k=3)

    assert followed == hits
    assert sections.entries_asked == []


def test_a_pointed_to_section_search_missed_comes_in_after_the_pointer():
    hits, sources = ranked(OVERVIEW, OTHER, RATE)

    followed = follow_references(hits, sources, Sections(score=0.61), top_k=3)

    assert sections_in_order(followed, sources) == [OVERVIEW, CONFIGURING, OTHER]
    assert (followed[1].vector_id, followed[1].score) == (f"{CONFIGURING}-first", 0.61)
    assert sources[followed[1].vector_id].text == TEXTS[CONFIGURING]


def test_only_the_first_hits_pointers_are_followed():
    hits, sources = ranked(*[OTHER] * REFERENCE_DEPTH, OVERVIEW, CONFIGURING)
    sections = Sections()

    followed = follow_references(hits, sources, sections, top_k=len(hits))

    assert followed == hits
    assert sections.entries_asked == []


def test_a_hit_in_another_manual_is_not_taken_for_the_pointed_to_section():
    hits, sources = ranked(OVERVIEW, OTHER, CONFIGURING)
    hits[2] = Hit(hits[2].vector_id, hits[2].score, "c", DOCUMENT + 1, 2, 12, 12)

    followed = follow_references(hits, sources, Sections(), top_k=3)

    assert [hit.vector_id for hit in followed] == ["h0", f"{CONFIGURING}-first", "h1"]
