"""`manage.py runapp` starts a working app on embedded defaults: SQLite, filesystem broker, local Chroma and LLM."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from rag_app.core import processes
from rag_app.documents.sweeper import APP_STOPPED
from tests.conftest import wait_for
from tests.faults.conftest import make_long_manual
from tests.settings import _free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent
RUNNING = "Manualist is running"


@pytest.fixture
def running_app(tmp_path):
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "DATABASE_URL", "CHROMA_URL", "LLM_BASE_URL", "DJANGO_SETTINGS_MODULE"))
    }
    env.update(
        DATA_DIR=str(tmp_path / "data"),
        CHROMA_URL=f"http://127.0.0.1:{_free_port()}",
        LLM_BASE_URL=f"http://127.0.0.1:{_free_port()}",
        MANUALIST_ADMIN_PASSWORD="first-admin-pw-1",
        # A home of its own shows what the app leaves there (nothing, such as gunicorn's control socket).
        HOME=str(tmp_path / "home"),
    )
    log_path = tmp_path / "runapp.log"
    app = _start_app(env, port, log_path)
    try:
        yield f"http://127.0.0.1:{port}", app, log_path, env
    finally:
        if app.poll() is None:
            app.send_signal(signal.SIGINT)
            app.wait(timeout=40)


def _start_app(env: dict, port: int, log_path: Path) -> subprocess.Popen:
    """Start runapp, appending to ``log_path``, and wait until it says it is running."""
    before = log_path.read_text().count(RUNNING) if log_path.exists() else 0
    with log_path.open("a") as log:
        app = subprocess.Popen(
            [sys.executable, "manage.py", "runapp", "--port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    # The first start may also assemble the model into MODELS_DIR.
    wait_for(lambda: log_path.read_text().count(RUNNING) > before or app.poll() is not None, timeout=600)
    assert app.poll() is None, log_path.read_text()
    return app


def _log_in(client: httpx.Client, base: str) -> None:
    client.get(f"{base}/login/")
    response = client.post(
        f"{base}/login/",
        data={"username": "admin", "password": "first-admin-pw-1", "csrfmiddlewaretoken": client.cookies["csrftoken"]},
        headers={"Referer": f"{base}/login/"},
    )
    assert response.status_code == 302, response.text


def _upload_ready_manual(client: httpx.Client, base: str) -> str:
    """Create the collection "Pumps", upload a one-section manual, wait until it is ready; return its rows."""
    page = client.get(f"{base}/documents/")
    client.post(
        f"{base}/documents/collections/new/",
        data={"name": "Pumps", "csrfmiddlewaretoken": client.cookies["csrftoken"]},
        headers={"Referer": str(page.url)},
    )
    answer = client.post(
        f"{base}/documents/upload/",
        data={"collection": "1", "csrfmiddlewaretoken": client.cookies["csrftoken"]},
        files={"files": ("pump.md", b"# Priming\n\nOpen the vent screw on the pump housing until water flows.\n")},
        headers={"Accept": "application/json", "Referer": str(page.url)},
    ).json()
    assert answer["rejected"] == []
    return wait_for(
        lambda: (r := client.get(f"{base}/documents/rows/?collection=1").text) and "Ready" in r and r, timeout=90
    )


def _ask(client: httpx.Client, base: str, question: str, on_token=lambda: None) -> int:
    """Ask through the chat endpoint, calling ``on_token`` at the first token; return the answer's id."""
    client.get(f"{base}/chat/")
    answer_id = None
    with client.stream(
        "POST",
        f"{base}/chat/ask/",
        data={"question": question, "collections": "1"},
        headers={"X-CSRFToken": client.cookies["csrftoken"], "Referer": f"{base}/chat/"},
        timeout=300,
    ) as response:
        tokens = 0
        for line in response.iter_lines():
            if line.startswith("data: "):
                event = json.loads(line[6:])
                answer_id = event.get("answer", answer_id)
                tokens += event["type"] == "token"
                if tokens == 1 and event["type"] == "token":
                    on_token()
    return answer_id


def _row(env: dict, model: str, pk: int, fields: tuple[str, ...]) -> dict:
    """Read some fields of one row from the running app's database, through its own settings."""
    module, name = model.rsplit(".", 1)
    code = (
        f"import json; from {module} import {name}; row = {name}.objects.get(pk={pk}); "
        f"print(json.dumps({{field: getattr(row, field) for field in {fields!r}}}))"
    )
    shell = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return json.loads(shell.stdout.strip().splitlines()[-1])


def _answer_row(env: dict, answer_id: int) -> dict:
    return _row(env, "rag_app.chat.models.Answer", answer_id, ("status", "error"))


def _document_row(env: dict, document_id: int) -> dict:
    return _row(env, "rag_app.documents.models.Document", document_id, ("status", "stage_detail"))


