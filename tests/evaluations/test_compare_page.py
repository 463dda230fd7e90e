"""The comparison of approaches: queued runs, the side-by-side table and its plain-words verdict."""

import pytest
from django.urls import reverse

from rag_app.documents.models import Collection
from rag_app.evaluations import comparison
from rag_app.evaluations.models import EvaluationRun, QuestionSet
from tests.evaluations.conftest import PUMP_QUESTIONS

pytestmark = pytest.mark.django_db


@pytest.fixture
def question_set():
    collection = Collection.objects.create(name="Aquaflow P-400")
    return QuestionSet.objects.create(collection=collection, name="pump.jsonl", questions=PUMP_QUESTIONS)


def _done(question_set, mode, **metrics):
    return EvaluationRun.objects.create(
        question_set=question_set,
        collection=question_set.collection,
        mode=mode,
        status=EvaluationRun.Status.DONE,
        metrics={"n": 3, **metrics},
    )


def test_a_comparison_queues_every_approach_but_the_adapter_when_none_is_attached(question_set):
    runs = comparison.start_comparison(question_set)

    assert [run.mode for run in runs] == ["prompt-only", "rag:zero-shot", "rag:few-shot", "rag:chain-of-thought"]
    assert all(run.status == EvaluationRun.Status.QUEUED and not run.retrieval_only for run in runs)


def test_the_table_shows_each_approachs_latest_finished_run(question_set):
    _done(question_set, "rag:zero-shot", key_fact_recall=0.1)
    _done(question_set, "rag:zero-shot", key_fact_recall=0.6)
    _done(question_set, "prompt-only", key_fact_recall=0.2)

    shown = comparison.compare(question_set)

    recall = next(row for row in shown.rows if row["metric"] == "key_fact_recall")
    labels = [column.label for column in shown.columns]
    assert recall["cells"][labels.index("RAG, zero-shot")] == 0.6
    assert recall["best"] == labels.index("RAG, zero-shot")


def test_lower_is_better_for_refusals_and_first_token_time(question_set):
    _done(question_set, "rag:zero-shot", false_refusal_rate=0.3, ttft_ms_p50=900.0)
    _done(question_set, "rag:few-shot", false_refusal_rate=0.1, ttft_ms_p50=1500.0)

    rows = {row["metric"]: row for row in comparison.compare(question_set).rows}
    labels = [column.label for column in comparison.compare(question_set).columns]

    assert rows["false_refusal_rate"]["best"] == labels.index("RAG, few-shot")
    assert rows["ttft_ms_p50"]["best"] == labels.index("RAG, zero-shot")


def test_the_verdict_names_the_winner_its_margin_and_what_retrieval_adds(question_set):
    _done(question_set, "prompt-only", key_fact_recall=0.2)
    _done(question_set, "rag:zero-shot", key_fact_recall=0.5, false_refusal_rate=0.1, citation_precision=0.8)
    _done(question_set, "rag:chain-of-thought", key_fact_recall=0.65, false_refusal_rate=0.05, citation_precision=0.9)

    verdict = comparison.compare(question_set).verdict

    assert verdict.startswith("RAG, chain-of-thought states the manuals' key facts best: key-fact recall 0.65")
    assert "+0.15 over the next best, RAG, zero-shot (0.50)" in verdict
    assert "the manuals add +0.45" in verdict
    assert "wrongly refuses 5% of answerable questions and 90% of its citations point at a gold page" in verdict


def test_the_page_shows_the_table_and_a_chart_per_metric(admin_client, question_set):
    _done(question_set, "rag:zero-shot", key_fact_recall=0.5)
    _done(question_set, "prompt-only", key_fact_recall=0.2)

    response = admin_client.get(reverse("rag-eval-compare", args=[question_set.collection_id]))

    assert response.status_code == 200
    assert "RAG, zero-shot" in response.text and "Prompt only (no retrieval)" in response.text
    assert 'data-metric="key_fact_recall"' in response.text
    assert "key facts best: key-fact recall 0.50" in response.text


def test_starting_a_comparison_from_the_page_queues_the_runs(admin_client, question_set):
    response = admin_client.post(reverse("rag-eval-compare-start", args=[question_set.pk]))

    assert response.status_code == 302
    assert EvaluationRun.objects.filter(question_set=question_set).count() == 4


def test_staff_cannot_open_the_comparison(client, role_user, question_set):
    client.force_login(role_user("staff"))

    assert client.get(reverse("rag-eval-compare", args=[question_set.collection_id])).status_code == 403


def test_no_value_is_bold_when_every_approach_measured_the_same(question_set):
    _done(question_set, "rag:zero-shot", ttft_ms_p50=4000.0)
    _done(question_set, "rag:few-shot", ttft_ms_p50=4000.0)

    rows = {row["metric"]: row for row in comparison.compare(question_set).rows}

    assert rows["ttft_ms_p50"]["best"] is None
