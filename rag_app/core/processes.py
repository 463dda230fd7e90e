"""Start the app's processes (Chroma server, Celery worker, web server) and stop them together."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Supervisor:
    """Own child processes: if one exits, or on Ctrl-C, stop them all."""

    children: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, command: list[str], pass_fds: tuple[int, ...] = ()) -> subprocess.Popen:
        # Each child gets its own process group, so stopping it also stops its own children.
        process = subprocess.Popen(command, start_new_session=True, pass_fds=pass_fds)
        self.children[name] = process
        return process

    def wait_any(self) -> str:
        """Block until a child exits; return its name."""
        while True:
            for name, process in self.children.items():
                if process.poll() is not None:
                    return name
            time.sleep(0.5)

    def stop_all(self, grace_seconds: float = 15) -> None:
        """Ask each child to shut down cleanly; kill its whole process group if it will not."""
        for process in self.children.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + grace_seconds
        for process in self.children.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def wait_until(check: Callable[[], bool], timeout: float, what: str, process: subprocess.Popen | None = None) -> None:
    """Poll ``check`` until it is true; raise RuntimeError naming ``what`` on timeout or early exit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} before it was ready.")
        time.sleep(0.3)
    raise RuntimeError(f"{what} was not ready after {timeout:.0f} s.")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except OSError:
        return False


def chroma_command(path: Path, host: str, port: int) -> list[str]:
    """The `chroma run` server shipped in the chromadb package, next to this Python."""
    chroma = Path(sys.executable).with_name("chroma")
    return [str(chroma), "run", "--path", str(path), "--host", host, "--port", str(port)]


def celery_worker_command(concurrency: int, queue: str) -> list[str]:
    return [
        sys.executable, "-m", "celery", "-A", "rag_app", "worker",
        "--loglevel", "INFO", "--concurrency", str(concurrency), "--queues", queue,
    ]  # fmt: skip


def gunicorn_command(host: str, port: int, threads: int) -> list[str]:
    # Threads, not processes: one copy of the models in memory, and streamed answers
    # do not block other requests.
    return [
        sys.executable, "-m", "gunicorn", "rag_app.wsgi:application",
        "--bind", f"{host}:{port}", "--worker-class", "gthread", "--workers", "1",
        "--threads", str(threads), "--timeout", "300", "--access-logfile", "-",
    ]  # fmt: skip
