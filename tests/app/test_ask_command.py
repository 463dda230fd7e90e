"""`manage.py ask --json` prints the answer, its citations, what was retrieved and timings."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SOURCE_KEYS = {"n", "document", "page_start", "page_end", "score", "chunk_id", "attached"}


def _ask(question, collection):
    out = StringIO()
    call_command("ask", question, "--collection", collection.name, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_ask_prints_one_json_object_with_citations_and_timings(admin_user, pump_manual):
    result = _ask("How long is the warranty on the motor?", pump_manual.collection)

    assert set(result) == {"answer", "status", "error", "stop_reason", "no_answer", "citations", "retrieved", "timings"}
    assert result["status"] == "complete"
    assert result["error"] == ""
    assert result["stop_reason"] in ("finished", "length")
    assert set(result["timings"]) == {"retrieval_ms", "ttft_ms", "total_ms", "tokens_per_s"}
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

    settings.CHROMA_URL = "http://127.0.0.1:9"
    out = StringIO()
    with pytest.raises(CommandError, match=r"The answer failed: .*not answering"):
        call_command(
            "ask", "How long is the warranty?", "--collection", pump_manual.collection.name, "--json", stdout=out
        )
    printed = json.loads(out.getvalue())
    assert printed["status"] == "failed"
    assert "not answering" in printed["error"]
