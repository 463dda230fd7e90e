"""The audit detail page: passages, sentence support, the full record, marks, and who may open it."""

# Fixtures imported from detail_fixtures are named again as test arguments; that is how pytest uses them.
# ruff: noqa: F811

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from rag_app.audit import support
from rag_app.chat.models import AuditMark, Feedback
from rag_app.documents.models import Collection, Document
from tests.audit.detail_fixtures import (  # noqa: F401
    add_source,
    auditor,
    auditor_client,
    filter_answer,
    pump_manual,
    record_answer,
    staff_user,
)

FILTER_SENTENCE = "Replace the inlet filter every 200 operating hours."
MAINTENANCE_PAGE = f"Maintenance. {FILTER_SENTENCE} Rinse the filter basket with clean water once a month."


@pytest.fixture
def mixed_answer(staff_user, db):
    """An answer whose second sentence no passage supports, as a small model might invent it."""
    collection = Collection.objects.create(name="Aquaflow P-400")
    answer = record_answer(
        staff_user, collection, "How often should I replace the inlet filter?",
        f"{FILTER_SENTENCE[:-1]} [1]. The pump can also stream music to Bluetooth speakers.",
    )  # fmt: skip
    add_source(answer, 1, 3, MAINTENANCE_PAGE, cited=True, support=FILTER_SENTENCE)
    add_source(answer, 2, 2, "Priming the pump. Before the first start, open the vent screw on top of the housing.")
    return answer


