"""Ask on behalf of an API client: pick the collections, join the line, run the answer to its end."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError

from rag_app.chat import line, services
from rag_app.chat.models import Answer
from rag_app.chat.turns import answer_in_turn
from rag_app.documents.models import Collection


class AskRefused(Exception):
    """The question cannot be asked; ``reason`` for the client and the HTTP ``status``."""

    def __init__(self, reason: str, status: int):
        super().__init__(reason)
        self.reason = reason
        self.status = status


def collections_named(user, names: list[str]) -> list[Collection]:
    """The readable collections with these names; an unknown or unreadable one is refused by name."""
    wanted = list(dict.fromkeys(name.strip() for name in names if name.strip()))
    if not wanted:
        raise AskRefused("Name one or more collections to search.", 400)
    found = {c.name: c for c in Collection.objects.readable_by(user).filter(name__in=wanted)}
    missing = [name for name in wanted if name not in found]
    if missing:
        raise AskRefused(f"No collection you can read is named: {', '.join(missing)}.", 404)
    return [found[name] for name in wanted]


# The role that asks, on the pages and through the API.
ASK_PERMISSION = "chat.use_chat"


@dataclass
class Turn:
    """A recorded question with its place in line, ready to be run with ``events``."""

    answer: Answer
    events: Iterator[dict]

    def finish(self) -> Answer:
        """Run the answer to its end without streaming it; return it as recorded."""
        for _event in self.events:
            pass
        self.answer.refresh_from_db()
        return self.answer


def take_turn(
    user,
    question: str,
    collections: list[Collection],
    arrived: float,
    arrived_at: datetime.datetime,
    earlier_questions: tuple[str, ...] = (),
) -> Turn:
    """Record the question and join the line; raise AskRefused when it is invalid or the line refuses it."""
    try:
        answer = services.start_answer(user, question, [c.pk for c in collections], earlier_questions=earlier_questions)
    except (ValidationError, PermissionDenied) as error:
        raise AskRefused(" ".join(getattr(error, "messages", [str(error)])), 400) from error
    try:
        ticket = line.join(answer, arrived_at)
    except line.LineRefused as error:
        services.fail_answer(answer, error.reason)
        raise AskRefused(error.reason, error.status) from error
    return Turn(answer, answer_in_turn(answer, ticket, arrived))
