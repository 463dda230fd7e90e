import pytest

from rag_app.documents.models import Collection
from tests.pdfs import make_pdf

MANUAL_PAGES = [
    "Installing the X200 router. Mount the router on a flat surface near a power outlet. "
    "The green status lamp blinks while the router starts.",
    "Resetting the X200. Hold the recessed reset button for twelve seconds with a paper clip. "
    "All settings return to the factory defaults after the reset.",
    "Wireless channels. The X200 scans channels 1 to 13 and picks the quietest one automatically. "
    "You can pin channel 6 in the advanced wireless menu.",
]


@pytest.fixture
def collection(db):
    return Collection.objects.create(name="Router X200")


@pytest.fixture
def manual_pdf(tmp_path):
    path = tmp_path / "x200-manual.pdf"
    make_pdf(path, MANUAL_PAGES)
    return path


PUMP_PAGES = [
    "Introduction. The Aquaflow P-400 pump moves clean water for garden irrigation and cellar drainage. "
    "Read this manual before you install the pump.",
    "Priming the pump. Before the first start, open the vent screw on top of the housing until water flows out, "
    "then close the vent screw by hand.",
    "Maintenance. Replace the inlet filter every 200 operating hours. Rinse the filter basket with clean water "
    "once a month.",
    "Warranty. The motor is covered by a warranty of three years from the date of purchase. "
    "Keep the receipt as proof of purchase.",
    "Troubleshooting. If the red fault lamp flashes twice, the motor has overheated. "
    "Switch the pump off and let it cool for thirty minutes.",
]


def ingest_now(collection: Collection, path):
    """Add the file at ``path`` to ``collection`` and ingest it in this process; return the ready document."""
    from django.core.files import File

    from rag_app.documents import ingest, services, vectors

    with path.open("rb") as handle:
        document = services.add_document(collection, File(handle, name=path.name), path.name, enqueue=False)
    ingest.ingest_document(document.pk, vectors.server_client)
    document.refresh_from_db()
    assert document.is_ready, document.error_reason
    return document


@pytest.fixture
def pump_manual(chroma_server, llm_server, tmp_path):
    """A ready five-page manual with one distinct fact per page, ingested through the real pipeline."""
    collection = Collection.objects.create(name="Aquaflow P-400")
    path = tmp_path / "aquaflow-p400.pdf"
    make_pdf(path, PUMP_PAGES)
    return ingest_now(collection, path)


@pytest.fixture(scope="session")
def zero_adapter_bytes(tmp_path_factory) -> bytes:
    """An all-zero LoRA adapter (B = 0) for the default base model: attached, it must change nothing."""
    import numpy as np
    from django.conf import settings

    from answering.lora import base_weight_shapes, model_architecture, write_lora_adapter
    from answering.packaged_models import ensure_packaged_model, packaged_model

    base = ensure_packaged_model(packaged_model(settings.LLM_MODEL), settings.MODELS_DIR)
    generator = np.random.default_rng(0)
    weights = {
        name: (generator.standard_normal((4, inputs)).astype(np.float32), np.zeros((outputs, 4), np.float32))
        for name, (outputs, inputs) in base_weight_shapes(base).items()
    }
    path = tmp_path_factory.mktemp("adapter") / "zero.gguf"
    return write_lora_adapter(path, model_architecture(base), weights, alpha=4).read_bytes()