def _detail(client, answer):
    response = client.get(reverse("rag-audit-detail", args=[answer.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_page_shows_every_passage_with_rank_score_and_the_original_page(auditor_client, filter_answer):
    page = _detail(auditor_client, filter_answer)
    for source in filter_answer.sources.all():
        assert f'id="source-{filter_answer.pk}-{source.number}"' in page
        assert f"rank {source.rank} · score {source.score:.3f}" in page
        assert escape(source.file_url) in page
        assert reverse("rag-audit-document", args=[source.document_id]) in page


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_page_shows_the_full_prompt_model_and_generation_record(auditor_client, filter_answer):
    page = _detail(auditor_client, filter_answer)
    for message in filter_answer.prompt:
        assert f"<pre>{escape(message['content'])}</pre>" in page
    assert filter_answer.model_info["sha256"] in page
    assert filter_answer.model_info["file_name"] in page
    assert f"seed {filter_answer.generation_params['seed']}" in page
    assert f"temperature {filter_answer.generation_params['temperature']}" in page
    assert f"{filter_answer.tokens_per_s} tokens/s" in page
    assert escape(filter_answer.retrieval_query) in page
    assert filter_answer.user.username in page


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_cited_passage_highlights_the_sentence_that_supports_the_answer(auditor_client, filter_answer):
    page = _detail(auditor_client, filter_answer)
    cited = filter_answer.sources.get(cited=True)
    assert cited.page_start == 3
    assert f"<mark>{escape(cited.support)}</mark>" in page


@pytest.mark.slow
def test_each_answer_sentence_gets_its_best_passage_and_an_unrelated_one_is_unsupported(mixed_answer):
    rows = support.sentence_support(mixed_answer)

    assert [row.sentence for row in rows] == [FILTER_SENTENCE, "The pump can also stream music to Bluetooth speakers."]
    assert rows[0].supported and rows[0].source.number == 1 and rows[0].support == FILTER_SENTENCE
    assert rows[0].score > 0.95
    assert not rows[1].supported
    assert rows[1].score < support.SUPPORT_THRESHOLD


@pytest.mark.slow
def test_the_page_flags_the_unsupported_sentence_only(auditor_client, mixed_answer):
    page = _detail(auditor_client, mixed_answer)
    assert page.count('<tr class="unsupported">') == 1
    assert page.count('<tr class="supported">') == 1
    flagged = page.split('<tr class="unsupported">')[1].split("</tr>")[0]
    assert "Not supported" in flagged
    assert "stream music to Bluetooth speakers" in flagged


def test_a_no_answer_has_no_sentences_to_support(staff_user):
    collection = Collection.objects.create(name="Aquaflow P-400")
    answer = record_answer(staff_user, collection, "Does it do SNMP?", "That is not in the manuals.", no_answer=True)
    assert support.sentence_support(answer) == []


def test_the_page_shows_the_no_answer_reason_and_user_feedback(auditor_client, staff_user):
    collection = Collection.objects.create(name="Aquaflow P-400")
    answer = record_answer(
        staff_user, collection, "Does it do SNMP?", "That is not in the manuals.", no_answer=True,
        no_answer_reason="The manuals never mention: snmp",
    )  # fmt: skip
    Feedback.objects.create(answer=answer, user=staff_user, helpful=False, comment="We need this documented")
    page = _detail(auditor_client, answer)
    assert "The manuals never mention: snmp" in page
    assert "Not helpful" in page and "We need this documented" in page


def test_marks_are_kept_with_the_auditor_and_the_time(auditor_client, auditor, mixed_answer):
    url = reverse("rag-audit-mark", args=[mixed_answer.pk])
    before = timezone.now()

    first = auditor_client.post(url, {"verdict": "citation_wrong", "comment": "The second claim is invented."})
    auditor_client.post(url, {"verdict": "approved", "comment": ""})

    assert first.status_code == 302 and first.url == reverse("rag-audit-detail", args=[mixed_answer.pk])
    marks = list(mixed_answer.marks.order_by("created_at"))
    assert [(mark.verdict, mark.comment, mark.auditor) for mark in marks] == [
        ("citation_wrong", "The second claim is invented.", auditor),
        ("approved", "", auditor),
    ]
    assert all(before <= mark.created_at <= timezone.now() for mark in marks)


def test_the_page_shows_the_marks_history_newest_first(auditor_client, auditor, mixed_answer):
    AuditMark.objects.create(answer=mixed_answer, auditor=auditor, verdict="answer_wrong", comment="Bluetooth?")
    newer = AuditMark.objects.create(answer=mixed_answer, auditor=auditor, verdict="approved")
    AuditMark.objects.filter(pk=newer.pk).update(created_at=timezone.now() + datetime.timedelta(minutes=5))

    page = _detail(auditor_client, mixed_answer)
    history = page.split('class="mark-history"')[1]
    assert history.index("Approved") < history.index("Answer wrong") < history.index("Bluetooth?")
    assert auditor.username in history


def test_an_unknown_verdict_adds_no_mark(auditor_client, mixed_answer):
    response = auditor_client.post(reverse("rag-audit-mark", args=[mixed_answer.pk]), {"verdict": "great"}, follow=True)
    assert mixed_answer.marks.count() == 0
    assert "Choose approved, citation wrong or answer wrong." in response.content.decode()


def test_answers_over_a_collection_the_auditor_cannot_read_are_not_found(auditor_client, mixed_answer):
    mixed_answer.collections.first().allowed_groups.add(Group.objects.get(name="staff"))
    assert auditor_client.get(reverse("rag-audit-detail", args=[mixed_answer.pk])).status_code == 404


AUDIT_REQUESTS = [
    ("get", "rag-audit-detail", True),
    ("post", "rag-audit-mark", True),
    ("post", "rag-audit-replay", True),
    ("get", "rag-audit-compare", True),
    ("get", "rag-audit-gaps", False),
]


def _request(client, method, name, answer, takes_answer):
    url = reverse(name, args=[answer.pk] if takes_answer else [])
    return getattr(client, method)(url, {"verdict": "approved"} if name == "rag-audit-mark" else {})


@pytest.mark.parametrize(("method", "name", "takes_answer"), AUDIT_REQUESTS)
def test_staff_cannot_use_audit_pages(client, role_user, mixed_answer, method, name, takes_answer):
    client.force_login(role_user("staff"))
    assert _request(client, method, name, mixed_answer, takes_answer).status_code == 403
    assert mixed_answer.marks.count() == 0 and not mixed_answer.replays.exists()


@pytest.mark.parametrize(("method", "name", "takes_answer"), AUDIT_REQUESTS)
def test_anonymous_users_are_sent_to_login_from_audit_pages(client, mixed_answer, method, name, takes_answer):
    response = _request(client, method, name, mixed_answer, takes_answer)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["rag-audit-detail", "rag-audit-gaps"])
def test_auditors_can_open_the_detail_and_gap_pages(auditor_client, mixed_answer, name):
    url = reverse(name, args=[mixed_answer.pk] if name == "rag-audit-detail" else [])
    assert auditor_client.get(url).status_code == 200


def test_auditors_cannot_upload_documents(auditor_client, mixed_answer):
    collection = mixed_answer.collections.first()
    response = auditor_client.post(reverse("rag-documents-upload"), {"collection": collection.pk})
    assert response.status_code == 403
    assert not collection.documents.exists()


def test_auditors_cannot_delete_documents(auditor_client, mixed_answer):
    document = Document.objects.create(
        collection=mixed_answer.collections.first(), file="manuals/pump.pdf", original_name="pump.pdf",
        title="Pump", sha256="0" * 64, size_bytes=1000, kind="pdf", status=Document.Status.READY,
    )  # fmt: skip
    response = auditor_client.post(reverse("rag-document-delete", args=[document.pk]))
    assert response.status_code == 403
    assert Document.objects.filter(pk=document.pk).exists()
