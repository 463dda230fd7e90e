"""Guessing passwords stops working: accounts and addresses are paused after repeated failures."""

import logging

import pytest
from django.urls import reverse

PASSWORD = "pw-for-tests-123"


@pytest.fixture
def agent(role_user):
    return role_user("staff", "agent")


def _log_in(client, url, username, password, address="203.0.113.7"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_the_right_password_after_30_wrong_ones_does_not_log_in(client, agent, url_name, caplog):
    url = reverse(url_name)
    with caplog.at_level(logging.WARNING):
        for _ in range(30):
            _log_in(client, url, "agent", "wrong-password")
    response = _log_in(client, url, "agent", PASSWORD)
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session
    assert any("AXES: Locking out" in record.getMessage() for record in caplog.records)


def test_an_account_is_paused_whichever_address_the_guesses_come_from(client, agent, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, reverse("login"), "agent", "wrong-password", address=f"198.51.100.{attempt + 1}")
    assert _log_in(client, reverse("login"), "agent", PASSWORD, address="192.0.2.50").status_code == 429


def test_an_address_is_paused_whichever_accounts_it_guesses(client, agent, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, reverse("login"), f"someone-{attempt}", "wrong-password")
    assert _log_in(client, reverse("login"), "agent", PASSWORD).status_code == 429
    assert _log_in(client, reverse("login"), "agent", PASSWORD, address="192.0.2.50").status_code == 302


def test_a_few_mistakes_then_the_right_password_logs_in(client, agent):
    for _ in range(3):
        assert _log_in(client, reverse("login"), "agent", "wrong-password").status_code == 200
    assert _log_in(client, reverse("login"), "agent", PASSWORD).status_code == 302
