"""Run one answer through the line for the model: wait for its turn, then generate it.

The chat page streams these events to the browser; the API reads them to build its replies.
Whatever ends the run (finished, the reader gone, an error) the ticket is returned and the
answer records how it ended.
"""

import time
from collections.abc import Iterator
from contextlib import closing

from rag_app.chat import line, services
from rag_app.chat.models import Answer, AnswerTicket

# While an answer is written, its ticket is touched this often (not at every token).
_TOUCH_EVERY_S = 5


def answer_in_turn(answer: Answer, ticket: AnswerTicket, arrived: float) -> Iterator[dict]:
    """Yield ``queue`` events while the answer waits, one ``turn``, then the answer's own events.

    ``arrived`` is the perf_counter time of the request: the wait and the timings count from it.
    """
    began = False
    try:
        for place in line.wait_turn(ticket):
            yield {"type": "queue", "ahead": place.ahead, "wait_s": place.wait_s}
        answer.wait_ms = _ms_since(arrived)
        yield {"type": "turn"}
        began = True
        touched = time.monotonic()
        with closing(services.stream_answer(answer, arrived=arrived)) as events:
            for event in events:
                if time.monotonic() - touched > _TOUCH_EVERY_S:
                    line.touch(ticket)
                    touched = time.monotonic()
                yield event
    finally:
        line.leave(ticket)
        if not began:
            services.stop_waiting_answer(answer, _ms_since(arrived))


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
