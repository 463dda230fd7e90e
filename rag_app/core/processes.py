"""Start the app's processes (Chroma and LLM servers, Celery worker, web server), restart and stop them."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rag_app.core.child_logs import ChildLog


@dataclass
class _Child:
    command: list[str]
    pass_fds: tuple[int, ...]
    process: subprocess.Popen
    # Start times of recent restarts, to back off and to give up on a child that keeps dying.
    restarts: list[float] = field(default_factory=list)
    restart_at: float | None = None


@dataclass
class Supervisor:
    """Own child processes: restart one that dies, with backoff; on Ctrl-C, stop them all.

    With ``logs`` set, each child's output goes to ``logs/<name>.log`` and only its warnings
    and errors reach ``echo`` (see ``child_logs``); otherwise children share this console.
    """

    children: dict[str, _Child] = field(default_factory=dict)
    logs: Path | None = None
    echo: Callable[[str], None] = print
    # A child that dies this often within the window is broken, not unlucky: stop trying.
    max_restarts: int = 5
    restart_window_s: float = 300
    max_backoff_s: float = 30
    _logs: dict[str, ChildLog] = field(default_factory=dict)

    def start(self, name: str, command: list[str], pass_fds: tuple[int, ...] = ()) -> subprocess.Popen:
        process = self._spawn(name, command, pass_fds)
        self.children[name] = _Child(command, pass_fds, process)
        return process

    def _spawn(self, name: str, command: list[str], pass_fds: tuple[int, ...]) -> subprocess.Popen:
        # Each child gets its own process group, so stopping it also stops its own children.
        if self.logs is None:
            return subprocess.Popen(command, start_new_session=True, pass_fds=pass_fds)
        if name not in self._logs:
            self._logs[name] = ChildLog(name, self.logs, self.echo)
        process = subprocess.Popen(
            command,
            start_new_session=True,
            pass_fds=pass_fds,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        self._logs[name].follow(process.stdout)
        return process

    def process(self, name: str) -> subprocess.Popen:
        return self.children[name].process

    def watch(
        self,
        say: Callable[[str], None],
        on_restart: Callable[[str], None] = lambda name: None,
        on_tick: Callable[[], None] = lambda: None,
    ) -> str:
        """Restart children that exit, forever; return the name of one that died too often to go on.

        Waits 1, 2, 4 … up to ``max_backoff_s`` seconds before each restart, and says so.
        ``on_restart(name)`` runs after a child is started again, ``on_tick()`` on every round.
        """
        while True:
            broken = self.tend(say, on_restart)
            if broken:
                return broken
            on_tick()
            time.sleep(0.5)

    def tend(self, say: Callable[[str], None], on_restart: Callable[[str], None] = lambda name: None) -> str | None:
        """Look at every child once: schedule a restart for one that exited, start those whose wait is over.

        Return the name of a child that died too often to go on, else None.
        """
        now = time.monotonic()
        for name, child in self.children.items():
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.process = self._spawn(name, child.command, child.pass_fds)
                    child.restart_at = None
                    say(f"The {name} process was started again.")
                    on_restart(name)
                continue
            if child.process.poll() is None:
                continue
            child.restarts = [t for t in child.restarts if now - t < self.restart_window_s]
            ended = describe_exit(child.process.returncode)
            if len(child.restarts) >= self.max_restarts:
                say(f"The {name} process {ended}, {len(child.restarts) + 1} times in a row.")
                return name
            delay = min(self.max_backoff_s, 2 ** len(child.restarts))
            child.restarts.append(now)
            child.restart_at = now + delay
            say(f"The {name} process {ended}; restarting it in {delay:.0f} s.")
        return None

    def stop_all(self, grace_seconds: float = 15) -> None:
        """Stop the children in the reverse of their start order; kill a process group that will not stop.

        Later children use earlier ones (the worker and web server use Chroma and the LLM), so
        a worker finishing its last moments still finds Chroma up instead of failing on it.
        """
        for child in reversed(list(self.children.values())):
            process = child.process
            if process.poll() is not None:
                continue
            process.terminate()
            try:
                process.wait(timeout=grace_seconds)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def stop_process(process: subprocess.Popen, grace_s: float = 20) -> None:
    """Ask ``process`` to exit; kill it if it has not within ``grace_s`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def describe_exit(returncode: int) -> str:
    """Say how a process ended: "was killed by SIGSEGV" or "exited with code 1"."""
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


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


# runapp's web threads: above ANSWER_LINE_LIMIT's default (24), so pages always have threads left.
WEB_THREADS = 32


def gunicorn_command(host: str, port: int, threads: int) -> list[str]:
    # Threads, not processes: one copy of the embedder in memory. Each streamed answer holds
    # a thread while it waits in line and is written, so there should be more threads than
    # ANSWER_LINE_LIMIT: the rest serve pages.
    return [
        sys.executable, "-m", "gunicorn", "rag_app.wsgi:application",
        "--bind", f"{host}:{port}", "--worker-class", "gthread", "--workers", "1",
        "--threads", str(threads), "--timeout", "300", "--access-logfile", "-",
        # Gunicorn closes an idle kept-alive connection after 2 s by default: a client that
        # polls every 2 s (progress bars, API scripts) then races the close and gets "server
        # disconnected". 75 s outlasts any polling interval, as nginx's default does.
        "--keep-alive", "75",
        # Its control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl), so two
        # instances on one host would remove each other's; runapp never uses it.
        "--no-control-socket",
    ]  # fmt: skip
