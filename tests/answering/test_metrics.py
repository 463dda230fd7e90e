import math

import numpy
import pytest

from answering.metrics import (
    QuestionResult,
    bleu,
    citation_precision,
    contains_all,
    fact_conversion,
    hit_at_k,
    is_bare_marker,
    key_fact_recall,
    percentile,
    recall_at_k,
    reciprocal_rank,
    rouge_l,
    summarize,
)

MANUAL = "manual.pdf"
# Gold pages 3 and 4. Rank 1 is the right page of another document, rank 2 the wrong pages of
# the manual, rank 3 finds page 4 and rank 4 finds page 3.
RANKED = [("other.pdf", 3, 3), (MANUAL, 1, 2), (MANUAL, 4, 4), (MANUAL, 3, 3)]
GOLD = [3, 4]

# Candidate "the default is 55 degrees" (5 tokens) against the 7-token reference below.
SHORT = "The default is 55 degrees."
SHORT_REFERENCE = "The default flow temperature is 55 degrees."
# Its longest common subsequence is all 5 candidate tokens: P = 5/5, R = 5/7, F = 2PR/(P+R) = 5/6.
SHORT_ROUGE = 5 / 6
# sacrebleu's 13a tokens, lowercased: "the default is 55 degrees ." (6) against 8 reference tokens.
# Precisions 6/6, 4/5, 2/4, 1/3; brevity penalty exp(1 - 8/6).
SHORT_BLEU = math.exp(1 - 8 / 6) * (1 * 4 / 5 * 2 / 4 * 1 / 3) ** (1 / 4)

# 8 candidate tokens share only "the" with the 3-token reference.
REFUSAL = "I could not find this in the manual."
REFUSAL_REFERENCE = "Open the valves."
# LCS 1: P = 1/8, R = 1/3, F = 2 * (1/24) / (1/8 + 1/3) = 2/11.
REFUSAL_ROUGE = 2 / 11
# Only "the" and "." match and no bigram does: sacrebleu smooths the empty orders exponentially.
REFUSAL_BLEU = 0.0566979


def result(**fields) -> QuestionResult:
    defaults = dict(
        answerable=True,
        retrieved=[],
        gold_pdf=MANUAL,
        gold_pages=[1],
        answer=None,
        no_answer=None,
        reference="",
        must_contain=[],
        cited=[],
        retrieval_ms=None,
        total_ms=None,
    )
    return QuestionResult(**(defaults | fields))


def test_hit_at_k_counts_only_the_top_k_spans_of_the_gold_document():
    assert hit_at_k(RANKED, MANUAL, GOLD, k=2) is False
    assert hit_at_k(RANKED, MANUAL, GOLD, k=3) is True


def test_hit_at_k_accepts_a_span_that_contains_a_gold_page():
    assert hit_at_k([(MANUAL, 6, 8)], MANUAL, [7], k=1) is True


def test_reciprocal_rank_is_one_over_the_rank_of_the_first_hit():
    assert reciprocal_rank(RANKED, MANUAL, GOLD) == 1 / 3


def test_reciprocal_rank_is_zero_without_a_hit():
    assert reciprocal_rank([("other.pdf", 3, 3)], MANUAL, GOLD) == 0.0


def test_recall_at_k_is_the_share_of_gold_pages_found_in_the_top_k():
    assert recall_at_k(RANKED, MANUAL, GOLD, k=3) == 0.5
    assert recall_at_k(RANKED, MANUAL, GOLD, k=4) == 1.0


def test_recall_at_k_refuses_a_question_without_gold_pages():
    with pytest.raises(ValueError):
        recall_at_k(RANKED, MANUAL, [], k=3)


def test_rouge_l_is_the_f_measure_of_the_longest_common_subsequence():
    assert rouge_l(SHORT, SHORT_REFERENCE) == pytest.approx(SHORT_ROUGE)
    assert rouge_l(REFUSAL, REFUSAL_REFERENCE) == pytest.approx(REFUSAL_ROUGE)


def test_rouge_l_ignores_case_and_punctuation():
    assert rouge_l("Set P-17 to ON!", "set p-17 to on") == 1.0


def test_rouge_l_is_zero_for_an_empty_answer():
    assert rouge_l("", SHORT_REFERENCE) == 0.0


def test_bleu_is_sacrebleus_sentence_bleu_on_a_hand_checked_case():
    assert bleu(SHORT, SHORT_REFERENCE) == pytest.approx(SHORT_BLEU)
    assert bleu(REFUSAL, REFUSAL_REFERENCE) == pytest.approx(REFUSAL_BLEU, abs=1e-6)


