"""Questions answered end to end with the real default model, served by its own llama.cpp server process."""

import json
import time

import pytest
from django.urls import reverse

from answering.llm import LLMUnavailable
from answering.types import Passage
from rag_app.chat import llm_settings, services
from rag_app.chat.models import Answer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _ask(client, collection, question):
    response = client.post(reverse("rag-chat-ask"), {"question": question, "collections": [collection.pk]})
    assert response.status_code == 200
    events = [json.loads(chunk.decode().removeprefix("data: ")) for chunk in response.streaming_content]
    return events, Answer.objects.get(pk=events[0]["answer"])


def test_a_covered_question_streams_an_answer_cited_to_the_right_page(admin_client, pump_manual):
    events, answer = _ask(admin_client, pump_manual.collection, "How often should I replace the inlet filter?")

    tokens = [event for event in events if event["type"] == "token"]
    assert len(tokens) >= 3
    assert events[-1]["type"] == "done"
    assert answer.status == Answer.Status.COMPLETE
    assert not answer.no_answer
    cited = [source for source in answer.sources.all() if source.cited]
    assert cited, answer.raw_text
    assert {source.page_start for source in cited} == {3}, [
        (s.page_start, s.score, s.claim, s.support, answer.raw_text) for s in answer.sources.all()
    ]
    assert answer.ttft_ms is not None and answer.total_ms >= answer.ttft_ms
    assert answer.prompt and "inlet filter" in answer.prompt[-1]["content"]


def test_an_uncovered_question_gets_the_no_answer_reply_without_the_model(admin_client, pump_manual, monkeypatch):
    calls = []
    model_class = type(llm_settings.chat_model())
    real_generate = model_class.generate

    def spy(self, *args, **kwargs):
        calls.append(args)
        return real_generate(self, *args, **kwargs)

    monkeypatch.setattr(model_class, "generate", spy)

    events, answer = _ask(admin_client, pump_manual.collection, "How do I configure SNMP traps on the pump?")

    assert [event["type"] for event in events] == ["meta", "turn", "done"]
    assert answer.no_answer
    assert "snmp" in answer.no_answer_reason.lower()
    assert answer.prompt == []
    assert calls == []


def test_a_question_far_from_every_passage_gets_the_no_answer_reply(admin_client, pump_manual, settings):
    settings.RETRIEVAL_MIN_SCORE = 0.99
    _, answer = _ask(admin_client, pump_manual.collection, "What is the warranty on the motor?")
    assert answer.no_answer
    assert "threshold" in answer.no_answer_reason
    assert answer.text == settings.NO_ANSWER_MESSAGE


def test_a_follow_up_is_searched_with_the_previous_question(admin_client, pump_manual):
    _, first = _ask(admin_client, pump_manual.collection, "How long is the motor warranty?")
    response = admin_client.post(
        reverse("rag-chat-ask"),
        {"question": "and what proof do I need?", "collections": [pump_manual.collection.pk],
         "conversation": first.conversation_id},
    )  # fmt: skip
    events = [json.loads(chunk.decode().removeprefix("data: ")) for chunk in response.streaming_content]
    second = Answer.objects.get(pk=events[0]["answer"])
    assert second.conversation_id == first.conversation_id
    assert second.retrieval_query == "How long is the motor warranty? and what proof do I need?"
    assert second.sources.order_by("rank").first().page_start == 4


def test_an_unreachable_chroma_ends_the_answer_as_failed_with_the_reason(admin_client, pump_manual, settings):
    settings.CHROMA_URL = "http://127.0.0.1:9"
    events, answer = _ask(admin_client, pump_manual.collection, "How often should I replace the inlet filter?")
    assert events[-1]["type"] == "done"
    assert answer.status == Answer.Status.FAILED
    assert "not answering" in answer.error
    assert not answer.no_answer


def test_the_answer_records_the_model_and_why_generation_stopped(admin_client, pump_manual):
    _, answer = _ask(admin_client, pump_manual.collection, "How long is the motor warranty?")

    assert answer.status == Answer.Status.COMPLETE
    assert answer.stop_reason in ("finished", "length", "repetition")
    assert answer.model_info["backend"] == "llama.cpp server"
    assert answer.model_info["sha256"]
    assert answer.generation_params["repeat_penalty"] > 1
    # The chat model's guesses at the manual's words were added to keyword search, and recorded.
    assert answer.search_terms
    assert len(answer.search_terms.split(", ")) <= 8


def test_an_llm_server_that_is_down_ends_the_answer_as_failed_with_the_fix(admin_client, pump_manual, settings):
    from tests.settings import _free_port

    settings.LLM_BASE_URL = f"http://127.0.0.1:{_free_port()}"
    events, answer = _ask(admin_client, pump_manual.collection, "How often should I replace the inlet filter?")

    assert events[-1]["type"] == "done"
    assert answer.status == Answer.Status.FAILED
    assert "runapp" in answer.error


def test_answers_left_streaming_by_a_stopped_app_are_marked_failed(pump_manual, admin_user):
    from rag_app.chat import services

    answer = services.start_answer(
        admin_user, "How often should I replace the inlet filter?", [pump_manual.collection_id]
    )
    assert answer.status == Answer.Status.STREAMING

    assert services.fail_interrupted_answers() == 1
    answer.refresh_from_db()
    assert answer.status == Answer.Status.FAILED
    assert "stopped while this answer was being written" in answer.error


