"""The API keys page in a browser: a new key is shown once, in full, and works against the API."""

import httpx

from rag_app.api.models import ApiKey
from tests.e2e.conftest import browser_test, log_in

pytestmark = browser_test


def test_a_key_made_on_the_page_is_shown_once_and_answers_the_api(agent, live_server, page, tmp_path):
    log_in(page, live_server.url)
    page.click("text=API keys")
    page.fill("#key-name", "ticket system")
    with page.expect_navigation():
        page.click("text=Create key")

    key = page.locator(".key-value code").inner_text().strip()
    page.screenshot(path=str(tmp_path / "api-key-created.png"), full_page=True)
    assert key.startswith("mnl_") and ApiKey.objects.get(user=agent).prefix == key[:12]
    listed = httpx.get(f"{live_server.url}/api/collections", headers={"Authorization": f"Bearer {key}"})
    assert listed.status_code == 200

    page.reload()
    assert page.locator(".key-value").count() == 0 and key not in page.content()
    page.click("text=Revoke")
    page.wait_for_selector("text=Revoked")
    assert (
        httpx.get(f"{live_server.url}/api/collections", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    )
    assert page.csp_errors == []
