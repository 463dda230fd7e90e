"""The audit list: filters, search, totals, pagination and who may open it."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from rag_app.audit.filters import filter_answers, totals
from rag_app.documents.models import Collection
from tests.audit.conftest import record_answer, utc


def _ids(params, user):
    return [answer.pk for answer in filter_answers(params, user)]


def test_it_lists_recorded_answers_newest_first_without_replays(recorded):
    assert _ids({}, recorded.auditor) == [recorded.third.pk, recorded.second.pk, recorded.first.pk]


def test_from_date_includes_answers_of_that_day(recorded):
    assert _ids({"from": "2025-03-02"}, recorded.auditor) == [recorded.third.pk, recorded.second.pk]


def test_to_date_includes_answers_of_that_day(recorded):
    assert _ids({"to": "2025-03-02"}, recorded.auditor) == [recorded.second.pk, recorded.first.pk]


def test_date_range_counts_days_in_the_current_timezone(recorded):
    # 23:30 UTC on 2 March is already 3 March in Berlin.
    with timezone.override("Europe/Berlin"):
        assert _ids({"from": "2025-03-03", "to": "2025-03-03"}, recorded.auditor) == [recorded.second.pk]


def test_user_filter_keeps_that_users_answers(recorded):
    assert _ids({"user": "bob"}, recorded.auditor) == [recorded.second.pk]


def test_collection_filter_keeps_answers_over_that_collection(recorded):
    assert _ids({"collection": recorded.router.pk}, recorded.auditor) == [recorded.first.pk]


def test_document_filter_keeps_answers_that_retrieved_it_cited_or_not(recorded):
    assert _ids({"document": recorded.dryer_pdf.pk}, recorded.auditor) == [recorded.third.pk, recorded.second.pk]


@pytest.mark.parametrize(("choice", "expected"), [("up", "first"), ("down", "second"), ("none", "third")])
def test_feedback_filter_keeps_answers_with_that_feedback(recorded, choice, expected):
    assert _ids({"feedback": choice}, recorded.auditor) == [getattr(recorded, expected).pk]


def test_no_answer_filter_keeps_answers_not_in_the_manuals(recorded):
    assert _ids({"no_answer": "yes"}, recorded.auditor) == [recorded.third.pk]


def test_no_answer_filter_can_keep_only_answered_questions(recorded):
    assert _ids({"no_answer": "no"}, recorded.auditor) == [recorded.second.pk, recorded.first.pk]


def test_search_matches_the_question(recorded):
    assert _ids({"q": "RESET THE"}, recorded.auditor) == [recorded.first.pk]


def test_search_matches_the_answer_text(recorded):
    assert _ids({"q": "lint screen"}, recorded.auditor) == [recorded.second.pk]


def test_filters_combine(recorded):
    assert _ids({"user": "alice", "collection": recorded.dryer.pk}, recorded.auditor) == [recorded.third.pk]


def test_bad_parameters_raise_validation_error(recorded):
    with pytest.raises(ValidationError):
        filter_answers({"from": "2025-03-05", "to": "2025-03-01"}, recorded.auditor)


def test_answers_over_collections_the_auditor_cannot_read_are_hidden(recorded):
    secret = Collection.objects.create(name="Prototype Z")
    secret.allowed_groups.add(Group.objects.create(name="engineering"))
    record_answer(recorded.alice, secret, "How do I reset the prototype?", "Unplug it [1].", utc(3, 8))
    assert _ids({"q": "reset"}, recorded.auditor) == [recorded.first.pk]


def test_totals_count_answers_no_answers_and_votes(recorded):
    assert totals(filter_answers({}, recorded.auditor)) == {
        "answers": 3, "no_answers": 1, "no_answer_rate": 1 / 3, "thumbs_up": 1, "thumbs_down": 1,
    }  # fmt: skip


def test_totals_follow_the_filters(recorded):
    assert totals(filter_answers({"collection": recorded.dryer.pk}, recorded.auditor)) == {
        "answers": 2, "no_answers": 1, "no_answer_rate": 0.5, "thumbs_up": 0, "thumbs_down": 1,
    }  # fmt: skip


def test_totals_of_nothing_have_no_rate(recorded):
    assert totals(filter_answers({"q": "nothing like this"}, recorded.auditor))["no_answer_rate"] is None


def test_the_page_shows_filtered_rows_and_totals(client, recorded):
    client.force_login(recorded.auditor)
    response = client.get(reverse("rag-audit"), {"collection": recorded.dryer.pk})
    assert response.status_code == 200
    assert [answer.pk for answer in response.context["page"]] == [recorded.third.pk, recorded.second.pk]
    assert response.context["totals"]["answers"] == 2
    assert b"Why does the dryer stop mid-cycle?" in response.content
    assert b"How do I reset the router?" not in response.content


def test_each_row_links_to_its_audit_detail_page(client, recorded):
    client.force_login(recorded.auditor)
    response = client.get(reverse("rag-audit"))
    assert f'href="{recorded.first.get_absolute_url()}"'.encode() in response.content


def test_export_links_carry_the_filters(client, recorded):
    client.force_login(recorded.auditor)
    response = client.get(reverse("rag-audit"), {"q": "dryer", "page": "1"})
    assert f'href="{reverse("rag-audit-export", args=["csv"])}?q=dryer"'.encode() in response.content
    assert f'href="{reverse("rag-audit-export", args=["json"])}?q=dryer"'.encode() in response.content


def test_bad_filters_show_the_error_and_no_rows(client, recorded):
    client.force_login(recorded.auditor)
    response = client.get(reverse("rag-audit"), {"from": "not a date"})
    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert b"Enter a valid date." in response.content


def test_the_list_shows_25_answers_a_page_and_page_links_keep_the_filters(client, recorded):
    for day in range(1, 31):
        record_answer(recorded.bob, recorded.router, f"Paged question {day}", "Paged answer.", utc(min(day, 28), 12))
    client.force_login(recorded.auditor)
    first_page = client.get(reverse("rag-audit"), {"q": "paged"})
    second_page = client.get(reverse("rag-audit"), {"q": "paged", "page": 2})
    assert len(first_page.context["page"]) == 25
    assert len(second_page.context["page"]) == 5
    assert b'href="?q=paged&amp;page=2"' in first_page.content
    assert second_page.context["totals"]["answers"] == 30


def test_the_list_uses_a_fixed_number_of_queries(client, recorded, django_assert_max_num_queries):
    for day in range(1, 11):
        record_answer(recorded.bob, recorded.dryer, f"Another question {day}", "Another answer.", utc(day, 12),
                      sources=[(recorded.dryer_pdf, 2, True)])  # fmt: skip
    client.force_login(recorded.auditor)
    with django_assert_max_num_queries(20):
        client.get(reverse("rag-audit"))


def test_staff_cannot_open_the_audit_list(client, role_user):
    client.force_login(role_user("staff"))
    assert client.get(reverse("rag-audit")).status_code == 403


def test_auditor_can_open_the_audit_list(client, role_user):
    client.force_login(role_user("auditor"))
    assert client.get(reverse("rag-audit")).status_code == 200


def test_anonymous_users_are_sent_to_login(client, db):
    response = client.get(reverse("rag-audit"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_answer_from_the_real_chat_path_is_listed_with_its_cited_page(client, role_user, chat_answer):
    client.force_login(role_user("auditor"))
    response = client.get(reverse("rag-audit"), {"user": "carol"})
    assert [answer.pk for answer in response.context["page"]] == [chat_answer.pk]
    assert chat_answer.sources.filter(cited=True, page_start=3).exists()
    assert b"p.3" in response.content
