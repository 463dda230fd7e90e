"""Chroma down, hung or failing mid-search: the answer ends failed with a reason that names the search.

A Chroma server of the test's own holds the manual, so the test can kill it, stop it (SIGSTOP)
or put a proxy in front that resets the connection when the query arrives.
"""

import os
import signal
import socket
import struct
import subprocess
import threading
import time

import pytest

from rag_app.chat import services
from rag_app.chat.models import Answer
from rag_app.core import processes
from rag_app.documents.models import Collection
from tests.app.conftest import PUMP_PAGES, ingest_now
from tests.pdfs import make_pdf
from tests.settings import _free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUESTION = "How often should I replace the inlet filter?"
# A hung server is given up on after CHROMA_TIMEOUT (2 s here) or the 3 s heartbeat probe.
BOUND_S = 15


@pytest.fixture
def own_chroma(tmp_path, settings, llm_server):
    port = _free_port()
    server = subprocess.Popen(
        processes.chroma_command(tmp_path / "chroma", "127.0.0.1", port),
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    processes.wait_until(lambda: processes.http_ok(f"{url}/api/v2/heartbeat"), 60, "The test's Chroma", server)
    settings.CHROMA_URL = url
    settings.CHROMA_TIMEOUT = 2
    settings.RETRIEVAL_SEARCH_TERMS = False
    yield server
    if server.poll() is None:
        os.kill(server.pid, signal.SIGCONT)
        processes.stop_process(server)


@pytest.fixture
def manual(own_chroma, tmp_path):
    path = tmp_path / "aquaflow-p400.pdf"
    make_pdf(path, PUMP_PAGES)
    return ingest_now(Collection.objects.create(name="Aquaflow P-400"), path)


def _ask(user, collection, record_property) -> tuple[Answer, float]:
    started = time.monotonic()
    answer = services.start_answer(user, QUESTION, [collection.pk])
    events = list(services.stream_answer(answer))
    answer.refresh_from_db()
    assert events[-1] == {"type": "done"}
    record_property("seconds_to_failed", round(time.monotonic() - started, 1))
    return answer, time.monotonic() - started


def test_a_killed_chroma_fails_the_answer_with_the_reason(manual, own_chroma, role_user, record_property):
    processes.stop_process(own_chroma)
    answer, took = _ask(role_user("staff"), manual.collection, record_property)
    assert answer.status == Answer.Status.FAILED
    assert "Chroma server" in answer.error
    assert took < BOUND_S


def test_a_hung_chroma_fails_the_answer_in_bounded_time(manual, own_chroma, role_user, record_property):
    os.kill(own_chroma.pid, signal.SIGSTOP)
    answer, took = _ask(role_user("staff"), manual.collection, record_property)
    assert answer.status == Answer.Status.FAILED
    assert "Chroma server" in answer.error
    assert took < BOUND_S


def test_chroma_resetting_the_query_fails_the_answer_naming_the_search(manual, settings, role_user, record_property):
    settings.CHROMA_URL = _resetting_proxy(settings.CHROMA_URL, on=b"/query")
    answer, took = _ask(role_user("staff"), manual.collection, record_property)
    assert answer.status == Answer.Status.FAILED
    assert answer.error.startswith("The search index (the Chroma server) failed during the search")
    assert took < BOUND_S


def _resetting_proxy(upstream_url: str, on: bytes) -> str:
    """Forward to Chroma, but reset the connection (TCP RST) once a request containing ``on`` passes."""
    upstream_port = int(upstream_url.rsplit(":", 1)[1])
    listener = socket.create_server(("127.0.0.1", 0))

    def reset(*sockets):
        for sock in sockets:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()

    def pipe(source, target, watch):
        try:
            while data := source.recv(65536):
                if watch and on in data:
                    reset(source, target)
                    return
                target.sendall(data)
        except OSError:
            pass

    def serve():
        while True:
            client, _ = listener.accept()
            server = socket.create_connection(("127.0.0.1", upstream_port))
            threading.Thread(target=pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=pipe, args=(server, client, False), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}"
