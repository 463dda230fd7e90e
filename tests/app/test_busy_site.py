"""With the model busy and twenty questions in line, pages still load and the next asker hears "busy".

The web server runs as runapp runs it (gunicorn, its default threads) on the test database.
A ticket that is already being written holds the model, so every question waits in line and
no model is needed; the test then hangs up and checks each answer was recorded with its wait.
The same server also keeps an idle connection open between two polls.
"""

import os
import re
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from rag_app.chat import line, services
from rag_app.chat.models import Answer, AnswerTicket
from rag_app.core import processes
from tests.conftest import _database_url, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-123"
IN_LINE = 20


@pytest.fixture
def web_server(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": _database_url(connection.settings_dict), "ANSWER_LINE_LIMIT": str(IN_LINE + 1)}
    with (tmp_path / "web.log").open("w") as log:
        server = subprocess.Popen(
            processes.gunicorn_command("127.0.0.1", port, processes.WEB_THREADS),
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).parents[2],
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        processes.wait_until(lambda: processes.http_ok(f"{url}/login/"), 60, "The web server", server)
        yield url
    finally:
        processes.stop_process(server)


def _logged_in(url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    client.get("/login/")
    client.post(
        "/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": client.cookies["csrftoken"]},
        headers={"Referer": f"{url}/login/"},
    )
    assert "sessionid" in client.cookies
    return client


def _ask(client: httpx.Client, collection_id: int):
    data = {"question": "How do I reset the router?", "collections": collection_id}
    headers = {"X-CSRFToken": client.cookies["csrftoken"], "Referer": str(client.base_url) + "/chat/"}
    return client.stream("POST", "/chat/ask/", data=data, headers=headers)


def test_pages_load_while_twenty_answers_wait_and_the_next_hears_busy(web_server, role_user, collection):
    holder = services.start_answer(role_user("staff", "holder"), "Who holds the model?", [collection.pk])
    list(line.wait_turn(line.join(holder, timezone.now())))
    askers = [role_user("staff", f"agent-{n}") for n in range(IN_LINE + 1)]
    clients = [_logged_in(web_server, user.username) for user in askers]

    streams, told = [], []
    lock = threading.Lock()

    def wait_in_line(client):
        stream = _ask(client, collection.pk)
        response = stream.__enter__()
        lines = response.iter_lines()
        events = [next(lines) for _ in range(4)]
        with lock:
            streams.append(stream)
            told.append(events)

    threads = [threading.Thread(target=wait_in_line, args=(client,)) for client in clients[:IN_LINE]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(told) == IN_LINE
    assert all(re.search(r'"type": "queue", "ahead": \d+', "".join(events)) for events in told)

    page_client = clients[-1]
    for path in ("/login/", "/chat/", "/static/css/app.css"):
        assert page_client.get(path, timeout=5).status_code == 200

    with _ask(page_client, collection.pk) as busy:
        assert busy.status_code == 503
        assert "Try again in a minute" in busy.read().decode()

    for stream in streams:
        stream.__exit__(None, None, None)
    waited = Answer.objects.filter(user__in=askers[:IN_LINE])
    wait_for(lambda: not waited.filter(status=Answer.Status.STREAMING).exists(), timeout=30)
    assert set(waited.values_list("status", flat=True)) == {Answer.Status.STOPPED}
    assert all(wait_ms > 0 for wait_ms in waited.values_list("wait_ms", flat=True))
    assert list(AnswerTicket.objects.values_list("answer", flat=True)) == [holder.pk]


def test_a_connection_idle_between_polls_is_still_open(web_server):
    """Progress polling waits 2 s between requests; gunicorn's default keep-alive is 2 s."""
    host, port = web_server.removeprefix("http://").split(":")
    request = f"GET /login/ HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request)
        assert _read_response(conn).startswith(b"HTTP/1.1 200")
        time.sleep(3)  # past gunicorn's default keep-alive of 2 s
        conn.sendall(request)
        assert _read_response(conn).startswith(b"HTTP/1.1 200")


def _read_response(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        assert piece, "the server closed the connection"
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    while len(body) < length:
        piece = conn.recv(65536)
        assert piece, "the server closed the connection"
        body += piece
    return head
