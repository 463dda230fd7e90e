"""API keys: shown once, stored as a digest, revocable, made on a page or with a command."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from rag_app.api import keys
from rag_app.api.models import ApiKey

pytestmark = pytest.mark.django_db


def test_a_key_is_stored_only_as_its_digest_and_finds_its_user(role_user):
    user = role_user("staff")
    row, key = keys.create_key(user, "ticket system")

    assert key.startswith("mnl_") and len(key) > 40
    assert key not in {row.digest, row.prefix} and row.digest == keys.digest_of(key)
    assert key.startswith(row.prefix)
    assert keys.user_for_key(key) == user
    assert ApiKey.objects.get(pk=row.pk).last_used_at is not None


def test_revoked_unknown_and_inactive_keys_find_nobody(role_user):
    user = role_user("staff")
    row, key = keys.create_key(user, "script")
    assert keys.user_for_key(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert keys.user_for_key("sk-" + key) is None
    keys.revoke_key(row)
    assert keys.user_for_key(key) is None

    _other, second = keys.create_key(user, "other script")
    user.is_active = False
    user.save()
    assert keys.user_for_key(second) is None


def test_a_key_needs_a_name(role_user):
    with pytest.raises(ValueError, match="Name the key"):
        keys.create_key(role_user("staff"), "   ")


def test_the_page_shows_a_new_key_once_and_revokes_it(client, role_user):
    user = role_user("staff")
    client.force_login(user)

    created = client.post(reverse("rag-api-keys"), {"name": "ticket system"}, follow=True)
    key = created.context["new_key"]["key"]
    assert key in created.content.decode() and created["Cache-Control"] == "no-store"
    assert created.redirect_chain, "a reload of the page must not post the form again"

    listed = client.get(reverse("rag-api-keys")).content.decode()
    assert "ticket system" in listed and key not in listed and key[:12] in listed

    row = ApiKey.objects.get(user=user)
    client.post(reverse("rag-api-key-revoke", args=[row.pk]))
    assert keys.user_for_key(key) is None
    assert "Revoked" in client.get(reverse("rag-api-keys")).content.decode()


def test_nobody_revokes_or_sees_another_users_key(client, role_user):
    row, key = keys.create_key(role_user("staff"), "theirs")
    client.force_login(role_user("admin"))

    assert client.post(reverse("rag-api-key-revoke", args=[row.pk])).status_code == 404
    assert keys.user_for_key(key) is not None
    assert "theirs" not in client.get(reverse("rag-api-keys")).content.decode()


def test_the_page_needs_a_login_and_a_csrf_token(client, role_user):
    assert client.get(reverse("rag-api-keys")).status_code == 302
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(role_user("staff"))
    assert strict.post(reverse("rag-api-keys"), {"name": "forged"}).status_code == 403
    assert not ApiKey.objects.exists()


def test_the_command_creates_lists_and_revokes_keys(role_user):
    role_user("staff", "carol")
    out = StringIO()
    call_command("apikey", "create", "carol", "--name", "nightly report", stdout=out, stderr=StringIO())
    key = out.getvalue().strip()
    assert keys.user_for_key(key).username == "carol"

    listing = StringIO()
    call_command("apikey", "list", "carol", stdout=listing)
    assert key[:12] in listing.getvalue() and "nightly report" in listing.getvalue() and key not in listing.getvalue()

    call_command("apikey", "revoke", key[:12], stdout=StringIO())
    assert keys.user_for_key(key) is None
    with pytest.raises(CommandError, match="No single key"):
        call_command("apikey", "revoke", "mnl_", stdout=StringIO())
    with pytest.raises(CommandError, match="No user named"):
        call_command("apikey", "create", "nobody", "--name", "x", stdout=StringIO())
