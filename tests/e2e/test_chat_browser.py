"""In a real browser: log in, ask about a manual, and follow the answer's citation to its page."""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Headless Chromium in containers and CI: no sandbox, no GPU, no background downloads.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium is not installed at {CHROMIUM} (CI installs it)"),
]


@pytest.fixture
def agent(db):
    from django.contrib.auth.models import User

    return User.objects.create_superuser("agent", "agent@example.com", "agent-pass-123")


@pytest.fixture
def page(monkeypatch):
    """A Chromium page at laptop size."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django would otherwise
    # refuse the ORM calls that fixtures and assertions make while it is open.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser.new_page(viewport={"width": 1366, "height": 800})
        browser.close()


def test_answer_links_its_citation_to_the_source_page(agent, pump_manual, live_server, page, tmp_path):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "agent")
    page.fill("input[name=password]", "agent-pass-123")
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.goto(f"{live_server.url}/chat/")

    page.fill("#question", "How often should I replace the inlet filter?")
    page.click("#ask-button")
    # The streamed bubble has no id; the server-rendered answer that replaces it does.
    answer = page.locator("#thread article.turn[id^=answer-]")
    answer.wait_for(timeout=180_000)
    page.screenshot(path=tmp_path / "chat-answer.png")

    citation = answer.locator("a.cite").first
    source = page.locator(citation.get_attribute("href"))
    assert "page 3" in source.inner_text()
    citation.click()
    assert page.evaluate("document.querySelector(':target').id") == source.get_attribute("id")
