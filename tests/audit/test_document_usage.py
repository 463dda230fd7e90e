"""The document usage page: which pages of a manual answers cite, and which answers cited it."""

import pytest
from django.urls import reverse

from rag_app.audit.filters import document_usage
from tests.audit.conftest import record_answer, utc


def _usage_url(document):
    return reverse("rag-audit-document", args=[document.pk])


def test_pages_come_most_cited_first_with_retrieved_but_uncited_counts(recorded):
    record_answer(recorded.alice, recorded.dryer, "Where is the lint screen?", "In the door [1].", utc(3, 9),
                  sources=[(recorded.dryer_pdf, 5, True), (recorded.dryer_pdf, 1, False)])  # fmt: skip
    usage = document_usage(recorded.dryer_pdf, recorded.auditor)
    assert usage["pages"] == [
        {"page_start": 5, "times_cited": 2, "times_uncited": 0},
        {"page_start": 1, "times_cited": 0, "times_uncited": 2},
    ]


def test_totals_count_citations_and_retrievals_without_citation(recorded):
    usage = document_usage(recorded.router_pdf, recorded.auditor)
    assert (usage["times_cited"], usage["times_uncited"]) == (1, 1)


def test_it_lists_only_answers_that_cited_the_document(recorded):
    usage = document_usage(recorded.dryer_pdf, recorded.auditor)
    assert [answer.pk for answer in usage["answers"]] == [recorded.second.pk]


def test_replays_do_not_count_as_usage(recorded):
    record_answer(recorded.alice, recorded.router, "How do I reset the router?", "Hold it [1].", utc(7, 9),
                  sources=[(recorded.router_pdf, 2, True)], replay_of=recorded.first)  # fmt: skip
    usage = document_usage(recorded.router_pdf, recorded.auditor)
    assert usage["pages"][0] == {"page_start": 2, "times_cited": 1, "times_uncited": 0}
    assert [answer.pk for answer in usage["answers"]] == [recorded.first.pk]


def test_the_page_shows_page_counts_and_links_to_citing_answers(client, recorded):
    client.force_login(recorded.auditor)
    response = client.get(_usage_url(recorded.dryer_pdf))
    assert response.status_code == 200
    assert b"<td>p.5</td><td>1</td>" in response.content
    assert f'href="{recorded.second.get_absolute_url()}"'.encode() in response.content
    assert recorded.third.get_absolute_url().encode() not in response.content


def test_the_list_links_cited_pages_to_the_usage_page(client, recorded):
    client.force_login(recorded.auditor)
    response = client.get(reverse("rag-audit"))
    assert f'href="{_usage_url(recorded.router_pdf)}"'.encode() in response.content


def test_an_unknown_document_is_not_found(client, recorded):
    client.force_login(recorded.auditor)
    assert client.get(reverse("rag-audit-document", args=[999999])).status_code == 404


def test_staff_cannot_open_the_usage_page(client, role_user, recorded):
    client.force_login(role_user("staff", "dave"))
    assert client.get(_usage_url(recorded.router_pdf)).status_code == 403


def test_anonymous_users_are_sent_to_login_from_the_usage_page(client, recorded):
    response = client.get(_usage_url(recorded.router_pdf))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_chat_answer_counts_as_a_citation_of_its_page(client, role_user, pump_manual, chat_answer):
    client.force_login(role_user("auditor"))
    response = client.get(_usage_url(pump_manual))
    assert response.status_code == 200
    assert response.context["pages"][0] == {"page_start": 3, "times_cited": 1, "times_uncited": 0}
    assert [answer.pk for answer in response.context["page"]] == [chat_answer.pk]
