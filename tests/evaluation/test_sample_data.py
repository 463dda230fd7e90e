import json
import re

import pytest

from evaluation import SAMPLE_QUESTIONS, sample_manual
from evaluation.sample_manual import MANUAL_NAME, PAGES, write_sample_manual
from ingestion.parse import parse_file

FIELDS = {"id", "question", "pdf", "gold_pages", "answerable", "must_contain", "answer", "style", "evidence"}
# Words that would answer an unanswerable question if the manual used them.
ABSENT_TERMS = {
    "u01": ["bacnet"],
    "u02": ["homekit", "siri"],
    "u03": ["price", "nok", "eur", "euro"],
    "u04": ["app", "iphone", "android"],
    "u05": ["cooling"],
    "u06": ["tcp"],
    "u07": ["e-099"],
    "u08": ["cascade"],
    "u09": ["r32", "r290", "r410a"],
    "u10": ["zigbee"],
    "u11": ["solar"],
}
# A question sharing this many consecutive words with the manual was copied, not paraphrased.
COPIED_WORDS = 6

QUESTIONS = [json.loads(line) for line in SAMPLE_QUESTIONS.read_text(encoding="utf-8").splitlines()]
ANSWERABLE = [question for question in QUESTIONS if question["answerable"]]


def normalized(text: str) -> str:
    return " ".join(text.split()).casefold()


def gold_text(question: dict, pages) -> str:
    return " ".join(normalized(pages[number - 1]) for number in question["gold_pages"])


def word_runs(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.casefold())
    return {tuple(words[start : start + COPIED_WORDS]) for start in range(len(words) - COPIED_WORDS + 1)}


@pytest.fixture(scope="module")
def manual_pdf(tmp_path_factory):
    path = tmp_path_factory.mktemp("manual") / MANUAL_NAME
    write_sample_manual(path)
    return path


@pytest.fixture(scope="module")
def parsed_pages(manual_pdf):
    return [page.text for page in parse_file(manual_pdf, "pdf")]


def test_it_has_enough_questions_with_unique_ids():
    assert len(QUESTIONS) >= 45
    assert len(QUESTIONS) - len(ANSWERABLE) >= 10
    assert len({question["id"] for question in QUESTIONS}) == len(QUESTIONS)


def test_every_question_has_the_documented_fields_and_names_the_manual():
    for question in QUESTIONS:
        assert set(question) == FIELDS, question["id"]
        assert question["pdf"] == MANUAL_NAME
        assert question["style"] in {"keyword", "paraphrase"}


def test_answerable_questions_have_gold_pages_in_the_manual():
    for question in ANSWERABLE:
        assert question["gold_pages"], question["id"]
        assert all(1 <= number <= len(PAGES) for number in question["gold_pages"]), question["id"]


def test_unanswerable_questions_have_no_gold_data():
    for question in QUESTIONS:
        if not question["answerable"]:
            assert question["gold_pages"] == question["must_contain"] == question["evidence"] == [], question["id"]


def test_must_contain_strings_are_lowercase_and_stated_on_the_gold_pages():
    for question in ANSWERABLE:
        assert question["must_contain"], question["id"]
        for text in question["must_contain"]:
            assert text == text.lower(), question["id"]
            assert text in gold_text(question, PAGES), (question["id"], text)


def test_reference_answers_contain_their_must_contain_strings():
    for question in ANSWERABLE:
        for text in question["must_contain"]:
            assert text in question["answer"].lower(), (question["id"], text)


def test_every_evidence_phrase_is_on_a_gold_page_and_every_gold_page_has_one():
    for question in ANSWERABLE:
        evidence = [normalized(phrase) for phrase in question["evidence"]]
        assert all(phrase in gold_text(question, PAGES) for phrase in evidence), question["id"]
        for number in question["gold_pages"]:
            page = normalized(PAGES[number - 1])
            assert any(phrase in page for phrase in evidence), (question["id"], number)


def test_the_manual_never_mentions_what_unanswerable_questions_ask_about():
    manual = normalized(" ".join(PAGES))
    unanswerable = {question["id"] for question in QUESTIONS if not question["answerable"]}

    assert set(ABSENT_TERMS) == unanswerable
    for question_id, terms in ABSENT_TERMS.items():
        for term in terms:
            assert not re.search(rf"\b{re.escape(term)}\b", manual), (question_id, term)


def test_questions_paraphrase_rather_than_copy_the_manual():
    manual = set().union(*(word_runs(page) for page in PAGES))

    for question in QUESTIONS:
        assert not word_runs(question["question"]) & manual, question["id"]


def test_the_pdf_has_one_page_per_page_of_text(parsed_pages):
    assert len(parsed_pages) == len(PAGES)


def test_the_app_reads_each_page_as_written_without_header_or_footer(parsed_pages):
    assert [normalized(text) for text in parsed_pages] == [normalized(text) for text in PAGES]


def test_the_app_finds_every_gold_fact_on_its_gold_page(parsed_pages):
    for question in ANSWERABLE:
        for phrase in question["evidence"]:
            assert normalized(phrase) in gold_text(question, parsed_pages), (question["id"], phrase)
        for text in question["must_contain"]:
            assert text in gold_text(question, parsed_pages), (question["id"], text)


def test_the_pdf_is_the_same_bytes_every_time(manual_pdf, tmp_path):
    again = tmp_path / MANUAL_NAME
    write_sample_manual(again)

    assert again.read_bytes() == manual_pdf.read_bytes()


def test_it_refuses_a_page_too_long_to_fit(monkeypatch, tmp_path):
    monkeypatch.setattr(sample_manual, "PAGES", (PAGES[0], "Overflow\n\n" + "A long line of text.\n" * 60))

    with pytest.raises(RuntimeError, match="Page 2"):
        write_sample_manual(tmp_path / MANUAL_NAME)
