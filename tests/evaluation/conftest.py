"""The real manuals as a collection, for the gates that measure the app on them."""

import pytest

from evaluation import real_manuals
from evaluation.real_manuals import write_real_manuals
from rag_app.documents.models import Collection
from tests.app.conftest import ingest_now


def real_manuals_collection(folder):
    """Return a collection holding the three real manuals, ingested through the app; skip without them."""
    if real_manuals.missing_manuals():
        pytest.skip(f"the real manuals are not installed; run: {real_manuals.install_command()}")
    collection = Collection.objects.create(name="Real manuals")
    for path in write_real_manuals(folder):
        ingest_now(collection, path)
    return collection
