import pytest

from ingestion.parse import parse_file
from ingestion.types import IngestError, Page
from tests.pdfs import (
    make_corrupt_pdf,
    make_encrypted_pdf,
    make_image_only_pdf,
    make_pageless_pdf,
    make_pdf,
    make_truncated_pdf,
)

SENTENCES = [
    "Unpack the pump and check that every part is in the box.",
    "Fill the priming chamber with clean water before the first start.",
    "Open the outlet valve slowly until the pressure gauge reads two bar.",
    "Clean the intake filter every month during the watering season.",
]


def reason_for(path, kind="pdf") -> str:
    with pytest.raises(IngestError) as caught:
        parse_file(path, kind)
    return caught.value.reason


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_it_numbers_pdf_pages_in_order(tmp_path):
    path = make_pdf(tmp_path / "manual.pdf", SENTENCES)

    assert parse_file(path, "pdf") == [Page(number, text) for number, text in enumerate(SENTENCES, start=1)]


def test_it_keeps_blank_pdf_pages_empty_so_numbers_stay_aligned(tmp_path):
    path = make_pdf(tmp_path / "manual.pdf", [SENTENCES[0], "", SENTENCES[2]])

    assert parse_file(path, "pdf") == [Page(1, SENTENCES[0]), Page(2, ""), Page(3, SENTENCES[2])]


def test_it_reports_progress_after_each_pdf_page(tmp_path):
    path = make_pdf(tmp_path / "manual.pdf", SENTENCES[:3])
    calls = []

    parse_file(path, "pdf", on_page=lambda done, total: calls.append((done, total)))

    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_it_removes_running_header_and_footer_from_pdf_pages(tmp_path):
    path = make_pdf(
        tmp_path / "manual.pdf",
        SENTENCES,
        header="AquaFlow P20 Owner's Manual",
        footer="Page {page} of {total}",
    )

    assert [page.text for page in parse_file(path, "pdf")] == SENTENCES


def test_it_joins_words_hyphenated_across_pdf_lines(tmp_path):
    path = make_pdf(tmp_path / "manual.pdf", ["Finish the instal-\nlation before use."])

    assert parse_file(path, "pdf")[0].text == "Finish the installation before use."


def test_it_opens_a_pdf_with_only_an_owner_password(tmp_path):
    path = make_encrypted_pdf(tmp_path / "restricted.pdf", user_password="")

    assert parse_file(path, "pdf") == [Page(1, "The pump must be primed before first use.")]


def test_it_opens_an_aes_encrypted_pdf_with_only_an_owner_password(tmp_path):
    pytest.importorskip("cryptography", reason="pypdf needs cryptography to read AES-encrypted PDFs")
    path = make_encrypted_pdf(tmp_path / "restricted.pdf", user_password="", aes=True)

    assert parse_file(path, "pdf") == [Page(1, "The pump must be primed before first use.")]


def test_it_rejects_a_password_protected_pdf_with_reason(tmp_path):
    path = make_encrypted_pdf(tmp_path / "locked.pdf", user_password="secret")

    assert reason_for(path) == ("This PDF is password-protected. Remove the password and upload it again.")


def test_it_rejects_a_truncated_pdf_with_reason(tmp_path):
    reason = reason_for(make_truncated_pdf(tmp_path / "half.pdf"))

    assert reason.startswith("This PDF is incomplete")
    assert "Upload the complete file again." in reason


def test_it_rejects_a_corrupt_pdf_with_reason_and_detail(tmp_path):
    reason = reason_for(make_corrupt_pdf(tmp_path / "corrupt.pdf"))

    assert reason.startswith("The file is damaged or is not a valid PDF (")
    assert len(reason) < 200


def test_it_rejects_a_pdf_without_pages_with_reason(tmp_path):
    assert reason_for(make_pageless_pdf(tmp_path / "empty.pdf")) == ("The file is empty: this PDF has no pages.")


def test_it_rejects_a_pdf_without_text_as_scanned(tmp_path):
    reason = reason_for(make_image_only_pdf(tmp_path / "scan.pdf"))

    assert "scanned" in reason
    assert "OCR" in reason


