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
