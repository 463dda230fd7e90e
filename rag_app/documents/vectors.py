"""Open the Chroma client a process should use."""

from ingestion import store
from rag_app.documents import pipeline_settings


def server_client():
    """Return a client of the app's Chroma server; raise StoreUnavailable when it is down."""
    return store.open_client(pipeline_settings.server_store_config())


def command_client():
    """Prefer the running app's Chroma server; otherwise open the data folder directly, under its lock."""
    try:
        return server_client()
    except store.StoreUnavailable:
        return store.open_client(pipeline_settings.embedded_store_config())
