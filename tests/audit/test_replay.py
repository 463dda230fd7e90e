"""Replaying an audited answer with its recorded settings, and comparing the two."""

# Fixtures imported from detail_fixtures are named again as test arguments; that is how pytest uses them.
# ruff: noqa: F811

import pytest
from django.urls import reverse

from answering.llm import GenerationParams
from rag_app.audit import replay
from rag_app.chat.models import Answer
from rag_app.documents.models import Collection
from tests.audit.detail_fixtures import (  # noqa: F401
    CHANGED_PUMP_PAGES,
    add_source,
    auditor,
    auditor_client,
    filter_answer,
    pump_manual,
    record_answer,
    rewrite_manual,
    staff_user,
)

real_chat = pytest.mark.django_db(transaction=True)


@pytest.mark.slow
@real_chat
def test_a_replay_reproduces_the_recorded_answer_when_nothing_changed(filter_answer, auditor):
    replayed = replay.replay_answer(filter_answer, auditor)

    assert replayed.status == Answer.Status.COMPLETE
    assert replayed.text == filter_answer.text
    changes = replay.compare(filter_answer, replayed)
    assert changes["same_text"]
    assert changes["passages"]["added"] == changes["passages"]["removed"] == changes["passages"]["changed"] == []
    assert changes["citations"]["added"] == changes["citations"]["removed"] == []
    assert not changes["model_changed"] and not changes["params_changed"]


@pytest.mark.slow
@real_chat
def test_a_replay_is_recorded_in_full_in_a_conversation_of_the_auditor(filter_answer, auditor):
    replayed = replay.replay_answer(filter_answer, auditor)

    assert replayed.replay_of == filter_answer
    assert replayed.user == auditor
    assert replayed.conversation.user == auditor
    assert replayed.conversation.title == f"Replay of #{filter_answer.pk}"
    assert replayed.question == filter_answer.question
    assert replayed.retrieval_query == filter_answer.retrieval_query
    assert list(replayed.collections.all()) == list(filter_answer.collections.all())
    assert replayed.prompt == filter_answer.prompt
    assert replayed.model_info == filter_answer.model_info
    assert replayed.total_ms and replayed.completion_tokens and replayed.prompt_tokens
    assert [(s.page_start, s.cited) for s in replayed.sources.all()] == [
        (s.page_start, s.cited) for s in filter_answer.sources.all()
    ]


@pytest.mark.slow
@real_chat
def test_a_replay_uses_the_recorded_sampling_settings_not_todays(filter_answer, auditor, settings):
    settings.LLM_TEMPERATURE, settings.LLM_SEED, settings.LLM_MAX_TOKENS = 1.5, 1234, 3

    replayed = replay.replay_answer(filter_answer, auditor)

    assert replayed.generation_params == filter_answer.generation_params
    assert replayed.text == filter_answer.text


@pytest.mark.slow
@real_chat
def test_a_replay_keeps_the_recorded_retrieval_query_of_a_follow_up(filter_answer, auditor, staff_user):
    follow_up = Answer.objects.create(
        conversation=filter_answer.conversation, user=staff_user, question="and the basket?",
        retrieval_query="How often should I rinse the filter basket?",
    )  # fmt: skip
    follow_up.collections.set(filter_answer.collections.all())

    replayed = replay.replay_answer(follow_up, auditor)

    assert replayed.retrieval_query == "How often should I rinse the filter basket?"
    assert replayed.sources.order_by("rank").first().page_start == 3


