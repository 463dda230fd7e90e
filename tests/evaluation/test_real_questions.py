import gzip
import json
import re
from collections import Counter
from dataclasses import replace

import pytest
from pypdf import PdfReader

from evaluation import real_manuals
from evaluation.real_manuals import MANUALS, REAL_QUESTIONS, ManualChanged, ManualsMissing, write_real_manuals
from ingestion.parse import parse_file

if real_manuals.missing_manuals():
    pytest.skip(
        f"the real manuals' Debian packages are not installed; run: {real_manuals.install_command()}",
        allow_module_level=True,
    )

FIELDS = {"id", "question", "pdf", "gold_pages", "answerable", "must_contain", "answer", "style", "evidence"}
# For each unanswerable question, the manual it is about and words that would answer it if that manual used them.
ABSENT_TERMS = {
    "r73": ("gnuplot.pdf", ["xlsx", "excel"]),
    "r74": ("gnuplot.pdf", ["gpu", "opengl"]),
    "r75": ("gnuplot.pdf", ["jupyter", "notebook"]),
    "r76": ("drbd-users-guide.pdf", ["tls", "ssl", "encrypt", "encryption"]),
    "r77": ("drbd-users-guide.pdf", ["windows"]),
    "r78": ("drbd-users-guide.pdf", ["kubernetes", "docker"]),
    "r79": ("gutenprint-users-manual.pdf", ["waste"]),
    "r80": ("gutenprint-users-manual.pdf", ["airprint", "iphone", "ios"]),
    "r81": ("gutenprint-users-manual.pdf", ["wi-fi", "wifi", "wireless"]),
}
# A question sharing this many consecutive words with its manual was copied, not paraphrased.
COPIED_WORDS = 6

QUESTIONS = [json.loads(line) for line in REAL_QUESTIONS.read_text(encoding="utf-8").splitlines()]
ANSWERABLE = [question for question in QUESTIONS if question["answerable"]]
NAMES = {manual.name for manual in MANUALS}


def normalized(text: str) -> str:
    return " ".join(text.split()).casefold()


def word_runs(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.casefold())
    return {tuple(words[start : start + COPIED_WORDS]) for start in range(len(words) - COPIED_WORDS + 1)}


@pytest.fixture(scope="module")
def manual_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("real-manuals")
    write_real_manuals(path)
    return path


@pytest.fixture(scope="module")
def pages(manual_dir):
    """Each manual's pages as pypdf extracts them, whitespace-normalised and case-folded."""
    return {name: [normalized(page.extract_text()) for page in PdfReader(manual_dir / name).pages] for name in NAMES}


def gold_text(question: dict, pages) -> str:
    return " ".join(pages[question["pdf"]][number - 1] for number in question["gold_pages"])


def test_it_has_enough_questions_with_unique_sequential_ids():
    assert len(QUESTIONS) >= 60
    assert [question["id"] for question in QUESTIONS] == [f"r{number:02d}" for number in range(1, len(QUESTIONS) + 1)]


def test_at_least_a_tenth_of_the_questions_are_unanswerable():
    assert len(QUESTIONS) - len(ANSWERABLE) >= 0.1 * len(QUESTIONS)


def test_questions_spread_over_at_least_three_manuals_with_fifteen_each():
    per_manual = Counter(question["pdf"] for question in ANSWERABLE)

    assert set(per_manual) == NAMES
    assert len(per_manual) >= 3
    assert min(per_manual.values()) >= 15


def test_most_questions_are_paraphrased():
    paraphrased = sum(question["style"] == "paraphrase" for question in QUESTIONS)

    assert paraphrased / len(QUESTIONS) >= 0.6


def test_every_question_has_the_documented_fields():
    for question in QUESTIONS:
        assert set(question) == FIELDS, question["id"]
        assert question["style"] in {"keyword", "paraphrase"}, question["id"]
        assert isinstance(question["answerable"], bool), question["id"]
        assert question["question"].strip() and question["answer"].strip(), question["id"]


def test_answerable_questions_name_a_built_manual_and_pages_inside_it():
    page_counts = {manual.name: manual.pages for manual in MANUALS}
    for question in ANSWERABLE:
        assert question["pdf"] in NAMES, question["id"]
        assert question["gold_pages"] == sorted(set(question["gold_pages"])), question["id"]
        assert question["gold_pages"], question["id"]
        assert all(1 <= number <= page_counts[question["pdf"]] for number in question["gold_pages"]), question["id"]


