"""Check each service the app depends on, for the /health endpoint that compose and load balancers poll."""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from django.db import connection

from rag_app.chat import llm_settings
from rag_app.documents.chroma_process import chroma_heartbeat_url

# A check slower than this counts as down: a load balancer must not wait on a hung service.
CHECK_TIMEOUT_S = 2.0


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    from rag_app.celery import app

    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=CHECK_TIMEOUT_S)


def check_chroma() -> None:
    httpx.get(chroma_heartbeat_url(), timeout=CHECK_TIMEOUT_S).raise_for_status()


def check_llm() -> None:
    response = httpx.get(llm_settings.llm_health_url(), timeout=CHECK_TIMEOUT_S)
    # Another OpenAI-compatible server (vLLM) has no such page: its 404 still proves it answers.
    if response.status_code >= 500:
        response.raise_for_status()


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "chroma": check_chroma,
    "llm": check_llm,
}


def _timed(check: Callable[[], None]) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:
        result = {"up": False, "error": _reason(error)}
    else:
        result = {"up": True}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _reason(error: Exception) -> str:
    """A short reason that names the failure without echoing addresses or credentials."""
    if isinstance(error, httpx.TimeoutException | TimeoutError):
        return "timed out"
    if isinstance(error, httpx.HTTPStatusError):
        return f"answered HTTP {error.response.status_code}"
    if isinstance(error, httpx.ConnectError | ConnectionError):
        return "refused the connection"
    return type(error).__name__


def _closing_database(check: Callable[[], None]) -> Callable[[], None]:
    """Run a check in a pool thread and close that thread's database connection after it."""

    def run() -> None:
        try:
            check()
        finally:
            connection.close()

    return run


def service_health() -> dict:
    """Run every check at once; report each as up or down with its latency, and the whole as up or down."""
    with ThreadPoolExecutor(max_workers=len(CHECKS)) as pool:
        futures = {name: pool.submit(_timed, _closing_database(check)) for name, check in CHECKS.items()}
        checks = {name: future.result() for name, future in futures.items()}
    return {"status": "up" if all(check["up"] for check in checks.values()) else "down", "checks": checks}
