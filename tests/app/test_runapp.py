"""`manage.py runapp` starts a working app on embedded defaults: SQLite, filesystem broker, local Chroma."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import wait_for
from tests.settings import _free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def running_app(tmp_path):
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "DATABASE_URL", "CHROMA_URL", "DJANGO_SETTINGS_MODULE"))
    }
    env.update(
        DATA_DIR=str(tmp_path / "data"),
        CHROMA_URL=f"http://127.0.0.1:{_free_port()}",
        MANUALIST_ADMIN_PASSWORD="first-admin-pw-1",
    )
    log_path = tmp_path / "runapp.log"
    with log_path.open("w") as log:
        app = subprocess.Popen(
            [sys.executable, "manage.py", "runapp", "--port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for(lambda: "Manualist is running" in log_path.read_text() or app.poll() is not None, timeout=120)
            assert app.poll() is None, log_path.read_text()
            yield f"http://127.0.0.1:{port}", app, log_path, env
        finally:
            if app.poll() is None:
                app.send_signal(signal.SIGINT)
                app.wait(timeout=40)


def _log_in(client: httpx.Client, base: str) -> None:
    client.get(f"{base}/login/")
    response = client.post(
        f"{base}/login/",
        data={"username": "admin", "password": "first-admin-pw-1", "csrfmiddlewaretoken": client.cookies["csrftoken"]},
        headers={"Referer": f"{base}/login/"},
    )
    assert response.status_code == 302, response.text


def test_runapp_serves_ingests_and_stops_cleanly(running_app):
    base, app, log_path, env = running_app
    assert "username “admin”" in log_path.read_text()
    with httpx.Client(follow_redirects=False, timeout=30) as client:
        assert client.get(f"{base}/documents/").status_code == 302
        _log_in(client, base)
        page = client.get(f"{base}/documents/")
        client.post(
            f"{base}/documents/collections/new/",
            data={"name": "Pumps", "csrfmiddlewaretoken": client.cookies["csrftoken"]},
            headers={"Referer": str(page.url)},
        )
        answer = client.post(
            f"{base}/documents/upload/",
            data={"collection": "1", "csrfmiddlewaretoken": client.cookies["csrftoken"]},
            files={"files": ("pump.md", b"# Priming\n\nOpen the vent screw until water flows.\n")},
            headers={"Accept": "application/json", "Referer": str(page.url)},
        ).json()
        assert answer["rejected"] == []
        rows = wait_for(
            lambda: (r := client.get(f"{base}/documents/rows/?collection=1").text) and "Ready" in r and r, timeout=90
        )
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

    app.send_signal(signal.SIGINT)
    assert app.wait(timeout=40) == 0
    time.sleep(1)
    leftovers = subprocess.run(["pgrep", "-f", f"--bind 127.0.0.1:{base.rsplit(':', 1)[1]}"], capture_output=True)
    assert leftovers.stdout == b""
