"""The content-gap report: unanswered and thumbed-down questions grouped by meaning."""

# Fixtures imported from detail_fixtures are named again as test arguments; that is how pytest uses them.
# ruff: noqa: F811

import pytest
from django.urls import reverse

from rag_app.audit.gaps import content_gaps
from rag_app.chat.models import Answer, Feedback
from rag_app.documents.models import Collection
from tests.audit.detail_fixtures import ask, auditor, auditor_client, pump_manual, record_answer, staff_user  # noqa: F401

pytestmark = pytest.mark.slow

SNMP = "How do I configure SNMP traps on the pump?"
SNMP_AGAIN = "How can I set up SNMP traps for the pump?"
ZIGBEE = "Does the pump support Zigbee?"


@pytest.fixture
def pumps(db):
    return Collection.objects.create(name="Aquaflow P-400")


def _no_answer(user, collection, question):
    return record_answer(user, collection, question, "That is not in the manuals.", no_answer=True)


def _thumbed_down(user, collection, question):
    answer = record_answer(user, collection, question, "Something unhelpful.")
    Feedback.objects.create(answer=answer, user=user, helpful=False)
    return answer


def test_paraphrased_questions_form_one_gap_and_an_unrelated_one_stays_apart_largest_first(staff_user, pumps):
    unrelated = _no_answer(staff_user, pumps, ZIGBEE)
    first = _no_answer(staff_user, pumps, SNMP)
    second = _no_answer(staff_user, pumps, SNMP_AGAIN)

    gaps = content_gaps()

    assert [[item.answer_id for item in gap.questions] for gap in gaps] == [[first.pk, second.pk], [unrelated.pk]]
    assert gaps[0].count == 2 and gaps[0].representative in {SNMP, SNMP_AGAIN}
    assert gaps[1].representative == ZIGBEE


def test_thumbed_down_answers_join_gaps_and_are_counted_apart_from_no_answers(staff_user, pumps):
    _no_answer(staff_user, pumps, SNMP)
    _thumbed_down(staff_user, pumps, SNMP_AGAIN)
    _thumbed_down(staff_user, pumps, "Where do I set up SNMP traps for this pump?")

    [gap] = content_gaps()

    assert (gap.count, gap.no_answers, gap.thumbs_down) == (3, 1, 2)


def test_answers_nobody_disliked_and_replays_are_not_gaps(staff_user, auditor, pumps):
    liked = record_answer(staff_user, pumps, "How often should I replace the inlet filter?", "Every 200 hours.")
    Feedback.objects.create(answer=liked, user=staff_user, helpful=True)
    record_answer(staff_user, pumps, "How long is the motor warranty?", "Three years.")
    original = _no_answer(staff_user, pumps, SNMP)
    replay = _no_answer(auditor, pumps, SNMP)
    Answer.objects.filter(pk=replay.pk).update(replay_of=original)

    assert [[item.answer_id for item in gap.questions] for gap in content_gaps()] == [[original.pk]]


def test_a_queryset_narrows_the_answers_considered(staff_user, pumps):
    _no_answer(staff_user, pumps, SNMP)
    other = _no_answer(staff_user, Collection.objects.create(name="Router X200"), ZIGBEE)

    gaps = content_gaps(Answer.objects.filter(collections__name="Router X200"))

    assert [[item.answer_id for item in gap.questions] for gap in gaps] == [[other.pk]]


def test_the_gap_page_lists_the_largest_group_first_with_links_to_each_answer(auditor_client, staff_user, pumps):
    zigbee = _no_answer(staff_user, pumps, ZIGBEE)
    _no_answer(staff_user, pumps, SNMP)
    _thumbed_down(staff_user, pumps, SNMP_AGAIN)

    page = auditor_client.get(reverse("rag-audit-gaps")).content.decode()

    assert page.index("SNMP traps") < page.index("Zigbee")
    assert reverse("rag-audit-detail", args=[zigbee.pk]) in page
    assert page.count('<tr class="gap">') == 2


@pytest.mark.django_db(transaction=True)
def test_no_answers_from_the_real_chat_path_are_grouped(staff_user, pump_manual):
    unrelated, first, second = (ask(staff_user, pump_manual.collection, q) for q in (ZIGBEE, SNMP, SNMP_AGAIN))
    assert unrelated.no_answer and first.no_answer and second.no_answer

    gaps = content_gaps()

    assert [[item.answer_id for item in gap.questions] for gap in gaps] == [[first.pk, second.pk], [unrelated.pk]]
