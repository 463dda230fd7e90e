"""The chat page's layout as a reader sees it: the conversations sidebar stays at the top beside a long answer."""

import pytest

from rag_app.chat.models import Answer, Conversation
from rag_app.documents.models import Collection
from tests.e2e.conftest import browser_test, log_in

pytestmark = browser_test

LONG_ANSWER = "\n\n".join(
    f"Step {n}: open the settings menu, choose the flow sensor and enter value {n} [1]." for n in range(1, 60)
)


@pytest.fixture
def long_conversation(agent):
    collection = Collection.objects.create(name="Aquaflow P-400")
    conversation = Conversation.objects.create(user=agent, title="Calibrating the flow sensor")
    conversation.collections.add(collection)
    for question in ("How do I calibrate the flow sensor?", "And the pressure valve?"):
        answer = Answer.objects.create(
            conversation=conversation,
            user=agent,
            question=question,
            retrieval_query=question,
            text=LONG_ANSWER,
            status=Answer.Status.COMPLETE,
        )
        answer.collections.add(collection)
    return conversation


def test_the_sidebar_stays_at_the_top_beside_a_long_answer(agent, long_conversation, live_server, page, tmp_path):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}{long_conversation.get_absolute_url()}")

    # The page opens at the newest answer, at the foot of the thread: the sidebar is in view at the top.
    opened = page.locator("aside.sidebar").bounding_box()
    page.screenshot(path=str(tmp_path / "chat-long-answer.png"))
    assert 0 <= opened["y"] < 40, f"at the newest answer, the sidebar is {opened['y']} px from the top"

    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(200)
    sidebar = page.locator("aside.sidebar").bounding_box()
    thread = page.locator(".chat").bounding_box()
    assert thread["height"] > 3 * 900, "the answer is not long enough to show a drift"
    assert abs(sidebar["y"] - thread["y"]) < 5, f"sidebar at {sidebar['y']} px, the conversation at {thread['y']} px"

    page.mouse.wheel(0, 2500)
    page.wait_for_timeout(300)
    scrolled = page.locator("aside.sidebar").bounding_box()
    assert 0 <= scrolled["y"] < 40, f"halfway down, the sidebar is {scrolled['y']} px from the top"
    assert page.csp_errors == []
