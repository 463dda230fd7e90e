"""The API's own endpoints: keys required, roles and collections checked as on the pages."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from rag_app.api import keys
from rag_app.documents import services
from rag_app.documents.models import Collection, Document

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_of(role_user):
    def make(role: str, username: str | None = None) -> dict:
        _row, key = keys.create_key(role_user(role, username), "tests")
        return {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    return make


@pytest.fixture
def restricted(db):
    collection = Collection.objects.create(name="Prototype P-1")
    collection.allowed_groups.add(Group.objects.create(name="engineering"))
    return collection


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/api/collections"), ("get", "/v1/models"), ("post", "/v1/chat/completions"), ("post", "/api/ask")],
)
def test_every_endpoint_needs_a_valid_key(client, role_user, method, url):
    assert getattr(client, method)(url).status_code == 401
    assert getattr(client, method)(url, HTTP_AUTHORIZATION="Bearer mnl_not-a-key").status_code == 401
    # A browser session is no key: a page elsewhere cannot make a signed-in user's browser call the API.
    client.force_login(role_user("admin"))
    body = {"content_type": "application/json", "data": "{}"} if method == "post" else {}
    assert getattr(client, method)(url, **body).status_code == 401


def test_a_revoked_key_stops_working(client, role_user):
    row, key = keys.create_key(role_user("staff"), "old")
    assert client.get("/api/collections", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    keys.revoke_key(row)
    assert client.get("/api/collections", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_collections_and_models_list_only_what_the_user_reads(client, key_of, collection, restricted):
    headers = key_of("staff")
    names = [c["name"] for c in client.get("/api/collections", **headers).json()]
    models = [m["id"] for m in client.get("/v1/models", **headers).json()["data"]]
    assert names == models == ["Router X200"]


def test_an_admin_uploads_a_manual_and_reads_its_status(client, key_of, collection):
    headers = key_of("admin")
    upload = SimpleUploadedFile("x200-notes.txt", b"Hold the reset button for twelve seconds.\n")
    created = client.post(f"/api/collections/{collection.name}/documents", {"file": upload}, **headers)

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "queued" and body["collection"] == "Router X200" and body["name"] == "x200-notes.txt"
    status = client.get(f"/api/documents/{body['id']}", **headers).json()
    assert status["id"] == body["id"] and status["status"] == "queued"


def test_a_refused_upload_says_why_and_stores_nothing(client, key_of, collection):
    headers = key_of("admin")
    empty = SimpleUploadedFile("empty.pdf", b"")
    refused = client.post(f"/api/collections/{collection.name}/documents", {"file": empty}, **headers)

    assert refused.status_code == 400
    assert "empty" in refused.json()["detail"].lower()
    assert not Document.objects.exists()


def test_staff_cannot_upload_and_nobody_reaches_a_collection_they_cannot_read(client, key_of, collection, restricted):
    upload = SimpleUploadedFile("notes.txt", b"Some text.\n")
    staff = client.post(f"/api/collections/{collection.name}/documents", {"file": upload}, **key_of("staff"))
    assert staff.status_code == 403

    admin = key_of("admin", "outside-admin")
    upload.seek(0)
    assert client.post(f"/api/collections/{restricted.name}/documents", {"file": upload}, **admin).status_code == 404
    secret = services.add_document(
        restricted, SimpleUploadedFile("plan.txt", b"Code 4711.\n"), "plan.txt", enqueue=False
    )
    assert client.get(f"/api/documents/{secret.pk}", **admin).status_code == 404


def test_asking_checks_the_role_the_question_and_the_collections(client, key_of, collection, restricted):
    def ask(headers, **body):
        return client.post("/api/ask", body, content_type="application/json", **headers)

    assert ask(key_of("auditor"), question="Reset?", collections=[collection.name]).status_code == 403
    staff = key_of("staff")
    unknown = ask(staff, question="Reset?", collections=["Nope"])
    assert unknown.status_code == 404 and "Nope" in unknown.json()["detail"]
    assert ask(staff, question="Reset?", collections=[restricted.name]).status_code == 404
    assert ask(staff, question="Reset?", collections=[]).status_code == 400
    assert ask(staff, question="   ", collections=[collection.name]).status_code == 400


def test_chat_completions_refuses_an_unknown_model_in_openai_shape(client, key_of, collection):
    response = client.post(
        "/v1/chat/completions",
        {"model": "No such manuals", "messages": [{"role": "user", "content": "Reset?"}]},
        content_type="application/json",
        **key_of("staff"),
    )
    assert response.status_code == 404
    assert "No such manuals" in response.json()["error"]["message"]


def test_the_openapi_schema_is_served_to_keys_and_signed_in_users(client, key_of, role_user):
    assert client.get("/api/openapi.json").status_code == 401
    schema = client.get("/api/openapi.json", **key_of("staff")).json()
    assert {
        "/api/ask",
        "/api/collections/{name}/documents",
        "/api/documents/{document_id}",
        "/v1/chat/completions",
    } <= set(schema["paths"])
    client.force_login(role_user("auditor"))
    assert client.get("/api/openapi.json").status_code == 200
