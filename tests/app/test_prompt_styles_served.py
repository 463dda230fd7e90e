"""Prompt styles and an attached LoRA adapter, answered end to end by the real default model."""

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from answering.prompt import PromptStyle, prompt_version
from rag_app.chat.models import Answer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUESTION = "How often should I replace the inlet filter?"


def _ask(client, collection, question=QUESTION):
    response = client.post(reverse("rag-chat-ask"), {"question": question, "collections": [collection.pk]})
    events = [json.loads(chunk.decode().removeprefix("data: ")) for chunk in response.streaming_content]
    return events, Answer.objects.get(pk=events[0]["answer"])


def _style(collection, name):
    collection.prompt_style = name
    collection.save(update_fields=["prompt_style"])


def test_a_few_shot_answer_records_its_style_and_template_version(admin_client, pump_manual):
    collection = pump_manual.collection
    _style(collection, "few-shot")

    _, answer = _ask(admin_client, collection)

    assert answer.status == Answer.Status.COMPLETE, answer.error
    assert answer.prompt_style == "few-shot"
    assert answer.prompt_version == prompt_version(PromptStyle("few-shot"), chat=True)
    assert [message["role"] for message in answer.prompt].count("assistant") == 2
    assert any(source.cited and source.page_start == 3 for source in answer.sources.all()), answer.raw_text


def test_a_chain_of_thought_answer_hides_its_reasoning_and_still_cites(admin_client, pump_manual):
    collection = pump_manual.collection
    _style(collection, "chain-of-thought")

    events, answer = _ask(admin_client, collection)

    shown = "".join(event["text"] for event in events if event["type"] == "token")
    assert answer.status == Answer.Status.COMPLETE, (answer.error, answer.no_answer_reason, answer.raw_text)
    assert answer.prompt_style == "chain-of-thought"
    assert answer.reasoning, answer.raw_text
    assert "Reasoning" not in shown and answer.reasoning not in shown
    assert "200" in shown
    assert any(source.cited and source.page_start == 3 for source in answer.sources.all()), answer.raw_text
    assert "Reasoning" in admin_client.get(reverse("rag-audit-detail", args=[answer.pk])).text


def test_an_attached_all_zero_adapter_is_recorded_and_changes_nothing(
    admin_client, pump_manual, zero_adapter_bytes, settings
):
    from rag_app.tuning import services

    settings.LLM_TEMPERATURE = 0.0
    collection = pump_manual.collection
    _, plain = _ask(admin_client, collection)
    upload = SimpleUploadedFile("zero.gguf", zero_adapter_bytes)
    sha256 = hashlib.sha256(zero_adapter_bytes).hexdigest()
    adapter = services.add_adapter(collection, "zero", upload, "")
    services.attach_adapter(adapter)

    _, adapted = _ask(admin_client, collection)

    assert adapted.status == Answer.Status.COMPLETE, adapted.error
    assert (adapted.adapter_name, adapted.adapter_sha256) == ("zero", sha256)
    assert adapted.raw_text == plain.raw_text
    assert plain.adapter_name == ""
