"""Whatever dies mid-ingest, the document ends ready with exactly one set of vectors, or failed with its reason.

Bounds: a dead worker's lease lapses within INGEST_LEASE_SECONDS (4 s here, 60 s by default),
the sweeper requeues within a second more (30 s under runapp), then the ingest runs again.
"""

import os
import signal
import subprocess
import time

import httpx
import pytest
from django.core.files import File

from rag_app.core import processes
from rag_app.documents import services, vectors
from rag_app.documents.dispatch import WAITING_FOR_BROKER
from rag_app.documents.models import Collection, Document
from tests.conftest import wait_for
from tests.faults.conftest import Topology, make_long_manual, pool_children
from tests.settings import _free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Seconds for a dead worker's document to be read again and be ready: lease, sweep, a fresh ingest.
RECOVERY_S = 240


def _queued_manual(tmp_path, name="pump-settings.pdf") -> Document:
    collection = Collection.objects.create(name=f"Faults {name}")
    path = make_long_manual(tmp_path / name)
    with path.open("rb") as handle:
        # Not sent from this process: the sweeper sends it, on the test's own broker.
        return services.add_document(collection, File(handle, name=name), name, enqueue=False)


def _document(document: Document) -> Document:
    return Document.objects.get(pk=document.pk)


def _wait_embedding(document: Document, past: int = 30, interruptions: int = 0) -> None:
    def embedding():
        current = _document(document)
        return current.status == "embedding" and current.progress >= past and current.interruptions == interruptions

    wait_for(embedding, 180, 0.2)


def _assert_one_set_of_vectors(document: Document) -> None:
    document = _document(document)
    assert document.status == Document.Status.READY, document.error_reason
    stored = vectors.server_client().get_collection(document.collection.vector_collection)
    found = stored.get(where={"document_id": document.pk}, include=["metadatas"])
    assert {meta["generation"] for meta in found["metadatas"]} == {document.generation}
    assert sorted(found["ids"]) == sorted(document.chunks.filter(searchable=True).values_list("vector_id", flat=True))


@pytest.fixture
def being_read(topology, tmp_path):
    """A worker and a sweeper, and a manual the worker is embedding: (worker, document)."""
    worker = topology.worker()
    topology.sweeper()
    document = _queued_manual(tmp_path)
    _wait_embedding(document)
    return worker, document


def _ready_after(document: Document, since: float, record_property) -> None:
    wait_for(lambda: _document(document).status == Document.Status.READY, RECOVERY_S)
    record_property("seconds_to_ready", round(time.monotonic() - since, 1))
    _assert_one_set_of_vectors(document)


def test_a_pool_child_killed_mid_ingest_is_read_again_to_ready(being_read, record_property):
    worker, document = being_read
    killed = time.monotonic()
    for child in pool_children(worker):
        os.kill(child, signal.SIGKILL)
    _ready_after(document, killed, record_property)


def test_a_worker_killed_mid_ingest_is_read_again_by_the_next_worker(being_read, topology, record_property):
    worker, document = being_read
    killed = time.monotonic()
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    time.sleep(1)
    assert _document(document).status == Document.Status.EMBEDDING
    topology.worker()
    _ready_after(document, killed, record_property)


def test_a_file_that_keeps_killing_the_worker_fails_with_the_reason(topology, tmp_path, settings):
    worker = topology.worker()
    topology.sweeper()
    document = _queued_manual(tmp_path)
    for attempt in range(settings.MAX_INGEST_INTERRUPTIONS):
        # The sweeper counts each death as it requeues; wait for this attempt's run to be embedding.
        _wait_embedding(document, past=26, interruptions=attempt)
        for child in pool_children(worker):
            os.kill(child, signal.SIGKILL)
    wait_for(lambda: _document(document).status == Document.Status.FAILED, 60)
    failed = _document(document)
    assert failed.error_reason.startswith(
        f"The worker stopped while reading this file {settings.MAX_INGEST_INTERRUPTIONS} times"
    )
    assert not failed.chunks.exists()


def test_an_upload_while_the_broker_is_down_waits_and_is_read_when_it_returns(
    topology, redis, tmp_path, role_user, record_property
):
    topology.worker()
    topology.sweeper()
    url = topology.web()
    role_user("admin", "uploader")
    collection = Collection.objects.create(name="Uploaded in an outage")
    redis.stop()
    with httpx.Client(base_url=url, timeout=30) as client:
        client.get("/login/")
        login = {
            "username": "uploader",
            "password": "pw-for-tests-123",
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        }
        client.post("/login/", data=login, headers={"Referer": f"{url}/login/"})
        started = time.monotonic()
        response = client.post(
            "/documents/upload/",
            data={"collection": collection.pk, "csrfmiddlewaretoken": client.cookies["csrftoken"]},
            files={"files": ("pump.md", b"# Priming\n\nOpen the vent screw until water flows out.\n")},
            headers={"Accept": "application/json", "Referer": f"{url}/documents/"},
        )
        took = time.monotonic() - started
    assert response.status_code == 200, response.text
    assert response.json()["accepted"][0]["name"] == "pump.md"
    assert took < 20
    document = collection.documents.get()
    assert document.status == Document.Status.QUEUED
    assert document.stage_detail == WAITING_FOR_BROKER
    redis.start()
    _ready_after(document, time.monotonic(), record_property)


def test_a_hung_chroma_during_ingest_is_noted_and_the_document_ends_ready(tmp_path, redis, settings, record_property):
    port = _free_port()
    chroma = subprocess.Popen(
        processes.chroma_command(tmp_path / "own-chroma", "127.0.0.1", port),
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    settings.CHROMA_URL = f"http://127.0.0.1:{port}"
    topology = Topology(tmp_path, redis, settings.CHROMA_URL)
    try:
        processes.wait_until(lambda: processes.http_ok(f"{settings.CHROMA_URL}/api/v2/heartbeat"), 60, "Chroma", chroma)
        topology.worker()
        topology.sweeper()
        os.kill(chroma.pid, signal.SIGSTOP)
        document = _queued_manual(tmp_path)
        # The worker's call times out and it says why it waits, instead of a frozen "parsing 0%".
        wait_for(lambda: "is not answering" in _document(document).stage_detail, 120)
        assert _document(document).stage_detail.startswith("Waiting")
        os.kill(chroma.pid, signal.SIGCONT)
        _ready_after(document, time.monotonic(), record_property)
    finally:
        topology.stop_all()
        os.kill(chroma.pid, signal.SIGCONT)
        processes.stop_process(chroma)
