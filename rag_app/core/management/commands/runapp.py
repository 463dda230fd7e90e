"""Run the whole app on one machine: Chroma server, LLM server, Celery worker and web server together."""

import logging
import os
import signal
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ingestion.store import StoreUnavailable, hold_data_lock
from rag_app.chat import llm_settings
from rag_app.chat.llm_process import LLM_START_TIMEOUT_S, llm_server_is_up
from rag_app.chat.services import fail_interrupted_answers
from rag_app.core import processes
from rag_app.core.first_admin import ensure_first_admin
from rag_app.core.roles import ensure_roles
from rag_app.documents import chroma_process, sweeper
from rag_app.documents.sweeper import SWEEP_EVERY_S
from rag_app.tuning.training import fail_interrupted_jobs

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Start Manualist: Chroma and LLM servers, a Celery worker and the web server; Ctrl-C stops them all."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("WEB_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8000")))
        parser.add_argument(
            "--threads", type=int, default=processes.WEB_THREADS, help="Web threads; keep above ANSWER_LINE_LIMIT."
        )
        parser.add_argument("--worker-concurrency", type=int, default=int(os.environ.get("WORKER_CONCURRENCY", "1")))

    def handle(self, *args, host, port, threads, worker_concurrency, **options):
        call_command("migrate", interactive=False, verbosity=0)
        ensure_roles()
        username = os.environ.get("MANUALIST_ADMIN_USERNAME", "admin")
        password = ensure_first_admin(username, os.environ.get("MANUALIST_ADMIN_PASSWORD", ""))
        # No web process or worker is running yet, so an answer still marked as streaming, or a
        # training job still marked as running, was cut off.
        fail_interrupted_answers()
        fail_interrupted_jobs()
        supervisor = processes.Supervisor(logs=settings.DATA_DIR / "logs", echo=self.stdout.write)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, _raise_keyboard_interrupt)
        try:
            self._start_chroma(supervisor)
            # No worker of ours is running yet: every document still being read was cut off.
            sweeper.sweep(no_worker_running=True)
            self._start_llm(supervisor)
            supervisor.start(
                "worker", processes.celery_worker_command(worker_concurrency, settings.CELERY_TASK_DEFAULT_QUEUE)
            )
            web = supervisor.start("web", processes.gunicorn_command(host, port, threads))
            url = f"http://{host}:{port}/"
            processes.wait_until(lambda: processes.http_ok(f"{url}login/"), 60, "The web server", web)
            if "llm" in supervisor.children:
                self.stdout.write("Loading the model (the first start also assembles it; this can take minutes)…")
                processes.wait_until(
                    llm_server_is_up,
                    LLM_START_TIMEOUT_S,
                    "The LLM server",
                    supervisor.process("llm"),
                )
            self._banner(url, username, password)
            self.stdout.write(f"Each process logs to {settings.DATA_DIR / 'logs'}; warnings and errors also show here.")
            stopped = supervisor.watch(
                self.stdout.write, on_restart=_after_restart, on_tick=_Every(SWEEP_EVERY_S, _sweep)
            )
            raise CommandError(f"The {stopped} process keeps stopping; shutting everything down.")
        except KeyboardInterrupt:
            self.stdout.write("Stopping…")
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        finally:
            # A second Ctrl-C must not cut the shutdown short; stop_all kills what will not stop.
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, signal.SIG_IGN)
            supervisor.stop_all()
            # The worker is gone: what it was reading waits for the next start, not for a lease to lapse.
            released = sweeper.release_working()
            if released:
                self.stdout.write(f"{released} document(s) being read will be read again at the next start.")

    def _start_llm(self, supervisor: processes.Supervisor) -> None:
        """Use the LLM server at LLM_BASE_URL, starting one when it is local and down."""
        if llm_server_is_up():
            return
        if not llm_settings.llm_server_is_local():
            raise CommandError(f"The LLM server at {settings.LLM_BASE_URL} is not answering.")
        supervisor.start("llm", llm_settings.llm_server_command())

    def _start_chroma(self, supervisor: processes.Supervisor) -> None:
        """Use the Chroma server at CHROMA_URL, starting one on DATA_DIR when it is local and down."""
        if processes.http_ok(chroma_process.chroma_heartbeat_url()):
            return
        if not chroma_process.chroma_server_is_local():
            raise CommandError(f"The Chroma server at {settings.CHROMA_URL} is not answering.")
        try:
            lock_fd = hold_data_lock(Path(settings.CHROMA_PATH))
        except StoreUnavailable as error:
            raise CommandError(str(error)) from error
        chroma = supervisor.start("chroma", chroma_process.local_chroma_command(), (lock_fd,))
        chroma_process.wait_for_chroma(chroma)

    def _banner(self, url: str, username: str, password: str | None) -> None:
        lines = ["", f"Manualist is running at {url}"]
        if password:
            lines.append(f"First admin account created: username “{username}”, password “{password}”.")
            lines.append("Write it down; change it with: python manage.py changepassword " + username)
        else:
            lines.append(
                "Log in with your admin account (reset a password with: python manage.py changepassword NAME)."
            )
        lines.append("Press Ctrl-C to stop the web server, the worker, the LLM server and Chroma.")
        self.stdout.write(self.style.SUCCESS("\n".join(lines)) + "\n")


def _after_restart(name: str) -> None:
    # Answers the old web process was streaming died with it; so did the old worker's training.
    if name == "web":
        fail_interrupted_answers()
    if name == "worker":
        fail_interrupted_jobs()


def _sweep() -> None:
    try:
        sweeper.sweep()
    except Exception:
        # A sweep that fails (the database busy, say) is tried again at the next round.
        logger.warning("The sweep of documents in progress failed", exc_info=True)


class _Every:
    """Call ``action`` at most once every ``seconds``, however often it is called."""

    def __init__(self, seconds: float, action):
        self.seconds, self.action, self.last = seconds, action, time.monotonic()

    def __call__(self) -> None:
        if time.monotonic() - self.last >= self.seconds:
            self.last = time.monotonic()
            self.action()


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt
