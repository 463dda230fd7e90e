"""Open the Chroma client a process should use."""

import threading

from ingestion import store
from rag_app.documents import pipeline_settings

# One client per process and server: building one costs ~100 ms (a TLS context, Chroma's
# settings, a heartbeat), more than a whole search. Its requests carry time limits.
_clients: dict = {}
_clients_lock = threading.Lock()


def server_client():
    """Return this process's client of the app's Chroma server; raise StoreUnavailable when it is down."""
    config = pipeline_settings.server_store_config()
    with _clients_lock:
        client = _clients.get(config)
        if client is None:
            client = _clients[config] = store.open_client(config)
    return client


def forget_server_client() -> None:
    """Drop the kept client after a failure, so the next use checks the server again."""
    with _clients_lock:
        _clients.clear()


def command_client():
    """Prefer the running app's Chroma server; otherwise open the data folder directly, under its lock."""
    try:
        return server_client()
    except store.StoreUnavailable:
        return store.open_client(pipeline_settings.embedded_store_config())
