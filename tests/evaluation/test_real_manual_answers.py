"""The answer-quality gate: the default model on three real manuals, through the chat path, above measured floors.

The floors are what the default model measured on evaluation/real_questions.jsonl (see the
README's "The model"), less a few points so that harmless changes in sampling or in llama.cpp
between CPUs pass while a real regression fails. It takes 20 to 25 minutes on two cores of a
recent server CPU; on a CPU too slow to finish within QUALITY_GATE_MAX_MINUTES it is skipped
with the measured speed, since CI has 90 minutes for everything.
"""

import json
import os
import time
import uuid

import httpx
import pytest

from evaluation.real_manuals import REAL_QUESTIONS
from rag_app.chat.evaluation import evaluate, evaluation_user, load_questions
from tests.evaluation.conftest import real_manuals_collection

pytestmark = [pytest.mark.slow, pytest.mark.quality, pytest.mark.django_db(transaction=True)]

# Measured with Qwen2.5-Coder-1.5B-Instruct (2026-12-07, AMD EPYC Zen 4 with AVX-512, no AMX,
# 2 cores): hit@5 0.917, key-fact recall 0.604, all key strings 0.514, no-answer accuracy 1.000
# (9 of 9), citation precision 0.888, false refusals 0.014 (1 of 72), no bare-marker or looping
# answers. An Intel Xeon with AMX gave key-fact recall 0.590, all key strings 0.500 and false
# refusals 0.042 on 2026-12-03, before the quoted-word check read whole manuals (citation
# precision 0.825 before five gold pages were added; no-answer accuracy 7 of 9 before the Wi-Fi
# and path checks). Each floor sits two or three questions (or a few points) below the lower
# of the two, since llama.cpp differs by CPU.
FLOORS = {
    "hit_at_k": 0.85,
    "key_fact_recall": 0.56,
    "must_contain_rate": 0.45,
    "no_answer_accuracy": 0.77,
    "citation_precision": 0.80,
}
CEILINGS = {"false_refusal_rate": 0.10, "bare_marker_rate": 0.02, "looping_rate": 0.03}


# What one question costs the gate, as seconds times the CPU's prompt speed in tokens/s: a
# question reads about 1,500 prompt tokens (search terms, then the answer). Measured: 16 s a
# question at ~130 tokens/s (Intel Xeon, 2 cores), 53 s at ~40 tokens/s (AMD EPYC, AVX2 only).
_QUESTION_COST = 2100
# CI has 90 minutes for everything and spends about 70 on the rest on two cores; past this the
# gate is skipped, saying why.
MAX_MINUTES = float(os.environ.get("QUALITY_GATE_MAX_MINUTES", "25"))


@pytest.fixture
def fast_enough_cpu(llm_server):
    """Skip, with the numbers, on a CPU that could not finish the gate within MAX_MINUTES."""
    rate = _prompt_tokens_per_second()
    minutes = len(load_questions(REAL_QUESTIONS)) * _QUESTION_COST / rate / 60
    if minutes > MAX_MINUTES:
        pytest.skip(
            f"this CPU reads prompts at {rate:.0f} tokens/s, so the gate would take about {minutes:.0f} minutes, "
            f"over QUALITY_GATE_MAX_MINUTES ({MAX_MINUTES:.0f}); `manage.py evaluate` on the real manuals "
            "measures the same numbers without a time limit"
        )


def _prompt_tokens_per_second() -> float:
    """Time one 1,000-token prompt on the LLM server the gate uses."""
    from django.conf import settings

    prompt = f"{uuid.uuid4()} " + " ".join(["Open the vent screw on the pump housing until water flows out."] * 80)
    started = time.perf_counter()
    response = httpx.post(
        f"{settings.LLM_BASE_URL}/v1/chat/completions",
        json={"messages": [{"role": "user", "content": prompt}], "max_tokens": 1, "temperature": 0},
        timeout=600,
    )
    response.raise_for_status()
    return response.json()["usage"]["prompt_tokens"] / (time.perf_counter() - started)


@pytest.fixture
def real_collection(fast_enough_cpu, chroma_server, llm_server, tmp_path):
    return real_manuals_collection(tmp_path)


def test_the_default_model_states_the_facts_of_real_manuals_and_cites_their_pages(real_collection):
    result = evaluate(load_questions(REAL_QUESTIONS), real_collection, k=5, mode="rag", user=evaluation_user())
    summary = {key: value for key, value in result.items() if key != "details"}
    print(json.dumps(summary, indent=2))

    for metric, floor in FLOORS.items():
        assert summary[metric] >= floor, (metric, summary)
    for metric, ceiling in CEILINGS.items():
        assert summary[metric] <= ceiling, (metric, summary)
