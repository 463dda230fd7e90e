"""Make sure a Chroma server answers, starting a temporary one on the data folder for a single command."""

import subprocess
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings

from ingestion.store import StoreUnavailable, hold_data_lock
from rag_app.chat.llm_settings import LOOPBACK
from rag_app.core import processes

CHROMA_START_TIMEOUT_S = 60


def chroma_heartbeat_url() -> str:
    return settings.CHROMA_URL.rstrip("/") + "/api/v2/heartbeat"


def chroma_server_is_local() -> bool:
    return urlparse(settings.CHROMA_URL).hostname in LOOPBACK


def local_chroma_command() -> list[str]:
    """The `chroma run` that serves DATA_DIR's Chroma folder at CHROMA_URL."""
    url = urlparse(settings.CHROMA_URL)
    return processes.chroma_command(settings.CHROMA_PATH, url.hostname, url.port or 8000)


def wait_for_chroma(server: subprocess.Popen) -> None:
    """Wait until the started server answers; raise RuntimeError if it exits or is not ready in time."""
    processes.wait_until(
        lambda: processes.http_ok(chroma_heartbeat_url()), CHROMA_START_TIMEOUT_S, "The Chroma server", server
    )


@contextmanager
def chroma_server_running(log_path: Path | None = None):
    """Run the body with the Chroma server at CHROMA_URL answering.

    When it is down and local, start one on DATA_DIR for the duration (under the data
    folder's lock, so it never shares files with another process) and stop it afterwards.
    Raise StoreUnavailable with the fix when it is down and remote, or the folder is in use.
    """
    if processes.http_ok(chroma_heartbeat_url()):
        yield
        return
    if not chroma_server_is_local():
        raise StoreUnavailable(
            f"The Chroma server at {settings.CHROMA_URL} is not answering. Start it (or the whole app, with "
            "`python manage.py runapp`), or point CHROMA_URL at a running one."
        )
    lock_fd = hold_data_lock(Path(settings.CHROMA_PATH))
    log_path = log_path or settings.DATA_DIR / "logs" / "chroma-command.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        server = subprocess.Popen(
            local_chroma_command(),
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(lock_fd,),
            start_new_session=True,
        )
    try:
        try:
            wait_for_chroma(server)
        except RuntimeError as error:
            raise StoreUnavailable(f"{error} Its log: {log_path}") from error
        yield
    finally:
        processes.stop_process(server)
