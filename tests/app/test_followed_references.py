"""Retrieval puts the section a found overview points to ("See Configuring ...") before the overview."""

import pytest

from rag_app.chat.retrieval import retrieve
from rag_app.documents.models import Chunk, Collection
from tests.app.conftest import ingest_now
from tests.pdfs import make_pdf

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUESTION = "Which setting turns on replication traffic integrity checking?"
PAGES = [
    "2.1 Replication traffic integrity checking\n"
    "Replication traffic integrity checking verifies replication traffic between the nodes. With replication "
    "traffic integrity checking on, every replicated block travels with a digest the peer checks. "
    "See Configuring replication traffic integrity checking for how to turn it on.",
    "2.2 Integrity of replicated data after a crash\nAfter a crash, the nodes check the integrity of the replicated "
    "data: replication traffic resumes once every block is checked.",
    "2.3 Split brain notification\nThe nodes report a split brain to the administrator by mail.",
    "5.1 Configuring replication traffic integrity checking\n"
    "Add data-integrity-alg sha1 to the net section of the resource file, then run drbdadm adjust.",
    "5.2 Resizing resources\nGrow the backing device first, then run drbdadm resize.",
]


@pytest.fixture
def guide(chroma_server, tmp_path):
    path = make_pdf(tmp_path / "replication-guide.pdf", PAGES)
    return ingest_now(Collection.objects.create(name="Replication"), path)


def first_pages(guide, settings, follow: bool) -> list[int]:
    settings.RETRIEVAL_FOLLOW_REFERENCES = follow
    return [hit.page_start for hit in retrieve(QUESTION, [guide.collection], 1000, len).hits]


def test_the_section_an_overview_points_to_goes_before_it(guide, settings):
    sections = set(Chunk.objects.filter(document=guide).values_list("section", flat=True))
    assert any(section.endswith("5.1 Configuring replication traffic integrity checking") for section in sections)

    # Search alone ranks the overview first: it repeats the question's words.
    searched = first_pages(guide, settings, follow=False)
    assert searched[0] == 1 and 4 in searched

    followed = first_pages(guide, settings, follow=True)
    assert followed[:2] == [4, 1]


def test_a_pointed_to_section_search_left_out_comes_in_after_the_overview_with_its_own_score(guide, settings):
    settings.RETRIEVAL_FOLLOW_REFERENCES = False
    scores = {hit.page_start: hit.score for hit in retrieve(QUESTION, [guide.collection], 1000, len).hits}
    settings.RETRIEVAL_TOP_K = 2
    assert first_pages(guide, settings, follow=False) == [1, 2]

    settings.RETRIEVAL_FOLLOW_REFERENCES = True
    found = retrieve(QUESTION, [guide.collection], 1000, len)

    assert [(hit.page_start, hit.score) for hit in found.hits] == [(1, scores[1]), (4, pytest.approx(scores[4]))]
    assert "data-integrity-alg" in found.passages[1].text