def test_unanswerable_questions_have_no_gold_data():
    for question in QUESTIONS:
        if not question["answerable"]:
            assert question["pdf"] == "", question["id"]
            assert question["gold_pages"] == question["must_contain"] == question["evidence"] == [], question["id"]


def test_must_contain_strings_are_few_lowercase_and_stated_on_the_gold_pages(pages):
    for question in ANSWERABLE:
        assert 1 <= len(question["must_contain"]) <= 3, question["id"]
        for text in question["must_contain"]:
            assert text == text.lower(), question["id"]
            assert text in gold_text(question, pages), (question["id"], text)


def test_reference_answers_contain_their_must_contain_strings():
    for question in ANSWERABLE:
        for text in question["must_contain"]:
            assert text in question["answer"].lower(), (question["id"], text)


def test_every_evidence_phrase_is_on_a_gold_page_and_every_gold_page_has_one(pages):
    for question in ANSWERABLE:
        evidence = [normalized(phrase) for phrase in question["evidence"]]
        assert 1 <= len(evidence) <= len(question["gold_pages"]) + 1, question["id"]
        for phrase in evidence:
            assert phrase in gold_text(question, pages), (question["id"], phrase)
        for number in question["gold_pages"]:
            page = pages[question["pdf"]][number - 1]
            assert any(phrase in page for phrase in evidence), (question["id"], number)


def test_the_manuals_never_mention_what_unanswerable_questions_ask_about(pages):
    unanswerable = {question["id"] for question in QUESTIONS if not question["answerable"]}

    assert set(ABSENT_TERMS) == unanswerable
    for question_id, (name, terms) in ABSENT_TERMS.items():
        manual = " ".join(pages[name])
        for term in terms:
            assert not re.search(rf"\b{re.escape(term)}\b", manual), (question_id, term)


def test_questions_paraphrase_rather_than_copy_the_manual(pages):
    runs = {name: set().union(*(word_runs(page) for page in texts)) for name, texts in pages.items()}

    for question in QUESTIONS:
        if question["style"] == "paraphrase" and question["answerable"]:
            assert not word_runs(question["question"]) & runs[question["pdf"]], question["id"]


def test_the_app_finds_every_gold_fact_on_its_gold_page(manual_dir):
    parsed = {name: [normalized(page.text) for page in parse_file(manual_dir / name, "pdf")] for name in NAMES}

    for question in ANSWERABLE:
        text = gold_text(question, parsed)
        for phrase in question["evidence"]:
            assert normalized(phrase) in text, (question["id"], phrase)
        for key in question["must_contain"]:
            assert key in text, (question["id"], key)


def test_it_writes_every_manual_with_its_pinned_hash(manual_dir):
    assert sorted(path.name for path in manual_dir.iterdir()) == sorted(NAMES)
    for manual in MANUALS:
        assert len(PdfReader(manual_dir / manual.name).pages) == manual.pages


def test_it_decompresses_gzipped_manuals(manual_dir):
    gzipped = [manual for manual in MANUALS if manual.path.endswith(".gz")]

    assert gzipped
    for manual in gzipped:
        assert (manual_dir / manual.name).read_bytes() == gzip.decompress(manual.source.read_bytes())


def test_it_refuses_a_manual_whose_hash_changed(monkeypatch, tmp_path):
    changed = replace(MANUALS[0], sha256="0" * 64)
    monkeypatch.setattr(real_manuals, "MANUALS", [changed])

    with pytest.raises(ManualChanged, match=re.escape(changed.version)):
        write_real_manuals(tmp_path)


def test_it_names_the_apt_get_command_when_a_package_is_missing(monkeypatch, tmp_path):
    missing = replace(MANUALS[0], package="example-doc", path=str(tmp_path / "absent.pdf"))
    monkeypatch.setattr(real_manuals, "MANUALS", [missing])

    with pytest.raises(ManualsMissing, match="apt-get install --no-install-recommends example-doc"):
        write_real_manuals(tmp_path / "out")
    assert real_manuals.main([str(tmp_path / "out")]) == 1


def test_the_script_prints_the_packages_for_ci(capsys):
    assert real_manuals.main(["--packages"]) == 0

    assert capsys.readouterr().out.split() == [manual.package for manual in MANUALS]
