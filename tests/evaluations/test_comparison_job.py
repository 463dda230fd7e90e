"""The comparison of approaches run by a real Celery worker on the sample manual, with the real default model."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evaluation import SAMPLE_QUESTIONS
from evaluation.sample_manual import MANUAL_NAME, write_sample_manual
from rag_app.documents.models import Collection
from rag_app.evaluations.models import EvaluationRun, QuestionSet
from tests.app.conftest import ingest_now
from tests.conftest import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# One answerable question and one the manual does not answer keep five approaches to a few minutes.
QUESTION_IDS = ("q01", "u01")


def test_the_comparison_runs_every_approach_and_fills_the_table(
    celery_worker, llm_server, admin_client, zero_adapter_bytes, tmp_path
):
    from rag_app.tuning import services

    collection = Collection.objects.create(name="Nordlys H7")
    write_sample_manual(tmp_path / MANUAL_NAME)
    ingest_now(collection, tmp_path / MANUAL_NAME)
    services.attach_adapter(
        services.add_adapter(collection, "zero", SimpleUploadedFile("zero.gguf", zero_adapter_bytes), "")
    )
    questions = [json.loads(line) for line in SAMPLE_QUESTIONS.read_text().splitlines() if line.strip()]
    chosen = [question for question in questions if question["id"] in QUESTION_IDS]
    question_set = QuestionSet.objects.create(collection=collection, name="sample.jsonl", questions=chosen)

    admin_client.post(reverse("rag-eval-compare-start", args=[question_set.pk]))
    runs = list(EvaluationRun.objects.filter(question_set=question_set))
    wait_for(
        lambda: (
            not EvaluationRun.objects.filter(pk__in=[r.pk for r in runs], status__in=["queued", "running"]).exists()
        ),
        timeout=1500,
        interval=2,
    )

    finished = {run.mode: run for run in EvaluationRun.objects.filter(question_set=question_set)}
    assert set(finished) == {"prompt-only", "rag:zero-shot", "rag:few-shot", "rag:chain-of-thought", "rag:adapter"}
    assert all(run.status == EvaluationRun.Status.DONE for run in finished.values()), [
        r.error for r in finished.values()
    ]
    assert finished["rag:zero-shot"].metrics["hit_at_k"] == 1.0
    assert finished["prompt-only"].metrics["hit_at_k"] is None
    assert finished["rag:chain-of-thought"].metrics["tokens_per_answer"] > 0
    page = admin_client.get(reverse("rag-eval-compare", args=[collection.pk])).text
    assert "RAG with the LoRA adapter" in page
    assert "key facts best" in page
