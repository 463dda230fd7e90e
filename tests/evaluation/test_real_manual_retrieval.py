"""The retrieval gate: the app's search, through its own path, finds the gold pages of real manuals.

It needs no model (the chat path's search terms are left out, as in ``evaluate --retrieval-only``),
so unlike the answer-quality gate it runs on any CPU. The floors are what the app measured on
evaluation/real_questions.jsonl (see the README's retrieval table) less about two questions, so a
change that loses a few gold pages fails.
"""

import json

import pytest

from evaluation.real_manuals import REAL_QUESTIONS
from rag_app.chat.evaluation import evaluate, evaluation_user, load_questions
from tests.evaluation.conftest import real_manuals_collection

pytestmark = [pytest.mark.slow, pytest.mark.quality, pytest.mark.django_db(transaction=True)]

# Measured on 72 answerable questions, with the pointers of found sections followed
# (answering.references) and hits scored on the pages of the chunks found beside them
# (answering.retrieve.with_pages_beside): hit@5 0.903, hit@1 0.764, MRR 0.807, the same with the
# embedder in float32 and in bfloat16 (which CPUs with native bfloat16 use). Without the model the
# ranking hardly depends on the CPU; the chat path adds the model's search terms, which do
# (README: "Retrieval").
FLOORS = {"hit_at_k": 0.87, "hit_at_1": 0.73, "mrr": 0.78}


@pytest.fixture
def real_collection(chroma_server, tmp_path):
    return real_manuals_collection(tmp_path)


def test_the_app_finds_the_gold_pages_of_real_manuals(real_collection):
    questions = load_questions(REAL_QUESTIONS)
    result = evaluate(questions, real_collection, k=5, retrieval_only=True, user=evaluation_user())
    summary = {metric: result[metric] for metric in FLOORS}
    print(json.dumps(summary))

    for metric, floor in FLOORS.items():
        assert summary[metric] >= floor, (metric, summary)
