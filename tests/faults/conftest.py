"""A topology to break: a private Redis, a Celery worker, a sweeper and a web server on the test database.

Each runs as its own process, as in production, so a test can kill, stop or restart one. The
Chroma server is the session's. Leases are short (INGEST_LEASE_SECONDS=4) and the sweeper
runs every second, so recovery takes seconds here instead of the production minute.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from rag_app.core import processes
from tests.conftest import _database_url
from tests.pdfs import make_pdf
from tests.settings import _free_port

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 4

PARAGRAPH = (
    "Section {n}.{m}: to set the {thing}, open the settings menu, choose {thing} and enter {value}. "
    "The pump confirms with two beeps; if it does not within {value} seconds, restart it and repeat. "
)
THINGS = ["flow sensor", "pressure valve", "display timeout", "inlet filter", "alarm relay", "fan speed"]


class Redis:
    """A redis-server of the test's own, that keeps nothing on disk, to stop and start again."""

    def __init__(self, folder: Path):
        self.port = _free_port()
        self.folder = folder
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        processes.wait_until(self.answers, 20, "The test's Redis", self.process)

    def answers(self) -> bool:
        return (
            subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout.strip() == b"PONG"
        )

    def stop(self):
        processes.stop_process(self.process)


class ProcessGroup:
    """App processes started with one environment, each logging to ``<folder>/<name>.log``."""

    def __init__(self, folder: Path, env: dict):
        self.folder = folder
        self.env = env
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("a")
        process = subprocess.Popen(
            command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.started.append(process)
        return process

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


class Topology(ProcessGroup):
    """Start and stop the app's processes on the test database, the test's Redis and the session's Chroma."""

    def __init__(self, folder: Path, redis: Redis, chroma_url: str):
        super().__init__(
            folder,
            {
                **os.environ,
                "DATABASE_URL": _database_url(connection.settings_dict),
                "CELERY_BROKER_URL": redis.url,
                "CELERY_QUEUE": f"faults-{os.getpid()}",
                "CHROMA_URL": chroma_url,
                "INGEST_LEASE_SECONDS": str(LEASE_SECONDS),
            },
        )

    def worker(self) -> subprocess.Popen:
        worker = self.start("worker", processes.celery_worker_command(1, self.env["CELERY_QUEUE"]))
        processes.wait_until(lambda: "ready." in self.log("worker"), 90, "The Celery worker", worker)
        return worker

    def sweeper(self) -> subprocess.Popen:
        return self.start("sweeper", [sys.executable, "manage.py", "sweep", "--every", "1"])

    def web(self) -> str:
        port = _free_port()
        web = self.start("web", processes.gunicorn_command("127.0.0.1", port, 8))
        url = f"http://127.0.0.1:{port}"
        processes.wait_until(lambda: processes.http_ok(f"{url}/login/"), 60, "The web server", web)
        return url

    def stop_all(self):
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def pool_children(worker: subprocess.Popen) -> list[int]:
    """The pids of the worker's pool processes (its children)."""
    found = subprocess.run(["ps", "--ppid", str(worker.pid), "-o", "pid="], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def make_long_manual(path: Path, pages: int = 60) -> Path:
    """A manual that takes the worker tens of seconds to embed, long enough to be killed midway."""
    texts = [
        "\n\n".join(
            PARAGRAPH.format(n=n, m=m, thing=THINGS[(n + m) % len(THINGS)], value=(n * 7 + m) % 90 + 5)
            for m in range(1, 6)
        )
        for n in range(1, pages + 1)
    ]
    make_pdf(path, texts)
    return path


@pytest.fixture
def redis(tmp_path):
    server = Redis(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


@pytest.fixture
def topology(tmp_path, redis, chroma_server):
    app = Topology(tmp_path, redis, chroma_server)
    yield app
    app.stop_all()
    if os.environ.get("SHOW_FAULT_LOGS"):
        for name in ("worker", "sweeper", "web"):
            print(f"--- {name}\n{app.log(name)}")
