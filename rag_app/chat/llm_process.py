"""Make sure an LLM server answers, starting a temporary one for a single command when the app is not running."""

import subprocess
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from answering.llm import LLMUnavailable
from rag_app.chat import llm_settings
from rag_app.core import processes

# Assembling and checking a packaged model takes a minute on first use; loading, seconds.
LLM_START_TIMEOUT_S = 900


def llm_server_is_up() -> bool:
    return processes.http_ok(llm_settings.llm_health_url())


@contextmanager
def llm_server_running(log_path: Path | None = None):
    """Run the body with the LLM server at LLM_BASE_URL answering.

    When it is down and local, start one for the duration (its output goes to
    ``log_path``, else DATA_DIR/logs/llm-command.log) and stop it afterwards. Raise
    LLMUnavailable with the fix when it is down and remote, or fails to start.
    """
    if llm_server_is_up():
        yield
        return
    if not llm_settings.llm_server_is_local():
        raise LLMUnavailable(
            f"The LLM server at {settings.LLM_BASE_URL} is not answering. Start it, or point LLM_BASE_URL elsewhere."
        )
    log_path = log_path or settings.DATA_DIR / "logs" / "llm-command.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        server = subprocess.Popen(
            llm_settings.llm_server_command(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        try:
            processes.wait_until(llm_server_is_up, LLM_START_TIMEOUT_S, "The LLM server", server)
        except RuntimeError as error:
            raise LLMUnavailable(f"{error} Its log: {log_path}") from error
        yield
    finally:
        processes.stop_process(server)
