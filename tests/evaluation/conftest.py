"""The real manuals as a collection, for the gates that measure the app on them."""

import pytest

from evaluation import real_manuals
from evaluation.real_manuals import manual_set, write_real_manuals
from rag_app.documents.models import Collection
from tests.app.conftest import ingest_now


def real_manuals_collection(folder, question_set: str = "dev"):
    """Return a collection holding a set's real manuals ("dev" or "heldout"), ingested through the app.

    Skip, naming the apt-get command, without them.
    """
    manuals, _ = manual_set(question_set)
    if real_manuals.missing_manuals(manuals):
        pytest.skip(f"the {question_set} set's manuals are not installed; run: {real_manuals.install_command(manuals)}")
    collection = Collection.objects.create(name=f"Real manuals ({question_set})")
    for path in write_real_manuals(folder / question_set, manuals):
        ingest_now(collection, path)
    return collection
