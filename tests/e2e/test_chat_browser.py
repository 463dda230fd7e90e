"""In a real browser: log in, ask about a manual, and follow the answer's citation to its page."""

from tests.e2e.conftest import browser_test, log_in

pytestmark = browser_test


def test_answer_links_its_citation_to_the_source_page(agent, pump_manual, live_server, page, tmp_path):
    log_in(page, live_server.url)
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
    assert page.csp_errors == []


def test_a_question_waiting_for_the_model_shows_its_place_in_line(
    agent, pump_manual, live_server, page, tmp_path, role_user
):
    from django.utils import timezone

    from rag_app.chat import line, services
    from rag_app.chat.models import AnswerTicket
    from tests.conftest import wait_for

    # Someone else's answer holds the model, so this question waits behind it.
    holder = services.start_answer(role_user("staff", "holder"), "Who holds the model?", [pump_manual.collection_id])
    list(line.wait_turn(line.join(holder, timezone.now())))
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/chat/")
    page.fill("#question", "How often should I replace the inlet filter?")
    page.click("#ask-button")
    place = page.locator("#thread .thinking")
    place.filter(has_text="ahead of yours").wait_for(timeout=30_000)
    page.screenshot(path=tmp_path / "chat-waiting.png")
    assert "1 question is ahead of yours; about" in place.inner_text()
    page.close()
    # The reader left: the waiting question leaves the line and is recorded as stopped.
    wait_for(lambda: not AnswerTicket.objects.exclude(answer=holder).exists(), timeout=30)
