"""Citation markers in answers become links to their passage; bad ones disappear."""

from types import SimpleNamespace

from rag_app.chat.rendering import answer_html, highlighted_passage


def _source(attached=False):
    return SimpleNamespace(attached=attached)


def test_valid_markers_link_to_their_passage():
    html = answer_html("Replace the filter every 200 hours [2].", 7, {2: _source()})
    assert 'href="#source-7-2"' in html
    assert 'class="cite"' in html


def test_markers_that_point_to_no_source_disappear():
    html = answer_html("Replace the filter [9] every 200 hours [2].", 7, {2: _source()})
    assert "[9]" not in html
    assert "#source-7-9" not in html
    assert "#source-7-2" in html


def test_attached_citations_are_labelled():
    html = answer_html("The motor has a three-year warranty [1].", 3, {1: _source(attached=True)})
    assert 'class="cite attached"' in html
    assert "after generation" in html


def test_answer_text_is_escaped():
    html = answer_html("<script>alert(1)</script> [1]", 1, {1: _source()})
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_backticked_spans_show_as_code_and_their_brackets_are_no_citations():
    html = answer_html("Run `set samples 200` and read `A[2]` [2].", 4, {2: _source()})
    assert "<code>set samples 200</code>" in html
    assert "<code>A[2]</code>" in html
    assert html.count('href="#source-4-2"') == 1
    assert "`" not in html


def test_code_spans_are_escaped():
    html = answer_html("Type `<b>` literally [1].", 1, {1: _source()})
    assert "<code>&lt;b&gt;</code>" in html


def test_the_supporting_sentence_is_highlighted():
    html = highlighted_passage(
        "Intro. Replace the filter every 200 hours. Rinse it.", "Replace the filter every 200 hours."
    )
    assert "<mark>Replace the filter every 200 hours.</mark>" in html
