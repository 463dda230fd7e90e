"""Every page needs login; document management needs the admin permission."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse


@pytest.mark.parametrize("name", ["rag-documents", "rag-documents-rows"])
def test_anonymous_users_are_sent_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_staff_without_admin_permission_cannot_upload(client, collection):
    client.force_login(User.objects.create_user("agent", password="pw-agent-123"))
    response = client.post(reverse("rag-documents-upload"), {"collection": collection.pk})
    assert response.status_code == 403
    assert client.get(reverse("rag-documents")).status_code == 403


def test_login_page_is_public(client, db):
    assert client.get(reverse("login")).status_code == 200


def test_admin_sees_the_documents_page_with_upload_zone(admin_client, collection):
    response = admin_client.get(reverse("rag-documents"))
    assert response.status_code == 200
    assert b'id="upload-form"' in response.content
    assert collection.name.encode() in response.content
