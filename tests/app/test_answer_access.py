"""An answer stays with the readers of every collection it drew on, also once a collection is gone."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from rag_app.audit.filters import visible_answers
from rag_app.chat import services
from rag_app.documents.models import Collection


@pytest.fixture
def engineering(db):
    return Group.objects.create(name="engineering")


@pytest.fixture
def restricted(engineering):
    collection = Collection.objects.create(name="Prototype P-1")
    collection.allowed_groups.add(engineering)
    return collection


@pytest.fixture
def open_collection(db):
    return Collection.objects.create(name="Router X200")


@pytest.fixture
def insider(role_user, engineering):
    user = role_user("staff", "insider")
    user.groups.add(engineering)
    return user


@pytest.fixture
def outside_auditor(role_user):
    return role_user("auditor", "outsider")


@pytest.fixture
def inside_auditor(role_user, engineering):
    user = role_user("auditor", "insider-auditor")
    user.groups.add(engineering)
    return user


def test_answers_of_a_deleted_restricted_collection_stay_hidden_from_other_auditors(
    client, insider, restricted, outside_auditor, inside_auditor
):
    answer = services.start_answer(insider, "What is the secret calibration code?", [restricted.pk])
    restricted.delete()
    assert not visible_answers(outside_auditor).filter(pk=answer.pk).exists()
    client.force_login(outside_auditor)
    assert client.get(reverse("rag-audit-detail", args=[answer.pk])).status_code == 404
    assert b"secret calibration" not in client.get(reverse("rag-audit-export", args=["json"])).content
    assert visible_answers(inside_auditor).filter(pk=answer.pk).exists()


def test_restricting_a_collection_later_also_holds_after_it_is_deleted(
    insider, open_collection, engineering, outside_auditor, inside_auditor
):
    answer = services.start_answer(insider, "How do I reset the router?", [open_collection.pk])
    assert visible_answers(outside_auditor).filter(pk=answer.pk).exists()
    open_collection.allowed_groups.add(engineering)
    open_collection.delete()
    assert not visible_answers(outside_auditor).filter(pk=answer.pk).exists()
    assert visible_answers(inside_auditor).filter(pk=answer.pk).exists()


def test_opening_a_collection_to_everyone_shows_its_answers_after_it_is_deleted(insider, restricted, outside_auditor):
    answer = services.start_answer(insider, "What is the secret calibration code?", [restricted.pk])
    restricted.allowed_groups.clear()
    restricted.delete()
    assert visible_answers(outside_auditor).filter(pk=answer.pk).exists()


def test_an_answer_over_two_collections_needs_both(insider, restricted, open_collection, outside_auditor):
    answer = services.start_answer(insider, "Compare the reset of both devices.", [restricted.pk, open_collection.pk])
    assert not visible_answers(outside_auditor).filter(pk=answer.pk).exists()


def test_a_follow_up_over_another_collection_does_not_carry_the_previous_question(insider, restricted, open_collection):
    first = services.start_answer(insider, "What is the secret calibration code of the prototype?", [restricted.pk])
    follow_up = services.start_answer(insider, "And on the router?", [open_collection.pk], first.conversation)
    assert follow_up.retrieval_query == "And on the router?"


def test_a_follow_up_over_the_same_or_wider_collections_joins_the_previous_question(
    insider, restricted, open_collection
):
    first = services.start_answer(insider, "How do I reset the prototype?", [restricted.pk])
    follow_up = services.start_answer(
        insider, "And the router?", [restricted.pk, open_collection.pk], first.conversation
    )
    assert follow_up.retrieval_query == "How do I reset the prototype? And the router?"


def test_a_follow_up_after_the_previous_collection_was_deleted_stands_alone(insider, restricted, open_collection):
    first = services.start_answer(insider, "What is the secret calibration code?", [restricted.pk, open_collection.pk])
    restricted.delete()
    follow_up = services.start_answer(insider, "And on the router?", [open_collection.pk], first.conversation)
    assert follow_up.retrieval_query == "And on the router?"
