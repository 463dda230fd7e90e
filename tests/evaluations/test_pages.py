"""The evaluation pages, the guard's bookkeeping and its warning, without a worker."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from rag_app.documents.models import Collection
from rag_app.evaluations import services
from rag_app.evaluations.charts import CHART_METRICS
from rag_app.evaluations.models import EvaluationRun, QuestionSet
from tests.evaluations.conftest import PUMP_QUESTIONS, jsonl

pytestmark = pytest.mark.django_db


@pytest.fixture
def collection():
    return Collection.objects.create(name="Aquaflow P-400")


def _start(client, collection, content: bytes, **fields):
    data = {"collection": collection.pk, "mode": "rag", "k": 5, **fields}
    data["questions"] = SimpleUploadedFile("questions.jsonl", content)
    return client.post(reverse("rag-eval-start"), data)


def test_staff_cannot_open_the_evaluations_page(client, role_user):
    client.force_login(role_user("staff"))

    assert client.get(reverse("rag-eval")).status_code == 403


def test_an_admin_opens_the_evaluations_page(client, role_user, collection):
    client.force_login(role_user("admin"))

    response = client.get(reverse("rag-eval"))

    assert response.status_code == 200
    assert collection.name in response.text


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("rag-eval"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_broken_question_file_shows_the_line_at_fault(client, role_user, collection):
    client.force_login(role_user("admin"))
    good = jsonl(PUMP_QUESTIONS[:1])

    response = _start(client, collection, good + b"{not json\n")

    assert response.status_code == 200
    assert "questions.jsonl, line 2: not valid JSON" in response.text
    assert not QuestionSet.objects.exists()


def test_a_valid_upload_queues_one_run_per_mode(client, role_user, collection):
    client.force_login(role_user("admin"))

    response = _start(client, collection, jsonl(PUMP_QUESTIONS), mode="both")

    assert response.status_code == 302
    assert sorted(EvaluationRun.objects.values_list("mode", "status")) == [("prompt-only", "queued"), ("rag", "queued")]


def test_the_history_page_draws_a_sparkline_per_metric(admin_client, collection):
    question_set = QuestionSet.objects.create(collection=collection, name="q.jsonl", questions=[])
    for hit in (1.0, 0.5):
        EvaluationRun.objects.create(
            question_set=question_set,
            collection=collection,
            status=EvaluationRun.Status.DONE,
            metrics=dict.fromkeys(CHART_METRICS, hit),
        )

    response = admin_client.get(reverse("rag-eval-history", args=[collection.pk]))

    assert response.text.count('<svg class="sparkline"') == len(CHART_METRICS)
    assert all(f'data-metric="{name}"' in response.text for name in CHART_METRICS)
    assert response.text.count("<polyline") == len(CHART_METRICS)


def test_a_run_page_lists_each_check_with_what_it_fired_on(admin_client, collection):
    question_set = QuestionSet.objects.create(collection=collection, name="q.jsonl", questions=[])
    checks = {"terms": {"answerable": 3, "unanswerable": 7, "facts_stated": 2}}
    run = EvaluationRun.objects.create(
        question_set=question_set,
        collection=collection,
        status=EvaluationRun.Status.DONE,
        metrics={"mode": "rag", "fact_conversion": 0.75, "checks": checks, "with_checks": {"all": {}}},
    )

    response = admin_client.get(reverse("rag-eval-run", args=[run.pk]))

    assert "<dt>fact_conversion</dt><dd>0.75</dd>" in response.text
    assert "<td>terms</td><td>3</td><td>7</td><td>2</td>" in response.text
    assert "<dt>checks</dt>" not in response.text and "<dt>with_checks</dt>" not in response.text


def test_a_batch_of_ingestions_queues_one_guard_run(collection, guard_with_history):
    guard_with_history(collection, 1.0, k=1)

    first = services.schedule_guard(collection)
    second = services.schedule_guard(collection)

    assert first == second
    assert (first.trigger, first.k, first.retrieval_only) == ("reingest", 1, True)
    assert EvaluationRun.objects.filter(status=EvaluationRun.Status.QUEUED).count() == 1


def test_a_collection_without_a_guard_schedules_nothing(collection):
    assert services.schedule_guard(collection) is None


def test_run_guard_needs_a_guard_set(collection):
    with pytest.raises(CommandError, match="has no guard set"):
        call_command("run_guard", "--collection", collection.name)


def test_run_guard_queues_a_settings_run(collection, guard_with_history):
    guard_with_history(collection, 1.0)

    call_command("run_guard", "--collection", collection.name)

    assert EvaluationRun.objects.get(status=EvaluationRun.Status.QUEUED).trigger == "settings"


def test_the_documents_page_warns_when_the_guard_fell(admin_client, collection, guard_with_history):
    guard = guard_with_history(collection, 1.0)
    latest = EvaluationRun.objects.create(
        question_set=guard, collection=collection, k=1, status=EvaluationRun.Status.DONE, metrics={"hit_at_k": 0.6667}
    )

    response = admin_client.get(collection.get_absolute_url())

    assert "fell from 1.00 to 0.67" in response.text
    assert latest.get_absolute_url() in response.text
