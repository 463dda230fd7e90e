"""Roles are groups with permissions, enforced on the server."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from rag_app.chat.models import Answer, Conversation, Feedback


@pytest.fixture
def answer_of(db):
    def make(user):
        conversation = Conversation.objects.create(user=user, title="Q")
        return Answer.objects.create(conversation=conversation, user=user, question="Q", retrieval_query="Q", text="A")

    return make


def test_setup_roles_creates_the_three_groups(db):
    from django.contrib.auth.models import Group

    call_command("setup_roles", verbosity=0)
    assert set(Group.objects.values_list("name", flat=True)) == {"admin", "staff", "auditor"}


def test_staff_can_chat_but_not_manage_documents(client, role_user):
    client.force_login(role_user("staff"))
    assert client.get(reverse("rag-chat")).status_code == 200
    assert client.get(reverse("rag-documents")).status_code == 403


def test_auditors_cannot_chat_upload_or_delete(client, role_user, collection):
    client.force_login(role_user("auditor"))
    assert client.get(reverse("rag-chat")).status_code == 403
    assert client.post(reverse("rag-documents-upload"), {"collection": collection.pk}).status_code == 403
    assert client.post(reverse("rag-document-delete", args=[1])).status_code == 403


def test_admins_manage_documents(client, role_user, collection):
    client.force_login(role_user("admin"))
    assert client.get(reverse("rag-documents")).status_code == 200


def test_adduser_creates_a_user_in_a_role(db, monkeypatch):
    from django.contrib.auth.models import User

    monkeypatch.setenv("NEW_USER_PASSWORD", "a-long-enough-pass-99")
    call_command("adduser", "alice", "--role", "auditor", "--password-env", "NEW_USER_PASSWORD", stdout=None)
    alice = User.objects.get(username="alice")
    assert alice.check_password("a-long-enough-pass-99")
    assert alice.has_perm("chat.audit_answer")
    assert not alice.has_perm("documents.add_document")


def test_staff_rate_their_own_answers(client, role_user, answer_of):
    user = role_user("staff")
    answer = answer_of(user)
    client.force_login(user)
    response = client.post(reverse("rag-chat-feedback", args=[answer.pk]), {"helpful": "0", "comment": "Wrong page"})
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.helpful, feedback.comment, feedback.user) == (False, "Wrong page", user)


def test_a_second_rating_replaces_the_first(client, role_user, answer_of):
    user = role_user("staff")
    answer = answer_of(user)
    client.force_login(user)
    client.post(reverse("rag-chat-feedback", args=[answer.pk]), {"helpful": "0"})
    client.post(reverse("rag-chat-feedback", args=[answer.pk]), {"helpful": "1"})
    assert list(Feedback.objects.values_list("helpful", flat=True)) == [True]


def test_nobody_rates_someone_elses_answer(client, role_user, answer_of):
    answer = answer_of(role_user("staff", "owner"))
    client.force_login(role_user("staff", "other"))
    assert client.post(reverse("rag-chat-feedback", args=[answer.pk]), {"helpful": "1"}).status_code == 404
    assert not Feedback.objects.exists()


def test_home_sends_each_role_to_its_start_page(client, role_user):
    for role, page in [("staff", "rag-chat"), ("auditor", "rag-audit"), ("admin", "rag-chat")]:
        client.force_login(role_user(role, f"home-{role}"))
        assert client.get(reverse("rag-home")).url == reverse(page)


def test_a_user_without_a_role_is_told_so(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="pw-nobody-123"))
    assert client.get(reverse("rag-home")).status_code == 403


def test_the_chat_shows_a_feedback_form_with_the_users_choice(client, role_user, answer_of):
    user = role_user("staff")
    answer = answer_of(user)
    answer.status = Answer.Status.COMPLETE
    answer.save()
    client.force_login(user)
    client.post(reverse("rag-chat-feedback", args=[answer.pk]), {"helpful": "1", "comment": "Spot on"})
    page = client.get(answer.conversation.get_absolute_url()).content.decode()
    assert f'action="{reverse("rag-chat-feedback", args=[answer.pk])}"' in page
    assert 'class="thumb chosen" title="Helpful"' in page
    assert 'value="Spot on"' in page
