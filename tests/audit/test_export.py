"""CSV and JSON exports of the filtered answers."""

import csv
import io

import pytest
from django.urls import reverse

from rag_app.audit.export import answer_records, to_csv
from rag_app.audit.filters import filter_answers
from tests.audit.conftest import record_answer, utc


def _export(client, fmt, params=None):
    return client.get(reverse("rag-audit-export", args=[fmt]), params or {})


def _csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def auditor_client(client, recorded):
    client.force_login(recorded.auditor)
    return client


def test_json_export_holds_the_filtered_answers_in_list_order(auditor_client, recorded):
    params = {"collection": recorded.dryer.pk}
    records = _export(auditor_client, "json", params).json()
    assert [record["id"] for record in records] == [answer.pk for answer in filter_answers(params, recorded.auditor)]
    assert [record["id"] for record in records] == [recorded.third.pk, recorded.second.pk]


def test_csv_export_holds_the_filtered_answers_in_list_order(auditor_client, recorded):
    params = {"no_answer": "no"}
    rows = _csv_rows(_export(auditor_client, "csv", params))
    assert [int(row["id"]) for row in rows] == [answer.pk for answer in filter_answers(params, recorded.auditor)]
    assert [int(row["id"]) for row in rows] == [recorded.second.pk, recorded.first.pk]


@pytest.mark.parametrize(("fmt", "content_type"), [("csv", "text/csv"), ("json", "application/json")])
def test_exports_download_as_attachments(auditor_client, fmt, content_type):
    response = _export(auditor_client, fmt)
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith(f'.{fmt}"')


def test_an_unknown_format_is_not_found(auditor_client):
    assert _export(auditor_client, "xml").status_code == 404


def test_bad_filters_are_refused(auditor_client):
    assert _export(auditor_client, "json", {"feedback": "maybe"}).status_code == 400


def test_a_record_holds_the_answer_its_model_timings_citations_marks_and_feedback(recorded):
    [record] = answer_records(filter_answers({"q": "reset"}, recorded.auditor))
    assert record["user"] == "alice"
    assert record["collections"] == ["Router R-9"]
    assert record["answer"] == "Hold the reset button for twelve seconds [1]."
    assert record["status"] == "complete" and record["no_answer"] is False
    assert record["model"] == {"file_name": "gemma.gguf", "backend": "llama.cpp", "quantization": "Q4_K_M",
                               "sha256": "abc"}  # fmt: skip
    assert record["timings"] == {
        "wait_ms": None,
        "retrieval_ms": 12.5,
        "ttft_ms": 100.0,
        "total_ms": 1100.0,
        "tokens_per_s": 50.0,
    }
    assert record["citations"] == [
        {"n": 1, "document": "router-r9.pdf", "page_start": 2, "page_end": 2, "score": 0.7, "attached": False,
         "chunk_id": f"{recorded.router_pdf.pk}-2"},
    ]  # fmt: skip
    assert [(source["rank"], source["page_start"], source["cited"]) for source in record["retrieved"]] == [
        (1, 2, True), (2, 3, False),
    ]  # fmt: skip
    assert [(mark["verdict"], mark["auditor"], mark["comment"]) for mark in record["marks"]] == [
        ("approved", "auditor-user", "Page 2 says so"),
    ]  # fmt: skip
    assert [(item["helpful"], item["user"], item["comment"]) for item in record["feedback"]] == [
        (True, "alice", "Worked first time"),
    ]  # fmt: skip


def test_a_no_answer_record_keeps_the_reason(recorded):
    [record] = answer_records(filter_answers({"no_answer": "yes"}, recorded.auditor))
    assert record["no_answer"] is True
    assert record["no_answer_reason"] == "The manuals never mention: labels"
    assert record["citations"] == []


def test_csv_cells_read_as_document_page_and_number(recorded):
    [row] = csv.DictReader(io.StringIO(to_csv(answer_records(filter_answers({"q": "reset"}, recorded.auditor)))))
    assert row["citations"] == "router-r9.pdf p.2 [1]"
    assert row["retrieved"] == "#1 router-r9.pdf p.2 [1] score 0.70 cited; #2 router-r9.pdf p.3 [2] score 0.60"
    assert row["marks"] == "approved by auditor-user: Page 2 says so"
    assert row["feedback"] == "up by alice: Worked first time"
    assert row["model_file_name"] == "gemma.gguf"
    assert row["tokens_per_s"] == "50.0"


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted(recorded):
    record_answer(recorded.bob, recorded.router, '=HYPERLINK("http://evil")', "An answer.", utc(4, 8))
    [row] = csv.DictReader(io.StringIO(to_csv(answer_records(filter_answers({"q": "hyperlink"}, recorded.auditor)))))
    assert row["question"] == '\'=HYPERLINK("http://evil")'


def test_records_are_built_with_a_fixed_number_of_queries(recorded, django_assert_num_queries):
    for day in range(1, 11):
        record_answer(recorded.bob, recorded.dryer, f"Another question {day}", "Another answer.", utc(day, 12),
                      sources=[(recorded.dryer_pdf, 2, True)])  # fmt: skip
    answers = filter_answers({}, recorded.auditor)
    with django_assert_num_queries(5):
        assert len(list(answer_records(answers))) == 13


def test_staff_cannot_export(client, role_user):
    client.force_login(role_user("staff"))
    assert _export(client, "json").status_code == 403


def test_anonymous_users_are_sent_to_login_from_the_export(client, db):
    response = _export(client, "csv")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_answer_from_the_real_chat_path_exports_its_model_and_cited_page(client, role_user, chat_answer):
    client.force_login(role_user("auditor"))
    [record] = _export(client, "json", {"user": "carol"}).json()
    assert record["id"] == chat_answer.pk
    assert record["model"]["file_name"] and record["model"]["sha256"]
    assert record["timings"]["total_ms"] >= record["timings"]["ttft_ms"] > 0
    assert {(source["document"], source["page_start"]) for source in record["citations"]} == {("aquaflow-p400.pdf", 3)}
    assert record["retrieved"][0]["chunk_id"]
