"""The production topology, without Docker: every service its own process on loopback.

PostgreSQL (a fresh database on the machine's server), a Redis of the test's own, one Chroma
server, the LLM server, two Celery workers and gunicorn, wired only by environment variables
as docker-compose.yml wires them. Six manuals go in through the web form; both workers must
ingest at the same time; a question is answered through the LLM server and audited.
"""

import os
import re
import subprocess
import sys
import time
from datetime import datetime

import httpx
import psycopg
import pytest

from rag_app.core import processes
from tests.faults.conftest import ROOT, ProcessGroup, Redis, make_long_manual
from tests.settings import _free_port

pytestmark = pytest.mark.slow

ADMIN_PASSWORD = "topology-admin-pw-1"
MANUALS = 6
# Celery's own lines, e.g. "… INFO celery.worker.strategy: Task documents.ingest_document[id] received".
TASK_LINE = re.compile(
    r"^(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) INFO celery\.[\w.]+: "
    r"Task documents\.ingest_document\[(?P<id>[0-9a-f-]+)\] (?P<what>received|succeeded)",
    re.MULTILINE,
)


@pytest.fixture
def database():
    """A fresh PostgreSQL database on the machine's server, dropped afterwards."""
    name = f"manualist_topology_{os.getpid()}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Services(ProcessGroup):
    """The app's processes, configured by environment only."""

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def stop_all(self) -> None:
        for process in reversed(self.started):
            processes.stop_process(process)


@pytest.fixture
def services(tmp_path, database, chroma_server, llm_server):
    redis = Redis(tmp_path)
    redis.start()
    from django.conf import settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rag_app.settings",
        "SECRET_KEY": "topology-test-secret-key-that-is-long-enough-0123456789",
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": redis.url,
        "CELERY_QUEUE": "manualist",
        "CHROMA_URL": chroma_server,
        "LLM_BASE_URL": settings.LLM_BASE_URL,
    }
    app = Services(tmp_path, env)
    yield app
    app.stop_all()
    redis.stop()
    if os.environ.get("SHOW_TOPOLOGY_LOGS"):
        for name in ("worker-1", "worker-2", "web"):
            print(f"--- {name}\n{app.log(name)}")


def _worker(app: Services, name: str) -> subprocess.Popen:
    command = [*processes.celery_worker_command(1, "manualist"), "--hostname", f"{name}@%h"]
    worker = app.start(name, command)
    processes.wait_until(lambda: "ready." in app.log(name), 90, f"Celery {name}", worker)
    return worker


def _signed_in(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=600, follow_redirects=True)
    client.get("/login/")
    client.post(
        "/login/",
        data={"username": "admin", "password": ADMIN_PASSWORD, "csrfmiddlewaretoken": client.cookies["csrftoken"]},
        headers={"Referer": f"{url}/login/"},
    )
    assert client.get("/documents/").status_code == 200, "the admin could not sign in"
    return client


def _intervals(log: str) -> dict[str, list[datetime]]:
    times: dict[str, list[datetime]] = {}
    for match in TASK_LINE.finditer(log):
        times.setdefault(match["id"], []).append(datetime.strptime(match["at"], "%Y-%m-%d %H:%M:%S,%f"))
    return {task: pair for task, pair in times.items() if len(pair) == 2}


def test_six_manuals_two_workers_one_answer_on_the_production_topology(services, tmp_path):
    app = services
    app.run("migrate", "--noinput")
    app.env["TOPOLOGY_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    app.run("adduser", "admin", "--role", "admin", "--password-env", "TOPOLOGY_ADMIN_PASSWORD")
    key = app.run("apikey", "create", "admin", "--name", "topology test").strip()
    _worker(app, "worker-1")
    _worker(app, "worker-2")
    port = _free_port()
    web = app.start("web", processes.gunicorn_command("127.0.0.1", port, 8))
    url = f"http://127.0.0.1:{port}"
    processes.wait_until(lambda: processes.http_ok(f"{url}/login/"), 90, "The web server", web)

    health = httpx.get(f"{url}/health").json()
    assert health["status"] == "up", health
    print("GET /health ->", health)

    browser = _signed_in(url)
    created = browser.post(
        "/documents/collections/new/",
        data={"name": "Pumps", "description": "", "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": f"{url}/documents/"},
    )
    collection_id = int(created.url.params["collection"])
    paths = [make_long_manual(tmp_path / f"pump-{n}.pdf", pages=24 + n) for n in range(MANUALS)]
    uploaded = browser.post(
        "/documents/upload/",
        data={"collection": str(collection_id), "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        files=[("files", (path.name, path.read_bytes(), "application/pdf")) for path in paths],
        headers={"Accept": "application/json", "Referer": f"{url}/documents/"},
    ).json()
    assert uploaded["rejected"] == [] and len(uploaded["accepted"]) == MANUALS

    api = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=600)

    def statuses():
        return [api.get(f"/api/documents/{item['id']}").json() for item in uploaded["accepted"]]

    deadline = time.monotonic() + 900
    while any(doc["status"] not in ("ready", "failed") for doc in statuses()):
        assert time.monotonic() < deadline, statuses()
        time.sleep(2)
    documents = statuses()
    assert [doc["status"] for doc in documents] == ["ready"] * MANUALS, documents

    # Both workers ingested, at the same time, and each manual exactly once.
    runs = {name: _intervals(app.log(name)) for name in ("worker-1", "worker-2")}
    assert all(runs.values()), {name: len(tasks) for name, tasks in runs.items()}
    assert sum(len(tasks) for tasks in runs.values()) == MANUALS
    assert not set(runs["worker-1"]) & set(runs["worker-2"])
    assert any(
        a_start < b_end and b_start < a_end
        for a_start, a_end in runs["worker-1"].values()
        for b_start, b_end in runs["worker-2"].values()
    ), "the two workers never ingested at the same time"

    # Nothing lost, nothing duplicated: the database's chunks are exactly Chroma's vectors.
    with psycopg.connect(app.env["DATABASE_URL"].replace("postgres://", "postgresql://")) as db:
        chunk_rows = db.execute(
            "SELECT count(*), count(DISTINCT vector_id) FROM documents_chunk c "
            "JOIN documents_document d ON d.id = c.document_id WHERE d.collection_id = %s",
            (collection_id,),
        ).fetchone()
        namespace = db.execute("SELECT vector_namespace FROM documents_collection WHERE id = %s", (collection_id,))
        namespace = namespace.fetchone()[0]
    assert chunk_rows[0] == chunk_rows[1] == sum(doc["chunks"] for doc in documents)
    import chromadb

    chroma_url = httpx.URL(app.env["CHROMA_URL"])
    chroma = chromadb.HttpClient(host=chroma_url.host, port=chroma_url.port)
    assert chroma.get_collection(f"manualist-{namespace.hex}").count() == chunk_rows[0]

    asked = api.post("/api/ask", json={"question": "How do I set the fan speed?", "collections": ["Pumps"]}).json()
    assert asked["status"] == "complete", asked
    assert asked["citations"] and asked["citations"][0]["document"].startswith("pump-")
    audit = browser.get(f"/audit/answers/{asked['id']}/")
    assert audit.status_code == 200 and "How do I set the fan speed?" in audit.text
    cited = asked["citations"][0]
    assert cited["file_url"] in audit.text and f"page {cited['page_start']}" in audit.text
