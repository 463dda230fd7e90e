"""Evaluation runs and the regression guard on a real Celery worker, Chroma server and embedding model."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rag_app.documents import services as document_services
from rag_app.evaluations.models import EvaluationRun
from tests.app.conftest import PUMP_PAGES
from tests.conftest import wait_for
from tests.evaluations.conftest import PUMP_QUESTIONS, jsonl
from tests.pdfs import make_pdf

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _finished(run: EvaluationRun) -> EvaluationRun | None:
    run.refresh_from_db()
    return None if run.is_pending else run


def _guard_run_after_reingest(document, pages) -> EvaluationRun:
    """Rewrite the stored manual with ``pages``, re-ingest it on the worker and wait for the guard run it triggers."""
    make_pdf(Path(document.file.path), pages)
    document_services.reingest_document(document)
    run = wait_for(lambda: EvaluationRun.objects.filter(trigger=EvaluationRun.Trigger.REINGEST).first())
    return wait_for(lambda: _finished(run))


def test_an_uploaded_question_file_runs_in_the_worker(celery_worker, admin_client, pump_manual):
    upload = SimpleUploadedFile("pump.jsonl", jsonl(PUMP_QUESTIONS))
    data = {"collection": pump_manual.collection_id, "questions": upload, "mode": "rag", "k": 1, "retrieval_only": "on"}

    response = admin_client.post(reverse("rag-eval-start"), data)

    run = EvaluationRun.objects.get()
    assert response.url == run.get_absolute_url()
    run = wait_for(lambda: _finished(run))
    assert run.status == EvaluationRun.Status.DONE, run.error
    assert (run.metrics["n"], run.metrics["hit_at_k"]) == (3, 1.0)
    assert [detail["hit"] for detail in run.details] == [True, True, True]
    assert "aquaflow-p400.pdf p.4" in admin_client.get(run.get_absolute_url()).text


def test_the_documents_page_warns_when_a_reingest_makes_the_guard_worse(
    celery_worker, admin_client, pump_manual, guard_with_history
):
    guard_with_history(pump_manual.collection, 1.0, k=1)
    # The warranty text moves from page 4 to page 1, so the warranty question's gold page no longer ranks first.
    swapped = [PUMP_PAGES[3], *PUMP_PAGES[1:3], PUMP_PAGES[0], PUMP_PAGES[4]]

    run = _guard_run_after_reingest(pump_manual, swapped)

    assert run.status == EvaluationRun.Status.DONE, run.error
    assert run.metrics["hit_at_k"] == 0.6667
    page = admin_client.get(pump_manual.collection.get_absolute_url()).text
    assert "fell from 1.00 to 0.67" in page
    assert run.get_absolute_url() in page


def test_the_documents_page_stays_quiet_when_the_guard_holds(
    celery_worker, admin_client, pump_manual, guard_with_history
):
    guard_with_history(pump_manual.collection, 1.0, k=1)

    run = _guard_run_after_reingest(pump_manual, PUMP_PAGES)

    assert run.status == EvaluationRun.Status.DONE, run.error
    assert run.metrics["hit_at_k"] == 1.0
    assert "guard-warning" not in admin_client.get(pump_manual.collection.get_absolute_url()).text
