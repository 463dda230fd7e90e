"""Training a LoRA adapter from a collection with the real 0.5B base model, in a child process, and attaching it."""

import pytest
from django.core.management import CommandError, call_command

from answering.lora import read_adapter_info
from rag_app.chat.models import Answer, AnswerSource, AuditMark, Conversation
from rag_app.documents.models import Collection
from rag_app.tuning.models import Adapter, TrainingJob
from tests.app.conftest import ingest_now
from tests.pdfs import make_pdf

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PAGES = [
    "Starting. The `pumpctl start` command starts the pump and opens the inlet valve.",
    "Options. The --dry-run option prints what pumpctl would do without moving any water.",
    "Settings. The interval=200 setting sets the hours between two filter changes.",
]


@pytest.fixture
def small_base_model(settings):
    """Train on the packaged 0.5B instruct model: the same architecture as the default, a third of its cost."""
    settings.LLM_MODEL = "qwen2.5-coder-0.5b-instruct"
    settings.LLM_MODEL_PATH = ""


def _approved_answer(collection, admin_user):
    conversation = Conversation.objects.create(user=admin_user, title="q")
    answer = Answer.objects.create(
        conversation=conversation,
        user=admin_user,
        question="How do I start the pump?",
        retrieval_query="How do I start the pump?",
        text="Run `pumpctl start` [2].",
        status=Answer.Status.COMPLETE,
    )
    answer.collections.set([collection])
    AnswerSource.objects.create(
        answer=answer, number=2, rank=1, document_title="Pump manual", document_name="pump.pdf",
        page_start=1, page_end=1, score=0.8, text=PAGES[0], cited=True,
    )  # fmt: skip
    AuditMark.objects.create(answer=answer, auditor=admin_user, verdict=AuditMark.Verdict.APPROVED)
    return answer


def test_the_command_trains_an_adapter_from_approved_answers_and_pages_and_attaches_it(
    chroma_server, small_base_model, admin_user, tmp_path
):
    collection = Collection.objects.create(name="Pumps")
    make_pdf(tmp_path / "pump.pdf", PAGES)
    ingest_now(collection, tmp_path / "pump.pdf")
    _approved_answer(collection, admin_user)

    call_command("train_adapter", collection="Pumps", name="pumps-lora", steps=3, pairs=4)

    job = TrainingJob.objects.get()
    adapter = Adapter.objects.get()
    assert job.status == TrainingJob.Status.DONE, job.error
    assert (job.adapter, job.progress) == (adapter, 1.0)
    assert job.report["approved_pairs"] == 1 and job.report["pairs"] >= 2
    assert job.report["steps"] == 3 and job.report["minutes"] >= 0
    assert (adapter.name, adapter.source, adapter.is_attached) == ("pumps-lora", "training", True)
    assert read_adapter_info(adapter.file.path).architecture == "qwen2"


def test_a_collection_with_nothing_to_learn_from_fails_with_the_reason(small_base_model):
    Collection.objects.create(name="Empty")

    with pytest.raises(CommandError, match="no approved answers and no ingested pages"):
        call_command("train_adapter", collection="Empty", name="x", steps=1, pairs=1)

    assert TrainingJob.objects.get().status == TrainingJob.Status.FAILED
    assert not Adapter.objects.exists()
