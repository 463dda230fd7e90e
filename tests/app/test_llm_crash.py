"""The LLM server dies in the middle of an answer: the answer ends failed, the server is restarted, the next works."""

import os
import signal

import pytest

from rag_app.chat import llm_settings, services
from rag_app.chat.llm_process import LLM_START_TIMEOUT_S, llm_server_is_up
from rag_app.chat.models import Answer
from rag_app.core import processes
from tests.settings import _free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUESTION = "How often should I replace the inlet filter?"


@pytest.fixture
def supervised_llm(settings):
    """A supervisor running the LLM server, as runapp does, on a port of its own."""
    settings.LLM_BASE_URL = f"http://127.0.0.1:{_free_port()}"
    supervisor = processes.Supervisor()
    supervisor.start("llm", llm_settings.llm_server_command())
    try:
        processes.wait_until(llm_server_is_up, LLM_START_TIMEOUT_S, "The LLM server", supervisor.process("llm"))
        yield supervisor
    finally:
        supervisor.stop_all()


def _ask(user, collection) -> Answer:
    answer = services.start_answer(user, QUESTION, [collection.pk])
    for _event in services.stream_answer(answer):
        pass
    answer.refresh_from_db()
    return answer


def test_a_killed_llm_server_fails_the_answer_and_the_next_question_works(supervised_llm, pump_manual, admin_user):
    answer = services.start_answer(admin_user, QUESTION, [pump_manual.collection_id])
    events = services.stream_answer(answer)
    for event in events:
        if event["type"] == "token":
            os.kill(supervised_llm.process("llm").pid, signal.SIGKILL)
            break
    remaining = list(events)

    answer.refresh_from_db()
    assert remaining[-1] == {"type": "done"}
    assert answer.status == Answer.Status.FAILED
    assert answer.stop_reason == "error"
    assert "stopped in the middle of the answer" in answer.error

    said = []
    processes.wait_until(
        lambda: supervised_llm.tend(said.append) or "started again" in " ".join(said), 30, "The restart"
    )
    assert "was killed by SIGKILL; restarting it in 1 s" in said[0]
    processes.wait_until(llm_server_is_up, LLM_START_TIMEOUT_S, "The restarted LLM server")

    again = _ask(admin_user, pump_manual.collection)
    assert again.status == Answer.Status.COMPLETE, again.error
    assert again.text
