"""Answers take turns for the model: in arrival order, one per user, with their place told, bounded."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from rag_app.chat import line, services
from rag_app.chat.models import Answer, AnswerTicket


@pytest.fixture
def ask(role_user, collection):
    """Record a question by a new staff user and return its answer."""
    count = iter(range(1, 1000))

    def make():
        user = role_user("staff", f"agent-{next(count)}")
        return services.start_answer(user, "How do I reset the router?", [collection.pk])

    return make


def _in_line(answer, seconds_ago=0):
    return line.join(answer, timezone.now() - datetime.timedelta(seconds=seconds_ago))


def test_an_answer_alone_in_line_starts_at_once(ask):
    ticket = _in_line(ask())
    assert list(line.wait_turn(ticket)) == []
    ticket.refresh_from_db()
    assert ticket.started_at is not None


def test_a_waiting_answer_is_told_its_place_and_starts_when_the_one_ahead_leaves(ask):
    first, second = _in_line(ask(), 10), _in_line(ask(), 5)
    list(line.wait_turn(first))
    waiting = line.wait_turn(second)
    place = next(waiting)
    assert place.ahead == 1
    assert place.wait_s == 30
    line.leave(first)
    assert list(waiting) == []


def test_answers_wait_in_arrival_order(ask):
    writing, early, late = _in_line(ask(), 30), _in_line(ask(), 20), _in_line(ask(), 10)
    list(line.wait_turn(writing))
    assert next(line.wait_turn(late)).ahead == 2
    assert next(line.wait_turn(early)).ahead == 1


def test_the_likely_wait_comes_from_recent_answers_time_in_line_left_out(ask):
    done = ask()
    Answer.objects.filter(pk=done.pk).update(wait_ms=50_000, ttft_ms=55_000, total_ms=62_000)
    writing, waiting = _in_line(ask(), 10), _in_line(ask(), 5)
    list(line.wait_turn(writing))
    assert next(line.wait_turn(waiting)).wait_s == 12


def test_a_user_has_one_question_in_line_at_a_time(ask):
    answer = ask()
    _in_line(answer)
    again = services.start_answer(answer.user, "And the second router?", [answer.collections.get().pk])
    with pytest.raises(line.LineRefused) as refused:
        _in_line(again)
    assert refused.value.status == 429


def test_a_full_line_refuses_with_busy(ask, settings):
    settings.ANSWER_LINE_LIMIT = 2
    _in_line(ask()), _in_line(ask())
    with pytest.raises(line.LineRefused) as refused:
        _in_line(ask())
    assert refused.value.status == 503
    assert "Busy" in refused.value.reason


def test_a_ticket_whose_process_died_leaves_the_line(ask):
    dead, waiting = _in_line(ask(), 60), _in_line(ask(), 5)
    list(line.wait_turn(dead))
    AnswerTicket.objects.filter(pk=dead.pk).update(seen_at=timezone.now() - datetime.timedelta(minutes=10))
    assert list(line.wait_turn(waiting)) == []


def test_asking_when_the_line_is_full_answers_busy_and_records_why(client, ask, role_user, collection, settings):
    settings.ANSWER_LINE_LIMIT = 1
    _in_line(ask())
    client.force_login(role_user("staff", "latecomer"))
    response = client.post(reverse("rag-chat-ask"), {"question": "How do I reset it?", "collections": collection.pk})
    assert response.status_code == 503
    assert "Try again in a minute" in response.content.decode()
    refused = Answer.objects.get(user__username="latecomer")
    assert refused.status == Answer.Status.FAILED
    assert refused.error.startswith("Busy")
