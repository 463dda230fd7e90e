"""The line for the model: answers take turns, fairly, without holding up anything else.

The model writes one answer at a time (ANSWER_SLOTS at once), so questions queue. Each
waits in arrival order, one per user, and is told its place and an honest wait drawn from
recent answers; beyond ANSWER_LINE_LIMIT the asker hears "busy" at once. The order lives
in the database, so every web process shares it.
"""

import datetime
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from rag_app.chat.models import Answer, AnswerTicket

# How often a waiting answer looks at the line, and how often it tells the reader.
_POLL_S = 0.5
_TELL_EVERY_S = 5
# A ticket untouched this long lost its process: waiting ones touch it every poll, a
# generating one at each piece of the answer (the model may think a while before the first).
_WAITING_STALE_S = 15
_STARTED_STALE_S = 180
# Without history, assume an answer takes this long.
_DEFAULT_ANSWER_S = 30.0
_RECENT_ANSWERS = 20


class LineRefused(Exception):
    """The answer cannot join the line; ``reason`` says why in words for the reader."""

    def __init__(self, reason: str, status: int):
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Place:
    """Where a waiting answer stands: answers ahead of it (being written or waiting) and the likely wait."""

    ahead: int
    wait_s: int


def join(answer: Answer, arrived_at: datetime.datetime) -> AnswerTicket:
    """Give the answer a place at the end of the line; raise LineRefused when the line is full or the user is in it."""
    _drop_stale()
    live = AnswerTicket.objects.all()
    if live.filter(user=answer.user_id).exists():
        raise LineRefused("Your previous question is still being answered. Ask again when it has finished.", 429)
    if live.count() >= settings.ANSWER_LINE_LIMIT:
        raise LineRefused(
            f"Busy: {settings.ANSWER_LINE_LIMIT} questions are already waiting for the model. Try again in a minute.",
            503,
        )
    now = timezone.now()
    return AnswerTicket.objects.create(answer=answer, user_id=answer.user_id, arrived_at=arrived_at, seen_at=now)


def wait_turn(ticket: AnswerTicket) -> Iterator[Place]:
    """Yield the answer's place now and then until it may use the model, then return (its ticket is started)."""
    told_at = None
    last = None
    while True:
        _drop_stale()
        touch(ticket)
        generating = AnswerTicket.objects.filter(started_at__isnull=False).count()
        waiting_ahead = AnswerTicket.objects.filter(started_at__isnull=True).filter(
            Q(arrived_at__lt=ticket.arrived_at) | Q(arrived_at=ticket.arrived_at, pk__lt=ticket.pk)
        )
        ahead = waiting_ahead.count()
        if ahead == 0 and generating < settings.ANSWER_SLOTS and _start(ticket):
            return
        place = Place(ahead=ahead + generating, wait_s=_likely_wait_s(ahead + generating))
        now = time.monotonic()
        if place.ahead != last or told_at is None or now - told_at >= _TELL_EVERY_S:
            yield place
            told_at, last = now, place.ahead
        time.sleep(_POLL_S)


def touch(ticket: AnswerTicket) -> None:
    """Say the answer's process is still writing it."""
    AnswerTicket.objects.filter(pk=ticket.pk).update(seen_at=timezone.now())


def leave(ticket: AnswerTicket) -> None:
    AnswerTicket.objects.filter(pk=ticket.pk).delete()


def clear() -> int:
    """Empty the line; call it only when no web process is running (the app is starting)."""
    return AnswerTicket.objects.all().delete()[0]


def _start(ticket: AnswerTicket) -> bool:
    now = timezone.now()
    return bool(AnswerTicket.objects.filter(pk=ticket.pk, started_at__isnull=True).update(started_at=now, seen_at=now))


def _drop_stale() -> None:
    now = timezone.now()
    AnswerTicket.objects.filter(
        Q(started_at__isnull=True, seen_at__lt=now - datetime.timedelta(seconds=_WAITING_STALE_S))
        | Q(started_at__isnull=False, seen_at__lt=now - datetime.timedelta(seconds=_STARTED_STALE_S))
    ).delete()


def _likely_wait_s(ahead: int) -> int:
    """Estimate the wait from how long the model took over recent answers, their time in line left out."""
    recent = (
        Answer.objects.filter(total_ms__isnull=False, wait_ms__isnull=False)
        .order_by("-pk")
        .values_list("total_ms", "wait_ms")[:_RECENT_ANSWERS]
    )
    service_s = [(total - wait) / 1000 for total, wait in recent]
    per_answer_s = sum(service_s) / len(service_s) if service_s else _DEFAULT_ANSWER_S
    return round(ahead * per_answer_s / settings.ANSWER_SLOTS)
