"""The answer reaches a real HTTP client token by token, and concurrent questions both finish."""

import json
import threading
import time

import httpx
import pytest

from rag_app.chat.models import Answer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def http(live_server, admin_user):
    """An httpx client logged in as the admin, with a CSRF token, talking to the live server."""
    client = _logged_in(live_server, admin_user)
    yield client
    client.close()


def _logged_in(live_server, user) -> httpx.Client:
    from django.test import Client

    browser = Client()
    browser.force_login(user)
    client = httpx.Client(base_url=live_server.url, timeout=180)
    client.cookies.set("sessionid", browser.cookies["sessionid"].value)
    client.get("/chat/")
    return client


def _stream(http, collection, question):
    """POST a question; return (arrival time, event) for each server-sent event."""
    arrivals = []
    with http.stream(
        "POST",
        "/chat/ask/",
        data={"question": question, "collections": str(collection.pk)},
        headers={"X-CSRFToken": http.cookies["csrftoken"], "Referer": str(http.base_url)},
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                arrivals.append((time.perf_counter(), json.loads(line[6:])))
    return arrivals


def test_tokens_arrive_incrementally_over_http(http, pump_manual):
    arrivals = _stream(http, pump_manual.collection, "What should I do if the red fault lamp flashes twice?")

    token_times = [at for at, event in arrivals if event["type"] == "token"]
    assert len(token_times) >= 3
    # Streamed, not buffered: the first token came well before the last one.
    assert token_times[-1] - token_times[0] > 0.05
    assert arrivals[-1][1]["type"] == "done"


def test_two_users_asking_at_once_both_get_their_answers(http, pump_manual, live_server, role_user):
    # One question per user waits for the model at a time, so the second asker is someone else.
    clients = {"a": http, "b": _logged_in(live_server, role_user("staff"))}
    results = {}

    def ask(name, question):
        results[name] = _stream(clients[name], pump_manual.collection, question)

    threads = [
        threading.Thread(target=ask, args=("a", "How do I prime the pump before the first start?")),
        threading.Thread(target=ask, args=("b", "How long is the warranty on the motor?")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)

    clients["b"].close()
    assert set(results) == {"a", "b"}
    for arrivals in results.values():
        assert arrivals[-1][1]["type"] == "done"
        answer = Answer.objects.get(pk=arrivals[0][1]["answer"])
        assert answer.status in (Answer.Status.COMPLETE, Answer.Status.NO_ANSWER)


def test_closing_the_stream_stops_generation_and_records_it(http, pump_manual, settings):
    settings.LLM_MAX_TOKENS = 200
    with http.stream(
        "POST",
        "/chat/ask/",
        data={"question": "Describe how to prime the pump.", "collections": str(pump_manual.collection.pk)},
        headers={"X-CSRFToken": http.cookies["csrftoken"], "Referer": str(http.base_url)},
    ) as response:
        lines = response.iter_lines()
        meta = json.loads(next(line for line in lines if line.startswith("data: "))[6:])
        next(line for line in lines if '"type": "token"' in line)  # The first token, after its turn came.
    answer = Answer.objects.get(pk=meta["answer"])
    for _ in range(100):
        answer.refresh_from_db()
        if answer.status != Answer.Status.STREAMING:
            break
        time.sleep(0.2)
    assert answer.status in (Answer.Status.STOPPED, Answer.Status.COMPLETE)
