"""The two real-manual question sets are what they claim: gold pages that state the facts, paraphrased questions.

Every check runs on the dev set (``real_questions.jsonl``) and on the held-out set
(``heldout_questions.jsonl``); they check the data, never the app's answers to it.
"""

import gzip
import json
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from evaluation import real_manuals
from evaluation.real_manuals import (
    HELDOUT_MANUALS,
    HELDOUT_QUESTIONS,
    MANUALS,
    REAL_QUESTIONS,
    ManualChanged,
    ManualsMissing,
    RealManual,
    write_real_manuals,
)
from ingestion.parse import parse_file

FIELDS = {"id", "question", "pdf", "gold_pages", "answerable", "must_contain", "answer", "style", "evidence"}
# A question sharing this many consecutive words with its manual was copied, not paraphrased.
COPIED_WORDS = 6


@dataclass(frozen=True)
class QuestionSet:
    manuals: list[RealManual]
    path: Path
    # For each unanswerable question, the manual it is about and words that would answer it if that manual used them.
    absent_terms: dict[str, tuple[str, list[str]]]
    min_questions: int
    min_per_manual: int
    # The share of questions the manuals do not cover.
    unanswerable_share: tuple[float, float]

    @property
    def questions(self) -> list[dict]:
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines()]

    @property
    def answerable(self) -> list[dict]:
        return [question for question in self.questions if question["answerable"]]

    @property
    def names(self) -> set[str]:
        return {manual.name for manual in self.manuals}


SETS = {
    "dev": QuestionSet(
        MANUALS,
        REAL_QUESTIONS,
        {
            "r73": ("gnuplot.pdf", ["xlsx", "excel"]),
            "r74": ("gnuplot.pdf", ["gpu", "opengl"]),
            "r75": ("gnuplot.pdf", ["jupyter", "notebook"]),
            "r76": ("drbd-users-guide.pdf", ["tls", "ssl", "encrypt", "encryption"]),
            "r77": ("drbd-users-guide.pdf", ["windows"]),
            "r78": ("drbd-users-guide.pdf", ["kubernetes", "docker"]),
            "r79": ("gutenprint-users-manual.pdf", ["waste"]),
            "r80": ("gutenprint-users-manual.pdf", ["airprint", "iphone", "ios"]),
            "r81": ("gutenprint-users-manual.pdf", ["wi-fi", "wifi", "wireless"]),
        },
        min_questions=60,
        min_per_manual=15,
        unanswerable_share=(0.1, 0.2),
    ),
    "heldout": QuestionSet(
        HELDOUT_MANUALS,
        HELDOUT_QUESTIONS,
        {
            "k05": ("krb5-admin.pdf", ["snmp", "prometheus"]),
            "k11": ("krb5-admin.pdf", ["selinux"]),
            "k16": ("krb5-admin.pdf", ["docker", "kubernetes"]),
            "a05": ("R-admin.pdf", ["anaconda", "miniconda", "conda-forge"]),
            "a16": ("R-admin.pdf", ["rstudio", "rserver"]),
            "b05": ("bashref.pdf", ["syslog", "rsyslog", "logger"]),
            "b11": ("bashref.pdf", ["chsh", "usermod", "passwd"]),
            "b16": ("bashref.pdf", ["shellshock", "cve-2014-6271", "cve"]),
        },
        min_questions=40,
        min_per_manual=12,
        unanswerable_share=(0.12, 0.2),
    ),
}


def normalized(text: str) -> str:
    return " ".join(text.split()).casefold()


def word_runs(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.casefold())
    return {tuple(words[start : start + COPIED_WORDS]) for start in range(len(words) - COPIED_WORDS + 1)}


@pytest.fixture(scope="module", params=sorted(SETS))
def question_set(request):
    chosen = SETS[request.param]
    if real_manuals.missing_manuals(chosen.manuals):
        pytest.skip(
            f"the {request.param} set's Debian packages are not installed; run: "
            f"{real_manuals.install_command(chosen.manuals)}"
        )
    return chosen


@pytest.fixture(scope="module")
def manual_dir(question_set, tmp_path_factory):
    path = tmp_path_factory.mktemp("real-manuals")
    write_real_manuals(path, question_set.manuals)
    return path


@pytest.fixture(scope="module")
def pages(question_set, manual_dir):
    """Each manual's pages as pypdf extracts them, whitespace-normalised and case-folded."""
    return {
        name: [normalized(page.extract_text()) for page in PdfReader(manual_dir / name).pages]
        for name in question_set.names
    }


def gold_text(question: dict, pages) -> str:
    return " ".join(pages[question["pdf"]][number - 1] for number in question["gold_pages"])


def test_the_dev_set_has_enough_questions_with_unique_sequential_ids():
    questions = SETS["dev"].questions

    assert [question["id"] for question in questions] == [f"r{number:02d}" for number in range(1, len(questions) + 1)]


