"""Admins manage only the collections they can read: a restricted one stays with its groups.

Superusers manage every collection.
"""

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.urls import reverse

from rag_app.chat.evaluation import evaluation_user
from rag_app.documents import services
from rag_app.documents.models import Collection, Document


@pytest.fixture
def restricted(db):
    collection = Collection.objects.create(name="Prototype P-1")
    collection.allowed_groups.add(Group.objects.create(name="engineering"))
    return collection


@pytest.fixture
def secret_document(restricted):
    name = "prototype-secret-plan.txt"
    return services.add_document(restricted, ContentFile(b"Calibration code 4711.\n", name=name), name, enqueue=False)


@pytest.fixture
def outside_admin(client, role_user):
    client.force_login(role_user("admin", "outside-admin"))
    return client


def test_the_documents_page_does_not_show_a_restricted_collection_or_its_documents(outside_admin, secret_document):
    for url in (reverse("rag-documents"), f"{reverse('rag-documents')}?collection={secret_document.collection_id}"):
        content = outside_admin.get(url).content
        assert b"Prototype P-1" not in content
        assert b"prototype-secret-plan" not in content


def test_an_outside_admin_cannot_upload_into_a_restricted_collection(outside_admin, restricted):
    upload = ContentFile(b"Planted text.\n", name="planted.txt")
    response = outside_admin.post(reverse("rag-documents-upload"), {"collection": restricted.pk, "files": [upload]})
    assert response.status_code == 404
    assert not restricted.documents.exists()


@pytest.mark.parametrize("action", ["rag-document-reingest", "rag-document-delete"])
def test_an_outside_admin_cannot_reingest_or_delete_there(outside_admin, secret_document, action):
    assert outside_admin.post(reverse(action, args=[secret_document.pk])).status_code == 404
    secret_document.refresh_from_db()
    assert secret_document.status == Document.Status.QUEUED
    assert secret_document.generation == 1


def test_an_outside_admin_cannot_evaluate_a_restricted_collection(outside_admin, restricted):
    questions = ContentFile(b'{"id": "q1", "question": "Code?", "answerable": false}\n', name="q.jsonl")
    response = outside_admin.post(reverse("rag-eval-start"), {"collection": restricted.pk, "questions": questions})
    assert not restricted.question_sets.exists()
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content


def test_a_superuser_manages_every_collection(admin_client, secret_document):
    response = admin_client.get(f"{reverse('rag-documents')}?collection={secret_document.collection_id}")
    assert b"prototype-secret-plan" in response.content


def test_the_evaluation_account_reads_restricted_collections(restricted):
    assert Collection.objects.readable_by(evaluation_user()).filter(pk=restricted.pk).exists()
