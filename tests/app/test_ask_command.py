"""`manage.py ask --json` prints the answer, its citations, what was retrieved and timings."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from rag_app.core import processes

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SOURCE_KEYS = {
    "n", "document", "document_id", "page_start", "page_end", "passage", "score", "chunk_id", "attached", "file_url"
}  # fmt: skip


def _ask(question, collection):
    out = StringIO()
    call_command("ask", question, "--collection", collection.name, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_ask_prints_one_json_object_with_citations_and_timings(admin_user, pump_manual):
    result = _ask("How long is the warranty on the motor?", pump_manual.collection)

    assert set(result) == {
        "id", "question", "answer", "status", "error", "stop_reason", "no_answer", "no_answer_reason",
        "citations", "retrieved", "timings",
    }  # fmt: skip
    assert result["status"] == "complete"
    assert result["error"] == ""
    assert result["stop_reason"] in ("finished", "length")
    assert set(result["timings"]) == {"wait_ms", "retrieval_ms", "ttft_ms", "total_ms", "tokens_per_s"}
    assert result["no_answer"] is False
    assert result["retrieved"] and all(set(item) == SOURCE_KEYS for item in result["retrieved"])
    assert result["retrieved"][0]["document"] == "aquaflow-p400.pdf"
    assert result["retrieved"][0]["page_start"] == 4
    assert all(citation["page_start"] == 4 for citation in result["citations"])


def test_ask_reports_a_no_answer_without_timing_the_model(admin_user, pump_manual):
    result = _ask("Which Zigbee channel does the pump use?", pump_manual.collection)

    assert result["no_answer"] is True
    assert result["citations"] == []
    assert result["timings"]["ttft_ms"] is None


def test_ask_exits_non_zero_with_the_reason_when_chroma_is_down(admin_user, pump_manual, settings):
    from django.core.management import CommandError

    # A remote server (TEST-NET-1, never routed): the command cannot start it, so it says how to fix it.
    settings.CHROMA_URL = "http://192.0.2.1:9"
    out = StringIO()
    with pytest.raises(CommandError, match=r"The answer failed: .*not answering.*runapp"):
        call_command(
            "ask", "How long is the warranty?", "--collection", pump_manual.collection.name, "--json", stdout=out
        )
    printed = json.loads(out.getvalue())
    assert printed["status"] == "failed"
    assert "not answering" in printed["error"]


def test_ask_works_without_the_app_by_starting_chroma_on_the_data_folder(admin_user, llm_server, settings, tmp_path):
    """`ingest` then `ask` with no app running: ask serves the data folder with a Chroma server of its own."""
    from tests.app.conftest import PUMP_PAGES
    from tests.pdfs import make_pdf
    from tests.settings import _free_port

    settings.CHROMA_URL = f"http://127.0.0.1:{_free_port()}"
    settings.CHROMA_PATH = tmp_path / "data" / "chroma"
    path = make_pdf(tmp_path / "aquaflow-p400.pdf", PUMP_PAGES)
    # The ingest command opens the folder itself (nothing answers at CHROMA_URL); a new
    # process does so here, as a person would run it, so this process holds no lock on it.
    _manage(tmp_path / "data", "ingest", str(path), "--collection", "Pumps offline")

    out = StringIO()
    call_command("ask", "How long is the warranty on the motor?", "--collection", "Pumps offline", "--json", stdout=out)
    result = json.loads(out.getvalue())

    assert result["status"] == "complete", result["error"]
    assert result["citations"] and result["citations"][0]["page_start"] == 4
    assert not processes.http_ok(settings.CHROMA_URL + "/api/v2/heartbeat"), (
        "the temporary Chroma server was left running"
    )


def _manage(data_dir, *args: str) -> None:
    import os
    import subprocess
    import sys

    from django.conf import settings
    from django.db import connection

    from tests.conftest import _database_url

    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CHROMA_URL": settings.CHROMA_URL,
        "DATA_DIR": str(data_dir),
    }
    done = subprocess.run([sys.executable, "manage.py", *args], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