def test_it_has_enough_questions_with_unique_ids(question_set):
    ids = [question["id"] for question in question_set.questions]

    assert len(ids) >= question_set.min_questions
    assert len(set(ids)) == len(ids)


def test_a_share_of_the_questions_are_unanswerable(question_set):
    share = 1 - len(question_set.answerable) / len(question_set.questions)
    low, high = question_set.unanswerable_share

    assert low <= share <= high


def test_questions_spread_over_at_least_three_manuals(question_set):
    per_manual = Counter(question["pdf"] for question in question_set.answerable)

    assert set(per_manual) == question_set.names
    assert len(per_manual) >= 3
    assert min(per_manual.values()) >= question_set.min_per_manual


def test_the_held_out_manuals_are_none_of_the_dev_sets():
    assert not {manual.package for manual in HELDOUT_MANUALS} & {manual.package for manual in MANUALS}


def test_most_questions_are_paraphrased(question_set):
    questions = question_set.questions
    paraphrased = sum(question["style"] == "paraphrase" for question in questions)

    assert paraphrased / len(questions) >= 0.6


def test_every_question_has_the_documented_fields(question_set):
    for question in question_set.questions:
        assert set(question) == FIELDS, question["id"]
        assert question["style"] in {"keyword", "paraphrase"}, question["id"]
        assert isinstance(question["answerable"], bool), question["id"]
        assert question["question"].strip() and question["answer"].strip(), question["id"]


def test_answerable_questions_name_a_built_manual_and_pages_inside_it(question_set):
    page_counts = {manual.name: manual.pages for manual in question_set.manuals}
    for question in question_set.answerable:
        assert question["pdf"] in question_set.names, question["id"]
        assert question["gold_pages"] == sorted(set(question["gold_pages"])), question["id"]
        assert question["gold_pages"], question["id"]
        assert all(1 <= number <= page_counts[question["pdf"]] for number in question["gold_pages"]), question["id"]


def test_unanswerable_questions_have_no_gold_data(question_set):
    for question in question_set.questions:
        if not question["answerable"]:
            assert question["pdf"] == "", question["id"]
            assert question["gold_pages"] == question["must_contain"] == question["evidence"] == [], question["id"]


def test_must_contain_strings_are_few_lowercase_and_stated_on_the_gold_pages(question_set, pages):
    for question in question_set.answerable:
        assert 1 <= len(question["must_contain"]) <= 3, question["id"]
        for text in question["must_contain"]:
            assert text == text.lower(), question["id"]
            assert text in gold_text(question, pages), (question["id"], text)


def test_every_evidence_phrase_is_on_a_gold_page_and_every_gold_page_has_one(question_set, pages):
    for question in question_set.answerable:
        evidence = [normalized(phrase) for phrase in question["evidence"]]
        assert 1 <= len(evidence) <= len(question["gold_pages"]) + 1, question["id"]
        for phrase in evidence:
            assert phrase in gold_text(question, pages), (question["id"], phrase)
        for number in question["gold_pages"]:
            page = pages[question["pdf"]][number - 1]
            assert any(phrase in page for phrase in evidence), (question["id"], number)


def test_the_manuals_never_mention_what_unanswerable_questions_ask_about(question_set, pages):
    unanswerable = {question["id"] for question in question_set.questions if not question["answerable"]}

    assert set(question_set.absent_terms) == unanswerable
    for question_id, (name, terms) in question_set.absent_terms.items():
        manual = " ".join(pages[name])
        for term in terms:
            assert not re.search(rf"\b{re.escape(term)}\b", manual), (question_id, term)


def test_questions_paraphrase_rather_than_copy_the_manual(question_set, pages):
    runs = {name: set().union(*(word_runs(page) for page in texts)) for name, texts in pages.items()}

    for question in question_set.questions:
        if question["style"] == "paraphrase" and question["answerable"]:
            assert not word_runs(question["question"]) & runs[question["pdf"]], question["id"]


def test_the_app_finds_every_gold_fact_on_its_gold_page(question_set, manual_dir):
    parsed = {
        name: [normalized(page.text) for page in parse_file(manual_dir / name, "pdf")] for name in question_set.names
    }

    for question in question_set.answerable:
        text = gold_text(question, parsed)
        for phrase in question["evidence"]:
            assert normalized(phrase) in text, (question["id"], phrase)
        for key in question["must_contain"]:
            assert key in text, (question["id"], key)


def test_it_writes_every_manual_with_its_pinned_hash(question_set, manual_dir):
    assert sorted(path.name for path in manual_dir.iterdir()) == sorted(question_set.names)
    for manual in question_set.manuals:
        assert len(PdfReader(manual_dir / manual.name).pages) == manual.pages


def test_it_decompresses_gzipped_manuals(question_set, manual_dir):
    gzipped = [manual for manual in question_set.manuals if manual.path.endswith(".gz")]

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

    assert capsys.readouterr().out.split() == [manual.package for manual in [*MANUALS, *HELDOUT_MANUALS]]