def test_it_splits_markdown_before_top_level_headings(tmp_path):
    text = "Intro line.\n\n# Setup\nPlug it in.\n\n### Detail\nStill setup.\n## Use\nPress start.\n"

    pages = parse_file(write(tmp_path, "guide.md", text), "markdown")

    assert pages == [
        Page(1, "Intro line."),
        Page(2, "# Setup\nPlug it in.\n\n### Detail\nStill setup."),
        Page(3, "## Use\nPress start."),
    ]


def test_it_ignores_heading_markers_inside_markdown_code_fences(tmp_path):
    text = "# Config\n```sh\n# not a heading\n~~~\n## still code\n```\n## Next\nDone.\n"

    pages = parse_file(write(tmp_path, "guide.md", text), "markdown")

    assert [page.text.splitlines()[0] for page in pages] == ["# Config", "## Next"]
    assert "## still code" in pages[0].text


def test_it_splits_html_at_h1_and_h2_keeping_each_title_on_top(tmp_path):
    html = (
        "<html><head><title>Ignored</title></head><body>"
        "<p>Welcome.</p><h1>Setup</h1><p>Plug it in.</p><h3>Detail</h3><p>Still setup.</p>"
        "<h2>Use</h2><p>Press start.</p></body></html>"
    )

    pages = parse_file(write(tmp_path, "guide.html", html), "html")

    assert pages == [
        Page(1, "Welcome."),
        Page(2, "Setup\n\nPlug it in.\n\nDetail\n\nStill setup."),
        Page(3, "Use\n\nPress start."),
    ]


def test_it_drops_scripts_styles_and_templates_from_html(tmp_path):
    html = (
        "<style>p { color: red }</style><script>var x = '<p>no</p>';</script>"
        "<noscript>Enable JS</noscript><template><p>Hidden</p></template><p>Shown.</p>"
    )

    assert parse_file(write(tmp_path, "guide.html", html), "html") == [Page(1, "Shown.")]


def test_it_keeps_html_blocks_on_their_own_lines(tmp_path):
    html = (
        "<div>Steps:<ul>\n  <li>Open\n    the lid</li><li>Fill&nbsp;it</li></ul></div>"
        "<table><tr><td>Size</td><td>2 L</td></tr></table><p>A<br>B</p>"
    )

    text = parse_file(write(tmp_path, "guide.html", html), "html")[0].text

    assert text == "Steps:\n\nOpen the lid\nFill it\n\nSize 2 L\n\nA\nB"


def test_it_splits_text_at_form_feeds(tmp_path):
    path = write(tmp_path, "manual.txt", "First page.\n\fSecond page.\n\f\fFourth page.")

    assert parse_file(path, "text") == [
        Page(1, "First page."),
        Page(2, "Second page."),
        Page(3, ""),
        Page(4, "Fourth page."),
    ]


def test_it_reads_text_without_form_feeds_as_one_page(tmp_path):
    path = write(tmp_path, "manual.txt", "\ufeffLine one.\r\n\r\nLine two.\r\n")

    assert parse_file(path, "text") == [Page(1, "Line one.\n\nLine two.")]


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("text", ""),
        ("text", " \n\t\f\n"),
        ("markdown", "\n\n"),
        ("html", "<html><head><script>run()</script></head><body> </body></html>"),
    ],
)
def test_it_rejects_an_empty_file_with_reason(tmp_path, kind, text):
    reason = reason_for(write(tmp_path, "empty", text), kind)

    assert reason.startswith("The file is empty")


def test_it_rejects_text_that_is_not_utf8_with_reason(tmp_path):
    path = tmp_path / "manual.txt"
    path.write_bytes("Température de l'eau : 90 °C".encode("latin-1"))

    assert "not saved as UTF-8" in reason_for(path, "text")


def test_it_refuses_an_unknown_kind(tmp_path):
    with pytest.raises(ValueError, match="docx"):
        parse_file(write(tmp_path, "manual.docx", "Text."), "docx")
