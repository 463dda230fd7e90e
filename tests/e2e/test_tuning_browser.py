"""The tuning and comparison pages in a browser: the prompt preview, saving a style, and the side-by-side table."""

import os
from pathlib import Path

from rag_app.documents.models import Collection
from rag_app.evaluations.models import EvaluationRun, QuestionSet
from tests.e2e.conftest import browser_test, log_in
from tests.evaluations.conftest import PUMP_QUESTIONS

pytestmark = browser_test


def _shots(tmp_path) -> Path:
    # SCREENSHOTS=DIR keeps them for a person to look at.
    folder = Path(os.environ.get("SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_an_admin_previews_and_saves_a_chain_of_thought_prompt(agent, live_server, page, tmp_path):
    collection = Collection.objects.create(name="Boilers")
    log_in(page, live_server.url)
    page.click("text=Tuning")
    page.select_option("#id_style", "chain-of-thought")
    page.fill("#id_preview_question", "Why does the boiler knock?")
    with page.expect_navigation():
        page.click("text=Preview the prompt")

    preview = page.locator(".preview").inner_text()
    page.screenshot(path=str(_shots(tmp_path) / "tuning-preview.png"), full_page=True)
    assert "Reasoning:" in preview and "Why does the boiler knock?" in preview
    with page.expect_navigation():
        page.click("button[value=save]")
    collection.refresh_from_db()
    assert collection.prompt_style == "chain-of-thought"
    assert "now uses the Chain-of-thought" in page.content()
    assert page.csp_errors == []


def test_the_comparison_page_shows_the_approaches_side_by_side(agent, live_server, page, tmp_path):
    collection = Collection.objects.create(name="Pumps")
    question_set = QuestionSet.objects.create(collection=collection, name="pump.jsonl", questions=PUMP_QUESTIONS)
    for mode, recall, refusals in [
        ("prompt-only", 0.2, 0.3),
        ("rag:zero-shot", 0.55, 0.1),
        ("rag:few-shot", 0.6, 0.05),
    ]:
        EvaluationRun.objects.create(
            question_set=question_set, collection=collection, mode=mode, status=EvaluationRun.Status.DONE,
            metrics={"n": 3, "key_fact_recall": recall, "false_refusal_rate": refusals, "ttft_ms_p50": 4000.0},
        )  # fmt: skip
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/evaluations/collections/{collection.pk}/compare/")

    page.screenshot(path=str(_shots(tmp_path) / "compare.png"), full_page=True)
    assert page.locator(".compare-table thead th").count() == 5  # the row labels, then four approaches
    assert page.locator("tr[data-metric=key_fact_recall] td.best").inner_text() == "0.60"
    assert "RAG, few-shot states the manuals" in page.locator(".verdict").inner_text()
    assert page.csp_errors == []