def test_bleu_is_one_for_an_exact_answer_whatever_its_case():
    assert bleu("Set P-17 to on.", "set p-17 to on.") == pytest.approx(1.0)


def test_bleu_is_zero_without_a_shared_token():
    assert bleu("Call support", "Open the valves") == 0.0


def test_contains_all_ignores_case():
    assert contains_all("Clean the Strainer, then reset E-041.", ["strainer", "e-041"]) is True
    assert contains_all("Clean the strainer.", ["strainer", "e-041"]) is False


def test_citation_precision_is_the_share_of_citations_on_gold_pages():
    cited = [(MANUAL, 4, 4), (MANUAL, 1, 2), ("other.pdf", 3, 3)]

    assert citation_precision(cited, MANUAL, GOLD) == 1 / 3


def test_citation_precision_is_none_when_nothing_is_cited():
    assert citation_precision([], MANUAL, GOLD) is None


def test_percentile_interpolates_linearly():
    # Position (4 - 1) * 0.95 = 2.85: 30 + 0.85 * (40 - 30).
    assert percentile([40, 10, 30, 20], 95) == pytest.approx(38.5)
    assert percentile([40, 10, 30, 20], 50) == pytest.approx(25.0)


@pytest.mark.parametrize("p", [0, 10, 50, 90, 95, 99, 100])
def test_percentile_matches_numpy(p):
    values = [12.5, 3.0, 7.25, 100.0, 41.0]

    assert percentile(values, p) == pytest.approx(numpy.percentile(values, p))


def test_percentile_is_none_without_values():
    assert percentile([], 50) is None


def test_summarize_reports_hand_checked_numbers():
    records = [
        # Hit at rank 3, finds one of two gold pages in the top 3, answers exactly, one of two
        # citations on a gold page.
        result(
            retrieved=RANKED,
            gold_pages=GOLD,
            answer="Set P-17 to on.",
            no_answer=False,
            reference="Set P-17 to on.",
            must_contain=["p-17", "on"],
            cited=[(MANUAL, 4, 4), (MANUAL, 1, 2)],
            retrieval_ms=10.0,
        ),
        # Hit at rank 1, a short answer, its one citation on the gold page.
        result(
            retrieved=[(MANUAL, 6, 8)],
            gold_pages=[7],
            answer=SHORT,
            no_answer=False,
            reference=SHORT_REFERENCE,
            must_contain=["55"],
            cited=[(MANUAL, 7, 7)],
            retrieval_ms=20.0,
        ),
        # No hit, and a false refusal that cites nothing.
        result(
            retrieved=[("other.pdf", 2, 2), (MANUAL, 5, 5)],
            gold_pages=[2],
            answer=REFUSAL,
            no_answer=True,
            reference=REFUSAL_REFERENCE,
            must_contain=["valve"],
            retrieval_ms=30.0,
        ),
        # Unanswerable and rightly refused; its citation does not count.
        result(
            answerable=False,
            gold_pages=[],
            answer="No answer.",
            no_answer=True,
            cited=[(MANUAL, 9, 9)],
            retrieval_ms=40.0,
        ),
        # Unanswerable but answered anyway; retrieval time not measured.
        result(answerable=False, gold_pages=[], answer="It costs 100 euros.", no_answer=False),
    ]

    assert summarize(records, k=3) == {
        # Hits 1, 1, 0 over three answerable questions.
        "hit_at_k": 0.6667,
        # Only the second finds its page first.
        "hit_at_1": 0.3333,
        # (1/3 + 1 + 0) / 3 = 4/9.
        "mrr": 0.4444,
        # (1/2 + 1 + 0) / 3.
        "recall_at_k": 0.5,
        # One of two unanswerable questions refused.
        "no_answer_accuracy": 0.5,
        # One of three answerable questions refused.
        "false_refusal_rate": 0.3333,
        # Every key string of the first two, none of the refusal's.
        "key_fact_recall": 0.6667,
        # The refusal lacks "valve".
        "must_contain_rate": 0.6667,
        # No record says what its model was given.
        "facts_in_prompt": None,
        "fact_conversion": None,
        # No record says how its generation stopped, so none counts as generated.
        "bare_marker_rate": None,
        "looping_rate": None,
        # (1 + 5/6 + 2/11) / 3 = 133/198 = 0.67171...
        "rouge_l": 0.6717,
        # (1 + SHORT_BLEU + REFUSAL_BLEU) / 3 = (1 + 0.4330 + 0.0567) / 3.
        "bleu": 0.4966,
        # (1/2 + 1) / 2; the refusal cited nothing.
        "citation_precision": 0.75,
        # No record counted its tokens.
        "tokens_per_answer": None,
        # Over 10, 20, 30 and 40 ms, as in test_percentile_interpolates_linearly.
        "prompt_tokens_p50": None,
        "retrieval_ms_p50": 25.0,
        "retrieval_ms_p95": 38.5,
        "ttft_ms_p50": None,
        "ttft_ms_p95": None,
        "total_ms_p50": None,
        "total_ms_p95": None,
        "n": 5,
    }