def test_runapp_serves_ingests_and_stops_cleanly(running_app):
    base, app, log_path, env = running_app
    assert "username “admin”" in log_path.read_text()
    # Two instances on one host would remove each other's socket at this shared default path.
    assert not (Path(env["HOME"]) / ".gunicorn" / "gunicorn.ctl").exists()
    with httpx.Client(follow_redirects=False, timeout=30) as client:
        assert client.get(f"{base}/documents/").status_code == 302
        _log_in(client, base)
        rows = _upload_ready_manual(client, base)
        assert re.search(r"<td>1</td>", rows)

    # A single-process command must not open the Chroma folder the app's server is using.
    manual = log_path.parent / "more.md"
    manual.write_text("# Draining\n\nOpen the drain cock.\n")
    command = [sys.executable, "manage.py", "ingest", str(manual), "--collection", "Pumps"]
    direct = subprocess.run(
        command, cwd=ROOT, env={**env, "CHROMA_URL": f"http://127.0.0.1:{_free_port()}"}, capture_output=True, text=True
    )
    assert direct.returncode != 0
    assert "in use by another process" in direct.stderr

    # Each child logs to a file of its own; the console keeps the app's own lines.
    logs = Path(env["DATA_DIR"]) / "logs"
    assert '"GET /login/ HTTP/1.1" 200' in (logs / "web.log").read_text()
    assert (logs / "chroma.log").read_text().strip()
    assert (logs / "worker.log").read_text().strip()
    assert "GET /login/" not in log_path.read_text()

    app.send_signal(signal.SIGINT)
    assert app.wait(timeout=40) == 0
    time.sleep(1)
    leftovers = subprocess.run(["pgrep", "-f", f"--bind 127.0.0.1:{base.rsplit(':', 1)[1]}"], capture_output=True)
    assert leftovers.stdout == b""


def test_runapp_restarts_a_crashed_llm_server_and_the_cut_off_answer_ends_failed(running_app):
    base, _, log_path, env = running_app
    llm_port = env["LLM_BASE_URL"].rsplit(":", 1)[1]

    def kill_llm_server():
        found = subprocess.run(["pgrep", "-f", f"answering.llm_server.*--port {llm_port}"], capture_output=True)
        for pid in found.stdout.split():
            os.kill(int(pid), signal.SIGKILL)

    with httpx.Client(follow_redirects=False, timeout=30) as client:
        _log_in(client, base)
        _upload_ready_manual(client, base)
        cut_off = _ask(client, base, "How do I prime the pump before the first start?", on_token=kill_llm_server)
        row = _answer_row(env, cut_off)
        assert row["status"] == "failed"
        assert "stopped in the middle of the answer" in row["error"]

        wait_for(lambda: "The llm process was started again." in log_path.read_text(), timeout=60)
        assert "The llm process was killed by SIGKILL" in log_path.read_text()
        assert client.get(f"{base}/login/").status_code == 200
        wait_for(lambda: processes.http_ok(f"{env['LLM_BASE_URL']}/manualist/model"), timeout=300)
        answered = _ask(client, base, "How do I prime the pump before the first start?")
        assert _answer_row(env, answered)["status"] in ("complete", "no_answer")


def _upload_long_manual_until_embedding(client: httpx.Client, base: str, tmp_path: Path, pages: int = 60) -> None:
    manual = make_long_manual(tmp_path / "pump-settings.pdf", pages)
    page = client.get(f"{base}/documents/")
    client.post(
        f"{base}/documents/collections/new/",
        data={"name": "Pumps", "csrfmiddlewaretoken": client.cookies["csrftoken"]},
        headers={"Referer": str(page.url)},
    )
    client.post(
        f"{base}/documents/upload/",
        data={"collection": "1", "csrfmiddlewaretoken": client.cookies["csrftoken"]},
        files={"files": (manual.name, manual.read_bytes())},
        headers={"Accept": "application/json", "Referer": str(page.url)},
    )
    wait_for(lambda: "Embedding" in client.get(f"{base}/documents/rows/?collection=1").text, timeout=180)


@pytest.fixture
def short_lease(monkeypatch):
    """A worker's lease of 4 s instead of 60, so a dead worker's document is requeued within seconds."""
    monkeypatch.setenv("INGEST_LEASE_SECONDS", "4")


def test_runapp_restarts_a_killed_worker_and_its_document_is_read_again(short_lease, running_app, tmp_path):
    base, _, log_path, env = running_app
    with httpx.Client(follow_redirects=False, timeout=30) as client:
        _log_in(client, base)
        _upload_long_manual_until_embedding(client, base, tmp_path)
        found = subprocess.run(["pgrep", "-f", "celery -A rag_app worker .*--queues manualist$"], capture_output=True)
        for pid in found.stdout.split():
            os.kill(int(pid), signal.SIGKILL)
        wait_for(lambda: "The worker process was started again." in log_path.read_text(), timeout=60)
        assert client.get(f"{base}/login/").status_code == 200
        wait_for(lambda: _document_row(env, 1)["status"] == "ready", timeout=300)


def test_a_sigterm_mid_ingest_reads_the_document_again_at_the_next_start(running_app, tmp_path):
    base, app, log_path, env = running_app
    with httpx.Client(follow_redirects=False, timeout=30) as client:
        _log_in(client, base)
        # Long enough that the worker cannot finish it in the 15 s runapp gives it to stop: an
        # Intel Xeon with AMX embedded 600 pages (602 chunks) within them.
        _upload_long_manual_until_embedding(client, base, tmp_path, pages=2500)
        app.send_signal(signal.SIGTERM)
        assert app.wait(timeout=60) == 0
        assert "1 document(s) being read will be read again at the next start." in log_path.read_text()
        assert _document_row(env, 1) == {"status": "queued", "stage_detail": APP_STOPPED}

        again = _start_app(env, int(base.rsplit(":", 1)[1]), log_path)
        try:
            wait_for(lambda: _document_row(env, 1)["status"] == "ready", timeout=600)
        finally:
            again.send_signal(signal.SIGINT)
            again.wait(timeout=40)
