"""Original files open as what their bytes are, and nothing in them runs in the app's origin."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from rag_app.documents import services
from tests.pdfs import make_pdf

SCRIPTED_HTML = b"<!doctype html><html><body><h1>Manual</h1><script>fetch('/audit/export.json')</script></body></html>"
SVG_AS_TEXT = b"<svg onload=alert(1)><script>fetch('/audit/export.json')</script></svg>\nPress start.\n"
PDF_HOLDING_HTML = b"%PDF-1.4\n<html><body><script>fetch('/audit/export.json')</script></body></html>\n"


def _stored(collection, name: str, content: bytes):
    return services.add_document(collection, ContentFile(content, name=name), name, enqueue=False)


def _open(client, document):
    return client.get(reverse("rag-document-file", args=[document.pk]))


@pytest.mark.parametrize(
    ("name", "content"),
    [("manual.html", SCRIPTED_HTML), ("notes.txt", SVG_AS_TEXT), ("notes.svg", SVG_AS_TEXT)],
)
def test_it_serves_text_and_html_manuals_as_sandboxed_plain_text(admin_client, collection, name, content):
    response = _open(admin_client, _stored(collection, name, content))
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert policy.startswith("sandbox;")
    assert "default-src 'none'" in policy
    assert b"".join(response.streaming_content) == content


def test_it_serves_a_pdf_header_over_html_named_html_as_a_pdf_never_as_html(admin_client, collection):
    document = _stored(collection, "evil.html", PDF_HOLDING_HTML)
    response = _open(admin_client, document)
    assert document.kind == "pdf"
    assert response["Content-Type"] == "application/pdf"
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_it_serves_a_real_pdf_as_a_pdf(admin_client, collection, tmp_path):
    path = tmp_path / "manual.pdf"
    make_pdf(path, ["Press the start button."])
    response = _open(admin_client, _stored(collection, "manual.pdf", path.read_bytes()))
    assert response["Content-Type"] == "application/pdf"
    assert "script-src" not in response["Content-Security-Policy"]


def test_a_failed_document_is_still_served_by_its_bytes(admin_client, collection):
    document = _stored(collection, "manual.html", SCRIPTED_HTML)
    document.status = document.Status.FAILED
    document.save()
    assert _open(admin_client, document)["Content-Type"] == "text/plain; charset=utf-8"


def test_every_page_carries_a_strict_content_security_policy(client, db):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert script_src.split() == ["script-src", "'self'"]
    assert "object-src 'none'" in policy


def test_a_user_without_a_role_cannot_open_files_of_an_open_collection(client, collection, django_user_model):
    document = _stored(collection, "manual.txt", b"Press the start button.\n")
    client.force_login(django_user_model.objects.create_user("nobody", password="pw-nobody-123"))
    assert _open(client, document).status_code == 403


@pytest.mark.parametrize("role", ["staff", "auditor", "admin"])
def test_every_role_opens_files_of_an_open_collection(client, collection, role_user, role):
    document = _stored(collection, "manual.txt", b"Press the start button.\n")
    client.force_login(role_user(role))
    assert _open(client, document).status_code == 200