def test_fact_conversion_separates_what_the_prompt_lost_from_what_the_answer_lost():
    records = [
        # Both key strings given, one stated.
        result(answer="Set P-17.", must_contain=["p-17", "on"], given="[1] Set P-17 to On."),
        # One of two given, and stated; the other stated too, from nowhere, and not counted.
        result(answer="Open the valve at 55 bar.", must_contain=["valve", "55"], given="[1] the valve"),
        # Refused before the model: given nothing.
        result(answer="No answer.", no_answer=True, must_contain=["drain"], given=""),
        # Unanswerable, and a question without a recorded prompt: neither counts.
        result(answerable=False, gold_pages=[], answer="No.", given="valve"),
        result(answer="valve", must_contain=["valve"]),
    ]

    assert fact_conversion(records) == (3 / 5, 2 / 3)


def test_fact_conversion_is_none_without_key_strings_given():
    assert fact_conversion([result(answer="x", must_contain=["y"], given="")]) == (0.0, None)
    assert fact_conversion([]) == (None, None)


def test_summarize_without_answerable_questions_leaves_their_metrics_empty():
    records = [result(answerable=False, gold_pages=[], answer="No answer.", no_answer=True, total_ms=900.0)]

    summary = summarize(records, k=5)

    assert summary["no_answer_accuracy"] == 1.0
    assert summary["total_ms_p50"] == 900.0
    for name in (
        "hit_at_k",
        "hit_at_1",
        "mrr",
        "recall_at_k",
        "false_refusal_rate",
        "must_contain_rate",
        "rouge_l",
        "bleu",
    ):
        assert summary[name] is None


def test_summarize_without_generation_reports_retrieval_only():
    records = [result(retrieved=[(MANUAL, 1, 1)], retrieval_ms=12.0), result(answerable=False, gold_pages=[])]

    summary = summarize(records, k=5)

    assert summary["hit_at_k"] == 1.0
    for name in (
        "no_answer_accuracy",
        "false_refusal_rate",
        "must_contain_rate",
        "rouge_l",
        "bleu",
        "citation_precision",
    ):
        assert summary[name] is None


def test_summarize_without_citations_has_no_citation_precision():
    records = [result(retrieved=[(MANUAL, 1, 1)], answer="Page one.", no_answer=False, reference="Page one.")]

    assert summarize(records, k=5)["citation_precision"] is None


def test_key_fact_recall_gives_credit_for_some_of_the_facts():
    assert key_fact_recall("Use set datafile separator.", ["set datafile separator", "comma"]) == 0.5
    assert key_fact_recall("Use SET DATAFILE SEPARATOR COMMA.", ["set datafile separator", "comma"]) == 1.0
    assert key_fact_recall("Anything.", []) is None


@pytest.mark.parametrize("answer", ["[2]", " [1][3]. ", "[2]."])
def test_an_answer_of_markers_alone_is_a_bare_marker(answer):
    assert is_bare_marker(answer)


@pytest.mark.parametrize("answer", ["Use --bwlimit [2].", "", "UNANSWERABLE"])
def test_an_answer_with_words_is_not_a_bare_marker(answer):
    assert not is_bare_marker(answer)


def test_summarize_counts_bare_marker_and_looping_answers_among_generated_ones():
    records = [
        result(answer="[2]", no_answer=False, must_contain=["x"], stop_reason="finished"),
        result(answer="Use x [1].", no_answer=False, must_contain=["x"], stop_reason="repetition", ttft_ms=100.0),
        result(answer="Use x [1].", no_answer=False, must_contain=["x"], stop_reason="finished", ttft_ms=300.0),
        result(answer="Use y [1].", no_answer=False, must_contain=["x"], stop_reason="length", ttft_ms=200.0),
    ]

    summary = summarize(records, k=5)

    assert summary["bare_marker_rate"] == 0.25
    assert summary["looping_rate"] == 0.25
    assert summary["key_fact_recall"] == 0.5
    assert summary["ttft_ms_p50"] == 200.0
