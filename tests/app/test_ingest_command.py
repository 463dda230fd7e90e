"""`manage.py ingest` runs the same pipeline in-process and prints a summary."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from rag_app.documents.models import Document
from tests.pdfs import make_pdf

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_ingest_command_reads_a_folder_and_prints_json(chroma_server, tmp_path):
    folder = tmp_path / "manuals"
    folder.mkdir()
    make_pdf(folder / "a.pdf", ["Alpha page one text about fans.", "Alpha page two text about filters."])
    (folder / "b.md").write_text("# Setup\n\nPlug in the unit.\n\n# Care\n\nWipe with a dry cloth.\n")
    (folder / "notes.bin").write_bytes(b"\x00\x01")

    out = StringIO()
    call_command("ingest", str(folder), "--collection", "Fans", "--json", stdout=out, stderr=StringIO())

    summary = json.loads(out.getvalue())
    assert set(summary) == {"documents", "pages", "chunks", "seconds", "pages_per_s"}
    assert summary["documents"] == 2
    assert summary["pages"] == 4
    assert summary["chunks"] == sum(Document.objects.values_list("chunk_count", flat=True))
    assert set(Document.objects.values_list("status", flat=True)) == {Document.Status.READY}


def test_ingest_command_skips_duplicates_and_reports_them(chroma_server, tmp_path):
    path = tmp_path / "a.pdf"
    make_pdf(path, ["Only page."])
    call_command("ingest", str(path), "--collection", "Fans", "--json", stdout=StringIO(), stderr=StringIO())
    err = StringIO()
    out = StringIO()
    with pytest.raises(Exception, match="Nothing was ingested"):
        call_command("ingest", str(path), "--collection", "Fans", "--json", stdout=out, stderr=err)
    assert "already in Fans" in err.getvalue()
    assert Document.objects.count() == 1
