import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rag_app.evaluations import services
from rag_app.evaluations.models import EvaluationRun, QuestionSet
from tests.app.conftest import pump_manual, zero_adapter_bytes  # noqa: F401  (shared with the chat tests)

PUMP_PDF = "aquaflow-p400.pdf"
# Each question's gold page ranks first on the pump manual, so hit@1 is 1.0 before anything changes.
PUMP_QUESTIONS = [
    {"id": "q1", "question": "What proof do I need for a warranty claim on the motor?", "pdf": PUMP_PDF,
     "gold_pages": [4], "answerable": True},
    {"id": "q2", "question": "How often should the inlet filter be replaced?", "pdf": PUMP_PDF, "gold_pages": [3],
     "answerable": True},
    {"id": "q3", "question": "What should I do when the red fault lamp flashes twice?", "pdf": PUMP_PDF,
     "gold_pages": [5], "answerable": True},
]  # fmt: skip


def jsonl(questions) -> bytes:
    return ("\n".join(json.dumps(question) for question in questions) + "\n").encode()


@pytest.fixture
def guard_with_history():
    """Make a guard set for a collection whose last finished run scored ``hit_at_k``; return the set."""

    def make(collection, hit_at_k: float, k: int = 1) -> QuestionSet:
        questions = services.parse_questions(SimpleUploadedFile("guard.jsonl", jsonl(PUMP_QUESTIONS)))
        guard = QuestionSet.objects.create(
            collection=collection, name="guard.jsonl", questions=questions, is_guard=True
        )
        EvaluationRun.objects.create(
            question_set=guard,
            collection=collection,
            k=k,
            retrieval_only=True,
            status=EvaluationRun.Status.DONE,
            metrics={"hit_at_k": hit_at_k, "mrr": hit_at_k},
        )
        return guard

    return make