def finish_grounded(manual, question: str, user, raw: str, page: int = 1) -> Answer:
    """Finish an answer to ``question`` as if the model wrote ``raw`` from the manual's first chunk on ``page``."""
    answer = services.start_answer(user, question, [manual.collection.pk])
    chunk = manual.chunks.filter(page_start=page).order_by("ordinal").first()
    passage = Passage(
        1, (chunk.vector_id,), manual.pk, manual.title, manual.original_name,
        chunk.page_start, chunk.page_end, chunk.text, 0.8,
    )  # fmt: skip
    model, complete = llm_settings.chat_model(), Answer.Status.COMPLETE
    services._finish_generation(answer, [passage], raw, time.perf_counter(), complete, model, grounded_only=True)
    answer.refresh_from_db()
    return answer


def test_an_answer_quoting_a_command_no_passage_contains_is_withdrawn(pump_manual, admin_user):
    raw = "Run `pumpctl --factory-reset` as root [1]."

    answer = finish_grounded(pump_manual, "How do I reset the pump?", admin_user, raw)

    assert answer.status == Answer.Status.NO_ANSWER
    assert answer.no_answer_reason == (
        "The answer quoted pumpctl, factory-reset, which neither the passages nor their manuals contain."
    )
    assert answer.raw_text == raw
    assert [source.number for source in answer.sources.all()] == [1]


def test_an_answer_giving_a_path_no_passage_contains_is_withdrawn_when_the_paths_check_is_on(
    pump_manual, admin_user, settings
):
    settings.ANSWER_CHECKS = ["paths"]
    raw = "Delete `/var/lib/pump/counters`, then `reset` the pump [1]."

    answer = finish_grounded(pump_manual, "How do I reset the pump?", admin_user, raw)

    assert answer.status == Answer.Status.NO_ANSWER
    assert answer.no_answer_reason == "The answer gives the path /var/lib/pump/counters, which no passage contains."


def test_an_answer_naming_a_system_its_manuals_never_name_is_withdrawn_when_the_names_check_is_on(
    pump_manual, admin_user, settings
):
    settings.ANSWER_CHECKS = ["names"]
    raw = "Yes, the pump can be run from Windows Server [1]."

    answer = finish_grounded(pump_manual, "Can the pump be run from Windows Server?", admin_user, raw)

    assert answer.status == Answer.Status.NO_ANSWER
    assert answer.no_answer_reason == "The answer speaks of windows, server, which the passages' manuals never name."


def test_a_name_the_manual_gives_on_another_page_than_the_passage_is_no_reason_to_withdraw(pump_manual, admin_user):
    raw = "Open the vent screw on top of the Aquaflow housing until water flows out [1]."

    answer = finish_grounded(pump_manual, "How do I prime my Aquaflow pump?", admin_user, raw, page=2)

    assert answer.status == Answer.Status.COMPLETE
    assert "Aquaflow" not in answer.sources.get().text


def test_a_quoted_word_the_manual_gives_on_another_page_is_no_reason_to_withdraw(pump_manual, admin_user):
    raw = "Replace the `inlet` filter every 200 operating hours [1]."

    answer = finish_grounded(pump_manual, "How often does the filter need replacing?", admin_user, raw, page=2)

    assert answer.status == Answer.Status.COMPLETE
    assert "inlet" not in answer.sources.get().text


def test_a_check_left_out_of_answer_checks_withdraws_nothing(pump_manual, admin_user):
    raw = "Yes, the pump can be run from Windows Server [1]."

    answer = finish_grounded(pump_manual, "Can the pump be run from Windows Server?", admin_user, raw)

    assert answer.status == Answer.Status.COMPLETE
    assert services.unbacked_reasons(raw, answer.question, [answer.sources.get().as_passage()]).keys() == {"names"}


def test_without_the_terms_check_a_question_naming_what_the_manuals_never_mention_reaches_the_model(
    admin_client, pump_manual, settings
):
    settings.ANSWER_CHECKS = ["quotes", "paths", "names"]

    _events, answer = _ask(admin_client, pump_manual.collection, "How do I configure SNMP traps on the pump?")

    assert answer.prompt and answer.raw_text
    assert "never mention" not in answer.no_answer_reason


def test_the_model_reads_the_best_sentences_while_the_sources_keep_the_whole_passages(
    admin_client, pump_manual, settings
):
    settings.EVIDENCE_TOKENS = 16

    _events, answer = _ask(admin_client, pump_manual.collection, "How often should I replace the inlet filter?")

    given = answer.prompt[-1]["content"]
    sources = list(answer.sources.order_by("rank"))
    assert "Replace the inlet filter every 200 operating hours." in given
    assert "Rinse the filter basket" not in given
    assert any("Rinse the filter basket" in source.text for source in sources)


def test_an_llm_server_lost_while_the_evidence_is_chosen_fails_the_answer(pump_manual, admin_user, monkeypatch):
    def server_gone(*args):
        raise LLMUnavailable("The LLM server stopped answering.")

    # Selection counts tokens on the LLM server; this is that server going away at that moment.
    monkeypatch.setattr(services, "_evidence", server_gone)
    question = "How often should I replace the inlet filter?"
    answer = services.start_answer(admin_user, question, [pump_manual.collection_id])

    events = list(services.stream_answer(answer))

    answer.refresh_from_db()
    assert events[-1] == {"type": "done"}
    assert answer.status == Answer.Status.FAILED
    assert "stopped answering" in answer.error
