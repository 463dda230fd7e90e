"""Browser fixtures: Debian's Chromium through Playwright, and a superuser to log in as."""

from pathlib import Path

import pytest

from tests.app.conftest import pump_manual  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
# Headless Chromium in containers and CI: no sandbox, no GPU, no background downloads.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
AGENT_PASSWORD = "agent-pass-123"

browser_test = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium is not installed at {CHROMIUM} (CI installs it)"),
]


@pytest.fixture
def agent(db):
    from django.contrib.auth.models import User

    return User.objects.create_superuser("agent", "agent@example.com", AGENT_PASSWORD)


@pytest.fixture
def page(monkeypatch):
    """A Chromium page at laptop size; ``page.csp_errors`` collects Content-Security-Policy violations."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django would otherwise
    # refuse the ORM calls that fixtures and assertions make while it is open.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 800})
        page.csp_errors = []
        page.on(
            "console",
            lambda message: "Content Security Policy" in message.text and page.csp_errors.append(message.text),
        )
        yield page
        browser.close()


def log_in(page, base_url: str, username: str = "agent", password: str = AGENT_PASSWORD) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