@pytest.mark.slow
@real_chat
def test_after_the_manual_changes_the_comparison_shows_the_new_fact(auditor_client, filter_answer, pump_manual):
    assert "200 operating hours" in filter_answer.text
    rewrite_manual(pump_manual, CHANGED_PUMP_PAGES)

    response = auditor_client.post(reverse("rag-audit-replay", args=[filter_answer.pk]))

    replayed = Answer.objects.get(replay_of=filter_answer)
    assert response.status_code == 302
    assert response.url == reverse("rag-audit-compare", args=[replayed.pk])
    assert "500 operating hours" in replayed.text
    changes = replay.compare(filter_answer, replayed)
    assert not changes["same_text"]
    assert ("removed", "200") in changes["text_diff"] and ("added", "500") in changes["text_diff"]
    [(old, new)] = changes["passages"]["changed"]
    assert old.page_start == new.page_start == 3
    assert "200" in old.text and "500" in new.text

    page = auditor_client.get(response.url).content.decode()
    assert "The answer changed" in page
    assert "<del>200</del>" in page and "<ins>500</ins>" in page
    assert filter_answer.text.split(" [")[0] in page and replayed.text.split(" [")[0] in page


def test_the_compare_page_is_only_for_replays(auditor_client, staff_user):
    answer = record_answer(staff_user, Collection.objects.create(name="Pumps"), "Anything?", "Something.")
    assert auditor_client.get(reverse("rag-audit-compare", args=[answer.pk])).status_code == 404


def test_an_answer_whose_collections_are_gone_cannot_be_replayed(auditor_client, staff_user):
    answer = record_answer(staff_user, Collection.objects.create(name="Pumps"), "Anything?", "Something.")
    answer.collections.clear()

    response = auditor_client.post(reverse("rag-audit-replay", args=[answer.pk]), follow=True)

    assert "The collections this answer searched no longer exist." in response.content.decode()
    assert not Answer.objects.filter(replay_of=answer).exists()


def test_recorded_params_come_from_the_answer_with_todays_settings_filling_gaps(staff_user, settings):
    answer = record_answer(
        staff_user, Collection.objects.create(name="Pumps"), "Anything?", "Something.",
        generation_params={"temperature": 0.0, "max_tokens": 64, "stop": ["\n\n"], "seed": 7},
    )  # fmt: skip
    settings.LLM_TEMPERATURE = 0.9

    params = replay.recorded_params(answer)

    assert params == GenerationParams(temperature=0.0, max_tokens=64, stop=("\n\n",), seed=7, top_p=0.95)


@pytest.fixture
def pair(staff_user, auditor):
    """A recorded answer and a replay whose passages and citations differ on every count."""
    collection = Collection.objects.create(name="Pumps")
    original = record_answer(staff_user, collection, "Filter?", "Every 200 hours [1].")
    replayed = record_answer(auditor, collection, "Filter?", "Every 500 hours [2].", replay_of=original)
    add_source(original, 1, 3, "Replace the filter every 200 hours.", cited=True)
    add_source(original, 2, 4, "The motor warranty is three years.")
    add_source(original, 3, 5, "Red lamp: overheated.")
    add_source(replayed, 1, 4, "The motor warranty is three years.")
    add_source(replayed, 2, 3, "Replace the filter every 500 hours.", cited=True)
    add_source(replayed, 3, 2, "Open the vent screw.")
    return original, replayed


def test_compare_matches_passages_by_document_and_page_not_number(pair):
    changes = replay.compare(*pair)

    assert [source.page_start for source in changes["passages"]["same"]] == [4]
    assert [(old.text, new.text) for old, new in changes["passages"]["changed"]] == [
        ("Replace the filter every 200 hours.", "Replace the filter every 500 hours.")
    ]
    assert [source.page_start for source in changes["passages"]["removed"]] == [5]
    assert [source.page_start for source in changes["passages"]["added"]] == [2]


def test_compare_keeps_a_citation_of_the_same_page_under_a_new_number(pair):
    changes = replay.compare(*pair)

    assert [source.number for source in changes["citations"]["same"]] == [2]
    assert changes["citations"]["added"] == changes["citations"]["removed"] == []
    assert changes["text_diff"] == [
        ("same", "Every"), ("removed", "200"), ("added", "500"), ("same", "hours"), ("removed", "[1]."),
        ("added", "[2]."),
    ]  # fmt: skip
