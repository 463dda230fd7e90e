"""In a real browser: an uploaded page's script never runs in the app's origin; the app's own pages keep the CSP."""

from django.core.files.base import ContentFile

from tests.e2e.conftest import browser_test, log_in

pytestmark = browser_test

# What the attack in the issue did: read an audit export and post it where others read it.
SCRIPTED_HTML = b"""<!doctype html><html><head><title>Manual</title></head><body><h1>Setup</h1>
<script>document.title = "script ran";
fetch("/audit/export.json").then(r => r.text()).then(t => { window.stolen = t; });</script>
</body></html>"""


def test_a_scripted_html_manual_opens_as_inert_text(agent, live_server, page, tmp_path):
    from rag_app.documents import services
    from rag_app.documents.models import Collection

    collection = Collection.objects.create(name="Open manuals")
    document = services.add_document(
        collection, ContentFile(SCRIPTED_HTML, name="setup.html"), "setup.html", enqueue=False
    )
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/documents/{document.pk}/file/")
    page.wait_for_timeout(500)
    page.screenshot(path=tmp_path / "original-html.png")
    assert page.title() != "script ran"
    assert page.evaluate("window.stolen === undefined")
    assert "<script>" in page.inner_text("body")


def test_the_documents_page_draws_its_progress_bars_under_the_policy(agent, live_server, page):
    from rag_app.documents import services
    from rag_app.documents.models import Collection

    collection = Collection.objects.create(name="Manuals in progress")
    document = services.add_document(
        collection, ContentFile(b"Press start.\n", name="guide.txt"), "guide.txt", enqueue=False
    )
    type(document).objects.filter(pk=document.pk).update(status="embedding", progress=40)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/documents/?collection={collection.pk}")
    fill = page.locator(f"#document-{document.pk} .fill")
    assert fill.evaluate("element => element.style.width") == "40%"
    assert page.csp_errors == []
