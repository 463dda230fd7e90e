"""Shared fixtures: a real Chroma server and a real Celery worker on the real Redis."""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from rag_app.core import processes


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """Run `chroma run` at the CHROMA_URL the test settings chose, on a throwaway folder."""
    from django.conf import settings

    url = urlparse(settings.CHROMA_URL)
    path = tmp_path_factory.mktemp("chroma")
    log = (path / "server.log").open("w")
    server = subprocess.Popen(
        processes.chroma_command(path, url.hostname, url.port), stdout=log, stderr=subprocess.STDOUT
    )
    heartbeat = settings.CHROMA_URL + "/api/v2/heartbeat"
    try:
        processes.wait_until(lambda: processes.http_ok(heartbeat), 60, "The Chroma server", server)
        yield settings.CHROMA_URL
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory):
    """Serve the configured packaged model (the app's default) at LLM_BASE_URL, as runapp does."""
    from rag_app.chat import llm_settings
    from rag_app.chat.llm_process import LLM_START_TIMEOUT_S, llm_server_is_up

    log_path = tmp_path_factory.mktemp("llm") / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(llm_settings.llm_server_command(), stdout=log, stderr=subprocess.STDOUT)
    try:
        processes.wait_until(llm_server_is_up, LLM_START_TIMEOUT_S, "The LLM server", server)
        yield server
    finally:
        processes.stop_process(server)
        if os.environ.get("SHOW_LLM_LOG"):
            print(log_path.read_text())


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, chroma_server, tmp_path_factory):
    """Start `celery worker` as a separate process on the test database and the real Redis."""
    from django.conf import settings
    from django.db import connection

    from rag_app.celery import app

    name = f"manualist-test-{os.getpid()}@localhost"
    log_path = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {**os.environ, "DATABASE_URL": _database_url(connection.settings_dict)}
    command = [
        sys.executable, "-m", "celery", "-A", "rag_app", "worker", "--loglevel", "INFO",
        "--concurrency", "1", "--queues", settings.CELERY_TASK_DEFAULT_QUEUE, "--hostname", name,
        "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).parent.parent
        )
        try:
            processes.wait_until(lambda: bool(app.control.ping([name], timeout=1.0)), 90, "The Celery worker", worker)
            yield worker
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
            if os.environ.get("SHOW_WORKER_LOG"):
                print(log_path.read_text())


def _database_url(settings_dict: dict) -> str:
    """Point the worker at the database the tests use (pytest-django's test database)."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"


def wait_for(predicate, timeout: float = 120, interval: float = 0.5):
    """Poll until predicate() returns something truthy and return it; fail the test on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"Condition not met within {timeout} s")


@pytest.fixture
def role_user(db, django_user_model):
    """Make a logged-in-able user in one of the roles: ``role_user("auditor")``."""
    from rag_app.core.roles import ensure_roles

    groups = ensure_roles()

    def make(role: str, username: str | None = None):
        user = django_user_model.objects.create_user(username or f"{role}-user", password="pw-for-tests-123")
        user.groups.add(groups[role])
        return user

    return make
