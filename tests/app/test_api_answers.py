"""Answers through the API keep their citations: the app's /api/ask and the OpenAI-compatible endpoint.

The OpenAI endpoint is driven by the official ``openai`` client, streaming and not.
"""

import re

import pytest
from openai import OpenAI

from rag_app.api import keys

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUESTION = "How long is the warranty on the motor?"


@pytest.fixture
def api_key(role_user):
    return keys.create_key(role_user("staff"), "tests")[1]


@pytest.fixture
def openai_client(live_server, api_key):
    return OpenAI(base_url=f"{live_server.url}/v1", api_key=api_key, timeout=600, max_retries=0)


def _assert_warranty_citation(citations):
    assert citations, "the answer cites nothing"
    assert all(c["document"] == "aquaflow-p400.pdf" and c["page_start"] == 4 for c in citations)
    assert all("three years" in c["passage"] and c["file_url"].endswith("#page=4") for c in citations)


def test_ask_returns_the_answer_with_its_citations(client, pump_manual, api_key):
    response = client.post(
        "/api/ask",
        {"question": QUESTION, "collections": [pump_manual.collection.name]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_key}",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "complete" and body["no_answer"] is False
    assert "three" in body["answer"].lower()
    _assert_warranty_citation(body["citations"])
    assert body["retrieved"][0]["page_start"] == 4
    assert body["timings"]["ttft_ms"] > 0


def test_the_openai_client_gets_the_answer_and_its_citations(openai_client, pump_manual):
    completion = openai_client.chat.completions.create(
        model=pump_manual.collection.name, messages=[{"role": "user", "content": QUESTION}]
    )

    text = completion.choices[0].message.content
    assert "three" in text.lower() and "[1]" in text
    extra = completion.model_extra
    _assert_warranty_citation(extra["citations"])
    assert extra["manualist"]["status"] == "complete"
    assert completion.usage.completion_tokens > 0


def test_the_openai_client_streams_the_answer_and_gets_the_citations_last(openai_client, pump_manual):
    stream = openai_client.chat.completions.create(
        model=pump_manual.collection.name, messages=[{"role": "user", "content": QUESTION}], stream=True
    )
    chunks = list(stream)

    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert len(chunks) > 3 and "three" in text.lower()
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")
    _assert_warranty_citation(chunks[-1].model_extra["citations"])
    # The final answer is the streamed text with the markers the app attached after generation.
    final = chunks[-1].model_extra["manualist"]["answer"]
    assert "[1]" in final
    assert _without_markers(text) == _without_markers(final)


def _without_markers(text: str) -> str:
    return re.sub(r"\s*\[\d+\]", "", text).strip()


def test_a_question_the_manuals_do_not_answer_says_so(openai_client, pump_manual):
    completion = openai_client.chat.completions.create(
        model=pump_manual.collection.name, messages=[{"role": "user", "content": "Which Zigbee channel does it use?"}]
    )

    assert completion.model_extra["manualist"]["no_answer"] is True
    assert completion.model_extra["citations"] == []
